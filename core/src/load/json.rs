//! Record JSON as orjson writes it (`pipeline.record.record_json`): compact, keys in order,
//! non-ASCII kept, the escapes `\" \\ \n \r \t \b \f` and `\u00XX` for other C0 controls,
//! floats by zmij (orjson 3.13's formatter). One line: the JSONL line, the manifest entry
//! and every JSON cell of the CSV files.

use crate::errors::{Fail, Result};
use crate::pyfmt::orjson_float;
use crate::value::Value;

/// Append a JSON string literal.
pub fn write_str(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Append a value as compact JSON.
pub fn write_value(out: &mut String, value: &Value) -> Result<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_finite() => out.push_str(&orjson_float(*f)),
        Value::Float(_) => return Err(Fail::decline("float that is not finite")),
        Value::Str(s) => write_str(out, s),
        Value::Date(_) | Value::DateTime(_) => {
            return Err(Fail::decline("date in a record (not JSON-safe)"))
        }
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_value(out, item)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A value as compact JSON text.
pub fn to_json(value: &Value) -> Result<String> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_orjson() {
        let v = Value::Map(vec![
            ("a".into(), Value::Str("x\"\\\n\u{1}\u{7f}é\u{2028}".into())),
            (
                "b".into(),
                Value::Seq(vec![Value::Float(-1.0), Value::Int(3), Value::Null]),
            ),
        ]);
        assert_eq!(
            to_json(&v).unwrap(),
            "{\"a\":\"x\\\"\\\\\\n\\u0001\u{7f}é\u{2028}\",\"b\":[-1.0,3,null]}"
        );
    }
}
