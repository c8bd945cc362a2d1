//! A bounded BER-TLV reader and a DER writer for the card's own structures
//! (ISO/IEC 7816-4 §5.2 BER-TLV data objects, X.690 definite lengths; smartcard.md §2.1).
//!
//! Every [`Tlv`] carries the absolute offset of its tag and of its value, so an error deep
//! inside an EF(DODF) entry names the byte of the file where it happened. A length is checked
//! against the bytes present before anything is sliced; nothing allocates.

use omacp_wire::{Reader, WireError, WireErrorKind};

/// A BER tag: its bytes as a big-endian number (one to three bytes, e.g. `0x61`, `0x5F2D`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(pub u32);

impl Tag {
    /// True for a constructed encoding (bit 6 of the first tag byte).
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    fn first_byte(self) -> u8 {
        let mut v = self.0;
        while v > 0xFF {
            v >>= 8;
        }
        v as u8
    }
}

impl core::fmt::Debug for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Tag({:#04X})", self.0)
    }
}

impl core::fmt::Display for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

/// What is wrong with a TLV structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlvErrorKind {
    /// The input ends inside a tag, a length or a value.
    #[error("truncated: needed {wanted} more byte(s), {left} left")]
    Truncated {
        /// Bytes the field needs.
        wanted: usize,
        /// Bytes that remain.
        left: usize,
    },
    /// A multi-byte tag longer than three bytes.
    #[error("tag longer than three bytes")]
    TagTooLong,
    /// The indefinite length form (0x80), which DER and ISO 7816 files do not use.
    #[error("indefinite length")]
    IndefiniteLength,
    /// A long-form length of more than three length bytes.
    #[error("length field of {0} bytes")]
    LengthTooLong(u8),
    /// A different tag than the structure requires.
    #[error("expected tag {expected:02X}, found {found:02X}")]
    UnexpectedTag {
        /// The tag the structure requires.
        expected: u32,
        /// The tag present.
        found: u32,
    },
    /// A required element is absent.
    #[error("missing element with tag {0:02X}")]
    Missing(u32),
    /// An element's value has an impossible size.
    #[error("value of {len} byte(s) where {what} is required")]
    BadValueLength {
        /// Its size.
        len: usize,
        /// What was expected (e.g. "an even number of bytes").
        what: &'static str,
    },
    /// An OBJECT IDENTIFIER that is empty, non-minimal or has an arc above 64 bits.
    #[error("malformed object identifier")]
    BadOid,
    /// An INTEGER that is empty or does not fit 32 bits.
    #[error("malformed or oversized integer")]
    BadInteger,
    /// A text field that is not UTF-8.
    #[error("text is not UTF-8")]
    BadText,
}

/// A TLV error: its kind and the absolute offset of the first byte involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct TlvError {
    /// Absolute offset in the file.
    pub offset: usize,
    /// What went wrong.
    pub kind: TlvErrorKind,
}

impl TlvError {
    /// An error at `offset`.
    pub fn at(offset: usize, kind: TlvErrorKind) -> Self {
        TlvError { offset, kind }
    }
}

impl From<WireError> for TlvError {
    fn from(e: WireError) -> Self {
        let kind = match e.kind {
            WireErrorKind::Truncated { wanted, left } => TlvErrorKind::Truncated { wanted, left },
            // The TLV reader uses only fixed-size reads; anything else is a truncation too.
            _ => TlvErrorKind::Truncated { wanted: 1, left: 0 },
        };
        TlvError {
            offset: e.offset,
            kind,
        }
    }
}

