//! A virtual handset: a store directory holding the settings database, the subscriber's
//! IMSI and (optionally) a card image, plus the run loop that drives the sans-IO agent
//! against it (style habit 7: the loop only executes actions and forwards events).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use omacp_agent::{Action, Agent, Event, Input, MessageId, Millis, PlanId, Policy};
use omacp_card::{CardImage, ReadOptions, SimulatedCard, read_provisioning};
use omacp_sec::{Imsi, Pin};

use crate::http;
use crate::store::{Store, StoreError};

/// A handset failure (not a refusal: those are agent events).
#[derive(Debug, thiserror::Error)]
pub enum HandsetError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Filesystem error.
    #[error("{path}: {source}")]
    Io {
        /// Which path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The store directory was never initialised.
    #[error("{0} is not a handset store (run `omacp device init` first)")]
    NotInitialised(PathBuf),
    /// The stored or given IMSI is not valid.
    #[error("invalid IMSI")]
    BadImsi,
    /// The card image cannot be read.
    #[error("card: {0}")]
    Card(String),
}

/// An input owned by the caller (what `omacp device receive` reads from a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An SMS-DELIVER TPDU.
    Tpdu(Vec<u8>),
    /// SMS user data (UDH and payload).
    UserData(Vec<u8>),
    /// A push PDU (a complete WDP datagram).
    Push(Vec<u8>),
    /// A bare document (WBXML or XML).
    Document(Vec<u8>),
}

/// Answers the user gave in advance (the CLI's `--pin` and `--yes`).
#[derive(Debug, Default)]
pub struct Answers {
    /// The PIN to offer once per message.
    pub pin: Option<Pin>,
    /// Accept every confirmation.
    pub yes: bool,
}

/// The events of one run, and the history ids of the plans committed.
#[derive(Debug, Default)]
pub struct RunLog {
    /// Every event, in order.
    pub events: Vec<Event>,
    /// Plan → history id of the store.
    pub history: BTreeMap<PlanId, i64>,
    /// Messages for which the offered PIN was already used.
    pin_used: BTreeSet<MessageId>,
}

/// A handset: its store and agent.
#[derive(Debug)]
pub struct Handset {
    /// The settings store.
    pub store: Store,
    /// The agent.
    pub agent: Agent,
    /// HTTP timeout for fetches.
    pub http_timeout: Duration,
}

