//! Every corpus document survives XML → WBXML → XML and WBXML → XML → WBXML, with and
//! without a string table, and the spec vectors decode to their XML.

use omacp_doc::xml;
use omacp_wbxml::{DecodeOptions, EncodeOptions, decode, encode};

fn opts(string_table: bool) -> EncodeOptions {
    EncodeOptions { string_table }
}

#[test]
fn xml_wbxml_xml_is_identity_on_the_corpus() {
    for d in omacp_testkit::corpus::documents() {
        let doc = xml::parse(&d.xml).unwrap_or_else(|e| panic!("{}: {e}", d.name));
        for st in [true, false] {
            let bin = encode(&doc, &opts(st));
            let back = decode(&bin, &DecodeOptions::default())
                .unwrap_or_else(|e| panic!("{} (string table {st}): {e}", d.name))
                .document;
            // The tree is kept exactly, order included, so plain equality must hold.
            assert_eq!(back, doc, "{} (string table {st})", d.name);
            let text = xml::to_string(&back);
            assert_eq!(
                xml::parse(&text).unwrap(),
                doc,
                "{}: canonical XML re-parses",
                d.name
            );
        }
    }
}

#[test]
fn wbxml_xml_wbxml_is_byte_stable_on_the_corpus() {
    for d in omacp_testkit::corpus::documents() {
        let doc = xml::parse(&d.xml).unwrap();
        for st in [true, false] {
            let first = encode(&doc, &opts(st));
            let text = xml::to_string(&decode(&first, &DecodeOptions::default()).unwrap().document);
            let second = encode(&xml::parse(&text).unwrap(), &opts(st));
            assert_eq!(first, second, "{} (string table {st})", d.name);
        }
    }
}

#[test]
fn canonical_xml_is_a_fixed_point() {
    for d in omacp_testkit::corpus::documents() {
        let once = xml::to_string(&xml::parse(&d.xml).unwrap());
        let twice = xml::to_string(&xml::parse(&once).unwrap());
        assert_eq!(once, twice, "{}", d.name);
        assert!(
            once.contains("-//WAPFORUM//DTD PROV 1.0//EN"),
            "{}: DOCTYPE",
            d.name
        );
    }
}
