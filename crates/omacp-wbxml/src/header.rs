//! The WBXML header: version, public identifier, charset and string table
//! (WAP-192 §5.4–5.7; wbxml.md §1).
//!
//! Charset policy (wbxml.md §1.4 leaves it to the implementation): UTF-8 (MIBenum 106)
//! is read as is; 0 ("unknown") and an absent field (WBXML 1.0) are read as UTF-8;
//! US-ASCII (3) and ISO-8859-1 (4) are transcoded to UTF-8; every other charset is
//! refused with [`ErrorKind::UnsupportedCharset`]. Multi-byte charsets such as UTF-16
//! cannot be carried in NUL-terminated strings anyway.

use omacp_wire::Reader;

use crate::error::{ErrorKind, WbxmlError};
use crate::limits::Limits;

/// WBXML version byte for 1.3, the version the encoder writes.
pub const VERSION_1_3: u8 = 0x03;
/// Well-known public identifier of `-//WAPFORUM//DTD PROV 1.0//EN`.
pub const PUBLIC_ID_PROV: u32 = 0x0B;
/// Public identifier "unknown or missing".
pub const PUBLIC_ID_UNKNOWN: u32 = 0x01;
/// The PROV formal public identifier, as a literal public id must spell it.
pub const PROV_FPI: &str = "-//WAPFORUM//DTD PROV 1.0//EN";
/// MIBenum of UTF-8.
pub const MIB_UTF8: u32 = 106;

/// How the document names its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicId {
    /// A well-known id (0x0B = PROV 1.0, 0x01 = unknown).
    Id(u32),
    /// A literal public id from the string table.
    Literal(String),
}

impl PublicId {
    /// True when this names PROV 1.0 (well-known 0x0B or the literal FPI).
    pub fn is_prov(&self) -> bool {
        match self {
            PublicId::Id(id) => *id == PUBLIC_ID_PROV,
            PublicId::Literal(s) => s == PROV_FPI,
        }
    }
}

impl core::fmt::Display for PublicId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PublicId::Id(id) => write!(f, "{id:#04x}"),
            PublicId::Literal(s) => write!(f, "{s:?}"),
        }
    }
}

/// A decoded header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The version byte: `(major - 1) << 4 | minor`, 0x00–0x03 for WBXML 1.0–1.3.
    pub version: u8,
    /// The public identifier.
    pub public_id: PublicId,
    /// The charset MIBenum as sent; `None` for WBXML 1.0, whose header has no charset.
    pub charset: Option<u32>,
    /// Length of the string table in bytes.
    pub string_table_len: usize,
}

/// The text encodings the decoder reads (see the module doc for the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8 (also used for MIBenum 0 and for WBXML 1.0).
    Utf8,
    /// US-ASCII: bytes 0x01–0x7F only.
    UsAscii,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
}

