//! WBXML → [`Document`] for PROV 1.0 (wbxml.md §2.5, content.md §2).
//!
//! Strict by default: an unknown token, text in element content, an extension, a
//! processing instruction, an attribute PROV does not define, a missing `type`/`name`
//! or an element in the wrong place is an error at its byte offset.
//!
//! With [`DecodeOptions::lenient`] those faults become [`DecodeDiagnostic`]s (with the
//! offset) and the smallest enclosing unit that the fault makes untrustworthy is dropped
//! whole, never kept half-filled: a fault in a parm drops the parm; a fault in a
//! characteristic's own attribute list drops the characteristic with its subtree; an
//! unknown or misplaced element is dropped with its subtree; a fault in the root's
//! attribute list drops that attribute; text between elements and processing
//! instructions are skipped. Structural damage (truncation, a bad mb_u_int32, a string
//! table reference out of range, a limit, Kannel's colliding tokens, a wrong root or
//! public id) is an error in both modes, because nothing after it can be trusted.
//!
//! Whitespace-only text between elements is ignored in both modes (it is insignificant
//! in PROV's element-only content). Kannel's CP 1.2 WLAN tokens are accepted
//! (tokens.rs, [`Source::KannelCr`](crate::tokens::Source)).

use omacp_doc::{Characteristic, Document, Node, Parm};

use crate::error::{ErrorKind, WbxmlError, quoted_name};
use crate::header::{Charset, Header, PUBLIC_ID_UNKNOWN, PublicId};
use crate::limits::Limits;
use crate::parser::{Event, Name, Parser, Piece, Vocabulary};
use crate::tokens::{self, Attr, Kind};

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Turn recoverable faults into diagnostics and drop what they affect (module doc).
    pub lenient: bool,
    /// Resource limits.
    pub limits: Limits,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            lenient: false,
            limits: Limits::HANDSET,
        }
    }
}

/// A decoded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The document tree.
    pub document: Document,
    /// The WBXML header as sent.
    pub header: Header,
    /// What a lenient decode skipped (always empty in strict mode).
    pub diagnostics: Vec<DecodeDiagnostic>,
}

/// What a lenient decode dropped because of a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The enclosing parm.
    Parm,
    /// The enclosing characteristic, with its subtree.
    Characteristic,
    /// An unknown or misplaced element, with its subtree.
    Element,
    /// One attribute of the root element.
    Attribute,
    /// Text or a processing instruction between elements.
    Skipped,
}

/// A fault a lenient decode recovered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeDiagnostic {
    /// Byte offset of the fault.
    pub offset: usize,
    /// The fault (the error a strict decode would have returned).
    pub kind: ErrorKind,
    /// What was dropped because of it.
    pub dropped: Dropped,
}

impl core::fmt::Display for DecodeDiagnostic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let what = match self.dropped {
            Dropped::Parm => "parm dropped",
            Dropped::Characteristic => "characteristic dropped",
            Dropped::Element => "element dropped",
            Dropped::Attribute => "attribute dropped",
            Dropped::Skipped => "skipped",
        };
        write!(f, "byte {:#x}: {} ({what})", self.offset, self.kind)
    }
}

/// The PROV code pages as a [`Vocabulary`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Prov;

impl Vocabulary for Prov {
    #[inline]
    fn tag(&self, page: u8, id: u8) -> Option<&'static str> {
        tokens::tag_token(page, id).map(|t| t.text)
    }
    #[inline]
    fn attr_start(&self, page: u8, token: u8) -> Option<(&'static str, &'static str)> {
        match tokens::attr_token(page, token) {
            Some(t) => match t.kind {
                Kind::AttrStart(a) => Some((a.as_str(), t.text)),
                _ => None,
            },
            None => None,
        }
    }
    #[inline]
    fn attr_value(&self, page: u8, token: u8) -> Option<&'static str> {
        tokens::attr_token(page, token)
            .filter(|t| t.kind == Kind::AttrValue)
            .map(|t| t.text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Root,
    Characteristic,
    Parm,
}

impl El {
    fn name(self) -> &'static str {
        match self {
            El::Root => "wap-provisioningdoc",
            El::Characteristic => "characteristic",
            El::Parm => "parm",
        }
    }
}

