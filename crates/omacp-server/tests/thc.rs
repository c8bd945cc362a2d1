//! The trusted HTTP context: trusted source, untrusted source, spoofed header, unknown
//! subscriber, unchanged ETag, rate limits, scope re-checked at send time, and two
//! server processes on one database serving the same tenant consistently.

mod common;

use std::time::{Duration, Instant};

use common::*;
use omacp_bearer::http::HttpContentType;
use omacp_sec::{Credentials, Imsi};
use reqwest::StatusCode;
use serde_json::json;

const IMSI: &str = "262011234567890";

struct Fetched {
    status: StatusCode,
    content_type: String,
    etag: Option<String>,
    body: Vec<u8>,
}

async fn fetch(
    client: &reqwest::Client,
    base: &str,
    tenant: &str,
    headers: &[(&str, &str)],
) -> Fetched {
    let mut rb = client.get(format!("{base}/thc/{tenant}"));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let h = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_string());
    let (content_type, etag) = (h("content-type").unwrap_or_default(), h("etag"));
    Fetched {
        status,
        content_type,
        etag,
        body: r.bytes().await.unwrap().to_vec(),
    }
}

async fn setup(admin: &Api) -> String {
    let p = admin
        .must_post("/api/v1/profiles", napdef_profile("gprs"), 201)
        .await;
    let pid = p["id"].as_str().unwrap().to_string();
    admin
        .must_post("/api/v1/subscribers", json!({"msisdn": "491550001", "imsi": IMSI, "profile_id": pid, "vars": {"apn": "web.example"}}), 201)
        .await;
    admin
        .must_post("/api/v1/subscribers", json!({"msisdn": "491550002"}), 201)
        .await;
    pid
}

