//! Transform: a parsed front matter -> the canonical record, driven by the source profile, as
//! `pipeline/transform/__init__.py` does (to_article, to_generic, validate).

pub mod dates;
pub mod escapes;
pub mod jsonsafe;
pub mod profile;

use crate::errors::{Fail, Result};
use crate::pyfmt::{self, float_repr, str_repr};
use crate::value::{get, get_path, Map, Value};
use escapes::decode_escapes;
use jsonsafe::{json_safe, make_json_safe};
use profile::{FieldRule, FieldType, Profile, Shape};

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

/// Python's type name of a value (messages name it).
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::Date(_) => "date",
        Value::DateTime(_) => "datetime",
        Value::Seq(_) => "list",
        Value::Map(_) => "dict",
    }
}

/// Python's `repr(value)` for the scalars the core words messages about; None for others.
fn repr(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => str_repr(s),
        _ => return None,
    })
}

fn repr_or_decline(value: &Value) -> Result<String> {
    repr(value).ok_or_else(|| Fail::decline("message about a date or collection value"))
}

/// Python's `str(value)` for the JSON-safe scalars (list items joined as text).
fn str_of(value: &Value) -> Result<String> {
    Ok(match value {
        Value::Str(s) => s.clone(),
        Value::Date(d) => d.iso(),
        Value::DateTime(d) => d.iso(),
        Value::Seq(_) | Value::Map(_) => return Err(Fail::decline("collection written as text")),
        other => repr_or_decline(other)?,
    })
}

/// Python's `==` between the coerced values related links compare (1 == 1.0).
fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

struct Context<'r, 'a> {
    raw: &'r Raw<'a>,
    profile: &'r Profile,
    warnings: Vec<Warning>,
}

impl Context<'_, '_> {
    fn warn(&mut self, field: &str, message: String) {
        self.warnings.push(Warning {
            field: field.to_string(),
            message,
        });
    }

    fn error(&self, kind: &'static str, message: &str, source: &str, fix: Option<&str>) -> Fail {
        Fail::reject(kind, message, self.raw.line_of(source), Some(source), fix)
    }

    /// `_Context.coerce`: one legacy value to the type its rule names.
    fn coerce(&mut self, rule: &FieldRule, value: Option<&Value>, source: &str) -> Result<Value> {
        let value = match value {
            None | Some(Value::Null) => {
                return Ok(if rule.kind == FieldType::List {
                    Value::Seq(Vec::new())
                } else {
                    Value::Null
                })
            }
            Some(v) => v,
        };
        match rule.kind {
            FieldType::String => {
                let text = match value {
                    Value::Seq(_) | Value::Map(_) => {
                        return Err(self.error(
                            "field-type",
                            &format!("expected text, found a {}", type_name(value)),
                            source,
                            None,
                        ))
                    }
                    Value::Str(s) => s.clone(),
                    Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                        let text = repr_or_decline(value)?;
                        self.warn(
                            source,
                            format!("{text} is not text; written as {}", str_repr(&text)),
                        );
                        text
                    }
                    _ => return Err(Fail::decline("date where text is expected")),
                };
                let text = if rule.escaped {
                    decode_escapes(&text)
                } else {
                    text
                };
                Ok(if pyfmt::is_blank(&text) {
                    Value::Null
                } else {
                    Value::Str(text)
                })
            }
            FieldType::Integer => match value {
                Value::Int(i) => Ok(Value::Int(*i)),
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    Ok(Value::Int(*f as i64))
                }
                Value::Float(f) if f.is_finite() && f.fract() == 0.0 => {
                    Err(Fail::decline("integral float beyond the exact range"))
                }
                Value::Str(s) if integer_text(s) => {
                    let parsed: i64 = pyfmt::strip(s)
                        .trim_start_matches('+')
                        .parse()
                        .map_err(|_| Fail::decline("integer text beyond 64 bits"))?;
                    self.warn(source, format!("integer written as text {}", str_repr(s)));
                    Ok(Value::Int(parsed))
                }
                Value::Str(s) if !s.is_ascii() => Err(Fail::decline("non-ASCII integer text")),
                Value::Bool(_) => Err(self.error(
                    "field-type",
                    &format!("expected an integer, found {}", repr_or_decline(value)?),
                    source,
                    None,
                )),
                _ => Err(self.error(
                    "field-type",
                    &format!("expected an integer, found {}", repr_or_decline(value)?),
                    source,
                    Some("write a whole number"),
                )),
            },
            FieldType::Number => {
                let number = match value {
                    Value::Int(i) => Some(*i as f64),
                    Value::Float(f) => Some(*f),
                    Value::Str(s) => match number_text(s) {
                        Some(n) => {
                            self.warn(source, format!("number written as text {}", str_repr(s)));
                            Some(n)
                        }
                        None if s.is_ascii() && !looks_special(s) => None,
                        None => return Err(Fail::decline("number text the core does not read")),
                    },
                    _ => None,
                };
                match number {
                    Some(n) if n.is_finite() => Ok(Value::Float(n)),
                    _ => Err(self.error(
                        "field-type",
                        &format!(
                            "expected a finite number, found {}",
                            repr_or_decline(value)?
                        ),
                        source,
                        None,
                    )),
                }
            }
            FieldType::Date => {
                let doc_format = match &self.profile.date_format_from {
                    Some(from) => match self
                        .raw
                        .front_matter
                        .as_ref()
                        .and_then(|fm| get_path(fm, from))
                    {
                        Some(Value::Str(s)) if !pyfmt::is_blank(s) => Some(s.as_str()),
                        _ => None,
                    },
                    None => None,
                };
                dates::normalise_date(
                    value,
                    doc_format,
                    &self.profile.date_formats,
                    self.profile.timezone_minutes,
                )
                .map(Value::Str)
            }
            FieldType::List => match value {
                Value::Str(s) => {
                    let text = if rule.escaped {
                        decode_escapes(s)
                    } else {
                        s.clone()
                    };
                    let separator = rule.split.as_deref().unwrap_or(",");
                    Ok(Value::Seq(split_list(&text, separator)))
                }
                Value::Seq(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        if *item == Value::Null {
                            continue;
                        }
                        let text = str_of(&json_safe(item)?)?;
                        let stripped = pyfmt::strip(&text);
                        if !stripped.is_empty() {
                            out.push(Value::Str(stripped.to_string()));
                        }
                    }
                    Ok(Value::Seq(out))
                }
                _ => Err(self.error(
                    "field-type",
                    &format!("expected a list or text, found {}", repr_or_decline(value)?),
                    source,
                    None,
                )),
            },
        }
    }
}

