//! Markdown pages: the YAML front matter writer and the targets whose page depends on its
//! record alone (`generic`).

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
    // The body cannot carry a null answer, a CR or a NUL: such an answer stays in the
    // front matter (the reader prefers it there).
    let keep_answer = answer.is_none_or(|a| a.contains(['\r', '\0']));
    let front: Map = data
        .iter()
        .filter(|(k, _)| keep_answer || k != "answer")
        .cloned()
        .collect();
    let body = format!("{}\n", answer.unwrap_or("").replace('\0', ""));
    yamlfm::front_matter_document(&front, &body, false)
}
