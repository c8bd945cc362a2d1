//! The agent state machine (uab.md §1, §10): receive → authenticate → decode → validate →
//! choose context → present → plan the apply.
//!
//! The agent takes inputs and time and hands back actions and events; it holds no I/O.
//! Polling order for a shell, after every [`Agent::handle`] or [`Agent::handle_timeout`]:
//! 1. drain [`Agent::poll_action`] and execute each action (`Commit` → one store
//!    transaction, answered with [`Input::Committed`] or [`Input::CommitFailed`]; `Fetch` →
//!    an HTTP GET answered with [`Input::HttpResponse`] or [`Input::FetchFailed`]);
//! 2. drain [`Agent::poll_event`] and show each to the user or the test;
//! 3. arm a timer for [`Agent::poll_timeout`] and call `handle_timeout` when it fires.

use std::collections::VecDeque;
use std::fmt;

use omacp_bearer::reassembly::{Millis, Outcome, Reassembler, Reject};
use omacp_bearer::sms::Tpdu;
use omacp_bearer::wdp::{Segment, WAP_PUSH_PORT};
use omacp_bearer::wsp::{CONNECTIVITY_XML, CT_CONNECTIVITY_XML, Media, PushPdu};
use omacp_card::Role;
use omacp_doc::validate::{Diagnostic, Rule, Severity, prune_with};
use omacp_doc::{Characteristic, Document};
use omacp_sec::{Credentials, Imsi, Pin, SecMethod, Verdict};

use crate::apps::{AppRegistry, Change, changes};
use crate::policy::{Acceptance, PinGuard, Policy, Trust};
use crate::settings::{
    CARD_CONTEXT, Context, DEFAULT_CONTEXT, Item, ItemKey, Settings, SettingsView,
    normalise_provurl,
};

/// Identifies one received message (a push, an HTTP answer, a card document, a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

/// Identifies one [`ApplyPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlanId(pub u64);

/// Identifies one HTTP fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FetchId(pub u64);

/// How a message reached the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// A WAP push (from SMS segments, a WDP datagram or a push PDU).
    Push,
    /// An HTTP answer to a fetch from a context's PROVURL.
    Http {
        /// The URL fetched.
        url: String,
    },
    /// A document read from the smart card.
    Card {
        /// Which provisioning file.
        role: Role,
    },
    /// A bare document (a file given to the device, no transport around it).
    File,
}

/// Who sent a message, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The channel.
    pub channel: Channel,
    /// The SMS originator address or IP address, if any.
    pub address: Option<String>,
    /// X-Wap-Initiator-URI, if any.
    pub initiator: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.channel {
            Channel::Push => write!(
                f,
                "push from {}",
                self.address
                    .as_deref()
                    .filter(|a| !a.is_empty())
                    .unwrap_or("unknown sender")
            )?,
            Channel::Http { url } => write!(f, "HTTP {url}")?,
            Channel::Card { role } => write!(f, "smart card ({})", role.name())?,
            Channel::File => f.write_str("local file")?,
        }
        if let Some(i) = &self.initiator {
            write!(f, " (initiator {i})")?;
        }
        Ok(())
    }
}

