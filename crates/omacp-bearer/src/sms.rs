//! SMS-DELIVER and SMS-SUBMIT TPDUs (3GPP TS 23.040 §9.2.2, §9.1.2, §9.2.3; TS 23.038 §4 and
//! §6.2.1 for the data coding scheme and the GSM 7-bit default alphabet; transport.md §5).
//!
//! Decoders borrow the input, read through one bounded cursor, and return a [`TpduError`] with
//! the absolute offset of the offending octet: they never panic and never allocate in
//! proportion to a length they have not checked. Encoders are infallible: the values were
//! checked when they were built ([`Address::international`], [`UserData::binary`], …).
//!
//! Leniencies, each because real networks send it: the TOA extension bit (bit 7) is not
//! checked, the filler nibble of an odd-length address need not be `F`, and timestamp fields
//! are checked for decimal digits but not for calendar ranges. A reserved alphabet is read as
//! GSM 7-bit, as TS 23.038 §4 tells receivers to do.

use omacp_wire::{Reader, WireError, WireErrorKind};

/// Where a TPDU is malformed: the absolute offset of the first octet involved, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("TPDU at byte {offset}: {kind}")]
pub struct TpduError {
    /// Offset in the TPDU.
    pub offset: usize,
    /// What is wrong.
    pub kind: TpduErrorKind,
}

/// What is wrong with a TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TpduErrorKind {
    /// The TPDU ends inside a field.
    #[error("truncated: needed {wanted} more octet(s), {left} left")]
    Truncated {
        /// Octets the field needs.
        wanted: usize,
        /// Octets left.
        left: usize,
    },
    /// TP-MTI is not the one the decoder was asked for (or not DELIVER/SUBMIT).
    #[error("TP-MTI {0} is not SMS-DELIVER (0) or SMS-SUBMIT (1)")]
    UnsupportedMti(u8),
    /// Address-Length above 20 semi-octets (TS 23.040 §9.1.2.5).
    #[error("address of {0} semi-octets, at most 20")]
    AddressTooLong(u8),
    /// A filler nibble (`F`) inside the digits of an address.
    #[error("semi-octet {0:#x} is not an address digit")]
    BadDigit(u8),
    /// A timestamp or duration octet that is not two decimal semi-octets.
    #[error("octet {0:#04x} is not two decimal semi-octets")]
    BadBcd(u8),
    /// TP-UDL above 160 septets or 140 octets.
    #[error("TP-UDL {udl} exceeds {max}")]
    UserDataTooLong {
        /// TP-UDL.
        udl: u8,
        /// The maximum for this coding.
        max: u8,
    },
    /// TP-UDHI is set but the UDHL overruns the user data.
    #[error("UDH of {udh} octets in user data of {octets}")]
    UdhOverrun {
        /// UDHL + 1.
        udh: usize,
        /// Octets of user data.
        octets: usize,
    },
    /// Octets after the user data.
    #[error("{0} octet(s) after the user data")]
    TrailingData(usize),
}

fn wire(e: WireError) -> TpduError {
    let kind = match e.kind {
        WireErrorKind::Truncated { wanted, left } => TpduErrorKind::Truncated { wanted, left },
        // The TPDU reader uses neither uintvars nor C strings.
        _ => TpduErrorKind::Truncated { wanted: 1, left: 0 },
    };
    TpduError {
        offset: e.offset,
        kind,
    }
}

fn err(offset: usize, kind: TpduErrorKind) -> TpduError {
    TpduError { offset, kind }
}

// ---------------------------------------------------------------------------------------------
// GSM 7-bit default alphabet (TS 23.038 §6.2.1): the one table, used by both directions.

const ESC: u8 = 0x1B;

/// Basic character set, indexed by septet. Index 0x1B is the escape to the extension table.
static GSM7_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// Extension table: septet after ESC → character.
static GSM7_EXT: &[(u8, char)] = &[
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Septets for one character: one from the basic table, or ESC + one from the extension table.
fn gsm7_septets(c: char) -> Option<([u8; 2], usize)> {
    if let Some(i) = GSM7_BASIC.iter().position(|&b| b == c && b != '\u{1B}') {
        return Some(([i as u8, 0], 1));
    }
    GSM7_EXT
        .iter()
        .find(|(_, e)| *e == c)
        .map(|&(s, _)| ([ESC, s], 2))
}

/// Text from septets. An escape followed by a septet outside the extension table shows the
/// basic character, and a double escape (reserved for a further table) shows a space
/// (TS 23.038 §6.2.1.1); a trailing escape is dropped.
pub fn gsm7_to_string(septets: &[u8]) -> String {
    let mut s = String::with_capacity(septets.len());
    let mut it = septets.iter().map(|&b| b & 0x7F);
    while let Some(b) = it.next() {
        if b == ESC {
            let Some(n) = it.next() else { break };
            let c = GSM7_EXT.iter().find(|(e, _)| *e == n).map(|&(_, c)| c);
            s.push(match (c, n) {
                (Some(c), _) => c,
                (None, ESC) => ' ',
                (None, n) => GSM7_BASIC[usize::from(n)],
            });
        } else {
            s.push(GSM7_BASIC[usize::from(b)]);
        }
    }
    s
}

/// Septets for `text`, or the first character the GSM 7-bit default alphabet cannot express.
pub fn string_to_gsm7(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (s, n) = gsm7_septets(c).ok_or(c)?;
        out.extend_from_slice(&s[..n]);
    }
    Ok(out)
}

/// Packs septets LSB-first after `fill` zero bits (TS 23.038 §6.1.2.1).
pub fn pack_septets(septets: &[u8], fill: usize) -> Vec<u8> {
    let bits = fill + septets.len() * 7;
    let mut out = vec![0u8; bits.div_ceil(8)];
    for (i, &s) in septets.iter().enumerate() {
        let p = fill + i * 7;
        let (o, sh) = (p / 8, p % 8);
        let s = u16::from(s & 0x7F) << sh;
        out[o] |= s as u8;
        if let Some(next) = out.get_mut(o + 1) {
            *next |= (s >> 8) as u8;
        }
    }
    out
}

