#![no_main]
//! The XML reader on arbitrary bytes: never panics; whatever parses survives the
//! canonical form unchanged, and validation/pruning on it hold their contracts.

use omacp_doc::validate::{prune, validate};
use omacp_doc::xml::{self, XmlLimits};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(doc) = xml::parse_bytes(data) else {
        return;
    };
    let text = xml::to_string(&doc);
    // Escaping may make the canonical form longer than the input limit; lift it.
    let limits = XmlLimits {
        max_bytes: usize::MAX,
        ..XmlLimits::DEFAULT
    };
    let again = xml::parse_with_limits(&text, &limits).expect("canonical XML re-parses");
    assert_eq!(again, doc);
    let report = validate(&doc);
    let (pruned, _) = prune(&doc);
    assert_eq!(prune(&pruned).0, pruned, "prune is idempotent");
    let _ = report.is_valid();
});
