//! Interop with SMPP implementations no one here wrote:
//! - our ESME against Net::SMPP's example SMSC (`smsc.pl`, Debian `libnet-smpp-perl`);
//! - tshark's SMPP dissector reading a live loopback capture of our ESME ↔ SMSC session.
//!
//! Each test skips (saying why) when its peer is missing; every wait is bounded and the
//! peer processes are killed when the test ends.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener as StdListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use omacp_bearer::wdp::{Reference, SegmentOptions};
use omacp_bearer::wsp::{ContentType, PushPdu};
use omacp_sec::{Credentials, Pin, SecMethod, sign};
use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::{CloseReason, EsmeConfig, Event};
use omacp_smpp::pdu::Sm;
use omacp_smpp::push::{PushSubmit, SmppAddress};
use omacp_testkit::peers::{Scratch, Tshark};
use omacp_testkit::skip;
use omacp_testkit::vectors::SPEC_APPENDIX_WBXML;

const WAIT: Duration = Duration::from_secs(20);

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_listening(port: u16) -> bool {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A USERPIN-signed push of the spec appendix document (473 octets of WBXML: 5 SMS).
fn push_submits(to: &str) -> Vec<Sm> {
    let pin = Pin::parse("1234").unwrap();
    let creds = Credentials {
        imsi: None,
        pin: Some(&pin),
    };
    let mac = sign(SecMethod::UserPin, &creds, &SPEC_APPENDIX_WBXML).unwrap();
    let hex = mac.to_hex();
    let pdu = PushPdu::new(
        1,
        ContentType::signed(SecMethod::UserPin, &hex),
        &SPEC_APPENDIX_WBXML,
    );
    let mut bytes = Vec::new();
    pdu.encode(&mut bytes);
    PushSubmit::new(SmppAddress::source("12345"), to)
        .submits(
            &bytes,
            &SegmentOptions::with_reference(Reference::Bits8(0x42)),
        )
        .unwrap()
}

/// Submits `sms` through a new client and returns the message ids, in key order.
async fn submit_all(addr: String, cfg: EsmeConfig, sms: Vec<Sm>) -> Vec<String> {
    let n = sms.len();
    let (client, mut events) = Client::start(addr, cfg, Reconnect::default()).unwrap();
    for (i, sm) in sms.into_iter().enumerate() {
        client.submit(i as u64, sm).unwrap();
    }
    let mut ids = vec![String::new(); n];
    let mut got = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    while got < n {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(ClientEvent::Session(Event::Accepted { key, message_id }))) => {
                ids[key as usize] = message_id;
                got += 1;
            }
            Ok(Some(ClientEvent::Session(Event::Failed { key, status, .. }))) => {
                panic!("segment {key} failed: {status}")
            }
            Ok(Some(ClientEvent::Session(Event::Closed { reason, .. }))) => {
                assert!(!matches!(reason, CloseReason::BindRefused(_)), "{reason:?}")
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("only {got} of {n} accepted in time"),
        }
    }
    client.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(e) = events.recv().await {
            if e == ClientEvent::Stopped {
                break;
            }
        }
    })
    .await;
    ids
}

#[tokio::test]
async fn our_esme_against_net_smpp_smsc() {
    let script = PathBuf::from("/usr/share/doc/libnet-smpp-perl/examples/smsc.pl");
    if !script.is_file() || Command::new("perl").arg("-v").output().is_err() {
        skip!("Net::SMPP's smsc.pl is not installed (Debian libnet-smpp-perl)");
    }
    // The example listens on a fixed port; run a copy that listens on a free one.
    let dir = Scratch::new("netsmpp");
    let port = free_port();
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("$port = 9900;"), "smsc.pl changed shape");
    let copy = dir.path("smsc.pl");
    std::fs::write(
        &copy,
        text.replace("$port = 9900;", &format!("$port = {port};")),
    )
    .unwrap();
    let mut child = Command::new("perl")
        .arg(&copy)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("perl");
    let out = child.stdout.take().unwrap();
    let _peer = Kill(child);
    assert!(wait_listening(port), "smsc.pl did not listen");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });

    let sms = push_submits("358401234567");
    let n = sms.len();
    assert_eq!(n, 5);
    for kind in [
        omacp_smpp::pdu::BindKind::Transmitter,
        omacp_smpp::pdu::BindKind::Transceiver,
    ] {
        let mut cfg = EsmeConfig::new("omacp", "secret");
        cfg.bind = kind;
        cfg.window = 3;
        let ids = submit_all(format!("127.0.0.1:{port}"), cfg, sms.clone()).await;
        // smsc.pl answers every submit_sm with the same id.
        assert_eq!(ids, vec!["123456789".to_string(); n]);
    }
    // What the Perl SMSC says it received: per connection a bind, 5 submit_sm, an unbind.
    let mut lines = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_millis(500)) {
        lines.push(l);
    }
    let count = |c: &str| lines.iter().filter(|l| l.ends_with(c)).count();
    assert_eq!(count(":submit_sm"), 2 * n, "{lines:#?}");
    assert_eq!(count(":bind_transmitter"), 1, "{lines:#?}");
    assert_eq!(count(":bind_transceiver"), 1, "{lines:#?}");
    assert_eq!(count(":unbind"), 2, "{lines:#?}");
}