/// Unpacks `n` septets after `fill` bits; missing bits read as zero.
pub fn unpack_septets(octets: &[u8], fill: usize, n: usize) -> Vec<u8> {
    let n = n.min((octets.len() * 8).saturating_sub(fill) / 7);
    (0..n)
        .map(|i| {
            let p = fill + i * 7;
            let (o, sh) = (p / 8, p % 8);
            let lo = u16::from(octets.get(o).copied().unwrap_or(0));
            let hi = u16::from(octets.get(o + 1).copied().unwrap_or(0));
            (((hi << 8 | lo) >> sh) & 0x7F) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Addresses (TS 23.040 §9.1.2.5).

/// Type of number (TOA bits 6–4). All eight values are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeOfNumber {
    /// 0
    Unknown,
    /// 1
    International,
    /// 2
    National,
    /// 3
    NetworkSpecific,
    /// 4
    Subscriber,
    /// 5: GSM 7-bit text
    Alphanumeric,
    /// 6
    Abbreviated,
    /// 7: reserved for extension
    Reserved,
}

const TONS: [TypeOfNumber; 8] = [
    TypeOfNumber::Unknown,
    TypeOfNumber::International,
    TypeOfNumber::National,
    TypeOfNumber::NetworkSpecific,
    TypeOfNumber::Subscriber,
    TypeOfNumber::Alphanumeric,
    TypeOfNumber::Abbreviated,
    TypeOfNumber::Reserved,
];

impl TypeOfNumber {
    fn bits(self) -> u8 {
        TONS.iter().position(|&t| t == self).unwrap_or(0) as u8
    }
}

/// Numbering plan identification (TOA bits 3–0); unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Npi(pub u8);

impl Npi {
    /// 0000 unknown.
    pub const UNKNOWN: Npi = Npi(0);
    /// 0001 ISDN/telephone (E.164/E.163).
    pub const ISDN: Npi = Npi(1);
    /// 1000 national.
    pub const NATIONAL: Npi = Npi(8);
    /// 1001 private.
    pub const PRIVATE: Npi = Npi(9);
}

/// Why an address value cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Digits allow only `0-9 * # a b c`; alphanumeric only the GSM 7-bit default alphabet.
    #[error("character {0:?} cannot be encoded in this address type")]
    BadChar(char),
    /// More than 20 digits, or more than 10 octets of packed text.
    #[error("address too long")]
    TooLong,
}

/// An SMS address: type of number, numbering plan and value.
///
/// `value` holds digits (`0-9 * # a b c`) for every type except [`TypeOfNumber::Alphanumeric`],
/// where it is text in the GSM 7-bit default alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    ton: TypeOfNumber,
    npi: Npi,
    value: String,
}

const DIGITS: &[u8; 15] = b"0123456789*#abc";

impl Address {
    /// Digits with an explicit type and plan; `ton` must not be alphanumeric.
    pub fn digits(ton: TypeOfNumber, npi: Npi, digits: &str) -> Result<Address, AddressError> {
        if ton == TypeOfNumber::Alphanumeric {
            return Self::alphanumeric(digits);
        }
        for c in digits.chars() {
            if !c.is_ascii() || !DIGITS.contains(&(c.to_ascii_lowercase() as u8)) {
                return Err(AddressError::BadChar(c));
            }
        }
        if digits.len() > 20 {
            return Err(AddressError::TooLong);
        }
        Ok(Address {
            ton,
            npi,
            value: digits.to_ascii_lowercase(),
        })
    }

    /// International E.164 number (TOA 0x91); a leading `+` is dropped.
    pub fn international(number: &str) -> Result<Address, AddressError> {
        Self::digits(
            TypeOfNumber::International,
            Npi::ISDN,
            number.strip_prefix('+').unwrap_or(number),
        )
    }

    /// National number (TOA 0xA1).
    pub fn national(number: &str) -> Result<Address, AddressError> {
        Self::digits(TypeOfNumber::National, Npi::ISDN, number)
    }

    /// Unknown type, ISDN plan (TOA 0x81).
    pub fn unknown(number: &str) -> Result<Address, AddressError> {
        Self::digits(TypeOfNumber::Unknown, Npi::ISDN, number)
    }

    /// Alphanumeric sender (TOA 0xD0): at most 11 basic characters (escapes count twice).
    pub fn alphanumeric(text: &str) -> Result<Address, AddressError> {
        let septets = string_to_gsm7(text).map_err(AddressError::BadChar)?;
        if septets.len() * 7 > 80 {
            return Err(AddressError::TooLong);
        }
        Ok(Address {
            ton: TypeOfNumber::Alphanumeric,
            npi: Npi::UNKNOWN,
            value: text.to_owned(),
        })
    }

    /// Type of number.
    pub fn ton(&self) -> TypeOfNumber {
        self.ton
    }

    /// Numbering plan.
    pub fn npi(&self) -> Npi {
        self.npi
    }

    /// Digits or text.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The type-of-address octet.
    pub fn toa(&self) -> u8 {
        0x80 | self.ton.bits() << 4 | (self.npi.0 & 0x0F)
    }

    fn packed_text(&self) -> Vec<u8> {
        pack_septets(&string_to_gsm7(&self.value).unwrap_or_default(), 0)
    }

    /// Address-Length: useful semi-octets of the value.
    fn semi_octets(&self) -> usize {
        match self.ton {
            TypeOfNumber::Alphanumeric => {
                (string_to_gsm7(&self.value).map(|s| s.len()).unwrap_or(0) * 7).div_ceil(4)
            }
            _ => self.value.len(),
        }
    }

    /// Octets on the wire: length, TOA and value.
    pub fn encoded_len(&self) -> usize {
        2 + self.semi_octets().div_ceil(2)
    }

