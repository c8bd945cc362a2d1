//! OBJECT IDENTIFIER values (X.690 §8.19): the keys of the provisioning objects in an
//! EF(DODF) (smartcard.md §2.2). Decoding is bounded: at most [`MAX_ARCS`] arcs of 64 bits.

use crate::tlv::{TlvError, TlvErrorKind};

/// Most arcs an identifier may have; real ones have fewer than twenty.
pub const MAX_ARCS: usize = 32;

/// An object identifier such as `2.23.43.7.1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(Vec<u64>);

/// Why a dotted identifier could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not an object identifier (dotted numbers, first arc 0-2, second below 40 under 0 and 1): {0:?}"
)]
pub struct OidParseError(pub String);

impl Oid {
    /// The arcs.
    pub fn arcs(&self) -> &[u64] {
        &self.0
    }

    /// An identifier from its arcs; `None` if they break the X.660 rules.
    pub fn from_arcs(arcs: &[u64]) -> Option<Oid> {
        let ok = arcs.len() >= 2
            && arcs.len() <= MAX_ARCS
            && arcs[0] <= 2
            && (arcs[0] == 2 || arcs[1] < 40)
            && arcs[1] <= u64::MAX - 80;
        ok.then(|| Oid(arcs.to_vec()))
    }

    /// Decodes the contents octets of an OBJECT IDENTIFIER (no tag or length);
    /// `base` is the absolute offset of the first byte, for errors.
    pub fn decode(bytes: &[u8], base: usize) -> Result<Oid, TlvError> {
        let bad = |at: usize| TlvError::at(base + at, TlvErrorKind::BadOid);
        if bytes.is_empty() {
            return Err(bad(0));
        }
        let mut subids: Vec<u64> = Vec::new();
        let mut v: u64 = 0;
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if i == start && b == 0x80 {
                return Err(bad(i)); // non-minimal: a leading 0x80 adds nothing
            }
            if v >> 57 != 0 {
                return Err(bad(start));
            }
            v = (v << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                if subids.len() == MAX_ARCS - 1 {
                    return Err(bad(start));
                }
                subids.push(v);
                v = 0;
                start = i + 1;
            }
        }
        if start != bytes.len() {
            return Err(bad(start)); // the last subidentifier still had its continuation bit
        }
        let first = subids[0];
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        let mut arcs = Vec::with_capacity(subids.len() + 1);
        arcs.extend([a, b]);
        arcs.extend_from_slice(&subids[1..]);
        Ok(Oid(arcs))
    }

    /// The contents octets (no tag or length).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let first = self.0[0] * 40 + self.0[1];
        for &v in core::iter::once(&first).chain(&self.0[2..]) {
            let mut groups = [0u8; 10];
            let mut n = 0;
            let mut x = v;
            loop {
                groups[n] = (x & 0x7F) as u8;
                n += 1;
                x >>= 7;
                if x == 0 {
                    break;
                }
            }
            for i in (0..n).rev() {
                out.push(groups[i] | if i == 0 { 0 } else { 0x80 });
            }
        }
        out
    }
}

impl core::fmt::Display for Oid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl core::str::FromStr for Oid {
    type Err = OidParseError;

    fn from_str(s: &str) -> Result<Oid, OidParseError> {
        let err = || OidParseError(s.chars().take(80).collect());
        let mut arcs = Vec::new();
        for part in s.trim().split('.') {
            if part.is_empty()
                || !part.bytes().all(|b| b.is_ascii_digit())
                || arcs.len() == MAX_ARCS
            {
                return Err(err());
            }
            arcs.push(part.parse::<u64>().map_err(|_| err())?);
        }
        Oid::from_arcs(&arcs).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        // 2.23.43.7.1: 2*40+23 = 103 = 0x67, then 0x2B, 0x07, 0x01 (the DM bootstrap OID).
        let oid: Oid = "2.23.43.7.1".parse().unwrap();
        assert_eq!(oid.encode(), [0x67, 0x2B, 0x07, 0x01]);
        assert_eq!(Oid::decode(&[0x67, 0x2B, 0x07, 0x01], 0).unwrap(), oid);
        // 1.2.840.113549 (rsadsi)
        let rsadsi = Oid::decode(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D], 0).unwrap();
        assert_eq!(rsadsi.to_string(), "1.2.840.113549");
        // 2.999.3: the first subidentifier itself needs two bytes.
        let big: Oid = "2.999.3".parse().unwrap();
        assert_eq!(big.encode(), [0x88, 0x37, 0x03]);
        assert_eq!(Oid::decode(&big.encode(), 0).unwrap(), big);
    }

    #[test]
    fn rejects_malformed() {
        for (bytes, at) in [
            (&[][..], 10),
            (&[0x2B, 0x80, 0x01][..], 11),
            (&[0x2B, 0x86][..], 11),
            (
                &[
                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
                ][..],
                10,
            ),
        ] {
            assert_eq!(
                Oid::decode(bytes, 10).unwrap_err(),
                TlvError::at(at, TlvErrorKind::BadOid),
                "{bytes:02X?}"
            );
        }
        let too_many = vec![0x01; MAX_ARCS];
        assert!(Oid::decode(&too_many, 0).is_err());
        for s in ["", "1", "3.1", "1.40", "1..2", "1.2.x", "-1.2"] {
            assert!(s.parse::<Oid>().is_err(), "{s}");
        }
    }
}
