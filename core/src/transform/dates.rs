//! Legacy dates -> ISO 8601, exactly as `pipeline/transform/dates.py` reads them.
//!
//! The reference tries, in order: ISO 8601 (`_try_iso`: two regexes, then Python 3.11's
//! `date.fromisoformat` / `datetime.fromisoformat`), the document's own format, then the
//! profile's formats. A format is moment.js / Day.js tokens, translated to a `strptime` pattern
//! and parsed by CPython 3.11's `Lib/_strptime.py`. No Rust crate parses with `_strptime`'s
//! rules (the exact regex each directive becomes, the *first* regex match followed by
//! "unconverted data remains", the `%y` pivot, the 1900 defaults, case-insensitive English
//! names, whitespace matching `\s+`; chrono's parser has rules of its own), and a regex crate
//! would not give Python's backtracking order, so both readers are emulated here by hand: each
//! regex as ordered candidate lists searched depth-first, which is how Python's backtracking
//! `re` engine finds its first match.
//!
//! Only ASCII text and formats are read: Python's `\d`, `\s`, `\b` and IGNORECASE are
//! Unicode-aware (`K` matches the Kelvin sign), so anything else is declined. The core declines
//! wherever the reference raises (it rejects the file with the raw value in the message, which
//! the Python side writes) and wherever it cannot be exactly sure; it never differs.
//!
//! The format reader is in two modules beside this one: `moment` translates the tokens and
//! compiles the pattern, `strptime` matches it and computes the values.

use super::strptime::try_format;
use crate::errors::{Fail, Result};
use crate::pyfmt;
use crate::value::{Date, DateTime, Value};

pub use super::moment::moment_to_strptime;

/// `datetime.timezone` takes offsets strictly within a day; in minutes.
pub(super) const DAY_MINUTES: i32 = 24 * 60;

/// Longest format and date text the core reads, in bytes (real ones are a few dozen): bounds
/// the translation and the matcher's work on hostile input.
pub(super) const MAX_FORMAT: usize = 1024;
const MAX_TEXT: usize = 256;

const NOT_DATE: &str = "date is not a date or text";
const UNREADABLE: &str = "unreadable date";
const NON_ASCII: &str = "date text with non-ASCII characters";
pub(super) const FORMAT: &str = "date format the core does not read";
pub(super) const OFFSET_SECONDS: &str = "date offset with seconds";
pub(super) const TOO_COMPLEX: &str = "date text too complex to match";
const TOO_LONG: &str = "date text too long";
const OUT_OF_RANGE: &str = "date value out of range";

/// `normalise_date(value, doc_format=..., formats=..., naive_tz=...)`: the ISO text, or a
/// decline wherever the reference would raise or the core cannot be sure.
///
/// `naive_tz_minutes` is the profile's timezone (attached to a time without an offset).
pub fn normalise_date(
    value: &Value,
    doc_format: Option<&str>,
    formats: &[String],
    naive_tz_minutes: i32,
) -> Result<String> {
    if naive_tz_minutes.abs() >= DAY_MINUTES {
        // The reference cannot even build such a timezone.
        return Err(Fail::decline(OUT_OF_RANGE));
    }
    match value {
        Value::DateTime(when) => {
            if !valid_datetime(when) {
                return Err(Fail::decline(OUT_OF_RANGE));
            }
            Ok(format_datetime(*when, naive_tz_minutes))
        }
        Value::Date(day) if day.is_valid() => Ok(day.iso()),
        Value::Date(_) => Err(Fail::decline(OUT_OF_RANGE)),
        Value::Str(text) => normalise_text(text, doc_format, formats, naive_tz_minutes),
        _ => Err(Fail::decline(NOT_DATE)),
    }
}

