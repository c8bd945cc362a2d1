#![no_main]
//! Reassembly under an arbitrary sequence of segments and clock steps: never panics, and the
//! caps on messages and stored octets hold after every input.
use omacp_bearer::reassembly::{Limits, Millis, Outcome, Reassembler};
use omacp_bearer::wdp::Segment;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&head, mut rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_messages: usize::from(head & 0x07) + 1,
        max_parts: (head >> 3) | 1,
        max_bytes: usize::from(head) * 8,
        timeout_ms: 1000,
    };
    let mut re = Reassembler::new(limits);
    let cap_bytes = re.limits().max_bytes;
    let mut now = 0u64;
    // Each input: [time step, originator, length, TP-UD of that length].
    while let [dt, from, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (ud, next) = tail.split_at(len);
        rest = next;
        now += u64::from(*dt) * 16;
        if dt & 0x80 != 0 {
            re.expire(Millis(now));
        }
        let Ok(seg) = Segment::decode(ud) else {
            continue;
        };
        match re.handle(Millis(now), &[*from], &seg) {
            Outcome::Complete(d) => assert!(!d.data.is_empty() || seg.payload.is_empty()),
            Outcome::Stored { have, total } => {
                assert!(have < total && total <= limits.max_parts.max(1))
            }
            _ => {}
        }
        assert!(re.pending() <= limits.max_messages);
        assert!(re.stored_bytes() <= cap_bytes);
        if let Some(t) = re.poll_timeout() {
            assert!(t > Millis(now));
        }
        if from & 1 == 0 {
            while re.poll_dropped().is_some() {}
        }
    }
});
