//! Kannel as a gateway: each segment goes to smsbox's `sendsms` as binary UDH + data
//! (`coding=1`), with a `dlr-url` pointing back at this server
//! (`/api/v1/kannel/dlr/{route}/{secret}?k=<key>&t=%d`). Kannel returns no SMSC message
//! id, so a segment is recorded under its idempotency key (`<message id>/<seq>`) and the
//! delivery report names that key.
//!
//! The sender reports outcomes as the SMPP client does ([`ClientEvent`]s on the runner's
//! channel), so the runner treats both gateways alike. The HTTP client is a minimal
//! HTTP/1.0 `GET` over a plain socket (smsbox speaks it; no TLS).

use std::sync::Arc;
use std::time::Duration;

use omacp_smpp::client::ClientEvent;
use omacp_smpp::esme::{Event, FailReason, Key};
use omacp_smpp::pdu::Sm;
use omacp_smpp::status::Status;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};

use super::build::TLV_IDEMPOTENCY_KEY;
use super::config::SmscRoute;

/// A running Kannel sender.
#[derive(Debug, Clone)]
pub struct KannelSender {
    tx: mpsc::UnboundedSender<(Key, Box<Sm>)>,
}

impl KannelSender {
    /// Queues a segment.
    pub fn submit(&self, key: Key, sm: Sm) -> Result<(), omacp_smpp::client::Stopped> {
        self.tx
            .send((key, Box::new(sm)))
            .map_err(|_| omacp_smpp::client::Stopped)
    }
}

/// The secret in a route's `dlr-url`: derived from the route's URL (which holds the
/// Kannel password), so every process with the same configuration accepts the same
/// callbacks, and nobody without the configuration can forge one.
pub fn dlr_secret(route: &SmscRoute) -> String {
    let d = Sha256::digest(format!("omacp-kannel-dlr\0{}\0{}", route.name, route.url));
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

struct Target {
    hostport: String,
    path: String,
    user: String,
    pass: String,
}

fn parse(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("a Kannel route's url must be http://user:pass@host:port/cgi-bin/sendsms")?;
    let (userinfo, rest) = rest
        .rsplit_once('@')
        .ok_or("the Kannel url needs user:pass@ (a sendsms-user)")?;
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/cgi-bin/sendsms"),
    };
    Ok(Target {
        hostport: hostport.into(),
        path: path.into(),
        user: super::route::unescape(user).ok_or("bad %-escape in the user")?,
        pass: super::route::unescape(pass).ok_or("bad %-escape in the password")?,
    })
}

/// `%XX` for everything but unreserved characters.
fn enc(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Starts a sender for `route`; outcomes go to `events` tagged with `index`.
pub fn start(
    route: &SmscRoute,
    index: usize,
    events: mpsc::UnboundedSender<(usize, ClientEvent)>,
) -> Result<KannelSender, String> {
    let t = Arc::new(parse(&route.url)?);
    let base = route
        .dlr_url
        .clone()
        .ok_or("a Kannel route needs dlr_url (this server's base URL as Kannel reaches it)")?;
    let dlr = Arc::new(format!(
        "{}/api/v1/kannel/dlr/{}/{}",
        base.trim_end_matches('/'),
        route.name,
        dlr_secret(route)
    ));
    let (tx, mut rx) = mpsc::unbounded_channel::<(Key, Box<Sm>)>();
    let window = Arc::new(Semaphore::new(route.window.max(1)));
    tokio::spawn(async move {
        while let Some((key, sm)) = rx.recv().await {
            let Ok(permit) = Arc::clone(&window).acquire_owned().await else {
                break;
            };
            let (t, dlr, events) = (Arc::clone(&t), Arc::clone(&dlr), events.clone());
            tokio::spawn(async move {
                let e = send(&t, &dlr, key, &sm).await;
                drop(permit);
                let _ = events.send((index, ClientEvent::Session(e)));
            });
        }
    });
    Ok(KannelSender { tx })
}

async fn send(t: &Target, dlr: &str, key: Key, sm: &Sm) -> Event {
    let idem = sm
        .tlvs
        .get(TLV_IDEMPOTENCY_KEY)
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .unwrap_or_default();
    let ud = &sm.short_message;
    let udh_len = if sm.esm_class & 0x40 != 0 {
        ud.first().map_or(0, |l| usize::from(*l) + 1).min(ud.len())
    } else {
        0
    };
    let dlr_url = format!("{dlr}?k={}&t=%d", enc(idem.as_bytes()));
    let query = format!(
        "username={}&password={}&from={}&to={}&udh={}&text={}&coding=1&dlr-mask=19&dlr-url={}",
        enc(t.user.as_bytes()),
        enc(t.pass.as_bytes()),
        enc(sm.source_addr.as_bytes()),
        enc(sm.destination_addr.as_bytes()),
        enc(&ud[..udh_len]),
        enc(&ud[udh_len..]),
        enc(dlr_url.as_bytes()),
    );
    let mut wait = Duration::from_millis(200);
    let mut last = Status::SYSTEM_ERROR;
    for _ in 0..4 {
        match get(&t.hostport, &format!("{}?{query}", t.path)).await {
            Ok(202) | Ok(200) => {
                return Event::Accepted {
                    key,
                    message_id: idem,
                };
            }
            // Kannel's own refusals (bad number, bad credentials): retrying will not help.
            Ok(s) if (400..500).contains(&s) && s != 429 => {
                return Event::Failed {
                    key,
                    status: Status::SUBMIT_FAILED,
                    reason: FailReason::Permanent,
                };
            }
            Ok(_) => last = Status::MESSAGE_QUEUE_FULL,
            Err(_) => last = Status::SYSTEM_ERROR,
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    Event::Failed {
        key,
        status: last,
        reason: FailReason::AttemptsExhausted,
    }
}

async fn get(hostport: &str, path_query: &str) -> std::io::Result<u16> {
    let mut s = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(hostport))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let req = format!("GET {path_query} HTTP/1.0\r\nHost: {hostport}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(256);
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let line = buf.split(|b| *b == b'\n').next().unwrap_or_default();
    std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_escapes() {
        let t = parse("http://omacp:p%40ss@127.0.0.1:13013/cgi-bin/sendsms").unwrap();
        assert_eq!(
            (t.hostport.as_str(), t.path.as_str()),
            ("127.0.0.1:13013", "/cgi-bin/sendsms")
        );
        assert_eq!(enc(&[0x06, b'a', b' ']), "%06a%20");
        assert!(parse("https://x").is_err());
    }
}
