//! Sans-IO reassembly of concatenated WDP segments, as a handset runs it (transport.md §4.3,
//! TS 23.040 §9.2.3.24.1).
//!
//! [`Reassembler::handle`] takes one decoded [`Segment`] with its originator and the current
//! time and returns an [`Outcome`] for that input. Time is an argument: [`Millis`] is a `u64`
//! count of milliseconds on any monotonic clock the shell picks (a virtual one in tests). The
//! shell calls [`Reassembler::expire`] when [`Reassembler::poll_timeout`] is reached (`handle`
//! also expires first), and drains [`Reassembler::poll_dropped`] to learn which incomplete
//! messages were thrown away and why.
//!
//! Rules (the choices transport.md marks as unconfirmed):
//! - A message is keyed by (originator, reference and its width, total, ports). Ports are part
//!   of the key so a WAP push and an unrelated concatenated SMS with the same reference never mix.
//! - A segment without a concatenation IE, or with total 1, is complete on its own.
//! - Out-of-order parts are stored; the datagram is delivered when all `total` parts are in.
//! - A part identical to one already held is a [`Outcome::Duplicate`] and changes nothing. A
//!   *different* part with the same number means the reference was reused (8-bit references
//!   wrap every 256 messages) while an older message was incomplete: the old set is dropped
//!   ([`DropReason::Conflict`]) and the new part starts a new set.
//! - The timeout runs from the first part of a message and is not extended by later parts, so a
//!   slow trickle of parts cannot pin memory. Default 5 minutes ([`Limits::HANDSET`]).
//! - Memory is bounded by [`Limits`]: concurrent messages, parts per message, and payload octets
//!   held in total. To make room the *oldest* message (by first part) is evicted
//!   ([`DropReason::Evicted`]); the message the current part belongs to is never evicted for it.
//! - A message that completed is forgotten, so a late duplicate of one of its parts starts a new
//!   set that later expires. (WSP's TID lets the layer above spot a resent datagram.)

use std::collections::{BTreeMap, VecDeque};

use crate::wdp::{MAX_USER_DATA, Ports, Segment, Width};

/// A point in time: milliseconds on the shell's monotonic clock (its epoch is arbitrary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub u64);

impl Millis {
    /// `self + ms`, saturating.
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }
}

/// Caps on what a [`Reassembler`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Incomplete messages held at once.
    pub max_messages: usize,
    /// Largest `total` accepted in a concatenation IE (≤ 255).
    pub max_parts: u8,
    /// Payload octets held across all incomplete messages (at least 140 is used).
    pub max_bytes: usize,
    /// How long an incomplete message waits for its parts, from its first part.
    pub timeout_ms: u64,
}

impl Limits {
    /// A handset: 16 messages, 255 parts each, 64 KiB, 5 minutes.
    pub const HANDSET: Limits = Limits {
        max_messages: 16,
        max_parts: 255,
        max_bytes: 64 * 1024,
        timeout_ms: 5 * 60 * 1000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::HANDSET
    }
}

/// The longest originator key accepted, in octets (an SMS address has at most 20 digits).
pub const MAX_ORIGINATOR: usize = 32;

/// Who sent a message, as opaque octets chosen by the shell (e.g. the TP-OA digits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Originator {
    len: u8,
    bytes: [u8; MAX_ORIGINATOR],
}

impl Originator {
    /// `None` when longer than [`MAX_ORIGINATOR`].
    pub fn new(bytes: &[u8]) -> Option<Originator> {
        let mut o = Originator {
            len: 0,
            bytes: [0; MAX_ORIGINATOR],
        };
        o.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        o.len = bytes.len() as u8;
        Some(o)
    }

