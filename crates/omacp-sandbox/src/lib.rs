//! The omacp sandbox: an SMSC (omacp-smpp's server) whose messages go to virtual handsets
//! instead of a radio network. Each handset is keyed by MSISDN, has an IMSI and a user
//! PIN, and runs the real device agent (omacp-agent) over an omacp-device store in memory.
//! Every SMS it receives is reassembled, authenticated and applied exactly as on a phone;
//! the sandbox records what each handset received, the PIN prompt its user saw, and what
//! was applied or refused, and answers the sender with a delivery receipt: DELIVRD when
//! the handset accepted the message, UNDELIV (or REJECTD) otherwise.
//!
//! It is a test double, and says so: every record and every line it prints is marked
//! `[SANDBOX]`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use omacp_agent::{Event, Policy};
use omacp_device::{Answers, Handset, Received, Store};
use omacp_sec::{Imsi, Pin};
use omacp_smpp::receipt::{DeliveryReport, MessageState, ReceiptText};
use omacp_smpp::server::{self, SmscHandle, Submission};
use omacp_smpp::smsc::SmscConfig;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// The marker every sandbox message carries.
pub const MARK: &str = "[SANDBOX]";

/// A virtual handset to create.
#[derive(Clone, PartialEq, Eq)]
pub struct HandsetSpec {
    /// Its number (international digits, no `+`).
    pub msisdn: String,
    /// The SIM's IMSI (NETWPIN key).
    pub imsi: String,
    /// The PIN its user knows (typed when a USERPIN prompt appears), if any.
    pub pin: Option<String>,
}

impl std::fmt::Debug for HandsetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandsetSpec")
            .field("msisdn", &self.msisdn)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl HandsetSpec {
    /// Parses `MSISDN:IMSI[:PIN]` (the CLI's `--handset`).
    pub fn parse(s: &str) -> Result<HandsetSpec, SandboxError> {
        let mut it = s.split(':');
        let (Some(msisdn), Some(imsi)) = (it.next(), it.next()) else {
            return Err(SandboxError::BadHandset(
                "expected MSISDN:IMSI[:PIN]".into(),
            ));
        };
        let pin = it.next().map(str::to_owned);
        if it.next().is_some() {
            return Err(SandboxError::BadHandset(
                "expected MSISDN:IMSI[:PIN]".into(),
            ));
        }
        Ok(HandsetSpec {
            msisdn: msisdn.trim_start_matches('+').to_owned(),
            imsi: imsi.to_owned(),
            pin,
        })
    }
}

/// Sandbox failures.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A handset specification is malformed (the text never includes the PIN).
    #[error("handset: {0}")]
    BadHandset(String),
    /// The handset store failed.
    #[error("handset store: {0}")]
    Store(String),
    /// Listening failed.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}

/// What happened on a handset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// An SMS arrived (one segment).
    Received {
        /// The SMSC message id.
        message_id: String,
        /// The sender's address.
        from: String,
        /// The SMS user data (UDH ‖ payload) as received.
        user_data: Vec<u8>,
    },
    /// The user was asked for a PIN: the prompt text as a phone would word it.
    PinPrompt(String),
    /// The user was asked to accept settings.
    Confirmation(String),
    /// Settings were applied: the context and the top-level items added or replaced.
    Applied(String),
    /// The message was refused, and why.
    Rejected(String),
    /// No handset has this number.
    UnknownSubscriber,
    /// The receipt sent back.
    Receipt {
        /// The SMSC message id.
        message_id: String,
        /// The state.
        state: MessageState,
    },
}

/// One sandbox record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Milliseconds since the UNIX epoch.
    pub at_ms: u64,
    /// The handset.
    pub msisdn: String,
    /// What happened.
    pub what: Happened,
}

