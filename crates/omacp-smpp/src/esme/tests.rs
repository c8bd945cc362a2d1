//! The ESME and SMSC sessions driven against each other on a made-up clock: every fault
//! test ends by accounting for every message.

use super::*;
use crate::pdu::{DEFAULT_MAX_PDU, Password};
use crate::receipt::MessageState;
use crate::smsc::{Account, Faults, SmscConfig, SmscEvent, SmscSession};
use std::collections::{BTreeMap, BTreeSet};

struct Pair {
    esme: Esme,
    smsc: SmscSession,
    now: Instant,
    ids: u64,
    events: Vec<Event>,
    submitted: Vec<(String, Sm)>,
    receipt_acks: usize,
    smsc_closed: bool,
}

fn cfg(window: usize) -> EsmeConfig {
    let mut c = EsmeConfig::new("omacp", "pw");
    c.window = window;
    c
}

fn smsc_cfg(faults: Faults) -> SmscConfig {
    let mut c = SmscConfig::new(
        "sim",
        vec![Account {
            system_id: "omacp".into(),
            password: Password("pw".into()),
        }],
    );
    c.faults = faults;
    c
}

fn sm(i: u64) -> Sm {
    Sm {
        destination_addr: format!("4477009{i:05}"),
        esm_class: 0x40,
        data_coding: 0x04,
        short_message: vec![i as u8; 10],
        ..Sm::default()
    }
}

impl Pair {
    fn new(esme: EsmeConfig, faults: Faults) -> Pair {
        let now = Instant::now();
        let mut p = Pair {
            esme: Esme::new(esme, now),
            smsc: SmscSession::new(smsc_cfg(faults)),
            now,
            ids: 0,
            events: Vec::new(),
            submitted: Vec::new(),
            receipt_acks: 0,
            smsc_closed: false,
        };
        p.esme.connected(now);
        p
    }

    /// Moves ESME → SMSC octets only (responses stay with the SMSC).
    fn esme_to_smsc(&mut self) {
        let mut buf = Vec::new();
        self.esme.take_transmit(&mut buf);
        if self.smsc_closed {
            return;
        }
        let ids = &mut self.ids;
        self.smsc.handle_input(&buf, &mut || {
            *ids += 1;
            format!("M{ids}")
        });
        while let Some(e) = self.smsc.poll_event() {
            match e {
                SmscEvent::Submitted { message_id, sm } => self.submitted.push((message_id, *sm)),
                SmscEvent::Close => self.smsc_closed = true,
                SmscEvent::ReceiptAcked { status, .. } if status.is_ok() => self.receipt_acks += 1,
                _ => {}
            }
        }
    }

    fn smsc_to_esme(&mut self) {
        let mut buf = Vec::new();
        self.smsc.take_transmit(&mut buf);
        self.esme.handle_input(&buf, self.now);
        if self.smsc_closed && self.esme.state() != State::Closed {
            self.esme.connection_lost(self.now);
        }
        while let Some(e) = self.esme.poll_event() {
            self.events.push(e);
        }
    }

