//! The runner's batched writes: what the SMSC said since the last turn (accepted segments,
//! receipts, failures), applied in one transaction with a handful of set-based statements
//! per kind, not one round trip per message (100,000 messages must not mean a million
//! statements).
//!
//! Every change is conditional on the state it leaves, so replays, duplicates and races
//! with other processes change nothing twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::model::MsgState;
use super::store::{campaign_of, history};
use crate::store::{DbKind, Store, StoreError, now_ms};

/// A segment's final outcome from its receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SegOutcome {
    /// DELIVRD.
    Delivered,
    /// UNDELIV, REJECTD, DELETED, UNKNOWN.
    Failed,
    /// EXPIRED.
    Expired,
}

impl SegOutcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SegOutcome::Delivered => "delivered",
            SegOutcome::Failed => "failed",
            SegOutcome::Expired => "expired",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<SegOutcome> {
        match s {
            "delivered" => Some(SegOutcome::Delivered),
            "failed" => Some(SegOutcome::Failed),
            "expired" => Some(SegOutcome::Expired),
            _ => None,
        }
    }
    fn msg_state(self) -> MsgState {
        match self {
            SegOutcome::Delivered => MsgState::Delivered,
            SegOutcome::Failed => MsgState::Failed,
            SegOutcome::Expired => MsgState::Expired,
        }
    }
}

/// A final receipt for one segment.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The route it came from.
    pub route: String,
    /// The SMSC message id it names.
    pub smsc_id: String,
    /// Its outcome.
    pub outcome: SegOutcome,
}

/// An accepted segment.
#[derive(Debug, Clone)]
pub struct AcceptedSeg {
    /// Route.
    pub route: String,
    /// SMSC message id.
    pub smsc_id: String,
    /// Message.
    pub message_id: String,
    /// Segment number, from 1.
    pub seq: i64,
}

/// What the runner learned since its last write, applied in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    /// Segments the SMSC accepted.
    pub accepted_segs: Vec<AcceptedSeg>,
    /// Messages all of whose segments were accepted, with their segment count.
    pub accepted: Vec<(String, i64)>,
    /// Final receipts.
    pub receipts: Vec<Receipt>,
    /// Receipts taken from the parking table (removed from it once applied).
    pub parked: Vec<Receipt>,
    /// Messages failed for good, with the reason.
    pub failed: Vec<(String, String)>,
    /// Messages to send again at a time, with the reason.
    pub retry: Vec<(String, i64, String)>,
}

impl Batch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.accepted_segs.is_empty()
            && self.accepted.is_empty()
            && self.receipts.is_empty()
            && self.parked.is_empty()
            && self.failed.is_empty()
            && self.retry.is_empty()
    }
}

const CHUNK: usize = 400;

/// `$from,$from+1,…` for `n` placeholders.
fn params(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

type Counts = HashMap<(String, MsgState), i64>;

fn count_rows(h: &mut Counts, rows: &[sqlx::any::AnyRow], s: MsgState) -> Result<(), StoreError> {
    for r in rows {
        let c: String = r.try_get("campaign_id")?;
        *h.entry((c, s)).or_default() += 1;
    }
    Ok(())
}

/// Writes a batch from runner `owner`.
pub async fn apply(st: &Store, owner: &str, batch: &Batch) -> Result<(), StoreError> {
    let now = now_ms();
    let mut h: Counts = HashMap::new();
    let mut tx = st.pool.begin().await?;
    for chunk in batch.accepted_segs.chunks(CHUNK) {
        let rows = (0..chunk.len())
            .map(|i| {
                let b = i * 4;
                format!(
                    "(${},${},${},${},'accepted',$1)",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO campaign_segments (route, smsc_id, message_id, seq, state, at) VALUES {rows} \
             ON CONFLICT (route, smsc_id) DO NOTHING"
        )))
        .bind(now);
        for s in chunk {
            q = q
                .bind(s.route.clone())
                .bind(s.smsc_id.clone())
                .bind(s.message_id.clone())
                .bind(s.seq);
        }
        q.execute(&mut *tx).await?;
    }
    // Grouped by segment count, so one statement sets a whole group.
    let mut by_segs: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for (id, n) in &batch.accepted {
        by_segs.entry(*n).or_default().push(id);
    }
    for (n, ids) in by_segs {
        for chunk in ids.chunks(CHUNK) {
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "UPDATE campaign_messages SET state = 'accepted', segments = $1, lease_owner = $2, \
                 lease_until = NULL, updated_at = $3 WHERE state = 'submitted' AND id IN ({}) RETURNING campaign_id",
                params(4, chunk.len())
            )))
            .bind(n)
            .bind(owner)
            .bind(now);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            let rows = q.fetch_all(&mut *tx).await?;
            count_rows(&mut h, &rows, MsgState::Accepted)?;
        }
    }
    let all: Vec<&Receipt> = batch.receipts.iter().chain(&batch.parked).collect();
    receipts(&mut tx, st.kind, &all, now, &mut h).await?;
    for chunk in batch.parked.chunks(CHUNK) {
        for r in chunk {
            sqlx::query("DELETE FROM campaign_receipts_pending WHERE route = $1 AND smsc_id = $2")
                .bind(&r.route)
                .bind(&r.smsc_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    for (id, error) in &batch.failed {
        let n = sqlx::query(
            "UPDATE campaign_messages SET state = 'failed', error = $1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $2 WHERE id = $3 AND state = 'submitted'",
        )
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        *h.entry((campaign_of(id).to_owned(), MsgState::Failed))
            .or_default() += n as i64;
    }
    for (id, at, error) in &batch.retry {
        let n = sqlx::query(
            "UPDATE campaign_messages SET state = 'queued', next_at = $1, error = $2, lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $4 AND state = 'submitted'",
        )
        .bind(*at)
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        *h.entry((campaign_of(id).to_owned(), MsgState::Queued))
            .or_default() += n as i64;
    }
    history(&mut tx, &h).await?;
    tx.commit().await?;
    Ok(())
}

/// Receipts, grouped by route and outcome: mark the segments, park the unknown ones, then
/// finish the messages they complete.
async fn receipts(
    tx: &mut AnyConnection,
    kind: DbKind,
    list: &[&Receipt],
    now: i64,
    h: &mut Counts,
) -> Result<(), StoreError> {
    let mut groups: BTreeMap<(&str, SegOutcome), Vec<&str>> = BTreeMap::new();
    for r in list {
        groups
            .entry((r.route.as_str(), r.outcome))
            .or_default()
            .push(&r.smsc_id);
    }
    for ((route, outcome), ids) in groups {
        for chunk in ids.chunks(CHUNK) {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "UPDATE campaign_segments SET state = $1, at = $2 WHERE route = $3 AND state = 'accepted' \
                 AND smsc_id IN ({}) RETURNING message_id, smsc_id",
                params(4, chunk.len())
            )))
            .bind(outcome.as_str())
            .bind(now)
            .bind(route);
            let rows = chunk
                .iter()
                .fold(rows, |q, id| q.bind(id.to_string()))
                .fetch_all(&mut *tx)
                .await?;
            let mut matched = HashSet::new();
            let mut messages = Vec::new();
            for r in &rows {
                matched.insert(r.try_get::<String, _>("smsc_id")?);
                messages.push(r.try_get::<String, _>("message_id")?);
            }
            let unmatched: Vec<&str> = chunk
                .iter()
                .copied()
                .filter(|id| !matched.contains(*id))
                .collect();
            if !unmatched.is_empty() {
                park(tx, route, outcome, &unmatched, now).await?;
            }
            messages.sort();
            messages.dedup();
            finish(tx, kind, outcome, &messages, now, h).await?;
        }
    }
    Ok(())
}

