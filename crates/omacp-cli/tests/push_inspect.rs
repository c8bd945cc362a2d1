//! `omacp push` and `omacp inspect` end to end: every emit form round-trips through inspect,
//! security failures and missing key material give exit 1, broken input exit 2.

use std::path::Path;
use std::process::{Command, Output};

use omacp_testkit::peers::Scratch;
use omacp_testkit::vectors::{EXAMPLE_WBXML, EXAMPLE_XML};

const IMSI: &str = "001010123456789";

fn omacp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(args)
        .output()
        .expect("run omacp")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Fixture {
    dir: Scratch,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = Scratch::new("cli-push");
        std::fs::write(dir.path("doc.wbxml"), EXAMPLE_WBXML).unwrap();
        std::fs::write(dir.path("doc.xml"), EXAMPLE_XML).unwrap();
        Fixture { dir }
    }

    fn push(&self, doc: &str, extra: &[&str], out: &str) -> Output {
        let (d, o) = (self.dir.path(doc), self.dir.path(out));
        let mut args = vec!["push", path(&d), "-o", path(&o)];
        args.extend_from_slice(extra);
        omacp(&args)
    }

    fn inspect(&self, file: &str, extra: &[&str]) -> Output {
        let f = self.dir.path(file);
        let mut args = vec!["inspect", path(&f)];
        args.extend_from_slice(extra);
        omacp(&args)
    }
}

