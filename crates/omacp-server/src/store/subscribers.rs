//! Subscribers: IMSI, MSISDN, IMEI, labels, an assigned profile and its per-subscriber
//! variable values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{
    MAX_PAGE, Page, Store, StoreError, bump_generation, by_list, conflict, from_json, new_id,
    now_ms, to_json,
};

/// A stored subscriber.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscriber {
    /// Id (`sub_…`).
    pub id: String,
    /// MSISDN, digits only (international form without `+`); unique in the tenant.
    pub msisdn: String,
    /// IMSI (keys NETWPIN).
    pub imsi: Option<String>,
    /// IMEI (its first 8 digits, the TAC, find the device model).
    pub imei: Option<String>,
    /// Free labels for search and campaign targeting.
    pub labels: Vec<String>,
    /// The profile served to this subscriber over the trusted HTTP context.
    pub profile_id: Option<String>,
    /// Values of the profile's subscriber-scoped variables.
    pub vars: BTreeMap<String, String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// The editable fields of a subscriber (already normalised and checked).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubscriberInput {
    /// MSISDN.
    pub msisdn: String,
    /// IMSI.
    #[serde(default)]
    pub imsi: Option<String>,
    /// IMEI.
    #[serde(default)]
    pub imei: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Assigned profile id.
    #[serde(default)]
    pub profile_id: Option<String>,
    /// Variable values.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

const COLS: &str = "id, msisdn, imsi, imei, labels, profile_id, vars, created_at, updated_at";

fn row(r: &AnyRow) -> Result<Subscriber, StoreError> {
    Ok(Subscriber {
        id: r.try_get("id")?,
        msisdn: r.try_get("msisdn")?,
        imsi: r.try_get("imsi")?,
        imei: r.try_get("imei")?,
        labels: from_json(&r.try_get::<String, _>("labels")?, "subscribers.labels")?,
        profile_id: r.try_get("profile_id")?,
        vars: from_json(&r.try_get::<String, _>("vars")?, "subscribers.vars")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn insert(
    conn: &mut sqlx::AnyConnection,
    tenant_id: &str,
    s: &SubscriberInput,
    upsert: bool,
) -> Result<String, StoreError> {
    let now = now_ms();
    let id = new_id("sub");
    let on_conflict = if upsert {
        " ON CONFLICT (tenant_id, msisdn) DO UPDATE SET imsi = excluded.imsi, imei = excluded.imei, \
         labels = excluded.labels, profile_id = excluded.profile_id, vars = excluded.vars, \
         updated_at = excluded.updated_at"
    } else {
        ""
    };
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO subscribers (tenant_id, {COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10){on_conflict}"
    )))
    .bind(tenant_id)
    .bind(&id)
    .bind(&s.msisdn)
    .bind(s.imsi.as_deref())
    .bind(s.imei.as_deref())
    .bind(to_json(&s.labels))
    .bind(s.profile_id.as_deref())
    .bind(to_json(&s.vars))
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(conflict("subscriber MSISDN"))?;
    Ok(id)
}

/// Creates a subscriber.
pub async fn create(
    st: &Store,
    tenant_id: &str,
    s: &SubscriberInput,
) -> Result<Subscriber, StoreError> {
    let mut tx = st.pool.begin().await?;
    let id = insert(&mut tx, tenant_id, s, false).await?;
    bump_generation(&mut tx, tenant_id).await?;
    tx.commit().await?;
    get(st, tenant_id, &id)
        .await?
        .ok_or(StoreError::Corrupt("subscribers"))
}

/// Inserts or updates (by MSISDN) many subscribers in one transaction (CSV import).
pub async fn upsert_many(
    st: &Store,
    tenant_id: &str,
    list: &[SubscriberInput],
) -> Result<(), StoreError> {
    let mut tx = st.pool.begin().await?;
    for s in list {
        insert(&mut tx, tenant_id, s, true).await?;
    }
    bump_generation(&mut tx, tenant_id).await?;
    tx.commit().await?;
    Ok(())
}

/// A subscriber of this tenant by id.
pub async fn get(st: &Store, tenant_id: &str, id: &str) -> Result<Option<Subscriber>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM subscribers WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// A subscriber of this tenant by MSISDN (the trusted HTTP context's lookup).
pub async fn by_msisdn(
    st: &Store,
    tenant_id: &str,
    msisdn: &str,
) -> Result<Option<Subscriber>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM subscribers WHERE tenant_id = $1 AND msisdn = $2"
    )))
    .bind(tenant_id)
    .bind(msisdn)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// Search filters.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// Prefix of the MSISDN, IMSI or IMEI.
    pub q: Option<&'a str>,
    /// A label the subscriber carries.
    pub label: Option<&'a str>,
}

