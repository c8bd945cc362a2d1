//! Campaign PINs at rest, on SQLite and PostgreSQL: the database holds only sealed PINs,
//! the admin endpoint and the runner open them, the messages are signed with the PIN the
//! admin hands out (checked with omacp-sec and by the handsets' agents), PINs an earlier
//! version stored in clear are sealed at the next start, and a wrong or malformed data key
//! stops the start.

mod campaign_util;
mod common;

use std::collections::BTreeMap;

use campaign_util::*;
use common::*;
use omacp_bearer::wdp::Segment;
use omacp_bearer::wsp::PushPdu;
use omacp_sandbox::{HandsetSpec, Happened, Sandbox};
use omacp_sec::{Credentials, Pin, SecMethod, Verdict, verify};
use omacp_server::Config;
use omacp_server::campaign::store as cstore;
use omacp_server::serve::{ServeError, start};
use omacp_server::store::StoreError;
use omacp_smpp::smsc::SmscConfig;
use serde_json::json;
use sqlx::{AnyPool, Row};

async fn sandbox() -> Sandbox {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Sandbox::start(l, SmscConfig::new("pins", Vec::new()), &[]).unwrap()
}

fn imsi_of(msisdn: &str) -> String {
    format!("00101{:0>10}", &msisdn[msisdn.len() - 10..])
}

