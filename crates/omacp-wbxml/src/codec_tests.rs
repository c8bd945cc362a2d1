//! Codec tests on the spec vectors, every token, hostile input and lenient decoding.

use omacp_doc::{Characteristic, Document, Parm, xml};
use omacp_testkit::vectors::*;

use crate::decode::Dropped;
use crate::tokens::{Attr, Kind, Source, TOKENS};
use crate::{DecodeOptions, EncodeOptions, ErrorKind, Limits, PublicId, decode, encode};

fn strict() -> DecodeOptions {
    DecodeOptions::default()
}
fn lenient() -> DecodeOptions {
    DecodeOptions {
        lenient: true,
        ..DecodeOptions::default()
    }
}
const NO_TABLE: EncodeOptions = EncodeOptions {
    string_table: false,
};
const TABLE: EncodeOptions = EncodeOptions { string_table: true };

/// A WBXML 1.3 PROV document with an empty string table around `body`.
fn wb(body: &[u8]) -> Vec<u8> {
    let mut v = vec![0x03, 0x0B, 0x6A, 0x00];
    v.extend_from_slice(body);
    v
}

fn err(bytes: &[u8], opts: &DecodeOptions) -> (usize, ErrorKind) {
    let e = decode(bytes, opts).expect_err("should be refused");
    (e.offset, e.kind)
}

#[test]
fn example_113_decodes_to_its_xml() {
    let d = decode(&EXAMPLE_WBXML, &strict()).unwrap();
    assert_eq!(d.document, xml::parse(EXAMPLE_XML).unwrap());
    assert_eq!(d.header.version, 3);
    assert_eq!(d.header.public_id, PublicId::Id(0x0B));
    assert_eq!(d.header.charset, Some(106));
    assert!(d.diagnostics.is_empty());
    let t = decode(&EXAMPLE_WBXML_STRTBL, &strict()).unwrap();
    assert_eq!(t.document, d.document);
    assert_eq!(t.header.string_table_len, 5);
}

#[test]
fn our_example_encoding_is_the_worked_example() {
    let doc = xml::parse(EXAMPLE_XML).unwrap();
    // Byte for byte the 113 bytes libwbxml produces (wbxml.md §5): the encoder keeps
    // `value` on page 0, as libwbxml does, so the page switches after APPID and URI stay.
    let ours = encode(&doc, &NO_TABLE);
    assert_eq!(ours, EXAMPLE_WBXML);
    let with_table = encode(&doc, &TABLE);
    assert!(
        with_table.len() <= EXAMPLE_WBXML_STRTBL.len(),
        "{}",
        with_table.len()
    );
    assert_eq!(
        &with_table[..9],
        &EXAMPLE_WBXML_STRTBL[..9],
        "table \"NAP1\\0\""
    );
    for b in [ours, with_table] {
        assert_eq!(decode(&b, &strict()).unwrap().document, doc);
    }
}

#[test]
fn spec_appendix_473() {
    let d = decode(&SPEC_APPENDIX_WBXML, &strict()).unwrap();
    let doc = xml::parse(SPEC_APPENDIX_XML).unwrap();
    assert_eq!(d.document, doc);
    let access = d
        .document
        .characteristics
        .iter()
        .find(|c| c.kind == "ACCESS")
        .unwrap();
    assert!(access.children.is_empty());
    let nap = d
        .document
        .characteristics
        .iter()
        .find(|c| c.kind == "NAPDEF")
        .unwrap();
    assert!(nap.parms().any(|p| p.name == "T-BIT" && p.value.is_none()));
    // 473 is the appendix (with a string table); libwbxml -n gives 476.
    for (opts, limit) in [(TABLE, 473), (NO_TABLE, 476)] {
        let b = encode(&doc, &opts);
        assert!(b.len() <= limit, "{} bytes", b.len());
        assert_eq!(decode(&b, &strict()).unwrap().document, doc);
    }
    // The empty ACCESS is sent without a content flag.
    let b = encode(&doc, &TABLE);
    assert!(b.ends_with(&[0x86, 0x5B, 0x01, 0x01]));
}

#[test]
fn cht_501_decodes_and_reencodes_smaller() {
    let d = decode(&CHT_WBXML, &strict()).unwrap();
    assert_eq!(d.document, xml::parse(CHT_XML).unwrap());
    assert_eq!(d.document.version, None);
    for opts in [TABLE, NO_TABLE] {
        let b = encode(&d.document, &opts);
        assert!(b.len() <= 501);
        let again = decode(&b, &strict()).unwrap().document;
        assert!(again.same_meaning(&d.document));
        assert_eq!(again, d.document);
    }
}

