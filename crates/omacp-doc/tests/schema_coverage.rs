//! Every characteristic and parameter named in content.md §5 (ProvCont 1.1) and §5.16
//! (CP 1.2 change requests) is in the schema, under the characteristic the spec puts it
//! in, with the occurrence the spec gives. The lists are written out here on purpose:
//! they are the spec digest's, not the schema's.

use omacp_doc::schema::{self, Known, Occurs, ValueType};

const ONE: Occurs = Occurs::ONE;
const OPT: Occurs = Occurs::OPT;
const ANY: Occurs = Occurs::ANY;
const SOME: Occurs = Occurs::SOME;

#[rustfmt::skip]
const TABLE: &[(&str, &[(&str, Occurs)])] = &[
    ("PXLOGICAL", &[("PROXY-ID", ONE), ("PROXY-PW", OPT), ("PPGAUTH-TYPE", OPT), ("PROXY-PROVIDER-ID", OPT),
        ("NAME", ONE), ("DOMAIN", ANY), ("TRUST", OPT), ("MASTER", OPT), ("STARTPAGE", OPT), ("BASAUTH-ID", OPT),
        ("BASAUTH-PW", OPT), ("WSP-VERSION", OPT), ("PUSHENABLED", OPT), ("PULLENABLED", OPT)]),
    ("PXAUTHINFO", &[("PXAUTH-TYPE", ONE), ("PXAUTH-ID", OPT), ("PXAUTH-PW", OPT)]),
    ("PXPHYSICAL", &[("PHYSICAL-PROXY-ID", ONE), ("DOMAIN", ANY), ("PXADDR", ONE), ("PXADDRTYPE", OPT),
        ("PXADDR-FQDN", OPT), ("WSP-VERSION", OPT), ("PUSHENABLED", OPT), ("PULLENABLED", OPT), ("TO-NAPID", SOME)]),
    ("PORT", &[("PORTNBR", ONE), ("SERVICE", ANY)]),
    ("NAPDEF", &[("NAPID", ONE), ("BEARER", ANY), ("NAME", ONE), ("INTERNET", OPT), ("NAP-ADDRESS", ONE),
        ("NAP-ADDRTYPE", OPT), ("DNS-ADDR", ANY), ("CALLTYPE", OPT), ("LOCAL-ADDR", OPT), ("LOCAL-ADDRTYPE", OPT),
        ("LINKSPEED", OPT), ("DNLINKSPEED", OPT), ("LINGER", OPT), ("DELIVERY-ERR-SDU", OPT), ("DELIVERY-ORDER", OPT),
        ("TRAFFIC-CLASS", OPT), ("MAX-SDU-SIZE", OPT), ("MAX-BITRATE-UPLINK", OPT), ("MAX-BITRATE-DNLINK", OPT),
        ("RESIDUAL-BER", OPT), ("SDU-ERROR-RATIO", OPT), ("TRAFFIC-HANDL-PRIO", OPT), ("TRANSFER-DELAY", OPT),
        ("GUARANTEED-BITRATE-UPLINK", OPT), ("GUARANTEED-BITRATE-DNLINK", OPT), ("MAX-NUM-RETRY", OPT),
        ("FIRST-RETRY-TIMEOUT", OPT), ("REREG-THRESHOLD", OPT), ("T-BIT", OPT)]),
    ("NAPAUTHINFO", &[("AUTHTYPE", ONE), ("AUTHNAME", OPT), ("AUTHSECRET", OPT), ("AUTH-ENTITY", ANY), ("SPI", OPT)]),
    ("VALIDITY", &[("COUNTRY", OPT), ("NETWORK", OPT), ("SID", OPT), ("SOC", OPT), ("VALIDUNTIL", OPT)]),
    ("BOOTSTRAP", &[("NAME", OPT), ("NETWORK", ANY), ("COUNTRY", OPT), ("PROXY-ID", ANY), ("PROVURL", OPT),
        ("CONTEXT-ALLOW", OPT)]),
    ("CLIENTIDENTITY", &[("CLIENT-ID", ONE)]),
    ("VENDORCONFIG", &[("NAME", ONE)]),
    ("APPLICATION", &[("APPID", ONE), ("PROVIDER-ID", OPT), ("NAME", OPT), ("AACCEPT", OPT), ("APROTOCOL", OPT),
        ("TO-PROXY", ANY), ("TO-NAPID", ANY), ("ADDR", ANY), ("APPREF", OPT), ("TO-APPREF", ANY)]),
    ("APPADDR", &[("ADDR", ONE), ("ADDRTYPE", OPT)]),
    ("APPAUTH", &[("AAUTHLEVEL", OPT), ("AAUTHTYPE", OPT), ("AAUTHNAME", OPT), ("AAUTHSECRET", OPT), ("AAUTHDATA", OPT)]),
    ("RESOURCE", &[("URI", ONE), ("NAME", OPT), ("AACCEPT", OPT), ("AAUTHTYPE", OPT), ("AAUTHNAME", OPT),
        ("AAUTHSECRET", OPT), ("AAUTHDATA", OPT), ("STARTPAGE", OPT), ("CLIURI", OPT), ("IMAGE", OPT), ("SYNCTYPE", OPT)]),
    ("ACCESS", &[("RULE", ANY), ("APPID", ANY), ("PORTNBR", ANY), ("DOMAIN", ANY), ("TO-NAPID", ANY), ("TO-PROXY", ANY)]),
    // §5.16, CP 1.2 change requests.
    ("WLAN", &[("PRI-SSID", OPT), ("PRI-U-SSID", OPT), ("PRI-H-SSID", OPT), ("NETMODE", OPT), ("SECMODE", OPT),
        ("WPA-PRES-KEY-ASC", OPT), ("WPA-PRES-KEY-HEX", OPT), ("WEPKEYIND", OPT), ("WEPAUTHMODE", OPT),
        ("WLANHAND", OPT), ("EDIT-SET", OPT), ("VIEW-SET", OPT), ("FORW-SET", OPT)]),
    ("SEC-SSID", &[("S-SSID", OPT), ("S-U-SSID", OPT)]),
    ("WEPKEY", &[("LENGTH", OPT), ("INDEX", OPT), ("DATA", OPT)]),
    ("EAP", &[("EAPTYPE", OPT), ("USERNAME", OPT), ("PASSWORD", OPT), ("REALM", OPT), ("USE-PSEUD", OPT),
        ("MAXAUTHS", OPT), ("ENCAPS", OPT), ("VER-SER-REALM", OPT), ("CLIENT-AUTH", OPT), ("SES-VAL-TIME", OPT),
        ("CIP-SUIT", OPT), ("PEAP-V0", OPT), ("PEAP-V1", OPT), ("PEAP-V2", OPT)]),
    ("CERT", &[("ISS-NAME", OPT), ("SUB-NAME", OPT), ("CERT-TYPE", OPT), ("SER-NUM", OPT), ("SUB-KEY-ID", OPT),
        ("THUMBPRINT", OPT)]),
    ("BEARERINFO", &[]),
    ("DNS-ADDRINFO", &[]),
];

