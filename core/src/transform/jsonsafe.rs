//! Front-matter values made JSON-safe, as `pipeline/transform/jsonsafe.py` does: dates and
//! times become their ISO text. What would need a warning there (a float that is not finite;
//! non-string keys never reach here) is declined.

use crate::errors::{Fail, Result};
use crate::value::Value;

/// `json_safe(value)` for a value the core parsed.
pub fn json_safe(value: &Value) -> Result<Value> {
    Ok(match value {
        Value::Float(f) if !f.is_finite() => return Err(Fail::decline("float that is not finite")),
        Value::Date(d) => Value::Str(d.iso()),
        Value::DateTime(d) => Value::Str(d.iso()),
        Value::Seq(items) => Value::Seq(items.iter().map(json_safe).collect::<Result<_>>()?),
        Value::Map(map) => Value::Map(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), json_safe(v)?)))
                .collect::<Result<_>>()?,
        ),
        other => other.clone(),
    })
}

/// `json_safe` in place, for a value the caller owns already.
pub fn make_json_safe(value: &mut Value) -> Result<()> {
    match value {
        Value::Float(f) if !f.is_finite() => return Err(Fail::decline("float that is not finite")),
        Value::Date(d) => *value = Value::Str(d.iso()),
        Value::DateTime(d) => *value = Value::Str(d.iso()),
        Value::Seq(items) => {
            for item in items {
                make_json_safe(item)?;
            }
        }
        Value::Map(map) => {
            for (_, item) in map {
                make_json_safe(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}
