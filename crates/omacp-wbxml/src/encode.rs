//! [`Document`] → PROV WBXML 1.3, as small as this encoder can make it (wbxml.md §4).
//!
//! SMS segments cost money, so the encoder searches rather than following the
//! libwbxml recipe:
//! - every attribute (`version`, `type`, `name`, `value`) is a sequence of items; each
//!   attribute is priced for both entry pages and both exit pages (a 2×2 matrix) over
//!   all its encodings: a start token whose value prefix matches (`name="NAME"` →
//!   0x07, `name="NAMEX"` → 0x07 + "X"), or the prefix-less start token, followed by
//!   the cheapest value pieces (module `pieces`);
//! - a two-state dynamic programme over the whole document then picks the attribute
//!   code page at every point (a SWITCH_PAGE costs 2 bytes and persists across
//!   elements); the tag page never changes (PROV tags are on both pages);
//! - an empty characteristic is `0x86` (attributes, no content) and a root without
//!   characteristics has no content flag;
//! - with [`EncodeOptions::string_table`], a string table is chosen (module `strtbl`),
//!   entries no value ends up using are dropped, and the table is abandoned when the
//!   document is not smaller with it.
//!
//! Only [`Source::ProvCont`](crate::tokens::Source) tokens are emitted: CP 1.2 names
//! and values (WLAN, APPREF, BEARERINFO, 3G-GSM …) go out as literal strings. The output
//! never contains EXT, OPAQUE, PI or LITERAL tokens; ENTITY appears only for U+0000,
//! which no WBXML string can carry.

use omacp_doc::Document;
use omacp_doc::flat::Item;

use crate::emit::Job;
pub(crate) use crate::flatten::{Slot, collect, collect_flat, recycle};
use crate::pieces::{Arena, INF, Matrix, Step, Table, TableBufs, Value};
use crate::strtbl;
use crate::tokens::{Attr, Kind, PREFIXES_BY_FIRST, TOKENS, exact_starts, literal_start};

/// How to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Allow a string table (used only where it makes the document smaller).
    pub string_table: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { string_table: true }
    }
}

/// How one attribute is sent: by a start token whose prefix is the whole text, or by
/// one of the slot's priced values (a start token whose prefix begins the text, or the
/// prefix-less start token, followed by value pieces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    Exact(u8),
    Value(u32),
}

/// A string to be sent as value pieces after a start token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Val {
    pub(crate) value: Value,
    /// The start token: a prefix row, or `None` for the attribute's prefix-less token.
    pub(crate) row: Option<u8>,
    /// Bytes of the slot text the start token covers.
    pub(crate) skip: u32,
    /// Cost per (entry page, exit page) without and with the table.
    pub(crate) plain: Matrix,
    pub(crate) tabled: Matrix,
}

/// What the encoder knows about one attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotInfo {
    /// Row of an exact start token on each page.
    pub(crate) exact: [Option<u8>; 2],
    /// This slot's priced values: `vals[v0..v1]`.
    pub(crate) v0: u32,
    pub(crate) v1: u32,
    /// The cheapest cost per (entry page, exit page), and how.
    pub(crate) matrix: Matrix,
    pub(crate) choice: [[Choice; 2]; 2],
    /// An earlier slot has the same attribute and text: this one shares its values.
    pub(crate) repeat: bool,
    /// On a first occurrence: the slots with its attribute and text.
    pub(crate) count: u32,
}

impl SlotInfo {
    /// The text goes out after the prefix-less start token (a string-table candidate).
    fn literal(&self, vals: &[Val]) -> Option<usize> {
        (self.v0..self.v1)
            .map(|i| i as usize)
            .find(|&i| vals[i].row.is_none())
    }

