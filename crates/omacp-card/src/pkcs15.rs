//! The PKCS#15 files that lead to the provisioning objects (PKCS #15 v1.1 / ISO/IEC 7816-15;
//! smartcard.md §2.1): EF(DIR) application templates, EF(ODF) object directory entries and
//! EF(DODF) data objects whose `oidDO` names a provisioning file by OID and path.
//!
//! Every parser takes untrusted bytes, skips the `00`/`FF` filler of partly used files, and
//! reports a [`TlvError`] at the offset of the offending byte. Encoders build the same
//! structures for card images.

use crate::oid::Oid;
use crate::path::{fids_from_bytes, fids_to_bytes};
use crate::tlv::{self, Tlv, TlvError, TlvErrorKind, TlvReader, der};

/// AID of a PKCS#15 application: RID `A000000063` and "PKCS-15".
pub const PKCS15_AID: [u8; 12] = [
    0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35,
];
/// AID of a WIM (WAP-260-WIM): RID `A000000063` and "WAP-WIM".
pub const WIM_AID: [u8; 12] = [
    0xA0, 0x00, 0x00, 0x00, 0x63, 0x57, 0x41, 0x50, 0x2D, 0x57, 0x49, 0x4D,
];
/// EF(DIR) below the MF.
pub const EF_DIR: u16 = 0x2F00;
/// EF(ODF) in the PKCS#15 application DF.
pub const EF_ODF: u16 = 0x5031;
/// The customary PKCS#15 application DF below the MF, tried when EF(DIR) gives no path \[U\].
pub const DEFAULT_PKCS15_DF: u16 = 0x5015;

const TAG_APP_TEMPLATE: u32 = 0x61;
const TAG_AID: u32 = 0x4F;
const TAG_LABEL: u32 = 0x50;
const TAG_PATH: u32 = 0x51;
const TAG_SEQUENCE: u32 = 0x30;
const TAG_OCTETS: u32 = 0x04;
const TAG_INTEGER: u32 = 0x02;
const TAG_OID: u32 = 0x06;
const TAG_UTF8: u32 = 0x0C;
const TAG_PATH_LENGTH: u32 = 0x80;

/// One application announced in EF(DIR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Its AID (1 to 16 bytes).
    pub aid: Vec<u8>,
    /// Its label, if any (invalid UTF-8 replaced).
    pub label: Option<String>,
    /// Its DF path, if given (absolute from the MF, or relative to it).
    pub path: Option<Vec<u16>>,
}

/// Decodes one EF(DIR) record; `None` for an unused (filler-only) record.
/// `base` is the record's absolute position, for errors.
pub fn parse_dir_record(record: &[u8], base: usize) -> Result<Option<Application>, TlvError> {
    let mut r = TlvReader::at(record, base);
    r.skip_filler();
    let Some(t) = r.next_tlv()? else {
        return Ok(None);
    };
    t.expect(TAG_APP_TEMPLATE)?;
    let (mut aid, mut label, mut path) = (None, None, None);
    for item in t.children() {
        let item = item?;
        match item.tag.0 {
            TAG_AID => {
                if item.value.is_empty() || item.value.len() > 16 {
                    return Err(TlvError::at(
                        item.value_offset,
                        TlvErrorKind::BadValueLength {
                            len: item.value.len(),
                            what: "an AID of 1 to 16 bytes",
                        },
                    ));
                }
                aid = Some(item.value.to_vec());
            }
            TAG_LABEL => label = Some(String::from_utf8_lossy(item.value).into_owned()),
            TAG_PATH => path = Some(fids_from_bytes(item.value, item.value_offset)?),
            _ => {}
        }
    }
    let aid = aid.ok_or(TlvError::at(t.value_offset, TlvErrorKind::Missing(TAG_AID)))?;
    Ok(Some(Application { aid, label, path }))
}

/// Encodes an EF(DIR) record (without filler).
pub fn encode_dir_record(app: &Application) -> Vec<u8> {
    let mut body = der(TAG_AID, &app.aid);
    if let Some(l) = &app.label {
        body.extend(der(TAG_LABEL, l.as_bytes()));
    }
    if let Some(p) = &app.path {
        body.extend(der(TAG_PATH, &fids_to_bytes(p)));
    }
    der(TAG_APP_TEMPLATE, &body)
}

