//! A WAP push as submit_sm PDUs (transport.md §6): one submit_sm per SMS segment, the UDH
//! (WDP ports, concatenation) at the start of short_message, esm_class 0x40 (UDHI) and
//! 8-bit data coding. esm_class is always set here, never defaulted: a library default of
//! 0x08 (rusmpp's) marks the message as an ESME delivery acknowledgement.

use omacp_bearer::wdp::{SegmentError, SegmentOptions, Segmenter};

use crate::pdu::Sm;

/// esm_class with the UDHI bit.
pub const ESM_CLASS_UDHI: u8 = 0x40;

/// data_coding for the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PushCoding {
    /// 0x04: 8-bit data, no message class (Kannel's choice).
    #[default]
    Binary,
    /// 0xF5: 8-bit data, message class 1 (ME-specific).
    BinaryClass1,
}

impl PushCoding {
    /// The data_coding octet.
    pub fn data_coding(self) -> u8 {
        match self {
            PushCoding::Binary => 0x04,
            PushCoding::BinaryClass1 => 0xF5,
        }
    }
}

/// An SMPP address: TON, NPI and digits (or alphanumeric text for TON 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmppAddress {
    /// Type of number.
    pub ton: u8,
    /// Numbering plan.
    pub npi: u8,
    /// The address.
    pub addr: String,
}

impl SmppAddress {
    /// An international E.164 number (TON 1, NPI 1); a leading `+` is dropped.
    pub fn international(number: &str) -> SmppAddress {
        SmppAddress {
            ton: 1,
            npi: 1,
            addr: number.trim_start_matches('+').to_owned(),
        }
    }

    /// A source address guessed from its form: `+digits` or more than 8 digits →
    /// international (1/1); a short code of up to 8 digits → unknown TON, ISDN plan (0/1);
    /// anything else → alphanumeric (5/0).
    pub fn source(text: &str) -> SmppAddress {
        let digits = text.trim_start_matches('+');
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if text.starts_with('+') || digits.len() > 8 {
                SmppAddress::international(digits)
            } else {
                SmppAddress {
                    ton: 0,
                    npi: 1,
                    addr: digits.to_owned(),
                }
            }
        } else {
            SmppAddress {
                ton: 5,
                npi: 0,
                addr: text.to_owned(),
            }
        }
    }
}

/// How to address and flag the submit_sm PDUs of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubmit {
    /// source_addr.
    pub source: SmppAddress,
    /// destination_addr (the subscriber).
    pub destination: SmppAddress,
    /// data_coding.
    pub coding: PushCoding,
    /// Ask for a delivery receipt (registered_delivery 1).
    pub receipt: bool,
    /// service_type ("" or "WAP" for SMSCs that want it).
    pub service_type: String,
    /// validity_period ("" for the SMSC default).
    pub validity_period: String,
}

impl PushSubmit {
    /// To `msisdn` from `source`, binary coding, receipt requested.
    pub fn new(source: SmppAddress, msisdn: &str) -> PushSubmit {
        PushSubmit {
            source,
            destination: SmppAddress::international(msisdn),
            coding: PushCoding::Binary,
            receipt: true,
            service_type: String::new(),
            validity_period: String::new(),
        }
    }

    /// One submit_sm for one segment (UDH + payload, as the bearer's segmenter made it).
    pub fn sm(&self, segment: &[u8]) -> Sm {
        Sm {
            service_type: self.service_type.clone(),
            source_addr_ton: self.source.ton,
            source_addr_npi: self.source.npi,
            source_addr: self.source.addr.clone(),
            dest_addr_ton: self.destination.ton,
            dest_addr_npi: self.destination.npi,
            destination_addr: self.destination.addr.clone(),
            esm_class: ESM_CLASS_UDHI,
            protocol_id: 0,
            priority_flag: 0,
            schedule_delivery_time: String::new(),
            validity_period: self.validity_period.clone(),
            registered_delivery: u8::from(self.receipt),
            replace_if_present_flag: 0,
            data_coding: self.coding.data_coding(),
            sm_default_msg_id: 0,
            short_message: segment.to_vec(),
            tlvs: Default::default(),
        }
    }

    /// The submit_sm PDUs for a whole WSP push PDU (the WDP datagram), segmented.
    pub fn submits(&self, push_pdu: &[u8], opts: &SegmentOptions) -> Result<Vec<Sm>, SegmentError> {
        let seg = Segmenter::new(push_pdu, opts)?;
        let mut buf = Vec::with_capacity(140);
        Ok((0..seg.count())
            .map(|i| {
                buf.clear();
                seg.encode(i, &mut buf);
                self.sm(&buf)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omacp_bearer::wdp::{Reference, Segment};

    #[test]
    fn push_flags_and_segments() {
        let pdu: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let p = PushSubmit::new(SmppAddress::source("omacp"), "+447700900123");
        let opts = SegmentOptions::with_reference(Reference::Bits8(9));
        let sms = p.submits(&pdu, &opts).unwrap();
        assert_eq!(sms.len(), 3);
        let mut payload = Vec::new();
        for (i, sm) in sms.iter().enumerate() {
            assert_eq!(sm.esm_class, 0x40);
            assert_eq!(sm.data_coding, 0x04);
            assert_eq!(sm.registered_delivery, 1);
            assert_eq!(
                (
                    sm.dest_addr_ton,
                    sm.dest_addr_npi,
                    sm.destination_addr.as_str()
                ),
                (1, 1, "447700900123")
            );
            assert_eq!((sm.source_addr_ton, sm.source_addr_npi), (5, 0));
            assert!(sm.short_message.len() <= 140);
            let seg = Segment::decode(&sm.short_message).unwrap();
            assert_eq!(seg.ports().unwrap().dst, 2948);
            let c = seg.concat().unwrap();
            assert_eq!((c.total, c.seq, c.reference), (3, i as u8 + 1, 9));
            payload.extend_from_slice(seg.payload);
        }
        assert_eq!(payload, pdu);
    }

    #[test]
    fn class1_coding_and_source_forms() {
        let mut p = PushSubmit::new(SmppAddress::source("1234"), "447700900123");
        p.coding = PushCoding::BinaryClass1;
        p.receipt = false;
        let sm = &p.submits(&[1, 6, 0], &SegmentOptions::default()).unwrap()[0];
        assert_eq!((sm.data_coding, sm.registered_delivery), (0xF5, 0));
        assert_eq!((sm.source_addr_ton, sm.source_addr_npi), (0, 1));
        assert_eq!(SmppAddress::source("+4930").ton, 1);
    }
}
