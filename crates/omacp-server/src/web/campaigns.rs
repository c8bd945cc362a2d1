//! Campaign pages: the list, the creation form (profile, audience, SEC method, rate),
//! pause/resume/cancel, live progress with a chart of delivery states over time, the
//! messages; and the sandbox page with each virtual handset's events (the PIN prompt its
//! user saw, what it received and applied).
//!
//! Everything goes through the campaign API's handlers (roles, tenant scoping, audit).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::{Chrome, CsrfOnly, WebError, WebUser, fmt_time, render, render_invalid, see_other};
use crate::AppState;
use crate::api::PageQuery;
use crate::api::campaigns::{self as api, CampaignBody, CampaignView, HandsetView, MessageQuery};
use crate::campaign::create::Audience;
use crate::campaign::model::{Campaign, CampaignState, MSG_STATES, MessageView, Sec};
use crate::error::ApiError;
use crate::store::profiles;
use crate::store::users::Role;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/campaigns", get(list))
        .route("/ui/campaigns/new", get(new_form).post(create))
        .route("/ui/campaigns/{id}", get(detail))
        .route("/ui/campaigns/{id}/{action}", post(transition))
        .route("/ui/sandbox", get(sandbox))
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<(Campaign, String)>,
    next: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    u: WebUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let Json(page) = api::list(State(st), u.p.clone(), Ok(Query(q))).await?;
    Ok(render(&ListPage {
        c: u.chrome("Campaigns", "campaigns"),
        rows: page
            .items
            .into_iter()
            .map(|c| {
                let t = fmt_time(c.created_at);
                (c, t)
            })
            .collect(),
        next: page.next_cursor,
    }))
}

/// The creation form's values.
#[derive(Debug, Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    profile_id: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    msisdns: String,
    #[serde(default)]
    sec: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    pin_length: String,
    #[serde(default)]
    vars: String,
    #[serde(default)]
    rate: String,
    #[serde(default)]
    max_attempts: String,
    #[serde(default)]
    paused: Option<String>,
}

#[derive(Template)]
#[template(path = "campaign_new.html")]
struct NewPage {
    c: Chrome,
    f: NewForm,
    profiles: Vec<(String, String)>,
    secs: &'static [(&'static str, &'static str)],
    error: Option<String>,
}

const SECS: &[(&str, &str)] = &[
    ("netwpin", "NETWPIN (keyed by the subscriber's IMSI)"),
    ("usernetwpin", "USERNETWPIN (IMSI and a PIN)"),
    ("userpin", "USERPIN (a PIN)"),
    ("userpinmac", "USERPINMAC (a PIN; the user types a code)"),
];

async fn new_page(
    st: &AppState,
    u: &WebUser,
    f: NewForm,
    error: Option<String>,
) -> Result<NewPage, WebError> {
    let list = profiles::list(&st.store, u.p.tenant(), None, crate::store::MAX_PAGE).await?;
    Ok(NewPage {
        c: u.chrome("New campaign", "campaigns"),
        f,
        profiles: list.items.into_iter().map(|p| (p.id, p.name)).collect(),
        secs: SECS,
        error,
    })
}

async fn new_form(
    State(st): State<AppState>,
    u: WebUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    u.require_role(Role::Editor)?;
    let f = NewForm {
        profile_id: q.get("profile").cloned().unwrap_or_default(),
        audience: "label".into(),
        sec: "netwpin".into(),
        max_attempts: "5".into(),
        ..NewForm::default()
    };
    Ok(render(&new_page(&st, &u, f, None).await?))
}

/// `name=value` lines.
fn parse_vars(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("variables, line {}: write name=value", i + 1))?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

fn number(s: &str, what: &str) -> Result<Option<i64>, String> {
    match s.trim() {
        "" => Ok(None),
        x => x
            .parse()
            .map(Some)
            .map_err(|_| format!("{what}: a whole number")),
    }
}

