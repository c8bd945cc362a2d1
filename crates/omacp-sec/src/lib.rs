//! ProvBoot security (security.md).
#![forbid(unsafe_code)]