async fn trusted_context(db: Db) {
    let s = server(config(&db)).await;
    let pid = setup(&s.admin).await;
    let gw = client_from(GATEWAY);
    let out = client_from(OUTSIDER);

    // Trusted source: NETWPIN-signed WBXML that verifies with the subscriber's IMSI.
    let f = fetch(&gw, &s.base, "operator", &[("X-MSISDN", "+491550001")]).await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(
        f.content_type
            .starts_with("application/vnd.wap.connectivity-wbxml"),
        "{}",
        f.content_type
    );
    let ct = HttpContentType::parse(&f.content_type).unwrap();
    let imsi = Imsi::parse(IMSI).unwrap();
    let verdict = ct.verify(
        &Credentials {
            imsi: Some(&imsi),
            pin: None,
        },
        &f.body,
    );
    assert!(verdict.is_verified(), "{verdict:?}");
    let doc = omacp_wbxml::decode(&f.body, &Default::default()).unwrap();
    let xml = omacp_doc::xml::to_string(&doc.document);
    assert!(xml.contains("web.example"), "{xml}");
    let etag = f.etag.clone().expect("ETag");

    // Unchanged ETag: 304 and no body.
    let nm = fetch(
        &gw,
        &s.base,
        "operator",
        &[("X-MSISDN", "491550001"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(nm.status, StatusCode::NOT_MODIFIED);
    assert!(nm.body.is_empty());
    assert_eq!(nm.etag.as_deref(), Some(etag.as_str()));

    // Untrusted source, and the same with every header a spoofer might add.
    let u = fetch(&out, &s.base, "operator", &[("X-MSISDN", "491550001")]).await;
    assert_eq!(u.status, StatusCode::FORBIDDEN);
    let spoof = fetch(
        &out,
        &s.base,
        "operator",
        &[
            ("X-MSISDN", "491550001"),
            ("X-Forwarded-For", GATEWAY),
            ("X-Real-IP", GATEWAY),
            ("Forwarded", "for=127.0.0.2"),
        ],
    )
    .await;
    assert_eq!(spoof.status, StatusCode::FORBIDDEN);
    assert!(!spoof.content_type.contains("wbxml"));
    assert!(String::from_utf8_lossy(&spoof.body).contains("untrusted_source"));

    // Unknown subscriber, subscriber without settings, unknown tenant, no header.
    assert_eq!(
        fetch(&gw, &s.base, "operator", &[("X-MSISDN", "499999999")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let ns = fetch(&gw, &s.base, "operator", &[("X-MSISDN", "491550002")]).await;
    assert_eq!(ns.status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&ns.body).contains("no_settings"));
    assert_eq!(
        fetch(&gw, &s.base, "nobody", &[("X-MSISDN", "491550001")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&gw, &s.base, "operator", &[]).await.status,
        StatusCode::BAD_REQUEST
    );

    // A change is served at once by the process that made it: new ETag, new content.
    let mut body = napdef_profile("gprs");
    body["thc_sec"] = json!("none");
    assert_eq!(
        s.admin
            .put(&format!("/api/v1/profiles/{pid}"), body)
            .await
            .0,
        StatusCode::OK
    );
    let g = fetch(
        &gw,
        &s.base,
        "operator",
        &[("X-MSISDN", "491550001"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.content_type, "application/vnd.wap.connectivity-wbxml");
    assert_ne!(g.etag.as_deref(), Some(etag.as_str()));

    // The ownership scope is enforced again at send time.
    let ent = enterprise(&s.admin, "acme", &["NAPDEF"], &[]).await;
    let ep = ent
        .must_post("/api/v1/profiles", napdef_profile("corp"), 201)
        .await;
    ent.must_post(
        "/api/v1/subscribers",
        json!({"msisdn": "491770001", "profile_id": ep["id"]}),
        201,
    )
    .await;
    assert_eq!(
        fetch(&gw, &s.base, "acme", &[("X-MSISDN", "491770001")])
            .await
            .status,
        StatusCode::OK
    );
    let (_, t) = ent.get("/api/v1/tenant").await;
    let (st, _) = s
        .admin
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/tenants/{}", t["id"].as_str().unwrap()),
            Some(json!({"scope": {"types": ["APPLICATION"], "appids": ["25"]}})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let shrunk = fetch(&gw, &s.base, "acme", &[("X-MSISDN", "491770001")]).await;
    assert_eq!(
        shrunk.status,
        StatusCode::NOT_FOUND,
        "out-of-scope settings are not sent"
    );

    // Rate limits: a second process on the same database with tight limits.
    let mut cfg = config(&db);
    cfg.thc.per_subscriber_rps = 0.001;
    cfg.thc.per_subscriber_burst = 2.0;
    cfg.thc.per_source_rps = 0.001;
    cfg.thc.per_source_burst = 4.0;
    let tight = server(cfg).await;
    let statuses = [
        fetch(&gw, &tight.base, "operator", &[("X-MSISDN", "491550001")])
            .await
            .status,
        fetch(&gw, &tight.base, "operator", &[("X-MSISDN", "491550001")])
            .await
            .status,
        fetch(&gw, &tight.base, "operator", &[("X-MSISDN", "491550001")])
            .await
            .status,
        fetch(&gw, &tight.base, "operator", &[("X-MSISDN", "491550002")])
            .await
            .status,
        fetch(&gw, &tight.base, "operator", &[("X-MSISDN", "491550002")])
            .await
            .status,
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "2 per subscriber, then 4 per source"
    );

    tight.started.task.abort();
    s.started.task.abort();
    db.drop_db().await;
}
both_backends!(trusted_context);

async fn two_processes(db: Db) {
    let one = server(config(&db)).await;
    let first = one.started.first_admin.as_ref().unwrap();
    let two = server(config(&db)).await;
    assert!(
        two.started.first_admin.is_none(),
        "the second process finds the tenant"
    );
    // Sessions live in the database: a login on one works on the other.
    let admin1 = one.admin.clone();
    let admin2 = login(&two.base, &first.tenant, &first.username, &first.password).await;
    assert_eq!(admin2.get("/api/v1/me").await.0, StatusCode::OK);
    let mut admin1_on_2 = admin1.clone();
    admin1_on_2.base = two.base.clone();
    assert_eq!(admin1_on_2.get("/api/v1/me").await.0, StatusCode::OK);

    setup(&admin1).await;
    let gw = client_from(GATEWAY);
    let a = fetch(&gw, &one.base, "operator", &[("X-MSISDN", "491550001")]).await;
    let b = fetch(&gw, &two.base, "operator", &[("X-MSISDN", "491550001")]).await;
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a.etag, b.etag);
    assert_eq!(a.body, b.body);

    // Change through process one; process two serves the change within its poll interval.
    let (_, list) = admin1.get("/api/v1/subscribers?q=491550001").await;
    let sub = &list["items"][0];
    let mut upd = sub.clone();
    upd["vars"] = json!({"apn": "changed.example"});
    assert_eq!(
        admin1
            .put(
                &format!("/api/v1/subscribers/{}", sub["id"].as_str().unwrap()),
                upd
            )
            .await
            .0,
        StatusCode::OK
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let c = loop {
        let c = fetch(&gw, &two.base, "operator", &[("X-MSISDN", "491550001")]).await;
        if c.etag != a.etag || Instant::now() > deadline {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_ne!(c.etag, a.etag, "process two never picked up the change");
    let again = fetch(&gw, &one.base, "operator", &[("X-MSISDN", "491550001")]).await;
    assert_eq!(again.etag, c.etag);
    assert_eq!(again.body, c.body);

    // An idempotency key used on one process replays on the other.
    let post = |base: &str| {
        admin1
            .client
            .post(format!("{base}/api/v1/device-models"))
            .bearer_auth(admin1.token.as_ref().unwrap())
            .header("Idempotency-Key", "shared-key")
            .json(&json!({"tac": "12345678", "name": "x"}))
            .send()
    };
    let r1: serde_json::Value = post(&one.base).await.unwrap().json().await.unwrap();
    let r2 = post(&two.base).await.unwrap();
    assert_eq!(r2.status(), StatusCode::CREATED);
    let r2: serde_json::Value = r2.json().await.unwrap();
    assert_eq!(r1["id"], r2["id"]);

    one.started.task.abort();
    two.started.task.abort();
    db.drop_db().await;
}
both_backends!(two_processes);
