//! The tokio shell around [`crate::esme::Esme`]: one task owns the socket and the session,
//! reconnects with back-off, and reports [`crate::esme::Event`]s on a channel. The shell
//! only moves octets, arms the session's timer and forwards events; every decision is in
//! the sans-IO session.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::esme::{CloseReason, ConfigError, Esme, EsmeConfig, Event, Key};
use crate::pdu::Sm;
use crate::status::Status;

/// Reconnection policy.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// First wait after a failed connect or a lost link.
    pub initial: Duration,
    /// Ceiling of the doubling wait.
    pub max: Duration,
    /// Give up after this many consecutive failed connects (0: never).
    pub max_failures: u32,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(10),
            max_failures: 0,
        }
    }
}

/// What the client reports: session events, plus connection facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A session event.
    Session(Event),
    /// Connecting failed; retrying after the wait.
    ConnectFailed {
        /// The error text.
        error: String,
        /// The wait before the next try.
        retry_in: Duration,
    },
    /// The client stopped (closed by the caller, refused bind, or too many failures).
    /// Messages still queued were reported as failed before this.
    Stopped,
}

enum Cmd {
    Submit(Key, Box<Sm>),
    Close,
}

/// A handle to a running ESME client. Dropping every handle closes it once idle.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::UnboundedSender<Cmd>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cmd::Submit(k, _) => write!(f, "Submit({k})"),
            Cmd::Close => f.write_str("Close"),
        }
    }
}

/// The client task stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the SMPP client has stopped")]
pub struct Stopped;

impl Client {
    /// Starts a client for `addr` (`host:port`). It connects, binds, and keeps reconnecting.
    /// Fails at once if the configuration cannot be sent (see [`EsmeConfig::validate`]).
    pub fn start(
        addr: String,
        cfg: EsmeConfig,
        reconnect: Reconnect,
    ) -> Result<(Client, mpsc::UnboundedReceiver<ClientEvent>), ConfigError> {
        cfg.validate()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (etx, erx) = mpsc::unbounded_channel();
        tokio::spawn(run(addr, cfg, reconnect, rx, etx));
        Ok((Client { tx }, erx))
    }

    /// Queues a message; its fate arrives as `Accepted` or `Failed` with `key`.
    pub fn submit(&self, key: Key, sm: Sm) -> Result<(), Stopped> {
        self.tx
            .send(Cmd::Submit(key, Box::new(sm)))
            .map_err(|_| Stopped)
    }

    /// Unbinds once everything queued is answered, then stops.
    pub fn close(&self) {
        let _ = self.tx.send(Cmd::Close);
    }
}

async fn run(
    addr: String,
    cfg: EsmeConfig,
    reconnect: Reconnect,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    events: mpsc::UnboundedSender<ClientEvent>,
) {
    let mut esme = Esme::new(cfg, Instant::now().into_std());
    let mut wait = reconnect.initial;
    let mut failures = 0u32;
    let mut closing = false;
    let mut cmds_open = true;
    'outer: loop {
        let stream = match TcpStream::connect(&addr).await {
            Ok(s) => s,
            Err(e) => {
                failures += 1;
                if (closing || !cmds_open) && esme.is_idle() {
                    break;
                }
                if reconnect.max_failures > 0 && failures >= reconnect.max_failures {
                    // Messages still in the command channel are reported too; the status
                    // is the nearest SMPP one, the reason (NotSent) says what happened.
                    drain(&mut cmds, &mut esme);
                    esme.fail_queued(Status::SYSTEM_ERROR);
                    forward(&mut esme, &events);
                    break;
                }
                let _ = events.send(ClientEvent::ConnectFailed {
                    error: e.to_string(),
                    retry_in: wait,
                });
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(reconnect.max);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (mut rd, mut wr) = stream.into_split();
        esme.connected(Instant::now().into_std());
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = Vec::with_capacity(64 * 1024);
        // One timer re-armed from the session's deadline, not a new one per turn.
        let timer = tokio::time::sleep(std::time::Duration::ZERO);
        tokio::pin!(timer);
        loop {
            esme.take_transmit(&mut out);
            if !out.is_empty() {
                if wr.write_all(&out).await.is_err() {
                    esme.connection_lost(Instant::now().into_std());
                }
                out.clear();
            }
            let mut ended: Option<CloseReason> = None;
            while let Some(e) = esme.poll_event() {
                match &e {
                    Event::Bound { .. } => {
                        failures = 0;
                        wait = reconnect.initial;
                    }
                    Event::Closed { reason, .. } => ended = Some(reason.clone()),
                    _ => {}
                }
                let _ = events.send(ClientEvent::Session(e));
            }
            if let Some(reason) = ended {
                let refused = matches!(reason, CloseReason::BindRefused(_));
                if refused || (closing && esme.is_idle()) || (!cmds_open && esme.is_idle()) {
                    if let CloseReason::BindRefused(s) = reason {
                        drain(&mut cmds, &mut esme);
                        esme.fail_queued(s);
                        forward(&mut esme, &events);
                    }
                    break 'outer;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(reconnect.max);
                continue 'outer;
            }
            if (closing || !cmds_open)
                && esme.is_idle()
                && esme.state() == crate::esme::State::Bound
            {
                esme.unbind(Instant::now().into_std());
                continue;
            }
            let deadline = esme.poll_timeout().map(Instant::from_std);
            if let Some(d) = deadline
                && d != timer.deadline()
            {
                timer.as_mut().reset(d);
            }
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) | Err(_) => esme.connection_lost(Instant::now().into_std()),
                    Ok(n) => esme.handle_input(&buf[..n], Instant::now().into_std()),
                },
                c = cmds.recv(), if cmds_open => {
                    let now = Instant::now().into_std();
                    let mut next = c;
                    // Take what is already queued in one go (one write for many submits),
                    // but a bounded amount, so reads and timers still get their turn.
                    let mut taken = 0;
                    loop {
                        match next {
                            Some(Cmd::Submit(k, sm)) => esme.submit(k, *sm, now),
                            Some(Cmd::Close) => closing = true,
                            None => { cmds_open = false; break; }
                        }
                        taken += 1;
                        if taken == 1024 {
                            break;
                        }
                        next = match cmds.try_recv() {
                            Ok(c) => Some(c),
                            Err(mpsc::error::TryRecvError::Empty) => break,
                            Err(mpsc::error::TryRecvError::Disconnected) => None,
                        };
                    }
                }
                _ = &mut timer, if deadline.is_some() => {
                    esme.handle_timeout(Instant::now().into_std())
                }
            }
        }
    }
    let _ = events.send(ClientEvent::Stopped);
}

/// Moves every submit still in the command channel into the (closed) session's queue.
fn drain(cmds: &mut mpsc::UnboundedReceiver<Cmd>, esme: &mut Esme) {
    let now = Instant::now().into_std();
    while let Ok(c) = cmds.try_recv() {
        if let Cmd::Submit(k, sm) = c {
            esme.submit(k, *sm, now);
        }
    }
}

fn forward(esme: &mut Esme, events: &mpsc::UnboundedSender<ClientEvent>) {
    while let Some(e) = esme.poll_event() {
        let _ = events.send(ClientEvent::Session(e));
    }
}
