//! Campaign throughput over loopback (BENCHMARKS.md, "Campaign delivery"): one process runs
//! a bare SMSC (omacp-smpp's server, answering every submit_sm and sending a DELIVRD
//! receipt at once) and the omacp server with a route to it; N subscribers are imported and
//! one NETWPIN campaign is created for all of them. Reported: messages per second submitted
//! and acknowledged by the SMSC, and delivered (receipt recorded in the database).
//!
//! With `--kannel M`, the same kind of messages then go through Kannel (bearerbox + smsbox,
//! `/usr/sbin`) to the same SMSC: a second server instance with a Kannel route, M
//! subscribers, and the SMSC's submit counter timed the same way.
//!
//! With `--create-only`, the campaign is created paused and nothing is delivered: only the
//! creation time (audience resolved and checked, N queue rows written) is reported.
//!
//! `cargo run --release -p omacp-server --example campaign_bench -- [N] [--pg] [--kannel M]
//! [--create-only]`

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use omacp_server::campaign::config::{RouteKind, SmscRoute};
use omacp_server::serve;
use omacp_smpp::receipt::{DeliveryReport, MessageState};
use omacp_smpp::server::{self, SmscHandle};
use omacp_smpp::smsc::SmscConfig;
use serde_json::{Value, json};

const NAPDEF: &str = r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="gprs1"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAME" value="Example"/><parm name="NAP-ADDRESS" value="${apn}"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#;

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A bare SMSC: every accepted submit gets a DELIVRD receipt at once.
async fn smsc() -> (SmscHandle, Arc<AtomicU64>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (h, mut rx) = server::start(l, SmscConfig::new("bench", Vec::new())).unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let (h2, c2) = (h.clone(), Arc::clone(&count));
    tokio::spawn(async move {
        while let Some(s) = rx.recv().await {
            c2.fetch_add(1, Ordering::Relaxed);
            let _ = h2.receipt(DeliveryReport {
                message_id: s.message_id,
                state: MessageState::Delivered,
                network_error: None,
                text: None,
            });
        }
    });
    (h, count)
}

struct Api {
    base: String,
    token: String,
    c: reqwest::Client,
}