    /// Appends Address-Length, TOA and value.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.semi_octets() as u8);
        out.push(self.toa());
        if self.ton == TypeOfNumber::Alphanumeric {
            out.extend_from_slice(&self.packed_text());
            return;
        }
        let nib = |c: u8| DIGITS.iter().position(|&d| d == c).unwrap_or(0) as u8;
        for pair in self.value.as_bytes().chunks(2) {
            let lo = nib(pair[0]);
            let hi = pair.get(1).map_or(0x0F, |&c| nib(c));
            out.push(hi << 4 | lo);
        }
    }

    /// Reads Address-Length, TOA and value.
    pub fn decode(r: &mut Reader<'_>) -> Result<Address, TpduError> {
        let at = r.offset();
        let len = r.u8().map_err(wire)?;
        if len > 20 {
            return Err(err(at, TpduErrorKind::AddressTooLong(len)));
        }
        let toa = r.u8().map_err(wire)?;
        let value_at = r.offset();
        let octets = r.take(usize::from(len).div_ceil(2)).map_err(wire)?;
        let ton = TONS[usize::from(toa >> 4 & 0x07)];
        let npi = Npi(toa & 0x0F);
        let value = if ton == TypeOfNumber::Alphanumeric {
            gsm7_to_string(&unpack_septets(octets, 0, usize::from(len) * 4 / 7))
        } else {
            let mut s = String::with_capacity(usize::from(len));
            for i in 0..usize::from(len) {
                let n = octets[i / 2] >> (4 * (i % 2)) & 0x0F;
                let d = *DIGITS
                    .get(usize::from(n))
                    .ok_or(err(value_at + i / 2, TpduErrorKind::BadDigit(n)))?;
                s.push(char::from(d));
            }
            s
        };
        Ok(Address { ton, npi, value })
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps and validity (TS 23.040 §9.2.3.11, §9.2.3.12).

fn swapped_bcd(b: u8, at: usize) -> Result<u8, TpduError> {
    let (lo, hi) = (b & 0x0F, b >> 4);
    if lo > 9 || hi > 9 {
        return Err(err(at, TpduErrorKind::BadBcd(b)));
    }
    Ok(lo * 10 + hi)
}

fn to_swapped_bcd(v: u8) -> u8 {
    let v = v % 100;
    ((v % 10) << 4) | (v / 10)
}

/// TP-SCTS or an absolute TP-VP: local time and its offset from UTC in quarter hours.
///
/// Fields are written modulo 100 (and the zone clamped to ±79 quarters), the range two
/// semi-octets can hold; decoding checks digits, not calendar ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timestamp {
    /// Year within the century, 0..=99.
    pub year: u8,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59.
    pub second: u8,
    /// Offset from UTC in quarters of an hour (e.g. +8 = UTC+2, -16 = UTC-4).
    pub tz_quarters: i8,
}

impl Timestamp {
    /// Seven octets.
    pub const LEN: usize = 7;

    /// Reads seven semi-octet-swapped octets.
    pub fn decode(r: &mut Reader<'_>) -> Result<Timestamp, TpduError> {
        let at = r.offset();
        let b = r.take(Self::LEN).map_err(wire)?;
        let f = |i: usize| swapped_bcd(b[i], at + i);
        // The zone's sign is bit 3 of the octet (the top bit of its first semi-octet).
        let q = swapped_bcd(b[6] & 0xF7, at + 6)? as i8;
        Ok(Timestamp {
            year: f(0)?,
            month: f(1)?,
            day: f(2)?,
            hour: f(3)?,
            minute: f(4)?,
            second: f(5)?,
            tz_quarters: if b[6] & 0x08 != 0 { -q } else { q },
        })
    }

    /// Appends seven octets.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for v in [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        ] {
            out.push(to_swapped_bcd(v));
        }
        let q = self.tz_quarters.unsigned_abs().min(79);
        out.push(to_swapped_bcd(q) | if self.tz_quarters < 0 { 0x08 } else { 0 });
    }
}

/// Duration of a relative TP-VP value in seconds (TS 23.040 §9.2.3.12.1).
pub fn relative_validity_secs(v: u8) -> u64 {
    let v = u64::from(v);
    match v {
        0..=143 => (v + 1) * 5 * 60,
        144..=167 => 12 * 3600 + (v - 143) * 30 * 60,
        168..=196 => (v - 166) * 86_400,
        _ => (v - 192) * 7 * 86_400,
    }
}

/// The period an enhanced TP-VP carries (TS 23.040 §9.2.3.12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnhancedPeriod {
    /// Format 000: no validity period.
    None,
    /// Format 001: one octet, as a relative TP-VP.
    Relative(u8),
    /// Format 010: 0..=255 seconds.
    Seconds(u8),
    /// Format 011: hours, minutes, seconds in swapped semi-octets.
    Hms {
        /// Hours.
        hours: u8,
        /// Minutes.
        minutes: u8,
        /// Seconds.
        seconds: u8,
    },
    /// A reserved format, or format 011 with a non-decimal semi-octet.
    Reserved(u8),
}

/// An enhanced TP-VP: seven octets, kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedValidity(pub [u8; 7]);

impl EnhancedValidity {
    /// Bit 6 of the functionality indicator.
    pub fn single_shot(&self) -> bool {
        self.0[0] & 0x40 != 0
    }

    /// Bit 7: the functionality indicator is extended by a further octet.
    pub fn extended(&self) -> bool {
        self.0[0] & 0x80 != 0
    }

    /// The period, read from the octet after the functionality indicator(s).
    pub fn period(&self) -> EnhancedPeriod {
        let format = self.0[0] & 0x07;
        // An extended indicator takes one more octet before the period.
        let p = if self.extended() { 2 } else { 1 };
        let Some(v) = self.0.get(p..p + 3) else {
            return EnhancedPeriod::Reserved(format);
        };
        match format {
            0 => EnhancedPeriod::None,
            1 => EnhancedPeriod::Relative(v[0]),
            2 => EnhancedPeriod::Seconds(v[0]),
            3 => match (
                swapped_bcd(v[0], 0),
                swapped_bcd(v[1], 0),
                swapped_bcd(v[2], 0),
            ) {
                (Ok(hours), Ok(minutes), Ok(seconds)) => EnhancedPeriod::Hms {
                    hours,
                    minutes,
                    seconds,
                },
                _ => EnhancedPeriod::Reserved(format),
            },
            f => EnhancedPeriod::Reserved(f),
        }
    }
}

/// TP-VPF with its TP-VP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Validity {
    /// VPF 00: no TP-VP.
    #[default]
    None,
    /// VPF 10: one octet (see [`relative_validity_secs`]).
    Relative(u8),
    /// VPF 01: seven octets.
    Enhanced(EnhancedValidity),
    /// VPF 11: a timestamp.
    Absolute(Timestamp),
}

