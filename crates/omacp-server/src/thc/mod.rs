//! The trusted HTTP context (CP 1.2 ProvBoot §5.3; design in docs/trusted-http-context.md).
//!
//! `GET /thc/{tenant}`: a device fetches its settings over the packet-data bearer. The
//! operator's gateway inserts the subscriber's MSISDN in a header; that header is believed
//! only when the TCP peer is inside a configured gateway network, otherwise the request is
//! refused (403) whatever headers it carries. The answer is the WBXML document with
//! `application/vnd.wap.connectivity-wbxml` (NETWPIN-signed when the profile asks and the
//! IMSI is known), a strong ETag (If-None-Match → 304), 404 for an unknown subscriber and
//! 429 over the per-subscriber or per-source rate. Responses come from `cache`.

pub mod cache;
pub mod ratelimit;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omacp_bearer::http::format_content_type;
use omacp_sec::{Credentials, Imsi, SecMethod, sign};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::store::{StoreError, profiles, subscribers, tenants};
use crate::template::{self, ThcSec};
use cache::{Cache, Rendered};
use ratelimit::RateLimiter;

/// The context's shared parts.
#[derive(Debug)]
pub struct Thc {
    /// Rendered responses.
    pub cache: Arc<Cache>,
    per_subscriber: RateLimiter,
    per_source: RateLimiter,
    header: axum::http::HeaderName,
    // Registered once: the hot path must not look counters up by name per request.
    served: metrics::Counter,
    not_modified: metrics::Counter,
}

impl Thc {
    /// From the configuration.
    pub fn new(cfg: &crate::config::ThcConfig) -> Thc {
        Thc {
            cache: Arc::new(Cache::default()),
            per_subscriber: RateLimiter::new(cfg.per_subscriber_rps, cfg.per_subscriber_burst),
            per_source: RateLimiter::new(cfg.per_source_rps, cfg.per_source_burst),
            header: cfg
                .msisdn_header
                .parse()
                .unwrap_or(axum::http::HeaderName::from_static("x-msisdn")),
            served: metrics::counter!("omacp_thc_requests_total", "outcome" => "served"),
            not_modified: metrics::counter!("omacp_thc_requests_total", "outcome" => "not_modified"),
        }
    }
}

/// The `/thc/{tenant}` route.
pub fn router() -> Router<AppState> {
    Router::new().route("/thc/{tenant}", get(fetch))
}

fn plain(status: StatusCode, code: &'static str, outcome: &'static str) -> Response {
    metrics::counter!("omacp_thc_requests_total", "outcome" => code).increment(1);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"code\":\"{code}\",\"message\":\"{outcome}\"}}"),
    )
        .into_response()
}

/// Digits only: `+49 155-50100` → `4915550100`. `None` if anything else is present.
pub fn normalize_msisdn(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let d: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    ((3..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)
}

async fn fetch(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> Response {
    // The request itself, not a `HeaderMap` extractor: that one clones every header.
    let headers = req.headers();
    let thc = &st.thc;
    let ip = peer.ip();
    if thc.per_source.enabled() && !thc.per_source.allow(&ip.to_string()) {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "source over its rate",
        );
    }
    if !st.config.thc.is_trusted(ip) {
        // The MSISDN header of an untrusted peer is never read: anyone can write it.
        return plain(
            StatusCode::FORBIDDEN,
            "untrusted_source",
            "untrusted source",
        );
    }
    let Some(msisdn) = headers
        .get(&thc.header)
        .and_then(|v| v.to_str().ok())
        .and_then(normalize_msisdn)
    else {
        return plain(
            StatusCode::BAD_REQUEST,
            "missing_msisdn",
            "missing or malformed MSISDN header",
        );
    };
    let slot = match thc.cache.slot(&st.store, &slug).await {
        Ok(Some(s)) => s,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "unknown_tenant", "unknown tenant"),
        Err(e) => {
            tracing::error!(error = %e, "THC tenant lookup failed");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "store unavailable",
            );
        }
    };
    if thc.per_subscriber.enabled() && !thc.per_subscriber.allow(&format!("{slug}/{msisdn}")) {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "subscriber over its rate",
        );
    }
    let rendered = match slot.get(&msisdn) {
        Some(r) => r,
        None => {
            let g = slot.generation();
            match render(&st.store, &slot.tenant_id, &msisdn).await {
                Ok(r) => {
                    let r = Arc::new(r);
                    slot.put(&msisdn, g, r.clone());
                    r
                }
                Err(e) => {
                    tracing::error!(error = %e, "THC render failed");
                    return plain(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "store unavailable",
                    );
                }
            }
        }
    };
    match &*rendered {
        Rendered::UnknownSubscriber => plain(
            StatusCode::NOT_FOUND,
            "unknown_subscriber",
            "unknown subscriber",
        ),
        Rendered::NoSettings => plain(
            StatusCode::NOT_FOUND,
            "no_settings",
            "no settings for this subscriber",
        ),
        Rendered::Found {
            etag,
            content_type,
            body,
        } => {
            if let Some(inm) = headers.get(header::IF_NONE_MATCH)
                && etag_matches(inm, etag)
            {
                thc.not_modified.increment(1);
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response();
            }
            thc.served.increment(1);
            let mut r = Response::new(Body::from(body.clone()));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, content_type.clone());
            h.insert(header::ETAG, etag.clone());
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            r
        }
    }
}