/// `re.fullmatch(r"\s*[+-]?\d+\s*", value)` for ASCII digits (others are declined above).
fn integer_text(s: &str) -> bool {
    let t = pyfmt::strip(s);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    s.chars().all(|c| c.is_ascii() || pyfmt::is_space(c))
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Python's `float(text)` for plain decimal text (`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`
/// between whitespace); None for anything else.
fn number_text(s: &str) -> Option<f64> {
    if !s.chars().all(|c| c.is_ascii() || pyfmt::is_space(c)) {
        return None;
    }
    let t = pyfmt::strip(s);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    t.parse().ok()
}

/// Text Python's float() reads that the core leaves to it (inf, nan, underscores).
fn looks_special(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.contains("inf") || lower.contains("nan") || s.contains('_')
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

const LINK_KEYS: [&str; 4] = ["id", "title", "subject", "url"];

/// Compare two ASCII digit strings as numbers (any length).
fn cmp_digits(a: &str, b: &str) -> std::cmp::Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The related links, and what they do to `extra`: the slot keys it loses, and the slots it
/// gets back at its end (kept as they were, beside a warning).
struct Related<'m> {
    links: Vec<Value>,
    slot_keys: Vec<&'m str>,
    kept: Map,
}

/// `_related`: the numbered related-link family as one ordered, de-duplicated list.
fn related<'m>(
    ctx: &mut Context<'_, '_>,
    front_matter: &'m Map,
    doc_id: &Value,
    doc_url: &Value,
) -> Result<Related<'m>> {
    let mut out = Related {
        links: Vec::new(),
        slot_keys: Vec::new(),
        kept: Map::new(),
    };
    let family = match &ctx.profile.related_family {
        Some(f) if !f.is_empty() => f.as_str(),
        _ => return Ok(out),
    };
    let mut slots: Vec<(&str, &'m str)> = Vec::new(); // (number digits, key)
    for (key, _) in front_matter {
        if let Some(number) = key.strip_prefix(family) {
            if number.is_empty() {
                continue;
            }
            if number.bytes().all(|b| b.is_ascii_digit()) {
                slots.push((number, key));
            } else if !number.is_ascii() {
                return Err(Fail::decline("related slot key with non-ASCII characters"));
            }
        }
    }
    slots.sort_by(|a, b| cmp_digits(a.0, b.0).then_with(|| a.1.cmp(b.1)));
    let known: Vec<&str> = ctx
        .profile
        .related_fields
        .iter()
        .map(|r| r.source.as_str())
        .collect();
    let mut seen: Vec<(bool, Value)> = Vec::new(); // (by id, value)
    for (_, key) in slots {
        let slot = get(front_matter, key).unwrap_or(&Value::Null);
        // (`extra.pop(key)`, and `extra[key] = ...` puts a kept slot back at the end.)
        out.kept.retain(|(k, _)| k != key);
        out.slot_keys.push(key);
        match slot {
            Value::Null => continue,
            Value::Map(m) if m.is_empty() => continue,
            Value::Str(s) if s.is_empty() => continue,
            Value::Map(_) => {}
            other => {
                ctx.warn(
                    key,
                    format!(
                        "related slot is a {}, not a mapping; kept in extra",
                        type_name(other)
                    ),
                );
                out.kept.push((key.to_string(), json_safe(other)?));
                continue;
            }
        }
        let Value::Map(slot_map) = slot else { continue };
        let unknown: Vec<String> = slot_map
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, _)| str_repr(k))
            .collect();
        if !unknown.is_empty() {
            ctx.warn(
                key,
                format!(
                    "keys [{}] are not part of a related link; slot kept in extra",
                    unknown.join(", ")
                ),
            );
            out.kept.push((key.to_string(), json_safe(slot)?));
        }
        let mut link: [Value; 4] = [Value::Null, Value::Null, Value::Null, Value::Null];
        let rules = ctx.profile.related_fields.clone();
        for rule in &rules {
            let source = format!("{key}.{}", rule.source);
            let value = ctx.coerce(rule, get(slot_map, &rule.source), &source)?;
            if let Some(at) = LINK_KEYS.iter().position(|k| *k == rule.target) {
                link[at] = value;
            }
        }
        if link.iter().all(|v| *v == Value::Null) {
            continue;
        }
        let (link_id, link_url) = (&link[0], &link[3]);
        if (*link_id != Value::Null && py_eq(link_id, doc_id))
            || (*link_id == Value::Null && *link_url != Value::Null && py_eq(link_url, doc_url))
        {
            continue; // a link to the document itself
        }
        let identity = if *link_id != Value::Null {
            (true, link_id.clone())
        } else {
            (false, link_url.clone())
        };
        if seen
            .iter()
            .any(|(by_id, v)| *by_id == identity.0 && py_eq(v, &identity.1))
        {
            continue; // first occurrence wins
        }
        seen.push(identity);
        out.links.push(Value::Map(
            LINK_KEYS
                .iter()
                .zip(link)
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ));
    }
    Ok(out)
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

