//! One test (at least) per rule, on small documents built around a valid base.

use super::*;
use crate::xml;

/// A valid document: GPRS NAP, proxy through it, browser through the proxy.
const BASE: &str = r#"
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="N1"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Internet"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="internet"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="P1"/>
    <parm name="NAME" value="Proxy"/>
    <parm name="PULLENABLED" value="1"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="A"/>
      <parm name="PXADDR" value="10.0.0.1"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="N1"/>
      <characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w2"/>
    <parm name="NAME" value="Browser"/>
    <parm name="TO-PROXY" value="P1"/>
  </characteristic>
"#;

fn doc(body: &str) -> Document {
    let text = format!("<wap-provisioningdoc version=\"1.1\">{body}</wap-provisioningdoc>");
    xml::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `BASE` plus `extra` characteristics.
fn with_base(extra: &str) -> Document {
    doc(&format!("{BASE}{extra}"))
}

/// (severity, rule, path) of every diagnostic.
fn found(d: &Document) -> Vec<(Severity, Rule, String)> {
    validate(d)
        .diagnostics
        .into_iter()
        .map(|x| (x.severity, x.rule, x.path.to_string()))
        .collect()
}

fn has(d: &Document, severity: Severity, rule: Rule, path: &str) {
    let f = found(d);
    assert!(
        f.iter()
            .any(|(s, r, p)| *s == severity && *r == rule && p == path),
        "expected {severity} {rule} at {path}; got {f:#?}"
    );
}

fn only(d: &Document, expected: &[(Severity, Rule, &str)]) {
    let f = found(d);
    let want: Vec<(Severity, Rule, String)> = expected
        .iter()
        .map(|(s, r, p)| (*s, *r, (*p).to_owned()))
        .collect();
    assert_eq!(f, want);
}

/// Asserts the prune contract on `d`: idempotent, and no error left but document-level ones.
fn prune_contract(d: &Document) -> Document {
    let (p, _) = prune(d);
    let (again, removed) = prune(&p);
    assert_eq!(again, p, "prune is idempotent");
    assert!(
        removed
            .iter()
            .all(|x| matches!(x.rule, Rule::BadVersion | Rule::EmptyDocument)),
        "{removed:#?}"
    );
    p
}

#[test]
fn base_is_clean() {
    only(&with_base(""), &[]);
    assert!(validate(&with_base("")).is_valid());
    assert_eq!(prune(&with_base("")), (with_base(""), vec![]));
}

#[test]
fn bad_version() {
    let mut d = with_base("");
    for (v, ok) in [
        ("1.0", true),
        ("1.1", true),
        ("1", true),
        ("1.2.3", true),
        ("2.0", false),
        ("abc", false),
        ("1.", false),
        ("", false),
    ] {
        d.version = Some(v.to_owned());
        assert_eq!(validate(&d).has(Rule::BadVersion), !ok, "version {v:?}");
    }
    d.version = None;
    assert!(validate(&d).is_valid());
}

#[test]
fn empty_document() {
    only(&doc(""), &[(Severity::Error, Rule::EmptyDocument, "/")]);
    // Everything dropped: also empty.
    let d = doc(r#"<characteristic type="NAPDEF"><parm name="NAPID" value="x"/></characteristic>"#);
    has(&d, Severity::Error, Rule::EmptyDocument, "/");
    assert_eq!(prune_contract(&d).characteristics, vec![]);
}

#[test]
fn unknown_characteristic() {
    let d =
        with_base(r#"<characteristic type="Wi-Fi"><parm name="SSID" value="x"/></characteristic>"#);
    only(
        &d,
        &[(Severity::Error, Rule::UnknownCharacteristic, "/Wi-Fi[1]")],
    );
    assert_eq!(prune_contract(&d), with_base(""));
}

#[test]
fn not_allowed_here() {
    let d = with_base(
        r#"<characteristic type="PORT"><parm name="PORTNBR" value="80"/></characteristic>
        <characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="TO-PROXY" value="P1"/>
          <characteristic type="NAPDEF"/></characteristic>"#,
    );
    has(
        &d,
        Severity::Error,
        Rule::NotAllowedHere,
        "/PORT[PORTNBR=80]",
    );
    has(
        &d,
        Severity::Error,
        Rule::NotAllowedHere,
        "/APPLICATION[2]/NAPDEF[1]",
    );
    let p = prune_contract(&d);
    assert_eq!(p.characteristics.len(), 4);
    assert!(p.characteristics[3].characteristics().next().is_none());
}

#[test]
fn too_many() {
    let d = with_base(
        r#"<characteristic type="CLIENTIDENTITY"><parm name="CLIENT-ID" value="a"/></characteristic>
        <characteristic type="CLIENTIDENTITY"><parm name="CLIENT-ID" value="b"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Error,
            Rule::TooMany,
            "/CLIENTIDENTITY[CLIENT-ID=b]",
        )],
    );
    let d = doc(&BASE.replace(
        r#"<parm name="NAME" value="Internet"/>"#,
        r#"<parm name="NAME" value="a"/><parm name="NAME" value="b"/>"#,
    ));
    only(
        &d,
        &[(Severity::Error, Rule::TooMany, "/NAPDEF[NAPID=N1]/NAME[2]")],
    );
    assert_eq!(
        prune_contract(&d).characteristics[0]
            .values("NAME")
            .collect::<Vec<_>>(),
        vec!["a"]
    );
}

#[test]
fn too_many_wepkeys() {
    let keys = r#"<characteristic type="WEPKEY"><parm name="INDEX" value="0"/></characteristic>"#
        .repeat(5);
    let d = doc(&format!(
        r#"<characteristic type="NAPDEF"><parm name="NAPID" value="W"/><parm name="BEARER" value="WLAN"/>
        <parm name="NAME" value="w"/><parm name="NAP-ADDRESS" value="ssid"/><parm name="NAP-ADDRTYPE" value="ALPHA"/>
        <characteristic type="WLAN"><parm name="PRI-SSID" value="ssid"/><parm name="SECMODE" value="WEP"/>{keys}</characteristic>
        </characteristic>"#
    ));
    has(
        &d,
        Severity::Error,
        Rule::TooMany,
        "/NAPDEF[NAPID=W]/WLAN[PRI-SSID=ssid]/WEPKEY[5]",
    );
    assert_eq!(validate(&d).count(Severity::Error), 1);
}

#[test]
fn missing_parm_and_value() {
    let d = doc(&BASE.replace(
        r#"<parm name="NAME" value="Internet"/>"#,
        r#"<parm name="NAME"/>"#,
    ));
    has(
        &d,
        Severity::Error,
        Rule::MissingValue,
        "/NAPDEF[NAPID=N1]/NAME",
    );
    has(&d, Severity::Error, Rule::MissingParm, "/NAPDEF[NAPID=N1]");
    // The cascade follows: proxy unreachable, browser without target.
    has(
        &d,
        Severity::Error,
        Rule::DanglingToNapid,
        "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]/TO-NAPID",
    );
    has(
        &d,
        Severity::Error,
        Rule::NoTargetLeft,
        "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]",
    );
    has(
        &d,
        Severity::Error,
        Rule::MissingChild,
        "/PXLOGICAL[PROXY-ID=P1]",
    );
    has(
        &d,
        Severity::Error,
        Rule::DanglingToProxy,
        "/APPLICATION[APPID=w2]/TO-PROXY",
    );
    has(
        &d,
        Severity::Error,
        Rule::NoTargetLeft,
        "/APPLICATION[APPID=w2]",
    );
    has(&d, Severity::Error, Rule::EmptyDocument, "/");
}

#[test]
fn missing_child() {
    let d = with_base(
        r#"<characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="P2"/><parm name="NAME" value="n"/><parm name="PULLENABLED" value="0"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Error,
            Rule::MissingChild,
            "/PXLOGICAL[PROXY-ID=P2]",
        )],
    );
}

