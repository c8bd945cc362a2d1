//! Users (admins manage them) and API tokens (any user for themselves; admins for all).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Principal, idempotent};
use crate::AppState;
use crate::auth::{acceptable_password, hash_password, new_secret};
use crate::error::ApiError;
use crate::store::users::{self, ApiToken, Role, User};

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(read).patch(update).delete(remove))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

/// Users of the caller's tenant (admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [User])), security(("bearer" = [])))]
pub async fn list(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<User>>, ApiError> {
    p.require(&st, Role::Admin, "user.list", None).await?;
    Ok(Json(users::list(&st.store, p.tenant()).await?))
}

/// A new user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Password, 10 to 200 characters.
    pub password: String,
    /// Role.
    pub role: Role,
}

/// Creates a user in the caller's tenant (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<NewUser>,
) -> Result<axum::response::Response, ApiError> {
    p.require(&st, Role::Admin, "user.create", None).await?;
    let Json(n) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/users", || async {
        if n.username.is_empty() || n.username.len() > 64 {
            return Err(ApiError::BadRequest("username: 1 to 64 characters".into()));
        }
        if !acceptable_password(&n.password) {
            return Err(ApiError::BadRequest(
                "password: 10 to 200 characters".into(),
            ));
        }
        let u = users::create(
            &st.store,
            p.tenant(),
            &n.username,
            n.role,
            &hash_password(&n.password),
        )
        .await?;
        p.audit(
            &st,
            "user.create",
            Some(&u.id),
            "ok",
            &format!("username={} role={}", u.username, u.role.as_str()),
        )
        .await?;
        Ok((StatusCode::CREATED, u))
    })
    .await
}

/// One user (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", responses((status = 200, body = User), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    p.require(&st, Role::Admin, "user.read", Some(&id)).await?;
    let u = users::get(&st.store, p.tenant(), &id).await?;
    Ok(Json(p.found(&st, "user.read", &id, u).await?))
}

/// Changes to a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
    /// New password.
    #[serde(default)]
    pub password: Option<String>,
}

/// Changes a user's role or password (admins).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch, responses((status = 200, body = User), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: JsonBody<UserPatch>,
) -> Result<Json<User>, ApiError> {
    p.require(&st, Role::Admin, "user.update", Some(&id))
        .await?;
    let Json(patch) = body?;
    if let Some(pw) = &patch.password
        && !acceptable_password(pw)
    {
        return Err(ApiError::BadRequest(
            "password: 10 to 200 characters".into(),
        ));
    }
    let hash = patch.password.as_deref().map(hash_password);
    if !users::update(&st.store, p.tenant(), &id, patch.role, hash.as_deref()).await? {
        return Err(p.missing(&st, "user.update", &id).await);
    }
    let what = match (patch.role, &patch.password) {
        (Some(r), Some(_)) => format!("role={} password", r.as_str()),
        (Some(r), None) => format!("role={}", r.as_str()),
        (None, Some(_)) => "password".into(),
        (None, None) => String::new(),
    };
    p.audit(&st, "user.update", Some(&id), "ok", &what).await?;
    Ok(Json(
        users::get(&st.store, p.tenant(), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Deletes a user with their tokens and sessions (admins).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&st, Role::Admin, "user.delete", Some(&id))
        .await?;
    if id == p.id.user.id {
        return Err(ApiError::BadRequest("you cannot delete yourself".into()));
    }
    if !users::delete(&st.store, p.tenant(), &id).await? {
        return Err(p.missing(&st, "user.delete", &id).await);
    }
    p.audit(&st, "user.delete", Some(&id), "ok", "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// API tokens: the caller's own, or every token in the tenant for admins.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = [ApiToken])), security(("bearer" = [])))]
pub async fn list_tokens(
    State(st): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    let only = (p.id.user.role != Role::Admin).then_some(p.id.user.id.as_str());
    Ok(Json(users::list_tokens(&st.store, p.tenant(), only).await?))
}

/// A new token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// A label.
    pub name: String,
}

/// A created token with its secret (shown once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    /// The token's public half.
    pub token: ApiToken,
    /// `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Creates an API token acting as the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken, responses((status = 201, body = TokenCreated)), security(("bearer" = [])))]
pub async fn create_token(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<NewToken>,
) -> Result<axum::response::Response, ApiError> {
    let Json(n) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/tokens", || async {
        let (secret, hash) = new_secret("tok");
        let t = users::create_token(&st.store, p.tenant(), &p.id.user.id, &n.name, &hash).await?;
        p.audit(
            &st,
            "token.create",
            Some(&t.id),
            "ok",
            &format!("name={}", t.name),
        )
        .await?;
        Ok((StatusCode::CREATED, TokenCreated { token: t, secret }))
    })
    .await
}

/// Revokes a token: one's own, or any in the tenant for admins.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let t = users::get_token(&st.store, p.tenant(), &id).await?;
    let t = p.found(&st, "token.delete", &id, t).await?;
    if t.user_id != p.id.user.id {
        p.require(&st, Role::Admin, "token.delete", Some(&id))
            .await?;
    }
    users::delete_token(&st.store, p.tenant(), &id).await?;
    p.audit(&st, "token.delete", Some(&id), "ok", "").await?;
    Ok(StatusCode::NO_CONTENT)
}
