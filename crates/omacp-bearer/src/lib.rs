//! WAP Push bearers (transport.md).
#![forbid(unsafe_code)]