fn body_of(f: &NewForm) -> Result<CampaignBody, String> {
    let sec = Sec::parse(&f.sec).ok_or("choose a SEC method")?;
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|x| !x.is_empty());
    let mut audience = Audience::default();
    match f.audience.as_str() {
        "label" => audience.label = Some(nonempty(&f.label).ok_or("audience: give a label")?),
        "query" => {
            audience.query = Some(nonempty(&f.query).ok_or("audience: give the start of a number")?)
        }
        "msisdns" => {
            let list: Vec<String> = f
                .msisdns
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect();
            if list.is_empty() {
                return Err("audience: list at least one MSISDN".into());
            }
            audience.msisdns = Some(list);
        }
        _ => {} // every subscriber of the tenant
    }
    let pin_length = match number(&f.pin_length, "PIN length")? {
        Some(n) => Some(u8::try_from(n).map_err(|_| "PIN length: 4 to 16")?),
        None => None,
    };
    Ok(CampaignBody {
        name: f.name.trim().to_string(),
        profile_id: f.profile_id.clone(),
        audience,
        sec,
        pin: nonempty(&f.pin),
        pin_length,
        vars: parse_vars(&f.vars)?,
        rate: number(&f.rate, "rate")?,
        max_attempts: number(&f.max_attempts, "attempts")?,
        paused: f.paused.is_some(),
    })
}

async fn create(
    State(st): State<AppState>,
    u: WebUser,
    Form(mut f): Form<NewForm>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let result = match body_of(&f) {
        Ok(b) => match api::create(
            State(st.clone()),
            u.p.clone(),
            HeaderMap::new(),
            Ok(Json(b)),
        )
        .await
        {
            Ok(r) => {
                let v = super::response_json(r).await?;
                let id = v["id"].as_str().unwrap_or_default();
                let skipped = v["skipped_count"].as_u64().unwrap_or(0);
                return Ok(see_other(&format!("/ui/campaigns/{id}?skipped={skipped}")));
            }
            Err(e @ (ApiError::BadRequest(_) | ApiError::Template(_) | ApiError::Conflict(_))) => {
                e.to_string()
            }
            Err(e) => return Err(e.into()),
        },
        Err(m) => m,
    };
    // The PIN is never sent back to the browser.
    f.pin.clear();
    Ok(render_invalid(&new_page(&st, &u, f, Some(result)).await?))
}

/// One line of the chart.
struct Series {
    state: &'static str,
    points: String,
    last: i64,
}

const CHART_W: f64 = 640.0;
const CHART_H: f64 = 200.0;

