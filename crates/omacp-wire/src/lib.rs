//! The byte-level vocabulary every omacp decoder shares.
//!
//! [`Reader`] is a bounded cursor that knows the absolute offset of every byte it
//! hands out, so an error deep inside a WSP header or a WBXML string table still
//! names the byte of the original input where it happened. Nothing here allocates
//! in proportion to a length read from the input: lengths are checked against the
//! bytes present first.
//!
//! `uintvar` (WSP) and `mb_u_int32` (WBXML) are the same encoding: big-endian
//! base-128, continuation bit 0x80, at most five bytes for a 32-bit value.

#![forbid(unsafe_code)]

pub mod civil;
pub mod hex;

/// What went wrong while reading raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// The input ends before a field it announced.
    #[error("truncated: needed {wanted} more byte(s), {left} left")]
    Truncated {
        /// Bytes the field needs.
        wanted: usize,
        /// Bytes that remain.
        left: usize,
    },
    /// A uintvar/mb_u_int32 runs past five bytes or past 32 bits.
    #[error("multi-byte integer longer than 32 bits")]
    UintvarOverflow,
    /// A NUL-terminated string has no NUL before the end of its field.
    #[error("string is not NUL-terminated")]
    Unterminated,
}

/// A raw read error: its kind and the absolute offset of the first byte involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct WireError {
    /// Absolute offset in the original input.
    pub offset: usize,
    /// What went wrong.
    pub kind: WireErrorKind,
}

/// A bounded cursor over a byte slice that remembers its absolute position.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first byte is at absolute offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::at(buf, 0)
    }

    /// A reader over `buf`, whose first byte is at absolute offset `base`.
    pub fn at(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn err(&self, kind: WireErrorKind) -> WireError {
        WireError {
            offset: self.offset(),
            kind,
        }
    }

    /// The next byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        let b = self
            .peek()
            .ok_or(self.err(WireErrorKind::Truncated { wanted: 1, left: 0 }))?;
        self.pos += 1;
        Ok(b)
    }

    /// A big-endian 16-bit integer.
    pub fn u16_be(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian 32-bit integer.
    pub fn u32_be(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.remaining() {
            return Err(self.err(WireErrorKind::Truncated {
                wanted: n,
                left: self.remaining(),
            }));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A sub-reader over the next `n` bytes (checked before anything is read).
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, WireError> {
        let base = self.offset();
        Ok(Reader::at(self.take(n)?, base))
    }

    /// Everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// A uintvar / mb_u_int32 (WAP-230 §8.1.2, WAP-192 §5.1).
    pub fn uintvar(&mut self) -> Result<u32, WireError> {
        let start = self.offset();
        let mut v: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            // The fifth byte may carry only the top four bits of a 32-bit value.
            if i == 4 && (v >> 25) != 0 {
                return Err(WireError {
                    offset: start,
                    kind: WireErrorKind::UintvarOverflow,
                });
            }
            v = (v << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireError {
            offset: start,
            kind: WireErrorKind::UintvarOverflow,
        })
    }

    /// Bytes up to (not including) the next NUL; the NUL is consumed.
    pub fn cstr(&mut self) -> Result<&'a [u8], WireError> {
        let rest = &self.buf[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => Err(self.err(WireErrorKind::Unterminated)),
        }
    }
}

/// Number of bytes `v` takes as a uintvar.
pub fn uintvar_len(v: u32) -> usize {
    match v {
        0..=0x7F => 1,
        0x80..=0x3FFF => 2,
        0x4000..=0x1F_FFFF => 3,
        0x20_0000..=0xFFF_FFFF => 4,
        _ => 5,
    }
}

/// Appends `v` as a uintvar / mb_u_int32.
pub fn write_uintvar(out: &mut Vec<u8>, v: u32) {
    let n = uintvar_len(v);
    for i in (0..n).rev() {
        let cont = if i == 0 { 0 } else { 0x80 };
        out.push(((v >> (7 * i)) & 0x7F) as u8 | cont);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uintvar_vectors() {
        for (v, bytes) in [
            (0u32, &[0x00][..]),
            (127, &[0x7F]),
            (128, &[0x81, 0x00]),
            (160, &[0x81, 0x20]),
            (65535, &[0x83, 0xFF, 0x7F]),
            (u32::MAX, &[0x8F, 0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let mut out = Vec::new();
            write_uintvar(&mut out, v);
            assert_eq!(out, bytes, "encode {v}");
            assert_eq!(uintvar_len(v), bytes.len());
            assert_eq!(Reader::new(bytes).uintvar(), Ok(v), "decode {v}");
        }
    }

    #[test]
    fn uintvar_rejects_overflow_and_truncation() {
        let e = Reader::new(&[0x90, 0x80, 0x80, 0x80, 0x00])
            .uintvar()
            .unwrap_err();
        assert_eq!(e.kind, WireErrorKind::UintvarOverflow);
        let e = Reader::new(&[0x81, 0x81, 0x81, 0x81, 0x81, 0x00])
            .uintvar()
            .unwrap_err();
        assert_eq!(e.kind, WireErrorKind::UintvarOverflow);
        let e = Reader::at(&[0x81], 10).uintvar().unwrap_err();
        assert_eq!(
            e,
            WireError {
                offset: 11,
                kind: WireErrorKind::Truncated { wanted: 1, left: 0 }
            }
        );
    }

    #[test]
    fn sub_reader_keeps_absolute_offsets() {
        let mut r = Reader::at(&[1, 2, 3, 4, 5], 100);
        r.u8().unwrap();
        let mut s = r.sub(2).unwrap();
        assert_eq!(s.offset(), 101);
        s.take(2).unwrap();
        assert_eq!(s.u8().unwrap_err().offset, 103);
        assert!(r.sub(3).is_err());
        assert_eq!(r.rest(), &[4, 5]);
    }

    #[test]
    fn cstr_needs_a_nul() {
        let mut r = Reader::new(b"ab\0cd");
        assert_eq!(r.cstr().unwrap(), b"ab");
        assert_eq!(r.cstr().unwrap_err().kind, WireErrorKind::Unterminated);
    }
}
