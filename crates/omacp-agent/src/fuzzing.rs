//! Entry points for `fuzz/` (not a stable API).

use crate::{Action, Agent, Input, Millis, Policy, Settings};

/// Feeds `data` to a fresh agent as a sequence of inputs (first byte of each chunk picks the
/// kind), committing every plan into an in-memory store. Panics only on a broken invariant:
/// a commit must replace whole contexts, and memory must stay bounded.
pub fn agent_input(data: &[u8]) {
    let mut agent = Agent::new(
        Policy::default(),
        omacp_sec::Imsi::parse("001010123456789").ok(),
    );
    let mut store = Settings::default();
    let mut now = 0u64;
    for chunk in data.split(|b| *b == 0xFE) {
        let Some((&kind, rest)) = chunk.split_first() else {
            continue;
        };
        now += u64::from(kind & 0x0F) * 1000;
        let input = match kind >> 4 {
            0 => Input::Tpdu(rest),
            1 => Input::UserData {
                originator: "+100",
                ud: rest,
            },
            2 => Input::Push {
                originator: "+100",
                pdu: rest,
            },
            3 => Input::Document(rest),
            4 => Input::Card {
                role: omacp_card::Role::Bootstrap,
                bytes: rest,
            },
            5 => Input::Confirm,
            6 => Input::Decline,
            _ => Input::Push {
                originator: "",
                pdu: rest,
            },
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
        assert!(
            agent.memory_bytes() <= 2 * 1024 * 1024,
            "agent memory unbounded"
        );
    }
}

/// Test pushes for benchmarks: (IMSI, SMS-DELIVER TPDUs of a NETWPIN bootstrap creating a
/// TPS context with a trusted PPG, TPDUs of an unsigned continuous document pushed by that
/// PPG). Built with the real sender path: WBXML → MAC → WSP → WDP segments → SMS.
pub fn bench_pushes() -> (String, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    use omacp_bearer::sms::{Address, Dcs, Deliver, Timestamp, UserData};
    use omacp_bearer::wdp::{SegmentOptions, segment};
    use omacp_bearer::wsp::{ContentType, Header, PushPdu};
    use omacp_sec::{Credentials, Imsi, SecMethod, sign};

    let imsi = "001010123456789";
    let boot = r#"<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP"><parm name="NAME" value="Operator"/><parm name="PROVURL" value="http://tps.example/prov"/><parm name="PROXY-ID" value="ppg"/></characteristic>
  <characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="ppg"/><parm name="NAME" value="PPG"/>
    <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="a"/><parm name="PXADDR" value="+447700900001"/><parm name="PXADDRTYPE" value="E164"/><parm name="TO-NAPID" value="nap1"/></characteristic>
  </characteristic>
  <characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="wap"/><parm name="NAME" value="WAP"/><parm name="STARTPAGE" value="http://portal.example/"/>
    <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="w"/><parm name="PXADDR" value="10.0.0.1"/><parm name="PXADDRTYPE" value="IPV4"/><parm name="TO-NAPID" value="nap1"/>
      <characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic></characteristic>
  </characteristic>
  <characteristic type="NAPDEF"><parm name="NAPID" value="nap1"/><parm name="NAME" value="Internet"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAP-ADDRESS" value="internet.example"/><parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO"><parm name="AUTHTYPE" value="PAP"/><parm name="AUTHNAME" value="u"/><parm name="AUTHSECRET" value="p"/></characteristic></characteristic>
</wap-provisioningdoc>"#;
    let cont = r#"<wap-provisioningdoc version="1.0">
  <characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="NAME" value="MMS"/><parm name="TO-PROXY" value="wap"/><parm name="ADDR" value="http://mmsc.example/"/></characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Browser"/><parm name="TO-PROXY" value="wap"/>
    <characteristic type="RESOURCE"><parm name="URI" value="http://portal.example/"/><parm name="NAME" value="Portal"/><parm name="STARTPAGE"/></characteristic></characteristic>
</wap-provisioningdoc>"#;
    let tpdus = |pdu: &[u8]| -> Vec<Vec<u8>> {
        segment(pdu, &SegmentOptions::default())
            .unwrap_or_default()
            .iter()
            .filter_map(|ud| {
                let d = Deliver::binary(
                    Address::international("447700900001").ok()?,
                    Dcs::BINARY,
                    Timestamp::default(),
                    UserData::binary(ud).ok()?,
                );
                let mut out = Vec::new();
                d.encode(&mut out);
                Some(out)
            })
            .collect()
    };
    let enc = |xml: &str| {
        omacp_doc::xml::parse(xml)
            .map(|d| omacp_wbxml::encode(&d, &omacp_wbxml::EncodeOptions::default()))
            .unwrap_or_default()
    };
    let body = enc(boot);
    let mut pdu1 = Vec::new();
    if let Ok(i) = Imsi::parse(imsi) {
        let creds = Credentials {
            imsi: Some(&i),
            pin: None,
        };
        if let Ok(mac) = sign(SecMethod::NetwPin, &creds, &body) {
            let hex = mac.to_hex();
            PushPdu::new(1, ContentType::signed(SecMethod::NetwPin, &hex), &body).encode(&mut pdu1);
        }
    }
    let body2 = enc(cont);
    let mut p2 = PushPdu::new(2, ContentType::connectivity_wbxml(), &body2);
    p2.headers
        .push(Header::InitiatorUri(b"http://tps.example/prov"));
    p2.headers.push(Header::PushFlag(1));
    let mut pdu2 = Vec::new();
    p2.encode(&mut pdu2);
    (imsi.to_string(), tpdus(&pdu1), tpdus(&pdu2))
}
