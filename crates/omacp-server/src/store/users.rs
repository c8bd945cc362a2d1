//! Users (with roles), API tokens and UI sessions. Secrets are stored only as hashes:
//! passwords with Argon2id, tokens and session secrets with SHA-256 (they are 256-bit
//! random, so a fast hash is enough and lets a request find its row by index).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::tenants::TenantKind;
use super::{Store, StoreError, conflict, new_id, now_ms};

/// What a user may do inside their tenant. Ordered: each role can do what the ones before
/// it can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads profiles, subscribers, device models.
    Viewer,
    /// Also creates and changes them.
    Editor,
    /// Also manages users, tokens and reads the audit log.
    Admin,
}

impl Role {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
    /// Parses `viewer`, `editor`, `admin`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user (never carries the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Id (`usr_…`).
    pub id: String,
    /// Owning tenant.
    pub tenant_id: String,
    /// Login name, unique in the tenant.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Creation time, epoch ms.
    pub created_at: i64,
}

fn user_row(r: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        username: r.try_get("username")?,
        role: Role::parse(&r.try_get::<String, _>("role")?)
            .ok_or(StoreError::Corrupt("users.role"))?,
        created_at: r.try_get("created_at")?,
    })
}

/// Creates a user with an already-hashed password.
pub async fn create(
    st: &Store,
    tenant_id: &str,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, StoreError> {
    let u = User {
        id: new_id("usr"),
        tenant_id: tenant_id.into(),
        username: username.into(),
        role,
        created_at: now_ms(),
    };
    sqlx::query(
        "INSERT INTO users (id, tenant_id, username, role, password_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(&u.id)
    .bind(&u.tenant_id)
    .bind(&u.username)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(u.created_at)
    .execute(&st.pool)
    .await
    .map_err(conflict("username"))?;
    Ok(u)
}

/// A user of this tenant by id.
pub async fn get(st: &Store, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
    sqlx::query("SELECT id, tenant_id, username, role, created_at FROM users WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(&st.pool)
        .await?
        .map(|r| user_row(&r))
        .transpose()
}

/// A user and their password hash, by tenant slug and username (login).
pub async fn for_login(
    st: &Store,
    tenant_slug: &str,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let r = sqlx::query(
        "SELECT u.id, u.tenant_id, u.username, u.role, u.created_at, u.password_hash \
         FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1 AND u.username = $2",
    )
    .bind(tenant_slug)
    .bind(username)
    .fetch_optional(&st.pool)
    .await?;
    match r {
        Some(r) => Ok(Some((user_row(&r)?, r.try_get("password_hash")?))),
        None => Ok(None),
    }
}

/// Users of a tenant, in creation order.
pub async fn list(st: &Store, tenant_id: &str) -> Result<Vec<User>, StoreError> {
    sqlx::query("SELECT id, tenant_id, username, role, created_at FROM users WHERE tenant_id = $1 ORDER BY id")
        .bind(tenant_id)
        .fetch_all(&st.pool)
        .await?
        .iter()
        .map(user_row)
        .collect()
}

/// Changes a user's role and/or password hash; false when no such user in the tenant.
pub async fn update(
    st: &Store,
    tenant_id: &str,
    id: &str,
    role: Option<Role>,
    password_hash: Option<&str>,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE users SET role = COALESCE($1, role), password_hash = COALESCE($2, password_hash) \
         WHERE id = $3 AND tenant_id = $4",
    )
    .bind(role.map(Role::as_str))
    .bind(password_hash)
    .bind(id)
    .bind(tenant_id)
    .execute(&st.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes a user with their tokens and sessions; false when no such user in the tenant.
pub async fn delete(st: &Store, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
    let mut tx = st.pool.begin().await?;
    for sql in [
        "DELETE FROM api_tokens WHERE user_id = $1",
        "DELETE FROM sessions WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    let n = sqlx::query("DELETE FROM users WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n == 1)
}

/// An API token's public half (the secret is shown once, at creation, and never stored).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Id (`tok_…`).
    pub id: String,
    /// The user the token acts as.
    pub user_id: String,
    /// A label.
    pub name: String,
    /// Creation time, epoch ms.
    pub created_at: i64,
}

fn token_row(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Stores a token by the hash of its secret.
pub async fn create_token(
    st: &Store,
    tenant_id: &str,
    user_id: &str,
    name: &str,
    token_hash: &str,
) -> Result<ApiToken, StoreError> {
    let t = ApiToken {
        id: new_id("tok"),
        user_id: user_id.into(),
        name: name.into(),
        created_at: now_ms(),
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, tenant_id, user_id, name, token_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(&t.id)
    .bind(tenant_id)
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(t.created_at)
    .execute(&st.pool)
    .await?;
    Ok(t)
}

/// Tokens of a tenant, optionally only one user's.
pub async fn list_tokens(
    st: &Store,
    tenant_id: &str,
    user_id: Option<&str>,
) -> Result<Vec<ApiToken>, StoreError> {
    sqlx::query(
        "SELECT id, user_id, name, created_at FROM api_tokens \
         WHERE tenant_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY id",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_all(&st.pool)
    .await?
    .iter()
    .map(token_row)
    .collect()
}

/// A token of this tenant by id.
pub async fn get_token(
    st: &Store,
    tenant_id: &str,
    id: &str,
) -> Result<Option<ApiToken>, StoreError> {
    sqlx::query(
        "SELECT id, user_id, name, created_at FROM api_tokens WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| token_row(&r))
    .transpose()
}

/// Revokes (deletes) a token; false when no such token in the tenant.
pub async fn delete_token(st: &Store, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(&st.pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Who is calling: the user behind a token or session, with their tenant's kind.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user.
    pub user: User,
    /// Their tenant's slug.
    pub tenant_slug: String,
    /// Their tenant's kind.
    pub tenant_kind: TenantKind,
    /// The session id when authenticated by a session, for logout.
    pub session_id: Option<String>,
}

fn identity_row(r: &AnyRow, session: bool) -> Result<Identity, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Identity {
        user: user_row(r)?,
        tenant_slug: r.try_get("slug")?,
        tenant_kind: if kind == "operator" {
            TenantKind::Operator
        } else {
            TenantKind::Enterprise
        },
        session_id: if session {
            Some(r.try_get("session_id")?)
        } else {
            None
        },
    })
}

/// The identity behind an API token hash.
pub async fn by_token_hash(st: &Store, hash: &str) -> Result<Option<Identity>, StoreError> {
    sqlx::query(
        "SELECT u.id, u.tenant_id, u.username, u.role, u.created_at, t.slug, t.kind \
         FROM api_tokens k JOIN users u ON u.id = k.user_id JOIN tenants t ON t.id = u.tenant_id \
         WHERE k.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&st.pool)
    .await?
    .map(|r| identity_row(&r, false))
    .transpose()
}

/// Starts a UI session; returns its id.
pub async fn create_session(
    st: &Store,
    user_id: &str,
    secret_hash: &str,
    ttl_ms: i64,
) -> Result<(String, i64), StoreError> {
    let id = new_id("ses");
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (id, secret_hash, user_id, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(&id)
        .bind(secret_hash)
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&st.pool)
        .await?;
    Ok((id, now + ttl_ms))
}

/// The identity behind a live session secret hash.
pub async fn by_session_hash(st: &Store, hash: &str) -> Result<Option<Identity>, StoreError> {
    sqlx::query(
        "SELECT u.id, u.tenant_id, u.username, u.role, u.created_at, t.slug, t.kind, s.id AS session_id \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = u.tenant_id \
         WHERE s.secret_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash)
    .bind(now_ms())
    .fetch_optional(&st.pool)
    .await?
    .map(|r| identity_row(&r, true))
    .transpose()
}

/// Ends a session.
pub async fn delete_session(st: &Store, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1 OR expires_at < $2")
        .bind(id)
        .bind(now_ms())
        .execute(&st.pool)
        .await?;
    Ok(())
}