/// content.md §3 and §5.16 containment: (parent or "" for the root, child, occurrence).
#[rustfmt::skip]
const TREE: &[(&str, &str, Occurs)] = &[
    ("", "PXLOGICAL", ANY), ("PXLOGICAL", "PXAUTHINFO", ANY), ("PXLOGICAL", "PORT", ANY),
    ("PXLOGICAL", "PXPHYSICAL", SOME), ("PXPHYSICAL", "PORT", ANY),
    ("", "NAPDEF", ANY), ("NAPDEF", "NAPAUTHINFO", ANY), ("NAPDEF", "VALIDITY", ANY), ("NAPDEF", "WLAN", OPT),
    ("", "BOOTSTRAP", ANY), ("", "CLIENTIDENTITY", OPT), ("", "VENDORCONFIG", ANY),
    ("", "APPLICATION", ANY), ("APPLICATION", "APPADDR", ANY), ("APPADDR", "PORT", ANY),
    ("APPLICATION", "APPAUTH", ANY), ("APPLICATION", "RESOURCE", ANY), ("", "ACCESS", ANY),
    ("WLAN", "SEC-SSID", ANY), ("WLAN", "WEPKEY", Occurs::up_to(4)), ("WLAN", "EAP", ANY), ("EAP", "CERT", ANY),
];

#[test]
fn every_characteristic_and_parameter_is_in_the_schema() {
    assert_eq!(
        TABLE.len(),
        Known::ALL.len(),
        "the schema has types the spec digest does not list, or v.v."
    );
    for (kind, parms) in TABLE {
        let k = Known::from_name(kind).unwrap_or_else(|| panic!("{kind} missing"));
        let spec = k.spec();
        for (name, occurs) in *parms {
            let p = spec
                .parm(name)
                .unwrap_or_else(|| panic!("{kind}/{name} missing"));
            assert_eq!(p.occurs, *occurs, "{kind}/{name}");
        }
        assert_eq!(
            spec.parms.len(),
            parms.len(),
            "{kind} has parameters the spec digest does not list"
        );
    }
}

