//! Profiling driver for the codec hot paths, for instruction counts that do not depend on
//! machine load (the criterion bench measures time):
//!
//! ```text
//! cargo build --release -p omacp-wbxml --example prof
//! valgrind --tool=callgrind target/release/examples/prof corpus/02-browser-w2-wap-gateway.xml enc 1000
//! ```
//! Modes: `enc` (encode, string table on), `enc0` (no table), `dec` (decode our
//! encoding), `xml` (decode + canonical XML), `parse` (XML parse only); the streaming
//! paths with reused buffers: `compile` (XML text → WBXML, table on), `compile0` (no
//! table), `render` (WBXML → XML text), `render0` (the same from an encoding without a
//! string table), `flat` (the streaming compile's XML reader alone). Run with 0
//! iterations to measure the fixed start-up cost to subtract.

use omacp_wbxml::{DecodeOptions, Decoder, EncodeOptions, Encoder, decode, encode};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, mode, n] = &args[..] else {
        eprintln!(
            "usage: prof FILE.xml enc|enc0|dec|xml|parse|compile|compile0|render|render0|flat N"
        );
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(file).expect("readable XML file");
    let n: usize = n.parse().expect("iteration count");
    let doc = omacp_doc::xml::parse(&text).expect("a provisioning document");
    // A short-lived encoder, so that modes not encoding start from the same heap as
    // before (`encode` keeps per-thread buffers, which changes malloc's later paths).
    let wbxml = Encoder::new()
        .encode(&doc, &EncodeOptions::default())
        .to_vec();
    let wbxml0 = Encoder::new()
        .encode(
            &doc,
            &EncodeOptions {
                string_table: false,
            },
        )
        .to_vec();
    let mut sink = 0usize;
    let mut encoder = Encoder::new();
    let mut decoder = Decoder::new();
    let mut flat = omacp_doc::flat::Flat::new();
    for _ in 0..n {
        let doc = std::hint::black_box(&doc);
        sink += match mode.as_str() {
            "enc" => encode(doc, &EncodeOptions::default()).len(),
            "enc0" => encode(
                doc,
                &EncodeOptions {
                    string_table: false,
                },
            )
            .len(),
            "dec" => decode(std::hint::black_box(&wbxml), &DecodeOptions::default())
                .map_or(0, |d| d.document.characteristics.len()),
            "compile" => encoder
                .compile(std::hint::black_box(&text), &EncodeOptions::default())
                .map_or(0, <[u8]>::len),
            "compile0" => encoder
                .compile(
                    std::hint::black_box(&text),
                    &EncodeOptions {
                        string_table: false,
                    },
                )
                .map_or(0, <[u8]>::len),
            "flat" => usize::from(flat.parse(
                std::hint::black_box(&text),
                &omacp_doc::xml::XmlLimits::DEFAULT,
            )),
            "render" => decoder
                .to_xml(std::hint::black_box(&wbxml), &DecodeOptions::default())
                .map_or(0, str::len),
            "render0" => decoder
                .to_xml(std::hint::black_box(&wbxml0), &DecodeOptions::default())
                .map_or(0, str::len),
            "xml" => omacp_doc::xml::to_string(
                &decode(&wbxml, &DecodeOptions::default())
                    .expect("decodes")
                    .document,
            )
            .len(),
            _ => omacp_doc::xml::parse(std::hint::black_box(&text))
                .map_or(0, |d| d.characteristics.len()),
        };
    }
    println!("{sink}");
}
