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
use crate::store::{DbKind, Store, StoreError, by_list, json_rows, now_ms, to_json};

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
    /// Its final receipt, when it arrived before the segment was written (see `Batch::resolve`).
    pub outcome: Option<SegOutcome>,
}

/// What the runner learned since its last write, applied in one transaction.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Segments the SMSC accepted.
    pub accepted_segs: Vec<AcceptedSeg>,
    /// Messages all of whose segments were accepted, with their segment count.
    pub accepted: Vec<(String, i64)>,
    /// Messages all of whose segments were accepted and got a final receipt in this batch:
    /// written final at once (segment count, outcome), no `accepted` round.
    pub resolved: Vec<(String, i64, SegOutcome)>,
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
            && self.resolved.is_empty()
            && self.receipts.is_empty()
            && self.parked.is_empty()
            && self.failed.is_empty()
            && self.retry.is_empty()
    }

    /// Adds `older` (a batch whose write failed) to this one. Appended, so the indices
    /// the runner holds into this batch's `accepted_segs` stay valid.
    pub fn merge(&mut self, older: Batch) {
        self.accepted_segs.extend(older.accepted_segs);
        self.accepted.extend(older.accepted);
        self.resolved.extend(older.resolved);
        self.receipts.extend(older.receipts);
        self.parked.extend(older.parked);
        self.failed.extend(older.failed);
        self.retry.extend(older.retry);
    }

    /// Before a write: a message whose segments were all accepted in this batch and all got
    /// their final receipt here too moves from `accepted` to `resolved` (its segments are
    /// inserted final, the message set final by id: no `accepted` round trip and no count
    /// of its segments). Any other receipt held on a segment goes back to `receipts`, the
    /// general path, which finds the segment inserted earlier in the same transaction.
    /// Idempotent: a batch kept after a failed write is resolved again unchanged.
    pub fn resolve(&mut self) {
        let mut by_msg: HashMap<&str, (usize, Option<SegOutcome>, bool)> = HashMap::new();
        for s in &self.accepted_segs {
            let e = by_msg
                .entry(s.message_id.as_str())
                .or_insert((0, None, true));
            e.0 += 1;
            match s.outcome {
                None => e.2 = false,
                // The first failure wins over a delivery; failed before expired, like the
                // general path (it applies outcomes in that order).
                Some(o) => e.1 = Some(e.1.map_or(o, |p| worst(p, o))),
            }
        }
        let mut done: HashMap<String, (i64, SegOutcome)> = HashMap::new();
        self.accepted.retain(|(id, n)| {
            if let Some(&(count, Some(outcome), true)) = by_msg.get(id.as_str())
                && count as i64 == *n
            {
                done.insert(id.clone(), (*n, outcome));
                return false;
            }
            true
        });
        drop(by_msg);
        let before: HashSet<&str> = self.resolved.iter().map(|r| r.0.as_str()).collect();
        for s in &mut self.accepted_segs {
            if done.contains_key(&s.message_id) || before.contains(s.message_id.as_str()) {
                continue;
            }
            if let Some(outcome) = s.outcome.take() {
                self.receipts.push(Receipt {
                    route: s.route.clone(),
                    smsc_id: s.smsc_id.clone(),
                    outcome,
                });
            }
        }
        drop(before);
        self.resolved
            .extend(done.into_iter().map(|(id, (n, outcome))| (id, n, outcome)));
    }
}

/// The message outcome of two segment outcomes: any failure beats a delivery, and
/// `failed` beats `expired`.
fn worst(a: SegOutcome, b: SegOutcome) -> SegOutcome {
    match (a, b) {
        (SegOutcome::Failed, _) | (_, SegOutcome::Failed) => SegOutcome::Failed,
        (SegOutcome::Expired, _) | (_, SegOutcome::Expired) => SegOutcome::Expired,
        _ => SegOutcome::Delivered,
    }
}

type Counts = HashMap<(String, MsgState), i64>;

fn count_rows(h: &mut Counts, rows: &[sqlx::any::AnyRow], s: MsgState) -> Result<(), StoreError> {
    for r in rows {
        let c: String = r.try_get("campaign_id")?;
        *h.entry((c, s)).or_default() += 1;
    }
    Ok(())
}

