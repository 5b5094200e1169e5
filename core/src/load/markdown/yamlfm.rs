//! YAML front matter writer, byte-identical to `pipeline/load/markdown/yamlfm.py`.
//!
//! The reference is a hand-written block-style emitter for JSON-shaped values; this module
//! follows it rule by rule (each function names the Python function it mirrors). Output goes
//! into one `String`: the reference builds a list of lines and joins them with `\n` plus a final
//! `\n`, which is the same as ending every line with `\n` as it is written. Nothing here is
//! allocated per scalar except a float's text. Values the reference cannot write either
//! (dates: it raises TypeError) or nesting deeper than the reference's recursion limit allows
//! are declined.

use std::fmt::Write as _;

use crate::errors::{Fail, Result};
use crate::extract::resolver::tag_of;
use crate::pyfmt::{float_repr, is_printable, is_space};
use crate::value::{Map, Value};

/// Deepest nesting written. Records nest at most 64 levels (the loader refuses deeper YAML);
/// the reference would hit Python's recursion limit somewhere past a few hundred, so anything
/// deeper than this is declined rather than risked (and the Rust stack stays small).
const MAX_DEPTH: usize = 128;

/// Spaces pushed in chunks for indentation (indent is always a run of spaces).
const SPACES: &str = "                                                                ";

/// `dump_yaml(mapping, portable)`: block-style YAML, keys in their order, Unicode kept; the
/// empty mapping is the empty text. `portable` also quotes every string Hugo's, Jekyll's or
/// Astro's YAML parser could read as something other than a string.
pub fn dump_yaml(mapping: &Map, portable: bool) -> Result<String> {
    let mut out = String::with_capacity(estimate_map(mapping, 0));
    write_yaml(mapping, portable, &mut out)?;
    Ok(out)
}

/// `front_matter_document(mapping, body, portable)`: `---`, the YAML, `---`, the body.
pub fn front_matter_document(mapping: &Map, body: &str, portable: bool) -> Result<String> {
    // One allocation for the whole page.
    let mut out = String::with_capacity(estimate_map(mapping, 0) + body.len() + 8);
    out.push_str("---\n");
    write_yaml(mapping, portable, &mut out)?;
    out.push_str("---\n");
    out.push_str(body);
    Ok(out)
}

/// `front_matter_document` of `mapping` without its key `skip`, and a body given in pieces:
/// the generic target's page without a copy of the record or of its answer.
pub fn front_matter_document_without(
    mapping: &Map,
    skip: &str,
    body: &[&str],
    portable: bool,
) -> Result<String> {
    let body_len: usize = body.iter().map(|part| part.len()).sum();
    let mut out = String::with_capacity(estimate_map(mapping, 0) + body_len + 8);
    out.push_str("---\n");
    if mapping.iter().any(|(key, _)| key != skip) {
        emit_mapping_skipping(mapping, Some(skip), 0, 0, &mut out, portable)?;
    }
    out.push_str("---\n");
    for part in body {
        out.push_str(part);
    }
    Ok(out)
}

/// `dump_yaml`, appended to `out`.
fn write_yaml(mapping: &Map, portable: bool, out: &mut String) -> Result<()> {
    // The reference joins no lines for an empty mapping: the empty text (not `{}`).
    if mapping.is_empty() {
        return Ok(());
    }
    emit_mapping(mapping, 0, 0, out, portable)
}

/// A generous guess of the output size, so that the output is allocated once in the common
/// case: every text plus room for indentation, quotes and the odd escape.
fn estimate_map(mapping: &Map, indent: usize) -> usize {
    mapping
        .iter()
        .map(|(key, value)| indent + key.len() + 4 + estimate_value(value, indent + 2))
        .sum()
}

