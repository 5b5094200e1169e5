//! The schema checks: what schemas/record.schema.json requires of an article record.

use super::Record;
use crate::errors::{Fail, Result};
use crate::value::{get, Value};

fn text_or_null(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Null) => true,
        Some(Value::Str(s)) => !s.is_empty(),
        _ => false,
    }
}

/// `^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2})?$` on ASCII text.
fn date_pattern(text: &str) -> bool {
    let b = text.as_bytes();
    let d = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(d(0..4) && b.get(4) == Some(&b'-') && d(5..7) && b.get(7) == Some(&b'-') && d(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !(b.get(10) == Some(&b'T')
        && d(11..13)
        && b.get(13) == Some(&b':')
        && d(14..16)
        && b.get(16) == Some(&b':')
        && d(17..19))
    {
        return false;
    }
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        let n = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=6).contains(&n) {
            return false;
        }
        at += 1 + n;
    }
    b.len() == at + 6
        && matches!(b.get(at), Some(b'+') | Some(b'-'))
        && d(at + 1..at + 3)
        && b.get(at + 3) == Some(&b':')
        && d(at + 4..at + 6)
}

/// The checks of schemas/record.schema.json; a record that fails them is declined (the
/// reference words the schema error).
pub(super) fn validate_article(record: &Record) -> Result<()> {
    let data = &record.data;
    let bad = || Err(Fail::decline("record the schema refuses"));
    if !matches!(get(data, "id"), Some(Value::Int(_))) {
        return bad();
    }
    match get(data, "slug") {
        Some(Value::Str(s)) if !s.is_empty() && !s.contains(['/', '\\', '\0']) => {}
        _ => return bad(),
    }
    for key in ["url", "title", "question", "answer", "subject", "author"] {
        if !text_or_null(get(data, key)) {
            return bad();
        }
    }
    match get(data, "date") {
        Some(Value::Null) => {}
        Some(Value::Str(s)) if s.is_ascii() && date_pattern(s) => {}
        Some(Value::Str(s)) if !s.is_ascii() => return Err(Fail::decline("non-ASCII date text")),
        _ => return bad(),
    }
    let Some(Value::Map(seo)) = get(data, "seo") else {
        return bad();
    };
    if !text_or_null(get(seo, "title")) || !text_or_null(get(seo, "description")) {
        return bad();
    }
    match get(seo, "keywords") {
        Some(Value::Seq(items))
            if items
                .iter()
                .all(|i| matches!(i, Value::Str(s) if !s.is_empty())) => {}
        _ => return bad(),
    }
    let Some(Value::Seq(links)) = get(data, "related") else {
        return bad();
    };
    for link in links {
        let Value::Map(link) = link else { return bad() };
        if !matches!(get(link, "id"), Some(Value::Int(_)) | Some(Value::Null)) {
            return bad();
        }
        for key in ["title", "subject", "url"] {
            if !text_or_null(get(link, key)) {
                return bad();
            }
        }
    }
    if !matches!(
        get(data, "score"),
        Some(Value::Float(_)) | Some(Value::Int(_)) | Some(Value::Null)
    ) {
        return bad();
    }
    if !matches!(get(data, "extra"), Some(Value::Map(_))) {
        return bad();
    }
    match get(data, "source") {
        Some(Value::Map(source)) if matches!(get(source, "path"), Some(Value::Str(p)) if !p.is_empty()) => {
            Ok(())
        }
        _ => bad(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_patterns() {
        assert!(date_pattern("2025-01-29"));
        assert!(date_pattern("2025-01-29T10:00:00.5+02:00"));
        assert!(!date_pattern("2025-01-29T10:00:00"));
    }
}
