//! The `hugo`, `jekyll` and `astro` pages of a record (`pipeline/load/markdown/common.py` and
//! the three target modules), for the placement a record gets when its route and file name
//! are free: the legacy URL where it is servable (Astro: `/articles/<slug>/`) and the page
//! file named after the slug. The main process places records in input order; where it gives a
//! record another placement (a name or route taken by an earlier record), it renders the page
//! itself. The bytes never differ: the same front matter, the same `legacy` namespace (the
//! record fields the platform fields do not give back exactly), the same body protection.

use crate::errors::{Fail, Result};
use crate::load::markdown::windows_reserved;
use crate::load::markdown::yamlfm::front_matter_document;
use crate::transform::profile::Shape;
use crate::value::{get, Map, Value};

/// A site generator the pages are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Hugo,
    Jekyll,
    Astro,
}

impl Platform {
    /// The target of that name (`generic` is not a platform).
    pub fn from_name(name: &str) -> Option<Platform> {
        match name {
            "hugo" => Some(Platform::Hugo),
            "jekyll" => Some(Platform::Jekyll),
            "astro" => Some(Platform::Astro),
            _ => None,
        }
    }

    /// The front-matter key holding the route (Astro has none: its route comes from the slug).
    fn route_key(self) -> &'static str {
        match self {
            Platform::Hugo => "url",
            Platform::Jekyll => "permalink",
            Platform::Astro => "legacyUrl",
        }
    }
}

/// Where a page goes: its file stem (a generic record: its path) and its route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub stem: String,
    pub route: String,
}

/// `common.SECTION`: the folder and route prefix of pages not served at their legacy URL.
const SECTION: &str = "articles";
const ARTICLE_KEYS: [&str; 15] = [
    "id", "slug", "url", "title", "question", "answer", "subject", "author", "date", "seo",
    "related", "score", "body", "extra", "source",
];
const SEO_KEYS: [&str; 3] = ["title", "description", "keywords"];
const RELATED_KEYS: [&str; 4] = ["id", "title", "subject", "url"];

/// `_SEGMENT` = `[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}`, not ending in `.`.
fn segment(s: &str) -> bool {
    let b = s.as_bytes();
    let first = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'~' | b'-');
    !b.is_empty()
        && b.len() <= 200
        && first(b[0])
        && b[1..].iter().all(|&c| first(c) || c == b'.')
        && !s.ends_with('.')
}

/// `routable(url)`: a site-absolute path every target can serve a page at.
fn routable(url: &Value) -> bool {
    let Value::Str(url) = url else { return false };
    if !url.starts_with('/') || url.starts_with("//") {
        return false;
    }
    let inner = url.trim_matches('/');
    !inner.is_empty() && inner.split('/').all(segment)
}

/// `file_stem(slug)`: a file name no tool skips or treats specially.
fn file_stem(slug: &str) -> String {
    let special = slug.starts_with(['_', '.', '#'])
        || slug.ends_with('~')
        || matches!(slug.to_lowercase().as_str(), "index" | "_index")
        || windows_reserved(slug);
    if special {
        format!("page-{slug}")
    } else {
        slug.to_string()
    }
}

/// `route_slug(slug)` for a slug that is a clean URL segment already (else declined: the
/// reference slugifies it).
fn route_slug(slug: &str) -> Result<String> {
    let clean = !slug.is_empty()
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if clean {
        Ok(file_stem(slug))
    } else {
        Err(Fail::decline("route from a slug python-slugify must clean"))
    }
}

fn text<'a>(data: &'a Map, key: &str) -> Option<&'a str> {
    match get(data, key) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

/// The placement a record gets when nothing it asks for is taken, and its page path.
pub fn preferred(data: &Map, shape: Shape, platform: Platform) -> Result<(Placement, String)> {
    if shape == Shape::Generic {
        // The input path, as it is (with the content folder the writer adds).
        let path = match get(data, "source") {
            Some(Value::Map(source)) => text(source, "path").unwrap_or(""),
            _ => "",
        };
        let place = Placement {
            stem: path.to_string(),
            route: String::new(),
        };
        return Ok((place, path.to_string()));
    }
    let slug = text(data, "slug").ok_or_else(|| Fail::decline("record without a slug"))?;
    let url = get(data, "url").unwrap_or(&Value::Null);
    let place = match platform {
        Platform::Astro => {
            let segment = route_slug(slug)?;
            Placement {
                route: format!("/{SECTION}/{segment}/"),
                stem: segment,
            }
        }
        _ => {
            let route = match url {
                Value::Str(u) if routable(url) => u.clone(),
                _ => format!("/{SECTION}/{}/", route_slug(slug)?),
            };
            Placement {
                stem: file_stem(slug),
                route,
            }
        }
    };
    let path = match platform {
        Platform::Hugo => format!("{SECTION}/{}.md", place.stem),
        _ => format!("{}.md", place.stem),
    };
    Ok((place, path))
}

