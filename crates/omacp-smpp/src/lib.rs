//! SMPP 3.4 for omacp: the PDU codec ([`pdu`], [`tlv`], [`status`]), delivery receipts
//! ([`receipt`]), WAP push as submit_sm ([`push`]), and the two session state machines,
//! [`esme`] (client) and [`smsc`] (server). Those are sans-IO: octets and an `Instant` in,
//! octets and events out. The tokio shells [`client`] and [`server`] (feature `tokio`, on
//! by default) move octets between them and sockets. Design notes: docs/smpp.md.
#![forbid(unsafe_code)]

mod codec;
pub mod error;
pub mod esme;
pub mod kannel;
pub mod pdu;
pub mod push;
pub mod receipt;
pub mod smsc;
pub mod status;
pub mod tlv;

#[cfg(feature = "tokio")]
pub mod client;
#[cfg(feature = "tokio")]
pub mod server;

#[doc(hidden)]
pub mod fuzzing {
    //! Entry points for fuzz/ (not a stable API).

    use crate::pdu::{DEFAULT_MAX_PDU, FrameDecoder, Pdu};

    /// Decodes arbitrary octets as a PDU stream; whatever decodes must re-encode to octets
    /// that decode to the same value.
    pub fn pdu_stream(data: &[u8]) {
        let mut d = FrameDecoder::new(DEFAULT_MAX_PDU);
        d.feed(data);
        while let Ok(Some(p)) = d.next_pdu() {
            let again = p.to_bytes();
            let back = Pdu::decode(&again, DEFAULT_MAX_PDU).expect("re-encoded PDU decodes");
            assert_eq!(back, p);
        }
        let _ = crate::receipt::ReceiptText::parse(&String::from_utf8_lossy(data));
    }
}