/// One input to [`Agent::handle`].
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// An SMS-DELIVER TPDU.
    Tpdu(&'a [u8]),
    /// SMS user data (`UDH ‖ payload`) from `originator`.
    UserData {
        /// Sender address.
        originator: &'a str,
        /// The user data.
        ud: &'a [u8],
    },
    /// A complete WAP push PDU (a WDP datagram for port 2948), e.g. over UDP.
    Push {
        /// Sender address.
        originator: &'a str,
        /// The PDU.
        pdu: &'a [u8],
    },
    /// The answer to an [`Action::Fetch`].
    HttpResponse {
        /// Which fetch.
        fetch: FetchId,
        /// HTTP status code.
        status: u16,
        /// The Content-Type header value.
        content_type: &'a str,
        /// The entity body, exactly as received.
        body: &'a [u8],
    },
    /// A fetch could not be completed.
    FetchFailed {
        /// Which fetch.
        fetch: FetchId,
    },
    /// A WBXML document read from the smart card.
    Card {
        /// Its provisioning file.
        role: Role,
        /// The document.
        bytes: &'a [u8],
    },
    /// A bare document (WBXML or XML) with no transport: unauthenticated.
    Document(&'a [u8]),
    /// The PIN the user typed (USERPINMAC: PIN followed by the check digits).
    Pin(&'a Pin),
    /// The user accepts the summary.
    Confirm,
    /// The user refuses the summary or cancels the PIN prompt.
    Decline,
    /// The shell committed the plan.
    Committed(PlanId),
    /// The shell could not commit the plan; nothing was changed.
    CommitFailed(PlanId),
}

/// Why a message was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// A transport layer could not be decoded.
    Transport(String),
    /// Reassembly refused a segment.
    Reassembly(Reject),
    /// A datagram for another port than the WAP push port.
    NotPushPort(u16),
    /// The push does not carry a provisioning document.
    NotProvisioning,
    /// The document is larger than the policy allows.
    TooLarge(usize),
    /// Too many messages are waiting.
    Busy,
    /// SEC has a value no method is defined for (never treated as "no security").
    UnknownSec(u8),
    /// SEC/MAC did not verify.
    Authentication(omacp_sec::Reason),
    /// The policy accepts only NETWPIN.
    NetwpinOnly,
    /// Every PIN attempt for this message failed.
    PinAttemptsExhausted,
    /// PIN entry is locked after too many failures.
    LockedOut {
        /// Until when (shell clock, ms).
        until: u64,
    },
    /// The user refused or cancelled.
    Declined,
    /// Nobody answered the PIN prompt or confirmation in time.
    TimedOut,
    /// The document cannot be decoded.
    Undecodable(String),
    /// Nothing is left after pruning, or the version is not 1.x.
    Invalid(Rule),
    /// The policy refuses documents of this trust class.
    Refused(Trust),
    /// A bootstrap without authentication.
    UnauthenticatedBootstrap,
    /// A TPS tried to create another context.
    TpsCannotBootstrap,
    /// A bootstrap for a context that already exists.
    BootstrapExists(String),
    /// CONTEXT-ALLOW of an existing (or the new) context forbids another context.
    ContextAllow(String),
    /// The device already holds the most TPS contexts the policy allows.
    TooManyContexts,
    /// The document may not write into this context (e.g. USERPIN into an operator context).
    ContextForbidden(String),
    /// The document would replace an item owned by a stronger authority.
    WouldOverwrite {
        /// The item.
        item: String,
        /// Its owner.
        owner: Trust,
    },
    /// A fetch URL belongs to no trusted context.
    NoTrustedContext,
    /// The fetch failed or answered with an error status.
    Fetch(String),
    /// The settings store could not be read.
    Store(String),
    /// The shell could not commit the plan.
    CommitFailed,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Transport(e) => write!(f, "transport: {e}"),
            Reason::Reassembly(r) => write!(f, "reassembly: {r}"),
            Reason::NotPushPort(p) => write!(f, "datagram for port {p}, not the WAP push port"),
            Reason::NotProvisioning => f.write_str("not a provisioning document"),
            Reason::TooLarge(n) => write!(f, "document of {n} bytes is too large"),
            Reason::Busy => f.write_str("too many messages waiting"),
            Reason::UnknownSec(v) => write!(f, "unknown SEC method {v}"),
            Reason::Authentication(r) => write!(f, "authentication failed: {r}"),
            Reason::NetwpinOnly => f.write_str("policy accepts only NETWPIN documents"),
            Reason::PinAttemptsExhausted => f.write_str("wrong PIN too many times"),
            Reason::LockedOut { until } => write!(f, "PIN entry locked until {until} ms"),
            Reason::Declined => f.write_str("declined by the user"),
            Reason::TimedOut => f.write_str("no answer in time"),
            Reason::Undecodable(e) => write!(f, "undecodable document: {e}"),
            Reason::Invalid(r) => write!(f, "invalid document [{r}]"),
            Reason::Refused(t) => write!(f, "policy refuses {t} documents"),
            Reason::UnauthenticatedBootstrap => f.write_str("unauthenticated bootstrap"),
            Reason::TpsCannotBootstrap => f.write_str("a TPS may not create another context"),
            Reason::BootstrapExists(c) => write!(f, "context {c} already exists"),
            Reason::ContextAllow(c) => write!(f, "CONTEXT-ALLOW of {c} forbids another context"),
            Reason::TooManyContexts => f.write_str("too many provisioning contexts"),
            Reason::ContextForbidden(c) => write!(f, "may not write into context {c}"),
            Reason::WouldOverwrite { item, owner } => {
                write!(f, "would overwrite {item} owned by {owner}")
            }
            Reason::NoTrustedContext => f.write_str("URL belongs to no trusted context"),
            Reason::Fetch(e) => write!(f, "fetch failed: {e}"),
            Reason::Store(e) => write!(f, "settings store: {e}"),
            Reason::CommitFailed => f.write_str("commit failed; settings unchanged"),
        }
    }
}

/// What the user is shown before accepting (uab.md §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Who sent it.
    pub sender: Origin,
    /// How it was authenticated.
    pub trust: Trust,
    /// The SEC method, if any.
    pub sec: Option<SecMethod>,
    /// The context it goes into.
    pub context: String,
    /// True when it creates the context (bootstrap).
    pub bootstrap: bool,
    /// Top-level characteristics added (`NAPDEF[gprs] "Internet"`).
    pub added: Vec<String>,
    /// Top-level characteristics replaced.
    pub replaced: Vec<String>,
    /// Every proxy, NAP address, MMSC, server, home page and SSID that changes.
    pub changes: Vec<Change>,
}

/// One APPLICATION of an applied document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReport {
    /// APPID.
    pub appid: String,
    /// Its handler, `None` when the APPID is unknown (kept, not installed).
    pub handler: Option<String>,
    /// NAME, if any.
    pub name: Option<String>,
}

/// What applying a document did (uab.md §7: the local log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    /// The summary (also shown for silent documents, as a notification).
    pub summary: Summary,
    /// Applications and who handles them.
    pub applications: Vec<AppReport>,
    /// APPIDs without a handler: stored and reported.
    pub unknown_appids: Vec<String>,
    /// What validation removed, and why.
    pub pruned: Vec<String>,
    /// Follow-ups (e.g. DM sessions to start).
    pub post_actions: Vec<String>,
    /// The history entry the shell recorded, once committed.
    pub history_id: Option<PlanId>,
}

