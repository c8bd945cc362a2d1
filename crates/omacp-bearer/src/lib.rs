//! WAP Push bearers (transport.md).
#![forbid(unsafe_code)]
pub mod http;
pub mod pcap;
pub mod reassembly;
pub mod sms;
pub mod wdp;
pub mod wsp;
