//! Campaigns: create (audience resolved and checked at once), list, progress and
//! statistics, messages, the state-change history, pause/resume/cancel; and the sandbox's
//! virtual handsets. PINs are never in a list or a campaign view: generated PINs are
//! read once through `/pins` (admins, audited).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{PageQuery, Principal, idempotent};
use crate::AppState;
use crate::campaign::create::{Audience, CreateError, Draft, Skipped, prepare};
use crate::campaign::model::{Campaign, CampaignState, MessageView, MsgState, Sec, Stats};
use crate::campaign::store::{self as cstore, NewCampaign};
use crate::error::ApiError;
use crate::store::users::Role;
use crate::store::{Page, new_id, profiles, tenants};

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns", get(list).post(create))
        .route("/api/v1/campaigns/{id}", get(read))
        .route("/api/v1/campaigns/{id}/messages", get(messages))
        .route("/api/v1/campaigns/{id}/history", get(history))
        .route("/api/v1/campaigns/{id}/pins", get(pins))
        .route("/api/v1/campaigns/{id}/pause", post(pause))
        .route("/api/v1/campaigns/{id}/resume", post(resume))
        .route("/api/v1/campaigns/{id}/cancel", post(cancel))
        .route("/api/v1/sandbox/handsets", get(handsets))
        .route("/api/v1/sandbox/handsets/{msisdn}", get(handset))
        .route("/api/v1/kannel/dlr/{route}/{secret}", get(kannel_dlr))
}

/// A campaign to create.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CampaignBody {
    /// Name.
    pub name: String,
    /// The profile to send (its current version is copied into the campaign).
    pub profile_id: String,
    /// Who receives it.
    #[serde(default)]
    pub audience: Audience,
    /// SEC method.
    pub sec: Sec,
    /// One PIN for everybody (USERPIN, USERNETWPIN, USERPINMAC). Never shown again.
    #[serde(default)]
    pub pin: Option<String>,
    /// Instead of `pin`: generate a PIN of this many digits (4–16) per subscriber.
    #[serde(default)]
    pub pin_length: Option<u8>,
    /// Values of the profile's campaign-scoped variables.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Messages per second (0 or absent: as fast as the routes allow).
    #[serde(default)]
    pub rate: Option<i64>,
    /// Attempts per message for temporary errors (default 5).
    #[serde(default)]
    pub max_attempts: Option<i64>,
    /// Create it paused.
    #[serde(default)]
    pub paused: bool,
}

impl std::fmt::Debug for CampaignBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CampaignBody")
            .field("name", &self.name)
            .field("sec", &self.sec)
            .finish_non_exhaustive()
    }
}

/// A campaign with its live statistics.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    /// The campaign.
    #[serde(flatten)]
    pub campaign: Campaign,
    /// Messages per state.
    pub stats: Stats,
    /// True when nothing is left to do.
    pub finished: bool,
}

/// The answer to a creation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    /// The campaign.
    #[serde(flatten)]
    pub campaign: CampaignView,
    /// Subscribers left out, and why (at most 1,000 listed).
    pub skipped: Vec<Skipped>,
    /// How many were left out.
    pub skipped_count: usize,
}

async fn view(st: &AppState, c: Campaign) -> Result<CampaignView, ApiError> {
    let stats = cstore::stats(&st.store, &c.id).await?;
    let finished = stats.finished() == c.total;
    Ok(CampaignView {
        campaign: c,
        stats,
        finished,
    })
}

/// Creates a campaign and starts it (editors).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Created), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: JsonBody<CampaignBody>,
) -> Result<axum::response::Response, ApiError> {
    p.require(&st, Role::Editor, "campaign.create", None)
        .await?;
    let Json(b) = body?;
    idempotent(&st, &p, &headers, "POST /api/v1/campaigns", || async {
        let created = create_inner(&st, &p, &b).await?;
        st.campaigns.wake.notify_waiters();
        Ok((StatusCode::CREATED, created))
    })
    .await
}

