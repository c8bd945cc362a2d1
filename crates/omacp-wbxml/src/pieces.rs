//! The cheapest byte sequence for one attribute value (wbxml.md §2.3, §4): a shortest
//! path over the value choosing, at each point, an inline string (STR_I, `len + 2`
//! bytes), an attribute-value token on either code page (1 byte, plus 2 for a
//! SWITCH_PAGE when the page changes), a string-table reference (STR_T, `1 +
//! mb_u_int32` bytes) to any suffix of a table string, or ENTITY for U+0000 (which no
//! string can carry). Tokens may stand for a fragment anywhere in the value (e.g.
//! `HTTP-DIGEST,HTTP-BASIC` on page 1 is `91 93 90 91 92`). Pieces split only at
//! character boundaries, so every STR_I and STR_T holds whole UTF-8 characters.
//!
//! Each value is scanned once ([`Arena::scan_tokens`], then [`Arena::scan_table`] once a
//! table is chosen) into a short list of matches; the search then runs over match
//! boundaries only, so a value without tokens or table text costs one pass over its
//! bytes. Its state is (position, attribute page, inline string open); an open
//! string's terminator is paid when it opens, so closing is free. Table matches name
//! an entry, not an offset, so entries can be dropped and the table re-laid out
//! without rescanning.

use crate::tokens::{Kind, Source, TOKENS, VALUES_BY_FIRST};

/// "Impossible" cost; small enough that adding a few of them cannot overflow.
pub(crate) const INF: u32 = u32::MAX / 8;

/// Bytes an mb_u_int32 of `v` takes.
#[inline]
pub(crate) fn mb_len(v: u32) -> u32 {
    omacp_wire::uintvar_len(v) as u32
}

/// `TOKEN_FIRST[b]`: some encodable value token starts with byte `b`; also NUL, which
/// needs ENTITY.
static TOKEN_FIRST: [bool; 256] = {
    let mut m = [false; 256];
    let mut b = 0;
    while b < 256 {
        m[b] = VALUES_BY_FIRST.start[b] != VALUES_BY_FIRST.start[b + 1];
        b += 1;
    }
    m[0] = true;
    m
};

/// `TOKEN_PAIR[a]` has bit `b` when some encodable value token starts with the bytes
/// `a b`, or is the single byte `a` (then every bit): most token-first bytes of a
/// value are ruled out without looking at the rows.
static TOKEN_PAIR: [[u64; 4]; 256] = {
    let mut t = [[0u64; 4]; 256];
    let mut i = 0;
    while i < TOKENS.len() {
        let row = &TOKENS[i];
        let b = row.text.as_bytes();
        if matches!(row.source, Source::ProvCont) && matches!(row.kind, Kind::AttrValue) {
            if b.len() == 1 {
                t[b[0] as usize] = [u64::MAX; 4];
            } else if b.len() >= 2 {
                t[b[0] as usize][b[1] as usize / 64] |= 1 << (b[1] % 64);
            }
        }
        i += 1;
    }
    t
};

/// The string table: entries (borrowed from the document) and their current layout.
#[derive(Debug, Clone)]
pub(crate) struct Table<'d> {
    entries: Vec<&'d [u8]>,
    /// Offset of each entry in the current layout; `None` once dropped.
    offsets: Vec<Option<u32>>,
    /// The current table bytes.
    pub bytes: Vec<u8>,
    /// Entries by last byte: `head[b]` is the first entry index + 1, `next[e]` the next.
    head: [u32; 256],
    next: Vec<u32>,
    /// Bloom bits over the last two bytes of each entry.
    pairs: [u64; 16],
}

/// A table's buffers, kept between documents.
#[derive(Debug, Default)]
pub(crate) struct TableBufs {
    offsets: Vec<Option<u32>>,
    bytes: Vec<u8>,
    next: Vec<u32>,
}

