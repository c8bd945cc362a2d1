//! Device models keyed by TAC.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::{Principal, idempotent};
use crate::AppState;
use crate::error::ApiError;
use crate::store::Page;
use crate::store::devices::{self, DeviceModel, DeviceModelInput};
use crate::store::users::Role;

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/device-models", get(list).post(create))
        .route(
            "/api/v1/device-models/{id}",
            get(read).put(update).delete(remove),
        )
}

fn check(d: &DeviceModelInput) -> Result<(), ApiError> {
    if d.tac.len() != 8 || !d.tac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest("tac: 8 digits".into()));
    }
    if d.name.is_empty() || d.name.len() > 100 {
        return Err(ApiError::BadRequest("name: 1 to 100 characters".into()));
    }
    if !(1..=255).contains(&d.max_segments) {
        return Err(ApiError::BadRequest("max_segments: 1 to 255".into()));
    }
    if let Some(m) = d
        .sec_methods
        .iter()
        .find(|m| omacp_sec::SecMethod::from_text(m).is_none())
    {
        return Err(ApiError::BadRequest(format!(
            "sec_methods: unknown method {m:?}"
        )));
    }
    Ok(())
}

/// Filter and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeviceQuery {
    /// Only this TAC (or the TAC of this IMEI).
    pub tac: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

/// A page of device models.
#[utoipa::path(get, path = "/api/v1/device-models", tag = "device-models", params(DeviceQuery), responses((status = 200, body = Page<DeviceModel>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    q: Result<Query<DeviceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<DeviceModel>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Viewer, "device_model.list", None)
        .await?;
    let tac: Option<String> = q.tac.map(|t| t.chars().take(8).collect());
    Ok(Json(
        devices::list(
            &st.store,
            p.tenant(),
            tac.as_deref(),
            q.cursor.as_deref(),
            q.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// Creates a device model (editors).
#[utoipa::path(post, path = "/api/v1/device-models", tag = "device-models", request_body = DeviceModelInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = DeviceModel), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<DeviceModelInput>,
) -> Result<axum::response::Response, ApiError> {
    p.require(&st, Role::Editor, "device_model.create", None)
        .await?;
    let Json(d) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/device-models", || async {
        check(&d)?;
        let m = devices::create(&st.store, p.tenant(), &d).await?;
        p.audit(
            &st,
            "device_model.create",
            Some(&m.id),
            "ok",
            &format!("tac={}", m.tac),
        )
        .await?;
        Ok((StatusCode::CREATED, m))
    })
    .await
}

/// One device model.
#[utoipa::path(get, path = "/api/v1/device-models/{id}", tag = "device-models", responses((status = 200, body = DeviceModel), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<DeviceModel>, ApiError> {
    p.require(&st, Role::Viewer, "device_model.read", Some(&id))
        .await?;
    let m = devices::get(&st.store, p.tenant(), &id).await?;
    Ok(Json(p.found(&st, "device_model.read", &id, m).await?))
}

/// Replaces a device model (editors).
#[utoipa::path(put, path = "/api/v1/device-models/{id}", tag = "device-models", request_body = DeviceModelInput, responses((status = 200, body = DeviceModel), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: JsonBody<DeviceModelInput>,
) -> Result<Json<DeviceModel>, ApiError> {
    p.require(&st, Role::Editor, "device_model.update", Some(&id))
        .await?;
    let Json(d) = body?;
    check(&d)?;
    let m = devices::update(&st.store, p.tenant(), &id, &d).await?;
    let m = p.found(&st, "device_model.update", &id, m).await?;
    p.audit(&st, "device_model.update", Some(&id), "ok", "")
        .await?;
    Ok(Json(m))
}

/// Deletes a device model (editors).
#[utoipa::path(delete, path = "/api/v1/device-models/{id}", tag = "device-models", responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&st, Role::Editor, "device_model.delete", Some(&id))
        .await?;
    if !devices::delete(&st.store, p.tenant(), &id).await? {
        return Err(p.missing(&st, "device_model.delete", &id).await);
    }
    p.audit(&st, "device_model.delete", Some(&id), "ok", "")
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
