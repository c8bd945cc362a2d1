//! Test-only helpers: corpus, spec vectors, peer runners.
#![forbid(unsafe_code)]
