//! Subscribers: CRUD, search, and CSV import with a per-line report.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Principal, idempotent};
use crate::AppState;
use crate::csv_import::{self, LineError};
use crate::error::ApiError;
use crate::store::subscribers::{self, Search, Subscriber, SubscriberInput};
use crate::store::users::Role;
use crate::store::{Page, profiles};
use crate::template::{VarScope, check_value};
use crate::thc::normalize_msisdn;

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/subscribers", get(list).post(create))
        .route("/api/v1/subscribers/import", post(import))
        .route(
            "/api/v1/subscribers/{id}",
            get(read).put(update).delete(remove),
        )
}

/// Normalises and checks a subscriber; the error is for people (never echoes values).
async fn normalise(
    st: &AppState,
    tenant: &str,
    mut s: SubscriberInput,
) -> Result<SubscriberInput, String> {
    s.msisdn = normalize_msisdn(&s.msisdn).ok_or("msisdn: 3 to 15 digits, optional leading +")?;
    s.imsi = s
        .imsi
        .filter(|x| !x.trim().is_empty())
        .map(|x| x.trim().to_string());
    if let Some(i) = &s.imsi
        && omacp_sec::Imsi::parse(i).is_err()
    {
        return Err("imsi: 6 to 15 digits".into());
    }
    s.imei = s
        .imei
        .filter(|x| !x.trim().is_empty())
        .map(|x| x.trim().to_string());
    if let Some(i) = &s.imei
        && !((14..=16).contains(&i.len()) && i.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("imei: 14 to 16 digits".into());
    }
    s.labels = s
        .labels
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if s.labels.iter().any(|l| l.len() > 64) {
        return Err("labels: at most 64 characters each".into());
    }
    s.profile_id = s.profile_id.filter(|x| !x.is_empty());
    if let Some(pid) = &s.profile_id {
        let prof = profiles::get(&st.store, tenant, pid)
            .await
            .map_err(|_| "store unavailable".to_string())?
            .ok_or("profile_id: no such profile")?;
        for (k, v) in &s.vars {
            let decl = prof
                .variables
                .iter()
                .find(|d| &d.name == k && d.scope == VarScope::Subscriber)
                .ok_or_else(|| {
                    format!("vars: {k:?} is not a subscriber variable of the profile")
                })?;
            if !check_value(decl.ty, v) {
                return Err(format!("vars: {k:?} is not a valid {:?}", decl.ty));
            }
        }
    } else if !s.vars.is_empty() {
        return Err("vars: need a profile_id".into());
    }
    Ok(s)
}

/// Search and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SubscriberQuery {
    /// Prefix of the MSISDN, IMSI or IMEI.
    pub q: Option<String>,
    /// A label.
    pub label: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

/// Searches subscribers.
#[utoipa::path(get, path = "/api/v1/subscribers", tag = "subscribers", params(SubscriberQuery), responses((status = 200, body = Page<Subscriber>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    q: Result<Query<SubscriberQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<Subscriber>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Viewer, "subscriber.list", None)
        .await?;
    let search = Search {
        q: q.q.as_deref().map(|x| x.trim_start_matches('+')),
        label: q.label.as_deref(),
    };
    let page = subscribers::list(
        &st.store,
        p.tenant(),
        &search,
        q.cursor.as_deref(),
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(page))
}

/// Creates a subscriber (editors).
#[utoipa::path(post, path = "/api/v1/subscribers", tag = "subscribers", request_body = SubscriberInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Subscriber), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<SubscriberInput>,
) -> Result<axum::response::Response, ApiError> {
    p.require(&st, Role::Editor, "subscriber.create", None)
        .await?;
    let Json(b) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/subscribers", || async {
        let s = normalise(&st, p.tenant(), b)
            .await
            .map_err(ApiError::BadRequest)?;
        let s = subscribers::create(&st.store, p.tenant(), &s).await?;
        st.thc.cache.invalidate(p.tenant());
        p.audit(&st, "subscriber.create", Some(&s.id), "ok", "")
            .await?;
        Ok((StatusCode::CREATED, s))
    })
    .await
}