#[derive(Debug)]
enum Body {
    Root,
    Char(Characteristic),
    Parm(Parm),
    /// Dropped, or inside something dropped: consume events until its End.
    Skip,
}

#[derive(Debug)]
struct Frame {
    body: Body,
    /// Attributes seen, as a bit set of `Attr as u8`.
    seen: u8,
}

/// An attribute value being collected: most values are one piece (a prefix, a token
/// or one string), borrowed until the value is complete, then copied once.
#[derive(Debug)]
enum Acc<'a> {
    /// Token text only: valid UTF-8 already.
    Static(&'static str),
    One(&'a [u8]),
    Many(Vec<u8>),
}

impl<'a> Acc<'a> {
    #[inline]
    fn push_static(&mut self, t: &'static str) {
        match self {
            Acc::Static("") => *self = Acc::Static(t),
            _ => self.push(t.as_bytes()),
        }
    }

    #[inline]
    fn push(&mut self, bytes: &'a [u8]) {
        match self {
            Acc::Static(first) => {
                let first: &'a [u8] = first.as_bytes();
                *self = Acc::One(first);
                self.push(bytes);
            }
            Acc::One([]) => *self = Acc::One(bytes),
            Acc::One(first) => {
                let mut v = Vec::with_capacity(first.len() + bytes.len() + 16);
                v.extend_from_slice(first);
                v.extend_from_slice(bytes);
                *self = Acc::Many(v);
            }
            Acc::Many(v) => v.extend_from_slice(bytes),
        }
    }

    fn vec(&mut self) -> &mut Vec<u8> {
        match *self {
            Acc::Static(first) => *self = Acc::Many(first.as_bytes().to_vec()),
            Acc::One(first) => *self = Acc::Many(first.to_vec()),
            Acc::Many(_) => {}
        }
        match self {
            Acc::Many(v) => v,
            _ => unreachable!("just converted"),
        }
    }

    fn into_string(self) -> Option<String> {
        match self {
            Acc::Static(t) => Some(String::from(t)),
            Acc::One(b) => std::str::from_utf8(b).ok().map(String::from),
            Acc::Many(v) => String::from_utf8(v).ok(),
        }
    }
}

/// The attribute whose value is being collected.
#[derive(Debug)]
struct OpenAttr<'a> {
    attr: Attr,
    at: usize,
    acc: Acc<'a>,
}

struct Builder<'a> {
    lenient: bool,
    charset: Charset,
    diagnostics: Vec<DecodeDiagnostic>,
    stack: Vec<Frame>,
    attr: Option<OpenAttr<'a>>,
    doc: Document,
    done: bool,
}

/// Which PROV element a name is. Tag tokens have the same ids on both pages.
fn el_of(name: Name<'_>, token: u8, charset: Charset) -> Option<El> {
    let text = match name {
        Name::Token(_) => {
            return match token & 0x3F {
                0x05 => Some(El::Root),
                0x06 => Some(El::Characteristic),
                0x07 => Some(El::Parm),
                _ => None,
            };
        }
        Name::Literal(b) => charset.decode(b).ok()?,
        Name::Unknown => return None,
    };
    match text.as_str() {
        "parm" => Some(El::Parm),
        "characteristic" => Some(El::Characteristic),
        "wap-provisioningdoc" => Some(El::Root),
        _ => None,
    }
}

/// Which PROV attribute a name is: from the token row, or a LITERAL name's text.
fn attr_of(name: Name<'_>, page: u8, token: u8, charset: Charset) -> Option<Attr> {
    let text = match name {
        Name::Token(_) => {
            return match tokens::attr_token(page, token)?.kind {
                Kind::AttrStart(a) => Some(a),
                _ => None,
            };
        }
        Name::Literal(b) => charset.decode(b).ok()?,
        Name::Unknown => return None,
    };
    match text.as_str() {
        "name" => Some(Attr::Name),
        "value" => Some(Attr::Value),
        "type" => Some(Attr::Type),
        "version" => Some(Attr::Version),
        _ => None,
    }
}

fn name_text(name: Name<'_>) -> String {
    match name {
        Name::Token(t) => t.to_string(),
        Name::Literal(b) => quoted_name(b),
        Name::Unknown => "(unknown)".to_string(),
    }
}

