//! Empty: present so that `[build-dependencies]` take part in feature
//! resolution for the host (see Cargo.toml).
fn main() {}
