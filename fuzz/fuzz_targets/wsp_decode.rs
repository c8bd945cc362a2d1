#![no_main]
//! WSP push PDU decoding on arbitrary datagrams: never panics; whatever decodes re-encodes
//! into exactly `encoded_len` bytes that decode to the same model with the same body; and
//! verification of a decoded PDU never panics either.
use omacp_bearer::wsp::PushPdu;
use omacp_sec::Credentials;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(pdu) = PushPdu::decode(data) else {
        return;
    };
    assert!(data.ends_with(pdu.body));
    let mut out = Vec::new();
    pdu.encode(&mut out);
    assert_eq!(out.len(), pdu.encoded_len());
    let again = PushPdu::decode(&out).expect("our own encoding decodes");
    assert_eq!(again, pdu);
    let _ = pdu.verify(&Credentials::default());
});
