//! The JSON string escapes the legacy exporter left in YAML scalars, decoded exactly once, as
//! `pipeline/transform/escapes.py` does (`\n \r \t \" \\ \/ \uXXXX`, surrogate pairs; `\b`
//! and `\f` deliberately not; a backslash that starts no escape stays).
//!
//! Hand-written like the reference, and for the same reason: a JSON decoder refuses the whole
//! string at the first backslash that starts no escape.

fn hex4(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 4 {
        return None;
    }
    let mut value = 0;
    for b in &bytes[..4] {
        value = value * 16 + (*b as char).to_digit(16)?;
    }
    Some(value)
}

/// Decode the escapes in `text` in one left-to-right pass.
pub fn decode_escapes(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'\\', &bytes[i..]) {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        let (replacement, consumed): (Option<char>, usize) = match rest.first() {
            Some(b'n') => (Some('\n'), 2),
            Some(b'r') => (Some('\r'), 2),
            Some(b't') => (Some('\t'), 2),
            Some(b'"') => (Some('"'), 2),
            Some(b'\\') => (Some('\\'), 2),
            Some(b'/') => (Some('/'), 2),
            Some(b'u') => match hex4(&rest[1..]) {
                Some(high @ 0xD800..=0xDBFF) => {
                    // A pair: `\uD8xx\uDCxx` (the regex's first alternative); else the single
                    // escape of a lone surrogate, which stays as it was written.
                    let low = rest
                        .get(5..)
                        .filter(|r| r.starts_with(b"\\u"))
                        .and_then(|r| hex4(&r[2..]))
                        .filter(|low| (0xDC00..=0xDFFF).contains(low));
                    match low {
                        Some(low) => (
                            char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)),
                            12,
                        ),
                        None => (None, 6),
                    }
                }
                Some(0xDC00..=0xDFFF) => (None, 6),
                Some(code) => (char::from_u32(code), 6),
                None => (None, 1),
            },
            _ => (None, 1),
        };
        if let Some(c) = replacement {
            out.push_str(&text[copied..at]);
            out.push(c);
            copied = at + consumed;
        }
        i = at + consumed;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::decode_escapes as d;

    #[test]
    fn escapes() {
        assert_eq!(d("a\\nb"), "a\nb");
        assert_eq!(d("a\\\\nb"), "a\\nb");
        assert_eq!(d("\\q\\n"), "\\q\n");
        assert_eq!(d("\\u00e9\\/"), "é/");
        assert_eq!(d("\\ud83d\\ude00!"), "😀!");
        assert_eq!(d("\\ud83d x"), "\\ud83d x");
        assert_eq!(d("\\udc00\\n"), "\\udc00\n");
        assert_eq!(d("\\ud83d\\u0041"), "\\ud83dA");
        assert_eq!(d("\\b\\f\\u12"), "\\b\\f\\u12");
        assert_eq!(d("end\\"), "end\\");
        assert_eq!(d("\\frac{1}{2} \\theta"), "\\frac{1}{2} \theta");
    }
}
