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
