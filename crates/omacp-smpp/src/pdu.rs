//! SMPP 3.4 PDUs (§4) as owned values: header, the bodies an ESME and an SMSC exchange,
//! and the frame decoder. Decoding checks command_length against a limit before anything
//! is allocated, bounds every C-octet string by its specified maximum, and reports the
//! absolute offset of the first bad octet (the codec itself is in `codec.rs`).

use std::fmt;

pub use crate::codec::{FrameDecoder, frame_len};
use crate::status::Status;
use crate::tlv::Tlvs;

/// The header size.
pub const HEADER_LEN: usize = 16;
/// Default limit on command_length: one `message_payload` of 64 KiB plus fields.
pub const DEFAULT_MAX_PDU: u32 = 65_536 + 512;
/// interface_version 3.4.
pub const INTERFACE_VERSION_34: u8 = 0x34;

/// One row of the command table.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// command_id.
    pub id: u32,
    /// SMPP name.
    pub name: &'static str,
}

/// SMPP 3.4 §5.1.2: the commands this codec reads and writes.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        id: 0x8000_0000,
        name: "generic_nack",
    },
    CommandSpec {
        id: 0x0000_0001,
        name: "bind_receiver",
    },
    CommandSpec {
        id: 0x8000_0001,
        name: "bind_receiver_resp",
    },
    CommandSpec {
        id: 0x0000_0002,
        name: "bind_transmitter",
    },
    CommandSpec {
        id: 0x8000_0002,
        name: "bind_transmitter_resp",
    },
    CommandSpec {
        id: 0x0000_0004,
        name: "submit_sm",
    },
    CommandSpec {
        id: 0x8000_0004,
        name: "submit_sm_resp",
    },
    CommandSpec {
        id: 0x0000_0005,
        name: "deliver_sm",
    },
    CommandSpec {
        id: 0x8000_0005,
        name: "deliver_sm_resp",
    },
    CommandSpec {
        id: 0x0000_0006,
        name: "unbind",
    },
    CommandSpec {
        id: 0x8000_0006,
        name: "unbind_resp",
    },
    CommandSpec {
        id: 0x0000_0009,
        name: "bind_transceiver",
    },
    CommandSpec {
        id: 0x8000_0009,
        name: "bind_transceiver_resp",
    },
    CommandSpec {
        id: 0x0000_000B,
        name: "outbind",
    },
    CommandSpec {
        id: 0x0000_0015,
        name: "enquire_link",
    },
    CommandSpec {
        id: 0x8000_0015,
        name: "enquire_link_resp",
    },
    CommandSpec {
        id: 0x0000_0103,
        name: "data_sm",
    },
    CommandSpec {
        id: 0x8000_0103,
        name: "data_sm_resp",
    },
];

/// The name of a command_id, if known.
pub fn command_name(id: u32) -> Option<&'static str> {
    COMMANDS.iter().find(|c| c.id == id).map(|c| c.name)
}

/// A password: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// bind_transmitter / bind_receiver / bind_transceiver body (§4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bind {
    /// system_id (≤ 15 characters).
    pub system_id: String,
    /// password (≤ 8 characters).
    pub password: Password,
    /// system_type (≤ 12).
    pub system_type: String,
    /// interface_version (0x34).
    pub interface_version: u8,
    /// addr_ton.
    pub addr_ton: u8,
    /// addr_npi.
    pub addr_npi: u8,
    /// address_range (≤ 40).
    pub address_range: String,
}

/// The three bind kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindKind {
    /// Submit only.
    Transmitter,
    /// Receive only.
    Receiver,
    /// Both.
    Transceiver,
}

/// A body carrying system_id and TLVs (bind_*_resp).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BindResp {
    /// The SMSC's system_id.
    pub system_id: String,
    /// Optional parameters (sc_interface_version).
    pub tlvs: Tlvs,
}

/// outbind body (§4.1.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outbind {
    /// system_id.
    pub system_id: String,
    /// password.
    pub password: Password,
}

