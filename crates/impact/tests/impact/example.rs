//! The diff and replay on the example store.