impl std::fmt::Display for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{MARK} handset {}: ", self.msisdn)?;
        match &self.what {
            Happened::Received {
                message_id,
                from,
                user_data,
            } => write!(
                f,
                "received SMS {message_id} from {from} ({} octets)",
                user_data.len()
            ),
            Happened::PinPrompt(p) => write!(f, "PIN prompt shown: \"{p}\""),
            Happened::Confirmation(c) => write!(f, "confirmation shown: \"{c}\""),
            Happened::Applied(a) => write!(f, "settings applied: {a}"),
            Happened::Rejected(r) => write!(f, "refused: {r}"),
            Happened::UnknownSubscriber => f.write_str("no such subscriber"),
            Happened::Receipt { message_id, state } => {
                write!(f, "receipt for {message_id}: {}", state.stat())
            }
        }
    }
}

struct Phone {
    handset: Handset,
    pin: Option<Pin>,
    /// Segments received since the agent last finished a message (their receipts wait
    /// for the outcome of the whole message).
    pending: Vec<(String, u64)>,
}

/// Idempotency key → the final state of its first delivery (`None` while pending), at most
/// `cap` keys: the oldest are forgotten first.
struct Keys {
    cap: usize,
    state: std::collections::HashMap<Vec<u8>, Option<MessageState>>,
    order: std::collections::VecDeque<Vec<u8>>,
}

impl Default for Keys {
    fn default() -> Self {
        Keys::with_cap(MAX_KEYS)
    }
}

impl Keys {
    fn with_cap(cap: usize) -> Keys {
        Keys {
            cap,
            state: Default::default(),
            order: Default::default(),
        }
    }
    /// `None`: never seen (or forgotten); `Some(None)`: pending.
    fn get(&self, key: &[u8]) -> Option<Option<MessageState>> {
        self.state.get(key).copied()
    }
    fn first_seen(&mut self, key: &[u8]) {
        self.state.insert(key.to_vec(), None);
        self.order.push_back(key.to_vec());
        if self.order.len() > self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.state.remove(&old);
        }
    }
    /// Records the outcome of a key still remembered.
    fn finished(&mut self, key: &[u8], state: MessageState) {
        if let Some(s) = self.state.get_mut(key) {
            *s = Some(state);
        }
    }
}

#[derive(Default)]
struct Shared {
    records: std::collections::VecDeque<Record>,
    /// Idempotency keys seen, bounded.
    keys: Keys,
    /// SMSC message id → idempotency key, until its receipt is sent.
    key_of: std::collections::HashMap<String, Vec<u8>>,
}

/// Records kept (the oldest are dropped beyond this; the live feed sees every one).
pub const MAX_RECORDS: usize = 100_000;

/// Idempotency keys remembered (the oldest are forgotten beyond this, so a sandbox that
/// runs for months stays bounded; a resend comes within minutes of its first copy, long
/// before a million more segments).
pub const MAX_KEYS: usize = 1_000_000;

/// A segment whose message is still incomplete after this long is answered EXPIRED.
pub const SEGMENT_EXPIRY_MS: u64 = 10 * 60 * 1000;

/// The vendor-specific TLV (SMPP 3.4 §5.3.2: 0x1400–0x3FFF) in which omacp's campaign
/// runner puts a per-segment idempotency key. A segment whose key was seen before is a
/// resend after a crash or lost link: the handset does not get it again, and its receipt
/// repeats the first delivery's outcome.
pub const TLV_IDEMPOTENCY_KEY: u16 = 0x1501;

