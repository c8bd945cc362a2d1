//! Property tests: random documents round-trip through encode/decode with and without a
//! string table; random and mutated bytes never make the decoder panic.

use omacp_doc::{Characteristic, Document, Node, Parm};
use omacp_testkit::vectors::{CHT_WBXML, SPEC_APPENDIX_WBXML};
use proptest::prelude::*;

use crate::tokens::{Attr, Kind, TOKENS};
use crate::{DecodeOptions, EncodeOptions, decode, encode};

fn table_texts(kind: Kind) -> Vec<String> {
    TOKENS
        .iter()
        .filter(|t| t.kind == kind && !t.text.is_empty())
        .map(|t| t.text.to_string())
        .collect()
}

fn text(kind: Kind) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(table_texts(kind)),
        2 => "[A-Z][A-Z0-9-]{0,10}",
        1 => "(?s).{0,12}",
        1 => prop::collection::vec(prop::sample::select(table_texts(Kind::AttrValue)), 1..4).prop_map(|v| v.join("")),
        1 => Just("HTTP-DIGEST,HTTP-BASIC".to_string()),
    ]
}

fn parm() -> impl Strategy<Value = Node> {
    (
        text(Kind::AttrStart(Attr::Name)),
        prop::option::of(text(Kind::AttrValue)),
    )
        .prop_map(|(name, value)| Node::Parm(Parm { name, value }))
}

fn characteristic() -> impl Strategy<Value = Characteristic> {
    let leaf = (
        text(Kind::AttrStart(Attr::Type)),
        prop::collection::vec(parm(), 0..5),
    )
        .prop_map(|(kind, children)| Characteristic { kind, children });
    leaf.prop_recursive(3, 24, 5, |inner| {
        (
            text(Kind::AttrStart(Attr::Type)),
            prop::collection::vec(
                prop_oneof![parm(), inner.prop_map(Node::Characteristic)],
                0..6,
            ),
        )
            .prop_map(|(kind, children)| Characteristic { kind, children })
    })
}

fn document() -> impl Strategy<Value = Document> {
    (
        prop::option::of(prop_oneof![
            Just("1.0".to_string()),
            Just("1.1".to_string()),
            "(?s).{0,4}"
        ]),
        prop::collection::vec(characteristic(), 0..5),
    )
        .prop_map(|(version, characteristics)| Document {
            version,
            characteristics,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn documents_round_trip(doc in document()) {
        for string_table in [true, false] {
            let bytes = encode(&doc, &EncodeOptions { string_table });
            let back = decode(&bytes, &DecodeOptions::default());
            let back = back.map_err(|e| TestCaseError::fail(format!("{e} in {bytes:02X?}")))?;
            prop_assert!(back.document.same_meaning(&doc));
            prop_assert_eq!(&back.document, &doc);
            prop_assert!(back.diagnostics.is_empty());
        }
        // The table is used only when it makes the document smaller.
        let with = encode(&doc, &EncodeOptions { string_table: true }).len();
        let without = encode(&doc, &EncodeOptions { string_table: false }).len();
        prop_assert!(with <= without);
    }

    #[test]
    fn random_bytes_never_panic(mut bytes in prop::collection::vec(any::<u8>(), 0..160), prov in any::<bool>()) {
        if prov {
            bytes.splice(0..0, [0x03, 0x0B, 0x6A, 0x00]);
        }
        for lenient in [false, true] {
            let _ = decode(&bytes, &DecodeOptions { lenient, ..DecodeOptions::default() });
        }
    }

    #[test]
    fn mutated_vectors_never_panic_and_reencode(
        which in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..6),
    ) {
        let mut bytes = if which { SPEC_APPENDIX_WBXML.to_vec() } else { CHT_WBXML.to_vec() };
        for (at, b, op) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 => bytes.insert(i.min(bytes.len()), b),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        for lenient in [false, true] {
            let opts = DecodeOptions { lenient, ..DecodeOptions::default() };
            if let Ok(d) = decode(&bytes, &opts) {
                let again = decode(&encode(&d.document, &EncodeOptions::default()), &DecodeOptions::default());
                let again = again.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&again.document, &d.document);
            }
        }
    }
}
