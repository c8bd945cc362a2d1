//! The streaming codecs ([`Encoder::compile`], [`Decoder::to_xml`]) against the model
//! path (`xml::parse` + `encode`, `decode` + `xml::to_string`): byte-identical output and
//! the same errors, on the corpus, the spec vectors, generated documents and hostile
//! input, with and without a string table.

use omacp_doc::Document;
use omacp_doc::flat::Flat;
use omacp_doc::xml::{self, XmlError, XmlLimits};
use omacp_testkit::{corpus, r#gen, peers::Libwbxml, vectors};
use proptest::prelude::*;

use crate::{DecodeOptions, Decoder, EncodeOptions, Encoder, Limits, WbxmlError, decode, encode};

const OPTS: [EncodeOptions; 2] = [
    EncodeOptions { string_table: true },
    EncodeOptions {
        string_table: false,
    },
];

fn model_compile(text: &str, limits: &XmlLimits, o: &EncodeOptions) -> Result<Vec<u8>, XmlError> {
    xml::parse_with_limits(text, limits).map(|d| encode(&d, o))
}

fn model_xml(bytes: &[u8], opts: &DecodeOptions) -> Result<String, WbxmlError> {
    decode(bytes, opts).map(|d| xml::to_string(&d.document))
}

fn check_compile_with(e: &mut Encoder, text: &str, limits: &XmlLimits) {
    for o in &OPTS {
        let fast = e.compile_with_limits(text, limits, o).map(<[u8]>::to_vec);
        assert_eq!(fast, model_compile(text, limits, o), "{text:?} {o:?}");
    }
}

fn check_compile(e: &mut Encoder, text: &str) {
    check_compile_with(e, text, &XmlLimits::DEFAULT);
}

fn check_decode_with(d: &mut Decoder, bytes: &[u8], limits: Limits) {
    for lenient in [false, true] {
        let opts = DecodeOptions { lenient, limits };
        let fast = d.to_xml(bytes, &opts).map(str::to_owned);
        assert_eq!(fast, model_xml(bytes, &opts), "{bytes:02x?}");
    }
}

fn check_decode(d: &mut Decoder, bytes: &[u8]) {
    check_decode_with(d, bytes, Limits::HANDSET);
}

/// The fast path itself accepts `bytes` (so the check above compared it, not the
/// fallback, with the model path).
fn decodes_fast(bytes: &[u8]) -> bool {
    Decoder::new().fast(bytes, &Limits::HANDSET).is_some()
}

fn documents() -> Vec<(String, String)> {
    let mut v = vec![
        ("example".to_string(), vectors::EXAMPLE_XML.to_string()),
        (
            "appendix".to_string(),
            vectors::SPEC_APPENDIX_XML.to_string(),
        ),
        ("cht".to_string(), vectors::CHT_XML.to_string()),
    ];
    v.extend(corpus::documents().into_iter().map(|d| (d.name, d.xml)));
    v
}

#[test]
fn corpus_and_vectors_both_directions() {
    let (mut e, mut d) = (Encoder::new(), Decoder::new());
    let libwbxml = Libwbxml::find();
    if libwbxml.is_none() {
        omacp_testkit::skip!("libwbxml2-utils not installed: libwbxml's encodings not decoded");
    }
    let mut flat = Flat::new();
    for (name, text) in documents() {
        assert!(flat.parse(&text, &XmlLimits::DEFAULT), "{name}: fast path");
        check_compile(&mut e, &text);
        // The canonical form, too.
        let doc = xml::parse(&text).unwrap();
        let canon = xml::to_string(&doc);
        assert!(flat.parse(&canon, &XmlLimits::DEFAULT), "{name}: canonical");
        check_compile(&mut e, &canon);
        for o in &OPTS {
            let b = encode(&doc, o);
            assert!(decodes_fast(&b), "{name}: fast decode of ours");
            check_decode(&mut d, &b);
        }
        if let Some(l) = &libwbxml {
            for t in [true, false] {
                let b = l.xml2wbxml(&text, t).unwrap();
                assert!(decodes_fast(&b), "{name}: fast decode of libwbxml's");
                check_decode(&mut d, &b);
            }
        }
    }
    for b in [
        &vectors::EXAMPLE_WBXML[..],
        &vectors::EXAMPLE_WBXML_STRTBL[..],
        &vectors::SPEC_APPENDIX_WBXML[..],
        &vectors::CHT_WBXML[..],
    ] {
        check_decode(&mut d, b);
    }
}

#[test]
fn one_shot_functions_and_document_encoder() {
    let text = vectors::EXAMPLE_XML;
    let doc = xml::parse(text).unwrap();
    let mut e = Encoder::new();
    for o in &OPTS {
        assert_eq!(crate::compile(text, o).unwrap(), encode(&doc, o));
        assert_eq!(e.encode(&doc, o), &encode(&doc, o)[..]);
        assert_eq!(
            e.compile_bytes(text.as_bytes(), o).unwrap(),
            &encode(&doc, o)[..]
        );
    }
    let b = encode(&doc, &OPTS[0]);
    assert_eq!(
        crate::decode_to_xml(&b, &DecodeOptions::default()).unwrap(),
        xml::to_string(&doc)
    );
    // Edge shapes: no characteristics, no version, empty characteristic, NUL (ENTITY).
    let mut d = Decoder::new();
    for doc in [
        Document::default(),
        Document::new(Some("1.0")),
        xml::parse("<wap-provisioningdoc><characteristic type=\"A\"/></wap-provisioningdoc>")
            .unwrap(),
        Document::new(None).with(
            omacp_doc::Characteristic::new("A")
                .with_parm("N", "a\0b")
                .with_flag("F"),
        ),
    ] {
        for o in &OPTS {
            let b = encode(&doc, o);
            assert!(decodes_fast(&b));
            check_decode(&mut d, &b);
        }
    }
}

#[test]
fn hostile_xml_same_verdict() {
    let mut e = Encoder::new();
    let cases = [
        "",
        "<wap-provisioningdoc/>",
        "<wap-provisioningdoc>",
        "<!DOCTYPE wap-provisioningdoc [<!ENTITY x \"y\">]><wap-provisioningdoc/>",
        "<wap-provisioningdoc><characteristic type=\"&x;\"/></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"P\" value=\"&secret;\"/></characteristic></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"P\" value=\"a&#0;b\"/></characteristic></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"P\" value=\"a&#x41;&amp;&lt;\tb\r\nc\"/></characteristic></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type='A'/><!-- c --></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic/></wap-provisioningdoc>",
        "<wap-provisioningdoc><parm name=\"X\"/></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\" type=\"B\"/></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"N\"><parm name=\"M\"/></parm></characteristic></wap-provisioningdoc>",
        "<wap-provisioningdoc><characteristic type=\"A\">text</characteristic></wap-provisioningdoc>",
        "<wap-provisioningdoc></wap-provisioningdoc><wap-provisioningdoc/>",
        "<wap-provisioningdoc><characteristic type=\"A\"></parm></wap-provisioningdoc>",
        "<wap-provisioningdoc><x/></wap-provisioningdoc>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><wap-provisioningdoc/>",
        "\u{FEFF}<wap-provisioningdoc version=\"1.0\"/>",
        "<wap-provisioningdoc version=\"\u{1}\"/>",
        "<wap-provisioningdoc version=\"a\u{FFFF}\"/>",
    ];
    for c in cases {
        check_compile(&mut e, c);
    }
    // Limits: depth, element count, size.
    let deep = format!(
        "<wap-provisioningdoc>{}{}</wap-provisioningdoc>",
        "<characteristic type=\"A\">".repeat(40),
        "</characteristic>".repeat(40)
    );
    check_compile(&mut e, &deep);
    let text = vectors::SPEC_APPENDIX_XML;
    for limits in [
        XmlLimits {
            max_depth: 3,
            ..XmlLimits::DEFAULT
        },
        XmlLimits {
            max_elements: 10,
            ..XmlLimits::DEFAULT
        },
        XmlLimits {
            max_bytes: 100,
            ..XmlLimits::DEFAULT
        },
    ] {
        check_compile_with(&mut e, text, &limits);
        check_compile_with(&mut e, &deep, &limits);
    }
    // Bytes: not UTF-8, UTF-16.
    for b in [
        &b"<wap-provisioningdoc version=\"\xff\"/>"[..],
        b"\xff\xfe<\0",
    ] {
        for o in &OPTS {
            let fast = e.compile_bytes(b, o).map(<[u8]>::to_vec);
            let model = xml::parse_bytes(b).map(|d| encode(&d, o));
            assert_eq!(fast, model);
        }
    }
}

#[test]
fn hostile_wbxml_same_verdict() {
    let mut d = Decoder::new();
    let text = corpus::documents()
        .into_iter()
        .find(|c| c.name.starts_with("29-"))
        .expect("corpus/29")
        .xml;
    let doc = xml::parse(&text).unwrap();
    for o in &OPTS {
        let b = encode(&doc, o);
        // Every truncation and every single-byte change to a few telling values.
        for n in 0..b.len() {
            check_decode(&mut d, &b[..n]);
        }
        for i in 0..b.len() {
            for v in [
                0x00, 0x01, 0x02, 0x03, 0x04, 0x43, 0x45, 0x80, 0x83, 0xC3, 0xFF,
            ] {
                let mut m = b.clone();
                m[i] = v;
                check_decode(&mut d, &m);
            }
        }
        let mut trailing = b.clone();
        trailing.push(0x01);
        check_decode(&mut d, &trailing);
        for limits in [
            Limits {
                max_depth: 2,
                ..Limits::HANDSET
            },
            Limits {
                max_elements: 5,
                ..Limits::HANDSET
            },
            Limits {
                max_value_len: 8,
                ..Limits::HANDSET
            },
            Limits {
                max_input: 100,
                ..Limits::HANDSET
            },
            Limits {
                max_string_table: 10,
                ..Limits::HANDSET
            },
            Limits {
                max_depth: 0,
                ..Limits::HANDSET
            },
        ] {
            check_decode_with(&mut d, &b, limits);
        }
    }
    // A string-table reference past the table, and one into a string without a NUL.
    check_decode(
        &mut d,
        &[
            0x03, 0x0B, 0x6A, 0x02, b'a', 0x00, 0xC5, 0x86, 0x06, 0x83, 0x05, 0x01, 0x01,
        ],
    );
    check_decode(
        &mut d,
        &[
            0x03, 0x0B, 0x6A, 0x02, b'a', b'b', 0xC5, 0x86, 0x06, 0x83, 0x00, 0x01, 0x01,
        ],
    );
    // Another charset (Latin-1) and a non-PROV public id go the model path.
    check_decode(
        &mut d,
        &[0x03, 0x0B, 0x04, 0x00, 0x45, 0x03, 0xE9, 0x00, 0x01],
    );
    check_decode(&mut d, &[0x03, 0x02, 0x6A, 0x00, 0x05]);
}

/// A PROV document: `table`, then the root (version 1.0) holding a NAPDEF
/// characteristic with `body` (tokens of its content) as its content.
fn napdef_with(table: &[u8], body: &[u8]) -> Vec<u8> {
    let mut b = vec![0x03, 0x0B, 0x6A, table.len() as u8];
    b.extend_from_slice(table);
    b.extend_from_slice(&[0xC5, 0x46, 0x01, 0xC6, 0x55, 0x01]);
    b.extend_from_slice(body);
    b.extend_from_slice(&[0x01, 0x01]);
    b
}

#[test]
fn attribute_lists_off_the_direct_shape() {
    let mut d = Decoder::new();
    let table = "ab\0x\u{e9}y\0&<\"\0".as_bytes();
    let accepted: &[&[u8]] = &[
        // name (NAME prefix + STR_I), value as tokens and strings.
        &[
            0x87, 0x07, 0x03, b'X', 0x00, 0x06, 0x85, 0x03, b'-', 0x00, 0x86, 0x01,
        ],
        // value before name: read again by the general reader.
        &[0x87, 0x06, 0x03, b'v', 0x00, 0x05, 0x03, b'n', 0x00, 0x01],
        // ENTITY in a value, and U+0000.
        &[
            0x87, 0x07, 0x06, 0x03, b'a', 0x00, 0x02, 0x81, 0x00, 0x02, 0x00, 0x01,
        ],
        // a page switch between name and value, and a page-1 value token.
        &[0x87, 0x07, 0x00, 0x01, 0x06, 0x91, 0x92, 0x00, 0x00, 0x01],
        // a UTF-8 character split over two strings; a table string with one.
        &[
            0x87, 0x07, 0x06, 0x03, 0xC3, 0x00, 0x03, 0xA9, 0x00, 0x83, 0x03, 0x01,
        ],
        // values to escape, from the table and inline; a table reference mid-string.
        &[
            0x87, 0x05, 0x83, 0x08, 0x06, 0x03, b'\t', b'"', 0x00, 0x83, 0x01, 0x01,
        ],
        // a name alone, a parm with empty content, and an empty value.
        &[0x87, 0x07, 0x01, 0xC7, 0x07, 0x06, 0x01, 0x01],
        // long values: pieces longer than the 16-byte copies, several of them.
        &[
            0x87, 0x07, 0x06, 0x03, b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9',
            b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h', b'i', 0x00, 0xA3, 0x83, 0x00, 0x01,
        ],
        // a characteristic whose type is a prefix token plus a string.
        &[0xC6, 0x50, 0x03, b'Z', 0x00, 0x01, 0x87, 0x07, 0x01, 0x01],
    ];
    for body in accepted {
        let b = napdef_with(table, body);
        assert!(decodes_fast(&b), "{b:02x?}");
        check_decode(&mut d, &b);
    }
    let declined: &[&[u8]] = &[
        // name twice; a type on a parm; no name; a value piece before any start.
        &[0x87, 0x07, 0x07, 0x01],
        &[0x87, 0x07, 0x55, 0x01],
        &[0x87, 0x06, 0x03, b'v', 0x00, 0x01],
        &[0x87, 0x03, b'v', 0x00, 0x07, 0x01],
        &[0x87, 0x85, 0x07, 0x01],
        // a value token on a page PROV does not have; a LITERAL; an unknown start.
        &[0x87, 0x07, 0x00, 0x05, 0x06, 0x85, 0x01],
        &[0x87, 0x07, 0x04, 0x00, 0x01],
        &[0x87, 0x4D, 0x01],
        // a string not UTF-8.
        &[0x87, 0x07, 0x06, 0x03, 0xC3, 0x00, 0x01],
    ];
    for body in declined {
        let b = napdef_with(table, body);
        assert!(!decodes_fast(&b), "{b:02x?}");
        check_decode(&mut d, &b);
    }
    // The value length limit at and past a value's length (prefix included).
    let b = napdef_with(
        table,
        &[0x87, 0x07, 0x06, 0x03, b'a', b'b', 0x00, 0x85, 0x01],
    );
    for max_value_len in 0..12 {
        check_decode_with(
            &mut d,
            &b,
            Limits {
                max_value_len,
                ..Limits::HANDSET
            },
        );
    }
    // Deeper than the indentation the fixed copies cover, and an output many times
    // the input (one long table string referenced over and over).
    let mut deep = vec![0x03, 0x0B, 0x6A, 0x00, 0xC5, 0x01];
    for _ in 0..40 {
        deep.extend_from_slice(&[0xC6, 0x50, 0x01]);
    }
    deep.extend_from_slice(&[0x87, 0x07, 0x01]);
    deep.extend_from_slice(&[0x01; 41]);
    let limits = Limits {
        max_depth: 64,
        ..Limits::HANDSET
    };
    check_decode_with(&mut d, &deep, limits);
    assert!(Decoder::new().fast(&deep, &limits).is_some());
    let long = [b'q'; 120];
    let mut table = long.to_vec();
    table.push(0);
    let mut body = Vec::new();
    for _ in 0..200 {
        body.extend_from_slice(&[0x87, 0x07, 0x06, 0x83, 0x00, 0x83, 0x00, 0x01]);
    }
    let b = napdef_with(&table, &body);
    assert!(decodes_fast(&b));
    check_decode(&mut d, &b);
}

/// The canonical text of `doc` with its line breaks and indentation removed (a value
/// never holds a literal line break: `to_string` writes `&#10;`).
fn compact(text: &str) -> String {
    text.lines().map(str::trim_start).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_documents_both_directions(doc in r#gen::any_document()) {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        let text = xml::to_string(&doc);
        prop_assert!(Flat::new().parse(&text, &XmlLimits::DEFAULT));
        check_compile(&mut e, &text);
        check_compile(&mut e, &compact(&text));
        for o in &OPTS {
            let b = encode(&doc, o);
            prop_assert!(decodes_fast(&b));
            check_decode(&mut d, &b);
        }
    }

    #[test]
    fn mutated_wbxml_same_verdict(
        doc in r#gen::arbitrary_document(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        table in any::<bool>(),
    ) {
        let mut b = encode(&doc, &EncodeOptions { string_table: table });
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        check_decode(&mut Decoder::new(), &b);
    }

    #[test]
    fn mutated_xml_same_verdict(
        doc in r#gen::arbitrary_document(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(&b" <>/\"'=&;#x\t\n"[..])), 1..3),
    ) {
        let mut b = xml::to_string(&doc).into_bytes();
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        if let Ok(text) = std::str::from_utf8(&b) {
            check_compile(&mut Encoder::new(), text);
        }
    }
}
