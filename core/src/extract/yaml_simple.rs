//! The fast path of the YAML loader: documents made of the simplest block forms.
//!
//! Hand-written on purpose. saphyr spends about 15 µs on the seed's front matter even with its
//! long scalars stood in (about 23 ns per token, whatever the token), which is most of the
//! per-file budget; legacy documents are nearly all one shape (`key: value` lines, one-line
//! `>-` scalars, nested mappings). `load_simple` reads exactly that shape in a few µs and
//! gives up (None) on anything else, which saphyr then reads: a plain value with `: `, ` #`
//! or an indicator first, a quoted value with an escape or spanning lines, a key that is not
//! a plain ASCII word, comments or lines indented where they could continue a value,
//! sequences, flow collections other than `[]` and `{}`, block scalars other than one line
//! with `>`, `>-`, `|` or `|-`, duplicate keys. What it reads is what saphyr and libyaml read:
//! `cargo test` compares it with the saphyr path, and tests/core/test_core_yaml.py compares
//! both with PyYAML.

use super::resolver::{resolve_plain, tag_of};
use super::yaml::{check_line_start, Loaded, MAX_KEY_BYTES, MAX_NODES};
use crate::value::{Map, Value};

/// An open block mapping of the fast path.
struct Open {
    indent: usize,
    map: Map,
    /// Its key in the enclosing mapping (None for the root).
    key: Option<String>,
}

/// The lines of a text that ends with a line break: (0-based number, line without it).
struct Lines<'t> {
    text: &'t str,
    pos: usize,
    number: usize,
}

impl<'t> Lines<'t> {
    fn next_line(&mut self) -> Option<(usize, &'t str)> {
        let rest = self.text.get(self.pos..).filter(|rest| !rest.is_empty())?;
        let len = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        let line = rest.get(..len)?;
        self.pos += len + 1;
        self.number += 1;
        Some((self.number - 1, line))
    }

    /// The text after the current line.
    fn rest(&self) -> &'t str {
        self.text.get(self.pos..).unwrap_or_default()
    }
}

/// Read a document of the simplest block forms exactly as saphyr and libyaml do, or None.
pub(super) fn load_simple(text: &str, first_line: usize) -> Option<Loaded> {
    let mut stack: Vec<Open> = Vec::with_capacity(4);
    // A `key:` whose value starts on a later line, and the indentation of its mapping.
    let mut pending: Option<(String, usize)> = None;
    // After a one-line value in a mapping at this indentation: no later line may be indented
    // more (it would continue the value, or be an error).
    let mut after_value: Option<usize> = None;
    let mut key_lines = Vec::with_capacity(32);
    let mut nodes = 1;
    let mut lines = Lines {
        text,
        pos: 0,
        number: 0,
    };
    while let Some((number, line)) = lines.next_line() {
        let indent = leading_spaces(line.as_bytes());
        let Some(first) = line.as_bytes().get(indent) else {
            continue; // blank
        };
        check_line_start(line.as_bytes()).ok()?;
        if after_value.take().is_some_and(|outer| indent > outer) {
            return None;
        }
        if *first == b'#' {
            if stack.last().is_some_and(|open| indent > open.indent) {
                return None;
            }
            continue;
        }
        if let Some((key, outer)) = pending.take() {
            if indent > outer {
                if stack.len() >= 32 {
                    return None;
                }
                stack.push(Open {
                    indent,
                    map: Vec::with_capacity(8),
                    key: Some(key),
                });
            } else {
                insert(stack.last_mut()?, key, Value::Null)?;
            }
        }
        if stack.is_empty() {
            stack.push(Open {
                indent,
                map: Vec::with_capacity(32),
                key: None,
            });
        }
        while indent < stack.last()?.indent {
            close_open(&mut stack)?;
        }
        if indent != stack.last()?.indent {
            return None;
        }
        let rest = line.get(indent..)?;
        let key_len = simple_key(rest.as_bytes());
        let key = rest
            .get(..key_len)
            .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_BYTES)?;
        let after = rest.get(key_len..)?.strip_prefix(':')?;
        if !after.is_empty() && !after.starts_with(' ') {
            return None;
        }
        if tag_of(key) != "str" {
            return None;
        }
        nodes += 2;
        if nodes > MAX_NODES {
            return None;
        }
        if stack.len() == 1 {
            key_lines.push((key.to_string(), first_line + number));
        }
        let value = after.trim_start_matches(' ');
        let value = match value.as_bytes().first() {
            None => {
                pending = Some((key.to_string(), indent));
                continue;
            }
            Some(b'>' | b'|') => {
                let clip = match value {
                    ">" | "|" => true,
                    ">-" | "|-" => false,
                    _ => return None,
                };
                let (_, content) = lines.next_line()?;
                let column = leading_spaces(content.as_bytes());
                if column <= indent || column >= content.len() {
                    return None;
                }
                // The line after must end the scalar: the end, or a non-blank line indented
                // less than the content (a blank line may still belong to the scalar).
                let next = lines.rest().as_bytes();
                let next_indent = leading_spaces(next);
                if !next.is_empty()
                    && (next_indent >= column || next.get(next_indent) == Some(&b'\n'))
                {
                    return None;
                }
                let mut block = String::with_capacity(content.len() - column + 1);
                block.push_str(content.get(column..)?);
                if clip {
                    block.push('\n');
                }
                Value::Str(block)
            }
            Some(_) => {
                after_value = Some(indent);
                one_line_value(value)?
            }
        };
        insert(stack.last_mut()?, key.to_string(), value)?;
    }
    if let Some((key, _)) = pending.take() {
        insert(stack.last_mut()?, key, Value::Null)?;
    }
    while stack.len() > 1 {
        close_open(&mut stack)?;
    }
    let root = stack.pop()?;
    Some(Loaded {
        map: root.map,
        key_lines,
    })
}