#[test]
fn unknown_parm_by_characteristic() {
    let d = doc(&BASE.replace(
        r#"<parm name="INTERNET"/>"#,
        r#"<parm name="INTERNET"/><parm name="NAP-ADRESS" value="x"/>"#,
    ));
    only(
        &d,
        &[(
            Severity::Error,
            Rule::UnknownParm,
            "/NAPDEF[NAPID=N1]/NAP-ADRESS",
        )],
    );
    let d = doc(&BASE.replace(
        r#"<parm name="NAME" value="Browser"/>"#,
        r#"<parm name="X-PRIVATE" value="1"/>"#,
    ));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::UnknownParm,
            "/APPLICATION[APPID=w2]/X-PRIVATE",
        )],
    );
    // Registered for w7 only: a warning under w2.
    let d = doc(&BASE.replace(
        r#"<parm name="NAME" value="Browser"/>"#,
        r#"<parm name="ROLE" value="4"/>"#,
    ));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::UnknownParm,
            "/APPLICATION[APPID=w2]/ROLE",
        )],
    );
    // Intel's general application parameters are fine anywhere.
    let d = doc(&BASE.replace(
        r#"<parm name="NAME" value="Browser"/>"#,
        r#"<parm name="ROAMING" value="1"/>"#,
    ));
    only(&d, &[]);
}

#[test]
fn empty_value_and_flag_with_value() {
    let d = doc(&BASE.replace(
        r#"value="N1"/>
    <parm name="BEARER""#,
        r#"value=""/>
    <parm name="BEARER""#,
    ));
    has(&d, Severity::Error, Rule::EmptyValue, "/NAPDEF[1]/NAPID");
    has(&d, Severity::Error, Rule::MissingParm, "/NAPDEF[1]");
    let d = doc(&BASE.replace(
        r#"<parm name="INTERNET"/>"#,
        r#"<parm name="INTERNET" value="1"/>"#,
    ));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::FlagWithValue,
            "/NAPDEF[NAPID=N1]/INTERNET",
        )],
    );
    assert_eq!(prune_contract(&d), d);
}

