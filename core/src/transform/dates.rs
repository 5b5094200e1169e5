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

use std::cell::RefCell;
use std::rc::Rc;

use crate::errors::{Fail, Result};
use crate::pyfmt;
use crate::value::{Date, DateTime, Value};

/// `datetime.timezone` takes offsets strictly within a day; in minutes.
const DAY_MINUTES: i32 = 24 * 60;

/// Longest format the core compiles (in pattern atoms): the matcher recurses once per atom.
const MAX_ATOMS: usize = 256;

/// Longest format and date text the core reads, in bytes (real ones are a few dozen): bounds
/// the translation and the matcher's work on hostile input.
const MAX_FORMAT: usize = 1024;
const MAX_TEXT: usize = 256;

/// Candidate positions the matcher may try before it gives up: Python's backtracking would
/// take as long, but a decline must come quickly (the fuzz target allows no hang).
const MAX_STEPS: u32 = 20_000;

const NOT_DATE: &str = "date is not a date or text";
const UNREADABLE: &str = "unreadable date";
const NON_ASCII: &str = "date text with non-ASCII characters";
const FORMAT: &str = "date format the core does not read";
const OFFSET_SECONDS: &str = "date offset with seconds";
const TOO_COMPLEX: &str = "date text too complex to match";
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
enum Parsed {
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
fn date_checked(date: Date) -> Option<Date> {
    date.is_valid().then_some(date)
}

/// Fraction digits as microseconds: the first six, right-padded with zeros, the rest dropped
/// (`fromisoformat` truncates, `%f` takes at most six).
fn fraction(digits: &[u8]) -> Option<u32> {
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
struct Scan<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
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
    fn digits(&mut self, n: usize) -> Option<u32> {
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
fn is_space(byte: u8) -> bool {
    pyfmt::is_space(char::from(byte))
}

// ---------------------------------------------------------------------------------------------
// moment.js tokens -> strptime pattern (`moment_to_strptime`)

/// The reference's `_TOKENS`, in its order: its regex alternation tries them in this order at
/// each position (longest first, so `MMMM` is not read as `MM` twice).
const TOKENS: [(&str, &str); 25] = [
    ("YYYY", "%Y"),
    ("YY", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%m"),
    ("Do", "%d"),
    ("DD", "%d"),
    ("D", "%d"),
    ("dddd", "%A"),
    ("ddd", "%a"),
    ("HH", "%H"),
    ("H", "%H"),
    ("hh", "%I"),
    ("h", "%I"),
    ("mm", "%M"),
    ("m", "%M"),
    ("ss", "%S"),
    ("s", "%S"),
    ("SSSSSS", "%f"),
    ("SSS", "%f"),
    ("A", "%p"),
    ("a", "%p"),
    ("ZZ", "%z"),
    ("Z", "%z"),
];

/// The reference's `_TIME_DIRECTIVES`, looked for as substrings of the pattern (so a literal
/// `%H` in the format, doubled to `%%H`, counts too, as it does there).
const TIME_DIRECTIVES: [&str; 4] = ["%H", "%I", "%M", "%S"];

/// `moment_to_strptime(fmt)`: (strptime pattern, has_time, ordinal), as the reference builds
/// them: `[literal]` text and the text between tokens are copied with `%` doubled; `has_time`
/// and `ordinal` are the reference's substring tests.
pub fn moment_to_strptime(fmt: &str) -> (String, bool, bool) {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut rest = fmt;
    'scan: while !rest.is_empty() {
        // `\[[^\]]*\]` is the first alternative: a bracket up to the next `]`, if any.
        if let Some((literal, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            push_literal(&mut out, literal);
            rest = after;
            continue;
        }
        for (token, directive) in TOKENS {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(directive);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            push_literal(&mut out, c.encode_utf8(&mut [0; 4]));
        }
        rest = chars.as_str();
    }
    let has_time = TIME_DIRECTIVES.iter().any(|d| out.contains(d));
    (out, has_time, fmt.contains("Do"))
}

/// Literal format text, `%` doubled so strptime reads it as text.
fn push_literal(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '%' {
            out.push('%');
        }
        out.push(c);
    }
}

// ---------------------------------------------------------------------------------------------
// strptime pattern -> regex atoms (`TimeRE.pattern` of CPython 3.11's _strptime.py)

/// The directives the translation emits: one per regex group name of `_strptime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Directive {
    /// `%d`: `3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]`
    Day,
    /// `%f`: `[0-9]{1,6}`
    Fraction,
    /// `%H`: `2[0-3]|[0-1]\d|\d`
    Hour24,
    /// `%I`: `1[0-2]|0[1-9]|[1-9]`
    Hour12,
    /// `%m`: `1[0-2]|0[1-9]|[1-9]`
    Month,
    /// `%M`: `[0-5]\d|\d`
    Minute,
    /// `%S`: `6[0-1]|[0-5]\d|\d`
    Second,
    /// `%y`: `\d\d`
    Year2,
    /// `%Y`: `\d\d\d\d`
    Year4,
    /// `%z`: `[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z)`
    Offset,
    /// `%A`: full weekday names of the C locale.
    WeekdayName,
    /// `%a`: abbreviated weekday names.
    WeekdayAbbr,
    /// `%B`: full month names.
    MonthName,
    /// `%b`: abbreviated month names.
    MonthAbbr,
    /// `%p`: `am|pm`.
    AmPm,
}

/// Number of directives (size of the capture table).
const DIRECTIVES: usize = 15;

impl Directive {
    fn from_letter(letter: u8) -> Option<Directive> {
        Some(match letter {
            b'd' => Directive::Day,
            b'f' => Directive::Fraction,
            b'H' => Directive::Hour24,
            b'I' => Directive::Hour12,
            b'm' => Directive::Month,
            b'M' => Directive::Minute,
            b'S' => Directive::Second,
            b'y' => Directive::Year2,
            b'Y' => Directive::Year4,
            b'z' => Directive::Offset,
            b'A' => Directive::WeekdayName,
            b'a' => Directive::WeekdayAbbr,
            b'B' => Directive::MonthName,
            b'b' => Directive::MonthAbbr,
            b'p' => Directive::AmPm,
            _ => return None,
        })
    }
}

/// One piece of the compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom {
    /// A literal ASCII byte, matched case-insensitively (the regex is IGNORECASE).
    Lit(u8),
    /// A run of whitespace in the pattern: `\s+`.
    Space,
    /// A directive's group.
    Dir(Directive),
}

/// A moment.js format, compiled to what `_strptime` would match.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Format {
    atoms: Vec<Atom>,
    has_time: bool,
    ordinal: bool,
}