/// A complete, atomic change for the shell to commit in one transaction. `Debug` leaves out
/// the document (it may hold passwords).
#[derive(Clone, PartialEq, Eq)]
pub struct ApplyPlan {
    /// Its id, echoed in `Committed`/`CommitFailed`.
    pub id: PlanId,
    /// The message it comes from.
    pub message: MessageId,
    /// The whole new state of every context it touches.
    pub contexts: Vec<Context>,
    /// The applied document (after pruning), as XML, for the history.
    pub document_xml: String,
    /// The report.
    pub report: ApplyReport,
}

impl fmt::Debug for ApplyPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyPlan")
            .field("id", &self.id)
            .field("message", &self.message)
            .field("contexts", &self.contexts)
            .field(
                "document_xml",
                &format_args!("<{} bytes>", self.document_xml.len()),
            )
            .field("report", &self.report)
            .finish()
    }
}

/// Work for the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Commit this plan in one transaction, then answer `Committed` or `CommitFailed`.
    Commit(Box<ApplyPlan>),
    /// GET `url` and answer `HttpResponse` or `FetchFailed`.
    Fetch {
        /// Which fetch.
        id: FetchId,
        /// The URL.
        url: String,
    },
}

/// What the user interface (or a test) sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message needs the PIN; answer with `Input::Pin` or `Input::Decline`.
    NeedPin {
        /// The message.
        message: MessageId,
        /// Who sent it.
        sender: Origin,
        /// The method.
        method: SecMethod,
        /// Attempts left for this message.
        attempts_left: u8,
    },
    /// A message needs the user's acceptance; answer `Confirm` or `Decline`.
    ConfirmationRequired {
        /// The message.
        message: MessageId,
        /// What would change.
        summary: Box<Summary>,
    },
    /// A message was refused.
    Rejected {
        /// The message, if one was formed.
        message: Option<MessageId>,
        /// Why.
        reason: Reason,
    },
    /// A message was applied and committed.
    Applied {
        /// The message.
        message: MessageId,
        /// What changed.
        report: Box<ApplyReport>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyForm {
    Wbxml,
    Xml,
}

/// A received message waiting to be processed.
#[derive(Debug, Clone)]
struct Message {
    id: MessageId,
    origin: Origin,
    sec: Option<SecMethod>,
    mac: Option<Vec<u8>>,
    form: BodyForm,
    body: Vec<u8>,
    push_flag: Option<u8>,
    /// Context designated by how the message came (fetch from its PROVURL).
    fetched_for: Option<String>,
}

#[derive(Debug)]
enum State {
    Idle,
    ExpectPin {
        msg: Box<Message>,
        attempts_left: u8,
        deadline: Millis,
    },
    ExpectConfirmation {
        plan: Box<ApplyPlan>,
        deadline: Millis,
    },
    ExpectCommit {
        plan: PlanId,
        message: MessageId,
        report: Box<ApplyReport>,
    },
}

/// The device user agent. See the module documentation for the polling order.
pub struct Agent {
    policy: Policy,
    imsi: Option<Imsi>,
    apps: AppRegistry,
    reassembler: Reassembler,
    state: State,
    queue: VecDeque<Message>,
    fetches: Vec<(FetchId, String, String)>,
    events: VecDeque<Event>,
    actions: VecDeque<Action>,
    pin_guard: PinGuard,
    next_id: u64,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("policy", &self.policy)
            .field("imsi", &self.imsi.as_ref().map(|_| "<redacted>"))
            .field(
                "state",
                &match self.state {
                    State::Idle => "Idle",
                    State::ExpectPin { .. } => "ExpectPin",
                    State::ExpectConfirmation { .. } => "ExpectConfirmation",
                    State::ExpectCommit { .. } => "ExpectCommit",
                },
            )
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent for the subscription `imsi` (needed to verify NETWPIN/USERNETWPIN).
    pub fn new(policy: Policy, imsi: Option<Imsi>) -> Agent {
        Agent {
            reassembler: Reassembler::new(policy.reassembly),
            policy,
            imsi,
            apps: AppRegistry::builtin(),
            state: State::Idle,
            queue: VecDeque::new(),
            fetches: Vec::new(),
            events: VecDeque::new(),
            actions: VecDeque::new(),
            pin_guard: PinGuard::default(),
            next_id: 1,
        }
    }

    /// Replaces the APPID handler table.
    pub fn set_apps(&mut self, apps: AppRegistry) {
        self.apps = apps;
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The global PIN-failure state, for the shell to persist.
    pub fn pin_guard(&self) -> PinGuard {
        self.pin_guard
    }

    /// Restores a persisted PIN-failure state.
    pub fn set_pin_guard(&mut self, g: PinGuard) {
        self.pin_guard = g;
    }

    /// Continues numbering messages, plans and fetches after `n` (shells that persist ids).
    pub fn set_next_id(&mut self, n: u64) {
        self.next_id = self.next_id.max(n);
    }

    /// True when nothing is waiting (no prompt, commit or queued message).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle) && self.queue.is_empty()
    }

    /// Bytes the agent holds for messages in flight: reassembly buffers, queued and pending
    /// document bodies.
    pub fn memory_bytes(&self) -> usize {
        let pending = match &self.state {
            State::ExpectPin { msg, .. } => msg.body.len(),
            State::ExpectConfirmation { plan, .. } => {
                plan.document_xml.len()
                    + plan
                        .contexts
                        .iter()
                        .map(Context::approx_bytes)
                        .sum::<usize>()
            }
            _ => 0,
        };
        self.reassembler.stored_bytes()
            + pending
            + self.queue.iter().map(|m| m.body.len()).sum::<usize>()
    }

    fn next(&mut self) -> u64 {
        let n = self.next_id;
        self.next_id += 1;
        n
    }

    /// The next action for the shell.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next event for the user interface.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Agent::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let prompt = match &self.state {
            State::ExpectPin { deadline, .. } | State::ExpectConfirmation { deadline, .. } => {
                Some(*deadline)
            }
            _ => None,
        };
        match (prompt, self.reassembler.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Expires reassembly buffers and abandoned prompts. Takes the settings because an
    /// expired prompt lets the next queued message be processed.
    pub fn handle_timeout(&mut self, now: Millis, settings: &dyn SettingsView) {
        self.reassembler.expire(now);
        let expired = match &self.state {
            State::ExpectPin { deadline, msg, .. } if *deadline <= now => Some(msg.id),
            State::ExpectConfirmation { deadline, plan } if *deadline <= now => Some(plan.message),
            _ => None,
        };
        if let Some(id) = expired {
            self.state = State::Idle;
            self.reject(Some(id), Reason::TimedOut);
            self.drain(now, settings);
        }
    }

    /// Asks for the settings of the trusted context `url` belongs to (continuous
    /// provisioning by HTTP pull, security.md §6.2 (b), §6.3). Emits `Action::Fetch`, or
    /// `Rejected { NoTrustedContext }` when no TPS context's PROVURL covers `url`.
    pub fn fetch(&mut self, url: &str, settings: &dyn SettingsView) -> Option<FetchId> {
        let s = match settings.settings() {
            Ok(s) => s,
            Err(e) => {
                self.reject(None, Reason::Store(e.0));
                return None;
            }
        };
        let Some(ctx) = s.context_for_uri(url) else {
            self.reject(None, Reason::NoTrustedContext);
            return None;
        };
        let id = FetchId(self.next());
        self.fetches.push((id, url.to_string(), ctx.id.clone()));
        self.actions.push_back(Action::Fetch {
            id,
            url: url.to_string(),
        });
        Some(id)
    }

    /// Takes one input at `now`.
    pub fn handle(&mut self, now: Millis, input: Input<'_>, settings: &dyn SettingsView) {
        match input {
            Input::Tpdu(bytes) => self.tpdu(now, bytes, settings),
            Input::UserData { originator, ud } => self.user_data(now, originator, ud, settings),
            Input::Push { originator, pdu } => self.push(now, originator, pdu, settings),
            Input::HttpResponse {
                fetch,
                status,
                content_type,
                body,
            } => self.http(now, fetch, status, content_type, body, settings),
            Input::FetchFailed { fetch } => {
                if self.take_fetch(fetch).is_some() {
                    self.reject(None, Reason::Fetch("no response".into()));
                }
            }
            Input::Card { role, bytes } => {
                let msg = self.message(
                    Origin {
                        channel: Channel::Card { role },
                        address: None,
                        initiator: None,
                    },
                    bytes,
                );
                self.enqueue(now, msg, settings);
            }
            Input::Document(bytes) => {
                let mut msg = self.message(
                    Origin {
                        channel: Channel::File,
                        address: None,
                        initiator: None,
                    },
                    bytes,
                );
                if omacp_first_non_space(bytes) == Some(b'<') {
                    msg.form = BodyForm::Xml;
                }
                self.enqueue(now, msg, settings);
            }
            Input::Pin(pin) => self.pin(now, pin, settings),
            Input::Confirm => self.confirm(now, true, settings),
            Input::Decline => self.confirm(now, false, settings),
            Input::Committed(id) => self.committed(now, id, true, settings),
            Input::CommitFailed(id) => self.committed(now, id, false, settings),
        }
    }

    fn message(&mut self, origin: Origin, body: &[u8]) -> Message {
        Message {
            id: MessageId(self.next()),
            origin,
            sec: None,
            mac: None,
            form: BodyForm::Wbxml,
            body: body.to_vec(),
            push_flag: None,
            fetched_for: None,
        }
    }

    fn reject(&mut self, message: Option<MessageId>, reason: Reason) {
        self.events.push_back(Event::Rejected { message, reason });
    }

    // --- transport intake -------------------------------------------------------------

    fn tpdu(&mut self, now: Millis, bytes: &[u8], settings: &dyn SettingsView) {
        let t = match Tpdu::decode(bytes) {
            Ok(t) => t,
            Err(e) => return self.reject(None, Reason::Transport(e.to_string())),
        };
        let Tpdu::Deliver(d) = &t else {
            return self.reject(None, Reason::Transport("not an SMS-DELIVER".into()));
        };
        if !d.udhi {
            return self.reject(None, Reason::Transport("no UDH: not a WAP push".into()));
        }
        let from = d.originator.value().to_string();
        self.user_data(now, &from, d.user_data.octets(), settings);
    }

    fn user_data(&mut self, now: Millis, originator: &str, ud: &[u8], s: &dyn SettingsView) {
        let seg = match Segment::decode(ud) {
            Ok(seg) => seg,
            Err(e) => return self.reject(None, Reason::Transport(e.to_string())),
        };
        match self.reassembler.handle(now, originator.as_bytes(), &seg) {
            Outcome::Complete(d) => {
                if let Some(p) = d.ports
                    && p.dst != WAP_PUSH_PORT
                {
                    return self.reject(None, Reason::NotPushPort(p.dst));
                }
                self.push(now, originator, &d.data, s);
            }
            Outcome::Rejected(r) => self.reject(None, Reason::Reassembly(r)),
            _ => {}
        }
        // Drops are visible through the reassembler's log; the agent keeps no copy.
        while self.reassembler.poll_dropped().is_some() {}
    }

    fn push(&mut self, now: Millis, originator: &str, pdu: &[u8], s: &dyn SettingsView) {
        let p = match PushPdu::decode(pdu) {
            Ok(p) => p,
            Err(e) => return self.reject(None, Reason::Transport(e.to_string())),
        };
        if !p.content_type.is_provisioning() {
            return self.reject(None, Reason::NotProvisioning);
        }
        let xml = match p.content_type.media {
            Media::WellKnown(c) => c == CT_CONNECTIVITY_XML,
            Media::Text(t) => t.eq_ignore_ascii_case(CONNECTIVITY_XML.as_bytes()),
        };
        let origin = Origin {
            channel: Channel::Push,
            address: Some(originator.to_string()),
            initiator: p
                .initiator_uri()
                .map(|u| String::from_utf8_lossy(u).into_owned()),
        };
        let mut msg = self.message(origin, p.body);
        msg.sec = p.sec();
        msg.mac = p.mac().map(<[u8]>::to_vec);
        msg.push_flag = p.push_flag();
        msg.form = if xml { BodyForm::Xml } else { BodyForm::Wbxml };
        self.enqueue(now, msg, s);
    }

    fn take_fetch(&mut self, id: FetchId) -> Option<(String, String)> {
        let i = self.fetches.iter().position(|(f, _, _)| *f == id)?;
        let (_, url, ctx) = self.fetches.remove(i);
        Some((url, ctx))
    }

    fn http(
        &mut self,
        now: Millis,
        fetch: FetchId,
        status: u16,
        content_type: &str,
        body: &[u8],
        s: &dyn SettingsView,
    ) {
        let Some((url, ctx)) = self.take_fetch(fetch) else {
            return;
        };
        if status != 200 {
            return self.reject(None, Reason::Fetch(format!("HTTP status {status}")));
        }
        let ct = match omacp_bearer::http::HttpContentType::parse(content_type) {
            Ok(ct) => ct,
            Err(e) => return self.reject(None, Reason::Transport(e.to_string())),
        };
        if !ct.is_provisioning() {
            return self.reject(None, Reason::NotProvisioning);
        }
        let xml = ct.media.eq_ignore_ascii_case(CONNECTIVITY_XML);
        let origin = Origin {
            channel: Channel::Http { url },
            address: None,
            initiator: None,
        };
        let mut msg = self.message(origin, body);
        msg.sec = ct.sec;
        msg.mac = ct.mac.as_ref().map(|m| m.as_bytes().to_vec());
        // A SEC parameter that did not parse must not read as "no SEC".
        if msg.sec.is_none() && ct.params.iter().any(|(n, _)| n.eq_ignore_ascii_case("SEC")) {
            return self.reject(Some(msg.id), Reason::UnknownSec(0xFF));
        }
        msg.form = if xml { BodyForm::Xml } else { BodyForm::Wbxml };
        msg.fetched_for = Some(ctx);
        self.enqueue(now, msg, s);
    }

    // --- queueing ---------------------------------------------------------------------

    fn enqueue(&mut self, now: Millis, msg: Message, s: &dyn SettingsView) {
        if msg.body.len() > self.policy.max_document_bytes {
            return self.reject(Some(msg.id), Reason::TooLarge(msg.body.len()));
        }
        if self.queue.len() >= self.policy.max_queued_messages {
            return self.reject(Some(msg.id), Reason::Busy);
        }
        self.queue.push_back(msg);
        self.drain(now, s);
    }

    /// Processes queued messages while the agent is idle.
    fn drain(&mut self, now: Millis, s: &dyn SettingsView) {
        while matches!(self.state, State::Idle) {
            let Some(msg) = self.queue.pop_front() else {
                return;
            };
            self.process(now, msg, None, s);
        }
    }

    // --- authentication ---------------------------------------------------------------

    fn process(&mut self, now: Millis, msg: Message, pin: Option<&Pin>, s: &dyn SettingsView) {
        let settings = match s.settings() {
            Ok(x) => x,
            Err(e) => return self.reject(Some(msg.id), Reason::Store(e.0)),
        };
        let (trust, hint) = match self.authenticate(now, &msg, pin, &settings) {
            Auth::Trusted(t, hint) => (t, hint),
            Auth::NeedPin(method) => {
                let attempts_left = self.policy.pin_attempts_per_message.max(1);
                self.events.push_back(Event::NeedPin {
                    message: msg.id,
                    sender: msg.origin.clone(),
                    method,
                    attempts_left,
                });
                self.state = State::ExpectPin {
                    msg: Box::new(msg),
                    attempts_left,
                    deadline: now.plus(self.policy.prompt_timeout_ms),
                };
                return;
            }
            Auth::Reject(r) => return self.reject(Some(msg.id), r),
            Auth::WrongPin => return self.reject(Some(msg.id), Reason::PinAttemptsExhausted),
        };
        // Refuse before decoding anything from a sender the policy will not hear anyway.
        if trust == Trust::Unauthenticated && self.policy.unauthenticated == Acceptance::Reject {
            return self.reject(Some(msg.id), Reason::Refused(trust));
        }
        match self.plan(&msg, trust, hint, &settings) {
            Ok((plan, acceptance)) => match acceptance {
                Acceptance::Reject => self.reject(Some(msg.id), Reason::Refused(trust)),
                Acceptance::Confirm => {
                    self.events.push_back(Event::ConfirmationRequired {
                        message: msg.id,
                        summary: Box::new(plan.report.summary.clone()),
                    });
                    self.state = State::ExpectConfirmation {
                        plan: Box::new(plan),
                        deadline: now.plus(self.policy.prompt_timeout_ms),
                    };
                }
                Acceptance::Silent => self.commit(plan),
            },
            Err(r) => self.reject(Some(msg.id), r),
        }
    }

    fn authenticate(
        &mut self,
        now: Millis,
        msg: &Message,
        pin: Option<&Pin>,
        settings: &Settings,
    ) -> Auth {
        if let Channel::Card { .. } = msg.origin.channel {
            return Auth::Trusted(Trust::Card, None);
        }
        let Some(method) = msg.sec else {
            if msg.mac.is_some() {
                return Auth::Reject(Reason::Authentication(omacp_sec::Reason::MacWithoutSec));
            }
            if self.policy.netwpin_only {
                return Auth::Reject(Reason::NetwpinOnly);
            }
            if let Some(ctx) = &msg.fetched_for {
                return Auth::Trusted(Trust::TpsPushed, Some(ctx.clone()));
            }
            if let Some(ctx) = self.trusted_tps_push(msg, settings) {
                return Auth::Trusted(Trust::TpsPushed, Some(ctx));
            }
            return Auth::Trusted(Trust::Unauthenticated, None);
        };
        if let SecMethod::Unknown(v) = method {
            return Auth::Reject(Reason::UnknownSec(v));
        }
        if self.policy.netwpin_only && method != SecMethod::NetwPin {
            return Auth::Reject(Reason::NetwpinOnly);
        }
        if method.needs_pin() {
            if self.pin_guard.locked(now.0) {
                return Auth::Reject(Reason::LockedOut {
                    until: self.pin_guard.locked_until.unwrap_or(0),
                });
            }
            if pin.is_none() {
                return Auth::NeedPin(method);
            }
        }
        if method.needs_imsi() && self.imsi.is_none() {
            return Auth::Reject(Reason::Authentication(omacp_sec::Reason::MissingImsi));
        }
        let creds = Credentials {
            imsi: self.imsi.as_ref(),
            pin,
        };
        match omacp_sec::verify(Some(method), msg.mac.as_deref(), &creds, &msg.body) {
            Verdict::Verified { method } => {
                if method.needs_pin() {
                    self.pin_guard.succeed();
                }
                let trust = match method {
                    SecMethod::NetwPin | SecMethod::UserNetwPin => Trust::NetworkAuthenticated,
                    _ => Trust::UserAuthenticated,
                };
                // The initiator URI designates the context a signed continuous document is for.
                let hint = msg.fetched_for.clone().or_else(|| {
                    let i = msg.origin.initiator.as_deref()?;
                    settings.context_for_uri(i).map(|c| c.id.clone())
                });
                Auth::Trusted(trust, hint)
            }
            Verdict::Unsigned => {
                Auth::Reject(Reason::Authentication(omacp_sec::Reason::MissingMac))
            }
            Verdict::Failed(r) => {
                if method.needs_pin()
                    && matches!(
                        r,
                        omacp_sec::Reason::WrongMac | omacp_sec::Reason::PinWrongShape
                    )
                {
                    Auth::WrongPin
                } else {
                    Auth::Reject(Reason::Authentication(r))
                }
            }
        }
    }

    /// The context an unsigned push is continuous provisioning for, if it came the trusted
    /// TPS way: Push-Flag "initiator authenticated", initiator URI under the context's
    /// PROVURL and (by policy) an originator that is one of the context's trusted PPGs.
    fn trusted_tps_push(&self, msg: &Message, settings: &Settings) -> Option<String> {
        if msg.origin.channel != Channel::Push || msg.push_flag.unwrap_or(0) & 0x01 == 0 {
            return None;
        }
        let ctx = settings.context_for_uri(msg.origin.initiator.as_deref()?)?;
        if self.policy.tps_push_requires_trusted_ppg {
            let from = digits(msg.origin.address.as_deref().unwrap_or(""));
            if from.is_empty()
                || !ctx
                    .trusted_ppg_addresses()
                    .iter()
                    .any(|a| digits(a) == from)
            {
                return None;
            }
        }
        Some(ctx.id.clone())
    }

    fn pin(&mut self, now: Millis, pin: &Pin, s: &dyn SettingsView) {
        let State::ExpectPin {
            msg, attempts_left, ..
        } = std::mem::replace(&mut self.state, State::Idle)
        else {
            return;
        };
        let settings = match s.settings() {
            Ok(x) => x,
            Err(e) => {
                self.reject(Some(msg.id), Reason::Store(e.0));
                return self.drain(now, s);
            }
        };
        match self.authenticate(now, &msg, Some(pin), &settings) {
            Auth::WrongPin => {
                self.pin_guard.fail(now.0, &self.policy);
                let left = attempts_left.saturating_sub(1);
                if self.pin_guard.locked(now.0) {
                    self.reject(
                        Some(msg.id),
                        Reason::LockedOut {
                            until: self.pin_guard.locked_until.unwrap_or(0),
                        },
                    );
                } else if left == 0 {
                    self.reject(Some(msg.id), Reason::PinAttemptsExhausted);
                } else {
                    self.events.push_back(Event::NeedPin {
                        message: msg.id,
                        sender: msg.origin.clone(),
                        method: msg.sec.unwrap_or(SecMethod::UserPin),
                        attempts_left: left,
                    });
                    self.state = State::ExpectPin {
                        msg,
                        attempts_left: left,
                        deadline: now.plus(self.policy.prompt_timeout_ms),
                    };
                    return;
                }
            }
            Auth::Reject(r) => self.reject(Some(msg.id), r),
            Auth::NeedPin(_) => self.reject(Some(msg.id), Reason::PinAttemptsExhausted),
            Auth::Trusted(..) => self.process(now, *msg, Some(pin), s),
        }
        self.drain(now, s);
    }

    fn confirm(&mut self, now: Millis, yes: bool, s: &dyn SettingsView) {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::ExpectConfirmation { plan, .. } => {
                if yes {
                    self.commit(*plan);
                } else {
                    self.reject(Some(plan.message), Reason::Declined);
                }
            }
            State::ExpectPin { msg, .. } if !yes => self.reject(Some(msg.id), Reason::Declined),
            other => {
                self.state = other;
                return;
            }
        }
        self.drain(now, s);
    }

    fn commit(&mut self, plan: ApplyPlan) {
        self.state = State::ExpectCommit {
            plan: plan.id,
            message: plan.message,
            report: Box::new(plan.report.clone()),
        };
        self.actions.push_back(Action::Commit(Box::new(plan)));
    }

    fn committed(&mut self, now: Millis, id: PlanId, ok: bool, s: &dyn SettingsView) {
        let State::ExpectCommit { plan, .. } = &self.state else {
            return;
        };
        if *plan != id {
            return;
        }
        let State::ExpectCommit {
            message,
            mut report,
            ..
        } = std::mem::replace(&mut self.state, State::Idle)
        else {
            return;
        };
        if ok {
            report.history_id = Some(id);
            self.events.push_back(Event::Applied { message, report });
        } else {
            self.reject(Some(message), Reason::CommitFailed);
        }
        self.drain(now, s);
    }

    // --- deciding ---------------------------------------------------------------------

    fn plan(
        &mut self,
        msg: &Message,
        trust: Trust,
        hint: Option<String>,
        settings: &Settings,
    ) -> Result<(ApplyPlan, Acceptance), Reason> {
        let doc = decode(msg)?;
        let provurl = doc
            .characteristics
            .iter()
            .filter(|c| c.kind == "BOOTSTRAP")
            .find_map(|c| c.value("PROVURL"))
            .map(str::to_string);
        let mut acceptance = self.policy.acceptance(trust);
        let mut bootstrap = false;
        let mut ctx: Context = match (&provurl, &hint) {
            (Some(p), _) => {
                let id = normalise_provurl(p);
                match (trust, settings.contexts.get(&id)) {
                    (Trust::Unauthenticated, _) => return Err(Reason::UnauthenticatedBootstrap),
                    (Trust::TpsPushed, Some(c)) if hint.as_deref() == Some(&id) => c.clone(),
                    (Trust::TpsPushed, _) => return Err(Reason::TpsCannotBootstrap),
                    (Trust::Card, Some(c)) if c.authority == Trust::Card => c.clone(),
                    (_, Some(c)) => {
                        if self.policy.reject_second_bootstrap {
                            return Err(Reason::BootstrapExists(id));
                        }
                        if trust.rank() < c.authority.rank() {
                            return Err(Reason::ContextForbidden(id));
                        }
                        c.clone()
                    }
                    (_, None) => {
                        self.check_new_context(&doc, settings)?;
                        bootstrap = true;
                        acceptance = match trust {
                            Trust::UserAuthenticated => self.policy.user_bootstrap,
                            Trust::NetworkAuthenticated => self.policy.network_bootstrap,
                            _ => acceptance,
                        };
                        let mut c = Context::new(id, trust);
                        c.provurl = Some(p.clone());
                        c
                    }
                }
            }
            (None, Some(h)) => {
                let c = settings
                    .contexts
                    .get(h)
                    .ok_or_else(|| Reason::ContextForbidden(h.clone()))?;
                // USERPIN documents may not write into operator contexts (security.md §7).
                if trust.rank() < Trust::TpsPushed.rank() && c.authority.is_operator() {
                    return Err(Reason::ContextForbidden(h.clone()));
                }
                c.clone()
            }
            (None, None) => {
                let id = if trust == Trust::Card {
                    CARD_CONTEXT
                } else {
                    DEFAULT_CONTEXT
                };
                settings
                    .contexts
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| Context::new(id, trust))
            }
        };
        // The card context belongs to the card alone.
        if ctx.id == CARD_CONTEXT && trust != Trust::Card {
            return Err(Reason::ContextForbidden(ctx.id));
        }

        // Validate and prune against the document plus this context's stored settings.
        let (pruned, removals) = prune_with(&doc, &ctx.resolve_context());
        if let Some(d) = removals
            .iter()
            .find(|d| d.severity == Severity::Error && d.rule == Rule::BadVersion)
        {
            return Err(Reason::Invalid(d.rule));
        }
        if pruned.characteristics.is_empty() {
            return Err(Reason::Invalid(Rule::EmptyDocument));
        }

        let mut added = Vec::new();
        let mut replaced = Vec::new();
        let mut all_changes = Vec::new();
        let mut applications = Vec::new();
        let mut unknown = Vec::new();
        let mut post = Vec::new();
        let in_tps = ctx.is_tps();
        for c in &pruned.characteristics {
            let key = ItemKey::of(c);
            let label = label(&key, c);
            let old = ctx.items.iter().position(|i| i.key() == key);
            all_changes.extend(changes(
                &key.to_string(),
                old.map(|i| &ctx.items[i].characteristic),
                c,
                &self.apps,
            ));
            if c.kind == "BOOTSTRAP" && in_tps && c.value("PROVURL").is_some() {
                update_bootstrap(&mut ctx, c);
            }
            if c.kind == "APPLICATION" {
                let appid = c.value("APPID").unwrap_or("").to_string();
                let handler = self.apps.get(&appid);
                if let Some(h) = handler {
                    post.extend(h.post_actions(c));
                } else {
                    unknown.push(appid.clone());
                }
                applications.push(AppReport {
                    handler: handler.map(|h| h.name().to_string()),
                    appid,
                    name: c.value("NAME").map(str::to_string),
                });
            }
            let item = Item {
                owner: trust,
                characteristic: c.clone(),
            };
            match old {
                Some(i) => {
                    let owner = ctx.items[i].owner;
                    // Outside TPS contexts, ownership ranks decide (a USERPIN document may
                    // not overwrite operator settings); a TPS owns its whole context.
                    if !in_tps && trust.rank() < owner.rank() {
                        return Err(Reason::WouldOverwrite {
                            item: key.to_string(),
                            owner,
                        });
                    }
                    ctx.items[i] = item;
                    replaced.push(label);
                }
                None => {
                    ctx.items.push(item);
                    added.push(label);
                }
            }
        }
        let summary = Summary {
            sender: msg.origin.clone(),
            trust,
            sec: msg.sec,
            context: ctx.id.clone(),
            bootstrap,
            added,
            replaced,
            changes: all_changes,
        };
        let report = ApplyReport {
            summary,
            applications,
            unknown_appids: unknown,
            pruned: removals.iter().map(Diagnostic::to_string).collect(),
            post_actions: post,
            history_id: None,
        };
        let plan = ApplyPlan {
            id: PlanId(self.next()),
            message: msg.id,
            contexts: vec![ctx],
            document_xml: omacp_doc::xml::to_string(&pruned),
            report,
        };
        Ok((plan, acceptance))
    }

    fn check_new_context(&self, doc: &Document, settings: &Settings) -> Result<(), Reason> {
        let existing = settings.tps_count();
        if existing >= self.policy.max_tps_contexts {
            return Err(Reason::TooManyContexts);
        }
        // Each existing context allows at most `allow` further contexts beside itself.
        for c in settings.contexts.values().filter(|c| c.is_tps()) {
            if let Some(allow) = c.context_allow
                && existing > usize::from(allow)
            {
                return Err(Reason::ContextAllow(c.id.clone()));
            }
        }
        // The newcomer's own CONTEXT-ALLOW must tolerate the contexts already there.
        let own = doc
            .characteristics
            .iter()
            .filter(|c| c.kind == "BOOTSTRAP")
            .find_map(|c| c.value("CONTEXT-ALLOW"))
            .and_then(|v| v.trim().parse::<u8>().ok());
        if let Some(allow) = own
            && existing > usize::from(allow)
        {
            return Err(Reason::ContextAllow("new context".into()));
        }
        Ok(())
    }
}