#[test]
fn bad_values() {
    let cases = [
        (
            r#"<parm name="PORTNBR" value="8080"/>"#,
            r#"<parm name="PORTNBR" value="70000"/>"#,
            "PORT[PORTNBR=70000]/PORTNBR",
        ),
        (
            r#"<parm name="PXADDR" value="10.0.0.1"/>"#,
            r#"<parm name="PXADDR" value="10.0.0.300"/>"#,
            "PXADDR",
        ),
        (
            r#"<parm name="PULLENABLED" value="1"/>"#,
            r#"<parm name="PULLENABLED" value="yes"/>"#,
            "PULLENABLED",
        ),
        (
            r#"<parm name="BEARER" value="GSM-GPRS"/>"#,
            r#"<parm name="BEARER" value="gsm-gprs"/>"#,
            "BEARER",
        ),
        (
            r#"<parm name="INTERNET"/>"#,
            r#"<parm name="DNS-ADDR" value="dns.example"/>"#,
            "DNS-ADDR",
        ),
        (
            r#"<parm name="INTERNET"/>"#,
            r#"<parm name="TRAFFIC-CLASS" value="0xZZ"/>"#,
            "TRAFFIC-CLASS",
        ),
        (
            r#"<parm name="INTERNET"/>"#,
            r#"<parm name="LINKSPEED" value="fast"/>"#,
            "LINKSPEED",
        ),
        (
            r#"<parm name="NAP-ADDRTYPE" value="APN"/>"#,
            r#"<parm name="NAP-ADDRTYPE" value="APN"/><parm name="LOCAL-ADDR" value="::1"/><parm name="LOCAL-ADDRTYPE" value="IPV4"/>"#,
            "LOCAL-ADDR",
        ),
    ];
    for (from, to, suffix) in cases {
        let d = doc(&BASE.replace(from, to));
        let f = found(&d);
        assert!(
            f.iter().any(|(s, r, p)| *s == Severity::Error
                && *r == Rule::BadValue
                && p.ends_with(suffix)),
            "{to}: {f:#?}"
        );
        prune_contract(&d);
    }
    let d = doc(&BASE
        .replace(r#"value="gsm-gprs""#, "")
        .replace(r#"value="GSM-GPRS""#, r#"value="gsm-gprs""#));
    let msg = &validate(&d).diagnostics[0].message;
    assert!(msg.contains("case-sensitive: GSM-GPRS?"), "{msg}");
    let d = with_base(
        r#"<characteristic type="BOOTSTRAP"><parm name="CONTEXT-ALLOW" value="256"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Error,
            Rule::BadValue,
            "/BOOTSTRAP[1]/CONTEXT-ALLOW",
        )],
    );
    let d = with_base(
        r#"<characteristic type="BOOTSTRAP"><parm name="CONTEXT-ALLOW" value="255"/><parm name="PROVURL" value="not a url"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Error,
            Rule::BadValue,
            "/BOOTSTRAP[PROVURL=not a url]/PROVURL",
        )],
    );
}

#[test]
fn secrets_are_never_echoed() {
    let d = doc(
        r#"<characteristic type="NAPDEF"><parm name="NAPID" value="W"/><parm name="BEARER" value="WLAN"/>
        <parm name="NAME" value="w"/><parm name="NAP-ADDRESS" value="s"/><parm name="NAP-ADDRTYPE" value="ALPHA"/>
        <characteristic type="WLAN"><parm name="PRI-SSID" value="s"/><parm name="SECMODE" value="WPA2-PRESHARED-KEY"/>
        <parm name="WPA-PRES-KEY-HEX" value="topsecretkey"/><parm name="WPA-PRES-KEY-ASC" value="short"/></characteristic>
        </characteristic>"#,
    );
    let r = validate(&d);
    assert!(r.has(Rule::BadValue) && r.has(Rule::WpaPassphraseLength));
    for x in &r.diagnostics {
        assert!(
            !x.message.contains("topsecret") && !x.message.contains("short"),
            "{x}"
        );
    }
}