fn one_parm(name: &str, value: Option<&str>) -> Document {
    let p = Parm {
        name: name.into(),
        value: value.map(Into::into),
    };
    let mut c = Characteristic::new("NAPDEF");
    c.children.push(omacp_doc::Node::Parm(p));
    Document::new(None).with(c)
}

/// `needle` preceded directly by `after`, or by `after` and a SWITCH_PAGE.
fn emitted_after(bytes: &[u8], after: &[u8], page: u8, byte: u8) -> bool {
    let direct: Vec<u8> = after.iter().copied().chain([byte]).collect();
    let switched: Vec<u8> = after.iter().copied().chain([0x00, page, byte]).collect();
    bytes.windows(direct.len()).any(|w| w == direct)
        || bytes.windows(switched.len()).any(|w| w == switched)
}

#[test]
fn every_encodable_token_is_emitted_and_decoded() {
    for t in TOKENS
        .iter()
        .filter(|t| t.source == Source::ProvCont && !t.text.is_empty())
    {
        let (doc, after): (Document, &[u8]) = match t.kind {
            Kind::Tag => continue,
            // Page-1 values after APPID; `value` (0x06) is emitted on page 0 only (see
            // `literal_start`), so the value token follows it directly or after a switch.
            // The comma fragment costs what the one-byte string "," costs, so a string may
            // win the tie; every other page-1 value is cheaper as a token.
            Kind::AttrValue if t.page == 1 && t.text == "," => continue,
            Kind::AttrValue if t.page == 1 => (one_parm("APPID", Some(t.text)), &[0x06]),
            Kind::AttrValue => (one_parm("NAME", Some(t.text)), &[0x07, 0x06]),
            Kind::AttrStart(Attr::Name) => (one_parm(t.text, Some("x")), &[0x87]),
            Kind::AttrStart(Attr::Type) => (
                Document::new(None).with(Characteristic::new(t.text)),
                &[0x86],
            ),
            Kind::AttrStart(Attr::Version) => (Document::new(Some(t.text)), &[0x85]),
            Kind::AttrStart(Attr::Value) => continue,
        };
        let b = encode(&doc, &NO_TABLE);
        // A token on the other page may share the text (IPV6, NAME, PORT …): either
        // page's token is fine, the byte must be one of them.
        let any = TOKENS
            .iter()
            .filter(|u| u.source == Source::ProvCont && u.kind == t.kind && u.text == t.text);
        assert!(
            any.clone()
                .any(|u| emitted_after(&b, after, u.page, u.byte)),
            "{t:?}: {b:02X?}"
        );
        assert_eq!(decode(&b, &strict()).unwrap().document, doc, "{t:?}");
    }
}

#[test]
fn decode_only_kannel_rows_decode_and_are_never_emitted() {
    for t in TOKENS.iter().filter(|t| t.source == Source::KannelCr) {
        let (bytes, doc) = match t.kind {
            Kind::AttrStart(Attr::Name) => (
                wb(&[
                    0x45, 0xC6, 0x55, 0x01, 0x87, 0x00, t.page, t.byte, 0x06, 0x03, b'v', 0x00,
                    0x01, 0x01, 0x01,
                ]),
                one_parm(t.text, Some("v")),
            ),
            Kind::AttrStart(Attr::Type) => (
                wb(&[0x45, 0xC6, 0x00, t.page, t.byte, 0x01, 0x01, 0x01]),
                Document::new(None).with(Characteristic::new(t.text)),
            ),
            Kind::AttrValue => (
                wb(&[
                    0x45, 0xC6, 0x55, 0x01, 0x87, 0x00, t.page, 0x07, 0x06, t.byte, 0x01, 0x01,
                    0x01,
                ]),
                one_parm("NAME", Some(t.text)),
            ),
            _ => unreachable!("{t:?}"),
        };
        assert_eq!(decode(&bytes, &strict()).unwrap().document, doc, "{t:?}");
        let ours = encode(&doc, &NO_TABLE);
        let literal = ours.windows(t.text.len()).any(|w| w == t.text.as_bytes());
        assert!(
            literal,
            "{t:?} must be sent as a literal string: {ours:02X?}"
        );
        assert_eq!(decode(&ours, &strict()).unwrap().document, doc);
    }
}