impl<'d> Table<'d> {
    /// A table holding `entries` in this order.
    #[cfg(test)]
    pub fn new(entries: Vec<&'d [u8]>) -> Table<'d> {
        Table::new_in(entries, TableBufs::default())
    }

    /// [`Table::new`] in reused buffers.
    pub fn new_in(entries: Vec<&'d [u8]>, bufs: TableBufs) -> Table<'d> {
        let TableBufs {
            mut offsets,
            mut bytes,
            mut next,
        } = bufs;
        offsets.clear();
        bytes.clear();
        next.clear();
        let mut t = Table {
            offsets,
            bytes,
            head: [0; 256],
            next,
            pairs: [0; 16],
            entries,
        };
        t.entries.retain(|e| !e.is_empty());
        t.next.resize(t.entries.len(), 0);
        for (i, e) in t.entries.iter().enumerate().rev() {
            let b = e[e.len() - 1] as usize;
            t.next[i] = t.head[b];
            t.head[b] = i as u32 + 1;
            if e.len() >= 2 {
                let h = Self::pair_bit(e[e.len() - 2], e[e.len() - 1]);
                t.pairs[h / 64] |= 1 << (h % 64);
            }
        }
        t.offsets.resize(t.entries.len(), Some(0));
        t.layout();
        t
    }

    #[inline]
    fn pair_bit(a: u8, b: u8) -> usize {
        ((a as usize).wrapping_mul(31) ^ (b as usize).wrapping_mul(157)) & 1023
    }

    /// Whether some entry may end with the bytes `a b`.
    #[inline]
    fn pair(&self, a: u8, b: u8) -> bool {
        let h = Self::pair_bit(a, b);
        self.pairs[h / 64] & (1 << (h % 64)) != 0
    }

    fn layout(&mut self) {
        self.bytes.clear();
        for (e, off) in self.entries.iter().zip(self.offsets.iter_mut()) {
            if off.is_some() {
                *off = Some(self.bytes.len() as u32);
                self.bytes.extend_from_slice(e);
                self.bytes.push(0);
            }
        }
    }

    /// The entries and the buffers, for reuse.
    pub fn into_parts(self) -> (Vec<&'d [u8]>, TableBufs) {
        let bufs = TableBufs {
            offsets: self.offsets,
            bytes: self.bytes,
            next: self.next,
        };
        (self.entries, bufs)
    }

    /// Drops the entries whose `used` count is 0 and re-lays out the rest.
    pub fn retain_used(&mut self, used: &[u32]) {
        for (off, &u) in self.offsets.iter_mut().zip(used) {
            if u == 0 {
                *off = None;
            }
        }
        self.layout();
    }

    /// Number of entries ever chosen (dropped ones included; indexes stay stable).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no entry is live.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The offset of the last `suffix` bytes of entry `e`, if `e` is live.
    #[inline]
    pub fn offset(&self, e: u32, suffix: u32) -> Option<u32> {
        let off = self.offsets[e as usize]?;
        Some(off + self.entries[e as usize].len() as u32 - suffix)
    }

    /// Bytes of the header's table field: length and contents.
    pub fn header_len(&self) -> usize {
        mb_len(self.bytes.len() as u32) as usize + self.bytes.len()
    }
}

/// One piece of an encoded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// STR_I of `s[from..to]`.
    Inline { from: u32, to: u32 },
    /// The value token in row `row` of [`TOKENS`] (on that row's page).
    Token { row: u8 },
    /// STR_T to the last `suffix` bytes of table entry `entry`.
    Table { entry: u32, suffix: u32 },
    /// ENTITY 0.
    Nul,
}

/// A piece other than an inline string that covers `s[start..end]`.
#[derive(Debug, Clone, Copy)]
struct Match {
    start: u32,
    end: u32,
    step: Step,
    /// Indexes of `start`/`end` among the value's sorted positions.
    from_k: u32,
    to_k: u32,
}

/// A scanned value: its matches and positions, as ranges into the [`Arena`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Value {
    len: u32,
    m0: u32,
    m1: u32,
    p0: u32,
    p1: u32,
    /// True when the value has no match at all (one inline string).
    plain: bool,
    /// True when the value has exactly one match and it covers the whole value (a
    /// token-only value, or a string the table holds): priced without the search.
    whole: bool,
    /// Some table suffix matched.
    pub tabled: bool,
}

/// Cost per `[entry page][exit page]`.
pub(crate) type Matrix = [[u32; 2]; 2];

#[derive(Debug, Clone, Copy, Default)]
struct Back {
    from_k: u32,
    /// `VIA_INLINE`, or an index into the arena's matches.
    via: u32,
    from_state: u8,
}

const VIA_INLINE: u32 = u32::MAX;