async fn create_inner(st: &AppState, p: &Principal, b: &CampaignBody) -> Result<Created, ApiError> {
    let bad = |m: &str| ApiError::BadRequest(m.into());
    if b.name.is_empty() || b.name.len() > 100 {
        return Err(bad("name: 1 to 100 characters"));
    }
    let rate = b.rate.unwrap_or(0);
    let max_attempts = b.max_attempts.unwrap_or(5);
    if !(0..=1_000_000).contains(&rate) || !(1..=20).contains(&max_attempts) {
        return Err(bad("rate: 0 to 1000000; max_attempts: 1 to 20"));
    }
    let (pin_mode, pin, pin_length) = match (b.sec.needs_pin(), &b.pin, b.pin_length) {
        (false, None, None) => ("none", None, None),
        (false, _, _) => return Err(bad("netwpin takes no PIN")),
        (true, Some(pin), None) => {
            if omacp_sec::Pin::parse(pin).is_err() {
                return Err(bad("pin: not a valid PIN"));
            }
            ("given", Some(pin.as_str()), None)
        }
        (true, None, Some(n)) if (4..=16).contains(&n) => ("generated", None, Some(usize::from(n))),
        (true, None, Some(_)) => return Err(bad("pin_length: 4 to 16")),
        (true, Some(_), Some(_)) => return Err(bad("give pin or pin_length, not both")),
        (true, None, None) => {
            return Err(bad(
                "this SEC method needs pin (one for all) or pin_length (one per subscriber)",
            ));
        }
    };
    let profile = profiles::get(&st.store, p.tenant(), &b.profile_id).await?;
    let profile = p
        .found(st, "campaign.create", &b.profile_id, profile)
        .await?;
    let tenant = tenants::get(&st.store, p.tenant())
        .await?
        .ok_or(ApiError::Internal)?;
    // The scope is checked now (on the profile as it is today) and again per message.
    if let Err(e) = crate::template::check(&profile.template, &profile.variables, &tenant.scope) {
        p.audit(
            st,
            "campaign.create",
            Some(&profile.id),
            "denied",
            &e.to_string(),
        )
        .await?;
        return Err(e.into());
    }
    for k in b.vars.keys() {
        let declared = profile
            .variables
            .iter()
            .any(|v| &v.name == k && v.scope == crate::template::VarScope::Campaign);
        if !declared {
            return Err(ApiError::BadRequest(format!(
                "vars: {k:?} is not a campaign variable of the profile"
            )));
        }
    }
    let draft = Draft {
        tenant_id: p.tenant(),
        template: &profile.template,
        variables: &profile.variables,
        campaign_vars: &b.vars,
        sec: b.sec,
        pin,
        pin_length,
        scope: &tenant.scope,
        source: &st.config.campaign.source_addr,
    };
    let prepared = match prepare(&st.store, &draft, &b.audience).await {
        Ok(x) => x,
        Err(CreateError::Bad(m)) => return Err(ApiError::BadRequest(m)),
        Err(CreateError::Store(e)) => return Err(e.into()),
    };
    if prepared.messages.is_empty() {
        let why = prepared
            .skipped
            .first()
            .map(|s| format!(" (first: {} — {})", s.msisdn, s.reason))
            .unwrap_or_default();
        return Err(ApiError::BadRequest(format!(
            "no subscriber in the audience can receive this campaign{why}"
        )));
    }
    let c = cstore::create(
        &st.store,
        &NewCampaign {
            id: new_id("cmp"),
            tenant_id: p.tenant(),
            name: &b.name,
            profile: (&profile.id, &profile.name, profile.updated_at),
            template: &profile.template,
            variables: &profile.variables,
            campaign_vars: &b.vars,
            sec: b.sec,
            pin_mode,
            pin,
            rate,
            max_attempts,
            paused: b.paused,
            created_by: &p.actor(),
        },
        &prepared.messages,
    )
    .await?;
    p.audit(
        st,
        "campaign.create",
        Some(&c.id),
        "ok",
        &format!(
            "profile={} sec={} messages={} skipped={}",
            profile.id,
            b.sec.as_str(),
            c.total,
            prepared.skipped.len()
        ),
    )
    .await?;
    let skipped_count = prepared.skipped.len();
    let mut skipped = prepared.skipped;
    skipped.truncate(1000);
    Ok(Created {
        campaign: view(st, c).await?,
        skipped,
        skipped_count,
    })
}

/// A page of campaigns.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(PageQuery),
    responses((status = 200, body = Page<Campaign>)), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<Campaign>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Viewer, "campaign.list", None).await?;
    Ok(Json(
        cstore::list(&st.store, p.tenant(), q.cursor.as_deref(), q.limit()).await?,
    ))
}

async fn owned(st: &AppState, p: &Principal, action: &str, id: &str) -> Result<Campaign, ApiError> {
    let c = cstore::get(&st.store, p.tenant(), id).await?;
    p.found(st, action, id, c).await
}

/// One campaign with its progress.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    p.require(&st, Role::Viewer, "campaign.read", Some(&id))
        .await?;
    let c = owned(&st, &p, "campaign.read", &id).await?;
    Ok(Json(view(&st, c).await?))
}

/// `?state=&cursor=&limit=` for messages.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MessageQuery {
    /// Only messages in this state.
    pub state: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