/// One data object: tag, value and where both sit in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The value bytes.
    pub value: &'a [u8],
    /// Absolute offset of the first tag byte.
    pub offset: usize,
    /// Absolute offset of the first value byte.
    pub value_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over this object's value (for constructed objects).
    pub fn children(&self) -> TlvReader<'a> {
        TlvReader::at(self.value, self.value_offset)
    }

    /// Fails unless the tag is `expected`.
    pub fn expect(&self, expected: u32) -> Result<(), TlvError> {
        if self.tag.0 == expected {
            Ok(())
        } else {
            Err(TlvError::at(
                self.offset,
                TlvErrorKind::UnexpectedTag {
                    expected,
                    found: self.tag.0,
                },
            ))
        }
    }

    /// The value as a non-negative DER INTEGER of at most 32 bits.
    pub fn as_u32(&self) -> Result<u32, TlvError> {
        let bad = TlvError::at(self.value_offset, TlvErrorKind::BadInteger);
        let v = self.value;
        // A leading 0x00 is allowed only to keep a high bit from reading as a sign.
        let digits = match v {
            [] => return Err(bad),
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ if v[0] & 0x80 != 0 => return Err(bad),
            _ => v,
        };
        if digits.len() > 4 {
            return Err(bad);
        }
        Ok(digits
            .iter()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
    }

    /// The value as UTF-8 text.
    pub fn as_text(&self) -> Result<&'a str, TlvError> {
        core::str::from_utf8(self.value)
            .map_err(|_| TlvError::at(self.value_offset, TlvErrorKind::BadText))
    }
}

/// A cursor over a sequence of BER-TLV objects.
#[derive(Debug, Clone)]
pub struct TlvReader<'a> {
    r: Reader<'a>,
}

/// Filler bytes ISO/IEC 7816-4 allows before, between and after data objects.
pub fn is_filler(b: u8) -> bool {
    b == 0x00 || b == 0xFF
}

impl<'a> TlvReader<'a> {
    /// A reader over `buf`, whose first byte is at absolute offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::at(buf, 0)
    }

    /// A reader over `buf`, whose first byte is at absolute offset `base`.
    pub fn at(buf: &'a [u8], base: usize) -> Self {
        TlvReader {
            r: Reader::at(buf, base),
        }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.r.offset()
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    /// Skips `00`/`FF` filler bytes (ISO/IEC 7816-4 §5.2); used between the top-level objects
    /// of a file, whose unused tail is filled this way.
    pub fn skip_filler(&mut self) {
        while self.r.peek().is_some_and(is_filler) {
            let _ = self.r.u8();
        }
    }

    /// The next object, or `None` at the end.
    pub fn next_tlv(&mut self) -> Result<Option<Tlv<'a>>, TlvError> {
        if self.r.is_empty() {
            return Ok(None);
        }
        let offset = self.r.offset();
        let tag = self.tag()?;
        let len_offset = self.r.offset();
        let len = self.length(len_offset)?;
        let value_offset = self.r.offset();
        let value = self.r.take(len)?;
        Ok(Some(Tlv {
            tag,
            value,
            offset,
            value_offset,
        }))
    }

    /// The next object, which must exist and carry `tag`.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        let at = self.offset();
        let t = self
            .next_tlv()?
            .ok_or(TlvError::at(at, TlvErrorKind::Missing(tag)))?;
        t.expect(tag)?;
        Ok(t)
    }

    fn tag(&mut self) -> Result<Tag, TlvError> {
        let start = self.r.offset();
        let first = self.r.u8()?;
        let mut v = u32::from(first);
        if first & 0x1F == 0x1F {
            // Subsequent tag bytes carry bit 8 while more follow; three bytes in all at most.
            for i in 0.. {
                let b = self.r.u8()?;
                v = (v << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
                if i == 1 {
                    return Err(TlvError::at(start, TlvErrorKind::TagTooLong));
                }
            }
        }
        Ok(Tag(v))
    }

    fn length(&mut self, at: usize) -> Result<usize, TlvError> {
        let first = self.r.u8()?;
        match first {
            0..=0x7F => Ok(usize::from(first)),
            0x80 => Err(TlvError::at(at, TlvErrorKind::IndefiniteLength)),
            0x81..=0x83 => {
                let n = usize::from(first & 0x7F);
                let bytes = self.r.take(n)?;
                Ok(bytes
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
            }
            _ => Err(TlvError::at(at, TlvErrorKind::LengthTooLong(first & 0x7F))),
        }
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    /// Yields objects until the end; after an error, yields nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_tlv() {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => {
                let _ = self.r.rest();
                Some(Err(e))
            }
        }
    }
}

/// Appends a DER TLV with a one-, two- or three-byte tag.
pub fn write(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    for shift in [16, 8] {
        if tag >> shift != 0 {
            out.push((tag >> shift) as u8);
        }
    }
    out.push(tag as u8);
    write_len(out, value.len());
    out.extend_from_slice(value);
}