#[test]
fn unknown_value_in_open_vocabularies() {
    let d = with_base(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="110"/><parm name="PROVIDER-ID" value="p"/>
        <parm name="TO-NAPID" value="N1"/>
        <characteristic type="APPADDR"><parm name="ADDR" value="pop.example.com"/><parm name="ADDRTYPE" value="FQDN"/>
          <characteristic type="PORT"><parm name="PORTNBR" value="995"/><parm name="SERVICE" value="POP3S"/></characteristic>
        </characteristic>
        <characteristic type="APPAUTH"><parm name="AAUTHLEVEL" value="USER"/></characteristic></characteristic>"#,
    );
    only(
        &d,
        &[
            (
                Severity::Warning,
                Rule::UnknownValue,
                "/APPLICATION[APPID=110]/APPADDR[ADDR=pop.example.com]/ADDRTYPE",
            ),
            (
                Severity::Info,
                Rule::UnknownValue,
                "/APPLICATION[APPID=110]/APPADDR[ADDR=pop.example.com]/PORT[PORTNBR=995]/SERVICE",
            ),
            (
                Severity::Warning,
                Rule::UnknownValue,
                "/APPLICATION[APPID=110]/APPAUTH[AAUTHLEVEL=USER]/AAUTHLEVEL",
            ),
        ],
    );
    // Under a proxy, SERVICE is a closed vocabulary.
    let d = doc(&BASE.replace(
        r#"<parm name="PORTNBR" value="8080"/>"#,
        r#"<parm name="PORTNBR" value="8080"/><parm name="SERVICE" value="HTTP"/>"#,
    ));
    has(
        &d,
        Severity::Error,
        Rule::BadValue,
        "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]/PORT[PORTNBR=8080]/SERVICE",
    );
}

#[test]
fn e164_forms() {
    let csd = |addr: &str| {
        doc(&format!(
            r#"<characteristic type="NAPDEF"><parm name="NAPID" value="C"/><parm name="BEARER" value="GSM-CSD"/>
            <parm name="NAME" value="c"/><parm name="NAP-ADDRESS" value="{addr}"/><parm name="NAP-ADDRTYPE" value="E164"/></characteristic>"#
        ))
    };
    only(&csd("+35808124002"), &[]);
    only(
        &csd("0800123456"),
        &[(
            Severity::Warning,
            Rule::NotInternational,
            "/NAPDEF[NAPID=C]/NAP-ADDRESS",
        )],
    );
    only(
        &csd("#777"),
        &[(
            Severity::Warning,
            Rule::NotInternational,
            "/NAPDEF[NAPID=C]/NAP-ADDRESS",
        )],
    );
    has(
        &csd("internet"),
        Severity::Error,
        Rule::BadValue,
        "/NAPDEF[NAPID=C]/NAP-ADDRESS",
    );
    has(
        &csd("+1234567890123456"),
        Severity::Error,
        Rule::BadValue,
        "/NAPDEF[NAPID=C]/NAP-ADDRESS",
    );
}

