//! The delivery loop of one process. It claims due messages of running campaigns (within
//! the rate limits and a bound on messages in flight), builds and submits them, and turns
//! what the SMSC answers into database writes, batched into one transaction per turn.
//!
//! What it keeps in memory is only the mapping from submit keys to segments; everything a
//! restart needs is in the database: a message is `submitted` under this process's lease
//! until all its segments are accepted, and receipts are matched by SMSC message id.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use omacp_sandbox::HandsetSpec;
use omacp_smpp::client::ClientEvent;
use omacp_smpp::esme::{CloseReason, Event, FailReason};
use omacp_smpp::receipt::MessageState;
use tokio::sync::mpsc;

use super::apply::{self, AcceptedSeg, Batch, Receipt, SegOutcome};
use super::build;
use super::model::{CampaignState, Spec};
use super::queue;
use super::route::{self, Route};
use super::share;
use super::store as cstore;
use crate::AppState;
use crate::store::tenants::{self, Scope};
use crate::store::{new_id, now_ms};

/// A token bucket (`rate` per second, burst of one second's worth): this runner's share
/// of a configured rate (`base`, divided among the runners: module `share`).
#[derive(Debug)]
struct Bucket {
    base: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(base: f64, runners: u32) -> Bucket {
        let rate = base / f64::from(runners.max(1));
        Bucket {
            base,
            rate,
            tokens: rate.max(1.0),
            last: Instant::now(),
        }
    }
    fn refill(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.rate.max(1.0));
    }
    /// Takes the share of `runners` runners from now on (rate 0 stays unlimited).
    fn share(&mut self, runners: u32) {
        if self.base <= 0.0 {
            return;
        }
        self.refill();
        self.rate = self.base / f64::from(runners.max(1));
        self.tokens = self.tokens.min(self.rate.max(1.0));
    }
    /// How many of `want` may go now (rate 0: all).
    fn available(&mut self, want: i64) -> i64 {
        if self.rate <= 0.0 {
            return want;
        }
        self.refill();
        want.min(self.tokens.floor().max(0.0) as i64)
    }
    /// Spends tokens (may go into debt: a message's segments are only known once built).
    fn spend(&mut self, n: f64) {
        if self.rate > 0.0 {
            self.tokens -= n;
        }
    }
}

struct Seg {
    message_id: String,
    seq: i64,
}

struct Track {
    total: usize,
    accepted: usize,
    attempts: i64,
    max_attempts: i64,
    keys: Vec<u64>,
}

struct Cached {
    docs: build::DocCache,
    spec: Spec,
    scope: Scope,
    slug: String,
}

/// The runner's state.
struct Runner {
    st: AppState,
    owner: String,
    routes: Vec<Route>,
    segs: HashMap<u64, Seg>,
    msgs: HashMap<String, Track>,
    next_key: u64,
    specs: HashMap<String, Cached>,
    campaign_buckets: HashMap<String, Bucket>,
    tenant_buckets: HashMap<String, Bucket>,
    route_buckets: Vec<Bucket>,
    /// How many runners share each limit (recounted every second).
    shares: share::Shares,
    route_names: Vec<String>,
    batch: Batch,
    /// Segments accepted since the last write, by route and SMSC id, with their index in
    /// `batch.accepted_segs`: a receipt for one of them is held on the segment, so a
    /// message whose receipts all came before the write is written final in one go.
    fresh: HashMap<(usize, String), usize>,
    /// A batch is being written by its own task (see `flush`).
    writing: bool,
}

/// What a writing task hands back: `None` when written, the batch when the write failed.
type Written = Option<Batch>;

fn backoff_ms(attempts: i64) -> i64 {
    (1000i64 << attempts.clamp(0, 6)).min(60_000)
}

