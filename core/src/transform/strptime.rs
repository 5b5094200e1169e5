//! The `strptime` side of a compiled format: `format_regex.match(data_string)` and the values
//! `_strptime` computes from the groups (CPython 3.11's `Lib/_strptime.py`), on ASCII text.
//!
//! Hand-written, as the whole date reader is (`dates` says why): each directive's regex is a
//! list of candidate ends in the order Python's backtracking `re` engine tries them, searched
//! depth-first, so the first match found is the one `re.match` returns.

use super::dates::{
    date_checked, fraction, is_space, Parsed, Scan, DAY_MINUTES, FORMAT, OFFSET_SECONDS,
    TOO_COMPLEX,
};
use super::moment::{compiled, Atom, Directive, DIRECTIVES};
use crate::errors::{Fail, Result};
use crate::value::{Date, DateTime};

/// Candidate positions the matcher may try before it gives up: Python's backtracking would
/// take as long, but a decline must come quickly (the fuzz target allows no hang).
const MAX_STEPS: u32 = 20_000;

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
pub(super) fn try_format(text: &str, fmt: &str) -> Result<Option<Parsed>> {
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

    #[test]
    fn pathological_backtracking_gives_up() {
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
}
