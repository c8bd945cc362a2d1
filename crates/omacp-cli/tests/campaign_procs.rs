//! Campaigns through real `omacp serve` processes, with an SMSC that outlives them (the
//! sandbox SMSC and its virtual handsets run inside this test, configured as the servers'
//! SMSC route):
//!
//! - `kill -9` of the server in the middle of a campaign, then a restart: every message
//!   ends delivered, each handset applied its settings exactly once (resent segments carry
//!   the same idempotency key, which the SMSC uses to drop duplicates);
//! - two servers on one PostgreSQL database share one campaign, started and followed with
//!   `omacp campaign run`, and nothing is submitted twice.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use omacp_sandbox::{HandsetSpec, Sandbox};
use omacp_smpp::smsc::SmscConfig;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

const NAPDEF: &str = r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="gprs1"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAME" value="Example"/><parm name="NAP-ADDRESS" value="${apn}"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#;

struct Serve {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "omacp-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a configuration for a server on a free port, sending to `smsc`.
fn config(
    dir: &std::path::Path,
    database: &str,
    smsc: &str,
    batch: u32,
) -> (std::path::PathBuf, String) {
    let port = free_port();
    let path = dir.join(format!("omacp-{port}.toml"));
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndatabase = \"{database}\"\n[log]\nlevel = \"warn\"\n\
             [campaign]\nlease_secs = 2\nbatch = {batch}\n\
             [[campaign.smsc]]\nname = \"sb\"\nurl = \"smpp://omacp:pw@{smsc}\"\nwindow = 8\n"
        ),
    )
    .unwrap();
    (path, format!("http://127.0.0.1:{port}"))
}

impl Serve {
    fn start(cfg: &std::path::Path, base: &str) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_omacp"))
            .args(["serve", "--config"])
            .arg(cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start omacp serve");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Serve {
            child,
            base: base.to_owned(),
            lines,
        }
    }

    /// The one-time admin password printed on first start.
    fn first_password(&self) -> String {
        loop {
            let l = self.lines.recv_timeout(WAIT).expect("first-start banner");
            if let Some(p) = l.split("(shown only now): ").nth(1) {
                return p.trim().to_owned();
            }
        }
    }

    async fn ready(&self) {
        let c = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = c.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server at {} never became ready", self.base);
    }

    /// SIGKILL: no shutdown code runs.
    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

#[derive(Clone)]
struct Api {
    base: String,
    token: String,
    c: reqwest::Client,
}

