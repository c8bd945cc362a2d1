//! Signing in and out. Sign-in runs the API's own login (the same timing-safe password
//! check and audit entry) and puts the session secret in an `HttpOnly`, `SameSite=Strict`
//! cookie. The sign-in form is protected against login CSRF by a double-submit token.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{
    Chrome, CsrfOnly, WebError, WebUser, cookie, render, render_invalid, same_secret, see_other,
};
use crate::AppState;
use crate::api::SESSION_COOKIE;
use crate::api::sessions::{login, logout};
use crate::auth::{fill_random, secret_hash};
use crate::error::ApiError;

/// Cookie holding the sign-in form's double-submit token.
const LOGIN_CSRF: &str = "omacp_login_csrf";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/sign-in", get(form).post(submit))
        .route("/ui/sign-out", post(sign_out))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    c: Chrome,
    tenant: String,
    username: String,
    error: Option<String>,
}

fn new_login_token() -> String {
    let mut b = [0u8; 16];
    fill_random(&mut b);
    secret_hash(&format!("{b:?}"))
}

fn page(tenant: &str, username: &str, error: Option<String>, csrf: &str) -> SignIn {
    SignIn {
        c: Chrome {
            title: "Sign in".into(),
            csrf: csrf.to_string(),
            ..Chrome::default()
        },
        tenant: tenant.to_string(),
        username: username.to_string(),
        error,
    }
}

fn with_cookie(mut r: Response, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn form(headers: HeaderMap) -> Response {
    let token = cookie(&headers, LOGIN_CSRF)
        .filter(|t| t.len() == 64)
        .map(str::to_string)
        .unwrap_or_else(new_login_token);
    let r = render(&page("", "", None, &token));
    with_cookie(
        r,
        &format!("{LOGIN_CSRF}={token}; Path=/ui; HttpOnly; SameSite=Strict"),
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    _csrf: String,
    tenant: String,
    username: String,
    password: String,
}

async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    ext: Extensions,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let expected = cookie(&headers, LOGIN_CSRF).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &f._csrf) {
        return Err(WebError::Csrf);
    }
    // The API's login takes JSON; hand it the same request (with the peer address).
    let body = serde_json::json!({
        "tenant": f.tenant.trim(),
        "username": f.username.trim(),
        "password": f.password,
    })
    .to_string();
    let mut req = Request::new(Body::from(body));
    *req.extensions_mut() = ext;
    match login(State(st.clone()), req).await {
        Ok((_, axum::Json(s))) => {
            let max_age = st.config.session_ttl_secs;
            let r = see_other("/ui/profiles");
            Ok(with_cookie(
                r,
                &format!(
                    "{SESSION_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict",
                    s.token
                ),
            ))
        }
        Err(ApiError::Unauthorized) => Ok(render_invalid(&page(
            &f.tenant,
            &f.username,
            Some("Unknown tenant, user or password.".into()),
            expected,
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn sign_out(
    State(st): State<AppState>,
    u: WebUser,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    logout(State(st), u.p).await?;
    let r = see_other("/ui/sign-in");
    Ok(with_cookie(
        r.into_response(),
        &format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    ))
}