/// Compile a moment.js format, or decline: non-ASCII formats (IGNORECASE literals could match
/// ASCII text: `K` and the Kelvin sign), a directive twice (Python's `re` raises "redefinition
/// of group name", which is no ValueError: the reference does not even reject the file
/// cleanly), and absurdly long formats.
fn compile(fmt: &str) -> Result<Format> {
    if !fmt.is_ascii() || fmt.len() > MAX_FORMAT {
        return Err(Fail::decline(FORMAT));
    }
    let (pattern, has_time, ordinal) = moment_to_strptime(fmt);
    let mut atoms = Vec::with_capacity(pattern.len());
    let mut seen = [false; DIRECTIVES];
    let mut bytes = pattern.bytes().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            // Every `%` of the pattern starts a directive the translation wrote, or is `%%`.
            let letter = bytes.next().ok_or_else(|| Fail::decline(FORMAT))?;
            if letter == b'%' {
                atoms.push(Atom::Lit(b'%'));
                continue;
            }
            let directive = Directive::from_letter(letter).ok_or_else(|| Fail::decline(FORMAT))?;
            let slot = seen
                .get_mut(directive as usize)
                .ok_or_else(|| Fail::decline(FORMAT))?;
            if *slot {
                return Err(Fail::decline(FORMAT));
            }
            *slot = true;
            atoms.push(Atom::Dir(directive));
        } else if is_space(byte) {
            // `re.sub(r'\s+', r'\\s+', format)`: a whitespace run is one `\s+`.
            while bytes.peek().is_some_and(|b| is_space(*b)) {
                bytes.next();
            }
            atoms.push(Atom::Space);
        } else {
            // Regex metacharacters are escaped by `pattern()`: every other byte is a literal.
            atoms.push(Atom::Lit(byte));
        }
    }
    if atoms.len() > MAX_ATOMS {
        return Err(Fail::decline(FORMAT));
    }
    Ok(Format {
        atoms,
        has_time,
        ordinal,
    })
}

