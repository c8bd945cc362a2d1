//! Profile templates: a CP XML document with `${name}` placeholders and typed variables.
//!
//! A variable is filled either per subscriber (stored on the subscriber) or per campaign
//! (given when a campaign is created); `${msisdn}`, `${imsi}` and `${imei}` are always
//! available from the subscriber. Values are type-checked and XML-escaped before they are
//! substituted, so a value can never add elements. A template is checked at save time by
//! filling it with sample values (or defaults), parsing it and running the document
//! validator and the tenant's ownership scope over the result.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use omacp_bearer::wdp::{SegmentOptions, segment_count};
use omacp_bearer::wsp::{ContentType, PushPdu};
use omacp_doc::validate::{Severity, validate};
use omacp_doc::{Document, xml};
use omacp_sec::SecMethod;
use serde::{Deserialize, Serialize};

use crate::store::tenants::Scope;

/// Names the subscriber always supplies.
pub const BUILTINS: &[&str] = &["msisdn", "imsi", "imei"];

/// What values a variable takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VarType {
    /// Any text up to 255 characters.
    String,
    /// Decimal digits.
    Integer,
    /// `0` or `1`.
    Boolean,
    /// A dotted IPv4 address.
    Ipv4,
    /// An MSISDN: digits with an optional leading `+`.
    Msisdn,
}

/// Who supplies a variable's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VarScope {
    /// Stored per subscriber.
    Subscriber,
    /// Given once per campaign.
    Campaign,
}

/// A template variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Variable {
    /// Name as used in `${name}`: letters, digits, `_`.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: VarType,
    /// Who fills it.
    pub scope: VarScope,
    /// Used when no value is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// How the trusted HTTP context signs a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThcSec {
    /// Unsigned: the trusted context itself authenticates the server.
    None,
    /// NETWPIN with the subscriber's IMSI when it is known (unsigned otherwise).
    #[default]
    Netwpin,
}

impl ThcSec {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ThcSec::None => "none",
            ThcSec::Netwpin => "netwpin",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ThcSec> {
        match s {
            "none" => Some(ThcSec::None),
            "netwpin" => Some(ThcSec::Netwpin),
            _ => None,
        }
    }
}

/// Why a template or its values are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A variable name is malformed, repeated or shadows a built-in.
    #[error("bad variable name {0:?}")]
    BadVariable(String),
    /// `${name}` names no declared variable.
    #[error("template uses undeclared variable {0:?}")]
    Undeclared(String),
    /// A `${` is not closed.
    #[error("unterminated placeholder at byte {0}")]
    Unterminated(usize),
    /// No value and no default.
    #[error("no value for variable {0:?}")]
    Missing(String),
    /// A value does not fit its type (the value itself is not repeated: it may be secret).
    #[error("value of variable {name:?} is not a valid {ty:?}")]
    BadValue {
        /// Variable.
        name: String,
        /// Its type.
        ty: VarType,
    },
    /// The filled template is not well-formed CP XML.
    #[error("not a provisioning document: {0}")]
    Xml(String),
    /// The validator found errors.
    #[error("the document has {} validation error(s)", .0.len())]
    Invalid(Vec<String>),
    /// The document provisions something outside the tenant's ownership scope.
    #[error("outside the tenant's ownership scope: {}", .0.join(", "))]
    OutOfScope(Vec<String>),
}

/// Checks a value against a type.
pub fn check_value(ty: VarType, v: &str) -> bool {
    match ty {
        VarType::String => v.chars().count() <= 255,
        VarType::Integer => !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()),
        VarType::Boolean => v == "0" || v == "1",
        VarType::Ipv4 => v.parse::<Ipv4Addr>().is_ok(),
        VarType::Msisdn => {
            let d = v.strip_prefix('+').unwrap_or(v);
            (3..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

fn sample(ty: VarType) -> &'static str {
    match ty {
        VarType::String => "sample",
        VarType::Integer => "1",
        VarType::Boolean => "1",
        VarType::Ipv4 => "192.0.2.1",
        VarType::Msisdn => "15550100",
    }
}

/// Placeholder names in template order (with repeats), or where one is unterminated.
pub fn placeholders(template: &str) -> Result<Vec<&str>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    let mut base = 0;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            return Err(TemplateError::Unterminated(base + i));
        };
        out.push(&after[..j]);
        base += i + 2 + j + 1;
        rest = &after[j + 1..];
    }
    Ok(out)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Checks the variable declarations against the template.
pub fn check_declarations(template: &str, vars: &[Variable]) -> Result<(), TemplateError> {
    let mut seen = std::collections::BTreeSet::new();
    for v in vars {
        if !valid_name(&v.name) || BUILTINS.contains(&v.name.as_str()) || !seen.insert(&v.name) {
            return Err(TemplateError::BadVariable(v.name.clone()));
        }
        if let Some(d) = &v.default
            && !check_value(v.ty, d)
        {
            return Err(TemplateError::BadValue {
                name: v.name.clone(),
                ty: v.ty,
            });
        }
    }
    for p in placeholders(template)? {
        if !BUILTINS.contains(&p) && !vars.iter().any(|v| v.name == p) {
            return Err(TemplateError::Undeclared(p.to_string()));
        }
    }
    Ok(())
}

