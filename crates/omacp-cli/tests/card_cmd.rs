//! `omacp card read` end to end on the corpus card images: output, masking, exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn omacp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(args)
        .output()
        .expect("run omacp")
}

fn card(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/cards")
        .join(name)
        .display()
        .to_string()
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("omacp-card-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn reads_an_image_as_json_with_the_imsi_masked() {
    let out = omacp(&["card", "read", &card("usim-full.card"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["platform"], "usim");
    assert_eq!(v["imsi"], "************789");
    let roles: Vec<&str> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["bootstrap", "config1", "config1", "config2"]);
    let boot = &v["documents"][0];
    let wbxml = std::fs::read(card("bootstrap.wbxml")).unwrap();
    assert_eq!(boot["wbxml"], hex_upper(&wbxml));
    assert_eq!(boot["size"], wbxml.len());
    assert!(
        boot["xml"]
            .as_str()
            .unwrap()
            .contains(r#"<characteristic type="BOOTSTRAP">"#),
        "{boot}"
    );
    assert_eq!(v["notes"], serde_json::json!([]));
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[test]
fn text_output_never_shows_the_full_imsi_unless_asked() {
    let out = omacp(&["card", "read", &card("sim-bootstrap.card")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("platform: sim\nimsi: ************789 (3F00/7F20/6F07)\npkcs15: 3F00/5015\ndocuments: 1\n"), "{text}");
    assert!(!text.contains("001010123456789"));
    let out = omacp(&["card", "read", &card("sim-bootstrap.card"), "--show-imsi"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("imsi: 001010123456789 ")
    );
}

#[test]
fn notes_and_oid_overrides() {
    let out = omacp(&["card", "read", &card("isim.card"), "--platform", "isim"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "note: ADF.A000000063504B43532D3135/4404: protected, needs a PIN or access right (6982"
        ),
        "{text}"
    );
    let out = omacp(&[
        "card",
        "read",
        &card("sim-bootstrap.card"),
        "--oid",
        "2.23.43.7.9=bootstrap",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], serde_json::json!([]));
    assert_eq!(
        v["notes"][0],
        "3F00/5015/4401: data object 2.23.43.7.1 (\"Bootstrap\") is not a provisioning file"
    );
    let out = omacp(&[
        "card",
        "read",
        &card("sim-bootstrap.card"),
        "--oid",
        "2.23.43.7.9=boot",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_images_and_cards_exit_2() {
    let out = omacp(&["card", "read", "/nonexistent/x.card"]);
    assert_eq!(out.status.code(), Some(2));
    let bad = scratch(
        "bad.card",
        "platform usim\nef 3F00/2F00 linear 4\n record 0102030405\n",
    );
    let out = omacp(&["card", "read", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 3, column 2: record of 5 bytes is longer than the record length 4"),
        "{err}"
    );
    // A DODF that announces more bytes than it has: a note by default, exit 2 with --strict.
    let broken = scratch(
        "broken.card",
        "platform sim\nef 3F00/5015/5031 transparent\n odf-dodf 4401\nef 3F00/5015/4401 transparent\n data A1 40 30 00\n",
    );
    let out = omacp(&["card", "read", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = omacp(&["card", "read", broken.to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("3F00/5015/4401: at byte 2: truncated"),
        "{err}"
    );
    assert_eq!(omacp(&["card", "read"]).status.code(), Some(2));
    let _ = std::fs::remove_file(bad);
    let _ = std::fs::remove_file(broken);
}