/// Formats compiled on this thread, most recent last. A run sees a handful of formats (the
/// profile's and the documents' own), and compiling one costs more than reading a date with
/// it; a thread-local list needs no lock across the worker threads and stays small.
const CACHE_SIZE: usize = 32;

thread_local! {
    static COMPILED: RefCell<Vec<(String, Rc<Format>)>> = const { RefCell::new(Vec::new()) };
}

/// `compile`, through the per-thread cache (declines are not cached: they are rare).
fn compiled(fmt: &str) -> Result<Rc<Format>> {
    let hit = COMPILED.with(|cache| {
        let cache = cache.try_borrow().ok()?;
        cache
            .iter()
            .rev()
            .find(|(key, _)| key == fmt)
            .map(|(_, format)| Rc::clone(format))
    });
    if let Some(format) = hit {
        return Ok(format);
    }
    let format = Rc::new(compile(fmt)?);
    COMPILED.with(|cache| {
        if let Ok(mut cache) = cache.try_borrow_mut() {
            if cache.len() >= CACHE_SIZE {
                cache.remove(0);
            }
            cache.push((fmt.to_string(), Rc::clone(&format)));
        }
    });
    Ok(format)
}

// ---------------------------------------------------------------------------------------------
// Matching (`format_regex.match(data_string)`)

/// C-locale names, lower case, in `calendar`'s order (index = weekday / month - 1). Within
/// each list no name is a prefix of another, so at most one matches at a position and the
/// order `_strptime` puts them in (longest first) does not change the match.
const MONTH_ABBR: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAY_ABBR: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const AM_PM: [&str; 2] = ["am", "pm"];

/// The end positions one directive's regex can match at a position, in the order Python's
/// backtracking engine tries them (alternatives left to right, greedy repeats longest first).
struct Ends {
    ends: [usize; 16],
    len: usize,
    overflow: bool,
}

impl Ends {
    fn new() -> Ends {
        Ends {
            ends: [0; 16],
            len: 0,
            overflow: false,
        }
    }

