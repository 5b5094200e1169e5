//! Transform: front matter -> canonical record, driven by the source profile.

pub mod dates;