/// `estimate_map` for one value (nesting beyond the writer's limit is not walked).
fn estimate_value(value: &Value, indent: usize) -> usize {
    match value {
        // Room for escapes or a block's indentation without reading the text.
        Value::Str(s) => s.len() + s.len() / 4 + 8,
        Value::Map(m) if indent / 2 < MAX_DEPTH => estimate_map(m, indent),
        Value::Seq(items) if indent / 2 < MAX_DEPTH => items
            .iter()
            .map(|item| indent + 2 + estimate_value(item, indent + 2))
            .sum(),
        _ => 24,
    }
}

/// Append `indent` spaces.
fn push_indent(out: &mut String, mut indent: usize) {
    while indent > SPACES.len() {
        out.push_str(SPACES);
        indent -= SPACES.len();
    }
    out.push_str(SPACES.get(..indent).unwrap_or(""));
}

/// Decline nesting deeper than `MAX_DEPTH`.
fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Fail::decline(
            "front matter nested too deeply for the YAML writer",
        ));
    }
    Ok(())
}

/// `_emit_mapping`: one `key: value` line per key (or the key line and a nested block).
fn emit_mapping(
    mapping: &Map,
    indent: usize,
    depth: usize,
    out: &mut String,
    portable: bool,
) -> Result<()> {
    emit_mapping_skipping(mapping, None, indent, depth, out, portable)
}

/// `emit_mapping`, leaving out the key `skip`.
fn emit_mapping_skipping(
    mapping: &Map,
    skip: Option<&str>,
    indent: usize,
    depth: usize,
    out: &mut String,
    portable: bool,
) -> Result<()> {
    check_depth(depth)?;
    for (key, value) in mapping {
        if skip == Some(key.as_str()) {
            continue;
        }
        push_indent(out, indent);
        scalar_text(key, portable, out);
        out.push(':');
        match value {
            Value::Str(text) if !text.contains('\n') => {
                out.push(' ');
                scalar_text(text, portable, out);
                out.push('\n');
            }
            _ => emit_value(value, indent, depth, out, portable)?,
        }
    }
    Ok(())
}

/// `_emit_value`: the head (already in `out`, no newline) followed by an atom on the same line,
/// a literal block, or a nested collection on the following lines.
fn emit_value(
    value: &Value,
    indent: usize,
    depth: usize,
    out: &mut String,
    portable: bool,
) -> Result<()> {
    if is_atom(value)? {
        out.push(' ');
        push_atom(value, portable, out);
        out.push('\n');
        return Ok(());
    }
    match value {
        Value::Str(text) => block(text, indent + 2, out),
        Value::Map(mapping) => {
            out.push('\n');
            emit_mapping(mapping, indent + 2, depth + 1, out, portable)?;
        }
        Value::Seq(items) => {
            out.push('\n');
            emit_sequence(items, indent, depth + 1, out, portable)?;
        }
        // is_atom said these are atoms (or declined them).
        _ => return Err(Fail::decline("value the YAML writer does not write")),
    }
    Ok(())
}

/// `_emit_sequence`: `- item` lines at the parent's indentation; a non-empty nested collection
/// is written one level deeper and its first line then shares the dash line (the reference
/// rewrites `out[start]`: the two spaces of that line's indentation become `- `).
fn emit_sequence(
    items: &[Value],
    indent: usize,
    depth: usize,
    out: &mut String,
    portable: bool,
) -> Result<()> {
    check_depth(depth)?;
    for item in items {
        match item {
            Value::Map(mapping) if !mapping.is_empty() => {
                let start = out.len();
                emit_mapping(mapping, indent + 2, depth + 1, out, portable)?;
                dash_first_line(out, start + indent)?;
            }
            Value::Seq(inner) if !inner.is_empty() => {
                let start = out.len();
                emit_sequence(inner, indent + 2, depth + 1, out, portable)?;
                dash_first_line(out, start + indent)?;
            }
            Value::Str(text) if !text.contains('\n') => {
                push_indent(out, indent);
                out.push_str("- ");
                scalar_text(text, portable, out);
                out.push('\n');
            }
            _ => {
                push_indent(out, indent);
                out.push('-');
                emit_value(item, indent, depth, out, portable)?;
            }
        }
    }
    Ok(())
}

