//! Transform: a parsed front matter -> the canonical record, driven by the source profile, as
//! `pipeline/transform/__init__.py` does (to_article, to_generic, validate).

mod coerce;
pub mod dates;
pub mod escapes;
pub mod jsonsafe;
mod moment;
pub mod profile;
mod related;
mod strptime;
mod validate;

use crate::errors::{Fail, Result};
use crate::pyfmt;
use crate::value::{get, get_path, Map, Value};
use coerce::Context;
use jsonsafe::make_json_safe;
use profile::{Profile, Shape};
use related::related;
use validate::validate_article;

/// A warning (`pipeline.record.Warning_`).
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub field: String,
    pub message: String,
}

/// A canonical record: its shape, its data in the contract's key order, its warnings.
#[derive(Clone, Debug)]
pub struct Record {
    pub shape: Shape,
    pub data: Map,
    pub warnings: Vec<Warning>,
}

/// What extract hands to transform.
pub struct Raw<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
    /// None: the file has no front matter block.
    pub front_matter: Option<Map>,
    pub key_lines: Vec<(String, usize)>,
    pub body: &'a str,
}

impl Raw<'_> {
    /// The line of a top-level key (the first segment of a dotted path).
    fn line_of(&self, source: &str) -> Option<usize> {
        let top = source.split('.').next().unwrap_or(source);
        self.key_lines
            .iter()
            .find(|(k, _)| k == top)
            .map(|(_, l)| *l)
    }
}

/// `split_list`: split on a separator, strip each item, drop empty ones.
pub fn split_list(text: &str, separator: &str) -> Vec<Value> {
    text.split(separator)
        .map(pyfmt::strip)
        .filter(|item| !item.is_empty())
        .map(|item| Value::Str(item.to_string()))
        .collect()
}

/// `_remove`: delete a dotted key path from `extra`, then the mappings this left empty.
fn remove_path(map: &mut Map, dotted: &str) {
    fn walk(map: &mut Map, parts: &[&str]) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return false;
        };
        if rest.is_empty() {
            if let Some(at) = map.iter().position(|(k, _)| k == first) {
                map.remove(at);
                return true;
            }
            return false;
        }
        let Some(at) = map.iter().position(|(k, _)| k == first) else {
            return false;
        };
        let Value::Map(inner) = &mut map[at].1 else {
            return false;
        };
        if !walk(inner, rest) {
            return false;
        }
        if inner.is_empty() {
            map.remove(at);
        }
        true
    }
    let parts: Vec<&str> = dotted.split('.').collect();
    walk(map, &parts);
}

/// `is_placeholder_body`: only whitespace and the placeholders (ASCII case-insensitive).
///
/// The reference is a regex `(?:\s|p1|p2...)*` with IGNORECASE: a dynamic programme over the
/// positions gives the same answer without backtracking. Characters that Python's Unicode
/// case folding maps onto ASCII letters are declined.
pub fn is_placeholder_body(body: &str, placeholders: &[String]) -> Result<bool> {
    if placeholders.iter().any(|p| !p.is_ascii()) {
        return Err(Fail::decline("non-ASCII placeholder"));
    }
    // Quick answers: all whitespace; or a character no placeholder holds.
    let bytes = body.as_bytes();
    let mut reachable = vec![false; bytes.len() + 1];
    reachable[0] = true;
    let mut i = 0;
    while i < bytes.len() {
        if !reachable[i] {
            i += 1;
            continue;
        }
        let rest = &body[i..];
        let Some(c) = rest.chars().next() else { break };
        if pyfmt::is_space(c) {
            reachable[i + c.len_utf8()] = true;
        } else if !c.is_ascii() {
            if matches!(c, '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}') {
                return Err(Fail::decline("placeholder check with Unicode case folding"));
            }
        } else {
            for p in placeholders {
                if !p.is_empty()
                    && rest.len() >= p.len()
                    && rest.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
                {
                    reachable[i + p.len()] = true;
                }
            }
        }
        i += c.len_utf8();
    }
    Ok(reachable[bytes.len()])
}

/// `_slugify` for text that is a slug already; anything python-slugify would have to
/// transliterate or clean is declined.
fn quick_slug(text: &str) -> Result<String> {
    let is_slug = text.len() <= 200
        && !text.is_empty()
        && text.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if is_slug {
        Ok(text.to_string())
    } else {
        Err(Fail::decline("slug that needs python-slugify"))
    }
}

/// `PurePosixPath(text).name`: the last segment, `.` segments dropped.
fn posix_name(text: &str) -> &str {
    text.split('/')
        .rfind(|s| !s.is_empty() && *s != ".")
        .unwrap_or("")
}

