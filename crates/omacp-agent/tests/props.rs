//! Property tests of the agent's whole input path: random sequences of valid, corrupted and
//! random inputs and user answers never panic, keep memory bounded, and change the settings
//! only together with an `Applied` event (no partial apply).

mod common;

use common::*;
use omacp_agent::{Acceptance, Event, Input, Policy};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Valid(u8),
    Corrupt(u8, usize, u8),
    Truncated(u8, usize),
    Random(Vec<u8>),
    RandomTpdu(Vec<u8>),
    Pin(bool),
    Answer(bool),
    Wait(u32),
}

fn pdus() -> Vec<(Vec<u8>, &'static str)> {
    vec![
        (
            push_pdu(
                &operator_bootstrap(Some(1)),
                Sec::Netwpin(IMSI),
                Tps::default(),
            ),
            OPERATOR,
        ),
        (
            push_pdu(
                &proxy_doc("n1", "a.apn", "10.0.0.1"),
                Sec::Userpin("1234"),
                Tps::default(),
            ),
            ATTACKER,
        ),
        (
            push_pdu(
                &proxy_doc("n2", "b.apn", "10.0.0.2"),
                Sec::None,
                Tps::default(),
            ),
            ATTACKER,
        ),
        (
            push_pdu(
                &mms_doc("http://mmsc/", "ppg"),
                Sec::None,
                Tps {
                    initiator: Some(PROVURL),
                    push_flag: Some(1),
                },
            ),
            OPERATOR,
        ),
        (
            push_pdu(
                &proxy_doc("n1", "c.apn", "10.0.0.3"),
                Sec::Netwpin(IMSI),
                Tps::default(),
            ),
            OPERATOR,
        ),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..5).prop_map(Step::Valid),
        2 => (0u8..5, any::<usize>(), any::<u8>()).prop_map(|(i, at, b)| Step::Corrupt(i, at, b)),
        1 => (0u8..5, any::<usize>()).prop_map(|(i, n)| Step::Truncated(i, n)),
        1 => proptest::collection::vec(any::<u8>(), 0..200).prop_map(Step::Random),
        1 => proptest::collection::vec(any::<u8>(), 0..160).prop_map(Step::RandomTpdu),
        2 => any::<bool>().prop_map(Step::Pin),
        2 => any::<bool>().prop_map(Step::Answer),
        1 => (0u32..700_000).prop_map(Step::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences(steps in proptest::collection::vec(step(), 1..25)) {
        let policy = Policy { unauthenticated: Acceptance::Confirm, ..Policy::default() };
        let mut h = Handset::with_policy(policy, Some(IMSI));
        let pdus = pdus();
        for s in steps {
            let before = h.store.clone();
            let seen = h.events.len();
            match s {
                Step::Valid(i) => { let (p, f) = &pdus[i as usize]; h.sms(p, f); }
                Step::Corrupt(i, at, b) => {
                    let (p, f) = &pdus[i as usize];
                    let mut p = p.clone();
                    let at = at % p.len();
                    p[at] ^= b | 1;
                    h.sms(&p, f);
                }
                Step::Truncated(i, n) => {
                    let (p, f) = &pdus[i as usize];
                    let n = n % p.len();
                    h.sms(&p[..n.max(1)], f);
                }
                Step::Random(b) => h.input(Input::Push { originator: ATTACKER, pdu: &b }),
                Step::RandomTpdu(b) => h.input(Input::Tpdu(&b)),
                Step::Pin(ok) => { h.pin(if ok { "1234" } else { "9999" }); }
                Step::Answer(yes) => { h.answer(yes); }
                Step::Wait(ms) => h.advance(u64::from(ms)),
            }
            let applied = h.events[seen..].iter().any(|e| matches!(e, Event::Applied { .. }));
            if !applied {
                prop_assert_eq!(&h.store, &before, "settings changed without Applied");
            }
            for e in &h.events[seen..] {
                if let Event::Applied { report, .. } = e {
                    let c = &h.store.contexts[&report.summary.context];
                    for label in report.summary.added.iter().chain(&report.summary.replaced) {
                        prop_assert!(c.items.iter().any(|i| label.starts_with(&i.key().to_string())), "{} missing", label);
                    }
                }
            }
            prop_assert!(h.agent.memory_bytes() <= 256 * 1024);
        }
    }
}