fn text_or_null(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Null) => true,
        Some(Value::Str(s)) => !s.is_empty(),
        _ => false,
    }
}

/// `^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2})?$` on ASCII text.
fn date_pattern(text: &str) -> bool {
    let b = text.as_bytes();
    let d = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(d(0..4) && b.get(4) == Some(&b'-') && d(5..7) && b.get(7) == Some(&b'-') && d(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !(b.get(10) == Some(&b'T')
        && d(11..13)
        && b.get(13) == Some(&b':')
        && d(14..16)
        && b.get(16) == Some(&b':')
        && d(17..19))
    {
        return false;
    }
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        let n = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=6).contains(&n) {
            return false;
        }
        at += 1 + n;
    }
    b.len() == at + 6
        && matches!(b.get(at), Some(b'+') | Some(b'-'))
        && d(at + 1..at + 3)
        && b.get(at + 3) == Some(&b':')
        && d(at + 4..at + 6)
}

/// The checks of schemas/record.schema.json; a record that fails them is declined (the
/// reference words the schema error).
fn validate_article(record: &Record) -> Result<()> {
    let data = &record.data;
    let bad = || Err(Fail::decline("record the schema refuses"));
    if !matches!(get(data, "id"), Some(Value::Int(_))) {
        return bad();
    }
    match get(data, "slug") {
        Some(Value::Str(s)) if !s.is_empty() && !s.contains(['/', '\\', '\0']) => {}
        _ => return bad(),
    }
    for key in ["url", "title", "question", "answer", "subject", "author"] {
        if !text_or_null(get(data, key)) {
            return bad();
        }
    }
    match get(data, "date") {
        Some(Value::Null) => {}
        Some(Value::Str(s)) if s.is_ascii() && date_pattern(s) => {}
        Some(Value::Str(s)) if !s.is_ascii() => return Err(Fail::decline("non-ASCII date text")),
        _ => return bad(),
    }
    let Some(Value::Map(seo)) = get(data, "seo") else {
        return bad();
    };
    if !text_or_null(get(seo, "title")) || !text_or_null(get(seo, "description")) {
        return bad();
    }
    match get(seo, "keywords") {
        Some(Value::Seq(items))
            if items
                .iter()
                .all(|i| matches!(i, Value::Str(s) if !s.is_empty())) => {}
        _ => return bad(),
    }
    let Some(Value::Seq(links)) = get(data, "related") else {
        return bad();
    };
    for link in links {
        let Value::Map(link) = link else { return bad() };
        if !matches!(get(link, "id"), Some(Value::Int(_)) | Some(Value::Null)) {
            return bad();
        }
        for key in ["title", "subject", "url"] {
            if !text_or_null(get(link, key)) {
                return bad();
            }
        }
    }
    if !matches!(
        get(data, "score"),
        Some(Value::Float(_)) | Some(Value::Int(_)) | Some(Value::Null)
    ) {
        return bad();
    }
    if !matches!(get(data, "extra"), Some(Value::Map(_))) {
        return bad();
    }
    match get(data, "source") {
        Some(Value::Map(source)) if matches!(get(source, "path"), Some(Value::Str(p)) if !p.is_empty()) => {
            Ok(())
        }
        _ => bad(),
    }
}

/// Transform one parsed document with a profile: `to_record`.
pub fn to_record(raw: &Raw<'_>, profile: &Profile) -> Result<Record> {
    match profile.shape {
        Shape::Article => to_article(raw, profile),
        Shape::Generic => to_generic(raw),
    }
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
        assert!(date_pattern("2025-01-29"));
        assert!(date_pattern("2025-01-29T10:00:00.5+02:00"));
        assert!(!date_pattern("2025-01-29T10:00:00"));
    }
}
