#![no_main]
//! The streaming codecs against the model path on arbitrary bytes: read as WBXML,
//! `Decoder::to_xml` gives exactly `decode` + `xml::to_string` (text or error, strict and
//! lenient); read as XML text, `Encoder::compile` gives exactly `xml::parse` + `encode`
//! (bytes or error, with and without a string table). One encoder and one decoder are
//! reused across runs, so stale buffer contents would show too.

use std::cell::RefCell;

use omacp_doc::xml;
use omacp_wbxml::{DecodeOptions, Decoder, EncodeOptions, Encoder, decode, encode};

thread_local! {
    static CODECS: RefCell<(Encoder, Decoder)> = RefCell::new((Encoder::new(), Decoder::new()));
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    CODECS.with(|c| {
        let (enc, dec) = &mut *c.borrow_mut();
        for lenient in [false, true] {
            let opts = DecodeOptions {
                lenient,
                ..DecodeOptions::default()
            };
            let fast = dec.to_xml(data, &opts).map(str::to_owned);
            let model = decode(data, &opts).map(|d| xml::to_string(&d.document));
            assert_eq!(fast, model);
        }
        for string_table in [true, false] {
            let opts = EncodeOptions { string_table };
            let fast = enc.compile_bytes(data, &opts).map(<[u8]>::to_vec);
            let model = xml::parse_bytes(data).map(|d| encode(&d, &opts));
            assert_eq!(fast, model);
        }
    });
});
