//! The subscriber's IMSI as the card stores it, for NETWPIN checks (security.md §4.1).
//!
//! * EF_IMSI (GSM 11.11 §10.3.2, TS 31.102 §4.2.2): byte 0 is the number of bytes that
//!   follow; then semi-octets, low nibble first. The first nibble is the identity type `001`
//!   with bit 4 set when the number of digits is odd; an even count ends with filler `F`.
//! * EF_IMSI_M (R-UIM 3GPP2 C.S0023 §3.4.2, CSIM C.S0065 §5.2.2): IMSI_M as the CDMA air
//!   interface encodes it (C.S0005 §2.3.1): MCC (10 bits), IMSI_11_12 (7 bits) and the
//!   10-digit MIN as S2 (10 bits) and S1 (24 bits); every group of three digits is coded as
//!   a number 0–999 where each digit is stored as digit − 1 (so `0` counts as ten), and the
//!   thousands digit of S1 is a 4-bit BCD with ten meaning `0`. The byte layout follows the
//!   Android RuimRecords reader, which cites the same sections.
//!
//! Errors never carry digits: an IMSI is personal data.

/// What is wrong with stored IMSI bytes or a typed IMSI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImsiErrorKind {
    /// Fewer bytes than the file format needs.
    #[error("{0} byte(s) is too short")]
    TooShort(usize),
    /// The file is unprogrammed (all `FF`, or IMSI_M_PROGRAMMED clear).
    #[error("no IMSI programmed")]
    NotProgrammed,
    /// EF_IMSI's length byte is 0, above 8, or past the end of the file.
    #[error("length byte {0} is not 1..=8 within the file")]
    BadLength(u8),
    /// The identity-type bits are not `001` (IMSI).
    #[error("identity type {0} is not IMSI (1)")]
    BadIdentityType(u8),
    /// A semi-octet above 9 where a digit belongs.
    #[error("semi-octet {0:#x} is not a digit")]
    BadDigit(u8),
    /// An even digit count whose last semi-octet is not filler `F`.
    #[error("missing filler F after an even number of digits")]
    BadFiller,
    /// An IMSI has 6 to 15 digits (15 for IMSI_M).
    #[error("{0} digits is not a valid IMSI length")]
    DigitCount(usize),
    /// An IMSI_M digit group outside its range.
    #[error("digit group out of range")]
    InvalidGroup,
    /// Typed text with something other than ASCII digits.
    #[error("an IMSI is written with digits only")]
    NotDigits,
}

/// An IMSI error: its kind and the offset of the byte involved (0 for typed text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct ImsiError {
    /// Offset in the file.
    pub offset: usize,
    /// What went wrong.
    pub kind: ImsiErrorKind,
}

fn err(offset: usize, kind: ImsiErrorKind) -> ImsiError {
    ImsiError { offset, kind }
}

/// Size of EF_IMSI.
pub const EF_IMSI_LEN: usize = 9;
/// Size of EF_IMSI_M.
pub const EF_IMSI_M_LEN: usize = 10;

/// Checks typed IMSI text: 6 to 15 ASCII digits.
pub fn check(imsi: &str) -> Result<(), ImsiError> {
    if !imsi.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(0, ImsiErrorKind::NotDigits));
    }
    if !(6..=15).contains(&imsi.len()) {
        return Err(err(0, ImsiErrorKind::DigitCount(imsi.len())));
    }
    Ok(())
}

/// The IMSI with every digit but the last three replaced by `*`, for display.
pub fn mask(imsi: &str) -> String {
    let n = imsi.chars().count();
    imsi.chars()
        .enumerate()
        .map(|(i, c)| if i + 3 < n { '*' } else { c })
        .collect()
}

/// Decodes EF_IMSI contents into digits.
pub fn decode_ef_imsi(bytes: &[u8]) -> Result<String, ImsiError> {
    if bytes.len() < 2 {
        return Err(err(0, ImsiErrorKind::TooShort(bytes.len())));
    }
    if bytes.iter().all(|&b| b == 0xFF) {
        return Err(err(0, ImsiErrorKind::NotProgrammed));
    }
    let l = usize::from(bytes[0]);
    if l == 0 || l > 8 || l >= bytes.len() {
        return Err(err(0, ImsiErrorKind::BadLength(bytes[0])));
    }
    let first = bytes[1] & 0x0F;
    if first & 0x07 != 0x01 {
        return Err(err(1, ImsiErrorKind::BadIdentityType(first & 0x07)));
    }
    let odd = first & 0x08 != 0;
    // Semi-octets after the type nibble, each with the offset of its byte.
    let nibbles = (1..=l).flat_map(|i| {
        let b = bytes[i];
        let low = (i > 1).then_some((i, b & 0x0F));
        low.into_iter().chain(core::iter::once((i, b >> 4)))
    });
    let count = if odd { 2 * l - 1 } else { 2 * l - 2 };
    let mut digits = String::with_capacity(count);
    for (n, (at, v)) in nibbles.enumerate() {
        if n == count {
            if v != 0x0F {
                return Err(err(at, ImsiErrorKind::BadFiller));
            }
            break;
        }
        if v > 9 {
            return Err(err(at, ImsiErrorKind::BadDigit(v)));
        }
        digits.push(char::from(b'0' + v));
    }
    if !(6..=15).contains(&count) {
        return Err(err(0, ImsiErrorKind::DigitCount(count)));
    }
    Ok(digits)
}

