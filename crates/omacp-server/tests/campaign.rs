//! Campaigns end to end over real HTTP, on SQLite and PostgreSQL: the server (no SMSC
//! configured) starts its sandbox SMSC; each campaign is claimed from the database,
//! personalised, signed, segmented, submitted over SMPP to the sandbox, delivered to a
//! virtual handset running the real device agent, authenticated and applied there, and the
//! receipts come back to mark each message delivered. Every SEC method.

mod campaign_util;
mod common;

use campaign_util::*;
use common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn every_sec_method(db: Db) {
    let s = server(config(&db)).await;
    let api = s.admin.clone();
    let prof = profile(&api, "apn").await;
    let cases = [
        ("netwpin", json!({}), "NETWPIN"),
        ("usernetwpin", json!({"pin": "1234"}), "USERNETWPIN"),
        ("userpin", json!({"pin_length": 6}), "USERPIN"),
        ("userpinmac", json!({"pin": "98765"}), "USERPINMAC"),
    ];
    for (i, (sec, extra, name)) in cases.iter().enumerate() {
        let label = format!("wave-{sec}");
        let msisdns: Vec<String> = (0..3).map(|k| format!("4477009{i}{k:04}")).collect();
        for m in &msisdns {
            subscriber(&api, m, &label, &prof).await;
        }
        let mut body = json!({
            "name": format!("{sec} wave"),
            "profile_id": prof,
            "audience": {"label": label},
            "sec": sec,
            "vars": {"apn_name": "Example Net"},
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let c = api.must_post("/api/v1/campaigns", body, 201).await;
        assert_eq!(c["total"], 3, "{c}");
        assert_eq!(c["skipped_count"], 0, "{c}");
        let text = c.to_string();
        assert!(
            !text.contains("1234") && !text.contains("98765"),
            "no PIN in answers: {text}"
        );
        let id = c["id"].as_str().unwrap();
        let v = wait_finished(&api, id, 60).await;
        assert_eq!(v["stats"]["delivered"], 3, "{sec}: {v}");
        assert_eq!(v["state"], "done", "{v}");

        let msgs = all_messages(&api, id).await;
        assert_eq!(msgs.len(), 3);
        for m in &msgs {
            assert_eq!(m["state"], "delivered", "{m}");
            assert!(!m["smsc_ids"].as_array().unwrap().is_empty());
            assert!(m.get("pin").is_none());
        }
        // Each virtual handset authenticated the push with this method and applied it.
        for m in &msisdns {
            let (st, h) = api.get(&format!("/api/v1/sandbox/handsets/{m}")).await;
            assert_eq!(st, StatusCode::OK, "{h}");
            assert_eq!(h["sandbox"], true);
            let applied = h["applied"].as_array().unwrap();
            assert_eq!(applied.len(), 1, "{h}");
            assert_eq!(applied[0]["sec"], *name, "{h}");
            let events = h["events"].as_array().unwrap();
            assert!(
                events
                    .iter()
                    .all(|e| e.as_str().unwrap().starts_with("[SANDBOX]")),
                "{h}"
            );
        }
        // The progress history adds up: every message was queued, submitted, delivered.
        let (_, hist) = api.get(&format!("/api/v1/campaigns/{id}/history")).await;
        let sum = |state: &str| -> i64 {
            hist.as_array()
                .unwrap()
                .iter()
                .filter(|p| p["state"] == state)
                .map(|p| p["n"].as_i64().unwrap())
                .sum()
        };
        assert_eq!((sum("queued"), sum("delivered")), (3, 3), "{hist}");
        assert!(sum("submitted") >= 3);
    }

    // Generated PINs are read only through /pins, by admins, and the read is audited.
    let (_, list) = api.get("/api/v1/campaigns").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let generated = items.iter().find(|c| c["pin_mode"] == "generated").unwrap();
    let gid = generated["id"].as_str().unwrap();
    let (st, pins) = api.get(&format!("/api/v1/campaigns/{gid}/pins")).await;
    assert_eq!(st, StatusCode::OK);
    let pins = pins.as_array().unwrap();
    assert_eq!(pins.len(), 3);
    assert!(pins.iter().all(|p| p["pin"].as_str().unwrap().len() == 6));
    for p in pins {
        assert!(!list.to_string().contains(p["pin"].as_str().unwrap()));
    }
    let viewer = user_with_role(&api, "operator", "watcher", "viewer").await;
    let (st, _) = viewer.get(&format!("/api/v1/campaigns/{gid}/pins")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = viewer.get(&format!("/api/v1/campaigns/{gid}")).await;
    assert_eq!(st, StatusCode::OK);

    // The OpenAPI document lists the campaign endpoints.
    let (_, spec) = api.get("/api/openapi.json").await;
    assert!(spec["paths"]["/api/v1/campaigns/{id}/pause"].is_object());
    assert!(spec["paths"]["/api/v1/sandbox/handsets"].is_object());
    db.drop_db().await;
}
both_backends!(every_sec_method);

async fn checks_pause_resume_cancel(db: Db) {
    let s = server(config(&db)).await;
    let api = s.admin.clone();
    let prof = profile(&api, "apn").await;
    for k in 0..5 {
        subscriber(&api, &format!("44770081{k:04}"), "ctl", &prof).await;
    }
    // A subscriber without IMSI cannot get NETWPIN: left out and reported.
    api.must_post(
        "/api/v1/subscribers",
        json!({"msisdn": "447700819999", "labels": ["ctl"]}),
        201,
    )
    .await;
    // Device model that cannot verify NETWPIN.
    api.must_post(
        "/api/v1/device-models",
        json!({"tac": "35000000", "name": "Old phone", "sec_methods": ["USERPIN"], "max_segments": 3}),
        201,
    )
    .await;
    api.must_post(
        "/api/v1/subscribers",
        json!({"msisdn": "447700818888", "imsi": IMSI, "imei": "350000001234567", "labels": ["ctl"]}),
        201,
    )
    .await;
    let body = json!({"name": "ctl", "profile_id": prof, "audience": {"label": "ctl"}, "sec": "netwpin", "paused": true});
    let c = api.must_post("/api/v1/campaigns", body, 201).await;
    assert_eq!(
        (c["total"].as_i64(), c["skipped_count"].as_i64()),
        (Some(5), Some(2)),
        "{c}"
    );
    let reasons = c["skipped"].to_string();
    assert!(
        reasons.contains("IMSI") && reasons.contains("Old phone"),
        "{reasons}"
    );
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["state"], "paused");
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let (_, v) = api.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(v["stats"]["queued"], 5, "paused: nothing sent: {v}");
    let (st, _) = api
        .post(&format!("/api/v1/campaigns/{id}/pause"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = api
        .post(&format!("/api/v1/campaigns/{id}/resume"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let v = wait_finished(&api, &id, 60).await;
    assert_eq!(v["stats"]["delivered"], 5, "{v}");

    // Cancel: a paused campaign's queued messages are cancelled and it finishes.
    let body = json!({"name": "ctl2", "profile_id": prof, "audience": {"label": "ctl"}, "sec": "netwpin", "paused": true});
    let c = api.must_post("/api/v1/campaigns", body, 201).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let (st, v) = api
        .post(&format!("/api/v1/campaigns/{id}/cancel"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["stats"]["cancelled"].as_i64()),
        (Some("cancelled"), Some(5))
    );
    let (st, _) = api
        .post(&format!("/api/v1/campaigns/{id}/resume"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // Refusals: no PIN for USERPIN; a PIN for NETWPIN; unknown profile; other tenants.
    let (st, _) = api
        .post(
            "/api/v1/campaigns",
            json!({"name": "x", "profile_id": prof, "sec": "userpin"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = api
        .post(
            "/api/v1/campaigns",
            json!({"name": "x", "profile_id": prof, "sec": "netwpin", "pin": "1234"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = api
        .post(
            "/api/v1/campaigns",
            json!({"name": "x", "profile_id": "prf_nope", "sec": "netwpin"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let other = enterprise(&api, "acme", &["NAPDEF"], &[]).await;
    let (st, _) = other.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = other.get("/api/v1/sandbox/handsets/447700810000").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, hs) = other.get("/api/v1/sandbox/handsets").await;
    assert_eq!(hs, json!([]));
    db.drop_db().await;
}
both_backends!(checks_pause_resume_cancel);
