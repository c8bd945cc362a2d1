//! The per-service profile forms: for each service, the fields an engineer fills in and
//! how they become a CP document, and which field a validator diagnostic belongs to.
//!
//! Pure data and functions: the forms are declared once here ([`SERVICES`]); the handlers
//! in `profiles.rs` render them and hand the generated XML to the API's profile checks.
//! A required field is always written (even empty) so the validator reports it at that
//! field; an optional field is left out when empty.

use std::collections::BTreeMap;

use omacp_doc::validate::{Diagnostic, Severity, validate};
use omacp_doc::{Characteristic, Document, Node, Parm};

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A line of text.
    Text,
    /// A secret (password input, never echoed in diagnostics).
    Secret,
    /// One of a fixed list.
    Choice(&'static [&'static str]),
}

/// One form field and the parameter it fills.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Form key.
    pub key: &'static str,
    /// Label shown to people.
    pub label: &'static str,
    /// Type of the characteristic holding the parameter.
    pub ctype: &'static str,
    /// The parameter's name.
    pub parm: &'static str,
    /// Initial value.
    pub default: &'static str,
    /// Written even when empty.
    pub required: bool,
    /// Input kind.
    pub kind: Kind,
}

const fn f(
    key: &'static str,
    label: &'static str,
    ctype: &'static str,
    parm: &'static str,
    default: &'static str,
    required: bool,
) -> Field {
    Field {
        key,
        label,
        ctype,
        parm,
        default,
        required,
        kind: Kind::Text,
    }
}

const fn secret(mut x: Field) -> Field {
    x.kind = Kind::Secret;
    x
}

const fn choice(mut x: Field, of: &'static [&'static str]) -> Field {
    x.kind = Kind::Choice(of);
    x
}

/// A service form.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// URL key (`apn`, `mms`, …).
    pub key: &'static str,
    /// Title.
    pub title: &'static str,
    /// One line on what it provisions.
    pub about: &'static str,
    /// The fields, in form order.
    pub fields: &'static [Field],
    build: fn(&Values) -> Document,
}

/// The submitted values, by field key.
pub type Values = BTreeMap<String, String>;

fn v<'a>(vals: &'a Values, key: &str) -> &'a str {
    vals.get(key).map(|s| s.trim()).unwrap_or("")
}

/// Adds a parameter when the field is required or filled.
fn put(c: &mut Characteristic, vals: &Values, field: &Field) {
    let value = v(vals, field.key);
    if field.required || !value.is_empty() {
        c.children.push(Node::Parm(Parm::new(field.parm, value)));
    }
}

