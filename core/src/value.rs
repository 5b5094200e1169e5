//! The parsed front matter: the values PyYAML's safe loader would construct.

/// A calendar date (PyYAML `datetime.date`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// A time stamp (PyYAML `datetime.datetime`), naive when `offset_minutes` is None.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub date: Date,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    pub offset_minutes: Option<i32>,
}

/// One front-matter value. Mapping keys are strings: a document with another key type is
/// declined (the reference turns such keys into text with a warning).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Date(Date),
    DateTime(DateTime),
    Seq(Vec<Value>),
    Map(Map),
}

/// A mapping in key order (front matter has a few dozen keys: a vector beats a hash map).
pub type Map = Vec<(String, Value)>;

/// The value of `key` in a mapping, if present.
pub fn get<'a>(map: &'a Map, key: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The value at a dotted key path (`seo.page_description`), if every step is a mapping.
pub fn get_path<'a>(map: &'a Map, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut current = get(map, parts.next()?)?;
    for part in parts {
        match current {
            Value::Map(inner) => current = get(inner, part)?,
            _ => return None,
        }
    }
    Some(current)
}

impl Date {
    /// True when the day exists in that month (the proleptic Gregorian calendar, years 1..9999).
    pub fn is_valid(&self) -> bool {
        (1..=9999).contains(&self.year)
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// `YYYY-MM-DD`, as Python's `date.isoformat()`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl DateTime {
    /// Python's `datetime.isoformat()`: microseconds only when non-zero, the offset when aware.
    pub fn iso(&self) -> String {
        let mut out = format!(
            "{}T{:02}:{:02}:{:02}",
            self.date.iso(),
            self.hour,
            self.minute,
            self.second
        );
        if self.microsecond != 0 {
            out.push_str(&format!(".{:06}", self.microsecond));
        }
        if let Some(offset) = self.offset_minutes {
            out.push_str(&offset_text(offset));
        }
        out
    }
}

/// `+HH:MM` / `-HH:MM` for an offset in minutes.
pub fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let abs = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// The tagged JSON form of a value that the Python tests build from PyYAML's values too
/// (types kept apart: `{"int": "1"}`, `{"float": "1.0"}`, `{"bool": true}`, ...).
pub fn to_tagged(value: &Value) -> serde_json::Value {
    use serde_json::{json, Value as J};
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => json!({ "bool": b }),
        Value::Int(i) => json!({ "int": i.to_string() }),
        Value::Float(f) => json!({ "float": crate::pyfmt::float_repr(*f) }),
        Value::Str(s) => json!({ "str": s }),
        Value::Date(d) => json!({ "date": d.iso() }),
        Value::DateTime(d) => json!({ "datetime": d.iso() }),
        Value::Seq(items) => json!({ "seq": items.iter().map(to_tagged).collect::<Vec<_>>() }),
        Value::Map(map) => json!({
            "map": map.iter().map(|(k, v)| json!([k, to_tagged(v)])).collect::<Vec<_>>()
        }),
    }
}

/// The value of a tagged JSON form (see `to_tagged`); None for a form it does not know.
pub fn from_tagged(tagged: &serde_json::Value) -> Option<Value> {
    use serde_json::Value as J;
    let object = match tagged {
        J::Null => return Some(Value::Null),
        J::Object(object) if object.len() == 1 => object,
        _ => return None,
    };
    let (tag, inner) = object.iter().next()?;
    Some(match (tag.as_str(), inner) {
        ("bool", J::Bool(b)) => Value::Bool(*b),
        ("int", J::String(s)) => Value::Int(s.parse().ok()?),
        ("float", J::String(s)) => Value::Float(s.parse().ok()?),
        ("str", J::String(s)) => Value::Str(s.clone()),
        ("date", J::String(s)) => Value::Date(parse_iso_date(s)?),
        ("datetime", J::String(s)) => Value::DateTime(parse_iso_datetime(s)?),
        ("seq", J::Array(items)) => {
            Value::Seq(items.iter().map(from_tagged).collect::<Option<_>>()?)
        }
        ("map", J::Array(pairs)) => Value::Map(
            pairs
                .iter()
                .map(|pair| {
                    let pair = pair.as_array()?;
                    Some((
                        pair.first()?.as_str()?.to_string(),
                        from_tagged(pair.get(1)?)?,
                    ))
                })
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

fn parse_iso_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let date = Date {
        year: parts.next()?.parse().ok()?,
        month: parts.next()?.parse().ok()?,
        day: parts.next()?.parse().ok()?,
    };
    date.is_valid().then_some(date)
}

fn parse_iso_datetime(text: &str) -> Option<DateTime> {
    let date = parse_iso_date(text.get(..10)?)?;
    let rest = text.get(11..)?;
    let hour = rest.get(..2)?.parse().ok()?;
    let minute = rest.get(3..5)?.parse().ok()?;
    let second = rest.get(6..8)?.parse().ok()?;
    let mut rest = &rest[8..];
    let mut microsecond = 0;
    if let Some(r) = rest.strip_prefix('.') {
        microsecond = r.get(..6)?.parse().ok()?;
        rest = &r[6..];
    }
    let offset_minutes = if rest.is_empty() {
        None
    } else {
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        let h: i32 = rest.get(1..3)?.parse().ok()?;
        let m: i32 = rest.get(4..6)?.parse().ok()?;
        Some(sign * (h * 60 + m))
    };
    Some(DateTime {
        date,
        hour,
        minute,
        second,
        microsecond,
        offset_minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(Date {
            year: 2024,
            month: 2,
            day: 29
        }
        .is_valid());
        assert!(!Date {
            year: 2025,
            month: 2,
            day: 29
        }
        .is_valid());
        assert!(!Date {
            year: 1900,
            month: 2,
            day: 29
        }
        .is_valid());
        assert!(!Date {
            year: 0,
            month: 1,
            day: 1
        }
        .is_valid());
        let when = DateTime {
            date: Date {
                year: 2025,
                month: 1,
                day: 29,
            },
            hour: 9,
            minute: 5,
            second: 0,
            microsecond: 500,
            offset_minutes: Some(-330),
        };
        assert_eq!(when.iso(), "2025-01-29T09:05:00.000500-05:30");
    }
}
