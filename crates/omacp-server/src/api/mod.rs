//! The REST API under `/api/v1`: authentication, authorisation, the audit trail of every
//! decision, idempotency keys and pagination; one module per resource.
//!
//! Authorisation order (the isolation contract the tests check): a request without valid
//! credentials is 401; a role below the one an action needs is 403 (before any lookup, so
//! it reveals nothing); an id that is not in the caller's tenant is 404, exactly as if it
//! did not exist. Denials and misses are written to the audit log.

pub mod audit;
pub mod campaigns;
pub mod devices;
pub mod openapi;
pub mod profiles;
pub mod sessions;
pub mod subscribers;
pub mod tenants;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::secret_hash;
use crate::error::ApiError;
use crate::store::audit::{Record, append};
use crate::store::idempotency::{self, Claim};
use crate::store::tenants::TenantKind;
use crate::store::users as user_store;
use crate::store::users::{Identity, Role};

/// Every `/api/v1` route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(sessions::router())
        .merge(tenants::router())
        .merge(users::router())
        .merge(profiles::router())
        .merge(subscribers::router())
        .merge(devices::router())
        .merge(audit::router())
        .merge(campaigns::router())
        .merge(openapi::router())
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who.
    pub id: Identity,
    /// From where (peer address).
    pub source: String,
}

/// The peer address of a request, as text.
pub fn source_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The session cookie the UI uses (the API accepts it as well as `Authorization: Bearer`).
pub const SESSION_COOKIE: &str = "omacp_session";

fn credential(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v.strip_prefix("Bearer ").map(str::trim);
    }
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let secret = credential(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let hash = secret_hash(secret);
        let id = if secret.starts_with("omacp_ses_") {
            user_store::by_session_hash(&st.store, &hash).await?
        } else {
            user_store::by_token_hash(&st.store, &hash).await?
        };
        let id = id.ok_or(ApiError::Unauthorized)?;
        Ok(Principal {
            id,
            source: source_of(parts),
        })
    }
}

impl Principal {
    /// The caller's tenant id.
    pub fn tenant(&self) -> &str {
        &self.id.user.tenant_id
    }

    /// `user:<name>` for the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}", self.id.user.username)
    }

    /// True for admins of an operator tenant (they may create tenants).
    pub fn is_operator_admin(&self) -> bool {
        self.id.tenant_kind == TenantKind::Operator && self.id.user.role == Role::Admin
    }

    /// Writes an audit entry in the caller's tenant.
    pub async fn audit(
        &self,
        st: &AppState,
        action: &str,
        object: Option<&str>,
        outcome: &str,
        detail: &str,
    ) -> Result<(), ApiError> {
        append(
            &st.store,
            &Record {
                tenant_id: Some(self.tenant()),
                actor: &self.actor(),
                source: &self.source,
                action,
                object,
                outcome,
                detail,
            },
        )
        .await?;
        Ok(())
    }

    /// Fails with 403 (audited) unless the caller's role is at least `role`.
    pub async fn require(
        &self,
        st: &AppState,
        role: Role,
        action: &str,
        object: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.id.user.role >= role {
            return Ok(());
        }
        let detail = format!("needs role {}", role.as_str());
        self.audit(st, action, object, "denied", &detail).await?;
        Err(ApiError::Forbidden)
    }

    /// Audits a miss and returns the 404 to send.
    pub async fn missing(&self, st: &AppState, action: &str, object: &str) -> ApiError {
        match self.audit(st, action, Some(object), "not_found", "").await {
            Ok(()) => ApiError::NotFound,
            Err(e) => e,
        }
    }

    /// `found` or an audited 404.
    pub async fn found<T>(
        &self,
        st: &AppState,
        action: &str,
        object: &str,
        found: Option<T>,
    ) -> Result<T, ApiError> {
        match found {
            Some(t) => Ok(t),
            None => Err(self.missing(st, action, object).await),
        }
    }
}

/// `?cursor=&limit=` for every list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The page size to use.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50)
    }
}

/// Header naming an idempotency key on a creating request.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Runs a creating request at most once per `Idempotency-Key` (per tenant): a repeat gets
/// the first answer (with `Idempotent-Replayed: true`), even from another process.
pub async fn idempotent<F, Fut, T>(
    st: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    request: &str,
    run: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, T), ApiError>>,
    T: Serialize,
{
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        let (status, body) = run().await?;
        return Ok((status, axum::Json(body)).into_response());
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            ApiError::BadRequest("Idempotency-Key must be 1–200 visible characters".into())
        })?;
    match idempotency::claim(&st.store, p.tenant(), key, request).await? {
        Claim::Fresh => {}
        Claim::Done { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok((
                status,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (
                        header::HeaderName::from_static("idempotent-replayed"),
                        HeaderValue::from_static("true"),
                    ),
                ],
                body,
            )
                .into_response());
        }
        Claim::InFlight => {
            return Err(ApiError::Idempotency(
                "a request with this Idempotency-Key is still running",
            ));
        }
        Claim::Mismatch => {
            return Err(ApiError::Idempotency(
                "this Idempotency-Key was used for another request",
            ));
        }
    }
    match run().await {
        Ok((status, body)) => {
            let text = serde_json::to_string(&body).map_err(|_| ApiError::Internal)?;
            idempotency::finish(&st.store, p.tenant(), key, status.as_u16(), &text).await?;
            Ok((status, [(header::CONTENT_TYPE, "application/json")], text).into_response())
        }
        Err(e) if e.status_code().is_client_error() => {
            let text = serde_json::to_string(&e.body()).map_err(|_| ApiError::Internal)?;
            idempotency::finish(&st.store, p.tenant(), key, e.status_code().as_u16(), &text)
                .await?;
            Err(e)
        }
        Err(e) => {
            idempotency::release(&st.store, p.tenant(), key).await?;
            Err(e)
        }
    }
}