    fn price(&mut self, attr: Attr, vals: &[Val], tabled: bool) {
        if self.v0 == self.v1 {
            // Exact tokens only (a slot has values only when it has no exact token): 1
            // byte on the token's page, 3 with a switch to it.
            let one = |q: usize, pin: usize| match self.exact[q] {
                Some(_) if pin == q => 1,
                Some(_) => 3,
                None => INF,
            };
            self.matrix = [[one(0, 0), one(1, 0)], [one(0, 1), one(1, 1)]];
            let c = |q: usize| Choice::Exact(self.exact[q].unwrap_or(0));
            self.choice = [[c(0), c(1)], [c(0), c(1)]];
            return;
        }
        // Values only: every exact row is `None` here.
        let mut m = [[INF; 2]; 2];
        let mut ch = [[Choice::Exact(0); 2]; 2];
        // The page a prefix-less value starts on from page 1 (`type` has its literal
        // start on both pages; the others switch to page 0 first).
        let lit1 = if literal_start(attr, 1).is_some() {
            1
        } else {
            0
        };
        for i in self.v0..self.v1 {
            let v = &vals[i as usize];
            let d = if tabled { &v.tabled } else { &v.plain };
            let starts = match v.row {
                Some(r) => [TOKENS[r as usize].page as usize; 2],
                None => [0, lit1],
            };
            for (pin, &start) in starts.iter().enumerate() {
                let sw = if start == pin { 1 } else { 3 };
                for pout in 0..2 {
                    let c = sw + d[start][pout];
                    if c < m[pin][pout] {
                        m[pin][pout] = c;
                        ch[pin][pout] = Choice::Value(i);
                    }
                }
            }
        }
        self.matrix = m;
        self.choice = ch;
    }
}

/// Writes the page before each slot (and after the last) to `pages`; returns the body
/// cost of the slots.
fn plan(infos: &[SlotInfo], parent: &mut Vec<[u8; 2]>, pages: &mut Vec<u8>) -> u32 {
    let mut best = [0u32, INF];
    parent.clear();
    parent.resize(infos.len(), [0; 2]);
    for (info, par) in infos.iter().zip(parent.iter_mut()) {
        let m = info.matrix;
        // Ties keep page 0 as the predecessor.
        let mut next = [0u32; 2];
        for q in 0..2 {
            let (c0, c1) = (best[0] + m[0][q], best[1] + m[1][q]);
            par[q] = u8::from(c1 < c0);
            next[q] = c0.min(c1);
        }
        best = next;
    }
    pages.clear();
    pages.resize(infos.len() + 1, 0);
    let mut q = if best[1] < best[0] { 1 } else { 0 };
    pages[infos.len()] = q;
    for k in (0..infos.len()).rev() {
        q = parent[k][q as usize];
        pages[k] = q;
    }
    best[0].min(best[1])
}

/// Buffers one encoding needs, kept between calls by [`crate::Encoder`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    arena: Arena,
    vals: Vec<Val>,
    infos: Vec<SlotInfo>,
    tabled: Vec<SlotInfo>,
    parent: Vec<[u8; 2]>,
    plain_pages: Vec<u8>,
    pages: Vec<u8>,
    steps: Vec<Step>,
    used: Vec<u32>,
    seen: Seen,
    uses: Vec<(&'static [u8], u32, u32)>,
    entries: Vec<&'static [u8]>,
    table: TableBufs,
    pools: strtbl::Pools,
    /// The encoding.
    pub out: Vec<u8>,
}

/// Encodes `doc` as PROV WBXML 1.3 (public id 0x0B, UTF-8). Infallible: every
/// [`Document`] has an encoding (a value containing U+0000 uses ENTITY, which this
/// crate's decoder accepts but XML cannot carry).
pub fn encode(doc: &Document, opts: &EncodeOptions) -> Vec<u8> {
    // One set of buffers per thread, reused by later calls (a re-entrant call would
    // find none and make its own); kept only after documents of ordinary size.
    thread_local! {
        static CACHE: std::cell::Cell<Option<Box<Cache>>> = const { std::cell::Cell::new(None) };
    }
    let mut c = CACHE.with(std::cell::Cell::take).unwrap_or_default();
    let slots = std::mem::take(&mut c.slots);
    c.slots = encode_doc(doc, opts, &mut c.items, slots, &mut c.sc);
    let out = std::mem::take(&mut c.sc.out);
    if c.items.capacity() <= 4096 {
        CACHE.with(|cell| cell.set(Some(c)));
    }
    out
}