impl<'a> Builder<'a> {
    /// Strict: the error. Lenient: a diagnostic, and the top frame is dropped.
    fn fault(&mut self, offset: usize, kind: ErrorKind) -> Result<(), WbxmlError> {
        if !self.lenient {
            return Err(WbxmlError::new(offset, kind));
        }
        let top = self
            .stack
            .last_mut()
            .expect("a fault always happens inside an element");
        let dropped = match top.body {
            Body::Root => {
                // Only attribute faults reach the root frame: drop that attribute.
                self.attr = None;
                Dropped::Attribute
            }
            Body::Char(_) => Dropped::Characteristic,
            Body::Parm(_) => Dropped::Parm,
            Body::Skip => return Ok(()),
        };
        if dropped != Dropped::Attribute {
            top.body = Body::Skip;
            self.attr = None;
        }
        self.diagnostics.push(DecodeDiagnostic {
            offset,
            kind,
            dropped,
        });
        Ok(())
    }

    fn skipping(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Skip,
                ..
            })
        )
    }

    fn start(
        &mut self,
        at: usize,
        name: Name<'_>,
        page: u8,
        token: u8,
        attributes: bool,
    ) -> Result<(), WbxmlError> {
        let el = el_of(name, token, self.charset);
        let Some(parent) = self.stack.last() else {
            if el != Some(El::Root) || self.done {
                return Err(WbxmlError::new(
                    at,
                    ErrorKind::UnexpectedElement {
                        name: name_text(name),
                        place: "as the root",
                    },
                ));
            }
            self.stack.push(Frame {
                body: Body::Root,
                seen: 0,
            });
            return Ok(());
        };
        let body = match (&parent.body, el) {
            (Body::Skip, _) => Body::Skip,
            (Body::Root, Some(El::Characteristic)) | (Body::Char(_), Some(El::Characteristic)) => {
                Body::Char(Characteristic::new(String::new()))
            }
            (Body::Char(_), Some(El::Parm)) => Body::Parm(Parm {
                name: String::new(),
                value: None,
            }),
            (_, el) => {
                let kind = match el {
                    None if name == Name::Unknown => ErrorKind::UnknownTag {
                        page,
                        id: token & 0x3F,
                    },
                    _ => ErrorKind::UnexpectedElement {
                        name: name_text(name),
                        place: match parent.body {
                            Body::Root => "in wap-provisioningdoc",
                            Body::Parm(_) => "in a parm",
                            _ => "in a characteristic",
                        },
                    },
                };
                if !self.lenient {
                    return Err(WbxmlError::new(at, kind));
                }
                // A child inside a parm spoils the parm; elsewhere only the child goes.
                let in_parm = matches!(parent.body, Body::Parm(_));
                if in_parm {
                    self.fault(at, kind)?;
                } else {
                    self.diagnostics.push(DecodeDiagnostic {
                        offset: at,
                        kind,
                        dropped: Dropped::Element,
                    });
                }
                Body::Skip
            }
        };
        self.stack.push(Frame { body, seen: 0 });
        if !attributes {
            // No attribute list: the required attribute is missing right here.
            self.attributes_end(at)?;
        }
        Ok(())
    }

    fn attribute(
        &mut self,
        at: usize,
        name: Name<'_>,
        prefix: &'static str,
        page: u8,
        token: u8,
    ) -> Result<(), WbxmlError> {
        self.finish_attr()?;
        if self.skipping() {
            return Ok(());
        }
        let top = self.stack.last().expect("attributes belong to an element");
        let el = match top.body {
            Body::Root => El::Root,
            Body::Char(_) => El::Characteristic,
            Body::Parm(_) => El::Parm,
            Body::Skip => return Ok(()),
        };
        let Some(attr) = attr_of(name, page, token, self.charset) else {
            let kind = if name == Name::Unknown {
                ErrorKind::UnknownAttrStart { page, token }
            } else {
                ErrorKind::UnexpectedAttribute {
                    name: name_text(name),
                    element: el.name(),
                }
            };
            return self.fault(at, kind);
        };
        let allowed = match el {
            El::Root => attr == Attr::Version,
            El::Characteristic => attr == Attr::Type,
            El::Parm => matches!(attr, Attr::Name | Attr::Value),
        };
        if !allowed {
            // Kannel's ENCAPS (page 1, 0x5B) reads as type=SEC-SSID; in a parm say so.
            if let Some(c) = tokens::collision(page, token) {
                let other = tokens::attr_token(page, token).map_or("another token", |t| t.text);
                return Err(WbxmlError::new(
                    at,
                    ErrorKind::KannelCollision {
                        page,
                        token,
                        kannel: c.text,
                        other,
                    },
                ));
            }
            return self.fault(
                at,
                ErrorKind::UnexpectedAttribute {
                    name: name_text(name),
                    element: el.name(),
                },
            );
        }
        let bit = 1u8 << (attr as u8);
        let top = self.stack.last_mut().expect("checked above");
        if top.seen & bit != 0 {
            return self.fault(
                at,
                ErrorKind::DuplicateAttribute {
                    name: attr.as_str(),
                    element: el.name(),
                },
            );
        }
        top.seen |= bit;
        self.attr = Some(OpenAttr {
            attr,
            at,
            acc: Acc::Static(prefix),
        });
        Ok(())
    }

    fn value(&mut self, at: usize, piece: Piece<'a>, page: u8) -> Result<(), WbxmlError> {
        let Some(open) = self.attr.as_mut() else {
            return Ok(()); // the attribute was dropped
        };
        let kind = match piece {
            // UTF-8 is validated once the value is complete (a character may span pieces).
            Piece::Str(s) if self.charset == Charset::Utf8 => {
                open.acc.push(s);
                return Ok(());
            }
            Piece::Str(s) => match self.charset.push(s, open.acc.vec()) {
                Ok(()) => return Ok(()),
                Err(k) => k,
            },
            Piece::Token(t) => {
                open.acc.push_static(t);
                return Ok(());
            }
            Piece::Entity(c) => match char::from_u32(c) {
                Some(ch) => {
                    let mut b = [0u8; 4];
                    open.acc
                        .vec()
                        .extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                    return Ok(());
                }
                None => ErrorKind::InvalidEntity(c),
            },
            Piece::UnknownToken(token) => ErrorKind::UnknownAttrValue { page, token },
            Piece::ExtI(n, _) => {
                let token = 0x40 + n;
                if let Some(c) = tokens::collision(page, token) {
                    return Err(WbxmlError::new(
                        at,
                        ErrorKind::KannelCollision {
                            page,
                            token,
                            kannel: c.text,
                            other: tokens::global_name(token),
                        },
                    ));
                }
                ErrorKind::ValueExtension { what: piece.what() }
            }
            Piece::Opaque(_) | Piece::ExtT(..) | Piece::Ext(_) => {
                ErrorKind::ValueExtension { what: piece.what() }
            }
        };
        self.fault(at, kind)
    }

    fn finish_attr(&mut self) -> Result<(), WbxmlError> {
        let Some(open) = self.attr.take() else {
            return Ok(());
        };
        let Some(text) = open.acc.into_string() else {
            return self.fault(
                open.at,
                ErrorKind::InvalidText {
                    charset: self.charset.name(),
                },
            );
        };
        let top = self.stack.last_mut().expect("attribute inside an element");
        match (&mut top.body, open.attr) {
            (Body::Root, Attr::Version) => self.doc.version = Some(text),
            (Body::Char(c), Attr::Type) => c.kind = text,
            (Body::Parm(p), Attr::Name) => p.name = text,
            (Body::Parm(p), Attr::Value) => p.value = Some(text),
            _ => {}
        }
        Ok(())
    }

    fn attributes_end(&mut self, at: usize) -> Result<(), WbxmlError> {
        self.finish_attr()?;
        let Some(top) = self.stack.last() else {
            return Ok(());
        };
        let missing = match top.body {
            Body::Char(_) if top.seen & (1 << Attr::Type as u8) == 0 => {
                Some((Attr::Type, El::Characteristic))
            }
            Body::Parm(_) if top.seen & (1 << Attr::Name as u8) == 0 => {
                Some((Attr::Name, El::Parm))
            }
            _ => None,
        };
        match missing {
            Some((a, el)) => self.fault(
                at,
                ErrorKind::MissingAttribute {
                    name: a.as_str(),
                    element: el.name(),
                },
            ),
            None => Ok(()),
        }
    }

    fn text(&mut self, at: usize, piece: Piece<'a>) -> Result<(), WbxmlError> {
        if self.skipping() {
            return Ok(());
        }
        if let Piece::Str(s) = piece
            && s.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Ok(());
        }
        let kind = ErrorKind::TextContent { what: piece.what() };
        match self.stack.last().map(|f| &f.body) {
            Some(Body::Parm(_)) => self.fault(at, kind),
            _ if self.lenient => {
                self.diagnostics.push(DecodeDiagnostic {
                    offset: at,
                    kind,
                    dropped: Dropped::Skipped,
                });
                Ok(())
            }
            _ => Err(WbxmlError::new(at, kind)),
        }
    }

    fn end(&mut self) {
        let frame = self.stack.pop().expect("the parser pairs Start and End");
        let node = match frame.body {
            Body::Root => {
                self.done = true;
                return;
            }
            Body::Skip => return,
            Body::Char(c) => Node::Characteristic(c),
            Body::Parm(p) => Node::Parm(p),
        };
        match (self.stack.last_mut().map(|f| &mut f.body), node) {
            (Some(Body::Root), Node::Characteristic(c)) => self.doc.characteristics.push(c),
            (Some(Body::Char(parent)), n) => parent.children.push(n),
            _ => {} // start() only creates these bodies under a matching parent
        }
    }
}

