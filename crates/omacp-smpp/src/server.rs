//! The tokio shell around [`crate::smsc::SmscSession`]: accepts many ESMEs, hands every
//! accepted submit_sm to a sink channel, and routes delivery receipts back to the session
//! that submitted the message (or, for a transmitter bind, to a receiver bound with the
//! same system_id).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::pdu::{BindKind, Sm};
use crate::receipt::DeliveryReport;
use crate::smsc::{SmscConfig, SmscEvent, SmscSession};

/// An accepted submit_sm, as handed to the sink.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The message id the SMSC assigned (what the receipt will name).
    pub message_id: String,
    /// The submitting ESME's system_id.
    pub system_id: String,
    /// The message.
    pub sm: Sm,
}

// Receipts dominate the traffic; boxing them would cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
enum SessionCmd {
    Receipt(DeliveryReport, String, String),
    Unbind,
}

#[derive(Debug, Default)]
struct Routes {
    /// session id → (system_id, kind, command channel).
    sessions: HashMap<u64, (String, BindKind, SessionTx)>,
    /// message id → (system_id, the submit's source and destination addresses).
    messages: HashMap<String, (String, String, String)>,
    /// Message ids in arrival order, to forget the oldest beyond [`MAX_ROUTES`].
    order: std::collections::VecDeque<String>,
    /// Receipts for ESMEs with no receiver session bound: sent when one binds.
    pending: HashMap<String, Vec<(DeliveryReport, String, String)>>,
}

/// Messages remembered for receipts; beyond this the oldest are forgotten (a receipt for
/// one of them is then refused as unknown). Bounds memory when receipts never come.
pub const MAX_ROUTES: usize = 1_000_000;

impl Routes {
    fn remember(&mut self, message_id: String, route: (String, String, String)) {
        self.order.push_back(message_id.clone());
        self.messages.insert(message_id, route);
        while self.messages.len() > MAX_ROUTES {
            match self.order.pop_front() {
                Some(old) => {
                    self.messages.remove(&old);
                }
                None => break,
            }
        }
        // Ids whose final receipt was sent linger in `order`; drop them now and then.
        if self.order.len() > 2 * MAX_ROUTES.max(self.messages.len()) {
            let live = &self.messages;
            self.order.retain(|id| live.contains_key(id));
        }
    }

    fn receiver(&self, system_id: &str) -> Option<SessionTx> {
        self.sessions
            .values()
            .find(|(s, k, _)| s == system_id && *k != BindKind::Transmitter)
            .map(|(_, _, tx)| tx.clone())
    }

    /// Sends a receipt to a receiver of `system_id`, or keeps it until one binds.
    fn route(&mut self, system_id: &str, report: DeliveryReport, from: String, to: String) {
        let cmd = SessionCmd::Receipt(report, from, to);
        let cmd = match self.receiver(system_id) {
            Some(tx) => match tx.0.send(cmd) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => cmd,
        };
        if let SessionCmd::Receipt(r, f, t) = cmd {
            self.pending
                .entry(system_id.to_owned())
                .or_default()
                .push((r, f, t));
        }
    }
}

#[derive(Clone)]
struct SessionTx(mpsc::UnboundedSender<SessionCmd>);

impl std::fmt::Debug for SessionTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionTx")
    }
}

/// A handle to a running SMSC: send receipts, read counters, stop.
#[derive(Debug, Clone)]
pub struct SmscHandle {
    routes: Arc<Mutex<Routes>>,
    stats: Arc<Stats>,
    local_addr: SocketAddr,
    stop: Arc<tokio::sync::Notify>,
}

/// Counters since start.
#[derive(Debug, Default)]
pub struct Stats {
    /// Binds accepted.
    pub binds: AtomicU64,
    /// Binds refused.
    pub refused_binds: AtomicU64,
    /// submit_sm accepted (ids assigned).
    pub submits: AtomicU64,
    /// deliver_sm receipts sent.
    pub receipts: AtomicU64,
    /// deliver_sm_resp received.
    pub receipt_acks: AtomicU64,
}

/// Why a receipt could not be routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The message id is unknown (or its receipt was already sent).
    #[error("unknown message id")]
    UnknownMessage,
}

