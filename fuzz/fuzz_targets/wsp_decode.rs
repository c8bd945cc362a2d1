#![no_main]
// Placeholder until the decoder lands; replaced by the owner of this target.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = data;
});
