//! What a SELECT tells about a file: the UICC FCP template (ETSI TS 102 221 §11.1.1.3)
//! and the GSM SIM response (GSM 11.11 §9.2.1). Both decode to one [`FileInfo`]; both are
//! also encoded, for the simulated card.

use crate::tlv::{TlvError, TlvErrorKind, TlvReader, der};

/// The structure of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The master file `3F00`.
    Mf,
    /// A dedicated file (a directory) or an application DF.
    Df,
    /// An EF read with READ BINARY.
    Transparent,
    /// An EF of fixed-size records read with READ RECORD.
    LinearFixed,
    /// A cyclic record EF.
    Cyclic,
    /// A structure this crate does not read (kept for messages).
    Other(u8),
}

impl FileKind {
    /// True for record-structured EFs.
    pub fn is_record(self) -> bool {
        matches!(self, FileKind::LinearFixed | FileKind::Cyclic)
    }

    /// True for the MF and DFs.
    pub fn is_dir(self) -> bool {
        matches!(self, FileKind::Mf | FileKind::Df)
    }
}

/// A file's identity and size as reported by SELECT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileInfo {
    /// The file identifier.
    pub fid: Option<u16>,
    /// Structure, when reported.
    pub kind: Option<FileKind>,
    /// Size of a transparent EF, or records × record length.
    pub size: Option<usize>,
    /// Record length of a record EF.
    pub record_len: Option<usize>,
    /// Number of records of a record EF.
    pub records: Option<usize>,
    /// The DF name (AID) of an application DF.
    pub aid: Option<Vec<u8>>,
}

const TAG_FCP: u32 = 0x62;
const TAG_FCI: u32 = 0x6F;
const TAG_DESCRIPTOR: u32 = 0x82;
const TAG_FID: u32 = 0x83;
const TAG_DF_NAME: u32 = 0x84;
const TAG_SIZE: u32 = 0x80;
const TAG_LCSI: u32 = 0x8A;

/// Decodes a UICC FCP template (`62 …`; an ISO FCI `6F …` is accepted too).
pub fn parse_fcp(bytes: &[u8]) -> Result<FileInfo, TlvError> {
    let mut top = TlvReader::new(bytes);
    let at = top.offset();
    let t = top
        .next_tlv()?
        .ok_or(TlvError::at(at, TlvErrorKind::Missing(TAG_FCP)))?;
    if t.tag.0 != TAG_FCI {
        t.expect(TAG_FCP)?;
    }
    let mut info = FileInfo::default();
    for item in t.children() {
        let item = item?;
        let v = item.value;
        match item.tag.0 {
            TAG_DESCRIPTOR => {
                let d = *v
                    .first()
                    .ok_or(bad_len(item.value_offset, 0, "a file descriptor"))?;
                info.kind = Some(match d {
                    _ if d & 0xBF == 0x38 => FileKind::Df,
                    _ => match d & 0x07 {
                        1 => FileKind::Transparent,
                        2 => FileKind::LinearFixed,
                        6 => FileKind::Cyclic,
                        _ => FileKind::Other(d),
                    },
                });
                if info.kind.is_some_and(FileKind::is_record) {
                    if v.len() < 5 {
                        return Err(bad_len(
                            item.value_offset,
                            v.len(),
                            "5 bytes for a record EF descriptor",
                        ));
                    }
                    info.record_len = Some(usize::from(u16::from_be_bytes([v[2], v[3]])));
                    info.records = Some(usize::from(v[4]));
                }
            }
            TAG_FID => {
                let [a, b] = v else {
                    return Err(bad_len(item.value_offset, v.len(), "2 bytes"));
                };
                info.fid = Some(u16::from_be_bytes([*a, *b]));
            }
            TAG_DF_NAME => info.aid = Some(v.to_vec()),
            TAG_SIZE => {
                if v.is_empty() || v.len() > 4 {
                    return Err(bad_len(item.value_offset, v.len(), "1 to 4 bytes"));
                }
                info.size = Some(v.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b)));
            }
            _ => {}
        }
    }
    if info.fid == Some(0x3F00) {
        info.kind = Some(FileKind::Mf);
    }
    if let (None, Some(l), Some(n)) = (info.size, info.record_len, info.records) {
        info.size = Some(l * n);
    }
    Ok(info)
}

