//! Wireshark interop: captures written by `omacp_bearer::pcap` must dissect down to the
//! provisioning document, through UDP port 2948 and through SMS TPDUs that Wireshark's
//! `gsm_sms` dissector reassembles itself. Wireshark 4.0 needs no `-o` preference for this:
//! `gsm_sms.reassemble` is on by default and WSP is registered on UDH port 2948.
//!
//! The push is built from transport.md §3.1's literal header bytes and the testkit's
//! documents, so this test does not depend on the WSP encoder.

use omacp_bearer::pcap::{self, Payload, UdpFlow};
use omacp_bearer::reassembly::{Limits, Millis, Outcome, Reassembler};
use omacp_bearer::sms::{Address, Dcs, Deliver, Submit, Timestamp, Tpdu, UserData};
use omacp_bearer::wdp::{self, Reference, Segment, SegmentOptions};
use omacp_testkit::peers::{Scratch, Tshark};
use omacp_testkit::{skip, vectors};
use omacp_wire::hex;

/// transport.md §3.1: TID, Push, HeadersLen 47, Content-Type with SEC=NETWPIN and MAC.
const PUSH_HEADER: &str = "01062F1F2DB69180923139374135413731414543454335344338343430314335453838413533393736324639323346343300";

const MAC: &str = "197A5A71AECEC54C84401C5E88A539762F923F43";

/// The §3.1 push of wbxml.md §5's 113-byte document: 163 octets, two SMS.
fn push() -> Vec<u8> {
    let mut p = hex::decode(PUSH_HEADER).unwrap();
    p.extend_from_slice(&vectors::EXAMPLE_WBXML);
    assert_eq!(p.len(), 163);
    p
}

/// The same headers in front of the 473-byte ProvCont specification example: 523 octets, five
/// SMS. The MAC does not cover this document, which Wireshark does not check.
fn long_push() -> Vec<u8> {
    let mut p = hex::decode(PUSH_HEADER).unwrap();
    p.extend_from_slice(&vectors::SPEC_APPENDIX_WBXML);
    p
}

fn scts() -> Timestamp {
    Timestamp {
        year: 24,
        month: 1,
        day: 2,
        hour: 3,
        minute: 4,
        second: 5,
        tz_quarters: 0,
    }
}

fn delivers(push: &[u8], opts: &SegmentOptions) -> Vec<Vec<u8>> {
    wdp::segment(push, opts)
        .unwrap()
        .iter()
        .map(|ud| {
            let mut out = Vec::new();
            let oa = Address::international("+358401234567").unwrap();
            Deliver::binary(
                oa,
                Dcs::BINARY_CLASS1,
                scts(),
                UserData::binary(ud).unwrap(),
            )
            .encode(&mut out);
            out
        })
        .collect()
}