/// Add a key to a mapping of the fast path; None for a duplicate (saphyr's path declines it)
/// and for long mappings (their duplicate check is the saphyr path's hash set).
fn insert(open: &mut Open, key: String, value: Value) -> Option<()> {
    if open.map.len() >= 64 || open.map.iter().any(|(k, _)| *k == key) {
        return None;
    }
    open.map.push((key, value));
    Some(())
}

/// Close the innermost mapping into its parent; None when it is the root.
fn close_open(stack: &mut Vec<Open>) -> Option<()> {
    let open = stack.pop()?;
    let parent = stack.last_mut()?;
    insert(parent, open.key?, Value::Map(open.map))
}

/// The length of a plain ASCII key word at the start of `line`: `[A-Za-z0-9_][A-Za-z0-9_.-]*`.
fn simple_key(line: &[u8]) -> usize {
    match line.first() {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => line
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            .count(),
        _ => 0,
    }
}

/// A value written on the rest of its line (`value` starts with a non-space): a plain scalar
/// without comment or indicator, a quoted scalar without escapes, `[]` or `{}`.
fn one_line_value(value: &str) -> Option<Value> {
    let bytes = value.as_bytes();
    match bytes.first()? {
        b'\'' => {
            // `''` is a quote; the closing quote ends the scalar, then only spaces.
            let mut out = String::new();
            let mut rest = value.get(1..)?;
            loop {
                let quote = rest.find('\'')?;
                out.push_str(rest.get(..quote)?);
                rest = rest.get(quote + 1..)?;
                match rest.strip_prefix('\'') {
                    Some(more) => {
                        out.push('\'');
                        rest = more;
                    }
                    None => break,
                }
            }
            rest.bytes().all(|b| b == b' ').then_some(Value::Str(out))
        }
        b'"' => {
            let rest = value.get(1..)?;
            let quote = rest.find('"')?;
            let (inner, tail) = (rest.get(..quote)?, rest.get(quote + 1..)?);
            (!inner.contains('\\') && tail.bytes().all(|b| b == b' '))
                .then(|| Value::Str(inner.to_string()))
        }
        b'[' if value.trim_end_matches(' ') == "[]" => Some(Value::Seq(Vec::new())),
        b'{' if value.trim_end_matches(' ') == "{}" => Some(Value::Map(Vec::new())),
        b'-' if bytes.get(1).is_some_and(|b| *b != b' ') => plain_value(value),
        b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!'
        | b'|' | b'>' | b'%' | b'@' | b'`' => None,
        _ => plain_value(value),
    }
}

