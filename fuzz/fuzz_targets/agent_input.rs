#![no_main]
//! The device agent's whole input path (TPDUs, user data, push PDUs, documents, card
//! documents, user answers) under arbitrary sequences: no panic, bounded memory, and plans
//! committed whole (`omacp_agent::fuzzing::agent_input`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    omacp_agent::fuzzing::agent_input(data);
});
