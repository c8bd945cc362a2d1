//! The service forms' fields and how each becomes a CP document (one field list and one
//! builder per service; `super::SERVICES` lists them).

use omacp_doc::{Characteristic, Document, Node, Parm};

use super::{Field, Kind, Values};

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

pub(super) const APN: &[Field] = &{
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

pub(super) fn build_apn(vals: &Values) -> Document {
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

pub(super) const MMS: &[Field] = &{
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

pub(super) fn build_mms(vals: &Values) -> Document {
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

pub(super) const BROWSER: &[Field] = &{
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

pub(super) fn build_browser(vals: &Values) -> Document {
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

pub(super) const EMAIL: &[Field] = &{
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

pub(super) fn build_email(vals: &Values) -> Document {
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

pub(super) const DS: &[Field] = &{
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

pub(super) fn build_ds(vals: &Values) -> Document {
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

pub(super) const DM: &[Field] = &{
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

pub(super) fn build_dm(vals: &Values) -> Document {
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

pub(super) const WLAN: &[Field] = &[
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

pub(super) fn build_wlan(vals: &Values) -> Document {
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

pub(super) const BOOTSTRAP: &[Field] = &[
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

pub(super) fn build_bootstrap(vals: &Values) -> Document {
    Document::new(Some("1.1")).with(chr(
        "BOOTSTRAP",
        vals,
        BOOTSTRAP,
        &["name", "provurl", "context_allow"],
    ))
}