    /// The octets given to [`Originator::new`].
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Originator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Originator({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// What identifies one concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageKey {
    /// Sender.
    pub originator: Originator,
    /// Concatenation reference.
    pub reference: u16,
    /// Whether the reference came from an 8- or 16-bit IE.
    pub width: Width,
    /// Number of parts.
    pub total: u8,
    /// Application ports, if any.
    pub ports: Option<Ports>,
}

/// A reassembled (or single-segment) datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Sender.
    pub originator: Originator,
    /// Application ports, if any (dispatch on `dst`).
    pub ports: Option<Ports>,
    /// The datagram octets, parts concatenated in sequence order.
    pub data: Vec<u8>,
}

/// Why a segment was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reject {
    /// The originator key is longer than [`MAX_ORIGINATOR`].
    #[error("originator longer than {MAX_ORIGINATOR} octets")]
    OriginatorTooLong,
    /// The payload is longer than an SMS can carry.
    #[error("segment payload of {len} octets")]
    PayloadTooLong {
        /// Octets given.
        len: usize,
    },
    /// Sequence number 0 or above the total.
    #[error("part {seq} of {total}")]
    BadSequence {
        /// Total announced.
        total: u8,
        /// Sequence announced.
        seq: u8,
    },
    /// More parts than [`Limits::max_parts`].
    #[error("message of {total} parts, limit {max}")]
    TooManyParts {
        /// Total announced.
        total: u8,
        /// The limit.
        max: u8,
    },
    /// Even after evicting every other message the part does not fit in
    /// [`Limits::max_bytes`]: its own message is too big.
    #[error("message would exceed the {max_bytes}-octet reassembly limit")]
    OutOfMemory {
        /// The limit.
        max_bytes: usize,
    },
}

/// What [`Reassembler::handle`] did with one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The datagram is complete (a single segment, or the last missing part).
    Complete(Datagram),
    /// The part was stored; the message now has `have` of `total` parts.
    Stored {
        /// Parts held.
        have: u8,
        /// Parts needed.
        total: u8,
    },
    /// An identical copy of a part already held; nothing changed.
    Duplicate,
    /// The part was not stored.
    Rejected(Reject),
}

/// Why an incomplete message was thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Its timeout passed.
    Expired,
    /// It was the oldest message and room was needed.
    Evicted,
    /// A different part with a number it already held arrived: the reference was reused.
    Conflict,
}

/// An incomplete message that was thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// Which message.
    pub key: MessageKey,
    /// Parts it had.
    pub have: u8,
    /// Why.
    pub reason: DropReason,
}

/// How many [`Dropped`] records are kept for [`Reassembler::poll_dropped`]; older ones are
/// counted in [`Reassembler::dropped_unreported`] instead.
pub const DROP_LOG: usize = 32;

#[derive(Debug)]
struct Pending {
    /// (sequence number, payload), sorted by sequence number.
    parts: Vec<(u8, Box<[u8]>)>,
    bytes: usize,
    /// Position in `Reassembler::by_age`.
    age: (Millis, u64),
}

/// Bounded, keyed reassembly of concatenated segments.
///
/// Polling order for a shell: call `handle` for each received segment and act on its
/// [`Outcome`]; drain `poll_dropped` (for logs or UI); arm a timer for `poll_timeout` and call
/// `expire` when it fires.
#[derive(Debug)]
pub struct Reassembler {
    limits: Limits,
    pending: BTreeMap<MessageKey, Pending>,
    /// (deadline, arrival number) → key. The timeout is the same for all, so the first entry is
    /// both the next to expire and the oldest.
    by_age: BTreeMap<(Millis, u64), MessageKey>,
    bytes: usize,
    next_arrival: u64,
    dropped: VecDeque<Dropped>,
    dropped_unreported: u64,
}

