//! Login attempts limited across processes: a generic cell rate algorithm (GCRA) kept in
//! the database, one row per key.
//!
//! A key's row holds its *theoretical arrival time* `tat` (epoch ms): the time at which
//! its allowance would be whole again if no attempt came in the meantime. An attempt at
//! `now` is allowed when `tat - tolerance <= now`, and then moves `tat` to
//! `max(tat, now) + interval`; `tolerance = interval * (burst - 1)` lets `burst` attempts
//! through at once. Check and update are one statement (an upsert whose update is
//! conditional), so concurrent attempts from several processes cannot both take the last
//! allowance. Keys are stored as SHA-256 hashes: fixed size whatever the caller sends, and
//! no usernames in the table.

use super::{Store, StoreError};
use crate::auth::secret_hash;

/// A limit: `burst` attempts at once, then one every `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Milliseconds between attempts once the burst is spent.
    pub interval_ms: i64,
    /// Attempts allowed back to back.
    pub burst: i64,
}

/// The login limit: a burst of 10 attempts, then one every 6 s (per tenant/username).
pub const LOGIN: Limit = Limit {
    interval_ms: 6_000,
    burst: 10,
};

/// Takes one attempt for `key` at `now` (epoch ms); false when the key is over `limit`.
pub async fn take(st: &Store, key: &str, limit: Limit, now: i64) -> Result<bool, StoreError> {
    let tolerance = limit.interval_ms.saturating_mul(limit.burst.max(1) - 1);
    // When the condition fails nothing is updated and RETURNING yields no row.
    let row = sqlx::query(
        "INSERT INTO login_throttle (key_hash, tat) VALUES ($1, $2 + $3) \
         ON CONFLICT (key_hash) DO UPDATE SET \
         tat = CASE WHEN login_throttle.tat > $2 THEN login_throttle.tat ELSE $2 END + $3 \
         WHERE login_throttle.tat - $4 <= $2 \
         RETURNING tat",
    )
    .bind(secret_hash(key))
    .bind(now)
    .bind(limit.interval_ms)
    .bind(tolerance)
    .fetch_optional(&st.pool)
    .await?;
    Ok(row.is_some())
}

/// Forgets keys whose allowance is whole again (their rows say nothing a missing row
/// does not); returns how many went.
pub async fn purge(st: &Store, now: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM login_throttle WHERE tat <= $1")
        .bind(now)
        .execute(&st.pool)
        .await?;
    Ok(done.rows_affected())
}
