//! `omacp send`: sign and segment one push (the same builder as `omacp push`) and submit
//! it to an SMSC over SMPP 3.4, optionally waiting for the delivery receipts.
//!
//! The password in the `smpp://` URL is never printed: errors and output name only the
//! system_id, host and port.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::{CloseReason, EsmeConfig, Event, FailReason};
use omacp_smpp::pdu::BindKind;
use omacp_smpp::push::{PushCoding, PushSubmit, SmppAddress};
use omacp_smpp::receipt::MessageState;

use super::Exit;
use crate::args::SendArgs;

/// A parsed `smpp://user:pass@host:port`.
pub(crate) struct SmppUrl {
    /// system_id.
    pub system_id: String,
    /// password (never printed).
    pub password: String,
    /// `host:port`.
    pub addr: String,
}

impl std::fmt::Debug for SmppUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "smpp://{}:<redacted>@{}", self.system_id, self.addr)
    }
}

/// Parses the URL; `%XX` escapes in the user and password are decoded. Errors never
/// repeat the URL (it holds the password).
pub(crate) fn parse_url(url: &str) -> anyhow::Result<SmppUrl> {
    let rest = url
        .strip_prefix("smpp://")
        .context("--smpp must start with smpp://")?;
    let (userinfo, hostport) = rest
        .rsplit_once('@')
        .context("--smpp needs system_id:password@host:port")?;
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let hostport = hostport.trim_end_matches('/');
    let port_ok = hostport
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
    if !port_ok {
        bail!("--smpp: host:port expected after @");
    }
    Ok(SmppUrl {
        system_id: percent_decode(user).context("--smpp system_id")?,
        password: percent_decode(pass).context("--smpp password")?,
        addr: hostport.to_owned(),
    })
}

fn percent_decode(s: &str) -> anyhow::Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .context("bad %-escape")?;
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("not UTF-8")
}

/// Runs `omacp send`.
pub fn run(a: SendArgs) -> anyhow::Result<Exit> {
    let url = parse_url(&a.smpp)?;
    let Some(built) = super::push::build(&a.doc, &a.sign)? else {
        return Ok(Exit::Invalid);
    };
    let opts = super::push::segment_options(&a.seg, &built.pdu);
    let mut p = PushSubmit::new(SmppAddress::source(&a.from), &a.to);
    p.coding = if a.data_coding == "04" {
        PushCoding::Binary
    } else {
        PushCoding::BinaryClass1
    };
    p.receipt = !a.no_dlr;
    p.service_type = a.service_type.clone();
    let sms = p.submits(&built.pdu, &opts)?;

    let mut cfg = EsmeConfig::new(&url.system_id, &url.password);
    cfg.system_type = a.system_type.clone();
    cfg.bind = if a.transmitter {
        BindKind::Transmitter
    } else {
        BindKind::Transceiver
    };
    cfg.window = 10;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let n = sms.len();
    let outcome = rt.block_on(async move {
        let reconnect = Reconnect {
            max_failures: 3,
            ..Reconnect::default()
        };
        let (client, mut events) =
            Client::start(url.addr.clone(), cfg, reconnect).context("--smpp")?;
        for (i, sm) in sms.into_iter().enumerate() {
            client.submit(i as u64, sm)?;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(a.timeout);
        let mut o = Outcome::default();
        loop {
            let done_submitting = o.accepted.len() + o.failed.len() == n;
            let done_receipts = !a.wait_dlr
                || o.accepted
                    .values()
                    .all(|id| o.receipts.get(id).is_some_and(|s| s.is_final()));
            if done_submitting && done_receipts {
                break;
            }
            let Ok(e) = tokio::time::timeout_at(deadline, events.recv()).await else {
                o.timed_out = true;
                break;
            };
            match e {
                None | Some(ClientEvent::Stopped) => break,
                Some(ClientEvent::Session(Event::Bound { system_id })) => {
                    eprintln!("omacp: bound to {} as {}", system_id, url.system_id)
                }
                Some(ClientEvent::Session(Event::Accepted { key, message_id })) => {
                    o.accepted.insert(key, message_id);
                }
                Some(ClientEvent::Session(Event::Failed {
                    key,
                    status,
                    reason,
                })) => {
                    let why = match reason {
                        FailReason::NotSent => format!("not sent ({status})"),
                        _ => status.to_string(),
                    };
                    o.failed.insert(key, why);
                }
                Some(ClientEvent::Session(Event::Retrying { key, status, .. })) => {
                    eprintln!("omacp: segment {}: {status}, retrying", key + 1)
                }
                Some(ClientEvent::Session(Event::Receipt(r))) => {
                    o.receipts.insert(r.message_id, r.state);
                }
                Some(ClientEvent::Session(Event::Closed { reason, .. })) => match reason {
                    CloseReason::BindRefused(s) => eprintln!("omacp: bind refused: {s}"),
                    other => eprintln!("omacp: SMPP session closed: {other:?}"),
                },
                Some(ClientEvent::ConnectFailed { error, retry_in }) => eprintln!(
                    "omacp: connecting to {}: {error}; retrying in {retry_in:?}",
                    url.addr
                ),
                Some(_) => {}
            }
        }
        client.close();
        // Let the unbind go out (bounded: the answer is not needed).
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(e) = events.recv().await {
                if e == ClientEvent::Stopped {
                    break;
                }
            }
        })
        .await;
        anyhow::Ok(o)
    })?;
    report(&a, n, &outcome)
}