/// A page of a campaign's messages.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/messages", tag = "campaigns",
    params(("id" = String, Path), MessageQuery),
    responses((status = 200, body = Page<MessageView>)), security(("bearer" = [])))]
pub async fn messages(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    q: Result<Query<MessageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<MessageView>>, ApiError> {
    let Query(q) = q?;
    p.require(&st, Role::Viewer, "campaign.read", Some(&id))
        .await?;
    owned(&st, &p, "campaign.read", &id).await?;
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            MsgState::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("state: unknown {s:?}")))?,
        ),
    };
    Ok(Json(
        cstore::messages(
            &st.store,
            &id,
            state,
            q.cursor.as_deref(),
            q.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// One point of the progress chart.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryPoint {
    /// Epoch ms.
    pub at: i64,
    /// The state messages entered.
    pub state: String,
    /// How many.
    pub n: i64,
}

/// The state-change history (for a progress chart: cumulative sums per state).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/history", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HistoryPoint>)), security(("bearer" = [])))]
pub async fn history(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryPoint>>, ApiError> {
    p.require(&st, Role::Viewer, "campaign.read", Some(&id))
        .await?;
    owned(&st, &p, "campaign.read", &id).await?;
    let h = cstore::history_of(&st.store, &id).await?;
    Ok(Json(
        h.into_iter()
            .map(|(at, state, n)| HistoryPoint { at, state, n })
            .collect(),
    ))
}

/// A generated PIN (or, for USERPINMAC, the PIN the code is derived from).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PinEntry {
    /// Message id.
    pub message_id: String,
    /// MSISDN.
    pub msisdn: String,
    /// The PIN to hand to the subscriber.
    pub pin: String,
}

/// The generated PINs, to hand out to subscribers (admins; every read is audited).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/pins", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PinEntry>)), security(("bearer" = [])))]
pub async fn pins(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<PinEntry>>, ApiError> {
    p.require(&st, Role::Admin, "campaign.pins", Some(&id))
        .await?;
    owned(&st, &p, "campaign.pins", &id).await?;
    let list = cstore::generated_pins(&st.store, &id).await?;
    p.audit(
        &st,
        "campaign.pins",
        Some(&id),
        "ok",
        &format!("{} PINs read", list.len()),
    )
    .await?;
    Ok(Json(
        list.into_iter()
            .map(|(message_id, msisdn, pin)| PinEntry {
                message_id,
                msisdn,
                pin,
            })
            .collect(),
    ))
}

async fn transition(
    st: &AppState,
    p: &Principal,
    id: &str,
    action: &str,
    from: &[CampaignState],
    to: CampaignState,
) -> Result<Json<CampaignView>, ApiError> {
    p.require(st, Role::Editor, action, Some(id)).await?;
    match cstore::transition(&st.store, p.tenant(), id, from, to).await? {
        None => return Err(p.missing(st, action, id).await),
        Some(false) => {
            return Err(ApiError::Conflict(format!(
                "campaign in this state cannot be {}",
                to.as_str()
            )));
        }
        Some(true) => {}
    }
    p.audit(st, action, Some(id), "ok", "").await?;
    st.campaigns.wake.notify_waiters();
    let c = owned(st, p, action, id).await?;
    Ok(Json(view(st, c).await?))
}

/// Pauses a running campaign: nothing new is sent; in-flight messages finish.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn pause(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    transition(
        &st,
        &p,
        &id,
        "campaign.pause",
        &[CampaignState::Running],
        CampaignState::Paused,
    )
    .await
}

/// Resumes a paused campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn resume(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    transition(
        &st,
        &p,
        &id,
        "campaign.resume",
        &[CampaignState::Paused],
        CampaignState::Running,
    )
    .await
}

/// Cancels a campaign: queued messages are cancelled; in-flight ones finish.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    transition(
        &st,
        &p,
        &id,
        "campaign.cancel",
        &[CampaignState::Running, CampaignState::Paused],
        CampaignState::Cancelled,
    )
    .await
}

/// A virtual handset of the sandbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HandsetView {
    /// Always true: this is the sandbox, not a phone.
    pub sandbox: bool,
    /// MSISDN.
    pub msisdn: String,
    /// What happened on it, oldest first (`[SANDBOX]`-marked lines).
    pub events: Vec<String>,
    /// Settings applied, oldest first: `(kind, sec, trust)` of each history entry.
    pub applied: Vec<AppliedView>,
}

/// One entry of a handset's settings history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppliedView {
    /// `init`, `apply` or `rollback`.
    pub kind: String,
    /// SEC method that authenticated it.
    pub sec: Option<String>,
    /// Trust class.
    pub trust: String,
    /// When, epoch ms.
    pub at: i64,
}