/// submit_sm and deliver_sm body (§4.4.1, §4.6.1): the same field list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sm {
    /// service_type (≤ 5).
    pub service_type: String,
    /// source_addr_ton.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr (≤ 20).
    pub source_addr: String,
    /// dest_addr_ton.
    pub dest_addr_ton: u8,
    /// dest_addr_npi.
    pub dest_addr_npi: u8,
    /// destination_addr (≤ 20).
    pub destination_addr: String,
    /// esm_class. For a WAP push: 0x40 (UDHI). Never left to a default.
    pub esm_class: u8,
    /// protocol_id.
    pub protocol_id: u8,
    /// priority_flag.
    pub priority_flag: u8,
    /// schedule_delivery_time (≤ 16).
    pub schedule_delivery_time: String,
    /// validity_period (≤ 16).
    pub validity_period: String,
    /// registered_delivery.
    pub registered_delivery: u8,
    /// replace_if_present_flag.
    pub replace_if_present_flag: u8,
    /// data_coding.
    pub data_coding: u8,
    /// sm_default_msg_id.
    pub sm_default_msg_id: u8,
    /// short_message (≤ 254 octets; UDH first when esm_class has UDHI).
    pub short_message: Vec<u8>,
    /// Optional parameters.
    pub tlvs: Tlvs,
}

/// data_sm body (§4.7.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataSm {
    /// service_type.
    pub service_type: String,
    /// source_addr_ton.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr (≤ 64).
    pub source_addr: String,
    /// dest_addr_ton.
    pub dest_addr_ton: u8,
    /// dest_addr_npi.
    pub dest_addr_npi: u8,
    /// destination_addr (≤ 64).
    pub destination_addr: String,
    /// esm_class.
    pub esm_class: u8,
    /// registered_delivery.
    pub registered_delivery: u8,
    /// data_coding.
    pub data_coding: u8,
    /// Optional parameters (message_payload carries the data).
    pub tlvs: Tlvs,
}

/// A response carrying a message_id (submit_sm_resp, deliver_sm_resp, data_sm_resp).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageIdResp {
    /// message_id (≤ 64; empty in deliver_sm_resp and in error responses).
    pub message_id: String,
    /// Optional parameters (data_sm_resp only).
    pub tlvs: Tlvs,
}

/// A PDU body; the variant determines command_id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// generic_nack.
    GenericNack,
    /// bind_transmitter / bind_receiver / bind_transceiver.
    Bind(BindKind, Bind),
    /// The matching response.
    BindResp(BindKind, BindResp),
    /// outbind.
    Outbind(Outbind),
    /// unbind.
    Unbind,
    /// unbind_resp.
    UnbindResp,
    /// enquire_link.
    EnquireLink,
    /// enquire_link_resp.
    EnquireLinkResp,
    /// submit_sm.
    SubmitSm(Box<Sm>),
    /// submit_sm_resp.
    SubmitSmResp(MessageIdResp),
    /// deliver_sm.
    DeliverSm(Box<Sm>),
    /// deliver_sm_resp.
    DeliverSmResp(MessageIdResp),
    /// data_sm.
    DataSm(Box<DataSm>),
    /// data_sm_resp.
    DataSmResp(MessageIdResp),
}

impl Body {
    /// command_id for this body.
    pub fn command_id(&self) -> u32 {
        let bind = |k: &BindKind| match k {
            BindKind::Receiver => 1,
            BindKind::Transmitter => 2,
            BindKind::Transceiver => 9,
        };
        match self {
            Body::GenericNack => 0x8000_0000,
            Body::Bind(k, _) => bind(k),
            Body::BindResp(k, _) => 0x8000_0000 | bind(k),
            Body::Outbind(_) => 0x0B,
            Body::Unbind => 0x06,
            Body::UnbindResp => 0x8000_0006,
            Body::EnquireLink => 0x15,
            Body::EnquireLinkResp => 0x8000_0015,
            Body::SubmitSm(_) => 0x04,
            Body::SubmitSmResp(_) => 0x8000_0004,
            Body::DeliverSm(_) => 0x05,
            Body::DeliverSmResp(_) => 0x8000_0005,
            Body::DataSm(_) => 0x0103,
            Body::DataSmResp(_) => 0x8000_0103,
        }
    }

    /// Whether this is a response (high bit of command_id).
    pub fn is_response(&self) -> bool {
        self.command_id() & 0x8000_0000 != 0
    }

    /// The command name.
    pub fn name(&self) -> &'static str {
        command_name(self.command_id()).unwrap_or("?")
    }
}

/// One PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// command_status (0 in requests).
    pub status: Status,
    /// sequence_number.
    pub sequence: u32,
    /// The body.
    pub body: Body,
}

#[cfg(test)]
#[path = "pdu_tests.rs"]
mod tests;
