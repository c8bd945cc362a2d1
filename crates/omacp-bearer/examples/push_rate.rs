//! Pushes per second without criterion: signed, segmented NETWPIN pushes of one document to
//! 100,000 distinct IMSIs, next to bare HMAC-SHA1 with a fresh 8-byte key per MAC.
//!
//! `cargo run --release -p omacp-bearer --example push_rate [ROUNDS]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac as _};
use omacp_bearer::wdp::{MAX_USER_DATA, Reference, SegmentOptions, Segmenter};
use omacp_bearer::wsp::SignedPushTemplate;
use omacp_sec::{Imsi, Mac, MacKey, SecMethod};
use omacp_testkit::vectors::{CHT_WBXML, EXAMPLE_WBXML};
use sha1::Sha1;

const SUBSCRIBERS: usize = 100_000;
const CHUNK: usize = 1_000;

/// On-CPU time of this thread (Linux `/proc/thread-self/schedstat`), else wall-clock time.
struct Clock(Result<u64, Instant>);

impl Clock {
    fn cpu_ns() -> Option<u64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        s.split_whitespace().next()?.parse().ok()
    }

    fn now() -> Clock {
        Clock(Clock::cpu_ns().ok_or_else(Instant::now))
    }

    fn elapsed(&self) -> Duration {
        match (&self.0, Clock::cpu_ns()) {
            (Ok(start), Some(end)) => Duration::from_nanos(end.saturating_sub(*start)),
            (Err(start), _) => start.elapsed(),
            (Ok(_), None) => Duration::ZERO,
        }
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let imsis: Vec<String> = (0..SUBSCRIBERS)
        .map(|i| format!("00101{:010}", i as u64 * 7919 + 12345))
        .collect();
    let keys: Vec<[u8; 8]> = (0..SUBSCRIBERS as u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes())
        .collect();
    let opts = SegmentOptions::with_reference(Reference::Bits8(0x2A));
    println!(
        "| document | pushes/s (sign+WSP+segment) | bare HMAC-SHA1/s (fresh key) | ratio | SMS/push |"
    );
    println!("|---|---|---|---|---|");
    for (name, doc) in [
        ("113 B (wbxml.md §5)", &EXAMPLE_WBXML[..]),
        ("501 B (CHT)", &CHT_WBXML[..]),
    ] {
        let mut template = SignedPushTemplate::new(0x01, SecMethod::NetwPin, &[], doc);
        let mut buf = [0u8; MAX_USER_DATA];
        let mut sms = 0;
        // Both loops run in alternating chunks of 1,000 so that they share whatever else the
        // machine is doing, and time is on-CPU time where Linux reports it, so the totals are
        // comparable on a busy machine.
        let (mut push_time, mut mac_time) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            for chunk in 0..SUBSCRIBERS / CHUNK {
                let range = chunk * CHUNK..(chunk + 1) * CHUNK;
                let t = Clock::now();
                for imsi in &imsis[range.clone()] {
                    let imsi = Imsi::parse(imsi).expect("valid IMSI");
                    let mac = Mac::compute(&MacKey::netwpin(&imsi), template.body());
                    let pdu = template.with_mac(&mac);
                    let segs = Segmenter::new(pdu, &opts).expect("fits");
                    sms = segs.count();
                    for i in 0..segs.count() {
                        black_box(segs.encode_into(i, &mut buf));
                        black_box(&buf);
                    }
                }
                push_time += t.elapsed();
                let t = Clock::now();
                for k in &keys[range] {
                    let mut h = <Hmac<Sha1> as KeyInit>::new_from_slice(k).expect("any key length");
                    h.update(black_box(doc));
                    black_box(h.finalize().into_bytes());
                }
                mac_time += t.elapsed();
            }
        }
        let n = (rounds * SUBSCRIBERS) as f64;
        let (push_rate, mac_rate) = (n / push_time.as_secs_f64(), n / mac_time.as_secs_f64());
        println!(
            "| {name} | {push_rate:.0} | {mac_rate:.0} | {:.2} | {sms} |",
            mac_rate / push_rate
        );
    }
}