/// A PKCS#15 `Path`: file ids plus an optional slice of the file (`index`, `length`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pkcs15Path {
    /// File identifiers (absolute when the first is `3F00`, else relative to the application).
    pub fids: Vec<u16>,
    /// Start offset in a transparent EF, or record number in a record EF.
    pub index: Option<u32>,
    /// Number of bytes from `index`.
    pub length: Option<u32>,
}

impl Pkcs15Path {
    /// A whole-file path.
    pub fn file(fids: &[u16]) -> Self {
        Pkcs15Path {
            fids: fids.to_vec(),
            index: None,
            length: None,
        }
    }
}

/// Decodes `Path ::= SEQUENCE { efidOrPath OCTET STRING, index INTEGER OPTIONAL,
/// length [0] INTEGER OPTIONAL }` from its SEQUENCE.
pub fn parse_path(t: &Tlv<'_>) -> Result<Pkcs15Path, TlvError> {
    t.expect(TAG_SEQUENCE)?;
    let mut c = t.children();
    let p = c.expect(TAG_OCTETS)?;
    let fids = fids_from_bytes(p.value, p.value_offset)?;
    let (mut index, mut length) = (None, None);
    for item in c {
        let item = item?;
        match item.tag.0 {
            TAG_INTEGER => index = Some(item.as_u32()?),
            TAG_PATH_LENGTH => length = Some(item.as_u32()?),
            _ => {} // e.g. an ISO 7816-15 aid qualifier: ignored
        }
    }
    Ok(Pkcs15Path {
        fids,
        index,
        length,
    })
}

/// Encodes a `Path` SEQUENCE.
pub fn encode_path(p: &Pkcs15Path) -> Vec<u8> {
    let mut body = der(TAG_OCTETS, &fids_to_bytes(&p.fids));
    if let Some(i) = p.index {
        body.extend(der(TAG_INTEGER, &tlv::integer_value(i)));
    }
    if let Some(l) = p.length {
        body.extend(der(TAG_PATH_LENGTH, &tlv::integer_value(l)));
    }
    der(TAG_SEQUENCE, &body)
}

/// The EF(ODF) entry kinds (`PKCS15Objects` CHOICE), declared once.
pub static ODF_KINDS: &[(u32, &str)] = &[
    (0xA0, "privateKeys"),
    (0xA1, "publicKeys"),
    (0xA2, "trustedPublicKeys"),
    (0xA3, "secretKeys"),
    (0xA4, "certificates"),
    (0xA5, "trustedCertificates"),
    (0xA6, "usefulCertificates"),
    (ODF_DATA_OBJECTS, "dataObjects"),
    (0xA8, "authObjects"),
];

/// The ODF tag of `dataObjects`, which points at an EF(DODF).
pub const ODF_DATA_OBJECTS: u32 = 0xA7;

/// One EF(ODF) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdfEntry {
    /// The CHOICE tag (`A7` for data objects).
    pub tag: u32,
    /// The directory file's path; `None` when the entry holds its objects inline (not read).
    pub path: Option<Pkcs15Path>,
    /// Absolute offset of the entry.
    pub offset: usize,
}

impl OdfEntry {
    /// The kind's name, if the tag is a known one.
    pub fn kind_name(&self) -> Option<&'static str> {
        ODF_KINDS
            .iter()
            .find(|(t, _)| *t == self.tag)
            .map(|(_, n)| *n)
    }
}

/// Decodes EF(ODF): a concatenation of `[n] Path` entries, filler allowed.
pub fn parse_odf(bytes: &[u8]) -> Result<Vec<OdfEntry>, TlvError> {
    let mut r = TlvReader::new(bytes);
    let mut out = Vec::new();
    loop {
        r.skip_filler();
        let Some(t) = r.next_tlv()? else {
            return Ok(out);
        };
        let inner = t.children().next_tlv()?;
        let path = match inner {
            Some(p) if p.tag.0 == TAG_SEQUENCE => Some(parse_path(&p)?),
            Some(_) => None,
            None => {
                return Err(TlvError::at(
                    t.value_offset,
                    TlvErrorKind::Missing(TAG_SEQUENCE),
                ));
            }
        };
        out.push(OdfEntry {
            tag: t.tag.0,
            path,
            offset: t.offset,
        });
    }
}

