//! The raw XML profile editor (new profiles and every stored profile's page): template,
//! variable declarations, signing; findings at the box they concern; the preview, with
//! values for the variables of a stored profile.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};

use super::profiles::{PreviewView, preview_of};
use super::services;
use super::{
    Chrome, CsrfOnly, WebError, WebUser, render, render_invalid, response_json, see_other,
};
use crate::AppState;
use crate::api::profiles::{self as api, PreviewRequest, ProfileBody};
use crate::error::ApiError;
use crate::store::tenants;
use crate::store::users::Role;
use crate::template::{self, TemplateError, ThcSec, VarScope, VarType, Variable};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/profiles/raw", get(new_raw).post(post_raw))
        .route("/ui/profiles/{id}", get(detail).post(post_existing))
        .route("/ui/profiles/{id}/delete", post(delete))
}

/// The raw editor's values.
#[derive(Debug, Default, serde::Deserialize)]
struct RawForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    variables: String,
    #[serde(default)]
    thc_sec: String,
    #[serde(default)]
    action: String,
}

#[derive(Template)]
#[template(path = "profile_raw.html")]
struct RawPage {
    c: Chrome,
    /// Set when editing a stored profile.
    id: Option<String>,
    saved: bool,
    f: RawForm,
    name_errors: Vec<String>,
    template_errors: Vec<String>,
    variable_errors: Vec<String>,
    preview: Option<PreviewView>,
    preview_note: Option<String>,
    /// Inputs for a preview with values (stored profiles with variables).
    var_inputs: Vec<(String, String)>,
    checked: bool,
}

impl RawPage {
    fn new(c: Chrome, id: Option<String>, f: RawForm) -> RawPage {
        RawPage {
            c,
            id,
            saved: false,
            f,
            name_errors: Vec::new(),
            template_errors: Vec::new(),
            variable_errors: Vec::new(),
            preview: None,
            preview_note: None,
            var_inputs: Vec::new(),
            checked: false,
        }
    }
    fn has_errors(&self) -> bool {
        !(self.name_errors.is_empty()
            && self.template_errors.is_empty()
            && self.variable_errors.is_empty())
    }
}

/// `name type scope [default]`, one per line.
fn parse_variables(text: &str) -> Result<Vec<Variable>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        if !(3..=4).contains(&parts.len()) {
            return Err(format!("line {}: write 'name type scope [default]'", i + 1));
        }
        let ty: VarType =
            serde_json::from_value(serde_json::Value::from(parts[1])).map_err(|_| {
                format!(
                    "line {}: type is string, integer, boolean, ipv4 or msisdn",
                    i + 1
                )
            })?;
        let scope: VarScope = serde_json::from_value(serde_json::Value::from(parts[2]))
            .map_err(|_| format!("line {}: scope is subscriber or campaign", i + 1))?;
        out.push(Variable {
            name: parts[0].to_string(),
            ty,
            scope,
            default: parts.get(3).map(|d| d.to_string()),
        });
    }
    Ok(out)
}

