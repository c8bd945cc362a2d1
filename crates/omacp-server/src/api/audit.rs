//! Reading the audit log (admins). There is no route that changes it.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::Principal;
use crate::AppState;
use crate::error::ApiError;
use crate::store::Page;
use crate::store::audit::{self, AuditEntry};
use crate::store::users::Role;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

/// Filter and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries about this object id.
    pub object: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

/// A page of the caller's tenant's audit log, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Page<AuditEntry>), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Admin, "audit.list", None).await?;
    Ok(Json(
        audit::list(
            &st.store,
            p.tenant(),
            q.object.as_deref(),
            q.cursor.as_deref(),
            q.limit.unwrap_or(50),
        )
        .await?,
    ))
}
