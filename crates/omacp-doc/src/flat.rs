//! A flat, zero-copy view of a document's XML text, for streaming codecs that never
//! build a [`Document`](crate::Document) (docs/streaming-codecs.md).
//!
//! [`Flat::parse`] reads the plain shape nearly every document has (the same shape the
//! XML parser's own fast path takes: the standard declaration and DOCTYPE, double-quoted
//! attributes, whitespace between tags, no comments, CDATA or processing instructions)
//! into a list of [`Item`]s and the document's strings in order, as slices of the input
//! (a value is unescaped into a scratch buffer only when it holds a reference or a
//! character that needs normalising). It never reports an error: on anything else, or
//! anything wrong, it declines and the caller falls back to [`crate::xml::parse`], which
//! gives the exact verdict. When it accepts, its items and strings are exactly the
//! document `xml::parse` would build. A `Flat` keeps its buffers between calls.

use crate::xml::{XmlLimits, attr_needs_care, is_xml_space, unescape_attr};

/// One element of a flat document, in document order. The strings come separately,
/// in the same order: the root's version (if any), each characteristic's type, each
/// parm's name and then its value (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// The root: `version` says whether it carries a version string; `content` whether
    /// it has any characteristic.
    Root {
        /// A version string follows.
        version: bool,
        /// The root has characteristics.
        content: bool,
    },
    /// A characteristic starts (its type string follows); `content`: it has children.
    Char {
        /// The characteristic has children (parms or characteristics).
        content: bool,
    },
    /// A parm: its name string, then its value string if `value`.
    Parm {
        /// A value string follows the name.
        value: bool,
    },
    /// The characteristic opened last ends (`content` as at its start).
    End {
        /// The characteristic had children.
        content: bool,
    },
}

/// Strings taken from the scratch buffer carry this bit in their start offset.
const SCRATCH: u32 = 1 << 31;

/// A flat document with reusable buffers (see the module documentation).
#[derive(Debug, Default)]
pub struct Flat {
    items: Vec<Item>,
    /// Byte ranges of the strings: in the input, or (with [`SCRATCH`]) in `scratch`.
    spans: Vec<(u32, u32)>,
    scratch: String,
    /// Open elements: 0 root, 1 characteristic, 2 parm; with the item index.
    stack: Vec<(u8, u32)>,
}

/// Per byte: 0 for an ordinary value byte, 1 for the closing quote, 2 for a byte that
/// needs care (see `attr_needs_care`) or `>` (which the fast path declines).
static VALUE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if attr_needs_care(c) || c == b'>' {
            t[b] = 2;
        }
        b += 1;
    }
    t[b'"' as usize] = 1;
    t
};

