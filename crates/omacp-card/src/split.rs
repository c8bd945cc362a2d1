//! Splitting a provisioning EF into the WBXML documents it holds (smartcard.md §2.3).
//!
//! A WBXML document delimits itself: it ends with the END of its root element. The walk here
//! is structural only — header, string table, then tokens counted by element depth — so it
//! needs no tag tables and does not decode anything; the document is handed on as bytes.
//! It follows the global tokens of WBXML 1.1–1.3 (WAP-192 §5.8.4): every token's operand is
//! skipped by its encoded length, checked against the bytes present.
//!
//! [`Layout::Concatenated`] (the default) reads documents back to back and stops at the first
//! `00`/`FF` filler byte of a partly used EF. Whether ProvSC puts a per-document length in
//! front, notably in Config2, is unconfirmed \[U\]; [`Layout::LengthPrefixed`] reads that
//! variant (a two-byte big-endian length before each document, `0000`/`FFFF` ends the list).

use omacp_wire::{Reader, WireError, WireErrorKind};

use crate::tlv::is_filler;

/// The WBXML public identifier of `-//WAPFORUM//DTD PROV 1.0//EN`.
pub const PROV_PUBLIC_ID: u32 = 0x0B;
/// The same identifier in text form (a public id given through the string table).
pub const PROV_PUBLIC_ID_TEXT: &str = "-//WAPFORUM//DTD PROV 1.0//EN";

/// How the documents are laid out in an EF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Layout {
    /// Documents back to back, then `00`/`FF` filler.
    #[default]
    Concatenated,
    /// Each document preceded by its length (two bytes, big-endian); a length of
    /// `0000` or `FFFF` ends the list \[U\].
    LengthPrefixed,
}

/// Bounds on one split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitLimits {
    /// Most documents taken from one file.
    pub max_documents: usize,
    /// Deepest element nesting (a CP document nests four levels).
    pub max_depth: usize,
}

impl Default for SplitLimits {
    fn default() -> Self {
        SplitLimits {
            max_documents: 32,
            max_depth: 32,
        }
    }
}

/// A WBXML public identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublicId {
    /// A well-known value (`0x0B` for provisioning).
    Known(u32),
    /// Given as text, at this string-table offset.
    StringTable(u32),
}

/// One document found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSpan {
    /// Offset of its first byte in the file.
    pub offset: usize,
    /// Its length.
    pub len: usize,
    /// The WBXML version byte (`0x01`..=`0x03`).
    pub version: u8,
    /// Its public identifier.
    pub public_id: PublicId,
    /// The public identifier's text, when given through the string table.
    pub public_id_text: Option<String>,
    /// The IANA MIBenum of its character set.
    pub charset: u32,
}

impl DocSpan {
    /// The document's bytes in `file`.
    pub fn bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        &file[self.offset..self.offset + self.len]
    }

    /// True when the public id says `wap-provisioningdoc` (numeric or text form).
    pub fn is_provisioning(&self) -> bool {
        self.public_id == PublicId::Known(PROV_PUBLIC_ID)
            || self.public_id_text.as_deref() == Some(PROV_PUBLIC_ID_TEXT)
    }
}

/// What is wrong with the file's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitErrorKind {
    /// The document ends inside a token or before its root element closes.
    #[error("truncated: needed {wanted} more byte(s), {left} left")]
    Truncated {
        /// Bytes the token needs.
        wanted: usize,
        /// Bytes that remain.
        left: usize,
    },
    /// Neither filler nor a WBXML 1.1–1.3 version byte where a document should start.
    #[error("byte {0:#04x} is neither filler nor a WBXML version (0x01-0x03)")]
    NotWbxml(u8),
    /// A multi-byte integer longer than 32 bits.
    #[error("multi-byte integer longer than 32 bits")]
    IntegerOverflow,
    /// An inline string without its terminator.
    #[error("inline string is not terminated")]
    Unterminated,
    /// Elements nested deeper than the limit.
    #[error("elements nested deeper than {0}")]
    TooDeep(usize),
    /// END with no open element, or content before the root element.
    #[error("token {0:#04x} outside the root element")]
    OutsideRoot(u8),
    /// A processing instruction inside an attribute list.
    #[error("processing instruction inside an attribute list")]
    PiInAttributes,
    /// The public id's string-table offset is outside the string table.
    #[error("public id string offset {0} outside the string table")]
    BadPublicIdRef(u32),
    /// More documents than the limit.
    #[error("more than {0} documents in one file")]
    TooManyDocuments(usize),
    /// A length prefix that disagrees with the document's own end.
    #[error("length prefix says {declared} bytes, the document has {walked}")]
    LengthMismatch {
        /// From the prefix.
        declared: usize,
        /// Found by the walk.
        walked: usize,
    },
}