/// The reference's string branch: ISO 8601, then each format in order; the first that reads
/// the text wins, and when none does the reference raises (a decline here).
fn normalise_text(
    value: &str,
    doc_format: Option<&str>,
    formats: &[String],
    naive_tz_minutes: i32,
) -> Result<String> {
    let text = pyfmt::strip(value);
    if text.is_empty() {
        return Err(Fail::decline(UNREADABLE));
    }
    if !text.is_ascii() {
        return Err(Fail::decline(NON_ASCII));
    }
    if text.len() > MAX_TEXT {
        return Err(Fail::decline(TOO_LONG));
    }
    // Candidates as the reference lists them: [None, doc_format, *formats], None meaning ISO.
    let candidates = std::iter::once(None)
        .chain(std::iter::once(doc_format))
        .chain(formats.iter().map(|f| Some(f.as_str())));
    for candidate in candidates {
        let parsed = match candidate {
            None => try_iso(text.as_bytes()),
            Some(fmt) => try_format(text, fmt)?,
        };
        if let Some(parsed) = parsed {
            return Ok(match parsed {
                Parsed::Date(day) => day.iso(),
                Parsed::DateTime(when) => format_datetime(when, naive_tz_minutes),
            });
        }
    }
    Err(Fail::decline(UNREADABLE))
}

/// What one candidate read: a date, or a date-time (naive when it has no offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Parsed {
    Date(Date),
    DateTime(DateTime),
}

/// `format_datetime`: the naive time gets the profile's offset; `isoformat` with microseconds
/// only when there are some (`DateTime::iso` follows that rule).
fn format_datetime(when: DateTime, naive_tz_minutes: i32) -> String {
    DateTime {
        offset_minutes: Some(when.offset_minutes.unwrap_or(naive_tz_minutes)),
        ..when
    }
    .iso()
}

