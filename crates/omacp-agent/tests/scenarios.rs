//! Scenarios from uab.md and security.md §6, driven through the whole input path (SMS TPDUs)
//! on a virtual clock.

mod common;

use common::*;
use omacp_agent::{
    Acceptance, CARD_CONTEXT, Context, DEFAULT_CONTEXT, Event, Input, Item, Policy, Reason,
    SettingKind, Trust,
};
use omacp_doc::Characteristic;
use omacp_sec::SecMethod;

fn ctx_id() -> String {
    omacp_agent::settings::normalise_provurl(PROVURL)
}

fn bootstrapped() -> Handset {
    let mut h = Handset::new();
    let ev = h.sms(
        &push_pdu(
            &operator_bootstrap(Some(1)),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        OPERATOR,
    );
    assert!(is_applied(last(&ev)), "{ev:?}");
    h
}

#[test]
fn netwpin_bootstrap_creates_the_operator_context_silently() {
    let h = bootstrapped();
    let c = &h.store.contexts[&ctx_id()];
    assert_eq!(c.authority, Trust::NetworkAuthenticated);
    assert_eq!(c.name.as_deref(), Some("Operator"));
    assert_eq!(c.context_allow, Some(1));
    assert_eq!(c.trusted_proxies, vec!["ppg".to_string()]);
    assert_eq!(c.items.len(), 3);
    let Event::Applied { report, .. } = last(&h.events) else {
        panic!()
    };
    assert!(report.summary.bootstrap);
    assert!(
        report
            .summary
            .changes
            .iter()
            .any(|c| c.setting == SettingKind::NapAddress
                && c.new == vec!["internet.operator".to_string()])
    );
}

#[test]
fn bootstrap_then_continuous_provisioning_from_the_trusted_ppg() {
    let mut h = bootstrapped();
    // TO-PROXY=ppg resolves only against the stored context (uab.md §4 rule 4).
    let tps = Tps {
        initiator: Some("http://TPS.operator.example/prov/mms"),
        push_flag: Some(0x01),
    };
    let ev = h.sms(
        &push_pdu(&mms_doc("http://mmsc.operator/", "ppg"), Sec::None, tps),
        OPERATOR,
    );
    let Event::Applied { report, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(report.summary.trust, Trust::TpsPushed);
    assert_eq!(report.summary.context, ctx_id());
    assert!(report.pruned.is_empty(), "{:?}", report.pruned);
    assert!(
        report
            .summary
            .changes
            .iter()
            .any(|c| c.setting == SettingKind::Mmsc)
    );
    assert_eq!(h.store.contexts[&ctx_id()].items.len(), 4);
    assert_eq!(h.store.contexts.len(), 1, "nothing in the default context");
}

#[test]
fn tps_headers_from_an_untrusted_originator_are_unauthenticated() {
    let mut h = bootstrapped();
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(0x01),
    };
    let ev = h.sms(
        &push_pdu(&mms_doc("http://evil/", "ppg"), Sec::None, tps),
        ATTACKER,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Refused(Trust::Unauthenticated))
    );
    // Without the Push-Flag bit the trusted PPG itself is not enough either.
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(0x00),
    };
    let ev = h.sms(
        &push_pdu(&mms_doc("http://evil/", "ppg"), Sec::None, tps),
        OPERATOR,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Refused(Trust::Unauthenticated))
    );
}

#[test]
fn second_bootstrap_for_the_same_context_is_rejected() {
    let mut h = bootstrapped();
    let ev = h.sms(
        &push_pdu(
            &operator_bootstrap(None),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        OPERATOR,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::BootstrapExists(ctx_id()))
    );
    assert_eq!(h.store.contexts[&ctx_id()].context_allow, Some(1));
}

fn enterprise_bootstrap() -> String {
    r#"<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP">
    <parm name="NAME" value="Enterprise"/>
    <parm name="PROVURL" value="http://mdm.enterprise.example/cp"/>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="nap1"/>
    <parm name="NAME" value="Corporate APN"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAP-ADDRESS" value="corp.enterprise"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>"#
        .to_string()
}

