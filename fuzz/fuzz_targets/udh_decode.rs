#![no_main]
//! UDH decoding on arbitrary TP-UD: never panics; what decodes accounts for every octet, its
//! IEs re-encode to the same octets, and the interpreted port/concat IEs re-encode to IEs
//! that decode to the same values.
use omacp_bearer::wdp::Segment;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(seg) = Segment::decode(data) else {
        return;
    };
    assert_eq!(seg.udh.encoded_len() + seg.payload.len(), data.len());
    let mut again = vec![0u8];
    for ie in seg.udh.ies() {
        again.push(ie.iei);
        again.push(ie.data.len() as u8);
        again.extend_from_slice(ie.data);
    }
    again[0] = (again.len() - 1) as u8;
    assert_eq!(&again[..], &data[..seg.udh.encoded_len()]);

    let mut ies = vec![0u8];
    if let Some(p) = seg.ports() {
        p.encode(&mut ies);
    }
    if let Some(c) = seg.concat() {
        c.encode(&mut ies);
    }
    ies[0] = (ies.len() - 1) as u8;
    let back = Segment::decode(&ies).expect("re-encoded IEs decode");
    assert_eq!((back.ports(), back.concat()), (seg.ports(), seg.concat()));
});
