#![no_main]
//! SMPP PDU stream decoding on arbitrary octets: never panics, never allocates past the
//! command_length limit; what decodes re-encodes to octets that decode to the same PDU.
//! The receipt-text parser gets the same octets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    omacp_smpp::fuzzing::pdu_stream(data);
});
