//! The textual form `text/vnd.wap.connectivity-xml` (content.md §1–§2): parsing into
//! a [`Document`] and writing the canonical form.
//!
//! Parsing is strict and fails closed:
//! - UTF-8 only (a BOM is fine; a declaration naming another encoding is refused);
//! - the DOCTYPE is optional; if present it must name `wap-provisioningdoc` with the
//!   PROV 1.0 public identifier or none. Its system literal is never fetched. An
//!   internal subset (hence any entity declaration) is refused, and so is every entity
//!   reference other than the five predefined ones and character references: no XXE, no
//!   billion laughs;
//! - only `wap-provisioningdoc`, `characteristic` and `parm` with their attributes
//!   (`version`; `type`; `name`, `value`) are accepted; text other than whitespace is an
//!   error; comments and processing instructions are ignored;
//! - depth, element count and size are bounded ([`XmlLimits`]).
//!
//! Character references may name any Unicode scalar value except U+0000 (XML 1.1's
//! rule, wider than XML 1.0's), because a string decoded from WBXML can contain C0
//! controls and must survive a trip through XML. [`to_string`] writes such characters,
//! and tab/CR/LF (which attribute-value normalisation would turn into spaces), as
//! character references, so `parse(&to_string(d)) == Ok(d)` for every document whose
//! strings contain no NUL.
//!
//! Canonical output: `<?xml version="1.0" encoding="UTF-8"?>`, the PROV DOCTYPE line,
//! two-space indentation, one element per line, `parm` always self-closed, a
//! characteristic without children self-closed (`<characteristic type="ACCESS"/>`),
//! attribute order `type` / `name`, `value`, and a final newline.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{Characteristic, Document, Node, Parm};

/// The PROV 1.0 public identifier (content.md §1).
pub const PUBLIC_ID: &str = "-//WAPFORUM//DTD PROV 1.0//EN";
/// The PROV DTD's system identifier (written, never fetched).
pub const SYSTEM_ID: &str = "http://www.wapforum.org/DTD/prov.dtd";
/// The root element's name.
pub const ROOT: &str = "wap-provisioningdoc";

/// Bounds on what [`parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (the root is depth 1; real documents reach 5).
    pub max_depth: usize,
    /// Most elements.
    pub max_elements: usize,
}

impl XmlLimits {
    /// Generous for any real document (a WAP push carries a few KiB).
    pub const DEFAULT: XmlLimits = XmlLimits {
        max_bytes: 4 * 1024 * 1024,
        max_depth: 32,
        max_elements: 100_000,
    };
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits::DEFAULT
    }
}

/// Why parsing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// The input is larger than [`XmlLimits::max_bytes`].
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Elements nest deeper than [`XmlLimits::max_depth`].
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More elements than [`XmlLimits::max_elements`].
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// A byte-order mark or declaration names an encoding other than UTF-8.
    UnsupportedEncoding(String),
    /// The XML declaration has an unsupported version or is malformed.
    BadDeclaration(String),
    /// Not well-formed XML (reported by the tokenizer).
    Syntax(String),
    /// A DOCTYPE for another root element.
    ForeignDoctype(String),
    /// A DOCTYPE with a public identifier other than PROV 1.0.
    WrongPublicId(String),
    /// A DOCTYPE with an internal subset (entity declarations): refused.
    InternalSubset,
    /// A reference to an entity that is not one of the five predefined ones: refused.
    /// The name is withheld (`None`) inside `value` attributes, which may hold secrets.
    EntityReference(Option<String>),
    /// A malformed or invalid character reference (`&#…;`).
    /// The text is withheld (`None`) inside `value` attributes.
    InvalidCharRef(Option<String>),
    /// A character XML does not allow (e.g. a raw control character).
    InvalidChar(u32),
    /// Character data where PROV allows none.
    TextContent,
    /// An element that is not part of PROV.
    UnknownElement(String),
    /// A PROV element in a place it may not appear.
    MisplacedElement(String),
    /// An attribute the element does not have.
    UnknownAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: String,
    },
    /// A required attribute is missing.
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// A second XML declaration, or one not at the start.
    MisplacedDeclaration,
    /// A second DOCTYPE, or one after the root element.
    MisplacedDoctype,
    /// No `wap-provisioningdoc` element.
    NoRoot,
    /// A second root element.
    ContentAfterRoot,
    /// The input ended inside an element.
    Unclosed(String),
}

impl fmt::Display for XmlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlErrorKind::TooLarge { size, limit } => {
                write!(f, "document of {size} bytes exceeds the {limit}-byte limit")
            }
            XmlErrorKind::TooDeep { limit } => write!(f, "elements nest deeper than {limit}"),
            XmlErrorKind::TooManyElements { limit } => write!(f, "more than {limit} elements"),
            XmlErrorKind::InvalidUtf8 => f.write_str("not valid UTF-8"),
            XmlErrorKind::UnsupportedEncoding(e) => {
                write!(f, "encoding {e:?} is not supported (UTF-8 only)")
            }
            XmlErrorKind::BadDeclaration(m) => write!(f, "bad XML declaration: {m}"),
            XmlErrorKind::Syntax(m) => write!(f, "malformed XML: {m}"),
            XmlErrorKind::ForeignDoctype(n) => write!(f, "DOCTYPE is for {n:?}, not {ROOT}"),
            XmlErrorKind::WrongPublicId(p) => {
                write!(f, "DOCTYPE public id {p:?} is not {PUBLIC_ID:?}")
            }
            XmlErrorKind::InternalSubset => {
                f.write_str("DTD internal subset refused (entity declarations are never processed)")
            }
            XmlErrorKind::EntityReference(Some(n)) => {
                write!(
                    f,
                    "entity reference &{n}; refused (only the predefined entities)"
                )
            }
            XmlErrorKind::EntityReference(None) => {
                f.write_str("entity reference in a value refused (only the predefined entities)")
            }
            XmlErrorKind::InvalidCharRef(Some(r)) => write!(f, "invalid character reference &{r};"),
            XmlErrorKind::InvalidCharRef(None) => {
                f.write_str("invalid character reference in a value")
            }
            XmlErrorKind::InvalidChar(c) => write!(f, "character U+{c:04X} is not allowed here"),
            XmlErrorKind::TextContent => {
                f.write_str("text content is not allowed in a provisioning document")
            }
            XmlErrorKind::UnknownElement(n) => write!(f, "unknown element <{n}>"),
            XmlErrorKind::MisplacedElement(n) => write!(f, "element <{n}> is not allowed here"),
            XmlErrorKind::UnknownAttribute { element, attribute } => {
                write!(f, "<{element}> has no attribute {attribute:?}")
            }
            XmlErrorKind::MissingAttribute { element, attribute } => {
                write!(f, "<{element}> needs the attribute {attribute:?}")
            }
            XmlErrorKind::MisplacedDeclaration => {
                f.write_str("the XML declaration must come first, once")
            }
            XmlErrorKind::MisplacedDoctype => {
                f.write_str("the DOCTYPE must come once, before the root element")
            }
            XmlErrorKind::NoRoot => write!(f, "no <{ROOT}> element"),
            XmlErrorKind::ContentAfterRoot => write!(f, "content after the <{ROOT}> element"),
            XmlErrorKind::Unclosed(n) => write!(f, "input ends inside <{n}>"),
        }
    }
}

