//! WSP connectionless Push PDU (WAP-230-WSP §8.2.4.1 and §8.4; transport.md §2–3).
//!
//! [`PushPdu::decode`] reads `TID | type | HeadersLen | Content-Type | headers | data`. It
//! never reads past HeadersLen, checks every length against the bytes present before using
//! it, and returns typed errors with the absolute offset of the byte involved. The body it
//! returns borrows the input and is exactly the bytes the MAC covers (security.md §3).
//!
//! What is interpreted, what is kept:
//! - Content-Type in all three forms: short-integer (`B6`), text, and the general form with
//!   Value-length (Short-length or Length-quote). Parameters SEC (typed `91`, or untyped
//!   `"SEC"`) and MAC (typed `92`, or untyped `"MAC"`) are interpreted; every other
//!   parameter is kept as received. Two SEC or two MAC parameters are an error: which one a
//!   phone would use is anyone's guess.
//! - Headers on code page 1 listed in [`KNOWN_HEADERS`] are interpreted; other well-known
//!   headers, application (textual) headers and shift sequences are kept raw, so encoding a
//!   decoded PDU gives back the same model.
//! - PDU types other than Push (0x06) are refused with [`WspErrorKind::NotPush`], naming the
//!   type: a CP receiver on port 2948 accepts Push only (Intel does the same).
//!
//! [`PushPdu::encode`] writes exactly [`PushPdu::encoded_len`] bytes, in canonical form:
//! shortest Value-length, short-integers where they fit, Quote only where a text needs it.
//! [`SignedPushTemplate`] pre-encodes a signed push once and patches only the MAC, for
//! sending one document to many subscribers.

use omacp_sec::{MAC_HEX_LEN, Mac, SecMethod};
use omacp_wire::{Reader, WireError, WireErrorKind, uintvar_len, write_uintvar};

/// PDU type Push (WAP-230 Table 34).
pub const PDU_PUSH: u8 = 0x06;
/// Well-known content type `application/vnd.wap.connectivity-wbxml`.
pub const CT_CONNECTIVITY_WBXML: u32 = 0x36;
/// Well-known content type `text/vnd.wap.connectivity-xml`.
pub const CT_CONNECTIVITY_XML: u32 = 0x35;
/// Textual name of [`CT_CONNECTIVITY_WBXML`].
pub const CONNECTIVITY_WBXML: &str = "application/vnd.wap.connectivity-wbxml";
/// Textual name of [`CT_CONNECTIVITY_XML`].
pub const CONNECTIVITY_XML: &str = "text/vnd.wap.connectivity-xml";
/// Well-known parameter token SEC (WSP encoding 1.4).
pub const PARAM_SEC: u32 = 0x11;
/// Well-known parameter token MAC (WSP encoding 1.4).
pub const PARAM_MAC: u32 = 0x12;

/// WSP PDU type names (WAP-230 Table 34), used only to name a refused type.
const PDU_TYPES: &[(u8, &str)] = &[
    (0x01, "Connect"),
    (0x02, "ConnectReply"),
    (0x03, "Redirect"),
    (0x04, "Reply"),
    (0x05, "Disconnect"),
    (0x06, "Push"),
    (0x07, "ConfirmedPush"),
    (0x08, "Suspend"),
    (0x09, "Resume"),
    (0x40, "Get"),
    (0x60, "Post"),
];

/// The name of a WSP PDU type, if it has one.
pub fn pdu_type_name(t: u8) -> Option<&'static str> {
    PDU_TYPES.iter().find(|(v, _)| *v == t).map(|(_, n)| *n)
}

/// How a known header's value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// Uri-value: a Text-string.
    Uri,
    /// Application-id-value: a Uri-value or an Integer-value.
    AppId,
    /// A Short-integer bit set.
    ShortInt,
}

/// A well-known header field this module interprets (on header code page 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSpec {
    /// Field code (the wire byte is `0x80 | code`).
    pub code: u8,
    /// Field name.
    pub name: &'static str,
    /// Value encoding.
    pub kind: HeaderKind,
}

/// The header fields a CP push may carry that are interpreted (WAP-230 Table 39; codes
/// cross-checked against Kannel `wsp_headers.c` and Wireshark `packet-wsp.c`).
pub const KNOWN_HEADERS: &[HeaderSpec] = &[
    HeaderSpec {
        code: 0x0E,
        name: "Content-Location",
        kind: HeaderKind::Uri,
    },
    HeaderSpec {
        code: 0x2F,
        name: "X-Wap-Application-Id",
        kind: HeaderKind::AppId,
    },
    HeaderSpec {
        code: 0x30,
        name: "X-Wap-Content-URI",
        kind: HeaderKind::Uri,
    },
    HeaderSpec {
        code: 0x31,
        name: "X-Wap-Initiator-URI",
        kind: HeaderKind::Uri,
    },
    HeaderSpec {
        code: 0x34,
        name: "Push-Flag",
        kind: HeaderKind::ShortInt,
    },
];

fn header_spec(code: u8) -> Option<&'static HeaderSpec> {
    KNOWN_HEADERS.iter().find(|h| h.code == code)
}

fn header_name(code: u8) -> &'static str {
    header_spec(code).map_or("header", |h| h.name)
}