/// Encodes one EF(ODF) entry.
pub fn encode_odf_entry(tag: u32, path: &Pkcs15Path) -> Vec<u8> {
    der(tag, &encode_path(path))
}

/// How an object's value is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectValue {
    /// In another EF (the usual case).
    Path(Pkcs15Path),
    /// Inline in the DODF (`direct [0]`): the bytes and their absolute offset.
    Direct {
        /// The value.
        bytes: Vec<u8>,
        /// Where the value starts in the DODF.
        offset: usize,
    },
    /// A form not read here (URL, or the protected forms); its tag.
    Unsupported(u32),
}

/// The kinds of data object (`DataType` CHOICE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataObjectKind {
    /// `opaqueDO` (tag `30`).
    Opaque,
    /// `externalIDO` (tag `A0`).
    External,
    /// `oidDO` (tag `A1`): an object identified by OID — how provisioning files are announced.
    Oid {
        /// The identifier.
        oid: Oid,
        /// Where its value is.
        value: ObjectValue,
    },
    /// Any other tag.
    Unknown(u32),
}

/// One EF(DODF) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    /// Absolute offset of the entry in the DODF.
    pub offset: usize,
    /// The object's label (`CommonObjectAttributes.label`), if any.
    pub label: Option<String>,
    /// What it is.
    pub kind: DataObjectKind,
}

const TAG_OPAQUE: u32 = 0x30;
const TAG_EXTERNAL: u32 = 0xA0;
const TAG_OID_DO: u32 = 0xA1;
const TAG_TYPE_ATTRS: u32 = 0xA1;
const TAG_DIRECT: u32 = 0xA0;

/// Decodes EF(DODF): data-object entries, filler allowed.
pub fn parse_dodf(bytes: &[u8]) -> Result<Vec<DataObject>, TlvError> {
    let mut r = TlvReader::new(bytes);
    let mut out = Vec::new();
    loop {
        r.skip_filler();
        let Some(t) = r.next_tlv()? else {
            return Ok(out);
        };
        let label = common_label(&t)?;
        let kind = match t.tag.0 {
            TAG_OPAQUE => DataObjectKind::Opaque,
            TAG_EXTERNAL => DataObjectKind::External,
            TAG_OID_DO => parse_oid_do(&t)?,
            other => DataObjectKind::Unknown(other),
        };
        out.push(DataObject {
            offset: t.offset,
            label,
            kind,
        });
    }
}

/// The label in the first SEQUENCE (`CommonObjectAttributes`) of a PKCS15Object.
fn common_label(t: &Tlv<'_>) -> Result<Option<String>, TlvError> {
    if !t.tag.is_constructed() {
        return Ok(None);
    }
    let Some(first) = t.children().next_tlv()? else {
        return Ok(None);
    };
    if first.tag.0 != TAG_SEQUENCE {
        return Ok(None);
    }
    for item in first.children() {
        let item = item?;
        if item.tag.0 == TAG_UTF8 {
            return Ok(Some(String::from_utf8_lossy(item.value).into_owned()));
        }
    }
    Ok(None)
}

/// `oidDO`: `A1 { 30 commonObjectAttributes, 30 commonDataObjectAttributes, [A0 …],
/// A1 { 30 { 06 id, value } } }`. Cards that tag the inner SEQUENCE implicitly
/// (`A1 { 06 id, value }`) are read too.
fn parse_oid_do(t: &Tlv<'_>) -> Result<DataObjectKind, TlvError> {
    let mut type_attrs = None;
    for item in t.children() {
        let item = item?;
        if item.tag.0 == TAG_TYPE_ATTRS {
            type_attrs = Some(item);
        }
    }
    let attrs = type_attrs.ok_or(TlvError::at(
        t.value_offset,
        TlvErrorKind::Missing(TAG_TYPE_ATTRS),
    ))?;
    let mut c = attrs.children();
    let first = c.next_tlv()?.ok_or(TlvError::at(
        attrs.value_offset,
        TlvErrorKind::Missing(TAG_SEQUENCE),
    ))?;
    let mut seq = if first.tag.0 == TAG_SEQUENCE {
        first.children()
    } else {
        attrs.children()
    };
    let id = seq.expect(TAG_OID)?;
    let oid = Oid::decode(id.value, id.value_offset)?;
    let at = seq.offset();
    let v = seq
        .next_tlv()?
        .ok_or(TlvError::at(at, TlvErrorKind::Missing(TAG_SEQUENCE)))?;
    let value = match v.tag.0 {
        TAG_SEQUENCE => ObjectValue::Path(parse_path(&v)?),
        TAG_DIRECT => {
            // direct [0]: an OCTET STRING inside when the value is opaque bytes.
            match v.children().next_tlv()? {
                Some(o) if o.tag.0 == TAG_OCTETS => ObjectValue::Direct {
                    bytes: o.value.to_vec(),
                    offset: o.value_offset,
                },
                _ => ObjectValue::Direct {
                    bytes: v.value.to_vec(),
                    offset: v.value_offset,
                },
            }
        }
        other => ObjectValue::Unsupported(other),
    };
    Ok(DataObjectKind::Oid { oid, value })
}

