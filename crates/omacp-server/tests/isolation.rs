//! The isolation matrix: every endpoint that takes an object id × another tenant's object ×
//! every role → 403 (role too low, checked first) or 404 (not in your tenant), each attempt
//! in the caller's audit log, and the other tenant's objects untouched.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Need {
    Viewer,
    Editor,
    Admin,
    OperatorAdmin,
}

async fn matrix(db: Db) {
    let s = server(config(&db)).await;
    let op = s.admin.clone();
    let alpha = enterprise(&op, "alpha", &["*"], &["*"]).await;
    let beta = enterprise(&op, "beta", &["*"], &["*"]).await;

    // The victim's objects.
    let bp = beta
        .must_post("/api/v1/profiles", napdef_profile("b-prof"), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bs = beta
        .must_post(
            "/api/v1/subscribers",
            json!({"msisdn": "4917000001", "profile_id": bp}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bd = beta
        .must_post(
            "/api/v1/device-models",
            json!({"tac": "35000001", "name": "B phone"}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bu = beta
        .must_post(
            "/api/v1/users",
            json!({"username": "bob", "password": "bob-password-1", "role": "editor"}),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bt = beta
        .must_post("/api/v1/tokens", json!({"name": "b"}), 201)
        .await["token"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, bten) = beta.get("/api/v1/tenant").await;
    let bten = bten["id"].as_str().unwrap().to_string();
    let ap = alpha
        .must_post("/api/v1/profiles", napdef_profile("a-prof"), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The attackers: one per role in alpha.
    let roles = [
        ("admin", alpha.clone(), Need::Admin),
        (
            "editor",
            user_with_role(&alpha, "alpha", "eddie", "editor").await,
            Need::Editor,
        ),
        (
            "viewer",
            user_with_role(&alpha, "alpha", "vicky", "viewer").await,
            Need::Viewer,
        ),
    ];

    let dm = json!({"tac": "35000001", "name": "stolen"});
    let endpoints: Vec<(Method, String, Option<Value>, Need, &str)> = vec![
        (
            Method::GET,
            format!("/api/v1/profiles/{bp}"),
            None,
            Need::Viewer,
            &bp,
        ),
        (
            Method::PUT,
            format!("/api/v1/profiles/{bp}"),
            Some(napdef_profile("stolen")),
            Need::Editor,
            &bp,
        ),
        (
            Method::DELETE,
            format!("/api/v1/profiles/{bp}"),
            None,
            Need::Editor,
            &bp,
        ),
        (
            Method::POST,
            format!("/api/v1/profiles/{bp}/preview"),
            Some(json!({})),
            Need::Viewer,
            &bp,
        ),
        (
            Method::POST,
            format!("/api/v1/profiles/{ap}/preview"),
            Some(json!({"subscriber_id": bs})),
            Need::Viewer,
            &bs,
        ),
        (
            Method::GET,
            format!("/api/v1/subscribers/{bs}"),
            None,
            Need::Viewer,
            &bs,
        ),
        (
            Method::PUT,
            format!("/api/v1/subscribers/{bs}"),
            Some(json!({"msisdn": "4917000001"})),
            Need::Editor,
            &bs,
        ),
        (
            Method::DELETE,
            format!("/api/v1/subscribers/{bs}"),
            None,
            Need::Editor,
            &bs,
        ),
        (
            Method::GET,
            format!("/api/v1/device-models/{bd}"),
            None,
            Need::Viewer,
            &bd,
        ),
        (
            Method::PUT,
            format!("/api/v1/device-models/{bd}"),
            Some(dm),
            Need::Editor,
            &bd,
        ),
        (
            Method::DELETE,
            format!("/api/v1/device-models/{bd}"),
            None,
            Need::Editor,
            &bd,
        ),
        (
            Method::GET,
            format!("/api/v1/users/{bu}"),
            None,
            Need::Admin,
            &bu,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{bu}"),
            Some(json!({"role": "admin"})),
            Need::Admin,
            &bu,
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{bu}"),
            None,
            Need::Admin,
            &bu,
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{bt}"),
            None,
            Need::Viewer,
            &bt,
        ),
        (
            Method::PATCH,
            format!("/api/v1/tenants/{bten}"),
            Some(json!({"scope": {"types": [], "appids": []}})),
            Need::OperatorAdmin,
            &bten,
        ),
    ];

    let mut expected_audit: std::collections::BTreeMap<String, usize> = Default::default();
    for (role, api, has) in &roles {
        for (m, path, body, need, object) in &endpoints {
            let (st, e) = api.call(m.clone(), path, body.clone()).await;
            let want = if *need > *has {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(st, want, "{role} {m} {path}: {e}");
            let code = if want == StatusCode::FORBIDDEN {
                "forbidden"
            } else {
                "not_found"
            };
            assert_eq!(e["code"], code, "{role} {m} {path}");
            *expected_audit.entry(object.to_string()).or_default() += 1;
        }
    }

    // Lists never show the other tenant's objects; references to them are refused.
    for (role, api, _) in &roles {
        for (list, id) in [
            ("/api/v1/profiles", &bp),
            ("/api/v1/subscribers", &bs),
            ("/api/v1/device-models", &bd),
        ] {
            let (st, v) = api.get(list).await;
            assert_eq!(st, StatusCode::OK, "{role} {list}");
            assert!(
                !v.to_string().contains(id.as_str()),
                "{role} sees {id} in {list}"
            );
        }
        let (st, _) = api
            .post(
                "/api/v1/subscribers",
                json!({"msisdn": "4917999", "profile_id": bp}),
            )
            .await;
        let want = if *role == "viewer" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(st, want, "{role} assigns another tenant's profile");
    }

    // Every attempt is in the attacker tenant's audit log.
    for (object, n) in &expected_audit {
        let (_, log) = alpha
            .get(&format!("/api/v1/audit?object={object}&limit=500"))
            .await;
        let entries = log["items"].as_array().unwrap();
        let misses = entries
            .iter()
            .filter(|e| e["outcome"] == "denied" || e["outcome"] == "not_found")
            .count();
        assert_eq!(misses, *n, "audit entries for {object}: {log}");
        for e in entries {
            assert!(e["actor"].as_str().unwrap().starts_with("user:"));
            assert_eq!(e["source"], "127.0.0.1");
        }
    }

    // The victim's objects are untouched.
    assert_eq!(
        beta.get(&format!("/api/v1/profiles/{bp}")).await.1["name"],
        "b-prof"
    );
    assert_eq!(
        beta.get(&format!("/api/v1/subscribers/{bs}")).await.1["msisdn"],
        "4917000001"
    );
    assert_eq!(
        beta.get(&format!("/api/v1/device-models/{bd}")).await.1["name"],
        "B phone"
    );
    assert_eq!(
        beta.get(&format!("/api/v1/users/{bu}")).await.1["role"],
        "editor"
    );
    assert!(beta.get("/api/v1/tokens").await.1.to_string().contains(&bt));
    assert_eq!(
        beta.get("/api/v1/tenant").await.1["scope"]["types"],
        json!(["*"])
    );

    s.started.task.abort();
    db.drop_db().await;
}
both_backends!(matrix);
