//! The one error type of the HTTP API: a stable code, an HTTP status and a message that
//! never carries database internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;
use crate::template::TemplateError;

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (`not_found`, `forbidden`, …).
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// Validation findings, when the code is `validation_failed` or `out_of_scope`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or unknown credentials.
    #[error("authentication required")]
    Unauthorized,
    /// The caller's role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// No such object in the caller's tenant (also for other tenants' objects).
    #[error("not found")]
    NotFound,
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// A unique key already exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// The idempotency key is being used by a running request or another request.
    #[error("{0}")]
    Idempotency(&'static str),
    /// The profile or its values are not acceptable.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Too many attempts; try later.
    #[error("too many attempts; try again later")]
    RateLimited,
    /// Something failed inside the server (logged, not shown).
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) | ApiError::Idempotency(_) => StatusCode::CONFLICT,
            ApiError::Template(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Conflict(_) => "conflict",
            ApiError::Idempotency(_) => "idempotency_conflict",
            ApiError::Template(TemplateError::OutOfScope(_)) => "out_of_scope",
            ApiError::Template(TemplateError::Invalid(_)) => "validation_failed",
            ApiError::Template(_) => "bad_template",
            ApiError::RateLimited => "rate_limited",
            ApiError::Internal => "internal",
        }
    }

    /// The response body.
    pub fn body(&self) -> ErrorBody {
        let details = match self {
            ApiError::Template(TemplateError::Invalid(d)) => d.clone(),
            ApiError::Template(TemplateError::OutOfScope(d)) => d.clone(),
            _ => Vec::new(),
        };
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            details,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(what.to_string()),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::BadRequest(e.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status_code(), Json(self.body())).into_response()
    }
}