/// One subscriber.
#[utoipa::path(get, path = "/api/v1/subscribers/{id}", tag = "subscribers", responses((status = 200, body = Subscriber), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Subscriber>, ApiError> {
    p.require(&st, Role::Viewer, "subscriber.read", Some(&id))
        .await?;
    let s = subscribers::get(&st.store, p.tenant(), &id).await?;
    Ok(Json(p.found(&st, "subscriber.read", &id, s).await?))
}

/// Replaces a subscriber (editors).
#[utoipa::path(put, path = "/api/v1/subscribers/{id}", tag = "subscribers", request_body = SubscriberInput,
    responses((status = 200, body = Subscriber), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: JsonBody<SubscriberInput>,
) -> Result<Json<Subscriber>, ApiError> {
    p.require(&st, Role::Editor, "subscriber.update", Some(&id))
        .await?;
    let Json(b) = body?;
    if subscribers::get(&st.store, p.tenant(), &id)
        .await?
        .is_none()
    {
        return Err(p.missing(&st, "subscriber.update", &id).await);
    }
    let s = normalise(&st, p.tenant(), b)
        .await
        .map_err(ApiError::BadRequest)?;
    let s = subscribers::update(&st.store, p.tenant(), &id, &s).await?;
    let s = p.found(&st, "subscriber.update", &id, s).await?;
    st.thc.cache.invalidate(p.tenant());
    p.audit(&st, "subscriber.update", Some(&id), "ok", "")
        .await?;
    Ok(Json(s))
}

/// Deletes a subscriber (editors).
#[utoipa::path(delete, path = "/api/v1/subscribers/{id}", tag = "subscribers", responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&st, Role::Editor, "subscriber.delete", Some(&id))
        .await?;
    if !subscribers::delete(&st.store, p.tenant(), &id).await? {
        return Err(p.missing(&st, "subscriber.delete", &id).await);
    }
    st.thc.cache.invalidate(p.tenant());
    p.audit(&st, "subscriber.delete", Some(&id), "ok", "")
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Lines stored (created or updated by MSISDN).
    pub imported: usize,
    /// Lines refused.
    pub errors: Vec<LineError>,
}

/// Imports subscribers from CSV (editors). The first line names the columns: `msisdn`
/// (required), `imsi`, `imei`, `labels` (`;`-separated), `profile_id`, and `var:<name>`
/// for a subscriber variable. Fields are comma-separated without quoting. Good lines are
/// stored (updating an existing MSISDN), bad lines are reported.
#[utoipa::path(post, path = "/api/v1/subscribers/import", tag = "subscribers", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn import(
    State(st): State<AppState>,
    p: Principal,
    body: String,
) -> Result<Json<ImportReport>, ApiError> {
    p.require(&st, Role::Editor, "subscriber.import", None)
        .await?;
    let parsed = csv_import::parse(&body).map_err(ApiError::BadRequest)?;
    let mut errors = parsed.errors;
    let mut good = Vec::new();
    for (line, s) in parsed.rows {
        match normalise(&st, p.tenant(), s).await {
            Ok(s) => good.push((line, s)),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    errors.sort_by_key(|e| e.line);
    let list: Vec<SubscriberInput> = good.into_iter().map(|(_, s)| s).collect();
    if !list.is_empty() {
        subscribers::upsert_many(&st.store, p.tenant(), &list).await?;
        st.thc.cache.invalidate(p.tenant());
    }
    p.audit(
        &st,
        "subscriber.import",
        None,
        "ok",
        &format!("imported={} refused={}", list.len(), errors.len()),
    )
    .await?;
    Ok(Json(ImportReport {
        imported: list.len(),
        errors,
    }))
}