/// Matches and positions of every value of one document, plus search buffers.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    matches: Vec<Match>,
    pos: Vec<u32>,
    cost: Vec<[u32; 8]>,
    cost1: Vec<[u32; 4]>,
    back: Vec<[Back; 4]>,
}

#[inline]
fn boundary(s: &[u8], i: usize) -> bool {
    i >= s.len() || (s[i] as i8) >= -0x40
}

impl Arena {
    /// Forgets every value, keeping the buffers.
    pub fn clear(&mut self) {
        self.matches.clear();
        self.pos.clear();
    }

    /// Scans `s` for value tokens and NULs.
    pub fn scan_tokens(&mut self, s: &[u8]) -> Value {
        let m0 = self.matches.len() as u32;
        for (i, &c) in s.iter().enumerate() {
            if !TOKEN_FIRST[c as usize] {
                continue;
            }
            if c == 0 {
                self.push(i, i + 1, Step::Nul);
                continue;
            }
            if let Some(&n) = s.get(i + 1)
                && TOKEN_PAIR[c as usize][n as usize / 64] & (1 << (n % 64)) == 0
            {
                continue;
            }
            if boundary(s, i) {
                let rest = &s[i..];
                for &row in VALUES_BY_FIRST.get(c) {
                    let t = TOKENS[row as usize].text.as_bytes();
                    // The second byte rules out most candidates before a full compare.
                    if rest.len() >= t.len()
                        && (t.len() < 2 || rest[1] == t[1])
                        && &rest[..t.len()] == t
                    {
                        self.push(i, i + t.len(), Step::Token { row });
                    }
                }
            }
        }
        let mut v = Value {
            len: s.len() as u32,
            m0,
            m1: self.matches.len() as u32,
            p0: 0,
            p1: 0,
            plain: true,
            whole: false,
            tabled: false,
        };
        self.index(&mut v);
        v
    }

    /// Adds the table suffixes found in `s` (the longest per entry and end position) to
    /// its scanned value `v`. Suffixes of one byte count only as the whole value (a
    /// 2-byte STR_T never beats one more inline byte).
    pub fn scan_table(&mut self, s: &[u8], v: &mut Value, table: &Table<'_>) {
        let found = self.matches.len();
        for i in 0..s.len() {
            let mut e = table.head[s[i] as usize];
            if e == 0 || !boundary(s, i + 1) {
                continue;
            }
            if s.len() > 1 && (i == 0 || !table.pair(s[i - 1], s[i])) {
                continue;
            }
            while e != 0 {
                let entry = table.entries[e as usize - 1];
                let max = entry.len().min(i + 1);
                let mut l = 1;
                while l < max && entry[entry.len() - 1 - l] == s[i - l] {
                    l += 1;
                }
                while l > 0 && !boundary(s, i + 1 - l) {
                    l -= 1;
                }
                if l > 1 || l == s.len() {
                    self.push(
                        i + 1 - l,
                        i + 1,
                        Step::Table {
                            entry: e - 1,
                            suffix: l as u32,
                        },
                    );
                }
                e = table.next[e as usize - 1];
            }
        }
        if self.matches.len() == found {
            return;
        }
        // The value's own matches move behind the new ones so its range stays contiguous.
        self.matches
            .extend_from_within(v.m0 as usize..v.m1 as usize);
        v.m0 = found as u32;
        v.m1 = self.matches.len() as u32;
        v.tabled = true;
        self.index(v);
    }

    fn push(&mut self, start: usize, end: usize, step: Step) {
        self.matches.push(Match {
            start: start as u32,
            end: end as u32,
            step,
            from_k: 0,
            to_k: 0,
        });
    }

