//! The SMSC side of one SMPP session, sans-IO: authenticates the bind against configured
//! accounts, assigns message ids, answers submit_sm, and sends delivery receipts as
//! deliver_sm. Fault-injection knobs ([`Faults`]) make it misbehave on purpose for tests:
//! throttle or fail every Nth submit, drop the connection mid-window, send receipts twice
//! or out of order.

use std::collections::VecDeque;

use crate::pdu::{
    BindKind, BindResp, Body, DEFAULT_MAX_PDU, FrameDecoder, INTERFACE_VERSION_34, MessageIdResp,
    Password, Pdu, Sm,
};
use crate::receipt::DeliveryReport;
use crate::status::Status;
use crate::tlv::{Tlvs, tag};

/// An ESME account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// system_id.
    pub system_id: String,
    /// password (redacted in `Debug`).
    pub password: Password,
}

/// Deliberate misbehaviour. Counters are per session; 0 disables a knob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Answer every Nth submit_sm with ESME_RTHROTTLED.
    pub throttle_every: u32,
    /// Answer every Nth submit_sm with `error_status`.
    pub error_every: u32,
    /// The status for `error_every` (ESME_RSYSERR when unset).
    pub error_status: Option<Status>,
    /// After receiving this many submit_sm, close the connection without answering the
    /// last `drop_unanswered` of them: a disconnect mid-window.
    pub drop_after: u32,
    /// How many of the submits before the drop stay unanswered.
    pub drop_unanswered: u32,
    /// Send every receipt twice.
    pub duplicate_receipts: bool,
    /// Hold receipts and send each pair in reverse order.
    pub reorder_receipts: bool,
}

/// SMSC settings.
#[derive(Debug, Clone)]
pub struct SmscConfig {
    /// The SMSC's own system_id (in bind responses).
    pub system_id: String,
    /// Accepted accounts. Empty: any system_id and password is accepted (sandbox mode).
    pub accounts: Vec<Account>,
    /// Fault injection.
    pub faults: Faults,
    /// command_length limit.
    pub max_pdu: u32,
}

impl SmscConfig {
    /// An SMSC named `system_id` accepting the given accounts, no faults.
    pub fn new(system_id: &str, accounts: Vec<Account>) -> SmscConfig {
        SmscConfig {
            system_id: system_id.to_owned(),
            accounts,
            faults: Faults::default(),
            max_pdu: DEFAULT_MAX_PDU,
        }
    }
}

/// What the SMSC session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmscEvent {
    /// An ESME bound.
    Bound {
        /// Its system_id.
        system_id: String,
        /// The bind kind.
        kind: BindKind,
    },
    /// A bind was refused.
    BindRefused {
        /// The system_id tried (never the password).
        system_id: String,
        /// The status sent.
        status: Status,
    },
    /// A submit_sm was accepted and given `message_id`: hand it on.
    Submitted {
        /// The id assigned.
        message_id: String,
        /// The message.
        sm: Box<Sm>,
    },
    /// A deliver_sm we sent was acknowledged.
    ReceiptAcked {
        /// Its sequence number.
        sequence: u32,
        /// The ESME's status.
        status: Status,
    },
    /// Close the transport (unbind done, protocol error, or an injected drop).
    Close,
}

/// One SMSC-side session.
#[derive(Debug)]
pub struct SmscSession {
    cfg: SmscConfig,
    bound: Option<(String, BindKind)>,
    decoder: FrameDecoder,
    out: Vec<u8>,
    events: VecDeque<SmscEvent>,
    next_seq: u32,
    submits: u32,
    held: Option<(DeliveryReport, String, String)>,
    closed: bool,
    /// Submits received before an injected drop whose answer is held back (never sent).
    unanswered: u32,
}

impl SmscSession {
    /// A new session for an accepted connection.
    pub fn new(cfg: SmscConfig) -> SmscSession {
        SmscSession {
            decoder: FrameDecoder::new(cfg.max_pdu),
            cfg,
            bound: None,
            out: Vec::new(),
            events: VecDeque::new(),
            next_seq: 1,
            submits: 0,
            held: None,
            closed: false,
            unanswered: 0,
        }
    }