impl Validity {
    fn vpf(&self) -> u8 {
        match self {
            Validity::None => 0b00,
            Validity::Enhanced(_) => 0b01,
            Validity::Relative(_) => 0b10,
            Validity::Absolute(_) => 0b11,
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Validity::None => 0,
            Validity::Relative(_) => 1,
            Validity::Enhanced(_) | Validity::Absolute(_) => 7,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Validity::None => {}
            Validity::Relative(v) => out.push(*v),
            Validity::Enhanced(e) => out.extend_from_slice(&e.0),
            Validity::Absolute(t) => t.encode(out),
        }
    }

    fn decode(vpf: u8, r: &mut Reader<'_>) -> Result<Validity, TpduError> {
        Ok(match vpf & 0b11 {
            0b00 => Validity::None,
            0b10 => Validity::Relative(r.u8().map_err(wire)?),
            0b01 => {
                let b = r.take(7).map_err(wire)?;
                let mut e = [0u8; 7];
                e.copy_from_slice(b);
                Validity::Enhanced(EnhancedValidity(e))
            }
            _ => Validity::Absolute(Timestamp::decode(r)?),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Data coding scheme (TS 23.038 §4).

/// Character set of the user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// GSM 7-bit default alphabet: TP-UDL counts septets.
    Gsm7,
    /// 8-bit data: TP-UDL counts octets. WAP push uses this.
    Octet,
    /// UCS2: TP-UDL counts octets.
    Ucs2,
    /// A reserved alphabet value; receivers treat it as GSM 7-bit.
    Reserved,
}

/// Message class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageClass {
    /// Class 0: flash, shown and not stored.
    Class0,
    /// Class 1: ME-specific (default storage on the device).
    Class1,
    /// Class 2: (U)SIM-specific.
    Class2,
    /// Class 3: TE-specific.
    Class3,
}

const CLASSES: [MessageClass; 4] = [
    MessageClass::Class0,
    MessageClass::Class1,
    MessageClass::Class2,
    MessageClass::Class3,
];

/// Kind of a message-waiting indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndicationKind {
    /// 00
    VoiceMail,
    /// 01
    Fax,
    /// 10
    Email,
    /// 11
    Other,
}

/// Coding group of a DCS octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodingGroup {
    /// 00xx xxxx.
    General,
    /// 01xx xxxx: general data coding, message marked for automatic deletion.
    AutomaticDeletion,
    /// 1000..1011: reserved groups.
    Reserved,
    /// 1100 / 1101 / 1110: message waiting indication.
    MessageWaiting {
        /// False for 1100 (discard the message).
        store: bool,
        /// Indication active.
        active: bool,
        /// Which indication.
        kind: IndicationKind,
    },
    /// 1111: data coding and message class.
    DataClass,
}

/// A DCS octet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataCoding {
    /// The group.
    pub group: CodingGroup,
    /// The alphabet.
    pub alphabet: Alphabet,
    /// The class, when the octet gives one.
    pub class: Option<MessageClass>,
    /// Compressed user data (general groups only).
    pub compressed: bool,
}

/// TP-DCS, kept as the octet (so it always round-trips); [`Dcs::coding`] interprets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dcs(pub u8);

impl Dcs {
    /// General group, 8-bit data, no class: Kannel's choice for push.
    pub const BINARY: Dcs = Dcs(0x04);
    /// Data coding/message class group, 8-bit data, class 1.
    pub const BINARY_CLASS1: Dcs = Dcs(0xF5);

    /// The octet decoded per TS 23.038 §4.
    pub fn coding(self) -> DataCoding {
        let b = self.0;
        let alpha = |bits: u8| match bits & 0b11 {
            0 => Alphabet::Gsm7,
            1 => Alphabet::Octet,
            2 => Alphabet::Ucs2,
            _ => Alphabet::Reserved,
        };
        match b >> 4 {
            0x0..=0x7 => DataCoding {
                group: if b & 0x40 == 0 {
                    CodingGroup::General
                } else {
                    CodingGroup::AutomaticDeletion
                },
                alphabet: alpha(b >> 2),
                class: (b & 0x10 != 0).then_some(CLASSES[usize::from(b & 0x03)]),
                compressed: b & 0x20 != 0,
            },
            0x8..=0xB => DataCoding {
                group: CodingGroup::Reserved,
                alphabet: Alphabet::Gsm7,
                class: None,
                compressed: false,
            },
            g @ 0xC..=0xE => DataCoding {
                group: CodingGroup::MessageWaiting {
                    store: g != 0xC,
                    active: b & 0x08 != 0,
                    kind: [
                        IndicationKind::VoiceMail,
                        IndicationKind::Fax,
                        IndicationKind::Email,
                        IndicationKind::Other,
                    ][usize::from(b & 0x03)],
                },
                alphabet: if g == 0xE {
                    Alphabet::Ucs2
                } else {
                    Alphabet::Gsm7
                },
                class: None,
                compressed: false,
            },
            _ => DataCoding {
                group: CodingGroup::DataClass,
                alphabet: if b & 0x04 != 0 {
                    Alphabet::Octet
                } else {
                    Alphabet::Gsm7
                },
                class: Some(CLASSES[usize::from(b & 0x03)]),
                compressed: false,
            },
        }
    }

    /// True when TP-UDL counts septets (GSM 7-bit or reserved alphabet, uncompressed).
    pub fn udl_in_septets(self) -> bool {
        let c = self.coding();
        matches!(c.alphabet, Alphabet::Gsm7 | Alphabet::Reserved) && !c.compressed
    }
}

// ---------------------------------------------------------------------------------------------
// User data (TS 23.040 §9.2.3.16, §9.2.3.24).

/// Why user data cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserDataError {
    /// More than 140 octets or 160 septets.
    #[error("user data too long")]
    TooLong,
    /// Packed octets do not match the septet count.
    #[error("{octets} octets do not hold exactly {septets} septets")]
    LengthMismatch {
        /// Septets claimed.
        septets: u8,
        /// Octets given.
        octets: usize,
    },
}

/// TP-UDL and TP-UD as on the wire. For 8-bit and UCS2 data the UDL counts octets; for GSM
/// 7-bit it counts septets and `octets` holds them packed (UDH and fill bits included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserData<'a> {
    udl: u8,
    octets: &'a [u8],
}

