//! Hex text as used on the command line and in MAC parameters.

use core::fmt::Write;

/// Upper-case hex of `bytes`, no separators.
pub fn encode_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Why a hex string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is neither a hex digit nor ignorable white space.
    #[error("character {index} is not a hex digit")]
    BadDigit {
        /// Index of the offending character.
        index: usize,
    },
    /// An odd number of hex digits.
    #[error("odd number of hex digits")]
    OddLength,
}

/// Reads hex digits (either case); ASCII white space and `:` between digits are ignored.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut hi: Option<u8> = None;
    for (index, c) in text.char_indices() {
        if c.is_ascii_whitespace() || c == ':' {
            continue;
        }
        let d = c.to_digit(16).ok_or(HexError::BadDigit { index })? as u8;
        match hi.take() {
            None => hi = Some(d),
            Some(h) => out.push(h << 4 | d),
        }
    }
    if hi.is_some() {
        return Err(HexError::OddLength);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        assert_eq!(super::encode_upper(&[0x0b, 0xAF, 0]), "0BAF00");
        assert_eq!(super::decode("0b af\n00").unwrap(), vec![0x0B, 0xAF, 0]);
        assert!(super::decode("0G").is_err());
        assert!(super::decode("abc").is_err());
    }
}