    /// Sorts the value's matches and lists its positions.
    fn index(&mut self, v: &mut Value) {
        v.plain = v.m0 == v.m1;
        v.whole = v.m1 == v.m0 + 1 && {
            let m = &self.matches[v.m0 as usize];
            m.start == 0 && m.end == v.len
        };
        v.p0 = self.pos.len() as u32;
        if !v.plain && !v.whole {
            let ms = &mut self.matches[v.m0 as usize..v.m1 as usize];
            if v.len < 128 {
                // Positions as bits: listing them in order and ranking them needs no
                // sort or search.
                let mut bits: u128 = 1 | (1 << v.len);
                for m in ms.iter() {
                    bits |= (1 << m.start) | (1 << m.end);
                }
                // Ranks from a table filled while listing (a popcount is not a single
                // instruction on the baseline x86-64 target).
                let mut rank = [0u8; 128];
                let mut b = bits;
                let mut k = 0u8;
                while b != 0 {
                    let p = b.trailing_zeros();
                    self.pos.push(p);
                    rank[p as usize] = k;
                    k += 1;
                    b &= b - 1;
                }
                for m in ms.iter_mut() {
                    m.from_k = u32::from(rank[m.start as usize]);
                    m.to_k = u32::from(rank[m.end as usize]);
                }
                ms.sort_unstable_by_key(|m| (m.from_k, m.to_k));
                v.p1 = self.pos.len() as u32;
                return;
            }
            let base = self.pos.len();
            self.pos.push(0);
            self.pos.push(v.len);
            for m in ms.iter() {
                self.pos.push(m.start);
                self.pos.push(m.end);
            }
            self.pos[base..].sort_unstable();
            let mut w = base;
            for r in base..self.pos.len() {
                if r == base || self.pos[r] != self.pos[w - 1] {
                    self.pos[w] = self.pos[r];
                    w += 1;
                }
            }
            self.pos.truncate(w);
            let ps = &self.pos[base..];
            for m in ms.iter_mut() {
                m.from_k = ps.binary_search(&m.start).unwrap_or(0) as u32;
                m.to_k = ps.binary_search(&m.end).unwrap_or(0) as u32;
            }
            ms.sort_unstable_by_key(|m| (m.from_k, m.to_k));
        }
        v.p1 = self.pos.len() as u32;
    }

    /// The cost of a match from page `p` (ignoring switches), or `None` when it is a
    /// table match and `table` is absent or has dropped the entry.
    #[inline]
    fn bytes_of(m: &Match, table: Option<&Table<'_>>) -> Option<(u32, Option<usize>)> {
        match m.step {
            Step::Token { row } => Some((1, Some(TOKENS[row as usize].page as usize))),
            Step::Nul => Some((2, None)),
            Step::Table { entry, suffix } => {
                Some((1 + mb_len(table?.offset(entry, suffix)?), None))
            }
            Step::Inline { .. } => None,
        }
    }

    /// Cost of `v` per `[entry page][exit page]`, with `table` or without one.
    pub fn matrix(&mut self, v: &Value, table: Option<&Table<'_>>) -> Matrix {
        let inline = if v.len == 0 { 0 } else { v.len + 2 };
        if v.plain {
            return [[inline, INF], [INF, inline]];
        }
        if v.whole {
            let mut out = [[inline, INF], [INF, inline]];
            if let Some((bytes, page)) = Self::bytes_of(&self.matches[v.m0 as usize], table) {
                for (s, row) in out.iter_mut().enumerate() {
                    let q = page.unwrap_or(s);
                    row[q] = row[q].min(bytes + if s == q { 0 } else { 2 });
                }
            }
            return out;
        }
        let (p0, p1) = (v.p0 as usize, v.p1 as usize);
        let n = p1 - p0;
        self.cost.clear();
        self.cost.resize(n, [INF; 8]);
        // States: start page s (0/1) × page p × open: index s*4 + p*2 + open.
        self.cost[0][0] = 0;
        self.cost[0][4 + 2] = 0;
        let ms = &self.matches[v.m0 as usize..v.m1 as usize];
        let mut mi = 0;
        for k in 0..n {
            let here = self.cost[k];
            let starts_at = mi;
            while mi < ms.len() && ms[mi].from_k as usize == k {
                mi += 1;
            }
            let starts = &ms[starts_at..mi];
            if k + 1 < n && !starts.iter().any(|m| m.step == Step::Nul) {
                let span = self.pos[p0 + k + 1] - self.pos[p0 + k];
                let next = &mut self.cost[k + 1];
                for st in (0..8).step_by(2) {
                    let v = (here[st + 1] + span).min(here[st] + span + 2);
                    next[st + 1] = next[st + 1].min(v);
                }
            }
            for m in starts {
                let Some((bytes, page)) = Self::bytes_of(m, table) else {
                    continue;
                };
                let to = m.to_k as usize;
                for s in 0..2 {
                    for p in 0..2 {
                        let src = here[s * 4 + p * 2].min(here[s * 4 + p * 2 + 1]);
                        let q = page.unwrap_or(p);
                        let c = src + bytes + if p == q { 0 } else { 2 };
                        let slot = &mut self.cost[to][s * 4 + q * 2];
                        *slot = (*slot).min(c);
                    }
                }
            }
        }
        let last = self.cost[n - 1];
        let mut out = [[INF; 2]; 2];
        for (s, row) in out.iter_mut().enumerate() {
            for (p, c) in row.iter_mut().enumerate() {
                *c = last[s * 4 + p * 2].min(last[s * 4 + p * 2 + 1]);
            }
        }
        out
    }