/// Cumulative count of messages that entered each state, as SVG polyline points over
/// time (x: first to last change; y: 0 to the campaign's total).
fn chart(history: &[(i64, String, i64)], total: i64) -> Vec<Series> {
    let (Some(t0), Some(t1)) = (history.first().map(|h| h.0), history.last().map(|h| h.0)) else {
        return Vec::new();
    };
    let span = (t1 - t0).max(1) as f64;
    let top = total.max(1) as f64;
    let x = |t: i64| (t - t0) as f64 / span * CHART_W;
    // 10 units of headroom so a line at the total is not hidden by the frame.
    let y = |n: i64| CHART_H - n as f64 / top * (CHART_H - 10.0);
    MSG_STATES
        .iter()
        .filter_map(|s| {
            let name = s.as_str();
            let mut sum = 0;
            let mut pts = format!("0,{:.1}", y(0));
            for (at, _, n) in history.iter().filter(|h| h.1 == name) {
                // A step: hold the old value until this time, then jump.
                pts.push_str(&format!(" {:.1},{:.1}", x(*at), y(sum)));
                sum += n;
                pts.push_str(&format!(" {:.1},{:.1}", x(*at), y(sum)));
            }
            (sum > 0).then(|| {
                pts.push_str(&format!(" {:.1},{:.1}", CHART_W, y(sum)));
                Series {
                    state: name,
                    points: pts,
                    last: sum,
                }
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct DetailPage {
    c: Chrome,
    v: CampaignView,
    percent: i64,
    created: String,
    finished_at: Option<String>,
    skipped: Option<u64>,
    series: Vec<Series>,
    messages: Vec<MessageView>,
    state_filter: String,
    states: Vec<&'static str>,
    next: Option<String>,
    sandbox: bool,
    /// The page keeps refreshing: messages are still moving, or the campaign is still
    /// `running` after its last message went final (the runner's sweep, once a second,
    /// marks it `done`; a page that stopped in between would show `running` for good).
    live: bool,
}

#[derive(Debug, Default, Deserialize)]
struct DetailQuery {
    skipped: Option<u64>,
    #[serde(default)]
    state: String,
    cursor: Option<String>,
}

async fn detail(
    State(st): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let Json(v) = api::read(State(st.clone()), u.p.clone(), Path(id.clone())).await?;
    let Json(history) = api::history(State(st.clone()), u.p.clone(), Path(id.clone())).await?;
    let mq = MessageQuery {
        state: Some(q.state.clone()).filter(|s| !s.is_empty()),
        cursor: q.cursor.clone(),
        limit: Some(100),
    };
    let Json(page) = api::messages(State(st.clone()), u.p.clone(), Path(id), Ok(Query(mq))).await?;
    let h: Vec<(i64, String, i64)> = history.into_iter().map(|p| (p.at, p.state, p.n)).collect();
    let total = v.campaign.total;
    let done = v.stats.finished();
    Ok(render(&DetailPage {
        c: u.chrome(&format!("Campaign {}", v.campaign.name), "campaigns"),
        percent: if total > 0 { done * 100 / total } else { 100 },
        created: fmt_time(v.campaign.created_at),
        finished_at: v.campaign.finished_at.map(fmt_time),
        skipped: q.skipped.filter(|n| *n > 0),
        series: chart(&h, total),
        messages: page.items,
        state_filter: q.state,
        states: MSG_STATES.iter().map(|s| s.as_str()).collect(),
        next: page.next_cursor,
        sandbox: st.campaigns.sandbox.get().is_some(),
        live: !v.finished || v.campaign.state == CampaignState::Running,
        v,
    }))
}

async fn transition(
    State(st): State<AppState>,
    u: WebUser,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    u.check_csrf(&f._csrf)?;
    let s = State(st);
    let p = u.p.clone();
    let path = Path(id.clone());
    let r = match action.as_str() {
        "pause" => api::pause(s, p, path).await,
        "resume" => api::resume(s, p, path).await,
        "cancel" => api::cancel(s, p, path).await,
        _ => return Err(ApiError::NotFound.into()),
    };
    match r {
        // Already in that state (a double click, another user): just show the campaign.
        Ok(_) | Err(ApiError::Conflict(_)) => Ok(see_other(&format!("/ui/campaigns/{id}"))),
        Err(e) => Err(e.into()),
    }
}

/// A handset as the sandbox page shows it.
struct HandsetRow {
    h: HandsetView,
    applied: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "sandbox.html")]
struct SandboxPage {
    c: Chrome,
    rows: Vec<HandsetRow>,
    error: Option<String>,
}

async fn sandbox(State(st): State<AppState>, u: WebUser) -> Result<Response, WebError> {
    let c = u.chrome("Sandbox", "sandbox");
    match api::handsets(State(st), u.p.clone()).await {
        Ok(Json(list)) => Ok(render(&SandboxPage {
            c,
            rows: list
                .into_iter()
                .map(|h| HandsetRow {
                    applied: h
                        .applied
                        .iter()
                        .map(|a| {
                            (
                                fmt_time(a.at),
                                a.kind.clone(),
                                a.sec.clone().unwrap_or_else(|| "-".into()),
                                a.trust.clone(),
                            )
                        })
                        .collect(),
                    h,
                })
                .collect(),
            error: None,
        })),
        Err(ApiError::BadRequest(m)) => Ok(render(&SandboxPage {
            c,
            rows: Vec::new(),
            error: Some(m),
        })),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_steps_up_to_the_total() {
        let h = vec![
            (1000, "queued".to_string(), 3),
            (1500, "submitted".to_string(), 3),
            (2000, "delivered".to_string(), 2),
            (3000, "delivered".to_string(), 1),
        ];
        let s = chart(&h, 3);
        let d = s.iter().find(|s| s.state == "delivered").unwrap();
        assert_eq!(d.last, 3);
        assert!(d.points.ends_with("640.0,10.0"), "{}", d.points);
        assert!(chart(&[], 3).is_empty());
        assert_eq!(parse_vars("a=1\n\nb = x=y").unwrap()["b"], "x=y");
        assert!(parse_vars("nope").is_err());
    }
}
