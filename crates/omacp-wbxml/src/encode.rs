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
struct Slot<'d> {
    attr: Attr,
    text: &'d str,
}

fn collect<'d>(doc: &'d Document, slots: &mut Vec<Slot<'d>>) -> usize {
    fn walk<'d>(c: &'d Characteristic, slots: &mut Vec<Slot<'d>>) -> usize {
        slots.push(Slot {
            attr: Attr::Type,
            text: &c.kind,
        });
        // tag + END of attributes (+ END of content)
        let mut fixed = 2 + usize::from(!c.children.is_empty());
        for n in &c.children {
            match n {
                Node::Parm(p) => {
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
                    fixed += 2;
                }
                Node::Characteristic(c) => fixed += walk(c, slots),
            }
        }
        fixed
    }
    let mut fixed = 1;
    if let Some(v) = &doc.version {
        slots.push(Slot {
            attr: Attr::Version,
            text: v,
        });
        fixed += 1;
    }
    if !doc.characteristics.is_empty() {
        fixed += 1;
    }
    for c in &doc.characteristics {
        fixed += walk(c, slots);
    }
    fixed
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

/// The page before each slot (and after the last), and the body cost of the slots.
#[derive(Debug)]
struct Plan {
    pages: Vec<u8>,
    slot_bytes: u32,
}

fn plan(infos: &[SlotInfo]) -> Plan {
    let mut best = [0u32, INF];
    let mut parent: Vec<[u8; 2]> = Vec::with_capacity(infos.len());
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
    let mut pages = vec![0u8; infos.len() + 1];
    let mut q = if best[1] < best[0] { 1 } else { 0 };
    pages[infos.len()] = q;
    for k in (0..infos.len()).rev() {
        q = parent[k][q as usize];
        pages[k] = q;
    }
    Plan {
        pages,
        slot_bytes: best[0].min(best[1]),
    }
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
    out: Vec<u8>,
    steps: Vec<Step>,
    /// Uses of each table entry.
    used: Vec<u32>,
}

impl Emitter<'_, '_> {
    fn switch_to(&mut self, page: u8) {
        if self.page != page {
            writer::switch_page(&mut self.out, page);
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
            .path(&v.value, self.table, self.page, pout, &mut self.steps);
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
                    writer::str_t(
                        &mut self.out,
                        table.offset(entry, suffix).expect("live entry"),
                    );
                    self.used[entry as usize] += 1;
                }
                Step::Nul => writer::entity(&mut self.out, '\0'),
            }
        }
        debug_assert_eq!(self.page, pout, "{slot:?}");
        debug_assert_eq!(
            (self.out.len() - before) as u32,
            info.matrix[pin as usize][pout as usize],
            "{slot:?}"
        );
    }

    fn characteristic(&mut self, c: &Characteristic) {
        let content = if c.children.is_empty() {
            0
        } else {
            HAS_CONTENT
        };
        self.out.push(TAG_CHARACTERISTIC | HAS_ATTRS | content);
        self.slot();
        self.out.push(END);
        for n in &c.children {
            match n {
                Node::Parm(p) => {
                    self.out.push(TAG_PARM | HAS_ATTRS);
                    self.slot();
                    if p.value.is_some() {
                        self.slot();
                    }
                    self.out.push(END);
                }
                Node::Characteristic(c) => self.characteristic(c),
            }
        }
        if content != 0 {
            self.out.push(END);
        }
    }
}

struct Job<'a, 'd> {
    doc: &'a Document,
    slots: &'a [Slot<'d>],
    infos: &'a [SlotInfo],
    vals: &'a [Val],
    fixed: usize,
}

