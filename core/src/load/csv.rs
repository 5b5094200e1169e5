//! CSV rows as `pipeline/load/csv.py` writes them: `cell()` per column, `_rows_text()`
//! (csv.writer's QUOTE_MINIMAL with CRLF records), the articles row and the related rows.
//! Cells are written straight into the row text (no string per cell).

use std::fmt::Write;

use crate::errors::{Fail, Result};
use crate::load::json::write_value;
use crate::pyfmt::float_repr;
use crate::transform::profile::Shape;
use crate::value::{get, Map, Value};

/// Table Schema kinds that change how a cell is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `string`: spreadsheet-safe quoting applies.
    Text,
    /// `array` / `object`: JSON in the cell.
    Json,
    /// Numbers, dates: their text.
    Other,
}

/// One row being written: cells are appended with csv.writer's quoting.
struct Row<'a> {
    out: &'a mut String,
    cells: usize,
    safe: bool,
    scratch: String,
}

impl Row<'_> {
    /// Append one cell's text, quoted when it holds `,`, `"`, CR or LF.
    fn text(&mut self, text: &str, kind: Kind) {
        if self.cells > 0 {
            self.out.push(',');
        }
        self.cells += 1;
        let prefix = self.safe
            && kind == Kind::Text
            && text.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']);
        let bytes = text.as_bytes();
        let has_quote = memchr::memchr(b'"', bytes).is_some();
        let quote = has_quote || memchr::memchr3(b',', b'\r', b'\n', bytes).is_some();
        if quote {
            self.out.push('"');
        }
        if prefix {
            self.out.push('\'');
        }
        if has_quote {
            // Each `"` doubled, the text between copied whole.
            let mut start = 0;
            for at in memchr::memchr_iter(b'"', bytes) {
                self.out.push_str(&text[start..=at]);
                self.out.push('"');
                start = at + 1;
            }
            self.out.push_str(&text[start..]);
        } else {
            self.out.push_str(text);
        }
        if quote {
            self.out.push('"');
        }
    }

    /// `cell(value, kind)`: null is empty, collections are JSON, floats their repr.
    fn value(&mut self, value: &Value, kind: Kind) -> Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let text: &str = match value {
            Value::Null => "",
            _ if kind == Kind::Json => {
                write_value(&mut scratch, value)?;
                &scratch
            }
            Value::Float(f) => {
                scratch.push_str(&float_repr(*f));
                &scratch
            }
            Value::Int(i) => {
                let _ = write!(scratch, "{i}");
                &scratch
            }
            Value::Bool(b) => {
                if *b {
                    "True"
                } else {
                    "False"
                }
            }
            Value::Str(s) => s,
            _ => return Err(Fail::decline("collection in a text column")),
        };
        self.text(text, kind);
        self.scratch = scratch;
        Ok(())
    }

    /// End the record with CRLF. (csv.writer writes a row of one empty cell as `""`; every
    /// row here has four or more cells.)
    fn end(self) {
        self.out.push_str("\r\n");
    }
}

fn field<'a>(data: &'a Map, key: &str) -> &'a Value {
    get(data, key).unwrap_or(&Value::Null)
}

/// The `articles.csv` row and the `related.csv` rows of one record.
pub fn rows(data: &Map, shape: Shape, spreadsheet_safe: bool) -> Result<(String, String)> {
    let source = match field(data, "source") {
        Value::Map(m) => m,
        _ => return Err(Fail::decline("record without source")),
    };
    let mut article = String::with_capacity(8192);
    let mut row = Row {
        out: &mut article,
        cells: 0,
        safe: spreadsheet_safe,
        scratch: String::new(),
    };
    if shape == Shape::Generic {
        row.value(field(source, "path"), Kind::Text)?;
        row.value(field(source, "sha256"), Kind::Text)?;
        row.value(field(data, "front_matter"), Kind::Json)?;
        row.value(field(data, "body"), Kind::Text)?;
        row.end();
        return Ok((article, String::new()));
    }
    let seo = match field(data, "seo") {
        Value::Map(m) => m,
        _ => return Err(Fail::decline("record without seo")),
    };
    // `date` is the calendar date (the first ten characters), `date_time` the full text
    // where the source had a time.
    let (date, date_time) = match field(data, "date") {
        Value::Str(s) if s.is_ascii() => (
            Value::Str(s.get(..10).unwrap_or(s).to_string()),
            if s.len() > 10 {
                Value::Str(s.clone())
            } else {
                Value::Null
            },
        ),
        Value::Str(_) => return Err(Fail::decline("non-ASCII date text")),
        _ => (Value::Null, Value::Null),
    };
    for (value, kind) in [
        (field(data, "id"), Kind::Other),
        (field(data, "slug"), Kind::Text),
        (field(data, "url"), Kind::Text),
        (field(data, "title"), Kind::Text),
        (field(data, "question"), Kind::Text),
        (field(data, "answer"), Kind::Text),
        (field(data, "subject"), Kind::Text),
        (field(data, "author"), Kind::Text),
        (&date, Kind::Other),
        (&date_time, Kind::Other),
        (field(seo, "title"), Kind::Text),
        (field(seo, "description"), Kind::Text),
        (field(seo, "keywords"), Kind::Json),
        (field(data, "score"), Kind::Other),
        (field(data, "body"), Kind::Text),
        (field(data, "extra"), Kind::Json),
        (field(source, "path"), Kind::Text),
        (field(source, "sha256"), Kind::Text),
    ] {
        row.value(value, kind)?;
    }
    row.end();
    let mut related = String::new();
    if let Value::Seq(links) = field(data, "related") {
        for (position, link) in links.iter().enumerate() {
            let Value::Map(link) = link else {
                return Err(Fail::decline("related link that is not a mapping"));
            };
            let mut row = Row {
                out: &mut related,
                cells: 0,
                safe: spreadsheet_safe,
                scratch: String::new(),
            };
            row.value(field(data, "id"), Kind::Other)?;
            row.value(&Value::Int(position as i64 + 1), Kind::Other)?;
            row.value(field(link, "id"), Kind::Other)?;
            row.value(field(link, "title"), Kind::Text)?;
            row.value(field(link, "subject"), Kind::Text)?;
            row.value(field(link, "url"), Kind::Text)?;
            row.end();
        }
    }
    Ok((article, related))
}
