//! Login (UI sessions) and the caller's own identity.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Principal, source_of};
use crate::AppState;
use crate::auth::{new_secret, verify_password};
use crate::error::ApiError;
use crate::store::audit::{Record, append};
use crate::store::users::{self, User};
use crate::store::{now_ms, tenants, throttle};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sessions", post(login))
        .route("/api/v1/sessions/current", delete(logout))
        .route("/api/v1/me", get(me))
}

/// Login form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Tenant slug.
    pub tenant: String,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    /// Bearer secret (or `omacp_session` cookie value); shown once.
    pub token: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
    /// Who logged in.
    pub user: User,
}

/// Logs in with a password and returns a session token.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "auth", request_body = LoginRequest,
    responses((status = 201, body = SessionCreated), (status = 401, body = crate::error::ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    req: axum::extract::Request,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let (parts, body) = req.into_parts();
    let source = source_of(&parts);
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| ApiError::BadRequest("body too large".into()))?;
    let form: LoginRequest =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    // Counted in the database, so the limit holds across every process.
    let now = now_ms();
    let key = format!("{}/{}", form.tenant, form.username);
    if !throttle::take(&st.store, &key, throttle::LOGIN, now).await? {
        return Err(ApiError::RateLimited);
    }
    throttle::purge(&st.store, now).await?;
    let found = users::for_login(&st.store, &form.tenant, &form.username).await?;
    let ok = match &found {
        Some((_, hash)) => verify_password(&form.password, hash),
        None => {
            // Same work as a real check, so timing does not reveal which usernames exist.
            let _ = verify_password(&form.password, dummy_hash());
            false
        }
    };
    let tenant_id = match &found {
        Some((u, _)) => Some(u.tenant_id.clone()),
        None => tenants::by_slug(&st.store, &form.tenant)
            .await?
            .map(|t| t.id),
    };
    let actor = format!("user:{}", form.username);
    let record = |outcome| Record {
        tenant_id: tenant_id.as_deref(),
        actor: &actor,
        source: &source,
        action: "session.create",
        object: None,
        outcome,
        detail: "",
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        append(&st.store, &record("denied")).await?;
        return Err(ApiError::Unauthorized);
    };
    let (secret, hash) = new_secret("ses");
    let ttl = (st.config.session_ttl_secs as i64).saturating_mul(1000);
    let (_, expires_at) = users::create_session(&st.store, &user.id, &hash, ttl).await?;
    append(&st.store, &record("ok")).await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token: secret,
            expires_at,
            user,
        }),
    ))
}

// An Argon2id hash of a random password nobody knows.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| crate::auth::hash_password(&crate::auth::new_password()))
}

/// Ends the caller's session.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "auth",
    responses((status = 204), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn logout(State(st): State<AppState>, p: Principal) -> Result<StatusCode, ApiError> {
    let Some(sid) = &p.id.session_id else {
        return Err(ApiError::BadRequest(
            "not authenticated by a session".into(),
        ));
    };
    users::delete_session(&st.store, sid).await?;
    p.audit(&st, "session.delete", None, "ok", "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The user.
    pub user: User,
    /// Their tenant's slug.
    pub tenant: String,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me)), security(("bearer" = [])))]
pub async fn me(p: Principal, _h: HeaderMap) -> Json<Me> {
    Json(Me {
        user: p.id.user.clone(),
        tenant: p.id.tenant_slug.clone(),
    })
}
