//! Message drill-down: one campaign message, its SMS segments decoded (UDH, WSP push,
//! SEC/MAC, the WBXML as XML), and a pcap of the WDP datagram for Wireshark.
//!
//! The segments are the octets the sandbox's virtual handset received (the SMSC message
//! ids of the message pick them out of the sandbox's records), so the drill-down exists
//! when the server runs the embedded sandbox; with a real SMSC the page says that the
//! octets are not kept. Secret parameter values are shown as `<redacted>`, as everywhere
//! else a document is displayed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use omacp_bearer::pcap::{UdpFlow, udp_capture};
use omacp_bearer::wdp::Segment;
use omacp_bearer::wsp::{Media, PushPdu};
use omacp_doc::{Document, Node};

use super::{Chrome, WebError, WebUser, fmt_time, render};
use crate::AppState;
use crate::api::campaigns::{self as api, MessageQuery};
use crate::campaign::model::MessageView;
use crate::error::ApiError;

/// Most message pages scanned to find one message.
const SCAN_PAGES: usize = 40;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/campaigns/{id}/messages/{mid}", get(detail))
        .route("/ui/campaigns/{id}/messages/{mid}/pcap", get(pcap))
}

/// The campaign's message `mid` (404 when the campaign is not the caller's or has no
/// such message).
async fn find(st: &AppState, u: &WebUser, id: &str, mid: &str) -> Result<MessageView, WebError> {
    let mut cursor = None;
    for _ in 0..SCAN_PAGES {
        let q = MessageQuery {
            state: None,
            cursor: cursor.take(),
            limit: Some(500),
        };
        let Json(page) = api::messages(
            State(st.clone()),
            u.p.clone(),
            Path(id.to_string()),
            Ok(Query(q)),
        )
        .await?;
        if let Some(m) = page.items.into_iter().find(|m| m.id == mid) {
            return Ok(m);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Err(u.p.missing(st, "campaign.read", mid).await.into())
}

/// The user data of each segment the sandbox handset received for `m`, in order.
fn received(st: &AppState, m: &MessageView) -> Option<Vec<Vec<u8>>> {
    let sb = st.campaigns.sandbox.get()?;
    let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
    for r in sb.records() {
        if r.msisdn != m.msisdn {
            continue;
        }
        if let omacp_sandbox::Happened::Received {
            message_id,
            user_data,
            ..
        } = r.what
            && m.smsc_ids.contains(&message_id)
        {
            let seq = Segment::decode(&user_data)
                .ok()
                .and_then(|s| s.concat())
                .map_or(1, |c| c.seq);
            // A resent segment arrives twice: keep the first copy.
            if !out.iter().any(|(s, _)| *s == seq) {
                out.push((seq, user_data));
            }
        }
    }
    out.sort_by_key(|(s, _)| *s);
    Some(out.into_iter().map(|(_, u)| u).collect())
}

/// One segment as shown.
struct SegmentView {
    n: usize,
    octets: usize,
    udh: String,
    payload: usize,
    hex: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct Page {
    c: Chrome,
    campaign_id: String,
    m: MessageView,
    updated: String,
    sandbox: bool,
    segments: Vec<SegmentView>,
    push: Option<String>,
    xml: Option<String>,
    problem: Option<String>,
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The datagram the segments carry (their payloads in order), or why not.
fn datagram(parts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut d = Vec::new();
    let mut total = None;
    for u in parts {
        let s = Segment::decode(u).map_err(|e| format!("user data header: {e}"))?;
        if let Some(c) = s.concat() {
            total = Some(c.total);
        }
        d.extend_from_slice(s.payload);
    }
    match total {
        Some(t) if usize::from(t) != parts.len() => Err(format!(
            "{} of {t} segments were received; the datagram is incomplete",
            parts.len()
        )),
        _ => Ok(d),
    }
}

fn redact(doc: &mut Document) {
    fn walk(children: &mut [Node]) {
        for n in children {
            match n {
                Node::Parm(p) if omacp_doc::schema::is_secret_name(&p.name) => {
                    if p.value.is_some() {
                        p.value = Some("<redacted>".into());
                    }
                }
                Node::Characteristic(c) => walk(&mut c.children),
                Node::Parm(_) => {}
            }
        }
    }
    for c in &mut doc.characteristics {
        walk(&mut c.children);
    }
}

async fn detail(
    State(st): State<AppState>,
    u: WebUser,
    Path((id, mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let m = find(&st, &u, &id, &mid).await?;
    let parts = received(&st, &m);
    let mut page = Page {
        c: u.chrome(&format!("Message to {}", m.msisdn), "campaigns"),
        campaign_id: id,
        updated: fmt_time(m.updated_at),
        sandbox: parts.is_some(),
        segments: Vec::new(),
        push: None,
        xml: None,
        problem: None,
        m,
    };
    let parts = parts.unwrap_or_default();
    for (i, ud) in parts.iter().enumerate() {
        let (udh, payload) = match Segment::decode(ud) {
            Ok(s) => {
                let mut d = Vec::new();
                if let Some(p) = s.ports() {
                    d.push(format!("ports {} → {}", p.src, p.dst));
                }
                if let Some(c) = s.concat() {
                    d.push(format!(
                        "part {} of {}, reference {}",
                        c.seq, c.total, c.reference
                    ));
                }
                (d.join("; "), s.payload.len())
            }
            Err(e) => (format!("undecodable: {e}"), 0),
        };
        page.segments.push(SegmentView {
            n: i + 1,
            octets: ud.len(),
            udh,
            payload,
            hex: hex(ud),
        });
    }
    if !parts.is_empty() {
        match datagram(&parts) {
            Ok(d) => match PushPdu::decode(&d) {
                Ok(push) => {
                    let media = match push.content_type.media {
                        Media::WellKnown(c) => format!("well-known 0x{c:02x}"),
                        Media::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    };
                    let sec = push
                        .content_type
                        .sec()
                        .and_then(|s| s.name())
                        .unwrap_or("none");
                    let mac = push
                        .content_type
                        .mac()
                        .map(|m| String::from_utf8_lossy(m).into_owned())
                        .unwrap_or_else(|| "-".into());
                    page.push = Some(format!(
                        "TID {}, content type {media}, SEC {sec}, MAC {mac}, {} octets of WBXML",
                        push.tid,
                        push.body.len()
                    ));
                    match omacp_wbxml::decode(push.body, &omacp_wbxml::DecodeOptions::default()) {
                        Ok(mut dec) => {
                            redact(&mut dec.document);
                            page.xml = Some(omacp_doc::xml::to_string(&dec.document));
                        }
                        Err(e) => page.problem = Some(format!("WBXML: {e}")),
                    }
                }
                Err(e) => page.problem = Some(format!("WSP push: {e}")),
            },
            Err(e) => page.problem = Some(e),
        }
    }
    Ok(render(&page))
}

async fn pcap(
    State(st): State<AppState>,
    u: WebUser,
    Path((id, mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let m = find(&st, &u, &id, &mid).await?;
    let parts = received(&st, &m).unwrap_or_default();
    if parts.is_empty() {
        return Err(ApiError::NotFound.into());
    }
    let d = datagram(&parts).map_err(ApiError::BadRequest)?;
    let bytes = udp_capture(&[&d], &UdpFlow::default()).map_err(|_| ApiError::Internal)?;
    let name = format!(
        "attachment; filename=\"{}.pcap\"",
        mid.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.tcpdump.pcap".to_string(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}