#[test]
fn kannel_collisions_are_named() {
    // PRI-H-SSID is Kannel's page-1 0x40, which every WBXML parser reads as EXT_I_0.
    let b = wb(&[
        0x45, 0xC6, 0x55, 0x01, 0x87, 0x00, 0x01, 0x40, 0x06, 0x03, b'x', 0x00, 0x01, 0x01, 0x01,
    ]);
    for opts in [strict(), lenient()] {
        let (at, kind) = err(&b, &opts);
        assert_eq!(at, 11);
        assert_eq!(
            kind,
            ErrorKind::KannelCollision {
                page: 1,
                token: 0x40,
                kannel: "PRI-H-SSID",
                other: "EXT_I_0"
            }
        );
        assert!(kind.to_string().contains("collides with EXT_I_0"));
    }
    // SECMODE (0x44) would be LITERAL_C.
    let b = wb(&[
        0x45, 0xC6, 0x55, 0x01, 0x87, 0x00, 0x01, 0x44, 0x01, 0x01, 0x01,
    ]);
    assert!(matches!(
        err(&b, &strict()).1,
        ErrorKind::KannelCollision {
            kannel: "SECMODE",
            ..
        }
    ));
    // ENCAPS is Kannel's 0x5B, the byte of type=SEC-SSID: inside a parm it is refused.
    let b = wb(&[
        0x45, 0xC6, 0x55, 0x01, 0x87, 0x00, 0x01, 0x5B, 0x06, 0x03, b'x', 0x00, 0x01, 0x01, 0x01,
    ]);
    assert_eq!(
        err(&b, &lenient()),
        (
            11,
            ErrorKind::KannelCollision {
                page: 1,
                token: 0x5B,
                kannel: "ENCAPS",
                other: "SEC-SSID"
            }
        )
    );
}

#[test]
fn truncation_at_every_length_is_an_error_with_offset() {
    for v in [
        &EXAMPLE_WBXML[..],
        &EXAMPLE_WBXML_STRTBL,
        &SPEC_APPENDIX_WBXML,
        &CHT_WBXML,
    ] {
        for n in 0..v.len() {
            for opts in [strict(), lenient()] {
                let e = decode(&v[..n], &opts).expect_err("truncated");
                assert!(e.offset <= n, "prefix {n}: {e}");
            }
        }
    }
}

#[test]
fn string_table_references_are_checked_before_use() {
    // Root with version = STR_T 5 into a 2-byte table.
    let b = [
        0x03, 0x0B, 0x6A, 0x02, b'a', 0x00, 0x85, 0x45, 0x83, 0x05, 0x01,
    ];
    assert_eq!(
        err(&b, &strict()),
        (9, ErrorKind::StringTableIndex { index: 5, len: 2 })
    );
    let b = [
        0x03, 0x0B, 0x6A, 0x02, b'a', b'b', 0x85, 0x45, 0x83, 0x00, 0x01,
    ];
    assert_eq!(
        err(&b, &strict()),
        (9, ErrorKind::StringTableUnterminated { index: 0 })
    );
    // A reference into the middle of a string is legal.
    let b = [
        0x03, 0x0B, 0x6A, 0x04, b'a', b'b', b'c', 0x00, 0x85, 0x45, 0x83, 0x01, 0x01,
    ];
    assert_eq!(
        decode(&b, &strict()).unwrap().document.version.as_deref(),
        Some("bc")
    );
}

#[test]
fn limits() {
    let nested = |depth: usize| {
        let mut body = vec![0x45];
        for _ in 0..depth {
            body.extend_from_slice(&[0xC6, 0x55, 0x01]);
        }
        body.extend(std::iter::repeat_n(0x01, depth + 1));
        wb(&body)
    };
    let opts = DecodeOptions {
        limits: Limits {
            max_depth: 4,
            ..Limits::HANDSET
        },
        lenient: false,
    };
    assert!(decode(&nested(3), &opts).is_ok());
    assert_eq!(
        err(&nested(4), &opts),
        (14, ErrorKind::TooDeep { limit: 4 })
    );
    assert!(matches!(
        err(&nested(40), &strict()).1,
        ErrorKind::TooDeep { limit: 16 }
    ));

    let opts = DecodeOptions {
        limits: Limits {
            max_elements: 3,
            ..Limits::HANDSET
        },
        lenient: false,
    };
    assert!(matches!(
        err(&nested(3), &opts).1,
        ErrorKind::TooManyElements { limit: 3 }
    ));

    let opts = DecodeOptions {
        limits: Limits {
            max_value_len: 4,
            ..Limits::HANDSET
        },
        lenient: true,
    };
    let b = wb(&[0x85, 0x45, 0x03, b'1', b'.', b'2', b'3', b'4', 0x00, 0x01]);
    assert_eq!(err(&b, &opts), (6, ErrorKind::ValueTooLong { limit: 4 }));

    let opts = DecodeOptions {
        limits: Limits {
            max_input: 100,
            ..Limits::HANDSET
        },
        lenient: false,
    };
    assert_eq!(
        err(&EXAMPLE_WBXML, &opts),
        (
            0,
            ErrorKind::InputTooLarge {
                len: 113,
                limit: 100
            }
        )
    );
}

