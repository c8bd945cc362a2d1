//! Entry points for `fuzz/` (not a stable API).

use crate::{Action, Agent, Input, Millis, Policy, Settings};

/// Feeds `data` to a fresh agent as a sequence of inputs (first byte of each chunk picks the
/// kind), committing every plan into an in-memory store. Panics only on a broken invariant:
/// a commit must replace whole contexts, and memory must stay bounded.
pub fn agent_input(data: &[u8]) {
    let mut agent = Agent::new(Policy::default(), omacp_sec::Imsi::parse("001010123456789").ok());
    let mut store = Settings::default();
    let mut now = 0u64;
    let mut chunks = data.split(|b| *b == 0xFE);
    while let Some(chunk) = chunks.next() {
        let Some((&kind, rest)) = chunk.split_first() else {
            continue;
        };
        now += u64::from(kind & 0x0F) * 1000;
        let input = match kind >> 4 {
            0 => Input::Tpdu(rest),
            1 => Input::UserData { originator: "+100", ud: rest },
            2 => Input::Push { originator: "+100", pdu: rest },
            3 => Input::Document(rest),
            4 => Input::Card { role: omacp_card::Role::Bootstrap, bytes: rest },
            5 => Input::Confirm,
            6 => Input::Decline,
            _ => Input::Push { originator: "", pdu: rest },
        };
        agent.handle(Millis(now), input, &store);
        while let Some(a) = agent.poll_action() {
            if let Action::Commit(plan) = a {
                for c in &plan.contexts {
                    store.contexts.insert(c.id.clone(), c.clone());
                }
                agent.handle(Millis(now), Input::Committed(plan.id), &store);
            }
        }
        while agent.poll_event().is_some() {}
        assert!(agent.memory_bytes() <= 2 * 1024 * 1024, "agent memory unbounded");
    }
}