/// Encodes digits as EF_IMSI contents (9 bytes; unused bytes `FF`).
pub fn encode_ef_imsi(imsi: &str) -> Result<[u8; EF_IMSI_LEN], ImsiError> {
    check(imsi)?;
    let d = imsi.as_bytes();
    let odd = d.len() % 2 == 1;
    let mut nibbles: Vec<u8> = vec![if odd { 0x09 } else { 0x01 }];
    nibbles.extend(d.iter().map(|c| c - b'0'));
    if nibbles.len() % 2 == 1 {
        nibbles.push(0x0F);
    }
    let mut out = [0xFF; EF_IMSI_LEN];
    out[0] = (nibbles.len() / 2) as u8;
    for (i, pair) in nibbles.chunks_exact(2).enumerate() {
        out[1 + i] = pair[0] | (pair[1] << 4);
    }
    Ok(out)
}

/// Decodes a three-digit group (C.S0005 §2.3.1): each stored digit is the real one − 1.
fn group_digits(v: u16, n: usize, offset: usize, out: &mut String) -> Result<(), ImsiError> {
    let max = if n == 3 { 999 } else { 99 };
    if v > max {
        return Err(err(offset, ImsiErrorKind::InvalidGroup));
    }
    let mut buf = [0u8; 3];
    let mut x = v;
    for slot in buf[..n].iter_mut().rev() {
        *slot = b'0' + ((x % 10) as u8 + 1) % 10;
        x /= 10;
    }
    buf[..n].iter().for_each(|&c| out.push(char::from(c)));
    Ok(())
}

fn group_value(digits: &[u8]) -> u16 {
    digits
        .iter()
        .fold(0u16, |acc, &c| acc * 10 + u16::from((c - b'0' + 9) % 10))
}

/// Decodes EF_IMSI_M contents (10 bytes) into the 15-digit IMSI_M.
pub fn decode_imsi_m(bytes: &[u8]) -> Result<String, ImsiError> {
    if bytes.len() < EF_IMSI_M_LEN {
        return Err(err(0, ImsiErrorKind::TooShort(bytes.len())));
    }
    if bytes[7] & 0x80 == 0 {
        return Err(err(7, ImsiErrorKind::NotProgrammed));
    }
    let mcc = u16::from(bytes[9] & 0x03) << 8 | u16::from(bytes[8]);
    let d11_12 = u16::from(bytes[6] & 0x7F);
    let s2 = u16::from(bytes[2] & 0x03) << 8 | u16::from(bytes[1]);
    let s1 = u32::from(bytes[5]) << 16 | u32::from(bytes[4]) << 8 | u32::from(bytes[3]);
    let mut out = String::with_capacity(15);
    group_digits(mcc, 3, 8, &mut out)?;
    group_digits(d11_12, 2, 6, &mut out)?;
    group_digits(s2, 3, 1, &mut out)?;
    group_digits((s1 >> 14) as u16 & 0x3FF, 3, 4, &mut out)?;
    // The thousands digit is BCD with ten for zero; Android also reads 0 as zero.
    match (s1 >> 10) & 0x0F {
        d @ 1..=9 => out.push(char::from(b'0' + d as u8)),
        0 | 10 => out.push('0'),
        _ => return Err(err(4, ImsiErrorKind::InvalidGroup)),
    }
    group_digits(s1 as u16 & 0x3FF, 3, 3, &mut out)?;
    Ok(out)
}