#[test]
fn bad_mb_u_int32() {
    let b = [0x03, 0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x6A, 0x00, 0x05];
    assert_eq!(
        err(&b, &strict()),
        (
            1,
            ErrorKind::Wire(omacp_wire::WireErrorKind::UintvarOverflow)
        )
    );
    let b = [
        0x03, 0x0B, 0x6A, 0x00, 0x85, 0x45, 0x02, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01,
    ];
    assert_eq!(err(&b, &strict()).0, 7);
}

#[test]
fn unknown_tokens_strict_and_lenient() {
    // NAPDEF with NAME="a", NAPID=<unknown value token 0xFE>, BEARER=GSM-GPRS.
    let b = wb(&[
        0x45, 0xC6, 0x55, 0x01, 0x87, 0x07, 0x06, 0x03, b'a', 0x00, 0x01, 0x87, 0x11, 0x06, 0xFE,
        0x01, 0x87, 0x10, 0x06, 0xAB, 0x01, 0x01, 0x01,
    ]);
    assert_eq!(
        err(&b, &strict()),
        (
            18,
            ErrorKind::UnknownAttrValue {
                page: 0,
                token: 0xFE
            }
        )
    );
    let d = decode(&b, &lenient()).unwrap();
    let c = &d.document.characteristics[0];
    assert_eq!(
        c.parms().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["NAME", "BEARER"]
    );
    assert_eq!(d.diagnostics.len(), 1);
    assert_eq!(
        (d.diagnostics[0].offset, d.diagnostics[0].dropped),
        (18, Dropped::Parm)
    );

    // Unassigned attribute-start 0x4D in a characteristic's type: the subtree goes.
    let b = wb(&[
        0x45, 0xC6, 0x4D, 0x01, 0x87, 0x07, 0x01, 0x01, 0xC6, 0x5B, 0x01, 0x01, 0x01,
    ]);
    assert_eq!(
        err(&b, &strict()),
        (
            6,
            ErrorKind::UnknownAttrStart {
                page: 0,
                token: 0x4D
            }
        )
    );
    let d = decode(&b, &lenient()).unwrap();
    assert_eq!(
        d.document,
        Document::new(None).with(Characteristic::new("ACCESS"))
    );
    assert_eq!(d.diagnostics[0].dropped, Dropped::Characteristic);

    // Unknown tag id 0x08 inside a characteristic: that element goes.
    let b = wb(&[
        0x45, 0xC6, 0x5B, 0x01, 0xC8, 0x05, 0x01, 0x87, 0x07, 0x01, 0x01, 0x87, 0x07, 0x01, 0x01,
        0x01,
    ]);
    assert_eq!(
        err(&b, &strict()),
        (8, ErrorKind::UnknownTag { page: 0, id: 0x08 })
    );
    let d = decode(&b, &lenient()).unwrap();
    assert_eq!(
        d.document,
        Document::new(None).with(Characteristic::new("ACCESS").with_flag("NAME"))
    );
    assert_eq!(d.diagnostics[0].dropped, Dropped::Element);
}

