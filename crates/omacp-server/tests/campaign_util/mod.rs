//! Helpers shared by the campaign tests: subscribers, a profile, waiting for a campaign.

#![allow(dead_code, missing_docs)]

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::Api;
use omacp_sandbox::Sandbox;
use omacp_server::campaign::config::{RouteKind, SmscRoute};

pub const IMSI: &str = "001010123456789";

/// Creates the NAPDEF profile; returns its id.
pub async fn profile(api: &Api, name: &str) -> String {
    let v = api
        .must_post("/api/v1/profiles", crate::common::napdef_profile(name), 201)
        .await;
    v["id"].as_str().unwrap().to_owned()
}

/// Creates a subscriber of profile `prof` with `label`; IMSI derived from the MSISDN.
pub async fn subscriber(api: &Api, msisdn: &str, label: &str, prof: &str) {
    let imsi = format!("00101{:0>10}", &msisdn[msisdn.len().saturating_sub(10)..]);
    api.must_post(
        "/api/v1/subscribers",
        json!({"msisdn": msisdn, "imsi": imsi, "labels": [label], "profile_id": prof,
            "vars": {"apn": "internet.example"}}),
        201,
    )
    .await;
}

/// Imports `n` subscribers `<prefix><i>` with `label` through the CSV import.
pub async fn many_subscribers(api: &Api, prefix: &str, n: usize, label: &str) {
    let mut csv = String::from("msisdn,imsi,labels\n");
    for i in 0..n {
        let m = format!("{prefix}{i:05}");
        csv.push_str(&format!("{m},00101{:0>10},{label}\n", &m[m.len() - 10..]));
    }
    let (s, v) = api
        .client
        .post(format!("{}/api/v1/subscribers/import", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    let body = v.text().await.unwrap();
    assert!(s.is_success(), "import: {s} {body}");
}

/// Polls a campaign until it is done, or cancelled with nothing left in flight (or `secs`
/// pass); returns the last view.
pub async fn wait_finished(api: &Api, id: &str, secs: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let (s, v) = api.get(&format!("/api/v1/campaigns/{id}")).await;
        assert!(s.is_success(), "{v}");
        let over = v["state"] == "done" || (v["state"] == "cancelled" && v["finished"] == true);
        if over || tokio::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every message of a campaign (all pages).
pub async fn all_messages(api: &Api, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, v) = api
            .get(&format!(
                "/api/v1/campaigns/{id}/messages?limit=500&cursor={cursor}"
            ))
            .await;
        assert!(s.is_success(), "{v}");
        out.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => return out,
        }
    }
}

/// An unthrottled SMPP route named `name` to the sandbox's SMSC.
pub fn route_to(name: &str, sb: &Sandbox) -> SmscRoute {
    SmscRoute {
        name: name.into(),
        kind: RouteKind::Smpp,
        url: format!("smpp://omacp:secret@{}", sb.local_addr()),
        tenants: Vec::new(),
        window: 8,
        rate: 0,
        dlr_url: None,
    }
}