/// Encodes an `oidDO` entry whose value is in the file at `path`.
pub fn encode_oid_do(label: Option<&str>, oid: &Oid, path: &Pkcs15Path) -> Vec<u8> {
    let common = match label {
        Some(l) => der(TAG_SEQUENCE, &der(TAG_UTF8, l.as_bytes())),
        None => der(TAG_SEQUENCE, &[]),
    };
    let mut inner = der(TAG_OID, &oid.encode());
    inner.extend(encode_path(path));
    let mut body = common;
    body.extend(der(TAG_SEQUENCE, &[]));
    body.extend(der(TAG_TYPE_ATTRS, &der(TAG_SEQUENCE, &inner)));
    der(TAG_OID_DO, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::MF;

    #[test]
    fn dir_record_literal() {
        // 61 1C 4F 0C <PKCS-15 AID> 50 06 "PKCS15" 51 04 3F00 5015, then filler to 0x26 bytes.
        let mut rec = vec![0x61, 0x1C, 0x4F, 0x0C];
        rec.extend(PKCS15_AID);
        rec.extend([0x50, 0x06]);
        rec.extend(b"PKCS15");
        rec.extend([0x51, 0x04, 0x3F, 0x00, 0x50, 0x15]);
        rec.resize(0x26, 0xFF);
        let app = parse_dir_record(&rec, 0).unwrap().unwrap();
        assert_eq!(app.aid, PKCS15_AID);
        assert_eq!(app.label.as_deref(), Some("PKCS15"));
        assert_eq!(app.path, Some(vec![MF, 0x5015]));
        assert_eq!(encode_dir_record(&app), rec[..0x1E]);
        assert_eq!(parse_dir_record(&[0xFF; 0x26], 0).unwrap(), None);
    }

    #[test]
    fn dir_record_errors() {
        let e = parse_dir_record(&[0x61, 0x03, 0x50, 0x01, b'x'], 40).unwrap_err();
        assert_eq!(e, TlvError::at(42, TlvErrorKind::Missing(TAG_AID)));
        let e = parse_dir_record(&[0x62, 0x00], 40).unwrap_err();
        assert_eq!(
            e.kind,
            TlvErrorKind::UnexpectedTag {
                expected: 0x61,
                found: 0x62
            }
        );
        let e = parse_dir_record(&[0x61, 0x06, 0x4F, 0x01, 0xA0, 0x51, 0x01, 0x3F], 0).unwrap_err();
        assert_eq!(e.offset, 7);
        let e = parse_dir_record(&[0x61, 0x09, 0x4F, 0x01], 0).unwrap_err();
        assert_eq!(e.kind, TlvErrorKind::Truncated { wanted: 9, left: 2 });
    }

    #[test]
    fn odf_literal() {
        // A4 06 30 04 04 02 44 04 (certificates), A7 09 30 07 04 02 44 01 02 01 00, filler.
        let odf = [
            0xA4, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x04, 0xA7, 0x09, 0x30, 0x07, 0x04, 0x02,
            0x44, 0x01, 0x02, 0x01, 0x00, 0x00, 0x00,
        ];
        let e = parse_odf(&odf).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].kind_name(), e[0].offset), (Some("certificates"), 0));
        assert_eq!(e[1].tag, ODF_DATA_OBJECTS);
        assert_eq!(
            e[1].path,
            Some(Pkcs15Path {
                fids: vec![0x4401],
                index: Some(0),
                length: None
            })
        );
        assert_eq!(
            encode_odf_entry(0xA7, e[1].path.as_ref().unwrap()),
            odf[8..19]
        );
    }

    #[test]
    fn odf_errors() {
        assert_eq!(
            parse_odf(&[0xA7, 0x00]).unwrap_err(),
            TlvError::at(2, TlvErrorKind::Missing(0x30))
        );
        let e = parse_odf(&[0xA7, 0x05, 0x30, 0x03, 0x04, 0x01, 0x44]).unwrap_err();
        assert_eq!(e.offset, 6);
        let e = parse_odf(&[0xA7, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44]).unwrap_err();
        assert_eq!(e.kind, TlvErrorKind::Truncated { wanted: 6, left: 5 });
        // Inline objects are reported without a path, not rejected.
        assert_eq!(parse_odf(&[0xA7, 0x02, 0xA0, 0x00]).unwrap()[0].path, None);
    }

    /// The GlobalPlatform access-control DODF entry, a real-world oidDO layout.
    #[test]
    fn dodf_literal_gp_entry() {
        let bytes = [
            0xA1, 0x29, 0x30, 0x00, 0x30, 0x0F, 0x0C, 0x0D, b'G', b'P', b' ', b'S', b'E', b' ',
            b'A', b'c', b'c', b' ', b'C', b't', b'l', 0xA1, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x2A,
            0x86, 0x48, 0x86, 0xFC, 0x6B, 0x81, 0x48, 0x01, 0x01, 0x30, 0x04, 0x04, 0x02, 0x43,
            0x00, 0xFF,
        ];
        let objs = parse_dodf(&bytes).unwrap();
        assert_eq!(objs.len(), 1);
        // The label sits in the second SEQUENCE here, so CommonObjectAttributes has none.
        assert_eq!(objs[0].label, None);
        let DataObjectKind::Oid { oid, value } = &objs[0].kind else {
            panic!("{objs:?}")
        };
        assert_eq!(oid.to_string(), "1.2.840.114283.200.1.1");
        assert_eq!(*value, ObjectValue::Path(Pkcs15Path::file(&[0x4300])));
    }

    #[test]
    fn dodf_round_trip_and_forms() {
        let oid: Oid = "2.23.43.7.2".parse().unwrap();
        let p = Pkcs15Path {
            fids: vec![MF, 0x5015, 0x4403],
            index: Some(16),
            length: Some(200),
        };
        let mut file = encode_oid_do(Some("Config1"), &oid, &p);
        // Implicitly tagged variant with a direct value.
        file.extend([
            0xA1, 0x10, 0x30, 0x00, 0x30, 0x00, 0xA1, 0x0A, 0x06, 0x03, 0x67, 0x2B, 0x07,
        ]);
        file.extend([0xA0, 0x03, 0x04, 0x01, 0x42]);
        file.extend([0x30, 0x00, 0xA0, 0x00, 0x00, 0xFF]);
        let objs = parse_dodf(&file).unwrap();
        assert_eq!(objs.len(), 4);
        assert_eq!(objs[0].label.as_deref(), Some("Config1"));
        assert_eq!(
            objs[0].kind,
            DataObjectKind::Oid {
                oid,
                value: ObjectValue::Path(p)
            }
        );
        let DataObjectKind::Oid { oid, value } = &objs[1].kind else {
            panic!()
        };
        assert_eq!(oid.to_string(), "2.23.43.7");
        assert_eq!(
            *value,
            ObjectValue::Direct {
                bytes: vec![0x42],
                offset: objs[1].offset + 17
            }
        );
        assert_eq!(objs[2].kind, DataObjectKind::Opaque);
        assert_eq!(objs[3].kind, DataObjectKind::External);
    }

    #[test]
    fn dodf_errors() {
        // oidDO without type attributes.
        let e = parse_dodf(&[0xA1, 0x04, 0x30, 0x00, 0x30, 0x00]).unwrap_err();
        assert_eq!(e, TlvError::at(2, TlvErrorKind::Missing(0xA1)));
        // OID with a dangling continuation bit.
        let e =
            parse_dodf(&[0xA1, 0x08, 0xA1, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2B, 0x86]).unwrap_err();
        assert_eq!(e, TlvError::at(9, TlvErrorKind::BadOid));
        // Inner length past the outer end.
        let e = parse_dodf(&[0xA1, 0x04, 0xA1, 0x7F, 0x30, 0x00]).unwrap_err();
        assert_eq!(e.offset, 4);
    }
}
