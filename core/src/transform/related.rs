//! The related-link family: `related_article1..N` as one ordered, de-duplicated list
//! (`_related` of `pipeline/transform/__init__.py`).

use super::coerce::{type_name, Context};
use super::jsonsafe::json_safe;
use crate::errors::{Fail, Result};
use crate::pyfmt::str_repr;
use crate::value::{get, Map, Value};

/// Python's `==` between the coerced values related links compare (1 == 1.0).
fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
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
pub(super) struct Related<'m> {
    pub(super) links: Vec<Value>,
    pub(super) slot_keys: Vec<&'m str>,
    pub(super) kept: Map,
}

/// `_related`: the numbered related-link family as one ordered, de-duplicated list.
pub(super) fn related<'m>(
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