    /// The cheapest steps for `v` from page `start` to page `end`; returns their cost.
    pub fn path(
        &mut self,
        v: &Value,
        table: Option<&Table<'_>>,
        start: u8,
        end: u8,
        out: &mut Vec<Step>,
    ) -> u32 {
        if v.len == 0 {
            return if start == end { 0 } else { INF };
        }
        if v.plain {
            out.push(Step::Inline { from: 0, to: v.len });
            return if start == end { v.len + 2 } else { INF };
        }
        if v.whole {
            let m = self.matches[v.m0 as usize];
            let inline = if start == end { v.len + 2 } else { INF };
            let via = Self::bytes_of(&m, table).map_or(INF, |(bytes, page)| {
                let q = page.unwrap_or(start as usize);
                if q == end as usize {
                    bytes + if q == start as usize { 0 } else { 2 }
                } else {
                    INF
                }
            });
            if via < inline {
                out.push(m.step);
                return via;
            }
            out.push(Step::Inline { from: 0, to: v.len });
            return inline;
        }
        let (p0, p1) = (v.p0 as usize, v.p1 as usize);
        let n = p1 - p0;
        self.cost1.clear();
        self.cost1.resize(n, [INF; 4]);
        // Only states with a finite cost are backtracked, and each of those had its
        // pointer written in this call: stale pointers elsewhere are never read.
        if self.back.len() < n {
            self.back.resize(n, [Back::default(); 4]);
        }
        self.cost1[0][start as usize * 2] = 0;
        let ms0 = v.m0 as usize;
        let ms = &self.matches[ms0..v.m1 as usize];
        let mut mi = 0;
        for k in 0..n {
            let here = self.cost1[k];
            let starts_at = mi;
            while mi < ms.len() && ms[mi].from_k as usize == k {
                mi += 1;
            }
            let starts = &ms[starts_at..mi];
            if k + 1 < n && !starts.iter().any(|m| m.step == Step::Nul) {
                let span = self.pos[p0 + k + 1] - self.pos[p0 + k];
                for p in 0..2 {
                    let (c, from) = if here[p * 2 + 1] + span <= here[p * 2] + span + 2 {
                        (here[p * 2 + 1] + span, p * 2 + 1)
                    } else {
                        (here[p * 2] + span + 2, p * 2)
                    };
                    if c < self.cost1[k + 1][p * 2 + 1] {
                        self.cost1[k + 1][p * 2 + 1] = c;
                        self.back[k + 1][p * 2 + 1] = Back {
                            from_k: k as u32,
                            via: VIA_INLINE,
                            from_state: from as u8,
                        };
                    }
                }
            }
            for (j, m) in starts.iter().enumerate() {
                let Some((bytes, page)) = Self::bytes_of(m, table) else {
                    continue;
                };
                let to = m.to_k as usize;
                for p in 0..2 {
                    let (src, from) = if here[p * 2 + 1] < here[p * 2] {
                        (here[p * 2 + 1], p * 2 + 1)
                    } else {
                        (here[p * 2], p * 2)
                    };
                    let q = page.unwrap_or(p);
                    let c = src + bytes + if p == q { 0 } else { 2 };
                    if c < self.cost1[to][q * 2] {
                        self.cost1[to][q * 2] = c;
                        let via = (ms0 + starts_at + j) as u32;
                        self.back[to][q * 2] = Back {
                            from_k: k as u32,
                            via,
                            from_state: from as u8,
                        };
                    }
                }
            }
        }
        let e = end as usize;
        let last = self.cost1[n - 1];
        let total = last[e * 2].min(last[e * 2 + 1]);
        if total >= INF {
            return INF;
        }
        let first = out.len();
        let mut state = if last[e * 2 + 1] < last[e * 2] {
            e * 2 + 1
        } else {
            e * 2
        };
        let mut k = n - 1;
        let mut run_end: Option<u32> = None;
        while k > 0 {
            let b = self.back[k][state];
            if b.via == VIA_INLINE {
                run_end.get_or_insert(self.pos[p0 + k]);
                if b.from_state & 1 == 0 {
                    let to = run_end.take().unwrap_or(self.pos[p0 + k]);
                    out.push(Step::Inline {
                        from: self.pos[p0 + b.from_k as usize],
                        to,
                    });
                }
            } else {
                out.push(self.matches[b.via as usize].step);
            }
            k = b.from_k as usize;
            state = b.from_state as usize;
        }
        out[first..].reverse();
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, p0: u8, table: Option<&Table<'_>>) -> ([u32; 2], Vec<Step>) {
        let mut a = Arena::default();
        let mut v = a.scan_tokens(s.as_bytes());
        if let Some(t) = table {
            a.scan_table(s.as_bytes(), &mut v, t);
        }
        let m = a.matrix(&v, table)[p0 as usize];
        let end = if m[0] <= m[1] { 0 } else { 1 };
        let mut steps = Vec::new();
        let c = a.path(&v, table, p0, end, &mut steps);
        assert_eq!(c, m[end as usize]);
        (m, steps)
    }

