//! Markdown pages: the YAML front matter writer and the targets whose page depends on its
//! record alone (`generic`).

pub mod platform;
pub mod yamlfm;

use crate::errors::Result;
use crate::transform::profile::Shape;
use crate::value::{get, Map, Value};

/// The `generic` target's page path (relative to its folder): `GenericTarget.page_path`.
pub fn generic_page_path(data: &Map, shape: Shape) -> Option<String> {
    match shape {
        Shape::Article => match get(data, "slug") {
            Some(Value::Str(slug)) => Some(format!("{slug}.md")),
            _ => None,
        },
        Shape::Generic => match get(data, "source").and_then(|s| match s {
            Value::Map(m) => get(m, "path"),
            _ => None,
        }) {
            Some(Value::Str(path)) => Some(path.clone()),
            _ => None,
        },
    }
}

/// True when `pipeline.atomic.safe_relative(rel)` returns `rel` unchanged and raises nothing:
/// no NUL or backslash, not absolute, no drive letter, no empty, `.` or `..` segment, and no
/// segment Windows reserves (`con`, `lpt1.md`, ...), which would get a `_` prefix.
pub fn plain_path(rel: &str) -> bool {
    let bytes = rel.as_bytes();
    if rel.is_empty()
        || rel.contains(['\0', '\\'])
        || rel.starts_with('/')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
    {
        return false;
    }
    rel.split('/')
        .all(|part| !matches!(part, "" | "." | "..") && !windows_reserved(part))
}

/// `(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?`, case-insensitive (atomic.py and
/// common.py both hold this pattern).
pub(crate) fn windows_reserved(part: &str) -> bool {
    let stem = part.split_once('.').map_or(part, |(stem, _)| stem);
    let lower = stem.to_ascii_lowercase();
    if matches!(lower.as_str(), "con" | "prn" | "aux" | "nul") {
        return true;
    }
    let mut chars = lower.chars();
    let head: String = chars.by_ref().take(3).collect();
    let rest: Vec<char> = chars.collect();
    (head == "com" || head == "lpt")
        && rest.len() == 1
        && (rest[0].is_ascii_digit() || matches!(rest[0], '¹' | '²' | '³'))
}

/// The `generic` target's page: `GenericTarget.render`.
pub fn generic_page(data: &Map, shape: Shape) -> Result<String> {
    if shape == Shape::Generic {
        let front = match get(data, "front_matter") {
            Some(Value::Map(m)) => m,
            _ => {
                return Err(crate::errors::Fail::decline(
                    "generic record without front matter",
                ))
            }
        };
        let body = match get(data, "body") {
            Some(Value::Str(b)) => b.as_str(),
            _ => "",
        };
        return yamlfm::front_matter_document(front, body, false);
    }
    let answer = match get(data, "answer") {
        Some(Value::Str(a)) => Some(a.as_str()),
        _ => None,
    };
    match answer {
        // The body cannot carry a null answer, a CR or a NUL: such an answer stays in the
        // front matter (the reader prefers it there); the body drops NULs.
        None => yamlfm::front_matter_document(data, "\n", false),
        Some(a) if a.contains(['\r', '\0']) => {
            let body = format!("{}\n", a.replace('\0', ""));
            yamlfm::front_matter_document(data, &body, false)
        }
        Some(a) => yamlfm::front_matter_document_without(data, "answer", &[a, "\n"], false),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_path;

    #[test]
    fn plain_paths() {
        for ok in [
            "a.md",
            "dir/b c.md",
            "x/y/z.tar.gz",
            "con-x.md",
            "comx.md",
            "com10.md",
        ] {
            assert!(plain_path(ok), "{ok}");
        }
        for bad in [
            "",
            "/a.md",
            "c:x.md",
            "a//b.md",
            "./a.md",
            "a/../b",
            "a\\b",
            "CON",
            "con.md",
            "x/Lpt1.txt",
            "com¹.md",
            "nul.tar.gz",
            "a/",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
    }
}