#[test]
fn no_text_extensions_or_pis_in_prov() {
    // Non-blank text in a characteristic.
    let b = wb(&[0x45, 0xC6, 0x5B, 0x01, 0x03, b'x', 0x00, 0x01, 0x01]);
    assert_eq!(
        err(&b, &strict()),
        (8, ErrorKind::TextContent { what: "a string" })
    );
    let d = decode(&b, &lenient()).unwrap();
    assert_eq!(d.document.characteristics.len(), 1);
    assert_eq!(d.diagnostics[0].dropped, Dropped::Skipped);
    // Blank text is insignificant.
    let b = wb(&[0x45, 0xC6, 0x5B, 0x01, 0x03, b'\n', b' ', 0x00, 0x01, 0x01]);
    assert!(decode(&b, &strict()).unwrap().diagnostics.is_empty());
    // OPAQUE and EXT_T inside a value spoil the parm.
    for piece in [&[0xC3, 0x01, 0xAA][..], &[0x80, 0x05]] {
        let mut body = vec![0x45, 0xC6, 0x55, 0x01, 0x87, 0x07, 0x06];
        body.extend_from_slice(piece);
        body.extend_from_slice(&[0x01, 0x01, 0x01]);
        assert!(matches!(
            err(&wb(&body), &strict()).1,
            ErrorKind::ValueExtension { .. }
        ));
        let d = decode(&wb(&body), &lenient()).unwrap();
        assert!(d.document.characteristics[0].children.is_empty());
    }
    // A processing instruction before the root.
    let b = wb(&[0x43, 0x05, 0x03, b'p', 0x00, 0x01, 0x05]);
    assert_eq!(err(&b, &strict()), (4, ErrorKind::ProcessingInstruction));
    let d = decode(&b, &lenient()).unwrap();
    assert_eq!(d.document, Document::default());
    assert_eq!(d.diagnostics[0].dropped, Dropped::Skipped);
}

#[test]
fn structure_errors() {
    assert_eq!(err(&wb(&[]), &lenient()), (4, ErrorKind::NoRootElement));
    assert_eq!(
        err(&wb(&[0x05, 0x05]), &lenient()),
        (5, ErrorKind::TrailingData)
    );
    let (at, kind) = err(&wb(&[0x46, 0x01]), &lenient());
    assert_eq!(at, 4);
    assert!(
        matches!(kind, ErrorKind::UnexpectedElement { ref name, place: "as the root" } if name == "characteristic")
    );
    // A parm without its name, and a characteristic without its type.
    assert_eq!(
        err(&wb(&[0x45, 0xC6, 0x5B, 0x01, 0x07, 0x01, 0x01]), &strict()),
        (
            8,
            ErrorKind::MissingAttribute {
                name: "name",
                element: "parm"
            }
        )
    );
    assert_eq!(
        err(&wb(&[0x45, 0x06, 0x01]), &strict()),
        (
            5,
            ErrorKind::MissingAttribute {
                name: "type",
                element: "characteristic"
            }
        )
    );
    // type twice.
    assert!(matches!(
        err(&wb(&[0x45, 0xC6, 0x5B, 0x55, 0x01, 0x01, 0x01]), &strict()).1,
        ErrorKind::DuplicateAttribute { name: "type", .. }
    ));
    // A value before any attribute start.
    assert_eq!(
        err(&wb(&[0x85, 0x03, b'x', 0x00, 0x01]), &strict()),
        (5, ErrorKind::ValueWithoutAttribute)
    );
}

#[test]
fn public_ids() {
    let mut b = EXAMPLE_WBXML.to_vec();
    b[1] = 0x01;
    assert_eq!(
        decode(&b, &strict()).unwrap().header.public_id,
        PublicId::Id(1)
    );
    b[1] = 0x02;
    assert!(matches!(err(&b, &strict()), (1, ErrorKind::NotProv(_))));
    // Literal public id: 0, then index 0 into a table holding the FPI.
    let fpi = b"-//WAPFORUM//DTD PROV 1.0//EN\0";
    let mut lit = vec![0x03, 0x00, 0x00, 0x6A, fpi.len() as u8];
    lit.extend_from_slice(fpi);
    lit.push(0x05);
    let d = decode(&lit, &strict()).unwrap();
    assert!(d.header.public_id.is_prov());
    lit[6] = b'X';
    assert!(matches!(err(&lit, &strict()).1, ErrorKind::NotProv(_)));
}

#[test]
fn charsets_and_versions() {
    // ISO-8859-1 (MIBenum 4): 0xE9 is é.
    let b = [0x03, 0x0B, 0x04, 0x00, 0x85, 0x45, 0x03, 0xE9, 0x00, 0x01];
    assert_eq!(
        decode(&b, &strict()).unwrap().document.version.as_deref(),
        Some("é")
    );
    // US-ASCII refuses bytes above 0x7F; UTF-8 refuses a broken sequence.
    for cs in [0x03, 0x6A] {
        let b = [0x03, 0x0B, cs, 0x00, 0x85, 0x45, 0x03, 0xE9, 0x00, 0x01];
        assert!(matches!(
            err(&b, &strict()).1,
            ErrorKind::InvalidText { .. }
        ));
    }
    let b = [0x03, 0x0B, 0x83, 0x77, 0x00, 0x05];
    assert_eq!(err(&b, &strict()), (2, ErrorKind::UnsupportedCharset(503)));
    // WBXML 1.0 has no charset field.
    let d = decode(&[0x00, 0x0B, 0x00, 0x05], &strict()).unwrap();
    assert_eq!((d.header.version, d.header.charset), (0, None));
    assert_eq!(
        err(&[0x04, 0x0B, 0x6A, 0x00, 0x05], &strict()),
        (0, ErrorKind::UnsupportedVersion(4))
    );
}