/// A parse failure and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("XML line {line}, column {column} (byte {offset}): {kind}")]
pub struct XmlError {
    /// Byte offset in the input (including any BOM).
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What went wrong.
    pub kind: XmlErrorKind,
}

/// Parses a document from text with [`XmlLimits::DEFAULT`].
pub fn parse(text: &str) -> Result<Document, XmlError> {
    parse_with_limits(text, &XmlLimits::DEFAULT)
}

/// Parses a document from bytes: UTF-8 with or without BOM; UTF-16 is refused.
pub fn parse_bytes(bytes: &[u8]) -> Result<Document, XmlError> {
    parse_bytes_with_limits(bytes, &XmlLimits::DEFAULT)
}

/// [`parse_bytes`] with explicit limits.
pub fn parse_bytes_with_limits(bytes: &[u8], limits: &XmlLimits) -> Result<Document, XmlError> {
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(error_at(
            bytes,
            0,
            XmlErrorKind::UnsupportedEncoding("UTF-16".into()),
        ));
    }
    if bytes.len() > limits.max_bytes {
        return Err(error_at(
            bytes,
            0,
            XmlErrorKind::TooLarge {
                size: bytes.len(),
                limit: limits.max_bytes,
            },
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_with_limits(text, limits),
        Err(e) => Err(error_at(bytes, e.valid_up_to(), XmlErrorKind::InvalidUtf8)),
    }
}

/// [`parse`] with explicit limits.
pub fn parse_with_limits(text: &str, limits: &XmlLimits) -> Result<Document, XmlError> {
    if text.len() > limits.max_bytes {
        return Err(error_at(
            text.as_bytes(),
            0,
            XmlErrorKind::TooLarge {
                size: text.len(),
                limit: limits.max_bytes,
            },
        ));
    }
    let (body, base) = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    };
    if let Some(doc) = fast::parse(body, limits) {
        return Ok(doc);
    }
    parse_full(text, body, base, limits)
}

/// The tokenizer-based parser, which handles everything and words every error.
fn parse_full(
    text: &str,
    body: &str,
    base: usize,
    limits: &XmlLimits,
) -> Result<Document, XmlError> {
    Parser {
        text,
        body,
        base,
        limits,
        reader: Reader::from_str(body),
    }
    .run()
    .map_err(|(offset, kind)| error_at(text.as_bytes(), offset, kind))
}

pub(crate) type Fail = (usize, XmlErrorKind);

/// A scanner for the plain shape nearly every document has (the canonical form and the
/// usual hand-written variants): the standard declaration and DOCTYPE, double-quoted
/// attributes, whitespace between tags, no comments, CDATA or processing instructions.
/// It never reports an error: on anything else, or anything wrong, it gives up and the
/// tokenizer-based parser runs from the start and produces the exact verdict. When it
/// succeeds its document is the one that parser would build.
mod fast {
    use super::{Open, ROOT, XmlLimits, close, is_xml_space, unescape_attr};
    use crate::model::{Characteristic, Document, Node, Parm};