fn fld(fields: &'static [Field], key: &str) -> &'static Field {
    fields
        .iter()
        .find(|x| x.key == key)
        .expect("field declared in the same service")
}

/// Builds a characteristic from the listed fields (in order).
fn chr(kind: &str, vals: &Values, fields: &'static [Field], keys: &[&str]) -> Characteristic {
    let mut c = Characteristic::new(kind);
    for k in keys {
        put(&mut c, vals, fld(fields, k));
    }
    c
}

const BEARER_CHOICES: &[&str] = &["GSM-GPRS", "3G-GSM", "GSM-CSD"];
const AUTHTYPES: &[&str] = &["PAP", "CHAP"];

// The access point every application service uses (TO-NAPID points at it).
macro_rules! nap_fields {
    ($napid:expr) => {
        [
            f(
                "napid",
                "Access point id (NAPID)",
                "NAPDEF",
                "NAPID",
                $napid,
                true,
            ),
            f(
                "nap_name",
                "Access point name shown",
                "NAPDEF",
                "NAME",
                "Internet",
                true,
            ),
            f("apn", "APN", "NAPDEF", "NAP-ADDRESS", "", true),
            choice(
                f("bearer", "Bearer", "NAPDEF", "BEARER", "GSM-GPRS", true),
                BEARER_CHOICES,
            ),
        ]
    };
}

fn napdef(vals: &Values, fields: &'static [Field]) -> Characteristic {
    chr(
        "NAPDEF",
        vals,
        fields,
        &["napid", "bearer", "nap_name", "apn"],
    )
    .with_parm("NAP-ADDRTYPE", "APN")
}

const APN: &[Field] = &{
    let n = nap_fields!("INTERNET");
    [
        n[0],
        n[1],
        n[2],
        n[3],
        f("dns", "DNS server (IPv4)", "NAPDEF", "DNS-ADDR", "", false),
        choice(
            f(
                "authtype",
                "Authentication",
                "NAPAUTHINFO",
                "AUTHTYPE",
                "PAP",
                false,
            ),
            AUTHTYPES,
        ),
        f(
            "authname",
            "User name",
            "NAPAUTHINFO",
            "AUTHNAME",
            "",
            false,
        ),
        secret(f(
            "authsecret",
            "Password",
            "NAPAUTHINFO",
            "AUTHSECRET",
            "",
            false,
        )),
    ]
};

fn build_apn(vals: &Values) -> Document {
    let mut nap = napdef(vals, APN).with_flag("INTERNET");
    put(&mut nap, vals, fld(APN, "dns"));
    if !v(vals, "authname").is_empty() {
        nap = nap.with_child(chr(
            "NAPAUTHINFO",
            vals,
            APN,
            &["authtype", "authname", "authsecret"],
        ));
    }
    Document::new(Some("1.1")).with(nap)
}

const MMS: &[Field] = &{
    let n = nap_fields!("MMS_NAP");
    [
        f("name", "Name shown", "APPLICATION", "NAME", "MMS", true),
        f(
            "mmsc",
            "MMSC address (URL)",
            "APPLICATION",
            "ADDR",
            "http://mmsc.example.net/",
            true,
        ),
        f(
            "proxy_id",
            "Proxy id",
            "PXLOGICAL",
            "PROXY-ID",
            "MMS_PROXY",
            true,
        ),
        f(
            "pxaddr",
            "Proxy address (IPv4)",
            "PXPHYSICAL",
            "PXADDR",
            "",
            true,
        ),
        f("port", "Proxy port", "PORT", "PORTNBR", "8080", true),
        n[0],
        n[1],
        n[2],
        n[3],
    ]
};

fn build_mms(vals: &Values) -> Document {
    let port = chr("PORT", vals, MMS, &["port"]);
    let phys = Characteristic::new("PXPHYSICAL")
        .with_parm("PHYSICAL-PROXY-ID", "PX1")
        .with_parm("PXADDR", v(vals, "pxaddr"))
        .with_parm("PXADDRTYPE", "IPV4")
        .with_parm("TO-NAPID", v(vals, "napid"))
        .with_child(port);
    let px = chr("PXLOGICAL", vals, MMS, &["proxy_id"])
        .with_parm("NAME", v(vals, "name"))
        .with_child(phys);
    let app = Characteristic::new("APPLICATION")
        .with_parm("APPID", "w4")
        .with_parm("NAME", v(vals, "name"))
        .with_parm("TO-PROXY", v(vals, "proxy_id"))
        .with_parm("ADDR", v(vals, "mmsc"));
    Document::new(Some("1.1"))
        .with(px)
        .with(napdef(vals, MMS))
        .with(app)
}

const BROWSER: &[Field] = &{
    let n = nap_fields!("WEB_NAP");
    [
        f("name", "Name shown", "APPLICATION", "NAME", "Browser", true),
        f(
            "home",
            "Home page (URL)",
            "RESOURCE",
            "URI",
            "http://www.example.net/",
            true,
        ),
        f(
            "home_name",
            "Home page title",
            "RESOURCE",
            "NAME",
            "Home",
            false,
        ),
        n[0],
        n[1],
        n[2],
        n[3],
    ]
};

fn build_browser(vals: &Values) -> Document {
    let res = chr("RESOURCE", vals, BROWSER, &["home", "home_name"]).with_flag("STARTPAGE");
    let app = Characteristic::new("APPLICATION")
        .with_parm("APPID", "w2")
        .with_parm("NAME", v(vals, "name"))
        .with_parm("TO-NAPID", v(vals, "napid"))
        .with_child(res);
    Document::new(Some("1.1"))
        .with(napdef(vals, BROWSER).with_flag("INTERNET"))
        .with(app)
}

const MAIL_PROTOCOLS: &[&str] = &["SMTP", "POP3", "IMAP4"];

const EMAIL: &[Field] = &{
    let n = nap_fields!("MAIL_NAP");
    [
        choice(
            f(
                "protocol",
                "Protocol",
                "APPLICATION",
                "APPID",
                "IMAP4",
                true,
            ),
            MAIL_PROTOCOLS,
        ),
        f("name", "Account name", "APPLICATION", "NAME", "Mail", true),
        f(
            "provider",
            "Provider id",
            "APPLICATION",
            "PROVIDER-ID",
            "mail.example.net",
            true,
        ),
        f(
            "from",
            "Sender address (SMTP)",
            "APPLICATION",
            "FROM",
            "",
            false,
        ),
        f("server", "Server host", "APPADDR", "ADDR", "", true),
        f("port", "Server port", "PORT", "PORTNBR", "993", true),
        f("username", "User name", "APPAUTH", "AAUTHNAME", "", false),
        secret(f(
            "password",
            "Password",
            "APPAUTH",
            "AAUTHSECRET",
            "",
            false,
        )),
        n[0],
        n[1],
        n[2],
        n[3],
    ]
};

fn build_email(vals: &Values) -> Document {
    let appid = match v(vals, "protocol") {
        "SMTP" => "25",
        "POP3" => "110",
        _ => "143",
    };
    let mut app = Characteristic::new("APPLICATION")
        .with_parm("APPID", appid)
        .with_parm("PROVIDER-ID", v(vals, "provider"))
        .with_parm("NAME", v(vals, "name"))
        .with_parm("TO-NAPID", v(vals, "napid"));
    if appid == "25" {
        put(&mut app, vals, fld(EMAIL, "from"));
    }
    let addr =
        chr("APPADDR", vals, EMAIL, &["server"]).with_child(chr("PORT", vals, EMAIL, &["port"]));
    app = app.with_child(addr);
    if !v(vals, "username").is_empty() {
        app = app.with_child(chr("APPAUTH", vals, EMAIL, &["username", "password"]));
    }
    Document::new(Some("1.1"))
        .with(app)
        .with(napdef(vals, EMAIL).with_flag("INTERNET"))
}

const DS: &[Field] = &{
    let n = nap_fields!("SYNC_NAP");
    [
        f("name", "Name shown", "APPLICATION", "NAME", "Sync", true),
        f(
            "provider",
            "Server id",
            "APPLICATION",
            "PROVIDER-ID",
            "sync.example.net",
            true,
        ),
        f(
            "addr",
            "Server URL",
            "APPLICATION",
            "ADDR",
            "https://sync.example.net/sync",
            true,
        ),
        f("username", "User name", "APPAUTH", "AAUTHNAME", "", false),
        secret(f(
            "password",
            "Password",
            "APPAUTH",
            "AAUTHSECRET",
            "",
            false,
        )),
        f(
            "db_uri",
            "Contacts database URI",
            "RESOURCE",
            "URI",
            "./contacts",
            true,
        ),
        f(
            "db_type",
            "Contacts content type",
            "RESOURCE",
            "AACCEPT",
            "text/x-vcard",
            true,
        ),
        n[0],
        n[1],
        n[2],
        n[3],
    ]
};

fn build_ds(vals: &Values) -> Document {
    let mut app = Characteristic::new("APPLICATION")
        .with_parm("APPID", "w5")
        .with_parm("PROVIDER-ID", v(vals, "provider"))
        .with_parm("NAME", v(vals, "name"))
        .with_parm("ADDR", v(vals, "addr"))
        .with_parm("TO-NAPID", v(vals, "napid"));
    if !v(vals, "username").is_empty() {
        let auth = Characteristic::new("APPAUTH")
            .with_parm("AAUTHLEVEL", "APPSRV")
            .with_parm("AAUTHTYPE", "BASIC");
        let mut auth = auth;
        put(&mut auth, vals, fld(DS, "username"));
        put(&mut auth, vals, fld(DS, "password"));
        app = app.with_child(auth);
    }
    app = app.with_child(
        chr("RESOURCE", vals, DS, &["db_uri"])
            .with_parm("NAME", "Contacts")
            .with_parm("AACCEPT", v(vals, "db_type")),
    );
    Document::new(Some("1.1")).with(app).with(napdef(vals, DS))
}

const DM: &[Field] = &{
    let n = nap_fields!("DM_NAP");
    [
        f(
            "name",
            "Name shown",
            "APPLICATION",
            "NAME",
            "Device management",
            true,
        ),
        f(
            "provider",
            "Server id",
            "APPLICATION",
            "PROVIDER-ID",
            "dm.example.net",
            true,
        ),
        f(
            "addr",
            "Server URL",
            "APPLICATION",
            "ADDR",
            "https://dm.example.net/dm",
            true,
        ),
        f(
            "username",
            "Server user name",
            "APPAUTH",
            "AAUTHNAME",
            "",
            false,
        ),
        secret(f(
            "password",
            "Server password",
            "APPAUTH",
            "AAUTHSECRET",
            "",
            false,
        )),
        n[0],
        n[1],
        n[2],
        n[3],
    ]
};

fn build_dm(vals: &Values) -> Document {
    let mut app = Characteristic::new("APPLICATION")
        .with_parm("APPID", "w7")
        .with_parm("PROVIDER-ID", v(vals, "provider"))
        .with_parm("NAME", v(vals, "name"))
        .with_parm("ADDR", v(vals, "addr"))
        .with_parm("TO-NAPID", v(vals, "napid"))
        .with_flag("INIT");
    if !v(vals, "username").is_empty() {
        let mut auth = Characteristic::new("APPAUTH")
            .with_parm("AAUTHLEVEL", "APPSRV")
            .with_parm("AAUTHTYPE", "DIGEST");
        put(&mut auth, vals, fld(DM, "username"));
        put(&mut auth, vals, fld(DM, "password"));
        app = app.with_child(auth);
    }
    Document::new(Some("1.1")).with(app).with(napdef(vals, DM))
}

const WLAN_SECMODES: &[&str] = &["WPA2-PRESHARED-KEY", "WPA-PRESHARED-KEY", "WPA2", "WEP"];

const WLAN: &[Field] = &[
    f(
        "napid",
        "Access point id (NAPID)",
        "NAPDEF",
        "NAPID",
        "WLAN",
        true,
    ),
    f(
        "nap_name",
        "Network name shown",
        "NAPDEF",
        "NAME",
        "Office Wi-Fi",
        true,
    ),
    f("ssid", "SSID", "WLAN", "PRI-SSID", "", true),
    choice(
        f(
            "secmode",
            "Security",
            "WLAN",
            "SECMODE",
            "WPA2-PRESHARED-KEY",
            true,
        ),
        WLAN_SECMODES,
    ),
    secret(f(
        "psk",
        "Passphrase (WPA pre-shared key)",
        "WLAN",
        "WPA-PRES-KEY-ASC",
        "",
        false,
    )),
];

fn build_wlan(vals: &Values) -> Document {
    let wlan = chr("WLAN", vals, WLAN, &["ssid"])
        .with_parm("NETMODE", "INFRA")
        .with_parm("SECMODE", v(vals, "secmode"));
    let mut wlan = wlan;
    put(&mut wlan, vals, fld(WLAN, "psk"));
    let nap = chr("NAPDEF", vals, WLAN, &["napid"])
        .with_parm("BEARER", "WLAN")
        .with_parm("NAME", v(vals, "nap_name"))
        .with_flag("INTERNET")
        .with_parm("NAP-ADDRESS", v(vals, "ssid"))
        .with_parm("NAP-ADDRTYPE", "ALPHA")
        .with_child(wlan);
    Document::new(Some("1.1")).with(nap)
}

const BOOTSTRAP: &[Field] = &[
    f(
        "name",
        "Provisioning context name",
        "BOOTSTRAP",
        "NAME",
        "Operator",
        true,
    ),
    f(
        "provurl",
        "Trusted provisioning server (PROVURL)",
        "BOOTSTRAP",
        "PROVURL",
        "http://tps.example.net/cp",
        true,
    ),
    f(
        "context_allow",
        "Other contexts allowed (CONTEXT-ALLOW)",
        "BOOTSTRAP",
        "CONTEXT-ALLOW",
        "1",
        false,
    ),
];

fn build_bootstrap(vals: &Values) -> Document {
    Document::new(Some("1.1")).with(chr(
        "BOOTSTRAP",
        vals,
        BOOTSTRAP,
        &["name", "provurl", "context_allow"],
    ))
}

/// Every service form, in menu order.
pub const SERVICES: &[Service] = &[
    Service {
        key: "apn",
        title: "Internet APN",
        about: "A packet-data access point (NAPDEF) with optional PAP/CHAP credentials.",
        fields: APN,
        build: build_apn,
    },
    Service {
        key: "mms",
        title: "MMS",
        about: "MMSC, WAP proxy and access point (APPLICATION w4, PXLOGICAL, NAPDEF).",
        fields: MMS,
        build: build_mms,
    },
    Service {
        key: "browser",
        title: "Browser",
        about: "Browser home page over an access point (APPLICATION w2).",
        fields: BROWSER,
        build: build_browser,
    },
    Service {
        key: "email",
        title: "E-mail (SMTP, POP3, IMAP4)",
        about: "One mail account (APPLICATION 25, 110 or 143) with its server and credentials.",
        fields: EMAIL,
        build: build_email,
    },
    Service {
        key: "ds",
        title: "Data synchronisation (DS)",
        about: "A SyncML DS server with a contacts database (APPLICATION w5).",
        fields: DS,
        build: build_ds,
    },
    Service {
        key: "dm",
        title: "Device management (DM)",
        about: "An OMA DM server account (APPLICATION w7).",
        fields: DM,
        build: build_dm,
    },
    Service {
        key: "wlan",
        title: "WLAN",
        about: "A Wi-Fi network (NAPDEF with BEARER WLAN and a WLAN characteristic).",
        fields: WLAN,
        build: build_wlan,
    },
    Service {
        key: "bootstrap",
        title: "Bootstrap / TPS",
        about: "The provisioning context: name and trusted provisioning server (BOOTSTRAP).",
        fields: BOOTSTRAP,
        build: build_bootstrap,
    },
];

/// The service with this key.
pub fn service(key: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.key == key)
}

