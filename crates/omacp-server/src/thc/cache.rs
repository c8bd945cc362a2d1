//! The trusted HTTP context's cache of rendered responses, consistent across processes.
//!
//! Every write that can change what a device is served bumps its tenant's `generation`
//! in the same database transaction. Each process keeps, per tenant, the generation it last
//! read and the responses rendered under it. A poller reads all generations every
//! `poll_ms`; when one changed, that tenant's responses are dropped. A response is stored
//! tagged with the generation read *before* its database reads, so a render racing a write
//! is dropped at the next poll. Staleness bound: a change is served by every process at
//! most `poll_ms` (plus one poll query) after its transaction commits; the process that
//! made the change drops its entries at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;

use crate::store::{Store, tenants};

/// Most responses kept per tenant before the tenant's cache is emptied and refilled.
pub const MAX_ENTRIES: usize = 500_000;

/// A rendered answer for one subscriber.
#[derive(Debug, Clone)]
pub enum Rendered {
    /// The settings document.
    Found {
        /// Strong ETag (quoted).
        etag: HeaderValue,
        /// `application/vnd.wap.connectivity-wbxml[; SEC=…; MAC=…]`.
        content_type: HeaderValue,
        /// WBXML.
        body: Bytes,
    },
    /// No such subscriber in this tenant.
    UnknownSubscriber,
    /// The subscriber exists but has nothing to serve (no profile, or a value missing).
    NoSettings,
}

/// One tenant's slot.
#[derive(Debug)]
pub struct Slot {
    /// Tenant id.
    pub tenant_id: String,
    generation: AtomicI64,
    entries: RwLock<HashMap<String, (i64, Arc<Rendered>)>>,
}

impl Slot {
    /// The generation this process last saw.
    pub fn generation(&self) -> i64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A cached response rendered under the current generation.
    pub fn get(&self, msisdn: &str) -> Option<Arc<Rendered>> {
        let g = self.generation();
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match map.get(msisdn) {
            Some((eg, r)) if *eg == g => Some(r.clone()),
            _ => None,
        }
    }

    /// Stores a response rendered from reads that started at generation `g`.
    pub fn put(&self, msisdn: &str, g: i64, r: Arc<Rendered>) {
        if g != self.generation() {
            return;
        }
        let mut map = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(msisdn.to_string(), (g, r));
    }

    fn set_generation(&self, g: i64) {
        if self.generation.swap(g, Ordering::AcqRel) != g {
            self.clear();
        }
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// All tenants' slots, by slug.
#[derive(Debug, Default)]
pub struct Cache {
    slots: RwLock<HashMap<String, Arc<Slot>>>,
}

impl Cache {
    /// The slot for a slug, loading the tenant on first use; `None` for an unknown tenant.
    pub async fn slot(
        &self,
        store: &Store,
        slug: &str,
    ) -> Result<Option<Arc<Slot>>, crate::store::StoreError> {
        if let Some(s) = self
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(slug)
        {
            return Ok(Some(s.clone()));
        }
        let Some(t) = tenants::by_slug(store, slug).await? else {
            return Ok(None);
        };
        let slot = Arc::new(Slot {
            tenant_id: t.id,
            generation: AtomicI64::new(t.generation),
            entries: RwLock::new(HashMap::new()),
        });
        let mut w = self.slots.write().unwrap_or_else(|p| p.into_inner());
        Ok(Some(w.entry(slug.to_string()).or_insert(slot).clone()))
    }

    /// Drops this process's responses for a tenant (after a local write).
    pub fn invalidate(&self, tenant_id: &str) {
        let r = self.slots.read().unwrap_or_else(|p| p.into_inner());
        for s in r.values().filter(|s| s.tenant_id == tenant_id) {
            s.clear();
        }
    }

    /// Applies one poll's `(id, slug, generation)` rows.
    pub fn apply(&self, rows: &[(String, String, i64)]) {
        let mut w = self.slots.write().unwrap_or_else(|p| p.into_inner());
        w.retain(|slug, _| rows.iter().any(|(_, s, _)| s == slug));
        for (id, slug, g) in rows {
            match w.get(slug) {
                Some(s) if s.tenant_id == *id => s.set_generation(*g),
                _ => {
                    w.insert(
                        slug.clone(),
                        Arc::new(Slot {
                            tenant_id: id.clone(),
                            generation: AtomicI64::new(*g),
                            entries: RwLock::new(HashMap::new()),
                        }),
                    );
                }
            }
        }
    }

    /// Polls the generations forever (spawned by `serve`).
    pub async fn poll(self: Arc<Self>, store: Store, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match tenants::generations(&store).await {
                Ok(rows) => self.apply(&rows),
                Err(e) => {
                    tracing::warn!(error = %e, "THC cache poll failed; serving cached responses")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_change_drops_entries_and_stale_puts() {
        let c = Cache::default();
        c.apply(&[("t1".into(), "acme".into(), 5)]);
        let slot = c.slots.read().unwrap().get("acme").unwrap().clone();
        slot.put("123", 5, Arc::new(Rendered::UnknownSubscriber));
        assert!(slot.get("123").is_some());
        c.apply(&[("t1".into(), "acme".into(), 6)]);
        assert!(slot.get("123").is_none());
        slot.put("123", 5, Arc::new(Rendered::UnknownSubscriber));
        assert!(
            slot.get("123").is_none(),
            "rendered under an old generation"
        );
        c.apply(&[]);
        assert!(c.slots.read().unwrap().is_empty(), "deleted tenants go");
    }
}
