//! `omacp device` end to end: the push the toolkit emits received by a virtual handset, the
//! exit-code contract (0 applied, 1 rejected, 3 needs input), history and rollback, and crash
//! safety: `omacp device receive` aborted in the middle of its store transaction leaves the
//! previous settings, and a retry applies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const IMSI: &str = "001010123456789";

fn omacp(args: &[&str]) -> Output {
    omacp_env(args, None)
}

fn omacp_env(args: &[&str], crash_after: Option<u32>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_omacp"));
    c.args(args);
    match crash_after {
        Some(n) => c.env("OMACP_TEST_CRASH_AFTER_STATEMENTS", n.to_string()),
        None => c.env_remove("OMACP_TEST_CRASH_AFTER_STATEMENTS"),
    };
    c.output().expect("run omacp")
}

fn corpus(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name)
        .display()
        .to_string()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("omacp-device-cmd-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Emits `doc` as SMS-SUBMIT TPDU hex with `sec`.
fn push(dir: &Path, name: &str, doc: &str, sec: &[&str]) -> String {
    let out = dir.join(name);
    let mut args = vec!["push", "--emit", "tpdu", "--to", "447700900123", "-o"];
    let o = s(&out);
    args.push(&o);
    args.extend_from_slice(sec);
    let d = corpus(doc);
    args.push(&d);
    let r = omacp(&args);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    o
}

#[test]
fn receive_exit_codes_and_outcomes() {
    let dir = scratch("codes");
    let store = s(&dir.join("store"));
    let init = omacp(&["device", "init", "--store", &store, "--imsi", IMSI]);
    assert_eq!(
        init.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    let up = push(
        &dir,
        "up.hex",
        "01-gprs-internet-apn.xml",
        &["--sec", "userpin", "--pin", "1234"],
    );
    let r = omacp(&["device", "receive", "--store", &store, &up, "--json"]);
    assert_eq!(r.status.code(), Some(3));
    assert_eq!(json(&r)["outcome"], "need_pin");
    assert_eq!(json(&r)["attempts_left"], 3);

    let r = omacp(&[
        "device", "receive", "--store", &store, &up, "--pin", "1234", "--json",
    ]);
    assert_eq!(r.status.code(), Some(3));
    let v = json(&r);
    assert_eq!(v["outcome"], "need_confirmation");
    assert_eq!(v["summary"]["trust"], "user-authenticated");
    assert!(
        v["summary"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["setting"] == "nap-address")
    );

    let r = omacp(&[
        "device", "receive", "--store", &store, &up, "--pin", "1234", "--yes", "--json",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
    let v = json(&r);
    assert_eq!(v["outcome"], "applied");
    assert_eq!(v["report"]["summary"]["context"], "default");

    // Unsigned: refused by the default policy.
    let none = push(&dir, "none.hex", "03-mms-w4.xml", &["--sec", "none"]);
    let r = omacp(&["device", "receive", "--store", &store, &none, "--json"]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(json(&r)["outcome"], "rejected");

    let r = omacp(&["device", "show", "--store", &store, "--json"]);
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(json(&r)["contexts"].as_array().unwrap().len(), 1);

    let h = omacp(&["device", "history", "--store", &store, "--json"]);
    assert_eq!(json(&h).as_array().unwrap().len(), 2);
    assert_eq!(
        omacp(&["device", "rollback", "--store", &store])
            .status
            .code(),
        Some(0)
    );
    let r = omacp(&["device", "show", "--store", &store, "--json"]);
    assert!(json(&r)["contexts"].as_array().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn card_init_then_netwpin_bootstrap_for_the_same_context_is_refused() {
    let dir = scratch("card");
    let store = s(&dir.join("store"));
    let r = omacp(&[
        "device",
        "init",
        "--store",
        &store,
        "--imsi",
        IMSI,
        "--card",
        &corpus("cards/sim-bootstrap.card"),
        "--json",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(json(&r)["outcome"], "applied");
    let p = push(
        &dir,
        "boot.hex",
        "08-bootstrap-tps-context.xml",
        &["--sec", "netwpin", "--imsi", IMSI],
    );
    let r = omacp(&["device", "receive", "--store", &store, &p, "--json"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        json(&r)["reason"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fetch_outside_a_trusted_context_is_refused() {
    let dir = scratch("fetch");
    let store = s(&dir.join("store"));
    omacp(&["device", "init", "--store", &store, "--imsi", IMSI]);
    let r = omacp(&[
        "device",
        "fetch",
        "--store",
        &store,
        "http://127.0.0.1:9/prov",
        "--json",
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        json(&r)["reason"]
            .as_str()
            .unwrap()
            .contains("no trusted context")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn receive_killed_during_apply_leaves_the_previous_settings() {
    let dir = scratch("crash");
    let store = s(&dir.join("store"));
    let r = omacp(&[
        "device",
        "init",
        "--store",
        &store,
        "--imsi",
        IMSI,
        "--card",
        &corpus("cards/sim-bootstrap.card"),
    ]);
    assert_eq!(r.status.code(), Some(0));
    let before = omacp(&["device", "show", "--store", &store, "--json"]).stdout;
    let history = omacp(&["device", "history", "--store", &store, "--json"]).stdout;
    let p = push(
        &dir,
        "n.hex",
        "01-gprs-internet-apn.xml",
        &["--sec", "netwpin", "--imsi", IMSI],
    );
    let args = [
        "device", "receive", "--store", &store, &p, "--yes", "--json",
    ];
    // The apply writes the default context (1 item): delete, upsert, item, history, snapshot.
    for n in 1..=5 {
        let r = omacp_env(&args, Some(n));
        assert_ne!(r.status.code(), Some(0), "crash point {n} was not reached");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                r.status.signal(),
                Some(6),
                "crash point {n}: {}",
                String::from_utf8_lossy(&r.stderr)
            );
        }
        assert_eq!(
            omacp(&["device", "show", "--store", &store, "--json"]).stdout,
            before,
            "after crash {n}"
        );
        assert_eq!(
            omacp(&["device", "history", "--store", &store, "--json"]).stdout,
            history
        );
    }
    let r = omacp_env(&args, None);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
    assert_ne!(
        omacp(&["device", "show", "--store", &store, "--json"]).stdout,
        before
    );
    std::fs::remove_dir_all(&dir).ok();
}
