use super::*;
use crate::error::PduError;
use crate::tlv::{Tlv, tag};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// enquire_link, sequence 7: the 16-octet header alone.
#[test]
fn enquire_link_literal() {
    let bytes = hex("00000010 00000015 00000000 00000007");
    let p = Pdu::decode(&bytes, DEFAULT_MAX_PDU).unwrap();
    assert_eq!(p, Pdu::new(7, Body::EnquireLink));
    assert_eq!(p.to_bytes(), bytes);
}

/// A bind_transmitter as written by hand from §4.1.1.
#[test]
fn bind_transmitter_literal() {
    let bytes =
        hex("00000022 00000002 00000000 00000001 6F6D61637000 73656372657400 00 34 01 01 00");
    let p = Pdu::decode(&bytes, DEFAULT_MAX_PDU).unwrap();
    let Body::Bind(BindKind::Transmitter, b) = &p.body else {
        panic!("{p:?}")
    };
    assert_eq!(b.system_id, "omacp");
    assert_eq!(b.password.0, "secret");
    assert_eq!(b.interface_version, 0x34);
    assert!(!format!("{p:?}").contains("secret"));
    assert_eq!(p.to_bytes(), bytes);
}

/// submit_sm_resp with an error and no body (allowed by §4.4.2).
#[test]
fn empty_error_response() {
    let bytes = hex("00000010 80000004 00000058 00000003");
    let p = Pdu::decode(&bytes, DEFAULT_MAX_PDU).unwrap();
    assert_eq!(p.status, Status::THROTTLED);
    assert!(matches!(p.body, Body::SubmitSmResp(ref r) if r.message_id.is_empty()));
}

#[test]
fn errors_carry_offsets() {
    let max = DEFAULT_MAX_PDU;
    // Length below the header.
    let e = Pdu::decode(&hex("0000000F 00000015 00000000 000000"), max).unwrap_err();
    assert_eq!(e.kind, crate::error::PduErrorKind::LengthTooSmall(15));
    // Too large: refused from the first four octets.
    let e = frame_len(&hex("7FFFFFFF"), max).unwrap_err();
    assert!(matches!(
        e.kind,
        crate::error::PduErrorKind::LengthTooLarge { .. }
    ));
    // Unknown command.
    let e = Pdu::decode(&hex("00000010 00000077 00000000 00000001"), max).unwrap_err();
    assert_eq!(e.offset, 4);
    // system_id without NUL within 16 octets.
    let mut b = hex("00000000 00000002 00000000 00000001");
    b.extend_from_slice(&[b'a'; 20]);
    b.extend_from_slice(&[0, 0, 0, 0x34, 0, 0, 0]);
    let n = b.len() as u32;
    b[..4].copy_from_slice(&n.to_be_bytes());
    let e = Pdu::decode(&b, max).unwrap_err();
    assert_eq!(e.offset, 16);
    assert!(matches!(
        e.kind,
        crate::error::PduErrorKind::Unterminated {
            field: "system_id",
            ..
        }
    ));
    // sm_length past the end.
    let mut sm = Pdu::new(
        1,
        Body::SubmitSm(Box::new(Sm {
            short_message: vec![1, 2, 3],
            ..Sm::default()
        })),
    )
    .to_bytes();
    let sm_len_at = sm.len() - 4;
    sm[sm_len_at] = 9;
    let e = Pdu::decode(&sm, max).unwrap_err();
    assert_eq!(e.offset, sm_len_at);
    // Trailing octets after a body without TLVs.
    let mut t = Pdu::new(1, Body::EnquireLink).to_bytes();
    t.push(0);
    t[3] = 17;
    let e = Pdu::decode(&t, max).unwrap_err();
    assert_eq!(
        e,
        PduError::at(16, crate::error::PduErrorKind::TrailingData(1))
    );
}

