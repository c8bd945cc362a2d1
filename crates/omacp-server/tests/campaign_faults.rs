//! Campaigns against a misbehaving SMSC (omacp-sandbox's SMSC with fault knobs, started by
//! the test and configured as the server's SMSC route): throttling, temporary and
//! permanent errors, a disconnect in the middle of the window, receipts sent twice and
//! out of order. Each ends with every message accounted for, and no handset applying a
//! message twice (the idempotency key lets the SMSC drop resent segments).

mod campaign_util;
mod common;

use campaign_util::*;
use common::*;
use omacp_sandbox::{HandsetSpec, Sandbox};
use omacp_smpp::smsc::{Faults, SmscConfig};
use omacp_smpp::status::Status;
use serde_json::json;

async fn sandbox_with(faults: Faults) -> Sandbox {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = SmscConfig::new("faulty", Vec::new());
    cfg.faults = faults;
    Sandbox::start(l, cfg, &[]).unwrap()
}

/// `n` subscribers on the server and a handset for each in the sandbox.
async fn audience(api: &Api, sb: &Sandbox, prof: &str, n: usize, label: &str) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..n {
        let m = format!("4477007{k:05}");
        subscriber(api, &m, label, prof).await;
        let imsi = format!("00101{:0>10}", &m[m.len() - 10..]);
        sb.add_handset(&HandsetSpec {
            msisdn: m.clone(),
            imsi,
            pin: None,
        })
        .unwrap();
        out.push(m);
    }
    out
}

async fn temporary_faults(db: Db) {
    let sb = sandbox_with(Faults {
        throttle_every: 5,
        error_every: 7,
        error_status: Some(Status::SYSTEM_ERROR),
        drop_after: 25,
        drop_unanswered: 3,
        duplicate_receipts: true,
        reorder_receipts: true,
    })
    .await;
    let mut cfg = config(&db);
    cfg.campaign.smsc = vec![route_to("faulty", &sb)];
    let s = server(cfg).await;
    let api = s.admin.clone();
    let prof = profile(&api, "apn").await;
    let msisdns = audience(&api, &sb, &prof, 30, "faults").await;
    // A long campaign value makes every message several SMS.
    let long_name = "N".repeat(150);
    let c = api
        .must_post(
            "/api/v1/campaigns",
            json!({"name": "faults", "profile_id": prof, "audience": {"label": "faults"},
                   "sec": "netwpin", "vars": {"apn_name": long_name}, "max_attempts": 10}),
            201,
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let v = wait_finished(&api, id, 120).await;
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["stats"]["delivered"], 30, "{v}");
    let msgs = all_messages(&api, id).await;
    let segs = msgs[0]["segments"].as_i64().unwrap();
    assert!(
        segs >= 2 && msgs.iter().all(|m| m["segments"] == segs),
        "{msgs:?}"
    );
    // Every handset applied its settings exactly once, however often segments were resent.
    for m in &msisdns {
        let applied: Vec<_> = sb
            .history(m)
            .unwrap()
            .into_iter()
            .filter(|h| h.kind == "apply")
            .collect();
        assert_eq!(applied.len(), 1, "{m}");
    }
    let stats = sb.smsc().stats();
    let submits = stats.submits.load(std::sync::atomic::Ordering::Relaxed);
    assert!(submits >= 60, "{submits}");
    db.drop_db().await;
}
both_backends!(temporary_faults);

async fn permanent_errors(db: Db) {
    let sb = sandbox_with(Faults {
        error_every: 4,
        error_status: Some(Status::INVALID_DEST_ADDR),
        ..Faults::default()
    })
    .await;
    let mut cfg = config(&db);
    cfg.campaign.smsc = vec![route_to("faulty", &sb)];
    let s = server(cfg).await;
    let api = s.admin.clone();
    let prof = profile(&api, "apn").await;
    audience(&api, &sb, &prof, 20, "perm").await;
    let c = api
        .must_post(
            "/api/v1/campaigns",
            json!({"name": "perm", "profile_id": prof, "audience": {"label": "perm"}, "sec": "netwpin"}),
            201,
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let v = wait_finished(&api, id, 60).await;
    assert_eq!(v["state"], "done", "{v}");
    let (d, f) = (
        v["stats"]["delivered"].as_i64().unwrap(),
        v["stats"]["failed"].as_i64().unwrap(),
    );
    assert_eq!(d + f, 20, "{v}");
    assert_eq!(f, 5, "every 4th submit refused for good: {v}");
    let (_, failed) = api
        .get(&format!("/api/v1/campaigns/{id}/messages?state=failed"))
        .await;
    for m in failed["items"].as_array().unwrap() {
        assert!(
            m["error"].as_str().unwrap().contains("0x0000000B")
                || m["error"].as_str().unwrap().contains("INVDSTADR"),
            "{m}"
        );
    }
    db.drop_db().await;
}
both_backends!(permanent_errors);
