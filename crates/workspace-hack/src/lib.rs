//! No code: this crate exists for its `Cargo.toml`, which turns on in
//! shared dependencies the features the test build turns on, so that
//! building the `tollgate` binary alone (the README's serve command) and
//! building the whole test suite (`tests/run`) compile every dependency the
//! same way, once. `tests/build-sharing.sh` checks that they do.
