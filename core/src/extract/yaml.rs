//! YAML front matter -> `Value`, typed as PyYAML's safe loader (libyaml + SafeConstructor,
//! `pipeline/extract/yaml_loader.py`: `load_yaml_pyyaml`) types it, or a decline.
//!
//! saphyr-parser gives the events (YAML 1.2); PyYAML reads YAML 1.1 through libyaml. The two
//! agree on the block and flow documents front matter is made of, and this module declines
//! every construct and character where they may not; what remains is typed with PyYAML's
//! implicit resolvers (`resolver::resolve_plain`). A file the core declines is read by the
//! Python reference, so every doubt is a decline, never a guess.
//!
//! Declined, and why:
//! - characters libyaml refuses or reads as line breaks and saphyr does not (C0/C1 controls,
//!   DEL, NEL, LS/PS, U+FEFF, U+FFFE/U+FFFF), a lone CR, and every tab (YAML 1.1 and 1.2 differ
//!   on tabs around indentation and separation; no front matter seen so far has one), and a
//!   text without a final line break (block scalars end differently there);
//! - document markers and directives inside the text, several documents;
//! - anchors, aliases and tags (the reference builds shared or retyped values), merge keys;
//! - keys that are not one-line plain or quoted strings written `key: ` (`?` complex keys,
//!   collections, keys PyYAML types as numbers, booleans, dates or null), duplicate keys at
//!   any level, plain scalars inside `[...]`/`{...}` that libyaml reads as indicators;
//! - plain scalars the resolver does not construct (YAML 1.1 octal, hex, binary, sexagesimal
//!   and underscored numbers, .inf/.nan, integers beyond 64 bits; see `resolver`);
//! - nesting deeper than the reference's MAX_DEPTH and more nodes than its
//!   MAX_EXPANDED_NODES (it refuses both), and every saphyr parse error (libyaml words its own).
//!
//! Speed: saphyr costs 15-25 µs on a legacy document, most of the per-file budget. Documents
//! of the legacy shape (`key: value` lines, one-line `>-` scalars, nested mappings) are read
//! by a hand-written fast path instead (`load_simple` in `yaml_simple`, a few µs); it gives up
//! on anything else, and saphyr reads that.

use std::borrow::Cow;
use std::collections::HashSet;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::yaml_simple::load_simple;
use crate::errors::{Fail, Result};
use crate::extract::resolver::{resolve_plain, tag_of};
use crate::value::{Map, Value};

/// A parsed front matter mapping and the file line of each top-level key.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The root mapping, keys in document order.
    pub map: Map,
    /// `(key, file line)` for each top-level key, in document order (keys are unique: a
    /// duplicate key is declined, as the reference refuses it).
    pub key_lines: Vec<(String, usize)>,
}

/// The reference's `MAX_DEPTH`: a node deeper than this (the root is at depth 1) is refused.
const MAX_DEPTH: usize = 64;
/// The reference's `MAX_EXPANDED_NODES`: a document with more nodes (keys included) is refused.
pub(super) const MAX_NODES: usize = 100_000;
/// A mapping with more keys than this checks duplicates through a hash set instead of a scan.
const SCAN_KEYS: usize = 16;
/// libyaml gives up on an implicit key whose `:` is more than 1024 characters from its start;
/// keys anywhere near that are declined rather than measured the way libyaml measures them.
pub(super) const MAX_KEY_BYTES: usize = 1000;

/// Parse one YAML front matter document; `first_line` is the file line `text` starts on.
/// `Ok(None)` for a document with no content (empty or only comments).
pub fn load(text: &str, first_line: usize) -> Result<Option<Loaded>> {
    let ascii = check_characters(text.as_bytes())?;
    if let Some(loaded) = load_simple(text, first_line) {
        return Ok(Some(loaded));
    }
    check_lines(text)?;
    parse(text, ascii, first_line)
}

