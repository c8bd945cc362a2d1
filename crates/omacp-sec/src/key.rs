//! Key material: the IMSI, the user PIN and the HMAC key derived from them
//! (security.md §4.1–4.3).
//!
//! All three are secrets. They are zeroized on drop, print `<redacted>` in `Debug`, have no
//! `Display`, and are never copied into an error: errors say what is wrong (a length, the
//! index of a bad character), never the value.

use zeroize::{Zeroize, Zeroizing};

/// Fewest IMSI digits accepted: a 3-digit MCC, a 2-digit MNC and at least one MSIN digit.
/// Real IMSIs have 14 or 15 digits (ITU-T E.212); shorter ones only appear in tests and
/// lab networks, so the bound is loose on purpose.
pub const IMSI_MIN_DIGITS: usize = 6;
/// Most IMSI digits: E.212's limit, which is also what EF_IMSI (8 semi-octet bytes) holds.
pub const IMSI_MAX_DIGITS: usize = 15;
/// Longest PIN accepted, in bytes. Operators use 4–8 digits; the bound only keeps the key
/// in a fixed buffer and a USERPINMAC entry (at most 40 characters) within it.
pub const PIN_MAX_LEN: usize = 64;
/// Length of the IMSI part of a key: ⌈(1 + 15) / 2⌉ semi-octet bytes.
pub const IMSI_KEY_LEN: usize = 8;
/// Longest key this crate derives: IMSI bytes followed by the longest PIN.
pub const MAX_KEY_LEN: usize = IMSI_KEY_LEN + PIN_MAX_LEN;

/// Why an IMSI was refused. Carries positions and counts only, never digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImsiError {
    /// Fewer than [`IMSI_MIN_DIGITS`] or more than [`IMSI_MAX_DIGITS`] characters.
    #[error("IMSI must have {IMSI_MIN_DIGITS} to {IMSI_MAX_DIGITS} digits, got {len} character(s)")]
    Length {
        /// Characters given.
        len: usize,
    },
    /// A character that is not an ASCII decimal digit.
    #[error("IMSI character {index} is not a decimal digit")]
    NotDigit {
        /// Its index.
        index: usize,
    },
}

/// Why a PIN was refused. Carries positions and counts only, never characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// The PIN is empty.
    #[error("PIN is empty")]
    Empty,
    /// Longer than [`PIN_MAX_LEN`] bytes.
    #[error("PIN is {len} bytes long, at most {PIN_MAX_LEN} accepted")]
    TooLong {
        /// Bytes given.
        len: usize,
    },
    /// A character outside visible ASCII (`!`..=`~`).
    #[error("PIN character {index} is not visible ASCII")]
    BadChar {
        /// Its byte index.
        index: usize,
    },
}

/// A subscriber IMSI: 6 to 15 ASCII digits, validated on construction.
#[derive(Clone)]
pub struct Imsi {
    digits: [u8; IMSI_MAX_DIGITS],
    len: u8,
}

impl Imsi {
    /// Validates `text`: digits only, no white space or separators, 6..=15 of them.
    pub fn parse(text: &str) -> Result<Imsi, ImsiError> {
        let b = text.as_bytes();
        if let Some(index) = b.iter().position(|c| !c.is_ascii_digit()) {
            return Err(ImsiError::NotDigit { index });
        }
        if !(IMSI_MIN_DIGITS..=IMSI_MAX_DIGITS).contains(&b.len()) {
            return Err(ImsiError::Length { len: b.len() });
        }
        let mut digits = [0u8; IMSI_MAX_DIGITS];
        for (d, c) in digits.iter_mut().zip(b) {
            *d = c - b'0';
        }
        Ok(Imsi {
            digits,
            len: b.len() as u8,
        })
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: an IMSI has at least [`IMSI_MIN_DIGITS`] digits.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the EF_IMSI semi-octet form without its length byte (security.md §4.1) into
    /// `out` and returns how many bytes it used (8 for 14 or 15 digits).
    ///
    /// Nibbles: parity/identity indicator (9 for an odd digit count, 1 for even), then the
    /// digits, then an F filler if the count is odd; two per byte, first one in the low half.
    pub fn semi_octets(&self, out: &mut [u8; IMSI_KEY_LEN]) -> usize {
        let n = self.len();
        let first = if n % 2 == 1 { 0x9 } else { 0x1 };
        // Nibble i of the key: 0 is the indicator, 1..=n the digits, n+1 the filler if any.
        let nibble = |i: usize| -> u8 {
            match i {
                0 => first,
                i if i <= n => self.digits[i - 1],
                _ => 0xF,
            }
        };
        let bytes = (n + 2) / 2;
        for (k, o) in out.iter_mut().enumerate().take(bytes) {
            *o = nibble(2 * k) | (nibble(2 * k + 1) << 4);
        }
        bytes
    }
}

impl Drop for Imsi {
    fn drop(&mut self) {
        self.digits.zeroize();
        self.len.zeroize();
    }
}

impl core::fmt::Debug for Imsi {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Imsi(<redacted>)")
    }
}