/// Receipts that matched no `accepted` segment: parked, unless their segment is already
/// final (a duplicate receipt). A segment found still `accepted` here was committed by
/// another process between the UPDATE and this SELECT (READ COMMITTED gives each
/// statement a fresh snapshot): its receipt is parked too, and applied on the next turn.
async fn park(
    tx: &mut AnyConnection,
    route: &str,
    outcome: SegOutcome,
    ids: &[&str],
    now: i64,
) -> Result<(), StoreError> {
    let q = sqlx::query_scalar::<_, String>(AssertSqlSafe(format!(
        "SELECT smsc_id FROM campaign_segments WHERE route = $1 AND state <> 'accepted' \
         AND smsc_id IN ({})",
        params(2, ids.len())
    )))
    .bind(route);
    let known: HashSet<String> = ids
        .iter()
        .fold(q, |q, id| q.bind(id.to_string()))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    for id in ids.iter().filter(|id| !known.contains(**id)) {
        sqlx::query(
            "INSERT INTO campaign_receipts_pending (route, smsc_id, state, at) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (route, smsc_id) DO NOTHING",
        )
        .bind(route)
        .bind(*id)
        .bind(outcome.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Messages whose segments just got a final receipt: delivered when every segment is
/// delivered (also if the message was requeued meanwhile: its receipts were only late);
/// failed or expired at the first such segment. `messages` is sorted.
async fn finish(
    tx: &mut AnyConnection,
    kind: DbKind,
    outcome: SegOutcome,
    messages: &[String],
    now: i64,
    h: &mut Counts,
) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    if kind == DbKind::Postgres && outcome == SegOutcome::Delivered {
        // Two transactions each marking one segment of the same message would each count
        // only their own: lock the messages first (in id order), so the second waits and
        // its count (a fresh snapshot under READ COMMITTED) sees the first's segment.
        // SQLite runs one writing transaction at a time, so it cannot interleave.
        let q = sqlx::query(AssertSqlSafe(format!(
            "SELECT id FROM campaign_messages WHERE id IN ({}) ORDER BY id FOR UPDATE",
            params(1, messages.len())
        )));
        messages
            .iter()
            .fold(q, |q, id| q.bind(id.clone()))
            .fetch_all(&mut *tx)
            .await?;
    }
    let sql = match outcome {
        SegOutcome::Delivered => format!(
            "UPDATE campaign_messages SET state = 'delivered', error = NULL, lease_owner = NULL, lease_until = NULL, \
             updated_at = $1 WHERE state IN ('queued', 'submitted', 'accepted') AND segments > 0 \
             AND segments <= (SELECT COUNT(DISTINCT s.seq) FROM campaign_segments s \
             WHERE s.message_id = campaign_messages.id AND s.state = 'delivered') \
             AND id IN ({}) RETURNING campaign_id",
            params(2, messages.len())
        ),
        o => format!(
            "UPDATE campaign_messages SET state = '{}', error = 'a segment''s receipt: {}', lease_owner = NULL, \
             lease_until = NULL, updated_at = $1 WHERE state IN ('submitted', 'accepted') AND id IN ({}) \
             RETURNING campaign_id",
            o.as_str(),
            o.as_str(),
            params(2, messages.len())
        ),
    };
    let q = sqlx::query(AssertSqlSafe(sql)).bind(now);
    let rows = messages
        .iter()
        .fold(q, |q, id| q.bind(id.clone()))
        .fetch_all(&mut *tx)
        .await?;
    count_rows(h, &rows, outcome.msg_state())
}