fn format_variables(vars: &[Variable]) -> String {
    vars.iter()
        .map(|v| {
            let ty = serde_json::to_value(v.ty).ok();
            let sc = serde_json::to_value(v.scope).ok();
            let mut s = format!(
                "{} {} {}",
                v.name,
                ty.as_ref().and_then(|x| x.as_str()).unwrap_or("string"),
                sc.as_ref().and_then(|x| x.as_str()).unwrap_or("campaign")
            );
            if let Some(d) = &v.default {
                s.push(' ');
                s.push_str(d);
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sorts a template finding to the field it concerns.
fn place_template_error(e: TemplateError, page: &mut RawPage) {
    match e {
        TemplateError::Invalid(d) => page.template_errors.extend(d),
        e @ (TemplateError::BadVariable(_)
        | TemplateError::Undeclared(_)
        | TemplateError::Missing(_)
        | TemplateError::BadValue { .. }) => page.variable_errors.push(e.to_string()),
        e => page.template_errors.push(e.to_string()),
    }
}

async fn new_raw(u: WebUser) -> Result<Response, WebError> {
    u.require_role(Role::Editor)?;
    let f = RawForm {
        template: omacp_doc::xml::to_string(
            &services::service("apn")
                .map(|s| s.document(&s.defaults()))
                .unwrap_or_default(),
        ),
        thc_sec: "netwpin".into(),
        ..RawForm::default()
    };
    Ok(render(&RawPage::new(
        u.chrome("New profile (XML)", "profiles"),
        None,
        f,
    )))
}

async fn post_raw(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<RawForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    u.require_role(Role::Editor)?;
    let page = RawPage::new(u.chrome("New profile (XML)", "profiles"), None, f);
    save_raw(st, u, page).await
}

/// Checks (and on "save" stores) the raw editor's profile, or re-shows it with findings.
async fn save_raw(st: AppState, u: WebUser, mut page: RawPage) -> Result<Response, WebError> {
    page.checked = true;
    let vars = match parse_variables(&page.f.variables) {
        Ok(v) => v,
        Err(m) => {
            page.variable_errors.push(m);
            Vec::new()
        }
    };
    let thc_sec = ThcSec::parse(&page.f.thc_sec).unwrap_or_default();
    let tenant = tenants::get(&st.store, u.p.tenant())
        .await?
        .ok_or(ApiError::Internal)?;
    if page.variable_errors.is_empty()
        && let Err(e) = template::check(&page.f.template, &vars, &tenant.scope)
    {
        place_template_error(e, &mut page);
    }
    if !page.has_errors() {
        match preview_of(&st, &u, &page.f.template, &vars).await? {
            Ok(p) => page.preview = Some(p),
            Err(m) => page.preview_note = Some(m),
        }
    }
    if page.f.action == "save" && !page.has_errors() {
        let body = ProfileBody {
            name: page.f.name.trim().to_string(),
            template: page.f.template.clone(),
            variables: vars,
            thc_sec,
        };
        let result = match &page.id {
            None => {
                match api::create(State(st), u.p.clone(), HeaderMap::new(), Ok(Json(body))).await {
                    Ok(r) => Ok(response_json(r).await?["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()),
                    Err(e) => Err(e),
                }
            }
            Some(id) => api::update(State(st), u.p.clone(), Path(id.clone()), Ok(Json(body)))
                .await
                .map(|Json(p)| p.id),
        };
        match result {
            Ok(id) => return Ok(see_other(&format!("/ui/profiles/{id}?saved=1"))),
            Err(ApiError::Template(t)) => place_template_error(t, &mut page),
            Err(ApiError::Conflict(_)) => page
                .name_errors
                .push("A profile with this name already exists.".into()),
            Err(ApiError::BadRequest(m)) => page.name_errors.push(m),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(if page.has_errors() {
        render_invalid(&page)
    } else {
        render(&page)
    })
}

async fn detail(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let Json(prof) = api::read(State(st.clone()), u.p.clone(), Path(id.clone())).await?;
    let f = RawForm {
        name: prof.name.clone(),
        template: prof.template.clone(),
        variables: format_variables(&prof.variables),
        thc_sec: prof.thc_sec.as_str().into(),
        ..RawForm::default()
    };
    let mut page = RawPage::new(
        u.chrome(&format!("Profile {}", prof.name), "profiles"),
        Some(id.clone()),
        f,
    );
    page.saved = q.contains_key("saved");
    // Values for the preview come from `var_<name>` query parameters.
    let values: BTreeMap<String, String> = q
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("var_")?.to_string(), v.clone())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    page.var_inputs = prof
        .variables
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                values.get(&v.name).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let req = PreviewRequest {
        values,
        subscriber_id: None,
    };
    match api::preview(State(st), u.p.clone(), Path(id), Ok(Json(req))).await {
        Ok(Json(p)) => page.preview = Some(p.into()),
        Err(ApiError::Template(e)) => page.preview_note = Some(e.to_string()),
        Err(e) => return Err(e.into()),
    }
    Ok(render(&page))
}

async fn post_existing(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<RawForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    u.require_role(Role::Editor)?;
    // 404 (audited) when the id is not the caller's, before anything else.
    let Json(prof) = api::read(State(st.clone()), u.p.clone(), Path(id.clone())).await?;
    let page = RawPage::new(
        u.chrome(&format!("Profile {}", prof.name), "profiles"),
        Some(id),
        f,
    );
    save_raw(st, u, page).await
}

async fn delete(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    api::remove(State(st), u.p.clone(), Path(id)).await?;
    Ok(see_other("/ui/profiles"))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_round_trip() {
        let v = parse_variables("apn string subscriber internet\n\nip ipv4 campaign\n").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].default.as_deref(), Some("internet"));
        assert_eq!(parse_variables(&format_variables(&v)).unwrap(), v);
        assert!(parse_variables("x float campaign").is_err());
        assert!(parse_variables("x string").is_err());
    }
}