#[test]
fn network_needs_country_and_soc_needs_sid() {
    let nap = |validity: &str| {
        doc(&BASE.replace(
            r#"<parm name="NAP-ADDRTYPE" value="APN"/>"#,
            &format!(r#"<parm name="NAP-ADDRTYPE" value="APN"/><characteristic type="VALIDITY">{validity}</characteristic>"#),
        ))
    };
    only(
        &nap(r#"<parm name="COUNTRY" value="228"/><parm name="NETWORK" value="01,02"/>"#),
        &[],
    );
    only(
        &nap(r#"<parm name="NETWORK" value="001"/>"#),
        &[(
            Severity::Error,
            Rule::NetworkWithoutCountry,
            "/NAPDEF[NAPID=N1]/VALIDITY[1]",
        )],
    );
    only(
        &nap(r#"<parm name="SOC" value="7"/>"#),
        &[(
            Severity::Error,
            Rule::SocWithoutSid,
            "/NAPDEF[NAPID=N1]/VALIDITY[1]",
        )],
    );
    has(
        &nap(r#"<parm name="COUNTRY" value="22"/>"#),
        Severity::Error,
        Rule::BadValue,
        "/NAPDEF[NAPID=N1]/VALIDITY[COUNTRY=22]/COUNTRY",
    );
    let d = with_base(
        r#"<characteristic type="BOOTSTRAP"><parm name="NAME" value="Op"/><parm name="NETWORK" value="22801"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Error,
            Rule::NetworkWithoutCountry,
            "/BOOTSTRAP[1]",
        )],
    );
}

#[test]
fn ignored_with_provurl() {
    let d = with_base(
        r#"<characteristic type="BOOTSTRAP"><parm name="PROVURL" value="http://tps.example/"/><parm name="COUNTRY" value="228"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Info,
            Rule::IgnoredWithProvurl,
            "/BOOTSTRAP[PROVURL=http://tps.example/]/COUNTRY",
        )],
    );
}

#[test]
fn duplicates() {
    let nap2 = r#"<characteristic type="NAPDEF"><parm name="NAPID" value="N1"/><parm name="NAME" value="again"/>
        <parm name="NAP-ADDRESS" value="x"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic>"#;
    let d = with_base(nap2);
    only(&d, &[(Severity::Error, Rule::Duplicate, "/NAPDEF[2]")]);
    assert_eq!(prune_contract(&d), with_base(""));
    let mms = r#"<characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="TO-PROXY" value="P1"/><parm name="ADDR" value="http://mmsc/"/></characteristic>"#;
    let d = with_base(&mms.repeat(2));
    only(&d, &[(Severity::Error, Rule::Duplicate, "/APPLICATION[3]")]);
    let boot = r#"<characteristic type="BOOTSTRAP"><parm name="PROVURL" value="http://a/"/></characteristic><characteristic type="BOOTSTRAP"><parm name="PROVURL" value="http://b/"/></characteristic>"#;
    only(
        &with_base(boot),
        &[(
            Severity::Error,
            Rule::Duplicate,
            "/BOOTSTRAP[PROVURL=http://b/]",
        )],
    );
    let d = doc(&BASE.replace(
        r#"<characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic>"#,
        r#"<characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic><characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic>"#,
    ));
    only(
        &d,
        &[(
            Severity::Error,
            Rule::Duplicate,
            "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]/PORT[2]",
        )],
    );
    let acc = r#"<characteristic type="ACCESS"><parm name="RULE" value="r"/><parm name="TO-NAPID" value="N1"/></characteristic>"#;
    let d = with_base(&acc.repeat(2));
    has(&d, Severity::Error, Rule::Duplicate, "/ACCESS[2]/RULE");
    has(&d, Severity::Error, Rule::MissingParm, "/ACCESS[2]");
    prune_contract(&d);
    // PXLOGICALs with one PROXY-ID are not merged: the first is kept whole.
    let px2 = r#"<characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="P1"/><parm name="NAME" value="n"/><parm name="PULLENABLED" value="1"/>
        <characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="B"/><parm name="PXADDR" value="10.0.0.2"/><parm name="PXADDRTYPE" value="IPV4"/><parm name="TO-NAPID" value="N1"/></characteristic></characteristic>"#;
    only(
        &with_base(px2),
        &[(Severity::Error, Rule::Duplicate, "/PXLOGICAL[2]")],
    );
}

#[test]
fn dangling_references() {
    let d = with_base(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="b2"/>
        <parm name="TO-PROXY" value="NOPE"/><parm name="TO-PROXY" value="P1"/><parm name="TO-NAPID" value="GONE"/></characteristic>"#,
    );
    only(
        &d,
        &[
            (
                Severity::Error,
                Rule::DanglingToProxy,
                "/APPLICATION[2]/TO-PROXY[1]",
            ),
            (
                Severity::Error,
                Rule::DanglingToNapid,
                "/APPLICATION[2]/TO-NAPID",
            ),
        ],
    );
    let p = prune_contract(&d);
    assert_eq!(
        p.characteristics[3].values("TO-PROXY").collect::<Vec<_>>(),
        vec!["P1"]
    );
    assert!(!p.characteristics[3].has("TO-NAPID"));
}

#[test]
fn dangling_resolved_by_context() {
    let d = with_base(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="b2"/><parm name="TO-NAPID" value="STORED"/></characteristic>"#,
    );
    has(
        &d,
        Severity::Error,
        Rule::DanglingToNapid,
        "/APPLICATION[2]/TO-NAPID",
    );
    let ctx = ResolveContext {
        napids: ["STORED".to_owned()].into(),
        ..Default::default()
    };
    assert!(validate_with(&d, &ctx).is_valid());
    assert_eq!(prune_with(&d, &ctx).0, d);
}

#[test]
fn bootstrap_proxy_id_is_a_warning() {
    let d = with_base(
        r#"<characteristic type="BOOTSTRAP"><parm name="PROVURL" value="http://tps/"/><parm name="PROXY-ID" value="P1"/><parm name="PROXY-ID" value="PPG9"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::DanglingProxyId,
            "/BOOTSTRAP[PROVURL=http://tps/]/PROXY-ID[2]",
        )],
    );
}

#[test]
fn internet_wildcard() {
    let no_internet = BASE.replace(r#"<parm name="INTERNET"/>"#, "").replace(
        r#"<parm name="TO-NAPID" value="N1"/>"#,
        r#"<parm name="TO-NAPID" value="INTERNET"/>"#,
    );
    let d = doc(&no_internet);
    let path = "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]/TO-NAPID";
    only(&d, &[(Severity::Warning, Rule::NoInternetNap, path)]);
    // With the flag in the document it resolves.
    only(
        &doc(&BASE.replace(
            r#"<parm name="TO-NAPID" value="N1"/>"#,
            r#"<parm name="TO-NAPID" value="INTERNET"/>"#,
        )),
        &[],
    );
    // A device that knows it has none: dangling, and the cascade removes everything but the NAP.
    let ctx = ResolveContext {
        internet_nap: Some(false),
        ..Default::default()
    };
    let r = validate_with(&d, &ctx);
    assert!(
        r.rules()
            .contains(&(Rule::DanglingToNapid, Severity::Error))
    );
    let (p, _) = prune_with(&d, &ctx);
    assert_eq!(p.characteristics.len(), 1);
    let ctx = ResolveContext {
        internet_nap: Some(true),
        ..Default::default()
    };
    assert!(validate_with(&d, &ctx).diagnostics.is_empty());
}