/// Bytes `i..i + 8` of `b` as a little-endian word, if there are eight.
#[inline]
fn word(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether `c` is an ASCII byte [`VALUE_CLASS`] calls ordinary.
#[inline(always)]
fn plain(c: u8) -> bool {
    c < 0x80 && VALUE_CLASS[c as usize] == 0
}

/// The first index from `i` whose byte is not [`plain`], or `b.len()`: eight bytes at a
/// time, the tail one at a time.
#[inline]
fn value_stop(b: &[u8], mut i: usize) -> usize {
    while let Some(w) = word(b, i) {
        // `"`/`&` differ only in bit 2, `<`/`>` only in bit 1; a byte < 0x20 borrows. A
        // byte from 0x80 stops too: non-ASCII text is rare, and `other_value` then looks
        // for 0xEF (the lead byte of U+FFFE/U+FFFF) instead of every word here.
        let y = (w | (LO * 0x04)) ^ (LO * u64::from(b'&'));
        let z = (w | (LO * 0x02)) ^ (LO * u64::from(b'>'));
        let m = ((y.wrapping_sub(LO) & !y)
            | (z.wrapping_sub(LO) & !z)
            | (w.wrapping_sub(LO * 0x20) & !w)
            | w)
            & HI;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && plain(b[i]) {
        i += 1;
    }
    i
}

const ROOT: u8 = 0;
const CHAR: u8 = 1;
const PARM: u8 = 2;
/// The parent kind while no element is open.
const NONE: u8 = 3;
const NAMES: [&str; 3] = [crate::xml::ROOT, "characteristic", "parm"];

const DECLS: [&str; 2] = [
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<?xml version=\"1.0\"?>",
];
const DOCTYPE: [&str; 6] = [
    "<!DOCTYPE",
    "wap-provisioningdoc",
    "PUBLIC",
    "\"-//WAPFORUM//DTD PROV 1.0//EN\"",
    "\"http://www.wapforum.org/DTD/prov.dtd\"",
    ">",
];

/// The declaration and DOCTYPE as nearly every document writes them (`prolog` accepts
/// them and stops at their end), compared in one go.
const PROLOG: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">";

// The tags nearly every element is written as. `read` takes them whole; any other
// spelling goes through `tag`, which reads what these read the same way.
const PARM_NAME: &[u8; 12] = b"<parm name=\"";
const PARM_VALUE: &[u8; 8] = b" value=\"";
const CHAR_TYPE: &[u8; 22] = b"<characteristic type=\"";
const CHAR_END: &[u8; 17] = b"</characteristic>";
const ROOT_VERSION: &[u8; 30] = b"<wap-provisioningdoc version=\"";
const ROOT_END: &[u8; 22] = b"</wap-provisioningdoc>";

/// The first eight bytes of `t` as a word (as [`word`] reads them).
const fn head(t: &[u8]) -> u64 {
    u64::from_le_bytes([t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]])
}
const PARM_HEAD: u64 = head(PARM_NAME);
const CHAR_HEAD: u64 = head(CHAR_TYPE);
const END_HEAD: u64 = head(CHAR_END);
const VALUE_WORD: u64 = head(PARM_VALUE);
const ROOT_HEAD: u64 = head(ROOT_VERSION);
const ROOT_END_HEAD: u64 = head(ROOT_END);

/// Bytes `i..i + N` of `b`, if there are `N`.
#[inline(always)]
fn chunk<const N: usize>(b: &[u8], i: usize) -> Option<&[u8; N]> {
    b.get(i..i.checked_add(N)?)?.try_into().ok()
}

/// The first index from `i` that is not XML whitespace, or `b.len()`.
#[inline(always)]
fn skip_space(b: &[u8], mut i: usize) -> usize {
    // Between tags there is usually a line break, then indentation of spaces: one word
    // with a leading break masked out usually reaches the next tag; longer runs and other
    // whitespace go on eight spaces, or one byte, at a time.
    if let Some(w) = word(b, i) {
        let lf = u64::from(w as u8 == b'\n') * 0xFF;
        let x = (w ^ (LO * u64::from(b' '))) & !lf;
        if x == 0 {
            i += 8;
        } else {
            i += (x.trailing_zeros() / 8) as usize;
            match b.get(i) {
                Some(&c) if is_xml_space(c) => {}
                _ => return i,
            }
        }
    }
    loop {
        while let Some(w) = word(b, i) {
            let w = w ^ (LO * u64::from(b' '));
            if w != 0 {
                i += (w.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match b.get(i) {
            Some(&c) if is_xml_space(c) => i += 1,
            _ => return i,
        }
    }
}

/// The attribute value starting at `start` (just after its opening quote): its span
/// and the index after its closing quote.
#[inline(always)]
fn value(f: &mut Flat, text: &str, start: usize) -> Option<((u32, u32), usize)> {
    let b = text.as_bytes();
    let end = value_stop(b, start);
    if b.get(end) == Some(&b'"') {
        Some(((start as u32, end as u32), end + 1))
    } else {
        other_value(f, text, start, end)
    }
}

/// [`value`] when the scan stopped at something other than the closing quote: past
/// non-ASCII text to the next stop, and, at a byte needing care, on to the quote, the
/// value unescaped into the scratch buffer.
#[cold]
#[inline(never)]
fn other_value(
    f: &mut Flat,
    text: &str,
    start: usize,
    mut stop: usize,
) -> Option<((u32, u32), usize)> {
    let b = text.as_bytes();
    loop {
        match *b.get(stop)? {
            b'"' => return Some(((start as u32, stop as u32), stop + 1)),
            // Non-ASCII text: stepped over, then the scan goes on.
            c if c >= 0x80 && c != 0xEF => {
                while b.get(stop).is_some_and(|&c| c >= 0x80 && c != 0xEF) {
                    stop += 1;
                }
                stop = value_stop(b, stop);
            }
            _ => break,
        }
    }
    let end = stop + b[stop..].iter().position(|&c| c == b'"')?;
    let raw = &text[start..end];
    if raw.bytes().any(|b| b == b'<' || b == b'>') {
        return None;
    }
    let v = unescape_attr(raw, false).ok()?;
    let s0 = f.scratch.len();
    f.scratch.push_str(&v);
    Some(((s0 as u32 | SCRATCH, f.scratch.len() as u32), end + 1))
}

/// What the element loop carries besides the open elements.
#[derive(Clone, Copy)]
struct State {
    root_seen: bool,
    elements: usize,
}

impl State {
    /// Counts one more element opened with `depth` elements open; false past the limits.
    #[inline(always)]
    fn count(&mut self, depth: usize, limits: &XmlLimits) -> bool {
        self.elements += 1;
        self.elements <= limits.max_elements && depth < limits.max_depth
    }
}

impl Flat {
    /// An empty flat document.
    pub fn new() -> Flat {
        Flat::default()
    }

    /// The items of the last accepted document.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Number of strings of the last accepted document.
    pub fn string_count(&self) -> usize {
        self.spans.len()
    }

    /// String `i` of the last accepted document, which was parsed from `text`.
    #[inline]
    pub fn string<'s>(&'s self, text: &'s str, i: usize) -> &'s str {
        let (s, e) = self.spans[i];
        if s & SCRATCH != 0 {
            &self.scratch[(s & !SCRATCH) as usize..e as usize]
        } else {
            &text[s as usize..e as usize]
        }
    }

    /// The strings of the last accepted document, which was parsed from `text`, in
    /// order (what [`Flat::string`] gives for each index).
    #[inline]
    pub fn strings<'s>(&'s self, text: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.spans.iter().map(move |&(s, e)| {
            if s & SCRATCH != 0 {
                &self.scratch[(s & !SCRATCH) as usize..e as usize]
            } else {
                &text[s as usize..e as usize]
            }
        })
    }

    /// Reads `text` (the whole input, BOM allowed). Returns false when the text is not
    /// of the plain shape, or is not a valid document, or exceeds `limits`: then the
    /// caller must use [`crate::xml::parse_with_limits`].
    pub fn parse(&mut self, text: &str, limits: &XmlLimits) -> bool {
        self.parse_as::<true>(text, limits)
    }

    /// [`Flat::parse`], with or without the whole-tag shortcuts (see `read`).
    #[inline(always)]
    fn parse_as<const FAST: bool>(&mut self, text: &str, limits: &XmlLimits) -> bool {
        self.items.clear();
        self.spans.clear();
        self.scratch.clear();
        self.stack.clear();
        // Offsets are kept in 31 bits.
        if text.len() > limits.max_bytes || text.len() >= SCRATCH as usize {
            return false;
        }
        let base = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
        self.read::<FAST>(text, base, limits).is_some()
    }

    /// Reads `text` from `i` (after any BOM). With `FAST`, the usual prolog and tags
    /// are matched whole; without, everything goes through `prolog` and `tag` (the
    /// tests check that both give the same result on every input).
    #[inline(always)]
    fn read<const FAST: bool>(
        &mut self,
        text: &str,
        mut i: usize,
        limits: &XmlLimits,
    ) -> Option<()> {
        let b = text.as_bytes();
        i = match b.get(i..i + PROLOG.len()) {
            Some(p) if FAST && p == PROLOG => i + PROLOG.len(),
            _ => prolog(text, i)?,
        };
        let mut st = State {
            root_seen: false,
            elements: 0,
        };
        // The kind of the innermost open element (the top of `stack`), or NONE.
        let mut parent = NONE;
        loop {
            i = skip_space(b, i);
            if i == b.len() {
                return (st.root_seen && self.stack.is_empty()).then_some(());
            }
            let w = if FAST { word(b, i).unwrap_or(0) } else { 0 };
            if w == PARM_HEAD && parent == CHAR && chunk(b, i) == Some(PARM_NAME) {
                // `<parm name="…"/>` or `<parm name="…" value="…"/>`. A value declined
                // here would be declined by `tag` too: it reads the same bytes as the
                // same attribute. The limits are checked once the shape is certain
                // (either check failing declines, so their order does not matter).
                let mark = self.scratch.len();
                let (name, j) = value(self, text, i + PARM_NAME.len())?;
                let (val, end) = if word(b, j) == Some(VALUE_WORD) {
                    let (v, k) = value(self, text, j + PARM_VALUE.len())?;
                    (Some(v), k)
                } else {
                    (None, j)
                };
                if chunk(b, end) == Some(b"/>") {
                    if !st.count(self.stack.len(), limits) {
                        return None;
                    }
                    self.spans.push(name);
                    if let Some(v) = val {
                        self.spans.push(v);
                    }
                    self.items.push(Item::Parm {
                        value: val.is_some(),
                    });
                    i = end + 2;
                    continue;
                }
                // Another spelling after all: `tag` reads it from its start.
                self.scratch.truncate(mark);
            } else if w == CHAR_HEAD && parent <= CHAR && chunk(b, i) == Some(CHAR_TYPE) {
                // `<characteristic type="…">` or `<characteristic type="…"/>`.
                let mark = self.scratch.len();
                let (ty, j) = value(self, text, i + CHAR_TYPE.len())?;
                let empty = match b.get(j) {
                    Some(b'>') => Some(false),
                    Some(b'/') if b.get(j + 1) == Some(&b'>') => Some(true),
                    _ => None,
                };
                if let Some(empty) = empty {
                    if !st.count(self.stack.len(), limits) {
                        return None;
                    }
                    let at = self.items.len() as u32;
                    self.spans.push(ty);
                    self.items.push(Item::Char { content: false });
                    if empty {
                        self.items.push(Item::End { content: false });
                        i = j + 2;
                    } else {
                        self.stack.push((CHAR, at));
                        parent = CHAR;
                        i = j + 1;
                    }
                    continue;
                }
                self.scratch.truncate(mark);
            } else if w == END_HEAD && parent == CHAR && chunk(b, i) == Some(CHAR_END) {
                let (_, at) = self.stack.pop()?;
                end_char(self, at);
                parent = self.stack.last().map_or(NONE, |&(k, _)| k);
                i += CHAR_END.len();
                continue;
            } else if w == ROOT_HEAD
                && parent == NONE
                && !st.root_seen
                && chunk(b, i) == Some(ROOT_VERSION)
            {
                // `<wap-provisioningdoc version="…">`.
                let mark = self.scratch.len();
                let (version, j) = value(self, text, i + ROOT_VERSION.len())?;
                if b.get(j) == Some(&b'>') {
                    if !st.count(self.stack.len(), limits) {
                        return None;
                    }
                    st.root_seen = true;
                    self.stack.push((ROOT, self.items.len() as u32));
                    self.spans.push(version);
                    self.items.push(Item::Root {
                        version: true,
                        content: false,
                    });
                    parent = ROOT;
                    i = j + 1;
                    continue;
                }
                self.scratch.truncate(mark);
            } else if w == ROOT_END_HEAD && parent == ROOT && chunk(b, i) == Some(ROOT_END) {
                let &(_, at) = self.stack.last()?;
                close(self, ROOT, at);
                parent = NONE;
                i += ROOT_END.len();
                continue;
            }
            (i, st) = tag(self, text, i, st, limits)?;
            parent = self.stack.last().map_or(NONE, |&(k, _)| k);
        }
    }
}

struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    #[inline]
    fn skip_space(&mut self) {
        self.i = skip_space(self.b, self.i);
    }

    #[inline]
    fn eat(&mut self, t: &str) -> bool {
        let ok = self.b[self.i..].starts_with(t.as_bytes());
        if ok {
            self.i += t.len();
        }
        ok
    }

    /// A name: bytes up to whitespace or markup. Stops only at ASCII bytes, so both
    /// ends are character boundaries.
    #[inline]
    fn name(&mut self) -> &'a [u8] {
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if is_xml_space(c) || matches!(c, b'/' | b'>' | b'=' | b'<' | b'"' | b'\'') {
                break;
            }
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    /// The element after `<`: which of the three PROV names (`ROOT`, `CHAR`, `PARM`) it
    /// is, or `None` for another name. The names are compared as constants (the usual
    /// case); anything else is read as `name` reads it.
    #[inline]
    fn element(&mut self) -> Option<u8> {
        let rest = &self.b[self.i..];
        let known = match rest.first() {
            Some(b'p') if rest.starts_with(b"parm") => Some((PARM, 4)),
            Some(b'c') if rest.starts_with(b"characteristic") => Some((CHAR, 14)),
            Some(b'w') if rest.starts_with(crate::xml::ROOT.as_bytes()) => {
                Some((ROOT, crate::xml::ROOT.len()))
            }
            _ => None,
        };
        if let Some((kind, n)) = known
            && matches!(
                rest.get(n),
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')
            )
        {
            self.i += n;
            return Some(kind);
        }
        let name = self.name();
        (0u8..3).find(|&k| name == NAMES[k as usize].as_bytes())
    }

    /// The name of element `kind` (after `</`).
    #[inline]
    fn eat_name(&mut self, kind: u8) -> bool {
        match kind {
            ROOT => self.eat(crate::xml::ROOT),
            CHAR => self.eat("characteristic"),
            _ => self.eat("parm"),
        }
    }

    /// `name="value"` pairs up to `>` or `/>`: each of `allowed` at most once. Pushes
    /// the values' spans in the order of `allowed` and returns which were present and
    /// whether the tag was self-closed.
    fn attributes<const N: usize>(
        &mut self,
        f: &mut Flat,
        allowed: [&str; N],
    ) -> Option<([bool; N], bool)> {
        let mut found = [(0u32, 0u32); N];
        let mut seen = [false; N];
        let empty = loop {
            let before = self.i;
            self.skip_space();
            match self.b.get(self.i)? {
                b'>' => {
                    self.i += 1;
                    break false;
                }
                b'/' => {
                    self.i += 1;
                    if !self.eat(">") {
                        return None;
                    }
                    break true;
                }
                _ if before == self.i => return None,
                _ => {}
            }
            // `key="`: comparing the expected keys directly is what `name` then `=\"`
            // would accept.
            let rest = &self.b[self.i..];
            let k = allowed.iter().position(|a| {
                rest.len() > a.len() + 1
                    && rest.starts_with(a.as_bytes())
                    && rest[a.len()] == b'='
                    && rest[a.len() + 1] == b'"'
            })?;
            if seen[k] {
                return None;
            }
            let start = self.i + allowed[k].len() + 2;
            let (span, next) = value(f, self.s, start)?;
            found[k] = span;
            self.i = next;
            seen[k] = true;
        };
        for k in 0..N {
            if seen[k] {
                f.spans.push(found[k]);
            }
        }
        Some((seen, empty))
    }
}

/// The declaration and DOCTYPE, if present, and the whitespace after them: the index
/// after them.
fn prolog(text: &str, i: usize) -> Option<usize> {
    let mut s = Scan {
        s: text,
        b: text.as_bytes(),
        i,
    };
    if s.b[s.i..].starts_with(b"<?") {
        if !DECLS.iter().any(|d| s.eat(d)) {
            return None;
        }
        s.skip_space();
    }
    if s.b[s.i..].starts_with(b"<!") {
        // The PROV DOCTYPE, with any XML whitespace between its parts.
        for (k, part) in DOCTYPE.iter().enumerate() {
            let before = s.i;
            s.skip_space();
            let spaced = s.i > before;
            if (k > 0 && k < DOCTYPE.len() - 1 && !spaced) || !s.eat(part) {
                return None;
            }
        }
        s.skip_space();
    }
    Some(s.i)
}

/// One tag at `i` (which holds something other than whitespace), in any spelling the
/// plain shape allows: the index after it and the new state.
#[inline(never)]
fn tag(
    f: &mut Flat,
    text: &str,
    i: usize,
    mut st: State,
    limits: &XmlLimits,
) -> Option<(usize, State)> {
    let mut s = Scan {
        s: text,
        b: text.as_bytes(),
        i,
    };
    if !s.eat("<") {
        return None;
    }
    if s.eat("/") {
        let &(open, at) = f.stack.last()?;
        if !s.eat_name(open) || !s.eat(">") {
            return None;
        }
        close(f, open, at);
        return Some((s.i, st));
    }
    if !st.count(f.stack.len(), limits) {
        return None;
    }
    let element = s.element();
    let at = f.items.len() as u32;
    let parent = f.stack.last().map_or(NONE, |&(k, _)| k);
    let (kind, empty) = if element == Some(ROOT) {
        if st.root_seen {
            return None;
        }
        st.root_seen = true;
        let ([version], empty) = s.attributes(f, ["version"])?;
        f.items.push(Item::Root {
            version,
            content: false,
        });
        (ROOT, empty)
    } else if element == Some(CHAR) {
        if parent != ROOT && parent != CHAR {
            return None;
        }
        let ([kind], empty) = s.attributes(f, ["type"])?;
        if !kind {
            return None;
        }
        f.items.push(Item::Char { content: false });
        (CHAR, empty)
    } else if element == Some(PARM) {
        if parent != CHAR {
            return None;
        }
        let ([name, value], empty) = s.attributes(f, ["name", "value"])?;
        if !name {
            return None;
        }
        f.items.push(Item::Parm { value });
        (PARM, empty)
    } else {
        return None;
    };
    if empty {
        close(f, kind, at);
    } else {
        f.stack.push((kind, at));
    }
    Some((s.i, st))
}

/// Ends the characteristic whose item is `at`: it has content if any item followed.
#[inline(always)]
fn end_char(f: &mut Flat, at: u32) {
    let content = f.items.len() > at as usize + 1;
    if let Some(item) = f.items.get_mut(at as usize) {
        *item = Item::Char { content };
    }
    f.items.push(Item::End { content });
}

/// Closes element `kind` opened at item `at` (popping it if it was pushed).
fn close(f: &mut Flat, kind: u8, at: u32) {
    if f.stack.last() == Some(&(kind, at)) {
        f.stack.pop();
    }
    match kind {
        CHAR => end_char(f, at),
        ROOT => {
            let content = f.items.len() > at as usize + 1;
            if let Some(Item::Root { content: c, .. }) = f.items.get_mut(at as usize) {
                *c = content;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{self, XmlLimits};
    use crate::{Characteristic, Document, Node, Parm};

    /// The document the items and strings describe.
    fn to_document(f: &Flat, text: &str) -> Document {
        let mut strings = (0..f.string_count()).map(|i| f.string(text, i).to_owned());
        let mut doc = Document::default();
        let mut stack: Vec<Characteristic> = Vec::new();
        for item in f.items() {
            match *item {
                Item::Root { version, .. } => {
                    doc.version = if version { strings.next() } else { None }
                }
                Item::Char { .. } => stack.push(Characteristic::new(strings.next().unwrap())),
                Item::Parm { value } => {
                    let name = strings.next().unwrap();
                    let value = if value { strings.next() } else { None };
                    let top = stack.last_mut().unwrap();
                    top.children.push(Node::Parm(Parm { name, value }));
                }
                Item::End { content } => {
                    let c = stack.pop().unwrap();
                    assert_eq!(content, !c.children.is_empty());
                    match stack.last_mut() {
                        Some(p) => p.children.push(Node::Characteristic(c)),
                        None => doc.characteristics.push(c),
                    }
                }
            }
        }
        assert!(
            matches!(f.items().first(), Some(Item::Root { content, .. }) if *content != doc.characteristics.is_empty())
        );
        doc
    }

    /// The flat reader either declines or agrees with the parser, on the corpus and on
    /// every one-byte deletion, and many one-byte insertions, of a small document.
    #[test]
    fn agrees_with_the_parser() {
        let mut f = Flat::new();
        let mut check = |text: &str| {
            if f.parse(text, &XmlLimits::DEFAULT) {
                assert_eq!(
                    xml::parse(text).as_ref(),
                    Ok(&to_document(&f, text)),
                    "{text}"
                );
            }
        };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus");
        let mut taken = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(Flat::new().parse(&text, &XmlLimits::DEFAULT), "{path:?}");
                check(&text);
                taken += 1;
            }
        }
        assert!(taken >= 25);
        let small = "\u{FEFF}<?xml version=\"1.0\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\"\n \"http://www.wapforum.org/DTD/prov.dtd\">\n<wap-provisioningdoc version=\"1.0\">\n <characteristic type=\"A\">\n  <parm name=\"N\" value=\"a&amp;b&#10;c\"/>\n  <parm value=\"v\" name=\"F\"></parm>\n  <characteristic type=\"B\"/>\n </characteristic>\n</wap-provisioningdoc>\n";
        assert!(Flat::new().parse(small, &XmlLimits::DEFAULT));
        check(small);
        let b = small.as_bytes();
        for i in 0..b.len() {
            let mut v = b.to_vec();
            v.remove(i);
            if let Ok(t) = std::str::from_utf8(&v) {
                check(t);
            }
            for ins in [
                b' ', b'<', b'>', b'/', b'"', b'\'', b'=', b'&', b'\t', b'x', 0x01,
            ] {
                let mut v = b.to_vec();
                v.insert(i, ins);
                if let Ok(t) = std::str::from_utf8(&v) {
                    check(t);
                }
            }
        }
    }

    /// The word-at-a-time scans stop exactly where a byte-at-a-time scan stops.
    #[test]
    fn word_scans_agree_with_byte_scans() {
        let stops = (0..=255u8).filter(|&c| !plain(c));
        for c in stops.chain([b' ', b'\t', b'\n', b'\r', b'a']) {
            for at in 0..20 {
                for fill in [b'a', 0xC3, b' ', b'\x7F', b'!', b'='] {
                    let mut v = vec![fill; 20];
                    v[at] = c;
                    let slow = (3..v.len()).find(|&i| !plain(v[i])).unwrap_or(v.len());
                    assert_eq!(value_stop(&v, 3), slow, "{c:#x} at {at} in {fill:#x}");
                    let mut s = Scan { s: "", b: &v, i: 3 };
                    s.skip_space();
                    let slow = (3..v.len())
                        .find(|&i| !is_xml_space(v[i]))
                        .unwrap_or(v.len());
                    assert_eq!(s.i, slow, "{c:#x} at {at} in {fill:#x}");
                }
            }
        }
    }

    #[test]
    fn limits_decline() {
        let text = "<wap-provisioningdoc><characteristic type=\"A\"><characteristic type=\"B\"/></characteristic></wap-provisioningdoc>";
        let mut f = Flat::new();
        assert!(f.parse(text, &XmlLimits::DEFAULT));
        for limits in [
            XmlLimits {
                max_depth: 2,
                ..XmlLimits::DEFAULT
            },
            XmlLimits {
                max_elements: 2,
                ..XmlLimits::DEFAULT
            },
            XmlLimits {
                max_bytes: 10,
                ..XmlLimits::DEFAULT
            },
        ] {
            assert!(!f.parse(text, &limits));
        }
    }

    /// Reads `text` with and without the whole-tag shortcuts: both decide the same and
    /// give the same items and strings, and an accepted text gives what `xml::parse`
    /// builds. Returns whether it was accepted.
    fn agree(text: &str, limits: &XmlLimits) -> bool {
        let mut fast = Flat::new();
        let mut slow = Flat::new();
        let ok = fast.parse(text, limits);
        assert_eq!(ok, slow.parse_as::<false>(text, limits), "{text:?}");
        if ok {
            assert_eq!(fast.items(), slow.items(), "{text:?}");
            assert!(fast.strings(text).eq(slow.strings(text)), "{text:?}");
            assert_eq!(
                xml::parse_with_limits(text, limits).as_ref(),
                Ok(&to_document(&fast, text)),
                "{text:?}"
            );
        }
        ok
    }

    // Spellings at and next to the ones `read` takes whole (the first of each list).
    const PARMS: &[&str] = &[
        "<parm name=\"{n}\" value=\"{v}\"/>",
        "<parm name=\"{n}\"/>",
        "<parm name=\"{n}\" value=\"{v}\" />",
        "<parm name=\"{n}\" value=\"{v}\"/ >",
        "<parm name=\"{n}\" />",
        "<parm name=\"{n}\"/ >",
        "<parm name=\"{n}\" value=\"{v}\">",
        "<parm name=\"{n}\" value=\"{v}\"></parm>",
        "<parm name=\"{n}\">\n  </parm>",
        "<parm name=\"{n}\" value=\"{v}\"></parm >",
        "<parm name=\"{n}\"  value=\"{v}\"/>",
        "<parm name=\"{n}\"\tvalue=\"{v}\"/>",
        "<parm name=\"{n}\"\r\n value=\"{v}\"/>",
        "<parm name=\"{n}\"value=\"{v}\"/>",
        "<parm\tname=\"{n}\" value=\"{v}\"/>",
        "<parm  name=\"{n}\"/>",
        "<parm\nname=\"{n}\"/>",
        "<parm value=\"{v}\" name=\"{n}\"/>",
        "<parm value=\"{v}\"/>",
        "<parm/>",
        "<parm />",
        "<parmx name=\"{n}\"/>",
        "<parm name=\"{n}\" valuex=\"{v}\"/>",
        "<parm name=\"{n}\" valu=\"{v}\"/>",
        "<parm name=\"{n}\" value=\"{v}\" value=\"{v}\"/>",
        "<parm name=\"{n}\" name=\"{n}\"/>",
        "<parm namex=\"{n}\"/>",
        "<parm name='{n}'/>",
        "<parm name=\"{n}\" value='{v}'/>",
        "<parm name = \"{n}\"/>",
        "<parm name=\"{n}\" value=\"{v}\" x=\"y\"/>",
        "<parm name=\"{n}\" value=\"{v}\"/",
        "<parm name=\"{n}\" value=\"{v}\"",
        "<parm name=\"{n}\" value=\"",
        "<parm name=\"{n}",
        "<Parm name=\"{n}\"/>",
        "<parm name=\"{n}\" value=\"{v}\"/><characteristic type=\"{v}\"/>",
    ];
    const OPENS: &[&str] = &[
        "<characteristic type=\"{t}\">",
        "<characteristic type=\"{t}\" >",
        "<characteristic  type=\"{t}\">",
        "<characteristic\ttype=\"{t}\">",
        "<characteristic\r\ntype=\"{t}\">",
        "<characteristic type=\"{t}\"\n>",
        "<characteristicX type=\"{t}\">",
        "<characteristi type=\"{t}\">",
        "<characteristic type='{t}'>",
        "<characteristic type=\"{t}\" type=\"{t}\">",
        "<characteristic type=\"{t}\" name=\"{t}\">",
        "<characteristic typ=\"{t}\">",
        "<characteristic typex=\"{t}\">",
        "<characteristic>",
        "<characteristic type=\"{t}\"",
        "<characteristic type=\"{t}\"/",
        "<characteristic type=\"{t}",
    ];
    const EMPTIES: &[&str] = &[
        "<characteristic type=\"{t}\"/>",
        "<characteristic type=\"{t}\" />",
        "<characteristic type=\"{t}\"/ >",
        "<characteristic type=\"{t}\"></characteristic>",
        "<characteristic/>",
        "<characteristicX type=\"{t}\"/>",
    ];
    const ENDS: &[&str] = &[
        "</characteristic>",
        "</characteristic >",
        "</characteristic\n>",
        "</characteristicX>",
        "</characteristi>",
        "</ characteristic>",
        "</characteristic",
        "</characteristic>>",
        "</parm>",
        "</wap-provisioningdoc>",
    ];
    const PROLOGS: &[&str] = &[
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n",
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!DOCTYPE wap-provisioningdoc\r\n PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\"\r\n \"http://www.wapforum.org/DTD/prov.dtd\" >\r\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\"\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\"\"http://www.wapforum.org/DTD/prov.dtd\">\n",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n<!-- c -->\n",
        "<?xml version=\"1.0\"?>\n",
        "",
    ];
    const SPACES: &[&str] = &[
        "\n  ",
        "",
        " ",
        "\n",
        "\n            ",
        "\r\n    ",
        "\t",
        "\n\t ",
        "\n \n",
        "\n\r ",
    ];
    const VALUES: &[&str] = &[
        "PXLOGICAL",
        "",
        "A",
        "Operator Internet Proxy",
        "http://portal.operator.example/home/",
        "a&amp;b",
        "x&#10;y",
        "caf\u{e9}",
        "\u{FEFF}x",
        "a\tb",
        "a'b",
        "\u{F8FF}\u{E9}\u{65E5}\u{672C}\u{8A9E}\u{1F600} long non-ASCII text x",
        "\u{E9}&amp;\u{FFFD}\u{EFFF}",
        // Values the reader declines.
        "a<b",
        "a>b",
        "&bogus;",
        "x\u{FFFE}",
        "\u{E9}\u{FFFF}",
    ];

    /// A document with `inner` inside a characteristic between other children.
    fn with_inner(prolog: &str, space: &str, inner: &str) -> String {
        let s = space;
        format!(
            "{prolog}<wap-provisioningdoc version=\"1.0\">{s}<characteristic type=\"A\">{s}<parm name=\"P\" value=\"1\"/>{s}{inner}{s}<parm name=\"Q\"/>{s}</characteristic>{s}</wap-provisioningdoc>{s}"
        )
    }

    /// Documents with `inner` where none of the tags may be: directly in the root,
    /// inside a parm, before and after the root.
    fn out_of_place(prolog: &str, space: &str, inner: &str) -> [String; 4] {
        let s = space;
        let root = "<wap-provisioningdoc version=\"1.0\">";
        let end = "</wap-provisioningdoc>";
        [
            format!("{prolog}{root}{s}{inner}{s}{end}"),
            format!(
                "{prolog}{root}{s}<characteristic type=\"A\">{s}<parm name=\"P\">{inner}</parm>{s}</characteristic>{s}{end}"
            ),
            format!("{prolog}{inner}{s}{root}{end}"),
            format!("{prolog}{root}{s}{end}{s}{inner}"),
        ]
    }

    fn fill(t: &str, n: &str, v: &str) -> String {
        t.replace("{n}", n).replace("{v}", v).replace("{t}", n)
    }

    /// Each spelling in each of many places, and where it may not be; and every cut of
    /// the spellings, and every one-byte deletion of them.
    #[test]
    fn near_shapes_agree() {
        let lim = XmlLimits::DEFAULT;
        let mut inners = Vec::new();
        for n in VALUES {
            for v in [VALUES[0], VALUES[1], n] {
                for t in PARMS.iter().chain(EMPTIES) {
                    inners.push(fill(t, n, v));
                }
                for o in OPENS {
                    for e in ENDS {
                        inners.push(format!(
                            "{}\n <parm name=\"{v}\"/>{}",
                            fill(o, n, v),
                            fill(e, n, v)
                        ));
                        inners.push(format!("{}{}", fill(o, n, v), fill(e, n, v)));
                    }
                }
            }
        }
        let mut accepted = 0;
        for inner in &inners {
            for space in SPACES {
                accepted += usize::from(agree(&with_inner(PROLOGS[0], space, inner), &lim));
            }
            for space in &SPACES[..2] {
                for text in out_of_place(PROLOGS[0], space, inner) {
                    agree(&text, &lim);
                }
            }
        }
        // The whole-tag spellings are accepted (and many others).
        assert!(accepted > 0);
        for t in [PARMS[0], PARMS[1], EMPTIES[0]] {
            assert!(agree(
                &with_inner(PROLOGS[0], "\n", &fill(t, "N", "V")),
                &lim
            ));
        }
        let open_end = format!("{}{}", fill(OPENS[0], "N", "V"), ENDS[0]);
        assert!(agree(&with_inner(PROLOGS[0], "\n", &open_end), &lim));
        for prolog in PROLOGS {
            for inner in [&inners[0], &inners[1]] {
                agree(&with_inner(prolog, "\n", inner), &lim);
            }
        }
        for t in PARMS.iter().chain(OPENS).chain(EMPTIES).chain(ENDS) {
            let text = with_inner(PROLOGS[0], "\n", &fill(t, "N", "V"));
            let start = text.find("<parm name=\"P\" value=\"1\"/>").unwrap();
            for cut in start..text.len() {
                if let (Some(a), Some(b)) = (text.get(..cut), text.get(cut + 1..)) {
                    agree(a, &lim);
                    agree(&format!("{a}{b}"), &lim);
                }
            }
        }
    }

    const ROOTS: &[&str] = &[
        "<wap-provisioningdoc version=\"{v}\">",
        "<wap-provisioningdoc>",
        "<wap-provisioningdoc version=\"{v}\" >",
        "<wap-provisioningdoc  version=\"{v}\">",
        "<wap-provisioningdoc\tversion=\"{v}\">",
        "<wap-provisioningdoc version=\"{v}\"/>",
        "<wap-provisioningdoc version=\"{v}\" version=\"{v}\">",
        "<wap-provisioningdoc version='{v}'>",
        "<wap-provisioningdoc versio=\"{v}\">",
        "<wap-provisioningdocx version=\"{v}\">",
        "<wap-provisioningdoc version=\"{v}\"",
    ];
    const ROOT_ENDS: &[&str] = &[
        "</wap-provisioningdoc>",
        "</wap-provisioningdoc >",
        "</wap-provisioningdocx>",
        "</wap-provisioningdoc",
        "</wap-provisioningdoc>>",
        "</wap-provisioningdoc></wap-provisioningdoc>",
        "</wap-provisioningdoc><wap-provisioningdoc version=\"1.0\">",
        "</wap-provisioningdoc><wap-provisioningdoc version=\"1.0\"></wap-provisioningdoc>",
    ];

    /// The root's spellings, with each body and end tag; and every cut and one-byte
    /// deletion of them.
    #[test]
    fn root_spellings_agree() {
        let lim = XmlLimits::DEFAULT;
        let bodies = [
            "",
            "<characteristic type=\"A\"/>",
            "<characteristic type=\"A\"><parm name=\"N\"/></characteristic>",
            "<wap-provisioningdoc version=\"1.0\"></wap-provisioningdoc>",
            "<parm name=\"N\"/>",
        ];
        let mut texts = Vec::new();
        for prolog in [PROLOGS[0], PROLOGS[1], PROLOGS[9]] {
            for root in ROOTS {
                for v in VALUES {
                    for body in bodies {
                        for end in ROOT_ENDS {
                            for s in ["\n", "", "\r\n\t"] {
                                texts.push(format!(
                                    "{prolog}{}{s}{body}{s}{end}{s}",
                                    fill(root, v, v)
                                ));
                            }
                        }
                    }
                }
            }
        }
        let accepted = texts.iter().filter(|t| agree(t, &lim)).count();
        assert!(accepted > 0);
        for (root, end) in ROOTS.iter().zip(ROOT_ENDS) {
            let text = format!("{}\n{}{}", PROLOGS[0], fill(root, "1.0", "1.0"), end);
            for cut in PROLOGS[0].len()..text.len() {
                if let (Some(a), Some(b)) = (text.get(..cut), text.get(cut + 1..)) {
                    agree(a, &lim);
                    agree(&format!("{a}{b}"), &lim);
                }
            }
        }
    }

    /// Limits decline the same way on both paths, whichever element reaches them.
    #[test]
    fn limits_agree() {
        let text = with_inner(
            PROLOGS[0],
            "\n",
            "<characteristic type=\"B\"><characteristic type=\"C\"><parm name=\"N\"/></characteristic><characteristic type=\"D\"/></characteristic>",
        );
        for depth in 1..6 {
            for elements in 1..10 {
                let limits = XmlLimits {
                    max_depth: depth,
                    max_elements: elements,
                    ..XmlLimits::DEFAULT
                };
                agree(&text, &limits);
            }
        }
    }

    /// `skip_space` stops where a byte-at-a-time scan stops, on every short mix of
    /// whitespace and other bytes.
    #[test]
    fn skip_space_on_short_mixes() {
        let alphabet = [b' ', b'\n', b'\t', b'\r', b'<', 0x0B];
        for len in 0..=7u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let mut v = Vec::new();
                for _ in 0..len {
                    v.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                v.extend_from_slice(b"          ");
                v.push(b'x');
                for start in 0..v.len() {
                    let slow = (start..v.len())
                        .find(|&i| !is_xml_space(v[i]))
                        .unwrap_or(v.len());
                    assert_eq!(skip_space(&v, start), slow, "{v:?} from {start}");
                }
            }
        }
    }

    /// One generated element or end tag: which list, which spelling, which name and
    /// value, which whitespace before it.
    type Step = (u8, usize, usize, usize, usize);

    /// A document made of `steps`, closed at the end, with `edits` applied to its bytes
    /// (None if they break UTF-8). Out of 100 steps, about `odd` take another spelling
    /// than the first of its list (the standard one, an ordinary value).
    fn render(
        prolog: usize,
        root: usize,
        odd: usize,
        steps: &[Step],
        edits: &[(usize, u8, u8)],
    ) -> Option<String> {
        let pick = |list: &[&'static str], k: usize| -> &'static str {
            if k >= odd {
                list[0]
            } else {
                list[k % list.len()]
            }
        };
        let mut text = String::from(PROLOGS[prolog % PROLOGS.len()]);
        text.push_str(&fill(pick(ROOTS, root), "1.0", "1.0"));
        // Parms need a characteristic: the steps start inside one.
        text.push_str("\n<characteristic type=\"A\">");
        let mut depth = 1;
        for &(op, k, n, v, s) in steps {
            text.push_str(pick(SPACES, s));
            // Names: any value; ordinary ones most of the time.
            let n = if n >= odd {
                n % (VALUES.len() - 5)
            } else {
                n % VALUES.len()
            };
            let (n, v) = (VALUES[n], pick(VALUES, v));
            match op {
                0 => text.push_str(&fill(pick(PARMS, k), n, v)),
                1 => {
                    text.push_str(&fill(pick(OPENS, k), n, v));
                    depth += 1;
                }
                2 => text.push_str(&fill(pick(EMPTIES, k), n, v)),
                _ if depth > 1 => {
                    text.push_str(pick(ENDS, k));
                    depth -= 1;
                }
                _ => {}
            }
        }
        for _ in 0..depth {
            text.push_str("\n</characteristic>");
        }
        text.push('\n');
        text.push_str(pick(ROOT_ENDS, root));
        text.push('\n');
        let mut bytes = text.into_bytes();
        for &(at, op, byte) in edits {
            let at = at % (bytes.len() + 1);
            match op % 3 {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => bytes[at] = byte,
                _ => {}
            }
        }
        String::from_utf8(bytes).ok()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Generated documents of mixed spellings, some edited: both paths agree, and
        /// agree with the parser.
        #[test]
        fn generated_spellings_agree(
            prolog in 0..PROLOGS.len() * 3,
            odd in 0..40usize,
            root in 0..100usize,
            steps in proptest::collection::vec(
                (0u8..4, 0..100usize, 0..100usize, 0..100usize, 0..100usize), 0..24),
            edits in proptest::collection::vec(
                (0..10_000usize, 0u8..6, proptest::sample::select(
                    &b" \t\r\n<>/=\"'&xa\x01"[..])), 0..3),
        ) {
            // Most documents get the standard prolog.
            let prolog = if prolog >= PROLOGS.len() { 0 } else { prolog };
            let edits = &edits[..edits.len().saturating_sub(1)];
            if let Some(text) = render(prolog, root, odd, &steps, edits) {
                agree(&text, &XmlLimits::DEFAULT);
                agree(&text, &XmlLimits { max_depth: 3, max_elements: 12, ..XmlLimits::DEFAULT });
            }
        }
    }
}