impl<'a> UserData<'a> {
    /// 8-bit or UCS2 user data (UDH included, if any): at most 140 octets.
    pub fn binary(octets: &'a [u8]) -> Result<UserData<'a>, UserDataError> {
        if octets.len() > 140 {
            return Err(UserDataError::TooLong);
        }
        Ok(UserData {
            udl: octets.len() as u8,
            octets,
        })
    }

    /// Packed GSM 7-bit user data: `septets` ≤ 160 and exactly `ceil(septets * 7 / 8)` octets.
    pub fn packed(septets: u8, octets: &'a [u8]) -> Result<UserData<'a>, UserDataError> {
        if septets > 160 {
            return Err(UserDataError::TooLong);
        }
        if octets.len() != (usize::from(septets) * 7).div_ceil(8) {
            return Err(UserDataError::LengthMismatch {
                septets,
                octets: octets.len(),
            });
        }
        Ok(UserData {
            udl: septets,
            octets,
        })
    }

    /// TP-UDL.
    pub fn udl(&self) -> u8 {
        self.udl
    }

    /// TP-UD octets (packed for GSM 7-bit).
    pub fn octets(&self) -> &'a [u8] {
        self.octets
    }

    /// Septet values of 7-bit user data after the UDH (when `udhi`) and its fill bits.
    pub fn septets(&self, udhi: bool) -> Vec<u8> {
        let (skip_septets, fill) = match (udhi, self.octets.first()) {
            (true, Some(&udhl)) => {
                let bits = (usize::from(udhl) + 1) * 8;
                (bits.div_ceil(7), (7 - bits % 7) % 7)
            }
            _ => (0, 0),
        };
        let start = if udhi {
            usize::from(self.octets.first().copied().unwrap_or(0)) + 1
        } else {
            0
        };
        let n = usize::from(self.udl).saturating_sub(skip_septets);
        unpack_septets(self.octets.get(start..).unwrap_or(&[]), fill, n)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.udl);
        out.extend_from_slice(self.octets);
    }

    fn decode(r: &mut Reader<'a>, dcs: Dcs, udhi: bool) -> Result<UserData<'a>, TpduError> {
        let at = r.offset();
        let udl = r.u8().map_err(wire)?;
        let (len, max) = if dcs.udl_in_septets() {
            ((usize::from(udl) * 7).div_ceil(8), 160)
        } else {
            (usize::from(udl), 140)
        };
        if udl > max {
            return Err(err(at, TpduErrorKind::UserDataTooLong { udl, max }));
        }
        let ud_at = r.offset();
        let octets = r.take(len).map_err(wire)?;
        if udhi {
            let udh = octets.first().map_or(1, |&l| usize::from(l) + 1);
            if udh > octets.len() {
                return Err(err(
                    ud_at,
                    TpduErrorKind::UdhOverrun {
                        udh,
                        octets: octets.len(),
                    },
                ));
            }
        }
        if !r.is_empty() {
            return Err(err(r.offset(), TpduErrorKind::TrailingData(r.remaining())));
        }
        Ok(UserData { udl, octets })
    }
}

// ---------------------------------------------------------------------------------------------
// The TPDUs.

const MTI_DELIVER: u8 = 0b00;
const MTI_SUBMIT: u8 = 0b01;

// First-octet bits shared by both TPDUs.
const UDHI: u8 = 0x40;
const RP: u8 = 0x80;

/// SMS-DELIVER (SC → MS), TS 23.040 §9.2.2.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliver<'a> {
    /// TP-MMS as on the wire: true means no more messages are waiting in the SC.
    pub no_more_messages: bool,
    /// TP-LP: loop prevention.
    pub loop_prevention: bool,
    /// TP-SRI: a status report will be returned to the originator.
    pub status_report_indication: bool,
    /// TP-UDHI: the user data starts with a UDH.
    pub udhi: bool,
    /// TP-RP: reply path.
    pub reply_path: bool,
    /// TP-OA.
    pub originator: Address,
    /// TP-PID.
    pub pid: u8,
    /// TP-DCS.
    pub dcs: Dcs,
    /// TP-SCTS.
    pub scts: Timestamp,
    /// TP-UDL and TP-UD.
    pub user_data: UserData<'a>,
}

impl<'a> Deliver<'a> {
    /// An 8-bit SMS-DELIVER carrying `ud` (UDH included, TP-UDHI set), MMS set, PID 0.
    pub fn binary(originator: Address, dcs: Dcs, scts: Timestamp, ud: UserData<'a>) -> Self {
        Deliver {
            no_more_messages: true,
            loop_prevention: false,
            status_report_indication: false,
            udhi: true,
            reply_path: false,
            originator,
            pid: 0,
            dcs,
            scts,
            user_data: ud,
        }
    }

    fn first_octet(&self) -> u8 {
        MTI_DELIVER
            | u8::from(self.no_more_messages) << 2
            | u8::from(self.loop_prevention) << 3
            | u8::from(self.status_report_indication) << 5
            | if self.udhi { UDHI } else { 0 }
            | if self.reply_path { RP } else { 0 }
    }

    /// Octets on the wire.
    pub fn encoded_len(&self) -> usize {
        1 + self.originator.encoded_len() + 2 + Timestamp::LEN + 1 + self.user_data.octets.len()
    }

    /// Appends the TPDU.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.first_octet());
        self.originator.encode(out);
        out.extend_from_slice(&[self.pid, self.dcs.0]);
        self.scts.encode(out);
        self.user_data.encode(out);
    }

    /// Reads an SMS-DELIVER; the whole input must be one TPDU.
    pub fn decode(bytes: &'a [u8]) -> Result<Deliver<'a>, TpduError> {
        let mut r = Reader::new(bytes);
        let fo = r.u8().map_err(wire)?;
        if fo & 0x03 != MTI_DELIVER {
            return Err(err(0, TpduErrorKind::UnsupportedMti(fo & 0x03)));
        }
        let originator = Address::decode(&mut r)?;
        let pid = r.u8().map_err(wire)?;
        let dcs = Dcs(r.u8().map_err(wire)?);
        let scts = Timestamp::decode(&mut r)?;
        let udhi = fo & UDHI != 0;
        let user_data = UserData::decode(&mut r, dcs, udhi)?;
        Ok(Deliver {
            no_more_messages: fo & 0x04 != 0,
            loop_prevention: fo & 0x08 != 0,
            status_report_indication: fo & 0x20 != 0,
            udhi,
            reply_path: fo & RP != 0,
            originator,
            pid,
            dcs,
            scts,
            user_data,
        })
    }
}

