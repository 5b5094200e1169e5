//! PyYAML's implicit resolvers (YAML 1.1, `yaml/resolver.py`) and the safe constructor's
//! scalar types (`yaml/constructor.py`), for plain scalars.
//!
//! Hand-written matchers rather than the `regex` crate: they run on every plain scalar of
//! every document, and PyYAML picks its candidate resolvers by the first character anyway,
//! so most scalars are decided by one `match`. Each function names the pattern it mirrors.
//! Forms the core does not construct (octal, binary, hex and sexagesimal numbers,
//! underscores, .inf/.nan, merge and value keys) are declined, never guessed.

use crate::errors::{Fail, Result};
use crate::value::{Date, DateTime, Value};

/// What a plain scalar resolves to.
pub fn resolve_plain(text: &str) -> Result<Value> {
    let first = match text.as_bytes().first() {
        None => return Ok(Value::Null),
        Some(b) => *b,
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' => {
            if let Some(b) = bool_word(text) {
                return Ok(Value::Bool(b));
            }
            if matches!(text, "null" | "Null" | "NULL") {
                return Ok(Value::Null);
            }
            Ok(Value::Str(text.to_string()))
        }
        b'~' if text == "~" => Ok(Value::Null),
        b'<' if text == "<<" => Err(Fail::decline("merge key")),
        b'=' if text == "=" => Err(Fail::decline("YAML value key")),
        // `^(?:!|&|\*)$`: PyYAML's documentation-only `yaml` tag, which it cannot construct.
        b'!' | b'&' | b'*' if text.len() == 1 => Err(Fail::decline("YAML `yaml` tag")),
        b'-' | b'+' | b'.' | b'0'..=b'9' => number_or_timestamp(text),
        _ => Ok(Value::Str(text.to_string())),
    }
}

/// True when a plain scalar with this text is a string to PyYAML (keys, emitters).
pub fn is_plain_str(text: &str) -> bool {
    matches!(resolve_plain(text), Ok(Value::Str(_)))
}

/// The tag PyYAML's resolver gives a plain scalar, by name, without constructing it
/// (`str`, `bool`, `int`, `float`, `null`, `timestamp`, `merge`, `value`).
pub fn tag_of(text: &str) -> &'static str {
    let first = match text.as_bytes().first() {
        None => return "null",
        Some(b) => *b,
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' => {
            if bool_word(text).is_some() {
                "bool"
            } else if matches!(text, "null" | "Null" | "NULL") {
                "null"
            } else {
                "str"
            }
        }
        b'~' if text == "~" => "null",
        b'<' if text == "<<" => "merge",
        b'=' if text == "=" => "value",
        b'!' | b'&' | b'*' if text.len() == 1 => "yaml",
        b'-' | b'+' | b'.' | b'0'..=b'9' => {
            if float_form(text).is_some() {
                "float"
            } else if int_form(text).is_some() {
                "int"
            } else if first.is_ascii_digit() && timestamp_parts(text).is_some() {
                "timestamp"
            } else {
                "str"
            }
        }
        _ => "str",
    }
}