impl Reassembler {
    /// An empty reassembler. `max_messages` and `max_parts` of 0 and `max_bytes` below 140
    /// are raised to the smallest useful value.
    pub fn new(limits: Limits) -> Reassembler {
        let limits = Limits {
            max_messages: limits.max_messages.max(1),
            max_bytes: limits.max_bytes.max(MAX_USER_DATA),
            max_parts: limits.max_parts.max(1),
            ..limits
        };
        Reassembler {
            limits,
            pending: BTreeMap::new(),
            by_age: BTreeMap::new(),
            bytes: 0,
            next_arrival: 0,
            dropped: VecDeque::new(),
            dropped_unreported: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Incomplete messages held.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Payload octets held.
    pub fn stored_bytes(&self) -> usize {
        self.bytes
    }

    /// When the oldest incomplete message expires.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.by_age.keys().next().map(|(deadline, _)| *deadline)
    }

    /// The next record of a dropped incomplete message.
    pub fn poll_dropped(&mut self) -> Option<Dropped> {
        self.dropped.pop_front()
    }

    /// Dropped messages whose records fell out of the [`DROP_LOG`]-entry log unread.
    pub fn dropped_unreported(&self) -> u64 {
        self.dropped_unreported
    }

    /// Drops every incomplete message whose deadline is at or before `now`; returns how many.
    pub fn expire(&mut self, now: Millis) -> usize {
        let mut n = 0;
        while let Some((&(deadline, _), &key)) = self.by_age.iter().next() {
            if deadline > now {
                break;
            }
            self.remove(&key, DropReason::Expired);
            n += 1;
        }
        n
    }

    /// Takes one segment from `originator` received at `now`.
    pub fn handle(&mut self, now: Millis, originator: &[u8], segment: &Segment<'_>) -> Outcome {
        self.expire(now);
        let Some(originator) = Originator::new(originator) else {
            return Outcome::Rejected(Reject::OriginatorTooLong);
        };
        let payload = segment.payload;
        if payload.len() > MAX_USER_DATA {
            return Outcome::Rejected(Reject::PayloadTooLong { len: payload.len() });
        }
        let ports = segment.ports();
        let concat = match segment.concat() {
            Some(c) if c.total > 1 => c,
            Some(c) if c.seq != 1 => {
                return Outcome::Rejected(Reject::BadSequence {
                    total: c.total,
                    seq: c.seq,
                });
            }
            _ => {
                return Outcome::Complete(Datagram {
                    originator,
                    ports,
                    data: payload.to_vec(),
                });
            }
        };
        let (total, seq) = (concat.total, concat.seq);
        if seq == 0 || seq > total {
            return Outcome::Rejected(Reject::BadSequence { total, seq });
        }
        if total > self.limits.max_parts {
            return Outcome::Rejected(Reject::TooManyParts {
                total,
                max: self.limits.max_parts,
            });
        }
        let key = MessageKey {
            originator,
            reference: concat.reference,
            width: concat.width,
            total,
            ports,
        };

        if let Some(p) = self.pending.get(&key)
            && let Ok(i) = p.parts.binary_search_by_key(&seq, |(s, _)| *s)
        {
            if *p.parts[i].1 == *payload {
                return Outcome::Duplicate;
            }
            self.remove(&key, DropReason::Conflict);
        }

        // Make room, oldest first, never evicting the message this part belongs to.
        if !self.pending.contains_key(&key) {
            while self.pending.len() >= self.limits.max_messages {
                if !self.evict_oldest_except(&key) {
                    break;
                }
            }
        }
        while self.bytes + payload.len() > self.limits.max_bytes {
            if !self.evict_oldest_except(&key) {
                return Outcome::Rejected(Reject::OutOfMemory {
                    max_bytes: self.limits.max_bytes,
                });
            }
        }

        let p = match self.pending.get_mut(&key) {
            Some(p) => p,
            None => {
                let age = (now.plus(self.limits.timeout_ms), self.next_arrival);
                self.next_arrival += 1;
                self.by_age.insert(age, key);
                self.pending.entry(key).or_insert(Pending {
                    parts: Vec::new(),
                    bytes: 0,
                    age,
                })
            }
        };
        let at = p.parts.partition_point(|(s, _)| *s < seq);
        p.parts.insert(at, (seq, payload.into()));
        p.bytes += payload.len();
        self.bytes += payload.len();
        let have = p.parts.len() as u8;
        if have < total {
            return Outcome::Stored { have, total };
        }
        let p = self.take(&key).unwrap_or_else(|| Pending {
            parts: Vec::new(),
            bytes: 0,
            age: (now, 0),
        });
        let mut data = Vec::with_capacity(p.bytes);
        for (_, part) in &p.parts {
            data.extend_from_slice(part);
        }
        Outcome::Complete(Datagram {
            originator,
            ports,
            data,
        })
    }

    fn evict_oldest_except(&mut self, keep: &MessageKey) -> bool {
        let victim = self.by_age.values().find(|k| *k != keep).copied();
        match victim {
            Some(k) => {
                self.remove(&k, DropReason::Evicted);
                true
            }
            None => false,
        }
    }

    fn take(&mut self, key: &MessageKey) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.by_age.remove(&p.age);
        self.bytes -= p.bytes;
        Some(p)
    }