/// `_slug`: from the profile's slug sources, falling back to the id.
fn slug(front_matter: &Map, profile: &Profile, doc_id: &Value) -> Result<String> {
    for source in &profile.slug_from {
        let value = match get_path(front_matter, source) {
            Some(Value::Str(s)) if !pyfmt::is_blank(s) => s,
            _ => continue,
        };
        let mut text = pyfmt::strip(value).to_string();
        let leaf = source.rsplit('.').next().unwrap_or(source).to_lowercase();
        if matches!(leaf.as_str(), "file_name" | "filename" | "file" | "path") {
            let name = posix_name(&text.replace('\\', "/")).to_string();
            text = if name.trim_matches('.').contains('.') {
                name.rsplit_once('.')
                    .map_or(name.clone(), |(stem, _)| stem.to_string())
            } else {
                name
            };
        } else if leaf == "url" || text.starts_with('/') || text.starts_with("http") {
            text = text
                .split(['/', '\\', '?', '#'])
                .rfind(|s| !s.is_empty())
                .unwrap_or("")
                .to_string();
        }
        if text.is_empty() {
            continue; // python-slugify gives "" for "", and the next source is tried
        }
        return quick_slug(&text);
    }
    match doc_id {
        Value::Int(i) if *i >= 0 => quick_slug(&i.to_string()),
        _ => Err(Fail::decline("slug from an id python-slugify must clean")),
    }
}

/// `to_article`: the canonical article record of a CMS profile.
pub fn to_article(raw: &Raw<'_>, profile: &Profile) -> Result<Record> {
    let Some(front_matter) = raw.front_matter.as_ref() else {
        if pyfmt::is_blank(raw.body) {
            return Err(Fail::reject(
                "missing-field",
                "empty file",
                None,
                None,
                Some("remove it from the input"),
            ));
        }
        return Err(Fail::reject(
            "missing-field",
            "no front matter block",
            Some(1),
            None,
            Some(
                "the file must start with a `---` front matter block, or migrate it with \
                 --profile generic",
            ),
        ));
    };
    let mut ctx = Context {
        raw,
        profile,
        warnings: Vec::new(),
    };
    // `extra` is what the rules leave of the front matter: built at the end from the entries
    // that survive, instead of a deep copy of the whole front matter cut down key by key.
    let mut removals: Vec<&str> = Vec::new();
    let mut values: Vec<(&str, Value)> = Vec::new();
    for rule in &profile.fields {
        let source = rule.source.as_str();
        let top = !source.contains('.');
        let value = if top {
            get(front_matter, source)
        } else {
            get_path(front_matter, source)
        };
        let empty = matches!(value, None | Some(Value::Null))
            || matches!(value, Some(Value::Str(s)) if s.is_empty());
        if rule.required && empty {
            return Err(ctx.error(
                "missing-field",
                "required field is missing or empty",
                source,
                Some(&format!("add `{source}:` to the front matter")),
            ));
        }
        let coerced = ctx.coerce(rule, value, source)?;
        match values.iter_mut().find(|(t, _)| *t == rule.target) {
            Some(slot) => slot.1 = coerced,
            None => values.push((rule.target.as_str(), coerced)),
        }
        removals.push(source);
    }
    let take = |values: &mut Vec<(&str, Value)>, target: &str| -> Value {
        values
            .iter_mut()
            .find(|(t, _)| *t == target)
            .map_or(Value::Null, |(_, v)| std::mem::replace(v, Value::Null))
    };
    let doc_id = take(&mut values, "id");
    let doc_url = take(&mut values, "url");
    let related = related(&mut ctx, front_matter, &doc_id, &doc_url)?;
    let mut extra = Map::new();
    for (key, value) in front_matter {
        if removals.contains(&key.as_str()) || related.slot_keys.contains(&key.as_str()) {
            continue;
        }
        let mut entry: Map = vec![(key.clone(), value.clone())];
        for path in &removals {
            if path.split('.').next() == Some(key.as_str()) && path.contains('.') {
                remove_path(&mut entry, path);
            }
        }
        extra.extend(entry);
    }
    extra.extend(related.kept);
    let links = related.links;
    let body = if is_placeholder_body(raw.body, &profile.placeholders)? {
        ""
    } else {
        raw.body
    };
    let slug = slug(front_matter, profile, &doc_id)?;
    let keywords = match take(&mut values, "seo.keywords") {
        Value::Null => Value::Seq(Vec::new()),
        Value::Seq(items) if items.is_empty() => Value::Seq(Vec::new()),
        Value::Str(s) if s.is_empty() => Value::Seq(Vec::new()),
        // Python's `or []`: every falsy value.
        Value::Int(0) | Value::Bool(false) => Value::Seq(Vec::new()),
        Value::Float(0.0) => Value::Seq(Vec::new()),
        Value::Map(m) if m.is_empty() => Value::Seq(Vec::new()),
        other => other,
    };
    let mut extra = Value::Map(extra);
    make_json_safe(&mut extra)?;
    let field = |name: &str, v: Value| (name.to_string(), v);
    let data: Map = vec![
        field("id", doc_id),
        field("slug", Value::Str(slug)),
        field("url", doc_url),
        field("title", take(&mut values, "title")),
        field("question", take(&mut values, "question")),
        field("answer", take(&mut values, "answer")),
        field("subject", take(&mut values, "subject")),
        field("author", take(&mut values, "author")),
        field("date", take(&mut values, "date")),
        field(
            "seo",
            Value::Map(vec![
                field("title", take(&mut values, "seo.title")),
                field("description", take(&mut values, "seo.description")),
                field("keywords", keywords),
            ]),
        ),
        field("related", Value::Seq(links)),
        field("score", take(&mut values, "score")),
        field("body", Value::Str(body.to_string())),
        field("extra", extra),
        field(
            "source",
            Value::Map(vec![
                field("path", Value::Str(raw.path.to_string())),
                field("sha256", Value::Str(raw.sha256.to_string())),
            ]),
        ),
    ];
    let record = Record {
        shape: Shape::Article,
        data,
        warnings: ctx.warnings,
    };
    validate_article(&record)?;
    Ok(record)
}

