//! The MAC: HMAC-SHA1 over exactly the transported body, written as 40 hex characters
//! (security.md §3), and the USERPINMAC digits a user types (§4.4).
//!
//! Senders emit upper-case hex. Receivers parse the hex case-insensitively into 20 bytes and
//! compare the bytes in constant time.

use hmac::{Hmac, KeyInit, Mac as _};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::key::{MacKey, Pin};

/// HMAC-SHA1 output length.
pub const MAC_LEN: usize = 20;
/// Length of the MAC parameter's text: two hex characters per byte.
pub const MAC_HEX_LEN: usize = 2 * MAC_LEN;
/// Longest USERPINMAC PIN: the decimal part takes one HMAC byte per PIN character.
pub const USERPINMAC_MAX_PIN: usize = MAC_LEN;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// A 20-byte HMAC-SHA1 value. Not secret: it travels in the clear.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac([u8; MAC_LEN]);

/// Why a received MAC parameter is not a MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedMac {
    /// Not exactly 40 characters.
    #[error("MAC has {len} characters, must be {MAC_HEX_LEN} hex digits")]
    WrongLength {
        /// Characters received.
        len: usize,
    },
    /// A character that is not a hex digit.
    #[error("MAC character {index} is not a hex digit")]
    NotHex {
        /// Its index.
        index: usize,
    },
}

impl Mac {
    /// HMAC-SHA1(`key`, `body`): `body` must be exactly the bytes transported (the whole
    /// WBXML document as sent), never a re-encoding.
    pub fn compute(key: &MacKey, body: &[u8]) -> Mac {
        let mut h = <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes())
            .expect("HMAC accepts keys of any length");
        h.update(body);
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&h.finalize().into_bytes());
        Mac(out)
    }

    /// Wraps 20 raw bytes.
    pub fn from_bytes(bytes: [u8; MAC_LEN]) -> Mac {
        Mac(bytes)
    }

    /// The 20 bytes.
    pub fn as_bytes(&self) -> &[u8; MAC_LEN] {
        &self.0
    }

    /// Upper-case hex ASCII, as sent in the MAC parameter (no allocation).
    pub fn to_hex(&self) -> [u8; MAC_HEX_LEN] {
        let mut out = [0u8; MAC_HEX_LEN];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX_UPPER[usize::from(b >> 4)];
            out[2 * i + 1] = HEX_UPPER[usize::from(b & 0xF)];
        }
        out
    }

    /// Reads a received MAC parameter: exactly 40 hex digits, either case.
    pub fn parse_hex(text: &[u8]) -> Result<Mac, MalformedMac> {
        if text.len() != MAC_HEX_LEN {
            return Err(MalformedMac::WrongLength { len: text.len() });
        }
        let digit = |index: usize| -> Result<u8, MalformedMac> {
            char::from(text[index])
                .to_digit(16)
                .map(|d| d as u8)
                .ok_or(MalformedMac::NotHex { index })
        };
        let mut out = [0u8; MAC_LEN];
        for (i, o) in out.iter_mut().enumerate() {
            *o = digit(2 * i)? << 4 | digit(2 * i + 1)?;
        }
        Ok(Mac(out))
    }

    /// Constant-time equality (use this, not `==`, when one side is attacker-controlled).
    pub fn ct_eq(&self, other: &Mac) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl core::fmt::Display for Mac {
    /// Upper-case hex.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let hex = self.to_hex();
        // to_hex only produces ASCII.
        f.write_str(core::str::from_utf8(&hex).map_err(|_| core::fmt::Error)?)
    }
}

impl core::fmt::Debug for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Mac({self})")
    }
}

/// Why a USERPINMAC code could not be made or a PIN generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserPinMacError {
    /// The PIN is longer than [`USERPINMAC_MAX_PIN`] characters.
    #[error("USERPINMAC PIN has {len} characters, at most {USERPINMAC_MAX_PIN} possible")]
    PinTooLong {
        /// PIN length.
        len: usize,
    },
    /// A generated PIN needs between 1 and [`USERPINMAC_MAX_PIN`] digits.
    #[error("cannot generate a PIN of {digits} digits (1..={USERPINMAC_MAX_PIN})")]
    BadPinLength {
        /// Digits asked for.
        digits: usize,
    },
    /// The entropy given ran out before enough unbiased digits were drawn.
    #[error("not enough entropy bytes for {digits} unbiased digits")]
    NotEnoughEntropy {
        /// Digits asked for.
        digits: usize,
    },
}

/// The decimal check digits for `pin` over `body`: digit i is HMAC byte i mod 10, one digit
/// per PIN character (security.md §4.4). The result is written into `out[..pin.len()]`.
fn userpinmac_digits(pin: &[u8], body: &[u8], out: &mut [u8]) {
    // A PIN that is not a valid key cannot come from `Pin`; the raw key path keeps it simple.
    let mut k = Zeroizing::new([0u8; USERPINMAC_MAX_PIN]);
    let n = pin.len().min(USERPINMAC_MAX_PIN);
    k[..n].copy_from_slice(&pin[..n]);
    let key = MacKey::from_raw(&k[..n]).expect("at most 20 bytes");
    let m = Mac::compute(&key, body);
    for (o, b) in out.iter_mut().zip(m.as_bytes().iter()).take(n) {
        *o = b'0' + b % 10;
    }
}

