//! Idempotency keys for creating requests, kept in the database so a retry reaching another
//! server process gets the first answer.
//!
//! `claim` inserts a placeholder (status 0) or returns what is there; the first caller runs
//! the request and `finish`es the row with its answer. A retry while the first is still
//! running sees status 0 and is told so (409) rather than creating twice.

use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then call [`finish`].
    Fresh,
    /// The key was used for this request and answered: replay the answer.
    Done {
        /// HTTP status.
        status: u16,
        /// JSON body.
        body: String,
    },
    /// The key is in use by a request still running.
    InFlight,
    /// The key was used for a different request (method and path).
    Mismatch,
}

/// Claims `key` for `request` (`"POST /api/v1/profiles"`).
pub async fn claim(
    st: &Store,
    tenant_id: &str,
    key: &str,
    request: &str,
) -> Result<Claim, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, idem_key, request, status, body, created_at) \
         VALUES ($1,$2,$3,0,'',$4) ON CONFLICT (tenant_id, idem_key) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(key)
    .bind(request)
    .bind(now_ms())
    .execute(&st.pool)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let r = sqlx::query(
        "SELECT request, status, body FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2",
    )
    .bind(tenant_id)
    .bind(key)
    .fetch_one(&st.pool)
    .await?;
    let req: String = r.try_get("request")?;
    let status: i64 = r.try_get("status")?;
    Ok(if req != request {
        Claim::Mismatch
    } else if status == 0 {
        Claim::InFlight
    } else {
        Claim::Done {
            status: status as u16,
            body: r.try_get("body")?,
        }
    })
}

/// Stores the answer for a claimed key.
pub async fn finish(
    st: &Store,
    tenant_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, body = $2 WHERE tenant_id = $3 AND idem_key = $4",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(tenant_id)
    .bind(key)
    .execute(&st.pool)
    .await?;
    Ok(())
}

/// Releases a claim whose request failed on the server side, so a retry can run.
pub async fn release(st: &Store, tenant_id: &str, key: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2 AND status = 0",
    )
    .bind(tenant_id)
    .bind(key)
    .execute(&st.pool)
    .await?;
    Ok(())
}
