//! The web administration UI (issue #7): server-rendered pages under `/ui`, forms that
//! work without JavaScript (POST, then a redirect), one stylesheet and one small script
//! embedded in the binary.
//!
//! Every page runs the REST API's own handlers and store functions with the signed-in
//! user's [`Principal`], so authorisation, tenant scoping, validation and the audit trail
//! are exactly the API's. The UI accepts only the session cookie (`HttpOnly`,
//! `SameSite=Strict`), never a bearer token, and every form carries a per-session CSRF
//! token ([`csrf_token`]) checked before anything runs.

mod admin;
mod assets;
mod audit;
mod campaigns;
mod devices;
mod messages;
mod profile_editor;
mod profiles;
mod services;
mod sessions;
mod subscribers;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::api::{Principal, SESSION_COOKIE, cookie, source_of};
use crate::auth::secret_hash;
use crate::error::ApiError;
use crate::store::tenants::TenantKind;
use crate::store::users::{self, Role};

/// Every `/ui` route, plus `/` redirecting to the UI.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/profiles") }))
        .merge(assets::router())
        .merge(sessions::router())
        .merge(profiles::router())
        .merge(subscribers::router())
        .merge(devices::router())
        .merge(audit::router())
        .merge(campaigns::router())
        .merge(messages::router())
        .merge(admin::router())
}

/// The CSRF token of a session: a hash of the session secret under its own label, so it
/// needs no storage, differs per session and reveals nothing about the secret.
pub fn csrf_token(session_secret: &str) -> String {
    secret_hash(&format!("omacp-csrf:{session_secret}"))
}

/// Constant-time string equality (CSRF tokens, the metrics token).
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A signed-in UI user: the API principal of their session plus the session's CSRF token.
#[derive(Debug, Clone)]
pub struct WebUser {
    /// The caller, as the API sees them.
    pub p: Principal,
    /// This session's CSRF token.
    pub csrf: String,
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, WebError> {
        let secret = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|s| s.starts_with("omacp_ses_"))
            .ok_or(WebError::SignIn)?;
        let id = users::by_session_hash(&st.store, &secret_hash(secret))
            .await
            .map_err(|e| WebError::Api(e.into()))?
            .ok_or(WebError::SignIn)?;
        Ok(WebUser {
            csrf: csrf_token(secret),
            p: Principal {
                id,
                source: source_of(parts),
            },
        })
    }
}

impl WebUser {
    /// Fails unless `token` is this session's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if same_secret(token, &self.csrf) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }

    /// Fails with 403 unless the user's role is at least `role` (for showing a form; the
    /// API handler that acts on it checks again and audits).
    pub fn require_role(&self, role: Role) -> Result<(), WebError> {
        if self.p.id.user.role >= role {
            Ok(())
        } else {
            Err(WebError::Api(ApiError::Forbidden))
        }
    }

    /// The page frame for this user.
    pub fn chrome(&self, title: &str, nav: &'static str) -> Chrome {
        let role = self.p.id.user.role;
        Chrome {
            title: title.to_string(),
            nav,
            username: self.p.id.user.username.clone(),
            tenant: self.p.id.tenant_slug.clone(),
            role: role.as_str(),
            csrf: self.csrf.clone(),
            can_edit: role >= Role::Editor,
            is_admin: role == Role::Admin,
            is_operator_admin: role == Role::Admin && self.p.id.tenant_kind == TenantKind::Operator,
        }
    }
}

/// A form with nothing but its CSRF token (delete and sign-out buttons).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    /// The token.
    #[serde(default)]
    pub _csrf: String,
}

/// What the page frame (`base.html`) shows: title, navigation, who is signed in.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// Page title.
    pub title: String,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// Signed-in user (empty on the sign-in page).
    pub username: String,
    /// Their tenant's slug.
    pub tenant: String,
    /// Their role.
    pub role: &'static str,
    /// CSRF token for the forms on the page (the sign-out form included).
    pub csrf: String,
    /// Editors and admins see the editing forms.
    pub can_edit: bool,
    /// Admins see users and the audit log.
    pub is_admin: bool,
    /// Operator admins see tenants.
    pub is_operator_admin: bool,
}

/// Why a UI request failed: rendered as a page, or a redirect to sign in.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in (or the session expired): go to the sign-in page.
    SignIn,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// The API refused (403, 404, …) or failed.
    Api(ApiError),
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unauthorized => WebError::SignIn,
            e => WebError::Api(e),
        }
    }
}

impl From<crate::store::StoreError> for WebError {
    fn from(e: crate::store::StoreError) -> Self {
        WebError::Api(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            WebError::SignIn => return Redirect::to("/ui/sign-in").into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "The form expired or did not come from this site. Go back, reload and try again."
                    .to_string(),
            ),
            WebError::Api(e) => (e.status_code(), e.to_string()),
        };
        let page = ErrorPage {
            c: Chrome {
                title: status.canonical_reason().unwrap_or("Error").into(),
                ..Chrome::default()
            },
            status: status.as_u16(),
            message,
        };
        (status, render(&page)).into_response()
    }
}

/// Renders a template to an HTML response (a template error is a 500 without details).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(s) => ([(header::CACHE_CONTROL, "no-store")], Html(s)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page re-shown with form errors: 422 so scripts and tests can tell.
pub fn render_invalid<T: Template>(t: &T) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// `303 See Other` to `to` (the POST-redirect-GET step).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Reads the JSON body of a successful API response (the creating handlers answer with a
/// response so that idempotency replays work) into a value.
pub async fn response_json(r: Response) -> Result<serde_json::Value, WebError> {
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 20)
        .await
        .map_err(|_| WebError::Api(ApiError::Internal))?;
    serde_json::from_slice(&bytes).map_err(|_| WebError::Api(ApiError::Internal))
}

/// `yyyy-mm-dd hh:mm:ss` UTC of an epoch-milliseconds time.
pub fn fmt_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = omacp_wire::civil::date_from_days(secs.div_euclid(86_400));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_tokens() {
        assert_eq!(fmt_time(0), "1970-01-01 00:00:00");
        assert_eq!(fmt_time(1_700_000_000_000), "2023-11-14 22:13:20");
        let a = csrf_token("omacp_ses_a");
        assert_ne!(a, csrf_token("omacp_ses_b"));
        assert!(same_secret(&a, &csrf_token("omacp_ses_a")));
        assert!(!same_secret(&a, ""));
    }
}