/// Build the value from saphyr's events for `text`.
pub(super) fn parse(text: &str, ascii: bool, first_line: usize) -> Result<Option<Loaded>> {
    let mut loader = Loader {
        text,
        first_line,
        offsets: Offsets::new(ascii),
        stack: Vec::with_capacity(8),
        root: None,
        key_lines: Vec::with_capacity(32),
        nodes: 0,
    };
    let mut documents = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|_| Fail::decline("YAML parse error"))?;
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(explicit) => {
                // The line check refuses `---` lines; this keeps any other way to a second
                // document (or an explicit start) from being read as the first one.
                documents += 1;
                if explicit || documents > 1 {
                    return Err(Fail::decline("several documents"));
                }
            }
            Event::Alias(_) => return Err(Fail::decline("anchor or alias")),
            Event::Scalar(value, style, anchor, tag) => {
                check_plain_node(anchor, tag.as_ref())?;
                loader.scalar(value, style, span)?;
            }
            Event::MappingStart(anchor, tag) => {
                check_plain_node(anchor, tag.as_ref())?;
                let flow = loader.is_flow(span)?;
                loader.open(Frame::Map {
                    map: Vec::new(),
                    key: None,
                    seen: None,
                    flow,
                })?;
            }
            Event::SequenceStart(anchor, tag) => {
                check_plain_node(anchor, tag.as_ref())?;
                let flow = loader.is_flow(span)?;
                loader.open(Frame::Seq {
                    items: Vec::new(),
                    flow,
                })?;
            }
            Event::MappingEnd | Event::SequenceEnd => loader.close()?,
        }
    }
    if !loader.stack.is_empty() {
        // The parser stopped inside a collection (it reports errors; this is a safety net).
        return Err(Fail::decline("YAML parse error"));
    }
    match loader.root {
        None if documents == 0 => Ok(None),
        Some(Value::Map(map)) => Ok(Some(Loaded {
            map,
            key_lines: loader.key_lines,
        })),
        _ => Err(Fail::decline("front matter is not a mapping")),
    }
}

/// Decline anchors and tags: PyYAML constructs tagged and shared nodes its own way.
fn check_plain_node(anchor: usize, tag: Option<&Cow<'_, Tag>>) -> Result<()> {
    if anchor != 0 {
        return Err(Fail::decline("anchor or alias"));
    }
    if tag.is_some() {
        return Err(Fail::decline("tag"));
    }
    Ok(())
}

/// A collection being built.
enum Frame {
    Map {
        map: Map,
        /// The key read, waiting for its value.
        key: Option<String>,
        /// The keys, once the mapping is too long to scan for duplicates.
        seen: Option<HashSet<String>>,
        /// Written `{...}` (libyaml reads plain scalars inside flow collections its own way).
        flow: bool,
    },
    Seq {
        items: Vec<Value>,
        flow: bool,
    },
}

/// The state of one parse: the open collections and what the reference also reports.
struct Loader<'t> {
    text: &'t str,
    first_line: usize,
    offsets: Offsets,
    stack: Vec<Frame>,
    root: Option<Value>,
    key_lines: Vec<(String, usize)>,
    nodes: usize,
}

