//! PROV WBXML → canonical XML text without building a [`Document`](omacp_doc::Document)
//! (docs/streaming-codecs.md).
//!
//! [`Decoder::to_xml`] walks the token stream once and writes the text of
//! `omacp_doc::xml::to_string` as it goes. An attribute list in encoder order (`type`;
//! `name` then `value`) is written as it is read (`Decoder::direct`): each start token
//! one precomputed fragment (` name="NAME`), then the value's pieces (value tokens,
//! inline strings, string-table strings) copied behind it, a value that is not plain
//! ASCII checked as UTF-8 and escaped in place. Any other list (`value` before `name`,
//! an ENTITY) is read again from its start by the general reader, which collects the
//! values first (`Decoder::attributes`). It covers what PROV encoders send: UTF-8,
//! tag page 0, known tokens, STR_I/STR_T/ENTITY values. Anything else (another
//! charset, a LITERAL, text or a PI in content, an extension, any error or limit) makes
//! it stop and the model path run from the start, [`decode`] then `to_string`, so the
//! text and the errors are always the ones that path gives.

use omacp_doc::xml::{self, PUBLIC_ID, ROOT, SYSTEM_ID};
use omacp_wire::Reader;

use crate::decode::{DecodeDiagnostic, DecodeOptions, decode};
use crate::error::WbxmlError;
use crate::header::{self, Charset, PUBLIC_ID_UNKNOWN, PublicId};
use crate::limits::Limits;
use crate::tokens::{self, ATTR_INDEX, Attr, Kind, ROWS, TOKENS};

const SWITCH_PAGE: u8 = 0x00;
const END: u8 = 0x01;
const ENTITY: u8 = 0x02;
const STR_I: u8 = 0x03;
const STR_T: u8 = 0x83;

/// A reusable WBXML → XML decoder: the text `xml::to_string(&decode(..)?.document)`
/// gives, with buffers kept between calls.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Raw attribute values of the element being read (the general attribute reader).
    raw: Vec<u8>,
    /// Open elements with content: true for a characteristic, false for the root; and
    /// whether the element's start tag is still open (no child written yet).
    stack: Vec<(bool, bool)>,
    /// The text being written.
    o: Out,
    /// Per string-table byte: the offset of the NUL ending its string (`NO_END` when
    /// none) shifted left by 2, ORed with the [`CLASS`] bits of the bytes up to it; so
    /// a STR_T costs one lookup, however long its string.
    tinfo: Vec<u32>,
    /// An escaped value.
    scratch: String,
    out: String,
    diagnostics: Vec<DecodeDiagnostic>,
}

/// One attribute value being collected: most are one piece (a prefix, a token or one
/// string), borrowed from the input, its table or the token table; values of several
/// pieces are copied into [`Decoder::raw`].
#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Absent,
    One(&'a [u8]),
    Raw(u32, u32),
}

/// The values of one element's attributes, indexed by `Attr`.
type Vals<'a> = [Val<'a>; 4];

impl<'a> Val<'a> {
    /// Appends `piece` (the value is the open one, so its bytes end `raw`).
    #[inline]
    fn push(&mut self, raw: &mut Vec<u8>, piece: &'a [u8]) {
        match *self {
            Val::One([]) => *self = Val::One(piece),
            _ => self.push_copy(raw, piece),
        }
    }

    fn push_copy(&mut self, raw: &mut Vec<u8>, piece: &[u8]) {
        let start = match *self {
            Val::One(first) => {
                let s = raw.len();
                raw.extend_from_slice(first);
                s as u32
            }
            Val::Raw(s, _) => s,
            Val::Absent => return,
        };
        raw.extend_from_slice(piece);
        *self = Val::Raw(start, raw.len() as u32);
    }
}