    fn push(&mut self, end: usize) {
        match self.ends.get_mut(self.len) {
            Some(slot) => {
                *slot = end;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    fn as_slice(&self) -> &[usize] {
        self.ends.get(..self.len).unwrap_or(&[])
    }
}

/// Byte tests at a position (false past the end).
fn at(text: &[u8], pos: usize, byte: u8) -> bool {
    text.get(pos) == Some(&byte)
}

fn in_range(text: &[u8], pos: usize, low: u8, high: u8) -> bool {
    text.get(pos).is_some_and(|b| (low..=high).contains(b))
}

fn digit(text: &[u8], pos: usize) -> bool {
    in_range(text, pos, b'0', b'9')
}

/// True when `name` is at `pos`, ignoring ASCII case.
fn name_at(text: &[u8], pos: usize, name: &str) -> bool {
    text.get(pos..pos + name.len())
        .is_some_and(|t| t.eq_ignore_ascii_case(name.as_bytes()))
}

/// The candidate ends of `directive` at `pos`, in the engine's order.
fn candidates(directive: Directive, text: &[u8], pos: usize, out: &mut Ends) {
    let p = pos;
    match directive {
        Directive::Day => {
            if at(text, p, b'3') && in_range(text, p + 1, b'0', b'1') {
                out.push(p + 2);
            }
            if in_range(text, p, b'1', b'2') && digit(text, p + 1) {
                out.push(p + 2);
            }
            if at(text, p, b'0') && in_range(text, p + 1, b'1', b'9') {
                out.push(p + 2);
            }
            if in_range(text, p, b'1', b'9') {
                out.push(p + 1);
            }
            if at(text, p, b' ') && in_range(text, p + 1, b'1', b'9') {
                out.push(p + 2);
            }
        }
        Directive::Fraction => {
            let n = (0..6).take_while(|i| digit(text, p + i)).count();
            for k in (1..=n).rev() {
                out.push(p + k);
            }
        }
        Directive::Hour24 => {
            if at(text, p, b'2') && in_range(text, p + 1, b'0', b'3') {
                out.push(p + 2);
            }
            if in_range(text, p, b'0', b'1') && digit(text, p + 1) {
                out.push(p + 2);
            }
            if digit(text, p) {
                out.push(p + 1);
            }
        }
        Directive::Hour12 | Directive::Month => {
            if at(text, p, b'1') && in_range(text, p + 1, b'0', b'2') {
                out.push(p + 2);
            }
            if at(text, p, b'0') && in_range(text, p + 1, b'1', b'9') {
                out.push(p + 2);
            }
            if in_range(text, p, b'1', b'9') {
                out.push(p + 1);
            }
        }
        Directive::Minute => {
            if in_range(text, p, b'0', b'5') && digit(text, p + 1) {
                out.push(p + 2);
            }
            if digit(text, p) {
                out.push(p + 1);
            }
        }
        Directive::Second => {
            if at(text, p, b'6') && in_range(text, p + 1, b'0', b'1') {
                out.push(p + 2);
            }
            if in_range(text, p, b'0', b'5') && digit(text, p + 1) {
                out.push(p + 2);
            }
            if digit(text, p) {
                out.push(p + 1);
            }
        }
        Directive::Year2 => {
            if digit(text, p) && digit(text, p + 1) {
                out.push(p + 2);
            }
        }
        Directive::Year4 => {
            if (0..4).all(|i| digit(text, p + i)) {
                out.push(p + 4);
            }
        }
        Directive::Offset => offset_candidates(text, p, out),
        Directive::WeekdayName => names(text, p, &WEEKDAY_NAMES, out),
        Directive::WeekdayAbbr => names(text, p, &WEEKDAY_ABBR, out),
        Directive::MonthName => names(text, p, &MONTH_NAMES, out),
        Directive::MonthAbbr => names(text, p, &MONTH_ABBR, out),
        Directive::AmPm => names(text, p, &AM_PM, out),
    }
}

fn names(text: &[u8], pos: usize, list: &[&str], out: &mut Ends) {
    for name in list {
        if name_at(text, pos, name) {
            out.push(pos + name.len());
        }
    }
}

/// `:?[0-5]\d` at `pos`: the ends, colon first (`:?` is greedy). At most one is possible:
/// with a colon at `pos` the colon-less branch would need `[0-5]` there.
fn colon_pair(text: &[u8], pos: usize) -> Option<usize> {
    if at(text, pos, b':') && in_range(text, pos + 1, b'0', b'5') && digit(text, pos + 2) {
        return Some(pos + 3);
    }
    if in_range(text, pos, b'0', b'5') && digit(text, pos + 1) {
        return Some(pos + 2);
    }
    None
}

/// `[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z)`: the optional groups greedy (taken
/// first), the `Z` alternative case-sensitive.
fn offset_candidates(text: &[u8], pos: usize, out: &mut Ends) {
    if (at(text, pos, b'+') || at(text, pos, b'-')) && digit(text, pos + 1) && digit(text, pos + 2)
    {
        if let Some(minutes_end) = colon_pair(text, pos + 3) {
            if let Some(seconds_end) = colon_pair(text, minutes_end) {
                if at(text, seconds_end, b'.') {
                    let n = (0..6)
                        .take_while(|i| digit(text, seconds_end + 1 + i))
                        .count();
                    for k in (1..=n).rev() {
                        out.push(seconds_end + 1 + k);
                    }
                }
                out.push(seconds_end);
            }
            out.push(minutes_end);
        }
    }
    if at(text, pos, b'Z') {
        out.push(pos + 1);
    }
}

/// A depth-first search over the atoms: the first complete match in the engine's order, as
/// `re.match` returns it (anchored at the start only; the caller checks the end).
struct Search<'a> {
    text: &'a [u8],
    atoms: &'a [Atom],
    /// (start, end) of each directive's group on the current path.
    caps: [(usize, usize); DIRECTIVES],
    steps: u32,
    /// The step budget ran out, or a candidate list overflowed: the caller declines.
    gave_up: bool,
}

impl Search<'_> {
    fn find(&mut self, index: usize, pos: usize) -> Option<usize> {
        let Some(atom) = self.atoms.get(index) else {
            return Some(pos);
        };
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.gave_up = true;
            return None;
        }
        match *atom {
            Atom::Lit(byte) => match self.text.get(pos) {
                Some(c) if c.eq_ignore_ascii_case(&byte) => self.find(index + 1, pos + 1),
                _ => None,
            },
            Atom::Space => {
                let run = self
                    .text
                    .get(pos..)
                    .map_or(0, |rest| rest.iter().take_while(|b| is_space(**b)).count());
                for end in (pos + 1..=pos + run).rev() {
                    let found = self.find(index + 1, end);
                    if found.is_some() || self.gave_up {
                        return found;
                    }
                }
                None
            }
            Atom::Dir(directive) => {
                let mut ends = Ends::new();
                candidates(directive, self.text, pos, &mut ends);
                if ends.overflow {
                    self.gave_up = true;
                    return None;
                }
                for &end in ends.as_slice() {
                    if let Some(slot) = self.caps.get_mut(directive as usize) {
                        *slot = (pos, end);
                    }
                    let found = self.find(index + 1, end);
                    if found.is_some() || self.gave_up {
                        return found;
                    }
                }
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One format (`_try_format` and `_strptime`)

/// `_try_format(text, fmt)` on ASCII text: Some when `datetime.strptime` reads it, None where
/// it raises ValueError, a decline where the core cannot be sure.
fn try_format(text: &str, fmt: &str) -> Result<Option<Parsed>> {
    let format = compiled(fmt)?;
    let stripped;
    let text = if format.ordinal {
        stripped = strip_ordinals(text);
        stripped.as_str()
    } else {
        text
    };
    let bytes = text.as_bytes();
    let mut search = Search {
        text: bytes,
        atoms: &format.atoms,
        caps: [(0, 0); DIRECTIVES],
        steps: 0,
        gave_up: false,
    };
    let found = search.find(0, 0);
    if search.gave_up {
        return Err(Fail::decline(TOO_COMPLEX));
    }
    // No match, or "unconverted data remains": the first match is final, as in `_strptime`.
    if found != Some(bytes.len()) {
        return Ok(None);
    }
    let Some(fields) = fields(bytes, &format.atoms, &search.caps)? else {
        return Ok(None);
    };
    Ok(fields.result(format.has_time))
}

/// `_ORDINAL.sub(r"\1", text)` with `(\d)(st|nd|rd|th)\b`, IGNORECASE, on ASCII text: the
/// suffix goes when a word boundary follows it (the end, or a byte that is not `\w`).
fn strip_ordinals(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        out.push(char::from(byte));
        i += 1;
        if byte.is_ascii_digit() {
            let suffix = bytes.get(i..i + 2).is_some_and(|s| {
                ["st", "nd", "rd", "th"]
                    .iter()
                    .any(|x| s.eq_ignore_ascii_case(x.as_bytes()))
            });
            let boundary = !bytes
                .get(i + 2)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if suffix && boundary {
                i += 2;
            }
        }
    }
    out
}

/// The values `_strptime` computes from the groups.
struct Fields {
    year: Option<i32>,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    microsecond: u32,
    offset_minutes: Option<i32>,
}

/// Decimal digits as a number (`int()` of a group: `%d` may carry one leading space).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .filter(|b| b.is_ascii_digit())
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

/// Index + 1 of the name in `list` (ASCII case ignored); the regex guaranteed one matches.
fn name_index(group: &[u8], list: &[&str]) -> Option<u32> {
    let index = list
        .iter()
        .position(|name| group.eq_ignore_ascii_case(name.as_bytes()))?;
    u32::try_from(index + 1).ok()
}

/// `_strptime`'s loop over the groups, in pattern order (a later `%m` / `%b` overrides an
/// earlier one there too). Ok(None) where it raises ValueError.
fn fields(
    text: &[u8],
    atoms: &[Atom],
    caps: &[(usize, usize); DIRECTIVES],
) -> Result<Option<Fields>> {
    let group = |directive: Directive| {
        caps.get(directive as usize)
            .and_then(|&(start, end)| text.get(start..end))
    };
    let mut fields = Fields {
        year: None,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        microsecond: 0,
        offset_minutes: None,
    };
    for atom in atoms {
        let Atom::Dir(directive) = *atom else {
            continue;
        };
        let Some(value) = group(directive) else {
            return Err(Fail::decline(FORMAT));
        };
        match directive {
            Directive::Year2 => {
                // Open Group pivot: 00-68 are 2000-2068, 69-99 are 1969-1999.
                let year = number(value) as i32;
                fields.year = Some(if year <= 68 { year + 2000 } else { year + 1900 });
            }
            Directive::Year4 => fields.year = Some(number(value) as i32),
            Directive::Month => fields.month = number(value),
            Directive::MonthName | Directive::MonthAbbr => {
                let list: &[&str] = if directive == Directive::MonthName {
                    &MONTH_NAMES
                } else {
                    &MONTH_ABBR
                };
                fields.month = name_index(value, list).ok_or_else(|| Fail::decline(FORMAT))?;
            }
            Directive::Day => fields.day = number(value),
            Directive::Hour24 => fields.hour = number(value),
            Directive::Hour12 => {
                // No `%p` counts as AM: 12 is midnight; PM adds 12 except to 12 (noon).
                let hour = number(value);
                // (An absent `%p` group is the empty capture (0, 0): AM, as `get('p', '')`.)
                let pm = group(Directive::AmPm).is_some_and(|p| p.eq_ignore_ascii_case(b"pm"));
                fields.hour = match (pm, hour) {
                    (false, 12) => 0,
                    (false, h) => h,
                    (true, 12) => 12,
                    (true, h) => h + 12,
                };
            }
            Directive::Minute => fields.minute = number(value),
            Directive::Second => fields.second = number(value),
            Directive::Fraction => match fraction(value) {
                Some(micro) => fields.microsecond = micro,
                None => return Err(Fail::decline(FORMAT)),
            },
            Directive::Offset => match offset_minutes(value)? {
                Some(minutes) => fields.offset_minutes = Some(minutes),
                None => return Ok(None),
            },
            // Matched, then unused: without a week number `_strptime` ignores the weekday
            // (it is not checked against the date); `%p` is read with `%I` above.
            Directive::WeekdayName | Directive::WeekdayAbbr | Directive::AmPm => {}
        }
    }
    Ok(Some(fields))
}

/// A `%z` group as minutes: `Z` is 0; `+HH:MM` / `+HHMM` within a day (else ValueError:
/// Ok(None)). An offset with seconds (`+HH:MM:SS[.ffffff]`) is declined: Python gives a
/// timezone whose isoformat carries seconds, and it raises on a mixed use of `:`.
fn offset_minutes(group: &[u8]) -> Result<Option<i32>> {
    if group == b"Z" {
        return Ok(Some(0));
    }
    let mut scan = Scan {
        text: group,
        pos: 1,
    };
    let parsed = (|| {
        let hours = scan.digits(2)?;
        if scan.peek() == Some(b':') {
            scan.pos += 1;
        }
        let minutes = scan.digits(2)?;
        Some((hours, minutes))
    })();
    let Some((hours, minutes)) = parsed else {
        return Err(Fail::decline(FORMAT));
    };
    if scan.peek().is_some() {
        return Err(Fail::decline(OFFSET_SECONDS));
    }
    let total = (hours * 60 + minutes) as i32;
    if total >= DAY_MINUTES {
        return Ok(None);
    }
    Ok(Some(if group.first() == Some(&b'-') {
        -total
    } else {
        total
    }))
}

impl Fields {
    /// The datetime `_strptime_datetime` builds (None where `date()` / `datetime()` raise:
    /// Feb 30, year 0, second 60 or 61, Feb 29 without a year), then `_try_format`'s choice:
    /// a datetime when the format has a time directive or the text an offset, else its date.
    fn result(&self, has_time: bool) -> Option<Parsed> {
        // Without a year `_strptime` uses 1900 (Feb 29 is computed in 1904, then set back to
        // 1900, where `datetime()` refuses it).
        let date = date_checked(Date {
            year: self.year.unwrap_or(1900),
            month: self.month,
            day: self.day,
        })?;
        if self.hour > 23 || self.minute > 59 || self.second > 59 {
            return None;
        }
        if has_time || self.offset_minutes.is_some() {
            Some(Parsed::DateTime(DateTime {
                date,
                hour: self.hour,
                minute: self.minute,
                second: self.second,
                microsecond: self.microsecond,
                offset_minutes: self.offset_minutes,
            }))
        } else {
            Some(Parsed::Date(date))
        }
    }
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
    fn token_translation() {
        assert_eq!(
            moment_to_strptime("MMM DD, YYYY"),
            ("%b %d, %Y".to_string(), false, false)
        );
        assert_eq!(
            moment_to_strptime("[Day] D [of] MMMM YYYY, HH:mm").0,
            "Day %d of %B %Y, %H:%M"
        );
        assert_eq!(
            moment_to_strptime("MMMM Do, YYYY"),
            ("%B %d, %Y".to_string(), false, true)
        );
        assert_eq!(
            moment_to_strptime("YYYY-MM-DD HH:mm:ss Z"),
            ("%Y-%m-%d %H:%M:%S %z".to_string(), true, false)
        );
        assert_eq!(
            moment_to_strptime("dddd, ddd hh:mm A a ZZ SSSSSS SSS"),
            ("%A, %a %I:%M %p %p %z %f %f".to_string(), true, false)
        );
        // `%` doubled inside and outside brackets; an unclosed `[` is literal text.
        assert_eq!(moment_to_strptime("[100%] D%").0, "100%% %d%%");
        assert_eq!(moment_to_strptime("[D").0, "[%d");
        assert_eq!(moment_to_strptime("[]YYYYY").0, "%YY");
        // Tokens are tried in the reference's order: `SS` is no token, `SSSS` is `SSS` + `S`.
        assert_eq!(moment_to_strptime("SS SSSS").0, "SS %fS");
        assert_eq!(moment_to_strptime("DDDo").0, "%d%d");
        // The reference's substring tests: a literal `%H` counts as a time, `Do` in brackets
        // as an ordinal format.
        assert!(moment_to_strptime("[%H]").1);
        assert!(moment_to_strptime("[Do] D").2);
        assert!(!moment_to_strptime("A SSS").1);
    }

    #[test]
    fn compiled_atoms() {
        let format = compile("D  MMM[\t]Y").expect("compiles");
        assert_eq!(
            format.atoms,
            vec![
                Atom::Dir(Directive::Day),
                Atom::Space,
                Atom::Dir(Directive::MonthAbbr),
                Atom::Space,
                Atom::Lit(b'Y'),
            ]
        );
        assert!(matches!(compile("DD/MM/DD"), Err(Fail::Decline(_))));
        assert!(matches!(compile("D MMMM [à] YYYY"), Err(Fail::Decline(_))));
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
        let mut search = Search {
            text: &[b' '; 200],
            atoms: &[
                Atom::Space,
                Atom::Dir(Directive::Day),
                Atom::Space,
                Atom::Lit(b'x'),
            ],
            caps: [(0, 0); DIRECTIVES],
            steps: MAX_STEPS - 10,
            gave_up: false,
        };
        assert_eq!(search.find(0, 0), None);
        assert!(search.gave_up);
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