impl Service {
    /// Initial values.
    pub fn defaults(&self) -> Values {
        self.fields
            .iter()
            .map(|x| (x.key.to_string(), x.default.to_string()))
            .collect()
    }

    /// The document the form describes.
    pub fn document(&self, vals: &Values) -> Document {
        (self.build)(vals)
    }

    /// The document as CP XML (the profile's template).
    pub fn xml(&self, vals: &Values) -> String {
        omacp_doc::xml::to_string(&self.document(vals))
    }
}

/// Diagnostics sorted to where they are shown.
#[derive(Debug, Default)]
pub struct Placed {
    /// By field key.
    pub by_field: BTreeMap<String, Vec<String>>,
    /// Those that belong to no single field.
    pub general: Vec<String>,
    /// True when any is an error (warnings do not stop saving).
    pub has_errors: bool,
}

fn message(d: &Diagnostic) -> String {
    let sev = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        _ => "Note",
    };
    format!("{sev}: {} [{}]", d.message, d.rule)
}

/// The field a diagnostic is about: the parameter's name and the type of the
/// characteristic holding it both match.
fn field_of<'a>(fields: &'a [Field], d: &Diagnostic) -> Option<&'a Field> {
    let parm = d.path.parm.as_ref()?;
    let holder = d.path.segments.last()?;
    fields
        .iter()
        .find(|x| x.parm == parm.name && x.ctype == holder.kind)
}