/// A split error: its kind and the absolute offset in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct SplitError {
    /// Offset in the file.
    pub offset: usize,
    /// What went wrong.
    pub kind: SplitErrorKind,
}

impl From<WireError> for SplitError {
    fn from(e: WireError) -> Self {
        let kind = match e.kind {
            WireErrorKind::Truncated { wanted, left } => SplitErrorKind::Truncated { wanted, left },
            WireErrorKind::UintvarOverflow => SplitErrorKind::IntegerOverflow,
            _ => SplitErrorKind::Unterminated,
        };
        SplitError {
            offset: e.offset,
            kind,
        }
    }
}

/// The documents of one file, and why the split stopped early, if it did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitOutcome {
    /// Documents found, in file order.
    pub documents: Vec<DocSpan>,
    /// Set when a malformed document (or too many) stopped the split; the documents before
    /// it are still listed.
    pub error: Option<SplitError>,
    /// Offset of the first non-filler byte found after the filler that ended the list
    /// (such bytes are ignored; worth a note).
    pub data_after_filler: Option<usize>,
}

impl SplitOutcome {
    /// All documents, or the error.
    pub fn into_result(self) -> Result<Vec<DocSpan>, SplitError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.documents),
        }
    }
}

/// Splits `file` into documents.
pub fn split_documents(file: &[u8], layout: Layout, limits: &SplitLimits) -> SplitOutcome {
    let mut out = SplitOutcome::default();
    let mut pos = 0;
    loop {
        let step = match layout {
            Layout::Concatenated => next_concatenated(file, pos, limits, &mut out),
            Layout::LengthPrefixed => next_prefixed(file, pos, limits, &mut out),
        };
        match step {
            Ok(Some(next)) => pos = next,
            Ok(None) => return out,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        }
    }
}

fn check_count(out: &SplitOutcome, pos: usize, limits: &SplitLimits) -> Result<(), SplitError> {
    if out.documents.len() >= limits.max_documents {
        return Err(SplitError {
            offset: pos,
            kind: SplitErrorKind::TooManyDocuments(limits.max_documents),
        });
    }
    Ok(())
}

fn next_concatenated(
    file: &[u8],
    pos: usize,
    limits: &SplitLimits,
    out: &mut SplitOutcome,
) -> Result<Option<usize>, SplitError> {
    let Some(&b) = file.get(pos) else {
        return Ok(None);
    };
    if is_filler(b) {
        out.data_after_filler = file[pos..]
            .iter()
            .position(|&b| !is_filler(b))
            .map(|i| pos + i);
        return Ok(None);
    }
    check_count(out, pos, limits)?;
    let span = walk_document(&file[pos..], pos, limits.max_depth)?;
    let next = pos + span.len;
    out.documents.push(span);
    Ok(Some(next))
}

fn next_prefixed(
    file: &[u8],
    pos: usize,
    limits: &SplitLimits,
    out: &mut SplitOutcome,
) -> Result<Option<usize>, SplitError> {
    if pos == file.len() {
        return Ok(None);
    }
    let mut r = Reader::at(&file[pos..], pos);
    let declared = usize::from(r.u16_be()?);
    if declared == 0 || declared == 0xFFFF {
        out.data_after_filler = file[pos + 2..]
            .iter()
            .position(|&b| !is_filler(b))
            .map(|i| pos + 2 + i);
        return Ok(None);
    }
    check_count(out, pos, limits)?;
    let body = r.take(declared)?;
    let span = walk_document(body, pos + 2, limits.max_depth)?;
    if span.len != declared {
        return Err(SplitError {
            offset: pos,
            kind: SplitErrorKind::LengthMismatch {
                declared,
                walked: span.len,
            },
        });
    }
    out.documents.push(span);
    Ok(Some(pos + 2 + declared))
}

