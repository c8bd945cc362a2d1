//! Choosing the string table (wbxml.md §1.5, §4.1).
//!
//! A string used `k` times costs `k·(L+2)` inline and `(L+1) + k·(1+|mb_u_int32(off)|)`
//! through the table, so only strings that repay their table bytes go in. STR_T may
//! point into the middle of a table string (the value runs to its NUL), which gives
//! sharing for free:
//! - suffix sharing: `emome` is served by the entry `CHT_emome` at offset +4;
//! - pieces: `Example MMS proxy` is STR_T `Example MMS` + STR_I ` proxy`, and
//!   `Example Operator` can be two references with nothing inline.
//!
//! [`select`] works in two phases, both near-linear in the number of distinct strings:
//! 1. whole strings, grouped into suffix families (a sort by reversed bytes puts each
//!    string next to the strings it ends), kept when the family repays its head;
//! 2. shared pieces of the remaining strings: common prefixes and suffixes of
//!    neighbours in sorted order, and whitespace-separated words (libwbxml's only
//!    sharing method), chosen greedily by estimated gain; an accepted piece claims its
//!    regions, and regions next to a claimed one are priced as the string edge they
//!    now are.
//!
//! The estimates assume the covered bytes would otherwise be inline. The encoder then
//! prices every value exactly against the table, drops entries no value uses, and
//! drops the table when the document is not smaller with it.

use crate::encode::recycle;

#[derive(Debug)]
struct Cand<'d> {
    text: &'d [u8],
    count: u32,
    /// Cost of the string without a table (tokens and inline strings only).
    base: u32,
    /// Fully served by a phase-1 entry.
    served: bool,
}

#[derive(Debug, Clone, Copy)]
struct Occ {
    cand: u32,
    start: u32,
    end: u32,
}

#[derive(Debug)]
struct Piece<'d> {
    text: &'d [u8],
    /// Its occurrences: `occs[o0..o1]` of the shared list.
    o0: u32,
    o1: u32,
}