/// The output: an initialised buffer written at `pos`, so that short pieces are written
/// as fixed-size copies (the compiler inlines them; a `memcpy` call per piece cost more
/// than the piece) and only `pos` says how much of it is text. Its length is what was
/// initialised so far (zeroes, or the last call's text), not the text.
#[derive(Debug, Default)]
struct Out {
    b: Vec<u8>,
    pos: usize,
}

impl Out {
    #[cold]
    #[inline(never)]
    fn grow(&mut self, n: usize) {
        // A little more than needed (the capacity itself grows amortised), so that a
        // text as long as the last one zeroes a few hundred bytes, not the whole buffer.
        self.b.resize(self.pos + n + 512, 0);
    }

    /// The `n` bytes at `pos`, growing the buffer if it is short.
    #[inline]
    fn room(&mut self, n: usize) -> &mut [u8] {
        let end = self.pos + n;
        if end > self.b.len() {
            self.grow(n);
        }
        &mut self.b[self.pos..end]
    }

    /// Copies all of `src` and keeps its first `len` bytes (`len <= N`); one length
    /// check when the buffer has room.
    #[inline]
    fn fixed<const N: usize>(&mut self, src: &[u8; N], len: usize) {
        match self
            .b
            .get_mut(self.pos..)
            .and_then(<[u8]>::first_chunk_mut::<N>)
        {
            Some(d) => *d = *src,
            None => self.room(N).copy_from_slice(src),
        }
        self.pos += len;
    }

    #[inline]
    fn put(&mut self, s: &[u8]) {
        self.room(s.len()).copy_from_slice(s);
        self.pos += s.len();
    }

    /// Appends `all[from..to]`, 16 bytes at a time while `all` has 16 bytes from there
    /// (the bytes past `to` are overwritten later or cut off).
    #[inline(always)]
    fn copy(&mut self, all: &[u8], mut from: usize, to: usize) {
        while from < to {
            let Some(chunk) = all.get(from..).and_then(<[u8]>::first_chunk::<16>) else {
                self.put(&all[from..to]);
                return;
            };
            let n = (to - from).min(16);
            self.fixed(chunk, n);
            from += n;
        }
    }

    /// The line `lines[depth]` (indentation and a tag) of `len(depth)` bytes.
    #[inline(always)]
    fn line(&mut self, lines: &Lines, depth: usize, tag: &str) {
        let len = 2 * depth + tag.len();
        match lines.get(depth) {
            // Shallow lines (most) with a shorter copy (`LINE` > 32, so always `Some`).
            Some(l) if len <= 32 => {
                if let Some(head) = l.first_chunk::<32>() {
                    self.fixed(head, len);
                }
            }
            Some(l) => self.fixed(l, len),
            None => {
                (0..depth).for_each(|_| self.put(b"  "));
                self.put(tag.as_bytes());
            }
        }
    }
}

/// Line starts by depth: `2 * depth` spaces and a tag, for depths up to [`LINE_DEPTHS`]
/// (deeper ones are written piece by piece), padded so each is one fixed-size copy.
type Lines = [[u8; LINE]; LINE_DEPTHS + 1];
const LINE: usize = 88;
const LINE_DEPTHS: usize = 32;
const CHAR_OPEN: &str = "<characteristic";
const CHAR_CLOSE: &str = "</characteristic>\n";
const PARM_OPEN: &str = "<parm";

const fn lines(tag: &str) -> Lines {
    let t = tag.as_bytes();
    assert!(2 * LINE_DEPTHS + t.len() <= LINE);
    let mut out = [[b' '; LINE]; LINE_DEPTHS + 1];
    let mut d = 0;
    while d <= LINE_DEPTHS {
        let mut j = 0;
        while j < t.len() {
            out[d][2 * d + j] = t[j];
            j += 1;
        }
        d += 1;
    }
    out
}
static CHAR_OPENS: Lines = lines(CHAR_OPEN);
static CHAR_CLOSES: Lines = lines(CHAR_CLOSE);
static PARM_OPENS: Lines = lines(PARM_OPEN);