impl<'d> Job<'_, 'd> {
    /// Writes the document; returns the bytes and the uses of each table entry.
    fn emit(
        &self,
        plan: &Plan,
        table: Option<&Table<'d>>,
        arena: &mut Arena,
    ) -> (Vec<u8>, Vec<u32>) {
        let table_len = table.map_or(1, Table::header_len);
        let size = 3 + table_len + self.fixed + plan.slot_bytes as usize;
        let mut out = Vec::with_capacity(size);
        writer::header(
            &mut out,
            PUBLIC_ID_PROV,
            table.map_or(&[][..], |t| &t.bytes),
        );
        let mut e = Emitter {
            slots: self.slots,
            infos: self.infos,
            vals: self.vals,
            pages: &plan.pages,
            table,
            arena,
            next: 0,
            page: 0,
            out,
            steps: Vec::with_capacity(16),
            used: vec![0; table.map_or(0, Table::len)],
        };
        let doc = self.doc;
        let attrs = if doc.version.is_some() { HAS_ATTRS } else { 0 };
        let content = if doc.characteristics.is_empty() {
            0
        } else {
            HAS_CONTENT
        };
        e.out.push(TAG_ROOT | attrs | content);
        if attrs != 0 {
            e.slot();
            e.out.push(END);
        }
        for c in &doc.characteristics {
            e.characteristic(c);
        }
        if content != 0 {
            e.out.push(END);
        }
        debug_assert_eq!(e.out.len(), size);
        (e.out, e.used)
    }
}

/// Encodes `doc` as PROV WBXML 1.3 (public id 0x0B, UTF-8). Infallible: every
/// [`Document`] has an encoding (a value containing U+0000 uses ENTITY, which this
/// crate's decoder accepts but XML cannot carry).
pub fn encode(doc: &Document, opts: &EncodeOptions) -> Vec<u8> {
    let mut slots = Vec::with_capacity(64);
    let fixed = collect(doc, &mut slots);
    let mut arena = Arena::with_capacity(slots.len());
    let mut vals: Vec<Val> = Vec::with_capacity(slots.len() / 2);
    let mut infos: Vec<SlotInfo> = Vec::with_capacity(slots.len());
    for slot in &slots {
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
        info.price(slot.attr, &vals, false);
        infos.push(info);
    }
    let plain_plan = plan(&infos);
    let job = Job {
        doc,
        slots: &slots,
        infos: &infos,
        vals: &vals,
        fixed,
    };
    let plain_size = 4 + fixed + plain_plan.slot_bytes as usize;
    if !opts.string_table {
        return job.emit(&plain_plan, None, &mut arena).0;
    }

    let mut uses: Vec<(&[u8], u32)> = slots
        .iter()
        .zip(&infos)
        .filter_map(|(s, i)| {
            let v = &vals[i.literal(&vals)?];
            Some((
                s.text.as_bytes(),
                v.plain.iter().flatten().copied().min().unwrap_or(INF),
            ))
        })
        .collect();
    let entries = strtbl::select(&mut uses);
    if entries.is_empty() {
        return job.emit(&plain_plan, None, &mut arena).0;
    }
    let mut table = Table::new(entries);
    for (slot, info) in slots.iter().zip(&infos) {
        for v in &mut vals[info.v0 as usize..info.v1 as usize] {
            arena.scan_table(
                &slot.text.as_bytes()[v.skip as usize..],
                &mut v.value,
                &table,
            );
        }
    }
    let mut tabled_infos = infos.clone();
    // Rounds: price against the table, emit, drop entries nothing used, repeat.
    for _round in 0..3 {
        for v in vals.iter_mut().filter(|v| v.value.tabled) {
            v.tabled = arena.matrix(&v.value, Some(&table));
        }
        for (info, slot) in tabled_infos.iter_mut().zip(&slots) {
            // A slot none of whose values meets the table keeps its plain price.
            if vals[info.v0 as usize..info.v1 as usize]
                .iter()
                .any(|v| v.value.tabled)
            {
                info.price(slot.attr, &vals, true);
            }
        }
        let p = plan(&tabled_infos);
        let size = 3 + table.header_len() + fixed + p.slot_bytes as usize;
        if size >= plain_size {
            break;
        }
        let job = Job {
            doc,
            slots: &slots,
            infos: &tabled_infos,
            vals: &vals,
            fixed,
        };
        let (bytes, used) = job.emit(&p, Some(&table), &mut arena);
        if used
            .iter()
            .zip(0..)
            .all(|(&u, e)| u > 0 || table.offset(e, 0).is_none())
        {
            return bytes;
        }
        table.retain_used(&used);
        if table.is_empty() {
            break;
        }
    }
    let job = Job {
        doc,
        slots: &slots,
        infos: &infos,
        vals: &vals,
        fixed,
    };
    job.emit(&plain_plan, None, &mut arena).0
}
