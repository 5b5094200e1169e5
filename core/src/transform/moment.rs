//! moment.js / Day.js tokens -> a `strptime` pattern, as `moment_to_strptime` in
//! `pipeline/transform/dates.py` builds it, compiled to the regex CPython 3.11's
//! `Lib/_strptime.py` would make of it (`TimeRE.pattern`), with a per-thread cache of compiled
//! formats. `strptime` matches what this compiles.
//!
//! Hand-written, as the whole date reader is: `dates` says why no crate reproduces `_strptime`.
//! Only ASCII formats are compiled; the others are declined.

use std::cell::RefCell;
use std::rc::Rc;

use super::dates::{is_space, FORMAT, MAX_FORMAT};
use crate::errors::{Fail, Result};

/// Longest format the core compiles (in pattern atoms): the matcher recurses once per atom.
const MAX_ATOMS: usize = 256;

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
pub(super) enum Directive {
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
pub(super) const DIRECTIVES: usize = 15;

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
pub(super) enum Atom {
    /// A literal ASCII byte, matched case-insensitively (the regex is IGNORECASE).
    Lit(u8),
    /// A run of whitespace in the pattern: `\s+`.
    Space,
    /// A directive's group.
    Dir(Directive),
}

/// A moment.js format, compiled to what `_strptime` would match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Format {
    pub(super) atoms: Vec<Atom>,
    pub(super) has_time: bool,
    pub(super) ordinal: bool,
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
pub(super) fn compiled(fmt: &str) -> Result<Rc<Format>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
