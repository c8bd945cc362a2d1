//! File paths on a card: an absolute path from the MF (`3F00/7F20/6F07`), or a path inside
//! an application DF selected by its AID (`ADF.A0000000871002/6F07`). The same text form is
//! used in card images, notes and the CLI.

use omacp_wire::hex;

use crate::tlv::{TlvError, TlvErrorKind};

/// The master file's identifier.
pub const MF: u16 = 0x3F00;

/// Deepest path accepted (MF plus seven levels; real cards use four at most).
pub const MAX_DEPTH: usize = 8;

/// Where a file lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FilePath {
    /// The application selected first by AID, or `None` for a path from the MF.
    pub adf: Option<Vec<u8>>,
    /// File identifiers: from the MF (starting with `3F00`) or below the ADF.
    pub fids: Vec<u16>,
}

/// Why a path text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad file path {text:?}: {why}")]
pub struct PathParseError {
    /// The text (at most 80 characters of it).
    pub text: String,
    /// What is wrong.
    pub why: &'static str,
}

impl FilePath {
    /// An absolute path; `fids` must start with `3F00`.
    pub fn mf(fids: &[u16]) -> FilePath {
        FilePath {
            adf: None,
            fids: fids.to_vec(),
        }
    }

    /// A path below the application with this AID.
    pub fn in_adf(aid: &[u8], fids: &[u16]) -> FilePath {
        FilePath {
            adf: Some(aid.to_vec()),
            fids: fids.to_vec(),
        }
    }

    /// This path extended by `rel`.
    pub fn join(&self, rel: &[u16]) -> FilePath {
        let mut p = self.clone();
        p.fids.extend_from_slice(rel);
        p
    }

    /// A PKCS#15 path taken relative to `self` (the application DF) unless it starts at the MF
    /// (PKCS#15 v1.1 §6.1.5: a path not starting with `3F00` is relative to the current DF).
    pub fn resolve(&self, pkcs15_path: &[u16]) -> FilePath {
        if pkcs15_path.first() == Some(&MF) {
            FilePath::mf(pkcs15_path)
        } else {
            self.join(pkcs15_path)
        }
    }

    /// True for an absolute path that is not below an ADF.
    pub fn is_absolute(&self) -> bool {
        self.adf.is_none() && self.fids.first() == Some(&MF)
    }
}

impl core::fmt::Display for FilePath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut first = true;
        if let Some(aid) = &self.adf {
            write!(f, "ADF.{}", hex::encode_upper(aid))?;
            first = false;
        }
        for fid in &self.fids {
            if !first {
                f.write_str("/")?;
            }
            write!(f, "{fid:04X}")?;
            first = false;
        }
        Ok(())
    }
}

impl core::str::FromStr for FilePath {
    type Err = PathParseError;

    /// `3F00/7FFF/5031`, `ADF.A0000000871002/6F07` (an AID of 5 to 16 bytes).
    fn from_str(s: &str) -> Result<FilePath, PathParseError> {
        let err = |why| PathParseError {
            text: s.chars().take(80).collect(),
            why,
        };
        let mut parts = s.trim().split('/');
        let mut path = FilePath {
            adf: None,
            fids: Vec::new(),
        };
        let first = parts.next().unwrap_or("");
        if let Some(aid) = first
            .strip_prefix("ADF.")
            .or_else(|| first.strip_prefix("adf."))
        {
            let aid = hex::decode(aid).map_err(|_| err("the AID is not hex"))?;
            if !(5..=16).contains(&aid.len()) {
                return Err(err("an AID has 5 to 16 bytes"));
            }
            path.adf = Some(aid);
        } else {
            path.fids
                .push(parse_fid(first).ok_or(err("file ids are four hex digits"))?);
            if path.fids[0] != MF {
                return Err(err(
                    "an absolute path starts with 3F00 (or use ADF.<aid>/...)",
                ));
            }
        }
        for p in parts {
            path.fids
                .push(parse_fid(p).ok_or(err("file ids are four hex digits"))?);
        }
        if path.fids.len() > MAX_DEPTH {
            return Err(err("path too deep"));
        }
        Ok(path)
    }
}

/// Four hex digits as a file identifier.
pub fn parse_fid(s: &str) -> Option<u16> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u16::from_str_radix(s, 16).ok())
        .flatten()
}

/// A path as file identifiers separated by `/` (absolute or relative), e.g. `4401` or
/// `3F00/5015/4401`, as written in card images.
pub fn parse_fids(s: &str) -> Option<Vec<u16>> {
    let v: Option<Vec<u16>> = s.split('/').map(parse_fid).collect();
    v.filter(|v| !v.is_empty() && v.len() <= MAX_DEPTH)
}

/// The file identifiers in a PKCS#15 / EF(DIR) path value (2 to 16 bytes, an even number).
pub fn fids_from_bytes(bytes: &[u8], offset: usize) -> Result<Vec<u16>, TlvError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) || bytes.len() > 2 * MAX_DEPTH {
        return Err(TlvError::at(
            offset,
            TlvErrorKind::BadValueLength {
                len: bytes.len(),
                what: "a path of 1 to 8 two-byte file ids",
            },
        ));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// File identifiers as path bytes.
pub fn fids_to_bytes(fids: &[u16]) -> Vec<u8> {
    fids.iter().flat_map(|f| f.to_be_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for s in [
            "3F00",
            "3F00/7F20/6F07",
            "ADF.A0000000871002/6F07",
            "ADF.A000000063504B43532D3135",
        ] {
            let p: FilePath = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        for s in [
            "",
            "7F20/6F07",
            "3F00/7F2",
            "ADF.A000/6F07",
            "ADF.zz",
            "3F00/1/2",
            "3F00/0001/0002/0003/0004/0005/0006/0007/0008",
        ] {
            assert!(s.parse::<FilePath>().is_err(), "{s}");
        }
    }

    #[test]
    fn resolution_is_relative_unless_from_the_mf() {
        let app = FilePath::mf(&[MF, 0x5015]);
        assert_eq!(app.resolve(&[0x4401]), FilePath::mf(&[MF, 0x5015, 0x4401]));
        assert_eq!(
            app.resolve(&[MF, 0x7F50, 0x4401]),
            FilePath::mf(&[MF, 0x7F50, 0x4401])
        );
        let adf = FilePath::in_adf(&[0xA0, 0, 0, 0, 0x63], &[]);
        assert_eq!(adf.resolve(&[0x5031]).to_string(), "ADF.A000000063/5031");
    }

    #[test]
    fn path_bytes() {
        assert_eq!(
            fids_from_bytes(&[0x3F, 0x00, 0x50, 0x15], 0).unwrap(),
            [MF, 0x5015]
        );
        assert!(fids_from_bytes(&[0x3F], 7).is_err());
        assert!(fids_from_bytes(&[], 7).is_err());
        assert!(fids_from_bytes(&[0; 18], 7).is_err());
        assert_eq!(fids_to_bytes(&[MF, 0x2F00]), [0x3F, 0x00, 0x2F, 0x00]);
        assert_eq!(parse_fids("3f00/5015"), Some(vec![MF, 0x5015]));
        assert_eq!(parse_fids("50151"), None);
    }
}
