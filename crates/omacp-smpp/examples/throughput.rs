//! SMPP throughput over loopback, one process, one SMSC (ours), two senders in turn:
//!
//! 1. omacp: a NETWPIN campaign of N single-segment pushes, each signed for its own IMSI
//!    (SignedPushTemplate + HMAC per subscriber), segmented and submitted by our ESME
//!    client through a window. Rate = submit_sm acknowledged per second, from the first
//!    submit to the last submit_sm_resp.
//! 2. Kannel: bearerbox bound to the same SMSC, fed through smsbox's `/cgi-bin/sendota` by
//!    C parallel HTTP clients with the same document (USERPIN, Kannel cannot key NETWPIN
//!    per IMSI). Rate = submit_sm the SMSC accepted from Kannel per second.
//!
//! The SMSC runs in a child process (this program with argument `smsc`), so the CPU time
//! of each side is measured apart (/proc/PID/stat): that shows which side is the
//! bottleneck.
//!
//! Usage: throughput [N] [WINDOW] [KANNEL_N] [KANNEL_CLIENTS]
//! (defaults 100000 100 10000 16). Prints tab-separated result lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use omacp_bearer::wdp::SegmentOptions;
use omacp_bearer::wsp::SignedPushTemplate;
use omacp_sec::{Imsi, Mac, MacKey, SecMethod};
use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::{EsmeConfig, Event};
use omacp_smpp::push::{PushSubmit, SmppAddress};
use omacp_smpp::server;
use omacp_smpp::smsc::SmscConfig;
use omacp_testkit::peers::KannelGateway;

/// A NAPDEF document whose signed push fits one SMS (55 octets of WBXML).
const XML: &str = r#"<?xml version="1.0"?>
<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">
<wap-provisioningdoc version="1.0">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="NAP1"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Web"/>
    <parm name="NAP-ADDRESS" value="internet"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
"#;

#[derive(Default)]
struct Counts {
    omacp: AtomicU64,
    kannel: AtomicU64,
    binds: AtomicU64,
    /// Wall-clock ms of the last Kannel submit_sm the SMSC accepted.
    kannel_last_ms: AtomicU64,
}

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// CPU seconds (user + system) used so far by a process.
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    ticks as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("smsc") {
        runtime().block_on(smsc_process());
        return;
    }
    let n = arg(1, 100_000);
    let window = arg(2, 100) as usize;
    let kannel_n = arg(3, 10_000);
    let kannel_clients = arg(4, 16);
    runtime().block_on(run(n, window, kannel_n, kannel_clients));
}

