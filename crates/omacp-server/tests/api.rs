//! The REST API over real HTTP, on SQLite and on PostgreSQL.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn whole_api(db: Db) {
    let s = server(config(&db)).await;
    let admin = s.admin.clone();
    assert!(
        s.started.first_admin.is_some(),
        "first start creates the operator admin"
    );

    // Health and docs.
    let anon = Api::anonymous(&s.base);
    assert_eq!(anon.get("/healthz").await.0, StatusCode::OK);
    assert_eq!(anon.get("/readyz").await.0, StatusCode::OK);
    let (st, spec) = anon.get("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(spec["paths"]["/api/v1/profiles/{id}/preview"].is_object());
    let (st, e) = anon.get("/api/v1/me").await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (st, _) = anon.with_token("omacp_tok_nope").get("/api/v1/me").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = anon
        .post(
            "/api/v1/sessions",
            json!({"tenant": "operator", "username": "admin", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Password guessing is slowed per tenant/username: a burst of 10, then 429.
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        last = anon
            .post(
                "/api/v1/sessions",
                json!({"tenant": "operator", "username": "nobody", "password": "guess-guess"}),
            )
            .await
            .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    let (st, me) = admin.get("/api/v1/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["tenant"], "operator");

    // Profiles: valid, invalid document, undeclared variable.
    let p = admin
        .must_post("/api/v1/profiles", napdef_profile("gprs"), 201)
        .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (st, e) = admin
        .post("/api/v1/profiles", json!({"name": "bad", "template": "<wap-provisioningdoc><characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"x\"/></characteristic></wap-provisioningdoc>"}))
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{e}"
    );
    assert!(!e["details"].as_array().unwrap().is_empty());
    let (st, e) = admin
        .post(
            "/api/v1/profiles",
            json!({"name": "undeclared", "template": NAPDEF}),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_template"))
    );
    let (st, e) = admin.post("/api/v1/profiles", napdef_profile("gprs")).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    // Preview: XML, WBXML size, SMS count per SEC method.
    let (st, pv) = admin
        .post(
            &format!("/api/v1/profiles/{pid}/preview"),
            json!({"values": {"apn": "web.example"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{pv}");
    assert!(pv["xml"].as_str().unwrap().contains("web.example"));
    assert!(pv["wbxml_size"].as_u64().unwrap() > 20);
    assert_eq!(pv["sms_count"]["none"], 1);
    assert!(pv["sms_count"]["NETWPIN"].as_u64().unwrap() >= 1);
    let (st, e) = admin
        .post(
            &format!("/api/v1/profiles/{pid}/preview"),
            json!({"values": {"apn": "x".repeat(300)}}),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_template"))
    );

    // Update and read back.
    let mut body = napdef_profile("gprs2");
    body["thc_sec"] = json!("none");
    let (st, p2) = admin.put(&format!("/api/v1/profiles/{pid}"), body).await;
    assert_eq!(st, StatusCode::OK, "{p2}");
    assert_eq!(p2["name"], "gprs2");
    assert_eq!(
        admin.get(&format!("/api/v1/profiles/{pid}")).await.1["thc_sec"],
        "none"
    );

    // Subscribers: create, reject bad, search, label, paging.
    let sub = admin
        .must_post(
            "/api/v1/subscribers",
            json!({"msisdn": "+49 155 0001", "imsi": "262011234567890", "imei": "35693803564380", "labels": ["vip"], "profile_id": pid, "vars": {"apn": "vip.example"}}),
            201,
        )
        .await;
    assert_eq!(sub["msisdn"], "491550001");
    let (st, e) = admin
        .post("/api/v1/subscribers", json!({"msisdn": "abc"}))
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (st, e) = admin
        .post(
            "/api/v1/subscribers",
            json!({"msisdn": "491550002", "profile_id": pid, "vars": {"apn_name": "x"}}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "campaign variables are not stored per subscriber: {e}"
    );
    for i in 2..=7 {
        admin
            .must_post("/api/v1/subscribers", json!({"msisdn": format!("49155000{i}"), "labels": if i % 2 == 0 { vec!["even"] } else { vec!["odd"] }}), 201)
            .await;
    }
    let (_, page) = admin.get("/api/v1/subscribers?limit=4").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, page2) = admin
        .get(&format!("/api/v1/subscribers?limit=4&cursor={cursor}"))
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 3);
    assert!(page2.get("next_cursor").is_none());
    let (_, found) = admin.get("/api/v1/subscribers?q=262011").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, even) = admin.get("/api/v1/subscribers?label=even").await;
    assert_eq!(even["items"].as_array().unwrap().len(), 3);
    let (_, none) = admin.get("/api/v1/subscribers?label=eve").await;
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        0,
        "labels match whole"
    );

    // CSV import: good lines kept, bad lines reported.
    let csv = format!(
        "msisdn,imsi,labels,profile_id,var:apn\n491559001,262019999999991,a;b,{pid},corp.example\nnot-a-number,,,,\n491559002,,c,,\n491559001,,,,\n491559003,12,,,\n"
    );
    let r = admin
        .client
        .post(format!("{}/api/v1/subscribers/import", s.base))
        .bearer_auth(admin.token.as_ref().unwrap())
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rep: serde_json::Value = r.json().await.unwrap();
    assert_eq!(rep["imported"], 2, "{rep}");
    let lines: Vec<u64> = rep["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 5, 6], "{rep}");
    let (_, imp) = admin.get("/api/v1/subscribers?q=491559001").await;
    assert_eq!(imp["items"][0]["labels"], json!(["a", "b"]));
    assert_eq!(imp["items"][0]["vars"]["apn"], "corp.example");

    // Device models.
    let dm = admin
        .must_post("/api/v1/device-models", json!({"tac": "35693803", "name": "Phone X", "appids": ["w2", "w4"], "sec_methods": ["NETWPIN", "USERPIN"], "max_segments": 8}), 201)
        .await;
    let (_, by_tac) = admin.get("/api/v1/device-models?tac=356938035643809").await;
    assert_eq!(by_tac["items"][0]["id"], dm["id"]);
    let (st, _) = admin
        .post(
            "/api/v1/device-models",
            json!({"tac": "35693803", "name": "dup"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = admin
        .post(
            "/api/v1/device-models",
            json!({"tac": "123", "name": "short"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Idempotency: the same key replays the first answer and creates nothing new.
    let req = |key: &str| {
        admin
            .client
            .post(format!("{}/api/v1/device-models", s.base))
            .bearer_auth(admin.token.as_ref().unwrap())
            .header("Idempotency-Key", key)
            .json(&json!({"tac": "11112222", "name": "Idem"}))
    };
    let a = req("k-1").send().await.unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
    let a: serde_json::Value = a.json().await.unwrap();
    let b = req("k-1").send().await.unwrap();
    assert_eq!(b.status(), StatusCode::CREATED);
    assert_eq!(b.headers().get("idempotent-replayed").unwrap(), "true");
    let b: serde_json::Value = b.json().await.unwrap();
    assert_eq!(a["id"], b["id"]);
    let (_, list) = admin.get("/api/v1/device-models?tac=11112222").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let other = admin
        .client
        .post(format!("{}/api/v1/subscribers", s.base))
        .bearer_auth(admin.token.as_ref().unwrap())
        .header("Idempotency-Key", "k-1")
        .json(&json!({"msisdn": "4900"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::CONFLICT);

    // Users, roles, tokens.
    let viewer = user_with_role(&admin, "operator", "vera", "viewer").await;
    let (st, e) = viewer
        .post("/api/v1/profiles", napdef_profile("nope"))
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    assert_eq!(
        viewer.get(&format!("/api/v1/profiles/{pid}")).await.0,
        StatusCode::OK
    );
    assert_eq!(viewer.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
    let tok = viewer
        .must_post("/api/v1/tokens", json!({"name": "ci"}), 201)
        .await;
    let secret = tok["secret"].as_str().unwrap();
    let by_token = viewer.with_token(secret);
    assert_eq!(
        by_token.get("/api/v1/me").await.1["user"]["username"],
        "vera"
    );
    let tid = tok["token"]["id"].as_str().unwrap();
    assert_eq!(
        admin.delete(&format!("/api/v1/tokens/{tid}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(by_token.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (st, _) = viewer
        .call(reqwest::Method::DELETE, "/api/v1/sessions/current", None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(viewer.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    // Enterprise tenant: ownership scope enforced at save time.
    let ent = enterprise(&admin, "acme", &["APPLICATION"], &["25"]).await;
    let (st, e) = ent.post("/api/v1/profiles", napdef_profile("gprs")).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("out_of_scope")),
        "{e}"
    );
    ent.must_post(
        "/api/v1/profiles",
        json!({"name": "mail", "template": EMAIL}),
        201,
    )
    .await;
    let (st, _) = ent.get("/api/v1/tenants").await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "only operator admins list tenants"
    );

    // Deletes.
    assert_eq!(
        admin
            .delete(&format!(
                "/api/v1/device-models/{}",
                dm["id"].as_str().unwrap()
            ))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/profiles/{pid}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.get(&format!("/api/v1/profiles/{pid}")).await.0,
        StatusCode::NOT_FOUND
    );

    // Audit: the changes are there, secrets are not.
    let (st, log) = admin.get("/api/v1/audit?limit=500").await;
    assert_eq!(st, StatusCode::OK);
    let text = log.to_string();
    for action in [
        "tenant.bootstrap",
        "profile.create",
        "profile.update",
        "subscriber.import",
        "token.delete",
        "user.create",
        "tenant.create",
    ] {
        assert!(text.contains(action), "audit lacks {action}");
    }
    assert!(text.contains("\"denied\""));
    assert!(!text.contains(secret), "audit holds a token secret");
    assert!(
        !text.contains("a-long-test-password"),
        "audit holds a password"
    );
    assert!(!text.contains("vip.example"), "audit holds variable values");

    // Metrics count the API.
    let m = reqwest::get(format!("{}/metrics", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("omacp_http_requests_total"));

    s.started.task.abort();
    db.drop_db().await;
}

/// With a metrics token configured, /metrics answers only requests bearing it.
#[tokio::test]
async fn metrics_token_guards_metrics() {
    let db = Db::sqlite();
    let mut cfg = config(&db);
    cfg.metrics_token = Some(omacp_server::config::Secret(
        "scrape-token-0123456789".into(),
    ));
    let s = server(cfg).await;
    let url = format!("{}/metrics", s.base);
    let http = reqwest::Client::new();
    let none = http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let wrong = http
        .get(&url)
        .bearer_auth("scrape-token-0123456780")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http
        .get(&url)
        .bearer_auth("scrape-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    s.started.task.abort();
    db.drop_db().await;
}
both_backends!(whole_api);

async fn refuses_newer_schema(db: Db) {
    let url = db.url();
    let st = omacp_server::Store::open(&url).await.unwrap();
    sqlx::query("INSERT INTO omacp_schema (version, applied_at) VALUES (999, 0)")
        .execute(&st.pool)
        .await
        .unwrap();
    st.pool.close().await;
    let err = omacp_server::Store::open(&url).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("999") && msg.contains("newer"), "{msg}");
    // A second open of an up-to-date database is a no-op.
    db.drop_db().await;
}
both_backends!(refuses_newer_schema);

/// The login limit is kept in the database: two server processes on one database share
/// one allowance per tenant/username, and each key has its own.
async fn login_limit_shared_between_processes(db: Db) {
    let a = server(config(&db)).await;
    let b = server(config(&db)).await;
    assert!(b.started.first_admin.is_none(), "one first start");
    let guess = |base: &str, user: &str| {
        let api = Api::anonymous(base);
        let body = json!({"tenant": "operator", "username": user, "password": "guess-guess"});
        async move { api.post("/api/v1/sessions", body).await.0 }
    };
    // The burst of 10, split over the two processes, then both refuse.
    for (i, base) in [&a.base, &b.base].iter().cycle().take(10).enumerate() {
        assert_eq!(
            guess(base, "mallory").await,
            StatusCode::UNAUTHORIZED,
            "attempt {i}"
        );
    }
    assert_eq!(
        guess(&a.base, "mallory").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        guess(&b.base, "mallory").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another key is not affected, and the admin (signed in through `a`) is served by `b`.
    assert_eq!(guess(&b.base, "trudy").await, StatusCode::UNAUTHORIZED);
    let token = a.admin.token.clone().expect("admin session");
    let (st, _) = Api::anonymous(&b.base)
        .with_token(&token)
        .get("/api/v1/me")
        .await;
    assert_eq!(st, StatusCode::OK);
    // The table holds hashes, never the usernames.
    let store = omacp_server::Store::open(&db.url()).await.unwrap();
    let keys: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM login_throttle")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.len() == 64 && !k.contains("mallory")),
        "{keys:?}"
    );
    store.pool.close().await;
    a.started.task.abort();
    b.started.task.abort();
    db.drop_db().await;
}
both_backends!(login_limit_shared_between_processes);

/// The algorithm itself, with explicit times: a burst, then one attempt per interval;
/// refused attempts do not push the key further out; idle keys are purged.
async fn login_limit_refills(db: Db) {
    use omacp_server::store::throttle::{Limit, purge, take};
    let st = omacp_server::Store::open(&db.url()).await.unwrap();
    let lim = Limit {
        interval_ms: 1_000,
        burst: 3,
    };
    let t0 = 1_000_000;
    for _ in 0..3 {
        assert!(take(&st, "k", lim, t0).await.unwrap());
    }
    assert!(!take(&st, "k", lim, t0).await.unwrap());
    assert!(!take(&st, "k", lim, t0 + 999).await.unwrap());
    // One interval later exactly one more attempt.
    assert!(take(&st, "k", lim, t0 + 1_000).await.unwrap());
    assert!(!take(&st, "k", lim, t0 + 1_000).await.unwrap());
    // Many refusals in between did not cost anything: after the full window the whole
    // burst is back.
    assert!(take(&st, "other", lim, t0).await.unwrap());
    assert_eq!(purge(&st, t0 + 4_000).await.unwrap(), 2);
    for _ in 0..3 {
        assert!(take(&st, "k", lim, t0 + 4_000).await.unwrap());
    }
    assert!(!take(&st, "k", lim, t0 + 4_000).await.unwrap());
    st.pool.close().await;
    db.drop_db().await;
}
both_backends!(login_limit_refills);
