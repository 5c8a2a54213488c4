//! The crate's integration tests (one binary): the diff against brute force
//! on generated stores, the diff and replay on the example store.

#[path = "impact/example.rs"]
mod example;
#[path = "impact/exhaustive.rs"]
mod exhaustive;
