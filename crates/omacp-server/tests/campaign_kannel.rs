//! Kannel as the campaign gateway, against a real bearerbox + smsbox (Debian `kannel`):
//! the server sends each segment to smsbox's `sendsms` (binary UDH + data, `dlr-url`),
//! bearerbox submits it over SMPP to our sandbox SMSC (started by this test), the virtual
//! handset applies it, and the SMSC's receipt travels back through bearerbox and smsbox to
//! the server's `dlr-url` endpoint, which marks the message delivered. Skips when Kannel is
//! not installed.

mod campaign_util;
mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use campaign_util::*;
use common::*;
use omacp_sandbox::{HandsetSpec, Sandbox};
use omacp_server::campaign::config::{RouteKind, SmscRoute};
use omacp_smpp::smsc::SmscConfig;
use serde_json::json;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16) -> bool {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

struct Procs(Vec<Child>, PathBuf);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

/// bearerbox (SMPP client of `smsc`) and smsbox; returns them and the sendsms port.
fn kannel(smsc: u16) -> Option<(Procs, u16)> {
    let bearerbox = PathBuf::from("/usr/sbin/bearerbox");
    let smsbox = PathBuf::from("/usr/sbin/smsbox");
    if !bearerbox.is_file() || !smsbox.is_file() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "omacp-kannel-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (admin, boxp, sendsms) = (free_port(), free_port(), free_port());
    let conf = dir.join("kannel.conf");
    std::fs::write(
        &conf,
        format!(
            "group = core\nadmin-port = {admin}\nadmin-password = omacp\nadmin-interface = 127.0.0.1\n\
             smsbox-port = {boxp}\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\n\
             log-file = \"{d}/bearerbox.log\"\nlog-level = 1\ndlr-storage = internal\n\n\
             group = smsc\nsmsc = smpp\nsmsc-id = sandbox\nhost = 127.0.0.1\nport = {smsc}\n\
             transceiver-mode = true\nsmsc-username = kannel\nsmsc-password = kannel\nsystem-type = \"VMA\"\n\n\
             group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxp}\n\
             sendsms-port = {sendsms}\nsendsms-interface = 127.0.0.1\nlog-file = \"{d}/smsbox.log\"\nlog-level = 1\n\n\
             group = sendsms-user\nusername = omacp\npassword = omacp\nmax-messages = 1\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let spawn = |bin: &PathBuf| {
        Command::new(bin)
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    };
    let mut procs = Procs(Vec::new(), dir.clone());
    procs.0.push(spawn(&bearerbox)?);
    assert!(
        wait_listening(boxp),
        "bearerbox did not open its smsbox port"
    );
    procs.0.push(spawn(&smsbox)?);
    assert!(
        wait_listening(sendsms),
        "smsbox did not open its sendsms port"
    );
    Some((procs, sendsms))
}

async fn through_kannel(db: Db) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sb = Sandbox::start(l, SmscConfig::new("sandbox", Vec::new()), &[]).unwrap();
    let Some((_kannel, sendsms)) = kannel(sb.local_addr().port()) else {
        db.drop_db().await;
        omacp_testkit::skip!("Kannel (bearerbox, smsbox) is not installed");
    };
    let port = free_port();
    let mut cfg = config(&db);
    cfg.listen = format!("127.0.0.1:{port}").parse().unwrap();
    cfg.campaign.smsc = vec![SmscRoute {
        name: "kannel".into(),
        kind: RouteKind::Kannel,
        url: format!("http://omacp:omacp@127.0.0.1:{sendsms}/cgi-bin/sendsms"),
        tenants: Vec::new(),
        window: 8,
        rate: 0,
        dlr_url: Some(format!("http://127.0.0.1:{port}")),
    }];
    let s = server(cfg).await;
    let api = s.admin.clone();
    let prof = profile(&api, "apn").await;
    let mut msisdns = Vec::new();
    for k in 0..6 {
        let m = format!("4477005{k:05}");
        subscriber(&api, &m, "kannel", &prof).await;
        sb.add_handset(&HandsetSpec {
            msisdn: m.clone(),
            imsi: format!("00101{:0>10}", &m[m.len() - 10..]),
            pin: None,
        })
        .unwrap();
        msisdns.push(m);
    }
    // A long campaign value: several SMS per message, each its own sendsms with its UDH.
    let c = api
        .must_post(
            "/api/v1/campaigns",
            json!({"name": "via kannel", "profile_id": prof, "audience": {"label": "kannel"},
                   "sec": "netwpin", "vars": {"apn_name": "K".repeat(150)}}),
            201,
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let v = wait_finished(&api, id, 90).await;
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["stats"]["delivered"], 6, "{v}");
    for m in &msisdns {
        let applied = sb
            .history(m)
            .unwrap()
            .iter()
            .filter(|h| h.kind == "apply")
            .count();
        assert_eq!(applied, 1, "{m}");
    }
    // A forged delivery report is refused.
    let (st, _) = Api::anonymous(&s.base)
        .get("/api/v1/kannel/dlr/kannel/0000?k=x&t=1")
        .await;
    assert_eq!(st, reqwest::StatusCode::NOT_FOUND);
    db.drop_db().await;
}
both_backends!(through_kannel);
