//! Profiles: templates validated at save time against the document validator and the
//! tenant's ownership scope; preview of XML, WBXML size and SMS count.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::{PageQuery, Principal, idempotent};
use crate::AppState;
use crate::error::ApiError;
use crate::store::profiles::{self, Profile, ProfileInput};
use crate::store::users::Role;
use crate::store::{Page, devices, subscribers, tenants};
use crate::template::{self, Preview, ThcSec, Variable};

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/profiles", get(list).post(create))
        .route(
            "/api/v1/profiles/{id}",
            get(read).put(update).delete(remove),
        )
        .route("/api/v1/profiles/{id}/preview", post(preview))
}

/// A profile as sent by a client.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProfileBody {
    /// Name, unique in the tenant.
    pub name: String,
    /// CP XML with `${variable}` placeholders.
    pub template: String,
    /// Declared variables.
    #[serde(default)]
    pub variables: Vec<Variable>,
    /// Trusted-HTTP-context signing (default `netwpin`).
    #[serde(default)]
    pub thc_sec: ThcSec,
}

async fn checked<'a>(
    st: &AppState,
    p: &Principal,
    b: &'a ProfileBody,
    action: &str,
    object: Option<&str>,
) -> Result<ProfileInput<'a>, ApiError> {
    if b.name.is_empty() || b.name.len() > 100 {
        return Err(ApiError::BadRequest("name: 1 to 100 characters".into()));
    }
    let tenant = tenants::get(&st.store, p.tenant())
        .await?
        .ok_or(ApiError::Internal)?;
    if let Err(e) = template::check(&b.template, &b.variables, &tenant.scope) {
        let outcome = if matches!(e, template::TemplateError::OutOfScope(_)) {
            "denied"
        } else {
            "invalid"
        };
        p.audit(st, action, object, outcome, &e.to_string()).await?;
        return Err(e.into());
    }
    Ok(ProfileInput {
        name: &b.name,
        template: &b.template,
        variables: &b.variables,
        thc_sec: b.thc_sec,
    })
}

/// A page of profiles.
#[utoipa::path(get, path = "/api/v1/profiles", tag = "profiles", params(PageQuery), responses((status = 200, body = Page<Profile>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<Profile>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Viewer, "profile.list", None).await?;
    Ok(Json(
        profiles::list(&st.store, p.tenant(), q.cursor.as_deref(), q.limit()).await?,
    ))
}

/// Creates a profile after validating it (editors).
#[utoipa::path(post, path = "/api/v1/profiles", tag = "profiles", request_body = ProfileBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Profile), (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<ProfileBody>,
) -> Result<axum::response::Response, ApiError> {
    p.require(&st, Role::Editor, "profile.create", None).await?;
    let Json(b) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/profiles", || async {
        let input = checked(&st, &p, &b, "profile.create", None).await?;
        let prof = profiles::create(&st.store, p.tenant(), &input).await?;
        st.thc.cache.invalidate(p.tenant());
        p.audit(
            &st,
            "profile.create",
            Some(&prof.id),
            "ok",
            &format!("name={}", prof.name),
        )
        .await?;
        Ok((StatusCode::CREATED, prof))
    })
    .await
}

/// One profile.
#[utoipa::path(get, path = "/api/v1/profiles/{id}", tag = "profiles", responses((status = 200, body = Profile), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Profile>, ApiError> {
    p.require(&st, Role::Viewer, "profile.read", Some(&id))
        .await?;
    let prof = profiles::get(&st.store, p.tenant(), &id).await?;
    Ok(Json(p.found(&st, "profile.read", &id, prof).await?))
}

/// Replaces a profile after validating it (editors).
#[utoipa::path(put, path = "/api/v1/profiles/{id}", tag = "profiles", request_body = ProfileBody,
    responses((status = 200, body = Profile), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: JsonBody<ProfileBody>,
) -> Result<Json<Profile>, ApiError> {
    p.require(&st, Role::Editor, "profile.update", Some(&id))
        .await?;
    let Json(b) = body?;
    if profiles::get(&st.store, p.tenant(), &id).await?.is_none() {
        return Err(p.missing(&st, "profile.update", &id).await);
    }
    let input = checked(&st, &p, &b, "profile.update", Some(&id)).await?;
    let prof = profiles::update(&st.store, p.tenant(), &id, &input).await?;
    let prof = p.found(&st, "profile.update", &id, prof).await?;
    st.thc.cache.invalidate(p.tenant());
    p.audit(&st, "profile.update", Some(&id), "ok", "").await?;
    Ok(Json(prof))
}

/// Deletes a profile (editors).
#[utoipa::path(delete, path = "/api/v1/profiles/{id}", tag = "profiles", responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn remove(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&st, Role::Editor, "profile.delete", Some(&id))
        .await?;
    if !profiles::delete(&st.store, p.tenant(), &id).await? {
        return Err(p.missing(&st, "profile.delete", &id).await);
    }
    st.thc.cache.invalidate(p.tenant());
    p.audit(&st, "profile.delete", Some(&id), "ok", "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to fill a preview with.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PreviewRequest {
    /// Variable values (campaign- or subscriber-scoped); defaults and samples fill the rest.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Take subscriber-scoped values and built-ins from this subscriber.
    #[serde(default)]
    pub subscriber_id: Option<String>,
}

/// The filled XML, its WBXML size and the SMS count per SEC method.
#[utoipa::path(post, path = "/api/v1/profiles/{id}/preview", tag = "profiles", request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn preview(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: JsonBody<PreviewRequest>,
) -> Result<Json<Preview>, ApiError> {
    p.require(&st, Role::Viewer, "profile.preview", Some(&id))
        .await?;
    let Json(req) = body?;
    let prof = profiles::get(&st.store, p.tenant(), &id).await?;
    let prof = p.found(&st, "profile.preview", &id, prof).await?;
    let sub = match &req.subscriber_id {
        Some(sid) => {
            let s = subscribers::get(&st.store, p.tenant(), sid).await?;
            Some(p.found(&st, "profile.preview", sid, s).await?)
        }
        None => None,
    };
    let tenant = tenants::get(&st.store, p.tenant())
        .await?
        .ok_or(ApiError::Internal)?;
    let filled = template::fill(&prof.template, &prof.variables, &|name| {
        if let Some(v) = req.values.get(name) {
            return Some(v.clone());
        }
        if let Some(s) = &sub {
            let v = match name {
                "msisdn" => Some(s.msisdn.clone()),
                "imsi" => s.imsi.clone(),
                "imei" => s.imei.clone(),
                n => s.vars.get(n).cloned(),
            };
            if v.is_some() {
                return v;
            }
        }
        match name {
            "msisdn" => Some("15550100".into()),
            "imsi" => Some("001010123456789".into()),
            "imei" => Some("490154203237518".into()),
            _ => None,
        }
    })?;
    let doc = template::document(&filled, &tenant.scope)?;
    let mut pv = template::preview(filled, &doc);
    if let Some(imei) = sub.as_ref().and_then(|s| s.imei.as_deref())
        && let Some(model) = devices::for_imei(&st.store, p.tenant(), imei).await?
    {
        pv.device = Some(template::device_fit(&doc, &pv, &model));
    }
    Ok(Json(pv))
}
