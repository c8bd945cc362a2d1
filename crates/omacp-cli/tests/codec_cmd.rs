//! `omacp compile` and `omacp decode` end to end: the streaming paths (compile
//! `--no-validate`, decode) give the library's model-path bytes and text, and the same
//! failures.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use omacp_testkit::corpus;

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

#[test]
fn compile_and_decode_match_the_model_path() {
    let docs = corpus::documents();
    for d in docs.iter().take(6) {
        let doc = omacp_doc::xml::parse(&d.xml).unwrap();
        for (flag, table) in [(None, true), (Some("--no-string-table"), false)] {
            let want = omacp_wbxml::encode(
                &doc,
                &omacp_wbxml::EncodeOptions {
                    string_table: table,
                },
            );
            for extra in [None, Some("--no-validate")] {
                let mut args = vec!["compile", "-"];
                args.extend(flag);
                args.extend(extra);
                let out = omacp(&args, d.xml.as_bytes());
                assert_eq!(out.status.code(), Some(0), "{}", d.name);
                assert_eq!(out.stdout, want, "{} {args:?}", d.name);
            }
            let out = omacp(&["decode", "-"], &want);
            assert_eq!(out.status.code(), Some(0));
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                omacp_doc::xml::to_string(&doc)
            );
        }
    }
}

#[test]
fn failures_are_reported_the_same_way() {
    let bad = "<!DOCTYPE wap-provisioningdoc [<!ENTITY x \"y\">]><wap-provisioningdoc/>";
    let a = omacp(&["compile", "-"], bad.as_bytes());
    let b = omacp(&["compile", "--no-validate", "-"], bad.as_bytes());
    assert_ne!(a.status.code(), Some(0));
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(a.stderr, b.stderr);
    assert!(String::from_utf8_lossy(&a.stderr).contains("internal subset"));
    let out = omacp(&["decode", "-"], &[0x03, 0x0B, 0x6A, 0x00, 0xC5]);
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}
