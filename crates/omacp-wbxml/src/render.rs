//! PROV WBXML → canonical XML text without building a [`Document`](omacp_doc::Document)
//! (docs/streaming-codecs.md).
//!
//! [`Decoder::to_xml`] walks the token stream once and writes the text of
//! `omacp_doc::xml::to_string` as it goes: string-table references are resolved to
//! slices of the table, attribute values are collected into one reusable buffer (a parm
//! may send `value` before `name`, and a character may span pieces), checked as UTF-8
//! and escaped straight into the output. It covers what PROV encoders send: UTF-8, tag
//! page 0, known tokens, STR_I/STR_T/ENTITY values. Anything else (another charset, a
//! LITERAL, text or a PI in content, an extension, any error or limit) makes it stop and
//! the model path run from the start, [`decode`] then `to_string`, so the text and the
//! errors are always the ones that path gives.

use omacp_doc::xml::{self, PUBLIC_ID, ROOT, SYSTEM_ID};
use omacp_wire::Reader;

use crate::decode::{DecodeDiagnostic, DecodeOptions, decode};
use crate::error::WbxmlError;
use crate::header::{self, Charset, PUBLIC_ID_UNKNOWN, PublicId};
use crate::limits::Limits;
use crate::tokens::{self, Attr, Kind};

const SWITCH_PAGE: u8 = 0x00;
const END: u8 = 0x01;
const ENTITY: u8 = 0x02;
const STR_I: u8 = 0x03;
const STR_T: u8 = 0x83;

/// A reusable WBXML → XML decoder: the text `xml::to_string(&decode(..)?.document)`
/// gives, with buffers kept between calls.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Raw attribute values of the element being read.
    raw: Vec<u8>,
    /// Open elements with content: true for a characteristic, false for the root; and
    /// whether the element's start tag is still open (no child written yet).
    stack: Vec<(bool, bool)>,
    /// The text being written (bytes while writing: each value is checked as UTF-8 when
    /// it is collected, and the whole text once at the end).
    buf: Vec<u8>,
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
        self.buf = std::mem::take(&mut self.out).into_bytes();
        self.buf.clear();
        let done = self.body(bytes, limits);
        let text = std::mem::take(&mut self.buf);
        // Every piece written is ASCII or a checked value: this check cannot fail, and
        // for ASCII it runs a word at a time.
        match (done, String::from_utf8(text)) {
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
        let mut s = Stream {
            r: Cursor {
                b: bytes,
                i: r.offset(),
            },
            table: h.table,
            limits,
            attr_page: 0,
            elements: 0,
        };
        self.buf.reserve(200 + bytes.len() * 5);
        self.put("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE ");
        self.put(ROOT);
        self.put(" PUBLIC \"");
        self.put(PUBLIC_ID);
        self.put("\" \"");
        self.put(SYSTEM_ID);
        self.put("\">\n<");
        self.put(ROOT);

        // The root: tag page 0 (a SWITCH_PAGE or PI first goes the model path).
        let b = s.r.u8()?;
        if b & 0x3F != 0x05 {
            return None;
        }
        s.element()?;
        if b & 0x80 != 0 {
            let vals = self.attributes(&mut s, 1 << Attr::Version as u8)?;
            self.attr(" version=\"", vals[Attr::Version as usize])?;
        }
        if b & 0x40 == 0 {
            self.put("/>\n");
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
                let name = if is_char { "characteristic" } else { ROOT };
                if open {
                    self.put("/>\n");
                } else {
                    self.indent(self.stack.len());
                    self.put("</");
                    self.put(name);
                    self.put(">\n");
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
            if b & 0x3F == 0x06 {
                let vals = self.attributes(s, 1 << Attr::Type as u8)?;
                let ty = vals[Attr::Type as usize];
                if matches!(ty, Val::Absent) {
                    return None;
                }
                self.open_parent(parent_open);
                self.indent(depth);
                self.put("<characteristic");
                self.attr(" type=\"", ty)?;
                if b & 0x40 == 0 {
                    self.put("/>\n");
                } else {
                    self.stack.push((true, true));
                }
            } else {
                if !parent_is_char {
                    return None;
                }
                let vals = self.attributes(s, 1 << Attr::Name as u8 | 1 << Attr::Value as u8)?;
                let name = vals[Attr::Name as usize];
                if matches!(name, Val::Absent) {
                    return None;
                }
                self.open_parent(parent_open);
                self.indent(depth);
                self.put("<parm");
                self.attr(" name=\"", name)?;
                self.attr(" value=\"", vals[Attr::Value as usize])?;
                self.put("/>\n");
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
            self.put(">\n");
            if let Some(top) = self.stack.last_mut() {
                top.1 = false;
            }
        }
    }

    #[inline]
    fn put(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn indent(&mut self, depth: usize) {
        const SPACES: &[u8; 64] = &[b' '; 64];
        match SPACES.get(..2 * depth) {
            Some(s) => self.buf.extend_from_slice(s),
            None => (0..depth).for_each(|_| self.put("  ")),
        }
    }

    /// Writes `lead` (` name="`), the value and `"` for a collected value (nothing when
    /// absent); `None` when the value is not UTF-8.
    #[inline]
    fn attr(&mut self, lead: &str, val: Val<'_>) -> Option<()> {
        let raw = match val {
            Val::Absent => return Some(()),
            Val::One(v) => v,
            Val::Raw(a, b) => &self.raw[a as usize..b as usize],
        };
        self.buf.extend_from_slice(lead.as_bytes());
        // One pass over a class table classifies the value (measured: cheaper than
        // comparisons here): plain ASCII is copied as it is; otherwise it is checked as
        // UTF-8 and, if it needs escaping, escaped as `to_string` does.
        let class = raw.iter().fold(0u8, |c, &b| c | CLASS[b as usize]);
        if class == 0 {
            self.buf.extend_from_slice(raw);
        } else {
            let text = std::str::from_utf8(raw).ok()?;
            if class & ESCAPE == 0 {
                self.buf.extend_from_slice(raw);
            } else {
                self.scratch.clear();
                xml::escape_into(&mut self.scratch, text);
                self.buf.extend_from_slice(self.scratch.as_bytes());
            }
        }
        self.put("\"");
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
                    s.attr_page = s.r.u8()?;
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

    fn is_empty(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// The byte stream and the parser state the model path would keep.
struct Stream<'a> {
    r: Cursor<'a>,
    table: &'a [u8],
    limits: &'a Limits,
    attr_page: u8,
    elements: usize,
}

impl Stream<'_> {
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
