//! Profiles: settings templates with typed variables (see `template`).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{
    MAX_PAGE, Page, Store, StoreError, bump_generation, conflict, from_json, new_id, now_ms,
    to_json,
};
use crate::template::{ThcSec, Variable};

/// A stored profile.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    /// Id (`prf_…`).
    pub id: String,
    /// Name, unique in the tenant.
    pub name: String,
    /// The CP XML document with `${variable}` placeholders.
    pub template: String,
    /// The variables the template uses.
    pub variables: Vec<Variable>,
    /// How the trusted HTTP context signs this profile.
    pub thc_sec: ThcSec,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// The editable fields of a profile.
#[derive(Debug, Clone)]
pub struct ProfileInput<'a> {
    /// Name.
    pub name: &'a str,
    /// Template text.
    pub template: &'a str,
    /// Variables.
    pub variables: &'a [Variable],
    /// THC signing.
    pub thc_sec: ThcSec,
}

const COLS: &str = "id, name, template, variables, thc_sec, created_at, updated_at";

fn row(r: &AnyRow) -> Result<Profile, StoreError> {
    Ok(Profile {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        template: r.try_get("template")?,
        variables: from_json(&r.try_get::<String, _>("variables")?, "profiles.variables")?,
        thc_sec: ThcSec::parse(&r.try_get::<String, _>("thc_sec")?)
            .ok_or(StoreError::Corrupt("profiles.thc_sec"))?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Creates a profile (already validated by the caller).
pub async fn create(
    st: &Store,
    tenant_id: &str,
    p: &ProfileInput<'_>,
) -> Result<Profile, StoreError> {
    let now = now_ms();
    let id = new_id("prf");
    let mut tx = st.pool.begin().await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO profiles (tenant_id, {COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
    )))
    .bind(tenant_id)
    .bind(&id)
    .bind(p.name)
    .bind(p.template)
    .bind(to_json(&p.variables))
    .bind(p.thc_sec.as_str())
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(conflict("profile name"))?;
    bump_generation(&mut tx, tenant_id).await?;
    tx.commit().await?;
    Ok(Profile {
        id,
        name: p.name.into(),
        template: p.template.into(),
        variables: p.variables.to_vec(),
        thc_sec: p.thc_sec,
        created_at: now,
        updated_at: now,
    })
}

/// A profile of this tenant.
pub async fn get(st: &Store, tenant_id: &str, id: &str) -> Result<Option<Profile>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM profiles WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// A page of the tenant's profiles.
pub async fn list(
    st: &Store,
    tenant_id: &str,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Profile>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM profiles WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    )))
    .bind(tenant_id)
    .bind(cursor.unwrap_or(""))
    .bind(limit + 1)
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(row)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, limit, |p| &p.id))
}

/// Replaces a profile's fields; `None` when no such profile in the tenant.
pub async fn update(
    st: &Store,
    tenant_id: &str,
    id: &str,
    p: &ProfileInput<'_>,
) -> Result<Option<Profile>, StoreError> {
    let mut tx = st.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE profiles SET name = $1, template = $2, variables = $3, thc_sec = $4, updated_at = $5 \
         WHERE id = $6 AND tenant_id = $7",
    )
    .bind(p.name)
    .bind(p.template)
    .bind(to_json(&p.variables))
    .bind(p.thc_sec.as_str())
    .bind(now_ms())
    .bind(id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await
    .map_err(conflict("profile name"))?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    bump_generation(&mut tx, tenant_id).await?;
    tx.commit().await?;
    get(st, tenant_id, id).await
}

/// Deletes a profile (subscribers using it lose their assignment); false when absent.
pub async fn delete(st: &Store, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
    let mut tx = st.pool.begin().await?;
    sqlx::query(
        "UPDATE subscribers SET profile_id = NULL WHERE profile_id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let n = sqlx::query("DELETE FROM profiles WHERE id = $1 AND tenant_id = $2")
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