/// RFC 9110 §13.1.2: `*` or a list of entity tags; weak comparison is allowed here.
fn etag_matches(inm: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(inm) = inm.to_str() else { return false };
    let ours = etag.to_str().unwrap_or("");
    inm.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == ours)
}

/// Renders what `msisdn` is served now: the subscriber's profile filled with their
/// values, checked against the tenant's current scope, encoded and signed.
pub async fn render(
    st: &crate::store::Store,
    tenant_id: &str,
    msisdn: &str,
) -> Result<Rendered, StoreError> {
    let Some(sub) = subscribers::by_msisdn(st, tenant_id, msisdn).await? else {
        return Ok(Rendered::UnknownSubscriber);
    };
    let Some(pid) = &sub.profile_id else {
        return Ok(Rendered::NoSettings);
    };
    let (Some(profile), Some(tenant)) = (
        profiles::get(st, tenant_id, pid).await?,
        tenants::get(st, tenant_id).await?,
    ) else {
        return Ok(Rendered::NoSettings);
    };
    // Scope is checked again at send time: the tenant's scope may have shrunk since save.
    let doc = match template::render_for(&profile, &sub, &Default::default(), &tenant.scope) {
        Ok((_, doc)) => doc,
        Err(e) => {
            tracing::warn!(subscriber = %sub.id, profile = %profile.id, error = %e, "THC: profile cannot be served");
            return Ok(Rendered::NoSettings);
        }
    };
    let wbxml = omacp_wbxml::encode(&doc, &omacp_wbxml::EncodeOptions::default());
    let imsi = sub.imsi.as_deref().and_then(|i| Imsi::parse(i).ok());
    let mac = match (profile.thc_sec, &imsi) {
        (ThcSec::Netwpin, Some(imsi)) => {
            let creds = Credentials {
                imsi: Some(imsi),
                pin: None,
            };
            sign(SecMethod::NetwPin, &creds, &wbxml).ok()
        }
        _ => None,
    };
    let ct = format_content_type(mac.as_ref().map(|_| SecMethod::NetwPin), mac.as_ref());
    let mut h = Sha256::new();
    h.update(ct.as_bytes());
    h.update(&wbxml);
    let digest = h.finalize();
    let mut etag = String::from("\"");
    for b in &digest[..12] {
        etag.push_str(&format!("{b:02x}"));
    }
    etag.push('"');
    Ok(Rendered::Found {
        etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        content_type: HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static(
            "application/vnd.wap.connectivity-wbxml",
        )),
        body: Bytes::from(wbxml),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msisdn_normalisation() {
        assert_eq!(
            normalize_msisdn("+49 155-50100").as_deref(),
            Some("4915550100")
        );
        assert_eq!(normalize_msisdn("12"), None);
        assert_eq!(normalize_msisdn("123abc"), None);
    }

    #[test]
    fn if_none_match_lists() {
        let e = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(
            &HeaderValue::from_static("\"x\", W/\"abc\""),
            &e
        ));
        assert!(etag_matches(&HeaderValue::from_static("*"), &e));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &e));
    }
}