impl Charset {
    /// The charset for a header's MIBenum.
    pub fn from_mib(mib: Option<u32>) -> Result<Charset, ErrorKind> {
        match mib {
            None | Some(0) | Some(MIB_UTF8) => Ok(Charset::Utf8),
            Some(3) => Ok(Charset::UsAscii),
            Some(4) => Ok(Charset::Latin1),
            Some(other) => Err(ErrorKind::UnsupportedCharset(other)),
        }
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::UsAscii => "US-ASCII",
            Charset::Latin1 => "ISO-8859-1",
        }
    }

    /// Appends `bytes` (in this charset) to `out` as UTF-8. For UTF-8 the bytes are
    /// copied and validated later by the caller, so a character may span pieces.
    pub fn push(self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), ErrorKind> {
        match self {
            Charset::Utf8 => out.extend_from_slice(bytes),
            Charset::UsAscii => {
                if !bytes.is_ascii() {
                    return Err(ErrorKind::InvalidText {
                        charset: self.name(),
                    });
                }
                out.extend_from_slice(bytes);
            }
            Charset::Latin1 => {
                for &b in bytes {
                    let mut buf = [0u8; 2];
                    out.extend_from_slice(char::from(b).encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        Ok(())
    }

    /// Converts a whole string of this charset to UTF-8.
    pub fn decode(self, bytes: &[u8]) -> Result<String, ErrorKind> {
        let mut v = Vec::with_capacity(bytes.len());
        self.push(bytes, &mut v)?;
        String::from_utf8(v).map_err(|_| ErrorKind::InvalidText {
            charset: self.name(),
        })
    }
}

/// The header plus what the body parser needs from it.
#[derive(Debug, Clone)]
pub(crate) struct Parsed<'a> {
    pub header: Header,
    pub charset: Charset,
    /// The string table bytes.
    pub table: &'a [u8],
}

/// The NUL-terminated string at `index` in `table` (checked before it is followed).
/// `at` is the offset of the reference, for errors.
pub(crate) fn table_str(table: &[u8], index: u32, at: usize) -> Result<&[u8], WbxmlError> {
    let i = index as usize;
    if i >= table.len() {
        return Err(WbxmlError::new(
            at,
            ErrorKind::StringTableIndex {
                index,
                len: table.len(),
            },
        ));
    }
    let rest = &table[i..];
    match rest.iter().position(|&b| b == 0) {
        Some(n) => Ok(&rest[..n]),
        None => Err(WbxmlError::new(
            at,
            ErrorKind::StringTableUnterminated { index },
        )),
    }
}

/// Reads the header from the start of `r`.
pub(crate) fn parse<'a>(r: &mut Reader<'a>, limits: &Limits) -> Result<Parsed<'a>, WbxmlError> {
    let at = r.offset();
    let version = r.u8()?;
    if version > VERSION_1_3 {
        return Err(WbxmlError::new(at, ErrorKind::UnsupportedVersion(version)));
    }
    let pid_at = r.offset();
    let pid = r.uintvar()?;
    // A literal public id is 0 followed by a string-table index; the table comes later.
    let literal_index = if pid == 0 {
        Some((r.offset(), r.uintvar()?))
    } else {
        None
    };
    let cs_at = r.offset();
    let charset_mib = if version == 0 {
        None
    } else {
        Some(r.uintvar()?)
    };
    let charset = Charset::from_mib(charset_mib).map_err(|k| WbxmlError::new(cs_at, k))?;
    let len_at = r.offset();
    let len = r.uintvar()?;
    if len as usize > limits.max_string_table {
        return Err(WbxmlError::new(
            len_at,
            ErrorKind::StringTableTooLarge {
                len,
                limit: limits.max_string_table,
            },
        ));
    }
    let table = r.take(len as usize)?;
    let public_id = match literal_index {
        None => PublicId::Id(pid),
        Some((idx_at, idx)) => {
            let s = table_str(table, idx, idx_at)?;
            PublicId::Literal(charset.decode(s).map_err(|k| WbxmlError::new(pid_at, k))?)
        }
    };
    Ok(Parsed {
        header: Header {
            version,
            public_id,
            charset: charset_mib,
            string_table_len: table.len(),
        },
        charset,
        table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_1_0_without_charset_and_a_literal_public_id() {
        let mut bytes = vec![0x00, 0x00, 0x00, 0x1E];
        bytes.extend_from_slice(PROV_FPI.as_bytes());
        bytes.push(0);
        let mut r = Reader::new(&bytes);
        let p = parse(&mut r, &Limits::HANDSET).unwrap();
        assert_eq!(p.header.charset, None);
        assert_eq!(p.charset, Charset::Utf8);
        assert!(p.header.public_id.is_prov());
        assert!(r.is_empty());
    }

    #[test]
    fn charset_policy() {
        assert_eq!(Charset::from_mib(Some(0)), Ok(Charset::Utf8));
        assert_eq!(Charset::from_mib(Some(4)), Ok(Charset::Latin1));
        assert_eq!(
            Charset::from_mib(Some(1015)),
            Err(ErrorKind::UnsupportedCharset(1015))
        );
        assert_eq!(Charset::Latin1.decode(b"caf\xE9").unwrap(), "café");
        assert!(Charset::UsAscii.decode(b"caf\xE9").is_err());
        assert!(Charset::Utf8.decode(b"caf\xE9").is_err());
    }

    #[test]
    fn literal_public_id_index_is_checked() {
        let bytes = [0x03, 0x00, 0x05, 0x6A, 0x02, b'a', 0x00];
        let e = parse(&mut Reader::new(&bytes), &Limits::HANDSET).unwrap_err();
        assert_eq!(
            (e.offset, e.kind),
            (2, ErrorKind::StringTableIndex { index: 5, len: 2 })
        );
    }

    #[test]
    fn string_table_limit_before_allocation() {
        let bytes = [0x03, 0x0B, 0x6A, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F];
        let e = parse(&mut Reader::new(&bytes), &Limits::HANDSET).unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(matches!(e.kind, ErrorKind::StringTableTooLarge { .. }));
    }
}