/// msisdn → PIN, as the audited admin endpoint gives them.
async fn pins(api: &Api, id: &str) -> BTreeMap<String, String> {
    let (st, v) = api.get(&format!("/api/v1/campaigns/{id}/pins")).await;
    assert_eq!(st.as_u16(), 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["msisdn"].as_str().unwrap().to_owned(),
                e["pin"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `(message id, pin column)` of a campaign's messages, read straight from the database.
async fn stored_message_pins(pool: &AnyPool, id: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT id, pin FROM campaign_messages WHERE campaign_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("pin")))
        .collect()
}

async fn stored_campaign_pin(pool: &AnyPool, id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT pin FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn assert_sealed(stored: &str, clear: &str) {
    assert!(stored.starts_with("v1:"), "not sealed: {stored}");
    assert!(!stored.contains(clear), "{stored} shows {clear}");
}

/// The whole WSP push one handset received, its segments joined in order.
fn received_pdu(sb: &Sandbox, msisdn: &str) -> Vec<u8> {
    let mut parts: Vec<(u8, Vec<u8>)> = sb
        .records()
        .into_iter()
        .filter(|r| r.msisdn == msisdn)
        .filter_map(|r| match r.what {
            Happened::Received { user_data, .. } => Some(user_data),
            _ => None,
        })
        .map(|ud| {
            let seg = Segment::decode(&ud).unwrap();
            (seg.concat().map_or(1, |c| c.seq), seg.payload.to_vec())
        })
        .collect();
    assert!(!parts.is_empty(), "{msisdn} received nothing");
    parts.sort_by_key(|p| p.0);
    parts.dedup_by_key(|p| p.0);
    parts.into_iter().flat_map(|p| p.1).collect()
}

async fn sealed_pins_sign_and_survive_a_legacy_start(db: Db) {
    let sb = sandbox().await;
    let mut cfg = config(&db);
    cfg.campaign.smsc = vec![route_to("pins", &sb)];
    let s = server(cfg.clone()).await;
    let api = s.admin.clone();
    let pool = s.started.state.store.pool.clone();
    let prof = profile(&api, "apn").await;
    let msisdns: Vec<String> = (0..3).map(|k| format!("4477005{k:05}")).collect();
    for m in &msisdns {
        subscriber(&api, m, "sealed", &prof).await;
    }
    subscriber(&api, "447700600001", "given", &prof).await;

    // Generated PINs: the column holds sealed text only, the endpoint the PINs.
    let c = api
        .must_post(
            "/api/v1/campaigns",
            json!({"name": "sealed", "profile_id": prof, "audience": {"label": "sealed"},
                   "sec": "userpin", "pin_length": 6, "vars": {"apn_name": "Net"},
                   "paused": true}),
            201,
        )
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let handed_out = pins(&api, &id).await;
    assert_eq!(
        handed_out.keys().cloned().collect::<Vec<_>>(),
        msisdns,
        "{handed_out:?}"
    );
    assert!(
        handed_out
            .values()
            .all(|p| p.len() == 6 && p.bytes().all(|b| b.is_ascii_digit()))
    );
    let stored = stored_message_pins(&pool, &id).await;
    assert_eq!(stored.len(), 3);
    for ((_, sealed), pin) in stored.iter().zip(handed_out.values()) {
        assert_sealed(sealed, pin);
    }
    let distinct: std::collections::BTreeSet<_> = stored.iter().map(|s| &s.1).collect();
    assert_eq!(distinct.len(), 3);

    // A given PIN: sealed in `campaigns`, opened for the runner.
    let g = api
        .must_post(
            "/api/v1/campaigns",
            json!({"name": "given", "profile_id": prof, "audience": {"label": "given"},
                   "sec": "usernetwpin", "pin": "424242", "vars": {"apn_name": "Net"},
                   "paused": true}),
            201,
        )
        .await;
    let gid = g["id"].as_str().unwrap().to_owned();
    assert_sealed(&stored_campaign_pin(&pool, &gid).await.unwrap(), "424242");
    let spec = cstore::spec(&s.started.state.store, &gid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spec.pin.as_deref(), Some("424242"));
    assert_eq!(stored_campaign_pin(&pool, &id).await, None);

    // A sealed PIN copied onto another message does not open there: its message fails
    // with "no valid PIN" instead of being signed with the wrong PIN.
    let (first, second) = (&stored[0], &stored[1]);
    sqlx::query("UPDATE campaign_messages SET pin = $1 WHERE id = $2")
        .bind(&first.1)
        .bind(&second.0)
        .execute(&pool)
        .await
        .unwrap();
    let (st, v) = api.get(&format!("/api/v1/campaigns/{id}/pins")).await;
    assert_eq!(st.as_u16(), 500, "{v}");
    assert!(!v.to_string().contains(&handed_out[&msisdns[0]]), "{v}");

    // The database as an earlier version left it: schema 6, no key row, PINs in clear
    // (the moved value is put back as the clear PIN, as that version would hold it).
    for (mid, _) in &stored {
        let msisdn: String =
            sqlx::query_scalar("SELECT msisdn FROM campaign_messages WHERE id = $1")
                .bind(mid)
                .fetch_one(&pool)
                .await
                .unwrap();
        sqlx::query("UPDATE campaign_messages SET pin = $1 WHERE id = $2")
            .bind(&handed_out[&msisdn])
            .bind(mid)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE campaigns SET pin = '424242' WHERE id = $1")
        .bind(&gid)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DROP TABLE omacp_data_key")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DROP INDEX subscribers_by_tenant_id")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM omacp_schema WHERE version >= 7")
        .execute(&pool)
        .await
        .unwrap();

    // The next start (another process on the same database and key file) seals them.
    let s2 = server(cfg.clone()).await;
    // Sessions live in the database: the first server's token works on the second.
    let api2 = Api::anonymous(&s2.base).with_token(api.token.as_deref().unwrap());
    for ((_, sealed), pin) in stored_message_pins(&pool, &id)
        .await
        .iter()
        .zip(handed_out.values())
    {
        assert_sealed(sealed, pin);
    }
    assert_sealed(&stored_campaign_pin(&pool, &gid).await.unwrap(), "424242");
    assert_eq!(pins(&api2, &id).await, handed_out);
    let spec = cstore::spec(&s2.started.state.store, &gid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spec.pin.as_deref(), Some("424242"));

    // Each handset knows the PIN the admin handed out; the campaign runs and every agent
    // verifies its message with that PIN and applies it.
    for m in &msisdns {
        sb.add_handset(&HandsetSpec {
            msisdn: m.clone(),
            imsi: imsi_of(m),
            pin: Some(handed_out[m].clone()),
        })
        .unwrap();
    }
    api2.must_post(&format!("/api/v1/campaigns/{id}/resume"), json!({}), 200)
        .await;
    let v = wait_finished(&api2, &id, 60).await;
    assert_eq!(v["stats"]["delivered"], 3, "{v}");
    for m in &msisdns {
        let recs = sb.records();
        assert!(
            recs.iter().any(|r| r.msisdn == *m
                && matches!(&r.what, Happened::Applied(a) if a.contains("sec USERPIN"))),
            "{m}: {recs:#?}"
        );
        // And with omacp-sec directly: the MAC verifies with this subscriber's PIN only.
        let pdu = received_pdu(&sb, m);
        let push = PushPdu::decode(&pdu).unwrap();
        assert_eq!(push.sec(), Some(SecMethod::UserPin));
        let check = |pin: &str| {
            let pin = Pin::parse(pin).unwrap();
            let creds = Credentials {
                imsi: None,
                pin: Some(&pin),
            };
            verify(push.sec(), push.mac(), &creds, push.body)
        };
        assert_eq!(
            check(&handed_out[m]),
            Verdict::Verified {
                method: SecMethod::UserPin
            }
        );
        let other = msisdns.iter().find(|o| *o != m).unwrap();
        assert!(matches!(check(&handed_out[other]), Verdict::Failed(_)));
    }

    // Another key, or a malformed one, stops the start with a one-line error.
    let mut wrong = cfg.clone();
    wrong.data_key = Some(omacp_server::config::Secret("11".repeat(32)));
    let e = start(wrong).await.unwrap_err();
    assert!(
        matches!(e, ServeError::Store(StoreError::WrongDataKey { .. })),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("not this database's") && !msg.contains('\n'),
        "{msg}"
    );
    assert!(!msg.contains(&"11".repeat(32)), "{msg}");
    let bad_file = std::env::temp_dir().join(format!("omacp-bad-key-{}", std::process::id()));
    std::fs::write(&bad_file, "0123\n").unwrap();
    let mut bad = cfg.clone();
    bad.data_key_file = Some(bad_file.clone());
    let e = start(bad).await.unwrap_err();
    std::fs::remove_file(&bad_file).unwrap();
    assert!(matches!(e, ServeError::Key(_)), "{e}");
    assert!(e.to_string().contains("not a data key"), "{e}");
    let env = |k: &str| (k == "OMACP_DATA_KEY").then(|| "not-a-key".to_string());
    let e = Config::load(None, &env).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("OMACP_DATA_KEY: {}", omacp_server::secrets::KEY_FORMAT)
    );

    s2.started.task.abort();
    s.started.task.abort();
    sb.smsc().shutdown();
    db.drop_db().await;
}
both_backends!(sealed_pins_sign_and_survive_a_legacy_start);