impl Api {
    async fn login(base: &str, a: &serve::Started) -> Api {
        let f = a.first_admin.as_ref().expect("fresh database");
        let c = reqwest::Client::new();
        let v: Value = c
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({"tenant": f.tenant, "username": f.username, "password": f.password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            base: base.into(),
            token: v["token"].as_str().unwrap().into(),
            c,
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
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }
    async fn get(&self, path: &str) -> Value {
        self.c
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    /// In chunks: the API takes request bodies up to 2 MB.
    async fn import(&self, prefix: &str, n: usize) {
        for from in (0..n).step_by(40_000) {
            let mut csv = String::from("msisdn,imsi\n");
            for i in from..(from + 40_000).min(n) {
                csv.push_str(&format!("{prefix}{i:06},0010100{i:08}\n"));
            }
            let r = self
                .c
                .post(format!("{}/api/v1/subscribers/import", self.base))
                .bearer_auth(&self.token)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "import: {}", r.status());
        }
    }
}

/// CPU seconds (user + system) a process used so far, from its `/proc/<pid>/stat` (0
/// elsewhere).
fn cpu_secs_of(stat: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime and stime are the
    // 12th and 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// CPU seconds this process used so far.
fn cpu_secs() -> f64 {
    cpu_secs_of("/proc/self/stat")
}

/// CPU seconds used so far by the processes named `postgres` on this machine (the local
/// PostgreSQL server's backends; 0 when there is none or /proc is absent).
fn postgres_cpu_secs() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| cpu_secs_of(&e.path().join("stat").to_string_lossy()))
        .sum()
}

/// One campaign's figures.
struct Run {
    /// Seconds from the creation request to its answer.
    created: f64,
    /// CPU seconds of this process (server, SMSC, client) during the creation.
    create_cpu: f64,
    /// CPU seconds of the local PostgreSQL processes during the creation.
    create_pg_cpu: f64,
    /// Messages per second submitted and acknowledged (0 when not delivered).
    submitted: f64,
    /// Messages per second delivered (0 when not delivered).
    delivered: f64,
    /// CPU µs per message while delivering.
    cpu_per_msg: f64,
}

/// Runs one campaign for every subscriber (created paused and not delivered when `paused`).
async fn campaign(api: &Api, n: u64, smsc_count: &AtomicU64, paused: bool) -> Run {
    let prof = api
        .post(
            "/api/v1/profiles",
            json!({"name": "apn", "template": NAPDEF,
                   "variables": [{"name": "apn", "type": "string", "scope": "subscriber", "default": "internet"}]}),
        )
        .await;
    let base = smsc_count.load(Ordering::Relaxed);
    let (cpu_before, pg_before) = (cpu_secs(), postgres_cpu_secs());
    let t0 = Instant::now();
    let c = api
        .post(
            "/api/v1/campaigns",
            json!({"name": "bench", "profile_id": prof["id"], "sec": "netwpin", "paused": paused}),
        )
        .await;
    let created = t0.elapsed().as_secs_f64();
    let create_cpu = cpu_secs() - cpu_before;
    let create_pg_cpu = postgres_cpu_secs() - pg_before;
    assert_eq!(c["total"].as_u64(), Some(n), "{c}");
    let mut run = Run {
        created,
        create_cpu,
        create_pg_cpu,
        submitted: 0.0,
        delivered: 0.0,
        cpu_per_msg: 0.0,
    };
    if paused {
        return run;
    }
    let id = c["id"].as_str().unwrap().to_owned();
    let t1 = Instant::now();
    let cpu0 = cpu_secs();
    let mut submitted_at = None;
    let mut last_poll = Instant::now();
    loop {
        if submitted_at.is_none() && smsc_count.load(Ordering::Relaxed) - base >= n {
            submitted_at = Some(t1.elapsed().as_secs_f64());
        }
        // The SMSC's counter is read often; the API (a GROUP BY over the campaign) rarely.
        if last_poll.elapsed() >= Duration::from_millis(250) {
            last_poll = Instant::now();
            let v = api.get(&format!("/api/v1/campaigns/{id}")).await;
            if v["stats"]["delivered"].as_u64() == Some(n) {
                let done = t1.elapsed().as_secs_f64();
                let sub = submitted_at.unwrap_or(done);
                run.cpu_per_msg = (cpu_secs() - cpu0) * 1e6 / n as f64;
                run.submitted = n as f64 / sub;
                run.delivered = n as f64 / done;
                return run;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Procs(Vec<Child>);
impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn kannel(smsc: u16, dir: &std::path::Path) -> (Procs, u16) {
    let (admin, boxp, sendsms) = (free_port(), free_port(), free_port());
    let conf = dir.join("kannel.conf");
    std::fs::write(
        &conf,
        format!(
            "group = core\nadmin-port = {admin}\nadmin-password = omacp\nadmin-interface = 127.0.0.1\n\
             smsbox-port = {boxp}\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\nlog-level = 4\n\
             dlr-storage = internal\n\n\
             group = smsc\nsmsc = smpp\nsmsc-id = bench\nhost = 127.0.0.1\nport = {smsc}\n\
             transceiver-mode = true\nsmsc-username = kannel\nsmsc-password = kannel\nsystem-type = \"VMA\"\n\
             max-pending-submits = 100\n\n\
             group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxp}\n\
             sendsms-port = {sendsms}\nsendsms-interface = 127.0.0.1\nlog-level = 4\n\n\
             group = sendsms-user\nusername = omacp\npassword = omacp\nmax-messages = 1\n"
        ),
    )
    .unwrap();
    let spawn = |bin: &str| {
        Command::new(bin)
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Kannel")
    };
    let mut p = Procs(vec![spawn("/usr/sbin/bearerbox")]);
    std::thread::sleep(Duration::from_secs(2));
    p.0.push(spawn("/usr/sbin/smsbox"));
    std::thread::sleep(Duration::from_secs(2));
    (p, sendsms)
}

async fn start(db: String, route: SmscRoute, port: u16) -> (serve::Started, Api) {
    let mut cfg = omacp_server::Config::load(None, &|_| None).unwrap();
    cfg.listen = format!("127.0.0.1:{port}").parse().unwrap();
    cfg.database = Some(db);
    // With --pg there is no SQLite file to keep the key next to.
    cfg.data_key_file = Some(
        std::env::temp_dir().join(format!("omacp-bench-{}/omacp-data.key", std::process::id())),
    );
    cfg.log.level = "error".into();
    cfg.campaign.smsc = vec![route];
    cfg.campaign.batch = 1000;
    let s = serve::start(cfg).await.unwrap();
    let base = format!("http://{}", s.addr);
    let api = Api::login(&base, &s).await;
    (s, api)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let pg = args.iter().any(|a| a == "--pg");
    let kannel_n: u64 = args
        .iter()
        .position(|a| a == "--kannel")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(0);
    let create_only = args.iter().any(|a| a == "--create-only");
    let dir = std::env::temp_dir().join(format!("omacp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = |tag: &str| {
        if pg {
            let name = format!("omacp_bench_{tag}_{}", std::process::id());
            let ok = Command::new("psql")
                .args(["postgres://postgres@127.0.0.1:5432/postgres", "-qc"])
                .arg(format!("CREATE DATABASE {name}"))
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "creating the PostgreSQL database");
            format!("postgres://postgres@127.0.0.1:5432/{name}")
        } else {
            format!("sqlite:{}", dir.join(format!("{tag}.db")).display())
        }
    };
    let (h, count) = smsc().await;
    let route = SmscRoute {
        name: "bench".into(),
        kind: RouteKind::Smpp,
        url: format!("smpp://omacp:bench@{}", h.local_addr()),
        tenants: Vec::new(),
        window: 256,
        rate: 0,
        dlr_url: None,
    };
    let (_s, api) = start(db("omacp"), route, 0).await;
    let t = Instant::now();
    api.import("4477", n as usize).await;
    eprintln!(
        "imported {n} subscribers in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let r = campaign(&api, n, &count, create_only).await;
    let backend = if pg { "PostgreSQL" } else { "SQLite" };
    // The PostgreSQL server's CPU, when it runs here, is not in this process's figure.
    let pg_cpu = if pg {
        format!(" + PostgreSQL {:.2} s", r.create_pg_cpu)
    } else {
        String::new()
    };
    println!(
        "omacp  {n} messages ({backend}): created in {:.2} s (CPU: this process {:.2} s{pg_cpu})",
        r.created, r.create_cpu
    );
    if !create_only {
        println!(
            "omacp  {n} messages ({backend}): submitted+acknowledged {:.0}/s; delivered (receipt recorded) {:.0}/s; CPU {:.0} µs/message",
            r.submitted, r.delivered, r.cpu_per_msg
        );
    }
    if kannel_n > 0 && !create_only {
        let (_k, sendsms) = kannel(h.local_addr().port(), &dir);
        let port = free_port();
        let route = SmscRoute {
            name: "kannel".into(),
            kind: RouteKind::Kannel,
            url: format!("http://omacp:omacp@127.0.0.1:{sendsms}/cgi-bin/sendsms"),
            tenants: Vec::new(),
            window: 64,
            rate: 0,
            dlr_url: Some(format!("http://127.0.0.1:{port}")),
        };
        let (_s2, api2) = start(db("kannel"), route, port).await;
        api2.import("4478", kannel_n as usize).await;
        let r = campaign(&api2, kannel_n, &count, false).await;
        println!(
            "kannel {kannel_n} messages via bearerbox: submitted+acknowledged {:.0}/s; delivered (DLR recorded) {:.0}/s; CPU {:.0} µs/message (omacp side)",
            r.submitted, r.delivered, r.cpu_per_msg
        );
    }
    let _ = std::fs::remove_dir_all(dir);
    if pg {
        for tag in ["omacp", "kannel"] {
            let _ = Command::new("psql")
                .args(["postgres://postgres@127.0.0.1:5432/postgres", "-qc"])
                .arg(format!(
                    "DROP DATABASE IF EXISTS omacp_bench_{tag}_{} WITH (FORCE)",
                    std::process::id()
                ))
                .status();
        }
    }
}
