//! Measures push received → settings applied per document through the agent core, with an
//! in-memory settings view and with the SQLite store (one FULL-sync transaction per plan, in
//! a temporary directory), and the agent's memory. Run in release:
//! `cargo run --release -p omacp-device --example bench_apply`.

use std::time::Instant;

use omacp_agent::fuzzing::bench_pushes;
use omacp_agent::{Action, Agent, Event, Input, Millis, Policy, Settings, SettingsView};
use omacp_device::Store;

fn run<S: SettingsView>(
    agent: &mut Agent,
    tpdus: &[Vec<u8>],
    view: &mut S,
    commit: &mut dyn FnMut(&mut S, &omacp_agent::ApplyPlan) -> bool,
) -> bool {
    for t in tpdus {
        agent.handle(Millis(1), Input::Tpdu(t), view);
    }
    let mut ok = false;
    while let Some(a) = agent.poll_action() {
        if let Action::Commit(plan) = a {
            let reply = if commit(view, &plan) {
                Input::Committed(plan.id)
            } else {
                Input::CommitFailed(plan.id)
            };
            agent.handle(Millis(1), reply, view);
        }
    }
    while let Some(e) = agent.poll_event() {
        ok |= matches!(e, Event::Applied { .. });
    }
    ok
}

fn main() {
    let (imsi, boot, cont) = bench_pushes();
    let new_agent = || Agent::new(Policy::default(), omacp_sec::Imsi::parse(&imsi).ok());
    let n = 2000;

    // In-memory view.
    let mut mem_commit = |s: &mut Settings, p: &omacp_agent::ApplyPlan| {
        for c in &p.contexts {
            s.contexts.insert(c.id.clone(), c.clone());
        }
        true
    };
    let mut agent = new_agent();
    let mut base = Settings::default();
    assert!(run(&mut agent, &boot, &mut base, &mut mem_commit));
    let t = Instant::now();
    for _ in 0..n {
        let mut a = new_agent();
        let mut s = Settings::default();
        assert!(run(&mut a, &boot, &mut s, &mut mem_commit));
    }
    let boot_mem = t.elapsed() / n;
    let t = Instant::now();
    for _ in 0..n {
        let mut s = base.clone();
        assert!(run(&mut agent, &cont, &mut s, &mut mem_commit));
    }
    let cont_mem = t.elapsed() / n;

    // SQLite store, FULL sync, on disk.
    let dir = std::env::temp_dir().join(format!("omacp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&dir).unwrap();
    let mut sql_commit = |s: &mut Store, p: &omacp_agent::ApplyPlan| s.apply(p, 0).is_ok();
    let mut agent = new_agent();
    assert!(run(&mut agent, &boot, &mut store, &mut sql_commit));
    let m = 200;
    let t = Instant::now();
    for _ in 0..m {
        assert!(run(&mut agent, &cont, &mut store, &mut sql_commit));
    }
    let cont_sql = t.elapsed() / m;
    drop(store);
    std::fs::remove_dir_all(&dir).ok();

    // Memory: what the agent holds after N pushes, and with 16 incomplete long messages.
    let mut agent = new_agent();
    let mut s = Settings::default();
    run(&mut agent, &boot, &mut s, &mut mem_commit);
    for _ in 0..100 {
        run(&mut agent, &cont, &mut s, &mut mem_commit);
    }
    let idle = agent.memory_bytes();
    let long = vec![0u8; 30_000];
    let mut pdu = Vec::new();
    omacp_bearer::wsp::PushPdu::new(
        1,
        omacp_bearer::wsp::ContentType::connectivity_wbxml(),
        &long,
    )
    .encode(&mut pdu);
    let mut peak = 0;
    for r in 0..16u8 {
        let segs = omacp_bearer::wdp::segment(
            &pdu,
            &omacp_bearer::wdp::SegmentOptions::with_reference(
                omacp_bearer::wdp::Reference::Bits8(r),
            ),
        )
        .unwrap();
        for ud in &segs[..segs.len() - 1] {
            agent.handle(
                Millis(2),
                Input::UserData {
                    originator: "1",
                    ud,
                },
                &s,
            );
            peak = peak.max(agent.memory_bytes());
        }
    }
    println!(
        "documents: bootstrap {} TPDU(s), continuous {} TPDU(s)",
        boot.len(),
        cont.len()
    );
    println!("agent + in-memory view: NETWPIN bootstrap push -> applied: {boot_mem:?}/doc");
    println!("agent + in-memory view: TPS continuous push -> applied: {cont_mem:?}/doc");
    println!(
        "agent + SQLite store (synchronous=FULL, on disk): TPS continuous push -> applied: {cont_sql:?}/doc"
    );
    println!("agent memory after 101 applied pushes: {idle} bytes in flight");
    println!(
        "agent memory peak with 16 incomplete 30 KB messages: {peak} bytes (reassembly cap {} bytes)",
        Policy::default().reassembly.max_bytes
    );
}