/// True when Python could hold this date-time (PyYAML's values always are; the tagged test
/// form could carry anything).
fn valid_datetime(when: &DateTime) -> bool {
    when.date.is_valid()
        && when.hour < 24
        && when.minute < 60
        && when.second < 60
        && when.microsecond < 1_000_000
        && when.offset_minutes.is_none_or(|m| m.abs() < DAY_MINUTES)
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 (`_try_iso`)

/// `_try_iso` on ASCII text: None both where the reference returns None (not ISO-shaped) and
/// where `fromisoformat` raises ValueError; the caller goes on to the next candidate either way.
///
/// The regexes are `\d{4}-\d{2}-\d{2}` and (IGNORECASE)
/// `\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?`, both anchored at
/// both ends and unambiguous, so a direct scan decides them. The whitespace before the offset
/// is then removed, and Python 3.11's `fromisoformat` reads the rest: any separator character,
/// a fraction of any length truncated to microseconds, `Z` (upper case only: a lower-case `z`
/// is "Invalid isoformat string"), offset minutes not limited to 59 (`+01:75` is +02:15) but
/// the whole offset strictly within a day.
fn try_iso(text: &[u8]) -> Option<Parsed> {
    let date = iso_date(text.get(..10)?)?;
    if text.len() == 10 {
        return date_checked(date).map(Parsed::Date);
    }
    let mut scan = Scan { text, pos: 10 };
    if !matches!(scan.next(), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = scan.digits(2)?;
    scan.expect(b':')?;
    let minute = scan.digits(2)?;
    let (mut second, mut microsecond) = (0, 0);
    if scan.peek() == Some(b':') {
        scan.pos += 1;
        second = scan.digits(2)?;
        if scan.peek() == Some(b'.') {
            scan.pos += 1;
            let start = scan.pos;
            while scan.peek().is_some_and(|b| b.is_ascii_digit()) {
                scan.pos += 1;
            }
            microsecond = fraction(text.get(start..scan.pos)?)?;
        }
    }
    while scan.peek().is_some_and(is_space) {
        scan.pos += 1;
    }
    // None: no offset; Some(None): a lower-case `z`, which only fromisoformat refuses.
    let offset = match scan.next() {
        None => None,
        Some(b'Z') => Some(Some(0)),
        Some(b'z') => Some(None),
        Some(sign @ (b'+' | b'-')) => {
            let hours = scan.digits(2)? as i32;
            if scan.peek() == Some(b':') {
                scan.pos += 1;
            }
            let minutes = scan.digits(2)? as i32;
            let total = hours * 60 + minutes;
            Some(Some(if sign == b'-' { -total } else { total }))
        }
        Some(_) => return None,
    };
    if scan.peek().is_some() {
        return None; // not ISO-shaped
    }
    // From here on the shape is ISO: what fromisoformat refuses is a ValueError (also None).
    let offset_minutes = match offset {
        None => None,
        Some(Some(minutes)) if minutes.abs() < DAY_MINUTES => Some(minutes),
        Some(_) => return None,
    };
    let when = DateTime {
        date: date_checked(date)?,
        hour,
        minute,
        second,
        microsecond,
        offset_minutes,
    };
    (hour < 24 && minute < 60 && second < 60).then_some(Parsed::DateTime(when))
}

/// `\d{4}-\d{2}-\d{2}` on exactly ten bytes, as numbers (not yet checked as a calendar day).
fn iso_date(text: &[u8]) -> Option<Date> {
    let mut scan = Scan { text, pos: 0 };
    let year = scan.digits(4)?;
    scan.expect(b'-')?;
    let month = scan.digits(2)?;
    scan.expect(b'-')?;
    let day = scan.digits(2)?;
    Some(Date {
        year: i32::try_from(year).ok()?,
        month,
        day,
    })
}

/// The date if Python's `date()` accepts it (years 1..9999, a real day of the month).
pub(super) fn date_checked(date: Date) -> Option<Date> {
    date.is_valid().then_some(date)
}

/// Fraction digits as microseconds: the first six, right-padded with zeros, the rest dropped
/// (`fromisoformat` truncates, `%f` takes at most six).
pub(super) fn fraction(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let mut value = 0;
    for i in 0..6 {
        let digit = digits.get(i).map_or(0, |b| u32::from(b - b'0'));
        value = value * 10 + digit;
    }
    Some(value)
}

/// A cursor over ASCII bytes.
pub(super) struct Scan<'a> {
    pub(super) text: &'a [u8],
    pub(super) pos: usize,
}

impl Scan<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Exactly `n` ASCII digits, as a number.
    pub(super) fn digits(&mut self, n: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..n {
            let byte = self.next()?;
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    }
}

/// Python's `\s` (and `str.isspace`) on one ASCII byte: includes `\x1c`..`\x1f`.
pub(super) fn is_space(byte: u8) -> bool {
    pyfmt::is_space(char::from(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC: i32 = 0;

    fn text(s: &str) -> Value {
        Value::Str(s.to_string())
    }

    fn read(value: &Value, fmt: Option<&str>) -> Result<String> {
        normalise_date(value, fmt, &[], UTC)
    }

    fn ok(s: &str, fmt: Option<&str>) -> String {
        match read(&text(s), fmt) {
            Ok(out) => out,
            Err(fail) => panic!("{s:?} with {fmt:?}: {fail}"),
        }
    }

    fn declined(s: &str, fmt: Option<&str>) -> String {
        match read(&text(s), fmt) {
            Ok(out) => panic!("{s:?} with {fmt:?} read as {out}"),
            Err(Fail::Decline(reason)) => reason,
            Err(other) => panic!("{other}"),
        }
    }

    fn date(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn reference_shapes() {
        let cases: [(Value, Option<&str>, &str); 11] = [
            (Value::Date(date(2025, 1, 29)), None, "2025-01-29"),
            (text("2025-01-29"), None, "2025-01-29"),
            (text("Jan 29, 2025"), Some("MMM DD, YYYY"), "2025-01-29"),
            (text("29/01/2025"), Some("DD/MM/YYYY"), "2025-01-29"),
            (text("01/02/2025"), Some("DD/MM/YYYY"), "2025-02-01"),
            (text("01/02/2025"), Some("MM/DD/YYYY"), "2025-01-02"),
            (
                text("January 3rd, 2024"),
                Some("MMMM Do, YYYY"),
                "2024-01-03",
            ),
            (
                text("2025-01-29T14:30:00+02:00"),
                None,
                "2025-01-29T14:30:00+02:00",
            ),
            (
                text("2025-01-29T14:30:00Z"),
                None,
                "2025-01-29T14:30:00+00:00",
            ),
            (
                text("2019-07-02 11:21:02 -0400"),
                None,
                "2019-07-02T11:21:02-04:00",
            ),
            (
                text("29.01.2025 14:30"),
                Some("DD.MM.YYYY HH:mm"),
                "2025-01-29T14:30:00+00:00",
            ),
        ];
        for (value, fmt, expected) in cases {
            assert_eq!(
                read(&value, fmt).as_deref(),
                Ok(expected),
                "{value:?} {fmt:?}"
            );
        }
        let aware = DateTime {
            date: date(2025, 1, 29),
            hour: 8,
            minute: 15,
            second: 0,
            microsecond: 0,
            offset_minutes: Some(-300),
        };
        let cases = [
            (aware, "2025-01-29T08:15:00-05:00"),
            (
                DateTime {
                    offset_minutes: None,
                    ..aware
                },
                "2025-01-29T08:15:00+00:00",
            ),
            (
                DateTime {
                    microsecond: 5,
                    offset_minutes: None,
                    ..aware
                },
                "2025-01-29T08:15:00.000005+00:00",
            ),
        ];
        for (when, expected) in cases {
            assert_eq!(read(&Value::DateTime(when), None).as_deref(), Ok(expected));
        }
    }

    #[test]
    fn date_only_is_never_shifted() {
        let far_east = 14 * 60;
        let out = normalise_date(&text("2025-01-01"), None, &[], far_east);
        assert_eq!(out.as_deref(), Ok("2025-01-01"));
        let out = normalise_date(&Value::Date(date(2025, 12, 31)), None, &[], far_east);
        assert_eq!(out.as_deref(), Ok("2025-12-31"));
        let out = normalise_date(&text("2025-01-01 10:00"), None, &[], far_east);
        assert_eq!(out.as_deref(), Ok("2025-01-01T10:00:00+14:00"));
    }

    #[test]
    fn profile_formats_come_after_the_document_format() {
        let formats = vec!["MMM D, YYYY".to_string()];
        let out = normalise_date(&text("Jan 29, 2025"), Some("DD/MM/YYYY"), &formats, UTC);
        assert_eq!(out.as_deref(), Ok("2025-01-29"));
    }

    #[test]
    fn unreadable_dates_decline() {
        for s in [
            "2025-02-30",
            "Feb 30, 2025",
            "soon",
            "",
            "  ",
            "Jan 29, 2025 and more",
        ] {
            assert_eq!(declined(s, Some("MMM DD, YYYY")), UNREADABLE, "{s:?}");
        }
        for value in [Value::Int(20250129), Value::Null, Value::Bool(true)] {
            assert!(matches!(
                read(&value, Some("MMM DD, YYYY")),
                Err(Fail::Decline(_))
            ));
        }
    }

    #[test]
    fn iso_rules_of_python_3_11() {
        assert_eq!(ok("2025-01-01t10:00", None), "2025-01-01T10:00:00+00:00");
        assert_eq!(ok("2025-01-01T10:00Z", None), "2025-01-01T10:00:00+00:00");
        assert_eq!(
            ok("2025-01-01T10:00 \t+02:00", None),
            "2025-01-01T10:00:00+02:00"
        );
        assert_eq!(
            ok("2025-01-01T10:00+01:75", None),
            "2025-01-01T10:00:00+02:15"
        );
        assert_eq!(
            ok("2025-01-01T10:00-0000", None),
            "2025-01-01T10:00:00+00:00"
        );
        assert_eq!(
            ok("2025-01-01T10:00:00.9999999", None),
            "2025-01-01T10:00:00.999999+00:00"
        );
        assert_eq!(
            ok("2025-01-01 10:00:00.5-03:30", None),
            "2025-01-01T10:00:00.500000-03:30"
        );
        assert_eq!(
            ok("2025-01-01 10:00:00.000", None),
            "2025-01-01T10:00:00+00:00"
        );
        for s in [
            "2025-01-01T10:00z",
            "2025-01-01T24:00",
            "2025-01-01T10:00:60",
            "2025-01-01T10:00+24:00",
            "0000-01-01",
            "2025-13-01",
            "2025-01-01  10:00",
            "2025-01-01T10:00:00.",
            "2025-1-01",
        ] {
            assert_eq!(declined(s, None), UNREADABLE, "{s:?}");
        }
    }

    #[test]
    fn strptime_rules_of_python_3_11() {
        // `%d` tries `3[01]` first: "32" matches "3" and leaves "2" unconverted.
        assert_eq!(declined("32", Some("D")), UNREADABLE);
        // The first match decides: `%m%d` on "1231" is 12/31, on "111" is 11/1.
        assert_eq!(ok("2025 1231", Some("YYYY MMDD")), "2025-12-31");
        assert_eq!(ok("2025 111", Some("YYYY MMDD")), "2025-11-01");
        // Defaults: 1900-01-01; a day only with a leading space.
        assert_eq!(ok("5", Some("D")), "1900-01-05");
        assert_eq!(ok("Mar", Some("MMM")), "1900-03-01");
        assert_eq!(declined("Feb 29", Some("MMM D")), UNREADABLE);
        assert_eq!(ok("Feb 29 2024", Some("MMM D YYYY")), "2024-02-29");
        assert_eq!(ok("x 5", Some("[x]D")), "1900-01-05");
        assert_eq!(declined("x  5", Some("[x]D")), UNREADABLE);
        // `%y` pivot.
        assert_eq!(ok("68", Some("YY")), "2068-01-01");
        assert_eq!(ok("69", Some("YY")), "1969-01-01");
        // Case-insensitive names and literals; whitespace matches any run.
        assert_eq!(ok("jAN  29,\t2025", Some("MMM DD, YYYY")), "2025-01-29");
        assert_eq!(
            ok("on 29 SEPTEMBER 2025", Some("[on] D MMMM YYYY")),
            "2025-09-29"
        );
        assert_eq!(ok("ON 29 sep 2025", Some("[on] D MMM YYYY")), "2025-09-29");
        // 12-hour clock.
        assert_eq!(ok("12:05 AM", Some("hh:mm A")), "1900-01-01T00:05:00+00:00");
        assert_eq!(ok("12:05 pm", Some("hh:mm A")), "1900-01-01T12:05:00+00:00");
        assert_eq!(ok("1:05 PM", Some("h:mm A")), "1900-01-01T13:05:00+00:00");
        assert_eq!(ok("12:05", Some("hh:mm")), "1900-01-01T00:05:00+00:00");
        // Leap seconds match the regex, then `datetime()` refuses them.
        assert_eq!(
            declined("2025-01-01 10:00:60", Some("YYYY-MM-DD HH:mm:ss")),
            UNREADABLE
        );
        // Offsets: `Z` only upper case; an offset makes a datetime without a time directive.
        assert_eq!(
            ok("2025-01-29 10:00 Z", Some("YYYY-MM-DD HH:mm Z")),
            "2025-01-29T10:00:00+00:00"
        );
        assert_eq!(
            declined("2025-01-29 10:00 z", Some("YYYY-MM-DD HH:mm Z")),
            UNREADABLE
        );
        assert_eq!(
            ok("29.01.2025 +0530", Some("DD.MM.YYYY ZZ")),
            "2025-01-29T00:00:00+05:30"
        );
        assert_eq!(
            declined("29.01.2025 +24:00", Some("DD.MM.YYYY Z")),
            UNREADABLE
        );
        assert_eq!(
            declined("29.01.2025 +05:30:15", Some("DD.MM.YYYY Z")),
            OFFSET_SECONDS
        );
        // Fractions: up to six digits, right-padded; dropped from a date-only result.
        assert_eq!(
            ok("10:00:00.5", Some("HH:mm:ss.SSS")),
            "1900-01-01T10:00:00.500000+00:00"
        );
        assert_eq!(ok("2025 123", Some("YYYY SSS")), "2025-01-01");
        // Ordinals go after a digit at a word boundary only.
        assert_eq!(ok("January 1st, 2025", Some("MMMM Do, YYYY")), "2025-01-01");
        assert_eq!(ok("22ND JAN 2025", Some("Do MMM YYYY")), "2025-01-22");
        assert_eq!(declined("1stx Jan 2025", Some("Do MMM YYYY")), UNREADABLE);
        // Weekdays must match a name, then are ignored (not checked against the date).
        assert_eq!(
            ok("Monday, 29 Jan 2025", Some("dddd, D MMM YYYY")),
            "2025-01-29"
        );
        assert_eq!(ok("fri 29 Jan 2025", Some("ddd D MMM YYYY")), "2025-01-29");
        // A literal `%` in the format.
        assert_eq!(ok("50% 2025", Some("[50%] YYYY")), "2025-01-01");
    }

    #[test]
    fn declines_what_it_cannot_be_sure_of() {
        assert_eq!(declined("29 janvier 2025", Some("D MMMM YYYY")), UNREADABLE);
        assert_eq!(declined("29 févr. 2025", Some("D MMM YYYY")), NON_ASCII);
        assert_eq!(declined("١٢", Some("D")), NON_ASCII);
        assert_eq!(declined("29 29 2025", Some("DD DD YYYY")), FORMAT);
        // An earlier candidate that reads the text decides before a later one is looked at.
        let formats = vec!["DD DD".to_string()];
        let out = normalise_date(&text("2025-01-01"), Some("DD/MM"), &formats, UTC);
        assert_eq!(out.as_deref(), Ok("2025-01-01"));
        let out = normalise_date(&text("2025-01-01"), None, &[], 24 * 60);
        assert!(matches!(out, Err(Fail::Decline(_))));
        // Hostile sizes and pathological backtracking give up instead of hanging.
        let fmt = "[ ]x".repeat(60);
        let hostile = format!(
            "{}{}y",
            format!("{}x", " ".repeat(5)).repeat(59),
            " ".repeat(5)
        );
        assert_eq!(declined(&hostile, Some(&fmt)), TOO_LONG);
        let fmt = "[ ]x".repeat(5);
        let hostile = format!(
            "{}{}y",
            format!("{}x", " ".repeat(40)).repeat(4),
            " ".repeat(40)
        );
        assert_eq!(declined(&hostile, Some(&fmt)), UNREADABLE);
        assert_eq!(declined("2025", Some(&"Y".repeat(2000))), FORMAT);
    }

    #[test]
    fn round_trips() {
        let shapes = [
            ("YYYY-MM-DD", "2024-02-29"),
            ("DD/MM/YYYY", "29/02/2024"),
            ("MMM DD, YYYY", "Feb 29, 2024"),
            ("MMMM D, YYYY", "February 29, 2024"),
            ("MM/DD/YYYY", "02/29/2024"),
            ("D MMM YYYY", "29 Feb 2024"),
        ];
        for (fmt, s) in shapes {
            assert_eq!(ok(s, Some(fmt)), "2024-02-29", "{fmt}");
        }
    }
}
