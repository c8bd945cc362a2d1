#![no_main]
//! The PROV WBXML decoder on arbitrary bytes, strict and lenient: never panics; whatever
//! decodes re-encodes (with and without a string table) to bytes that decode to the
//! same document.

use omacp_wbxml::{DecodeOptions, EncodeOptions, decode, encode};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for lenient in [false, true] {
        let opts = DecodeOptions {
            lenient,
            ..DecodeOptions::default()
        };
        let Ok(first) = decode(data, &opts) else {
            continue;
        };
        for string_table in [true, false] {
            let bytes = encode(&first.document, &EncodeOptions { string_table });
            // Our own output is read with generous limits: it may be larger than the
            // input (e.g. a document built from a string table of long references).
            let again = decode(
                &bytes,
                &DecodeOptions {
                    lenient: false,
                    limits: omacp_wbxml::Limits::SERVER,
                },
            )
            .expect("our own encoding decodes");
            assert!(again.diagnostics.is_empty());
            assert!(again.document.same_meaning(&first.document));
            assert_eq!(again.document, first.document);
        }
    }
});
