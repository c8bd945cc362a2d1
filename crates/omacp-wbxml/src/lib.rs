//! WBXML 1.3 (WAP-192) and its PROV 1.0 application: the binary form of a CP document.
#![forbid(unsafe_code)]
