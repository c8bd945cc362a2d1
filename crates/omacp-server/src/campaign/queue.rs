//! The durable queue: claims under a lease, lease renewal, housekeeping (requeue after a
//! crash, receipt timeouts, finished campaigns), and the runner's batched writes.
//!
//! Claiming is one `UPDATE … RETURNING` that moves rows from `queued` to `submitted` under
//! a lease (owner + expiry). On PostgreSQL the rows are picked with `FOR UPDATE SKIP
//! LOCKED`, so processes sharing a database never claim the same row and never wait on
//! each other; SQLite serialises writers, so the single statement is already atomic. A
//! process renews its leases while it works; rows whose lease expired (their process
//! died) go back to `queued` and are sent again with the same idempotency keys.
//!
//! Every state change is conditional on the state it leaves, so a duplicate or late
//! receipt, or two processes racing, changes nothing twice.

use std::collections::HashMap;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::apply::{Receipt, SegOutcome};
use super::model::{Claimed, MsgState};
use super::store::history;
use crate::secrets::Slot;
use crate::store::{DbKind, Store, StoreError, from_json, now_ms};

/// The one claim: up to `limit` due messages of a campaign move to `submitted` under
/// `owner`'s lease until `lease_until`.
pub async fn claim(
    st: &Store,
    owner: &str,
    campaign_id: &str,
    limit: i64,
    lease_until: i64,
) -> Result<Vec<Claimed>, StoreError> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    // PostgreSQL: the ids as an array, so the update finds each by primary key (as a
    // subquery the planner joined it against a scan of the whole queue).
    let (lock, open, close) = match st.kind {
        DbKind::Postgres => (" FOR UPDATE SKIP LOCKED", "= ANY(ARRAY(", "))"),
        DbKind::Sqlite => ("", "IN (", ")"),
    };
    let now = now_ms();
    let mut tx = st.pool.begin().await?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "UPDATE campaign_messages SET state = 'submitted', lease_owner = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 WHERE id {open}SELECT id FROM campaign_messages \
         WHERE campaign_id = $4 AND state = 'queued' AND next_at <= $3 ORDER BY next_at LIMIT $5{lock}{close} \
         RETURNING id, msisdn, imsi, imei, vars, pin, attempts"
    )))
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(campaign_id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let slot = Slot::MessagePin {
            campaign: campaign_id,
            message: &id,
        };
        // A PIN that does not open (altered, or copied from another row) fails only its
        // message, with "no valid PIN", instead of stalling the campaign.
        let pin = match st.open_pin(r.try_get::<Option<String>, _>("pin")?.as_deref(), slot) {
            Ok(p) => p.map(|p| p.as_str().to_owned()),
            Err(StoreError::Corrupt(what)) => {
                tracing::warn!(message = %id, what, "stored PIN does not open with the data key");
                None
            }
            Err(e) => return Err(e),
        };
        out.push(Claimed {
            id,
            campaign_id: campaign_id.to_owned(),
            msisdn: r.try_get("msisdn")?,
            imsi: r.try_get("imsi")?,
            imei: r.try_get("imei")?,
            vars: from_json(&r.try_get::<String, _>("vars")?, "campaign_messages.vars")?,
            pin,
            attempts: r.try_get("attempts")?,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    let mut h = HashMap::new();
    h.insert(
        (campaign_id.to_owned(), MsgState::Submitted),
        out.len() as i64,
    );
    history(&mut tx, &h).await?;
    tx.commit().await?;
    Ok(out)
}

/// Extends the leases `owner` holds.
pub async fn renew(st: &Store, owner: &str, lease_until: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE campaign_messages SET lease_until = $1 WHERE lease_owner = $2 AND state = 'submitted'",
    )
    .bind(lease_until)
    .bind(owner)
    .execute(&st.pool)
    .await?
    .rows_affected())
}