#[test]
fn containment_matches_the_spec_tree() {
    for (parent, child, occurs) in TREE {
        let parent = (!parent.is_empty()).then(|| Known::from_name(parent).unwrap());
        let c = Known::from_name(child).unwrap();
        let spec = schema::children_of(parent).iter().find(|s| s.kind == c);
        assert_eq!(spec.map(|s| s.occurs), Some(*occurs), "{parent:?}/{child}");
    }
}

#[test]
fn flags_and_booleans_are_typed_as_the_spec_says() {
    // content.md §4: value-less flags vs 0/1 values.
    for (kind, name) in [
        ("NAPDEF", "INTERNET"),
        ("PXLOGICAL", "TRUST"),
        ("PXLOGICAL", "MASTER"),
        ("NAPDEF", "T-BIT"),
        ("RESOURCE", "STARTPAGE"),
    ] {
        assert_eq!(
            Known::from_name(kind)
                .unwrap()
                .spec()
                .parm(name)
                .unwrap()
                .value,
            ValueType::Flag,
            "{kind}/{name}"
        );
    }
    for (kind, name) in [
        ("PXLOGICAL", "PUSHENABLED"),
        ("PXLOGICAL", "PULLENABLED"),
        ("PXPHYSICAL", "PULLENABLED"),
    ] {
        assert_eq!(
            Known::from_name(kind)
                .unwrap()
                .spec()
                .parm(name)
                .unwrap()
                .value,
            ValueType::Bool01,
            "{kind}/{name}"
        );
    }
    // RULE may come without a value; INIT (w7) is registered for applications.
    assert_eq!(
        Known::Access.spec().parm("RULE").unwrap().value,
        ValueType::Any
    );
    assert!(schema::parm(Known::Application, "INIT", Some("w7")).is_some());
}

#[test]
fn appids_of_the_spec_digest() {
    for id in [
        "w2", "w4", "ap0005", "w5", "w7", "wA", "ap0004", "25", "110", "143", "DL",
    ] {
        assert!(schema::appid(id).is_some(), "{id}");
    }
    for name in [
        "AUTO-DOWNLOAD",
        "CIDPREFIX",
        "CM",
        "DELIVERY-TIME",
        "DOMAIN",
        "EXPIRY-TIME",
        "FROM",
        "INIT",
        "MS",
        "Ma",
        "PC-ADDR",
        "POP-BEFORE-SMTP",
        "PRIORITY",
        "REQUEST-DELIVERY",
        "REQUEST-READ",
        "RM",
        "ROAMING",
        "SAVE-SENT",
        "SENDER-VISIBLE",
        "SENT-FOLDER",
        "SERVICES",
        "TRASH-FOLDER",
    ] {
        assert!(
            schema::parm(Known::Application, name, Some("w2")).is_some(),
            "{name}"
        );
    }
    for name in [
        "BACKCOMPATRETRYDISABLED",
        "CONNRETRYFREQ",
        "DEFAULTENCODING",
        "INITIALBACKOFTIME",
        "MAXBACKOFTIME",
        "PROTOVER",
        "ROLE",
        "USEHWDEVID",
        "SSLCLIENTCERTSEARCHCRITERIA",
    ] {
        assert!(
            schema::parm(Known::Application, name, Some("w7")).is_some(),
            "{name}"
        );
    }
}

#[test]
fn secrets_are_marked() {
    for (kind, name) in [
        ("PXLOGICAL", "PROXY-PW"),
        ("PXLOGICAL", "BASAUTH-PW"),
        ("PXAUTHINFO", "PXAUTH-PW"),
        ("NAPAUTHINFO", "AUTHSECRET"),
        ("APPAUTH", "AAUTHSECRET"),
        ("RESOURCE", "AAUTHSECRET"),
        ("WLAN", "WPA-PRES-KEY-ASC"),
        ("WLAN", "WPA-PRES-KEY-HEX"),
        ("WEPKEY", "DATA"),
        ("EAP", "PASSWORD"),
    ] {
        assert!(
            Known::from_name(kind)
                .unwrap()
                .spec()
                .parm(name)
                .unwrap()
                .secret,
            "{kind}/{name}"
        );
    }
}