    /// Exchanges until neither side has anything to say; then runs due timers.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            self.esme_to_smsc();
            self.smsc_to_esme();
            if !self.esme.has_transmit() {
                match self.esme.poll_timeout() {
                    Some(t) if t <= self.now => self.esme.handle_timeout(self.now),
                    _ => return,
                }
            }
        }
        panic!("no quiescence");
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.esme.handle_timeout(self.now);
        self.settle();
    }

    /// Runs the clock forward timer by timer until the ESME is idle or closed.
    fn run_to_idle(&mut self) {
        self.settle();
        for _ in 0..1000 {
            if self.esme.is_idle() || self.esme.state() == State::Closed {
                return;
            }
            let t = self.esme.poll_timeout().expect("a timer while busy");
            self.now = self.now.max(t);
            self.esme.handle_timeout(self.now);
            self.settle();
        }
        panic!("did not become idle");
    }

    fn reconnect(&mut self, faults: Faults) {
        self.smsc = SmscSession::new(smsc_cfg(faults));
        self.smsc_closed = false;
        self.esme.connected(self.now);
        self.settle();
    }

    fn accepted(&self) -> BTreeMap<Key, String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Accepted { key, message_id } => Some((*key, message_id.clone())),
                _ => None,
            })
            .collect()
    }

    fn failed(&self) -> BTreeMap<Key, (Status, FailReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Failed {
                    key,
                    status,
                    reason,
                } => Some((*key, (*status, *reason))),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn window_caps_in_flight_and_all_are_accepted() {
    let mut p = Pair::new(cfg(5), Faults::default());
    p.settle();
    assert!(matches!(p.events[0], Event::Bound { ref system_id } if system_id == "sim"));
    for i in 0..23 {
        p.esme.submit(i, sm(i), p.now);
        assert!(p.esme.in_flight() <= 5);
    }
    assert_eq!(p.esme.in_flight(), 5);
    assert_eq!(p.esme.queued(), 18);
    p.run_to_idle();
    let acc = p.accepted();
    assert_eq!(acc.len(), 23);
    let ids: BTreeSet<_> = acc.values().collect();
    assert_eq!(ids.len(), 23, "message ids are unique");
    // The SMSC saw the submits in submission order.
    let order: Vec<_> = p
        .submitted
        .iter()
        .map(|(_, s)| s.short_message[0])
        .collect();
    assert_eq!(order, (0..23u8).collect::<Vec<_>>());
}

#[test]
fn throttling_backs_off_doubling_then_resets() {
    let faults = Faults {
        throttle_every: 2,
        ..Faults::default()
    };
    let mut c = cfg(1);
    c.initial_backoff = Duration::from_millis(100);
    c.max_backoff = Duration::from_millis(250);
    let mut p = Pair::new(c, faults);
    p.settle();
    let t0 = p.now;
    p.esme.submit(1, sm(1), p.now);
    p.esme.submit(2, sm(2), p.now);
    p.settle();
    // #1 accepted, #2 throttled: paused for 100 ms, nothing is sent meanwhile.
    let retry = p
        .events
        .iter()
        .find_map(|e| match e {
            Event::Retrying { key, status, until } => Some((*key, *status, *until)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        retry,
        (2, Status::THROTTLED, t0 + Duration::from_millis(100))
    );
    assert_eq!(p.esme.queued(), 1);
    p.advance(Duration::from_millis(99));
    assert_eq!(p.esme.queued(), 1, "still backing off");
    p.advance(Duration::from_millis(1));
    // Resent as SMSC submit #3 (accepted).
    assert_eq!(p.accepted().len(), 2);

    // Back-off doubles on consecutive throttles and stops at the ceiling.
    let faults = Faults {
        throttle_every: 1,
        ..Faults::default()
    };
    p.reconnect(faults);
    p.esme.submit(3, sm(3), p.now);
    p.settle();
    let mut pauses = Vec::new();
    for _ in 0..4 {
        let t = p.esme.poll_timeout().unwrap();
        pauses.push(t - p.now);
        p.now = t;
        p.esme.handle_timeout(p.now);
        p.settle();
    }
    assert_eq!(
        pauses,
        [100, 200, 250, 250].map(Duration::from_millis).to_vec()
    );
    assert!(p.failed().is_empty(), "throttling never fails a message");
}

#[test]
fn permanent_and_temporary_errors() {
    let faults = Faults {
        error_every: 4,
        error_status: Some(Status::INVALID_DEST_ADDR),
        ..Faults::default()
    };
    let mut p = Pair::new(cfg(3), faults);
    for i in 0..12 {
        p.esme.submit(i, sm(i), p.now);
    }
    p.run_to_idle();
    let (acc, failed) = (p.accepted(), p.failed());
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .values()
            .all(|f| *f == (Status::INVALID_DEST_ADDR, FailReason::Permanent))
    );
    assert_eq!(acc.len() + failed.len(), 12);

    // Temporary errors: retried; with every submit failing, the attempts run out.
    let faults = Faults {
        error_every: 1,
        ..Faults::default()
    };
    let mut c = cfg(2);
    c.max_attempts = 3;
    let mut p = Pair::new(c, faults);
    p.esme.submit(7, sm(7), p.now);
    p.run_to_idle();
    assert_eq!(
        p.failed().get(&7),
        Some(&(Status::SYSTEM_ERROR, FailReason::AttemptsExhausted))
    );
    let retries = p
        .events
        .iter()
        .filter(|e| matches!(e, Event::Retrying { .. }))
        .count();
    assert_eq!(retries, 2);
}

#[test]
fn disconnect_mid_window_requeues_and_nothing_is_lost() {
    let faults = Faults {
        drop_after: 7,
        drop_unanswered: 3,
        ..Faults::default()
    };
    let mut p = Pair::new(cfg(4), faults);
    for i in 0..20 {
        p.esme.submit(i, sm(i), p.now);
    }
    p.settle();
    assert_eq!(p.esme.state(), State::Closed);
    let closed = p.events.iter().find_map(|e| match e {
        Event::Closed { reason, requeued } => Some((reason.clone(), *requeued)),
        _ => None,
    });
    // Submits 5..=7 went unanswered and #8 was still on the wire when the SMSC hung up.
    assert_eq!(closed, Some((CloseReason::ConnectionLost, 4)));
    assert_eq!(p.accepted().len(), 4);
    assert_eq!(p.esme.queued(), 16);
    p.reconnect(Faults::default());
    p.run_to_idle();
    let acc = p.accepted();
    assert_eq!(
        acc.keys().copied().collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    // The 3 unanswered ones were sent twice (at-least-once); no message was sent more.
    let mut per_key: BTreeMap<u8, usize> = BTreeMap::new();
    for (_, s) in &p.submitted {
        *per_key.entry(s.short_message[0]).or_default() += 1;
    }
    assert_eq!(
        per_key.values().filter(|&&n| n == 2).count(),
        0,
        "SMSC only assigned ids to answered ones"
    );
}

#[test]
fn response_timeout_closes_and_requeues() {
    let mut c = cfg(2);
    c.response_timeout = Duration::from_secs(5);
    let mut p = Pair::new(c, Faults::default());
    p.settle();
    p.esme.submit(1, sm(1), p.now);
    p.esme.submit(2, sm(2), p.now);
    // The SMSC goes silent: octets reach it but its answers are lost.
    p.esme_to_smsc();
    let mut lost = Vec::new();
    p.smsc.take_transmit(&mut lost);
    assert_eq!(p.esme.poll_timeout(), Some(p.now + Duration::from_secs(5)));
    p.now += Duration::from_millis(4999);
    p.esme.handle_timeout(p.now);
    assert_eq!(p.esme.state(), State::Bound);
    p.now += Duration::from_millis(1);
    p.esme.handle_timeout(p.now);
    assert_eq!(p.esme.state(), State::Closed);
    let e: Vec<_> = std::iter::from_fn(|| p.esme.poll_event()).collect();
    assert_eq!(
        e,
        [Event::Closed {
            reason: CloseReason::Timeout,
            requeued: 2
        }]
    );
    assert_eq!(p.esme.queued(), 2);
}

#[test]
fn enquire_link_when_idle() {
    let mut c = cfg(2);
    c.enquire_link_interval = Duration::from_secs(30);
    c.response_timeout = Duration::from_secs(5);
    let mut p = Pair::new(c, Faults::default());
    p.settle();
    let t0 = p.now;
    assert_eq!(p.esme.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    p.now = t0 + Duration::from_secs(30);
    p.esme.handle_timeout(p.now);
    let mut out = Vec::new();
    p.esme.take_transmit(&mut out);
    let sent = Pdu::decode(&out, DEFAULT_MAX_PDU).unwrap();
    assert_eq!(sent.body, Body::EnquireLink);
    // Unanswered: the link is declared dead after the response timeout.
    p.now += Duration::from_secs(5);
    p.esme.handle_timeout(p.now);
    assert_eq!(p.esme.state(), State::Closed);

    // Answered: the session stays bound and the next probe is 30 s after the answer.
    let mut p = Pair::new(cfg(1), Faults::default());
    p.settle();
    p.advance(Duration::from_secs(30));
    assert_eq!(p.esme.state(), State::Bound);
    assert_eq!(p.esme.poll_timeout(), Some(p.now + Duration::from_secs(30)));
}

#[test]
fn receipts_twice_and_out_of_order_are_acked_and_all_arrive() {
    let faults = Faults {
        duplicate_receipts: true,
        reorder_receipts: true,
        ..Faults::default()
    };
    let mut p = Pair::new(cfg(10), faults);
    for i in 0..5 {
        p.esme.submit(i, sm(i), p.now);
    }
    p.run_to_idle();
    let ids: Vec<String> = p.submitted.iter().map(|(m, _)| m.clone()).collect();
    for id in &ids {
        let r = DeliveryReport {
            message_id: id.clone(),
            state: MessageState::Delivered,
            network_error: None,
            text: None,
        };
        p.smsc.send_receipt(&r, "447700900000", "omacp");
    }
    p.smsc.flush_receipts();
    p.settle();
    let got: Vec<String> = p
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Receipt(r) => Some(r.message_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got.len(), 10, "each receipt twice");
    assert_ne!(got, {
        let mut s = got.clone();
        s.sort();
        s
    });
    let unique: BTreeSet<_> = got.into_iter().collect();
    assert_eq!(unique, ids.into_iter().collect());
    assert_eq!(p.receipt_acks, 10, "every deliver_sm acknowledged");
}

#[test]
fn refused_bind_closes() {
    let mut c = cfg(1);
    c.password = Password("wrong".into());
    let mut p = Pair::new(c, Faults::default());
    p.esme.submit(1, sm(1), p.now);
    p.settle();
    assert_eq!(
        p.events.last(),
        Some(&Event::Closed {
            reason: CloseReason::BindRefused(Status::INVALID_PASSWORD),
            requeued: 0
        })
    );
    p.esme.fail_queued(Status::INVALID_PASSWORD);
    assert_eq!(
        p.esme
            .poll_event()
            .map(|e| matches!(e, Event::Failed { key: 1, .. })),
        Some(true)
    );
}

#[test]
fn garbage_from_the_smsc_closes_with_the_offset() {
    let mut e = Esme::new(cfg(1), Instant::now());
    e.connected(Instant::now());
    e.handle_input(&[0, 0, 0, 3], Instant::now());
    let ev = e.poll_event().unwrap();
    assert!(matches!(
        ev,
        Event::Closed {
            reason: CloseReason::Protocol(PduError { offset: 0, .. }),
            ..
        }
    ));
}

#[test]
fn config_limits() {
    assert_eq!(cfg(1).validate(), Ok(()));
    let mut c = cfg(1);
    c.password = Password("ninechars".into());
    let e = c.validate().unwrap_err();
    assert_eq!(
        e,
        ConfigError::TooLong {
            field: "password",
            max: 8
        }
    );
    assert!(!e.to_string().contains("ninechars"));
    c = cfg(0);
    assert_eq!(c.validate(), Err(ConfigError::ZeroWindow));
}

/// Feeds one PDU from the "SMSC" and returns what the ESME answered.
fn answer(e: &mut Esme, pdu: Pdu, now: Instant) -> Vec<Pdu> {
    e.handle_input(&pdu.to_bytes(), now);
    let mut out = Vec::new();
    e.take_transmit(&mut out);
    let mut d = FrameDecoder::new(DEFAULT_MAX_PDU);
    d.feed(&out);
    std::iter::from_fn(|| d.next_pdu().unwrap()).collect()
}

#[test]
fn answers_the_smscs_requests() {
    let mut p = Pair::new(cfg(4), Faults::default());
    p.settle();
    let now = p.now;
    let e = &mut p.esme;
    assert_eq!(
        answer(e, Pdu::new(77, Body::EnquireLink), now),
        [Pdu::new(77, Body::EnquireLinkResp)]
    );
    // A mobile-originated message that is not a receipt: acknowledged and surfaced.
    let mo = Sm {
        source_addr: "447700900001".into(),
        short_message: b"hi".to_vec(),
        ..Sm::default()
    };
    let r = answer(e, Pdu::new(78, Body::DeliverSm(Box::new(mo.clone()))), now);
    assert_eq!(r[0].sequence, 78);
    assert!(matches!(r[0].body, Body::DeliverSmResp(_)));
    let ev: Vec<_> = std::iter::from_fn(|| e.poll_event()).collect();
    assert!(ev.contains(&Event::Deliver(Box::new(mo))), "{ev:?}");
    // A request an ESME does not serve.
    let r = answer(e, Pdu::new(79, Body::SubmitSm(Box::default())), now);
    assert_eq!(r[0].body, Body::GenericNack);
    assert_eq!(r[0].status, Status::INVALID_COMMAND_ID);
    // A late response to nothing is ignored.
    assert!(answer(e, Pdu::new(4242, Body::EnquireLinkResp), now).is_empty());
}

#[test]
fn smsc_unbind_mid_window_requeues() {
    let mut p = Pair::new(cfg(3), Faults::default());
    p.settle();
    for i in 0..5 {
        p.esme.submit(i, sm(i), p.now);
    }
    // Submits are on the wire but unanswered when the SMSC unbinds.
    let mut sent = Vec::new();
    p.esme.take_transmit(&mut sent);
    let now = p.now;
    let r = answer(&mut p.esme, Pdu::new(9, Body::Unbind), now);
    assert_eq!(r, [Pdu::new(9, Body::UnbindResp)]);
    assert_eq!(p.esme.state(), State::Closed);
    let ev: Vec<_> = std::iter::from_fn(|| p.esme.poll_event()).collect();
    assert!(ev.contains(&Event::Closed {
        reason: CloseReason::Unbound,
        requeued: 3
    }));
    assert_eq!(p.esme.queued(), 5);
    // Reconnected, every message goes out, in the original order.
    p.reconnect(Faults::default());
    p.run_to_idle();
    assert_eq!(p.accepted().len(), 5);
    let order: Vec<_> = p
        .submitted
        .iter()
        .map(|(_, s)| s.short_message[0])
        .collect();
    assert_eq!(order, [0, 1, 2, 3, 4]);
}
