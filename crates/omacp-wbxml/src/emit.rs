//! Writing the chosen encoding: the header, tags and ENDs from the item list, and each
//! attribute from its priced choice and shortest path (module `encode` chooses).

use omacp_doc::flat::Item;

use crate::encode::{Choice, SlotInfo, Val};
use crate::flatten::Slot;
use crate::header::PUBLIC_ID_PROV;
use crate::pieces::{Arena, INF, Step, Table};
use crate::tokens::{TOKENS, literal_start};
use crate::writer;
use crate::writer::{END, HAS_ATTRIBUTES as HAS_ATTRS, HAS_CONTENT};

// PROV tag ids (wbxml.md §3.1), on tag page 0, which the encoder never leaves.
const TAG_ROOT: u8 = 0x05;
const TAG_CHARACTERISTIC: u8 = 0x06;
const TAG_PARM: u8 = 0x07;

/// Writes one document's bytes, slot by slot.
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
            // Only the fields needed (a `Val` also carries its price matrices).
            Choice::Value(i) => {
                let v = &self.vals[i as usize];
                (v.value, v.row, v.skip)
            }
        };
        let (value, row, skip) = v;
        match row {
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
        let rest = &slot.text.as_bytes()[skip as usize..];
        self.steps.clear();
        let c = self
            .arena
            .path(&value, self.table, self.page, pout, self.steps);
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

/// One document to write with given prices and plan.
pub(crate) struct Job<'a, 'd> {
    pub items: &'a [Item],
    pub slots: &'a [Slot<'d>],
    pub vals: &'a [Val],
    pub fixed: usize,
}

impl<'d> Job<'_, 'd> {
    /// Writes the document to `out`; `used` receives the uses of each table entry.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn emit(
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