/// A running sandbox.
#[derive(Clone)]
pub struct Sandbox {
    smsc: SmscHandle,
    shared: Arc<Mutex<Shared>>,
    phones: Arc<Mutex<BTreeMap<String, Phone>>>,
    feed: broadcast::Sender<Record>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.smsc.local_addr())
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Sandbox {
    /// Starts the sandbox SMSC on `listener` with `handsets`. `smsc` sets the accounts
    /// (empty: any system_id/password binds) and fault knobs.
    pub fn start(
        listener: TcpListener,
        smsc: SmscConfig,
        handsets: &[HandsetSpec],
    ) -> Result<Sandbox, SandboxError> {
        let (handle, mut sink) = server::start(listener, smsc)?;
        let (feed, _) = broadcast::channel(1024);
        let sb = Sandbox {
            smsc: handle,
            shared: Arc::default(),
            phones: Arc::default(),
            feed,
        };
        for h in handsets {
            sb.add_handset(h)?;
        }
        // The handsets' stores are synchronous (SQLite): they run on a blocking thread.
        let worker = sb.clone();
        tokio::task::spawn_blocking(move || {
            while let Some(s) = sink.blocking_recv() {
                worker.deliver(s);
            }
        });
        Ok(sb)
    }

    /// The SMSC's address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.smsc.local_addr()
    }

    /// The SMSC handle (counters, shutdown).
    pub fn smsc(&self) -> &SmscHandle {
        &self.smsc
    }

    /// Adds a virtual handset (its store is in memory).
    pub fn add_handset(&self, spec: &HandsetSpec) -> Result<(), SandboxError> {
        let imsi = Imsi::parse(&spec.imsi)
            .map_err(|_| SandboxError::BadHandset(format!("{}: invalid IMSI", spec.msisdn)))?;
        let pin = spec
            .pin
            .as_deref()
            .map(Pin::parse)
            .transpose()
            .map_err(|_| SandboxError::BadHandset(format!("{}: invalid PIN", spec.msisdn)))?;
        let store = Store::in_memory().map_err(|e| SandboxError::Store(e.to_string()))?;
        store
            .set_meta("imsi", &spec.imsi)
            .map_err(|e| SandboxError::Store(e.to_string()))?;
        let handset = Handset {
            store,
            agent: omacp_agent::Agent::new(Policy::default(), Some(imsi)),
            http_timeout: Duration::from_secs(5),
        };
        self.phones.lock().expect("phones").insert(
            spec.msisdn.clone(),
            Phone {
                handset,
                pin,
                pending: Vec::new(),
            },
        );
        Ok(())
    }

    /// Adds a handset unless one has this number; an existing one keeps its settings and
    /// gets the new PIN (what its user would type for the next message).
    pub fn ensure_handset(&self, spec: &HandsetSpec) -> Result<(), SandboxError> {
        let pin = spec
            .pin
            .as_deref()
            .map(Pin::parse)
            .transpose()
            .map_err(|_| SandboxError::BadHandset(format!("{}: invalid PIN", spec.msisdn)))?;
        {
            let mut phones = self.phones.lock().expect("phones");
            if let Some(p) = phones.get_mut(&spec.msisdn) {
                p.pin = pin;
                return Ok(());
            }
        }
        self.add_handset(spec)
    }

    /// The numbers of every handset.
    pub fn handsets(&self) -> Vec<String> {
        self.phones
            .lock()
            .expect("phones")
            .keys()
            .cloned()
            .collect()
    }

    /// The records so far (at most [`MAX_RECORDS`], oldest first).
    pub fn records(&self) -> Vec<Record> {
        self.shared
            .lock()
            .expect("records")
            .records
            .iter()
            .cloned()
            .collect()
    }

    /// A live feed of records (for printing).
    pub fn subscribe(&self) -> broadcast::Receiver<Record> {
        self.feed.subscribe()
    }

    /// The settings history of a handset (what was applied, as XML), oldest first.
    pub fn history(&self, msisdn: &str) -> Option<Vec<omacp_device::HistoryEntry>> {
        let phones = self.phones.lock().expect("phones");
        phones.get(msisdn)?.handset.store.history().ok()
    }

    fn record(&self, msisdn: &str, what: Happened) {
        let r = Record {
            at_ms: now_ms(),
            msisdn: msisdn.to_owned(),
            what,
        };
        let _ = self.feed.send(r.clone());
        let mut shared = self.shared.lock().expect("records");
        if shared.records.len() == MAX_RECORDS {
            shared.records.pop_front();
        }
        shared.records.push_back(r);
    }

    fn receipt(&self, msisdn: &str, message_id: String, submitted_ms: u64, state: MessageState) {
        let date = |ms: u64| ymdhm(ms / 1000);
        let err = match state {
            MessageState::Delivered => "000",
            _ => "001",
        };
        let report = DeliveryReport {
            message_id: message_id.clone(),
            state,
            network_error: None,
            text: Some(ReceiptText {
                id: message_id.clone(),
                sub: "001".into(),
                dlvrd: if state == MessageState::Delivered {
                    "001"
                } else {
                    "000"
                }
                .into(),
                submit_date: date(submitted_ms),
                done_date: date(now_ms()),
                stat: state,
                err: err.into(),
                text: String::new(),
            }),
        };
        let _ = self.smsc.receipt(report);
        {
            let mut sh = self.shared.lock().expect("records");
            if let Some(k) = sh.key_of.remove(&message_id) {
                sh.keys.finished(&k, state);
            }
        }
        self.record(msisdn, Happened::Receipt { message_id, state });
    }

    /// One accepted submit_sm: hand the segment to its handset, and answer with receipts
    /// once the handset has decided about the whole message.
    fn deliver(&self, s: Submission) {
        let msisdn = s.sm.destination_addr.trim_start_matches('+').to_owned();
        let at = now_ms();
        let mut phones = self.phones.lock().expect("phones");
        let Some(phone) = phones.get_mut(&msisdn) else {
            drop(phones);
            self.record(&msisdn, Happened::UnknownSubscriber);
            self.receipt(&msisdn, s.message_id, at, MessageState::Undeliverable);
            return;
        };
        if let Some(key) = s.sm.tlvs.get(TLV_IDEMPOTENCY_KEY) {
            let mut sh = self.shared.lock().expect("records");
            sh.key_of.insert(s.message_id.clone(), key.to_vec());
            match sh.keys.get(key) {
                None => sh.keys.first_seen(key),
                // A duplicate of a segment still waiting for the rest of its message: its
                // receipt follows the message's outcome, like the first copy's.
                Some(None) => {
                    drop(sh);
                    phone.pending.push((s.message_id, at));
                    return;
                }
                Some(Some(state)) => {
                    drop(sh);
                    drop(phones);
                    self.receipt(&msisdn, s.message_id, at, state);
                    return;
                }
            }
        }
        self.record(
            &msisdn,
            Happened::Received {
                message_id: s.message_id.clone(),
                from: s.sm.source_addr.clone(),
                user_data: s.sm.short_message.clone(),
            },
        );
        // Segments of messages that never completed: the phone gave up on them.
        let (stale, live): (Vec<_>, Vec<_>) = std::mem::take(&mut phone.pending)
            .into_iter()
            .partition(|(_, t)| at.saturating_sub(*t) > SEGMENT_EXPIRY_MS);
        phone.pending = live;
        phone.pending.push((s.message_id, at));
        let answers = Answers {
            pin: phone.pin.clone(),
            yes: true,
        };
        // A UDH-less SMS is plain text to the phone: it is delivered, not provisioning.
        let udhi = s.sm.esm_class & 0x40 != 0;
        if !udhi {
            let pending = std::mem::take(&mut phone.pending);
            drop(phones);
            for (id, t) in stale {
                self.receipt(&msisdn, id, t, MessageState::Expired);
            }
            for (id, t) in pending {
                self.receipt(&msisdn, id, t, MessageState::Delivered);
            }
            return;
        }
        let log = phone.handset.receive(
            &[Received::UserData(s.sm.short_message)],
            &s.sm.source_addr,
            &answers,
            at,
        );
        let mut outcome: Option<MessageState> = None;
        let mut happened = Vec::new();
        let mut events = match log {
            Ok(log) => log.events,
            Err(e) => {
                happened.push(Happened::Rejected(format!("handset failure: {e}")));
                outcome = Some(MessageState::Undeliverable);
                Vec::new()
            }
        };
        // The virtual user typed its PIN once (Handset::drive). A prompt still open after
        // that means the user does not know the right PIN: it declines, as a person would.
        if matches!(events.last(), Some(Event::NeedPin { .. })) {
            let mut more = omacp_device::RunLog::default();
            let h = &mut phone.handset;
            h.agent.handle(
                omacp_agent::Millis(at),
                omacp_agent::Input::Decline,
                &h.store,
            );
            h.drive(at, &Answers::default(), &mut more);
            events.extend(more.events);
        }
        for e in &events {
            match e {
                Event::NeedPin {
                    sender,
                    method,
                    attempts_left,
                    ..
                } => happened.push(Happened::PinPrompt(format!(
                    "Settings from {sender} ({}). Enter PIN ({attempts_left} attempts left)",
                    method.name().unwrap_or("?")
                ))),
                Event::ConfirmationRequired { summary, .. } => {
                    happened.push(Happened::Confirmation(format!(
                        "Install settings into {} (added {:?})?",
                        summary.context, summary.added
                    )));
                }
                Event::Applied { report, .. } => {
                    let s = &report.summary;
                    happened.push(Happened::Applied(format!(
                        "context {} trust {:?} sec {} added {:?} replaced {:?}",
                        s.context,
                        s.trust,
                        s.sec.and_then(|m| m.name()).unwrap_or("none"),
                        s.added,
                        s.replaced
                    )));
                    outcome = Some(MessageState::Delivered);
                }
                Event::Rejected { reason, .. } => {
                    happened.push(Happened::Rejected(reason.to_string()));
                    outcome = Some(MessageState::Rejected);
                }
            }
        }
        let pending = match outcome {
            Some(_) => std::mem::take(&mut phone.pending),
            None => Vec::new(),
        };
        drop(phones);
        for (id, t) in stale {
            self.receipt(&msisdn, id, t, MessageState::Expired);
        }
        for h in happened {
            self.record(&msisdn, h);
        }
        if let Some(state) = outcome {
            for (id, t) in pending {
                self.receipt(&msisdn, id, t, state);
            }
        }
    }
}