#[test]
fn two_authorities_side_by_side_and_context_allow() {
    let mut h = bootstrapped();
    let ev = h.sms(
        &push_pdu(
            &enterprise_bootstrap(),
            Sec::Userpin("9876"),
            Tps::default(),
        ),
        ATTACKER,
    );
    assert!(matches!(last(&ev), Event::NeedPin { .. }));
    let ev = h.pin("9876");
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert!(summary.bootstrap);
    assert_eq!(summary.trust, Trust::UserAuthenticated);
    let ev = h.answer(true);
    assert!(is_applied(last(&ev)));
    // Both hold NAPID nap1, each in its own context, untouched by the other.
    let op = &h.store.contexts[&ctx_id()];
    let ent = &h.store.contexts["http://mdm.enterprise.example/cp"];
    let nap = |c: &Context| {
        c.items
            .iter()
            .find(|i| i.characteristic.kind == "NAPDEF")
            .unwrap()
            .characteristic
            .value("NAP-ADDRESS")
            .unwrap()
            .to_string()
    };
    assert_eq!(nap(op), "internet.operator");
    assert_eq!(nap(ent), "corp.enterprise");
    // The enterprise (USERPIN) may not write into the operator's context even when it names it.
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: None,
    };
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("nap1", "evil.apn", "10.0.0.1"),
            Sec::Userpin("9876"),
            tps,
        ),
        ATTACKER,
    );
    assert!(matches!(last(&ev), Event::NeedPin { .. }));
    let ev = h.pin("9876");
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::ContextForbidden(ctx_id()))
    );
    assert_eq!(nap(&h.store.contexts[&ctx_id()]), "internet.operator");
    // CONTEXT-ALLOW=1 on the operator context: a third context is refused.
    let third = enterprise_bootstrap().replace("mdm.enterprise.example", "third.example");
    let ev = h.sms(
        &push_pdu(&third, Sec::Netwpin(IMSI), Tps::default()),
        OPERATOR,
    );
    assert_eq!(rejected(last(&ev)), Some(&Reason::ContextAllow(ctx_id())));
}

