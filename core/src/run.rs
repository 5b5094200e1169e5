//! The per-file work end to end, and batches of it on native threads.