/// Type-exact equality, as `common.same` (JSON text) tells values apart: 1 and 1.0 differ, and
/// so do 0.0 and -0.0.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, p), (l, q))| k == l && same(p, q))
        }
        _ => a == b,
    }
}

/// `page_body(answer)`: no NUL, no CR.
fn page_body(answer: Option<&str>) -> String {
    match answer {
        None => String::new(),
        Some(a) if !a.contains(['\r', '\0']) => a.to_string(),
        Some(a) => a
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\0', ""),
    }
}

/// Hugo's `encode_body`: `{{< x >}}` and `{{% x %}}` become comment shortcodes Hugo prints as
/// written; any other opener gets a backslash (the `_SHORTCODE` regex, left to right).
fn hugo_body(text: &str) -> String {
    if !text.contains("{{<") && !text.contains("{{%") {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut i = 0;
    while i + 2 < b.len() {
        if !(b[i] == b'{' && b[i + 1] == b'{' && matches!(b[i + 2], b'<' | b'%')) {
            i += 1;
            continue;
        }
        let open = b[i + 2];
        let close: &[u8] = if open == b'<' { b">}}" } else { b"%}}" };
        // The shortest inner text, without a line break or a `{{`, followed by the closer.
        let mut j = i + 3;
        let mut end = None;
        while j <= b.len() {
            if b[j..].starts_with(close) {
                end = Some(j);
                break;
            }
            if j == b.len() || b[j] == b'\n' || b[j..].starts_with(b"{{") {
                break;
            }
            j += 1;
        }
        out.push_str(&text[copied..i]);
        match end {
            Some(j) => {
                let inner = &text[i + 3..j];
                if open == b'<' {
                    out.push_str("{{</*");
                    out.push_str(inner);
                    out.push_str("*/>}}");
                } else {
                    out.push_str("{{%/*");
                    out.push_str(inner);
                    out.push_str("*/%}}");
                }
                i = j + 3;
            }
            None => {
                out.push_str("{{\\");
                out.push(open as char);
                i += 3;
            }
        }
        copied = i;
    }
    out.push_str(&text[copied..]);
    out
}

const RAW_OPEN: &str = "{% raw %}\n";
const RAW_CLOSE: &str = "\n{% endraw %}";
const TAG_OPEN: &str = "{% endraw %}{{ \"{%\" }}{% raw %}";

/// Jekyll's `protect_liquid`.
fn jekyll_body(text: &str) -> String {
    if !text.contains("{{") && !text.contains("{%") {
        return text.to_string();
    }
    format!("{RAW_OPEN}{}{RAW_CLOSE}", text.replace("{%", TAG_OPEN))
}

/// Jekyll's `unprotect_liquid`.
fn jekyll_unprotect(text: &str) -> String {
    match text
        .strip_prefix(RAW_OPEN)
        .and_then(|t| t.strip_suffix(RAW_CLOSE))
    {
        Some(inner) if text.len() >= RAW_OPEN.len() + RAW_CLOSE.len() => {
            inner.replace(TAG_OPEN, "{%")
        }
        _ => text.to_string(),
    }
}

fn or_null(value: Option<&Value>) -> Value {
    value.cloned().unwrap_or(Value::Null)
}

fn truthy(value: Option<&Value>) -> Option<&Value> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::Str(s)) if s.is_empty() => None,
        other => other,
    }
}

