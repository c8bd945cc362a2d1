//! Device models keyed by TAC (the first 8 digits of the IMEI): what each model supports.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{MAX_PAGE, Page, Store, StoreError, conflict, from_json, new_id, now_ms, to_json};

/// A device model.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceModel {
    /// Id (`dev_…`).
    pub id: String,
    /// Type Allocation Code, 8 digits; unique in the tenant.
    pub tac: String,
    /// Maker and model.
    pub name: String,
    /// APPIDs the model's agent understands.
    pub appids: Vec<String>,
    /// SEC methods it verifies (`NETWPIN`, `USERPIN`, …).
    pub sec_methods: Vec<String>,
    /// Most SMS segments it reassembles.
    pub max_segments: i64,
    /// Creation time, epoch ms.
    pub created_at: i64,
}

/// The editable fields of a device model.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DeviceModelInput {
    /// TAC, 8 digits.
    pub tac: String,
    /// Maker and model.
    pub name: String,
    /// Supported APPIDs.
    #[serde(default)]
    pub appids: Vec<String>,
    /// Supported SEC methods.
    #[serde(default)]
    pub sec_methods: Vec<String>,
    /// Most SMS segments reassembled (default 6).
    #[serde(default = "default_segments")]
    pub max_segments: i64,
}

fn default_segments() -> i64 {
    6
}

const COLS: &str = "id, tac, name, appids, sec_methods, max_segments, created_at";

fn row(r: &AnyRow) -> Result<DeviceModel, StoreError> {
    Ok(DeviceModel {
        id: r.try_get("id")?,
        tac: r.try_get("tac")?,
        name: r.try_get("name")?,
        appids: from_json(&r.try_get::<String, _>("appids")?, "device_models.appids")?,
        sec_methods: from_json(
            &r.try_get::<String, _>("sec_methods")?,
            "device_models.sec_methods",
        )?,
        max_segments: r.try_get("max_segments")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Creates a device model.
pub async fn create(
    st: &Store,
    tenant_id: &str,
    d: &DeviceModelInput,
) -> Result<DeviceModel, StoreError> {
    let m = DeviceModel {
        id: new_id("dev"),
        tac: d.tac.clone(),
        name: d.name.clone(),
        appids: d.appids.clone(),
        sec_methods: d.sec_methods.clone(),
        max_segments: d.max_segments,
        created_at: now_ms(),
    };
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO device_models (tenant_id, {COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
    )))
    .bind(tenant_id)
    .bind(&m.id)
    .bind(&m.tac)
    .bind(&m.name)
    .bind(to_json(&m.appids))
    .bind(to_json(&m.sec_methods))
    .bind(m.max_segments)
    .bind(m.created_at)
    .execute(&st.pool)
    .await
    .map_err(conflict("device model TAC"))?;
    Ok(m)
}

/// A device model of this tenant by id.
pub async fn get(st: &Store, tenant_id: &str, id: &str) -> Result<Option<DeviceModel>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM device_models WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// The model for an IMEI (looked up by its TAC).
pub async fn for_imei(
    st: &Store,
    tenant_id: &str,
    imei: &str,
) -> Result<Option<DeviceModel>, StoreError> {
    let tac: String = imei.chars().take(8).collect();
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM device_models WHERE tac = $1 AND tenant_id = $2"
    )))
    .bind(tac)
    .bind(tenant_id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// A page of the tenant's device models, optionally only one TAC.
pub async fn list(
    st: &Store,
    tenant_id: &str,
    tac: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<DeviceModel>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM device_models WHERE tenant_id = $1 AND id > $2 AND ($3 IS NULL OR tac = $3) \
         ORDER BY id LIMIT $4"
    )))
    .bind(tenant_id)
    .bind(cursor.unwrap_or(""))
    .bind(tac)
    .bind(limit + 1)
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(row)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(rows, limit, |d| &d.id))
}

/// Replaces a device model's fields; `None` when absent from the tenant.
pub async fn update(
    st: &Store,
    tenant_id: &str,
    id: &str,
    d: &DeviceModelInput,
) -> Result<Option<DeviceModel>, StoreError> {
    let n = sqlx::query(
        "UPDATE device_models SET tac = $1, name = $2, appids = $3, sec_methods = $4, max_segments = $5 \
         WHERE id = $6 AND tenant_id = $7",
    )
    .bind(&d.tac)
    .bind(&d.name)
    .bind(to_json(&d.appids))
    .bind(to_json(&d.sec_methods))
    .bind(d.max_segments)
    .bind(id)
    .bind(tenant_id)
    .execute(&st.pool)
    .await
    .map_err(conflict("device model TAC"))?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    get(st, tenant_id, id).await
}

/// Deletes a device model; false when absent from the tenant.
pub async fn delete(st: &Store, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM device_models WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(&st.pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}