fn handset_view(
    sb: &omacp_sandbox::Sandbox,
    msisdn: &str,
    records: &[omacp_sandbox::Record],
) -> HandsetView {
    HandsetView {
        sandbox: true,
        msisdn: msisdn.to_owned(),
        events: records
            .iter()
            .filter(|r| r.msisdn == msisdn)
            .map(|r| r.to_string())
            .collect(),
        applied: sb
            .history(msisdn)
            .unwrap_or_default()
            .into_iter()
            .filter(|h| h.kind != "init")
            .map(|h| AppliedView {
                kind: h.kind,
                sec: h.sec,
                trust: h.trust,
                at: h.at_ms,
            })
            .collect(),
    }
}

async fn sandbox_of(st: &AppState) -> Result<&omacp_sandbox::Sandbox, ApiError> {
    st.campaigns
        .sandbox
        .get()
        .ok_or_else(|| ApiError::BadRequest("no sandbox: this server sends to real SMSCs".into()))
}

/// The sandbox's virtual handsets of the caller's subscribers, with what each received
/// and applied. Only when the server runs the embedded sandbox.
#[utoipa::path(get, path = "/api/v1/sandbox/handsets", tag = "sandbox",
    responses((status = 200, body = Vec<HandsetView>)), security(("bearer" = [])))]
pub async fn handsets(
    State(st): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<HandsetView>>, ApiError> {
    p.require(&st, Role::Viewer, "sandbox.read", None).await?;
    let sb = sandbox_of(&st).await?;
    let records = sb.records();
    let mut out = Vec::new();
    for m in sb.handsets() {
        // Only the caller's subscribers: the sandbox is shared by every tenant.
        if crate::store::subscribers::by_msisdn(&st.store, p.tenant(), &m)
            .await?
            .is_some()
        {
            out.push(handset_view(sb, &m, &records));
        }
    }
    Ok(Json(out))
}

/// One virtual handset.
#[utoipa::path(get, path = "/api/v1/sandbox/handsets/{msisdn}", tag = "sandbox", params(("msisdn" = String, Path)),
    responses((status = 200, body = HandsetView), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn handset(
    State(st): State<AppState>,
    p: Principal,
    Path(msisdn): Path<String>,
) -> Result<Json<HandsetView>, ApiError> {
    p.require(&st, Role::Viewer, "sandbox.read", Some(&msisdn))
        .await?;
    let sb = sandbox_of(&st).await?;
    let m = msisdn.trim_start_matches('+').to_owned();
    let mine = crate::store::subscribers::by_msisdn(&st.store, p.tenant(), &m)
        .await?
        .is_some();
    if !mine || !sb.handsets().contains(&m) {
        return Err(p.missing(&st, "sandbox.read", &msisdn).await);
    }
    Ok(Json(handset_view(sb, &m, &sb.records())))
}

/// `?k=<segment key>&t=<Kannel DLR type>` of a Kannel delivery report.
#[derive(Debug, Deserialize)]
pub struct DlrQuery {
    /// The segment's idempotency key (what the segment was recorded under).
    pub k: String,
    /// Kannel's DLR type: 1 delivered, 2 undelivered, 4 buffered, 8 SMSC accepted, 16 SMSC
    /// rejected.
    pub t: u32,
}

/// Kannel's `dlr-url` callback (no bearer token: the path carries the route's secret).
pub async fn kannel_dlr(
    State(st): State<AppState>,
    Path((route, secret)): Path<(String, String)>,
    q: Result<Query<DlrQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<StatusCode, ApiError> {
    use crate::campaign::apply::{self, Batch, Receipt, SegOutcome};
    use crate::campaign::config::RouteKind;
    use sha2::{Digest, Sha256};
    let Query(q) = q?;
    let r = st
        .config
        .campaign
        .smsc
        .iter()
        .find(|r| r.name == route && r.kind == RouteKind::Kannel)
        .ok_or(ApiError::NotFound)?;
    // Compared as digests: equal-length values whose comparison time says nothing.
    let want = Sha256::digest(crate::campaign::kannel::dlr_secret(r).as_bytes());
    if Sha256::digest(secret.as_bytes()) != want {
        return Err(ApiError::NotFound);
    }
    let outcome = match q.t {
        1 => SegOutcome::Delivered,
        2 | 16 => SegOutcome::Failed,
        _ => return Ok(StatusCode::OK),
    };
    let batch = Batch {
        receipts: vec![Receipt {
            route,
            smsc_id: q.k,
            outcome,
        }],
        ..Batch::default()
    };
    apply::apply(&st.store, "kannel-dlr", &batch).await?;
    Ok(StatusCode::OK)
}