    fn remove(&mut self, key: &MessageKey, reason: DropReason) {
        if let Some(p) = self.take(key) {
            if self.dropped.len() == DROP_LOG {
                self.dropped.pop_front();
                self.dropped_unreported += 1;
            }
            self.dropped.push_back(Dropped {
                key: *key,
                have: p.parts.len() as u8,
                reason,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wdp::{Reference, SegmentOptions, segment};

    fn segs(data: &[u8], r: u8) -> Vec<Vec<u8>> {
        segment(data, &SegmentOptions::with_reference(Reference::Bits8(r))).unwrap()
    }

    fn feed(re: &mut Reassembler, now: u64, from: &[u8], ud: &[u8]) -> Outcome {
        re.handle(Millis(now), from, &Segment::decode(ud).unwrap())
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn single_segment_passes_through() {
        let mut re = Reassembler::new(Limits::HANDSET);
        let s = segs(b"hello", 1);
        match feed(&mut re, 0, b"+358", &s[0]) {
            Outcome::Complete(d) => {
                assert_eq!(d.data, b"hello");
                assert_eq!(d.ports, Some(Ports::new(2948, 9200)));
                assert_eq!(d.originator.as_bytes(), b"+358");
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(re.pending(), 0);
    }

    #[test]
    fn out_of_order_with_duplicates() {
        let mut re = Reassembler::new(Limits::HANDSET);
        let d = data(400);
        let s = segs(&d, 9);
        assert_eq!(s.len(), 4);
        assert_eq!(
            feed(&mut re, 0, b"a", &s[2]),
            Outcome::Stored { have: 1, total: 4 }
        );
        assert_eq!(feed(&mut re, 1, b"a", &s[2]), Outcome::Duplicate);
        assert_eq!(
            feed(&mut re, 2, b"a", &s[0]),
            Outcome::Stored { have: 2, total: 4 }
        );
        assert_eq!(
            feed(&mut re, 3, b"a", &s[3]),
            Outcome::Stored { have: 3, total: 4 }
        );
        // Same reference from another originator is another message.
        assert_eq!(
            feed(&mut re, 3, b"b", &s[3]),
            Outcome::Stored { have: 1, total: 4 }
        );
        assert_eq!(re.stored_bytes(), 128 + 128 + 16 + 16);
        match feed(&mut re, 4, b"a", &s[1]) {
            Outcome::Complete(dg) => assert_eq!(dg.data, d),
            o => panic!("{o:?}"),
        }
        assert_eq!(re.pending(), 1);
        assert_eq!(re.stored_bytes(), 16);
    }

    #[test]
    fn conflicting_part_restarts_the_message() {
        let mut re = Reassembler::new(Limits::HANDSET);
        let old = segs(&data(300), 5);
        let new = segs(&[0xEE; 300], 5);
        feed(&mut re, 0, b"a", &old[0]);
        feed(&mut re, 0, b"a", &old[1]);
        assert_eq!(
            feed(&mut re, 1, b"a", &new[0]),
            Outcome::Stored { have: 1, total: 3 }
        );
        let d = re.poll_dropped().unwrap();
        assert_eq!((d.have, d.reason), (2, DropReason::Conflict));
        feed(&mut re, 2, b"a", &new[2]);
        match feed(&mut re, 2, b"a", &new[1]) {
            Outcome::Complete(dg) => assert_eq!(dg.data, vec![0xEE; 300]),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn timeout_from_first_part() {
        let limits = Limits {
            timeout_ms: 1000,
            ..Limits::HANDSET
        };
        let mut re = Reassembler::new(limits);
        let s = segs(&data(300), 1);
        feed(&mut re, 100, b"a", &s[0]);
        assert_eq!(re.poll_timeout(), Some(Millis(1100)));
        feed(&mut re, 900, b"a", &s[1]);
        assert_eq!(
            re.poll_timeout(),
            Some(Millis(1100)),
            "later parts do not extend it"
        );
        assert_eq!(re.expire(Millis(1099)), 0);
        assert_eq!(re.expire(Millis(1100)), 1);
        assert_eq!(
            re.poll_dropped().map(|d| (d.have, d.reason)),
            Some((2, DropReason::Expired))
        );
        assert_eq!(re.poll_timeout(), None);
        // A late part starts a new set; handle expires on its own too.
        feed(&mut re, 2000, b"a", &s[2]);
        assert_eq!(
            feed(&mut re, 3000, b"a", &s[0]),
            Outcome::Stored { have: 1, total: 3 }
        );
        assert_eq!(
            re.poll_dropped().map(|d| d.reason),
            Some(DropReason::Expired)
        );
    }

    #[test]
    fn oldest_is_evicted_for_message_cap() {
        let mut re = Reassembler::new(Limits {
            max_messages: 2,
            ..Limits::HANDSET
        });
        let s: Vec<_> = (0..3u8).map(|r| segs(&data(300), r)).collect();
        feed(&mut re, 0, b"a", &s[0][0]);
        feed(&mut re, 1, b"a", &s[1][0]);
        feed(&mut re, 2, b"a", &s[2][0]);
        assert_eq!(re.pending(), 2);
        let d = re.poll_dropped().unwrap();
        assert_eq!((d.key.reference, d.reason), (0, DropReason::Evicted));
        // Message 1 still completes.
        feed(&mut re, 3, b"a", &s[1][1]);
        assert!(matches!(
            feed(&mut re, 3, b"a", &s[1][2]),
            Outcome::Complete(_)
        ));
    }

    #[test]
    fn byte_cap_evicts_others_then_rejects() {
        let mut re = Reassembler::new(Limits {
            max_bytes: 300,
            ..Limits::HANDSET
        });
        let a = segs(&data(600), 1);
        let b = segs(&data(600), 2);
        feed(&mut re, 0, b"x", &a[0]);
        feed(&mut re, 1, b"x", &b[0]);
        assert_eq!(re.stored_bytes(), 256);
        assert_eq!(
            feed(&mut re, 2, b"x", &b[1]),
            Outcome::Stored { have: 2, total: 5 }
        );
        assert_eq!(
            re.poll_dropped().map(|d| d.reason),
            Some(DropReason::Evicted)
        );
        assert_eq!(
            feed(&mut re, 3, b"x", &b[2]),
            Outcome::Rejected(Reject::OutOfMemory { max_bytes: 300 })
        );
        assert!(re.stored_bytes() <= 300);
    }

    #[test]
    fn rejects() {
        let mut re = Reassembler::new(Limits {
            max_parts: 2,
            ..Limits::HANDSET
        });
        let s = segs(&data(300), 1);
        assert_eq!(
            feed(&mut re, 0, b"a", &s[0]),
            Outcome::Rejected(Reject::TooManyParts { total: 3, max: 2 })
        );
        assert_eq!(
            feed(&mut re, 0, &[b'1'; 33], &s[0]),
            Outcome::Rejected(Reject::OriginatorTooLong)
        );
    }

    #[test]
    fn drop_log_is_bounded() {
        let mut re = Reassembler::new(Limits {
            max_messages: 1,
            ..Limits::HANDSET
        });
        for r in 0..100u8 {
            feed(&mut re, u64::from(r), b"a", &segs(&data(300), r)[0]);
        }
        assert_eq!(re.pending(), 1);
        assert_eq!(re.dropped_unreported(), 99 - DROP_LOG as u64);
        assert_eq!(std::iter::from_fn(|| re.poll_dropped()).count(), DROP_LOG);
    }
}
