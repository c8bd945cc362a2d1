//! Profile pages: the list, a form per service that generates the template, the raw XML
//! editor, validation diagnostics at the field they concern, and the preview (XML, WBXML
//! size, SMS count per SEC method).
//!
//! Saving goes through the API's create/update handlers, so the same checks (validator,
//! ownership scope, role) and audit entries apply; the forms only add the field-level
//! placement of the validator's findings.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Json, Router};

use super::profile_editor as ed;
use super::services::{self, Kind, Placed, SERVICES, Service, Values};
use super::{
    Chrome, WebError, WebUser, fmt_time, render, render_invalid, response_json, see_other,
};
use crate::AppState;
use crate::api::PageQuery;
use crate::api::profiles::{self as api, ProfileBody};
use crate::error::ApiError;
use crate::store::tenants;
use crate::store::users::Role;
use crate::template::{self, Preview, TemplateError, ThcSec, Variable};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/profiles", get(list))
        .route(
            "/ui/profiles/new/{service}",
            get(new_service).post(post_service),
        )
        .merge(ed::router())
}

/// A row of the list.
struct Row {
    id: String,
    name: String,
    vars: usize,
    updated: String,
}

#[derive(Template)]
#[template(path = "profiles.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    next: Option<String>,
    services: &'static [Service],
}

async fn list(
    State(st): State<AppState>,
    u: WebUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let Json(page) = api::list(State(st), u.p.clone(), Ok(Query(q))).await?;
    let rows = page
        .items
        .into_iter()
        .map(|p| Row {
            id: p.id,
            name: p.name,
            vars: p.variables.len(),
            updated: fmt_time(p.updated_at),
        })
        .collect();
    Ok(render(&ListPage {
        c: u.chrome("Profiles", "profiles"),
        rows,
        next: page.next_cursor,
        services: SERVICES,
    }))
}

/// One form field as the template shows it.
struct FieldView {
    key: &'static str,
    label: &'static str,
    value: String,
    input: &'static str,
    options: Vec<(String, bool)>,
    required: bool,
    errors: Vec<String>,
    parm: &'static str,
}

#[derive(Template)]
#[template(path = "profile_service.html")]
struct ServicePage {
    c: Chrome,
    svc: &'static Service,
    name: String,
    name_errors: Vec<String>,
    fields: Vec<FieldView>,
    general: Vec<String>,
    preview: Option<PreviewView>,
    checked: bool,
}

/// The preview as shown.
pub(super) struct PreviewView {
    /// The filled XML.
    pub(super) xml: String,
    /// WBXML octets.
    pub(super) wbxml_size: usize,
    /// SMS per SEC method.
    pub(super) sms: Vec<(String, usize)>,
}

impl From<Preview> for PreviewView {
    fn from(p: Preview) -> Self {
        PreviewView {
            xml: p.xml,
            wbxml_size: p.wbxml_size,
            sms: p.sms_count.into_iter().collect(),
        }
    }
}

fn field_views(svc: &Service, vals: &Values, placed: &Placed) -> Vec<FieldView> {
    svc.fields
        .iter()
        .map(|x| {
            let value = vals.get(x.key).cloned().unwrap_or_default();
            let (input, options) = match x.kind {
                Kind::Text => ("text", Vec::new()),
                Kind::Secret => ("password", Vec::new()),
                Kind::Choice(of) => (
                    "select",
                    of.iter().map(|o| (o.to_string(), *o == value)).collect(),
                ),
            };
            FieldView {
                key: x.key,
                label: x.label,
                value,
                input,
                options,
                required: x.required,
                errors: placed.by_field.get(x.key).cloned().unwrap_or_default(),
                parm: x.parm,
            }
        })
        .collect()
}

