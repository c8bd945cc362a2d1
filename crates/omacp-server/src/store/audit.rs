//! The audit log: who did or tried what, when, from where, with what outcome.
//!
//! Append-only: this module has no update or delete, and the API exposes only reads.
//! Entries carry ids and names, never secrets (passwords, tokens, PINs, variable values).

use serde::Serialize;
use sqlx::Row;

use super::{MAX_PAGE, Page, Store, StoreError, new_id, now_ms};

/// One audit entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Id (`aud_…`, time-ordered).
    pub id: String,
    /// The tenant whose user acted (absent for shell actions before any tenant).
    pub tenant_id: Option<String>,
    /// When, epoch ms.
    pub at: i64,
    /// Who: `user:<username>`, `cli`, `system`, `device:<msisdn>`.
    pub actor: String,
    /// From where: the peer address, or `shell`.
    pub source: String,
    /// What: `profile.create`, `subscriber.read`, …
    pub action: String,
    /// The object's id, when there is one.
    pub object: Option<String>,
    /// `ok`, `denied`, `not_found`, `invalid`, `conflict`.
    pub outcome: String,
    /// Extra, secret-free detail.
    pub detail: String,
}

/// What to record (the id and time are added).
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// Tenant.
    pub tenant_id: Option<&'a str>,
    /// Actor.
    pub actor: &'a str,
    /// Source.
    pub source: &'a str,
    /// Action.
    pub action: &'a str,
    /// Object id.
    pub object: Option<&'a str>,
    /// Outcome.
    pub outcome: &'a str,
    /// Detail.
    pub detail: &'a str,
}

/// Appends one entry.
pub async fn append(st: &Store, r: &Record<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (id, tenant_id, at, actor, source, action, object, outcome, detail) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(new_id("aud"))
    .bind(r.tenant_id)
    .bind(now_ms())
    .bind(r.actor)
    .bind(r.source)
    .bind(r.action)
    .bind(r.object)
    .bind(r.outcome)
    .bind(r.detail)
    .execute(&st.pool)
    .await?;
    Ok(())
}

/// A page of a tenant's audit log, oldest first, optionally one object's entries.
pub async fn list(
    st: &Store,
    tenant_id: &str,
    object: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<AuditEntry>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = sqlx::query(
        "SELECT id, tenant_id, at, actor, source, action, object, outcome, detail FROM audit_log \
         WHERE tenant_id = $1 AND id > $2 AND ($3 IS NULL OR object = $3) ORDER BY id LIMIT $4",
    )
    .bind(tenant_id)
    .bind(cursor.unwrap_or(""))
    .bind(object)
    .bind(limit + 1)
    .fetch_all(&st.pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                tenant_id: r.try_get("tenant_id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                source: r.try_get("source")?,
                action: r.try_get("action")?,
                object: r.try_get("object")?,
                outcome: r.try_get("outcome")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Page::from_rows(items, limit, |e| &e.id))
}