    #[test]
    fn whole_and_fragment_tokens() {
        assert_eq!(run("GSM-GPRS", 0, None).0, [1, INF]);
        assert_eq!(run("GSM-GPRS", 1, None).0, [3, 10]);
        // Page 1 fragments: HTTP- DIGEST , HTTP- BASIC = 5 bytes.
        assert_eq!(run("HTTP-DIGEST,HTTP-BASIC", 1, None).0[1], 5);
        // From page 0: HTTP-DIGEST (0x9D), switch, ',' HTTP- BASIC = 1 + 2 + 3.
        assert_eq!(run("HTTP-DIGEST,HTTP-BASIC", 0, None).0[1], 6);
        assert_eq!(
            run("internet", 0, None),
            ([10, INF], vec![Step::Inline { from: 0, to: 8 }])
        );
    }

    #[test]
    fn table_suffixes_and_nul() {
        let t = Table::new(vec![b"CHT_emome"]);
        let (c, v) = run("emome", 0, Some(&t));
        assert_eq!(c[0], 2);
        assert_eq!(
            v,
            vec![Step::Table {
                entry: 0,
                suffix: 5
            }]
        );
        assert_eq!(t.offset(0, 5), Some(4));
        let (c, v) = run("a\0b", 0, None);
        assert_eq!(c[0], 3 + 2 + 3);
        assert_eq!(v.len(), 3);
        // A table prefix then an inline tail.
        let t = Table::new(vec![b"Example MMS"]);
        let (c, v) = run("Example MMS proxy", 0, Some(&t));
        assert_eq!(c[0], 2 + 8);
        assert_eq!(
            v,
            vec![
                Step::Table {
                    entry: 0,
                    suffix: 11
                },
                Step::Inline { from: 11, to: 17 }
            ]
        );
    }

    #[test]
    fn dropped_entries_move_offsets() {
        let mut t = Table::new(vec![b"aaaa", b"bbbb"]);
        assert_eq!(t.offset(1, 4), Some(5));
        t.retain_used(&[0, 3]);
        assert_eq!((t.offset(0, 4), t.offset(1, 4)), (None, Some(0)));
        assert_eq!(t.bytes, b"bbbb\0");
    }

    #[test]
    fn never_splits_a_character() {
        let t = Table::new(vec!["éé".as_bytes()]);
        let (_, v) = run("xéé", 0, Some(&t));
        assert_eq!(
            v,
            vec![
                Step::Inline { from: 0, to: 1 },
                Step::Table {
                    entry: 0,
                    suffix: 4
                }
            ]
        );
        // U+01E9 is C7 A9: it shares only a continuation byte with "aé" (61 C3 A9).
        let t = Table::new(vec!["aé".as_bytes()]);
        let (c, v) = run("\u{1E9}", 0, Some(&t));
        assert_eq!(c[0], 4);
        assert_eq!(v, vec![Step::Inline { from: 0, to: 2 }]);
    }
}
