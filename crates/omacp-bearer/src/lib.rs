//! WAP Push bearers (transport.md).
#![forbid(unsafe_code)]
pub mod wdp;
pub mod reassembly;
pub mod sms;
pub mod pcap;
pub mod wsp;
pub mod http;