/// What is wrong with a push PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WspErrorKind {
    /// A raw read failed (truncation, bad uintvar, missing NUL).
    #[error("{0}")]
    Wire(WireErrorKind),
    /// The PDU type is not Push.
    #[error("PDU type {pdu_type:#04x} ({}) is not Push (0x06)", pdu_type_name(*pdu_type).unwrap_or("unassigned"))]
    NotPush {
        /// The type received.
        pdu_type: u8,
    },
    /// A byte that cannot start the item expected here.
    #[error("byte {byte:#04x} cannot start {expected}")]
    UnexpectedByte {
        /// The byte.
        byte: u8,
        /// What was expected.
        expected: &'static str,
    },
    /// A Long-integer with no octets, or more octets than a 32-bit value holds.
    #[error("long-integer of {len} octet(s): must be 1 to 4")]
    IntegerLength {
        /// Octets announced.
        len: usize,
    },
    /// A SEC value that is not a method number or name.
    #[error("SEC value is not a method number or name")]
    BadSec,
    /// A MAC value that is not a text string.
    #[error("MAC value is not a text string")]
    BadMac,
    /// SEC or MAC given twice.
    #[error("parameter {name} given twice")]
    DuplicateParam {
        /// `SEC` or `MAC`.
        name: &'static str,
    },
    /// An interpreted header whose value has the wrong form.
    #[error("{} value has the wrong form", header_name(*code))]
    BadHeaderValue {
        /// Field code.
        code: u8,
    },
    /// An interpreted header given twice.
    #[error("{} given twice", header_name(*code))]
    DuplicateHeader {
        /// Field code.
        code: u8,
    },
}

/// A push PDU decoding error: what and at which absolute byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("WSP at byte {offset}: {kind}")]
pub struct WspError {
    /// Absolute offset of the first byte involved.
    pub offset: usize,
    /// What is wrong.
    pub kind: WspErrorKind,
}

impl From<WireError> for WspError {
    fn from(e: WireError) -> Self {
        WspError {
            offset: e.offset,
            kind: WspErrorKind::Wire(e.kind),
        }
    }
}

fn err(offset: usize, kind: WspErrorKind) -> WspError {
    WspError { offset, kind }
}

/// A generic WSP value, classified by its first octet (WAP-230 §8.4.1.2): `00..1E`
/// Short-length data, `1F` Length-quote data, `20..7F` text, `80..FF` short-integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Short-integer 0..=127 (wire octet `0x80 | n`).
    Short(u8),
    /// Text-string without its Quote and NUL (Token-text, Quoted-string keep their `"`).
    Text(&'a [u8]),
    /// Length-prefixed octets (Long-integer, general forms, No-value when empty).
    Data(&'a [u8]),
}

impl<'a> Value<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Value<'a>, WspError> {
        let at = r.offset();
        let first = r.peek().ok_or(WireError {
            offset: at,
            kind: WireErrorKind::Truncated { wanted: 1, left: 0 },
        })?;
        match first {
            0x00..=0x1F => {
                let len = value_length(r)?;
                Ok(Value::Data(r.take(len)?))
            }
            0x20..=0x7F => Ok(Value::Text(text(r)?)),
            _ => {
                r.u8()?;
                Ok(Value::Short(first & 0x7F))
            }
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Value::Short(_) => 1,
            Value::Text(t) => text_len(t),
            Value::Data(d) => value_length_len(d.len()) + d.len(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Short(v) => out.push(0x80 | v),
            Value::Text(t) => write_text(out, t),
            Value::Data(d) => {
                write_value_length(out, d.len());
                out.extend_from_slice(d);
            }
        }
    }

    /// The value as an unsigned integer (Short-integer or a Long-integer of 1–4 octets).
    pub fn as_integer(&self) -> Option<u32> {
        match self {
            Value::Short(v) => Some(u32::from(*v)),
            Value::Data(d) if (1..=4).contains(&d.len()) => {
                Some(d.iter().fold(0, |a, b| a << 8 | u32::from(*b)))
            }
            _ => None,
        }
    }
}

/// Value-length: Short-length `00..1E` or Length-quote `1F` + uintvar.
fn value_length(r: &mut Reader<'_>) -> Result<usize, WspError> {
    let b = r.u8()?;
    Ok(match b {
        0x00..=0x1E => usize::from(b),
        0x1F => r.uintvar()? as usize,
        _ => {
            return Err(err(
                r.offset() - 1,
                WspErrorKind::UnexpectedByte {
                    byte: b,
                    expected: "a value length",
                },
            ));
        }
    })
}

fn value_length_len(len: usize) -> usize {
    if len <= 30 {
        1
    } else {
        1 + uintvar_len(len as u32)
    }
}

fn write_value_length(out: &mut Vec<u8>, len: usize) {
    if len <= 30 {
        out.push(len as u8);
    } else {
        out.push(0x1F);
        write_uintvar(out, len as u32);
    }
}

/// Text-string: optional Quote (0x7F), octets, NUL.
fn text<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], WspError> {
    if r.peek() == Some(0x7F) {
        r.u8()?;
    }
    Ok(r.cstr()?)
}

/// A text needs the Quote when it could otherwise be read as something else: empty, or not
/// starting with an octet in `20..7E`.
fn needs_quote(t: &[u8]) -> bool {
    !matches!(t.first(), Some(0x20..=0x7E))
}

fn text_len(t: &[u8]) -> usize {
    usize::from(needs_quote(t)) + t.len() + 1
}

fn write_text(out: &mut Vec<u8>, t: &[u8]) {
    if needs_quote(t) {
        out.push(0x7F);
    }
    out.extend_from_slice(t);
    out.push(0);
}

