//! SMPP 3.4 optional parameters (§5.3.2), declared once as data. Unknown tags are kept
//! byte for byte so a PDU re-encodes exactly.

use crate::error::{PduError, PduErrorKind};

/// One row of the TLV table: tag, name and the value lengths the specification allows.
#[derive(Debug, Clone, Copy)]
pub struct TlvSpec {
    /// Tag.
    pub tag: u16,
    /// SMPP name.
    pub name: &'static str,
    /// Shortest value.
    pub min: u16,
    /// Longest value.
    pub max: u16,
}

const fn t(tag: u16, name: &'static str, min: u16, max: u16) -> TlvSpec {
    TlvSpec {
        tag,
        name,
        min,
        max,
    }
}

/// SMPP 3.4 §5.3.2.
pub static TLVS: &[TlvSpec] = &[
    t(0x0005, "dest_addr_subunit", 1, 1),
    t(0x0006, "dest_network_type", 1, 1),
    t(0x0007, "dest_bearer_type", 1, 1),
    t(0x0008, "dest_telematics_id", 2, 2),
    t(0x000D, "source_addr_subunit", 1, 1),
    t(0x000E, "source_network_type", 1, 1),
    t(0x000F, "source_bearer_type", 1, 1),
    t(0x0010, "source_telematics_id", 1, 1),
    t(0x0017, "qos_time_to_live", 4, 4),
    t(0x0019, "payload_type", 1, 1),
    t(0x001D, "additional_status_info_text", 1, 256),
    t(0x001E, "receipted_message_id", 1, 65),
    t(0x0030, "ms_msg_wait_facilities", 1, 1),
    t(0x0201, "privacy_indicator", 1, 1),
    t(0x0202, "source_subaddress", 2, 23),
    t(0x0203, "dest_subaddress", 2, 23),
    t(0x0204, "user_message_reference", 2, 2),
    t(0x0205, "user_response_code", 1, 1),
    t(0x020A, "source_port", 2, 2),
    t(0x020B, "destination_port", 2, 2),
    t(0x020C, "sar_msg_ref_num", 2, 2),
    t(0x020D, "language_indicator", 1, 1),
    t(0x020E, "sar_total_segments", 1, 1),
    t(0x020F, "sar_segment_seqnum", 1, 1),
    t(0x0210, "sc_interface_version", 1, 1),
    t(0x0302, "callback_num_pres_ind", 1, 1),
    t(0x0303, "callback_num_atag", 1, 65),
    t(0x0304, "number_of_messages", 1, 1),
    t(0x0381, "callback_num", 4, 19),
    t(0x0420, "dpf_result", 1, 1),
    t(0x0421, "set_dpf", 1, 1),
    t(0x0422, "ms_availability_status", 1, 1),
    t(0x0423, "network_error_code", 3, 3),
    t(0x0424, "message_payload", 0, u16::MAX),
    t(0x0425, "delivery_failure_reason", 1, 1),
    t(0x0426, "more_messages_to_send", 1, 1),
    t(0x0427, "message_state", 1, 1),
    t(0x0501, "ussd_service_op", 1, 1),
    t(0x1201, "display_time", 1, 1),
    t(0x1203, "sms_signal", 2, 2),
    t(0x1204, "ms_validity", 1, 1),
    t(0x130C, "alert_on_message_delivery", 0, 0),
    t(0x1380, "its_reply_type", 1, 1),
    t(0x1383, "its_session_info", 2, 2),
];

/// Well-known tags used by this crate.
pub mod tag {
    /// receipted_message_id (C-octet string).
    pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
    /// user_message_reference (u16).
    pub const USER_MESSAGE_REFERENCE: u16 = 0x0204;
    /// source_port.
    pub const SOURCE_PORT: u16 = 0x020A;
    /// destination_port.
    pub const DESTINATION_PORT: u16 = 0x020B;
    /// sar_msg_ref_num.
    pub const SAR_MSG_REF_NUM: u16 = 0x020C;
    /// sar_total_segments.
    pub const SAR_TOTAL_SEGMENTS: u16 = 0x020E;
    /// sar_segment_seqnum.
    pub const SAR_SEGMENT_SEQNUM: u16 = 0x020F;
    /// sc_interface_version (in bind responses).
    pub const SC_INTERFACE_VERSION: u16 = 0x0210;
    /// network_error_code (type u8, code u16).
    pub const NETWORK_ERROR_CODE: u16 = 0x0423;
    /// message_payload.
    pub const MESSAGE_PAYLOAD: u16 = 0x0424;
    /// message_state (u8).
    pub const MESSAGE_STATE: u16 = 0x0427;
}