fn bad_len(offset: usize, len: usize, what: &'static str) -> TlvError {
    TlvError::at(offset, TlvErrorKind::BadValueLength { len, what })
}

/// Encodes `info` as a UICC FCP template.
pub fn encode_fcp(info: &FileInfo) -> Vec<u8> {
    let mut body = Vec::new();
    let kind = info.kind.unwrap_or(FileKind::Transparent);
    let descriptor: Vec<u8> = match kind {
        FileKind::Mf | FileKind::Df => vec![0x78, 0x21],
        FileKind::Transparent => vec![0x41, 0x21],
        FileKind::LinearFixed | FileKind::Cyclic => {
            let l = info.record_len.unwrap_or(0).min(0xFFFF) as u16;
            let d = if kind == FileKind::Cyclic { 0x46 } else { 0x42 };
            let [hi, lo] = l.to_be_bytes();
            vec![d, 0x21, hi, lo, info.records.unwrap_or(0).min(0xFF) as u8]
        }
        FileKind::Other(d) => vec![d, 0x21],
    };
    body.extend(der(TAG_DESCRIPTOR, &descriptor));
    if let Some(fid) = info.fid {
        body.extend(der(TAG_FID, &fid.to_be_bytes()));
    }
    if let Some(aid) = &info.aid {
        body.extend(der(TAG_DF_NAME, aid));
    }
    body.extend(der(TAG_LCSI, &[0x05]));
    if !kind.is_dir() {
        let size = info.size.unwrap_or(0).min(0xFFFF) as u16;
        body.extend(der(TAG_SIZE, &size.to_be_bytes()));
    }
    der(TAG_FCP, &body)
}

/// Decodes the GSM 11.11 response to SELECT (at least 14 bytes; 15 for record EFs).
pub fn parse_gsm_response(bytes: &[u8]) -> Result<FileInfo, TlvError> {
    if bytes.len() < 14 {
        return Err(bad_len(
            0,
            bytes.len(),
            "at least 14 bytes of GSM SELECT response",
        ));
    }
    let size = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    let fid = u16::from_be_bytes([bytes[4], bytes[5]]);
    let mut info = FileInfo {
        fid: Some(fid),
        ..FileInfo::default()
    };
    match bytes[6] {
        0x01 => info.kind = Some(FileKind::Mf),
        0x02 => info.kind = Some(FileKind::Df),
        0x04 => {
            info.size = Some(size);
            info.kind = Some(match bytes[13] {
                0x00 => FileKind::Transparent,
                0x01 => FileKind::LinearFixed,
                0x03 => FileKind::Cyclic,
                other => FileKind::Other(other),
            });
            if info.kind.is_some_and(FileKind::is_record) {
                let l =
                    *bytes
                        .get(14)
                        .ok_or(bad_len(14, bytes.len(), "15 bytes for a record EF"))?;
                if l == 0 {
                    return Err(bad_len(14, 0, "a non-zero record length"));
                }
                info.record_len = Some(usize::from(l));
                info.records = Some(size / usize::from(l));
            }
        }
        other => info.kind = Some(FileKind::Other(other)),
    }
    Ok(info)
}

