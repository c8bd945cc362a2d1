//! The ESME side of one SMPP session, sans-IO (style: quinn-proto). The caller owns the
//! socket and the clock: it feeds received octets ([`Esme::handle_input`]), drains octets to
//! send ([`Esme::take_transmit`]), arms a timer from [`Esme::poll_timeout`] and calls
//! [`Esme::handle_timeout`], and reads [`Event`]s. Nothing here reads a clock, so tests
//! drive it on a made-up timeline.
//!
//! Message accounting: every message given to [`Esme::submit`] ends in exactly one of
//! [`Event::Accepted`] or [`Event::Failed`], or stays queued; a lost connection puts the
//! window back at the front of the queue (those may be sent twice: at-least-once).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::error::PduError;
use crate::pdu::{
    Bind, BindKind, Body, FrameDecoder, INTERFACE_VERSION_34, MessageIdResp, Pdu, Sm,
};

mod config;
use crate::receipt::DeliveryReport;
use crate::status::{Class, Status};
pub use config::{ConfigError, EsmeConfig};

/// The caller's key for a message (a database row id, an index).
pub type Key = u64;

/// Why a message failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The SMSC answered a permanent error.
    Permanent,
    /// Temporary errors on every allowed attempt.
    AttemptsExhausted,
    /// Never sent: the SMSC could not be reached or refused the bind (the status says which).
    NotSent,
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The transport closed (reported by the caller).
    ConnectionLost,
    /// A request got no response in time.
    Timeout,
    /// The peer sent octets that are not SMPP.
    Protocol(PduError),
    /// Unbound (by us or by the SMSC).
    Unbound,
    /// The bind was refused.
    BindRefused(Status),
}

/// What the session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The bind succeeded.
    Bound {
        /// The SMSC's system_id.
        system_id: String,
    },
    /// A submit_sm was accepted.
    Accepted {
        /// The caller's key.
        key: Key,
        /// The SMSC message id (what receipts name).
        message_id: String,
    },
    /// A submit_sm failed for good.
    Failed {
        /// The caller's key.
        key: Key,
        /// The last status.
        status: Status,
        /// Why it is final.
        reason: FailReason,
    },
    /// A temporary error or throttling: the message will be retried.
    Retrying {
        /// The caller's key.
        key: Key,
        /// The status.
        status: Status,
        /// Sending pauses until then.
        until: Instant,
    },
    /// A delivery receipt (already acknowledged).
    Receipt(DeliveryReport),
    /// A mobile-originated deliver_sm that is not a receipt (already acknowledged).
    Deliver(Box<Sm>),
    /// The session is over: close the transport. Requests in flight were requeued.
    Closed {
        /// Why.
        reason: CloseReason,
        /// How many in-flight submits went back to the queue.
        requeued: usize,
    },
}

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No transport.
    Closed,
    /// bind sent, waiting for its response.
    Binding,
    /// Bound: submits flow.
    Bound,
    /// unbind sent.
    Unbinding,
}

#[derive(Debug)]
struct Message {
    key: Key,
    sm: Sm,
    attempts: u32,
}

#[derive(Debug)]
enum Request {
    Bind,
    Unbind,
    EnquireLink,
    Submit(Message),
}

/// One ESME session. See the module docs for the calling protocol.
#[derive(Debug)]
pub struct Esme {
    cfg: EsmeConfig,
    state: State,
    next_seq: u32,
    decoder: FrameDecoder,
    out: Vec<u8>,
    events: VecDeque<Event>,
    queue: VecDeque<Message>,
    inflight: HashMap<u32, Request>,
    /// (deadline, sequence) in send order; entries already answered are skipped lazily.
    deadlines: VecDeque<(Instant, u32)>,
    submits_inflight: usize,
    last_traffic: Instant,
    enquire_pending: bool,
    paused_until: Option<Instant>,
    backoff: Duration,
}

impl Esme {
    /// A closed session; call [`Esme::connected`] once the transport is up.
    pub fn new(cfg: EsmeConfig, now: Instant) -> Esme {
        Esme {
            decoder: FrameDecoder::new(cfg.max_pdu),
            backoff: cfg.initial_backoff,
            cfg,
            state: State::Closed,
            next_seq: 1,
            out: Vec::new(),
            events: VecDeque::new(),
            queue: VecDeque::new(),
            inflight: HashMap::new(),
            deadlines: VecDeque::new(),
            submits_inflight: 0,
            last_traffic: now,
            enquire_pending: false,
            paused_until: None,
        }
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Messages waiting to be sent.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// submit_sm awaiting a response.
    pub fn in_flight(&self) -> usize {
        self.submits_inflight
    }

    /// Nothing queued and nothing in flight.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.submits_inflight == 0
    }