/// Integer-value: Short-integer, or Long-integer of 1–4 octets.
fn integer(r: &mut Reader<'_>, expected: &'static str) -> Result<u32, WspError> {
    let at = r.offset();
    let b = r.u8()?;
    match b {
        0x80..=0xFF => Ok(u32::from(b & 0x7F)),
        0x00..=0x1E => {
            let len = usize::from(b);
            let bytes = r.take(len)?;
            if !(1..=4).contains(&len) {
                return Err(err(at, WspErrorKind::IntegerLength { len }));
            }
            Ok(bytes.iter().fold(0, |a, x| a << 8 | u32::from(*x)))
        }
        _ => Err(err(at, WspErrorKind::UnexpectedByte { byte: b, expected })),
    }
}

fn integer_len(v: u32) -> usize {
    if v < 0x80 {
        1
    } else {
        1 + (4 - v.leading_zeros() as usize / 8)
    }
}

fn write_integer(out: &mut Vec<u8>, v: u32) {
    if v < 0x80 {
        out.push(0x80 | v as u8);
    } else {
        let n = 4 - v.leading_zeros() as usize / 8;
        out.push(n as u8);
        out.extend_from_slice(&v.to_be_bytes()[4 - n..]);
    }
}

/// A media type: well-known code or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media<'a> {
    /// A WINA/OMNA well-known content type code.
    WellKnown(u32),
    /// An Extension-media text.
    Text(&'a [u8]),
}

/// One Content-Type parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// SEC, typed (`0x91`) or untyped (`"SEC"`); encoded typed.
    Sec(SecMethod),
    /// MAC, typed (`0x92`) or untyped (`"MAC"`): the raw text; encoded typed.
    Mac(&'a [u8]),
    /// Any other well-known parameter, kept as received.
    Typed {
        /// Parameter token.
        token: u32,
        /// Its value.
        value: Value<'a>,
    },
    /// Any other textual parameter, kept as received.
    Untyped {
        /// Parameter name (Token-text).
        name: &'a [u8],
        /// Its value.
        value: Value<'a>,
    },
}

impl<'a> Param<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Param<'a>, WspError> {
        let at = r.offset();
        match r.peek() {
            Some(0x20..=0x7E) => {
                let name = r.cstr()?;
                let vat = r.offset();
                let value = Value::decode(r)?;
                if name.eq_ignore_ascii_case(b"SEC") {
                    Ok(Param::Sec(
                        sec_from_value(value).ok_or(err(vat, WspErrorKind::BadSec))?,
                    ))
                } else if name.eq_ignore_ascii_case(b"MAC") {
                    Ok(Param::Mac(
                        mac_from_value(value).ok_or(err(vat, WspErrorKind::BadMac))?,
                    ))
                } else {
                    Ok(Param::Untyped { name, value })
                }
            }
            Some(b) if b >= 0x80 || (0x01..=0x1E).contains(&b) => {
                let token = integer(r, "a parameter")?;
                let vat = r.offset();
                let value = Value::decode(r)?;
                match token {
                    PARAM_SEC => Ok(Param::Sec(
                        sec_from_value(value).ok_or(err(vat, WspErrorKind::BadSec))?,
                    )),
                    PARAM_MAC => Ok(Param::Mac(
                        mac_from_value(value).ok_or(err(vat, WspErrorKind::BadMac))?,
                    )),
                    _ => Ok(Param::Typed { token, value }),
                }
            }
            Some(b) => Err(err(
                at,
                WspErrorKind::UnexpectedByte {
                    byte: b,
                    expected: "a parameter",
                },
            )),
            None => Err(WireError {
                offset: at,
                kind: WireErrorKind::Truncated { wanted: 1, left: 0 },
            }
            .into()),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Param::Sec(m) => 1 + integer_len(u32::from(m.value())),
            Param::Mac(t) => 1 + text_len(t),
            Param::Typed { token, value } => integer_len(*token) + value.encoded_len(),
            Param::Untyped { name, value } => name.len() + 1 + value.encoded_len(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Param::Sec(m) => {
                write_integer(out, PARAM_SEC);
                write_integer(out, u32::from(m.value()));
            }
            Param::Mac(t) => {
                write_integer(out, PARAM_MAC);
                write_text(out, t);
            }
            Param::Typed { token, value } => {
                write_integer(out, *token);
                value.encode(out);
            }
            Param::Untyped { name, value } => {
                out.extend_from_slice(name);
                out.push(0);
                value.encode(out);
            }
        }
    }
}

/// SEC as Short-integer (the normal form), Long-integer, or text digit/name.
fn sec_from_value(v: Value<'_>) -> Option<SecMethod> {
    match v {
        Value::Text(t) => SecMethod::from_text(core::str::from_utf8(t).ok()?),
        other => other
            .as_integer()
            .and_then(|n| u8::try_from(n).ok())
            .map(SecMethod::from),
    }
}

/// MAC as text; No-value (`00`) reads as an empty text, which verification then refuses.
fn mac_from_value(v: Value<'_>) -> Option<&[u8]> {
    match v {
        Value::Text(t) => Some(t),
        Value::Data([]) => Some(&[]),
        _ => None,
    }
}

/// A Content-Type value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType<'a> {
    /// The media type.
    pub media: Media<'a>,
    /// Its parameters in wire order.
    pub params: Vec<Param<'a>>,
}