    /// The bound system_id and kind.
    pub fn bound(&self) -> Option<(&str, BindKind)> {
        self.bound.as_ref().map(|(s, k)| (s.as_str(), *k))
    }

    /// Whether receipts can go to this session (receiver or transceiver bind).
    pub fn can_receive(&self) -> bool {
        matches!(
            self.bound,
            Some((_, BindKind::Receiver | BindKind::Transceiver))
        )
    }

    /// Octets received. `next_id` gives the next message id.
    pub fn handle_input(&mut self, bytes: &[u8], next_id: &mut dyn FnMut() -> String) {
        if self.closed {
            return;
        }
        self.decoder.feed(bytes);
        loop {
            match self.decoder.next_pdu() {
                Ok(Some(p)) => self.handle_pdu(p, next_id),
                Ok(None) => break,
                Err(e) => {
                    // Answer what can be answered, then give up on the stream (§2.9: the
                    // length cannot be trusted any more).
                    let mut nack = Pdu::new(0, Body::GenericNack);
                    nack.status = match e.kind {
                        crate::error::PduErrorKind::UnknownCommand(_) => Status::INVALID_COMMAND_ID,
                        _ => Status::INVALID_COMMAND_LENGTH,
                    };
                    nack.encode(&mut self.out);
                    self.close();
                    break;
                }
            }
            if self.closed {
                break;
            }
        }
    }

    /// Octets to write.
    pub fn take_transmit(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.out);
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SmscEvent> {
        self.events.pop_front()
    }

    /// Queues a delivery receipt to the ESME (applying the receipt faults).
    pub fn send_receipt(&mut self, report: &DeliveryReport, from: &str, to: &str) {
        if self.closed {
            return;
        }
        let sm = report.to_deliver_sm(from, to);
        if self.cfg.faults.reorder_receipts {
            match self.held.take() {
                None => self.held = Some((report.clone(), from.to_owned(), to.to_owned())),
                Some((first, f, t)) => {
                    self.emit_receipt(sm);
                    self.emit_receipt(first.to_deliver_sm(&f, &t));
                }
            }
        } else {
            self.emit_receipt(sm);
        }
    }

    fn emit_receipt(&mut self, sm: Sm) {
        let copies = if self.cfg.faults.duplicate_receipts {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let s = self.seq();
            Pdu::new(s, Body::DeliverSm(Box::new(sm.clone()))).encode(&mut self.out);
        }
    }

    /// Sends a receipt held back for reordering (call when no more are coming soon).
    pub fn flush_receipts(&mut self) {
        if let Some((r, f, t)) = self.held.take() {
            self.emit_receipt(r.to_deliver_sm(&f, &t));
        }
    }

    /// A receipt held back for reordering and never sent (to re-route when the session
    /// ends): (report, from, to).
    pub fn take_held_receipt(&mut self) -> Option<(DeliveryReport, String, String)> {
        self.held.take()
    }

    /// Sends unbind (server shutdown).
    pub fn unbind(&mut self) {
        if !self.closed {
            let s = self.seq();
            Pdu::new(s, Body::Unbind).encode(&mut self.out);
        }
    }

    fn seq(&mut self) -> u32 {
        let s = self.next_seq;
        self.next_seq = if s >= 0x7FFF_FFFF { 1 } else { s + 1 };
        s
    }

    fn close(&mut self) {
        self.closed = true;
        self.events.push_back(SmscEvent::Close);
    }

    fn reply(&mut self, seq: u32, status: Status, body: Body) {
        Pdu {
            status,
            sequence: seq,
            body,
        }
        .encode(&mut self.out);
    }