    const DECLS: [&str; 2] = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"1.0\"?>",
    ];
    const DOCTYPE: &str = "<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">";

    struct Scan<'a> {
        s: &'a str,
        b: &'a [u8],
        i: usize,
    }

    impl<'a> Scan<'a> {
        fn skip_space(&mut self) {
            while self.b.get(self.i).copied().is_some_and(is_xml_space) {
                self.i += 1;
            }
        }

        fn eat(&mut self, t: &str) -> bool {
            let ok = self.b[self.i..].starts_with(t.as_bytes());
            if ok {
                self.i += t.len();
            }
            ok
        }

        /// A name: bytes up to whitespace, `/`, `>` or `=`.
        fn name(&mut self) -> &'a str {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if is_xml_space(c) || matches!(c, b'/' | b'>' | b'=' | b'<' | b'"' | b'\'') {
                    break;
                }
                self.i += 1;
            }
            // Stops only at ASCII bytes, so both ends are character boundaries.
            &self.s[start..self.i]
        }

        /// `name="value"` pairs up to `>` or `/>`; returns the attributes (at most
        /// `N`, each of `allowed` once) and whether the tag was self-closed.
        fn attributes<const N: usize>(
            &mut self,
            allowed: [&str; N],
        ) -> Option<([Option<String>; N], bool)> {
            let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
            loop {
                let before = self.i;
                self.skip_space();
                match self.b.get(self.i)? {
                    b'>' => {
                        self.i += 1;
                        return Some((out, false));
                    }
                    b'/' => {
                        self.i += 1;
                        return self.eat(">").then_some((out, true));
                    }
                    _ if before == self.i => return None,
                    _ => {}
                }
                let key = self.name();
                let k = allowed.iter().position(|a| *a == key)?;
                if out[k].is_some() || !self.eat("=\"") {
                    return None;
                }
                let start = self.i;
                let len = self.b[start..]
                    .iter()
                    .position(|&c| matches!(c, b'"' | b'<' | b'>'))?;
                self.i = start + len;
                if !self.eat("\"") {
                    return None;
                }
                out[k] = Some(unescape_attr(&self.s[start..start + len], false).ok()?);
            }
        }
    }

    pub(super) fn parse(s: &str, limits: &XmlLimits) -> Option<Document> {
        let mut p = Scan {
            s,
            b: s.as_bytes(),
            i: 0,
        };
        if p.b.starts_with(b"<?") {
            if !DECLS.iter().any(|d| p.eat(d)) {
                return None;
            }
            p.skip_space();
        }
        if p.b[p.i..].starts_with(b"<!") {
            if !p.eat(DOCTYPE) {
                return None;
            }
            p.skip_space();
        }
        let mut doc: Option<Document> = None;
        let mut stack: Vec<Open> = Vec::with_capacity(8);
        let mut elements = 0usize;
        loop {
            p.skip_space();
            if p.i == p.b.len() {
                return if stack.is_empty() { doc } else { None };
            }
            if !p.eat("<") {
                return None;
            }
            if p.eat("/") {
                let name = p.name();
                if !p.eat(">") || stack.last().map(super::open_name) != Some(name) {
                    return None;
                }
                close(&mut stack, &mut doc);
                continue;
            }
            elements += 1;
            if elements > limits.max_elements || stack.len() >= limits.max_depth {
                return None;
            }
            let name = p.name();
            let empty = match name {
                ROOT => {
                    if doc.is_some() || !stack.is_empty() {
                        return None;
                    }
                    let ([version], empty) = p.attributes(["version"])?;
                    doc = Some(Document {
                        version,
                        characteristics: Vec::new(),
                    });
                    stack.push(Open::Root);
                    empty
                }
                "characteristic" => {
                    if !matches!(stack.last(), Some(Open::Root | Open::Char(_))) {
                        return None;
                    }
                    let ([kind], empty) = p.attributes(["type"])?;
                    stack.push(Open::Char(Characteristic {
                        kind: kind?,
                        children: Vec::with_capacity(4),
                    }));
                    empty
                }
                "parm" => {
                    let ([name, value], empty) = p.attributes(["name", "value"])?;
                    let Some(Open::Char(parent)) = stack.last_mut() else {
                        return None;
                    };
                    parent
                        .children
                        .push(Node::Parm(Parm { name: name?, value }));
                    stack.push(Open::Parm);
                    empty
                }
                _ => return None,
            };
            if empty {
                close(&mut stack, &mut doc);
            }
        }
    }
}

/// An open element.
enum Open {
    Root,
    Char(Characteristic),
    Parm,
}

struct Parser<'a> {
    /// The whole input (for pointer offsets).
    text: &'a str,
    /// The input after any BOM.
    body: &'a str,
    /// Offset of `body` in `text`.
    base: usize,
    limits: &'a XmlLimits,
    reader: Reader<&'a [u8]>,
}

