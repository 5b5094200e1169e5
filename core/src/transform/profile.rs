//! The source profile, read from the JSON form of a profile file's data (the Python side has
//! validated it against schemas/profile.schema.json already).

use serde_json::Value as J;

/// How one canonical field is read from the legacy front matter (`FieldRule`).
#[derive(Clone, Debug)]
pub struct FieldRule {
    pub target: String,
    pub source: String,
    pub kind: FieldType,
    pub escaped: bool,
    pub required: bool,
    pub split: Option<String>,
    /// `html: true | auto` (the reference converts HTML to Markdown: the core declines).
    pub html: Html,
}

/// Whether a text field holds HTML the reference converts (`pipeline.transform.html`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Html {
    Off,
    On,
    /// Converted when the text holds a tag: the core declines text holding a `<`.
    Auto,
}

fn html_of(spec: Option<&J>) -> Html {
    match spec.and_then(|b| b.get("html")) {
        Some(J::Bool(true)) => Html::On,
        Some(J::String(s)) if s == "auto" => Html::Auto,
        _ => Html::Off,
    }
}

/// The canonical types a profile can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Date,
    List,
}

/// Record shapes (`pipeline.record.ARTICLE` / `GENERIC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Article,
    Generic,
}

/// A source profile (`pipeline.transform.profile.Profile`).
#[derive(Clone, Debug)]
pub struct Profile {
    pub shape: Shape,
    pub fields: Vec<FieldRule>,
    pub date_format_from: Option<String>,
    pub date_formats: Vec<String>,
    /// The profile's timezone as minutes east of UTC (attached to times without an offset).
    pub timezone_minutes: i32,
    pub related_family: Option<String>,
    pub related_fields: Vec<FieldRule>,
    pub slug_from: Vec<String>,
    pub placeholders: Vec<String>,
    /// `body.html`.
    pub body_html: Html,
    /// `links.fields`: record fields whose Markdown links the reference checks and rewrites.
    pub link_fields: Vec<String>,
}

fn rules(mapping: Option<&J>) -> Result<Vec<FieldRule>, String> {
    let Some(J::Object(map)) = mapping else {
        return Ok(Vec::new());
    };
    map.iter()
        .map(|(target, spec)| {
            let kind = match spec.get("type").and_then(J::as_str).unwrap_or("string") {
                "string" => FieldType::String,
                "integer" => FieldType::Integer,
                "number" => FieldType::Number,
                "date" => FieldType::Date,
                "list" => FieldType::List,
                other => return Err(format!("field type {other:?}")),
            };
            Ok(FieldRule {
                target: target.clone(),
                source: spec
                    .get("from")
                    .and_then(J::as_str)
                    .ok_or("field without `from`")?
                    .to_string(),
                kind,
                escaped: spec.get("escaped").and_then(J::as_bool).unwrap_or(false),
                required: spec.get("required").and_then(J::as_bool).unwrap_or(false),
                split: spec.get("split").and_then(J::as_str).map(str::to_string),
                html: html_of(Some(spec)),
            })
        })
        .collect()
}

fn strings(value: Option<&J>) -> Vec<String> {
    match value {
        Some(J::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

impl Profile {
    /// Read a profile from the JSON of its data and its timezone offset in minutes; an error
    /// names what the core cannot take (the run then uses the Python implementation only).
    pub fn from_json(text: &str, timezone_minutes: i32) -> Result<Profile, String> {
        let data: J = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let shape = match data.get("shape").and_then(J::as_str) {
            Some("article") => Shape::Article,
            Some("generic") => Shape::Generic,
            other => return Err(format!("profile shape {other:?}")),
        };
        let dates = data.get("dates");
        let related = data.get("related");
        Ok(Profile {
            shape,
            fields: rules(data.get("fields"))?,
            date_format_from: dates
                .and_then(|d| d.get("format_from"))
                .and_then(J::as_str)
                .map(str::to_string),
            date_formats: strings(dates.and_then(|d| d.get("formats"))),
            timezone_minutes,
            related_family: related
                .and_then(|r| r.get("family"))
                .and_then(J::as_str)
                .map(str::to_string),
            related_fields: rules(related.and_then(|r| r.get("fields")))?,
            slug_from: strings(data.get("slug_from")),
            placeholders: strings(data.get("body").and_then(|b| b.get("placeholders"))),
            body_html: html_of(data.get("body")),
            link_fields: strings(data.get("links").and_then(|l| l.get("fields"))),
        })
    }
}