/// The child: our SMSC; prints its address, then its counters whenever they change.
async fn smsc_process() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (smsc, mut sink) = server::start(listener, SmscConfig::new("bench", vec![])).unwrap();
    println!("addr {}", smsc.local_addr());
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    tokio::spawn(async move {
        while let Some(s) = sink.recv().await {
            if s.system_id == "kannel" {
                c.kannel.fetch_add(1, Ordering::Relaxed);
                c.kannel_last_ms.store(wall_ms(), Ordering::Relaxed);
            } else {
                c.omacp.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let mut last = String::new();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let line = format!(
            "count {} {} {} {}",
            counts.omacp.load(Ordering::Relaxed),
            counts.kannel.load(Ordering::Relaxed),
            counts.kannel_last_ms.load(Ordering::Relaxed),
            smsc.stats().binds.load(Ordering::Relaxed)
        );
        if line != last {
            println!("{line}");
            last = line;
        }
    }
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run(n: u64, window: usize, kannel_n: u64, kannel_clients: u64) {
    let wbxml = omacp_wbxml::encode(
        &omacp_doc::xml::parse(XML).expect("document parses"),
        &omacp_wbxml::EncodeOptions::default(),
    );
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("smsc")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the SMSC process");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let child = Child(child);
    let smsc_pid = child.0.id().to_string();
    let addr = lines
        .next()
        .and_then(Result::ok)
        .and_then(|l| l.strip_prefix("addr ").map(str::to_owned))
        .expect("SMSC address");
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            let f: Vec<u64> = l
                .split_whitespace()
                .skip(1)
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            if let [o, k, last, b] = f[..] {
                c.omacp.store(o, Ordering::Relaxed);
                c.kannel.store(k, Ordering::Relaxed);
                c.kannel_last_ms.store(last, Ordering::Relaxed);
                c.binds.store(b, Ordering::Relaxed);
            }
        }
    });

    // 1. omacp.
    let mut cfg = EsmeConfig::new("omacp", "pw");
    cfg.window = window;
    let (client, mut events) = Client::start(addr.clone(), cfg, Reconnect::default()).unwrap();
    loop {
        if let Some(ClientEvent::Session(Event::Bound { .. })) = events.recv().await {
            break;
        }
    }
    let (esme_cpu0, smsc_cpu0) = (cpu_secs("self"), cpu_secs(&smsc_pid));
    let start = Instant::now();
    let producer = {
        let client = client.clone();
        tokio::task::spawn_blocking(move || {
            let mut t = SignedPushTemplate::new(1, SecMethod::NetwPin, &[], &wbxml);
            let opts = SegmentOptions::default();
            let src = SmppAddress::source("12345");
            for i in 0..n {
                let imsi = Imsi::parse(&format!("00101{i:010}")).unwrap();
                let mac = Mac::compute(&MacKey::netwpin(&imsi), t.body());
                let pdu = t.with_mac(&mac);
                let p = PushSubmit::new(src.clone(), &format!("3584{i:08}"));
                let mut sms = p.submits(pdu, &opts).unwrap();
                assert_eq!(sms.len(), 1, "single-segment push");
                client.submit(i, sms.pop().unwrap()).unwrap();
            }
        })
    };
    let mut accepted = 0u64;
    while accepted < n {
        let e = match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(e) => e,
            Err(_) => panic!("stalled: {accepted} acknowledged"),
        };
        match e.expect("client alive") {
            ClientEvent::Session(Event::Accepted { .. }) => accepted += 1,
            ClientEvent::Session(Event::Failed { key, status, .. }) => {
                panic!("{key} failed: {status}")
            }
            _ => {}
        }
    }
    let elapsed = start.elapsed();
    let (esme_cpu, smsc_cpu) = (
        cpu_secs("self") - esme_cpu0,
        cpu_secs(&smsc_pid) - smsc_cpu0,
    );
    producer.await.unwrap();
    client.close();
    println!(
        "omacp\tmessages={n}\twindow={window}\tseconds={:.3}\tsubmit_sm_acked_per_s={:.0}\tcpu_s_esme={esme_cpu:.2}\tcpu_s_smsc={smsc_cpu:.2}",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );

    // 2. Kannel, same SMSC, same run.
    if kannel_n == 0 {
        return;
    }
    let port: u16 = addr.rsplit_once(':').unwrap().1.parse().unwrap();
    let binds_before = counts.binds.load(Ordering::Relaxed);
    let Some(gw) = tokio::task::spawn_blocking(move || KannelGateway::start(port, "kannel", "kpw"))
        .await
        .unwrap()
    else {
        println!("kannel\tSKIPPED: bearerbox/smsbox not installed");
        return;
    };
    let gw = Arc::new(gw);
    let end = Instant::now() + Duration::from_secs(30);
    while counts.binds.load(Ordering::Relaxed) <= binds_before && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let smsc_cpu0 = cpu_secs(&smsc_pid);
    let start = Instant::now();
    let start_ms = wall_ms();
    let refused = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for w in 0..kannel_clients {
        let gw = gw.clone();
        let refused = refused.clone();
        workers.push(tokio::task::spawn_blocking(move || {
            let mut i = w;
            while i < kannel_n {
                let ok = gw
                    .sendota(&format!("3585{i:08}"), "USERPIN", "1234", XML)
                    .map(|r| r.contains("Accepted"))
                    .unwrap_or(false);
                if !ok {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                i += kannel_clients;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let http_elapsed = start.elapsed();
    let want = kannel_n - refused.load(Ordering::Relaxed);
    let end = Instant::now() + Duration::from_secs(120);
    while counts.kannel.load(Ordering::Relaxed) < want && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = counts.kannel.load(Ordering::Relaxed);
    let last = counts.kannel_last_ms.load(Ordering::Relaxed);
    let smsc_secs = last.saturating_sub(start_ms) as f64 / 1e3;
    println!(
        "kannel\tmessages={kannel_n}\tclients={kannel_clients}\thttp_refused={}\tsendota_accepted_per_s={:.0}\tsubmit_sm_received={got}\tseconds={smsc_secs:.3}\tsubmit_sm_acked_per_s={:.0}\tcpu_s_smsc={:.2}",
        refused.load(Ordering::Relaxed),
        want as f64 / http_elapsed.as_secs_f64(),
        got as f64 / smsc_secs,
        cpu_secs(&smsc_pid) - smsc_cpu0
    );
}