#[test]
fn app_dependencies() {
    let app = |appref: &str, to: &[&str]| {
        let tos: String = to
            .iter()
            .map(|t| format!(r#"<parm name="TO-APPREF" value="{t}"/>"#))
            .collect();
        format!(
            r#"<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="{appref}"/><parm name="APPREF" value="{appref}"/>{tos}<parm name="TO-PROXY" value="P1"/></characteristic>"#
        )
    };
    let d = with_base(&format!("{}{}", app("A", &[]), app("B", &["A"])));
    assert!(validate(&d).is_valid());
    assert!(
        validate(&d)
            .rules()
            .contains(&(Rule::Cp12Only, Severity::Warning))
    );
    // Missing dependency: B goes, and C that depends on B follows.
    let d = with_base(&format!("{}{}", app("B", &["X"]), app("C", &["B"])));
    has(
        &d,
        Severity::Error,
        Rule::DanglingToAppref,
        "/APPLICATION[2]/TO-APPREF",
    );
    has(
        &d,
        Severity::Error,
        Rule::DanglingToAppref,
        "/APPLICATION[3]/TO-APPREF",
    );
    assert_eq!(prune_contract(&d), with_base(""));
    // A cycle, and an app depending on it.
    let d = with_base(&format!(
        "{}{}{}{}",
        app("A", &["B"]),
        app("B", &["A"]),
        app("S", &["S"]),
        app("D", &["A"])
    ));
    for i in [2, 3, 4] {
        has(
            &d,
            Severity::Error,
            Rule::AppRefCycle,
            &format!("/APPLICATION[{i}]"),
        );
    }
    has(
        &d,
        Severity::Error,
        Rule::DanglingToAppref,
        "/APPLICATION[5]/TO-APPREF",
    );
    assert_eq!(prune_contract(&d), with_base(""));
    // A duplicate APPREF: the later parameter goes.
    let d = with_base(&format!(
        "{}{}",
        app("A", &[]),
        app("A2", &[]).replace(r#"name="APPREF" value="A2""#, r#"name="APPREF" value="A""#)
    ));
    has(
        &d,
        Severity::Error,
        Rule::Duplicate,
        "/APPLICATION[3]/APPREF",
    );
}

#[test]
fn no_target_left_for_access() {
    let d = with_base(
        r#"<characteristic type="ACCESS"><parm name="RULE" value="r"/><parm name="TO-NAPID" value="X"/></characteristic>"#,
    );
    only(
        &d,
        &[
            (Severity::Error, Rule::NoTargetLeft, "/ACCESS[RULE=r]"),
            (
                Severity::Error,
                Rule::DanglingToNapid,
                "/ACCESS[RULE=r]/TO-NAPID",
            ),
        ],
    );
}

#[test]
fn access_shape() {
    only(
        &with_base(r#"<characteristic type="ACCESS"/>"#),
        &[(Severity::Warning, Rule::EmptyAccess, "/ACCESS[1]")],
    );
    assert_eq!(
        prune(&with_base(r#"<characteristic type="ACCESS"/>"#)).0,
        with_base("")
    );
    only(
        &with_base(
            r#"<characteristic type="ACCESS"><parm name="TO-NAPID" value="N1"/><parm name="RULE"/></characteristic>"#,
        ),
        &[(Severity::Warning, Rule::AccessOrder, "/ACCESS[1]")],
    );
    only(
        &with_base(
            r#"<characteristic type="ACCESS"><parm name="RULE"/><parm name="APPID" value="w2"/></characteristic>"#,
        ),
        &[(Severity::Error, Rule::MissingParm, "/ACCESS[1]")],
    );
    only(
        &with_base(
            r#"<characteristic type="ACCESS"><parm name="APPID" value="w2"/><parm name="TO-PROXY" value="P1"/></characteristic>"#,
        ),
        &[
            (Severity::Error, Rule::MissingParm, "/ACCESS[1]"),
            (Severity::Warning, Rule::AccessOrder, "/ACCESS[1]"),
        ],
    );
    only(
        &with_base(
            r#"<characteristic type="ACCESS"><parm name="RULE" value="r"/><parm name="DOMAIN" value="intra.example/x"/><parm name="PORTNBR" value="443"/><parm name="TO-PROXY" value="P1"/></characteristic>"#,
        ),
        &[],
    );
}

#[test]
fn application_checks() {
    only(
        &with_base(
            r#"<characteristic type="APPLICATION"><parm name="APPID" value="w99"/><parm name="TO-PROXY" value="P1"/></characteristic>"#,
        ),
        &[(
            Severity::Warning,
            Rule::UnknownAppId,
            "/APPLICATION[APPID=w99]",
        )],
    );
    only(
        &with_base(
            r#"<characteristic type="APPLICATION"><parm name="APPID" value="w4"/><parm name="ADDR" value="http://mmsc/"/><parm name="TO-NAPID" value="N1"/></characteristic>"#,
        ),
        &[(
            Severity::Warning,
            Rule::MmsWithoutProxy,
            "/APPLICATION[APPID=w4]",
        )],
    );
    let d = with_base(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="w7"/><parm name="ADDR" value="https://dm/"/><parm name="TO-NAPID" value="N1"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::AppMinimum,
            "/APPLICATION[APPID=w7]",
        )],
    );
    let d = with_base(
        r#"<characteristic type="APPLICATION"><parm name="APPID" value="25"/><parm name="PROVIDER-ID" value="p"/><parm name="TO-NAPID" value="N1"/></characteristic>"#,
    );
    // No address, no FROM, no APPADDR/PORT.
    assert_eq!(
        validate(&d)
            .diagnostics
            .iter()
            .filter(|x| x.rule == Rule::AppMinimum)
            .count(),
        3
    );
}

#[test]
fn address_type_defaults() {
    let d = doc(&BASE.replace(r#"<parm name="NAP-ADDRTYPE" value="APN"/>"#, ""));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::MissingAddrType,
            "/NAPDEF[NAPID=N1]",
        )],
    );
    assert!(validate(&d).diagnostics[0].message.contains("APN"));
    let d = doc(&BASE
        .replace(
            r#"<parm name="PXADDR" value="10.0.0.1"/>"#,
            r#"<parm name="PXADDR" value="proxy.example"/>"#,
        )
        .replace(r#"<parm name="PXADDRTYPE" value="IPV4"/>"#, ""));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::MissingAddrType,
            "/PXLOGICAL[PROXY-ID=P1]/PXPHYSICAL[PHYSICAL-PROXY-ID=A]",
        )],
    );
    // IPv4 with the default type: fine.
    only(
        &doc(&BASE.replace(r#"<parm name="PXADDRTYPE" value="IPV4"/>"#, "")),
        &[],
    );
    let d = doc(&BASE.replace(
        r#"<parm name="NAP-ADDRTYPE" value="APN"/>"#,
        r#"<parm name="NAP-ADDRTYPE" value="APN"/><parm name="LOCAL-ADDR" value="10.1.1.1"/>"#,
    ));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::MissingAddrType,
            "/NAPDEF[NAPID=N1]",
        )],
    );
}

#[test]
fn proxy_warnings() {
    only(
        &doc(&BASE.replace(r#"<parm name="PULLENABLED" value="1"/>"#, "")),
        &[(
            Severity::Warning,
            Rule::PullEnabledDefault,
            "/PXLOGICAL[PROXY-ID=P1]",
        )],
    );
    let domains = r#"<parm name="DOMAIN" value="a.example"/>"#.repeat(5);
    let d = doc(&BASE.replace(
        r#"<parm name="PULLENABLED" value="1"/>"#,
        &format!(r#"<parm name="PULLENABLED" value="1"/>{domains}"#),
    ));
    only(
        &d,
        &[(
            Severity::Warning,
            Rule::TooManyDomains,
            "/PXLOGICAL[PROXY-ID=P1]",
        )],
    );
    let long = "x".repeat(129);
    let d = doc(&BASE
        .replace(
            r#"value="P1"/>
    <parm name="NAME""#,
            &format!(
                r#"value="{long}"/>
    <parm name="NAME""#
            ),
        )
        .replace(
            r#"<parm name="TO-PROXY" value="P1"/>"#,
            &format!(r#"<parm name="TO-PROXY" value="{long}"/>"#),
        ));
    has(
        &d,
        Severity::Warning,
        Rule::TooLong,
        &format!("/PXLOGICAL[PROXY-ID={long}]/PROXY-ID"),
    );
    assert!(validate(&d).is_valid());
}

#[test]
fn bootstrap_lengths() {
    let d = with_base(&format!(
        r#"<characteristic type="BOOTSTRAP"><parm name="NAME" value="{}"/><parm name="PROVURL" value="http://tps.example/{}"/></characteristic>"#,
        "n".repeat(51),
        "p".repeat(40)
    ));
    let f = found(&d);
    assert_eq!(
        f.iter()
            .filter(|(s, r, _)| *s == Severity::Warning && *r == Rule::TooLong)
            .count(),
        2,
        "{f:#?}"
    );
}

#[test]
fn wlan_rules() {
    let wlan = |inner: &str, bearer: &str| {
        doc(&format!(
            r#"<characteristic type="NAPDEF"><parm name="NAPID" value="W"/><parm name="BEARER" value="{bearer}"/>
            <parm name="NAME" value="w"/><parm name="NAP-ADDRESS" value="s"/><parm name="NAP-ADDRTYPE" value="ALPHA"/>
            <characteristic type="WLAN">{inner}</characteristic></characteristic>"#
        ))
    };
    let cp12 = [
        (Severity::Warning, Rule::Cp12Only, "/NAPDEF[NAPID=W]/BEARER"),
        (
            Severity::Warning,
            Rule::Cp12Only,
            "/NAPDEF[NAPID=W]/WLAN[PRI-SSID=s]",
        ),
    ];
    only(
        &wlan(
            r#"<parm name="PRI-SSID" value="s"/><parm name="SECMODE" value="WPA2-PRESHARED-KEY"/><parm name="WPA-PRES-KEY-ASC" value="12345678"/>"#,
            "WLAN",
        ),
        &cp12,
    );
    let d = wlan(
        r#"<parm name="PRI-SSID" value="s"/><parm name="SECMODE" value="WPA2-PRESHARED-KEY"/>"#,
        "WLAN",
    );
    has(
        &d,
        Severity::Warning,
        Rule::WlanIncomplete,
        "/NAPDEF[NAPID=W]/WLAN[PRI-SSID=s]",
    );
    let d = wlan(r#"<parm name="SECMODE" value="WEP"/>"#, "WLAN");
    assert_eq!(
        validate(&d)
            .diagnostics
            .iter()
            .filter(|x| x.rule == Rule::WlanIncomplete)
            .count(),
        2
    );
    let d = wlan(
        &format!(
            r#"<parm name="PRI-SSID" value="s"/><parm name="WPA-PRES-KEY-ASC" value="{}"/>"#,
            "k".repeat(64)
        ),
        "WLAN",
    );
    has(
        &d,
        Severity::Warning,
        Rule::WpaPassphraseLength,
        "/NAPDEF[NAPID=W]/WLAN[PRI-SSID=s]/WPA-PRES-KEY-ASC",
    );
    let d = wlan(r#"<parm name="PRI-SSID" value="s"/>"#, "GSM-GPRS");
    has(
        &d,
        Severity::Warning,
        Rule::BearerMismatch,
        "/NAPDEF[NAPID=W]",
    );
    // Unknown parameters in the CP 1.2 profile are kept with a warning.
    let d = wlan(
        r#"<parm name="PRI-SSID" value="s"/><parm name="CLIENTH-AUTH" value="1"/>"#,
        "WLAN",
    );
    has(
        &d,
        Severity::Warning,
        Rule::UnknownParm,
        "/NAPDEF[NAPID=W]/WLAN[PRI-SSID=s]/CLIENTH-AUTH",
    );
    assert!(validate(&d).is_valid());
}

#[test]
fn mobile_ip_with_another_bearer() {
    let d = doc(&BASE.replace(
        r#"<parm name="INTERNET"/>"#,
        r#"<parm name="INTERNET"/><parm name="T-BIT"/><parm name="MAX-NUM-RETRY" value="3"/>"#,
    ));
    only(
        &d,
        &[(Severity::Warning, Rule::BearerMismatch, "/NAPDEF[NAPID=N1]")],
    );
}

#[test]
fn vendor_config() {
    let d = with_base(
        r#"<characteristic type="VENDORCONFIG"><parm name="NAME" value="acme"/><parm name="ANYTHING" value="1"/><parm name="flag"/></characteristic>"#,
    );
    only(
        &d,
        &[(
            Severity::Info,
            Rule::VendorConfig,
            "/VENDORCONFIG[NAME=acme]",
        )],
    );
    let d = with_base(
        r#"<characteristic type="VENDORCONFIG"><parm name="ANYTHING" value="1"/></characteristic>"#,
    );
    has(&d, Severity::Error, Rule::MissingParm, "/VENDORCONFIG[1]");
}

#[test]
fn diagnostics_display_like_the_cli() {
    let d = doc(&BASE.replace(r#"<parm name="NAP-ADDRESS" value="internet"/>"#, ""));
    let first = validate(&d)
        .diagnostics
        .into_iter()
        .find(|x| x.rule == Rule::MissingParm)
        .unwrap();
    assert_eq!(
        first.to_string(),
        "error /NAPDEF[NAPID=N1]: missing NAP-ADDRESS (occurs 1): the NAPDEF is dropped [missing-parm]"
    );
}

#[test]
fn rule_names_are_unique_kebab_case() {
    let mut seen = HashSet::new();
    for r in Rule::ALL {
        assert!(seen.insert(r.name()), "{r:?}");
        assert_eq!(Rule::from_name(r.name()), Some(*r));
        assert!(!r.describe().is_empty());
        assert!(
            r.name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{r:?}"
        );
    }
}

#[test]
fn cycle_detection() {
    let mut edges: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (a, b) in [(1, 2), (2, 3), (3, 1), (4, 4), (5, 1), (6, 7), (7, 8)] {
        edges.entry(a).or_default().push((b, 0));
    }
    assert_eq!(cyclic(&[1, 2, 3, 4, 5, 6, 7, 8], &edges), vec![1, 2, 3, 4]);
    assert_eq!(cyclic(&[6, 7, 8], &edges), Vec::<usize>::new());
}