/// `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`
fn bool_word(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum FloatForm {
    /// `[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?` or `\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?`
    Decimal,
    /// `[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`
    Sexagesimal,
    /// `[-+]?\.(?:inf|Inf|INF)` or `\.(?:nan|NaN|NAN)`
    Special,
}

#[derive(Debug, PartialEq, Eq)]
enum IntForm {
    /// `[-+]?(?:0|[1-9][0-9_]*)`
    Decimal,
    /// `[-+]?0b[0-1_]+`, `[-+]?0[0-7_]+`, `[-+]?0x[0-9a-fA-F_]+`, `[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
    Other,
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(allowed)
}

fn digit_or_underscore(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `(?:[eE][-+][0-9]+)?` at the end of a mantissa: the length of the mantissa part.
fn strip_exponent(text: &str) -> Option<&str> {
    if let Some(pos) = text.find(['e', 'E']) {
        let exp = &text[pos + 1..];
        let digits = exp.strip_prefix(['-', '+'])?;
        if digits.is_empty() || !all(digits, |b| b.is_ascii_digit()) {
            return None;
        }
        Some(&text[..pos])
    } else {
        Some(text)
    }
}

/// `(?::[0-5]?[0-9])+` : one or more `:` groups of one or two digits, the first 0-5.
fn sexagesimal_tail(text: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    text.split(':').skip(1).all(|group| {
        let b = group.as_bytes();
        match b.len() {
            1 => b[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
            _ => false,
        }
    }) && text.starts_with(':')
}

fn float_form(text: &str) -> Option<FloatForm> {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(FloatForm::Special);
    }
    let (_, rest) = split_sign(text);
    if matches!(rest, ".inf" | ".Inf" | ".INF") {
        return Some(FloatForm::Special);
    }
    // `\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` (no sign; a digit right after the point: `._` is
    // a string to PyYAML)
    if let Some(frac) = text.strip_prefix('.') {
        let mantissa = strip_exponent(frac)?;
        return (mantissa.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && all(mantissa, digit_or_underscore))
        .then_some(FloatForm::Decimal);
    }
    let first = *rest.as_bytes().first()?;
    if !first.is_ascii_digit() {
        return None;
    }
    let dot = rest.find('.')?;
    let (head, tail) = (&rest[..dot], &rest[dot + 1..]);
    if let Some(colon) = head.find(':') {
        let (int, groups) = head.split_at(colon);
        return (all(int, digit_or_underscore)
            && sexagesimal_tail(groups)
            && all(tail, digit_or_underscore))
        .then_some(FloatForm::Sexagesimal);
    }
    let frac = strip_exponent(tail)?;
    (all(head, digit_or_underscore) && all(frac, digit_or_underscore)).then_some(FloatForm::Decimal)
}

fn int_form(text: &str) -> Option<IntForm> {
    let (_, rest) = split_sign(text);
    let bytes = rest.as_bytes();
    let first = *bytes.first()?;
    if !first.is_ascii_digit() {
        return None;
    }
    if rest == "0" {
        return Some(IntForm::Decimal);
    }
    if let Some(bin) = rest.strip_prefix("0b") {
        return (!bin.is_empty() && all(bin, |b| matches!(b, b'0' | b'1' | b'_')))
            .then_some(IntForm::Other);
    }
    if let Some(hex) = rest.strip_prefix("0x") {
        return (!hex.is_empty() && all(hex, |b| b.is_ascii_hexdigit() || b == b'_'))
            .then_some(IntForm::Other);
    }
    if first == b'0' {
        return (bytes.len() > 1 && all(&rest[1..], |b| matches!(b, b'0'..=b'7' | b'_')))
            .then_some(IntForm::Other);
    }
    if let Some(colon) = rest.find(':') {
        let (int, groups) = rest.split_at(colon);
        return (all(int, digit_or_underscore) && sexagesimal_tail(groups))
            .then_some(IntForm::Other);
    }
    all(rest, digit_or_underscore).then_some(IntForm::Decimal)
}

fn number_or_timestamp(text: &str) -> Result<Value> {
    // Resolver order: float, int, timestamp (only those whose first characters allow it).
    match float_form(text) {
        Some(FloatForm::Decimal) if !text.contains('_') => {
            // Python: sign * float(rest); Rust's parser reads `1.`, `.5` and `1.e+3` alike.
            let (negative, rest) = split_sign(text);
            let value: f64 = rest
                .parse()
                .map_err(|_| Fail::decline("float the core cannot read"))?;
            return Ok(Value::Float(if negative { -value } else { value }));
        }
        Some(_) => return Err(Fail::decline("YAML 1.1 float form")),
        None => {}
    }
    match int_form(text) {
        Some(IntForm::Decimal) if !text.contains('_') => {
            return text
                .strip_prefix('+')
                .unwrap_or(text)
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| Fail::decline("integer beyond 64 bits"));
        }
        Some(_) => return Err(Fail::decline("YAML 1.1 integer form")),
        None => {}
    }
    if text.as_bytes()[0].is_ascii_digit() {
        if let Some(parts) = timestamp_parts(text) {
            return Ok(construct_timestamp(text, parts));
        }
    }
    Ok(Value::Str(text.to_string()))
}

/// The groups of PyYAML's timestamp regexp, when the resolver's pattern matches.
struct Stamp<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
    time: Option<Clock<'a>>,
}

