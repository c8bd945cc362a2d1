//! Signed, segmented pushes per second for one document and 100,000 distinct IMSIs, side by
//! side with bare HMAC-SHA1 over the same bytes under a fresh 8-byte key per MAC.
//!
//! Per push: parse the IMSI, derive its NETWPIN key, HMAC the WBXML, patch the MAC into the
//! pre-encoded WSP PDU, and write every SMS user data (UDH ‖ chunk) into a reused buffer.
//! What does not depend on the IMSI (the WBXML, the header bytes) is prepared once.
//!
//! `cargo bench -p omacp-bearer --bench signed_push`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac as _};
use omacp_bearer::wdp::{MAX_USER_DATA, Reference, SegmentOptions, Segmenter};
use omacp_bearer::wsp::SignedPushTemplate;
use omacp_sec::{Imsi, Mac, MacKey, SecMethod};
use omacp_testkit::vectors::{CHT_WBXML, EXAMPLE_WBXML};
use sha1::Sha1;

const SUBSCRIBERS: usize = 100_000;

/// 100,000 distinct 15-digit IMSIs (MCC 001, MNC 01) as a campaign would read them.
fn imsis() -> Vec<String> {
    (0..SUBSCRIBERS)
        .map(|i| format!("00101{:010}", i as u64 * 7919 + 12345))
        .collect()
}

/// 100,000 distinct 8-byte keys, the same size as an IMSI key.
fn raw_keys() -> Vec<[u8; 8]> {
    (0..SUBSCRIBERS as u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_be_bytes())
        .collect()
}

fn signed_push(
    template: &mut SignedPushTemplate,
    opts: &SegmentOptions,
    imsi: &str,
    buf: &mut [u8; MAX_USER_DATA],
) -> usize {
    let imsi = Imsi::parse(imsi).expect("valid IMSI");
    let mac = Mac::compute(&MacKey::netwpin(&imsi), template.body());
    let pdu = template.with_mac(&mac);
    let segs = Segmenter::new(pdu, opts).expect("fits in 255 SMS");
    let mut total = 0;
    for i in 0..segs.count() {
        total += segs.encode_into(i, buf).expect("segment index in range");
        black_box(&buf);
    }
    total
}

fn bench(c: &mut Criterion) {
    let imsis = imsis();
    let keys = raw_keys();
    let opts = SegmentOptions::with_reference(Reference::Bits8(0x2A));
    for (name, doc) in [("doc113", &EXAMPLE_WBXML[..]), ("doc501", &CHT_WBXML[..])] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        let mut template = SignedPushTemplate::new(0x01, SecMethod::NetwPin, &[], doc);
        let mut buf = [0u8; MAX_USER_DATA];
        let mut i = 0usize;
        g.bench_function("signed_segmented_push", |b| {
            b.iter(|| {
                i = (i + 1) % SUBSCRIBERS;
                black_box(signed_push(&mut template, &opts, &imsis[i], &mut buf))
            })
        });
        let mut j = 0usize;
        g.bench_function("bare_hmac_sha1_fresh_8_byte_key", |b| {
            b.iter(|| {
                j = (j + 1) % SUBSCRIBERS;
                let mut h =
                    <Hmac<Sha1> as KeyInit>::new_from_slice(&keys[j]).expect("any key length");
                h.update(black_box(doc));
                black_box(h.finalize().into_bytes())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