impl core::str::FromStr for Imsi {
    type Err = ImsiError;
    fn from_str(s: &str) -> Result<Imsi, ImsiError> {
        Imsi::parse(s)
    }
}

/// A user PIN (or a USERPINMAC entry, which is a PIN followed by digits).
///
/// Accepted alphabet: 1 to [`PIN_MAX_LEN`] visible ASCII characters (`!`..=`~`). ProvBoot
/// PINs are normally decimal digits; letters and punctuation are allowed because the key is
/// simply the bytes typed (security.md §4.2). Spaces, control characters and non-ASCII are
/// refused: the bytes a handset produces for them are not specified, and a stray space from
/// copy-and-paste would silently change the key.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Validates `text` against the alphabet above.
    pub fn parse(text: &str) -> Result<Pin, PinError> {
        if text.is_empty() {
            return Err(PinError::Empty);
        }
        if text.len() > PIN_MAX_LEN {
            return Err(PinError::TooLong { len: text.len() });
        }
        if let Some(index) = text.bytes().position(|c| !c.is_ascii_graphic()) {
            return Err(PinError::BadChar { index });
        }
        Ok(Pin(Zeroizing::new(text.to_owned())))
    }

    /// The PIN's bytes: exactly the HMAC key for USERPIN.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The PIN as text, for the one place that must show it (telling the user what to type).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes (= characters).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a PIN has at least one character.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when every character is a decimal digit.
    pub fn is_numeric(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

impl core::fmt::Debug for Pin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl core::str::FromStr for Pin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Pin, PinError> {
        Pin::parse(s)
    }
}

/// Why raw key bytes were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Longer than [`MAX_KEY_LEN`].
    #[error("key is {len} bytes, at most {MAX_KEY_LEN} supported")]
    TooLong {
        /// Bytes given.
        len: usize,
    },
}

/// An HMAC-SHA1 key, held in a fixed buffer (no heap allocation per key) that is zeroized on
/// drop. Only the first `len` bytes are ever written, so only they are wiped: a campaign
/// derives one key per subscriber and this keeps the wipe at 8 bytes for NETWPIN.
#[derive(Clone)]
pub struct MacKey {
    buf: [u8; MAX_KEY_LEN],
    len: usize,
}

impl Drop for MacKey {
    fn drop(&mut self) {
        self.buf[..self.len].zeroize();
    }
}

impl MacKey {
    fn empty() -> MacKey {
        MacKey {
            buf: [0u8; MAX_KEY_LEN],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        // Callers stay within MAX_KEY_LEN by construction (IMSI ≤ 8 bytes, PIN ≤ 64).
        let end = (self.len + bytes.len()).min(MAX_KEY_LEN);
        let n = end - self.len;
        self.buf[self.len..end].copy_from_slice(&bytes[..n]);
        self.len = end;
    }

    /// NETWPIN: the IMSI in semi-octets (security.md §4.1).
    pub fn netwpin(imsi: &Imsi) -> MacKey {
        let mut k = MacKey::empty();
        let mut semi = Zeroizing::new([0u8; IMSI_KEY_LEN]);
        let n = imsi.semi_octets(&mut semi);
        k.push(&semi[..n]);
        k
    }

    /// USERPIN: the PIN bytes as typed (security.md §4.2).
    pub fn userpin(pin: &Pin) -> MacKey {
        let mut k = MacKey::empty();
        k.push(pin.as_bytes());
        k
    }

    /// USERNETWPIN: the NETWPIN key immediately followed by the PIN bytes, no separator
    /// (security.md §4.3).
    pub fn usernetwpin(imsi: &Imsi, pin: &Pin) -> MacKey {
        let mut k = MacKey::netwpin(imsi);
        k.push(pin.as_bytes());
        k
    }

    /// A key given as raw bytes, e.g. to reproduce a peer that keys NETWPIN with a string
    /// verbatim (Kannel's `X-Kannel-PIN`, dependencies.md).
    pub fn from_raw(bytes: &[u8]) -> Result<MacKey, KeyError> {
        if bytes.len() > MAX_KEY_LEN {
            return Err(KeyError::TooLong { len: bytes.len() });
        }
        let mut k = MacKey::empty();
        k.push(bytes);
        Ok(k)
    }

    /// The key bytes. Secret: for HMAC and tests only.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MacKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_hex(k: &MacKey) -> String {
        omacp_wire::hex::encode_upper(k.as_bytes())
    }

