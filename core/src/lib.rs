//! The compiled core of the migration pipeline: the per-file work (extract, transform, and
//! each writer's bytes for one record), byte-identical to the Python reference in `pipeline/`.
//!
//! Modules mirror the Python stages: `extract` (bytes -> front matter and body), `transform`
//! (front matter -> canonical record, driven by the profile), `load` (the record's JSONL line,
//! CSV rows and Markdown page). Anything the core does not reproduce exactly is *declined*
//! (`errors::Fail::Decline`) and the Python implementation takes that file.
#![forbid(unsafe_code)]

pub mod errors;
pub mod extract;
pub mod load;
pub mod pool;
pub mod pyfmt;
pub mod run;
pub mod scan;
pub mod transform;
pub mod value;

#[cfg(feature = "python")]
mod python;

/// mimalloc for every allocation of the core (Python objects keep Python's allocator).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