fn submits(push: &[u8], opts: &SegmentOptions) -> Vec<Vec<u8>> {
    wdp::segment(push, opts)
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, ud)| {
            let mut out = Vec::new();
            let da = Address::international("358401234567").unwrap();
            Submit::binary(da, i as u8, Dcs::BINARY, UserData::binary(ud).unwrap())
                .encode(&mut out);
            out
        })
        .collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn dissect(tshark: &Tshark, name: &str, file: &[u8]) -> String {
    let dir = Scratch::new("bearer-tshark");
    let path = dir.path(name);
    std::fs::write(&path, file).unwrap();
    tshark
        .read(&path, &["-V", "-O", "gsm_sms,wsp,wbxml"])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_shows_push(out: &str, mac: Option<&str>, last_value: &str) {
    assert!(
        out.contains("PDU Type: Push (0x06)"),
        "no WSP push in:\n{out}"
    );
    assert!(
        out.contains("application/vnd.wap.connectivity-wbxml"),
        "no CP content type:\n{out}"
    );
    assert!(out.contains("SEC: NETWPIN (0x00)"), "no SEC:\n{out}");
    if let Some(mac) = mac {
        assert!(out.contains(&format!("MAC: {mac}")), "no MAC:\n{out}");
    }
    assert!(
        out.contains("-//WAPFORUM//DTD PROV 1.0//EN"),
        "no PROV public id:\n{out}"
    );
    assert!(out.contains("<wap-provisioningdoc"), "no document:\n{out}");
    assert!(out.contains("type='NAPDEF'"), "no NAPDEF:\n{out}");
    assert!(
        out.contains(last_value),
        "document not dissected to the end:\n{out}"
    );
}

#[test]
fn udp_capture_dissects_to_the_document() {
    let Some(tshark) = Tshark::find() else {
        skip!("tshark not installed")
    };
    let file = pcap::udp_capture(&[&push()], &UdpFlow::default()).unwrap();
    let out = dissect(&tshark, "udp.pcap", &file);
    assert!(out.contains("Dst Port: 2948"), "{out}");
    assert_shows_push(&out, Some(MAC), "'http://a.b/'");
}

#[test]
fn sms_deliver_capture_is_reassembled_by_wireshark() {
    let Some(tshark) = Tshark::find() else {
        skip!("tshark not installed")
    };
    let tpdus = delivers(
        &push(),
        &SegmentOptions::with_reference(Reference::Bits8(0x2A)),
    );
    assert_eq!(tpdus.len(), 2);
    let out = dissect(
        &tshark,
        "deliver.pcap",
        &pcap::sms_capture(&refs(&tpdus)).unwrap(),
    );
    assert!(out.contains("SMS-DELIVER"), "{out}");
    assert!(
        out.contains("Reassembled Short Message length: 163"),
        "not reassembled:\n{out}"
    );
    assert_shows_push(&out, Some(MAC), "'http://a.b/'");
}

#[test]
fn sms_submit_capture_with_16_bit_reference_and_parts_out_of_order() {
    let Some(tshark) = Tshark::find() else {
        skip!("tshark not installed")
    };
    let p = long_push();
    let opts = SegmentOptions::with_reference(Reference::Bits16(0xBEEF));
    let mut tpdus = submits(&p, &opts);
    assert!(tpdus.len() >= 3, "{} segments", tpdus.len());
    tpdus.reverse();
    let out = dissect(
        &tshark,
        "submit.pcap",
        &pcap::sms_capture(&refs(&tpdus)).unwrap(),
    );
    assert!(out.contains("SMS-SUBMIT"), "{out}");
    assert!(
        !out.contains("SMS-SUBMIT REPORT"),
        "direction tag not honoured:\n{out}"
    );
    assert!(
        out.contains(&format!("Reassembled Short Message length: {}", p.len())),
        "not reassembled:\n{out}"
    );
    assert_shows_push(&out, None, "'228'");
    assert!(out.contains("type='PXLOGICAL'"), "{out}");
}

/// What `omacp inspect` does with a capture: read it back with our own reader, decode the
/// TPDUs and segments, reassemble, and get the push back.
#[test]
fn our_reader_reassembles_what_we_wrote() {
    let p = long_push();
    for tpdus in [
        delivers(&p, &SegmentOptions::default()),
        submits(&p, &SegmentOptions::with_reference(Reference::Bits16(7))),
    ] {
        let file = pcap::sms_capture(&refs(&tpdus)).unwrap();
        let cap = pcap::read(&file, 1000).unwrap();
        let mut re = Reassembler::new(Limits::HANDSET);
        let mut done = None;
        for (i, rec) in cap.records.iter().enumerate() {
            let Payload::Exported {
                dissector: "gsm_sms",
                data,
                ..
            } = rec.payload(cap.linktype).unwrap()
            else {
                panic!("not an exported gsm_sms PDU")
            };
            let tpdu = Tpdu::decode(data).unwrap();
            assert!(tpdu.udhi());
            let seg = Segment::decode(tpdu.user_data().octets()).unwrap();
            if let Outcome::Complete(d) = re.handle(Millis(i as u64), b"358401234567", &seg) {
                done = Some(d.data);
            }
        }
        assert_eq!(done.as_deref(), Some(&p[..]));
    }
    let file = pcap::udp_capture(&[&push()], &UdpFlow::default()).unwrap();
    let cap = pcap::read(&file, 10).unwrap();
    let Payload::Udp { flow, data } = cap.records[0].payload(cap.linktype).unwrap() else {
        panic!()
    };
    assert_eq!((flow.dst_port, data), (2948, &push()[..]));
}
