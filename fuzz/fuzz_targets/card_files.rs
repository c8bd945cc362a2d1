#![no_main]
// EF(DIR)/EF(ODF)/EF(DODF) parsers, the WBXML document splitter, EF_IMSI/EF_IMSI_M, FCP
// decoding, card-image text and a full PKCS#15 walk over a card holding the input as one file.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    omacp_card::fuzzing::card_files(data);
});