/// Fills a template. `value(name)` supplies values (variables and built-ins); missing
/// variables fall back to their default.
pub fn fill(
    template: &str,
    vars: &[Variable],
    value: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let j = after
            .find('}')
            .ok_or(TemplateError::Unterminated(template.len() - rest.len() + i))?;
        let name = &after[..j];
        let decl = vars.iter().find(|v| v.name == name);
        let v = value(name)
            .or_else(|| decl.and_then(|d| d.default.clone()))
            .ok_or_else(|| TemplateError::Missing(name.to_string()))?;
        if let Some(d) = decl
            && !check_value(d.ty, &v)
        {
            return Err(TemplateError::BadValue {
                name: name.to_string(),
                ty: d.ty,
            });
        }
        escape_into(&v, &mut out);
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn escape_into(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Parses filled XML, runs the validator and checks the scope.
pub fn document(filled: &str, scope: &Scope) -> Result<Document, TemplateError> {
    let doc = xml::parse(filled).map_err(|e| TemplateError::Xml(e.to_string()))?;
    let report = validate(&doc);
    if !report.is_valid() {
        return Err(TemplateError::Invalid(
            report
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.to_string())
                .collect(),
        ));
    }
    check_scope(&doc, scope)?;
    Ok(doc)
}

/// The tenant's ownership scope: every top-level characteristic type, and the APPID of
/// every APPLICATION, must be allowed. Checked at save time and again whenever a document
/// is sent.
pub fn check_scope(doc: &Document, scope: &Scope) -> Result<(), TemplateError> {
    let mut bad = Vec::new();
    for c in &doc.characteristics {
        if !scope.allows_type(&c.kind) {
            bad.push(c.kind.clone());
        } else if c.kind == "APPLICATION" {
            match c.value("APPID") {
                Some(a) if scope.allows_appid(a) => {}
                Some(a) => bad.push(format!("APPLICATION APPID={a}")),
                None => bad.push("APPLICATION without APPID".into()),
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(TemplateError::OutOfScope(bad))
    }
}

/// Save-time check: declarations, then a fill with defaults or sample values, validation
/// and scope.
pub fn check(template: &str, vars: &[Variable], scope: &Scope) -> Result<(), TemplateError> {
    check_declarations(template, vars)?;
    let filled = fill(template, vars, &|name| {
        let ty = match name {
            "msisdn" => VarType::Msisdn,
            "imsi" => return Some("001010123456789".into()),
            "imei" => return Some("490154203237518".into()),
            _ => vars.iter().find(|v| v.name == name)?.ty,
        };
        let d = vars
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.default.clone());
        Some(d.unwrap_or_else(|| sample(ty).to_string()))
    })?;
    document(&filled, scope).map(|_| ())
}

/// Fills a profile for one subscriber (their stored values and the built-ins), with
/// `overrides` (a campaign's values) taking precedence, then parses, validates and checks
/// the tenant's current scope. What every sending path (THC, campaigns) calls, so the scope
/// is enforced again at send time.
pub fn render_for(
    profile: &crate::store::profiles::Profile,
    sub: &crate::store::subscribers::Subscriber,
    overrides: &BTreeMap<String, String>,
    scope: &Scope,
) -> Result<(String, Document), TemplateError> {
    let filled = fill(&profile.template, &profile.variables, &|name| {
        if let Some(v) = overrides.get(name) {
            return Some(v.clone());
        }
        match name {
            "msisdn" => Some(sub.msisdn.clone()),
            "imsi" => sub.imsi.clone(),
            "imei" => sub.imei.clone(),
            n => sub.vars.get(n).cloned(),
        }
    })?;
    let doc = document(&filled, scope)?;
    Ok((filled, doc))
}

/// Sizes of a filled profile as it would be sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Preview {
    /// The filled XML.
    pub xml: String,
    /// WBXML size in octets.
    pub wbxml_size: usize,
    /// SMS segments per SEC method (`none`, `NETWPIN`, …) as a signed WAP Push.
    pub sms_count: BTreeMap<String, usize>,
    /// How the subscriber's device model (found by the IMEI's TAC) copes with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceFit>,
}

/// What a device model says about a document: used to choose a SEC method and to refuse
/// what the handset cannot take.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceFit {
    /// The model's name.
    pub model: String,
    /// APPIDs in the document the model does not list.
    pub unsupported_appids: Vec<String>,
    /// SEC methods the model verifies and whose push fits its segment limit, cheapest first.
    pub usable_sec: Vec<String>,
}

