//! Tenants: the caller's own, and (for operator admins) creating and listing tenants.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Principal, idempotent};
use crate::AppState;
use crate::auth::{acceptable_password, hash_password, new_password};
use crate::error::ApiError;
use crate::store::tenants::{self, Scope, Tenant, TenantKind, valid_slug};
use crate::store::users::{self, Role, User};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenant", get(own))
        .route("/api/v1/tenants", get(list).post(create))
        .route("/api/v1/tenants/{id}", patch(update))
}

/// The caller's tenant.
#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenants", responses((status = 200, body = Tenant)), security(("bearer" = [])))]
pub async fn own(State(st): State<AppState>, p: Principal) -> Result<Json<Tenant>, ApiError> {
    let t = tenants::get(&st.store, p.tenant())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(t))
}

async fn require_operator_admin(
    st: &AppState,
    p: &Principal,
    action: &str,
    object: Option<&str>,
) -> Result<(), ApiError> {
    if p.is_operator_admin() {
        return Ok(());
    }
    p.audit(st, action, object, "denied", "needs an operator admin")
        .await?;
    Err(ApiError::Forbidden)
}

/// Every tenant (operator admins only).
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants", responses((status = 200, body = [Tenant]), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<Tenant>>, ApiError> {
    require_operator_admin(&st, &p, "tenant.list", None).await?;
    Ok(Json(tenants::list(&st.store).await?))
}

/// A new tenant and its first admin.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTenant {
    /// URL name: lowercase letters, digits, `-`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Operator or enterprise (default enterprise).
    #[serde(default = "enterprise")]
    pub kind: TenantKind,
    /// Ownership scope.
    pub scope: Scope,
    /// The first admin's username (default `admin`).
    #[serde(default)]
    pub admin_username: Option<String>,
    /// The first admin's password (generated when absent).
    #[serde(default)]
    pub admin_password: Option<String>,
}

fn enterprise() -> TenantKind {
    TenantKind::Enterprise
}

/// The created tenant and the one-time credential of its admin.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: Tenant,
    /// Its admin.
    pub admin: User,
    /// The admin's password when it was generated (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_password: Option<String>,
}

/// Creates a tenant with an admin (operator admins only).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = NewTenant,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = TenantCreated), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: Result<Json<NewTenant>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::response::Response, ApiError> {
    require_operator_admin(&st, &p, "tenant.create", None).await?;
    let Json(n) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/tenants", || async {
        if !valid_slug(&n.slug) {
            return Err(ApiError::BadRequest(
                "slug: lowercase letters, digits and '-', at most 40".into(),
            ));
        }
        let generated = n.admin_password.is_none();
        let password = n.admin_password.clone().unwrap_or_else(new_password);
        if !acceptable_password(&password) {
            return Err(ApiError::BadRequest(
                "password: 10 to 200 characters".into(),
            ));
        }
        let t = tenants::create(&st.store, &n.slug, &n.name, n.kind, &n.scope).await?;
        let username = n.admin_username.clone().unwrap_or_else(|| "admin".into());
        let admin = users::create(
            &st.store,
            &t.id,
            &username,
            Role::Admin,
            &hash_password(&password),
        )
        .await?;
        p.audit(
            &st,
            "tenant.create",
            Some(&t.id),
            "ok",
            &format!("slug={}", t.slug),
        )
        .await?;
        Ok((
            StatusCode::CREATED,
            TenantCreated {
                tenant: t,
                admin,
                admin_password: generated.then_some(password),
            },
        ))
    })
    .await
}

/// Changes to a tenant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TenantPatch {
    /// The new ownership scope.
    pub scope: Scope,
}

/// Changes a tenant's scope (operator admins only).
#[utoipa::path(patch, path = "/api/v1/tenants/{id}", tag = "tenants", request_body = TenantPatch,
    responses((status = 200, body = Tenant), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Result<Json<TenantPatch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Tenant>, ApiError> {
    require_operator_admin(&st, &p, "tenant.update", Some(&id)).await?;
    let Json(patch) = body?;
    if !tenants::set_scope(&st.store, &id, &patch.scope).await? {
        return Err(p.missing(&st, "tenant.update", &id).await);
    }
    st.thc.cache.invalidate(&id);
    p.audit(&st, "tenant.update", Some(&id), "ok", "scope")
        .await?;
    Ok(Json(
        tenants::get(&st.store, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}