fn lcp(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn lcs(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Shortens `l` until `s[..l]` ends on a character boundary.
fn prefix_boundary(s: &[u8], mut l: usize) -> usize {
    while l > 0 && l < s.len() && (s[l] as i8) < -0x40 {
        l -= 1;
    }
    l
}

/// Shortens `l` until `s[len-l..]` starts on a character boundary.
fn suffix_boundary(s: &[u8], mut l: usize) -> usize {
    while l > 0 && (s[s.len() - l] as i8) < -0x40 {
        l -= 1;
    }
    l
}

/// Buffers [`select`] keeps between calls (those holding strings are kept empty, with
/// a `'static` element type, and lent out for each call's lifetime).
#[derive(Debug, Default)]
pub(crate) struct Pools {
    keyed: Vec<(u64, u32)>,
    order: Vec<u32>,
    rev: Vec<u32>,
    head: Vec<u32>,
    gain: Vec<i64>,
    lex: Vec<u32>,
    revr: Vec<u32>,
    occs: Vec<Occ>,
    inside: Vec<bool>,
    heap: Vec<(i64, std::cmp::Reverse<usize>, u32)>,
    reversed: Reversed,
    claims: Claims,
    cands: Vec<Cand<'static>>,
    chosen: Vec<(&'static [u8], i64)>,
    pieces: Vec<Piece<'static>>,
    words: Vec<(&'static [u8], Occ)>,
}

/// Picks table strings for attribute strings given as `(text, cost without a table,
/// uses)` (a text may come in several entries: their uses add up), into `out` (cleared
/// first).
pub(crate) fn select<'d>(
    uses: &[(&'d [u8], u32, u32)],
    pools: &mut Pools,
    out: &mut Vec<&'d [u8]>,
) {
    out.clear();
    let mut cands: Vec<Cand<'d>> = recycle(std::mem::take(&mut pools.cands));
    let mut chosen: Vec<(&'d [u8], i64)> = recycle(std::mem::take(&mut pools.chosen));
    let mut pieces: Vec<Piece<'d>> = recycle(std::mem::take(&mut pools.pieces));
    let mut words: Vec<(&'d [u8], Occ)> = recycle(std::mem::take(&mut pools.words));
    choose(
        uses,
        pools,
        &mut cands,
        &mut chosen,
        &mut pieces,
        &mut words,
        out,
    );
    pools.cands = recycle(cands);
    pools.chosen = recycle(chosen);
    pools.pieces = recycle(pieces);
    pools.words = recycle(words);
}

#[allow(clippy::too_many_arguments)]
fn choose<'d>(
    uses: &[(&'d [u8], u32, u32)],
    pools: &mut Pools,
    cands: &mut Vec<Cand<'d>>,
    chosen: &mut Vec<(&'d [u8], i64)>,
    pieces: &mut Vec<Piece<'d>>,
    words: &mut Vec<(&'d [u8], Occ)>,
    out: &mut Vec<&'d [u8]>,
) {
    let Pools {
        keyed,
        order,
        rev,
        head,
        gain,
        lex,
        revr,
        occs,
        inside,
        heap: heap_pool,
        reversed,
        claims,
        ..
    } = pools;
    sorted(uses.len(), |i| uses[i as usize].0, keyed, order);
    for &i in order.iter() {
        let (t, base, n) = uses[i as usize];
        match cands.last_mut() {
            Some(c) if c.text == t => c.count += n,
            _ => cands.push(Cand {
                text: t,
                count: n,
                base,
                served: false,
            }),
        }
    }
    // A STR_T costs at least 2 bytes: strings no dearer than that cannot gain.
    // (A fold without early exit: short texts, no `memchr` call.)
    cands.retain(|c| {
        c.text.len() >= 2 && c.base > 2 && !c.text.iter().fold(false, |z, &b| z | (b == 0))
    });
    if cands.is_empty() {
        return;
    }

    // Phase 1: suffix families. In reversed-bytes order the strings ending with `t`
    // follow `t` directly, so each string's family parent is its successor.
    reversed.fill(cands.iter().map(|c| c.text));
    sorted(cands.len(), |i| reversed.get(i), keyed, rev);
    head.clear();
    head.resize(cands.len(), u32::MAX);
    gain.clear();
    gain.resize(cands.len(), 0);
    for k in (0..rev.len()).rev() {
        let i = rev[k] as usize;
        head[i] = i as u32;
        if let Some(&n) = rev.get(k + 1)
            && cands[n as usize].text.ends_with(cands[i].text)
        {
            head[i] = head[n as usize];
        }
        let h = head[i] as usize;
        gain[h] += i64::from(cands[i].count) * (i64::from(cands[i].base) - 2);
    }
    for h in 0..cands.len() {
        if head[h] as usize == h && gain[h] > cands[h].text.len() as i64 + 1 {
            chosen.push((cands[h].text, gain[h]));
        }
    }
    for i in 0..cands.len() {
        let h = head[i] as usize;
        cands[i].served = gain[h] > cands[h].text.len() as i64 + 1;
    }

    // Phase 2: shared pieces of the strings phase 1 did not serve.
    lex.clear();
    lex.extend((0..cands.len() as u32).filter(|&i| !cands[i as usize].served));
    revr.clear();
    revr.extend(rev.iter().copied().filter(|&i| !cands[i as usize].served));
    occs.clear();
    // Neighbours sharing a prefix: the strings with that prefix are a run around them.
    for (k, w) in lex.windows(2).enumerate() {
        let a = cands[w[0] as usize].text;
        let l = prefix_boundary(a, lcp(a, cands[w[1] as usize].text));
        if l >= 4 {
            let p = &a[..l];
            let o0 = occs.len() as u32;
            let first = lex[..=k]
                .iter()
                .rposition(|&i| !cands[i as usize].text.starts_with(p))
                .map_or(0, |j| j + 1);
            for &i in lex[first..]
                .iter()
                .take_while(|&&i| cands[i as usize].text.starts_with(p))
            {
                occs.push(Occ {
                    cand: i,
                    start: 0,
                    end: l as u32,
                });
            }
            pieces.push(Piece {
                text: p,
                o0,
                o1: occs.len() as u32,
            });
        }
    }
    for (k, w) in revr.windows(2).enumerate() {
        let a = cands[w[0] as usize].text;
        let l = suffix_boundary(a, lcs(a, cands[w[1] as usize].text));
        if l >= 4 {
            let s = &a[a.len() - l..];
            let o0 = occs.len() as u32;
            let first = revr[..=k]
                .iter()
                .rposition(|&i| !cands[i as usize].text.ends_with(s))
                .map_or(0, |j| j + 1);
            for &i in revr[first..]
                .iter()
                .take_while(|&&i| cands[i as usize].text.ends_with(s))
            {
                let n = cands[i as usize].text.len() as u32;
                occs.push(Occ {
                    cand: i,
                    start: n - l as u32,
                    end: n,
                });
            }
            pieces.push(Piece {
                text: s,
                o0,
                o1: occs.len() as u32,
            });
        }
    }
    for &i in lex.iter() {
        let t = cands[i as usize].text;
        if !t.iter().any(u8::is_ascii_whitespace) {
            continue;
        }
        let mut start = 0;
        for (j, b) in t.iter().enumerate().chain([(t.len(), &b' ')]) {
            if b.is_ascii_whitespace() {
                if j - start >= 4 {
                    words.push((
                        &t[start..j],
                        Occ {
                            cand: i,
                            start: start as u32,
                            end: j as u32,
                        },
                    ));
                }
                start = j + 1;
            }
        }
    }
    words.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for group in words.chunk_by(|a, b| a.0 == b.0) {
        let uses: u32 = group
            .iter()
            .map(|(_, o)| cands[o.cand as usize].count)
            .sum();
        if uses >= 2 {
            let o0 = occs.len() as u32;
            occs.extend(group.iter().map(|(_, o)| *o));
            pieces.push(Piece {
                text: group[0].0,
                o0,
                o1: occs.len() as u32,
            });
        }
    }
    // Stable by text: `o0` grows with every piece pushed, so it keeps the push order.
    pieces.sort_unstable_by(|a, b| a.text.cmp(b.text).then(a.o0.cmp(&b.o0)));
    pieces.dedup_by(|a, b| a.text == b.text);

    // Greedy by estimated gain, evaluated lazily: keys start as bounds (every unclashed
    // occurrence replacing a whole inline run); a key computed in the current round is
    // exact, so when it comes out on top that piece is the round's choice. (Claims can
    // raise a piece's gain by making a neighbour region an edge; a stale lower key then
    // just delays it a round.)
    claims.reset(cands.len());
    let occs = &*occs;
    let cands = &*cands;
    let evaluate = |p: &Piece<'_>, claims: &Claims| -> (i64, i64) {
        let len = p.text.len() as i64;
        let (mut g, mut bound) = (-(len + 1), -(len + 1));
        for o in &occs[p.o0 as usize..p.o1 as usize] {
            let c = &cands[o.cand as usize];
            let whole = o.start == 0 && o.end as usize == c.text.len();
            let mut left_free = o.start == 0;
            let mut right_free = o.end as usize == c.text.len();
            let mut clash = false;
            for (ks, ke) in claims.of(o.cand) {
                clash |= ks < o.end && o.start < ke;
                left_free |= ke == o.start;
                right_free |= ks == o.end;
            }
            if clash {
                continue;
            }
            let k = i64::from(c.count);
            let best = if whole { i64::from(c.base) - 2 } else { len };
            bound += k * best;
            g += k * match (left_free, right_free) {
                (true, true) => best,
                (true, false) | (false, true) => len - 2,
                (false, false) => len - 4,
            };
        }
        (g, bound)
    };
    const STALE: u32 = u32::MAX;
    heap_pool.clear();
    heap_pool.extend(
        pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (evaluate(p, claims).1, std::cmp::Reverse(i), STALE))
            .filter(|&(b, _, _)| b > 0),
    );
    let mut heap = std::collections::BinaryHeap::from(std::mem::take(heap_pool));
    let mut round = 0u32;
    while let Some((key, std::cmp::Reverse(pi), at)) = heap.pop() {
        let p = &pieces[pi];
        if at != round {
            let (g, _) = evaluate(p, claims);
            if g > 0 {
                heap.push((g, std::cmp::Reverse(pi), round));
            }
            continue;
        }
        for o in &occs[p.o0 as usize..p.o1 as usize] {
            if !claims.of(o.cand).any(|(ks, ke)| ks < o.end && o.start < ke) {
                claims.push(o.cand, o.start, o.end);
            }
        }
        chosen.push((p.text, key));
        round += 1;
    }
    *heap_pool = heap.into_vec();

    // In reversed-bytes order a string that another ends with sits right before one
    // that ends with it.
    reversed.fill(chosen.iter().map(|c| c.0));
    sorted(chosen.len(), |i| reversed.get(i), keyed, order);
    inside.clear();
    inside.resize(chosen.len(), false);
    for w in order.windows(2) {
        inside[w[0] as usize] = reversed.get(w[1]).starts_with(reversed.get(w[0]));
    }
    let mut k = 0;
    chosen.retain(|_| {
        k += 1;
        !inside[k - 1]
    });
    // Equal keys mean equal entries, so an unstable sort gives the same list.
    chosen.sort_unstable_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.len().cmp(&a.0.len()))
            .then(a.0.cmp(b.0))
    });
    out.extend(chosen.iter().map(|&(s, _)| s));
}

/// The indexes `0..n` in the byte order of `text(i)` (ties in any order). Sorting
/// (prefix, index) pairs by a big-endian 8-byte prefix first settles most comparisons
/// without a `memcmp` call; the prefix order agrees with the byte order because a
/// shorter string's zero padding sorts first exactly as its end does.
fn sorted<'t>(
    n: usize,
    text: impl Fn(u32) -> &'t [u8],
    keyed: &mut Vec<(u64, u32)>,
    out: &mut Vec<u32>,
) {
    keyed.clear();
    keyed.extend((0..n as u32).map(|i| {
        let s = text(i);
        // A fixed-size copy where possible (a variable one calls `memcpy`).
        let key = match s.first_chunk::<8>() {
            Some(b) => u64::from_be_bytes(*b),
            None => {
                let mut b = [0u8; 8];
                for (d, &c) in b.iter_mut().zip(s) {
                    *d = c;
                }
                u64::from_be_bytes(b)
            }
        };
        (key, i)
    }));
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| text(a.1).cmp(text(b.1))));
    out.clear();
    out.extend(keyed.iter().map(|&(_, i)| i));
}

/// The byte ranges of each candidate claimed by accepted pieces: per-candidate lists
/// threaded through one vector (one allocation rather than one per candidate).
#[derive(Debug, Default)]
struct Claims {
    /// Index + 1 of each candidate's latest claim in `list` (0: none).
    head: Vec<u32>,
    /// (start, end, index + 1 of the candidate's previous claim).
    list: Vec<(u32, u32, u32)>,
}

impl Claims {
    /// Forgets every claim, for `cands` candidates.
    fn reset(&mut self, cands: usize) {
        self.head.clear();
        self.head.resize(cands, 0);
        self.list.clear();
    }

    fn of(&self, cand: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let mut at = self.head[cand as usize];
        std::iter::from_fn(move || {
            let (s, e, prev) = *self.list.get(at.checked_sub(1)? as usize)?;
            at = prev;
            Some((s, e))
        })
    }

    fn push(&mut self, cand: u32, start: u32, end: u32) {
        let h = &mut self.head[cand as usize];
        self.list.push((start, end, *h));
        *h = self.list.len() as u32;
    }
}

/// Strings stored reversed in one buffer, so suffix order is a plain slice compare.
#[derive(Debug, Default)]
struct Reversed {
    buf: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

impl Reversed {
    /// Holds `texts` (reversed) instead of what it held.
    fn fill<'a>(&mut self, texts: impl Iterator<Item = &'a [u8]>) {
        self.buf.clear();
        self.spans.clear();
        for t in texts {
            let start = self.buf.len() as u32;
            self.buf.extend(t.iter().rev());
            self.spans.push((start, self.buf.len() as u32));
        }
    }

    fn get(&self, i: u32) -> &[u8] {
        let (s, e) = self.spans[i as usize];
        &self.buf[s as usize..e as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pieces::Arena;

    fn table(texts: &[&str]) -> Vec<String> {
        let mut a = Arena::default();
        let uses: Vec<(&[u8], u32, u32)> = texts
            .iter()
            .map(|s| {
                let v = a.scan_tokens(s.as_bytes());
                let m = a.matrix(&v, None);
                (s.as_bytes(), m.iter().flatten().copied().min().unwrap(), 1)
            })
            .collect();
        let mut out = Vec::new();
        select(&uses, &mut Pools::default(), &mut out);
        out.into_iter()
            .map(|e| String::from_utf8(e.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn repeated_strings_and_suffixes() {
        assert_eq!(table(&["NAP1", "NAP1", "x"]), ["NAP1"]);
        assert!(table(&["NAP1", "other"]).is_empty());
        // Used once each, but "emome" rides inside "CHT_emome" for free.
        assert_eq!(table(&["CHT_emome", "emome"]), ["CHT_emome"]);
        // Tokens are cheaper than any reference.
        assert!(table(&["GSM-GPRS", "GSM-GPRS"]).is_empty());
    }

    #[test]
    fn shared_prefixes_suffixes_and_words() {
        let t = table(&[
            "http://mmsc.example.net/mms/wapenc",
            "http://mmsc.example.net",
        ]);
        assert_eq!(t, ["http://mmsc.example.net"]);
        let t = table(&["mms.example.net", "wap.example.net"]);
        assert_eq!(t, [".example.net"]);
        let mut t = table(&[
            "Example Operator",
            "Example push gateway",
            "Operator services",
        ]);
        t.sort();
        assert_eq!(t, ["Example ", "Operator"]);
    }
}