impl<'a> Parser<'a> {
    fn run(mut self) -> Result<Document, Fail> {
        let cfg = self.reader.config_mut();
        cfg.trim_text(false);
        cfg.expand_empty_elements = false;
        cfg.check_end_names = true;
        cfg.check_comments = true;

        let mut doc: Option<Document> = None;
        let mut stack: Vec<Open> = Vec::new();
        let mut seen_doctype = false;
        let mut first = true;
        let mut elements = 0usize;
        loop {
            let start = self.base + self.reader.buffer_position() as usize;
            let ev = match self.reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    return Err((
                        self.base + self.reader.error_position() as usize,
                        syntax(&e),
                    ));
                }
            };
            let was_first = std::mem::replace(&mut first, false);
            match ev {
                Event::Decl(d) => {
                    if !was_first || start != self.base {
                        return Err((start, XmlErrorKind::MisplacedDeclaration));
                    }
                    check_decl(&d).map_err(|k| (start, k))?;
                }
                Event::DocType(t) => {
                    if seen_doctype || doc.is_some() || !stack.is_empty() {
                        return Err((start, XmlErrorKind::MisplacedDoctype));
                    }
                    seen_doctype = true;
                    check_doctype(&t).map_err(|k| (start, k))?;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) => self.whitespace_only(&t, start)?,
                Event::CData(t) => {
                    if !t.bytes().all(is_xml_space) {
                        return Err((start, XmlErrorKind::TextContent));
                    }
                }
                Event::GeneralRef(r) => {
                    let name: &str = &r;
                    let kind = if name.starts_with('#') || predefined(name).is_some() {
                        XmlErrorKind::TextContent
                    } else {
                        XmlErrorKind::EntityReference(Some(clip(name)))
                    };
                    return Err((start, kind));
                }
                Event::Start(e) => {
                    elements += 1;
                    self.element(&e, start, &mut stack, &mut doc, elements)?;
                }
                Event::Empty(e) => {
                    elements += 1;
                    self.element(&e, start, &mut stack, &mut doc, elements)?;
                    close(&mut stack, &mut doc);
                }
                Event::End(_) => close(&mut stack, &mut doc),
                Event::Eof => {
                    return match (stack.last(), doc) {
                        (Some(open), _) => Err((
                            self.base + self.body.len(),
                            XmlErrorKind::Unclosed(open_name(open).into()),
                        )),
                        (None, None) => Err((self.base + self.body.len(), XmlErrorKind::NoRoot)),
                        (None, Some(d)) => Ok(d),
                    };
                }
            }
        }
    }

    fn whitespace_only(&self, t: &str, start: usize) -> Result<(), Fail> {
        match t.bytes().position(|b| !is_xml_space(b)) {
            None => Ok(()),
            Some(i) => Err((start + i, XmlErrorKind::TextContent)),
        }
    }

    /// Handles a start (or empty) tag: checks the name, its place and its attributes,
    /// and opens it.
    fn element(
        &self,
        e: &BytesStart<'_>,
        start: usize,
        stack: &mut Vec<Open>,
        doc: &mut Option<Document>,
        elements: usize,
    ) -> Result<(), Fail> {
        if elements > self.limits.max_elements {
            return Err((
                start,
                XmlErrorKind::TooManyElements {
                    limit: self.limits.max_elements,
                },
            ));
        }
        if stack.len() >= self.limits.max_depth {
            return Err((
                start,
                XmlErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
            ));
        }
        let qname = e.name();
        let name: &str = qname.as_ref();
        let misplaced = || (start, XmlErrorKind::MisplacedElement(clip(name)));
        match name {
            ROOT => {
                if !stack.is_empty() {
                    return Err(misplaced());
                }
                if doc.is_some() {
                    return Err((start, XmlErrorKind::ContentAfterRoot));
                }
                let [version] = self.attributes(e, start, "wap-provisioningdoc", ["version"])?;
                *doc = Some(Document {
                    version,
                    characteristics: Vec::new(),
                });
                stack.push(Open::Root);
            }
            "characteristic" => {
                if !matches!(stack.last(), Some(Open::Root | Open::Char(_))) {
                    return Err(misplaced());
                }
                let [kind] = self.attributes(e, start, "characteristic", ["type"])?;
                let kind = kind.ok_or((
                    start,
                    XmlErrorKind::MissingAttribute {
                        element: "characteristic",
                        attribute: "type",
                    },
                ))?;
                stack.push(Open::Char(Characteristic::new(kind)));
            }
            "parm" => {
                let Some(Open::Char(parent)) = stack.last_mut() else {
                    return Err(misplaced());
                };
                let [pname, value] = self.attributes(e, start, "parm", ["name", "value"])?;
                let pname = pname.ok_or((
                    start,
                    XmlErrorKind::MissingAttribute {
                        element: "parm",
                        attribute: "name",
                    },
                ))?;
                parent
                    .children
                    .push(Node::Parm(Parm { name: pname, value }));
                stack.push(Open::Parm);
            }
            _ => {
                if doc.is_some() && stack.is_empty() {
                    return Err((start, XmlErrorKind::ContentAfterRoot));
                }
                return Err((start, XmlErrorKind::UnknownElement(clip(name))));
            }
        }
        Ok(())
    }

    /// Reads the attributes of `e`: each of `allowed` at most once (quick-xml refuses
    /// duplicates), anything else an error; values unescaped.
    fn attributes<const N: usize>(
        &self,
        e: &BytesStart<'_>,
        start: usize,
        element: &'static str,
        allowed: [&'static str; N],
    ) -> Result<[Option<String>; N], Fail> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for a in e.attributes() {
            let a = a.map_err(|err| (start, XmlErrorKind::Syntax(err.to_string())))?;
            let key: &str = a.key.as_ref();
            let Some(i) = allowed.iter().position(|k| *k == key) else {
                return Err((
                    start,
                    XmlErrorKind::UnknownAttribute {
                        element,
                        attribute: clip(key),
                    },
                ));
            };
            let at = self.offset_of(&a.value).unwrap_or(start);
            // A `value` may be a secret: its errors give the position, not the text.
            let reveal = key != "value";
            out[i] = Some(unescape_attr(&a.value, reveal).map_err(|(rel, kind)| (at + rel, kind))?);
        }
        Ok(out)
    }

    /// Byte offset of a slice of the input, when the tokenizer lent one.
    fn offset_of(&self, s: &str) -> Option<usize> {
        let off = (s.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        (off <= self.text.len()).then_some(off)
    }
}

fn open_name(o: &Open) -> &'static str {
    match o {
        Open::Root => ROOT,
        Open::Char(_) => "characteristic",
        Open::Parm => "parm",
    }
}

/// Closes the innermost element, attaching a finished characteristic to its parent.
/// (quick-xml has already checked that the end tag matches.)
fn close(stack: &mut Vec<Open>, doc: &mut Option<Document>) {
    if let Some(Open::Char(c)) = stack.pop() {
        match stack.last_mut() {
            Some(Open::Char(parent)) => parent.children.push(Node::Characteristic(c)),
            _ => {
                if let Some(d) = doc.as_mut() {
                    d.characteristics.push(c);
                }
            }
        }
    }
}

fn syntax(e: &quick_xml::Error) -> XmlErrorKind {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            XmlErrorKind::EntityReference(Some(clip(name)))
        }
        other => XmlErrorKind::Syntax(other.to_string()),
    }
}

fn check_decl(d: &quick_xml::events::BytesDecl<'_>) -> Result<(), XmlErrorKind> {
    let version = d
        .version()
        .map_err(|e| XmlErrorKind::BadDeclaration(e.to_string()))?;
    if !matches!(version.as_ref(), "1.0" | "1.1") {
        return Err(XmlErrorKind::BadDeclaration(format!(
            "version {:?}",
            clip(&version)
        )));
    }
    if let Some(enc) = d.encoding() {
        let enc = enc.map_err(|e| XmlErrorKind::BadDeclaration(e.to_string()))?;
        let e = enc.to_ascii_uppercase();
        // ASCII is a subset of UTF-8, so a document declaring it reads the same.
        if !matches!(e.as_str(), "UTF-8" | "UTF8" | "US-ASCII" | "ASCII") {
            return Err(XmlErrorKind::UnsupportedEncoding(clip(&e)));
        }
    }
    Ok(())
}

