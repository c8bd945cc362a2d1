//! Administration: the tenant's users (admins) and the tenants themselves (operator
//! admins). Everything runs through the API's handlers, which check the role again and
//! write the audit log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, WebError, WebUser, fmt_time, render, render_invalid, see_other};
use crate::AppState;
use crate::api::tenants::{self as tenant_api, NewTenant, TenantPatch};
use crate::api::users::{self as user_api, NewUser, UserPatch};
use crate::error::ApiError;
use crate::store::tenants::{Scope, Tenant, TenantKind};
use crate::store::users::{Role, User};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/users", get(users).post(create_user))
        .route("/ui/admin/users/{id}", post(update_user))
        .route("/ui/admin/users/{id}/delete", post(delete_user))
        .route("/ui/admin/tenants", get(tenants).post(create_tenant))
        .route("/ui/admin/tenants/{id}", post(update_tenant))
}

const ROLES: &[&str] = &["viewer", "editor", "admin"];

struct UserRow {
    u: User,
    created: String,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    rows: Vec<UserRow>,
    roles: &'static [&'static str],
    error: Option<String>,
    username: String,
}

async fn users_page(
    st: &AppState,
    u: &WebUser,
    error: Option<String>,
    username: String,
) -> Result<UsersPage, WebError> {
    let Json(list) = user_api::list(State(st.clone()), u.p.clone()).await?;
    let rows = list
        .into_iter()
        .map(|x| UserRow {
            created: fmt_time(x.created_at),
            is_me: x.id == u.p.id.user.id,
            u: x,
        })
        .collect();
    Ok(UsersPage {
        c: u.chrome("Users", "users"),
        rows,
        roles: ROLES,
        error,
        username,
    })
}

async fn users(State(st): State<AppState>, u: WebUser) -> Result<Response, WebError> {
    Ok(render(&users_page(&st, &u, None, String::new()).await?))
}

#[derive(Debug, Deserialize)]
struct UserForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// A refusal people can fix (shown on the form) or a real error.
fn form_error(e: ApiError) -> Result<String, WebError> {
    match e {
        ApiError::BadRequest(m) => Ok(m),
        ApiError::Conflict(what) => Ok(format!("{what} already exists")),
        e => Err(e.into()),
    }
}

async fn create_user(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let Some(role) = Role::parse(&f.role) else {
        let page = users_page(&st, &u, Some("Choose a role.".into()), f.username).await?;
        return Ok(render_invalid(&page));
    };
    let n = NewUser {
        username: f.username.trim().to_string(),
        password: f.password,
        role,
    };
    match user_api::create(
        State(st.clone()),
        u.p.clone(),
        HeaderMap::new(),
        Ok(Json(n)),
    )
    .await
    {
        Ok(_) => Ok(see_other("/ui/admin/users")),
        Err(e) => {
            let m = form_error(e)?;
            Ok(render_invalid(
                &users_page(&st, &u, Some(m), f.username).await?,
            ))
        }
    }
}

async fn update_user(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let patch = UserPatch {
        role: Role::parse(&f.role),
        password: Some(f.password).filter(|p| !p.is_empty()),
    };
    match user_api::update(State(st.clone()), u.p.clone(), Path(id), Ok(Json(patch))).await {
        Ok(_) => Ok(see_other("/ui/admin/users")),
        Err(e) => {
            let m = form_error(e)?;
            Ok(render_invalid(
                &users_page(&st, &u, Some(m), String::new()).await?,
            ))
        }
    }
}

async fn delete_user(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    match user_api::remove(State(st.clone()), u.p.clone(), Path(id)).await {
        Ok(_) => Ok(see_other("/ui/admin/users")),
        Err(e) => {
            let m = form_error(e)?;
            Ok(render_invalid(
                &users_page(&st, &u, Some(m), String::new()).await?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "tenants.html")]
struct TenantsPage {
    c: Chrome,
    rows: Vec<Tenant>,
    error: Option<String>,
    f: TenantForm,
    created: Option<Created>,
}

/// A tenant just created and its admin's one-time password.
struct Created {
    slug: String,
    admin: String,
    password: String,
}

impl TenantsPage {
    fn kind(&self, t: &Tenant) -> &'static str {
        match t.kind {
            TenantKind::Operator => "operator",
            TenantKind::Enterprise => "enterprise",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct TenantForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    types: String,
    #[serde(default)]
    appids: String,
    #[serde(default)]
    admin_username: String,
}

fn list_of(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

async fn tenants_page(
    st: &AppState,
    u: &WebUser,
    error: Option<String>,
    f: TenantForm,
    created: Option<Created>,
) -> Result<TenantsPage, WebError> {
    let Json(rows) = tenant_api::list(State(st.clone()), u.p.clone()).await?;
    Ok(TenantsPage {
        c: u.chrome("Tenants", "tenants"),
        rows,
        error,
        f,
        created,
    })
}

async fn tenants(State(st): State<AppState>, u: WebUser) -> Result<Response, WebError> {
    let f = TenantForm {
        kind: "enterprise".into(),
        types: "APPLICATION".into(),
        admin_username: "admin".into(),
        ..TenantForm::default()
    };
    Ok(render(&tenants_page(&st, &u, None, f, None).await?))
}

async fn create_tenant(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<TenantForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let n = NewTenant {
        slug: f.slug.trim().to_string(),
        name: f.name.trim().to_string(),
        kind: if f.kind == "operator" {
            TenantKind::Operator
        } else {
            TenantKind::Enterprise
        },
        scope: Scope {
            types: list_of(&f.types),
            appids: list_of(&f.appids),
        },
        admin_username: Some(f.admin_username.trim().to_string()).filter(|x| !x.is_empty()),
        admin_password: None,
    };
    match tenant_api::create(
        State(st.clone()),
        u.p.clone(),
        HeaderMap::new(),
        Ok(Json(n)),
    )
    .await
    {
        // The generated password is shown once, in the answer to this POST.
        Ok(r) => {
            let v = super::response_json(r).await?;
            let created = Created {
                slug: v["tenant"]["slug"].as_str().unwrap_or_default().into(),
                admin: v["admin"]["username"].as_str().unwrap_or_default().into(),
                password: v["admin_password"].as_str().unwrap_or_default().into(),
            };
            let page = tenants_page(&st, &u, None, TenantForm::default(), Some(created)).await?;
            Ok(render(&page))
        }
        Err(e) => {
            let m = form_error(e)?;
            Ok(render_invalid(
                &tenants_page(&st, &u, Some(m), f, None).await?,
            ))
        }
    }
}

async fn update_tenant(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Form(f): Form<TenantForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let patch = TenantPatch {
        scope: Scope {
            types: list_of(&f.types),
            appids: list_of(&f.appids),
        },
    };
    match tenant_api::update(State(st.clone()), u.p.clone(), Path(id), Ok(Json(patch))).await {
        Ok(_) => Ok(see_other("/ui/admin/tenants")),
        Err(e) => {
            let m = form_error(e)?;
            Ok(render_invalid(
                &tenants_page(&st, &u, Some(m), TenantForm::default(), None).await?,
            ))
        }
    }
}
