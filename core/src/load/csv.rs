//! CSV rows as `pipeline/load/csv.py` writes them: `cell()` per column, `_rows_text()`
//! (csv.writer's QUOTE_MINIMAL with CRLF records), the articles row and the related rows.

use crate::errors::{Fail, Result};
use crate::load::json::write_value;
use crate::pyfmt::float_repr;
use crate::transform::profile::Shape;
use crate::value::{get, Map, Value};

/// Table Schema kinds that change how a cell is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Json,
    Other,
}

/// `cell(value, kind, spreadsheet_safe)`.
fn cell(value: &Value, kind: Kind, spreadsheet_safe: bool) -> Result<String> {
    let text = match value {
        Value::Null => return Ok(String::new()),
        _ if kind == Kind::Json => {
            let mut out = String::new();
            write_value(&mut out, value)?;
            out
        }
        Value::Float(f) => float_repr(*f),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Str(s) => s.clone(),
        _ => return Err(Fail::decline("collection in a text column")),
    };
    if spreadsheet_safe
        && kind == Kind::Text
        && text.starts_with(['=', '+', '-', '@', '\t', '\r', '\''])
    {
        return Ok(format!("'{text}"));
    }
    Ok(text)
}

/// Append one CSV record (CRLF-terminated), quoting cells that hold `,`, `"`, CR or LF.
fn push_row(out: &mut String, cells: &[String]) {
    if cells.len() == 1 && cells[0].is_empty() {
        out.push_str("\"\"\r\n"); // csv.writer quotes a lone empty cell
        return;
    }
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if c.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(c);
        }
    }
    out.push_str("\r\n");
}

fn field<'a>(data: &'a Map, key: &str) -> &'a Value {
    get(data, key).unwrap_or(&Value::Null)
}

/// The `articles.csv` row and the `related.csv` rows of one record.
pub fn rows(data: &Map, shape: Shape, spreadsheet_safe: bool) -> Result<(String, String)> {
    let safe = spreadsheet_safe;
    let text = |v: &Value| cell(v, Kind::Text, safe);
    let source = match field(data, "source") {
        Value::Map(m) => m,
        _ => return Err(Fail::decline("record without source")),
    };
    let mut article = String::new();
    if shape == Shape::Generic {
        let cells = [
            text(field(source, "path"))?,
            text(field(source, "sha256"))?,
            cell(field(data, "front_matter"), Kind::Json, safe)?,
            text(field(data, "body"))?,
        ];
        push_row(&mut article, &cells);
        return Ok((article, String::new()));
    }
    let seo = match field(data, "seo") {
        Value::Map(m) => m,
        _ => return Err(Fail::decline("record without seo")),
    };
    let (date, date_time) = match field(data, "date") {
        Value::Str(s) => (
            Value::Str(s.chars().take(10).collect()),
            if s.chars().count() > 10 {
                Value::Str(s.clone())
            } else {
                Value::Null
            },
        ),
        _ => (Value::Null, Value::Null),
    };
    let other = |v: &Value| cell(v, Kind::Other, safe);
    let cells = [
        other(field(data, "id"))?,
        text(field(data, "slug"))?,
        text(field(data, "url"))?,
        text(field(data, "title"))?,
        text(field(data, "question"))?,
        text(field(data, "answer"))?,
        text(field(data, "subject"))?,
        text(field(data, "author"))?,
        other(&date)?,
        other(&date_time)?,
        text(field(seo, "title"))?,
        text(field(seo, "description"))?,
        cell(field(seo, "keywords"), Kind::Json, safe)?,
        other(field(data, "score"))?,
        text(field(data, "body"))?,
        cell(field(data, "extra"), Kind::Json, safe)?,
        text(field(source, "path"))?,
        text(field(source, "sha256"))?,
    ];
    push_row(&mut article, &cells);
    let mut related = String::new();
    if let Value::Seq(links) = field(data, "related") {
        let id = other(field(data, "id"))?;
        for (position, link) in links.iter().enumerate() {
            let Value::Map(link) = link else {
                return Err(Fail::decline("related link that is not a mapping"));
            };
            let cells = [
                id.clone(),
                (position + 1).to_string(),
                other(field(link, "id"))?,
                text(field(link, "title"))?,
                text(field(link, "subject"))?,
                text(field(link, "url"))?,
            ];
            push_row(&mut related, &cells);
        }
    }
    Ok((article, related))
}
