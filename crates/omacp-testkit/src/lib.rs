//! Test-only helpers for omacp: the document corpus, the spec vectors, and runners for
//! the independent implementations used as oracles (libwbxml's `xml2wbxml`/`wbxml2xml`,
//! Wireshark's `tshark`). A peer that is not installed makes its test print
//! `SKIPPED: …` and return, never fail silently or pass vacuously without saying so.
#![forbid(unsafe_code)]

pub mod corpus;
// `gen` is a reserved word since edition 2024; `strategies` is the same module.
pub mod r#gen;
pub use r#gen as strategies;
pub mod peers;
pub mod vectors;

/// Prints why a test is skipped and returns from the enclosing function.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)*) => {{
        // Written to the stderr handle directly, not through `eprintln!`, so that the
        // test harness's output capture does not hide it on a passing run.
        let line = format!("SKIPPED: {}\n", format!($($arg)*));
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        return;
    }};
}