/// The buffers [`encode`] keeps per thread.
#[derive(Debug, Default)]
struct Cache {
    items: Vec<Item>,
    slots: Vec<Slot<'static>>,
    sc: Scratch,
}

/// [`encode`] with reusable buffers: `items`, `slots` scratch vectors.
pub(crate) fn encode_doc(
    doc: &Document,
    opts: &EncodeOptions,
    items: &mut Vec<Item>,
    slots: Vec<Slot<'static>>,
    sc: &mut Scratch,
) -> Vec<Slot<'static>> {
    items.clear();
    let mut slots = recycle(slots);
    let fixed = collect(doc, items, &mut slots);
    encode_slots(items, &slots, fixed, opts, sc);
    recycle(slots)
}

/// Encodes a flattened document into `sc.out`.
pub(crate) fn encode_slots<'d>(
    items: &[Item],
    slots: &[Slot<'d>],
    fixed: usize,
    opts: &EncodeOptions,
    sc: &mut Scratch,
) {
    let Scratch {
        arena,
        vals,
        infos,
        tabled,
        parent,
        plain_pages,
        pages,
        steps,
        used,
        seen,
        uses,
        entries: entries_pool,
        table: table_bufs,
        pools,
        out,
    } = sc;
    arena.clear();
    vals.clear();
    infos.clear();
    seen.reset(slots.len());
    for (k, slot) in slots.iter().enumerate() {
        let text = slot.text.as_bytes();
        // A repeated (attribute, text) has the same tokens, values and prices.
        if let Some(j) = seen.find_or_add(text_hash(slot.attr, text), k, |j| {
            slots[j].attr == slot.attr && slots[j].text == slot.text
        }) {
            let info = SlotInfo {
                repeat: true,
                ..infos[j]
            };
            infos[j].count += 1;
            infos.push(info);
            continue;
        }
        let exact = exact_starts(slot.attr, text);
        let v0 = vals.len() as u32;
        if exact == [None; 2] {
            // No token names the whole text: a start token carrying a prefix of it, or
            // the prefix-less start token, followed by value pieces.
            if let Some(&first) = text.first() {
                for &row in PREFIXES_BY_FIRST.get(first) {
                    let t = &TOKENS[row as usize];
                    if t.kind == Kind::AttrStart(slot.attr) && text.starts_with(t.text.as_bytes()) {
                        let value = arena.scan_tokens(&text[t.text.len()..]);
                        let plain = arena.matrix(&value, None);
                        vals.push(Val {
                            value,
                            row: Some(row),
                            skip: t.text.len() as u32,
                            plain,
                            tabled: plain,
                        });
                    }
                }
            }
            let value = arena.scan_tokens(text);
            let plain = arena.matrix(&value, None);
            vals.push(Val {
                value,
                row: None,
                skip: 0,
                plain,
                tabled: plain,
            });
        }
        let mut info = SlotInfo {
            exact,
            v0,
            v1: vals.len() as u32,
            matrix: [[INF; 2]; 2],
            choice: [[Choice::Exact(0); 2]; 2],
            repeat: false,
            count: 1,
        };
        info.price(slot.attr, vals, false);
        infos.push(info);
    }
    let plain_bytes = plan(infos, parent, plain_pages);
    let job = Job {
        items,
        slots,
        vals,
        fixed,
    };
    let plain_size = 4 + fixed + plain_bytes as usize;
    if !opts.string_table {
        job.emit(
            infos,
            plain_pages,
            plain_bytes,
            None,
            arena,
            out,
            steps,
            used,
        );
        return;
    }

    // One entry per distinct (attribute, text), with its number of uses.
    let mut u: Vec<(&[u8], u32, u32)> = recycle(std::mem::take(uses));
    u.extend(
        slots
            .iter()
            .zip(infos.iter())
            .filter(|(_, i)| !i.repeat)
            .filter_map(|(s, i)| {
                let v = &vals[i.literal(vals)?];
                Some((
                    s.text.as_bytes(),
                    v.plain.iter().flatten().copied().min().unwrap_or(INF),
                    i.count,
                ))
            }),
    );
    let mut entries: Vec<&[u8]> = recycle(std::mem::take(entries_pool));
    strtbl::select(&u, pools, &mut entries);
    *uses = recycle(u);
    if entries.is_empty() {
        *entries_pool = recycle(entries);
        job.emit(
            infos,
            plain_pages,
            plain_bytes,
            None,
            arena,
            out,
            steps,
            used,
        );
        return;
    }
    let mut table = Table::new_in(entries, std::mem::take(table_bufs));
    for (slot, info) in slots.iter().zip(infos.iter()).filter(|(_, i)| !i.repeat) {
        for v in &mut vals[info.v0 as usize..info.v1 as usize] {
            arena.scan_table(
                &slot.text.as_bytes()[v.skip as usize..],
                &mut v.value,
                &table,
            );
        }
    }
    tabled.clear();
    tabled.extend_from_slice(infos);
    // Rounds: price against the table, emit, drop entries nothing used, repeat.
    let done = 'rounds: {
        for _round in 0..3 {
            for v in vals.iter_mut().filter(|v| v.value.tabled) {
                v.tabled = arena.matrix(&v.value, Some(&table));
            }
            for (info, slot) in tabled.iter_mut().zip(slots) {
                // A slot none of whose values meets the table keeps its plain price.
                if vals[info.v0 as usize..info.v1 as usize]
                    .iter()
                    .any(|v| v.value.tabled)
                {
                    info.price(slot.attr, vals, true);
                }
            }
            let bytes = plan(tabled, parent, pages);
            let size = 3 + table.header_len() + fixed + bytes as usize;
            if size >= plain_size {
                break;
            }
            let job = Job {
                items,
                slots,
                vals,
                fixed,
            };
            job.emit(tabled, pages, bytes, Some(&table), arena, out, steps, used);
            if used
                .iter()
                .zip(0..)
                .all(|(&u, e)| u > 0 || table.offset(e, 0).is_none())
            {
                break 'rounds true;
            }
            table.retain_used(used);
            if table.is_empty() {
                break;
            }
        }
        false
    };
    let (entries, bufs) = table.into_parts();
    *entries_pool = recycle(entries);
    *table_bufs = bufs;
    if done {
        return;
    }
    let job = Job {
        items,
        slots,
        vals,
        fixed,
    };
    job.emit(
        infos,
        plain_pages,
        plain_bytes,
        None,
        arena,
        out,
        steps,
        used,
    );
}

