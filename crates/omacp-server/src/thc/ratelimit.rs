//! Token-bucket rate limits keyed by string (a subscriber, a source address).
//!
//! Per process: N processes behind a load balancer allow up to N times the configured
//! rate. Sharded so that concurrent requests rarely wait on the same lock; a shard that
//! grows past its cap forgets buckets that are full again (idle keys).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::Instant;

const SHARDS: usize = 32;
const SHARD_CAP: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: f64,
}

/// A set of token buckets with one rate and burst.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    start: Instant,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
}

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` saved up; a rate of 0 allows everything.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst: burst.max(1.0),
            start: Instant::now(),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// False when the rate is 0 (no limit).
    pub fn enabled(&self) -> bool {
        self.rate > 0.0
    }

    /// Takes one token for `key`; false when the key is over its rate.
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, self.start.elapsed().as_secs_f64())
    }

    fn allow_at(&self, key: &str, now: f64) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let shard = (self.hasher.hash_one(key) as usize) % SHARDS;
        let mut map = match self.shards[shard].lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= SHARD_CAP && !map.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, b| b.tokens + (now - b.last) * rate < burst);
        }
        let b = map.entry(key.to_string()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        b.tokens = (b.tokens + (now - b.last) * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let r = RateLimiter::new(2.0, 3.0);
        assert!(r.allow_at("a", 0.0));
        assert!(r.allow_at("a", 0.0));
        assert!(r.allow_at("a", 0.0));
        assert!(!r.allow_at("a", 0.0));
        assert!(r.allow_at("b", 0.0), "keys are independent");
        assert!(
            r.allow_at("a", 0.5),
            "one token back after half a second at 2/s"
        );
        assert!(!r.allow_at("a", 0.5));
        assert!(RateLimiter::new(0.0, 0.0).allow_at("x", 0.0));
    }
}
