//! Wireshark's WBXML dissector (tshark) reads our WBXML as the same document.
//!
//! Known Wireshark 4.0 defect, named where it bites: its PROV code page 1 lacks the
//! AAUTHTYPE fragment value tokens 0x90–0x93 (`,` `HTTP-` `BASIC` `DIGEST`), which
//! ProvCont defines and libwbxml emits too, so such a value renders as "Requested token
//! not defined". Likewise it lacks the CP 1.1 AUTH-ENTITY values 0xE0 `AAA` and 0xE1
//! `HA` on page 0 (the ProvCont appendix itself uses 0xE1). We check that these are the
//! only things it cannot show. (It also lacks
//! page-1 `name`/`value` starts 0x05/0x06; the encoder never emits those — see
//! `omacp_wbxml::tokens::literal_start` — so they must never appear here.)

use omacp_doc::xml;
use omacp_testkit::peers::{Tshark, document_from_tshark};
use omacp_testkit::skip;
use omacp_wbxml::{EncodeOptions, encode};

#[test]
fn tshark_shows_our_wbxml_as_the_same_document() {
    let Some(ts) = Tshark::find() else {
        skip!("tshark not installed (apt-get install tshark)")
    };
    let mut defect_docs = Vec::new();
    for d in omacp_testkit::corpus::documents() {
        let doc = xml::parse(&d.xml).unwrap();
        for st in [true, false] {
            let ours = encode(&doc, &EncodeOptions { string_table: st });
            let out = ts
                .dissect_wbxml(&ours)
                .unwrap_or_else(|e| panic!("{}: {e}", d.name));
            match document_from_tshark(&out) {
                Ok(theirs) => assert!(
                    theirs.same_meaning(&doc),
                    "{} (string table {st}): tshark shows\n{out}",
                    d.name
                ),
                Err(e) if e.contains("Requested token") && only_known_defects(&out) => {
                    defect_docs.push(d.name.clone())
                }
                Err(e) => panic!("{} (string table {st}): {e}\n{out}", d.name),
            }
        }
    }
    eprintln!(
        "Wireshark token-table gaps (0x90–0x93 page 1, 0xE0/0xE1 page 0) hit by: {defect_docs:?}"
    );
}

/// True when every token tshark could not render is one of its known gaps: page-1
/// attribute values 0x90–0x93 or page-0 values 0xE0/0xE1 (tshark prints a value token
/// without its top bit: `Known attrValue 0x10` on `A   1`, `0x60` on `A   0`).
fn only_known_defects(out: &str) -> bool {
    let known = |l: &str| {
        let page1 = l.contains("A   1")
            && ["0x10", "0x11", "0x12", "0x13"]
                .iter()
                .any(|b| l.contains(&format!("Known attrValue {b}")));
        let page0 = l.contains("A   0")
            && ["0x60", "0x61"]
                .iter()
                .any(|b| l.contains(&format!("Known attrValue {b}")));
        page1 || page0
    };
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("Requested token not defined"))
        .collect();
    !rows.is_empty() && rows.iter().all(|l| known(l))
}