    #[test]
    fn imsi_keys_match_security_md_4_1() {
        for (imsi, want) in [
            ("466923103145252", "4966291330412525"),
            ("001010123456789", "0910101032547698"),
            ("23415123456789", "21435121436587F9"),
        ] {
            assert_eq!(
                key_hex(&MacKey::netwpin(&Imsi::parse(imsi).unwrap())),
                want,
                "{imsi}"
            );
        }
    }

    #[test]
    fn short_imsis_pack_without_gecko_padding() {
        // 6 digits (even): 1,0,0,1,0,1,0 + F → 4 bytes; 7 digits (odd): 9 + 7 digits → 4 bytes.
        assert_eq!(
            key_hex(&MacKey::netwpin(&Imsi::parse("001010").unwrap())),
            "011010F0"
        );
        assert_eq!(
            key_hex(&MacKey::netwpin(&Imsi::parse("0010101").unwrap())),
            "09101010"
        );
    }

    #[test]
    fn usernetwpin_appends_pin() {
        let k = MacKey::usernetwpin(
            &Imsi::parse("001010123456789").unwrap(),
            &Pin::parse("1234").unwrap(),
        );
        assert_eq!(key_hex(&k), "091010103254769831323334");
    }

    #[test]
    fn imsi_validation() {
        assert_eq!(
            Imsi::parse("12345").unwrap_err(),
            ImsiError::Length { len: 5 }
        );
        assert_eq!(
            Imsi::parse("1234567890123456").unwrap_err(),
            ImsiError::Length { len: 16 }
        );
        assert_eq!(
            Imsi::parse("00101 0123").unwrap_err(),
            ImsiError::NotDigit { index: 5 }
        );
        assert_eq!(Imsi::parse("").unwrap_err(), ImsiError::Length { len: 0 });
        assert_eq!(
            Imsi::parse("٣٣٣٣٣٣").unwrap_err(),
            ImsiError::NotDigit { index: 0 }
        );
        assert_eq!(Imsi::parse("123456").unwrap().len(), 6);
        assert_eq!(Imsi::parse("123456789012345").unwrap().len(), 15);
    }

    #[test]
    fn pin_validation() {
        assert_eq!(Pin::parse("").unwrap_err(), PinError::Empty);
        assert_eq!(
            Pin::parse("12 34").unwrap_err(),
            PinError::BadChar { index: 2 }
        );
        assert_eq!(
            Pin::parse("12\n").unwrap_err(),
            PinError::BadChar { index: 2 }
        );
        assert_eq!(
            Pin::parse("pä").unwrap_err(),
            PinError::BadChar { index: 1 }
        );
        assert_eq!(
            Pin::parse(&"1".repeat(65)).unwrap_err(),
            PinError::TooLong { len: 65 }
        );
        assert!(Pin::parse(&"1".repeat(64)).is_ok());
        assert!(Pin::parse("Ab3!").is_ok());
        assert!(Pin::parse("0000").unwrap().is_numeric());
    }

    #[test]
    fn debug_is_redacted_and_errors_hold_no_secret() {
        let imsi = Imsi::parse("466923103145252").unwrap();
        let pin = Pin::parse("98765").unwrap();
        let key = MacKey::usernetwpin(&imsi, &pin);
        for s in [
            format!("{imsi:?}"),
            format!("{pin:?}"),
            format!("{key:?}"),
            format!("{:?}", (&imsi, &pin)),
        ] {
            assert!(s.contains("<redacted>"), "{s}");
            assert!(
                !s.contains("4669") && !s.contains("98765") && !s.contains("49"),
                "{s}"
            );
        }
        let e = Imsi::parse("46692310314525X").unwrap_err();
        assert!(!e.to_string().contains("4669"), "{e}");
        let e = Pin::parse("secret pin").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn raw_keys_are_bounded() {
        assert!(MacKey::from_raw(&[0; MAX_KEY_LEN]).is_ok());
        assert_eq!(
            MacKey::from_raw(&[0; MAX_KEY_LEN + 1]).unwrap_err(),
            KeyError::TooLong { len: 73 }
        );
    }
}
