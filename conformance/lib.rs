//! Conformance and interoperability tests live in `tests/`; this crate has no code.