/// SMS-SUBMIT (MS/ESME → SC), TS 23.040 §9.2.2.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submit<'a> {
    /// TP-RD: reject duplicates.
    pub reject_duplicates: bool,
    /// TP-VPF and TP-VP.
    pub validity: Validity,
    /// TP-SRR: status report requested (the only transport-level receipt for a push).
    pub status_report_request: bool,
    /// TP-UDHI.
    pub udhi: bool,
    /// TP-RP.
    pub reply_path: bool,
    /// TP-MR.
    pub message_reference: u8,
    /// TP-DA.
    pub destination: Address,
    /// TP-PID.
    pub pid: u8,
    /// TP-DCS.
    pub dcs: Dcs,
    /// TP-UDL and TP-UD.
    pub user_data: UserData<'a>,
}

impl<'a> Submit<'a> {
    /// An 8-bit SMS-SUBMIT carrying `ud` (UDH included, TP-UDHI set), no validity period.
    pub fn binary(destination: Address, message_reference: u8, dcs: Dcs, ud: UserData<'a>) -> Self {
        Submit {
            reject_duplicates: false,
            validity: Validity::None,
            status_report_request: false,
            udhi: true,
            reply_path: false,
            message_reference,
            destination,
            pid: 0,
            dcs,
            user_data: ud,
        }
    }

    fn first_octet(&self) -> u8 {
        MTI_SUBMIT
            | u8::from(self.reject_duplicates) << 2
            | self.validity.vpf() << 3
            | u8::from(self.status_report_request) << 5
            | if self.udhi { UDHI } else { 0 }
            | if self.reply_path { RP } else { 0 }
    }

    /// Octets on the wire.
    pub fn encoded_len(&self) -> usize {
        2 + self.destination.encoded_len()
            + 2
            + self.validity.encoded_len()
            + 1
            + self.user_data.octets.len()
    }

    /// Appends the TPDU.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.first_octet());
        out.push(self.message_reference);
        self.destination.encode(out);
        out.extend_from_slice(&[self.pid, self.dcs.0]);
        self.validity.encode(out);
        self.user_data.encode(out);
    }

    /// Reads an SMS-SUBMIT; the whole input must be one TPDU.
    pub fn decode(bytes: &'a [u8]) -> Result<Submit<'a>, TpduError> {
        let mut r = Reader::new(bytes);
        let fo = r.u8().map_err(wire)?;
        if fo & 0x03 != MTI_SUBMIT {
            return Err(err(0, TpduErrorKind::UnsupportedMti(fo & 0x03)));
        }
        let message_reference = r.u8().map_err(wire)?;
        let destination = Address::decode(&mut r)?;
        let pid = r.u8().map_err(wire)?;
        let dcs = Dcs(r.u8().map_err(wire)?);
        let validity = Validity::decode(fo >> 3, &mut r)?;
        let udhi = fo & UDHI != 0;
        let user_data = UserData::decode(&mut r, dcs, udhi)?;
        Ok(Submit {
            reject_duplicates: fo & 0x04 != 0,
            validity,
            status_report_request: fo & 0x20 != 0,
            udhi,
            reply_path: fo & RP != 0,
            message_reference,
            destination,
            pid,
            dcs,
            user_data,
        })
    }
}