async fn new_service(u: WebUser, Path(key): Path<String>) -> Result<Response, WebError> {
    let svc = services::service(&key).ok_or(ApiError::NotFound)?;
    u.require_role(Role::Editor)?;
    Ok(render(&ServicePage {
        c: u.chrome(&format!("New {} profile", svc.title), "profiles"),
        svc,
        name: String::new(),
        name_errors: Vec::new(),
        fields: field_views(svc, &svc.defaults(), &Placed::default()),
        general: Vec::new(),
        preview: None,
        checked: false,
    }))
}

/// The tenant's ownership scope check and preview of a literal (placeholder-free or
/// defaulted) template; `Err` carries the finding for people.
pub(super) async fn preview_of(
    st: &AppState,
    u: &WebUser,
    xml: &str,
    vars: &[Variable],
) -> Result<Result<PreviewView, String>, WebError> {
    let tenant = tenants::get(&st.store, u.p.tenant())
        .await?
        .ok_or(ApiError::Internal)?;
    let filled = match template::fill(xml, vars, &|_| None) {
        Ok(f) => f,
        Err(TemplateError::Missing(n)) => {
            return Ok(Err(format!(
                "Preview needs a value for ${{{n}}}: save, then preview with values on the profile page."
            )));
        }
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(match template::document(&filled, &tenant.scope) {
        Ok(doc) => Ok(template::preview(filled, &doc).into()),
        Err(e) => Err(e.to_string()),
    })
}

/// Where a refused save is shown: the name field or the general list.
fn place_api_error(
    e: ApiError,
    name_errors: &mut Vec<String>,
    general: &mut Vec<String>,
) -> Result<(), WebError> {
    match e {
        ApiError::BadRequest(m) if m.starts_with("name") => name_errors.push(m),
        ApiError::Conflict(_) => {
            name_errors.push("A profile with this name already exists.".into())
        }
        ApiError::Template(TemplateError::Invalid(d)) => general.extend(d),
        ApiError::Template(t) => general.push(t.to_string()),
        ApiError::BadRequest(m) => general.push(m),
        e => return Err(e.into()),
    }
    Ok(())
}

async fn post_service(
    State(st): State<AppState>,
    u: WebUser,
    Path(key): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    u.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let svc = services::service(&key).ok_or(ApiError::NotFound)?;
    u.require_role(Role::Editor)?;
    let vals: Values = svc
        .fields
        .iter()
        .map(|x| {
            (
                x.key.to_string(),
                form.get(x.key).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let name = form
        .get("name")
        .cloned()
        .unwrap_or_default()
        .trim()
        .to_string();
    let save = form.get("action").map(String::as_str) == Some("save");
    let placed = services::place(svc, &vals);
    let xml = svc.xml(&vals);
    let mut general = placed.general.clone();
    let mut name_errors = Vec::new();
    let mut preview = None;
    if !placed.has_errors {
        match preview_of(&st, &u, &xml, &[]).await? {
            Ok(p) => preview = Some(p),
            Err(m) => general.push(m),
        }
    }
    if save && !placed.has_errors && general.is_empty() {
        let body = ProfileBody {
            name: name.clone(),
            template: xml,
            variables: Vec::new(),
            thc_sec: ThcSec::default(),
        };
        match api::create(State(st), u.p.clone(), HeaderMap::new(), Ok(Json(body))).await {
            Ok(r) => {
                let v = response_json(r).await?;
                let id = v["id"].as_str().unwrap_or_default();
                return Ok(see_other(&format!("/ui/profiles/{id}?saved=1")));
            }
            Err(e) => place_api_error(e, &mut name_errors, &mut general)?,
        }
    }
    let page = ServicePage {
        c: u.chrome(&format!("New {} profile", svc.title), "profiles"),
        svc,
        name,
        name_errors,
        fields: field_views(svc, &vals, &placed),
        general,
        preview,
        checked: true,
    };
    let bad = placed.has_errors || !page.general.is_empty() || !page.name_errors.is_empty();
    Ok(if bad {
        render_invalid(&page)
    } else {
        render(&page)
    })
}
