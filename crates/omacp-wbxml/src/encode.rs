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

use omacp_doc::flat::{Flat, Item};
use omacp_doc::{Characteristic, Document, Node};

use crate::header::PUBLIC_ID_PROV;
use crate::pieces::{Arena, INF, Matrix, Step, Table, Value};
use crate::strtbl;
use crate::tokens::{Attr, Kind, PREFIXES_BY_FIRST, TOKENS, exact_starts, literal_start};
use crate::writer;

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

use crate::writer::{END, HAS_ATTRIBUTES as HAS_ATTRS, HAS_CONTENT};

// PROV tag ids (wbxml.md §3.1), on tag page 0, which the encoder never leaves.
const TAG_ROOT: u8 = 0x05;
const TAG_CHARACTERISTIC: u8 = 0x06;
const TAG_PARM: u8 = 0x07;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'d> {
    pub attr: Attr,
    pub text: &'d str,
}

/// Flattens `doc` into `items` and `slots`; returns the fixed (non-attribute) body bytes.
fn collect<'d>(doc: &'d Document, items: &mut Vec<Item>, slots: &mut Vec<Slot<'d>>) -> usize {
    fn walk<'d>(c: &'d Characteristic, items: &mut Vec<Item>, slots: &mut Vec<Slot<'d>>) {
        let content = !c.children.is_empty();
        items.push(Item::Char { content });
        slots.push(Slot {
            attr: Attr::Type,
            text: &c.kind,
        });
        for n in &c.children {
            match n {
                Node::Parm(p) => {
                    items.push(Item::Parm {
                        value: p.value.is_some(),
                    });
                    slots.push(Slot {
                        attr: Attr::Name,
                        text: &p.name,
                    });
                    if let Some(v) = &p.value {
                        slots.push(Slot {
                            attr: Attr::Value,
                            text: v,
                        });
                    }
                }
                Node::Characteristic(c) => walk(c, items, slots),
            }
        }
        items.push(Item::End { content });
    }
    items.push(Item::Root {
        version: doc.version.is_some(),
        content: !doc.characteristics.is_empty(),
    });
    if let Some(v) = &doc.version {
        slots.push(Slot {
            attr: Attr::Version,
            text: v,
        });
    }
    for c in &doc.characteristics {
        walk(c, items, slots);
    }
    fixed_bytes(items)
}

/// The slots of a [`Flat`] document parsed from `text`; returns the fixed body bytes.
pub(crate) fn collect_flat<'d>(flat: &'d Flat, text: &'d str, slots: &mut Vec<Slot<'d>>) -> usize {
    let mut k = 0;
    let mut next = |attr| {
        let s = Slot {
            attr,
            text: flat.string(text, k),
        };
        k += 1;
        s
    };
    for item in flat.items() {
        match *item {
            Item::Root { version: true, .. } => slots.push(next(Attr::Version)),
            Item::Root { .. } | Item::End { .. } => {}
            Item::Char { .. } => slots.push(next(Attr::Type)),
            Item::Parm { value } => {
                slots.push(next(Attr::Name));
                if value {
                    slots.push(next(Attr::Value));
                }
            }
        }
    }
    fixed_bytes(flat.items())
}

/// Tag bytes and ENDs: the root tag (+ END of its attributes, + END of its content);
/// per characteristic its tag and END of attributes (+ END of content); per parm its
/// tag and END of attributes.
fn fixed_bytes(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| match *i {
            Item::Root { version, content } => 1 + usize::from(version) + usize::from(content),
            Item::Char { content } => 2 + usize::from(content),
            Item::Parm { .. } => 2,
            Item::End { .. } => 0,
        })
        .sum()
}

/// How one attribute is sent: by a start token whose prefix is the whole text, or by
/// one of the slot's priced values (a start token whose prefix begins the text, or the
/// prefix-less start token, followed by value pieces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Exact(u8),
    Value(u32),
}

/// A string to be sent as value pieces after a start token.
#[derive(Debug, Clone, Copy)]
struct Val {
    value: Value,
    /// The start token: a prefix row, or `None` for the attribute's prefix-less token.
    row: Option<u8>,
    /// Bytes of the slot text the start token covers.
    skip: u32,
    /// Cost per (entry page, exit page) without and with the table.
    plain: Matrix,
    tabled: Matrix,
}

/// What the encoder knows about one attribute.
#[derive(Debug, Clone, Copy)]
struct SlotInfo {
    /// Row of an exact start token on each page.
    exact: [Option<u8>; 2],
    /// This slot's priced values: `vals[v0..v1]`.
    v0: u32,
    v1: u32,
    /// The cheapest cost per (entry page, exit page), and how.
    matrix: Matrix,
    choice: [[Choice; 2]; 2],
}