#[derive(Debug, Default)]
struct Outcome {
    accepted: BTreeMap<u64, String>,
    failed: BTreeMap<u64, String>,
    receipts: BTreeMap<String, MessageState>,
    timed_out: bool,
}

fn report(a: &SendArgs, n: usize, o: &Outcome) -> anyhow::Result<Exit> {
    let state_of = |id: &String| o.receipts.get(id).map(|s| s.stat());
    let all_accepted = o.accepted.len() == n;
    let all_delivered = o
        .accepted
        .values()
        .all(|id| o.receipts.get(id) == Some(&MessageState::Delivered));
    if a.json {
        let segs: Vec<_> = (0..n as u64)
            .map(|k| {
                serde_json::json!({
                    "segment": k + 1,
                    "message_id": o.accepted.get(&k),
                    "error": o.failed.get(&k),
                    "receipt": o.accepted.get(&k).and_then(state_of),
                })
            })
            .collect();
        let v = serde_json::json!({
            "to": a.to,
            "segments": segs,
            "accepted": all_accepted,
            "delivered": a.wait_dlr.then_some(all_delivered),
            "timed_out": o.timed_out,
        });
        println!("{v}");
    } else {
        for k in 0..n as u64 {
            match (o.accepted.get(&k), o.failed.get(&k)) {
                (Some(id), _) => match state_of(id) {
                    Some(st) => println!("segment {}/{n}: message_id {id} {st}", k + 1),
                    None => println!("segment {}/{n}: message_id {id}", k + 1),
                },
                (None, Some(e)) => println!("segment {}/{n}: FAILED {e}", k + 1),
                (None, None) => println!("segment {}/{n}: no answer", k + 1),
            }
        }
    }
    if o.timed_out {
        eprintln!("omacp: timed out after {} s", a.timeout);
    }
    if !all_accepted || (a.wait_dlr && !all_delivered) {
        return Ok(Exit::Invalid);
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parsing_keeps_the_password_out_of_debug() {
        let u = parse_url("smpp://omacp:s%40cret@127.0.0.1:2775").unwrap();
        assert_eq!(
            (u.system_id.as_str(), u.password.as_str(), u.addr.as_str()),
            ("omacp", "s@cret", "127.0.0.1:2775")
        );
        assert!(!format!("{u:?}").contains("cret"));
        let e = parse_url("smpp://omacp:hunter2@host").unwrap_err();
        assert!(!format!("{e:#}").contains("hunter2"));
        assert!(parse_url("http://a:b@h:1").is_err());
    }
}
