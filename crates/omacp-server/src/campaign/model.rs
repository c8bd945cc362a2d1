//! Campaign and message records, their states, and the SEC choices a campaign can make.

use std::collections::BTreeMap;

use omacp_sec::SecMethod;
use serde::{Deserialize, Serialize};

use crate::template::Variable;

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CampaignState {
    /// Messages are being sent.
    Running,
    /// No new message is claimed; in-flight ones finish.
    Paused,
    /// Queued messages were cancelled; in-flight ones finish.
    Cancelled,
    /// Every message reached a final state.
    Done,
}

impl CampaignState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Running => "running",
            CampaignState::Paused => "paused",
            CampaignState::Cancelled => "cancelled",
            CampaignState::Done => "done",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<CampaignState> {
        [
            CampaignState::Running,
            CampaignState::Paused,
            CampaignState::Cancelled,
            CampaignState::Done,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Where one message stands. `queued → submitted → accepted → delivered | failed |
/// expired`; `queued → cancelled`; a temporary failure goes back to `queued` with a delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MsgState {
    /// Waiting in the queue (possibly until `next_at`).
    Queued,
    /// Claimed by a process (under a lease); submit_sm sent or about to be.
    Submitted,
    /// The SMSC accepted every segment (each has an SMSC message id).
    Accepted,
    /// Every segment was delivered.
    Delivered,
    /// Refused by the SMSC or the handset, or temporary errors on every attempt.
    Failed,
    /// No final receipt in time, or the SMSC reported it expired.
    Expired,
    /// Cancelled before it was sent.
    Cancelled,
}

/// Every message state, in order.
pub const MSG_STATES: [MsgState; 7] = [
    MsgState::Queued,
    MsgState::Submitted,
    MsgState::Accepted,
    MsgState::Delivered,
    MsgState::Failed,
    MsgState::Expired,
    MsgState::Cancelled,
];

impl MsgState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgState::Queued => "queued",
            MsgState::Submitted => "submitted",
            MsgState::Accepted => "accepted",
            MsgState::Delivered => "delivered",
            MsgState::Failed => "failed",
            MsgState::Expired => "expired",
            MsgState::Cancelled => "cancelled",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<MsgState> {
        MSG_STATES.into_iter().find(|m| m.as_str() == s)
    }
    /// No further change happens.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MsgState::Delivered | MsgState::Failed | MsgState::Expired | MsgState::Cancelled
        )
    }
}

/// The SEC method of a campaign (security.md §3). Unsigned campaigns are not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sec {
    /// Keyed by each subscriber's IMSI.
    Netwpin,
    /// Keyed by IMSI and a PIN.
    Usernetwpin,
    /// Keyed by a PIN.
    Userpin,
    /// Keyed by a PIN; the user types a code derived from it and the document.
    Userpinmac,
}