struct Clock<'a> {
    hour: &'a str,
    minute: &'a str,
    second: &'a str,
    fraction: Option<&'a str>,
    /// None: no zone; Some(None): `Z`; Some(Some((negative, hour, minute)))
    tz: Option<Option<(bool, &'a str, Option<&'a str>)>>,
}

fn digits(text: &str, min: usize, max: usize) -> Option<(&str, &str)> {
    let n = text
        .bytes()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n >= min).then(|| text.split_at(n))
}

/// The resolver's timestamp pattern:
/// `[0-9]{4}-[0-9]{2}-[0-9]{2}` or
/// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?`
/// `(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?`
fn timestamp_parts(text: &str) -> Option<Stamp<'_>> {
    let (year, rest) = digits(text, 4, 4)?;
    let rest = rest.strip_prefix('-')?;
    let (month, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = digits(rest, 1, 2)?;
    if rest.is_empty() {
        return (month.len() == 2 && day.len() == 2).then_some(Stamp {
            year,
            month,
            day,
            time: None,
        });
    }
    let rest = if let Some(r) = rest.strip_prefix(['T', 't']) {
        r
    } else {
        let r = rest.trim_start_matches([' ', '\t']);
        if r.len() == rest.len() {
            return None;
        }
        r
    };
    let (hour, rest) = digits(rest, 1, 2)?;
    let (minute, rest) = digits(rest.strip_prefix(':')?, 2, 2)?;
    let (second, mut rest) = digits(rest.strip_prefix(':')?, 2, 2)?;
    let mut fraction = None;
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(|b| b.is_ascii_digit()).count();
        fraction = Some(&r[..n]);
        rest = &r[n..];
    }
    let mut tz = None;
    if !rest.is_empty() {
        let r = rest.trim_start_matches([' ', '\t']);
        if r == "Z" {
            tz = Some(None);
        } else {
            let negative = match r.as_bytes().first() {
                Some(b'-') => true,
                Some(b'+') => false,
                _ => return None,
            };
            let (tz_hour, r) = digits(&r[1..], 1, 2)?;
            let tz_minute = if r.is_empty() {
                None
            } else {
                let (m, r) = digits(r.strip_prefix(':')?, 2, 2)?;
                if !r.is_empty() {
                    return None;
                }
                Some(m)
            };
            tz = Some(Some((negative, tz_hour, tz_minute)));
        }
    }
    Some(Stamp {
        year,
        month,
        day,
        time: Some(Clock {
            hour,
            minute,
            second,
            fraction,
            tz,
        }),
    })
}

fn num(text: &str) -> u32 {
    text.bytes().fold(0u32, |acc, b| {
        acc.saturating_mul(10).saturating_add((b - b'0') as u32)
    })
}