/// Replace the two spaces at byte `at` (the end of the parent's indentation on the nested
/// collection's first line) by `- `. They are always two spaces; anything else is declined.
fn dash_first_line(out: &mut String, at: usize) -> Result<()> {
    if out.get(at..at + 2) != Some("  ") {
        return Err(Fail::decline("YAML writer: unexpected nested line"));
    }
    out.replace_range(at..at + 2, "- ");
    Ok(())
}

/// True when `_atom` returns a one-line form (not None) for the value.
fn is_atom(value: &Value) -> Result<bool> {
    Ok(match value {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => true,
        Value::Str(text) => !(text.contains('\n') && blockable(text)),
        Value::Seq(items) => items.is_empty(),
        Value::Map(mapping) => mapping.is_empty(),
        // The reference raises TypeError: records hold dates as ISO text, never as dates.
        Value::Date(_) | Value::DateTime(_) => {
            return Err(Fail::decline("date value in front matter to write"))
        }
    })
}

/// `_atom` for a value `is_atom` accepted.
fn push_atom(value: &Value, portable: bool, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => {
            // Writing into a String cannot fail.
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => float_text(*f, out),
        Value::Str(text) => scalar_text(text, portable, out),
        Value::Seq(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
        Value::Date(_) | Value::DateTime(_) => {}
    }
}

/// `_float_text`: Python's repr, with `.0` before a bare exponent (`1e+16` alone would read
/// back as a string in YAML 1.1); YAML's own words for NaN and the infinities.
fn float_text(value: f64, out: &mut String) {
    if value.is_nan() {
        out.push_str(".nan");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { ".inf" } else { "-.inf" });
    } else {
        let text = float_repr(value);
        if text.contains('e') && !text.contains('.') {
            out.push_str(&text.replace('e', ".0e"));
        } else {
            out.push_str(&text);
        }
    }
}

/// `_blockable`: a literal block holds the text unchanged (no leading space, tab or newline,
/// no trailing space or tab, no space or tab before a line break, and every other character
/// printable by Python's `str.isprintable`, newlines and tabs aside).
fn blockable(text: &str) -> bool {
    if text.starts_with([' ', '\t', '\n'])
        || text.ends_with([' ', '\t'])
        || text.contains(" \n")
        || text.contains("\t\n")
    {
        return false;
    }
    // The ASCII prefix by bytes (most text is ASCII), the rest by characters.
    let ascii = text
        .bytes()
        .position(|b| !b.is_ascii())
        .unwrap_or(text.len());
    let (head, tail) = (
        text.get(..ascii).unwrap_or(""),
        text.get(ascii..).unwrap_or(""),
    );
    head.bytes()
        .all(|b| b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b))
        && tail
            .chars()
            .all(|c| c == '\n' || c == '\t' || is_printable(c))
}

