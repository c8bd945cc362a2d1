//! SMPP 3.4 for omacp.
#![forbid(unsafe_code)]

pub mod error;
pub mod esme;
pub mod pdu;
pub mod push;
pub mod receipt;
pub mod smsc;
pub mod status;
pub mod tlv;