#[test]
fn literal_names_and_tag_pages() {
    // characteristic as LITERAL_AC, its type via LITERAL attribute name, parm via
    // a tag-page switch to page 1 (which persists across END).
    let table = b"characteristic\0type\0";
    let mut b = vec![0x03, 0x0B, 0x6A, table.len() as u8];
    b.extend_from_slice(table);
    b.extend_from_slice(&[
        0x45, 0xC4, 0x00, 0x04, 0x0F, 0x03, b'X', 0x00, 0x01, 0x00, 0x01, 0x87, 0x07, 0x01, 0x87,
        0x14, 0x01, 0x01, 0x01,
    ]);
    let d = decode(&b, &strict()).unwrap();
    assert_eq!(
        d.document,
        Document::new(None).with(
            Characteristic::new("X")
                .with_flag("NAME")
                .with_flag("INTERNET")
        )
    );
}

#[test]
fn values_concatenate_and_flags_differ_from_empty() {
    // wbxml.md §2.3: 06 03 "a" 00 9C is value="aHTTP-BASIC".
    let b = wb(&[
        0x45, 0xC6, 0x55, 0x01, 0x87, 0x19, 0x06, 0x03, b'a', 0x00, 0x9C, 0x01, 0x87, 0x14, 0x06,
        0x01, 0x01, 0x01,
    ]);
    let d = decode(&b, &strict()).unwrap().document;
    let c = &d.characteristics[0];
    assert_eq!(c.value("PXAUTH-TYPE"), Some("aHTTP-BASIC"));
    assert_eq!(c.parms().nth(1).unwrap().value.as_deref(), Some(""));
    for doc in [
        one_parm("INTERNET", None),
        one_parm("INTERNET", Some("")),
        one_parm("NAME", Some("a\0b")),
    ] {
        for opts in [TABLE, NO_TABLE] {
            assert_eq!(
                decode(&encode(&doc, &opts), &strict()).unwrap().document,
                doc
            );
        }
    }
}

#[test]
fn smallest_forms() {
    assert_eq!(
        encode(&Document::default(), &TABLE),
        [0x03, 0x0B, 0x6A, 0x00, 0x05]
    );
    assert_eq!(
        encode(&Document::new(Some("1.0")), &TABLE),
        [0x03, 0x0B, 0x6A, 0x00, 0x85, 0x46, 0x01]
    );
    let d = Document::new(None).with(Characteristic::new("ACCESS"));
    assert_eq!(
        encode(&d, &TABLE),
        [0x03, 0x0B, 0x6A, 0x00, 0x45, 0x86, 0x5B, 0x01, 0x01]
    );
    // Both empty-characteristic forms decode alike.
    assert_eq!(
        decode(&wb(&[0x45, 0xC6, 0x5B, 0x01, 0x01, 0x01]), &strict())
            .unwrap()
            .document,
        d
    );
    // AAUTHTYPE fragments on page 1.
    let d = Document::new(None).with(
        Characteristic::new("APPLICATION")
            .with_child(Characteristic::new("APPAUTH").with_parm("AAUTHTYPE", "DIGEST,BASIC")),
    );
    let b = encode(&d, &NO_TABLE);
    assert!(
        b.windows(7)
            .any(|w| w == [0x06, 0x00, 0x01, 0x93, 0x90, 0x92, 0x01]),
        "{b:02X?}"
    );
    // name="NAMEX": the NAME start token carries the prefix.
    let b = encode(&one_parm("NAMEX", Some("1")), &NO_TABLE);
    assert!(
        b.windows(5).any(|w| w == [0x87, 0x07, 0x03, b'X', 0x00]),
        "{b:02X?}"
    );
    assert_eq!(
        decode(&b, &strict()).unwrap().document,
        one_parm("NAMEX", Some("1"))
    );
}
