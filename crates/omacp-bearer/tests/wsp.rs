//! WSP push PDU: the worked example of transport.md §3.1 byte for byte, and round trips.

use omacp_bearer::wsp::{ContentType, Header, PushPdu, SignedPushTemplate};
use omacp_sec::{Credentials, Imsi, Mac, MacKey, SecMethod, Verdict};
use omacp_testkit::vectors::EXAMPLE_WBXML;
use proptest::prelude::*;

const HEADER_3_1: &str = "01062F1F2DB69180923139374135413731414543454335344338343430314335453838413533393736324639323346343300";

#[test]
fn transport_3_1_byte_exact() {
    let imsi = Imsi::parse("001010123456789").unwrap();
    let mac = Mac::compute(&MacKey::netwpin(&imsi), &EXAMPLE_WBXML);
    let hex = mac.to_hex();
    let pdu = PushPdu::new(
        0x01,
        ContentType::signed(SecMethod::NetwPin, &hex),
        &EXAMPLE_WBXML,
    );
    let mut out = Vec::new();
    pdu.encode(&mut out);
    assert_eq!(out.len(), 163);
    assert_eq!(pdu.encoded_len(), 163);
    assert_eq!(omacp_wire::hex::encode_upper(&out[..50]), HEADER_3_1);
    assert_eq!(&out[50..], &EXAMPLE_WBXML[..]);

    let back = PushPdu::decode(&out).unwrap();
    assert_eq!(back, pdu);
    assert_eq!(back.body, &EXAMPLE_WBXML[..]);
    let creds = Credentials {
        imsi: Some(&imsi),
        pin: None,
    };
    assert_eq!(
        back.verify(&creds),
        Verdict::Verified {
            method: SecMethod::NetwPin
        }
    );

    let mut t = SignedPushTemplate::new(0x01, SecMethod::NetwPin, &[], &EXAMPLE_WBXML);
    assert_eq!(t.with_mac(&mac), &out[..]);
}

#[test]
fn template_with_headers_matches_the_encoder() {
    let headers = [
        Header::InitiatorUri(b"http://tps.example/prov"),
        Header::PushFlag(1),
    ];
    let mac = Mac::from_bytes([0x5A; 20]);
    let hex = mac.to_hex();
    let mut pdu = PushPdu::new(
        7,
        ContentType::signed(SecMethod::UserNetwPin, &hex),
        &EXAMPLE_WBXML,
    );
    pdu.headers = headers.to_vec();
    let mut want = Vec::new();
    pdu.encode(&mut want);
    let mut t = SignedPushTemplate::new(7, SecMethod::UserNetwPin, &headers, &EXAMPLE_WBXML);
    assert_eq!(t.body(), &EXAMPLE_WBXML[..]);
    assert_eq!(t.with_mac(&mac), &want[..]);
}

proptest! {
    /// Anything that decodes re-encodes to something that decodes to the same model, and
    /// the re-encoding is exactly `encoded_len` bytes.
    #[test]
    fn decode_encode_decode(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(pdu) = PushPdu::decode(&bytes) {
            let mut out = Vec::new();
            pdu.encode(&mut out);
            prop_assert_eq!(out.len(), pdu.encoded_len());
            let again = PushPdu::decode(&out).expect("our own encoding decodes");
            prop_assert_eq!(again, pdu);
        }
    }

    /// Mostly-valid PDUs: a real header prefix followed by random header bytes.
    #[test]
    fn decode_encode_decode_structured(tail in proptest::collection::vec(any::<u8>(), 0..60), body in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut h = vec![0xB6];
        h.extend_from_slice(&tail);
        let mut bytes = vec![0x01, 0x06, h.len() as u8];
        bytes.extend_from_slice(&h);
        bytes.extend_from_slice(&body);
        if let Ok(pdu) = PushPdu::decode(&bytes) {
            prop_assert_eq!(pdu.body, &body[..]);
            let mut out = Vec::new();
            pdu.encode(&mut out);
            prop_assert_eq!(PushPdu::decode(&out).unwrap(), pdu);
        }
    }
}
