//! The SQLite store and the handset run loop: atomic apply, history, rollback, card
//! bootstrap, and crash safety (a child process aborted in the middle of the transaction).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use omacp_agent::{Event, Trust};
use omacp_bearer::wsp::{ContentType, Header, Param, PushPdu};
use omacp_device::{Answers, Handset, Received, Store};
use omacp_sec::{Credentials, Imsi, SecMethod, sign};

const IMSI: &str = "001010123456789";
const PPG: &str = "447700900001";
const PROVURL: &str = "http://tps.operator.example/prov";

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "omacp-device-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn wbxml(xml: &str) -> Vec<u8> {
    omacp_wbxml::encode(
        &omacp_doc::xml::parse(xml).unwrap(),
        &omacp_wbxml::EncodeOptions::default(),
    )
}

fn bootstrap_pdu() -> Vec<u8> {
    let xml = format!(
        r#"<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP"><parm name="NAME" value="Op"/><parm name="PROVURL" value="{PROVURL}"/><parm name="PROXY-ID" value="ppg"/></characteristic>
  <characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="ppg"/><parm name="NAME" value="PPG"/>
    <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="a"/><parm name="PXADDR" value="+{PPG}"/><parm name="PXADDRTYPE" value="E164"/><parm name="TO-NAPID" value="nap1"/></characteristic>
  </characteristic>
  <characteristic type="NAPDEF"><parm name="NAPID" value="nap1"/><parm name="NAME" value="Internet"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAP-ADDRESS" value="internet.op"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic>
</wap-provisioningdoc>"#
    );
    let body = wbxml(&xml);
    let imsi = Imsi::parse(IMSI).unwrap();
    let mac = sign(
        SecMethod::NetwPin,
        &Credentials {
            imsi: Some(&imsi),
            pin: None,
        },
        &body,
    )
    .unwrap();
    let hex = mac.to_hex();
    let pdu = PushPdu::new(1, ContentType::signed(SecMethod::NetwPin, &hex), &body);
    let mut out = Vec::new();
    pdu.encode(&mut out);
    out
}

fn tps_pdu(mmsc: &str) -> Vec<u8> {
    let xml = format!(
        r#"<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="NAME" value="MMS"/><parm name="TO-PROXY" value="ppg"/><parm name="ADDR" value="{mmsc}"/></characteristic></wap-provisioningdoc>"#
    );
    let body = wbxml(&xml);
    let mut ct = ContentType::connectivity_wbxml();
    ct.params.retain(|p| !matches!(p, Param::Sec(_)));
    let mut pdu = PushPdu::new(2, ct, &body);
    pdu.headers.push(Header::InitiatorUri(PROVURL.as_bytes()));
    pdu.headers.push(Header::PushFlag(1));
    let mut out = Vec::new();
    pdu.encode(&mut out);
    out
}

fn bootstrapped(dir: &Path) -> Handset {
    let (mut h, _) = Handset::init(dir, IMSI, None, 1_000).unwrap();
    let log = h
        .receive(
            &[Received::Push(bootstrap_pdu())],
            PPG,
            &Answers::default(),
            2_000,
        )
        .unwrap();
    assert!(
        matches!(log.events.last(), Some(Event::Applied { .. })),
        "{:?}",
        log.events
    );
    h
}