#[test]
fn context_allow_zero_refuses_any_other_context() {
    let mut h = Handset::new();
    let ev = h.sms(
        &push_pdu(
            &operator_bootstrap(Some(0)),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        OPERATOR,
    );
    assert!(is_applied(last(&ev)));
    let ev = h.sms(
        &push_pdu(&enterprise_bootstrap(), Sec::Netwpin(IMSI), Tps::default()),
        OPERATOR,
    );
    assert_eq!(rejected(last(&ev)), Some(&Reason::ContextAllow(ctx_id())));
}

/// Every trust level that can write into the default context, against items owned by every
/// trust level: a document may replace an item only if its rank is at least the owner's.
#[test]
fn trust_levels_against_owned_settings_in_the_default_context() {
    type Stored = (&'static str, fn() -> Characteristic);
    let kinds: [Stored; 3] = [
        ("NAPDEF", || {
            Characteristic::new("NAPDEF")
                .with_parm("NAPID", "nap1")
                .with_parm("NAME", "x")
                .with_parm("BEARER", "GSM-GPRS")
                .with_parm("NAP-ADDRESS", "stored.apn")
                .with_parm("NAP-ADDRTYPE", "APN")
        }),
        ("APPLICATION", || {
            Characteristic::new("APPLICATION")
                .with_parm("APPID", "w2")
                .with_parm("NAME", "Browser")
                .with_parm("ADDR", "http://stored/")
        }),
        ("VENDORCONFIG", || {
            Characteristic::new("VENDORCONFIG")
                .with_parm("NAME", "v")
                .with_parm("X", "1")
        }),
    ];
    let docs = [
        r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="nap1"/><parm name="NAME" value="New"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAP-ADDRESS" value="new.apn"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#,
        r#"<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Browser"/><parm name="ADDR" value="http://new/"/></characteristic></wap-provisioningdoc>"#,
        r#"<wap-provisioningdoc version="1.0"><characteristic type="VENDORCONFIG"><parm name="NAME" value="v"/><parm name="X" value="2"/></characteristic></wap-provisioningdoc>"#,
    ];
    let writers = [
        Trust::Unauthenticated,
        Trust::UserAuthenticated,
        Trust::NetworkAuthenticated,
    ];
    let mut checked = 0;
    for (k, (kind, stored)) in kinds.iter().enumerate() {
        for owner in Trust::ALL {
            for writer in writers {
                let policy = Policy {
                    unauthenticated: Acceptance::Confirm,
                    ..Policy::default()
                };
                let mut h = Handset::with_policy(policy, Some(IMSI));
                let mut c = Context::new(DEFAULT_CONTEXT, owner);
                c.items.push(Item {
                    owner,
                    characteristic: stored(),
                });
                h.store.contexts.insert(DEFAULT_CONTEXT.into(), c);
                let sec = match writer {
                    Trust::Unauthenticated => Sec::None,
                    Trust::UserAuthenticated => Sec::Userpin("1234"),
                    _ => Sec::Netwpin(IMSI),
                };
                let mut ev = h.sms(&push_pdu(docs[k], sec, Tps::default()), ATTACKER);
                if matches!(last(&ev), Event::NeedPin { .. }) {
                    ev = h.pin("1234");
                }
                let allowed = writer.rank() >= owner.rank();
                if allowed {
                    assert!(
                        matches!(last(&ev), Event::ConfirmationRequired { .. }),
                        "{kind} {owner} <- {writer}: {ev:?}"
                    );
                    assert!(is_applied(last(&h.answer(true))));
                    assert_eq!(h.store.contexts[DEFAULT_CONTEXT].items[0].owner, writer);
                } else {
                    assert!(
                        matches!(rejected(last(&ev)), Some(Reason::WouldOverwrite { owner: o, .. }) if *o == owner),
                        "{kind} {owner} <- {writer}: {ev:?}"
                    );
                    assert_eq!(h.store.contexts[DEFAULT_CONTEXT].items[0].owner, owner);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 45);
}

/// Who may bootstrap: unauthenticated never, a TPS never (another context), USERPIN only
/// after acceptance, NETWPIN and the card silently.
#[test]
fn bootstrap_rights_per_trust_level() {
    let boot = operator_bootstrap(None);
    let mut h = Handset::with_policy(
        Policy {
            unauthenticated: Acceptance::Confirm,
            ..Policy::default()
        },
        Some(IMSI),
    );
    let ev = h.sms(&push_pdu(&boot, Sec::None, Tps::default()), ATTACKER);
    assert_eq!(rejected(last(&ev)), Some(&Reason::UnauthenticatedBootstrap));

    let mut h = Handset::new();
    h.sms(
        &push_pdu(&boot, Sec::Userpin("1111"), Tps::default()),
        ATTACKER,
    );
    let ev = h.pin("1111");
    assert!(matches!(last(&ev), Event::ConfirmationRequired { .. }));
    assert_eq!(rejected(last(&h.answer(false))), Some(&Reason::Declined));
    assert!(h.store.contexts.is_empty());

    let mut h = Handset::new();
    h.input(Input::Card {
        role: omacp_card::Role::Bootstrap,
        bytes: &wbxml(&boot),
    });
    let Event::Applied { report, .. } = last(&h.events) else {
        panic!("{:?}", h.events)
    };
    assert_eq!(report.summary.trust, Trust::Card);
    assert_eq!(h.store.contexts[&ctx_id()].authority, Trust::Card);
    // The card may re-read its own context.
    h.input(Input::Card {
        role: omacp_card::Role::Bootstrap,
        bytes: &wbxml(&boot),
    });
    assert!(is_applied(last(&h.events)));

    // A TPS push that bootstraps another context.
    let mut h = bootstrapped();
    let other = enterprise_bootstrap();
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let ev = h.sms(&push_pdu(&other, Sec::None, tps), OPERATOR);
    assert_eq!(rejected(last(&ev)), Some(&Reason::TpsCannotBootstrap));
}

#[test]
fn card_documents_without_provurl_go_to_the_card_context_only() {
    let mut h = Handset::new();
    h.input(Input::Card {
        role: omacp_card::Role::Config1,
        bytes: &wbxml(&proxy_doc("c1", "card.apn", "10.1.1.1")),
    });
    assert!(is_applied(last(&h.events)));
    assert_eq!(h.store.contexts[CARD_CONTEXT].items.len(), 2);
}

#[test]
fn pin_attempts_per_message_and_global_lockout_with_backoff() {
    let mut h = Handset::new();
    let pdu = push_pdu(
        &proxy_doc("n", "a.apn", "10.0.0.1"),
        Sec::Userpin("2468"),
        Tps::default(),
    );
    let ev = h.sms(&pdu, ATTACKER);
    assert!(matches!(
        last(&ev),
        Event::NeedPin {
            attempts_left: 3,
            method: SecMethod::UserPin,
            ..
        }
    ));
    assert!(matches!(
        last(&h.pin("0000")),
        Event::NeedPin {
            attempts_left: 2,
            ..
        }
    ));
    assert!(matches!(
        last(&h.pin("0001")),
        Event::NeedPin {
            attempts_left: 1,
            ..
        }
    ));
    assert_eq!(
        rejected(last(&h.pin("0002"))),
        Some(&Reason::PinAttemptsExhausted)
    );
    // The sender re-sends: two more failures reach the global limit (5).
    h.sms(&pdu, ATTACKER);
    h.pin("0003");
    let ev = h.pin("0004");
    assert!(
        matches!(rejected(last(&ev)), Some(Reason::LockedOut { .. })),
        "{ev:?}"
    );
    // While locked, a PIN message is refused without a prompt.
    let ev = h.sms(&pdu, ATTACKER);
    assert!(matches!(
        rejected(last(&ev)),
        Some(Reason::LockedOut { .. })
    ));
    // After the back-off the right PIN works and resets the count.
    h.advance(61_000);
    let ev = h.sms(&pdu, ATTACKER);
    assert!(matches!(
        last(&ev),
        Event::NeedPin {
            attempts_left: 3,
            ..
        }
    ));
    assert!(matches!(
        last(&h.pin("2468")),
        Event::ConfirmationRequired { .. }
    ));
    assert_eq!(h.agent.pin_guard().failures, 0);
    // One more wrong PIN after a lock-out would double it; here the count restarted.
    h.answer(false);
    h.sms(&pdu, ATTACKER);
    h.pin("9999");
    assert_eq!(h.agent.pin_guard().failures, 1);
    assert!(h.agent.pin_guard().locked_until.is_none());
}

#[test]
fn prompt_times_out() {
    let mut h = Handset::new();
    h.sms(
        &push_pdu(
            &proxy_doc("n", "a.apn", "10.0.0.1"),
            Sec::Userpin("1"),
            Tps::default(),
        ),
        ATTACKER,
    );
    let deadline = h.agent.poll_timeout().unwrap();
    h.advance(deadline.0 - h.now);
    assert_eq!(rejected(last(&h.events)), Some(&Reason::TimedOut));
    assert!(h.agent.is_idle());
}

// --- the 2019 attack set --------------------------------------------------------------------

#[test]
fn attack_unsigned_document_is_refused_by_default() {
    let mut h = bootstrapped();
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("evil", "evil.apn", "203.0.113.9"),
            Sec::None,
            Tps::default(),
        ),
        ATTACKER,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Refused(Trust::Unauthenticated))
    );
    assert!(!h.store.contexts.contains_key(DEFAULT_CONTEXT));
}

#[test]
fn attack_unsigned_document_shows_sender_and_every_address_when_policy_confirms() {
    let mut h = Handset::with_policy(
        Policy {
            unauthenticated: Acceptance::Confirm,
            ..Policy::default()
        },
        Some(IMSI),
    );
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("evil", "evil.apn", "203.0.113.9"),
            Sec::None,
            Tps::default(),
        ),
        ATTACKER,
    );
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(
        summary.sender.address.as_deref(),
        Some(ATTACKER.trim_start_matches('+'))
    );
    assert_eq!(summary.trust, Trust::Unauthenticated);
    assert_eq!(summary.sec, None);
    let kinds: Vec<SettingKind> = summary.changes.iter().map(|c| c.setting).collect();
    assert!(kinds.contains(&SettingKind::Proxy));
    assert!(kinds.contains(&SettingKind::NapAddress));
    assert!(kinds.contains(&SettingKind::HomePage));
    assert!(
        summary
            .changes
            .iter()
            .any(|c| c.new == vec!["203.0.113.9".to_string()])
    );
}