impl Search<'_> {
    /// The LIKE patterns of [`search_cond`]: MSISDN/IMSI/IMEI prefix, and label.
    fn patterns(&self) -> (Option<String>, Option<String>) {
        let q = self.q.map(|q| format!("{}%", like_escape(q)));
        // Labels are a JSON array of strings, so `"label"` with its quotes matches one whole
        // label.
        let label = self
            .label
            .map(|l| format!("%{}%", like_escape(&to_json(&l))));
        (q, label)
    }
}

/// The search filter, with the patterns of [`Search::patterns`] in `$n` and `$n+1`.
fn search_cond(n: usize) -> String {
    let l = n + 1;
    format!(
        "(${n} IS NULL OR msisdn LIKE ${n} ESCAPE '\\' OR imsi LIKE ${n} ESCAPE '\\' \
         OR imei LIKE ${n} ESCAPE '\\') AND (${l} IS NULL OR labels LIKE ${l} ESCAPE '\\')"
    )
}

/// A page of the tenant's subscribers matching `search`.
pub async fn list(
    st: &Store,
    tenant_id: &str,
    search: &Search<'_>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Subscriber>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let (q, label) = search.patterns();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM subscribers WHERE tenant_id = $1 AND id > $2 AND {} ORDER BY id LIMIT $5",
        search_cond(3)
    )))
    .bind(tenant_id)
    .bind(cursor.unwrap_or(""))
    .bind(q)
    .bind(label)
    .bind(limit + 1)
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(row)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, limit, |s| &s.id))
}

/// What a campaign needs of a subscriber (the queue row copies it).
#[derive(Debug, Clone)]
pub struct Recipient {
    /// Id.
    pub id: String,
    /// MSISDN.
    pub msisdn: String,
    /// IMSI.
    pub imsi: Option<String>,
    /// IMEI.
    pub imei: Option<String>,
    /// Variable values.
    pub vars: BTreeMap<String, String>,
}

const RECIPIENT_COLS: &str = "id, msisdn, imsi, imei, vars";

fn recipient(r: &AnyRow) -> Result<Recipient, StoreError> {
    Ok(Recipient {
        id: r.try_get("id")?,
        msisdn: r.try_get("msisdn")?,
        imsi: r.try_get("imsi")?,
        imei: r.try_get("imei")?,
        vars: from_json(&r.try_get::<String, _>("vars")?, "subscribers.vars")?,
    })
}

/// Every subscriber of the tenant matching `search`, in id order (a campaign audience), in
/// one query rather than page by page (one round trip, and only the columns a queue row
/// copies).
pub async fn recipients(
    st: &Store,
    tenant_id: &str,
    search: &Search<'_>,
) -> Result<Vec<Recipient>, StoreError> {
    let (q, label) = search.patterns();
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {RECIPIENT_COLS} FROM subscribers WHERE tenant_id = $1 AND {} ORDER BY id",
        search_cond(2)
    )))
    .bind(tenant_id)
    .bind(q)
    .bind(label)
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(recipient)
    .collect()
}

/// The tenant's subscribers with these (normalised) MSISDNs, in no particular order; MSISDNs
/// without a subscriber are absent. One query, with the list in one JSON parameter.
pub async fn recipients_by_msisdn(
    st: &Store,
    tenant_id: &str,
    msisdns: &[&str],
) -> Result<Vec<Recipient>, StoreError> {
    if msisdns.is_empty() {
        return Ok(Vec::new());
    }
    let (from, cond) = by_list(st.kind, "subscribers.msisdn", 2, false);
    // The list's own column is `value`, so the subscriber columns need no qualifier.
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {RECIPIENT_COLS} FROM subscribers{from} WHERE subscribers.tenant_id = $1 AND {cond}"
    )))
    .bind(tenant_id)
    .bind(to_json(&msisdns))
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(recipient)
    .collect()
}

fn like_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Replaces a subscriber's fields; `None` when absent from the tenant.
pub async fn update(
    st: &Store,
    tenant_id: &str,
    id: &str,
    s: &SubscriberInput,
) -> Result<Option<Subscriber>, StoreError> {
    let mut tx = st.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE subscribers SET msisdn = $1, imsi = $2, imei = $3, labels = $4, profile_id = $5, vars = $6, \
         updated_at = $7 WHERE id = $8 AND tenant_id = $9",
    )
    .bind(&s.msisdn)
    .bind(s.imsi.as_deref())
    .bind(s.imei.as_deref())
    .bind(to_json(&s.labels))
    .bind(s.profile_id.as_deref())
    .bind(to_json(&s.vars))
    .bind(now_ms())
    .bind(id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await
    .map_err(conflict("subscriber MSISDN"))?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    bump_generation(&mut tx, tenant_id).await?;
    tx.commit().await?;
    get(st, tenant_id, id).await
}

/// Deletes a subscriber; false when absent from the tenant.
pub async fn delete(st: &Store, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
    let mut tx = st.pool.begin().await?;
    let n = sqlx::query("DELETE FROM subscribers WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 {
        bump_generation(&mut tx, tenant_id).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