/// What ends an attribute list written by [`Decoder::direct`]: the value's closing
/// quote and the rest of the start tag, as one fixed-size copy.
type Tail = (&'static [u8; 4], usize);
const TAIL_EMPTY: Tail = (b"\"/>\n", 4);
const TAIL_OPEN: Tail = (b"\"/>\n", 1);

/// The text before the root's attributes, as one piece.
const PREAMBLE_PARTS: [&str; 8] = [
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE ",
    ROOT,
    " PUBLIC \"",
    PUBLIC_ID,
    "\" \"",
    SYSTEM_ID,
    "\">\n<",
    ROOT,
];
const PREAMBLE_LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < PREAMBLE_PARTS.len() {
        n += PREAMBLE_PARTS[i].len();
        i += 1;
    }
    n
};
static PREAMBLE: [u8; PREAMBLE_LEN] = {
    let mut out = [0u8; PREAMBLE_LEN];
    let mut n = 0;
    let mut i = 0;
    while i < PREAMBLE_PARTS.len() {
        let p = PREAMBLE_PARTS[i].as_bytes();
        let mut j = 0;
        while j < p.len() {
            out[n] = p[j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

/// [`Frag::kind`] of a value token, and of a row the attribute reader does not take.
const VALUE: u8 = 0xFE;
const NONE: u8 = 0xFF;
/// Ends an expected attribute order (matches no [`Frag::kind`]).
const NO_MORE: u8 = 0xFD;
/// Bytes of a [`Frag`]'s text: the longest ` name="PREFIX` or value token, padded.
const FRAG: usize = 40;

/// What one attribute-space token row writes, derived from [`TOKENS`]: for a start
/// token the lead (` name="`; for `value`, `" value="`, closing the `name` before it)
/// and the value prefix, for a value token its text; padded to [`FRAG`] bytes so that
/// it is written as one fixed-size copy.
#[derive(Debug, Clone, Copy)]
struct Frag {
    /// `Attr as u8` for a start token, [`VALUE`], or [`NONE`].
    kind: u8,
    /// Bytes of the lead (the value starts after them).
    lead: u8,
    /// Bytes of `text` to keep.
    len: u8,
    /// [`CLASS`] bits of the value part.
    class: u8,
    text: [u8; FRAG],
}

/// [`Frag`]s by `row + 1`, as [`ATTR_INDEX`] stores rows (index 0: no token); 256 of
/// them so that a `u8` index needs no bounds check.
static FRAGS: [Frag; 256] = {
    let none = Frag {
        kind: NONE,
        lead: 0,
        len: 0,
        class: 0,
        text: [0; FRAG],
    };
    let mut f = [none; 256];
    let mut r = 0;
    while r < ROWS {
        let t = TOKENS[r];
        let mut x = none;
        let mut n = 0;
        match t.kind {
            Kind::Tag => {}
            Kind::AttrStart(a) => {
                x.kind = a as u8;
                let name = a.as_str().as_bytes();
                // `value` comes only after `name` here: its lead closes that value.
                if matches!(a, Attr::Value) {
                    x.text[0] = b'"';
                    n = 1;
                }
                x.text[n] = b' ';
                n += 1;
                let mut j = 0;
                while j < name.len() {
                    x.text[n] = name[j];
                    n += 1;
                    j += 1;
                }
                x.text[n] = b'=';
                x.text[n + 1] = b'"';
                n += 2;
                x.lead = n as u8;
            }
            Kind::AttrValue => x.kind = VALUE,
        }
        let text = t.text.as_bytes();
        assert!(n + text.len() <= FRAG, "token text longer than a Frag");
        let mut j = 0;
        while j < text.len() {
            x.text[n] = text[j];
            x.class |= CLASS[text[j] as usize];
            n += 1;
            j += 1;
        }
        x.len = n as u8;
        f[r + 1] = x;
        r += 1;
    }
    f
};

/// The index of attribute code page `page` (pages PROV does not have: no tokens).
#[inline]
fn page_index(page: u8) -> &'static [u8; 256] {
    static NO_PAGE: [u8; 256] = [0; 256];
    ATTR_INDEX.get(page as usize).unwrap_or(&NO_PAGE)
}

/// [`Decoder::tinfo`] of a table byte whose string has no NUL.
const NO_END: u32 = u32::MAX >> 2;

impl Decoder {
    /// A decoder with empty buffers.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes `bytes` to canonical XML: the text of
    /// `xml::to_string(&decode(bytes, opts)?.document)`, or that decode's error.
    /// With [`DecodeOptions::lenient`], what the decode dropped is in
    /// [`Decoder::diagnostics`] afterwards.
    pub fn to_xml(&mut self, bytes: &[u8], opts: &DecodeOptions) -> Result<&str, WbxmlError> {
        self.diagnostics.clear();
        if self.fast(bytes, &opts.limits).is_none() {
            let d = decode(bytes, opts)?;
            self.out = xml::to_string(&d.document);
            self.diagnostics = d.diagnostics;
        }
        Ok(&self.out)
    }

    /// What the last lenient [`Decoder::to_xml`] dropped (empty after a strict one).
    pub fn diagnostics(&self) -> &[DecodeDiagnostic] {
        &self.diagnostics
    }

    /// Takes the last output, leaving an empty buffer in its place.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// The single pass; `None` when the model path must decide.
    pub(crate) fn fast(&mut self, bytes: &[u8], limits: &Limits) -> Option<()> {
        // The last text's bytes are kept as initialised length to write over: zeroing
        // only happens past them, when the text gets longer.
        let mut b = std::mem::take(&mut self.out).into_bytes();
        b.reserve((256 + bytes.len() * 5).saturating_sub(b.len()));
        self.o = Out { b, pos: 0 };
        let done = self.body(bytes, limits);
        let Out { mut b, pos } = std::mem::take(&mut self.o);
        b.truncate(pos);
        // Every piece written is ASCII or a checked value: this check cannot fail, and
        // for ASCII it runs a word at a time.
        match (done, String::from_utf8(b)) {
            (Some(()), Ok(s)) => {
                self.out = s;
                Some(())
            }
            (_, Ok(s)) => {
                self.out = s;
                None
            }
            (_, Err(_)) => None,
        }
    }

    fn body(&mut self, bytes: &[u8], limits: &Limits) -> Option<()> {
        self.stack.clear();
        if bytes.len() > limits.max_input || limits.max_depth == 0 {
            return None;
        }
        let mut r = Reader::new(bytes);
        let h = header::parse(&mut r, limits).ok()?;
        let pid = &h.header.public_id;
        if h.charset != Charset::Utf8 || !(pid.is_prov() || *pid == PublicId::Id(PUBLIC_ID_UNKNOWN))
        {
            return None;
        }
        // The table ends where the body starts. `tinfo` holds offsets in 30 bits.
        let table_at = r.offset() - h.table.len();
        if h.table.len() >= NO_END as usize {
            return None;
        }
        self.tinfo.clear();
        self.tinfo.resize(h.table.len(), 0);
        let (mut end, mut class) = (NO_END, 0u8);
        for (i, (t, &c)) in self.tinfo.iter_mut().zip(h.table).enumerate().rev() {
            if c == 0 {
                (end, class) = (i as u32, 0);
            } else {
                class |= CLASS[c as usize];
            }
            *t = end << 2 | u32::from(class);
        }
        let mut s = Stream {
            r: Cursor {
                b: bytes,
                i: r.offset(),
            },
            table: h.table,
            table_at,
            limits,
            attr_page: 0,
            index: page_index(0),
            elements: 0,
        };
        self.o.put(&PREAMBLE);

        // The root: tag page 0 (a SWITCH_PAGE or PI first goes the model path).
        let b = s.r.u8()?;
        if b & 0x3F != 0x05 {
            return None;
        }
        s.element()?;
        if b & 0x80 != 0 {
            let vals = self.attributes(&mut s, 1 << Attr::Version as u8)?;
            self.attr(Attr::Version, vals[Attr::Version as usize])?;
        }
        if b & 0x40 == 0 {
            self.o.fixed(b"/>\n", 3);
        } else {
            self.stack.push((false, true));
            self.content(&mut s)?;
        }
        // Anything after the root (a PI, trailing bytes) goes the model path.
        s.r.is_empty().then_some(())
    }

    /// Element content up to the root's END.
    fn content(&mut self, s: &mut Stream<'_>) -> Option<()> {
        loop {
            let b = s.r.u8()?;
            if b == END {
                let (is_char, open) = self.stack.pop()?;
                if open {
                    self.o.fixed(b"/>\n", 3);
                } else if is_char {
                    self.o.line(&CHAR_CLOSES, self.stack.len(), CHAR_CLOSE);
                } else {
                    self.o.put(b"</");
                    self.o.put(ROOT.as_bytes());
                    self.o.put(b">\n");
                }
                if self.stack.is_empty() {
                    return Some(());
                }
                continue;
            }
            // Only tokens for characteristic (0x06) and parm (0x07), with attributes:
            // global tokens, other tags and text go the model path.
            if b & 0x80 == 0 || !matches!(b & 0x3F, 0x06 | 0x07) {
                return None;
            }
            if self.stack.len() >= s.limits.max_depth {
                return None;
            }
            s.element()?;
            let (parent_is_char, parent_open) = *self.stack.last()?;
            let depth = self.stack.len();
            // The start tag is written before its attributes are read: if they turn out
            // wrong the whole text is dropped anyway.
            if b & 0x3F == 0x06 {
                self.open_parent(parent_open);
                self.o.line(&CHAR_OPENS, depth, CHAR_OPEN);
                if b & 0x40 == 0 {
                    self.attrs(s, [Attr::Type as u8, NO_MORE, NO_MORE], TAIL_EMPTY)?;
                } else {
                    self.attrs(s, [Attr::Type as u8, NO_MORE, NO_MORE], TAIL_OPEN)?;
                    self.stack.push((true, true));
                }
            } else {
                if !parent_is_char {
                    return None;
                }
                self.open_parent(parent_open);
                self.o.line(&PARM_OPENS, depth, PARM_OPEN);
                self.attrs(
                    s,
                    [Attr::Name as u8, Attr::Value as u8, NO_MORE],
                    TAIL_EMPTY,
                )?;
                // A parm with (empty) content: its END must follow at once.
                if b & 0x40 != 0 && s.r.u8()? != END {
                    return None;
                }
            }
        }
    }

    /// The parent's start tag is still open: close it (it has a child now).
    #[inline]
    fn open_parent(&mut self, open: bool) {
        if open {
            self.o.fixed(b">\n", 2);
            if let Some(top) = self.stack.last_mut() {
                top.1 = false;
            }
        }
    }

    /// An element's attribute list and the rest of its start tag (`tail`, quote
    /// excluded), written: `order` lists the attributes the element takes in their
    /// canonical order, the first one required. The list is written as it is read when
    /// it comes in that order without ENTITY (what encoders send); otherwise it is read
    /// again by the general reader, [`Decoder::attributes`].
    #[inline(always)]
    fn attrs(&mut self, s: &mut Stream<'_>, order: [u8; 3], tail: Tail) -> Option<()> {
        let mark = (self.o.pos, s.r.i, s.attr_page);
        if self.direct(s, order, tail)? {
            return Some(());
        }
        self.general(s, order, tail, mark)
    }

    /// [`Decoder::attrs`] for a list [`Decoder::direct`] did not take: from `mark`
    /// (output, input, attribute page) again, with the general reader.
    #[cold]
    #[inline(never)]
    fn general(
        &mut self,
        s: &mut Stream<'_>,
        order: [u8; 3],
        tail: Tail,
        mark: (usize, usize, u8),
    ) -> Option<()> {
        (self.o.pos, s.r.i) = (mark.0, mark.1);
        s.set_page(mark.2);
        let allowed = order
            .iter()
            .filter(|&&a| a < 4)
            .fold(0u8, |m, &a| m | 1 << a);
        let vals = self.attributes(s, allowed)?;
        if matches!(vals[order[0] as usize], Val::Absent) {
            return None;
        }
        for &a in order.iter().filter(|&&a| a < 4) {
            let attr = [Attr::Version, Attr::Type, Attr::Name, Attr::Value][a as usize];
            self.attr(attr, vals[a as usize])?;
        }
        self.o.put(&tail.0[1..tail.1]);
        Some(())
    }

    /// Writes an attribute list in `order` straight to the output, then `tail`;
    /// `Some(false)` when it is not in that order or has an ENTITY (the general reader
    /// decides), `None` when the model path must.
    #[inline(always)]
    fn direct(&mut self, s: &mut Stream<'_>, order: [u8; 3], tail: Tail) -> Option<bool> {
        let mut next = 0usize;
        // The open value: where it starts in the output and its CLASS bits.
        let mut vstart = usize::MAX;
        let mut class = 0u8;
        loop {
            let b = s.r.u8()?;
            match b {
                SWITCH_PAGE => {
                    let p = s.r.u8()?;
                    s.set_page(p);
                    continue;
                }
                END => {
                    if next == 0 {
                        return None;
                    }
                    if class != 0 {
                        self.check_value(vstart, class)?;
                    }
                    self.o.fixed(tail.0, tail.1);
                    return Some(true);
                }
                STR_I => {
                    let (from, to, c) = s.r.cstr_class()?;
                    if next == 0 {
                        return None;
                    }
                    self.o.copy(s.r.b, from, to);
                    class |= c;
                }
                STR_T => {
                    let index = s.r.uintvar()? as usize;
                    let info = *self.tinfo.get(index)?;
                    let end = (info >> 2) as usize;
                    if end == NO_END as usize || next == 0 {
                        return None;
                    }
                    self.o.copy(s.r.b, s.table_at + index, s.table_at + end);
                    class |= info as u8 & 3;
                }
                ENTITY => return Some(false),
                _ => {
                    let f = &FRAGS[s.index[b as usize] as usize];
                    if b < 0x80 {
                        if f.kind != order[next] {
                            return Some(false);
                        }
                        if class != 0 {
                            self.check_value(vstart, class)?;
                        }
                        vstart = self.o.pos + f.lead as usize;
                        self.o.fixed(&f.text, f.len as usize);
                        class = f.class;
                        next += 1;
                        continue;
                    }
                    if f.kind != VALUE || next == 0 {
                        return None;
                    }
                    self.o.fixed(&f.text, f.len as usize);
                    class |= f.class;
                }
            }
            // Checked after each piece, as the general reader checks it.
            if self.o.pos - vstart > s.limits.max_value_len {
                return None;
            }
        }
    }

    /// The value written from `vstart`, whose `class` says it is not plain ASCII:
    /// checked as UTF-8 and, if it needs it, escaped in place.
    #[inline(never)]
    fn check_value(&mut self, vstart: usize, class: u8) -> Option<()> {
        let text = std::str::from_utf8(&self.o.b[vstart..self.o.pos]).ok()?;
        if class & ESCAPE != 0 {
            self.scratch.clear();
            xml::escape_into(&mut self.scratch, text);
            self.o.pos = vstart;
            self.o.put(self.scratch.as_bytes());
        }
        Some(())
    }

    /// Writes attribute `a` (` name="`, the value, `"`) for a collected value (nothing
    /// when absent); `None` when the value is not UTF-8.
    fn attr(&mut self, a: Attr, val: Val<'_>) -> Option<()> {
        let raw = match val {
            Val::Absent => return Some(()),
            Val::One(v) => v,
            Val::Raw(a, b) => &self.raw[a as usize..b as usize],
        };
        self.o.put(b" ");
        self.o.put(a.as_str().as_bytes());
        self.o.put(b"=\"");
        // Plain ASCII is copied as it is; otherwise it is checked as UTF-8 and, if it
        // needs escaping, escaped as `to_string` does.
        let class = raw.iter().fold(0u8, |c, &b| c | CLASS[b as usize]);
        if class == 0 {
            self.o.put(raw);
        } else {
            let text = std::str::from_utf8(raw).ok()?;
            if class & ESCAPE == 0 {
                self.o.put(raw);
            } else {
                self.scratch.clear();
                xml::escape_into(&mut self.scratch, text);
                self.o.put(self.scratch.as_bytes());
            }
        }
        self.o.put(b"\"");
        Some(())
    }

    /// An attribute list up to its END: only the attributes in the bit set `allowed`,
    /// each once, from start tokens; values from STR_I, STR_T, ENTITY and value tokens.
    fn attributes<'a>(&mut self, s: &mut Stream<'a>, allowed: u8) -> Option<Vals<'a>> {
        self.raw.clear();
        let mut vals: Vals<'a> = [Val::Absent; 4];
        let mut open = 0usize;
        let mut value_len = 0usize;
        loop {
            let b = s.r.u8()?;
            let piece_len = match b {
                SWITCH_PAGE => {
                    let p = s.r.u8()?;
                    s.set_page(p);
                    continue;
                }
                END => return Some(vals),
                STR_I => {
                    let t = s.r.cstr()?;
                    vals[open].push(&mut self.raw, t);
                    t.len()
                }
                STR_T => {
                    let index = s.r.uintvar()?;
                    let t = header::table_str(s.table, index, 0).ok()?;
                    vals[open].push(&mut self.raw, t);
                    t.len()
                }
                ENTITY => {
                    let c = char::from_u32(s.r.uintvar()?)?;
                    let mut buf = [0u8; 4];
                    vals[open].push_copy(&mut self.raw, c.encode_utf8(&mut buf).as_bytes());
                    4
                }
                _ if b & 0x3F < 0x05 => return None, // LITERAL, PI, EXT, OPAQUE
                _ => {
                    let t = tokens::attr_token(s.attr_page, b)?;
                    if b < 0x80 {
                        let Kind::AttrStart(a) = t.kind else {
                            return None;
                        };
                        let bit = 1u8 << a as u8;
                        if allowed & bit == 0 || !matches!(vals[a as usize], Val::Absent) {
                            return None;
                        }
                        open = a as usize;
                        vals[open] = Val::One(t.text.as_bytes());
                        value_len = t.text.len();
                        continue;
                    }
                    if t.kind != Kind::AttrValue {
                        return None;
                    }
                    vals[open].push(&mut self.raw, t.text.as_bytes());
                    t.text.len()
                }
            };
            // A value piece before any attribute start.
            if matches!(vals[open], Val::Absent) {
                return None;
            }
            value_len += piece_len;
            if value_len > s.limits.max_value_len {
                return None;
            }
        }
    }
}

/// [`CLASS`] bits: the byte is not ASCII; the byte may need escaping (controls, `&`,
/// `<`, `>`, `"`, and 0xEF, which leads U+FFFE/U+FFFF).
const NON_ASCII: u8 = 1;
const ESCAPE: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if b >= 0x80 {
            t[b] |= NON_ASCII;
        }
        if b < 0x20 || matches!(b as u8, b'&' | b'<' | b'>' | b'"' | 0xEF) {
            t[b] |= ESCAPE;
        }
        b += 1;
    }
    t
};