/// An SMS-DELIVER or SMS-SUBMIT, told apart by TP-MTI alone. (TP-MTI 0 is also
/// SMS-DELIVER-REPORT and 1 SMS-SUBMIT-REPORT in the other direction; when the direction is
/// known, call [`Deliver::decode`] or [`Submit::decode`] directly.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tpdu<'a> {
    /// TP-MTI 00.
    Deliver(Deliver<'a>),
    /// TP-MTI 01.
    Submit(Submit<'a>),
}

impl<'a> Tpdu<'a> {
    /// Reads a DELIVER or SUBMIT according to TP-MTI.
    pub fn decode(bytes: &'a [u8]) -> Result<Tpdu<'a>, TpduError> {
        match bytes.first().map(|b| b & 0x03) {
            Some(MTI_DELIVER) => Deliver::decode(bytes).map(Tpdu::Deliver),
            Some(MTI_SUBMIT) => Submit::decode(bytes).map(Tpdu::Submit),
            Some(m) => Err(err(0, TpduErrorKind::UnsupportedMti(m))),
            None => Err(err(0, TpduErrorKind::Truncated { wanted: 1, left: 0 })),
        }
    }

    /// Appends the TPDU.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Tpdu::Deliver(d) => d.encode(out),
            Tpdu::Submit(s) => s.encode(out),
        }
    }

    /// TP-UDHI.
    pub fn udhi(&self) -> bool {
        match self {
            Tpdu::Deliver(d) => d.udhi,
            Tpdu::Submit(s) => s.udhi,
        }
    }

    /// TP-DCS.
    pub fn dcs(&self) -> Dcs {
        match self {
            Tpdu::Deliver(d) => d.dcs,
            Tpdu::Submit(s) => s.dcs,
        }
    }

    /// TP-UD.
    pub fn user_data(&self) -> &UserData<'a> {
        match self {
            Tpdu::Deliver(d) => &d.user_data,
            Tpdu::Submit(s) => &s.user_data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omacp_wire::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// transport.md §5.1: segment 2 of the §4.3 example as an SMS-DELIVER.
    const DELIVER_5_1: &str = "44 0C 91 53 48 10 32 54 76 00 F5 42 10 20 30 40 50 00 2F
        0B 05 04 0B 84 23 F0 00 03 2A 02 02 41 50 31 00 01 C6 00 01 59 01 87 3A 00 00 06 03
        68 74 74 70 3A 2F 2F 61 2E 62 2F 00 01 87 1C 01 01 01 01";

    fn scts_5_1() -> Timestamp {
        Timestamp {
            year: 24,
            month: 1,
            day: 2,
            hour: 3,
            minute: 4,
            second: 5,
            tz_quarters: 0,
        }
    }

    #[test]
    fn transport_5_1_deliver_decodes() {
        let bytes = h(DELIVER_5_1);
        let d = Deliver::decode(&bytes).unwrap();
        assert!(d.no_more_messages && d.udhi && !d.reply_path && !d.status_report_indication);
        assert_eq!(
            d.originator,
            Address::international("+358401234567").unwrap()
        );
        assert_eq!(d.originator.toa(), 0x91);
        assert_eq!((d.pid, d.dcs), (0, Dcs::BINARY_CLASS1));
        assert_eq!(d.scts, scts_5_1());
        assert_eq!(d.user_data.udl(), 47);
        let seg = crate::wdp::Segment::decode(d.user_data.octets()).unwrap();
        assert_eq!(seg.ports().map(|p| p.dst), Some(2948));
        assert_eq!(seg.payload.len(), 35);
    }

    #[test]
    fn transport_5_1_deliver_encodes() {
        let bytes = h(DELIVER_5_1);
        let ud = &bytes[19..];
        let d = Deliver::binary(
            Address::international("+358401234567").unwrap(),
            Dcs::BINARY_CLASS1,
            scts_5_1(),
            UserData::binary(ud).unwrap(),
        );
        let mut out = Vec::new();
        d.encode(&mut out);
        assert_eq!(out, bytes);
        assert_eq!(d.encoded_len(), bytes.len());
    }

    #[test]
    fn transport_5_2_submit_start() {
        let pdu: Vec<u8> = (0..163u8).collect();
        let opts = crate::wdp::SegmentOptions::with_reference(crate::wdp::Reference::Bits8(0x2A));
        let segs = crate::wdp::segment(&pdu, &opts).unwrap();
        let s = Submit::binary(
            Address::international("358401234567").unwrap(),
            0,
            Dcs::BINARY_CLASS1,
            UserData::binary(&segs[0]).unwrap(),
        );
        let mut out = Vec::new();
        s.encode(&mut out);
        assert_eq!(
            out[..25],
            h("41 00 0C 91 53 48 10 32 54 76 00 F5 8C 0B 05 04 0B 84 23 F0 00 03 2A 02 01")[..]
        );
        assert_eq!(out.len(), s.encoded_len());
        assert_eq!(Submit::decode(&out).unwrap(), s);
        assert!(matches!(Tpdu::decode(&out), Ok(Tpdu::Submit(_))));
    }

    #[test]
    fn submit_validity_forms_round_trip() {
        let ud = [0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0xAA];
        for (validity, fo) in [
            (Validity::None, 0x41),
            (Validity::Relative(0xA7), 0x51),
            (
                Validity::Absolute(Timestamp {
                    tz_quarters: -16,
                    ..scts_5_1()
                }),
                0x59,
            ),
            (
                Validity::Enhanced(EnhancedValidity([0x42, 0x78, 0, 0, 0, 0, 0])),
                0x49,
            ),
        ] {
            let mut s = Submit::binary(
                Address::national("0401234567").unwrap(),
                7,
                Dcs::BINARY,
                UserData::binary(&ud).unwrap(),
            );
            s.validity = validity;
            let mut out = Vec::new();
            s.encode(&mut out);
            assert_eq!(out[0], fo);
            assert_eq!(out.len(), s.encoded_len());
            assert_eq!(Submit::decode(&out).unwrap(), s);
        }
    }

    #[test]
    fn validity_values() {
        assert_eq!(relative_validity_secs(0), 300);
        assert_eq!(relative_validity_secs(143), 12 * 3600);
        assert_eq!(relative_validity_secs(167), 24 * 3600);
        assert_eq!(relative_validity_secs(168), 2 * 86400);
        assert_eq!(relative_validity_secs(196), 30 * 86400);
        assert_eq!(relative_validity_secs(255), 63 * 7 * 86400);
        let e = EnhancedValidity([0x42, 0x78, 0, 0, 0, 0, 0]);
        assert!(e.single_shot() && !e.extended());
        assert_eq!(e.period(), EnhancedPeriod::Seconds(0x78));
        let e = EnhancedValidity([0x03, 0x10, 0x30, 0x45, 0, 0, 0]);
        assert_eq!(
            e.period(),
            EnhancedPeriod::Hms {
                hours: 1,
                minutes: 3,
                seconds: 54
            }
        );
        assert_eq!(
            EnhancedValidity([0x07, 0, 0, 0, 0, 0, 0]).period(),
            EnhancedPeriod::Reserved(7)
        );
    }

    #[test]
    fn timestamp_zone_sign() {
        // -4 h = -16 quarters: digits 1,6 swapped, sign bit 3 → 0x69.
        let t = Timestamp {
            tz_quarters: -16,
            ..scts_5_1()
        };
        let mut out = Vec::new();
        t.encode(&mut out);
        assert_eq!(out, h("42 10 20 30 40 50 69"));
        assert_eq!(Timestamp::decode(&mut Reader::new(&out)).unwrap(), t);
        // +2 h = 8 quarters → 0x80.
        let mut out = Vec::new();
        Timestamp {
            tz_quarters: 8,
            ..t
        }
        .encode(&mut out);
        assert_eq!(out[6], 0x80);
        let e = Timestamp::decode(&mut Reader::at(&h("42 1A 20 30 40 50 00"), 10)).unwrap_err();
        assert_eq!(
            e,
            TpduError {
                offset: 11,
                kind: TpduErrorKind::BadBcd(0x1A)
            }
        );
    }

    #[test]
    fn addresses() {
        let mut out = Vec::new();
        Address::unknown("*100#").unwrap().encode(&mut out);
        assert_eq!(out, h("05 81 1A 00 FB"));
        let a = Address::decode(&mut Reader::new(&out)).unwrap();
        assert_eq!((a.value(), a.ton()), ("*100#", TypeOfNumber::Unknown));
        let a = Address::digits(TypeOfNumber::Subscriber, Npi::PRIVATE, "abc1").unwrap();
        let mut out = Vec::new();
        a.encode(&mut out);
        assert_eq!(out, h("04 C9 DC 1E"));
        assert_eq!(Address::decode(&mut Reader::new(&out)).unwrap(), a);
        assert_eq!(
            Address::international("12x"),
            Err(AddressError::BadChar('x'))
        );
        assert_eq!(
            Address::international(&"1".repeat(21)),
            Err(AddressError::TooLong)
        );
        // A filler nibble inside the digits.
        let e = Address::decode(&mut Reader::new(&h("04 91 21 F3"))).unwrap_err();
        assert_eq!(
            e,
            TpduError {
                offset: 3,
                kind: TpduErrorKind::BadDigit(0xF)
            }
        );
        let e = Address::decode(&mut Reader::new(&h("15 91"))).unwrap_err();
        assert_eq!(e.kind, TpduErrorKind::AddressTooLong(21));
    }

    #[test]
    fn alphanumeric_addresses() {
        // "Operator": 8 septets = 56 bits = 14 semi-octets.
        let a = Address::alphanumeric("Operator").unwrap();
        let mut out = Vec::new();
        a.encode(&mut out);
        assert_eq!(out, h("0E D0 4F 78 59 1E A6 BF E5"));
        assert_eq!(Address::decode(&mut Reader::new(&out)).unwrap(), a);
        for text in ["A", "Telco", "ABCDEFGHIJK", "a{b}€", "@£$¥"] {
            let a = Address::alphanumeric(text).unwrap();
            let mut out = Vec::new();
            a.encode(&mut out);
            assert_eq!(out.len(), a.encoded_len());
            assert_eq!(
                Address::decode(&mut Reader::new(&out)).unwrap().value(),
                text,
                "{text}"
            );
        }
        assert_eq!(
            Address::alphanumeric("ABCDEFGHIJKL"),
            Err(AddressError::TooLong)
        );
        assert_eq!(Address::alphanumeric("ж"), Err(AddressError::BadChar('ж')));
    }

    #[test]
    fn gsm7_packing() {
        // The classic "hellohello" example from TS 23.038 style tests.
        let s = string_to_gsm7("hellohello").unwrap();
        assert_eq!(pack_septets(&s, 0), h("E8 32 9B FD 46 97 D9 EC 37"));
        assert_eq!(
            gsm7_to_string(&unpack_septets(&h("E8 32 9B FD 46 97 D9 EC 37"), 0, 10)),
            "hellohello"
        );
        // An escape with an unknown follower shows the basic character.
        assert_eq!(gsm7_to_string(&[ESC, 0x41, ESC]), "A");
        assert_eq!(gsm7_to_string(&[ESC, ESC, 0x41]), " A");
        assert_eq!(unpack_septets(&[0xFF], 0, 10).len(), 1);
    }

    #[test]
    fn seven_bit_user_data_with_udh() {
        // UDH 05 00 03 01 02 01 (6 octets = 48 bits → 7 septets incl. 1 fill bit), then "hi".
        let mut ud = h("05 00 03 01 02 01");
        let text = pack_septets(&string_to_gsm7("hi").unwrap(), 1);
        ud.extend_from_slice(&text);
        let udl = 7 + 2;
        let mut tpdu = h("44 04 91 21 43 00 00 42 10 20 30 40 50 00");
        tpdu.push(udl);
        tpdu.extend_from_slice(&ud);
        let d = Deliver::decode(&tpdu).unwrap();
        assert_eq!(d.dcs.coding().alphabet, Alphabet::Gsm7);
        assert_eq!(gsm7_to_string(&d.user_data.septets(true)), "hi");
        // UDL 161 septets is refused before any read.
        let mut bad = tpdu.clone();
        bad[14] = 161;
        assert_eq!(
            Deliver::decode(&bad).unwrap_err(),
            TpduError {
                offset: 14,
                kind: TpduErrorKind::UserDataTooLong { udl: 161, max: 160 }
            }
        );
    }

    #[test]
    fn dcs_groups() {
        let c = Dcs(0x04).coding();
        assert_eq!(
            (c.group, c.alphabet, c.class),
            (CodingGroup::General, Alphabet::Octet, None)
        );
        let c = Dcs(0xF5).coding();
        assert_eq!(
            (c.group, c.alphabet, c.class),
            (
                CodingGroup::DataClass,
                Alphabet::Octet,
                Some(MessageClass::Class1)
            )
        );
        let c = Dcs(0x18).coding();
        assert_eq!(
            (c.alphabet, c.class),
            (Alphabet::Ucs2, Some(MessageClass::Class0))
        );
        let c = Dcs(0x64).coding();
        assert_eq!(
            (c.group, c.compressed),
            (CodingGroup::AutomaticDeletion, true)
        );
        assert!(!Dcs(0x24).udl_in_septets(), "compressed counts octets");
        assert!(
            Dcs(0x0C).udl_in_septets(),
            "reserved alphabet is read as GSM 7-bit"
        );
        assert_eq!(Dcs(0x85).coding().group, CodingGroup::Reserved);
        let c = Dcs(0xCA).coding();
        assert_eq!(
            c.group,
            CodingGroup::MessageWaiting {
                store: false,
                active: true,
                kind: IndicationKind::Email
            }
        );
        assert_eq!(Dcs(0xE8).coding().alphabet, Alphabet::Ucs2);
        for b in 0..=255u8 {
            let _ = Dcs(b).coding();
        }
    }

    #[test]
    fn malformed_tpdus() {
        let good = h(DELIVER_5_1);
        let e = |b: &[u8]| Deliver::decode(b).unwrap_err();
        assert_eq!(e(&[]).kind, TpduErrorKind::Truncated { wanted: 1, left: 0 });
        assert_eq!(e(&good[..6]).offset, 3);
        assert_eq!(
            e(&good[..good.len() - 1]),
            TpduError {
                offset: 19,
                kind: TpduErrorKind::Truncated {
                    wanted: 47,
                    left: 46
                }
            }
        );
        let mut long = good.clone();
        long.push(0);
        assert_eq!(
            e(&long),
            TpduError {
                offset: good.len(),
                kind: TpduErrorKind::TrailingData(1)
            }
        );
        let mut bad_udh = good.clone();
        bad_udh[19] = 0x40;
        assert_eq!(
            e(&bad_udh).kind,
            TpduErrorKind::UdhOverrun {
                udh: 0x41,
                octets: 47
            }
        );
        assert_eq!(e(&h("01")).kind, TpduErrorKind::UnsupportedMti(1));
        assert_eq!(
            Tpdu::decode(&h("02")).unwrap_err().kind,
            TpduErrorKind::UnsupportedMti(2)
        );
        for cut in 0..good.len() {
            assert!(Tpdu::decode(&good[..cut]).is_err());
        }
    }
}