/// Runs the document validator over a form's document and places each error or warning
/// at its field.
pub fn place(svc: &Service, vals: &Values) -> Placed {
    let report = validate(&svc.document(vals));
    let mut out = Placed::default();
    for d in &report.diagnostics {
        if !matches!(d.severity, Severity::Error | Severity::Warning) {
            continue;
        }
        out.has_errors |= d.severity == Severity::Error;
        match field_of(svc.fields, d) {
            Some(x) => out
                .by_field
                .entry(x.key.to_string())
                .or_default()
                .push(message(d)),
            None => out.general.push(format!("{}: {}", d.path, message(d))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(svc: &Service) -> Values {
        let mut v = svc.defaults();
        for (k, x) in [
            ("apn", "internet.example.net"),
            ("pxaddr", "10.0.0.1"),
            ("server", "imap.example.net"),
            ("ssid", "Office"),
            ("psk", "a long enough passphrase"),
        ] {
            if v.contains_key(k) {
                v.insert(k.into(), x.into());
            }
        }
        v
    }

    #[test]
    fn every_service_with_sensible_values_validates() {
        for svc in SERVICES {
            let p = place(svc, &filled(svc));
            assert!(
                !p.has_errors,
                "{}: {:?} {:?}",
                svc.key, p.by_field, p.general
            );
            // The XML round-trips through the parser.
            omacp_doc::xml::parse(&svc.xml(&filled(svc))).unwrap();
        }
    }

    #[test]
    fn an_error_lands_at_its_field() {
        let svc = service("apn").unwrap();
        let mut v = filled(svc);
        v.insert("dns".into(), "999.1.2.3".into());
        let p = place(svc, &v);
        assert!(p.has_errors);
        assert!(
            p.by_field.contains_key("dns"),
            "{:?} {:?}",
            p.by_field,
            p.general
        );
    }
}
