//! Tenants and their ownership scope (which characteristics and APPIDs they may provision).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError, bump_generation, conflict, from_json, new_id, now_ms, to_json};

/// Operator (runs the network, usually provisions NAPDEF/proxies/MMS) or enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TenantKind {
    /// The network operator; its admins may create other tenants.
    Operator,
    /// An enterprise managing its own applications on the same devices.
    Enterprise,
}

impl TenantKind {
    fn as_str(self) -> &'static str {
        match self {
            TenantKind::Operator => "operator",
            TenantKind::Enterprise => "enterprise",
        }
    }
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "operator" => Ok(TenantKind::Operator),
            "enterprise" => Ok(TenantKind::Enterprise),
            _ => Err(StoreError::Corrupt("tenants.kind")),
        }
    }
}

/// What a tenant may provision. `"*"` in a list allows everything of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Scope {
    /// Top-level characteristic types (`NAPDEF`, `PXLOGICAL`, `APPLICATION`, …).
    pub types: Vec<String>,
    /// APPIDs allowed inside APPLICATION characteristics (`w4` MMS, `25` SMTP, `w7` DM, …).
    pub appids: Vec<String>,
}

impl Scope {
    /// Everything: the first operator tenant's scope.
    pub fn all() -> Scope {
        Scope {
            types: vec!["*".into()],
            appids: vec!["*".into()],
        }
    }
    /// May this tenant provision a top-level characteristic of this type?
    pub fn allows_type(&self, t: &str) -> bool {
        self.types
            .iter()
            .any(|x| x == "*" || x.eq_ignore_ascii_case(t))
    }
    /// May this tenant provision an application with this APPID?
    pub fn allows_appid(&self, a: &str) -> bool {
        self.appids
            .iter()
            .any(|x| x == "*" || x.eq_ignore_ascii_case(a))
    }
}

/// A tenant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    /// Id (`ten_…`).
    pub id: String,
    /// Short name used in URLs (`/thc/{slug}`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Operator or enterprise.
    pub kind: TenantKind,
    /// Ownership scope.
    pub scope: Scope,
    /// Changes whenever anything a device is served changes (cache key).
    pub generation: i64,
    /// Creation time, epoch ms.
    pub created_at: i64,
}

const COLS: &str = "id, slug, name, kind, scope_types, scope_appids, generation, created_at";

fn row(r: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        kind: TenantKind::parse(&r.try_get::<String, _>("kind")?)?,
        scope: Scope {
            types: from_json(
                &r.try_get::<String, _>("scope_types")?,
                "tenants.scope_types",
            )?,
            appids: from_json(
                &r.try_get::<String, _>("scope_appids")?,
                "tenants.scope_appids",
            )?,
        },
        generation: r.try_get("generation")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Is this a usable slug (lowercase letters, digits, `-`, 1–40 characters)?
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Creates a tenant.
pub async fn create(
    st: &Store,
    slug: &str,
    name: &str,
    kind: TenantKind,
    scope: &Scope,
) -> Result<Tenant, StoreError> {
    let t = Tenant {
        id: new_id("ten"),
        slug: slug.into(),
        name: name.into(),
        kind,
        scope: scope.clone(),
        generation: 1,
        created_at: now_ms(),
    };
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO tenants ({COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
    )))
    .bind(&t.id)
    .bind(&t.slug)
    .bind(&t.name)
    .bind(kind.as_str())
    .bind(to_json(&t.scope.types))
    .bind(to_json(&t.scope.appids))
    .bind(t.generation)
    .bind(t.created_at)
    .execute(&st.pool)
    .await
    .map_err(conflict("tenant slug"))?;
    Ok(t)
}

/// Number of tenants (zero on a fresh database).
pub async fn count(st: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
        .fetch_one(&st.pool)
        .await?)
}

/// A tenant by id.
pub async fn get(st: &Store, id: &str) -> Result<Option<Tenant>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM tenants WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// A tenant by slug.
pub async fn by_slug(st: &Store, slug: &str) -> Result<Option<Tenant>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM tenants WHERE slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| row(&r))
    .transpose()
}

/// Every tenant, in creation order.
pub async fn list(st: &Store) -> Result<Vec<Tenant>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM tenants ORDER BY id"
    )))
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(row)
    .collect()
}

/// Replaces a tenant's scope (bumps its generation: what devices get may change).
pub async fn set_scope(st: &Store, id: &str, scope: &Scope) -> Result<bool, StoreError> {
    let mut tx = st.pool.begin().await?;
    let n = sqlx::query("UPDATE tenants SET scope_types = $1, scope_appids = $2 WHERE id = $3")
        .bind(to_json(&scope.types))
        .bind(to_json(&scope.appids))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 {
        bump_generation(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// `(id, slug, generation)` of every tenant: what the THC cache poller reads.
pub async fn generations(st: &Store) -> Result<Vec<(String, String, i64)>, StoreError> {
    let rows = sqlx::query("SELECT id, slug, generation FROM tenants")
        .fetch_all(&st.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("slug")?,
                r.try_get("generation")?,
            ))
        })
        .collect()
}