impl SmscHandle {
    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Sends a receipt for `report.message_id` to the ESME that submitted it (to any of its
    /// receiver or transceiver sessions; held until one binds if none is). A final state
    /// forgets the message.
    pub fn receipt(&self, report: DeliveryReport) -> Result<(), ReceiptError> {
        let mut r = self.routes.lock().expect("routes lock");
        let (system_id, from, to) = r
            .messages
            .get(&report.message_id)
            .cloned()
            .ok_or(ReceiptError::UnknownMessage)?;
        if report.state.is_final() {
            r.messages.remove(&report.message_id);
        }
        // The receipt goes from the handset (the original destination) to the sender.
        r.route(&system_id, report, to, from);
        Ok(())
    }

    /// Unbinds every session and stops accepting.
    pub fn shutdown(&self) {
        self.stop.notify_waiters();
        let r = self.routes.lock().expect("routes lock");
        for (_, _, tx) in r.sessions.values() {
            let _ = tx.0.send(SessionCmd::Unbind);
        }
    }
}

/// Starts an SMSC on `listener`; accepted submits go to the returned receiver.
pub fn start(
    listener: TcpListener,
    cfg: SmscConfig,
) -> std::io::Result<(SmscHandle, mpsc::UnboundedReceiver<Submission>)> {
    let local_addr = listener.local_addr()?;
    let (sink, rx) = mpsc::unbounded_channel();
    let handle = SmscHandle {
        routes: Arc::default(),
        stats: Arc::default(),
        local_addr,
        stop: Arc::default(),
    };
    let h = handle.clone();
    tokio::spawn(async move {
        let ids = Arc::new(AtomicU64::new(1));
        let mut next_session = 0u64;
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = h.stop.notified() => break,
            };
            let Ok((stream, _)) = accepted else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            next_session += 1;
            tokio::spawn(session(
                stream,
                next_session,
                cfg.clone(),
                h.clone(),
                ids.clone(),
                sink.clone(),
            ));
        }
    });
    Ok((handle, rx))
}

async fn session(
    stream: TcpStream,
    id: u64,
    cfg: SmscConfig,
    h: SmscHandle,
    ids: Arc<AtomicU64>,
    sink: mpsc::UnboundedSender<Submission>,
) {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut cmds) = mpsc::unbounded_channel();
    let tx = SessionTx(tx);
    let reorder = cfg.faults.reorder_receipts;
    let mut s = SmscSession::new(cfg);
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(64 * 1024);
    let mut system_id = String::new();
    let mut next_id = || ids.fetch_add(1, Ordering::Relaxed).to_string();
    'run: loop {
        let mut close = false;
        while let Some(e) = s.poll_event() {
            match e {
                SmscEvent::Bound {
                    system_id: sid,
                    kind,
                } => {
                    h.stats.binds.fetch_add(1, Ordering::Relaxed);
                    system_id = sid.clone();
                    let mut r = h.routes.lock().expect("routes lock");
                    if kind != BindKind::Transmitter {
                        for (rep, f, t) in r.pending.remove(&sid).unwrap_or_default() {
                            let _ = tx.0.send(SessionCmd::Receipt(rep, f, t));
                        }
                    }
                    r.sessions.insert(id, (sid, kind, tx.clone()));
                }
                SmscEvent::BindRefused { .. } => {
                    h.stats.refused_binds.fetch_add(1, Ordering::Relaxed);
                }
                SmscEvent::Submitted { message_id, sm } => {
                    h.stats.submits.fetch_add(1, Ordering::Relaxed);
                    h.routes.lock().expect("routes lock").remember(
                        message_id.clone(),
                        (
                            system_id.clone(),
                            sm.source_addr.clone(),
                            sm.destination_addr.clone(),
                        ),
                    );
                    let _ = sink.send(Submission {
                        message_id,
                        system_id: system_id.clone(),
                        sm: *sm,
                    });
                }
                SmscEvent::ReceiptAcked { .. } => {
                    h.stats.receipt_acks.fetch_add(1, Ordering::Relaxed);
                }
                SmscEvent::Close => close = true,
            }
        }
        s.take_transmit(&mut out);
        if !out.is_empty() {
            if wr.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
        }
        if close {
            break;
        }
        // A receipt held for reordering goes out if nothing else follows soon.
        let flush = tokio::time::sleep(Duration::from_millis(200));
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => break 'run,
                Ok(n) => s.handle_input(&buf[..n], &mut next_id),
            },
            c = cmds.recv() => match c {
                Some(SessionCmd::Receipt(report, from, to)) => {
                    let mut next = Some(SessionCmd::Receipt(report, from, to));
                    while let Some(c) = next {
                        match c {
                            SessionCmd::Receipt(report, from, to) => {
                                h.stats.receipts.fetch_add(1, Ordering::Relaxed);
                                s.send_receipt(&report, &from, &to);
                            }
                            SessionCmd::Unbind => s.unbind(),
                        }
                        next = cmds.try_recv().ok();
                    }
                }
                Some(SessionCmd::Unbind) => s.unbind(),
                None => {}
            },
            _ = flush, if reorder => s.flush_receipts(),
        }
    }
    // Receipts this session will never send go to another session of the same ESME.
    let mut r = h.routes.lock().expect("routes lock");
    r.sessions.remove(&id);
    let mut unsent: Vec<_> = s.take_held_receipt().into_iter().collect();
    while let Ok(c) = cmds.try_recv() {
        if let SessionCmd::Receipt(rep, f, t) = c {
            unsent.push((rep, f, t));
        }
    }
    for (rep, f, t) in unsent {
        r.route(&system_id, rep, f, t);
    }
}