/// A hash of an attribute and its text, a word at a time.
fn text_hash(attr: Attr, text: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (text.len() as u64) ^ ((attr as u64) << 32);
    let mut words = text.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h.rotate_left(26) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(26) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Slot indexes by hash (open addressing), to find an earlier equal slot.
#[derive(Debug, Default)]
struct Seen {
    /// Slot index + 1, 0 = empty.
    cells: Vec<u32>,
}

impl Seen {
    /// Empties the table, sized for `n` slots.
    fn reset(&mut self, n: usize) {
        self.cells.clear();
        self.cells.resize((2 * n).next_power_of_two().max(8), 0);
    }

    /// The earlier slot `same` accepts among those with hash `h`, or `None` after
    /// recording `k`. Probes are capped, so that colliding strings cost a bounded
    /// amount each (a missed repeat is only priced again).
    fn find_or_add(&mut self, h: u64, k: usize, same: impl Fn(usize) -> bool) -> Option<usize> {
        let mask = self.cells.len() - 1;
        let mut at = h as usize & mask;
        for _ in 0..8 {
            match self.cells[at] {
                0 => {
                    self.cells[at] = k as u32 + 1;
                    return None;
                }
                c if same(c as usize - 1) => return Some(c as usize - 1),
                _ => at = (at + 1) & mask,
            }
        }
        None
    }
}