/// Checks `<!DOCTYPE …>` (the text after the keyword): `wap-provisioningdoc`, optionally
/// `PUBLIC "PROV 1.0 id" ["system"]` or `SYSTEM "system"`, no internal subset.
fn check_doctype(t: &str) -> Result<(), XmlErrorKind> {
    if t.contains('[') {
        return Err(XmlErrorKind::InternalSubset);
    }
    let t = t.trim_matches(|c: char| c.is_ascii_whitespace());
    let (name, rest) = t
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((t, ""));
    if name != ROOT {
        return Err(XmlErrorKind::ForeignDoctype(clip(name)));
    }
    let rest = rest.trim_start();
    let bad = || XmlErrorKind::Syntax("malformed DOCTYPE".into());
    let (keyword, rest) = rest
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((rest, ""));
    let rest = match keyword {
        "" => rest,
        "PUBLIC" => {
            let (public, rest) = quoted(rest).ok_or_else(bad)?;
            if public != PUBLIC_ID {
                return Err(XmlErrorKind::WrongPublicId(clip(public)));
            }
            // The system literal is optional here (SGML-style); it is never fetched.
            match quoted(rest) {
                Some((_, rest)) => rest,
                None => rest,
            }
        }
        "SYSTEM" => quoted(rest).ok_or_else(bad)?.1,
        _ => return Err(bad()),
    };
    if rest.trim().is_empty() {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Splits a leading quoted literal (after whitespace) from the rest.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &s[1..];
    let end = body.find(q)?;
    Some((&body[..end], &body[end + 1..]))
}

pub(crate) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Keeps names in error messages short.
fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Unescapes and normalises a raw attribute value (XML 1.0 §3.3.3): references are
/// replaced, literal tab/CR/LF (and CR LF) become one space each. Errors carry the byte
/// offset within `raw`.
pub(crate) fn unescape_attr(raw: &str, reveal: bool) -> Result<String, Fail> {
    // Common case: nothing to replace, normalise or refuse, so one copy suffices. (A
    // fold without early exit, so the compiler checks many bytes per instruction.)
    if !raw.bytes().fold(false, |care, b| care | attr_needs_care(b)) {
        return Ok(raw.to_owned());
    }
    let shown = |name: &str| reveal.then(|| clip(name));
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.char_indices().peekable();
    while let Some((i, ch)) = it.next() {
        match ch {
            '&' => {
                let rest = &raw[i + 1..];
                let end = rest
                    .find(';')
                    .filter(|e| *e <= 32)
                    .ok_or((i, XmlErrorKind::Syntax("unterminated reference".into())))?;
                let name = &rest[..end];
                let c = match name.strip_prefix('#') {
                    Some(num) => char_ref(num)
                        .ok_or_else(|| (i, XmlErrorKind::InvalidCharRef(shown(name))))?,
                    None => predefined(name)
                        .ok_or_else(|| (i, XmlErrorKind::EntityReference(shown(name))))?,
                };
                out.push(c);
                // Skip the reference up to and including ';' (byte offset i + 1 + end).
                while it.next_if(|(j, _)| *j <= i + 1 + end).is_some() {}
            }
            '<' => return Err((i, XmlErrorKind::Syntax("'<' in an attribute value".into()))),
            '\r' => {
                if it.peek().is_some_and(|(_, n)| *n == '\n') {
                    it.next();
                }
                out.push(' ');
            }
            '\t' | '\n' => out.push(' '),
            c if is_forbidden_literal(c) => {
                return Err((i, XmlErrorKind::InvalidChar(u32::from(c))));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Bytes after which [`unescape_attr`] must look closer: references, `<`, controls
/// (tab/CR/LF are normalised, the rest refused) and 0xEF, which leads U+FFFE/U+FFFF.
pub(crate) const fn attr_needs_care(b: u8) -> bool {
    b < 0x20 || b == b'&' || b == b'<' || b == 0xEF
}

/// Characters XML 1.0 does not allow literally (C0 controls but tab/LF/CR, U+FFFE/F).
fn is_forbidden_literal(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Decodes the digits of `&#…;` / `&#x…;`: any scalar value but NUL.
fn char_ref(num: &str) -> Option<char> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(h) => (h, 16),
        None => (num, 10),
    };
    if digits.is_empty() || digits.len() > 8 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(v).filter(|c| *c != '\0')
}

fn error_at(input: &[u8], offset: usize, kind: XmlErrorKind) -> XmlError {
    let offset = offset.min(input.len());
    let start = if input.starts_with(b"\xEF\xBB\xBF") {
        3.min(offset)
    } else {
        0
    };
    let before = &input[start..offset];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = 1 + before[line_start..]
        .iter()
        .filter(|b| (**b & 0xC0) != 0x80)
        .count();
    XmlError {
        offset,
        line,
        column,
        kind,
    }
}

// ---------------------------------------------------------------------------------------
// Output.

/// Writes the canonical XML form (see the module documentation).
pub fn to_string(doc: &Document) -> String {
    let mut out = String::with_capacity(64 + doc.element_count() * 48);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!DOCTYPE wap-provisioningdoc PUBLIC \"");
    out.push_str(PUBLIC_ID);
    out.push_str("\" \"");
    out.push_str(SYSTEM_ID);
    out.push_str("\">\n<");
    out.push_str(ROOT);
    if let Some(v) = &doc.version {
        attr(&mut out, "version", v);
    }
    if doc.characteristics.is_empty() {
        out.push_str("/>\n");
        return out;
    }
    out.push_str(">\n");
    for c in &doc.characteristics {
        write_char(&mut out, c, 1);
    }
    out.push_str("</");
    out.push_str(ROOT);
    out.push_str(">\n");
    out
}

fn write_char(out: &mut String, c: &Characteristic, depth: usize) {
    indent(out, depth);
    out.push_str("<characteristic");
    attr(out, "type", &c.kind);
    if c.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for n in &c.children {
        match n {
            Node::Parm(p) => {
                indent(out, depth + 1);
                out.push_str("<parm");
                attr(out, "name", &p.name);
                if let Some(v) = &p.value {
                    attr(out, "value", v);
                }
                out.push_str("/>\n");
            }
            Node::Characteristic(k) => write_char(out, k, depth + 1),
        }
    }
    indent(out, depth);
    out.push_str("</characteristic>\n");
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

/// Appends `value` escaped for a double-quoted attribute, so that parsing returns
/// exactly `value` (the escaping [`to_string`] uses).
pub fn escape_into(out: &mut String, value: &str) {
    // Common case: nothing to escape (0xEF leads U+FFFE/U+FFFF, escaped below). A fold
    // without early exit, so the compiler checks many bytes per instruction.
    if !value.bytes().fold(false, |esc, b| {
        esc | (b < 0x20) | matches!(b, b'&' | b'<' | b'>' | b'"' | 0xEF)
    }) {
        out.push_str(value);
        return;
    }
    // Runs of characters written as they are are copied whole; only the bytes above are
    // looked at (each is an ASCII character or, 0xEF, a lead byte: a char boundary).
    let bytes = value.as_bytes();
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let (text, width): (&str, usize) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            // Tab/CR/LF would be normalised to spaces; other controls are not allowed raw.
            b'\t' => ("&#9;", 1),
            b'\n' => ("&#10;", 1),
            b'\r' => ("&#13;", 1),
            0..=0x1F => ("", 1),
            0xEF if bytes[i + 1..].starts_with(&[0xBF, 0xBE]) => ("&#xFFFE;", 3),
            0xEF if bytes[i + 1..].starts_with(&[0xBF, 0xBF]) => ("&#xFFFF;", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&value[run..i]);
        if text.is_empty() {
            // The other C0 controls, forbidden literally: `&#x1F;`.
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push_str("&#x");
            if b >= 0x10 {
                out.push(char::from(HEX[usize::from(b >> 4)]));
            }
            out.push(char::from(HEX[usize::from(b & 0xF)]));
            out.push(';');
        } else {
            out.push_str(text);
        }
        i += width;
        run = i;
    }
    out.push_str(&value[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping rules character by character, as `escape_into` applied them before
    /// it copied runs: the reference it must agree with.
    fn escape_by_char(value: &str) -> String {
        let mut out = String::new();
        for c in value.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", u32::from(c))),
                c if is_forbidden_literal(c) => {
                    out.push_str(&format!("&#x{:X};", u32::from(c)));
                }
                c => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn escape_into_agrees_with_the_rules_on_any_string(v in "\\PC*|[\\x00-\\x1F&<>\"a\u{FFFE}\u{FFFF}\u{FEFF}é]*") {
            let mut got = String::new();
            escape_into(&mut got, &v);
            proptest::prop_assert_eq!(got, escape_by_char(&v));
        }
    }

    #[test]
    fn escape_into_agrees_with_the_rules_per_character() {
        // Every ASCII character and the characters near the 0xEF lead byte's specials,
        // alone, between others, and at either end.
        let mut chars: Vec<char> = (0..0x80u8).map(char::from).collect();
        chars.extend([
            '\u{EFFF}',
            '\u{F000}',
            '\u{FEFF}',
            '\u{FFBF}',
            '\u{FFFD}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{10000}',
            'é',
            '中',
        ]);
        for &c in &chars {
            for &d in &chars {
                for v in [
                    format!("{c}"),
                    format!("a{c}{d}b"),
                    format!("{c}{d}"),
                    format!("{d}xy{c}"),
                ] {
                    let mut got = String::from("<");
                    escape_into(&mut got, &v);
                    assert_eq!(got[1..], escape_by_char(&v), "{v:?}");
                }
            }
        }
    }

    /// The fast path either declines or agrees with the full parser, on the corpus and
    /// on every one-byte deletion, and many one-byte insertions, of a small document.
    #[test]
    fn fast_path_agrees_with_full_parser() {
        fn check(text: &str) {
            if let Some(d) = fast::parse(text, &XmlLimits::DEFAULT) {
                let full = parse_full(text, text, 0, &XmlLimits::DEFAULT);
                assert_eq!(full.as_ref(), Ok(&d), "{text}");
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus");
        let mut taken = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    fast::parse(&text, &XmlLimits::DEFAULT).is_some(),
                    "{path:?}"
                );
                check(&text);
                taken += 1;
            }
        }
        assert!(taken >= 25);
        let small = "<?xml version=\"1.0\"?>\n<wap-provisioningdoc version=\"1.0\">\n <characteristic type=\"A\">\n  <parm name=\"N\" value=\"a&amp;b c\"/>\n  <parm name=\"F\"></parm>\n  <characteristic type=\"B\"/>\n </characteristic>\n</wap-provisioningdoc>\n";
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
                check(std::str::from_utf8(&v).unwrap());
            }
        }
    }

    const SPEC_EXAMPLE_HEAD: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n";

    fn kind(text: &str) -> XmlErrorKind {
        parse(text).expect_err("should fail").kind
    }

    #[test]
    fn minimal_documents() {
        let d = parse("<wap-provisioningdoc/>").unwrap();
        assert_eq!(d, Document::default());
        let d = parse(&format!("{SPEC_EXAMPLE_HEAD}<wap-provisioningdoc version=\"1.0\"><characteristic type=\"ACCESS\"></characteristic></wap-provisioningdoc>")).unwrap();
        assert_eq!(
            d,
            Document::new(Some("1.0")).with(Characteristic::new("ACCESS"))
        );
    }

    #[test]
    fn value_absent_is_not_value_empty() {
        let d = parse(r#"<wap-provisioningdoc><characteristic type="NAPDEF"><parm name="INTERNET"/><parm name="NAME" value=""/></characteristic></wap-provisioningdoc>"#).unwrap();
        let c = &d.characteristics[0];
        assert_eq!(
            c.children,
            vec![
                Node::Parm(Parm::flag("INTERNET")),
                Node::Parm(Parm::new("NAME", ""))
            ]
        );
    }

    #[test]
    fn references_and_normalisation() {
        let d = parse("<wap-provisioningdoc><characteristic type=\"X\"><parm name=\"N\" value=\"a&amp;b&lt;&gt;&quot;&apos;&#65;&#x263A;\tz\r\nq&#10;\"/></characteristic></wap-provisioningdoc>").unwrap();
        assert_eq!(d.characteristics[0].value("N"), Some("a&b<>\"'A☺ z q\n"));
    }

    #[test]
    fn xxe_is_refused() {
        let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE wap-provisioningdoc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<wap-provisioningdoc><characteristic type="NAPDEF"><parm name="NAME" value="&xxe;"/></characteristic></wap-provisioningdoc>"#;
        let e = parse(xxe).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::InternalSubset);
        assert_eq!((e.line, e.column), (2, 1));
        // Without the declaration the reference itself is refused.
        let e = parse(r#"<wap-provisioningdoc><characteristic type="NAPDEF"><parm name="NAME" value="x&xxe;"/></characteristic></wap-provisioningdoc>"#).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::EntityReference(None));
        assert_eq!(e.offset, 77);
        // An external DTD by system id is accepted but never fetched; its entities stay refused.
        let ext = r#"<!DOCTYPE wap-provisioningdoc SYSTEM "http://evil.example/x.dtd"><wap-provisioningdoc><characteristic type="A"><parm name="N" value="&ent;"/></characteristic></wap-provisioningdoc>"#;
        assert_eq!(kind(ext), XmlErrorKind::EntityReference(None));
        // Outside values the name is shown.
        let named = r#"<wap-provisioningdoc><characteristic type="&ent;"/></wap-provisioningdoc>"#;
        assert_eq!(
            kind(named),
            XmlErrorKind::EntityReference(Some("ent".into()))
        );
        let pe = "<!DOCTYPE wap-provisioningdoc [<!ENTITY % p SYSTEM \"http://evil.example/p\"> %p;]><wap-provisioningdoc/>";
        assert_eq!(kind(pe), XmlErrorKind::InternalSubset);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut dtd = String::from("<!DOCTYPE wap-provisioningdoc [\n<!ENTITY lol \"lol\">\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        dtd.push_str("]>\n");
        let doc = format!(
            "{dtd}<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"N\" value=\"&lol9;\"/></characteristic></wap-provisioningdoc>"
        );
        assert_eq!(kind(&doc), XmlErrorKind::InternalSubset);
        // In text content, too (where quick-xml reports a general reference).
        assert_eq!(
            kind("<wap-provisioningdoc>&lol9;</wap-provisioningdoc>"),
            XmlErrorKind::EntityReference(Some("lol9".into()))
        );
    }

    #[test]
    fn doctype_rules() {
        assert_eq!(
            kind("<!DOCTYPE html><wap-provisioningdoc/>"),
            XmlErrorKind::ForeignDoctype("html".into())
        );
        assert_eq!(
            kind(
                "<!DOCTYPE wap-provisioningdoc PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" \"x\"><wap-provisioningdoc/>"
            ),
            XmlErrorKind::WrongPublicId("-//W3C//DTD XHTML 1.0//EN".into())
        );
        assert!(parse("<!DOCTYPE wap-provisioningdoc><wap-provisioningdoc/>").is_ok());
        assert!(parse("<!DOCTYPE wap-provisioningdoc PUBLIC '-//WAPFORUM//DTD PROV 1.0//EN'><wap-provisioningdoc/>").is_ok());
        assert_eq!(
            kind("<wap-provisioningdoc/><!DOCTYPE wap-provisioningdoc>"),
            XmlErrorKind::MisplacedDoctype
        );
    }

    #[test]
    fn structure_errors_have_positions() {
        let e = parse("<wap-provisioningdoc>\n  <characteristic type=\"A\">\n    <foo/>\n")
            .unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::UnknownElement("foo".into()));
        assert_eq!((e.line, e.column, e.offset), (3, 5, 54));
        assert_eq!(
            kind("<wap-provisioningdoc><characteristic/></wap-provisioningdoc>"),
            XmlErrorKind::MissingAttribute {
                element: "characteristic",
                attribute: "type"
            }
        );
        assert_eq!(
            kind(
                "<wap-provisioningdoc><characteristic type=\"A\"><parm value=\"1\"/></characteristic></wap-provisioningdoc>"
            ),
            XmlErrorKind::MissingAttribute {
                element: "parm",
                attribute: "name"
            }
        );
        assert_eq!(
            kind(
                "<wap-provisioningdoc><characteristic type=\"A\" mwid=\"1\"/></wap-provisioningdoc>"
            ),
            XmlErrorKind::UnknownAttribute {
                element: "characteristic",
                attribute: "mwid".into()
            }
        );
        assert_eq!(
            kind("<wap-provisioningdoc xmlns=\"x\"/>"),
            XmlErrorKind::UnknownAttribute {
                element: "wap-provisioningdoc",
                attribute: "xmlns".into()
            }
        );
        assert_eq!(
            kind("<wap-provisioningdoc><parm name=\"A\"/></wap-provisioningdoc>"),
            XmlErrorKind::MisplacedElement("parm".into())
        );
        assert_eq!(
            kind(
                "<wap-provisioningdoc><characteristic type=\"A\"><parm name=\"A\"><parm name=\"B\"/></parm></characteristic></wap-provisioningdoc>"
            ),
            XmlErrorKind::MisplacedElement("parm".into())
        );
        assert_eq!(
            kind("<characteristic type=\"A\"/>"),
            XmlErrorKind::MisplacedElement("characteristic".into())
        );
        assert_eq!(
            kind("<wap-provisioningdoc>hello</wap-provisioningdoc>"),
            XmlErrorKind::TextContent
        );
        assert_eq!(
            kind("<wap-provisioningdoc>&amp;</wap-provisioningdoc>"),
            XmlErrorKind::TextContent
        );
        assert_eq!(
            kind("<wap-provisioningdoc/><wap-provisioningdoc/>"),
            XmlErrorKind::ContentAfterRoot
        );
        assert_eq!(
            kind("<wap-provisioningdoc>"),
            XmlErrorKind::Unclosed(ROOT.into())
        );
        assert_eq!(kind(""), XmlErrorKind::NoRoot);
        assert_eq!(kind("<!-- only a comment -->"), XmlErrorKind::NoRoot);
        assert!(matches!(
            kind("<wap-provisioningdoc></characteristic>"),
            XmlErrorKind::Syntax(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"1\" version=\"2\"/>"),
            XmlErrorKind::Syntax(_)
        ));
        assert_eq!(
            kind(" <?xml version=\"1.0\"?><wap-provisioningdoc/>"),
            XmlErrorKind::MisplacedDeclaration
        );
    }

    #[test]
    fn comments_pis_and_whitespace_are_ignored() {
        let d = parse("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c --><?pi x?>\n<wap-provisioningdoc>\n <!-- c -->\n <characteristic type=\"A\"> <parm name=\"B\"> </parm> </characteristic>\n</wap-provisioningdoc>\n<!-- trailing -->\n").unwrap();
        assert_eq!(
            d.characteristics,
            vec![Characteristic::new("A").with_flag("B")]
        );
    }

    #[test]
    fn errors_in_values_do_not_echo_them() {
        let e = parse(r#"<wap-provisioningdoc><characteristic type="NAPAUTHINFO"><parm name="AUTHSECRET" value="pa&ssw0rd;x"/><parm name="AUTHNAME" value="&#xZZ;"/></characteristic></wap-provisioningdoc>"#).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::EntityReference(None));
        assert!(!e.to_string().contains("ssw0rd"), "{e}");
        let e = parse(r#"<wap-provisioningdoc><characteristic type="X"><parm name="N" value="&#xFFFFFFF;"/></characteristic></wap-provisioningdoc>"#).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::InvalidCharRef(None));
    }

    #[test]
    fn stylesheet_pi_is_not_a_declaration() {
        let d = parse("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a\"?><wap-provisioningdoc/>")
            .unwrap();
        assert_eq!(d, Document::default());
        assert!(parse("<wap-provisioningdoc/><?xml-stylesheet href=\"a\"?>").is_ok());
    }

    #[test]
    fn encodings() {
        assert_eq!(
            kind("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><wap-provisioningdoc/>"),
            XmlErrorKind::UnsupportedEncoding("ISO-8859-1".into())
        );
        assert!(parse_bytes(b"\xEF\xBB\xBF<wap-provisioningdoc/>").is_ok());
        assert!(parse("\u{FEFF}<wap-provisioningdoc/>").is_ok());
        assert_eq!(
            parse_bytes(b"\xFF\xFE<\x00").unwrap_err().kind,
            XmlErrorKind::UnsupportedEncoding("UTF-16".into())
        );
        let e = parse_bytes(b"<wap-provisioningdoc version=\"\xC3\x28\"/>").unwrap_err();
        assert_eq!((e.kind, e.offset), (XmlErrorKind::InvalidUtf8, 30));
        let e = parse_bytes(b"\xEF\xBB\xBF<wap-provisioningdoc>\n<x/>").unwrap_err();
        assert_eq!((e.offset, e.line, e.column), (25, 2, 1));
    }

    #[test]
    fn character_references() {
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&#0;\"/>"),
            XmlErrorKind::InvalidCharRef(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&#xD800;\"/>"),
            XmlErrorKind::InvalidCharRef(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&#x110000;\"/>"),
            XmlErrorKind::InvalidCharRef(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&#-1;\"/>"),
            XmlErrorKind::InvalidCharRef(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&#x;\"/>"),
            XmlErrorKind::InvalidCharRef(_)
        ));
        assert!(matches!(
            kind("<wap-provisioningdoc version=\"&amp\"/>"),
            XmlErrorKind::Syntax(_)
        ));
        assert_eq!(
            kind("<wap-provisioningdoc version=\"a\u{1}\"/>"),
            XmlErrorKind::InvalidChar(1)
        );
        assert_eq!(
            parse("<wap-provisioningdoc version=\"&#x1;\"/>")
                .unwrap()
                .version
                .as_deref(),
            Some("\u{1}")
        );
    }

    #[test]
    fn limits() {
        let small = XmlLimits {
            max_bytes: 1000,
            max_depth: 3,
            max_elements: 4,
        };
        let deep = "<wap-provisioningdoc><characteristic type=\"A\"><characteristic type=\"B\"><characteristic type=\"C\"/></characteristic></characteristic></wap-provisioningdoc>";
        assert_eq!(
            parse_with_limits(deep, &small).unwrap_err().kind,
            XmlErrorKind::TooDeep { limit: 3 }
        );
        let many = format!(
            "<wap-provisioningdoc>{}</wap-provisioningdoc>",
            "<characteristic type=\"A\"/>".repeat(4)
        );
        assert_eq!(
            parse_with_limits(&many, &small).unwrap_err().kind,
            XmlErrorKind::TooManyElements { limit: 4 }
        );
        let big = " ".repeat(1001);
        assert!(matches!(
            parse_with_limits(&big, &small).unwrap_err().kind,
            XmlErrorKind::TooLarge { .. }
        ));
        // Unbounded nesting is refused long before the stack could matter.
        let nest = format!(
            "<wap-provisioningdoc>{}",
            "<characteristic type=\"A\">".repeat(100_000)
        );
        assert_eq!(kind(&nest), XmlErrorKind::TooDeep { limit: 32 });
    }

    #[test]
    fn canonical_output() {
        let d = Document::new(Some("1.0"))
            .with(
                Characteristic::new("NAPDEF")
                    .with_parm("NAME", "a&b<c>\"d'\t\r\n\u{1}é")
                    .with_flag("INTERNET")
                    .with_child(Characteristic::new("VALIDITY")),
            )
            .with(Characteristic::new("ACCESS"));
        let s = to_string(&d);
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"http://www.wapforum.org/DTD/prov.dtd\">\n\
<wap-provisioningdoc version=\"1.0\">\n\
\x20\x20<characteristic type=\"NAPDEF\">\n\
\x20\x20\x20\x20<parm name=\"NAME\" value=\"a&amp;b&lt;c&gt;&quot;d'&#9;&#13;&#10;&#x1;é\"/>\n\
\x20\x20\x20\x20<parm name=\"INTERNET\"/>\n\
\x20\x20\x20\x20<characteristic type=\"VALIDITY\"/>\n\
\x20\x20</characteristic>\n\
\x20\x20<characteristic type=\"ACCESS\"/>\n\
</wap-provisioningdoc>\n"
        );
        assert_eq!(parse(&s).unwrap(), d);
        assert_eq!(
            to_string(&Document::default()).lines().last(),
            Some("<wap-provisioningdoc/>")
        );
        assert_eq!(
            parse(&to_string(&Document::default())).unwrap(),
            Document::default()
        );
    }
}