/// `_block`: ` |` with its chomping indicator (`-` no final newline, none for one, `+` for
/// more, kept as empty lines), then each line at `indent` (empty lines stay empty).
fn block(text: &str, indent: usize, out: &mut String) {
    let stripped = text.trim_end_matches('\n');
    // Newlines are one byte: the byte count is the reference's character count.
    let trailing = text.len() - stripped.len();
    out.push_str(match trailing {
        0 => " |-\n",
        1 => " |\n",
        _ => " |+\n",
    });
    for line in stripped.split('\n') {
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// `_scalar_text`: a string as one-line scalar, plain when PyYAML reads it back as that string,
/// double-quoted otherwise; `portable` quotes more (see `portable_risk`).
fn scalar_text(text: &str, portable: bool, out: &mut String) {
    if portable && portable_risk(text) {
        quoted(text, out);
    } else if plain_ok(text) {
        out.push_str(text);
    } else {
        quoted(text, out);
    }
}

/// The portable rule: empty, starting like a number or a symbol (`_PORTABLE_RISK`,
/// `[-+.~:0-9]`), or a bool/null word of any YAML version in any case (`_TYPED_WORDS`).
fn portable_risk(text: &str) -> bool {
    match text.as_bytes().first() {
        None => true,
        Some(b'-' | b'+' | b'.' | b'~' | b':' | b'0'..=b'9') => true,
        Some(_) => typed_word(text),
    }
}

/// `text.lower() in _TYPED_WORDS`. The words are ASCII, and no non-ASCII character lowercases
/// into these letters (the Kelvin sign gives `k`, `İ` gives `i` plus a combining dot), so an
/// ASCII case-insensitive comparison is the same test.
fn typed_word(text: &str) -> bool {
    const WORDS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    text.len() <= 5 && WORDS.iter().any(|w| text.eq_ignore_ascii_case(w))
}

/// `_scalar_text_uncached`'s plain test: `_PLAIN` matches the whole text, the last character
/// is not Python whitespace, and PyYAML's resolver gives the `str` tag.
fn plain_ok(text: &str) -> bool {
    // `[A-Za-z0-9_(./$\\]`: ASCII, so the first byte is the first character.
    let first_ok = matches!(
        text.as_bytes().first(),
        Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'(' | b'.' | b'/' | b'$' | b'\\')
    );
    first_ok
        && !plain_excluded(text)
        && !text.chars().next_back().is_some_and(is_space)
        && tag_of(text) == "str"
}

/// Byte classes for the scans below: the byte is fine as it is (0), is refused or escaped
/// itself (1), or is the lead byte of a character that may be (2, see `special`).
const fn byte_classes(refused: &[u8]) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = 1;
        b += 1;
    }
    table[0x7f] = 1;
    let mut k = 0;
    while k < refused.len() {
        table[refused[k] as usize] = 1;
        k += 1;
    }
    table[0xc2] = 2;
    table[0xe2] = 2;
    table[0xef] = 2;
    table
}

/// What a scan looks for: the byte classes and the two ASCII characters of class 1 besides
/// C0 and DEL (for the eight-bytes-at-a-time test).
struct Scan {
    class: [u8; 256],
    extra: [u8; 2],
}