/// `to_generic`: the front matter as parsed (JSON-safe) beside the untouched body.
pub fn to_generic(raw: &Raw<'_>) -> Result<Record> {
    let mut front_matter = Value::Map(raw.front_matter.clone().unwrap_or_default());
    make_json_safe(&mut front_matter)?;
    if raw.path.is_empty() {
        return Err(Fail::decline("empty source path"));
    }
    Ok(Record {
        shape: Shape::Generic,
        data: vec![
            ("front_matter".to_string(), front_matter),
            ("body".to_string(), Value::Str(raw.body.to_string())),
            (
                "source".to_string(),
                Value::Map(vec![
                    ("path".to_string(), Value::Str(raw.path.to_string())),
                    ("sha256".to_string(), Value::Str(raw.sha256.to_string())),
                ]),
            ),
        ],
        warnings: Vec::new(),
    })
}

/// Transform one parsed document with a profile: `to_record`.
pub fn to_record(raw: &Raw<'_>, profile: &Profile) -> Result<Record> {
    let record = match profile.shape {
        Shape::Article => to_article(raw, profile),
        Shape::Generic => to_generic(raw),
    }?;
    if let Some((_, Value::Str(body))) = record.data.iter().find(|(k, _)| k == "body") {
        if !body.is_empty() {
            coerce::declines_html(profile.body_html, body)?;
        }
    }
    // Links in these fields are checked and rewritten by the reference (pipeline.links); the
    // core takes only text that can hold none: no `](`, `]:`, `<a` or `<img`.
    for name in &profile.link_fields {
        if let Some((_, Value::Str(text))) = record.data.iter().find(|(k, _)| k == name) {
            if text.contains("](") || text.contains("]:") || coerce::opens_tag(text, &["a", "img"])
            {
                return Err(Fail::decline("text with links"));
            }
        }
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let p: Vec<String> = ["&nbsp;", "<br>", "<p>&nbsp;</p>", "<p></p>"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(is_placeholder_body("\n&nbsp;", &p).unwrap());
        assert!(is_placeholder_body(" <P>&NBSP;</p>\n<br>", &p).unwrap());
        assert!(is_placeholder_body("", &p).unwrap());
        assert!(!is_placeholder_body("&nbsp; x", &p).unwrap());
        assert!(!is_placeholder_body("é", &p).unwrap());
    }

    #[test]
    fn remove_dotted() {
        let mut map: Map = vec![
            ("a".into(), Value::Int(1)),
            ("seo".into(), Value::Map(vec![("t".into(), Value::Int(2))])),
            ("keep".into(), Value::Map(vec![])),
        ];
        remove_path(&mut map, "seo.t");
        remove_path(&mut map, "keep.x");
        assert_eq!(map.len(), 2);
        assert_eq!(map[1].0, "keep");
    }

    #[test]
    fn names() {
        assert_eq!(posix_name("a/b/c.md"), "c.md");
        assert_eq!(posix_name("a/."), "a");
        assert_eq!(posix_name("a/.."), "..");
        assert_eq!(posix_name("/"), "");
    }
}
