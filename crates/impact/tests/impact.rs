//! The crate's integration tests (one binary): the diff against brute force
//! on generated stores, the diff and replay on the example store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "impact/example.rs"]
mod example;
#[path = "impact/exhaustive.rs"]
mod exhaustive;
#[path = "impact/shadow.rs"]
mod shadow;
