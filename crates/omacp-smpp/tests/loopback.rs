//! The tokio shells against each other over loopback TCP: submits, receipts, faults.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::{EsmeConfig, Event};
use omacp_smpp::pdu::{Password, Sm};
use omacp_smpp::receipt::{DeliveryReport, MessageState};
use omacp_smpp::server;
use omacp_smpp::smsc::{Account, Faults, SmscConfig};
use tokio::net::TcpListener;

fn sm(i: u64) -> Sm {
    Sm {
        destination_addr: format!("4477009{i:05}"),
        esm_class: 0x40,
        data_coding: 0x04,
        registered_delivery: 1,
        short_message: i.to_be_bytes().to_vec(),
        ..Sm::default()
    }
}

fn smsc_cfg(faults: Faults) -> SmscConfig {
    let mut c = SmscConfig::new(
        "loopsim",
        vec![Account {
            system_id: "omacp".into(),
            password: Password("pw".into()),
        }],
    );
    c.faults = faults;
    c
}

/// Submits `n` messages; the SMSC sink answers each with a DELIVRD receipt. Returns
/// accepted key → message id and the set of receipted message ids.
async fn exchange(
    n: u64,
    faults: Faults,
    window: usize,
) -> (BTreeMap<u64, String>, BTreeSet<String>, u64) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (h, mut sink) = server::start(listener, smsc_cfg(faults)).unwrap();
    let h2 = h.clone();
    tokio::spawn(async move {
        while let Some(s) = sink.recv().await {
            let _ = h2.receipt(DeliveryReport {
                message_id: s.message_id,
                state: MessageState::Delivered,
                network_error: None,
                text: None,
            });
        }
    });
    let mut cfg = EsmeConfig::new("omacp", "pw");
    cfg.window = window;
    cfg.initial_backoff = Duration::from_millis(5);
    let reconnect = Reconnect {
        initial: Duration::from_millis(20),
        ..Reconnect::default()
    };
    let (client, mut events) = Client::start(h.local_addr().to_string(), cfg, reconnect).unwrap();
    for i in 0..n {
        client.submit(i, sm(i)).unwrap();
    }
    let mut accepted = BTreeMap::new();
    let mut receipts = BTreeSet::new();
    let mut reconnects = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while accepted.len() < n as usize || receipts.len() < n as usize {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("finished in time")
            .expect("client alive");
        match e {
            ClientEvent::Session(Event::Accepted { key, message_id }) => {
                accepted.insert(key, message_id);
            }
            ClientEvent::Session(Event::Receipt(r)) => {
                assert_eq!(r.state, MessageState::Delivered);
                receipts.insert(r.message_id);
            }
            ClientEvent::Session(Event::Failed { key, status, .. }) => {
                panic!("message {key} failed: {status}")
            }
            ClientEvent::Session(Event::Closed { .. }) => reconnects += 1,
            _ => {}
        }
    }
    client.close();
    while let Some(e) = events.recv().await {
        if e == ClientEvent::Stopped {
            break;
        }
    }
    (accepted, receipts, reconnects)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submits_and_receipts() {
    let (acc, rec, reconnects) = exchange(500, Faults::default(), 32).await;
    assert_eq!(acc.len(), 500);
    assert_eq!(rec, acc.values().cloned().collect());
    assert_eq!(reconnects, 0);
}

/// More queued submits than the client takes from its command channel in one batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bursts_lose_nothing() {
    let (acc, rec, _) = exchange(5000, Faults::default(), 64).await;
    assert_eq!(acc.len(), 5000);
    assert_eq!(rec.len(), 5000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_errors_and_drops_lose_nothing() {
    let faults = Faults {
        throttle_every: 7,
        error_every: 11,
        drop_after: 40,
        drop_unanswered: 5,
        duplicate_receipts: true,
        reorder_receipts: true,
        ..Faults::default()
    };
    let (acc, rec, reconnects) = exchange(200, faults, 8).await;
    assert_eq!(
        acc.keys().copied().collect::<Vec<_>>(),
        (0..200).collect::<Vec<_>>()
    );
    assert_eq!(rec, acc.values().cloned().collect());
    assert!(
        reconnects >= 4,
        "the SMSC dropped every 40 submits: {reconnects}"
    );
}

#[tokio::test]
async fn wrong_password_stops_and_fails_the_queue() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (h, _sink) = server::start(listener, smsc_cfg(Faults::default())).unwrap();
    let cfg = EsmeConfig::new("omacp", "nope");
    let (client, mut events) =
        Client::start(h.local_addr().to_string(), cfg, Reconnect::default()).unwrap();
    client.submit(1, sm(1)).unwrap();
    let mut failed = Vec::new();
    while let Some(e) = events.recv().await {
        match e {
            ClientEvent::Session(Event::Failed { key, status, .. }) => failed.push((key, status)),
            ClientEvent::Stopped => break,
            _ => {}
        }
    }
    assert_eq!(failed, [(1, omacp_smpp::status::Status::INVALID_PASSWORD)]);
    assert_eq!(
        h.stats()
            .refused_binds
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[tokio::test]
async fn unreachable_smsc_fails_every_message() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let reconnect = Reconnect {
        initial: Duration::from_millis(5),
        max_failures: 2,
        ..Reconnect::default()
    };
    let (client, mut events) = Client::start(
        format!("127.0.0.1:{port}"),
        EsmeConfig::new("omacp", "pw"),
        reconnect,
    )
    .unwrap();
    for i in 0..3 {
        client.submit(i, sm(i)).unwrap();
    }
    let mut failed = BTreeSet::new();
    while let Some(e) = events.recv().await {
        match e {
            ClientEvent::Session(Event::Failed { key, .. }) => {
                failed.insert(key);
            }
            ClientEvent::Stopped => break,
            _ => {}
        }
    }
    assert_eq!(failed, (0..3).collect());
}