/// Writes a batch from runner `owner`. Call `Batch::resolve` first.
pub async fn apply(st: &Store, owner: &str, batch: &Batch) -> Result<(), StoreError> {
    let now = now_ms();
    let kind = st.kind;
    let mut h: Counts = HashMap::new();
    let mut tx = st.pool.begin().await?;
    if !batch.accepted_segs.is_empty() {
        let resolved: HashMap<&str, SegOutcome> = batch
            .resolved
            .iter()
            .map(|(id, _, o)| (id.as_str(), *o))
            .collect();
        // A segment of a resolved message is inserted with its own receipt's outcome.
        let rows: Vec<(&str, &str, &str, i64, &str)> = batch
            .accepted_segs
            .iter()
            .map(|s| {
                let state = match (s.outcome, resolved.contains_key(s.message_id.as_str())) {
                    (Some(o), true) => o.as_str(),
                    _ => "accepted",
                };
                (
                    s.route.as_str(),
                    s.smsc_id.as_str(),
                    s.message_id.as_str(),
                    s.seq,
                    state,
                )
            })
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO campaign_segments (route, smsc_id, message_id, seq, state, at) \
             SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, CAST(j.value ->> 3 AS BIGINT), j.value ->> 4, $1 \
             FROM {} WHERE true ON CONFLICT (route, smsc_id) DO NOTHING",
            json_rows(kind, 2)
        )))
        .bind(now)
        .bind(to_json(&rows))
        .execute(&mut *tx)
        .await?;
    }
    // Grouped by segment count, so one statement sets a whole group.
    let mut by_segs: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for (id, n) in &batch.accepted {
        by_segs.entry(*n).or_default().push(id);
    }
    for (n, ids) in by_segs {
        let (from, cond) = by_list(kind, "campaign_messages.id", 4, true);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE campaign_messages SET state = 'accepted', segments = $1, lease_owner = $2, \
             lease_until = NULL, updated_at = $3{from} WHERE state = 'submitted' AND {cond} \
             RETURNING campaign_messages.campaign_id"
        )))
        .bind(n)
        .bind(owner)
        .bind(now)
        .bind(to_json(&ids))
        .fetch_all(&mut *tx)
        .await?;
        count_rows(&mut h, &rows, MsgState::Accepted)?;
    }
    resolved(&mut tx, kind, &batch.resolved, now, &mut h).await?;
    let all: Vec<&Receipt> = batch.receipts.iter().chain(&batch.parked).collect();
    receipts(&mut tx, kind, &all, now, &mut h).await?;
    for r in &batch.parked {
        sqlx::query("DELETE FROM campaign_receipts_pending WHERE route = $1 AND smsc_id = $2")
            .bind(&r.route)
            .bind(&r.smsc_id)
            .execute(&mut *tx)
            .await?;
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

/// Messages resolved in memory (`Batch::resolve`): set final by id. The general path's
/// conditions hold: a message still `submitted` under a lease passes through `accepted`
/// (counted in the history) to its outcome; one no longer `submitted` (requeued meanwhile,
/// say) is left to `finish`, which decides from its recorded segments like for any receipt.
async fn resolved(
    tx: &mut AnyConnection,
    kind: DbKind,
    list: &[(String, i64, SegOutcome)],
    now: i64,
    h: &mut Counts,
) -> Result<(), StoreError> {
    let mut groups: BTreeMap<(SegOutcome, i64), Vec<&str>> = BTreeMap::new();
    for (id, n, o) in list {
        groups.entry((*o, *n)).or_default().push(id);
    }
    for ((outcome, n), ids) in groups {
        let error = match outcome {
            SegOutcome::Delivered => "NULL".to_owned(),
            o => format!("'a segment''s receipt: {}'", o.as_str()),
        };
        let (from, cond) = by_list(kind, "campaign_messages.id", 3, true);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE campaign_messages SET state = '{}', segments = $1, error = {error}, lease_owner = NULL, \
             lease_until = NULL, updated_at = $2{from} WHERE state = 'submitted' AND {cond} \
             RETURNING campaign_messages.id, campaign_messages.campaign_id",
            outcome.as_str(),
        )))
        .bind(n)
        .bind(now)
        .bind(to_json(&ids))
        .fetch_all(&mut *tx)
        .await?;
        count_rows(h, &rows, MsgState::Accepted)?;
        count_rows(h, &rows, outcome.msg_state())?;
        if rows.len() < ids.len() {
            let done: HashSet<String> = rows
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
            let mut rest: Vec<String> = ids
                .iter()
                .filter(|id| !done.contains(**id))
                .map(|id| id.to_string())
                .collect();
            rest.sort();
            finish(tx, kind, outcome, &rest, now, h).await?;
        }
    }
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
        let (from, cond) = by_list(kind, "campaign_segments.smsc_id", 4, true);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE campaign_segments SET state = $1, at = $2{from} WHERE route = $3 AND state = 'accepted' \
             AND {cond} RETURNING campaign_segments.message_id, campaign_segments.smsc_id"
        )))
        .bind(outcome.as_str())
        .bind(now)
        .bind(route)
        .bind(to_json(&ids))
        .fetch_all(&mut *tx)
        .await?;
        let mut matched = HashSet::new();
        let mut messages = Vec::new();
        for r in &rows {
            matched.insert(r.try_get::<String, _>("smsc_id")?);
            messages.push(r.try_get::<String, _>("message_id")?);
        }
        let mut unmatched: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !matched.contains(*id))
            .collect();
        unmatched.sort_unstable();
        unmatched.dedup();
        if !unmatched.is_empty() {
            park(tx, kind, route, outcome, &unmatched, now).await?;
        }
        messages.sort();
        messages.dedup();
        finish(tx, kind, outcome, &messages, now, h).await?;
    }
    Ok(())
}

