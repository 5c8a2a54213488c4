//! Attacks on `tollgate serve`, each on loopback and bounded in time: the
//! server must refuse them (or decide them as what they are), never grant,
//! hang or grow. One module per topic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../harness/mod.rs"]
mod harness;

mod requests;