/// `SafeConstructor.construct_yaml_timestamp`; a value Python's datetime refuses stays text
/// (the pipeline's loader catches the ValueError and keeps the scalar).
fn construct_timestamp(text: &str, stamp: Stamp<'_>) -> Value {
    let date = Date {
        year: num(stamp.year) as i32,
        month: num(stamp.month),
        day: num(stamp.day),
    };
    if !date.is_valid() {
        return Value::Str(text.to_string());
    }
    let clock = match stamp.time {
        None => return Value::Date(date),
        Some(clock) => clock,
    };
    let (hour, minute, second) = (num(clock.hour), num(clock.minute), num(clock.second));
    if hour > 23 || minute > 59 || second > 59 {
        return Value::Str(text.to_string());
    }
    let microsecond = match clock.fraction {
        Some(f) if !f.is_empty() => {
            let mut six: String = f.chars().take(6).collect();
            while six.len() < 6 {
                six.push('0');
            }
            num(&six)
        }
        _ => 0,
    };
    let offset_minutes = match clock.tz {
        None => None,
        Some(None) => Some(0),
        Some(Some((negative, h, m))) => {
            let total = (num(h) * 60 + m.map(num).unwrap_or(0)) as i32;
            // datetime.timezone wants strictly less than 24 hours.
            if total >= 24 * 60 {
                return Value::Str(text.to_string());
            }
            Some(if negative { -total } else { total })
        }
    };
    Value::DateTime(DateTime {
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

    fn tag(text: &str) -> &'static str {
        tag_of(text)
    }

    #[test]
    fn resolver_tags_match_pyyaml() {
        // (text, PyYAML's tag), from yaml.resolver.Resolver().resolve(ScalarNode, text, (True, False)).
        let cases = [
            ("", "null"),
            ("~", "null"),
            ("null", "null"),
            ("nULL", "str"),
            ("yes", "bool"),
            ("y", "str"),
            ("On", "bool"),
            ("1", "int"),
            ("-0", "int"),
            ("+12", "int"),
            ("017", "int"),
            ("08", "str"),
            ("0b101", "int"),
            ("0x1F", "int"),
            ("1_000", "int"),
            ("1:20", "int"),
            ("09:30", "str"),
            ("1.5", "float"),
            ("1.", "float"),
            (".5", "float"),
            ("._", "str"),
            ("._5", "str"),
            (".5_", "float"),
            ("-.5", "str"),
            ("1e3", "str"),
            ("1.5e3", "str"),
            ("1.5e+3", "float"),
            ("-1:20:30.5", "float"),
            (".inf", "float"),
            ("-.Inf", "float"),
            (".NaN", "float"),
            ("-.nan", "str"),
            ("2025-01-29", "timestamp"),
            ("2025-1-29", "str"),
            ("2025-01-29 10:00:00", "timestamp"),
            ("2025-1-2t1:00:00z", "str"),
            ("2025-1-2t1:00:00Z", "timestamp"),
            ("2025-01-29T10:00:00.5+02:00", "timestamp"),
            ("2019-07-02 11:21:02 -0400", "str"),
            ("2019-07-02 11:21:02 -04", "timestamp"),
            ("<<", "merge"),
            ("=", "value"),
            ("0E0", "str"),
            ("_0", "str"),
        ];
        for (text, expected) in cases {
            assert_eq!(tag(text), expected, "{text:?}");
        }
    }

    #[test]
    fn construction() {
        assert_eq!(resolve_plain("-1.0"), Ok(Value::Float(-1.0)));
        assert_eq!(resolve_plain("165645"), Ok(Value::Int(165645)));
        assert_eq!(resolve_plain("+12"), Ok(Value::Int(12)));
        assert!(resolve_plain("99999999999999999999").is_err());
        assert_eq!(
            resolve_plain("2025-02-30"),
            Ok(Value::Str("2025-02-30".into()))
        );
        assert_eq!(
            resolve_plain("2025-01-29"),
            Ok(Value::Date(Date {
                year: 2025,
                month: 1,
                day: 29
            }))
        );
        match resolve_plain("2025-01-29 7:05:09.1234567 -5:99") {
            Ok(Value::DateTime(dt)) => {
                assert_eq!(dt.microsecond, 123456);
                assert_eq!(dt.offset_minutes, Some(-(5 * 60 + 99)));
                assert_eq!(dt.iso(), "2025-01-29T07:05:09.123456-06:39");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            resolve_plain("2025-01-29 24:00:00"),
            Ok(Value::Str("2025-01-29 24:00:00".into()))
        );
        assert!(resolve_plain("1:20").is_err());
        assert_eq!(resolve_plain("1.e+5"), Ok(Value::Float(1e5)));
        assert_eq!(
            resolve_plain("-1._5"),
            Err(Fail::decline("YAML 1.1 float form"))
        );
        assert_eq!(tag_of("*"), "yaml");
    }
}