/// Checks a previewed document against a device model.
pub fn device_fit(
    doc: &Document,
    preview: &Preview,
    model: &crate::store::devices::DeviceModel,
) -> DeviceFit {
    let unsupported_appids = doc
        .characteristics
        .iter()
        .filter(|c| c.kind == "APPLICATION")
        .filter_map(|c| c.value("APPID"))
        .filter(|a| !model.appids.iter().any(|m| m.eq_ignore_ascii_case(a)))
        .map(str::to_string)
        .collect();
    let mut usable: Vec<(usize, String)> = model
        .sec_methods
        .iter()
        .filter_map(|m| SecMethod::from_text(m).and_then(SecMethod::name))
        .filter_map(|name| preview.sms_count.get(name).map(|n| (*n, name.to_string())))
        .filter(|(n, _)| (*n as i64) <= model.max_segments)
        .collect();
    usable.sort();
    DeviceFit {
        model: model.name.clone(),
        unsupported_appids,
        usable_sec: usable.into_iter().map(|(_, n)| n).collect(),
    }
}

/// Encodes a filled, checked document and counts the SMS each SEC method would take: the
/// WSP push PDU (with the SEC and 40-hex-digit MAC parameters when signed) split into
/// concatenated SMS with the WDP port headers.
pub fn preview(xml_text: String, doc: &Document) -> Preview {
    let wbxml = omacp_wbxml::encode(doc, &omacp_wbxml::EncodeOptions::default());
    let mut sms_count = BTreeMap::new();
    let methods: [Option<SecMethod>; 5] = [
        None,
        Some(SecMethod::NetwPin),
        Some(SecMethod::UserPin),
        Some(SecMethod::UserNetwPin),
        Some(SecMethod::UserPinMac),
    ];
    let dummy_mac = [b'0'; 40];
    for m in methods {
        let ct = match m {
            Some(m) => ContentType::signed(m, &dummy_mac),
            None => ContentType::connectivity_wbxml(),
        };
        let pdu = PushPdu::new(0, ct, &wbxml);
        let n = segment_count(pdu.encoded_len(), &SegmentOptions::default()).unwrap_or(usize::MAX);
        let name = m.and_then(SecMethod::name).unwrap_or("none");
        sms_count.insert(name.to_string(), n);
    }
    Preview {
        xml: xml_text,
        wbxml_size: wbxml.len(),
        sms_count,
        device: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="n1"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAME" value="${apn_name}"/><parm name="NAP-ADDRESS" value="${apn}"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#;

    fn vars() -> Vec<Variable> {
        vec![
            Variable {
                name: "apn".into(),
                ty: VarType::String,
                scope: VarScope::Subscriber,
                default: Some("internet".into()),
            },
            Variable {
                name: "apn_name".into(),
                ty: VarType::String,
                scope: VarScope::Campaign,
                default: None,
            },
        ]
    }

    #[test]
    fn fills_escapes_and_checks() {
        let s = fill(T, &vars(), &|n| {
            (n == "apn_name").then(|| "A&B \"x\"".to_string())
        })
        .unwrap();
        assert!(s.contains("value=\"A&amp;B &quot;x&quot;\""));
        assert!(s.contains("value=\"internet\""));
        check(T, &vars(), &Scope::all()).unwrap();
    }

    #[test]
    fn refuses_undeclared_and_out_of_scope() {
        assert_eq!(
            check(T, &[], &Scope::all()),
            Err(TemplateError::Undeclared("apn_name".into()))
        );
        let scope = Scope {
            types: vec!["APPLICATION".into()],
            appids: vec!["w4".into()],
        };
        assert!(matches!(
            check(T, &vars(), &scope),
            Err(TemplateError::OutOfScope(_))
        ));
    }

    proptest::proptest! {
        // A value can never change the document's structure: whatever printable text a
        // subscriber variable holds comes back out of the parsed document unchanged.
        #[test]
        fn any_value_round_trips_as_one_parm_value(v in "[ -~\u{a0}-\u{2ff}]{0,80}") {
            let vars = vars();
            let filled = fill(T, &vars, &|n| (n == "apn_name").then(|| v.clone())).unwrap();
            let doc = xml::parse(&filled).unwrap();
            proptest::prop_assert_eq!(doc.characteristics.len(), 1);
            proptest::prop_assert_eq!(doc.characteristics[0].value("NAME"), Some(v.as_str()));
        }

        #[test]
        fn placeholder_scan_never_panics(t in ".{0,200}") {
            let _ = placeholders(&t);
            let _ = fill(&t, &[], &|_| Some("x".into()));
        }
    }

    #[test]
    fn typed_values() {
        assert!(check_value(VarType::Ipv4, "10.0.0.1"));
        assert!(!check_value(VarType::Ipv4, "10.0.0"));
        assert!(check_value(VarType::Msisdn, "+4915550100"));
        assert!(!check_value(VarType::Integer, "1a"));
        assert_eq!(placeholders("a${x}b${y}").unwrap(), vec!["x", "y"]);
        assert_eq!(placeholders("a${x"), Err(TemplateError::Unterminated(1)));
    }
}
