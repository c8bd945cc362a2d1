//! Test harness: builds pushes with the real server-side path (WBXML encode → MAC → WSP push
//! → WDP segments → SMS-DELIVER) and drives an agent on a virtual clock with an in-memory
//! store.
#![allow(dead_code)]

use omacp_agent::{Action, Agent, Event, Input, Millis, Policy, Settings};
use omacp_bearer::sms::{Address, Dcs, Deliver, Timestamp, UserData};
use omacp_bearer::wdp::{Reference, SegmentOptions, segment};
use omacp_bearer::wsp::{ContentType, Header, PushPdu};
use omacp_doc::Document;
use omacp_sec::{Credentials, Imsi, Pin, SecMethod, sign};

pub const IMSI: &str = "001010123456789";
pub const OPERATOR: &str = "+447700900001";
pub const ATTACKER: &str = "+15550001234";
pub const PROVURL: &str = "http://tps.operator.example/prov";

pub fn doc(xml: &str) -> Document {
    omacp_doc::xml::parse(xml).expect("test XML")
}

pub fn wbxml(xml: &str) -> Vec<u8> {
    omacp_wbxml::encode(&doc(xml), &omacp_wbxml::EncodeOptions::default())
}

/// How a push is signed.
#[derive(Clone, Copy)]
pub enum Sec<'a> {
    None,
    Netwpin(&'a str),
    Userpin(&'a str),
    Usernetwpin(&'a str, &'a str),
    /// SEC present with this raw method, MAC present or not.
    Raw(SecMethod, bool),
}

/// Extra WSP headers for TPS pushes.
#[derive(Clone, Copy, Default)]
pub struct Tps<'a> {
    pub initiator: Option<&'a str>,
    pub push_flag: Option<u8>,
}

pub fn push_pdu(xml: &str, sec: Sec<'_>, tps: Tps<'_>) -> Vec<u8> {
    let body = wbxml(xml);
    let (method, mac) = match sec {
        Sec::None => (None, None),
        Sec::Raw(m, with_mac) => (Some(m), with_mac.then(|| [b'A'; 40].to_vec())),
        Sec::Netwpin(imsi) => {
            let i = Imsi::parse(imsi).unwrap();
            let c = Credentials {
                imsi: Some(&i),
                pin: None,
            };
            (
                Some(SecMethod::NetwPin),
                Some(
                    sign(SecMethod::NetwPin, &c, &body)
                        .unwrap()
                        .to_hex()
                        .to_vec(),
                ),
            )
        }
        Sec::Userpin(pin) => {
            let p = Pin::parse(pin).unwrap();
            let c = Credentials {
                imsi: None,
                pin: Some(&p),
            };
            (
                Some(SecMethod::UserPin),
                Some(
                    sign(SecMethod::UserPin, &c, &body)
                        .unwrap()
                        .to_hex()
                        .to_vec(),
                ),
            )
        }
        Sec::Usernetwpin(imsi, pin) => {
            let i = Imsi::parse(imsi).unwrap();
            let p = Pin::parse(pin).unwrap();
            let c = Credentials {
                imsi: Some(&i),
                pin: Some(&p),
            };
            let m = SecMethod::UserNetwPin;
            (Some(m), Some(sign(m, &c, &body).unwrap().to_hex().to_vec()))
        }
    };
    let mut ct = ContentType::connectivity_wbxml();
    if let Some(m) = method {
        ct.params.push(omacp_bearer::wsp::Param::Sec(m));
    }
    if let Some(mac) = &mac {
        ct.params.push(omacp_bearer::wsp::Param::Mac(mac));
    }
    let mut pdu = PushPdu::new(1, ct, &body);
    if let Some(i) = tps.initiator {
        pdu.headers.push(Header::InitiatorUri(i.as_bytes()));
    }
    if let Some(f) = tps.push_flag {
        pdu.headers.push(Header::PushFlag(f));
    }
    let mut out = Vec::new();
    pdu.encode(&mut out);
    out
}

/// The SMS-DELIVER TPDUs carrying `pdu` from `from`.
pub fn tpdus(pdu: &[u8], from: &str, reference: u8) -> Vec<Vec<u8>> {
    let segs = segment(
        pdu,
        &SegmentOptions::with_reference(Reference::Bits8(reference)),
    )
    .unwrap();
    segs.iter()
        .map(|ud| {
            let d = Deliver::binary(
                Address::international(from.trim_start_matches('+')).unwrap(),
                Dcs::BINARY,
                Timestamp::default(),
                UserData::binary(ud).unwrap(),
            );
            let mut out = Vec::new();
            d.encode(&mut out);
            out
        })
        .collect()
}

/// An agent, an in-memory store and a virtual clock.
pub struct Handset {
    pub agent: Agent,
    pub store: Settings,
    pub now: u64,
    pub events: Vec<Event>,
    /// When true, commits are dropped (the shell "crashed"): the agent hears CommitFailed.
    pub fail_commits: bool,
    pub fetches: Vec<(omacp_agent::FetchId, String)>,
}