impl<'a> ContentType<'a> {
    /// `application/vnd.wap.connectivity-wbxml` (`B6`), no parameters.
    pub fn connectivity_wbxml() -> ContentType<'a> {
        ContentType {
            media: Media::WellKnown(CT_CONNECTIVITY_WBXML),
            params: Vec::new(),
        }
    }

    /// `application/vnd.wap.connectivity-wbxml` with SEC and MAC, as phones expect them.
    pub fn signed(method: SecMethod, mac_hex: &'a [u8]) -> ContentType<'a> {
        ContentType {
            media: Media::WellKnown(CT_CONNECTIVITY_WBXML),
            params: vec![Param::Sec(method), Param::Mac(mac_hex)],
        }
    }

    /// The SEC parameter, if present.
    pub fn sec(&self) -> Option<SecMethod> {
        self.params.iter().find_map(|p| {
            if let Param::Sec(m) = p {
                Some(*m)
            } else {
                None
            }
        })
    }

    /// The MAC parameter's text, if present.
    pub fn mac(&self) -> Option<&'a [u8]> {
        self.params.iter().find_map(|p| {
            if let Param::Mac(t) = p {
                Some(*t)
            } else {
                None
            }
        })
    }

    /// True for the CP media types (well-known 0x36/0x35, or their text names in any case).
    pub fn is_provisioning(&self) -> bool {
        match self.media {
            Media::WellKnown(c) => c == CT_CONNECTIVITY_WBXML || c == CT_CONNECTIVITY_XML,
            Media::Text(t) => {
                t.eq_ignore_ascii_case(CONNECTIVITY_WBXML.as_bytes())
                    || t.eq_ignore_ascii_case(CONNECTIVITY_XML.as_bytes())
            }
        }
    }

    /// Reads a Content-Type value (WAP-230 §8.4.2.24).
    pub fn decode(r: &mut Reader<'a>) -> Result<ContentType<'a>, WspError> {
        let at = r.offset();
        match r.peek() {
            Some(0x80..=0xFF) => {
                let b = r.u8()?;
                Ok(ContentType {
                    media: Media::WellKnown(u32::from(b & 0x7F)),
                    params: Vec::new(),
                })
            }
            Some(0x20..=0x7F) => Ok(ContentType {
                media: Media::Text(text(r)?),
                params: Vec::new(),
            }),
            Some(_) => {
                let len = value_length(r)?;
                let mut g = r.sub(len)?;
                let media = match g.peek() {
                    Some(0x20..=0x7F) => Media::Text(text(&mut g)?),
                    _ => Media::WellKnown(integer(&mut g, "a media type")?),
                };
                let mut ct = ContentType {
                    media,
                    params: Vec::new(),
                };
                while !g.is_empty() {
                    let pat = g.offset();
                    let p = Param::decode(&mut g)?;
                    let dup = match p {
                        Param::Sec(_) if ct.sec().is_some() => Some("SEC"),
                        Param::Mac(_) if ct.mac().is_some() => Some("MAC"),
                        _ => None,
                    };
                    if let Some(name) = dup {
                        return Err(err(pat, WspErrorKind::DuplicateParam { name }));
                    }
                    ct.params.push(p);
                }
                Ok(ct)
            }
            None => Err(WireError {
                offset: at,
                kind: WireErrorKind::Truncated { wanted: 1, left: 0 },
            }
            .into()),
        }
    }

    fn general_len(&self) -> usize {
        let media = match self.media {
            Media::WellKnown(c) => integer_len(c),
            Media::Text(t) => text_len(t),
        };
        media + self.params.iter().map(Param::encoded_len).sum::<usize>()
    }

    fn constrained(&self) -> bool {
        self.params.is_empty() && !matches!(self.media, Media::WellKnown(c) if c >= 0x80)
    }

    /// Bytes [`ContentType::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        if self.constrained() {
            match self.media {
                Media::WellKnown(_) => 1,
                Media::Text(t) => text_len(t),
            }
        } else {
            let g = self.general_len();
            value_length_len(g) + g
        }
    }

    /// Writes the value: the constrained form when there are no parameters, else the
    /// general form with the shortest Value-length.
    pub fn encode(&self, out: &mut Vec<u8>) {
        if self.constrained() {
            match self.media {
                Media::WellKnown(c) => out.push(0x80 | c as u8),
                Media::Text(t) => write_text(out, t),
            }
            return;
        }
        write_value_length(out, self.general_len());
        match self.media {
            Media::WellKnown(c) => write_integer(out, c),
            Media::Text(t) => write_text(out, t),
        }
        for p in &self.params {
            p.encode(out);
        }
    }
}

/// X-Wap-Application-Id value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppId<'a> {
    /// An OMNA push application id (e.g. 0x04 MMS).
    Code(u32),
    /// An application URI (e.g. `x-wap-application:mms.ua`).
    Uri(&'a [u8]),
}