impl Handset {
    /// Creates a handset in `dir` with `imsi`; with `card`, reads the card image and applies
    /// its documents with card trust. Returns the handset and the events of the card read.
    pub fn init(
        dir: &Path,
        imsi: &str,
        card: Option<&Path>,
        now_ms: u64,
    ) -> Result<(Handset, RunLog), HandsetError> {
        Imsi::parse(imsi).map_err(|_| HandsetError::BadImsi)?;
        std::fs::create_dir_all(dir).map_err(|source| HandsetError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut store = Store::open(dir)?;
        store.set_meta("imsi", imsi)?;
        if store.history()?.is_empty() {
            store.note("init", "device init", now_ms as i64)?;
        }
        let mut docs = Vec::new();
        if let Some(path) = card {
            let img = CardImage::load(path).map_err(|e| HandsetError::Card(e.to_string()))?;
            let target = dir.join("card.image");
            std::fs::write(&target, img.to_text()).map_err(|source| HandsetError::Io {
                path: target,
                source,
            })?;
            let mut sim =
                SimulatedCard::new(&img).map_err(|e| HandsetError::Card(e.to_string()))?;
            let opts = ReadOptions {
                platform: Some(img.platform),
                ..ReadOptions::default()
            };
            let contents = read_provisioning(&mut sim, &opts)
                .map_err(|e| HandsetError::Card(e.to_string()))?;
            docs = contents.documents;
        }
        let mut h = Handset::open(dir)?;
        let mut log = RunLog::default();
        for d in &docs {
            h.agent.handle(
                Millis(now_ms),
                Input::Card {
                    role: d.role,
                    bytes: &d.bytes,
                },
                &h.store,
            );
            h.drive(now_ms, &Answers::default(), &mut log);
        }
        h.save()?;
        Ok((h, log))
    }

    /// Opens the handset in `dir`.
    pub fn open(dir: &Path) -> Result<Handset, HandsetError> {
        if !dir.join(crate::store::DB_FILE).exists() {
            return Err(HandsetError::NotInitialised(dir.to_path_buf()));
        }
        let store = Store::open(dir)?;
        let imsi = store
            .meta("imsi")?
            .ok_or_else(|| HandsetError::NotInitialised(dir.to_path_buf()))?;
        let imsi = Imsi::parse(&imsi).map_err(|_| HandsetError::BadImsi)?;
        let mut agent = Agent::new(Policy::default(), Some(imsi));
        agent.set_pin_guard(store.pin_guard()?);
        let next = store.history()?.last().map_or(1, |e| e.id as u64 + 1);
        agent.set_next_id(next);
        Ok(Handset {
            store,
            agent,
            http_timeout: Duration::from_secs(10),
        })
    }

    /// Persists what the agent keeps across runs (the PIN-failure state).
    pub fn save(&self) -> Result<(), HandsetError> {
        self.store.set_pin_guard(self.agent.pin_guard())?;
        Ok(())
    }

    /// Feeds `inputs` at `now_ms` (originator `from` for user data and pushes) and drives
    /// the agent until it waits for something the answers cannot give.
    pub fn receive(
        &mut self,
        inputs: &[Received],
        from: &str,
        answers: &Answers,
        now_ms: u64,
    ) -> Result<RunLog, HandsetError> {
        let mut log = RunLog::default();
        for i in inputs {
            let input = match i {
                Received::Tpdu(b) => Input::Tpdu(b),
                Received::UserData(b) => Input::UserData {
                    originator: from,
                    ud: b,
                },
                Received::Push(b) => Input::Push {
                    originator: from,
                    pdu: b,
                },
                Received::Document(b) => Input::Document(b),
            };
            self.agent.handle(Millis(now_ms), input, &self.store);
            self.drive(now_ms, answers, &mut log);
        }
        self.save()?;
        Ok(log)
    }

    /// Pulls settings from `url` (which must lie under a trusted context's PROVURL).
    pub fn fetch(
        &mut self,
        url: &str,
        answers: &Answers,
        now_ms: u64,
    ) -> Result<RunLog, HandsetError> {
        let mut log = RunLog::default();
        self.agent.fetch(url, &self.store);
        self.drive(now_ms, answers, &mut log);
        self.save()?;
        Ok(log)
    }

    /// Executes actions and forwards events until the agent has nothing more to do.
    pub fn drive(&mut self, now_ms: u64, answers: &Answers, log: &mut RunLog) {
        let now = Millis(now_ms);
        loop {
            let mut progressed = false;
            while let Some(a) = self.agent.poll_action() {
                progressed = true;
                match a {
                    Action::Commit(plan) => {
                        let reply = match self.store.apply(&plan, now_ms as i64) {
                            Ok(hid) => {
                                log.history.insert(plan.id, hid);
                                Input::Committed(plan.id)
                            }
                            Err(_) => Input::CommitFailed(plan.id),
                        };
                        self.agent.handle(now, reply, &self.store);
                    }
                    Action::Fetch { id, url } => match http::get(&url, self.http_timeout) {
                        Ok(r) => self.agent.handle(
                            now,
                            Input::HttpResponse {
                                fetch: id,
                                status: r.status,
                                content_type: &r.content_type,
                                body: &r.body,
                            },
                            &self.store,
                        ),
                        Err(_) => {
                            self.agent
                                .handle(now, Input::FetchFailed { fetch: id }, &self.store)
                        }
                    },
                }
            }
            let mut answer = None;
            while let Some(e) = self.agent.poll_event() {
                progressed = true;
                match &e {
                    // The offered PIN is tried once per message.
                    Event::NeedPin { message, .. }
                        if answers.pin.is_some() && log.pin_used.insert(*message) =>
                    {
                        answer = Some(true);
                    }
                    Event::ConfirmationRequired { .. } if answers.yes => answer = Some(false),
                    _ => {}
                }
                log.events.push(e);
            }
            match (answer, &answers.pin) {
                (Some(true), Some(pin)) => self.agent.handle(now, Input::Pin(pin), &self.store),
                (Some(false), _) => self.agent.handle(now, Input::Confirm, &self.store),
                _ => {}
            }
            if !progressed && answer.is_none() {
                break;
            }
        }
    }
}