/// Appends a DER definite length.
pub fn write_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// A DER TLV as a new vector.
pub fn der(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 5);
    write(&mut out, tag, value);
    out
}

/// A DER INTEGER value for a non-negative number.
pub fn integer_value(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    let mut out = Vec::with_capacity(5);
    if bytes[skip] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[skip..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_objects_with_absolute_offsets() {
        // 61 { 4F 02 A0 00, 50 01 'x' } then filler.
        let bytes = [
            0x61, 0x07, 0x4F, 0x02, 0xA0, 0x00, 0x50, 0x01, b'x', 0xFF, 0xFF,
        ];
        let mut r = TlvReader::at(&bytes, 100);
        let app = r.next_tlv().unwrap().unwrap();
        assert_eq!(
            (app.tag, app.offset, app.value_offset),
            (Tag(0x61), 100, 102)
        );
        assert!(app.tag.is_constructed());
        let mut c = app.children();
        let aid = c.expect(0x4F).unwrap();
        assert_eq!((aid.value, aid.offset), (&[0xA0, 0x00][..], 102));
        assert_eq!(c.expect(0x50).unwrap().as_text().unwrap(), "x");
        assert_eq!(c.next_tlv().unwrap(), None);
        r.skip_filler();
        assert!(r.is_empty());
    }

    #[test]
    fn long_lengths_and_multi_byte_tags() {
        let mut v = vec![0x5F, 0x2D, 0x81, 0x80];
        v.extend(std::iter::repeat_n(7u8, 128));
        let t = TlvReader::new(&v).next_tlv().unwrap().unwrap();
        assert_eq!(
            (t.tag, t.value.len(), t.value_offset),
            (Tag(0x5F2D), 128, 4)
        );
        assert_eq!(der(0x5F2D, &v[4..]), v);
    }

    #[test]
    fn hostile_lengths_are_typed_errors() {
        let cases: &[(&[u8], TlvError)] = &[
            (
                &[0x30, 0x05, 0x01],
                TlvError::at(2, TlvErrorKind::Truncated { wanted: 5, left: 1 }),
            ),
            (
                &[0x30, 0x80, 0x00, 0x00],
                TlvError::at(1, TlvErrorKind::IndefiniteLength),
            ),
            (
                &[0x30, 0x84, 0, 0, 0, 1],
                TlvError::at(1, TlvErrorKind::LengthTooLong(4)),
            ),
            (
                &[0x30, 0x83, 0xFF, 0xFF],
                TlvError::at(2, TlvErrorKind::Truncated { wanted: 3, left: 2 }),
            ),
            (
                &[0x30, 0x83, 0xFF, 0xFF, 0xFF],
                TlvError::at(
                    5,
                    TlvErrorKind::Truncated {
                        wanted: 0xFF_FFFF,
                        left: 0,
                    },
                ),
            ),
            (
                &[0x1F, 0x81, 0x82, 0x01, 0x00],
                TlvError::at(0, TlvErrorKind::TagTooLong),
            ),
            (
                &[0x1F],
                TlvError::at(1, TlvErrorKind::Truncated { wanted: 1, left: 0 }),
            ),
            (
                &[0x30],
                TlvError::at(1, TlvErrorKind::Truncated { wanted: 1, left: 0 }),
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                TlvReader::new(bytes).next_tlv().unwrap_err(),
                *want,
                "{bytes:02X?}"
            );
        }
    }

    #[test]
    fn integers() {
        let t = |v: &[u8]| {
            Tlv {
                tag: Tag(2),
                value: v,
                offset: 0,
                value_offset: 2,
            }
            .as_u32()
        };
        assert_eq!(t(&[0x00, 0x80]), Ok(128));
        assert_eq!(t(&[0x7F]), Ok(127));
        assert!(t(&[]).is_err());
        assert!(t(&[0x80]).is_err());
        assert!(t(&[1, 2, 3, 4, 5]).is_err());
        for v in [0u32, 1, 127, 128, 255, 256, 0x7FFF_FFFF, u32::MAX] {
            assert_eq!(t(&integer_value(v)), Ok(v), "{v}");
        }
    }

    #[test]
    fn iterator_stops_after_an_error() {
        let mut it = TlvReader::new(&[0x04, 0x01, 0xAA, 0x04, 0x09]);
        assert!(it.next().unwrap().is_ok());
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }
}