/// One header after the Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header<'a> {
    /// Content-Location (0x0E): Uri-value.
    ContentLocation(&'a [u8]),
    /// X-Wap-Application-Id (0x2F).
    ApplicationId(AppId<'a>),
    /// X-Wap-Content-URI (0x30): Uri-value.
    ContentUri(&'a [u8]),
    /// X-Wap-Initiator-URI (0x31): Uri-value; the push initiator (TPS), security.md §6.2.
    InitiatorUri(&'a [u8]),
    /// Push-Flag (0x34): 0x01 initiator authenticated, 0x02 trusted, 0x04 last.
    PushFlag(u8),
    /// Any other well-known header (or any header after a shift), kept raw.
    WellKnown {
        /// Field code (wire byte `0x80 | code`).
        code: u8,
        /// Its value.
        value: Value<'a>,
    },
    /// A textual (application) header, kept raw.
    Application {
        /// Field name (Token-text).
        name: &'a [u8],
        /// Its value (normally a Text-string).
        value: Value<'a>,
    },
    /// A shift to header code page `page` (Shift-delimiter or Short-cut-shift).
    Shift(u8),
}

impl<'a> Header<'a> {
    fn decode(r: &mut Reader<'a>, page: &mut u8) -> Result<Header<'a>, WspError> {
        let at = r.offset();
        let b = r.peek().ok_or(WireError {
            offset: at,
            kind: WireErrorKind::Truncated { wanted: 1, left: 0 },
        })?;
        match b {
            0x7F => {
                r.u8()?;
                *page = r.u8()?;
                Ok(Header::Shift(*page))
            }
            0x01..=0x1F => {
                r.u8()?;
                *page = b;
                Ok(Header::Shift(b))
            }
            0x20..=0x7E => {
                let name = r.cstr()?;
                Ok(Header::Application {
                    name,
                    value: Value::decode(r)?,
                })
            }
            0x00 => Err(err(
                at,
                WspErrorKind::UnexpectedByte {
                    byte: b,
                    expected: "a header",
                },
            )),
            _ => {
                r.u8()?;
                let code = b & 0x7F;
                let value = Value::decode(r)?;
                let spec = if *page == 1 { header_spec(code) } else { None };
                let Some(spec) = spec else {
                    return Ok(Header::WellKnown { code, value });
                };
                let bad = || err(at, WspErrorKind::BadHeaderValue { code });
                Ok(match (spec.kind, value) {
                    (HeaderKind::Uri, Value::Text(t)) => match code {
                        0x0E => Header::ContentLocation(t),
                        0x30 => Header::ContentUri(t),
                        _ => Header::InitiatorUri(t),
                    },
                    (HeaderKind::AppId, Value::Text(t)) => Header::ApplicationId(AppId::Uri(t)),
                    (HeaderKind::AppId, v) => {
                        Header::ApplicationId(AppId::Code(v.as_integer().ok_or_else(bad)?))
                    }
                    (HeaderKind::ShortInt, Value::Short(v)) => Header::PushFlag(v),
                    _ => return Err(bad()),
                })
            }
        }
    }

    /// The field code of an interpreted header.
    fn known_code(&self) -> Option<u8> {
        match self {
            Header::ContentLocation(_) => Some(0x0E),
            Header::ApplicationId(_) => Some(0x2F),
            Header::ContentUri(_) => Some(0x30),
            Header::InitiatorUri(_) => Some(0x31),
            Header::PushFlag(_) => Some(0x34),
            _ => None,
        }
    }

    fn value(&self) -> Option<Value<'a>> {
        match *self {
            Header::ContentLocation(t) | Header::ContentUri(t) | Header::InitiatorUri(t) => {
                Some(Value::Text(t))
            }
            Header::ApplicationId(AppId::Uri(t)) => Some(Value::Text(t)),
            Header::ApplicationId(AppId::Code(_)) => None,
            Header::PushFlag(v) => Some(Value::Short(v & 0x7F)),
            Header::WellKnown { value, .. } | Header::Application { value, .. } => Some(value),
            Header::Shift(_) => None,
        }
    }

    /// Bytes [`Header::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Header::ApplicationId(AppId::Code(c)) => 1 + integer_len(*c),
            Header::Application { name, value } => name.len() + 1 + value.encoded_len(),
            Header::Shift(p) => {
                if (1..=31).contains(p) {
                    1
                } else {
                    2
                }
            }
            other => 1 + other.value().map_or(0, |v| v.encoded_len()),
        }
    }

    /// Writes the header.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Header::ApplicationId(AppId::Code(c)) => {
                out.push(0x80 | 0x2F);
                write_integer(out, *c);
            }
            Header::Application { name, value } => {
                out.extend_from_slice(name);
                out.push(0);
                value.encode(out);
            }
            Header::Shift(p) if (1..=31).contains(p) => out.push(*p),
            Header::Shift(p) => out.extend_from_slice(&[0x7F, *p]),
            Header::WellKnown { code, value } => {
                out.push(0x80 | code);
                value.encode(out);
            }
            other => {
                out.push(0x80 | other.known_code().unwrap_or(0));
                if let Some(v) = other.value() {
                    v.encode(out);
                }
            }
        }
    }
}

/// A decoded (or to-be-encoded) connectionless push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPdu<'a> {
    /// Transaction id: lets a receiver spot duplicates (Kannel sends 0x01).
    pub tid: u8,
    /// The Content-Type, with SEC/MAC when signed.
    pub content_type: ContentType<'a>,
    /// The other headers, in wire order.
    pub headers: Vec<Header<'a>>,
    /// The data: exactly the bytes the MAC covers.
    pub body: &'a [u8],
}