#[test]
fn attack_netwpin_with_a_known_imsi_is_confirmed_and_cannot_rebootstrap() {
    let mut h = bootstrapped();
    // The attacker learnt the IMSI, so the MAC verifies: still not silent.
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("evil", "evil.apn", "203.0.113.9"),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        ATTACKER,
    );
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(summary.trust, Trust::NetworkAuthenticated);
    assert_eq!(summary.sec, Some(SecMethod::NetwPin));
    assert_eq!(rejected(last(&h.answer(false))), Some(&Reason::Declined));
    // A second bootstrap of the operator's context (to redirect PROVURL) is refused.
    let ev = h.sms(
        &push_pdu(
            &operator_bootstrap(None),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        ATTACKER,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::BootstrapExists(ctx_id()))
    );
    // A NETWPIN document for another subscriber's IMSI fails silently.
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("e", "e.apn", "1.2.3.4"),
            Sec::Netwpin("001019999999999"),
            Tps::default(),
        ),
        ATTACKER,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Authentication(omacp_sec::Reason::WrongMac))
    );
}

#[test]
fn attack_userpin_with_the_attackers_pin_cannot_touch_operator_settings() {
    let mut h = Handset::new();
    // Operator settings in the default context (NETWPIN, accepted by the user).
    h.sms(
        &push_pdu(
            &proxy_doc("nap1", "internet.operator", "10.0.0.1"),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        OPERATOR,
    );
    assert!(is_applied(last(&h.answer(true))));
    // The attacker sends a USERPIN document with the PIN in the SMS text: replacing nap1 fails.
    h.sms(
        &push_pdu(
            &proxy_doc("nap1", "evil.apn", "203.0.113.9"),
            Sec::Userpin("1234"),
            Tps::default(),
        ),
        ATTACKER,
    );
    let ev = h.pin("1234");
    assert!(
        matches!(
            rejected(last(&ev)),
            Some(Reason::WouldOverwrite {
                owner: Trust::NetworkAuthenticated,
                ..
            })
        ),
        "{ev:?}"
    );
    // New settings with new keys are only applied after the user saw them.
    h.sms(
        &push_pdu(
            &proxy_doc("evil", "evil.apn", "203.0.113.9"),
            Sec::Userpin("1234"),
            Tps::default(),
        ),
        ATTACKER,
    );
    let ev = h.pin("1234");
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert!(
        summary
            .changes
            .iter()
            .any(|c| c.setting == SettingKind::Proxy && c.new == vec!["203.0.113.9".to_string()])
    );
}

#[test]
fn attack_unknown_sec_is_refused_never_treated_as_none() {
    let mut h = Handset::with_policy(
        Policy {
            unauthenticated: Acceptance::Confirm,
            ..Policy::default()
        },
        Some(IMSI),
    );
    for with_mac in [true, false] {
        let ev = h.sms(
            &push_pdu(
                &proxy_doc("e", "e.apn", "1.2.3.4"),
                Sec::Raw(SecMethod::Unknown(7), with_mac),
                Tps::default(),
            ),
            ATTACKER,
        );
        assert_eq!(rejected(last(&ev)), Some(&Reason::UnknownSec(7)));
    }
}

#[test]
fn attack_usernetwpin_without_mac_is_not_treated_as_none() {
    let mut h = Handset::with_policy(
        Policy {
            unauthenticated: Acceptance::Confirm,
            ..Policy::default()
        },
        Some(IMSI),
    );
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("e", "e.apn", "1.2.3.4"),
            Sec::Raw(SecMethod::UserNetwPin, false),
            Tps::default(),
        ),
        ATTACKER,
    );
    assert!(matches!(
        last(&ev),
        Event::NeedPin {
            method: SecMethod::UserNetwPin,
            ..
        }
    ));
    let ev = h.pin("1234");
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Authentication(omacp_sec::Reason::MissingMac))
    );
    // A correct USERNETWPIN is network-authenticated.
    h.sms(
        &push_pdu(
            &proxy_doc("e", "e.apn", "1.2.3.4"),
            Sec::Usernetwpin(IMSI, "4321"),
            Tps::default(),
        ),
        OPERATOR,
    );
    let ev = h.pin("4321");
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(summary.trust, Trust::NetworkAuthenticated);
}

