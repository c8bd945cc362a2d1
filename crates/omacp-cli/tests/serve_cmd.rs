//! `omacp serve` and `omacp admin` as a script would run them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn omacp() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_omacp"));
    c.env("OMACP_LOG", "info");
    c
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("omacp-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_help_documents_keys_and_variables() {
    let out = omacp().args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for k in [
        "--config",
        "--listen",
        "--database",
        "trusted_networks",
        "OMACP_THC_TRUSTED_NETWORKS",
        "OMACP_DATABASE",
    ] {
        assert!(text.contains(k), "serve --help lacks {k}");
    }
}

#[test]
fn first_start_prints_credential_once_and_never_logs_it() {
    let dir = tempdir("serve");
    let db = format!("sqlite:{}", dir.join("s.db").display());
    let mut child = omacp()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let mut password = None;
    let mut api = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(p) = line.split("one-time password (shown only now): ").nth(1) {
            password = Some(p.to_string());
        }
        if let Some(u) = line.strip_prefix("omacp: API       http://") {
            api = Some(u.split('/').next().unwrap().to_string());
            break;
        }
    }
    let password = password.expect("first start prints a password");
    let addr = api.expect("prints the API address");
    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    drop(child);
    let mut logs = String::new();
    BufReader::new(stderr).read_to_string(&mut logs).unwrap();
    assert!(logs.contains("listening"), "logs: {logs}");
    assert!(!logs.contains(&password), "the credential reached the log");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn admin_manages_tenants_users_tokens() {
    let dir = tempdir("admin");
    let db = format!("sqlite:{}", dir.join("a.db").display());
    let run = |args: &[&str]| {
        let out = omacp()
            .args(["admin"])
            .args(args)
            .args(["--database", &db])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let t = run(&[
        "tenant",
        "create",
        "acme",
        "--types",
        "APPLICATION",
        "--appids",
        "25,143",
    ]);
    assert!(t.contains("one-time password: "));
    assert!(run(&["tenant", "list"]).contains("acme"));
    run(&[
        "user", "create", "--tenant", "acme", "eve", "--role", "editor",
    ]);
    run(&[
        "user", "set-role", "--tenant", "acme", "eve", "--role", "viewer",
    ]);
    assert!(run(&["user", "list", "--tenant", "acme"]).contains("eve\tusr_"));
    let tok = run(&["token", "create", "--tenant", "acme", "--user", "eve"]);
    assert!(tok.contains("secret (shown only now): omacp_tok_"));
    let id = tok.split_whitespace().nth(2).unwrap().to_string();
    assert!(run(&["token", "list", "--tenant", "acme"]).contains(&id));
    run(&["token", "revoke", "--tenant", "acme", &id]);
    assert!(!run(&["token", "list", "--tenant", "acme"]).contains(&id));
    let bad = omacp()
        .args([
            "admin",
            "user",
            "list",
            "--tenant",
            "nope",
            "--database",
            &db,
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn config_file_json_logs_and_database_next_to_it() {
    let dir = tempdir("config");
    let cfg = dir.join("omacp.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:0\"\n[log]\nformat = \"json\"\n[thc]\ntrusted_networks = [\"10.0.0.0/8\"]\n").unwrap();
    let mut child = omacp()
        .args(["serve", "--config"])
        .arg(&cfg)
        .env_remove("OMACP_DATABASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().starts_with("omacp: API") {
            break;
        }
    }
    drop(child);
    assert!(
        dir.join("omacp.db").exists(),
        "the SQLite file goes next to the config"
    );
    let first = BufReader::new(stderr).lines().next().unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).expect("JSON log line");
    assert!(v["fields"]["message"].is_string(), "{first}");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "lisen = 1\n").unwrap();
    let out = omacp()
        .args(["serve", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lisen"));
    let _ = std::fs::remove_dir_all(dir);
}
