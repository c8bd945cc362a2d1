//! The encoder's bytes for the spec vectors and the corpus, with and without a string
//! table, as the encoder before the streaming codecs produced them
//! (`tests/data/golden-encodings.tsv`: name, string table, hex). Both the model path
//! (`encode`) and the streaming path (`Encoder::compile`) must still produce them: the
//! flat refactoring of the encoder and the reused buffers change no byte.

use omacp_testkit::{corpus, vectors};
use omacp_wbxml::{EncodeOptions, Encoder, encode};

#[test]
fn encodings_unchanged() {
    let mut docs: Vec<(String, String)> = vec![
        ("spec-example".into(), vectors::EXAMPLE_XML.into()),
        ("spec-appendix".into(), vectors::SPEC_APPENDIX_XML.into()),
        ("cht".into(), vectors::CHT_XML.into()),
    ];
    docs.extend(corpus::documents().into_iter().map(|d| (d.name, d.xml)));
    let golden = include_str!("data/golden-encodings.tsv");
    let mut encoder = Encoder::new();
    let mut checked = 0;
    for line in golden.lines() {
        let [name, table, hex] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("bad golden line {line:?}");
        };
        let (_, xml) = docs
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not in the corpus"));
        let opts = EncodeOptions {
            string_table: table == "true",
        };
        let want: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let doc = omacp_doc::xml::parse(xml).unwrap();
        assert_eq!(encode(&doc, &opts), want, "{name} {opts:?}");
        assert_eq!(
            encoder.compile(xml, &opts).unwrap(),
            &want[..],
            "{name} {opts:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2 * docs.len());
}