/// Walks one WBXML document at the start of `bytes` (whose first byte is at absolute `base`)
/// and returns where it ends. Bytes after the document are not looked at.
pub fn walk_document(bytes: &[u8], base: usize, max_depth: usize) -> Result<DocSpan, SplitError> {
    let err = |offset, kind| SplitError { offset, kind };
    let mut r = Reader::at(bytes, base);
    let version = r.u8()?;
    if !(0x01..=0x03).contains(&version) {
        return Err(err(base, SplitErrorKind::NotWbxml(version)));
    }
    let pid = r.uintvar()?;
    let public_id = if pid == 0 {
        PublicId::StringTable(r.uintvar()?)
    } else {
        PublicId::Known(pid)
    };
    let charset = r.uintvar()?;
    let table_len = r.uintvar()? as usize;
    let table_at = r.offset();
    let table = r.take(table_len)?;
    // UTF-16 strings end with two zero bytes (MIBenum 1013, 1014, 1015).
    let wide = matches!(charset, 1013..=1015);
    let public_id_text = match public_id {
        PublicId::StringTable(i) if !wide => {
            let s = table
                .get(i as usize..)
                .ok_or(err(table_at, SplitErrorKind::BadPublicIdRef(i)))?;
            let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
            Some(String::from_utf8_lossy(&s[..end]).into_owned())
        }
        _ => None,
    };

    while r.peek() == Some(PI) {
        r.u8()?;
        skip_attributes(&mut r, wide)?;
    }
    let mut depth = 0usize;
    loop {
        let at = r.offset();
        let t = r.u8()?;
        let outside = || err(at, SplitErrorKind::OutsideRoot(t));
        match t {
            SWITCH_PAGE => {
                r.u8()?;
            }
            END => {
                depth = depth.checked_sub(1).ok_or_else(outside)?;
                if depth == 0 {
                    break;
                }
            }
            PI => skip_attributes(&mut r, wide)?,
            ENTITY | STR_I | EXT_I_0..=EXT_I_2 | EXT_T_0..=STR_T | EXT_0..=EXT_2 | OPAQUE
                if depth == 0 =>
            {
                return Err(outside());
            }
            ENTITY | EXT_T_0..=STR_T => {
                r.uintvar()?;
            }
            STR_I | EXT_I_0..=EXT_I_2 => skip_termstr(&mut r, wide)?,
            EXT_0..=EXT_2 => {}
            OPAQUE => {
                let n = r.uintvar()? as usize;
                r.take(n)?;
            }
            _ => {
                // A tag, or one of the LITERAL forms whose name is a string-table offset.
                if t & 0x3F == LITERAL {
                    r.uintvar()?;
                }
                if t & 0x80 != 0 {
                    skip_attributes(&mut r, wide)?;
                }
                if t & 0x40 != 0 {
                    depth += 1;
                    if depth > max_depth {
                        return Err(err(at, SplitErrorKind::TooDeep(max_depth)));
                    }
                } else if depth == 0 {
                    break; // an empty root element
                }
            }
        }
    }
    while r.peek() == Some(PI) {
        r.u8()?;
        skip_attributes(&mut r, wide)?;
    }
    Ok(DocSpan {
        offset: base,
        len: r.offset() - base,
        version,
        public_id,
        public_id_text,
        charset,
    })
}

const SWITCH_PAGE: u8 = 0x00;
const END: u8 = 0x01;
const ENTITY: u8 = 0x02;
const STR_I: u8 = 0x03;
const LITERAL: u8 = 0x04;
const EXT_I_0: u8 = 0x40;
const EXT_I_2: u8 = 0x42;
const PI: u8 = 0x43;
const EXT_T_0: u8 = 0x80;
const STR_T: u8 = 0x83;
const EXT_0: u8 = 0xC0;
const EXT_2: u8 = 0xC2;
const OPAQUE: u8 = 0xC3;

/// Skips an attribute list up to and including its END.
fn skip_attributes(r: &mut Reader<'_>, wide: bool) -> Result<(), SplitError> {
    loop {
        let at = r.offset();
        match r.u8()? {
            END => return Ok(()),
            SWITCH_PAGE => {
                r.u8()?;
            }
            PI => {
                return Err(SplitError {
                    offset: at,
                    kind: SplitErrorKind::PiInAttributes,
                });
            }
            STR_I | EXT_I_0..=EXT_I_2 => skip_termstr(r, wide)?,
            ENTITY | EXT_T_0..=STR_T => {
                r.uintvar()?;
            }
            t if t & 0x3F == LITERAL => {
                r.uintvar()?;
            }
            OPAQUE => {
                let n = r.uintvar()? as usize;
                r.take(n)?;
            }
            _ => {} // attribute start or value token, or EXT_0..2
        }
    }
}