impl SlotInfo {
    /// The text goes out after the prefix-less start token (a string-table candidate).
    fn literal(&self, vals: &[Val]) -> Option<usize> {
        (self.v0..self.v1)
            .map(|i| i as usize)
            .find(|&i| vals[i].row.is_none())
    }

    fn price(&mut self, attr: Attr, vals: &[Val], tabled: bool) {
        let mut m = [[INF; 2]; 2];
        let mut ch = [[Choice::Exact(0); 2]; 2];
        let mut offer = |pin: usize, pout: usize, c: u32, how: Choice| {
            if c < m[pin][pout] {
                m[pin][pout] = c;
                ch[pin][pout] = how;
            }
        };
        for (q, row) in self.exact.iter().enumerate() {
            if let Some(row) = *row {
                for pin in 0..2 {
                    offer(pin, q, if pin == q { 1 } else { 3 }, Choice::Exact(row));
                }
            }
        }
        for i in self.v0..self.v1 {
            let v = &vals[i as usize];
            let d = if tabled { v.tabled } else { v.plain };
            for pin in 0..2 {
                // The page the value starts on, and the switch needed to get there.
                let start = match v.row {
                    Some(r) => TOKENS[r as usize].page as usize,
                    None if literal_start(attr, pin as u8).is_some() => pin,
                    None => 0, // version's prefix-less 0x45 is on page 0 only
                };
                let sw = if start == pin { 0 } else { 2 };
                for (pout, &dc) in d[start].iter().enumerate() {
                    offer(pin, pout, sw + 1 + dc, Choice::Value(i));
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
    for info in infos {
        let m = info.matrix;
        let mut next = [INF; 2];
        let mut par = [0u8; 2];
        for q in 0..2 {
            for p in 0..2 {
                let c = best[p] + m[p][q];
                if c < next[q] {
                    next[q] = c;
                    par[q] = p as u8;
                }
            }
        }
        best = next;
        parent.push(par);
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

struct Emitter<'a, 'd> {
    slots: &'a [Slot<'d>],
    infos: &'a [SlotInfo],
    vals: &'a [Val],
    pages: &'a [u8],
    table: Option<&'a Table<'d>>,
    arena: &'a mut Arena,
    next: usize,
    page: u8,
    out: &'a mut Vec<u8>,
    steps: &'a mut Vec<Step>,
    /// Uses of each table entry.
    used: &'a mut Vec<u32>,
}

impl Emitter<'_, '_> {
    fn switch_to(&mut self, page: u8) {
        if self.page != page {
            writer::switch_page(self.out, page);
            self.page = page;
        }
    }

    fn slot(&mut self) {
        let k = self.next;
        self.next += 1;
        let slot = self.slots[k];
        let info = &self.infos[k];
        let (pin, pout) = (self.pages[k], self.pages[k + 1]);
        debug_assert_eq!(self.page, pin);
        let before = self.out.len();
        let v = match info.choice[pin as usize][pout as usize] {
            Choice::Exact(row) => {
                let t = &TOKENS[row as usize];
                self.switch_to(t.page);
                self.out.push(t.byte);
                debug_assert_eq!(self.page, pout);
                return;
            }
            Choice::Value(i) => self.vals[i as usize],
        };
        match v.row {
            Some(row) => {
                let t = &TOKENS[row as usize];
                self.switch_to(t.page);
                self.out.push(t.byte);
            }
            None => {
                if literal_start(slot.attr, self.page).is_none() {
                    self.switch_to(0);
                }
                self.out.push(
                    literal_start(slot.attr, self.page).expect("page 0 has every literal start"),
                );
            }
        }
        let rest = &slot.text.as_bytes()[v.skip as usize..];
        self.steps.clear();
        let c = self
            .arena
            .path(&v.value, self.table, self.page, pout, self.steps);
        debug_assert!(c < INF);
        for i in 0..self.steps.len() {
            match self.steps[i] {
                Step::Inline { from, to } => {
                    self.out.push(0x03);
                    self.out
                        .extend_from_slice(&rest[from as usize..to as usize]);
                    self.out.push(0x00);
                }
                Step::Token { row } => {
                    let t = &TOKENS[row as usize];
                    self.switch_to(t.page);
                    self.out.push(t.byte);
                }
                Step::Table { entry, suffix } => {
                    let table = self.table.expect("table steps only with a table");
                    writer::str_t(self.out, table.offset(entry, suffix).expect("live entry"));
                    self.used[entry as usize] += 1;
                }
                Step::Nul => writer::entity(self.out, '\0'),
            }
        }
        debug_assert_eq!(self.page, pout, "{slot:?}");
        debug_assert_eq!(
            (self.out.len() - before) as u32,
            info.matrix[pin as usize][pout as usize],
            "{slot:?}"
        );
    }
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
    uses: Vec<(&'static [u8], u32)>,
    /// The encoding.
    pub out: Vec<u8>,
}

/// Reuses `v`'s buffer for elements of another lifetime: an in-place `collect` of an
/// emptied vector keeps the allocation when the element layouts are the same.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!("empty")).collect()
}

struct Job<'a, 'd> {
    items: &'a [Item],
    slots: &'a [Slot<'d>],
    vals: &'a [Val],
    fixed: usize,
}

impl<'d> Job<'_, 'd> {
    /// Writes the document to `out`; `used` receives the uses of each table entry.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        infos: &[SlotInfo],
        pages: &[u8],
        slot_bytes: u32,
        table: Option<&Table<'d>>,
        arena: &mut Arena,
        out: &mut Vec<u8>,
        steps: &mut Vec<Step>,
        used: &mut Vec<u32>,
    ) {
        let table_len = table.map_or(1, Table::header_len);
        let size = 3 + table_len + self.fixed + slot_bytes as usize;
        out.clear();
        out.reserve(size);
        writer::header(out, PUBLIC_ID_PROV, table.map_or(&[][..], |t| &t.bytes));
        used.clear();
        used.resize(table.map_or(0, Table::len), 0);
        let mut e = Emitter {
            slots: self.slots,
            infos,
            vals: self.vals,
            pages,
            table,
            arena,
            next: 0,
            page: 0,
            out,
            steps,
            used,
        };
        let mut root_content = false;
        for item in self.items {
            match *item {
                Item::Root { version, content } => {
                    root_content = content;
                    let attrs = if version { HAS_ATTRS } else { 0 };
                    let content = if content { HAS_CONTENT } else { 0 };
                    e.out.push(TAG_ROOT | attrs | content);
                    if version {
                        e.slot();
                        e.out.push(END);
                    }
                }
                Item::Char { content } => {
                    let content = if content { HAS_CONTENT } else { 0 };
                    e.out.push(TAG_CHARACTERISTIC | HAS_ATTRS | content);
                    e.slot();
                    e.out.push(END);
                }
                Item::Parm { value } => {
                    e.out.push(TAG_PARM | HAS_ATTRS);
                    e.slot();
                    if value {
                        e.slot();
                    }
                    e.out.push(END);
                }
                Item::End { content } => {
                    if content {
                        e.out.push(END);
                    }
                }
            }
        }
        if root_content {
            e.out.push(END);
        }
        debug_assert_eq!(e.out.len(), size);
    }
}

/// Encodes `doc` as PROV WBXML 1.3 (public id 0x0B, UTF-8). Infallible: every
/// [`Document`] has an encoding (a value containing U+0000 uses ENTITY, which this
/// crate's decoder accepts but XML cannot carry).
pub fn encode(doc: &Document, opts: &EncodeOptions) -> Vec<u8> {
    let mut items = Vec::with_capacity(64);
    let mut slots = Vec::with_capacity(64);
    let fixed = collect(doc, &mut items, &mut slots);
    let mut sc = Scratch {
        arena: Arena::with_capacity(slots.len()),
        vals: Vec::with_capacity(slots.len() / 2),
        infos: Vec::with_capacity(slots.len()),
        steps: Vec::with_capacity(16),
        ..Scratch::default()
    };
    encode_slots(&items, &slots, fixed, opts, &mut sc);
    sc.out
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
        uses,
        out,
    } = sc;
    arena.clear();
    vals.clear();
    infos.clear();
    for slot in slots {
        let text = slot.text.as_bytes();
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

    let mut u: Vec<(&[u8], u32)> = recycle(std::mem::take(uses));
    u.extend(slots.iter().zip(infos.iter()).filter_map(|(s, i)| {
        let v = &vals[i.literal(vals)?];
        Some((
            s.text.as_bytes(),
            v.plain.iter().flatten().copied().min().unwrap_or(INF),
        ))
    }));
    let entries = strtbl::select(&mut u);
    *uses = recycle(u);
    if entries.is_empty() {
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
    let mut table = Table::new(entries);
    for (slot, info) in slots.iter().zip(infos.iter()) {
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
            return;
        }
        table.retain_used(used);
        if table.is_empty() {
            break;
        }
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
