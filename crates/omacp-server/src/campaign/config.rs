//! The `[campaign]` configuration section: SMSC routes and the runner's knobs.

use std::net::SocketAddr;

use serde::Deserialize;

/// How a route reaches the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// An SMPP 3.4 SMSC (`smpp://system_id:password@host:port`).
    #[default]
    Smpp,
    /// Kannel's smsbox `sendsms` (`http://user:pass@host:port/cgi-bin/sendsms`).
    Kannel,
}

/// One SMSC connection (`[[campaign.smsc]]`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmscRoute {
    /// Name (stored with every segment: receipts are matched per route).
    pub name: String,
    /// `smpp` (default) or `kannel`.
    #[serde(default, rename = "type")]
    pub kind: RouteKind,
    /// `smpp://system_id:password@host:port`, or the sendsms URL for Kannel.
    pub url: String,
    /// Tenant slugs sent through this route; empty: the default route for all others.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Outstanding submit_sm per connection.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Segments per second on this connection (0: unlimited).
    #[serde(default)]
    pub rate: u64,
    /// For Kannel: the URL Kannel calls with delivery reports (this server's
    /// `/api/v1/kannel/dlr`, reachable from Kannel).
    #[serde(default)]
    pub dlr_url: Option<String>,
}

fn default_window() -> usize {
    64
}

impl std::fmt::Debug for SmscRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmscRoute")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &redact(&self.url))
            .field("tenants", &self.tenants)
            .field("window", &self.window)
            .field("rate", &self.rate)
            .finish()
    }
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `[campaign]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignConfig {
    /// Run the delivery loop in this process (API-only processes set false).
    pub runner: bool,
    /// SMSC routes. None: the embedded sandbox SMSC is started and used.
    pub smsc: Vec<SmscRoute>,
    /// Where the sandbox SMSC listens (port 0: any free port).
    pub sandbox_listen: SocketAddr,
    /// A claimed message is requeued when its lease expires (its process died).
    pub lease_secs: u64,
    /// Messages claimed per batch.
    pub batch: i64,
    /// Messages per second per tenant, across its campaigns (0: unlimited), per process.
    pub tenant_rate: u64,
    /// An accepted message without a final receipt after this long is `expired`.
    pub receipt_timeout_secs: u64,
    /// source_addr of the pushes.
    pub source_addr: String,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            runner: true,
            smsc: Vec::new(),
            sandbox_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            lease_secs: 30,
            batch: 500,
            tenant_rate: 0,
            receipt_timeout_secs: 24 * 3600,
            source_addr: "omacp".into(),
        }
    }
}