fn skip_termstr(r: &mut Reader<'_>, wide: bool) -> Result<(), SplitError> {
    if !wide {
        r.cstr()?;
        return Ok(());
    }
    let start = r.offset();
    loop {
        match r.take(2) {
            Ok([0, 0]) => return Ok(()),
            Ok(_) => {}
            Err(_) => {
                return Err(SplitError {
                    offset: start,
                    kind: SplitErrorKind::Unterminated,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `<wap-provisioningdoc><characteristic type="BOOTSTRAP"><parm name="NAME"
    /// value="x"/></characteristic></wap-provisioningdoc>` in the shape libwbxml writes.
    const DOC: &[u8] = &[
        0x03, 0x0B, 0x6A, 0x00, 0x45, 0xC6, 0x53, 0x01, 0x87, 0x07, 0x06, 0x03, b'x', 0x00, 0x01,
        0x01, 0x01,
    ];

    #[test]
    fn one_document_then_filler() {
        let mut file = DOC.to_vec();
        file.extend([0xFF; 20]);
        let out = split_documents(&file, Layout::Concatenated, &SplitLimits::default());
        let docs = out.clone().into_result().unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(
            (
                docs[0].offset,
                docs[0].len,
                docs[0].version,
                docs[0].charset
            ),
            (0, DOC.len(), 3, 0x6A)
        );
        assert!(docs[0].is_provisioning());
        assert_eq!(docs[0].bytes(&file), DOC);
        assert_eq!(out.data_after_filler, None);
    }

    #[test]
    fn several_documents_and_data_after_filler() {
        let mut file = DOC.to_vec();
        file.extend(DOC);
        file.extend([0x00, 0x00, 0x03]);
        let out = split_documents(&file, Layout::Concatenated, &SplitLimits::default());
        assert_eq!(
            out.documents.iter().map(|d| d.offset).collect::<Vec<_>>(),
            [0, DOC.len()]
        );
        assert_eq!(out.error, None);
        assert_eq!(out.data_after_filler, Some(2 * DOC.len() + 2));
    }

    #[test]
    fn empty_and_filler_only_files_hold_nothing() {
        for f in [&[][..], &[0xFF; 8][..], &[0x00][..]] {
            assert_eq!(
                split_documents(f, Layout::Concatenated, &SplitLimits::default()).into_result(),
                Ok(vec![])
            );
        }
    }

    #[test]
    fn string_table_public_id_and_every_global_token() {
        let mut d = vec![0x03, 0x00, 0x00, 0x6A, 0x1E];
        d.extend(PROV_PUBLIC_ID_TEXT.as_bytes());
        d.push(0);
        // root with attrs+content: LITERAL_AC (name at 0), attribute list using STR_T,
        // ENTITY, EXT_I_0, EXT_T_1, EXT_2, OPAQUE, LITERAL; then content tokens.
        d.extend([
            0xC4, 0x00, 0x05, 0x83, 0x00, 0x02, 0x20, 0x40, b'a', 0x00, 0x81, 0x01, 0xC2,
        ]);
        d.extend([0xC3, 0x02, 0xAB, 0xCD, 0x04, 0x00, 0x00, 0x01, 0x87, 0x01]);
        d.extend([
            0x02, 0x41, 0x03, b't', 0x00, 0x41, b'e', 0x00, 0x80, 0x05, 0xC0, 0xC3, 0x01, 0xEE,
        ]);
        d.extend([
            0x43, 0x05, 0x03, b'p', 0x00, 0x01, 0x44, 0x00, 0x05, 0x01, 0x01,
        ]);
        let docs = split_documents(&d, Layout::Concatenated, &SplitLimits::default())
            .into_result()
            .unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        assert_eq!(docs[0].len, d.len());
        assert_eq!(docs[0].public_id, PublicId::StringTable(0));
        assert!(docs[0].is_provisioning());
    }

    #[test]
    fn length_prefixed_layout() {
        let mut file = (DOC.len() as u16).to_be_bytes().to_vec();
        file.extend(DOC);
        file.extend([0xFF, 0xFF, 0xFF]);
        let docs = split_documents(&file, Layout::LengthPrefixed, &SplitLimits::default())
            .into_result()
            .unwrap();
        assert_eq!((docs[0].offset, docs[0].len), (2, DOC.len()));
        let mut bad = ((DOC.len() + 1) as u16).to_be_bytes().to_vec();
        bad.extend(DOC);
        bad.push(0xFF);
        let e = split_documents(&bad, Layout::LengthPrefixed, &SplitLimits::default())
            .into_result()
            .unwrap_err();
        assert_eq!(
            e,
            SplitError {
                offset: 0,
                kind: SplitErrorKind::LengthMismatch {
                    declared: 18,
                    walked: 17
                }
            }
        );
    }

    #[test]
    fn hostile_documents_are_typed_errors() {
        let lim = SplitLimits::default();
        let split = |f: &[u8]| {
            split_documents(f, Layout::Concatenated, &lim)
                .into_result()
                .unwrap_err()
        };
        // Truncated before the root closes.
        let e = split(&DOC[..DOC.len() - 1]);
        assert_eq!(
            e,
            SplitError {
                offset: 16,
                kind: SplitErrorKind::Truncated { wanted: 1, left: 0 }
            }
        );
        // Junk where a document should start.
        assert_eq!(split(b"<x/>").kind, SplitErrorKind::NotWbxml(b'<'));
        // String table longer than the file.
        assert_eq!(
            split(&[0x03, 0x0B, 0x6A, 0x7F, 0x00]).kind,
            SplitErrorKind::Truncated {
                wanted: 127,
                left: 1
            }
        );
        // Unterminated inline string.
        assert_eq!(
            split(&[0x03, 0x0B, 0x6A, 0x00, 0x45, 0x03, b'a']).kind,
            SplitErrorKind::Unterminated
        );
        // END before any element.
        assert_eq!(
            split(&[0x03, 0x0B, 0x6A, 0x00, 0x01]),
            SplitError {
                offset: 4,
                kind: SplitErrorKind::OutsideRoot(1)
            }
        );
        // Text before the root.
        assert_eq!(
            split(&[0x03, 0x0B, 0x6A, 0x00, 0x03, 0x00]).kind,
            SplitErrorKind::OutsideRoot(3)
        );
        // Overlong mb_u_int32.
        assert_eq!(
            split(&[0x03, 0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]).kind,
            SplitErrorKind::IntegerOverflow
        );
        // OPAQUE longer than the file.
        assert!(matches!(
            split(&[0x03, 0x0B, 0x6A, 0x00, 0x45, 0xC3, 0x81, 0x00]).kind,
            SplitErrorKind::Truncated { .. }
        ));
        // Public id text offset outside the table.
        assert_eq!(
            split(&[0x03, 0x00, 0x05, 0x6A, 0x00, 0x05]).kind,
            SplitErrorKind::BadPublicIdRef(5)
        );
        // PI inside attributes.
        assert_eq!(
            split(&[0x03, 0x0B, 0x6A, 0x00, 0x85, 0x43]).kind,
            SplitErrorKind::PiInAttributes
        );
    }

    #[test]
    fn depth_and_count_are_bounded() {
        let lim = SplitLimits {
            max_documents: 2,
            max_depth: 4,
        };
        let mut deep = vec![0x03, 0x0B, 0x6A, 0x00];
        deep.extend([0x45; 5]);
        deep.extend([0x01; 5]);
        let e = split_documents(&deep, Layout::Concatenated, &lim)
            .into_result()
            .unwrap_err();
        assert_eq!(
            e,
            SplitError {
                offset: 8,
                kind: SplitErrorKind::TooDeep(4)
            }
        );
        let three: Vec<u8> = DOC.iter().chain(DOC).chain(DOC).copied().collect();
        let out = split_documents(&three, Layout::Concatenated, &lim);
        assert_eq!(out.documents.len(), 2);
        assert_eq!(out.error.unwrap().kind, SplitErrorKind::TooManyDocuments(2));
    }

    #[test]
    fn utf16_strings_end_with_two_zero_bytes() {
        let d = [
            0x03, 0x0B, 0x87, 0x76, 0x00, 0x45, 0x03, b'a', 0x00, 0x00, 0x00, 0x01,
        ];
        let docs = split_documents(&d, Layout::Concatenated, &SplitLimits::default())
            .into_result()
            .unwrap();
        assert_eq!(docs[0].len, d.len());
        assert_eq!(docs[0].charset, 1014);
    }
}