/// True when none of the 8 bytes of `x` has a [`CLASS`] bit: none is below 0x20
/// (NUL included), at or above 0x80, or one of `&`, `<`, `>`, `"`.
#[inline(always)]
fn plain8(x: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x20 or with its top bit set; then bytes equal to each of the four
    // (a zero byte in `x ^ c`), each test exact for "some byte" on its own.
    let low_or_high = (x.wrapping_sub(LO * 0x20) & !x) | x;
    let eq = |c: u8| {
        let y = x ^ (LO * u64::from(c));
        y.wrapping_sub(LO) & !y
    };
    (low_or_high | eq(b'&') | eq(b'<') | eq(b'>') | eq(b'"')) & HI == 0
}

/// A byte cursor whose reads say only "no" (the model path words the errors).
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn u8(&mut self) -> Option<u8> {
        let b = *self.b.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    /// An mb_u_int32, refused past 32 bits as `Reader::uintvar` refuses it.
    #[inline]
    fn uintvar(&mut self) -> Option<u32> {
        let mut v: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            if i == 4 && (v >> 25) != 0 {
                return None;
            }
            v = (v << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// Bytes up to the next NUL, which is consumed.
    #[inline]
    fn cstr(&mut self) -> Option<&'a [u8]> {
        let rest = &self.b[self.i..];
        let n = rest.iter().position(|&b| b == 0)?;
        self.i += n + 1;
        Some(&rest[..n])
    }

    /// Like [`Cursor::cstr`], as the range of the string in the input, with the
    /// [`CLASS`] bits of its bytes (found in the same pass).
    #[inline]
    fn cstr_class(&mut self) -> Option<(usize, usize, u8)> {
        let from = self.i;
        let rest = self.b.get(from..)?;
        // Eight bytes at a time while they are all plain (class 0, so no NUL either).
        let mut n = 0;
        while let Some(w) = rest.get(n..).and_then(<[u8]>::first_chunk::<8>) {
            if !plain8(u64::from_le_bytes(*w)) {
                break;
            }
            n += 8;
        }
        let mut class = 0u8;
        for (k, &b) in rest.get(n..)?.iter().enumerate() {
            if b == 0 {
                self.i = from + n + k + 1;
                return Some((from, from + n + k, class));
            }
            class |= CLASS[b as usize];
        }
        None
    }

    fn is_empty(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// The byte stream and the parser state the model path would keep.
struct Stream<'a> {
    r: Cursor<'a>,
    table: &'a [u8],
    /// Offset of `table` in the input.
    table_at: usize,
    limits: &'a Limits,
    attr_page: u8,
    /// [`ATTR_INDEX`] of `attr_page`.
    index: &'static [u8; 256],
    elements: usize,
}

impl Stream<'_> {
    #[inline]
    fn set_page(&mut self, page: u8) {
        self.attr_page = page;
        self.index = page_index(page);
    }

    /// Counts an element against the limit.
    #[inline]
    fn element(&mut self) -> Option<()> {
        self.elements += 1;
        (self.elements <= self.limits.max_elements).then_some(())
    }
}

/// Decodes PROV WBXML to canonical XML in one call: the text of
/// `xml::to_string(&decode(bytes, opts)?.document)` (see [`Decoder`] to reuse buffers).
pub fn decode_to_xml(bytes: &[u8], opts: &DecodeOptions) -> Result<String, WbxmlError> {
    let mut d = Decoder::new();
    d.to_xml(bytes, opts)?;
    Ok(d.take_output())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain8_agrees_with_the_class_table() {
        // Every byte value at every position among plain bytes, and next to each other
        // byte value (a borrow from one byte must not hide or fake another).
        for b in 0..=255u8 {
            for p in 0..8 {
                let mut w = *b"abcdefgh";
                w[p] = b;
                assert_eq!(plain8(u64::from_le_bytes(w)), CLASS[b as usize] == 0);
                for c in 0..=255u8 {
                    w[(p + 1) % 8] = c;
                    let want = CLASS[b as usize] == 0 && CLASS[c as usize] == 0;
                    assert_eq!(plain8(u64::from_le_bytes(w)), want, "{w:02x?}");
                }
            }
        }
    }
}
