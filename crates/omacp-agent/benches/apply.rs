//! Push received → settings applied, per document, through the agent core with an in-memory
//! settings view: SMS TPDUs of a NETWPIN bootstrap (new context) and of a TPS continuous
//! document (resolved against the stored context). The SQLite path is measured by
//! `cargo run --release -p omacp-device --example bench_apply`.

use criterion::{Criterion, criterion_group, criterion_main};
use omacp_agent::{Action, Agent, Event, Input, Millis, Policy, Settings, fuzzing::bench_pushes};

fn apply_all(tpdus: &[Vec<u8>], store: &mut Settings, agent: &mut Agent) -> bool {
    for t in tpdus {
        agent.handle(Millis(1), Input::Tpdu(t), store);
    }
    let mut ok = false;
    while let Some(a) = agent.poll_action() {
        if let Action::Commit(plan) = a {
            for c in &plan.contexts {
                store.contexts.insert(c.id.clone(), c.clone());
            }
            agent.handle(Millis(1), Input::Committed(plan.id), store);
        }
    }
    while let Some(e) = agent.poll_event() {
        ok |= matches!(e, Event::Applied { .. });
    }
    ok
}

fn bench(c: &mut Criterion) {
    let (imsi, bootstrap, continuous) = bench_pushes();
    c.bench_function("agent: NETWPIN bootstrap push (SMS) -> applied", |b| {
        b.iter(|| {
            let mut agent = Agent::new(
                Policy::default(),
                Some(omacp_sec::Imsi::parse(&imsi).unwrap()),
            );
            let mut store = Settings::default();
            assert!(apply_all(&bootstrap, &mut store, &mut agent));
        })
    });
    let mut agent = Agent::new(
        Policy::default(),
        Some(omacp_sec::Imsi::parse(&imsi).unwrap()),
    );
    let mut base = Settings::default();
    assert!(apply_all(&bootstrap, &mut base, &mut agent));
    c.bench_function("agent: TPS continuous push (SMS) -> applied", |b| {
        b.iter(|| {
            let mut store = base.clone();
            assert!(apply_all(&continuous, &mut store, &mut agent));
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
