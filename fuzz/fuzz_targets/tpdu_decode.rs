#![no_main]
//! SMS-DELIVER / SMS-SUBMIT decoding on arbitrary bytes: never panics, and whatever decodes
//! re-encodes to a TPDU that decodes to the same value.
use omacp_bearer::sms::{Deliver, Submit, Tpdu};
use omacp_bearer::wdp::Segment;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = Deliver::decode(data);
    let _ = Submit::decode(data);
    let Ok(t) = Tpdu::decode(data) else { return };
    let mut out = Vec::new();
    t.encode(&mut out);
    assert_eq!(Tpdu::decode(&out).expect("re-encoded TPDU decodes"), t);
    if t.udhi() {
        let _ = Segment::decode(t.user_data().octets());
        let _ = t.user_data().septets(true);
    }
});
