//! The runner's batched writes against a real database (both backends): messages resolved
//! in memory go final by id, with their segments and the history right; one requeued
//! meanwhile is decided from its recorded segments like any late receipt; receipts for
//! segments written earlier take the general path; duplicates change nothing; unknown
//! receipts are parked.

mod common;

use common::*;
use omacp_server::campaign::apply::{self, AcceptedSeg, Batch, Receipt, SegOutcome};
use omacp_server::store::Store;
use sqlx::Row;

async fn exec(st: &Store, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&st.pool)
        .await
        .unwrap();
}

fn seg(msg: &str, seq: i64, smsc: &str, outcome: Option<SegOutcome>) -> AcceptedSeg {
    AcceptedSeg {
        route: "r".into(),
        smsc_id: smsc.into(),
        message_id: msg.into(),
        seq,
        outcome,
    }
}

fn receipt(smsc: &str, outcome: SegOutcome) -> Receipt {
    Receipt {
        route: "r".into(),
        smsc_id: smsc.into(),
        outcome,
    }
}

async fn state(st: &Store, id: &str) -> (String, i64) {
    let r = sqlx::query("SELECT state, segments FROM campaign_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&st.pool)
        .await
        .unwrap();
    (r.get("state"), r.get("segments"))
}

async fn history(st: &Store, state: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM campaign_history WHERE campaign_id = 'c' AND state = $1",
    )
    .bind(state)
    .fetch_one(&st.pool)
    .await
    .unwrap()
}

async fn writes(db: Db) {
    let st = Store::open(&db.url()).await.unwrap();
    exec(
        &st,
        "INSERT INTO tenants (id, slug, name, kind, scope_types, scope_appids, generation, created_at) \
         VALUES ('t', 'acme', 'Acme', 'operator', '[]', '[]', 0, 0)",
    )
    .await;
    exec(
        &st,
        "INSERT INTO campaigns (id, tenant_id, name, profile_id, profile_name, profile_version, template, \
         variables, campaign_vars, sec, pin_mode, pin, rate, max_attempts, route, state, total, created_by, \
         created_at, updated_at, finished_at) VALUES ('c', 't', 'c', 'p', 'p', 0, '', '[]', '{}', 'netwpin', \
         'none', NULL, 0, 3, NULL, 'running', 5, 'u', 0, 0, NULL)",
    )
    .await;
    for (id, state) in [
        ("c.1", "submitted"),
        ("c.2", "submitted"),
        ("c.3", "queued"),
        ("c.4", "submitted"),
        ("c.5", "submitted"),
    ] {
        exec(
            &st,
            &format!(
                "INSERT INTO campaign_messages (id, campaign_id, tenant_id, subscriber_id, msisdn, imsi, imei, \
                 vars, pin, state, segments, attempts, next_at, lease_owner, lease_until, error, updated_at) \
                 VALUES ('{id}', 'c', 't', 's', '+1', NULL, NULL, '{{}}', NULL, '{state}', 0, 1, 0, 'me', 0, NULL, 0)"
            ),
        )
        .await;
    }
    let mut b = Batch {
        accepted_segs: vec![
            // Both segments accepted and delivered before the write.
            seg("c.1", 1, "a", Some(SegOutcome::Delivered)),
            seg("c.1", 2, "b", Some(SegOutcome::Delivered)),
            // Refused by the handset's network.
            seg("c.2", 1, "c", Some(SegOutcome::Failed)),
            // Requeued meanwhile (its lease expired): only late, and never accepted.
            seg("c.3", 1, "d", Some(SegOutcome::Delivered)),
            // No receipt yet.
            seg("c.4", 1, "e", None),
            // One of two segments delivered, the other not accepted yet.
            seg("c.5", 1, "f", Some(SegOutcome::Delivered)),
        ],
        accepted: vec![
            ("c.1".into(), 2),
            ("c.2".into(), 1),
            ("c.3".into(), 1),
            ("c.4".into(), 1),
        ],
        ..Batch::default()
    };
    b.resolve();
    assert_eq!(b.resolved.len(), 3, "{b:?}");
    apply::apply(&st, "me", &b).await.unwrap();
    assert_eq!(state(&st, "c.1").await, ("delivered".into(), 2));
    assert_eq!(state(&st, "c.2").await, ("failed".into(), 1));
    // As before this path existed: a message never accepted is not delivered by a late
    // receipt (it has no segment count); it is sent again from the queue.
    assert_eq!(state(&st, "c.3").await.0, "queued");
    assert_eq!(state(&st, "c.4").await, ("accepted".into(), 1));
    assert_eq!(state(&st, "c.5").await.0, "submitted");
    let segs: Vec<(String, String)> =
        sqlx::query("SELECT smsc_id, state FROM campaign_segments ORDER BY smsc_id")
            .fetch_all(&st.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("smsc_id"), r.get("state")))
            .collect();
    let want = [
        ("a", "delivered"),
        ("b", "delivered"),
        ("c", "failed"),
        ("d", "delivered"),
        ("e", "accepted"),
        ("f", "delivered"),
    ];
    assert_eq!(
        segs,
        want.map(|(a, b)| (a.to_string(), b.to_string())),
        "{segs:?}"
    );
    assert_eq!(history(&st, "accepted").await, 3);
    assert_eq!(history(&st, "delivered").await, 1);
    assert_eq!(history(&st, "failed").await, 1);

    // Later: c.4's receipt (its segment was written by the earlier batch), c.5's second
    // segment accepted and delivered, a duplicate receipt and one nobody knows.
    let mut b = Batch {
        accepted_segs: vec![seg("c.5", 2, "g", Some(SegOutcome::Delivered))],
        accepted: vec![("c.5".into(), 2)],
        receipts: vec![
            receipt("e", SegOutcome::Delivered),
            receipt("a", SegOutcome::Failed),
            receipt("zz", SegOutcome::Delivered),
        ],
        ..Batch::default()
    };
    b.resolve();
    assert!(
        b.resolved.is_empty(),
        "c.5's first segment was written before"
    );
    apply::apply(&st, "me", &b).await.unwrap();
    assert_eq!(state(&st, "c.4").await, ("delivered".into(), 1));
    assert_eq!(state(&st, "c.5").await, ("delivered".into(), 2));
    assert_eq!(
        state(&st, "c.1").await.0,
        "delivered",
        "a duplicate changes nothing"
    );
    let parked: Vec<String> = sqlx::query_scalar("SELECT smsc_id FROM campaign_receipts_pending")
        .fetch_all(&st.pool)
        .await
        .unwrap();
    assert_eq!(parked, ["zz"]);
    assert_eq!(history(&st, "accepted").await, 4);
    assert_eq!(history(&st, "delivered").await, 3);
    drop(st);
    db.drop_db().await;
}
both_backends!(writes);
