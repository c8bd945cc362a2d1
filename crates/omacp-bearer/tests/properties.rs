//! Property tests for the SMS bearer: segmentation and reassembly are inverse under shuffling
//! and duplication, reassembly stays inside its caps whatever arrives, and no decoder panics
//! on arbitrary bytes.

use omacp_bearer::pcap;
use omacp_bearer::reassembly::{Limits, Millis, Outcome, Reassembler};
use omacp_bearer::sms::{
    Address, Dcs, Deliver, EnhancedValidity, Submit, Timestamp, Tpdu, UserData, Validity,
};
use omacp_bearer::wdp::{
    self, Concat, MAX_USER_DATA, Ports, Reference, Segment, SegmentOptions, Segmenter, Udh, Width,
};
use proptest::prelude::*;

fn reference() -> impl Strategy<Value = Reference> {
    prop_oneof![
        any::<u8>().prop_map(Reference::Bits8),
        any::<u16>().prop_map(Reference::Bits16)
    ]
}

/// A datagram length up to the 255-segment limit for the chosen reference width.
fn datagram_and_reference() -> impl Strategy<Value = (Vec<u8>, Reference)> {
    reference().prop_flat_map(|r| {
        let max = match r {
            Reference::Bits8(_) => 255 * 128usize,
            Reference::Bits16(_) => 255 * 127,
        };
        // Mostly small datagrams, sometimes right up to the limit.
        let len = prop_oneof![4 => 0..600usize, 1 => 0..=max, 1 => (max - 200)..=max];
        (
            len.prop_flat_map(|n| proptest::collection::vec(any::<u8>(), n)),
            Just(r),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn segment_shuffle_duplicate_reassemble_is_identity(
        (datagram, reference) in datagram_and_reference(),
        seed in any::<u64>(),
        dst in any::<u16>(),
        src in any::<u16>(),
    ) {
        let opts = SegmentOptions { dst_port: dst, src_port: src, reference };
        let segs = wdp::segment(&datagram, &opts).unwrap();
        prop_assert!(segs.len() <= 255);
        prop_assert!(segs.iter().all(|s| s.len() <= MAX_USER_DATA));
        // Fewest segments: every segment but the last is full.
        prop_assert!(segs[..segs.len() - 1].iter().all(|s| s.len() == MAX_USER_DATA));

        // Zero-allocation path writes the same octets.
        let s = Segmenter::new(&datagram, &opts).unwrap();
        let mut buf = [0u8; MAX_USER_DATA];
        for (i, seg) in segs.iter().enumerate() {
            let n = s.encode_into(i, &mut buf).unwrap();
            prop_assert_eq!(&buf[..n], &seg[..]);
        }

        // Shuffle, and resend some parts, deterministically from `seed`.
        let mut order: Vec<usize> = (0..segs.len()).collect();
        let mut x = seed | 1;
        let mut next = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
        for i in (1..order.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let dups: Vec<usize> = order.iter().copied().filter(|_| next() % 4 == 0).collect();
        let mut feed = order.clone();
        for d in dups {
            let at = (next() % (feed.len() as u64)) as usize;
            feed.insert(at, d);
        }

        let mut re = Reassembler::new(Limits::HANDSET);
        let mut got = None;
        for (t, &i) in feed.iter().enumerate() {
            let seg = Segment::decode(&segs[i]).unwrap();
            prop_assert_eq!(seg.ports(), Some(Ports::new(dst, src)));
            match re.handle(Millis(t as u64), b"+358401234567", &seg) {
                // Resent parts after completion start a new set (documented), which may
                // complete again: every completion must be the datagram.
                Outcome::Complete(d) => {
                    prop_assert_eq!(d.ports, Some(Ports::new(dst, src)));
                    prop_assert_eq!(&d.data, &datagram);
                    got = Some(d.data);
                }
                Outcome::Stored { .. } | Outcome::Duplicate => {}
                o => prop_assert!(false, "unexpected {:?}", o),
            }
        }
        prop_assert_eq!(got, Some(datagram));
    }

    #[test]
    fn reassembly_stays_within_caps(
        max_messages in 1usize..6,
        max_parts in 1u8..8,
        max_bytes in 0usize..1200,
        timeout_ms in 1u64..500,
        ops in proptest::collection::vec(
            (0u8..3, 0u16..4, prop::bool::ANY, 1u8..9, 1u8..10, 0usize..140, 0u64..100, any::<u8>()),
            1..300,
        ),
    ) {
        let limits = Limits { max_messages, max_parts, max_bytes, timeout_ms };
        let mut re = Reassembler::new(limits);
        let cap_bytes = re.limits().max_bytes;
        let mut now = 0u64;
        for (from, reference, wide, total, seq, len, dt, fill) in ops {
            now += dt;
            let payload = vec![fill; len];
            let concat = Concat {
                reference,
                total,
                seq: seq.min(total),
                width: if wide { Width::Bits16 } else { Width::Bits8 },
            };
            let mut ud = vec![0u8];
            Ports::new(2948, 9200).encode(&mut ud);
            concat.encode(&mut ud);
            ud[0] = (ud.len() - 1) as u8;
            ud.extend_from_slice(&payload[..len.min(MAX_USER_DATA - ud.len())]);
            let seg = Segment::decode(&ud).unwrap();
            let _ = re.handle(Millis(now), &[b'a' + from], &seg);
            prop_assert!(re.pending() <= max_messages);
            prop_assert!(re.stored_bytes() <= cap_bytes);
            if let Some(t) = re.poll_timeout() {
                prop_assert!(t.0 > now);
            }
            while re.poll_dropped().is_some() {}
        }
        re.expire(Millis(now + timeout_ms));
        prop_assert_eq!(re.pending(), 0);
        prop_assert_eq!(re.stored_bytes(), 0);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(seg) = Segment::decode(&bytes) {
            prop_assert!(seg.udh.encoded_len() + seg.payload.len() == bytes.len());
            prop_assert_eq!(seg.udh.ies().map(|ie| 2 + ie.data.len()).sum::<usize>() + 1, seg.udh.encoded_len());
        }
        let _ = Udh::decode(&bytes);
        if let Ok(t) = Tpdu::decode(&bytes) {
            let mut out = Vec::new();
            t.encode(&mut out);
            prop_assert_eq!(Tpdu::decode(&out).unwrap(), t);
        }
        let _ = Deliver::decode(&bytes);
        let _ = Submit::decode(&bytes);
        if let Ok(cap) = pcap::read(&bytes, 100) {
            for r in &cap.records {
                for lt in [pcap::LINKTYPE_IPV4, pcap::LINKTYPE_WIRESHARK_UPPER_PDU, cap.linktype] {
                    let _ = r.payload(lt);
                }
            }
        }
    }

    #[test]
    fn tpdus_round_trip(
        digits in "[0-9*#abc]{0,20}",
        alpha in "[A-Za-z0-9 @$]{1,11}",
        use_alpha in prop::bool::ANY,
        ud in proptest::collection::vec(any::<u8>(), 0..=140),
        flags in any::<u8>(),
        mr in any::<u8>(),
        pid in any::<u8>(),
        dcs in prop_oneof![Just(0x04u8), Just(0xF5), Just(0x16), Just(0xF6)],
        ts in (0u8..100, 1u8..13, 1u8..32, 0u8..24, 0u8..60, 0u8..60, -79i8..80),
        vp in 0u8..4,
        vp_byte in any::<u8>(),
    ) {
        let addr = if use_alpha { Address::alphanumeric(&alpha) } else { Address::unknown(&digits) }.unwrap();
        let scts = Timestamp { year: ts.0, month: ts.1, day: ts.2, hour: ts.3, minute: ts.4, second: ts.5, tz_quarters: ts.6 };
        let udata = UserData::binary(&ud).unwrap();
        let mut d = Deliver::binary(addr.clone(), Dcs(dcs), scts, udata);
        d.udhi = false;
        d.pid = pid;
        d.no_more_messages = flags & 1 != 0;
        d.loop_prevention = flags & 2 != 0;
        d.status_report_indication = flags & 4 != 0;
        d.reply_path = flags & 8 != 0;
        let mut out = Vec::new();
        d.encode(&mut out);
        prop_assert_eq!(out.len(), d.encoded_len());
        prop_assert_eq!(Deliver::decode(&out).unwrap(), d);

        let mut s = Submit::binary(addr, mr, Dcs(dcs), udata);
        s.udhi = false;
        s.reject_duplicates = flags & 16 != 0;
        s.status_report_request = flags & 32 != 0;
        s.validity = match vp {
            0 => Validity::None,
            1 => Validity::Relative(vp_byte),
            2 => Validity::Absolute(scts),
            _ => Validity::Enhanced(EnhancedValidity([vp_byte, 1, 2, 3, 4, 5, 6])),
        };
        let mut out = Vec::new();
        s.encode(&mut out);
        prop_assert_eq!(out.len(), s.encoded_len());
        prop_assert_eq!(Submit::decode(&out).unwrap(), s);
    }
}