impl Api {
    async fn login(base: &str, password: &str) -> Api {
        let c = reqwest::Client::new();
        let v: Value = c
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({"tenant": "operator", "username": "admin", "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            base: base.to_owned(),
            token: v["token"].as_str().expect("login").to_owned(),
            c,
        }
    }
    fn at(&self, base: &str) -> Api {
        Api {
            base: base.to_owned(),
            ..self.clone()
        }
    }
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let st = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(st.is_success(), "POST {path}: {st} {v}");
        v
    }
    async fn get(&self, path: &str) -> Value {
        let r = self
            .c
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }
    async fn text(&self, path: &str) -> String {
        self.c
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

async fn sandbox() -> Sandbox {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Sandbox::start(l, SmscConfig::new("sandbox", Vec::new()), &[]).unwrap()
}

/// A profile and `n` subscribers (CSV import) with handsets in `sb`; returns the profile id.
async fn setup(api: &Api, sb: &Sandbox, n: usize, label: &str) -> (String, Vec<String>) {
    let prof = api
        .post(
            "/api/v1/profiles",
            json!({"name": "apn", "template": NAPDEF,
                   "variables": [{"name": "apn", "type": "string", "scope": "subscriber", "default": "internet"}]}),
        )
        .await;
    let mut csv = String::from("msisdn,imsi,labels\n");
    let mut msisdns = Vec::new();
    for i in 0..n {
        let m = format!("4477006{i:05}");
        let imsi = format!("00101{:0>10}", &m[m.len() - 10..]);
        csv.push_str(&format!("{m},{imsi},{label}\n"));
        sb.add_handset(&HandsetSpec {
            msisdn: m.clone(),
            imsi,
            pin: None,
        })
        .unwrap();
        msisdns.push(m);
    }
    let r = api
        .c
        .post(format!("{}/api/v1/subscribers/import", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    (prof["id"].as_str().unwrap().to_owned(), msisdns)
}

async fn wait_done(api: &Api, id: &str) -> Value {
    let mut v = Value::Null;
    for _ in 0..600 {
        v = api.get(&format!("/api/v1/campaigns/{id}")).await;
        if v["state"] == "done" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("campaign {id} did not finish: {v}");
}

fn applied_once_each(sb: &Sandbox, msisdns: &[String]) {
    for m in msisdns {
        let n = sb
            .history(m)
            .unwrap()
            .iter()
            .filter(|h| h.kind == "apply")
            .count();
        assert_eq!(n, 1, "handset {m} applied {n} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_campaign_then_restart_loses_nothing() {
    let sb = sandbox().await;
    let dir = tmpdir("crash");
    let db = format!("sqlite:{}", dir.join("omacp.db").display());
    let (cfg, base) = config(&dir, &db, &sb.local_addr().to_string(), 20);
    let mut serve = Serve::start(&cfg, &base);
    let pw = serve.first_password();
    serve.ready().await;
    let api = Api::login(&base, &pw).await;
    let n = 300;
    let (prof, msisdns) = setup(&api, &sb, n, "crash").await;
    let c = api
        .post(
            "/api/v1/campaigns",
            json!({"name": "crash", "profile_id": prof, "audience": {"label": "crash"}, "sec": "netwpin", "rate": 100}),
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    // Mid-campaign: some delivered, most not yet sent.
    loop {
        let v = api.get(&format!("/api/v1/campaigns/{id}")).await;
        if v["stats"]["delivered"].as_i64().unwrap() >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    serve.kill9();
    let before = api.c.get(format!("{base}/healthz")).send().await;
    assert!(before.is_err(), "the server is gone");
    let serve = Serve::start(&cfg, &base);
    serve.ready().await;
    let v = wait_done(&api, &id).await;
    assert_eq!(v["stats"]["delivered"].as_i64(), Some(n as i64), "{v}");
    assert_eq!(v["total"].as_i64(), Some(n as i64));
    applied_once_each(&sb, &msisdns);
    let submits = sb.smsc().stats().submits.load(Ordering::Relaxed);
    assert!(submits >= n as u64, "{submits}");

    // `omacp campaign status` against the restarted server.
    let out = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .args(["campaign", "status", &id, "--server", &base, "--json"])
        .env("OMACP_TOKEN", &api.token)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["stats"]["delivered"].as_i64(), Some(n as i64));
    drop(serve);
    let _ = std::fs::remove_dir_all(dir);
}

fn psql(sql: &str) -> bool {
    Command::new("psql")
        .args(["postgres://postgres@127.0.0.1:5432/postgres", "-qc", sql])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// Receipts the SMSC routes to the other server arrive before their segment is committed
// there: this is the test that found the lost-receipt race in `apply::park`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_share_a_campaign_without_sending_twice() {
    let name = format!("omacp_t_two_{}_{}", std::process::id(), free_port());
    if !psql(&format!("CREATE DATABASE {name}")) {
        omacp_testkit::skip!("PostgreSQL at 127.0.0.1:5432 (or psql) is unavailable");
    }
    let sb = sandbox().await;
    let dir = tmpdir("two");
    let db = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let smsc = sb.local_addr().to_string();
    let (cfg1, base1) = config(&dir, &db, &smsc, 10);
    let (cfg2, base2) = config(&dir, &db, &smsc, 10);
    let one = Serve::start(&cfg1, &base1);
    let pw = one.first_password();
    one.ready().await;
    let two = Serve::start(&cfg2, &base2);
    two.ready().await;
    let api = Api::login(&base1, &pw).await;
    let n = 400;
    let (prof, msisdns) = setup(&api, &sb, n, "shared").await;

    // Created and followed by the CLI, as a script would.
    let out = tokio::task::spawn_blocking({
        let (base1, token, prof) = (base1.clone(), api.token.clone(), prof.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_omacp"))
                .args([
                    "campaign",
                    "run",
                    "--server",
                    &base1,
                    "--profile",
                    &prof,
                    "--label",
                    "shared",
                    "--sec",
                    "netwpin",
                    // Shared by the two runners (50/s each): the campaign lasts a few
                    // seconds, long enough for the second server to pick it up
                    // (unthrottled, one server can finish 400 messages before the other's
                    // next look at running campaigns).
                    "--rate",
                    "100",
                    "--json",
                ])
                .env("OMACP_TOKEN", token)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "omacp campaign run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(last["state"], "done");
    assert_eq!(
        last["stats"]["delivered"].as_i64(),
        Some(n as i64),
        "{last}"
    );
    // Both servers sent part of it, and the SMSC saw each message exactly once.
    for base in [&base1, &base2] {
        let metrics = api.at(base).text("/metrics").await;
        let sent: f64 = metrics
            .lines()
            .find(|l| l.starts_with("omacp_campaign_messages_submitted_total"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        assert!(sent > 0.0, "{base} sent nothing");
        // Each runner counted both, so each took half of every rate limit.
        let live = metrics
            .lines()
            .find(|l| l.starts_with("omacp_campaign_runners_live"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok());
        assert_eq!(live, Some(2.0), "{base}: {metrics}");
    }
    assert_eq!(sb.smsc().stats().submits.load(Ordering::Relaxed), n as u64);
    applied_once_each(&sb, &msisdns);
    drop((one, two));
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(dir);
}
