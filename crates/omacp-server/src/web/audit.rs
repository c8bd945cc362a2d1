//! The audit log with filters (admins, as in the API).
//!
//! The store filters by object; action, outcome and actor filters are applied here over
//! the pages read (at most [`SCAN_PAGES`] pages of 500 per request, continuing from the
//! last entry scanned).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{Chrome, WebError, WebUser, fmt_time, render};
use crate::AppState;
use crate::store::MAX_PAGE;
use crate::store::audit::{self, AuditEntry};
use crate::store::users::Role;

/// Most store pages one request reads while filtering.
const SCAN_PAGES: usize = 20;
/// Entries shown per page.
const SHOW: usize = 100;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/ui/audit", get(list))
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    #[serde(default)]
    object: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    actor: String,
    cursor: Option<String>,
}

impl Filter {
    fn keeps(&self, e: &AuditEntry) -> bool {
        let has = |needle: &str, hay: &str| needle.is_empty() || hay.contains(needle.trim());
        has(&self.action, &e.action)
            && (self.outcome.is_empty() || e.outcome == self.outcome)
            && has(&self.actor, &e.actor)
    }
}

struct Row {
    at: String,
    e: AuditEntry,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Page {
    c: Chrome,
    f: Filter,
    rows: Vec<Row>,
    next: Option<String>,
    outcomes: &'static [&'static str],
}

async fn list(
    State(st): State<AppState>,
    u: WebUser,
    Query(f): Query<Filter>,
) -> Result<Response, WebError> {
    u.p.require(&st, Role::Admin, "audit.list", None).await?;
    let object = Some(f.object.trim()).filter(|o| !o.is_empty());
    let mut cursor = f.cursor.clone();
    let mut rows = Vec::new();
    let mut next = None;
    for _ in 0..SCAN_PAGES {
        let page =
            audit::list(&st.store, u.p.tenant(), object, cursor.as_deref(), MAX_PAGE).await?;
        let mut last = None;
        for e in page.items {
            last = Some(e.id.clone());
            if f.keeps(&e) {
                rows.push(Row {
                    at: fmt_time(e.at),
                    e,
                });
                if rows.len() == SHOW {
                    break;
                }
            }
        }
        if rows.len() == SHOW {
            next = last;
            break;
        }
        match page.next_cursor {
            Some(c) => {
                cursor = Some(c.clone());
                next = Some(c);
            }
            None => {
                next = None;
                break;
            }
        }
    }
    Ok(render(&Page {
        c: u.chrome("Audit log", "audit"),
        f,
        rows,
        next,
        outcomes: &["ok", "denied", "not_found", "invalid", "conflict"],
    }))
}
