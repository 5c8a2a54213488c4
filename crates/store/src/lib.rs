//! The policy store (being written).