async fn counted(
    conn: &mut AnyConnection,
    sql: &str,
    binds: &[i64],
    state: MsgState,
) -> Result<u64, StoreError> {
    let mut q = sqlx::query(AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind(*b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut h: HashMap<(String, MsgState), i64> = HashMap::new();
    for r in &rows {
        let c: String = r.try_get("campaign_id")?;
        *h.entry((c, state)).or_default() += 1;
    }
    history(conn, &h).await?;
    Ok(rows.len() as u64)
}

/// Housekeeping any process may do: requeue messages whose lease expired (their process
/// died mid-send) and accepted messages of runners that stopped (their receipts may have
/// died with them), expire accepted messages without a receipt in time, and close
/// campaigns with nothing left to do. Returns how many messages were requeued.
pub async fn sweep(st: &Store, lease_ms: i64, receipt_timeout_ms: i64) -> Result<u64, StoreError> {
    let now = now_ms();
    let mut tx = st.pool.begin().await?;
    let orphaned = counted(
        &mut tx,
        "UPDATE campaign_messages SET state = 'queued', next_at = $1, lease_owner = NULL, lease_until = NULL, \
         error = 'its process stopped while waiting for the receipt; sent again', updated_at = $1 \
         WHERE state = 'accepted' AND lease_owner IS NOT NULL AND lease_owner NOT IN \
         (SELECT owner FROM campaign_runners WHERE seen_at >= $2) RETURNING campaign_id",
        &[now, now - lease_ms],
        MsgState::Queued,
    )
    .await?;
    let requeued = counted(
        &mut tx,
        "UPDATE campaign_messages SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = $1 \
         WHERE state = 'submitted' AND lease_until < $1 RETURNING campaign_id",
        &[now],
        MsgState::Queued,
    )
    .await?;
    counted(
        &mut tx,
        "UPDATE campaign_messages SET state = 'expired', error = 'no final delivery receipt in time', \
         updated_at = $1 WHERE state = 'accepted' AND updated_at < $2 RETURNING campaign_id",
        &[now, now - receipt_timeout_ms],
        MsgState::Expired,
    )
    .await?;
    sqlx::query(
        "UPDATE campaigns SET state = 'done', finished_at = $1, updated_at = $1 WHERE state = 'running' \
         AND NOT EXISTS (SELECT 1 FROM campaign_messages m WHERE m.campaign_id = campaigns.id \
         AND m.state IN ('queued', 'submitted', 'accepted'))",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE campaigns SET finished_at = $1, updated_at = $1 WHERE state = 'cancelled' AND finished_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM campaign_messages m WHERE m.campaign_id = campaigns.id \
         AND m.state IN ('queued', 'submitted', 'accepted'))",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM campaign_receipts_pending WHERE at < $1")
        .bind(now - receipt_timeout_ms)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM campaign_runners WHERE seen_at < $1")
        .bind(now - 24 * 3600 * 1000)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(requeued + orphaned)
}

/// Records that runner `owner` is alive (and so are the messages it waits receipts for).
pub async fn heartbeat(st: &Store, owner: &str, routes: &[String]) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO campaign_runners (owner, seen_at, routes) VALUES ($1, $2, $3) \
         ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at, routes = excluded.routes",
    )
    .bind(owner)
    .bind(now_ms())
    .bind(crate::store::to_json(&routes))
    .execute(&st.pool)
    .await?;
    Ok(())
}

/// Every runner whose heartbeat is not older than `since` (epoch ms): its owner id and the
/// names of the routes it binds.
pub async fn live_runners(
    st: &Store,
    since: i64,
) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let rows = sqlx::query("SELECT owner, routes FROM campaign_runners WHERE seen_at >= $1")
        .bind(since)
        .fetch_all(&st.pool)
        .await?;
    rows.iter()
        .map(|r| {
            let text: String = r.try_get("routes")?;
            // A row from an older binary (or damaged) counts as a runner with no route.
            Ok((
                r.try_get("owner")?,
                serde_json::from_str(&text).unwrap_or_default(),
            ))
        })
        .collect()
}

/// Receipts that were parked (they arrived before their segment was recorded, possibly at
/// another process) and whose segment is now known.
pub async fn parked_receipts(st: &Store) -> Result<Vec<Receipt>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.route, p.smsc_id, p.state FROM campaign_receipts_pending p JOIN campaign_segments s \
         ON s.route = p.route AND s.smsc_id = p.smsc_id LIMIT 1000",
    )
    .fetch_all(&st.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Receipt {
                route: r.try_get("route")?,
                smsc_id: r.try_get("smsc_id")?,
                outcome: SegOutcome::parse(&r.try_get::<String, _>("state")?)
                    .ok_or(StoreError::Corrupt("campaign_receipts_pending.state"))?,
            })
        })
        .collect()
}