/// `YYMMDDhhmm` (UTC) for receipt dates.
fn ymdhm(secs: u64) -> String {
    let rem = secs % 86_400;
    let (y, m, d) = omacp_wire::civil::date_from_days((secs / 86_400) as i64);
    format!(
        "{:02}{m:02}{d:02}{:02}{:02}",
        y % 100,
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_specs() {
        assert_eq!(ymdhm(0), "7001010000");
        // 2026-11-24 06:30 UTC.
        assert_eq!(ymdhm(1_795_501_800), "2611240630");
        let h = HandsetSpec::parse("+447700900123:001010123456789:1234").unwrap();
        assert_eq!(h.msisdn, "447700900123");
        assert!(!format!("{h:?}").contains("1234"));
        assert!(HandsetSpec::parse("447700900123").is_err());
    }

    #[test]
    fn idempotency_keys_are_bounded_oldest_first() {
        let mut k = Keys::with_cap(2);
        k.first_seen(b"a");
        k.first_seen(b"b");
        k.finished(b"a", MessageState::Delivered);
        assert_eq!(k.get(b"a"), Some(Some(MessageState::Delivered)));
        assert_eq!(k.get(b"b"), Some(None));
        k.first_seen(b"c");
        assert_eq!(k.get(b"a"), None, "the oldest is forgotten");
        assert_eq!(k.get(b"b"), Some(None));
        assert_eq!(k.get(b"c"), Some(None));
        k.finished(b"a", MessageState::Expired);
        assert_eq!(k.get(b"a"), None, "a forgotten key is not brought back");
        assert_eq!(k.state.len(), 2);
    }
}