/// Encodes `info` as a GSM 11.11 SELECT response (15 bytes for EFs, 22 for the MF/DFs).
pub fn encode_gsm_response(info: &FileInfo) -> Vec<u8> {
    let kind = info.kind.unwrap_or(FileKind::Transparent);
    let fid = info.fid.unwrap_or(0).to_be_bytes();
    if kind.is_dir() {
        let t = if kind == FileKind::Mf { 0x01 } else { 0x02 };
        // Free memory 0, characteristics 0x80 (clock stop allowed), no counts, CHV1 not initialised.
        return vec![
            0, 0, 0, 0, fid[0], fid[1], t, 0, 0, 0, 0, 0, 9, 0x80, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
    }
    let size = (info.size.unwrap_or(0).min(0xFFFF) as u16).to_be_bytes();
    let structure = match kind {
        FileKind::LinearFixed => 0x01,
        FileKind::Cyclic => 0x03,
        _ => 0x00,
    };
    let reclen = info.record_len.unwrap_or(0).min(0xFF) as u8;
    // Access conditions: READ always (0), UPDATE ADM (F); status: not invalidated.
    vec![
        0, 0, size[0], size[1], fid[0], fid[1], 0x04, 0, 0x0F, 0xFF, 0xFF, 0x01, 0x02, structure,
        reclen,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uicc_fcp_of_a_record_ef() {
        // 62 { 82 42 21 00 26 03, 83 2F00, 8A 05, 80 0072 }: EF(DIR), 3 records of 0x26 bytes.
        let bytes = [
            0x62, 0x12, 0x82, 0x05, 0x42, 0x21, 0x00, 0x26, 0x03, 0x83, 0x02, 0x2F, 0x00, 0x8A,
            0x01, 0x05, 0x80, 0x02, 0x00, 0x72,
        ];
        let info = parse_fcp(&bytes).unwrap();
        assert_eq!(info.fid, Some(0x2F00));
        assert_eq!(info.kind, Some(FileKind::LinearFixed));
        assert_eq!(
            (info.record_len, info.records, info.size),
            (Some(0x26), Some(3), Some(0x72))
        );
        assert_eq!(parse_fcp(&encode_fcp(&info)).unwrap(), info);
    }

    #[test]
    fn uicc_fcp_of_an_adf() {
        let info = FileInfo {
            fid: Some(0x7FF0),
            kind: Some(FileKind::Df),
            aid: Some(vec![0xA0, 0, 0, 0, 0x87, 0x10, 0x02]),
            ..FileInfo::default()
        };
        assert_eq!(parse_fcp(&encode_fcp(&info)).unwrap(), info);
    }

    #[test]
    fn gsm_response_round_trips() {
        let ef = FileInfo {
            fid: Some(0x6F07),
            kind: Some(FileKind::Transparent),
            size: Some(9),
            ..FileInfo::default()
        };
        assert_eq!(parse_gsm_response(&encode_gsm_response(&ef)).unwrap(), ef);
        let rec = FileInfo {
            fid: Some(0x2F00),
            kind: Some(FileKind::LinearFixed),
            size: Some(0x4C),
            record_len: Some(0x26),
            records: Some(2),
            aid: None,
        };
        assert_eq!(parse_gsm_response(&encode_gsm_response(&rec)).unwrap(), rec);
        let df = FileInfo {
            fid: Some(0x7F20),
            kind: Some(FileKind::Df),
            ..FileInfo::default()
        };
        assert_eq!(parse_gsm_response(&encode_gsm_response(&df)).unwrap(), df);
    }

    #[test]
    fn malformed_responses_are_errors() {
        assert!(parse_gsm_response(&[0; 13]).is_err());
        let mut zero_len = encode_gsm_response(&FileInfo {
            fid: Some(1),
            kind: Some(FileKind::LinearFixed),
            size: Some(10),
            record_len: Some(1),
            ..FileInfo::default()
        });
        zero_len[14] = 0;
        assert!(parse_gsm_response(&zero_len).is_err());
        assert!(parse_fcp(&[0x62, 0x04, 0x83, 0x01, 0x2F, 0x00]).is_err());
        assert!(parse_fcp(&[0x62, 0x03, 0x82, 0x01, 0x42]).is_err());
        assert!(parse_fcp(&[0x63, 0x00]).is_err());
        assert!(parse_fcp(&[]).is_err());
    }
}
