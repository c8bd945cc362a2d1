//! The per-service profile forms: for each service, the fields an engineer fills in and
//! how they become a CP document, and which field a validator diagnostic belongs to.
//!
//! Pure data and functions: the forms are declared once here ([`SERVICES`]); the handlers
//! in `profiles.rs` render them and hand the generated XML to the API's profile checks.
//! A required field is always written (even empty) so the validator reports it at that
//! field; an optional field is left out when empty.

use std::collections::BTreeMap;

use omacp_doc::Document;
use omacp_doc::validate::{Diagnostic, Severity, validate};

use self::forms::*;

mod forms;

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