/// Receipts that matched no `accepted` segment: parked, unless their segment is already
/// final (a duplicate receipt). A segment found still `accepted` here was committed by
/// another process between the UPDATE and this SELECT (READ COMMITTED gives each
/// statement a fresh snapshot): its receipt is parked too, and applied on the next turn.
async fn park(
    tx: &mut AnyConnection,
    kind: DbKind,
    route: &str,
    outcome: SegOutcome,
    ids: &[&str],
    now: i64,
) -> Result<(), StoreError> {
    let (from, cond) = by_list(kind, "campaign_segments.smsc_id", 2, false);
    let known: HashSet<String> = sqlx::query_scalar::<_, String>(AssertSqlSafe(format!(
        "SELECT campaign_segments.smsc_id FROM campaign_segments{from} WHERE route = $1 \
         AND state <> 'accepted' AND {cond}"
    )))
    .bind(route)
    .bind(to_json(&ids))
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
    let list = to_json(&messages);
    if kind == DbKind::Postgres && outcome == SegOutcome::Delivered {
        // Two transactions each marking one segment of the same message would each count
        // only their own: lock the messages first (in id order), so the second waits and
        // its count (a fresh snapshot under READ COMMITTED) sees the first's segment.
        // SQLite runs one writing transaction at a time, so it cannot interleave.
        let (from, cond) = by_list(kind, "campaign_messages.id", 1, false);
        sqlx::query(AssertSqlSafe(format!(
            "SELECT campaign_messages.id FROM campaign_messages{from} WHERE {cond} \
             ORDER BY campaign_messages.id FOR UPDATE OF campaign_messages"
        )))
        .bind(&list)
        .fetch_all(&mut *tx)
        .await?;
    }
    let (from, cond) = by_list(kind, "campaign_messages.id", 2, true);
    let sql = match outcome {
        SegOutcome::Delivered => format!(
            "UPDATE campaign_messages SET state = 'delivered', error = NULL, lease_owner = NULL, lease_until = NULL, \
             updated_at = $1{from} WHERE state IN ('queued', 'submitted', 'accepted') AND segments > 0 \
             AND segments <= (SELECT COUNT(DISTINCT s.seq) FROM campaign_segments s \
             WHERE s.message_id = campaign_messages.id AND s.state = 'delivered') \
             AND {cond} RETURNING campaign_messages.campaign_id"
        ),
        o => format!(
            "UPDATE campaign_messages SET state = '{}', error = 'a segment''s receipt: {}', lease_owner = NULL, \
             lease_until = NULL, updated_at = $1{from} WHERE state IN ('submitted', 'accepted') AND {cond} \
             RETURNING campaign_messages.campaign_id",
            o.as_str(),
            o.as_str(),
        ),
    };
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(now)
        .bind(&list)
        .fetch_all(&mut *tx)
        .await?;
    count_rows(h, &rows, outcome.msg_state())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(msg: &str, seq: i64, smsc: &str, outcome: Option<SegOutcome>) -> AcceptedSeg {
        AcceptedSeg {
            route: "r".into(),
            smsc_id: smsc.into(),
            message_id: msg.into(),
            seq,
            outcome,
        }
    }

    #[test]
    fn resolve_moves_only_complete_messages() {
        use SegOutcome::*;
        let mut b = Batch {
            accepted_segs: vec![
                // m1: both segments accepted and delivered here.
                seg("c.1", 1, "a", Some(Delivered)),
                seg("c.1", 2, "b", Some(Delivered)),
                // m2: one receipt still missing.
                seg("c.2", 1, "c", Some(Delivered)),
                seg("c.2", 2, "d", None),
                // m3: a failed segment makes the message failed.
                seg("c.3", 1, "e", Some(Delivered)),
                seg("c.3", 2, "f", Some(Failed)),
                // m4: its first segment was written in an earlier batch.
                seg("c.4", 2, "g", Some(Delivered)),
                // m5: not all segments accepted yet (not in `accepted`).
                seg("c.5", 1, "h", Some(Expired)),
            ],
            accepted: vec![
                ("c.1".into(), 2),
                ("c.2".into(), 2),
                ("c.3".into(), 2),
                ("c.4".into(), 2),
            ],
            ..Batch::default()
        };
        b.resolve();
        let mut resolved = b.resolved.clone();
        resolved.sort();
        assert_eq!(
            resolved,
            vec![("c.1".into(), 2, Delivered), ("c.3".into(), 2, Failed)]
        );
        let accepted: Vec<&str> = b.accepted.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(accepted, ["c.2", "c.4"]);
        let mut back: Vec<(&str, SegOutcome)> = b
            .receipts
            .iter()
            .map(|r| (r.smsc_id.as_str(), r.outcome))
            .collect();
        back.sort();
        assert_eq!(back, [("c", Delivered), ("g", Delivered), ("h", Expired)]);
        // Segments of resolved messages keep their outcome (inserted final); others do not.
        let kept: Vec<&str> = b
            .accepted_segs
            .iter()
            .filter(|s| s.outcome.is_some())
            .map(|s| s.smsc_id.as_str())
            .collect();
        assert_eq!(kept, ["a", "b", "e", "f"]);

        // A batch kept after a failed write resolves to the same thing again.
        let (r, a, n) = (b.resolved.len(), b.accepted.len(), b.receipts.len());
        b.resolve();
        assert_eq!(
            (b.resolved.len(), b.accepted.len(), b.receipts.len()),
            (r, a, n)
        );
    }

    #[test]
    fn a_failed_batch_merged_into_the_next_resolves_the_same() {
        use SegOutcome::*;
        let mut old = Batch {
            accepted_segs: vec![
                seg("c.1", 1, "a", Some(Delivered)),
                seg("c.2", 1, "b", None),
            ],
            accepted: vec![("c.1".into(), 1)],
            ..Batch::default()
        };
        old.resolve();
        // The next batch: c.2's last segment, and a receipt for c.2's first one (which the
        // failed write was to insert) arriving through the general path.
        let mut next = Batch {
            accepted_segs: vec![seg("c.2", 2, "c", Some(Delivered))],
            accepted: vec![("c.2".into(), 2)],
            receipts: vec![Receipt {
                route: "r".into(),
                smsc_id: "b".into(),
                outcome: Delivered,
            }],
            ..Batch::default()
        };
        next.merge(old);
        next.resolve();
        assert_eq!(next.resolved, vec![("c.1".into(), 1, Delivered)]);
        assert_eq!(next.accepted, vec![("c.2".to_string(), 2)]);
        let mut r: Vec<&str> = next.receipts.iter().map(|r| r.smsc_id.as_str()).collect();
        r.sort();
        assert_eq!(r, ["b", "c"]);
        assert_eq!(next.accepted_segs.len(), 3);
    }

    #[test]
    fn worst_outcome() {
        use SegOutcome::*;
        assert_eq!(worst(Delivered, Delivered), Delivered);
        assert_eq!(worst(Delivered, Expired), Expired);
        assert_eq!(worst(Expired, Failed), Failed);
        assert_eq!(worst(Failed, Delivered), Failed);
    }
}