/// Encodes a 15-digit IMSI as EF_IMSI_M contents (class 0, programmed, address number 0).
pub fn encode_imsi_m(imsi: &str) -> Result<[u8; EF_IMSI_M_LEN], ImsiError> {
    check(imsi)?;
    if imsi.len() != 15 {
        return Err(err(0, ImsiErrorKind::DigitCount(imsi.len())));
    }
    let d = imsi.as_bytes();
    let mcc = group_value(&d[0..3]);
    let d11_12 = group_value(&d[3..5]);
    let s2 = group_value(&d[5..8]);
    let thousands = match d[11] - b'0' {
        0 => 10,
        x => u32::from(x),
    };
    let s1 = u32::from(group_value(&d[8..11])) << 14
        | thousands << 10
        | u32::from(group_value(&d[12..15]));
    Ok([
        0x00,
        s2 as u8,
        (s2 >> 8) as u8,
        s1 as u8,
        (s1 >> 8) as u8,
        (s1 >> 16) as u8,
        d11_12 as u8,
        0x80,
        mcc as u8,
        (mcc >> 8) as u8,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ef_imsi_vectors() {
        // security.md §4.1 vectors with the length byte in front.
        for (imsi, hex) in [
            ("001010123456789", "080910101032547698"),
            ("466923103145252", "084966291330412525"),
            ("23415123456789", "0821435121436587F9"),
        ] {
            let bytes = omacp_wire::hex::decode(hex).unwrap();
            assert_eq!(decode_ef_imsi(&bytes).unwrap(), imsi);
            assert_eq!(encode_ef_imsi(imsi).unwrap().to_vec(), bytes);
        }
        // A short IMSI leaves FF in the unused bytes.
        let short = encode_ef_imsi("1234567").unwrap();
        assert_eq!(
            short,
            [0x04, 0x19, 0x32, 0x54, 0x76, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(decode_ef_imsi(&short).unwrap(), "1234567");
    }

    #[test]
    fn ef_imsi_errors() {
        let e = |b: &[u8]| decode_ef_imsi(b).unwrap_err();
        assert_eq!(e(&[0xFF; 9]), err(0, ImsiErrorKind::NotProgrammed));
        assert_eq!(e(&[0x08]), err(0, ImsiErrorKind::TooShort(1)));
        assert_eq!(
            e(&[0x09, 0x09, 0, 0, 0, 0, 0, 0, 0, 0]),
            err(0, ImsiErrorKind::BadLength(9))
        );
        assert_eq!(e(&[0x08, 0x09, 0x10]), err(0, ImsiErrorKind::BadLength(8)));
        assert_eq!(
            e(&[0x02, 0x0A, 0x10]),
            err(1, ImsiErrorKind::BadIdentityType(2))
        );
        assert_eq!(
            e(&[0x04, 0x09, 0x10, 0xA0, 0x32]),
            err(3, ImsiErrorKind::BadDigit(0xA))
        );
        assert_eq!(
            e(&[0x04, 0x01, 0x10, 0x32, 0x54]),
            err(4, ImsiErrorKind::BadFiller)
        );
        assert_eq!(e(&[0x02, 0x09, 0x10]), err(0, ImsiErrorKind::DigitCount(3)));
    }

    #[test]
    fn imsi_m_literal_vector() {
        // MCC 310 -> 209, 11_12 "00" -> 99, S2 "123" -> 12, S1 "456" 7 "890" -> 0x565F15.
        let bytes = [0x00, 0x0C, 0x00, 0x15, 0x5F, 0x56, 0x63, 0x80, 0xD1, 0x00];
        assert_eq!(decode_imsi_m(&bytes).unwrap(), "310001234567890");
        assert_eq!(encode_imsi_m("310001234567890").unwrap(), bytes);
        for imsi in [
            "000000000000000",
            "999999999999999",
            "460030912121001",
            "310260000000000",
        ] {
            assert_eq!(decode_imsi_m(&encode_imsi_m(imsi).unwrap()).unwrap(), imsi);
        }
    }

    #[test]
    fn imsi_m_errors() {
        let mut b = encode_imsi_m("310001234567890").unwrap();
        b[7] = 0;
        assert_eq!(
            decode_imsi_m(&b).unwrap_err(),
            err(7, ImsiErrorKind::NotProgrammed)
        );
        let mut b = encode_imsi_m("310001234567890").unwrap();
        b[9] = 0x03;
        b[8] = 0xFF; // 1023 > 999
        assert_eq!(
            decode_imsi_m(&b).unwrap_err(),
            err(8, ImsiErrorKind::InvalidGroup)
        );
        let mut b = encode_imsi_m("310001234567890").unwrap();
        b[4] = (b[4] & !0x3C) | (0x0C << 2); // thousands digit 12
        assert_eq!(
            decode_imsi_m(&b).unwrap_err(),
            err(4, ImsiErrorKind::InvalidGroup)
        );
        assert_eq!(
            decode_imsi_m(&[0; 9]).unwrap_err().kind,
            ImsiErrorKind::TooShort(9)
        );
        assert_eq!(
            encode_imsi_m("12345678901234").unwrap_err().kind,
            ImsiErrorKind::DigitCount(14)
        );
    }

    #[test]
    fn typed_text_and_mask() {
        assert!(check("00101012345678x").is_err());
        assert!(check("12345").is_err());
        assert!(check("1234567890123456").is_err());
        assert_eq!(mask("001010123456789"), "************789");
        assert_eq!(mask("12"), "12");
    }
}