    /// The transport is up: sends the bind.
    pub fn connected(&mut self, now: Instant) {
        self.decoder = FrameDecoder::new(self.cfg.max_pdu);
        self.out.clear();
        self.state = State::Binding;
        self.last_traffic = now;
        self.enquire_pending = false;
        let bind = Bind {
            system_id: self.cfg.system_id.clone(),
            password: self.cfg.password.clone(),
            system_type: self.cfg.system_type.clone(),
            interface_version: INTERFACE_VERSION_34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
        };
        self.send_request(Body::Bind(self.cfg.bind, bind), Request::Bind, now);
    }

    /// Queues a message. It is sent when bound, the window has room and no back-off runs.
    pub fn submit(&mut self, key: Key, sm: Sm, now: Instant) {
        self.queue.push_back(Message {
            key,
            sm,
            attempts: 0,
        });
        self.pump(now);
    }

    /// Starts a clean unbind (after the window drains, the caller decides when).
    pub fn unbind(&mut self, now: Instant) {
        if matches!(self.state, State::Bound | State::Binding) {
            self.state = State::Unbinding;
            self.send_request(Body::Unbind, Request::Unbind, now);
        }
    }

    /// The transport closed under us.
    pub fn connection_lost(&mut self, _now: Instant) {
        if self.state != State::Closed {
            self.close(CloseReason::ConnectionLost);
        }
    }

