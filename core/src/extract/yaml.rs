//! YAML front matter -> `Value`, typed as PyYAML's safe loader (libyaml + SafeConstructor)
//! types it. (Stub: being written.)

use crate::errors::{Fail, Result};
use crate::value::Map;

/// A parsed front matter mapping and the file line of each top-level key.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub map: Map,
    pub key_lines: Vec<(String, usize)>,
}

/// Parse one YAML front matter document; `first_line` is the file line `text` starts on.
/// `Ok(None)` for a document with no content (empty or only comments).
pub fn load(_text: &str, _first_line: usize) -> Result<Option<Loaded>> {
    Err(Fail::decline("YAML loader not written yet"))
}