impl<'a> PushPdu<'a> {
    /// A push of `body` with `content_type` and no other headers.
    pub fn new(tid: u8, content_type: ContentType<'a>, body: &'a [u8]) -> PushPdu<'a> {
        PushPdu {
            tid,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    /// Reads a connectionless push PDU (a whole WDP datagram).
    pub fn decode(bytes: &'a [u8]) -> Result<PushPdu<'a>, WspError> {
        let mut r = Reader::new(bytes);
        let tid = r.u8()?;
        let pdu_type = r.u8()?;
        if pdu_type != PDU_PUSH {
            return Err(err(1, WspErrorKind::NotPush { pdu_type }));
        }
        let headers_len = r.uintvar()? as usize;
        let mut h = r.sub(headers_len)?;
        let content_type = ContentType::decode(&mut h)?;
        let mut headers = Vec::new();
        let mut page = 1u8;
        while !h.is_empty() {
            let at = h.offset();
            let header = Header::decode(&mut h, &mut page)?;
            if let Some(code) = header.known_code()
                && headers
                    .iter()
                    .any(|x: &Header<'_>| x.known_code() == Some(code))
            {
                return Err(err(at, WspErrorKind::DuplicateHeader { code }));
            }
            headers.push(header);
        }
        Ok(PushPdu {
            tid,
            content_type,
            headers,
            body: r.rest(),
        })
    }

    /// HeadersLen: Content-Type plus headers.
    pub fn headers_len(&self) -> usize {
        self.content_type.encoded_len()
            + self.headers.iter().map(Header::encoded_len).sum::<usize>()
    }

    /// Bytes [`PushPdu::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let h = self.headers_len();
        2 + uintvar_len(h as u32) + h + self.body.len()
    }

    /// Appends the PDU. Texts in the model must not contain NUL (decoded ones never do).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(&[self.tid, PDU_PUSH]);
        write_uintvar(out, self.headers_len() as u32);
        self.content_type.encode(out);
        for h in &self.headers {
            h.encode(out);
        }
        out.extend_from_slice(self.body);
    }

    /// The SEC parameter, if any.
    pub fn sec(&self) -> Option<SecMethod> {
        self.content_type.sec()
    }

    /// The MAC parameter's text, if any.
    pub fn mac(&self) -> Option<&'a [u8]> {
        self.content_type.mac()
    }

    /// The Push-Flag bits, if the header is present.
    pub fn push_flag(&self) -> Option<u8> {
        self.headers.iter().find_map(|h| {
            if let Header::PushFlag(v) = h {
                Some(*v)
            } else {
                None
            }
        })
    }

    /// The X-Wap-Initiator-URI, if present.
    pub fn initiator_uri(&self) -> Option<&'a [u8]> {
        self.headers.iter().find_map(|h| {
            if let Header::InitiatorUri(v) = h {
                Some(*v)
            } else {
                None
            }
        })
    }

    /// The X-Wap-Application-Id, if present.
    pub fn application_id(&self) -> Option<AppId<'a>> {
        self.headers.iter().find_map(|h| {
            if let Header::ApplicationId(v) = h {
                Some(*v)
            } else {
                None
            }
        })
    }

    /// Checks SEC/MAC against the body (security.md §3).
    pub fn verify(&self, creds: &omacp_sec::Credentials<'_>) -> omacp_sec::Verdict {
        omacp_sec::verify(self.sec(), self.mac(), creds, self.body)
    }
}

/// A signed CP push encoded once, for sending one document to many subscribers: only the
/// 40 MAC characters change per recipient, so [`SignedPushTemplate::with_mac`] patches them
/// in place instead of re-encoding.
#[derive(Debug, Clone)]
pub struct SignedPushTemplate {
    pdu: Vec<u8>,
    mac_at: usize,
    body_at: usize,
}

