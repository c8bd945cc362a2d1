//! Per-document codec timings (not a test): `compile` is XML text → WBXML with the
//! default string table through the streaming `Encoder` (one encoder reused, as a server
//! would), `decode` is WBXML → canonical XML text through the streaming `Decoder`;
//! `model-compile` / `model-decode` time the model path (`xml::parse` + `encode`,
//! `decode` + `xml::to_string`), which gives the same bytes and text. Documents: the
//! spec vectors and every `corpus/*.xml`.
//!
//! Decode reads libwbxml's own encoding (string table on) when `xml2wbxml` is installed,
//! so it parses the same bytes as `bench/libwbxml_bench.c`; otherwise our encoding.
//! `bench/run-codec-bench.sh` runs this and the C driver and prints both side by side;
//! it sets `OMACP_BENCH_DOCS` to a directory where this bench writes each document's
//! XML and a `sizes.tsv` of our encoded sizes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use omacp_testkit::{corpus, peers::Libwbxml, vectors};
use omacp_wbxml::{DecodeOptions, Decoder, EncodeOptions, Encoder, decode, encode};

fn documents() -> Vec<(String, String)> {
    let mut v = vec![
        (
            "spec-example-113".to_string(),
            vectors::EXAMPLE_XML.to_string(),
        ),
        (
            "spec-appendix-473".to_string(),
            vectors::SPEC_APPENDIX_XML.to_string(),
        ),
        ("cht-501".to_string(), vectors::CHT_XML.to_string()),
    ];
    for d in corpus::documents() {
        v.push((d.name.trim_end_matches(".xml").to_string(), d.xml));
    }
    v
}

fn codec(c: &mut Criterion) {
    let docs = documents();
    let libwbxml = Libwbxml::find();
    let dump = std::env::var_os("OMACP_BENCH_DOCS").map(std::path::PathBuf::from);
    let mut sizes = String::from("name\tours_table\tours_no_table\n");
    let mut inputs = Vec::new();
    for (name, xml) in &docs {
        let doc = omacp_doc::xml::parse(xml).expect("benchmark document parses");
        let ours = encode(&doc, &EncodeOptions::default());
        let ours0 = encode(
            &doc,
            &EncodeOptions {
                string_table: false,
            },
        );
        sizes.push_str(&format!("{name}\t{}\t{}\n", ours.len(), ours0.len()));
        let wbxml = libwbxml
            .as_ref()
            .and_then(|l| l.xml2wbxml(xml, true).ok())
            .unwrap_or(ours);
        inputs.push(wbxml);
        if let Some(dir) = &dump {
            std::fs::create_dir_all(dir).expect("OMACP_BENCH_DOCS directory");
            std::fs::write(dir.join(format!("{name}.xml")), xml).expect("write document");
        }
    }
    if let Some(dir) = &dump {
        std::fs::write(dir.join("sizes.tsv"), &sizes).expect("write sizes");
    }
    if libwbxml.is_none() {
        eprintln!("note: xml2wbxml not installed; decode reads our own encoding");
    }

    let mut g = c.benchmark_group("compile");
    let mut encoder = Encoder::new();
    for (name, xml) in &docs {
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                encoder
                    .compile(black_box(xml), &EncodeOptions::default())
                    .expect("compiles")
                    .len()
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("decode");
    let mut decoder = Decoder::new();
    for ((name, _), wbxml) in docs.iter().zip(&inputs) {
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                decoder
                    .to_xml(black_box(wbxml), &DecodeOptions::default())
                    .expect("decodes")
                    .len()
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("model-compile");
    for (name, xml) in &docs {
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                let doc = omacp_doc::xml::parse(black_box(xml)).expect("parses");
                encode(&doc, &EncodeOptions::default())
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("model-decode");
    for ((name, _), wbxml) in docs.iter().zip(&inputs) {
        g.bench_function(name.as_str(), |b| {
            b.iter(|| {
                let d = decode(black_box(wbxml), &DecodeOptions::default()).expect("decodes");
                omacp_doc::xml::to_string(&d.document)
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    // ~140 benchmarks: keep each short; criterion's defaults would take twenty minutes.
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .sample_size(20)
        .configure_from_args()
}

criterion_group! { name = benches; config = config(); targets = codec }
criterion_main!(benches);