/// A one-line plain scalar in block context, typed by PyYAML's resolvers.
fn plain_value(value: &str) -> Option<Value> {
    let value = value.trim_end_matches(' ');
    // ` #` starts a comment, `: ` is an error to libyaml (and so is a final `:`).
    let bytes = value.as_bytes();
    let cut = bytes
        .windows(2)
        .any(|pair| matches!(pair, [b' ', b'#'] | [b':', b' ']));
    if cut || bytes.last() == Some(&b':') {
        return None;
    }
    if tag_of(value) == "str" {
        Some(Value::Str(value.to_string()))
    } else {
        resolve_plain(value).ok()
    }
}

fn leading_spaces(line: &[u8]) -> usize {
    line.iter().take_while(|b| **b == b' ').count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::yaml::parse;

    /// A small deterministic generator (xorshift), so the test needs no dependency.
    struct Rng(u64);

    impl Rng {
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            items[(self.0 % items.len() as u64) as usize]
        }
    }

    /// The fast path gives exactly what the saphyr path gives, wherever it gives anything.
    #[test]
    fn fast_path_agrees_with_saphyr() {
        let keys = [
            "id",
            "title",
            "a.b",
            "x-y",
            "_k",
            "k1",
            "yes",
            "1",
            "é",
            "k k",
            "seo",
            "id",
            "~",
            "2025-01-29",
            "'q'",
            "\"d\"",
            "a:b",
            "-x",
        ];
        let values = [
            "",
            " x",
            " plain text",
            " 165645",
            " -1.0",
            " 2025-01-29",
            " 2025-02-30",
            " yes",
            " ~",
            " null",
            " 'it''s'",
            " \"q\"",
            " \"e\\n\"",
            " []",
            " {}",
            " [a]",
            " a #c",
            " a: b",
            " a:b",
            " x:",
            " -",
            " - x",
            " @x",
            " 'a' b",
            " 017",
            " 1e3",
            " 1.5e+3",
            " >-",
            " >",
            " |",
            " |-",
            " >+",
            " >2",
            " >- #c",
            " a#b",
            " 'unclosed",
            " \"x",
            " http://x/y?q=1",
            " x  ",
            " C:\\dir",
            " \\n\\n###",
            " {a: 1}",
            " &a x",
            " !t x",
        ];
        let lines = [
            "",
            "# c",
            "  ",
            "  # c",
            "    text",
            "     more",
            "  text",
            "- item",
            "...",
            "---",
            "    a: 1",
            "  b: 2",
            "      c: 3",
            "x",
            "  x",
        ];
        let indents = ["", "", "", "  ", "    ", " "];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut fast = 0;
        for _ in 0..50_000 {
            let mut text = String::new();
            for _ in 0..(rng.0 % 7 + 1) {
                match rng.pick(&["entry", "entry", "entry", "entry", "line"]) {
                    "entry" => {
                        text.push_str(rng.pick(&indents));
                        let key = match rng.pick(&["good", "good", "any"]) {
                            "good" => rng.pick(&keys[..6]),
                            _ => rng.pick(&keys),
                        };
                        text.push_str(key);
                        text.push(':');
                        let value = match rng.pick(&["good", "good", "any"]) {
                            "good" => rng.pick(&values[..12]),
                            _ => rng.pick(&values),
                        };
                        text.push_str(value);
                        text.push('\n');
                        if value.starts_with([' ']) && value[1..].starts_with(['>', '|']) {
                            text.push_str(rng.pick(&["    text", "  x y ", "", "        z"]));
                            text.push('\n');
                        }
                    }
                    _ => {
                        let line = match rng.pick(&["good", "any"]) {
                            "good" => rng.pick(&lines[..2]),
                            _ => rng.pick(&lines),
                        };
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            }
            if let Some(simple) = load_simple(&text, 2) {
                fast += 1;
                let ascii = text.is_ascii();
                assert_eq!(parse(&text, ascii, 2), Ok(Some(simple)), "{text:?}");
            }
        }
        assert!(fast > 5_000, "the fast path took only {fast} documents");
    }

    #[test]
    fn fast_path_takes_the_seed_shape() {
        let text = "_schema: default\nid: 165645\ndate: 2025-01-29\ntitle: >-\n    T\n\
                    seo:\n  title: A | B\n  page_keywords: >-\n    a, b\nscore: -1.0\n\
                    date2: \"2024-05-19\"\nrel:\n    id: 1\n    url: /x/y\nlast:\n";
        let simple = load_simple(text, 2).expect("the fast path reads the seed's shape");
        assert_eq!(Ok(Some(simple)), parse(text, true, 2));
    }
}