/// `_PLAIN` after its first character: C0, DEL, `:` and `#` refused.
static PLAIN_SCAN: Scan = Scan {
    class: byte_classes(b":#"),
    extra: *b":#",
};
/// `_quoted`: C0, DEL, `"` and `\` escaped.
static QUOTE_SCAN: Scan = Scan {
    class: byte_classes(b"\"\\"),
    extra: *b"\"\\",
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// True when one of the eight bytes of `word` is zero (the classic bit trick: exact).
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

impl Scan {
    /// True when none of the eight bytes needs a look: all ASCII (no lead byte), none below
    /// 0x20, no DEL, neither extra character.
    fn clean(&self, word: u64) -> bool {
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
        word & HIGHS == 0
            && !below_space
            && !has_zero_byte(word ^ (ONES * 0x7f))
            && !has_zero_byte(word ^ (ONES * self.extra[0] as u64))
            && !has_zero_byte(word ^ (ONES * self.extra[1] as u64))
    }

    /// The position of the next byte at or after `from` whose class is not 0. Text is mostly
    /// plain ASCII: eight bytes are tested at once, and only a flagged word byte by byte.
    fn next(&self, bytes: &[u8], from: usize) -> Option<usize> {
        let rest = bytes.get(from..)?;
        let flagged = |part: &[u8]| part.iter().position(|&b| self.class[b as usize] != 0);
        let mut base = from;
        let mut chunks = rest.chunks_exact(8);
        for chunk in &mut chunks {
            let clean = <[u8; 8]>::try_from(chunk)
                .map(|word| self.clean(u64::from_le_bytes(word)))
                .unwrap_or(false);
            if !clean {
                if let Some(k) = flagged(chunk) {
                    return Some(base + k);
                }
            }
            base += 8;
        }
        flagged(chunks.remainder()).map(|k| base + k)
    }
}

/// `[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff:#]`: what `_PLAIN` refuses after the first character.
fn plain_excluded(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = PLAIN_SCAN.next(bytes, from) {
        let refused = match bytes.get(at) {
            Some(&b) if PLAIN_SCAN.class[b as usize] == 1 => true,
            _ => matches!(
                special(bytes, at),
                Some(0x80..=0x9f | 0x2028 | 0x2029 | 0xfeff)
            ),
        };
        if refused {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The code point starting at `at` when it is one of the few non-ASCII characters the writer
/// treats specially (U+0080-U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF), else None.
/// Work by bytes: their UTF-8 lead bytes (C2, E2, EF) are never continuation bytes, so a scan
/// of every byte finds exactly these characters.
fn special(bytes: &[u8], at: usize) -> Option<u32> {
    let next = |k: usize| bytes.get(at + k).copied();
    match (next(0)?, next(1)?) {
        (0xc2, b @ 0x80..=0x9f) => Some(b as u32),
        (0xe2, 0x80) => match next(2)? {
            0xa8 => Some(0x2028),
            0xa9 => Some(0x2029),
            _ => None,
        },
        (0xef, 0xbb) => (next(2)? == 0xbf).then_some(0xfeff),
        (0xef, 0xbf) => match next(2)? {
            0xbe => Some(0xfffe),
            0xbf => Some(0xffff),
            _ => None,
        },
        _ => None,
    }
}

/// `_quoted`: `json.dumps(text, ensure_ascii=False)` (quotes, backslashes and C0 controls
/// escaped, `\u00XX` in lowercase hex where JSON has no short escape), then `_YAML_ESCAPE`:
/// DEL, C1 controls, LS, PS, BOM and the non-characters U+FFFE/U+FFFF as `\uXXXX`.
fn quoted(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    // Runs of bytes that need no escape are copied as slices; an escape starts at an ASCII
    // byte or a lead byte, so every cut is at a character boundary.
    let mut run = 0;
    let mut from = 0;
    while let Some(at) = QUOTE_SCAN.next(bytes, from) {
        from = at + 1;
        let b = match bytes.get(at) {
            Some(&b) => b,
            None => break,
        };
        let (escape, code, len) = match b {
            b'"' => ("\\\"", 0, 1),
            b'\\' => ("\\\\", 0, 1),
            b'\n' => ("\\n", 0, 1),
            b'\r' => ("\\r", 0, 1),
            b'\t' => ("\\t", 0, 1),
            0x08 => ("\\b", 0, 1),
            0x0c => ("\\f", 0, 1),
            0x00..=0x1f | 0x7f => ("", b as u32, 1),
            _ => match special(bytes, at) {
                Some(code) => ("", code, if b == 0xc2 { 2 } else { 3 }),
                None => continue,
            },
        };
        out.push_str(text.get(run..at).unwrap_or(""));
        run = at + len;
        if escape.is_empty() {
            // Every escaped code point is below U+10000: four hex digits.
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(HEX[((code >> shift) & 0xf) as usize] as char);
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(text.get(run..).unwrap_or(""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn dump(pairs: &[(&str, Value)]) -> String {
        dump_yaml(&map(pairs), false).expect("written")
    }

    fn dump_portable(pairs: &[(&str, Value)]) -> String {
        dump_yaml(&map(pairs), true).expect("written")
    }

    #[test]
    fn empty_mapping_is_empty_text() {
        assert_eq!(dump(&[]), "");
        assert_eq!(
            front_matter_document(&Vec::new(), "body\n", false).expect("written"),
            "---\n---\nbody\n"
        );
    }

    #[test]
    fn readable_shapes() {
        // tests/load/test_yamlfm.py::test_readable_shapes
        let text = dump(&[
            ("title", s("Plain words")),
            ("date", s("2025-01-29")),
            ("answer", s("a\nb\n")),
            ("tags", Value::Seq(vec![s("x"), s("yes")])),
            ("seo", Value::Map(map(&[("k", Value::Seq(vec![]))]))),
            (
                "related",
                Value::Seq(vec![Value::Map(map(&[
                    ("id", Value::Int(1)),
                    ("t", s("T")),
                ]))]),
            ),
            ("score", Value::Float(-1.0)),
            ("n", Value::Null),
        ]);
        assert_eq!(
            text,
            "title: Plain words\ndate: \"2025-01-29\"\nanswer: |\n  a\n  b\n\
             tags:\n- x\n- \"yes\"\nseo:\n  k: []\nrelated:\n- id: 1\n  t: T\n\
             score: -1.0\nn: null\n"
        );
    }

    #[test]
    fn block_scalars() {
        assert_eq!(dump(&[("a", s("x\ny"))]), "a: |-\n  x\n  y\n");
        assert_eq!(dump(&[("a", s("x\n\ny\n"))]), "a: |\n  x\n\n  y\n");
        assert_eq!(dump(&[("a", s("x\n\n\n"))]), "a: |+\n  x\n\n\n");
        assert_eq!(
            dump(&[("a", s("tab\tin\nblock"))]),
            "a: |-\n  tab\tin\n  block\n"
        );
        assert_eq!(dump(&[("a", s("é\n東😀"))]), "a: |-\n  é\n  東😀\n");
        // Not blockable: quoted on one line.
        assert_eq!(dump(&[("a", s("\nx"))]), "a: \"\\nx\"\n");
        assert_eq!(dump(&[("a", s(" x\ny"))]), "a: \" x\\ny\"\n");
        assert_eq!(dump(&[("a", s("x \ny"))]), "a: \"x \\ny\"\n");
        assert_eq!(dump(&[("a", s("x\ny "))]), "a: \"x\\ny \"\n");
        assert_eq!(dump(&[("a", s("a\r\nb"))]), "a: \"a\\r\\nb\"\n");
        assert_eq!(dump(&[("a", s("a\u{a0}\nb"))]), "a: \"a\u{a0}\\nb\"\n");
        assert_eq!(dump(&[("a", s("\n"))]), "a: \"\\n\"\n");
        // Blocks inside mappings and sequences are indented below their head.
        assert_eq!(
            dump(&[("m", Value::Map(map(&[("b", s("1\n2"))])))]),
            "m:\n  b: |-\n    1\n    2\n"
        );
        assert_eq!(
            dump(&[("l", Value::Seq(vec![s("1\n2\n"), s("x\ny")]))]),
            "l:\n- |\n  1\n  2\n- |-\n  x\n  y\n"
        );
    }

    #[test]
    fn quoting() {
        let cases = [
            ("yes", "\"yes\""),
            ("No", "\"No\""),
            ("y", "y"),
            ("null", "\"null\""),
            ("nULL", "nULL"),
            ("~", "\"~\""),
            ("", "\"\""),
            (" ", "\" \""),
            ("x ", "\"x \""),
            ("x\u{3000}", "\"x\u{3000}\""),
            ("1:20", "\"1:20\""),
            ("a: b", "\"a: b\""),
            ("a #b", "\"a #b\""),
            (
                "a b, c's \"d\" [e] {f} !g &h *i",
                "a b, c's \"d\" [e] {f} !g &h *i",
            ),
            ("-", "\"-\""),
            ("- x", "\"- x\""),
            ("017", "\"017\""),
            ("08", "08"),
            ("1e3", "1e3"),
            ("1.5", "\"1.5\""),
            ("1_000", "\"1_000\""),
            (".inf", "\".inf\""),
            (".", "."),
            // PyYAML's float pattern wants a digit after a leading point (`\.[0-9][0-9_]*`):
            // `._` is a string, written plain.
            ("._", "._"),
            ("._5", "._5"),
            (".5_", "\".5_\""),
            ("2025-01-29", "\"2025-01-29\""),
            ("2025-1-29", "2025-1-29"),
            ("2025-01-29 10:00:00", "\"2025-01-29 10:00:00\""),
            ("(x)", "(x)"),
            ("$x\\y", "$x\\y"),
            ("/path/to", "/path/to"),
            ("@x", "\"@x\""),
            (
                "a\u{0}b\u{1}\u{8}\u{c}\u{1f}",
                "\"a\\u0000b\\u0001\\b\\f\\u001f\"",
            ),
            (
                "a\u{7f}\u{85}\u{9f}\u{a0}",
                "\"a\\u007f\\u0085\\u009f\u{a0}\"",
            ),
            ("a\u{2028}b\u{2029}", "\"a\\u2028b\\u2029\""),
            ("\u{feff}x", "\"\\ufeffx\""),
            ("x\u{fffe}\u{ffff}", "x\u{fffe}\u{ffff}"),
            ("#\u{fffe}\u{ffff}", "\"#\\ufffe\\uffff\""),
            ("é", "\"é\""),
            ("xé東😀", "xé東😀"),
            ("a\"b\\c", "a\"b\\c"),
            ("\"b\\c", "\"\\\"b\\\\c\""),
        ];
        for (text, expected) in cases {
            assert_eq!(
                dump(&[("k", s(text))]),
                format!("k: {expected}\n"),
                "{text:?}"
            );
        }
        // Keys follow the same rules.
        assert_eq!(dump(&[("yes", Value::Int(1))]), "\"yes\": 1\n");
        assert_eq!(dump(&[("", Value::Null)]), "\"\": null\n");
        assert_eq!(dump(&[("a b", Value::Bool(true))]), "a b: true\n");
    }

    #[test]
    fn portable_quoting() {
        let cases = [
            ("", "\"\""),
            ("1e3", "\"1e3\""),
            ("08", "\"08\""),
            (".", "\".\""),
            ("Y", "\"Y\""),
            ("n", "\"n\""),
            ("NaN", "\"NaN\""),
            ("Inf", "\"Inf\""),
            ("oN", "\"oN\""),
            ("nULL", "\"nULL\""),
            ("İnf", "\"İnf\""),
            ("\u{212a}", "\"\u{212a}\""),
            ("yess", "yess"),
            ("x", "x"),
            ("~x", "\"~x\""),
            ("+1", "\"+1\""),
            ("-x", "\"-x\""),
        ];
        for (text, expected) in cases {
            assert_eq!(
                dump_portable(&[("k", s(text))]),
                format!("k: {expected}\n"),
                "{text:?}"
            );
        }
        assert_eq!(dump_portable(&[("on", s("x"))]), "\"on\": x\n");
        assert_eq!(dump(&[("on", s("x"))]), "\"on\": x\n");
        assert_eq!(dump(&[("y", s("n"))]), "y: n\n");
        assert_eq!(dump_portable(&[("y", s("n"))]), "\"y\": \"n\"\n");
    }

    #[test]
    fn nested_sequences_of_mappings() {
        let item = |id: i64| Value::Map(map(&[("id", Value::Int(id)), ("t", s("T"))]));
        assert_eq!(
            dump(&[("r", Value::Seq(vec![item(1), item(2)]))]),
            "r:\n- id: 1\n  t: T\n- id: 2\n  t: T\n"
        );
        // A sequence in a sequence shares the dash line, at every depth.
        let nested = Value::Seq(vec![
            Value::Seq(vec![s("a"), Value::Seq(vec![Value::Int(1), Value::Int(2)])]),
            Value::Seq(vec![]),
            Value::Map(map(&[])),
            Value::Map(map(&[("k", Value::Seq(vec![item(3)]))])),
        ]);
        assert_eq!(
            dump(&[("x", nested)]),
            "x:\n- - a\n  - - 1\n    - 2\n- []\n- {}\n- k:\n  - id: 3\n    t: T\n"
        );
        // A mapping in a mapping in a sequence.
        assert_eq!(
            dump(&[(
                "s",
                Value::Seq(vec![Value::Map(map(&[(
                    "m",
                    Value::Map(map(&[("a", Value::Null), ("b", s("x\ny"))]))
                )]))])
            )]),
            "s:\n- m:\n    a: null\n    b: |-\n      x\n      y\n"
        );
        // Scalars of every kind as items.
        assert_eq!(
            dump(&[(
                "l",
                Value::Seq(vec![
                    Value::Null,
                    Value::Bool(false),
                    Value::Int(-3),
                    Value::Float(0.5),
                    s(""),
                    s("a\rb"),
                ])
            )]),
            "l:\n- null\n- false\n- -3\n- 0.5\n- \"\"\n- \"a\\rb\"\n"
        );
    }

    #[test]
    fn floats() {
        let cases = [
            (-1.0, "-1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e16, "1.0e+16"),
            (1.5e16, "1.5e+16"),
            (1e-5, "1.0e-05"),
            (2.5e-7, "2.5e-07"),
            (1e15, "1000000000000000.0"),
            (5e-324, "5.0e-324"),
            (f64::NAN, ".nan"),
            (f64::INFINITY, ".inf"),
            (f64::NEG_INFINITY, "-.inf"),
        ];
        for (value, expected) in cases {
            assert_eq!(
                dump(&[("f", Value::Float(value))]),
                format!("f: {expected}\n")
            );
        }
        assert_eq!(
            dump(&[("i", Value::Int(i64::MIN))]),
            "i: -9223372036854775808\n"
        );
    }

    /// The byte scans against a character-by-character reading of the same rules, for every
    /// special character at every offset of an eight-byte word.
    #[test]
    fn byte_scans_match_character_rules() {
        fn naive_quoted(text: &str) -> String {
            let mut out = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\x08' => out.push_str("\\b"),
                    '\x0c' => out.push_str("\\f"),
                    '\x00'..='\x1f'
                    | '\x7f'..='\u{9f}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{feff}'
                    | '\u{fffe}'
                    | '\u{ffff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        let naive_excluded = |text: &str| {
            text.chars().any(|c| {
                matches!(c, '\x00'..='\x1f' | '\x7f'..='\u{9f}' | '\u{2028}' | '\u{2029}'
                    | '\u{feff}' | ':' | '#')
            })
        };
        let mut specials: Vec<char> = (0u32..0x180).filter_map(char::from_u32).collect();
        specials.extend([
            '\u{2027}',
            '\u{2028}',
            '\u{2029}',
            '\u{202a}',
            '\u{200b}',
            '\u{feff}',
            '\u{fefe}',
            '\u{fffd}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1f600}',
            '\u{10ffff}',
            '東',
        ]);
        for c in specials {
            for at in 0..18 {
                let text: String = (0..20).map(|k| if k == at { c } else { 'a' }).collect();
                assert_eq!(
                    plain_excluded(&text),
                    naive_excluded(&text),
                    "{c:?} at {at}"
                );
                let mut out = String::new();
                quoted(&text, &mut out);
                assert_eq!(out, naive_quoted(&text), "{c:?} at {at}");
            }
        }
    }

    #[test]
    fn declines() {
        let date = Value::Date(crate::value::Date {
            year: 2025,
            month: 1,
            day: 29,
        });
        assert!(matches!(
            dump_yaml(&map(&[("d", date.clone())]), false),
            Err(Fail::Decline(_))
        ));
        assert!(matches!(
            dump_yaml(&map(&[("d", Value::Seq(vec![date]))]), true),
            Err(Fail::Decline(_))
        ));
        let mut deep = Value::Int(1);
        for _ in 0..MAX_DEPTH + 5 {
            deep = Value::Seq(vec![deep]);
        }
        assert!(matches!(
            dump_yaml(&map(&[("d", deep)]), false),
            Err(Fail::Decline(_))
        ));
        let mut deep = Value::Int(1);
        for _ in 0..60 {
            deep = Value::Map(map(&[("k", deep)]));
        }
        assert!(dump_yaml(&map(&[("d", deep)]), false).is_ok());
    }
}