/// `related_front`: title, url, id, subject of each link, null values left out.
fn related_front(related: Option<&Value>) -> Value {
    let Some(Value::Seq(links)) = related else {
        return Value::Seq(Vec::new());
    };
    Value::Seq(
        links
            .iter()
            .map(|link| {
                let Value::Map(link) = link else {
                    return Value::Map(Vec::new());
                };
                Value::Map(
                    ["title", "url", "id", "subject"]
                        .iter()
                        .filter_map(|k| match get(link, k) {
                            None | Some(Value::Null) => None,
                            Some(v) => Some((k.to_string(), v.clone())),
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

/// The platform's front matter for an article (`front`), without the namespace.
fn front(data: &Map, place: &Placement, platform: Platform) -> Map {
    let seo = match get(data, "seo") {
        Some(Value::Map(seo)) => seo.clone(),
        _ => Map::new(),
    };
    let title = truthy(get(data, "title"))
        .or_else(|| truthy(get(data, "question")))
        .cloned()
        .unwrap_or_else(|| or_null(get(data, "slug")));
    let keywords = match get(&seo, "keywords") {
        Some(Value::Seq(items)) => Value::Seq(items.clone()),
        _ => Value::Seq(Vec::new()),
    };
    let related = related_front(get(data, "related"));
    let mut front: Map = match platform {
        Platform::Astro => vec![
            ("title".into(), title),
            ("slug".into(), Value::Str(place.stem.clone())),
            ("pubDate".into(), or_null(get(data, "date"))),
            ("description".into(), or_null(get(&seo, "description"))),
            ("author".into(), or_null(get(data, "author"))),
            ("category".into(), or_null(get(data, "subject"))),
            ("tags".into(), keywords),
            ("related".into(), related),
            ("legacyUrl".into(), or_null(get(data, "url"))),
        ],
        _ => {
            let mut front = vec![
                ("title".into(), title),
                ("date".into(), or_null(get(data, "date"))),
                ("description".into(), or_null(get(&seo, "description"))),
                ("author".into(), or_null(get(data, "author"))),
                ("slug".into(), or_null(get(data, "slug"))),
                (
                    platform.route_key().to_string(),
                    Value::Str(place.route.clone()),
                ),
            ];
            if platform == Platform::Jekyll {
                front.push(("redirect_from".into(), redirect_from(&place.route)));
            }
            let categories = match get(data, "subject") {
                None | Some(Value::Null) => Value::Null,
                Some(subject) => Value::Seq(vec![subject.clone()]),
            };
            front.push(("categories".into(), categories));
            front.push(("tags".into(), keywords));
            front.push(("related".into(), related));
            front
        }
    };
    front.retain(|(_, v)| *v != Value::Null);
    front
}

/// Jekyll's `route_extras`: the route's other trailing-slash form, where that names no file.
fn redirect_from(route: &str) -> Value {
    let trimmed = route.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or("");
    if last.contains('.') {
        return Value::Null;
    }
    let other = if route.ends_with('/') {
        trimmed.to_string()
    } else {
        format!("{route}/")
    };
    Value::Seq(vec![Value::Str(other)])
}

/// `recover`: the record fields the front matter and body give back (`empty_record` where
/// they give nothing).
fn recover(front: &Map, body: &str, platform: Platform) -> Map {
    let field = |key: &str| or_null(get(front, key));
    let answer = {
        let text = body.strip_suffix('\n').unwrap_or(body);
        if text.is_empty() {
            Value::Null
        } else if platform == Platform::Jekyll {
            Value::Str(jekyll_unprotect(text))
        } else {
            Value::Str(text.to_string())
        }
    };
    let list = |key: &str| match get(front, key) {
        Some(Value::Seq(items)) => Value::Seq(items.clone()),
        _ => Value::Seq(Vec::new()),
    };
    let related = match get(front, "related") {
        Some(Value::Seq(links)) => Value::Seq(
            links
                .iter()
                .map(|link| match link {
                    Value::Map(link) => Value::Map(
                        RELATED_KEYS
                            .iter()
                            .map(|k| (k.to_string(), or_null(get(link, k))))
                            .collect(),
                    ),
                    _ => Value::Null,
                })
                .collect(),
        ),
        _ => Value::Seq(Vec::new()),
    };
    let (slug, url, subject, date) = match platform {
        Platform::Astro => (
            field("slug"),
            field("legacyUrl"),
            field("category"),
            field("pubDate"),
        ),
        _ => {
            let subject = match get(front, "categories") {
                Some(Value::Seq(c)) if c.len() == 1 => c[0].clone(),
                _ => Value::Null,
            };
            (
                field("slug"),
                field(platform.route_key()),
                subject,
                field("date"),
            )
        }
    };
    let seo = Value::Map(vec![
        ("title".into(), Value::Null),
        ("description".into(), field("description")),
        ("keywords".into(), list("tags")),
    ]);
    ARTICLE_KEYS
        .iter()
        .map(|k| {
            let v = match *k {
                "slug" => slug.clone(),
                "url" => url.clone(),
                "title" => field("title"),
                "answer" => answer.clone(),
                "subject" => subject.clone(),
                "author" => field("author"),
                "date" => date.clone(),
                "seo" => seo.clone(),
                "related" => related.clone(),
                "body" => Value::Str(String::new()),
                "extra" => Value::Map(Vec::new()),
                _ => Value::Null,
            };
            (k.to_string(), v)
        })
        .collect()
}

/// `overlay`: the record fields (and `seo` sub-fields) the front matter does not give back.
fn overlay(data: &Map, recovered: &Map) -> Map {
    let mut out = Map::new();
    for key in ARTICLE_KEYS {
        let mine = or_null(get(data, key));
        let back = or_null(get(recovered, key));
        if key == "seo" {
            let empty = Map::new();
            let mine = match &mine {
                Value::Map(m) => m,
                _ => &empty,
            };
            let back = match &back {
                Value::Map(m) => m,
                _ => &empty,
            };
            let diff: Map = SEO_KEYS
                .iter()
                .filter_map(|k| {
                    let a = or_null(get(mine, k));
                    let b = or_null(get(back, k));
                    (!same(&a, &b)).then(|| (k.to_string(), a))
                })
                .collect();
            if !diff.is_empty() {
                out.push(("seo".into(), Value::Map(diff)));
            }
        } else if !same(&mine, &back) {
            out.push((key.to_string(), mine));
        }
    }
    out
}

/// The page of a record at `place`: `PlatformTarget.render`.
pub fn render(data: &Map, shape: Shape, platform: Platform, place: &Placement) -> Result<String> {
    if shape == Shape::Generic {
        let front = match get(data, "front_matter") {
            Some(Value::Map(m)) => m,
            _ => return Err(Fail::decline("generic record without front matter")),
        };
        return front_matter_document(front, text(data, "body").unwrap_or(""), true);
    }
    let mut front = front(data, place, platform);
    let plain = page_body(text(data, "answer"));
    let mut body = match platform {
        Platform::Hugo => hugo_body(&plain),
        Platform::Jekyll => jekyll_body(&plain),
        Platform::Astro => plain,
    };
    body.push('\n');
    let extra = overlay(data, &recover(&front, &body, platform));
    if !extra.is_empty() {
        front.push(("legacy".into(), Value::Map(extra)));
    }
    front_matter_document(&front, &body, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_stems() {
        assert!(routable(&Value::Str("/learn/x/questions/a-b".into())));
        assert!(!routable(&Value::Str("/".into())));
        assert!(!routable(&Value::Str("//x".into())));
        assert!(!routable(&Value::Str("/a%20b".into())));
        assert!(!routable(&Value::Str("/a./b".into())));
        assert_eq!(file_stem("index"), "page-index");
        assert_eq!(file_stem("_x"), "page-_x");
        assert_eq!(file_stem("lpt1.md"), "page-lpt1.md");
        assert_eq!(file_stem("a-b"), "a-b");
        assert_eq!(
            redirect_from("/a/b/"),
            Value::Seq(vec![Value::Str("/a/b".into())])
        );
        assert_eq!(redirect_from("/a/b.html"), Value::Null);
    }

    #[test]
    fn hugo_shortcodes() {
        assert_eq!(hugo_body("a {{< x >}} b"), "a {{</* x */>}} b");
        assert_eq!(hugo_body("{{% y %}}"), "{{%/* y */%}}");
        assert_eq!(hugo_body("{{< a {{< b >}}"), "{{\\< a {{</* b */>}}");
        assert_eq!(hugo_body("{{< no end\n>}}"), "{{\\< no end\n>}}");
        assert_eq!(hugo_body("x {{<"), "x {{\\<");
    }

    #[test]
    fn jekyll_liquid_round_trip() {
        for text in ["plain", "a {{ x }}", "{% raw %}", "{% endraw %} and {{"] {
            assert_eq!(jekyll_unprotect(&jekyll_body(text)), text);
        }
    }
}