impl Loader<'_> {
    /// Count a node at the current depth, as the reference's graph check counts it.
    fn count_node(&mut self) -> Result<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Fail::decline("more nodes than the reference allows"));
        }
        // The new node's depth is the open collections plus one (the root is at depth 1).
        if self.stack.len() >= MAX_DEPTH {
            return Err(Fail::decline("nesting deeper than 64"));
        }
        Ok(())
    }

    /// True when a collection starting at `span` is a flow collection (`[` or `{`).
    fn is_flow(&mut self, span: Span) -> Result<bool> {
        let start = self
            .offsets
            .byte(self.text, span.start.index())
            .ok_or_else(|| Fail::decline("YAML parse error"))?;
        Ok(matches!(self.text.as_bytes().get(start), Some(b'[' | b'{')))
    }

    /// True when the current node is inside a flow collection.
    fn in_flow(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map { flow: true, .. } | Frame::Seq { flow: true, .. })
        )
    }

    /// True when the next node is a mapping key.
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn open(&mut self, frame: Frame) -> Result<()> {
        if self.at_key() {
            return Err(Fail::decline("complex key"));
        }
        self.count_node()?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let value = match self.stack.pop() {
            Some(Frame::Map { map, key: None, .. }) => Value::Map(map),
            Some(Frame::Seq { items, .. }) => Value::Seq(items),
            // A mapping closed after a key without its value, or an end without a start:
            // the parser never does either, but decline rather than guess.
            _ => return Err(Fail::decline("YAML parse error")),
        };
        self.add(value)
    }

    /// Add a finished value to the open collection, or make it the root.
    fn add(&mut self, value: Value) -> Result<()> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err(Fail::decline("several documents"));
                }
                self.root = Some(value);
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                Some(key) => map.push((key, value)),
                None => return Err(Fail::decline("complex key")),
            },
        }
        Ok(())
    }

    fn scalar(&mut self, text: Cow<'_, str>, style: ScalarStyle, span: Span) -> Result<()> {
        self.count_node()?;
        if style == ScalarStyle::Plain && self.in_flow() {
            // Inside `[...]`/`{...}` libyaml reads `?` and `:` at the start of a token as
            // indicators, refuses `|` and `>` there, and refuses `:` before `,?[]{}` in a
            // plain scalar; saphyr reads all of them as text (`:` before `,[]{}` ends the
            // scalar: see `implicit_key`).
            if text.starts_with(['?', ':', '|', '>']) || text.contains(":?") {
                return Err(Fail::decline("flow scalar libyaml reads differently"));
            }
        }
        if self.at_key() {
            return self.key(text, style, span);
        }
        let value = match style {
            // Most plain scalars are text: move saphyr's string instead of copying it.
            ScalarStyle::Plain if tag_of(&text) == "str" => Value::Str(text.into_owned()),
            ScalarStyle::Plain => resolve_plain(&text)?,
            _ => Value::Str(text.into_owned()),
        };
        self.add(value)
    }

    /// A mapping key: a one-line plain or quoted string written as an implicit key.
    fn key(&mut self, text: Cow<'_, str>, style: ScalarStyle, span: Span) -> Result<()> {
        match style {
            ScalarStyle::Plain => {
                if !matches!(resolve_plain(&text)?, Value::Str(_)) {
                    return Err(Fail::decline("key that is not a string"));
                }
            }
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {}
            _ => return Err(Fail::decline("complex key")),
        }
        if span.start.line() != span.end.line() {
            return Err(Fail::decline("complex key"));
        }
        let start = self.offsets.byte(self.text, span.start.index());
        let end = self.offsets.byte(self.text, span.end.index());
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Fail::decline("YAML parse error"));
        };
        implicit_key(self.text, start, end)?;
        let top = self.stack.len() == 1;
        let Some(Frame::Map { map, key, seen, .. }) = self.stack.last_mut() else {
            return Err(Fail::decline("YAML parse error"));
        };
        let duplicate = match seen {
            Some(seen) => !seen.insert(text.to_string()),
            None => {
                let duplicate = map.iter().any(|(k, _)| *k == *text);
                if map.len() >= SCAN_KEYS {
                    let mut keys: HashSet<String> = map.iter().map(|(k, _)| k.clone()).collect();
                    keys.insert(text.to_string());
                    *seen = Some(keys);
                }
                duplicate
            }
        };
        if duplicate {
            return Err(Fail::decline("duplicate key"));
        }
        if top {
            let line = self.first_line + span.start.line().saturating_sub(1);
            self.key_lines.push((text.to_string(), line));
        }
        *key = Some(text.into_owned());
        Ok(())
    }
}

/// Check that the key at `text[start..end]` is written as an implicit key: only `-`, `{`,
/// `[` or `,` (and spaces) before it on its line, and `: ` (or `:` at the end of the line)
/// after it. saphyr's events do not say whether a key came after a `?` indicator, and PyYAML
/// reads such complex keys differently; libyaml also refuses `{a:}` and `[a:,b]`, which saphyr
/// reads as a key without a value, and not every libyaml reads `{"a":1}`.
fn implicit_key(text: &str, start: usize, end: usize) -> Result<()> {
    let (Some(before), Some(after)) = (text.get(..start), text.get(end..)) else {
        return Err(Fail::decline("YAML parse error"));
    };
    let before_ok = matches!(
        before.trim_end_matches(' ').as_bytes().last(),
        None | Some(b'\n' | b'-' | b'{' | b'[' | b',')
    );
    let spaces = after.len() - after.trim_start_matches(' ').len();
    let colon = after.as_bytes().get(spaces..).unwrap_or_default();
    let after_ok =
        colon.first() == Some(&b':') && matches!(colon.get(1), None | Some(b' ' | b'\n'));
    if !before_ok || !after_ok {
        return Err(Fail::decline("complex key"));
    }
    if end.saturating_sub(start) + spaces > MAX_KEY_BYTES {
        return Err(Fail::decline("long key"));
    }
    Ok(())
}

