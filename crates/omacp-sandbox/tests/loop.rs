//! The sandbox loop in one process: our ESME client → sandbox SMSC → virtual handset →
//! settings applied → receipt back to the client.

use std::time::Duration;

use omacp_bearer::wdp::SegmentOptions;
use omacp_bearer::wsp::{ContentType, PushPdu};
use omacp_sandbox::{HandsetSpec, Happened, Sandbox};
use omacp_sec::{Credentials, Imsi, SecMethod, sign};
use omacp_smpp::client::{Client, ClientEvent, Reconnect};
use omacp_smpp::esme::{EsmeConfig, Event};
use omacp_smpp::pdu::Sm;
use omacp_smpp::push::{PushSubmit, SmppAddress};
use omacp_smpp::receipt::MessageState;
use omacp_smpp::smsc::SmscConfig;
use omacp_testkit::vectors::EXAMPLE_WBXML;

const IMSI: &str = "001010123456789";

fn netwpin_push(to: &str) -> Vec<Sm> {
    let imsi = Imsi::parse(IMSI).unwrap();
    let creds = Credentials {
        imsi: Some(&imsi),
        pin: None,
    };
    let mac = sign(SecMethod::NetwPin, &creds, &EXAMPLE_WBXML)
        .unwrap()
        .to_hex();
    let pdu = PushPdu::new(
        1,
        ContentType::signed(SecMethod::NetwPin, &mac),
        &EXAMPLE_WBXML,
    );
    let mut bytes = Vec::new();
    pdu.encode(&mut bytes);
    PushSubmit::new(SmppAddress::source("12345"), to)
        .submits(&bytes, &SegmentOptions::default())
        .unwrap()
}

/// Submits and returns (message ids, receipt states by message id).
async fn deliver(sb: &Sandbox, sms: Vec<Sm>) -> Vec<(String, MessageState)> {
    let n = sms.len();
    let (client, mut events) = Client::start(
        sb.local_addr().to_string(),
        EsmeConfig::new("any", "any"),
        Reconnect::default(),
    )
    .unwrap();
    for (i, sm) in sms.into_iter().enumerate() {
        client.submit(i as u64, sm).unwrap();
    }
    let mut ids = vec![String::new(); n];
    let mut receipts = Vec::new();
    while receipts.len() < n {
        let e = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("in time")
            .expect("client alive");
        match e {
            ClientEvent::Session(Event::Accepted { key, message_id }) => {
                ids[key as usize] = message_id
            }
            ClientEvent::Session(Event::Receipt(r)) => receipts.push((r.message_id, r.state)),
            _ => {}
        }
    }
    client.close();
    receipts.sort_by(|a, b| a.0.cmp(&b.0));
    ids.sort();
    assert_eq!(
        ids,
        receipts.iter().map(|r| r.0.clone()).collect::<Vec<_>>()
    );
    receipts
}

async fn sandbox() -> Sandbox {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let h = HandsetSpec {
        msisdn: "447700900001".into(),
        imsi: IMSI.into(),
        pin: None,
    };
    Sandbox::start(l, SmscConfig::new("omacp-sandbox", vec![]), &[h]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netwpin_push_is_applied_and_receipted() {
    let sb = sandbox().await;
    let r = deliver(&sb, netwpin_push("447700900001")).await;
    assert_eq!(r.len(), 2);
    assert!(
        r.iter().all(|(_, s)| *s == MessageState::Delivered),
        "{r:?}"
    );
    let recs = sb.records();
    let received = recs
        .iter()
        .filter(|r| matches!(r.what, Happened::Received { .. }))
        .count();
    assert_eq!(received, 2);
    assert!(
        recs.iter()
            .any(|r| matches!(&r.what, Happened::Applied(a) if a.contains("sec NETWPIN"))),
        "{recs:#?}"
    );
    assert!(recs.iter().all(|r| r.to_string().starts_with("[SANDBOX]")));
    let history = sb.history("447700900001").unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.kind == "apply" && h.sec.as_deref() == Some("NETWPIN")),
        "{history:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_imsi_is_refused_unknown_number_undeliverable_text_delivered() {
    let sb = sandbox().await;
    sb.add_handset(&HandsetSpec {
        msisdn: "447700900002".into(),
        imsi: "001010999999999".into(),
        pin: None,
    })
    .unwrap();
    // Signed for another IMSI: the agent refuses, the sender hears REJECTD.
    let r = deliver(&sb, netwpin_push("447700900002")).await;
    assert!(r.iter().all(|(_, s)| *s == MessageState::Rejected), "{r:?}");
    assert!(
        sb.history("447700900002")
            .unwrap()
            .iter()
            .all(|h| h.kind != "apply")
    );

    let r = deliver(&sb, netwpin_push("447700900099")).await;
    assert!(
        r.iter().all(|(_, s)| *s == MessageState::Undeliverable),
        "{r:?}"
    );

    let text = Sm {
        destination_addr: "447700900001".into(),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        short_message: b"hello".to_vec(),
        registered_delivery: 1,
        ..Sm::default()
    };
    let r = deliver(&sb, vec![text]).await;
    assert_eq!(r[0].1, MessageState::Delivered);
}
