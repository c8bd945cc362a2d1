//! Kannel 1.4.5's bearerbox as an ESME against our sandbox SMSC: `sendota` (smsbox) builds
//! a USERPIN-signed CP push, bearerbox binds to our SMSC over SMPP 3.4 and submits the
//! segments, the virtual handset applies them, and our delivery receipts go back to
//! Kannel. The segments as received are then checked with `omacp inspect`.
//!
//! Skips when Kannel is not installed. Everything binds 127.0.0.1 on free ports, every
//! wait is bounded, and the Kannel processes are killed when the test ends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use omacp_sandbox::{HandsetSpec, Happened, Sandbox};
use omacp_smpp::pdu::Password;
use omacp_smpp::smsc::{Account, SmscConfig};
use omacp_testkit::peers::Scratch;
use omacp_testkit::skip;
use omacp_testkit::vectors::EXAMPLE_XML;

const WAIT: Duration = Duration::from_secs(30);
const MSISDN: &str = "358401234567";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
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
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// bearerbox (SMPP transceiver to `smsc_port`) and smsbox; returns the sendsms port.
fn start_kannel(dir: &Scratch, smsc_port: u16) -> Option<(Procs, u16)> {
    let bearerbox = PathBuf::from("/usr/sbin/bearerbox");
    let smsbox = PathBuf::from("/usr/sbin/smsbox");
    if !bearerbox.is_file() || !smsbox.is_file() {
        return None;
    }
    let (admin, boxp, sendsms) = (free_port(), free_port(), free_port());
    let conf = dir.path("kannel.conf");
    let log = |n: &str| dir.path(n).display().to_string();
    std::fs::write(
        &conf,
        format!(
            "group = core\nadmin-port = {admin}\nadmin-password = omacp\nadmin-interface = 127.0.0.1\n\
             smsbox-port = {boxp}\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\n\
             log-file = \"{}\"\nlog-level = 1\ndlr-storage = internal\n\n\
             group = smsc\nsmsc = smpp\nsmsc-id = omacp\nhost = 127.0.0.1\nport = {smsc_port}\n\
             transceiver-mode = true\nsmsc-username = kannel\nsmsc-password = kpw\n\
             system-type = \"\"\ninterface-version = 34\nmsg-id-type = 0x01\n\n\
             group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxp}\n\
             sendsms-port = {sendsms}\nsendsms-interface = 127.0.0.1\nlog-file = \"{}\"\nlog-level = 1\n\n\
             group = sendsms-user\nusername = omacp\npassword = omacp\nmax-messages = 10\nconcatenation = true\n",
            log("bearerbox.log"),
            log("smsbox.log"),
        ),
    )
    .expect("write kannel.conf");
    let spawn = |bin: &PathBuf| {
        Command::new(bin)
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    };
    let mut procs = Procs(Vec::new());
    procs.0.push(spawn(&bearerbox)?);
    assert!(
        wait_listening(boxp),
        "bearerbox did not open its smsbox port"
    );
    procs.0.push(spawn(&smsbox)?);
    assert!(
        wait_listening(sendsms),
        "smsbox did not open its sendsms port"
    );
    Some((procs, sendsms))
}

fn sendota(port: u16, sec: &str, pin: &str, xml: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect smsbox");
    s.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        s,
        "POST /cgi-bin/sendota HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Kannel-Username: omacp\r\n\
         X-Kannel-Password: omacp\r\nX-Kannel-To: {MSISDN}\r\nX-Kannel-From: 12345\r\n\
         X-Kannel-SEC: {sec}\r\nX-Kannel-PIN: {pin}\r\nContent-Type: text/vnd.wap.connectivity-xml\r\n\
         Content-Length: {}\r\n\r\n{xml}",
        xml.len()
    )
    .unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    assert!(resp.contains("Accepted"), "sendota refused: {resp}");
}

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
    let Some((_procs, sendsms)) = start_kannel(&dir, port) else {
        skip!("Kannel bearerbox/smsbox not installed");
    };
    let stats = sb.smsc().stats();
    let end = Instant::now() + WAIT;
    while stats.binds.load(Ordering::Relaxed) == 0 {
        assert!(Instant::now() < end, "bearerbox never bound to our SMSC");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    tokio::task::spawn_blocking(move || sendota(sendsms, "USERPIN", "1234", EXAMPLE_XML))
        .await
        .unwrap();

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