/// Byte offsets of saphyr's character indices, found by walking forward from the last one
/// (they are asked for in document order, so a whole document costs one walk).
struct Offsets {
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl Offsets {
    fn new(ascii: bool) -> Self {
        Offsets {
            ascii,
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, text: &str, index: usize) -> Option<usize> {
        if self.ascii {
            return (index <= text.len()).then_some(index);
        }
        if index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        let rest = text.get(self.bytes..)?;
        let step = index - self.chars;
        let offset = if step == 0 {
            0
        } else {
            match rest.char_indices().nth(step) {
                Some((offset, _)) => offset,
                None if rest.chars().count() == step => rest.len(),
                None => return None,
            }
        };
        self.chars = index;
        self.bytes += offset;
        Some(self.bytes)
    }
}

/// Refuse the characters libyaml and saphyr read differently; true when the text is ASCII.
/// Hand-written (the crate has no byte-search dependency): blocks of 16 bytes are tested
/// with a loop the compiler vectorises, and only blocks holding a control or non-ASCII byte
/// are looked at byte by byte.
fn check_characters(bytes: &[u8]) -> Result<bool> {
    if !matches!(bytes.last(), None | Some(b'\n')) {
        // A block scalar on the last line keeps a final line break in saphyr and not in
        // libyaml; front matter from `split` always ends with one.
        return Err(Fail::decline("no final line break"));
    }
    let mut ascii = true;
    let mut start = 0;
    for block in bytes.chunks(16) {
        let mut odd = false;
        for &b in block {
            odd |= (b < 0x20 && b != b'\n') | (b >= 0x7f);
        }
        if odd {
            for i in start..start + block.len() {
                ascii &= check_byte(bytes, i)?;
            }
        }
        start += block.len();
    }
    Ok(ascii)
}

/// Check the byte at `i` (a control byte or the start or middle of a UTF-8 sequence);
/// true when it is ASCII.
fn check_byte(bytes: &[u8], i: usize) -> Result<bool> {
    let at = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
    match at(0) {
        b'\n' => Ok(true),
        b'\t' => Err(Fail::decline("tab")),
        b'\r' => Err(Fail::decline("unusual line break")),
        0x00..=0x1f | 0x7f => Err(Fail::decline("control character")),
        0x00..=0x7e => Ok(true),
        // U+0080..U+009F: NEL is a line break to libyaml, the others are refused by it.
        0xc2 if at(1) == 0x85 => Err(Fail::decline("unusual line break")),
        0xc2 if at(1) < 0xa0 => Err(Fail::decline("control character")),
        // U+2028, U+2029: line breaks to libyaml.
        0xe2 if at(1) == 0x80 && matches!(at(2), 0xa8 | 0xa9) => {
            Err(Fail::decline("unusual line break"))
        }
        0xef if at(1) == 0xbb && at(2) == 0xbf => Err(Fail::decline("byte order mark")),
        // U+FFFE, U+FFFF: refused by libyaml.
        0xef if at(1) == 0xbf && matches!(at(2), 0xbe | 0xbf) => {
            Err(Fail::decline("control character"))
        }
        _ => Ok(false),
    }
}

/// Refuse document markers and directives (at the start of any line).
fn check_lines(text: &str) -> Result<()> {
    check_line_start(text.as_bytes())?;
    for (newline, _) in text.match_indices('\n') {
        check_line_start(text.as_bytes().get(newline + 1..).unwrap_or_default())?;
    }
    Ok(())
}

/// Refuse a line that starts with a document marker (`---`, `...`) or a directive (`%`).
/// `line` runs to the end of its line or of the text.
pub(super) fn check_line_start(line: &[u8]) -> Result<()> {
    match line {
        [b'%', ..] => Err(Fail::decline("directive")),
        [b'-', b'-', b'-'] | [b'.', b'.', b'.'] => Err(Fail::decline("document marker")),
        [b'-', b'-', b'-', b' ' | b'\t' | b'\r' | b'\n', ..]
        | [b'.', b'.', b'.', b' ' | b'\t' | b'\r' | b'\n', ..] => {
            Err(Fail::decline("document marker"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

    fn load_ok(text: &str) -> Loaded {
        match load(text, 2) {
            Ok(Some(loaded)) => loaded,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    fn declined(text: &str) -> String {
        match load(text, 2) {
            Err(Fail::Decline(reason)) => reason,
            other => panic!("{text:?} was not declined: {other:?}"),
        }
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    #[test]
    fn seed_like_document() {
        let text = "_schema: default\nid: 165645\ndate: 2025-01-29\ntitle: >-\n    Explain it.\n\
                    seo:\n  title: QuickTakes | CS\n  page_keywords: >-\n    a, b\n\
                    answer: >-\n    Line one:\\n\\n### Two\\n1. **x**\nscore: -1.0\n\
                    related_article1:\n    id: 165644\n    title: >-\n        What?\n";
        let loaded = load_ok(text);
        assert_eq!(
            loaded.map,
            vec![
                ("_schema".into(), s("default")),
                ("id".into(), Value::Int(165645)),
                (
                    "date".into(),
                    Value::Date(Date {
                        year: 2025,
                        month: 1,
                        day: 29
                    })
                ),
                ("title".into(), s("Explain it.")),
                (
                    "seo".into(),
                    Value::Map(vec![
                        ("title".into(), s("QuickTakes | CS")),
                        ("page_keywords".into(), s("a, b")),
                    ])
                ),
                ("answer".into(), s("Line one:\\n\\n### Two\\n1. **x**")),
                ("score".into(), Value::Float(-1.0)),
                (
                    "related_article1".into(),
                    Value::Map(vec![
                        ("id".into(), Value::Int(165644)),
                        ("title".into(), s("What?")),
                    ])
                ),
            ]
        );
        let lines: Vec<(&str, usize)> = loaded
            .key_lines
            .iter()
            .map(|(k, l)| (k.as_str(), *l))
            .collect();
        assert_eq!(
            lines,
            [
                ("_schema", 2),
                ("id", 3),
                ("date", 4),
                ("title", 5),
                ("seo", 7),
                ("answer", 11),
                ("score", 13),
                ("related_article1", 14)
            ]
        );
    }

    #[test]
    fn the_seed_file() {
        // Read at run time: the crate also builds where the project's input/ is absent.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../input/000_d55175470d23ebb0.txt"
        );
        let Ok(data) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} is absent");
            return;
        };
        let doc = crate::extract::split(&data).unwrap();
        let loaded = load_ok(doc.front_matter.unwrap());
        assert_eq!(loaded.map.len(), 19);
        assert_eq!(loaded.key_lines.first(), Some(&("_schema".to_string(), 2)));
        match crate::value::get(&loaded.map, "answer") {
            Some(Value::Str(answer)) => assert!(answer.contains("\\n\\n### Client-Server Model")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn block_scalars_and_chomping() {
        let loaded =
            load_ok("a: |\n  x\n  y\n\nb: >\n  x\n  y\n\nc: |+\n  x\n\nd: >-\n  x\n\n  y\n");
        assert_eq!(
            loaded.map,
            vec![
                ("a".into(), s("x\ny\n")),
                ("b".into(), s("x y\n")),
                ("c".into(), s("x\n\n")),
                ("d".into(), s("x\ny")),
            ]
        );
    }

    #[test]
    fn sequences_and_flow() {
        let loaded =
            load_ok("tags: [a, 'b c', 1]\nempty: []\nnone: {}\nlist:\n- x\n- k: v\n  j: [w]\n");
        assert_eq!(
            loaded.map,
            vec![
                (
                    "tags".into(),
                    Value::Seq(vec![s("a"), s("b c"), Value::Int(1)])
                ),
                ("empty".into(), Value::Seq(vec![])),
                ("none".into(), Value::Map(vec![])),
                (
                    "list".into(),
                    Value::Seq(vec![
                        s("x"),
                        Value::Map(vec![
                            ("k".into(), s("v")),
                            ("j".into(), Value::Seq(vec![s("w")])),
                        ]),
                    ])
                ),
            ]
        );
    }

    #[test]
    fn scalars_typed_as_pyyaml() {
        let loaded = load_ok(
            "a: yes\nb: ~\nc:\nd: 'yes'\ne: \"2025-01-29\"\nf: 1.5\ng: 2025-02-30\nh: null\n",
        );
        assert_eq!(
            loaded.map,
            vec![
                ("a".into(), Value::Bool(true)),
                ("b".into(), Value::Null),
                ("c".into(), Value::Null),
                ("d".into(), s("yes")),
                ("e".into(), s("2025-01-29")),
                ("f".into(), Value::Float(1.5)),
                ("g".into(), s("2025-02-30")),
                ("h".into(), Value::Null),
            ]
        );
        let loaded = load_ok("\"q\\tx\\u00e9\": 'it''s'\nmulti: one\n  two\n\n  three\n");
        assert_eq!(
            loaded.map,
            vec![
                ("q\txé".into(), s("it's")),
                ("multi".into(), s("one two\nthree"))
            ]
        );
    }

    #[test]
    fn empty_documents() {
        for text in ["", "\n\n", "# only a comment\n", "  \n# c\n"] {
            assert_eq!(load(text, 2), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn key_lines_skip_nested_keys_and_count_from_first_line() {
        let loaded = load("# c\n\na:\n  b: 1\n'c': 2\n", 10).unwrap().unwrap();
        assert_eq!(
            loaded.key_lines,
            vec![("a".to_string(), 12), ("c".to_string(), 14)]
        );
    }

    #[test]
    fn declines() {
        let cases = [
            ("a: &x 1\nb: *x\n", "anchor or alias"),
            ("a: !!str 1\n", "tag"),
            ("a: !foo x\n", "tag"),
            ("<<: {a: 1}\n", "merge key"),
            ("a: 1\na: 2\n", "duplicate key"),
            ("a:\n  b: 1\n  b: 2\n", "duplicate key"),
            ("a: 1\n'a': 2\n", "duplicate key"),
            ("? a\n: 1\n", "complex key"),
            ("? a\n", "complex key"),
            ("[a, b]: 1\n", "complex key"),
            ("{a: 1}: 1\n", "complex key"),
            ("1: a\n", "key that is not a string"),
            ("yes: a\n", "key that is not a string"),
            ("2025-01-29: a\n", "key that is not a string"),
            ("null: a\n", "key that is not a string"),
            (": a\n", "key that is not a string"),
            ("%YAML 1.1\n---\na: 1\n", "directive"),
            ("a: 1\n---\nb: 2\n", "document marker"),
            ("a: 1\n...\n", "document marker"),
            ("a: 1\n\tb: 2\n", "tab"),
            ("a: x\ty\n", "tab"),
            ("a: x\ry\n", "unusual line break"),
            ("a: x\u{85}y\n", "unusual line break"),
            ("a: x\u{2028}y\n", "unusual line break"),
            ("a: x\u{feff}y\n", "byte order mark"),
            ("a: x\u{7}y\n", "control character"),
            ("a: x\u{9f}y\n", "control character"),
            ("a: x\u{ffff}\n", "control character"),
            ("a: 017\n", "YAML 1.1 integer form"),
            ("a: 1:20\n", "YAML 1.1 integer form"),
            ("a: .inf\n", "YAML 1.1 float form"),
            ("a: b: c\n", "YAML parse error"),
            ("a: [b\n", "YAML parse error"),
            ("a: \"\\ud800\"\n", "YAML parse error"),
            ("a: \"\\q\"\n", "YAML parse error"),
            ("- a\n- b\n", "front matter is not a mapping"),
            ("just text\n", "front matter is not a mapping"),
            ("~\n", "front matter is not a mapping"),
        ];
        for (text, reason) in cases {
            assert_eq!(declined(text), reason, "{text:?}");
        }
        let deep = format!("{}1{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(declined(&format!("a: {deep}\n")), "nesting deeper than 64");
        let ok = format!("{}1{}", "[".repeat(62), "]".repeat(62));
        load_ok(&format!("a: {ok}\n"));
    }

    #[test]
    fn node_limit() {
        // 1 root + 2 * keys nodes.
        let mut text = String::new();
        for i in 0..49_999 {
            text.push_str(&format!("k{i}: v\n"));
        }
        assert_eq!(load_ok(&text).map.len(), 49_999);
        text.push_str("last: v\n");
        assert_eq!(declined(&text), "more nodes than the reference allows");
    }

    #[test]
    fn offsets_walk_unicode() {
        let loaded = load_ok("é: 1\nü: {ß: x, 'ö': [y]}\nz: 2\n");
        assert_eq!(loaded.map.len(), 3);
    }
}
