//! Extract: file bytes -> text, front matter block and body, as `pipeline/extract/` does.

pub mod resolver;
pub mod yaml;
mod yaml_simple;

use crate::errors::{Fail, Result};
use crate::pyfmt;

/// What extract found in one file.
#[derive(Debug)]
pub struct Document<'a> {
    /// The YAML front matter text (None: the file has no front matter block).
    pub front_matter: Option<&'a str>,
    /// File line of the first front matter line.
    pub front_matter_line: usize,
    pub body: &'a str,
}

/// The text of a file: UTF-8, with or without a BOM (other encodings are declined).
/// Errors are the reference's EncodingError rejections.
pub fn decode(data: &[u8]) -> Result<&str> {
    const BOMS: [&[u8]; 4] = [
        b"\xff\xfe\x00\x00",
        b"\x00\x00\xfe\xff",
        b"\xff\xfe",
        b"\xfe\xff",
    ];
    if let Some(rest) = data.strip_prefix(b"\xef\xbb\xbf".as_slice()) {
        return std::str::from_utf8(rest).map_err(|err| {
            Fail::reject(
                "encoding",
                &format!(
                    "not valid utf-8 after its BOM at byte {}",
                    err.valid_up_to()
                ),
                None,
                None,
                Some("re-save the file as UTF-8"),
            )
        });
    }
    if BOMS.iter().any(|bom| data.starts_with(bom)) {
        return Err(Fail::decline("UTF-16 or UTF-32 text"));
    }
    if data[..data.len().min(8192)].contains(&0) {
        return Err(Fail::reject(
            "encoding",
            "binary file (NUL bytes), not text",
            None,
            None,
            Some("remove it from the input or convert it to UTF-8 text"),
        ));
    }
    std::str::from_utf8(data).map_err(|err| {
        let start = err.valid_up_to();
        let line = data[..start].iter().filter(|b| **b == b'\n').count() + 1;
        Fail::reject(
            "encoding",
            &format!("not UTF-8 (byte 0x{:02x} at offset {start})", data[start]),
            Some(line),
            None,
            Some("re-save the file as UTF-8"),
        )
    })
}

/// `-{3,}[ \t]*(?:yaml)?[ \t]*` (the YAML opener) on the first line.
fn yaml_opener(line: &str) -> bool {
    let dashes = line.bytes().take_while(|b| *b == b'-').count();
    if dashes < 3 {
        return false;
    }
    let rest = line[dashes..].trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix("yaml").unwrap_or(rest);
    rest.bytes().all(|b| b == b' ' || b == b'\t')
}

/// `(?:-{3,}|\.\.\.)[ \t]*` (the YAML closer), a whole line.
fn yaml_closer(line: &str) -> bool {
    let rest = if let Some(r) = line.strip_prefix("...") {
        r
    } else {
        let dashes = line.bytes().take_while(|b| *b == b'-').count();
        if dashes < 3 {
            return false;
        }
        &line[dashes..]
    };
    rest.bytes().all(|b| b == b' ' || b == b'\t')
}

/// Find the front matter at the start of `text` (LF newlines, no BOM): `split()` in
/// pipeline/extract/frontmatter.py. TOML and JSON front matter are declined.
pub fn split(text: &str) -> Result<Document<'_>> {
    let first_end = memchr::memchr(b'\n', text.as_bytes());
    let first = match first_end {
        Some(end) => &text[..end],
        None => text,
    };
    if yaml_opener(first) {
        if let Some(first_end) = first_end {
            // The first line after the opener that is a closer, led by its newline.
            let mut start = first_end;
            while start < text.len() {
                let line_start = start + 1;
                let line_end = memchr::memchr(b'\n', &text.as_bytes()[line_start..])
                    .map_or(text.len(), |n| line_start + n);
                if yaml_closer(&text[line_start..line_end]) {
                    let body = if line_end < text.len() {
                        &text[line_end + 1..]
                    } else {
                        ""
                    };
                    return Ok(Document {
                        front_matter: Some(&text[first_end + 1..line_start]),
                        front_matter_line: 2,
                        body,
                    });
                }
                start = line_end;
            }
        }
        return Err(Fail::reject(
            "front-matter",
            &format!(
                "front matter opened with {} on line 1 is never closed",
                pyfmt::str_repr(pyfmt::strip(first))
            ),
            Some(1),
            None,
            Some("add a closing '---' line after the front matter"),
        ));
    }
    // `\+\+\+[ \t]*(?:toml)?[ \t]*` and `\{.*`: TOML and JSON front matter.
    if let Some(rest) = first.strip_prefix("+++") {
        let rest = rest.trim_start_matches([' ', '\t']);
        let rest = rest.strip_prefix("toml").unwrap_or(rest);
        if rest.bytes().all(|b| b == b' ' || b == b'\t') {
            return Err(Fail::decline("TOML front matter"));
        }
    }
    if first.starts_with('{') {
        return Err(Fail::decline("JSON front matter"));
    }
    Ok(Document {
        front_matter: None,
        front_matter_line: 1,
        body: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_reference() {
        let doc = split("---\na: 1\n---\nbody\n").unwrap();
        assert_eq!(doc.front_matter, Some("a: 1\n"));
        assert_eq!(doc.body, "body\n");
        let doc = split("---\n---").unwrap();
        assert_eq!(doc.front_matter, Some(""));
        assert_eq!(doc.body, "");
        let doc = split("---- yaml \na: 1\n...  \n\nx").unwrap();
        assert_eq!(doc.front_matter, Some("a: 1\n"));
        assert_eq!(doc.body, "\nx");
        assert!(matches!(split("---\na: 1\n"), Err(Fail::Reject(_))));
        assert!(matches!(split("+++\na = 1\n+++\n"), Err(Fail::Decline(_))));
        assert_eq!(split("no front matter").unwrap().front_matter, None);
        // A `---x` line is no closer.
        let doc = split("---\na: 1\n---x\n---\nb").unwrap();
        assert_eq!(doc.front_matter, Some("a: 1\n---x\n"));
    }

    #[test]
    fn decodes() {
        assert_eq!(decode(b"\xef\xbb\xbfabc").unwrap(), "abc");
        match decode(b"a\nb\xe9c") {
            Err(Fail::Reject(r)) => {
                assert_eq!(r.line, Some(2));
                assert_eq!(
                    r.reason,
                    "not UTF-8 (byte 0xe9 at offset 3) (re-save the file as UTF-8)"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
