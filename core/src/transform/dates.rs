//! Legacy dates -> ISO 8601, as `pipeline/transform/dates.py` reads them. (Stub.)

use crate::errors::{Fail, Result};
use crate::value::Value;

/// `normalise_date(value, doc_format=..., formats=..., naive_tz=...)`: the ISO text, or a
/// decline wherever the reference would raise or the core cannot be sure.
pub fn normalise_date(
    _value: &Value,
    _doc_format: Option<&str>,
    _formats: &[String],
    _naive_tz_minutes: i32,
) -> Result<String> {
    Err(Fail::decline("date reader not written yet"))
}