#[test]
fn netwpin_only_policy() {
    let mut h = Handset::with_policy(
        Policy {
            netwpin_only: true,
            ..Policy::default()
        },
        Some(IMSI),
    );
    let ev = h.sms(
        &push_pdu(
            &proxy_doc("e", "e.apn", "1.2.3.4"),
            Sec::Userpin("1"),
            Tps::default(),
        ),
        ATTACKER,
    );
    assert_eq!(rejected(last(&ev)), Some(&Reason::NetwpinOnly));
}

// --- references, applications, IMSIs ------------------------------------------------------

#[test]
fn dangling_references_are_pruned_with_the_cascade() {
    let mut h = bootstrapped();
    let xml = r#"<wap-provisioningdoc version="1.0">
  <characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="px"/><parm name="NAME" value="P"/>
    <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="a"/><parm name="PXADDR" value="10.9.9.9"/><parm name="TO-NAPID" value="missing"/></characteristic>
  </characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="TO-PROXY" value="px"/><parm name="ADDR" value="http://mmsc/"/></characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="B"/><parm name="TO-NAPID" value="nap1"/></characteristic>
</wap-provisioningdoc>"#;
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let ev = h.sms(&push_pdu(xml, Sec::None, tps), OPERATOR);
    let Event::Applied { report, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    // PXPHYSICAL → PXLOGICAL → the MMS application that needed it are gone; the browser
    // (TO-NAPID=nap1, stored in the context) stays.
    assert!(report.pruned.len() >= 2, "{:?}", report.pruned);
    assert_eq!(report.applications.len(), 1);
    assert_eq!(report.applications[0].appid, "w2");
    let c = &h.store.contexts[&ctx_id()];
    assert!(
        !c.items
            .iter()
            .any(|i| i.characteristic.value("PROXY-ID") == Some("px"))
    );
    // Everything dangling: nothing left, rejected as corrupt.
    let xml = r#"<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="TO-PROXY" value="nowhere"/><parm name="ADDR" value="http://m/"/></characteristic></wap-provisioningdoc>"#;
    let ev = h.sms(&push_pdu(xml, Sec::None, tps), OPERATOR);
    assert!(
        matches!(rejected(last(&ev)), Some(Reason::Invalid(_))),
        "{ev:?}"
    );
}

#[test]
fn unknown_appids_are_kept_and_reported() {
    let mut h = bootstrapped();
    let xml = r#"<wap-provisioningdoc version="1.0">
  <characteristic type="APPLICATION"><parm name="APPID" value="x-vendor-app"/><parm name="NAME" value="V"/><parm name="ADDR" value="http://v/"/></characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="dm.operator"/><parm name="NAME" value="DM"/><parm name="ADDR" value="http://dm/"/><parm name="INIT"/></characteristic>
</wap-provisioningdoc>"#;
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let ev = h.sms(&push_pdu(xml, Sec::None, tps), OPERATOR);
    let Event::Applied { report, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(report.unknown_appids, vec!["x-vendor-app".to_string()]);
    assert!(
        report
            .applications
            .iter()
            .any(|a| a.appid == "w7" && a.handler.as_deref() == Some("device-management"))
    );
    assert_eq!(report.post_actions.len(), 1);
    assert!(
        h.store.contexts[&ctx_id()]
            .items
            .iter()
            .any(|i| i.characteristic.value("APPID") == Some("x-vendor-app"))
    );
}

#[test]
fn replacement_summary_shows_old_and_new_values() {
    let mut h = bootstrapped();
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let policy_confirm = Policy {
        tps: Acceptance::Confirm,
        ..Policy::default()
    };
    h.agent = omacp_agent::Agent::new(policy_confirm, Some(omacp_sec::Imsi::parse(IMSI).unwrap()));
    let xml = operator_bootstrap(None).replace("internet.operator", "internet2.operator");
    // Without BOOTSTRAP: just the NAPDEF.
    let start = xml.find("<characteristic type=\"NAPDEF\">").unwrap();
    let end = xml.rfind("</wap-provisioningdoc>").unwrap();
    let napdef_doc = format!(
        "<wap-provisioningdoc version=\"1.0\">{}</wap-provisioningdoc>",
        &xml[start..end]
    );
    let ev = h.sms(&push_pdu(&napdef_doc, Sec::None, tps), OPERATOR);
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(summary.replaced.len(), 1);
    let c = summary
        .changes
        .iter()
        .find(|c| c.setting == SettingKind::NapAddress)
        .unwrap();
    assert_eq!(c.old, vec!["internet.operator".to_string()]);
    assert_eq!(c.new, vec!["internet2.operator".to_string()]);
    assert!(
        c.to_string()
            .contains("internet.operator -> internet2.operator")
    );
}

#[test]
fn fourteen_and_fifteen_digit_imsis() {
    for imsi in ["00101012345678", "001010123456789"] {
        let mut h = Handset::with_policy(Policy::default(), Some(imsi));
        let ev = h.sms(
            &push_pdu(
                &operator_bootstrap(None),
                Sec::Netwpin(imsi),
                Tps::default(),
            ),
            OPERATOR,
        );
        assert!(is_applied(last(&ev)), "{imsi}: {ev:?}");
    }
    // A handset without an IMSI cannot verify NETWPIN: refused, not "unsigned".
    let mut h = Handset::with_policy(Policy::default(), None);
    let ev = h.sms(
        &push_pdu(
            &operator_bootstrap(None),
            Sec::Netwpin(IMSI),
            Tps::default(),
        ),
        OPERATOR,
    );
    assert_eq!(
        rejected(last(&ev)),
        Some(&Reason::Authentication(omacp_sec::Reason::MissingImsi))
    );
}

#[test]
fn a_failed_commit_leaves_the_settings_unchanged() {
    let mut h = bootstrapped();
    let before = h.store.clone();
    h.fail_commits = true;
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let ev = h.sms(
        &push_pdu(&mms_doc("http://mmsc/", "ppg"), Sec::None, tps),
        OPERATOR,
    );
    assert_eq!(rejected(last(&ev)), Some(&Reason::CommitFailed));
    assert_eq!(h.store, before);
    // A retry applies.
    h.fail_commits = false;
    let ev = h.sms(
        &push_pdu(&mms_doc("http://mmsc/", "ppg"), Sec::None, tps),
        OPERATOR,
    );
    assert!(is_applied(last(&ev)));
}

#[test]
fn messages_queue_behind_a_prompt() {
    let mut h = bootstrapped();
    h.sms(
        &push_pdu(
            &proxy_doc("a", "a.apn", "1.1.1.1"),
            Sec::Userpin("1"),
            Tps::default(),
        ),
        ATTACKER,
    );
    let tps = Tps {
        initiator: Some(PROVURL),
        push_flag: Some(1),
    };
    let ev = h.sms(
        &push_pdu(&mms_doc("http://mmsc/", "ppg"), Sec::None, tps),
        OPERATOR,
    );
    assert!(ev.is_empty(), "queued behind the PIN prompt: {ev:?}");
    let ev = h.answer(false);
    assert_eq!(rejected(&ev[0]), Some(&Reason::Declined));
    assert!(is_applied(last(&ev)));
}

#[test]
fn http_pull_from_a_trusted_context() {
    let mut h = bootstrapped();
    assert!(
        h.agent
            .fetch("http://elsewhere.example/x", &h.store)
            .is_none()
    );
    h.pump();
    assert_eq!(rejected(last(&h.events)), Some(&Reason::NoTrustedContext));
    let id = h
        .agent
        .fetch("http://tps.operator.example/prov/settings", &h.store)
        .unwrap();
    h.pump();
    assert_eq!(h.fetches.last().unwrap().0, id);
    let body = wbxml(&mms_doc("http://mmsc.pulled/", "ppg"));
    h.input(Input::HttpResponse {
        fetch: id,
        status: 200,
        content_type: "application/vnd.wap.connectivity-wbxml",
        body: &body,
    });
    let Event::Applied { report, .. } = last(&h.events) else {
        panic!("{:?}", h.events)
    };
    assert_eq!(report.summary.trust, Trust::TpsPushed);
    assert_eq!(report.summary.context, ctx_id());
    // A SEC parameter that does not parse is a failure, not "no SEC".
    let id = h.agent.fetch(PROVURL, &h.store).unwrap();
    h.pump();
    h.input(Input::HttpResponse {
        fetch: id,
        status: 200,
        content_type: "application/vnd.wap.connectivity-wbxml; SEC=BOGUS",
        body: &body,
    });
    assert!(
        matches!(rejected(last(&h.events)), Some(Reason::Transport(_))),
        "{:?}",
        h.events
    );
}

#[test]
fn transport_garbage_is_rejected_not_applied() {
    let mut h = Handset::new();
    h.input(Input::Tpdu(&[0x00]));
    h.input(Input::Push {
        originator: "1",
        pdu: &[0x01, 0x06, 0x00],
    });
    h.input(Input::Document(b"<not-cp/>"));
    assert_eq!(h.events.len(), 3);
    assert!(h.events.iter().all(|e| rejected(e).is_some()));
    assert!(h.store.contexts.is_empty());
}

#[test]
fn to_napid_internet_and_wlan_ssid_in_the_summary() {
    let mut h = Handset::with_policy(
        Policy {
            unauthenticated: Acceptance::Confirm,
            ..Policy::default()
        },
        Some(IMSI),
    );
    let xml = r#"<wap-provisioningdoc version="1.0">
  <characteristic type="NAPDEF"><parm name="NAPID" value="wlan1"/><parm name="NAME" value="Office WLAN"/><parm name="BEARER" value="WLAN"/><parm name="NAP-ADDRESS" value="corp-net"/><parm name="NAP-ADDRTYPE" value="ALPHA"/><parm name="INTERNET"/>
    <characteristic type="WLAN"><parm name="PRI-SSID" value="corp-net"/><parm name="NETMODE" value="INFRA"/><parm name="SECMODE" value="WPA2-PRESHARED-KEY"/><parm name="WPA-PRES-KEY-ASC" value="secretsecret"/></characteristic>
  </characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Browser"/><parm name="TO-NAPID" value="INTERNET"/>
    <characteristic type="RESOURCE"><parm name="URI" value="http://start.example/"/><parm name="STARTPAGE"/></characteristic>
  </characteristic>
</wap-provisioningdoc>"#;
    let ev = h.sms(&push_pdu(xml, Sec::None, Tps::default()), ATTACKER);
    let Event::ConfirmationRequired { summary, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    let kinds: Vec<SettingKind> = summary.changes.iter().map(|c| c.setting).collect();
    assert!(
        kinds.contains(&SettingKind::WlanSsid),
        "{:?}",
        summary.changes
    );
    assert!(kinds.contains(&SettingKind::HomePage));
    // Keys are never part of the summary.
    assert!(!format!("{summary:?}").contains("secretsecret"));
    let ev = h.answer(true);
    let Event::Applied { report, .. } = last(&ev) else {
        panic!("{ev:?}")
    };
    assert_eq!(
        report.applications.len(),
        1,
        "TO-NAPID=INTERNET resolved: {:?}",
        report.pruned
    );
    // Nor are they in the Debug output of the stored settings or the agent.
    assert!(!format!("{:?}{:?}", h.store, h.agent).contains("secretsecret"));
}

/// Every trust level against every kind of setting in the operator's TPS context: only the
/// TPS (trusted PPG path) and network-authenticated documents addressed to the context write
/// there; a USERPIN document naming it is refused; an unsigned one cannot name it at all and
/// lands in the default context; card documents without PROVURL go to the card context.
#[test]
fn trust_levels_against_the_operator_tps_context() {
    let kinds = [
        ("NAPDEF", proxy_doc("nap1", "other.apn", "10.9.9.9")),
        ("APPLICATION", mms_doc("http://other-mmsc/", "ppg")),
        (
            "PXLOGICAL",
            r#"<wap-provisioningdoc version="1.0"><characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="ppg"/><parm name="NAME" value="X"/><characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="b"/><parm name="PXADDR" value="10.8.8.8"/><parm name="TO-NAPID" value="nap1"/></characteristic></characteristic></wap-provisioningdoc>"#.to_string(),
        ),
    ];
    for (kind, xml) in &kinds {
        for writer in Trust::ALL {
            let mut h = bootstrapped();
            h.agent = omacp_agent::Agent::new(
                Policy {
                    unauthenticated: Acceptance::Confirm,
                    ..Policy::default()
                },
                Some(omacp_sec::Imsi::parse(IMSI).unwrap()),
            );
            let before = h.store.contexts[&ctx_id()].clone();
            let named = Tps {
                initiator: Some(PROVURL),
                push_flag: Some(1),
            };
            let ev = match writer {
                Trust::Card => {
                    h.input(Input::Card {
                        role: omacp_card::Role::Config1,
                        bytes: &wbxml(xml),
                    });
                    h.events.clone()
                }
                Trust::Unauthenticated => h.sms(&push_pdu(xml, Sec::None, named), ATTACKER),
                Trust::TpsPushed => h.sms(&push_pdu(xml, Sec::None, named), OPERATOR),
                Trust::UserAuthenticated => {
                    h.sms(
                        &push_pdu(
                            xml,
                            Sec::Userpin("1"),
                            Tps {
                                push_flag: None,
                                ..named
                            },
                        ),
                        ATTACKER,
                    );
                    h.pin("1")
                }
                Trust::NetworkAuthenticated => h.sms(
                    &push_pdu(
                        xml,
                        Sec::Netwpin(IMSI),
                        Tps {
                            push_flag: None,
                            ..named
                        },
                    ),
                    OPERATOR,
                ),
            };
            let ev = match last(&ev) {
                Event::ConfirmationRequired { .. } => h.answer(true),
                _ => ev,
            };
            let ctx_after = &h.store.contexts[&ctx_id()];
            let why = format!("{kind} by {writer}: {ev:?}");
            match writer {
                Trust::TpsPushed | Trust::NetworkAuthenticated => {
                    let Event::Applied { report, .. } = last(&ev) else {
                        panic!("{why}")
                    };
                    assert_eq!(report.summary.context, ctx_id(), "{why}");
                    assert_ne!(ctx_after, &before, "{why}");
                }
                Trust::UserAuthenticated => {
                    assert_eq!(
                        rejected(last(&ev)),
                        Some(&Reason::ContextForbidden(ctx_id())),
                        "{why}"
                    );
                    assert_eq!(ctx_after, &before, "{why}");
                }
                Trust::Unauthenticated | Trust::Card => {
                    // Applied elsewhere (default/card context) or pruned there for lack of
                    // the context's references: never into the operator's context.
                    if let Event::Applied { report, .. } = last(&ev) {
                        let want = if writer == Trust::Card {
                            CARD_CONTEXT
                        } else {
                            DEFAULT_CONTEXT
                        };
                        assert_eq!(report.summary.context, want, "{why}");
                    }
                    assert_eq!(ctx_after, &before, "{why}");
                }
            }
        }
    }
}