    fn authenticate(&self, system_id: &str, password: &Password) -> Status {
        if self.cfg.accounts.is_empty() {
            return Status::OK;
        }
        match self.cfg.accounts.iter().find(|a| a.system_id == system_id) {
            None => Status::INVALID_SYSTEM_ID,
            Some(a) if constant_time_eq(a.password.0.as_bytes(), password.0.as_bytes()) => {
                Status::OK
            }
            Some(_) => Status::INVALID_PASSWORD,
        }
    }

    fn handle_pdu(&mut self, pdu: Pdu, next_id: &mut dyn FnMut() -> String) {
        let seq = pdu.sequence;
        match pdu.body {
            Body::Bind(kind, b) => {
                let status = if self.bound.is_some() {
                    Status::ALREADY_BOUND
                } else {
                    self.authenticate(&b.system_id, &b.password)
                };
                let mut tlvs = Tlvs::default();
                tlvs.push(tag::SC_INTERFACE_VERSION, vec![INTERFACE_VERSION_34]);
                let resp = BindResp {
                    system_id: self.cfg.system_id.clone(),
                    tlvs,
                };
                self.reply(seq, status, Body::BindResp(kind, resp));
                if status.is_ok() {
                    self.bound = Some((b.system_id.clone(), kind));
                    self.events.push_back(SmscEvent::Bound {
                        system_id: b.system_id,
                        kind,
                    });
                } else if self.bound.is_none() {
                    self.events.push_back(SmscEvent::BindRefused {
                        system_id: b.system_id,
                        status,
                    });
                }
            }
            Body::EnquireLink => self.reply(seq, Status::OK, Body::EnquireLinkResp),
            Body::Unbind => {
                self.reply(seq, Status::OK, Body::UnbindResp);
                self.close();
            }
            Body::UnbindResp => self.close(),
            Body::SubmitSm(sm) => self.handle_submit(seq, sm, next_id),
            Body::DeliverSmResp(_) | Body::GenericNack => {
                self.events.push_back(SmscEvent::ReceiptAcked {
                    sequence: seq,
                    status: pdu.status,
                });
            }
            Body::EnquireLinkResp => {}
            Body::DataSm(_) => {
                // Not offered by this SMSC.
                let resp = MessageIdResp::default();
                self.reply(seq, Status::INVALID_COMMAND_ID, Body::DataSmResp(resp));
            }
            other if other.is_response() => {}
            _ => self.reply(seq, Status::INVALID_COMMAND_ID, Body::GenericNack),
        }
    }

    fn handle_submit(&mut self, seq: u32, sm: Box<Sm>, next_id: &mut dyn FnMut() -> String) {
        let f = &self.cfg.faults;
        let can_submit = matches!(
            self.bound,
            Some((_, BindKind::Transmitter | BindKind::Transceiver))
        );
        if !can_submit {
            let r = MessageIdResp::default();
            self.reply(seq, Status::INVALID_BIND_STATUS, Body::SubmitSmResp(r));
            return;
        }
        self.submits += 1;
        let n = self.submits;
        if f.drop_after > 0 && n > f.drop_after.saturating_sub(f.drop_unanswered) {
            // Inside the unanswered tail before an injected drop: say nothing.
            self.unanswered += 1;
            if n >= f.drop_after {
                self.close();
            }
            return;
        }
        let status = if f.throttle_every > 0 && n.is_multiple_of(f.throttle_every) {
            Status::THROTTLED
        } else if f.error_every > 0 && n.is_multiple_of(f.error_every) {
            f.error_status.unwrap_or(Status::SYSTEM_ERROR)
        } else {
            Status::OK
        };
        if !status.is_ok() {
            self.reply(seq, status, Body::SubmitSmResp(MessageIdResp::default()));
            return;
        }
        let message_id = next_id();
        let resp = MessageIdResp {
            message_id: message_id.clone(),
            tlvs: Tlvs::default(),
        };
        self.reply(seq, Status::OK, Body::SubmitSmResp(resp));
        self.events
            .push_back(SmscEvent::Submitted { message_id, sm });
    }
}

/// Compares secrets without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
