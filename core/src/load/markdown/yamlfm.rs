//! YAML front matter writer, byte-identical to `pipeline/load/markdown/yamlfm.py`. (Stub.)

use crate::errors::{Fail, Result};
use crate::value::Map;

/// `dump_yaml(mapping, portable)`.
pub fn dump_yaml(_mapping: &Map, _portable: bool) -> Result<String> {
    Err(Fail::decline("YAML writer not written yet"))
}

/// `front_matter_document(mapping, body, portable)`: `---`, the YAML, `---`, the body.
pub fn front_matter_document(mapping: &Map, body: &str, portable: bool) -> Result<String> {
    Ok(format!(
        "---\n{}---\n{}",
        dump_yaml(mapping, portable)?,
        body
    ))
}
