//! `omacp validate` end to end: output lines, JSON shape and exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn omacp(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run omacp");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("omacp output")
}

const VALID: &str = r#"<wap-provisioningdoc>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="N"/><parm name="NAME" value="n"/>
    <parm name="NAP-ADDRESS" value="internet"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="ACCESS"/>
</wap-provisioningdoc>"#;

#[test]
fn valid_with_warnings_exits_0() {
    let out = omacp(&["validate", "-"], VALID.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "warning /ACCESS[1]: empty ACCESS: legal, but binds nothing; removed [empty-access]\n\
         -: valid XML document (0 errors, 1 warning, 0 infos)\n"
    );
}

#[test]
fn invalid_exits_1_with_every_diagnostic() {
    let doc = VALID
        .replace(r#"<parm name="NAME" value="n"/>"#, "")
        .replace("APN", "apn");
    let out = omacp(&["validate", "-"], doc.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.contains(
            &"error /NAPDEF[NAPID=N]: missing NAME (occurs 1): the NAPDEF is dropped [missing-parm]"
        ),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error /NAPDEF[NAPID=N]/NAP-ADDRTYPE: ")
                && l.ends_with("[bad-value]")),
        "{stdout}"
    );
    assert_eq!(
        lines.last(),
        Some(&"-: invalid XML document (3 errors, 2 warnings, 0 infos)")
    );
}

#[test]
fn json_report() {
    let out = omacp(&["validate", "--json", "-"], VALID.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["form"], "xml");
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 1);
    assert_eq!(
        v["diagnostics"][0],
        serde_json::json!({"severity": "warning", "path": "/ACCESS[1]", "rule": "empty-access",
                           "message": "empty ACCESS: legal, but binds nothing; removed"})
    );
}

#[test]
fn unreadable_exits_2() {
    let out = omacp(
        &["validate", "-"],
        b"<wap-provisioningdoc><foo/></wap-provisioningdoc>",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 1, column 22") && stderr.contains("unknown element <foo>"),
        "{stderr}"
    );
    let xxe = br#"<!DOCTYPE wap-provisioningdoc [<!ENTITY x SYSTEM "file:///etc/passwd">]><wap-provisioningdoc/>"#;
    assert_eq!(omacp(&["validate", "-"], xxe).status.code(), Some(2));
}