#[tokio::test]
async fn tshark_dissects_a_live_capture_of_our_session() {
    let Some(tshark) = Tshark::find() else {
        skip!("tshark is not installed");
    };
    let dir = Scratch::new("smppcap");
    let cap = dir.path("smpp.pcapng");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut cmd = Command::new("tshark");
    cmd.args(["-i", "lo", "-f", &format!("tcp port {port}"), "-w"])
        .arg(&cap)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let Ok(mut child) = cmd.spawn() else {
        skip!("tshark could not be started");
    };
    let err = child.stderr.take().unwrap();
    let capture = Kill(child);
    // tshark logs "Capture started" once it is ready; a failure (no permission to capture)
    // ends stderr without it.
    let ready = {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(err);
            let mut l = String::new();
            while r.read_line(&mut l).map(|n| n > 0).unwrap_or(false) {
                // "Capture started" follows "Capturing on" once packets are really taken.
                if l.contains("Capture started") {
                    let _ = tx.send(true);
                }
                l.clear();
            }
            let _ = tx.send(false);
        });
        rx.recv_timeout(WAIT).unwrap_or(false)
    };
    // Some tshark builds print the line slightly before the filter is attached.
    tokio::time::sleep(Duration::from_millis(300)).await;
    if !ready {
        skip!("tshark cannot capture on lo here (needs root or capture rights)");
    }

    let (h, _sink) =
        omacp_smpp::server::start(listener, omacp_smpp::smsc::SmscConfig::new("sim", vec![]))
            .unwrap();
    let sms = push_submits("358401234567");
    let n = sms.len();
    let ids = submit_all(
        h.local_addr().to_string(),
        EsmeConfig::new("omacp", "pw"),
        sms,
    )
    .await;
    assert_eq!(ids.len(), n);
    // Let the last segments reach the capture file, then stop tshark.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = Command::new("kill")
        .args(["-INT", &capture.0.id().to_string()])
        .status();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    drop(capture);

    let decode = format!("tcp.port=={port},smpp");
    let ops = tshark
        .read(
            &cap,
            &[
                "-d",
                &decode,
                "-Y",
                "smpp",
                "-T",
                "fields",
                "-e",
                "smpp.command_id",
            ],
        )
        .expect("tshark reads the capture");
    let ops: Vec<&str> = ops.lines().flat_map(|l| l.split(',')).collect();
    let count = |id: &str| ops.iter().filter(|o| **o == id).count();
    assert_eq!(count("0x00000009"), 1, "bind_transceiver: {ops:?}");
    assert_eq!(count("0x80000009"), 1, "bind_transceiver_resp: {ops:?}");
    assert_eq!(count("0x00000004"), n, "submit_sm: {ops:?}");
    assert_eq!(count("0x80000004"), n, "submit_sm_resp: {ops:?}");
    assert_eq!(count("0x00000006"), 1, "unbind: {ops:?}");
    // Every submit_sm as Wireshark reads it: UDHI set, 8-bit data, receipt requested, and
    // a UDH addressed to the WAP push port.
    let rows = tshark
        .read(
            &cap,
            &[
                "-d",
                &decode,
                "-Y",
                "smpp.command_id == 0x00000004",
                "-T",
                "fields",
                "-E",
                "occurrence=a",
                "-e",
                "smpp.esm.submit.features",
                "-e",
                "smpp.data_coding",
                "-e",
                "smpp.regdel.receipt",
                "-e",
                "gsm_sms.destination_port",
                "-e",
                "smpp.destination_addr",
            ],
        )
        .unwrap();
    // Several submit_sm may share one TCP segment: gather every occurrence per column.
    let mut cols: Vec<Vec<&str>> = vec![Vec::new(); 5];
    for l in rows.lines() {
        for (c, f) in l.split('\t').enumerate().take(5) {
            cols[c].extend(f.split(',').filter(|v| !v.is_empty()));
        }
    }
    let expect = ["0x01", "0x04", "0x01", "2948", "358401234567"];
    for (c, want) in expect.iter().enumerate() {
        assert_eq!(cols[c], vec![*want; n], "column {c}: {rows}");
    }
    let verbose = tshark.read(&cap, &["-d", &decode, "-V"]).unwrap();
    assert_eq!(verbose.matches("Malformed").count(), 0, "{verbose}");
}
