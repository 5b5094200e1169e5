//! Load: each writer's bytes for one record (JSONL line, CSV rows, Markdown page).

pub mod csv;
pub mod json;
pub mod markdown;