impl SignedPushTemplate {
    /// Encodes `TID 06 len | 1F 2D B6 91 8s 92 <MAC> 00 | headers | body` with a
    /// placeholder MAC.
    pub fn new(
        tid: u8,
        method: SecMethod,
        headers: &[Header<'_>],
        body: &[u8],
    ) -> SignedPushTemplate {
        let placeholder = [b'0'; MAC_HEX_LEN];
        let mut pdu = PushPdu::new(tid, ContentType::signed(method, &placeholder), body);
        pdu.headers = headers.to_vec();
        let mut bytes = Vec::with_capacity(pdu.encoded_len());
        pdu.encode(&mut bytes);
        let body_at = bytes.len() - body.len();
        // The MAC text is the last item of the Content-Type: it ends with its NUL right
        // before the headers.
        let ct_end = 2 + uintvar_len(pdu.headers_len() as u32) + pdu.content_type.encoded_len();
        let mac_at = ct_end - 1 - MAC_HEX_LEN;
        SignedPushTemplate {
            pdu: bytes,
            mac_at,
            body_at,
        }
    }

    /// The body: what to compute the MAC over.
    pub fn body(&self) -> &[u8] {
        &self.pdu[self.body_at..]
    }

    /// The whole PDU carrying `mac`.
    pub fn with_mac(&mut self, mac: &Mac) -> &[u8] {
        self.pdu[self.mac_at..self.mac_at + MAC_HEX_LEN].copy_from_slice(&mac.to_hex());
        &self.pdu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omacp_sec::{Credentials, Imsi, MacKey, Verdict};

    /// transport.md §3.1, header part.
    const HEADER_3_1: &str = "01062F1F2DB69180923139374135413731414543454335344338343430314335453838413533393736324639323346343300";

    fn hex(s: &str) -> Vec<u8> {
        omacp_wire::hex::decode(s).unwrap()
    }

    #[test]
    fn table_and_enum_agree() {
        let samples = [
            Header::ContentLocation(b"x"),
            Header::ApplicationId(AppId::Uri(b"x")),
            Header::ContentUri(b"x"),
            Header::InitiatorUri(b"x"),
            Header::PushFlag(1),
        ];
        assert_eq!(samples.len(), KNOWN_HEADERS.len());
        for (h, spec) in samples.iter().zip(KNOWN_HEADERS) {
            assert_eq!(h.known_code(), Some(spec.code), "{}", spec.name);
            let mut out = Vec::new();
            h.encode(&mut out);
            assert_eq!(out[0], 0x80 | spec.code);
        }
    }

    #[test]
    fn decodes_and_encodes_transport_3_1_header() {
        let body = [0x03, 0x0B, 0x6A, 0x00, 0x45, 0x01];
        let mut bytes = hex(HEADER_3_1);
        bytes.extend_from_slice(&body);
        let pdu = PushPdu::decode(&bytes).unwrap();
        assert_eq!(pdu.tid, 1);
        assert_eq!(pdu.sec(), Some(SecMethod::NetwPin));
        assert_eq!(
            pdu.mac(),
            Some(&b"197A5A71AECEC54C84401C5E88A539762F923F43"[..])
        );
        assert!(pdu.content_type.is_provisioning());
        assert_eq!(pdu.body, body);
        let mut out = Vec::new();
        pdu.encode(&mut out);
        assert_eq!(out, bytes);
        assert_eq!(pdu.encoded_len(), bytes.len());
    }

    #[test]
    fn template_patches_only_the_mac() {
        let body = b"\x03\x0b\x6a\x00\x45\x01";
        let mut t = SignedPushTemplate::new(1, SecMethod::NetwPin, &[], body);
        assert_eq!(t.body(), body);
        let imsi = Imsi::parse("466923103145252").unwrap();
        let mac = Mac::compute(&MacKey::netwpin(&imsi), t.body());
        let hexmac = mac.to_hex();
        let want = {
            let p = PushPdu::new(1, ContentType::signed(SecMethod::NetwPin, &hexmac), body);
            let mut v = Vec::new();
            p.encode(&mut v);
            v
        };
        assert_eq!(t.with_mac(&mac), &want[..]);
        let pdu = PushPdu::decode(&want).unwrap();
        let creds = Credentials {
            imsi: Some(&imsi),
            pin: None,
        };
        assert_eq!(
            pdu.verify(&creds),
            Verdict::Verified {
                method: SecMethod::NetwPin
            }
        );
    }

    #[test]
    fn content_type_forms() {
        // Short form, text form, general form with short length and long-integer media.
        for (bytes, media, nparams) in [
            (&[0xB6][..], Media::WellKnown(0x36), 0),
            (
                b"application/vnd.wap.connectivity-wbxml\0",
                Media::Text(CONNECTIVITY_WBXML.as_bytes()),
                0,
            ),
            (&[0x03, 0xB6, 0x91, 0x81], Media::WellKnown(0x36), 1),
            (
                &[0x05, 0x02, 0x03, 0x0A, 0x81, 0x91][..],
                Media::WellKnown(0x030A),
                1,
            ),
        ] {
            let mut r = Reader::new(bytes);
            let ct = ContentType::decode(&mut r)
                .map_err(|e| format!("{bytes:02X?}: {e}"))
                .unwrap();
            assert_eq!(ct.media, media);
            assert!(r.is_empty());
            assert_eq!(ct.params.len(), nparams);
            if bytes[0] == 0x05 {
                // The trailing 0x81 0x91: token 0x01 (charset) with short value 0x11.
                assert_eq!(
                    ct.params,
                    vec![Param::Typed {
                        token: 1,
                        value: Value::Short(0x11)
                    }]
                );
            }
        }
    }

    #[test]
    fn untyped_sec_and_mac_and_other_params() {
        // 1F len | B6 | "SEC" 00 "userpin" 00 | "MAC" 00 "ab.." 00 | 81 EA (charset=utf-8) | "x-foo" 00 83
        let mac = "ae91aa316f8a9babfa989b7ffaa739a72b928f5a";
        let mut g = vec![0xB6];
        g.extend_from_slice(b"SEC\0userpin\0mac\0");
        g.extend_from_slice(mac.as_bytes());
        g.push(0);
        g.extend_from_slice(&[0x81, 0xEA]);
        g.extend_from_slice(b"x-foo\0\x83");
        let mut bytes = vec![0x1F, g.len() as u8];
        bytes.extend_from_slice(&g);
        let ct = ContentType::decode(&mut Reader::new(&bytes)).unwrap();
        assert_eq!(ct.sec(), Some(SecMethod::UserPin));
        assert_eq!(ct.mac(), Some(mac.as_bytes()));
        assert_eq!(
            ct.params[2],
            Param::Typed {
                token: 1,
                value: Value::Short(0x6A)
            }
        );
        assert_eq!(
            ct.params[3],
            Param::Untyped {
                name: b"x-foo",
                value: Value::Short(3)
            }
        );
        // Re-encoded typed, same model.
        let mut out = Vec::new();
        ct.encode(&mut out);
        assert_eq!(out.len(), ct.encoded_len());
        assert_eq!(ContentType::decode(&mut Reader::new(&out)).unwrap(), ct);
        // Digit form of SEC as text.
        let b = b"\x07\xB6SEC\x002\x00";
        assert_eq!(
            ContentType::decode(&mut Reader::new(b)).unwrap().sec(),
            Some(SecMethod::UserNetwPin)
        );
    }

    #[test]
    fn bad_and_duplicate_params() {
        let e = ContentType::decode(&mut Reader::new(b"\x06\xB6SEC\x00\x00")).unwrap_err();
        assert_eq!(e, err(6, WspErrorKind::BadSec));
        let e = ContentType::decode(&mut Reader::at(b"\x05\xB6\x91\x80\x91\x81", 10)).unwrap_err();
        assert_eq!(e, err(14, WspErrorKind::DuplicateParam { name: "SEC" }));
        let e = ContentType::decode(&mut Reader::new(b"\x04\xB6\x92\x80\x00")).unwrap_err();
        assert_eq!(e.kind, WspErrorKind::BadMac);
        let e = ContentType::decode(&mut Reader::new(b"\x03\xB6\x00\x80")).unwrap_err();
        assert_eq!(
            e,
            err(
                2,
                WspErrorKind::UnexpectedByte {
                    byte: 0,
                    expected: "a parameter"
                }
            )
        );
        // Value-length beyond the bytes present.
        let e = ContentType::decode(&mut Reader::new(b"\x1F\x8F\xFF\xFF\xFF\x7F\xB6")).unwrap_err();
        assert!(
            matches!(e.kind, WspErrorKind::Wire(WireErrorKind::Truncated { .. })),
            "{e}"
        );
        // Unknown SEC values survive (to be refused by verification, not ignored).
        let ct = ContentType::decode(&mut Reader::new(b"\x03\xB6\x91\x87")).unwrap();
        assert_eq!(ct.sec(), Some(SecMethod::Unknown(7)));
    }

    #[test]
    fn headers_interpreted_and_preserved() {
        let mut h = vec![0xB6];
        h.extend_from_slice(b"\xAF\x84"); // App-Id 4 (mms.ua)
        h.extend_from_slice(b"\xB1http://tps.example/\0");
        h.extend_from_slice(b"\xB4\x81"); // Push-Flag initiator authenticated
        h.extend_from_slice(b"\x8Ehttp://c/\0\xB0http://u/\0");
        h.extend_from_slice(b"\xA9agent\0"); // User-Agent, kept raw
        h.extend_from_slice(b"X-Extra\0v\0");
        h.extend_from_slice(b"\x02\xB4\x81"); // short-cut shift to page 2: B4 is not Push-Flag there
        let mut bytes = vec![0x2A, 0x06, h.len() as u8];
        bytes.extend_from_slice(&h);
        bytes.extend_from_slice(b"BODY");
        let pdu = PushPdu::decode(&bytes).unwrap();
        assert_eq!(pdu.application_id(), Some(AppId::Code(4)));
        assert_eq!(pdu.initiator_uri(), Some(&b"http://tps.example/"[..]));
        assert_eq!(pdu.push_flag(), Some(1));
        assert_eq!(
            &pdu.headers[3..],
            &[
                Header::ContentLocation(b"http://c/"),
                Header::ContentUri(b"http://u/"),
                Header::WellKnown {
                    code: 0x29,
                    value: Value::Text(b"agent")
                },
                Header::Application {
                    name: b"X-Extra",
                    value: Value::Text(b"v")
                },
                Header::Shift(2),
                Header::WellKnown {
                    code: 0x34,
                    value: Value::Short(1)
                },
            ]
        );
        assert_eq!(pdu.body, b"BODY");
        let mut out = Vec::new();
        pdu.encode(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn header_errors() {
        let e = PushPdu::decode(b"\x01\x07\x01\xB6").unwrap_err();
        assert_eq!(e, err(1, WspErrorKind::NotPush { pdu_type: 7 }));
        assert!(e.to_string().contains("ConfirmedPush"), "{e}");
        let e = PushPdu::decode(b"\x01\x06\x05\xB6\xB4\x81\xB4\x80").unwrap_err();
        assert_eq!(e, err(6, WspErrorKind::DuplicateHeader { code: 0x34 }));
        let e = PushPdu::decode(b"\x01\x06\x05\xB6\xB4\x01\x01\x00").unwrap_err();
        assert_eq!(e, err(4, WspErrorKind::BadHeaderValue { code: 0x34 }));
        let e = PushPdu::decode(b"\x01\x06\x09\xB6").unwrap_err();
        assert_eq!(
            e,
            err(
                3,
                WspErrorKind::Wire(WireErrorKind::Truncated { wanted: 9, left: 1 })
            )
        );
        let e = PushPdu::decode(b"\x01\x06\x06\xB6\xB1http").unwrap_err();
        assert_eq!(e.kind, WspErrorKind::Wire(WireErrorKind::Unterminated));
        assert!(PushPdu::decode(b"\x01").is_err());
        assert!(PushPdu::decode(b"\x01\x06\x00").is_err());
    }

    #[test]
    fn text_quoting_round_trips() {
        for t in [
            &b""[..],
            b"\x05abc",
            b"\xC3\xA9t\xC3\xA9",
            b"\x7Fx",
            b"plain",
        ] {
            let mut out = Vec::new();
            write_text(&mut out, t);
            assert_eq!(out.len(), text_len(t));
            assert_eq!(
                Value::decode(&mut Reader::new(&out)).unwrap(),
                Value::Text(t),
                "{t:02X?}"
            );
        }
    }

    #[test]
    fn long_values_use_length_quote() {
        let data = [0xAA; 31];
        let v = Value::Data(&data);
        let mut out = Vec::new();
        v.encode(&mut out);
        assert_eq!(&out[..2], &[0x1F, 31]);
        assert_eq!(out.len(), v.encoded_len());
        assert_eq!(Value::decode(&mut Reader::new(&out)).unwrap(), v);
        for n in [0u32, 0x7F, 0x80, 0xFFFF, 0x1_0000, u32::MAX] {
            let mut out = Vec::new();
            write_integer(&mut out, n);
            assert_eq!(out.len(), integer_len(n));
            assert_eq!(integer(&mut Reader::new(&out), "x").unwrap(), n);
        }
    }
}
