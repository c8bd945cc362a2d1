//! Subscriber pages: search, CSV import with the API's per-line report, and a detail page
//! (profile, device model, and for admins the audit trail of the subscriber).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, WebError, WebUser, fmt_time, render, render_invalid, see_other};
use crate::AppState;
use crate::api::subscribers::{self as api, ImportReport, SubscriberQuery};
use crate::campaign;
use crate::campaign::store::SentMessage;
use crate::error::ApiError;
use crate::store::audit::{self, AuditEntry};
use crate::store::devices::{self, DeviceModel};
use crate::store::profiles;
use crate::store::subscribers::Subscriber;
use crate::store::users::Role;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/subscribers", get(list))
        .route("/ui/subscribers/import", get(import_form).post(import))
        .route("/ui/subscribers/{id}", get(detail))
        .route("/ui/subscribers/{id}/delete", post(delete))
}

#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    label: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "subscribers.html")]
struct ListPage {
    c: Chrome,
    q: String,
    label: String,
    rows: Vec<Subscriber>,
    next: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    u: WebUser,
    Query(f): Query<SearchForm>,
) -> Result<Response, WebError> {
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let q = SubscriberQuery {
        q: nonempty(&f.q),
        label: nonempty(&f.label),
        cursor: f.cursor.clone(),
        limit: Some(50),
    };
    let Json(page) = api::list(State(st), u.p.clone(), Ok(Query(q))).await?;
    Ok(render(&ListPage {
        c: u.chrome("Subscribers", "subscribers"),
        q: f.q,
        label: f.label,
        rows: page.items,
        next: page.next_cursor,
    }))
}

#[derive(Template)]
#[template(path = "subscriber_import.html")]
struct ImportPage {
    c: Chrome,
    csv: String,
    error: Option<String>,
    report: Option<ImportReport>,
}

async fn import_form(u: WebUser) -> Result<Response, WebError> {
    u.require_role(Role::Editor)?;
    Ok(render(&ImportPage {
        c: u.chrome("Import subscribers", "subscribers"),
        csv: "msisdn,imsi,imei,labels\n".into(),
        error: None,
        report: None,
    }))
}

#[derive(Debug, Deserialize)]
struct ImportForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    csv: String,
}

async fn import(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<ImportForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let c = u.chrome("Import subscribers", "subscribers");
    // The report is the answer to this POST: it is shown once, not stored.
    match api::import(State(st), u.p.clone(), f.csv.clone()).await {
        Ok(Json(report)) => {
            let page = ImportPage {
                c,
                csv: f.csv,
                error: None,
                report: Some(report),
            };
            Ok(render(&page))
        }
        Err(ApiError::BadRequest(m)) => Ok(render_invalid(&ImportPage {
            c,
            csv: f.csv,
            error: Some(m),
            report: None,
        })),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "subscriber.html")]
struct DetailPage {
    c: Chrome,
    s: Subscriber,
    profile_name: Option<String>,
    device: Option<DeviceModel>,
    history: Option<Vec<AuditEntry>>,
    sent: Vec<SentMessage>,
    created: String,
    updated: String,
}

impl DetailPage {
    fn when(&self, e: &AuditEntry) -> String {
        fmt_time(e.at)
    }

    fn sent_when(&self, m: &SentMessage) -> String {
        fmt_time(m.updated_at)
    }
}

async fn detail(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Json(s) = api::read(State(st.clone()), u.p.clone(), Path(id.clone())).await?;
    let tenant = u.p.tenant();
    let profile_name = match &s.profile_id {
        Some(pid) => profiles::get(&st.store, tenant, pid).await?.map(|p| p.name),
        None => None,
    };
    let device = match &s.imei {
        Some(imei) => devices::for_imei(&st.store, tenant, imei).await?,
        None => None,
    };
    // The audit log is for admins, as in the API.
    let history = if u.p.id.user.role == Role::Admin {
        Some(
            audit::list(&st.store, tenant, Some(&id), None, 100)
                .await?
                .items,
        )
    } else {
        None
    };
    let sent = campaign::store::sent_to(&st.store, tenant, &s.id, 50).await?;
    Ok(render(&DetailPage {
        c: u.chrome(&format!("Subscriber {}", s.msisdn), "subscribers"),
        sent,
        created: fmt_time(s.created_at),
        updated: fmt_time(s.updated_at),
        s,
        profile_name,
        device,
        history,
    }))
}

async fn delete(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    api::remove(State(st), u.p.clone(), Path(id)).await?;
    Ok(see_other("/ui/subscribers"))
}