enum Auth {
    Trusted(Trust, Option<String>),
    NeedPin(SecMethod),
    WrongPin,
    Reject(Reason),
}

fn update_bootstrap(ctx: &mut Context, b: &Characteristic) {
    if let Some(n) = b.value("NAME") {
        ctx.name = Some(n.to_string());
    }
    if let Some(v) = b.value("CONTEXT-ALLOW") {
        ctx.context_allow = v.trim().parse::<u8>().ok();
    }
    let proxies: Vec<String> = b.values("PROXY-ID").map(str::to_string).collect();
    if !proxies.is_empty() {
        ctx.trusted_proxies = proxies;
    }
}

fn label(key: &ItemKey, c: &Characteristic) -> String {
    match c.value("NAME") {
        Some(n) => format!("{key} \"{n}\""),
        None => key.to_string(),
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn omacp_first_non_space(b: &[u8]) -> Option<u8> {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

fn decode(msg: &Message) -> Result<Document, Reason> {
    match msg.form {
        BodyForm::Xml => {
            omacp_doc::xml::parse_bytes(&msg.body).map_err(|e| Reason::Undecodable(e.to_string()))
        }
        BodyForm::Wbxml => {
            // Lenient: unknown tokens drop what they affect and the rest is processed
            // (uab.md §4 rule 7), within a handset's limits.
            let opts = omacp_wbxml::DecodeOptions {
                lenient: true,
                limits: omacp_wbxml::Limits::HANDSET,
            };
            omacp_wbxml::decode(&msg.body, &opts)
                .map(|d| d.document)
                .map_err(|e| Reason::Undecodable(e.to_string()))
        }
    }
}
