//! Kannel 1.4.5's bearerbox as an ESME against our sandbox SMSC: `sendota` (smsbox) builds
//! a USERPIN-signed CP push, bearerbox binds to our SMSC over SMPP 3.4 and submits the
//! segments, the virtual handset applies them, and our delivery receipts go back to
//! Kannel. The segments as received are then checked with `omacp inspect`.
//!
//! Skips when Kannel is not installed (runner: omacp-testkit's `KannelGateway`). Everything binds 127.0.0.1 on free ports, every
//! wait is bounded, and the Kannel processes are killed when the test ends.

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use omacp_sandbox::{HandsetSpec, Happened, Sandbox};
use omacp_smpp::pdu::Password;
use omacp_smpp::smsc::{Account, SmscConfig};
use omacp_testkit::peers::{KannelGateway, Scratch};
use omacp_testkit::skip;
use omacp_testkit::vectors::EXAMPLE_XML;

const WAIT: Duration = Duration::from_secs(30);
const MSISDN: &str = "358401234567";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kannel_bearerbox_submits_to_our_sandbox_smsc() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg = SmscConfig::new(
        "omacp-sandbox",
        vec![Account {
            system_id: "kannel".into(),
            password: Password("kpw".into()),
        }],
    );
    let handset = HandsetSpec {
        msisdn: MSISDN.into(),
        imsi: "001010123456789".into(),
        pin: Some("1234".into()),
    };
    let sb = Sandbox::start(listener, cfg, &[handset]).unwrap();
    let dir = Scratch::new("kannel-smpp");
    let Some(kannel) = KannelGateway::start(port, "kannel", "kpw") else {
        skip!("Kannel bearerbox/smsbox not installed");
    };
    let kannel = std::sync::Arc::new(kannel);
    let stats = sb.smsc().stats();
    let end = Instant::now() + WAIT;
    while stats.binds.load(Ordering::Relaxed) == 0 {
        assert!(Instant::now() < end, "bearerbox never bound to our SMSC");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // smsbox opens its HTTP port a moment before it is connected to bearerbox; until then
    // it closes requests without an answer.
    let k = kannel.clone();
    let resp = tokio::task::spawn_blocking(move || {
        let mut resp = String::new();
        for _ in 0..40 {
            resp = k
                .sendota(MSISDN, "USERPIN", "1234", EXAMPLE_XML)
                .unwrap_or_default();
            if !resp.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        resp
    })
    .await
    .unwrap();
    assert!(resp.contains("Accepted"), "sendota refused: {resp}");

    // The handset applies the document, and both receipts are acknowledged by Kannel.
    let end = Instant::now() + WAIT;
    loop {
        let recs = sb.records();
        let applied = recs
            .iter()
            .any(|r| matches!(&r.what, Happened::Applied(a) if a.contains("sec USERPIN")));
        let receipts = recs
            .iter()
            .filter(|r| matches!(r.what, Happened::Receipt { .. }))
            .count();
        if applied && receipts >= 2 && stats.receipt_acks.load(Ordering::Relaxed) >= 2 {
            break;
        }
        assert!(Instant::now() < end, "no complete delivery: {recs:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The segments Kannel sent, checked by `omacp inspect`.
    let segments: Vec<Vec<u8>> = sb
        .records()
        .into_iter()
        .filter_map(|r| match r.what {
            Happened::Received { user_data, .. } => Some(user_data),
            _ => None,
        })
        .collect();
    assert_eq!(
        segments.len(),
        2,
        "the signed 113-octet document takes two SMS"
    );
    let file = dir.path("segments.txt");
    let text: String = segments
        .iter()
        .map(|p| omacp_wire::hex::encode_upper(p) + "\n")
        .collect();
    std::fs::write(&file, text).unwrap();
    let run = |pin: &str| {
        Command::new(env!("CARGO_BIN_EXE_omacp"))
            .arg("inspect")
            .arg(&file)
            .args(["--pin", pin])
            .output()
            .unwrap()
    };
    let out = run("1234");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Security: verified (USERPIN)"), "{stdout}");
    assert_eq!(run("4321").status.code(), Some(1));
    sb.smsc().shutdown();
}

/// A dlr-url endpoint: every request's query pairs, on a channel.
fn dlr_listener() -> (u16, std::sync::mpsc::Receiver<Vec<(String, String)>>) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().map_while(Result::ok) {
            let mut line = String::new();
            let mut r = BufReader::new(&s);
            if r.read_line(&mut line).is_ok() {
                let target = line.split_whitespace().nth(1).unwrap_or("");
                let _ = tx.send(omacp_smpp::kannel::query_pairs(target));
            }
            let _ = (&s).write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, rx)
}

/// Kannel as the outgoing gateway: we sign and segment, Kannel's `sendsms` carries each
/// segment (binary UDH + data) over SMPP to the sandbox, the handset applies it, and the
/// delivery reports come back to our `dlr-url` (SMSC accepted, then delivered).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kannel_sendsms_with_udh_and_dlr_url() {
    use omacp_bearer::wdp::{SegmentOptions, segment};
    use omacp_bearer::wsp::{ContentType, PushPdu};
    use omacp_sec::{Credentials, Imsi, SecMethod, sign};
    use omacp_smpp::kannel::{DLR_MASK_ALL, DlrType, SendSms};
    use omacp_smpp::receipt::MessageState;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let imsi = "001010123456789";
    let handset = HandsetSpec {
        msisdn: MSISDN.into(),
        imsi: imsi.into(),
        pin: None,
    };
    let sb = Sandbox::start(
        listener,
        SmscConfig::new("omacp-sandbox", vec![]),
        &[handset],
    )
    .unwrap();
    let Some(kannel) = KannelGateway::start(port, "kannel", "kpw") else {
        skip!("Kannel bearerbox/smsbox not installed");
    };
    let stats = sb.smsc().stats();
    let end = Instant::now() + WAIT;
    while stats.binds.load(Ordering::Relaxed) == 0 {
        assert!(Instant::now() < end, "bearerbox never bound to our SMSC");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let imsi = Imsi::parse(imsi).unwrap();
    let creds = Credentials {
        imsi: Some(&imsi),
        pin: None,
    };
    let body = omacp_testkit::vectors::EXAMPLE_WBXML;
    let mac = sign(SecMethod::NetwPin, &creds, &body).unwrap().to_hex();
    let mut pdu = Vec::new();
    PushPdu::new(1, ContentType::signed(SecMethod::NetwPin, &mac), &body).encode(&mut pdu);
    let segments = segment(&pdu, &SegmentOptions::default()).unwrap();
    assert_eq!(segments.len(), 2);
    let (dlr_port, dlrs) = dlr_listener();
    let kannel = std::sync::Arc::new(kannel);
    for (i, seg) in segments.iter().enumerate() {
        let url = format!("http://127.0.0.1:{dlr_port}/dlr?seg={i}&type=%d");
        let mut sms = SendSms::segment(MSISDN, "12345", seg).unwrap();
        sms.dlr_mask = DLR_MASK_ALL;
        sms.dlr_url = Some(&url);
        let path = sms.path("omacp", "omacp");
        let k = kannel.clone();
        let resp = tokio::task::spawn_blocking(move || k.get(&path))
            .await
            .unwrap()
            .expect("sendsms request");
        assert!(resp.contains("Accepted"), "sendsms refused: {resp}");
    }

    // Both segments: accepted by the SMSC (8) and delivered (1), as DLRs to our URL.
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 4 {
        let q = tokio::task::block_in_place(|| dlrs.recv_timeout(WAIT))
            .unwrap_or_else(|_| panic!("DLRs so far: {seen:?}; sandbox: {:#?}", sb.records()));
        let get = |k: &str| q.iter().find(|p| p.0 == k).map(|p| p.1.clone());
        let seg: usize = get("seg").unwrap().parse().unwrap();
        let t = DlrType::from_value(get("type").unwrap().parse().unwrap()).unwrap();
        assert_ne!(t.state(), MessageState::Rejected, "{q:?}");
        seen.insert((seg, t.value()));
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [(0, 1), (0, 8), (1, 1), (1, 8)]
    );
    assert!(
        sb.records()
            .iter()
            .any(|r| matches!(&r.what, Happened::Applied(a) if a.contains("sec NETWPIN")))
    );
    sb.smsc().shutdown();
}
