//! Runners on one database share the rate limits: their heartbeats carry the routes they
//! bind, and each one's share follows from the live ones (both backends).

mod common;

use common::*;
use omacp_server::campaign::queue::{heartbeat, live_runners};
use omacp_server::campaign::share::{Shares, shares};
use omacp_server::store::{Store, now_ms};

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn heartbeats_give_the_shares(db: Db) {
    let st = Store::open(&db.url()).await.unwrap();
    let (a, b) = (names(&["smsc-1", "smsc-2"]), names(&["smsc-1"]));
    heartbeat(&st, "run_a", &a).await.unwrap();
    heartbeat(&st, "run_b", &b).await.unwrap();
    // A runner that stopped an hour ago no longer counts.
    heartbeat(&st, "run_gone", &b).await.unwrap();
    sqlx::query("UPDATE campaign_runners SET seen_at = seen_at - 3600000 WHERE owner = 'run_gone'")
        .execute(&st.pool)
        .await
        .unwrap();
    let mut live = live_runners(&st, now_ms() - 30_000).await.unwrap();
    live.sort();
    assert_eq!(
        live,
        vec![
            ("run_a".to_string(), a.clone()),
            ("run_b".to_string(), b.clone())
        ]
    );
    let routes: Vec<Vec<String>> = live.into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        shares(&a, &routes, true),
        Shares {
            all: 2,
            routes: vec![2, 1]
        }
    );
    // A heartbeat rewrites the routes (a restart with another configuration).
    heartbeat(&st, "run_b", &names(&["smsc-3"])).await.unwrap();
    let live = live_runners(&st, now_ms() - 30_000).await.unwrap();
    let routes: Vec<Vec<String>> = live.into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        shares(&a, &routes, true),
        Shares {
            all: 2,
            routes: vec![1, 1]
        }
    );
    st.pool.close().await;
    db.drop_db().await;
}
both_backends!(heartbeats_give_the_shares);
