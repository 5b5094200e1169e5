//! Python's own text rules, where the reference relies on them: `repr` of floats and strings,
//! `str.isspace`/`strip`, `str.isprintable`, and orjson's number format.

use std::sync::OnceLock;

/// Unicode version of the `isprintable` table in data/nonprintable.txt.
pub fn table_unicode_version() -> &'static str {
    &nonprintable().0
}

fn nonprintable() -> &'static (String, Vec<(u32, u32)>) {
    static TABLE: OnceLock<(String, Vec<(u32, u32)>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut version = String::new();
        let mut ranges = Vec::new();
        for line in include_str!("../data/nonprintable.txt").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some(v) = line.strip_prefix("unicode ") {
                version = v.to_string();
                continue;
            }
            let mut parts = line.split(' ');
            let start = parts.next().and_then(|p| u32::from_str_radix(p, 16).ok());
            let end = parts.next().and_then(|p| u32::from_str_radix(p, 16).ok());
            if let (Some(start), Some(end)) = (start, end) {
                ranges.push((start, end));
            }
        }
        (version, ranges)
    })
}

/// `str.isprintable()` for one character, by the table (Unicode version: see above).
pub fn is_printable(c: char) -> bool {
    let code = c as u32;
    if code < 0x80 {
        return (0x20..0x7f).contains(&code);
    }
    let ranges = &nonprintable().1;
    // The last range starting at or before `code` decides.
    let index = ranges.partition_point(|&(start, _)| start <= code);
    !(index > 0 && code <= ranges[index - 1].1)
}

/// `str.isspace()` for one character (Python's fixed whitespace set).
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\x0b'
            | '\x0c'
            | '\r'
            | '\x1c'..='\x1f'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `str.strip()` with no arguments.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// True when `str.strip()` leaves nothing.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_space)
}

/// The shortest digits that read back as `value` and the decimal point position:
/// value = 0.DIGITS * 10^point (value finite and non-zero or zero).
fn shortest(value: f64) -> (String, i32) {
    // The shortest round-trip digits, the closest to the value and, on a tie, the even ones,
    // as Python's repr (zmij; Rust's `{:e}` broke the tie of 562949953421312.25 upwards).
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(value.abs()).to_string();
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((&text, "0"));
    let exponent: i32 = exponent.trim_start_matches('+').parse().unwrap_or(0);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut point = int.len() as i32 + exponent;
    let all = format!("{int}{frac}");
    let trimmed = all.trim_start_matches('0');
    point -= (all.len() - trimmed.len()) as i32;
    let digits = trimmed.trim_end_matches('0');
    if digits.is_empty() {
        return ("0".to_string(), 1);
    }
    (digits.to_string(), point)
}

/// Python's `repr(float)`.
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    let (digits, point) = shortest(value);
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    let n = digits.len() as i32;
    if !(-4 < point && point <= 16) {
        // Exponent form: d[.ddd]e±XX.
        let exponent = point - 1;
        let mantissa = if n > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{esign}{:02}", exponent.abs());
    }
    if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= n {
        format!("{sign}{digits}{}.0", "0".repeat((point - n) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// orjson's text for a finite float (the zmij formatter orjson 3.13 uses).
pub fn orjson_float(value: f64) -> String {
    let mut buffer = zmij::Buffer::new();
    buffer.format_finite(value).to_string()
}

/// Python's `repr(str)`.
pub fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x7f => out.push(c),
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// True when every character is ASCII (the tables are then never consulted).
pub fn is_ascii(text: &str) -> bool {
    text.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_reprs() {
        let cases = [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (-1.0, "-1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (12345678.9, "12345678.9"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (2.5e-5, "2.5e-05"),
            (123.0, "123.0"),
            (562949953421312.2, "562949953421312.2"),
            (1e22, "1e+22"),
            (9007199254740993.0, "9007199254740992.0"),
            (0.3, "0.3"),
        ];
        for (value, text) in cases {
            assert_eq!(float_repr(value), text, "{value}");
        }
    }

    #[test]
    fn orjson_floats() {
        let cases = [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-7, "1e-7"),
            (1e-5, "0.00001"),
            (2.5e-5, "0.000025"),
            (-1.0, "-1.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (5e-324, "5e-324"),
        ];
        for (value, text) in cases {
            assert_eq!(orjson_float(value), text, "{value}");
        }
    }

    #[test]
    fn str_reprs() {
        assert_eq!(str_repr("abc"), "'abc'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(str_repr("a\nb\\"), "'a\\nb\\\\'");
        assert_eq!(
            str_repr("\u{7f}\u{85}é\u{200b}😀"),
            "'\\x7f\\x85é\\u200b😀'"
        );
    }

    #[test]
    fn printable_and_space() {
        assert!(is_printable('é'));
        assert!(!is_printable('\u{a0}'));
        assert!(!is_printable('\u{2028}'));
        assert!(is_printable('東'));
        assert!(is_space('\x1c'));
        assert_eq!(strip("\u{3000} x \x1f"), "x");
    }
}