/// Starts the routes and the loop. Returns once both are running.
pub async fn start(st: AppState) -> Result<(), route::RouteError> {
    // An API-only process binds no SMSC: a session would acknowledge receipts nobody records.
    if !st.config.campaign.runner {
        return Ok(());
    }
    let (routes, events) = route::start(&st.config.campaign, &st.campaigns).await?;
    let route_buckets = routes
        .iter()
        .map(|r| Bucket::new(r.rate as f64, 1))
        .collect();
    let route_names: Vec<String> = routes.iter().map(|r| r.name.clone()).collect();
    let r = Runner {
        owner: new_id("run"),
        st,
        routes,
        segs: HashMap::new(),
        msgs: HashMap::new(),
        next_key: 1,
        specs: HashMap::new(),
        campaign_buckets: HashMap::new(),
        tenant_buckets: HashMap::new(),
        route_buckets,
        shares: share::shares(&route_names, &[], false),
        route_names,
        batch: Batch::default(),
        fresh: HashMap::new(),
        writing: false,
    };
    tokio::spawn(r.run(events));
    Ok(())
}

impl Runner {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<(usize, ClientEvent)>) {
        let cfg = self.st.config.campaign.clone();
        let lease_ms = (cfg.lease_secs.max(1) * 1000) as i64;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_sweep = Instant::now() - Duration::from_secs(10);
        let mut last_renew = Instant::now();
        let mut last_specs = Instant::now() - Duration::from_secs(10);
        let mut running: Vec<(String, String)> = Vec::new();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Written>();
        tracing::info!(owner = %self.owner, "campaign runner started");
        if let Err(e) = queue::heartbeat(&self.st.store, &self.owner, &self.route_names).await {
            tracing::error!(error = %e, "runner heartbeat failed");
        }
        self.recount(lease_ms).await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                back = done_rx.recv() => { if let Some(back) = back { self.written(back); } }
                _ = self.st.campaigns.wake.notified() => { last_specs = Instant::now() - Duration::from_secs(10); }
                e = events.recv() => {
                    let Some((route, e)) = e else { break };
                    self.event(route, e);
                    let mut n = 0;
                    while let Ok((route, e)) = events.try_recv() {
                        self.event(route, e);
                        n += 1;
                        if n >= 5000 { break; }
                    }
                }
            }
            let sweep_due = last_sweep.elapsed() >= Duration::from_secs(1);
            let renew_due = last_renew.elapsed() >= Duration::from_millis(lease_ms as u64 / 3);
            if (sweep_due || renew_due) && self.writing {
                // Housekeeping waits for the write in progress: renewing the leases while
                // it updates the same rows could deadlock on PostgreSQL, and parked
                // receipts it is applying would be read again.
                if let Some(back) = done_rx.recv().await {
                    self.written(back);
                }
            }
            if sweep_due {
                last_sweep = Instant::now();
                self.recount(lease_ms).await;
                let timeout = (cfg.receipt_timeout_secs * 1000) as i64;
                match queue::sweep(&self.st.store, lease_ms, timeout).await {
                    Ok(n) if n > 0 => {
                        tracing::warn!(requeued = n, "requeued messages whose lease expired")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "campaign sweep failed"),
                }
                match queue::parked_receipts(&self.st.store).await {
                    Ok(r) => self.batch.parked.extend(r),
                    Err(e) => tracing::error!(error = %e, "reading parked receipts failed"),
                }
            }
            if renew_due {
                last_renew = Instant::now();
                if let Err(e) =
                    queue::heartbeat(&self.st.store, &self.owner, &self.route_names).await
                {
                    tracing::error!(error = %e, "runner heartbeat failed");
                }
                if let Err(e) = queue::renew(&self.st.store, &self.owner, now_ms() + lease_ms).await
                {
                    tracing::error!(error = %e, "renewing leases failed");
                }
            }
            if last_specs.elapsed() >= Duration::from_millis(500) {
                last_specs = Instant::now();
                match cstore::running(&self.st.store).await {
                    Ok(r) => running = r,
                    Err(e) => tracing::error!(error = %e, "listing campaigns failed"),
                }
                self.specs
                    .retain(|id, _| running.iter().any(|(r, _)| r == id));
            }
            self.flush(&done_tx);
            // Unwritten progress is bounded too: no new claims while a write is running
            // and several batches' worth wait for the next one.
            if !(self.writing && self.batch.accepted_segs.len() as i64 > 4 * cfg.batch.max(1)) {
                self.claim(&running, lease_ms, cfg.batch.max(1)).await;
            }
            self.flush(&done_tx);
        }
    }

    /// Counts the live runners (heartbeats within a lease) and takes this runner's share
    /// of every rate limit. On a failed count the shares stay as they were.
    async fn recount(&mut self, lease_ms: i64) {
        let live = match queue::live_runners(&self.st.store, now_ms() - lease_ms).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "counting campaign runners failed");
                return;
            }
        };
        // The heartbeat is written before the first count, so this runner is normally in
        // the list; if that write failed it is counted anyway.
        let me = live.iter().any(|(owner, _)| *owner == self.owner);
        let live: Vec<Vec<String>> = live.into_iter().map(|(_, routes)| routes).collect();
        let shares = share::shares(&self.route_names, &live, me);
        metrics::gauge!("omacp_campaign_runners_live").set(f64::from(shares.all));
        if shares == self.shares {
            return;
        }
        tracing::info!(
            runners = shares.all,
            "campaign rate limits shared among runners"
        );
        for b in self
            .campaign_buckets
            .values_mut()
            .chain(self.tenant_buckets.values_mut())
        {
            b.share(shares.all);
        }
        for (b, &n) in self.route_buckets.iter_mut().zip(&shares.routes) {
            b.share(n);
        }
        self.shares = shares;
    }

    /// A write finished; a batch that failed is merged into the next one (nothing the SMSC
    /// said is forgotten).
    fn written(&mut self, back: Written) {
        self.writing = false;
        if let Some(b) = back {
            self.batch.merge(b);
        }
    }

    /// Hands the batch to a writing task, unless one is still writing: then the batch keeps
    /// growing and goes when that write is done. So the database write of one turn overlaps
    /// the claim, build and submit of the next, and batches still commit one at a time, in
    /// order (a receipt's segment is committed by an earlier write or by the same one).
    fn flush(&mut self, done: &mpsc::UnboundedSender<Written>) {
        if self.writing || self.batch.is_empty() {
            return;
        }
        self.batch.resolve();
        // Receipts from now on take the general path: the indices are the next batch's.
        self.fresh.clear();
        let batch = std::mem::take(&mut self.batch);
        let (store, owner, done) = (self.st.store.clone(), self.owner.clone(), done.clone());
        self.writing = true;
        // The write runs in an inner task so that even a panic in it hands the batch back
        // and ends `writing`, instead of wedging the runner.
        let batch = std::sync::Arc::new(batch);
        tokio::spawn(async move {
            let inner = {
                let batch = std::sync::Arc::clone(&batch);
                tokio::spawn(async move { apply::apply(&store, &owner, &batch).await })
            };
            let failed = match inner.await {
                Ok(Ok(())) => false,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "writing campaign progress failed; will retry");
                    true
                }
                Err(e) => {
                    tracing::error!(error = %e, "writing campaign progress panicked; will retry");
                    true
                }
            };
            // The inner task is over, so this is normally the last reference.
            let back =
                failed.then(|| std::sync::Arc::try_unwrap(batch).unwrap_or_else(|b| (*b).clone()));
            let _ = done.send(back);
        });
    }

    fn event(&mut self, route: usize, e: ClientEvent) {
        let name = self
            .routes
            .get(route)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        match e {
            ClientEvent::Session(Event::Accepted { key, message_id }) => {
                let Some(seg) = self.segs.remove(&key) else {
                    return;
                };
                metrics::counter!("omacp_campaign_segments_accepted_total").increment(1);
                self.fresh
                    .insert((route, message_id.clone()), self.batch.accepted_segs.len());
                self.batch.accepted_segs.push(AcceptedSeg {
                    route: name,
                    smsc_id: message_id,
                    message_id: seg.message_id.clone(),
                    seq: seg.seq,
                    outcome: None,
                });
                if let Some(t) = self.msgs.get_mut(&seg.message_id) {
                    t.accepted += 1;
                    if t.accepted == t.total {
                        let total = t.total as i64;
                        self.msgs.remove(&seg.message_id);
                        self.batch.accepted.push((seg.message_id, total));
                    }
                }
            }
            ClientEvent::Session(Event::Failed {
                key,
                status,
                reason,
            }) => {
                let Some(seg) = self.segs.remove(&key) else {
                    return;
                };
                let Some(t) = self.msgs.remove(&seg.message_id) else {
                    return;
                };
                for k in &t.keys {
                    self.segs.remove(k);
                }
                metrics::counter!("omacp_campaign_segments_failed_total").increment(1);
                let error = format!("segment {}: {status}", seg.seq);
                if reason == FailReason::Permanent || t.attempts >= t.max_attempts {
                    self.batch.failed.push((seg.message_id, error));
                } else {
                    let at = now_ms() + backoff_ms(t.attempts);
                    self.batch.retry.push((seg.message_id, at, error));
                }
            }
            ClientEvent::Session(Event::Retrying { status, .. }) => {
                metrics::counter!("omacp_campaign_retries_total").increment(1);
                tracing::debug!(route = %name, %status, "SMSC asked to retry");
            }
            ClientEvent::Session(Event::Receipt(r)) => {
                let outcome = match r.state {
                    MessageState::Delivered => SegOutcome::Delivered,
                    MessageState::Expired => SegOutcome::Expired,
                    MessageState::Undeliverable
                    | MessageState::Rejected
                    | MessageState::Deleted
                    | MessageState::Unknown => SegOutcome::Failed,
                    MessageState::Enroute | MessageState::Accepted => return,
                };
                metrics::counter!("omacp_campaign_receipts_total").increment(1);
                if let Some(&i) = self.fresh.get(&(route, r.message_id.clone()))
                    && let Some(seg) = self.batch.accepted_segs.get_mut(i)
                {
                    // A second receipt for the same segment is a duplicate: the first counts.
                    seg.outcome.get_or_insert(outcome);
                    return;
                }
                self.batch.receipts.push(Receipt {
                    route: name,
                    smsc_id: r.message_id,
                    outcome,
                });
            }
            ClientEvent::Session(Event::Bound { system_id }) => {
                tracing::info!(route = %name, smsc = %system_id, "bound to SMSC");
            }
            ClientEvent::Session(Event::Closed { reason, requeued }) => match reason {
                CloseReason::Unbound => tracing::info!(route = %name, "SMPP session unbound"),
                other => {
                    tracing::warn!(route = %name, reason = ?other, requeued, "SMPP session closed; reconnecting")
                }
            },
            ClientEvent::ConnectFailed { error, retry_in } => {
                tracing::warn!(route = %name, %error, ?retry_in, "connecting to SMSC failed");
            }
            ClientEvent::Stopped => tracing::error!(route = %name, "SMPP client stopped"),
            ClientEvent::Session(_) => {}
        }
    }

    async fn cached(&mut self, id: &str, tenant_id: &str) -> Option<&Cached> {
        if !self.specs.contains_key(id) {
            let spec = cstore::spec(&self.st.store, id).await.ok()??;
            let tenant = tenants::get(&self.st.store, tenant_id).await.ok()??;
            self.specs.insert(
                id.to_owned(),
                Cached {
                    docs: build::DocCache::default(),
                    spec,
                    scope: tenant.scope,
                    slug: tenant.slug,
                },
            );
        }
        self.specs.get(id)
    }

    async fn claim(&mut self, running: &[(String, String)], lease_ms: i64, batch: i64) {
        let capacity = (batch * 2).max(self.routes.iter().map(|r| r.window as i64 * 2).sum());
        for (id, tenant_id) in running {
            let room = capacity - self.msgs.len() as i64;
            if room <= 0 {
                return;
            }
            let Some(c) = self.cached(id, tenant_id).await else {
                continue;
            };
            if c.spec.state != CampaignState::Running {
                continue;
            }
            let (rate, slug) = (c.spec.rate, c.slug.clone());
            let Some((ri, _)) = route::pick(&self.routes, &slug) else {
                tracing::error!(tenant = %slug, "no SMSC route for this tenant");
                continue;
            };
            let tenant_rate = self.st.config.campaign.tenant_rate as f64;
            let mut want = room.min(batch);
            want = self
                .campaign_buckets
                .entry(id.clone())
                .or_insert_with(|| Bucket::new(rate as f64, self.shares.all))
                .available(want);
            want = self
                .tenant_buckets
                .entry(tenant_id.clone())
                .or_insert_with(|| Bucket::new(tenant_rate, self.shares.all))
                .available(want);
            want = self.route_buckets[ri].available(want);
            if want <= 0 {
                continue;
            }
            let lease = now_ms() + lease_ms;
            let claimed = match queue::claim(&self.st.store, &self.owner, id, want, lease).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming messages failed");
                    return;
                }
            };
            if claimed.is_empty() {
                continue;
            }
            if let Some(b) = self.campaign_buckets.get_mut(id) {
                b.spend(claimed.len() as f64);
            }
            if let Some(b) = self.tenant_buckets.get_mut(tenant_id) {
                b.spend(claimed.len() as f64);
            }
            let source = self.st.config.campaign.source_addr.clone();
            for mut m in claimed {
                let Some(c) = self.specs.get_mut(id) else {
                    break;
                };
                let built = match build::build_cached(&c.spec, &c.scope, &m, &source, &mut c.docs) {
                    Ok(b) => b,
                    Err(e) => {
                        self.batch.failed.push((m.id.clone(), e.to_string()));
                        continue;
                    }
                };
                let max_attempts = c.spec.max_attempts;
                if self.routes[ri].sandbox
                    && let Some(sb) = self.st.campaigns.sandbox.get()
                {
                    let imsi = m
                        .imsi
                        .clone()
                        .filter(|i| omacp_sec::Imsi::parse(i).is_ok())
                        .unwrap_or_else(|| "001010000000001".into());
                    let spec = HandsetSpec {
                        msisdn: m.msisdn.trim_start_matches('+').to_owned(),
                        imsi,
                        pin: built.user_pin.clone(),
                    };
                    if let Err(e) = sb.ensure_handset(&spec) {
                        tracing::warn!(error = %e, "sandbox handset");
                    }
                }
                let n = built.submits.len();
                self.route_buckets[ri].spend(n as f64);
                let mut keys = Vec::with_capacity(n);
                for (i, sm) in built.submits.into_iter().enumerate() {
                    let key = self.next_key;
                    self.next_key += 1;
                    keys.push(key);
                    self.segs.insert(
                        key,
                        Seg {
                            message_id: m.id.clone(),
                            seq: i as i64 + 1,
                        },
                    );
                    if self.routes[ri].client.submit(key, sm).is_err() {
                        tracing::error!("SMPP client stopped; the lease will requeue the message");
                    }
                }
                metrics::counter!("omacp_campaign_messages_submitted_total").increment(1);
                self.msgs.insert(
                    // Taken, not moved: `Claimed` wipes its PIN on drop.
                    std::mem::take(&mut m.id),
                    Track {
                        total: n,
                        accepted: 0,
                        attempts: m.attempts,
                        max_attempts,
                        keys,
                    },
                );
            }
        }
    }
}
