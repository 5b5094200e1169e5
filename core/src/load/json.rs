//! Record JSON as orjson writes it (`pipeline.record.record_json`): compact, keys in order,
//! non-ASCII kept, the escapes `\" \\ \n \r \t \b \f` and `\u00XX` for other C0 controls,
//! floats by zmij (orjson 3.13's formatter). One line: the JSONL line, the manifest entry
//! and every JSON cell of the CSV files.

use crate::errors::{Fail, Result};
use crate::pyfmt::orjson_float;
use crate::value::Value;

/// True when a byte of `word` is `"`, `\\` or a C0 control (SWAR: eight bytes per step).
#[inline]
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = has_zero(word ^ (ONES * b'"' as u64));
    let backslash = has_zero(word ^ (ONES * b'\\' as u64));
    // Bytes below 0x20: subtracting 0x20 borrows into the high bit of a byte that had it clear.
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    (quote | backslash | control) != 0
}

/// Append a JSON string literal.
pub fn write_str(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight clean bytes at a time: most text has no escape at all.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !needs_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        } else {
            out.push_str(escape);
        }
        i += 1;
        start = i;
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
        Value::Int(i) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
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
    fn escapes_at_every_position() {
        for len in 0..20 {
            for special in ["\"", "\\", "\n", "\u{1f}", "\u{7f}", "é"] {
                let text = format!("{}{special}{}", "a".repeat(len), "b".repeat(len % 7));
                let mut out = String::new();
                write_str(&mut out, &text);
                let expected = format!(
                    "\"{}{}{}\"",
                    "a".repeat(len),
                    match special {
                        "\"" => "\\\"",
                        "\\" => "\\\\",
                        "\n" => "\\n",
                        "\u{1f}" => "\\u001f",
                        other => other,
                    },
                    "b".repeat(len % 7)
                );
                assert_eq!(out, expected);
            }
        }
    }

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
