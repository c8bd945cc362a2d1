//! SMSC routes: one SMPP client per configured `[[campaign.smsc]]`, or, when none is
//! configured, the embedded sandbox SMSC (clearly marked) with one client bound to it.

use std::net::SocketAddr;
use std::time::Duration;

use omacp_sandbox::{MARK, Sandbox};
use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::EsmeConfig;
use omacp_smpp::smsc::SmscConfig;
use tokio::sync::mpsc;

use super::Hub;
use super::config::{CampaignConfig, RouteKind, SmscRoute, redact};
use super::kannel::KannelSender;

/// Why routes could not start.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// A route's URL is not usable (the text never includes the password).
    #[error("route {route}: {message}")]
    Config {
        /// The route.
        route: String,
        /// What is wrong.
        message: String,
    },
    /// The sandbox failed to start.
    #[error("sandbox: {0}")]
    Sandbox(#[from] omacp_sandbox::SandboxError),
    /// Binding the sandbox's port failed.
    #[error("sandbox listen: {0}")]
    Io(#[from] std::io::Error),
}

/// A started route.
#[derive(Debug)]
pub struct Route {
    /// Name (stored with segments).
    pub name: String,
    /// Tenant slugs (empty: default route).
    pub tenants: Vec<String>,
    /// How segments leave.
    pub client: Sender,
    /// Segments per second (0: unlimited).
    pub rate: u64,
    /// Window of the connection.
    pub window: usize,
    /// True for the embedded sandbox.
    pub sandbox: bool,
}

/// A route's gateway.
#[derive(Debug, Clone)]
pub enum Sender {
    /// An SMPP 3.4 session.
    Smpp(Client),
    /// Kannel's sendsms.
    Kannel(KannelSender),
}

impl Sender {
    /// Queues one segment; its fate arrives on the events channel under `key`.
    pub fn submit(
        &self,
        key: u64,
        sm: omacp_smpp::pdu::Sm,
    ) -> Result<(), omacp_smpp::client::Stopped> {
        match self {
            Sender::Smpp(c) => c.submit(key, sm),
            Sender::Kannel(k) => k.submit(key, sm),
        }
    }
}

/// The parts of `smpp://system_id:password@host:port`.
pub struct SmppUrl {
    /// system_id.
    pub system_id: String,
    /// password.
    pub password: String,
    /// `host:port`.
    pub addr: String,
}

/// Parses an `smpp://` URL (`%XX` escapes allowed in the credentials).
pub fn parse_smpp_url(url: &str) -> Result<SmppUrl, String> {
    let rest = url
        .strip_prefix("smpp://")
        .ok_or("the URL must start with smpp://")?;
    let (userinfo, hostport) = rest
        .rsplit_once('@')
        .ok_or("expected system_id:password@host:port")?;
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let hostport = hostport.trim_end_matches('/');
    if !hostport
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
    {
        return Err("host:port expected after @".into());
    }
    Ok(SmppUrl {
        system_id: unescape(user).ok_or("bad %-escape in system_id")?,
        password: unescape(pass).ok_or("bad %-escape in password")?,
        addr: hostport.into(),
    })
}

/// Decodes `%XX` escapes.
pub(crate) fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn smpp_client(
    r: &SmscRoute,
    tx: &mpsc::UnboundedSender<(usize, ClientEvent)>,
    index: usize,
) -> Result<Client, RouteError> {
    let bad = |message: String| RouteError::Config {
        route: r.name.clone(),
        message,
    };
    let u = parse_smpp_url(&r.url).map_err(bad)?;
    let mut cfg = EsmeConfig::new(&u.system_id, &u.password);
    cfg.window = r.window.max(1);
    cfg.max_backoff = Duration::from_secs(2);
    let (client, mut events) =
        Client::start(u.addr, cfg, Reconnect::default()).map_err(|e| bad(e.to_string()))?;
    let tx = tx.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            if tx.send((index, e)).is_err() {
                break;
            }
        }
    });
    Ok(client)
}

/// Starts every configured route, or the sandbox and a route to it. Events of all routes
/// arrive on the returned channel, tagged with the route's index.
pub async fn start(
    cfg: &CampaignConfig,
    hub: &Hub,
) -> Result<(Vec<Route>, mpsc::UnboundedReceiver<(usize, ClientEvent)>), RouteError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut routes = Vec::new();
    if cfg.smsc.is_empty() {
        let listener = tokio::net::TcpListener::bind(cfg.sandbox_listen).await?;
        let sb = Sandbox::start(listener, SmscConfig::new("omacp-sandbox", Vec::new()), &[])?;
        let addr: SocketAddr = sb.local_addr();
        tracing::warn!(
            %addr,
            "{MARK} no SMSC configured: campaigns go to the embedded sandbox SMSC and its virtual handsets; nothing reaches a real phone"
        );
        let _ = hub.sandbox.set(sb);
        let r = SmscRoute {
            name: "sandbox".into(),
            kind: RouteKind::Smpp,
            url: format!("smpp://omacp:sandbox@{addr}"),
            tenants: Vec::new(),
            window: 64,
            rate: 0,
            dlr_url: None,
        };
        let client = Sender::Smpp(smpp_client(&r, &tx, 0)?);
        routes.push(Route {
            name: r.name,
            tenants: Vec::new(),
            client,
            rate: 0,
            window: r.window,
            sandbox: true,
        });
        return Ok((routes, rx));
    }
    for (i, r) in cfg.smsc.iter().enumerate() {
        let client = match r.kind {
            RouteKind::Smpp => Sender::Smpp(smpp_client(r, &tx, i)?),
            RouteKind::Kannel => {
                Sender::Kannel(super::kannel::start(r, i, tx.clone()).map_err(|message| {
                    RouteError::Config {
                        route: r.name.clone(),
                        message,
                    }
                })?)
            }
        };
        tracing::info!(route = %r.name, url = %redact(&r.url), "SMSC route");
        routes.push(Route {
            name: r.name.clone(),
            tenants: r.tenants.clone(),
            client,
            rate: r.rate,
            window: r.window,
            sandbox: false,
        });
    }
    Ok((routes, rx))
}

/// The route for a tenant: the first naming its slug, else the first default route.
pub fn pick<'a>(routes: &'a [Route], slug: &str) -> Option<(usize, &'a Route)> {
    routes
        .iter()
        .enumerate()
        .find(|(_, r)| r.tenants.iter().any(|t| t == slug))
        .or_else(|| {
            routes
                .iter()
                .enumerate()
                .find(|(_, r)| r.tenants.is_empty())
        })
}