impl Sec {
    /// The omacp-sec method.
    pub fn method(self) -> SecMethod {
        match self {
            Sec::Netwpin => SecMethod::NetwPin,
            Sec::Usernetwpin => SecMethod::UserNetwPin,
            Sec::Userpin => SecMethod::UserPin,
            Sec::Userpinmac => SecMethod::UserPinMac,
        }
    }
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sec::Netwpin => "netwpin",
            Sec::Usernetwpin => "usernetwpin",
            Sec::Userpin => "userpin",
            Sec::Userpinmac => "userpinmac",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Sec> {
        [
            Sec::Netwpin,
            Sec::Usernetwpin,
            Sec::Userpin,
            Sec::Userpinmac,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    /// Does it need the subscriber's IMSI?
    pub fn needs_imsi(self) -> bool {
        matches!(self, Sec::Netwpin | Sec::Usernetwpin)
    }
    /// Does it need a PIN?
    pub fn needs_pin(self) -> bool {
        !matches!(self, Sec::Netwpin)
    }
}

/// A stored campaign as the API shows it (never with a PIN).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    /// Id (`cmp_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// The profile it was made from.
    pub profile_id: String,
    /// The profile's name at creation.
    pub profile_name: String,
    /// The profile version sent (its `updated_at` at creation; the template was copied).
    pub profile_version: i64,
    /// SEC method.
    pub sec: Sec,
    /// `generated` (a PIN per subscriber), `given` (one PIN for all) or `none`.
    pub pin_mode: String,
    /// Messages per second (0: unlimited).
    pub rate: i64,
    /// Attempts per message before a temporary error is final.
    pub max_attempts: i64,
    /// State.
    pub state: CampaignState,
    /// Number of messages.
    pub total: i64,
    /// Who created it.
    pub created_by: String,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// When it finished, epoch ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
}

/// What the runner needs of a campaign (includes the secret PIN; never serialised).
#[derive(Clone)]
pub struct Spec {
    /// Id.
    pub id: String,
    /// Tenant.
    pub tenant_id: String,
    /// The template snapshot.
    pub template: String,
    /// Its variables.
    pub variables: Vec<Variable>,
    /// Campaign-scoped variable values.
    pub campaign_vars: BTreeMap<String, String>,
    /// SEC method.
    pub sec: Sec,
    /// The one PIN for every subscriber (`given` mode).
    pub pin: Option<String>,
    /// Messages per second (0: unlimited).
    pub rate: i64,
    /// Attempts per message.
    pub max_attempts: i64,
    /// State.
    pub state: CampaignState,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("id", &self.id)
            .field("sec", &self.sec)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A claimed message (includes a generated PIN; never serialised).
#[derive(Clone)]
pub struct Claimed {
    /// Id (`<campaign id>.<n>`).
    pub id: String,
    /// Campaign.
    pub campaign_id: String,
    /// MSISDN.
    pub msisdn: String,
    /// IMSI.
    pub imsi: Option<String>,
    /// IMEI.
    pub imei: Option<String>,
    /// Subscriber variables (snapshot).
    pub vars: BTreeMap<String, String>,
    /// Generated PIN.
    pub pin: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

// The opened PINs are wiped when the runner is done with them (docs/secrets-at-rest.md).
impl Drop for Spec {
    fn drop(&mut self) {
        if let Some(p) = self.pin.as_mut() {
            zeroize::Zeroize::zeroize(p);
        }
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        if let Some(p) = self.pin.as_mut() {
            zeroize::Zeroize::zeroize(p);
        }
    }
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("id", &self.id)
            .field("msisdn", &self.msisdn)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A message as the API lists it (no PIN).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// Id.
    pub id: String,
    /// Subscriber id.
    pub subscriber_id: String,
    /// MSISDN.
    pub msisdn: String,
    /// State.
    pub state: MsgState,
    /// SMS segments (0 until first built).
    pub segments: i64,
    /// Attempts so far.
    pub attempts: i64,
    /// Last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// SMSC message ids of the accepted segments.
    pub smsc_ids: Vec<String>,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// Message counts per state.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Waiting.
    pub queued: i64,
    /// Claimed / in flight.
    pub submitted: i64,
    /// Accepted by the SMSC, waiting for receipts.
    pub accepted: i64,
    /// Delivered.
    pub delivered: i64,
    /// Failed.
    pub failed: i64,
    /// Expired.
    pub expired: i64,
    /// Cancelled.
    pub cancelled: i64,
}

impl Stats {
    /// Adds `n` to a state's count.
    pub fn add(&mut self, s: MsgState, n: i64) {
        let slot = match s {
            MsgState::Queued => &mut self.queued,
            MsgState::Submitted => &mut self.submitted,
            MsgState::Accepted => &mut self.accepted,
            MsgState::Delivered => &mut self.delivered,
            MsgState::Failed => &mut self.failed,
            MsgState::Expired => &mut self.expired,
            MsgState::Cancelled => &mut self.cancelled,
        };
        *slot += n;
    }
    /// Messages in a final state.
    pub fn finished(&self) -> i64 {
        self.delivered + self.failed + self.expired + self.cancelled
    }
}
