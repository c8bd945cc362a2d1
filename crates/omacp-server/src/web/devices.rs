//! Device models: the list (by TAC), a form to add one, delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, WebError, WebUser, render, render_invalid, see_other};
use crate::AppState;
use crate::api::devices::{self as api, DeviceQuery};
use crate::error::ApiError;
use crate::store::devices::{DeviceModel, DeviceModelInput};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/devices", get(list).post(create))
        .route("/ui/devices/{id}/delete", post(delete))
}

#[derive(Debug, Default, Deserialize)]
struct DeviceForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    tac: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    appids: String,
    #[serde(default)]
    sec_methods: String,
    #[serde(default)]
    max_segments: String,
}

#[derive(Template)]
#[template(path = "devices.html")]
struct Page {
    c: Chrome,
    tac: String,
    rows: Vec<DeviceModel>,
    next: Option<String>,
    f: DeviceForm,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    #[serde(default)]
    tac: String,
    cursor: Option<String>,
}

async fn page(
    st: &AppState,
    u: &WebUser,
    filter: Filter,
    f: DeviceForm,
    error: Option<String>,
) -> Result<Page, WebError> {
    let q = DeviceQuery {
        tac: (!filter.tac.trim().is_empty()).then(|| filter.tac.trim().to_string()),
        cursor: filter.cursor,
        limit: Some(100),
    };
    let Json(p) = api::list(State(st.clone()), u.p.clone(), Ok(Query(q))).await?;
    Ok(Page {
        c: u.chrome("Device models", "devices"),
        tac: filter.tac,
        rows: p.items,
        next: p.next_cursor,
        f,
        error,
    })
}

async fn list(
    State(st): State<AppState>,
    u: WebUser,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let f = DeviceForm {
        max_segments: "6".into(),
        sec_methods: "NETWPIN, USERPIN".into(),
        ..DeviceForm::default()
    };
    Ok(render(&page(&st, &u, filter, f, None).await?))
}

fn split(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

async fn create(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<DeviceForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let max_segments = match f.max_segments.trim() {
        "" => Ok(6),
        x => x
            .parse::<i64>()
            .map_err(|_| "Most SMS: a whole number".to_string()),
    };
    let result = match max_segments {
        Ok(max_segments) => {
            let input = DeviceModelInput {
                tac: f.tac.trim().to_string(),
                name: f.name.trim().to_string(),
                appids: split(&f.appids),
                sec_methods: split(&f.sec_methods),
                max_segments,
            };
            api::create(
                State(st.clone()),
                u.p.clone(),
                HeaderMap::new(),
                Ok(Json(input)),
            )
            .await
            .map(|_| ())
            .map_err(|e| match e {
                ApiError::BadRequest(m) => Ok(m),
                ApiError::Conflict(_) => Ok("A model with this TAC already exists.".into()),
                e => Err(e),
            })
        }
        Err(m) => Err(Ok(m)),
    };
    match result {
        Ok(()) => Ok(see_other("/ui/devices")),
        Err(Ok(m)) => Ok(render_invalid(
            &page(&st, &u, Filter::default(), f, Some(m)).await?,
        )),
        Err(Err(e)) => Err(e.into()),
    }
}

async fn delete(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    api::remove(State(st), u.p.clone(), Path(id)).await?;
    Ok(see_other("/ui/devices"))
}
