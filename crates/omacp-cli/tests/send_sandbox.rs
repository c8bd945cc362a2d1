//! End to end through processes: `omacp sandbox` (SMSC + virtual handsets running the
//! device agent) and `omacp send` (sign, segment, SMPP submit, wait for the receipt), for
//! every SEC method. Each test ends with the handset's record of what it applied, and the
//! receipt the sender saw. Passwords and PINs never appear in either program's output.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use omacp_testkit::corpus::repo_root;

const IMSI: &str = "001010123456789";
const WAIT: Duration = Duration::from_secs(30);

struct SandboxProc {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProc {
    fn start(handsets: &[String]) -> SandboxProc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_omacp"));
        cmd.args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--account",
            "omacp:s3cr3tpw",
        ]);
        for h in handsets {
            cmd.args(["--handset", h]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start omacp sandbox");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let first = lines.recv_timeout(WAIT).expect("sandbox banner");
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("banner: {first}"))
            .to_owned();
        assert!(first.starts_with("[SANDBOX]"), "{first}");
        SandboxProc {
            child,
            addr,
            lines,
            seen: vec![first],
        }
    }

    /// Reads lines until one contains `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let l = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no line with {needle:?}; saw {:#?}", self.seen));
            self.seen.push(l.clone());
            if l.contains(needle) {
                return l;
            }
        }
    }
}

fn send(addr: &str, to: &str, extra: &[&str]) -> Output {
    let doc = repo_root().join("corpus/01-gprs-internet-apn.xml");
    let url = format!("smpp://omacp:s3cr3tpw@{addr}");
    let mut args = vec![
        "send",
        doc.to_str().unwrap(),
        "--to",
        to,
        "--smpp",
        &url,
        "--wait-dlr",
        "--json",
        "--timeout",
        "20",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .expect("run omacp send")
}

/// The code a USERPINMAC user types for the corpus document and PIN 1234.
fn userpinmac_code() -> String {
    let doc = repo_root().join("corpus/01-gprs-internet-apn.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args([
            "push",
            doc.to_str().unwrap(),
            "--sec",
            "userpinmac",
            "--pin",
            "1234",
        ])
        .args(["--emit", "push", "-o", "/dev/null"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    err.split_whitespace().last().unwrap().to_owned()
}

#[test]
fn every_sec_method_is_delivered_authenticated_and_applied() {
    let code = userpinmac_code();
    let handsets = [
        format!("447700900001:{IMSI}"),
        format!("447700900002:{IMSI}:1234"),
        format!("447700900003:{IMSI}:1234"),
        format!("447700900004:{IMSI}:{code}"),
        format!("447700900005:{IMSI}:9999"),
    ];
    let mut sb = SandboxProc::start(&handsets);
    let cases: [(&str, &str, &[&str], Option<&str>); 4] = [
        ("447700900001", "netwpin", &["--imsi", IMSI], None),
        (
            "447700900002",
            "userpin",
            &["--pin", "1234"],
            Some("USERPIN"),
        ),
        (
            "447700900003",
            "usernetwpin",
            &["--imsi", IMSI, "--pin", "1234"],
            Some("USERNETWPIN"),
        ),
        (
            "447700900004",
            "userpinmac",
            &["--pin", "1234"],
            Some("USERPINMAC"),
        ),
    ];
    for (msisdn, sec, keys, prompt) in cases {
        let mut extra = vec!["--sec", sec];
        extra.extend_from_slice(keys);
        let o = send(&sb.addr, msisdn, &extra);
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "{sec}: {stdout}\n{stderr}");
        assert!(!stdout.contains("s3cr3tpw") && !stderr.contains("s3cr3tpw"));
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["delivered"], true, "{sec}: {v}");
        let segs = v["segments"].as_array().unwrap();
        assert!(!segs.is_empty());
        assert!(segs.iter().all(|s| s["receipt"] == "DELIVRD"), "{v}");

        if let Some(method) = prompt {
            let l = sb.wait_for(&format!("handset {msisdn}: PIN prompt"));
            assert!(l.contains(method), "{l}");
        }
        let applied = sb.wait_for(&format!("handset {msisdn}: settings applied"));
        let expect_sec = sec.to_uppercase();
        assert!(applied.contains(&format!("sec {expect_sec}")), "{applied}");
        assert!(applied.contains("NAPDEF"), "{applied}");
        sb.wait_for(&format!("handset {msisdn}: receipt"));
    }

    // A user who knows another PIN: refused on the handset, REJECTD to the sender, exit 1.
    let o = send(
        &sb.addr,
        "447700900005",
        &["--sec", "userpin", "--pin", "1234"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["delivered"], false);
    assert_eq!(v["segments"][0]["receipt"], "REJECTD", "{v}");
    sb.wait_for("handset 447700900005: refused");

    // An unknown number: UNDELIV.
    let o = send(
        &sb.addr,
        "447700900099",
        &["--sec", "netwpin", "--imsi", IMSI],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["segments"][0]["receipt"], "UNDELIV", "{v}");

    // Every sandbox line is marked, and no PIN or password was printed.
    sb.wait_for("handset 447700900099: receipt");
    for l in &sb.seen {
        assert!(l.starts_with("[SANDBOX]"), "{l}");
        assert!(!l.contains("s3cr3tpw") && !l.contains(":1234"), "{l}");
    }
}

#[test]
fn wrong_smpp_password_is_refused_without_echoing_it() {
    let mut sb = SandboxProc::start(&[format!("447700900001:{IMSI}")]);
    let doc = repo_root().join("corpus/01-gprs-internet-apn.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(["send", doc.to_str().unwrap(), "--to", "447700900001"])
        .args(["--sec", "netwpin", "--imsi", IMSI, "--timeout", "10"])
        .args(["--smpp", &format!("smpp://omacp:WRONGpw@{}", sb.addr)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(all.contains("ESME_RINVPASWD"), "{all}");
    assert!(!all.contains("WRONGpw"), "{all}");
    let _ = &mut sb;
}

#[test]
fn overlong_password_is_refused_before_connecting() {
    let doc = repo_root().join("corpus/01-gprs-internet-apn.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(["send", doc.to_str().unwrap(), "--to", "447700900001"])
        .args(["--sec", "netwpin", "--imsi", IMSI])
        .args(["--smpp", "smpp://omacp:muchtoolongpw@127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("password is longer than 8"), "{err}");
    assert!(!err.contains("muchtoolongpw"), "{err}");
}
