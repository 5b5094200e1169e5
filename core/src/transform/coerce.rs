//! Per-value coercion: one legacy value to the type its profile rule names (`_Context.coerce`
//! of `pipeline/transform/__init__.py`), with the warnings and rejections it words in Python's
//! terms.

use super::dates;
use super::escapes::decode_escapes;
use super::jsonsafe::json_safe;
use super::profile::{FieldRule, FieldType, Html, Profile};
use super::{split_list, Raw, Warning};
use crate::errors::{Fail, Result};
use crate::pyfmt::{self, float_repr, str_repr};
use crate::value::{get_path, Value};

/// Python's type name of a value (messages name it).
pub(super) fn type_name(value: &Value) -> &'static str {
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

pub(super) struct Context<'r, 'a> {
    pub(super) raw: &'r Raw<'a>,
    pub(super) profile: &'r Profile,
    pub(super) warnings: Vec<Warning>,
}

impl Context<'_, '_> {
    pub(super) fn warn(&mut self, field: &str, message: String) {
        self.warnings.push(Warning {
            field: field.to_string(),
            message,
        });
    }

    pub(super) fn error(
        &self,
        kind: &'static str,
        message: &str,
        source: &str,
        fix: Option<&str>,
    ) -> Fail {
        Fail::reject(kind, message, self.raw.line_of(source), Some(source), fix)
    }

    /// `_Context.coerce`: one legacy value to the type its rule names.
    pub(super) fn coerce(
        &mut self,
        rule: &FieldRule,
        value: Option<&Value>,
        source: &str,
    ) -> Result<Value> {
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
                declines_html(rule.html, &text)?;
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

/// The reference converts HTML text (`html: true`, or `auto` and a tag in it) to Markdown,
/// which the core does not: it declines such text (any `<` for `auto`: a superset).
pub fn declines_html(html: Html, text: &str) -> Result<()> {
    match html {
        Html::On => Err(Fail::decline("HTML field")),
        Html::Auto if opens_tag(text, HTML_TAGS) => Err(Fail::decline("HTML field")),
        _ => Ok(()),
    }
}

/// The tags `looks_like_html` knows (pipeline/transform/html.py `_TAG`).
pub const HTML_TAGS: &[&str] = &[
    "p",
    "div",
    "span",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "sub",
    "sup",
    "pre",
    "code",
    "blockquote",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "small",
    "mark",
    "abbr",
    "cite",
    "q",
    "kbd",
    "samp",
    "var",
];

/// True when `text` may hold a tag of `names` as the reference's case-insensitive regexes
/// find it: a `<` (or `</`) whose run of ASCII letters and digits is one of the names, or is
/// followed by a non-ASCII character (Unicode case folding: the Kelvin sign, the long s).
pub fn opens_tag(text: &str, names: &[&str]) -> bool {
    let bytes = text.as_bytes();
    for at in memchr::memchr_iter(b'<', bytes) {
        let mut i = at + 1;
        if bytes.get(i) == Some(&b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i < bytes.len() && !bytes[i].is_ascii() {
            return true;
        }
        let run = &text[start..i];
        if !run.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(run)) {
            return true;
        }
    }
    false
}