/// Names Kannel's colliding CP 1.2 tokens when the generic parser tripped over one: on
/// attribute page 1, 0x40–0x42 read as EXT_I and 0x43/0x44 as PI/LITERAL_C, which are
/// misplaced where Kannel meant an attribute start.
fn kannel_hint(e: WbxmlError, bytes: &[u8], page: u8) -> WbxmlError {
    let in_attrs = match e.kind {
        ErrorKind::ValueWithoutAttribute => true,
        ErrorKind::UnexpectedToken { context, .. } => context == crate::error::Context::Attributes,
        _ => false,
    };
    match (in_attrs, bytes.get(e.offset)) {
        (true, Some(&token)) => match tokens::collision(page, token) {
            Some(c) => WbxmlError::new(
                e.offset,
                ErrorKind::KannelCollision {
                    page,
                    token,
                    kannel: c.text,
                    other: tokens::global_name(token),
                },
            ),
            None => e,
        },
        _ => e,
    }
}

/// Decodes a PROV WBXML document.
///
/// The public id must be PROV 1.0: well-known 0x0B, the literal
/// `-//WAPFORUM//DTD PROV 1.0//EN`, or 0x01 ("unknown", accepted because the media type
/// already says PROV; recorded in [`Decoded::header`]).
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, WbxmlError> {
    let mut p = Parser::new(bytes, Prov, opts.limits)?;
    let pid = &p.header().public_id;
    if !(pid.is_prov() || *pid == PublicId::Id(PUBLIC_ID_UNKNOWN)) {
        return Err(WbxmlError::new(1, ErrorKind::NotProv(pid.to_string())));
    }
    let mut b = Builder {
        lenient: opts.lenient,
        charset: p.charset(),
        diagnostics: Vec::new(),
        stack: Vec::with_capacity(8),
        attr: None,
        doc: Document::default(),
        done: false,
    };
    let mut in_pi = false;
    loop {
        let ev = match p.next() {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(e) => return Err(kannel_hint(e, bytes, p.attr_page())),
        };
        let at = p.offset();
        if in_pi {
            in_pi = ev != Event::PiEnd;
            continue;
        }
        match ev {
            Event::Start {
                name,
                page,
                token,
                attributes,
                ..
            } => b.start(at, name, page, token, attributes)?,
            Event::Attribute {
                name,
                prefix,
                page,
                token,
            } => b.attribute(at, name, prefix, page, token)?,
            Event::Value(piece) => b.value(at, piece, p.attr_page())?,
            Event::AttributesEnd => b.attributes_end(at)?,
            Event::Text(piece) => b.text(at, piece)?,
            Event::End => b.end(),
            Event::PiStart { .. } => {
                if !b.lenient {
                    return Err(WbxmlError::new(at, ErrorKind::ProcessingInstruction));
                }
                b.diagnostics.push(DecodeDiagnostic {
                    offset: at,
                    kind: ErrorKind::ProcessingInstruction,
                    dropped: Dropped::Skipped,
                });
                in_pi = true;
            }
            Event::PiEnd => {}
        }
    }
    Ok(Decoded {
        document: b.doc,
        header: p.into_header(),
        diagnostics: b.diagnostics,
    })
}