/// Server side of USERPINMAC: the string the user must type, `PIN ‖ digits` (security.md
/// §4.4). The result is itself a secret and is returned as a [`Pin`].
pub fn userpinmac_code(pin: &Pin, body: &[u8]) -> Result<Pin, UserPinMacError> {
    let n = pin.len();
    if n > USERPINMAC_MAX_PIN {
        return Err(UserPinMacError::PinTooLong { len: n });
    }
    let mut code = Zeroizing::new([0u8; 2 * USERPINMAC_MAX_PIN]);
    code[..n].copy_from_slice(pin.as_bytes());
    let (head, tail) = code.split_at_mut(n);
    userpinmac_digits(head, body, &mut tail[..n]);
    let text = core::str::from_utf8(&code[..2 * n]).expect("visible ASCII PIN and digits");
    Ok(Pin::parse(text).expect("PIN characters and digits are valid PIN characters"))
}

/// What is wrong with a typed USERPINMAC entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryCheck {
    /// The digits match.
    Match,
    /// Well formed, but the digits differ.
    Mismatch,
    /// Odd length, too long, or a non-digit in the second half.
    WrongShape,
}

/// Receiver side of USERPINMAC: checks what the user typed against `body`. The entry must
/// have even length 2n (n ≤ 20); its first half is the PIN (key), its second half n decimal
/// digits compared, in constant time, with HMAC byte i mod 10.
pub(crate) fn check_userpinmac(entry: &Pin, body: &[u8]) -> EntryCheck {
    let e = entry.as_bytes();
    let n = e.len() / 2;
    if !e.len().is_multiple_of(2) || n == 0 || n > USERPINMAC_MAX_PIN {
        return EntryCheck::WrongShape;
    }
    let (pin, typed) = e.split_at(n);
    if !typed.iter().all(u8::is_ascii_digit) {
        return EntryCheck::WrongShape;
    }
    let mut want = Zeroizing::new([0u8; USERPINMAC_MAX_PIN]);
    userpinmac_digits(pin, body, &mut want[..n]);
    if bool::from(want[..n].ct_eq(typed)) {
        EntryCheck::Match
    } else {
        EntryCheck::Mismatch
    }
}

/// A PIN of `digits` decimal digits drawn from caller-supplied random bytes, so this crate
/// needs no OS random source and stays deterministic under test. Bytes ≥ 250 are skipped to
/// keep the digits unbiased; 2 × `digits` bytes of entropy are nearly always enough, 64 bytes
/// always are in practice.
pub fn random_pin(digits: usize, entropy: &[u8]) -> Result<Pin, UserPinMacError> {
    if digits == 0 || digits > USERPINMAC_MAX_PIN {
        return Err(UserPinMacError::BadPinLength { digits });
    }
    let mut out = Zeroizing::new([0u8; USERPINMAC_MAX_PIN]);
    let mut n = 0;
    for &b in entropy {
        if n == digits {
            break;
        }
        if b < 250 {
            out[n] = b'0' + b % 10;
            n += 1;
        }
    }
    if n < digits {
        return Err(UserPinMacError::NotEnoughEntropy { digits });
    }
    let text = core::str::from_utf8(&out[..digits]).expect("digits");
    Ok(Pin::parse(text).expect("digits are valid PIN characters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        let m = Mac::from_bytes([0xAB; 20]);
        assert_eq!(m.to_string(), "AB".repeat(20));
        assert_eq!(Mac::parse_hex("ab".repeat(20).as_bytes()), Ok(m));
        assert_eq!(Mac::parse_hex("aB".repeat(20).as_bytes()), Ok(m));
        assert_eq!(
            Mac::parse_hex(&[b'A'; 39]),
            Err(MalformedMac::WrongLength { len: 39 })
        );
        assert_eq!(
            Mac::parse_hex(&[b'A'; 41]),
            Err(MalformedMac::WrongLength { len: 41 })
        );
        let mut bad = [b'0'; 40];
        bad[17] = b'g';
        assert_eq!(
            Mac::parse_hex(&bad),
            Err(MalformedMac::NotHex { index: 17 })
        );
        bad[17] = 0xC3;
        assert_eq!(
            Mac::parse_hex(&bad),
            Err(MalformedMac::NotHex { index: 17 })
        );
    }

    #[test]
    fn rfc2202_hmac_sha1_case_2() {
        let key = MacKey::from_raw(b"Jefe").unwrap();
        let m = Mac::compute(&key, b"what do ya want for nothing?");
        assert_eq!(m.to_string(), "EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79");
    }

    #[test]
    fn random_pins_are_unbiased_digits() {
        assert_eq!(
            random_pin(4, &[0, 9, 255, 10, 249, 250, 7])
                .unwrap()
                .expose(),
            "0909"
        );
        assert_eq!(
            random_pin(4, &[1, 2, 3]).unwrap_err(),
            UserPinMacError::NotEnoughEntropy { digits: 4 }
        );
        assert_eq!(
            random_pin(0, &[1; 8]).unwrap_err(),
            UserPinMacError::BadPinLength { digits: 0 }
        );
        assert_eq!(
            random_pin(21, &[1; 64]).unwrap_err(),
            UserPinMacError::BadPinLength { digits: 21 }
        );
    }

    #[test]
    fn userpinmac_shapes() {
        let body = b"\x03\x0b\x6a\x00\x45\x01";
        let code = userpinmac_code(&Pin::parse("1234").unwrap(), body).unwrap();
        assert_eq!(code.len(), 8);
        assert_eq!(check_userpinmac(&code, body), EntryCheck::Match);
        for bad in ["123", "1234567", "1234abcd", &"1".repeat(42)] {
            assert_eq!(
                check_userpinmac(&Pin::parse(bad).unwrap(), body),
                EntryCheck::WrongShape,
                "{bad}"
            );
        }
        assert_eq!(
            userpinmac_code(&Pin::parse(&"1".repeat(21)).unwrap(), body).unwrap_err(),
            UserPinMacError::PinTooLong { len: 21 }
        );
        assert!(userpinmac_code(&Pin::parse(&"1".repeat(20)).unwrap(), body).is_ok());
    }
}