    /// Octets received from the transport.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if self.state == State::Closed {
            return;
        }
        self.decoder.feed(bytes);
        loop {
            match self.decoder.next_pdu() {
                Ok(Some(pdu)) => {
                    self.last_traffic = now;
                    self.handle_pdu(pdu, now);
                    if self.state == State::Closed {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.close(CloseReason::Protocol(e));
                    return;
                }
            }
        }
        self.pump(now);
    }

    /// When [`Esme::handle_timeout`] should next run.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        if self.state == State::Closed {
            return None;
        }
        while let Some(&(_, seq)) = self.deadlines.front() {
            if self.inflight.contains_key(&seq) {
                break;
            }
            self.deadlines.pop_front();
        }
        let mut t = self.deadlines.front().map(|d| d.0);
        let mut earliest = |x: Instant| t = Some(t.map_or(x, |t| t.min(x)));
        if self.state == State::Bound && !self.enquire_pending {
            earliest(self.last_traffic + self.cfg.enquire_link_interval);
        }
        if let Some(p) = self.paused_until {
            earliest(p);
        }
        t
    }

    /// Runs timers: dead-link detection, enquire_link, end of back-off.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Closed {
            return;
        }
        if self.poll_timeout().is_some()
            && let Some(&(deadline, _)) = self.deadlines.front()
            && deadline <= now
        {
            self.close(CloseReason::Timeout);
            return;
        }
        if self.state == State::Bound
            && !self.enquire_pending
            && now >= self.last_traffic + self.cfg.enquire_link_interval
        {
            self.enquire_pending = true;
            self.send_request(Body::EnquireLink, Request::EnquireLink, now);
        }
        self.pump(now);
    }

    /// Octets to write to the transport (appended to `out`).
    pub fn take_transmit(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.out);
    }

    /// Whether octets wait to be written.
    pub fn has_transmit(&self) -> bool {
        !self.out.is_empty()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn seq(&mut self) -> u32 {
        let s = self.next_seq;
        // Sequence numbers run 1..=0x7FFFFFFF (§3.2).
        self.next_seq = if s >= 0x7FFF_FFFF { 1 } else { s + 1 };
        s
    }

    fn send_request(&mut self, body: Body, req: Request, now: Instant) {
        let seq = self.seq();
        Pdu::new(seq, body).encode(&mut self.out);
        self.inflight.insert(seq, req);
        self.deadlines
            .push_back((now + self.cfg.response_timeout, seq));
    }

    fn respond(&mut self, seq: u32, body: Body) {
        Pdu::new(seq, body).encode(&mut self.out);
    }

    /// Moves queued messages into the window.
    fn pump(&mut self, now: Instant) {
        if self.state != State::Bound || self.cfg.bind == BindKind::Receiver {
            return;
        }
        if let Some(p) = self.paused_until {
            if now < p {
                return;
            }
            self.paused_until = None;
        }
        while self.submits_inflight < self.cfg.window {
            let Some(mut m) = self.queue.pop_front() else {
                break;
            };
            m.attempts += 1;
            let seq = self.seq();
            // The Sm is kept for a retry; the encoder borrows it.
            let pdu = Pdu::new(seq, Body::SubmitSm(Box::new(std::mem::take(&mut m.sm))));
            pdu.encode(&mut self.out);
            let Body::SubmitSm(sm) = pdu.body else {
                unreachable!("built above")
            };
            m.sm = *sm;
            self.inflight.insert(seq, Request::Submit(m));
            self.deadlines
                .push_back((now + self.cfg.response_timeout, seq));
            self.submits_inflight += 1;
        }
    }

    fn handle_pdu(&mut self, pdu: Pdu, now: Instant) {
        let seq = pdu.sequence;
        match pdu.body {
            Body::EnquireLink => self.respond(seq, Body::EnquireLinkResp),
            Body::Unbind => {
                self.respond(seq, Body::UnbindResp);
                self.close(CloseReason::Unbound);
            }
            Body::DeliverSm(sm) => {
                self.respond(seq, Body::DeliverSmResp(MessageIdResp::default()));
                self.events
                    .push_back(match DeliveryReport::from_deliver_sm(&sm) {
                        Some(r) => Event::Receipt(r),
                        None => Event::Deliver(sm),
                    });
            }
            Body::DataSm(_) | Body::SubmitSm(_) | Body::Bind(..) | Body::Outbind(_) => {
                // Requests an ESME does not serve.
                let mut nack = Pdu::new(seq, Body::GenericNack);
                nack.status = Status::INVALID_COMMAND_ID;
                nack.encode(&mut self.out);
            }
            body => {
                let Some(req) = self.inflight.remove(&seq) else {
                    // A late response to a request already given up on: nothing to match.
                    return;
                };
                self.handle_response(req, pdu.status, body, now);
            }
        }
    }

    fn handle_response(&mut self, req: Request, status: Status, body: Body, now: Instant) {
        match req {
            Request::Bind => match body {
                Body::BindResp(_, r) if status.is_ok() => {
                    self.state = State::Bound;
                    self.events.push_back(Event::Bound {
                        system_id: r.system_id,
                    });
                }
                _ => {
                    let s = if status.is_ok() {
                        Status::BIND_FAILED
                    } else {
                        status
                    };
                    self.close(CloseReason::BindRefused(s));
                }
            },
            Request::Unbind => self.close(CloseReason::Unbound),
            Request::EnquireLink => self.enquire_pending = false,
            Request::Submit(m) => {
                self.submits_inflight -= 1;
                match (status.class(), body) {
                    (Class::Ok, Body::SubmitSmResp(r)) => {
                        self.backoff = self.cfg.initial_backoff;
                        self.events.push_back(Event::Accepted {
                            key: m.key,
                            message_id: r.message_id,
                        });
                    }
                    // ESME_ROK on a generic_nack or a mismatched body: treat as a fault.
                    (Class::Ok, _) => self.retry(m, Status::UNKNOWN_ERROR, false, now),
                    (Class::Throttle, _) => self.retry(m, status, true, now),
                    (Class::Temporary, _) => self.retry(m, status, false, now),
                    (Class::Permanent, _) => self.events.push_back(Event::Failed {
                        key: m.key,
                        status,
                        reason: FailReason::Permanent,
                    }),
                }
            }
        }
    }

    fn retry(&mut self, mut m: Message, status: Status, throttle: bool, now: Instant) {
        if throttle {
            // Throttling is flow control, not a fault of the message.
            m.attempts = m.attempts.saturating_sub(1);
        } else if m.attempts >= self.cfg.max_attempts {
            self.events.push_back(Event::Failed {
                key: m.key,
                status,
                reason: FailReason::AttemptsExhausted,
            });
            return;
        }
        let until = now + self.backoff;
        self.backoff = (self.backoff * 2).min(self.cfg.max_backoff);
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        self.events.push_back(Event::Retrying {
            key: m.key,
            status,
            until,
        });
        self.queue.push_front(m);
    }

    fn close(&mut self, reason: CloseReason) {
        let mut requeued = 0;
        let mut back: Vec<(u32, Message)> = Vec::new();
        for (seq, req) in self.inflight.drain() {
            if let Request::Submit(m) = req {
                back.push((seq, m));
            }
        }
        // Oldest first at the front, so the original order survives a reconnect.
        back.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        for (_, m) in back {
            self.queue.push_front(m);
            requeued += 1;
        }
        self.deadlines.clear();
        self.submits_inflight = 0;
        self.enquire_pending = false;
        self.state = State::Closed;
        self.events.push_back(Event::Closed { reason, requeued });
    }

    /// Drops every queued message, reporting each as failed (used when giving up for good,
    /// e.g. after a refused bind).
    pub fn fail_queued(&mut self, status: Status) {
        while let Some(m) = self.queue.pop_front() {
            self.events.push_back(Event::Failed {
                key: m.key,
                status,
                reason: FailReason::NotSent,
            });
        }
    }
}

#[cfg(test)]
mod tests;