impl Handset {
    pub fn new() -> Handset {
        Handset::with_policy(Policy::default(), Some(IMSI))
    }

    pub fn with_policy(policy: Policy, imsi: Option<&str>) -> Handset {
        Handset {
            agent: Agent::new(policy, imsi.map(|i| Imsi::parse(i).unwrap())),
            store: Settings::default(),
            now: 1_000,
            events: Vec::new(),
            fail_commits: false,
            fetches: Vec::new(),
        }
    }

    pub fn input(&mut self, input: Input<'_>) {
        self.agent.handle(Millis(self.now), input, &self.store);
        self.pump();
    }

    pub fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(a) = self.agent.poll_action() {
                progressed = true;
                match a {
                    Action::Commit(plan) => {
                        if self.fail_commits {
                            self.agent.handle(
                                Millis(self.now),
                                Input::CommitFailed(plan.id),
                                &self.store,
                            );
                        } else {
                            for c in &plan.contexts {
                                self.store.contexts.insert(c.id.clone(), c.clone());
                            }
                            self.agent.handle(
                                Millis(self.now),
                                Input::Committed(plan.id),
                                &self.store,
                            );
                        }
                    }
                    Action::Fetch { id, url } => self.fetches.push((id, url)),
                }
            }
            while let Some(e) = self.agent.poll_event() {
                progressed = true;
                self.events.push(e);
            }
            if !progressed {
                break;
            }
        }
    }

    /// Sends a push as SMS TPDUs from `from`; returns the events it caused.
    pub fn sms(&mut self, pdu: &[u8], from: &str) -> Vec<Event> {
        let start = self.events.len();
        for t in tpdus(pdu, from, (self.now % 251) as u8) {
            self.input(Input::Tpdu(&t));
        }
        self.now += 1_000;
        self.events[start..].to_vec()
    }

    pub fn pin(&mut self, pin: &str) -> Vec<Event> {
        let start = self.events.len();
        let p = Pin::parse(pin).unwrap();
        self.input(Input::Pin(&p));
        self.events[start..].to_vec()
    }

    pub fn answer(&mut self, yes: bool) -> Vec<Event> {
        let start = self.events.len();
        self.input(if yes { Input::Confirm } else { Input::Decline });
        self.events[start..].to_vec()
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.agent.handle_timeout(Millis(self.now), &self.store);
        self.pump();
    }
}

pub fn last(events: &[Event]) -> &Event {
    events.last().expect("an event")
}

pub fn is_applied(e: &Event) -> bool {
    matches!(e, Event::Applied { .. })
}

pub fn rejected(e: &Event) -> Option<&omacp_agent::Reason> {
    match e {
        Event::Rejected { reason, .. } => Some(reason),
        _ => None,
    }
}

/// The operator's bootstrap: a TPS context with a trusted PPG at `OPERATOR`.
pub fn operator_bootstrap(context_allow: Option<u8>) -> String {
    let ca = context_allow
        .map(|n| format!(r#"<parm name="CONTEXT-ALLOW" value="{n}"/>"#))
        .unwrap_or_default();
    format!(
        r#"<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP">
    <parm name="NAME" value="Operator"/>
    <parm name="PROVURL" value="{PROVURL}"/>
    {ca}
    <parm name="PROXY-ID" value="ppg"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="ppg"/>
    <parm name="NAME" value="Operator PPG"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="ppg1"/>
      <parm name="PXADDR" value="{OPERATOR}"/>
      <parm name="PXADDRTYPE" value="E164"/>
      <parm name="TO-NAPID" value="nap1"/>
    </characteristic>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="nap1"/>
    <parm name="NAME" value="Operator internet"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAP-ADDRESS" value="internet.operator"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>"#
    )
}

/// A document that sets an APN and a proxy (what the 2019 attackers sent).
pub fn proxy_doc(napid: &str, apn: &str, proxy: &str) -> String {
    format!(
        r#"<wap-provisioningdoc version="1.0">
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="px-{napid}"/>
    <parm name="NAME" value="Proxy"/>
    <parm name="STARTPAGE" value="http://home.example/"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="p1"/>
      <parm name="PXADDR" value="{proxy}"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="{napid}"/>
    </characteristic>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="{napid}"/>
    <parm name="NAME" value="Internet"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAP-ADDRESS" value="{apn}"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>"#
    )
}

pub fn mms_doc(mmsc: &str, to_proxy: &str) -> String {
    format!(
        r#"<wap-provisioningdoc version="1.0">
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/>
    <parm name="NAME" value="MMS"/>
    <parm name="TO-PROXY" value="{to_proxy}"/>
    <parm name="ADDR" value="{mmsc}"/>
  </characteristic>
</wap-provisioningdoc>"#
    )
}