#[test]
fn push_pdu_is_transport_3_1() {
    let fx = Fixture::new();
    let o = fx.push(
        "doc.wbxml",
        &["--sec", "netwpin", "--imsi", IMSI, "--emit", "push"],
        "p.bin",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdu = std::fs::read(fx.dir.path("p.bin")).unwrap();
    assert_eq!(
        omacp_wire::hex::encode_upper(&pdu[..50]),
        "01062F1F2DB69180923139374135413731414543454335344338343430314335453838413533393736324639323346343300"
    );
    assert_eq!(&pdu[50..], &EXAMPLE_WBXML[..]);
}

#[test]
fn segments_match_transport_4_3() {
    let fx = Fixture::new();
    let o = fx.push(
        "doc.wbxml",
        &[
            "--sec", "netwpin", "--imsi", IMSI, "--emit", "segments", "--ref", "42",
        ],
        "s.txt",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(fx.dir.path("s.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("0B05040B8423F000032A020101062F1F2D"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("0B05040B8423F000032A0202"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[0].len(), 280);
    assert_eq!(lines[1].len(), 2 * 47);
}

#[test]
fn every_emit_form_inspects_clean() {
    let fx = Fixture::new();
    for (emit, extra, file) in [
        ("push", &[][..], "p.bin"),
        ("segments", &[][..], "s.txt"),
        ("tpdu", &["--to", "+358401234567"][..], "t.txt"),
        ("pcap", &[][..], "u.pcap"),
        (
            "pcap",
            &["--to", "358401234567", "--concat", "16"][..],
            "m.pcap",
        ),
    ] {
        let mut args = vec![
            "--sec",
            "usernetwpin",
            "--imsi",
            IMSI,
            "--pin",
            "1234",
            "--emit",
            emit,
        ];
        args.extend_from_slice(extra);
        let o = fx.push("doc.xml", &args, file);
        assert_eq!(code(&o), 0, "{emit}: {}", stderr(&o));
        let i = fx.inspect(file, &["--imsi", IMSI, "--pin", "1234"]);
        assert_eq!(code(&i), 0, "{emit}: {}", stdout(&i));
        assert!(
            stdout(&i).contains("Security: verified (USERNETWPIN)"),
            "{emit}: {}",
            stdout(&i)
        );
        assert!(
            stdout(&i).contains("<parm name=\"NAP-ADDRESS\" value=\"internet\"/>"),
            "{}",
            stdout(&i)
        );
        // Wrong PIN: exit 1. No PIN: not verified, exit 1.
        assert_eq!(
            code(&fx.inspect(file, &["--imsi", IMSI, "--pin", "1235"])),
            1,
            "{emit}"
        );
        let n = fx.inspect(file, &["--imsi", IMSI]);
        assert_eq!(code(&n), 1);
        assert!(stdout(&n).contains("NOT VERIFIED"), "{}", stdout(&n));
    }
}

#[test]
fn userpinmac_prints_the_code_and_inspect_checks_it() {
    let fx = Fixture::new();
    let o = fx.push(
        "doc.wbxml",
        &["--sec", "userpinmac", "--pin", "1234", "--emit", "push"],
        "p.bin",
    );
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("12344509"), "{}", stderr(&o));
    assert_eq!(code(&fx.inspect("p.bin", &["--pin", "12344509"])), 0);
    assert_eq!(code(&fx.inspect("p.bin", &["--pin", "12344508"])), 1);
    // Generated PIN: 6 digits by default, code 12 characters.
    let o = fx.push(
        "doc.wbxml",
        &["--sec", "userpinmac", "--emit", "push"],
        "g.bin",
    );
    let err = stderr(&o);
    let typed = err.split_whitespace().last().unwrap();
    assert_eq!(typed.len(), 12, "{err}");
    assert_eq!(code(&fx.inspect("g.bin", &["--pin", typed])), 0);
}

#[test]
fn json_output_has_every_layer() {
    let fx = Fixture::new();
    fx.push(
        "doc.wbxml",
        &[
            "--sec", "userpin", "--pin", "0000", "--emit", "tpdu", "--to", "123456",
        ],
        "t.txt",
    );
    let o = fx.inspect("t.txt", &["--pin", "0000", "--json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["input"], "tpdu");
    assert_eq!(v["sms"].as_array().unwrap().len(), 2);
    assert_eq!(v["sms"][0]["type"], "SMS-SUBMIT");
    assert_eq!(v["wdp"][0]["ports"]["dst"], 2948);
    assert_eq!(v["pushes"][0]["wsp"]["sec"], "USERPIN");
    assert_eq!(v["pushes"][0]["security"]["status"], "verified");
    assert_eq!(v["pushes"][0]["document"]["valid"], true);
    assert_eq!(v["exit"], 0);
}

#[test]
fn unsigned_and_broken_inputs() {
    let fx = Fixture::new();
    let o = fx.push("doc.wbxml", &["--sec", "none", "--emit", "push"], "n.bin");
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("WARNING"), "{}", stderr(&o));
    let i = fx.inspect("n.bin", &[]);
    assert_eq!(code(&i), 1);
    assert!(stdout(&i).contains("UNSIGNED"));

    // Missing key material on the sending side: exit 2 with a clear message.
    let o = fx.push(
        "doc.wbxml",
        &["--sec", "netwpin", "--emit", "push"],
        "x.bin",
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--imsi"), "{}", stderr(&o));
    let o = fx.push(
        "doc.wbxml",
        &["--sec", "userpin", "--emit", "push"],
        "x.bin",
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--pin"), "{}", stderr(&o));
    // A bad IMSI is reported without echoing it.
    let o = fx.push(
        "doc.wbxml",
        &[
            "--sec",
            "netwpin",
            "--imsi",
            "12345678901234X",
            "--emit",
            "push",
        ],
        "x.bin",
    );
    assert_eq!(code(&o), 2);
    assert!(!stderr(&o).contains("12345678901234"), "{}", stderr(&o));

    // Truncated PDU and a lone segment: exit 2.
    let pdu = std::fs::read(fx.dir.path("n.bin")).unwrap();
    std::fs::write(fx.dir.path("cut.bin"), &pdu[..10]).unwrap();
    assert_eq!(code(&fx.inspect("cut.bin", &[])), 2);
    fx.push(
        "doc.wbxml",
        &["--sec", "userpin", "--pin", "1234", "--emit", "segments"],
        "s.txt",
    );
    let first = std::fs::read_to_string(fx.dir.path("s.txt"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(fx.dir.path("one.txt"), first).unwrap();
    assert_eq!(code(&fx.inspect("one.txt", &[])), 2);

    // A flipped body byte: wrong MAC, exit 1.
    fx.push(
        "doc.wbxml",
        &["--sec", "netwpin", "--imsi", IMSI, "--emit", "push"],
        "p.bin",
    );
    let mut pdu = std::fs::read(fx.dir.path("p.bin")).unwrap();
    let last = pdu.len() - 5;
    pdu[last] ^= 0x01;
    std::fs::write(fx.dir.path("bad.bin"), &pdu).unwrap();
    let i = fx.inspect("bad.bin", &["--imsi", IMSI]);
    assert!(
        stdout(&i).contains("FAILED: wrong MAC") || code(&i) == 2,
        "{}",
        stdout(&i)
    );
    assert_ne!(code(&i), 0);
}

#[test]
fn other_input_forms() {
    let fx = Fixture::new();
    // Bare documents: no security layer, validity decides.
    for doc in ["doc.wbxml", "doc.xml"] {
        let i = fx.inspect(doc, &[]);
        assert_eq!(code(&i), 0, "{doc}: {}", stdout(&i));
        assert!(stdout(&i).contains("no security layer"), "{}", stdout(&i));
    }
    // A push PDU given as hex text, and WBXML given as hex text.
    fx.push(
        "doc.wbxml",
        &["--sec", "userpin", "--pin", "0000", "--emit", "push"],
        "p.bin",
    );
    let pdu = std::fs::read(fx.dir.path("p.bin")).unwrap();
    std::fs::write(fx.dir.path("p.hex"), omacp_wire::hex::encode_upper(&pdu)).unwrap();
    let i = fx.inspect("p.hex", &["--pin", "0000", "--json"]);
    assert_eq!(code(&i), 0, "{}", stdout(&i));
    let v: serde_json::Value = serde_json::from_slice(&i.stdout).unwrap();
    assert_eq!(v["input"], "push-hex");
    std::fs::write(
        fx.dir.path("w.hex"),
        omacp_wire::hex::encode_upper(&EXAMPLE_WBXML),
    )
    .unwrap();
    assert_eq!(code(&fx.inspect("w.hex", &[])), 0);
    // Garbage: exit 2, and JSON says why.
    std::fs::write(fx.dir.path("junk.bin"), b"\x00\x01\x02garbage").unwrap();
    let i = fx.inspect("junk.bin", &["--json"]);
    assert_eq!(code(&i), 2);
    let v: serde_json::Value = serde_json::from_slice(&i.stdout).unwrap();
    assert!(v["error"].is_string());
    assert_eq!(v["exit"], 2);
}
