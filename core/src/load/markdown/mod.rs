//! Markdown pages: the YAML front matter writer and the targets.

pub mod yamlfm;