#[test]
fn apply_history_and_rollback() {
    let dir = temp_dir("history");
    let mut h = bootstrapped(&dir);
    let after_bootstrap = h.store.load().unwrap();
    let log = h
        .receive(
            &[Received::Push(tps_pdu("http://mmsc1/"))],
            PPG,
            &Answers::default(),
            3_000,
        )
        .unwrap();
    assert!(
        matches!(log.events.last(), Some(Event::Applied { .. })),
        "{:?}",
        log.events
    );
    drop(h);
    // Reopen: everything persisted.
    let mut h = Handset::open(&dir).unwrap();
    let s = h.store.load().unwrap();
    let ctx = s.contexts.values().next().unwrap();
    assert_eq!(ctx.items.len(), 4);
    assert_eq!(ctx.authority, Trust::NetworkAuthenticated);
    let hist = h.store.history().unwrap();
    assert_eq!(
        hist.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["init", "apply", "apply"]
    );
    assert_eq!(hist[2].trust, "tps-pushed");
    assert!(hist[2].document.contains("mmsc1"));
    // Roll back the last apply, then forward again to its state id.
    h.store.rollback(None, 4_000).unwrap();
    assert_eq!(h.store.load().unwrap(), after_bootstrap);
    h.store.rollback(Some(hist[2].id), 5_000).unwrap();
    assert_eq!(h.store.load().unwrap(), s);
    h.store.rollback(Some(hist[0].id), 6_000).unwrap();
    assert!(h.store.load().unwrap().contexts.is_empty());
    assert!(h.store.rollback(Some(999), 7_000).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn card_bootstrap_at_init() {
    let dir = temp_dir("card");
    let card = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/cards/sim-bootstrap.card");
    let (h, log) = Handset::init(&dir, IMSI, Some(&card), 1_000).unwrap();
    let applied: Vec<_> = log
        .events
        .iter()
        .filter(|e| matches!(e, Event::Applied { .. }))
        .collect();
    assert_eq!(applied.len(), 1, "{:?}", log.events);
    let Event::Applied { report, .. } = applied[0] else {
        unreachable!()
    };
    assert_eq!(report.summary.trust, Trust::Card);
    let s = h.store.load().unwrap();
    assert!(s.contexts.values().all(|c| c.authority == Trust::Card));
    assert!(dir.join("card.image").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn pin_lockout_persists_across_runs() {
    let dir = temp_dir("pin");
    let (h, _) = Handset::init(&dir, IMSI, None, 1_000).unwrap();
    drop(h);
    let xml = r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="n"/><parm name="NAME" value="x"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAP-ADDRESS" value="a"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#;
    let body = wbxml(xml);
    let pin = omacp_sec::Pin::parse("1234").unwrap();
    let mac = sign(
        SecMethod::UserPin,
        &Credentials {
            imsi: None,
            pin: Some(&pin),
        },
        &body,
    )
    .unwrap()
    .to_hex();
    let pdu = {
        let mut out = Vec::new();
        PushPdu::new(1, ContentType::signed(SecMethod::UserPin, &mac), &body).encode(&mut out);
        out
    };
    let wrong = Answers {
        pin: Some(omacp_sec::Pin::parse("0000").unwrap()),
        yes: true,
    };
    for run in 0..5u64 {
        let mut h = Handset::open(&dir).unwrap();
        h.receive(&[Received::Push(pdu.clone())], "1", &wrong, 10_000 + run)
            .unwrap();
    }
    let h = Handset::open(&dir).unwrap();
    assert!(h.store.pin_guard().unwrap().locked(10_010));
    std::fs::remove_dir_all(&dir).ok();
}

/// Child side of the crash test: does nothing unless the parent set the variables.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("OMACP_TEST_CHILD_DIR") else {
        return;
    };
    let mut h = Handset::open(Path::new(&dir)).unwrap();
    h.receive(
        &[Received::Push(tps_pdu("http://mmsc-crash/"))],
        PPG,
        &Answers::default(),
        9_000,
    )
    .unwrap();
}

#[test]
fn a_crash_in_the_middle_of_apply_leaves_the_previous_state() {
    let dir = temp_dir("crash");
    let h = bootstrapped(&dir);
    let before = h.store.load().unwrap();
    let history = h.store.history().unwrap();
    drop(h);
    let exe = std::env::current_exe().unwrap();
    // The apply of the TPS push runs 8 hooked statements; crash after each.
    for n in 1..=8 {
        let status = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("OMACP_TEST_CHILD_DIR", &dir)
            .env("OMACP_TEST_CRASH_AFTER_STATEMENTS", n.to_string())
            .output()
            .unwrap()
            .status;
        assert!(!status.success(), "child {n} should have aborted");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                status.signal(),
                Some(6),
                "child {n} must die by SIGABRT, not fail otherwise"
            );
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(
            store.load().unwrap(),
            before,
            "after a crash at statement {n}"
        );
        assert_eq!(store.history().unwrap(), history);
    }
    // Without the hook the same apply goes through.
    let status = Command::new(&exe)
        .args(["--exact", "crash_child", "--test-threads=1"])
        .env("OMACP_TEST_CHILD_DIR", &dir)
        .env_remove("OMACP_TEST_CRASH_AFTER_STATEMENTS")
        .status()
        .unwrap();
    assert!(status.success());
    let store = Store::open(&dir).unwrap();
    assert_ne!(store.load().unwrap(), before);
    assert_eq!(store.history().unwrap().len(), history.len() + 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// Continuous provisioning by HTTP pull: a local TPS answers the GET; the document is applied
/// with TPS rights in the context whose PROVURL covers the URL.
#[test]
fn fetch_from_the_trusted_context_over_http() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let provurl = format!("http://127.0.0.1:{port}/prov");
    let body = wbxml(
        r#"<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="NAME" value="MMS"/><parm name="TO-PROXY" value="ppg"/><parm name="ADDR" value="http://mmsc.pulled/"/></characteristic></wap-provisioningdoc>"#,
    );
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 512];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&req).to_string();
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.wap.connectivity-wbxml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(&body).unwrap();
        head
    });
    // Bootstrap a context whose PROVURL is the local server.
    let dir = temp_dir("fetch");
    let (mut h, _) = Handset::init(&dir, IMSI, None, 1_000).unwrap();
    let xml = format!(
        r#"<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP"><parm name="NAME" value="Local TPS"/><parm name="PROVURL" value="{provurl}"/></characteristic>
  <characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="ppg"/><parm name="NAME" value="P"/>
    <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="a"/><parm name="PXADDR" value="10.0.0.1"/><parm name="TO-NAPID" value="nap1"/></characteristic>
  </characteristic>
  <characteristic type="NAPDEF"><parm name="NAPID" value="nap1"/><parm name="NAME" value="I"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAP-ADDRESS" value="apn"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic>
</wap-provisioningdoc>"#
    );
    let b = wbxml(&xml);
    let imsi = Imsi::parse(IMSI).unwrap();
    let mac = sign(
        SecMethod::NetwPin,
        &Credentials {
            imsi: Some(&imsi),
            pin: None,
        },
        &b,
    )
    .unwrap()
    .to_hex();
    let mut pdu = Vec::new();
    PushPdu::new(1, ContentType::signed(SecMethod::NetwPin, &mac), &b).encode(&mut pdu);
    let log = h
        .receive(&[Received::Push(pdu)], PPG, &Answers::default(), 2_000)
        .unwrap();
    assert!(
        matches!(log.events.last(), Some(Event::Applied { .. })),
        "{:?}",
        log.events
    );

    let log = h
        .fetch(&format!("{provurl}/settings"), &Answers::default(), 3_000)
        .unwrap();
    let Some(Event::Applied { report, .. }) = log.events.last() else {
        panic!("{:?}", log.events)
    };
    assert_eq!(report.summary.trust, Trust::TpsPushed);
    assert!(
        report.pruned.is_empty(),
        "TO-PROXY=ppg resolved in the context: {:?}",
        report.pruned
    );
    let head = server.join().unwrap();
    assert!(
        head.starts_with("GET /prov/settings HTTP/1.1\r\n"),
        "{head}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