/// The table row for a tag.
pub fn spec(tag: u16) -> Option<&'static TlvSpec> {
    TLVS.iter().find(|r| r.tag == tag)
}

/// One optional parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// Tag.
    pub tag: u16,
    /// Value octets.
    pub value: Vec<u8>,
}

/// The TLVs of a PDU, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tlvs(pub Vec<Tlv>);

impl Tlvs {
    /// The first TLV with `tag`.
    pub fn get(&self, tag: u16) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|t| t.tag == tag)
            .map(|t| t.value.as_slice())
    }

    /// A one-octet value.
    pub fn u8(&self, tag: u16) -> Option<u8> {
        match self.get(tag)? {
            [v] => Some(*v),
            _ => None,
        }
    }

    /// A two-octet big-endian value.
    pub fn u16(&self, tag: u16) -> Option<u16> {
        match self.get(tag)? {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }

    /// A C-octet string value (the NUL is optional on input; some SMSCs omit it).
    pub fn text(&self, tag: u16) -> Option<&str> {
        let v = self.get(tag)?;
        let v = v.strip_suffix(&[0]).unwrap_or(v);
        std::str::from_utf8(v).ok()
    }

    /// Appends a TLV.
    pub fn push(&mut self, tag: u16, value: impl Into<Vec<u8>>) -> &mut Self {
        self.0.push(Tlv {
            tag,
            value: value.into(),
        });
        self
    }

    /// Appends a C-octet string TLV (NUL added).
    pub fn push_text(&mut self, tag: u16, text: &str) -> &mut Self {
        let mut v = text.as_bytes().to_vec();
        v.push(0);
        self.push(tag, v)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Encoded size.
    pub fn encoded_len(&self) -> usize {
        self.0.iter().map(|t| 4 + t.value.len()).sum()
    }

    /// Appends the wire form.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for t in &self.0 {
            out.extend_from_slice(&t.tag.to_be_bytes());
            out.extend_from_slice(&(t.value.len() as u16).to_be_bytes());
            out.extend_from_slice(&t.value);
        }
    }

    /// Decodes TLVs filling `bytes` exactly; `base` is the offset of `bytes` in the PDU.
    /// Known tags must have a length the specification allows.
    pub fn decode(bytes: &[u8], base: usize) -> Result<Tlvs, PduError> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let at = base + i;
            let Some(head) = bytes.get(i..i + 4) else {
                return Err(PduError::at(at, PduErrorKind::Truncated));
            };
            let tag = u16::from_be_bytes([head[0], head[1]]);
            let len = u16::from_be_bytes([head[2], head[3]]);
            if let Some(s) = spec(tag)
                && !(s.min..=s.max).contains(&len)
            {
                return Err(PduError::at(
                    at,
                    PduErrorKind::TlvLength {
                        tag,
                        len,
                        min: s.min,
                        max: s.max,
                    },
                ));
            }
            let Some(value) = bytes.get(i + 4..i + 4 + usize::from(len)) else {
                return Err(PduError::at(at + 4, PduErrorKind::Truncated));
            };
            out.push(Tlv {
                tag,
                value: value.to_vec(),
            });
            i += 4 + usize::from(len);
        }
        Ok(Tlvs(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates() {
        for (i, a) in TLVS.iter().enumerate() {
            assert!(a.min <= a.max, "{}", a.name);
            for b in &TLVS[i + 1..] {
                assert_ne!(a.tag, b.tag, "{}", a.name);
            }
        }
    }

    #[test]
    fn decode_keeps_unknown_and_checks_known_lengths() {
        let bytes = [
            0x14, 0x00, 0x00, 0x02, 0xAB, 0xCD, 0x04, 0x27, 0x00, 0x01, 0x02,
        ];
        let t = Tlvs::decode(&bytes, 100).unwrap();
        assert_eq!(t.get(0x1400), Some(&[0xAB, 0xCD][..]));
        assert_eq!(t.u8(tag::MESSAGE_STATE), Some(2));
        let mut again = Vec::new();
        t.encode(&mut again);
        assert_eq!(again, bytes);

        let bad = [0x04, 0x27, 0x00, 0x02, 0x01, 0x02];
        let e = Tlvs::decode(&bad, 100).unwrap_err();
        assert_eq!(e.offset, 100);
        assert!(matches!(
            e.kind,
            PduErrorKind::TlvLength { tag: 0x0427, .. }
        ));
        let short = [0x04, 0x27, 0x00];
        assert_eq!(
            Tlvs::decode(&short, 7).unwrap_err(),
            PduError::at(7, PduErrorKind::Truncated)
        );
        let overrun = [0x14, 0x00, 0x00, 0x05, 0x01];
        assert_eq!(Tlvs::decode(&overrun, 0).unwrap_err().offset, 4);
    }
}