#[test]
fn frame_decoder_splits_a_stream() {
    let mut stream = Pdu::new(1, Body::EnquireLink).to_bytes();
    Pdu::new(2, Body::EnquireLinkResp).encode(&mut stream);
    let mut d = FrameDecoder::new(DEFAULT_MAX_PDU);
    let mut got = Vec::new();
    for b in &stream {
        d.feed(&[*b]);
        while let Some(p) = d.next_pdu().unwrap() {
            got.push(p.sequence);
        }
    }
    assert_eq!(got, [1, 2]);
    assert_eq!(d.buffered(), 0);
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn tlvs() -> impl Strategy<Value = Tlvs> {
    prop::collection::vec(
        prop_oneof![
            (0x1400u16..0x14FF, prop::collection::vec(any::<u8>(), 0..20))
                .prop_map(|(tag, value)| Tlv { tag, value }),
            any::<u8>().prop_map(|v| Tlv {
                tag: tag::MESSAGE_STATE,
                value: vec![v]
            }),
            text(20).prop_map(|s| {
                let mut value = s.into_bytes();
                value.push(0);
                Tlv {
                    tag: tag::RECEIPTED_MESSAGE_ID,
                    value,
                }
            }),
        ],
        0..4,
    )
    .prop_map(Tlvs)
}

fn sm() -> impl Strategy<Value = Sm> {
    (
        (
            text(5),
            any::<[u8; 2]>(),
            text(20),
            any::<[u8; 2]>(),
            text(20),
        ),
        (any::<[u8; 3]>(), text(16), text(16), any::<[u8; 4]>()),
        prop::collection::vec(any::<u8>(), 0..=254),
        tlvs(),
    )
        .prop_map(|((st, s, sa, d, da), (e, sched, val, f), msg, tlvs)| Sm {
            service_type: st,
            source_addr_ton: s[0],
            source_addr_npi: s[1],
            source_addr: sa,
            dest_addr_ton: d[0],
            dest_addr_npi: d[1],
            destination_addr: da,
            esm_class: e[0],
            protocol_id: e[1],
            priority_flag: e[2],
            schedule_delivery_time: sched,
            validity_period: val,
            registered_delivery: f[0],
            replace_if_present_flag: f[1],
            data_coding: f[2],
            sm_default_msg_id: f[3],
            short_message: msg,
            tlvs,
        })
}

fn bind_kind() -> impl Strategy<Value = BindKind> {
    prop_oneof![
        Just(BindKind::Transmitter),
        Just(BindKind::Receiver),
        Just(BindKind::Transceiver)
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::GenericNack),
        Just(Body::Unbind),
        Just(Body::UnbindResp),
        Just(Body::EnquireLink),
        Just(Body::EnquireLinkResp),
        (
            bind_kind(),
            text(15),
            text(8),
            text(12),
            any::<[u8; 3]>(),
            text(40)
        )
            .prop_map(|(k, id, pw, st, b, ar)| Body::Bind(
                k,
                Bind {
                    system_id: id,
                    password: Password(pw),
                    system_type: st,
                    interface_version: b[0],
                    addr_ton: b[1],
                    addr_npi: b[2],
                    address_range: ar,
                }
            )),
        (bind_kind(), text(15), tlvs())
            .prop_map(|(k, system_id, tlvs)| Body::BindResp(k, BindResp { system_id, tlvs })),
        (text(15), text(8)).prop_map(|(system_id, pw)| Body::Outbind(Outbind {
            system_id,
            password: Password(pw)
        })),
        sm().prop_map(|s| Body::SubmitSm(Box::new(s))),
        sm().prop_map(|s| Body::DeliverSm(Box::new(s))),
        text(64).prop_map(|message_id| Body::SubmitSmResp(MessageIdResp {
            message_id,
            tlvs: Tlvs::default()
        })),
        text(64).prop_map(|message_id| Body::DeliverSmResp(MessageIdResp {
            message_id,
            tlvs: Tlvs::default()
        })),
        (sm(), text(64), text(64)).prop_map(|(s, sa, da)| Body::DataSm(Box::new(DataSm {
            service_type: s.service_type,
            source_addr_ton: s.source_addr_ton,
            source_addr_npi: s.source_addr_npi,
            source_addr: sa,
            dest_addr_ton: s.dest_addr_ton,
            dest_addr_npi: s.dest_addr_npi,
            destination_addr: da,
            esm_class: s.esm_class,
            registered_delivery: s.registered_delivery,
            data_coding: s.data_coding,
            tlvs: s.tlvs,
        }))),
        (text(64), tlvs())
            .prop_map(|(message_id, tlvs)| Body::DataSmResp(MessageIdResp { message_id, tlvs })),
    ]
}

proptest! {
    /// Every PDU kind: encode → decode gives the same value, and re-encodes to the same bytes.
    #[test]
    fn round_trip(b in body(), seq in any::<u32>(), status in any::<u32>()) {
        // Requests carry status 0 (§3.2); responses may carry any.
        let status = if b.is_response() { Status(status) } else { Status::OK };
        let p = Pdu { status, sequence: seq, body: b };
        let bytes = p.to_bytes();
        prop_assert_eq!(frame_len(&bytes, DEFAULT_MAX_PDU).unwrap(), Some(bytes.len()));
        let back = Pdu::decode(&bytes, DEFAULT_MAX_PDU).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    /// Arbitrary input never panics; a success re-encodes to the same octets.
    #[test]
    fn arbitrary_input(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = Pdu::decode(&bytes, DEFAULT_MAX_PDU) {
            let again = p.to_bytes();
            let back = Pdu::decode(&again, DEFAULT_MAX_PDU).unwrap();
            prop_assert_eq!(back, p);
        }
    }
}
