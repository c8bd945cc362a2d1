//! The content model of a provisioning document, declared once as data
//! (content.md §3–§7): which characteristic may appear under which parent and how
//! often, which parameters each one takes, how often, with which value type, how
//! sure we are ([`Confidence`]) and what it means.
//!
//! The validator, the XML checks, the test generators and `omacp explain` all read
//! these tables; nothing else spells a characteristic's parameters. Names are
//! compared case-sensitively (content.md §1).

use std::fmt;

/// How sure the project is about a table row (the `[C]`/`[U]` legend of the spec digest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// Confirmed by a cited public source or by running code (`[C]`).
    Confirmed,
    /// Recollection or inference (`[U]`): a policy that tests can flip.
    Unconfirmed,
}

/// How often an element may occur (`min..max`, `max = None` for unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurs {
    /// Fewest occurrences.
    pub min: u16,
    /// Most occurrences, `None` for any number.
    pub max: Option<u16>,
}

impl Occurs {
    /// Exactly one (mandatory).
    pub const ONE: Occurs = Occurs {
        min: 1,
        max: Some(1),
    };
    /// Zero or one.
    pub const OPT: Occurs = Occurs {
        min: 0,
        max: Some(1),
    };
    /// Any number.
    pub const ANY: Occurs = Occurs { min: 0, max: None };
    /// At least one.
    pub const SOME: Occurs = Occurs { min: 1, max: None };

    /// At most `n`.
    pub const fn up_to(n: u16) -> Occurs {
        Occurs {
            min: 0,
            max: Some(n),
        }
    }

    /// True when `n` occurrences exceed the maximum.
    pub fn too_many(&self, n: usize) -> bool {
        self.max.is_some_and(|m| n > usize::from(m))
    }
}

impl fmt::Display for Occurs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (1, Some(1)) => f.write_str("1"),
            (min, Some(max)) => write!(f, "{min}..{max}"),
            (min, None) => write!(f, "{min}..*"),
        }
    }
}

/// What a reference parameter points at (content.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// A NAPDEF's NAPID, or `INTERNET` for any NAP flagged INTERNET (TO-NAPID).
    NapId,
    /// A PXLOGICAL's PROXY-ID (TO-PROXY, BOOTSTRAP/PROXY-ID).
    ProxyId,
    /// An APPLICATION's APPREF (TO-APPREF, CP 1.2).
    AppRef,
}

/// The value type of a parameter (content.md §4–§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Free text (may be empty unless the parameter is mandatory).
    Text,
    /// Value or no value: both accepted (loosely known parameters, ACCESS/RULE).
    Any,
    /// Value-less flag: presence means true (INTERNET, T-BIT, …).
    Flag,
    /// `0` or `1` (PUSHENABLED, PULLENABLED).
    Bool01,
    /// Decimal integer not above `max`.
    Decimal {
        /// Largest accepted value.
        max: u64,
    },
    /// Hexadecimal integer (Intel parses the QoS and Mobile-IP fields base 16).
    Hex,
    /// A string of hex digits of exactly `len` characters (`0` = any even length).
    HexString {
        /// Required number of digits, or 0.
        len: usize,
    },
    /// Decimal port number 0..=65535.
    Port,
    /// Dotted-quad IPv4 address.
    Ipv4,
    /// Textual IPv6 address.
    Ipv6,
    /// IPv4 or IPv6 address.
    IpAddr,
    /// International number with a leading `+` (E.164).
    E164,
    /// Absolute URI (`scheme:…`).
    Uri,
    /// `host[/path]` as in DOMAIN.
    Domain,
    /// A DNS host name.
    Fqdn,
    /// Mobile country code: 3 digits.
    Mcc,
    /// Mobile network code(s): 2–3 digits, comma-separated list allowed (VALIDITY/NETWORK).
    Mnc,
    /// Version number `digits(.digits)*` (WSP-VERSION).
    Version,
    /// `AUTOBAUDING` or a decimal bit rate (LINKSPEED, DNLINKSPEED).
    LinkSpeed,
    /// Comma-separated list of authentication types (AAUTHTYPE); open vocabulary.
    AuthTypeList,
    /// An address whose syntax is given by the sibling parameter `type_parm`.
    Address {
        /// The sibling address-type parameter (PXADDRTYPE, NAP-ADDRTYPE, …).
        type_parm: &'static str,
    },
    /// One value of a fixed vocabulary. `open`: other values are warned about, not refused.
    Enum {
        /// The vocabulary.
        values: &'static [&'static str],
        /// True when applications may add their own values.
        open: bool,
    },
    /// A reference to another characteristic.
    Ref(RefKind),
}

impl ValueType {
    /// True when the parameter is a value-less flag.
    pub fn is_flag(&self) -> bool {
        matches!(self, ValueType::Flag)
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::Text => f.write_str("text"),
            ValueType::Any => f.write_str("text or no value"),
            ValueType::Flag => f.write_str("flag (no value)"),
            ValueType::Bool01 => f.write_str("0 or 1"),
            ValueType::Decimal { max } => write!(f, "decimal 0..{max}"),
            ValueType::Hex => f.write_str("hexadecimal integer"),
            ValueType::HexString { len: 0 } => f.write_str("hex digits"),
            ValueType::HexString { len } => write!(f, "{len} hex digits"),
            ValueType::Port => f.write_str("port 0..65535"),
            ValueType::Ipv4 => f.write_str("IPv4 address"),
            ValueType::Ipv6 => f.write_str("IPv6 address"),
            ValueType::IpAddr => f.write_str("IPv4 or IPv6 address"),
            ValueType::E164 => f.write_str("E.164 number (+digits)"),
            ValueType::Uri => f.write_str("URI"),
            ValueType::Domain => f.write_str("host[/path]"),
            ValueType::Fqdn => f.write_str("host name"),
            ValueType::Mcc => f.write_str("MCC (3 digits)"),
            ValueType::Mnc => f.write_str("MNC (2-3 digits, comma list)"),
            ValueType::Version => f.write_str("version (e.g. 1.2)"),
            ValueType::LinkSpeed => f.write_str("AUTOBAUDING or bit/s"),
            ValueType::AuthTypeList => f.write_str("authentication type list"),
            ValueType::Address { type_parm } => write!(f, "address (syntax per {type_parm})"),
            ValueType::Enum { values, open } => {
                f.write_str(if *open { "one of (open) " } else { "one of " })?;
                f.write_str(&values.join(", "))
            }
            ValueType::Ref(RefKind::NapId) => f.write_str("NAPID or INTERNET"),
            ValueType::Ref(RefKind::ProxyId) => f.write_str("PROXY-ID"),
            ValueType::Ref(RefKind::AppRef) => f.write_str("APPREF"),
        }
    }
}

/// One parameter of a characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParmSpec {
    /// The `name` attribute, as in the spec.
    pub name: &'static str,
    /// How often it may occur in one characteristic.
    pub occurs: Occurs,
    /// Its value type.
    pub value: ValueType,
    /// Confidence in this row.
    pub conf: Confidence,
    /// True for passwords, keys and shared secrets: never echoed in messages.
    pub secret: bool,
    /// One-line meaning.
    pub meaning: &'static str,
}

const fn p(
    name: &'static str,
    occurs: Occurs,
    value: ValueType,
    meaning: &'static str,
) -> ParmSpec {
    ParmSpec {
        name,
        occurs,
        value,
        conf: Confidence::Confirmed,
        secret: false,
        meaning,
    }
}

const fn pu(
    name: &'static str,
    occurs: Occurs,
    value: ValueType,
    meaning: &'static str,
) -> ParmSpec {
    ParmSpec {
        name,
        occurs,
        value,
        conf: Confidence::Unconfirmed,
        secret: false,
        meaning,
    }
}

const fn secret(mut s: ParmSpec) -> ParmSpec {
    s.secret = true;
    s
}

/// How a characteristic treats parameter names its table does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownParms {
    /// An unknown name is an error (the device drops the parameter).
    Refuse,
    /// Kept with a warning (APPLICATION: may be registered for the APPID; CP 1.2 profile).
    Warn,
    /// Vendor- or application-defined names are expected (VENDORCONFIG, CP 1.2 info types).
    Accept,
}

/// A child characteristic allowed under a parent, with its occurrence there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildSpec {
    /// The child's type.
    pub kind: Known,
    /// How often it may occur under this parent.
    pub occurs: Occurs,
    /// Confidence in this placement.
    pub conf: Confidence,
}

const fn c(kind: Known, occurs: Occurs) -> ChildSpec {
    ChildSpec {
        kind,
        occurs,
        conf: Confidence::Confirmed,
    }
}

const fn cu(kind: Known, occurs: Occurs) -> ChildSpec {
    ChildSpec {
        kind,
        occurs,
        conf: Confidence::Unconfirmed,
    }
}

/// One characteristic type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharSpec {
    /// Which type.
    pub kind: Known,
    /// Its parameters.
    pub parms: &'static [ParmSpec],
    /// Characteristics allowed inside it.
    pub children: &'static [ChildSpec],
    /// How unknown parameter names are treated.
    pub unknown_parms: UnknownParms,
    /// The parameter that identifies an instance (content.md §6.3), used in paths.
    pub key: Option<&'static str>,
    /// True for the CP 1.2 change-request types that CP 1.1 phones do not know.
    pub cp12: bool,
    /// Confidence in the row as a whole.
    pub conf: Confidence,
    /// One-line meaning.
    pub meaning: &'static str,
}

impl CharSpec {
    /// The parameter called `name`, if the table lists it.
    pub fn parm(&self, name: &str) -> Option<&'static ParmSpec> {
        self.parms.iter().find(|p| p.name == name)
    }

    /// The placement of `kind` inside this characteristic, if allowed.
    pub fn child(&self, kind: Known) -> Option<&'static ChildSpec> {
        self.children.iter().find(|c| c.kind == kind)
    }
}

macro_rules! known_types {
    ($($(#[$m:meta])* $var:ident => $name:literal,)*) => {
        /// The characteristic types of ProvCont 1.1 and the CP 1.2 change requests.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Known { $($(#[$m])* $var,)* }

        impl Known {
            /// Every known type, in table order.
            pub const ALL: &'static [Known] = &[$(Known::$var,)*];

            /// The `type` attribute value.
            pub const fn name(self) -> &'static str {
                match self { $(Known::$var => $name,)* }
            }

            /// The type called `name` (case-sensitive), if known.
            pub fn from_name(name: &str) -> Option<Known> {
                match name { $($name => Some(Known::$var),)* _ => None }
            }
        }
    };
}

known_types! {
    /// A logical proxy (§5.1).
    PxLogical => "PXLOGICAL",
    /// Device-to-proxy authentication (§5.2).
    PxAuthInfo => "PXAUTHINFO",
    /// One physical proxy address (§5.3).
    PxPhysical => "PXPHYSICAL",
    /// A port and its services (§5.4).
    Port => "PORT",
    /// A network access point (§5.5).
    NapDef => "NAPDEF",
    /// NAP authentication (§5.6).
    NapAuthInfo => "NAPAUTHINFO",
    /// Where a NAP may be used (§5.7).
    Validity => "VALIDITY",
    /// Trusted provisioning server / context (§5.8).
    Bootstrap => "BOOTSTRAP",
    /// Client identity (§5.9).
    ClientIdentity => "CLIENTIDENTITY",
    /// Vendor-specific settings (§5.10).
    VendorConfig => "VENDORCONFIG",
    /// Application settings (§5.11).
    Application => "APPLICATION",
    /// Application server address (§5.12).
    AppAddr => "APPADDR",
    /// Application authentication (§5.13).
    AppAuth => "APPAUTH",
    /// A resource of an application (§5.14).
    Resource => "RESOURCE",
    /// Access rules (§5.15).
    Access => "ACCESS",
    /// CP 1.2 WLAN settings of a NAPDEF (§5.16).
    Wlan => "WLAN",
    /// CP 1.2 secondary SSID (§5.16).
    SecSsid => "SEC-SSID",
    /// CP 1.2 WEP key (§5.16).
    WepKey => "WEPKEY",
    /// CP 1.2 EAP method (§5.16).
    Eap => "EAP",
    /// CP 1.2 certificate reference of an EAP method (§5.16).
    Cert => "CERT",
    /// CP 1.2 bearer information (§5.16; parameters unknown).
    BearerInfo => "BEARERINFO",
    /// CP 1.2 DNS address information (§5.16; parameters unknown).
    DnsAddrInfo => "DNS-ADDRINFO",
}

impl Known {
    /// This type's row in [`CHARACTERISTICS`].
    pub fn spec(self) -> &'static CharSpec {
        // The table holds one row per variant (checked by a test), in variant order.
        &CHARACTERISTICS[self as usize]
    }
}

impl fmt::Display for Known {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A characteristic's `type`: a known one, or whatever the sender wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CharType {
    /// A type of the schema.
    Known(Known),
    /// Anything else (including Microsoft's MSPROV types), kept verbatim.
    Unknown(String),
}

impl CharType {
    /// Classifies a `type` attribute value.
    pub fn from_name(name: &str) -> CharType {
        match Known::from_name(name) {
            Some(k) => CharType::Known(k),
            None => CharType::Unknown(name.to_owned()),
        }
    }

    /// The `type` attribute value.
    pub fn name(&self) -> &str {
        match self {
            CharType::Known(k) => k.name(),
            CharType::Unknown(s) => s,
        }
    }

    /// The schema row, for known types.
    pub fn spec(&self) -> Option<&'static CharSpec> {
        match self {
            CharType::Known(k) => Some(k.spec()),
            CharType::Unknown(_) => None,
        }
    }
}

impl fmt::Display for CharType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------
// Vocabularies (content.md §4). The strings are the WBXML value tokens [C]; the grouping
// per parameter is [C] where peers annotate it, otherwise [U] as noted.

/// Address types of PXADDRTYPE (APN is NAP-only `[U]`).
pub const PX_ADDRTYPES: &[&str] = &[
    "IPV4",
    "IPV6",
    "E164",
    "ALPHA",
    "SCODE",
    "TETRA-ITSI",
    "MAN",
];
/// Address types of NAP-ADDRTYPE.
pub const NAP_ADDRTYPES: &[&str] = &[
    "IPV4",
    "IPV6",
    "E164",
    "ALPHA",
    "APN",
    "SCODE",
    "TETRA-ITSI",
    "MAN",
];
/// LOCAL-ADDRTYPE values `[U]` subset.
pub const LOCAL_ADDRTYPES: &[&str] = &["IPV4", "IPV6"];
/// APPADDR/ADDRTYPE values (applications may add their own).
pub const APP_ADDRTYPES: &[&str] = &["IPV4", "IPV6", "E164", "ALPHA"];
/// CALLTYPE values.
pub const CALLTYPES: &[&str] = &[
    "ANALOG-MODEM",
    "V.120",
    "V.110",
    "X.31",
    "BIT-TRANSPARENT",
    "DIRECT-ASYNCHRONOUS-DATA-SERVICE",
];
/// NAPAUTHINFO/AUTHTYPE values.
pub const AUTHTYPES: &[&str] = &["PAP", "CHAP", "MD5"];
/// AUTH-ENTITY values.
pub const AUTH_ENTITIES: &[&str] = &["AAA", "HA"];
/// PXAUTH-TYPE values.
pub const PXAUTH_TYPES: &[&str] = &["HTTP-BASIC", "HTTP-DIGEST", "WTLS-SS"];
/// PPGAUTH-TYPE values `[U]` subset.
pub const PPGAUTH_TYPES: &[&str] = &["HTTP-BASIC", "HTTP-DIGEST"];
/// BEARER values; the last two come from the CP 1.2 WLAN change request `[U]`.
pub const BEARERS: &[&str] = &[
    "GSM-USSD",
    "GSM-SMS",
    "GSM-CSD",
    "GSM-GPRS",
    "ANSI-136-GUTS",
    "ANSI-136-CSD",
    "ANSI-136-GPRS",
    "ANSI-136-GHOST",
    "IS-95-CDMA-SMS",
    "IS-95-CDMA-CSD",
    "IS-95-CDMA-PACKET",
    "AMPS-CDPD",
    "PDC-CSD",
    "PDC-PACKET",
    "IDEN-SMS",
    "IDEN-CSD",
    "IDEN-PACKET",
    "FLEX/REFLEX",
    "PHS-SMS",
    "PHS-CSD",
    "TETRA-SDS",
    "TETRA-PACKET",
    "MOBITEX-MPAK",
    "CDMA2000-1X-SIMPLE-IP",
    "CDMA2000-1X-MOBILE-IP",
    "3G-GSM",
    "WLAN",
];
/// BEARER values that CP 1.1 does not define (CP 1.2 WLAN change request) `[U]`.
pub const CP12_BEARERS: &[&str] = &["3G-GSM", "WLAN"];
/// Packet bearers, whose NAP-ADDRESS is normally an APN or similar, not a number.
pub const PACKET_BEARERS: &[&str] = &[
    "GSM-GPRS",
    "ANSI-136-GPRS",
    "IS-95-CDMA-PACKET",
    "AMPS-CDPD",
    "PDC-PACKET",
    "IDEN-PACKET",
    "TETRA-PACKET",
    "MOBITEX-MPAK",
    "CDMA2000-1X-SIMPLE-IP",
    "CDMA2000-1X-MOBILE-IP",
    "3G-GSM",
];
/// PORT/SERVICE values (under APPADDR applications add their own).
pub const SERVICES: &[&str] = &[
    "CL-WSP",
    "CO-WSP",
    "CL-SEC-WSP",
    "CO-SEC-WSP",
    "CL-SEC-WTA",
    "CO-SEC-WTA",
    "OTA-HTTP-TO",
    "OTA-HTTP-TLS-TO",
    "OTA-HTTP-PO",
    "OTA-HTTP-TLS-PO",
];
/// AAUTHLEVEL values (CLIENT has no token but is used by DM bootstrap).
pub const AAUTHLEVELS: &[&str] = &["APPSRV", "OBEX", "CLIENT"];
/// AAUTHTYPE items with WBXML tokens; registered applications add their own.
pub const AAUTHTYPES: &[&str] = &["HTTP-BASIC", "HTTP-DIGEST", "BASIC", "DIGEST"];
/// WLAN/NETMODE `[U]`.
pub const NETMODES: &[&str] = &["ADHOC", "INFRA"];
/// WLAN/SECMODE `[U]`.
pub const SECMODES: &[&str] = &[
    "WEP",
    "8021X",
    "WPA",
    "WPA2",
    "WPA-PRESHARED-KEY",
    "WPA2-PRESHARED-KEY",
];
/// WLAN/WEPAUTHMODE `[U]`.
pub const WEPAUTHMODES: &[&str] = &["OPEN", "SHARED"];
/// EAP/EAPTYPE `[U]` (open: Nokia's list).
pub const EAPTYPES: &[&str] = &[
    "EAP-SIM",
    "EAP-AKA",
    "EAP-TLS",
    "EAP-PEAP",
    "EAP-TTLS",
    "EAP-LEAP",
    "EAP-MSCHAPV2",
    "EAP-GTC",
    "EAP-FAST",
];
/// CERT/CERT-TYPE `[U]`.
pub const CERT_TYPES: &[&str] = &["USER", "CA"];

const fn closed(values: &'static [&'static str]) -> ValueType {
    ValueType::Enum {
        values,
        open: false,
    }
}

const fn open(values: &'static [&'static str]) -> ValueType {
    ValueType::Enum { values, open: true }
}

use Occurs as O;
use ValueType as V;

const ID: ValueType = V::Text;
const NAP_REF: ValueType = V::Ref(RefKind::NapId);
const PROXY_REF: ValueType = V::Ref(RefKind::ProxyId);
const DEC: ValueType = V::Decimal {
    max: u32::MAX as u64,
};

// ---------------------------------------------------------------------------------------
// Parameter tables (content.md §5).

#[rustfmt::skip]
const PXLOGICAL_PARMS: &[ParmSpec] = &[
    p("PROXY-ID", O::ONE, ID, "identifier of the logical proxy; target of TO-PROXY and BOOTSTRAP/PROXY-ID"),
    secret(pu("PROXY-PW", O::OPT, V::Text, "secret the proxy uses when it authenticates itself as PPG")),
    pu("PPGAUTH-TYPE", O::OPT, closed(PPGAUTH_TYPES), "scheme for the PPG authentication"),
    pu("PROXY-PROVIDER-ID", O::OPT, V::Text, "identity of the proxy provider (server identity matching)"),
    p("NAME", O::ONE, V::Text, "user-visible name"),
    p("DOMAIN", O::ANY, V::Domain, "use this proxy for URLs under these domains (Intel keeps 4)"),
    pu("TRUST", O::OPT, V::Flag, "the proxy is trusted"),
    pu("MASTER", O::OPT, V::Flag, "a master proxy"),
    p("STARTPAGE", O::OPT, V::Uri, "home page used with this proxy"),
    pu("BASAUTH-ID", O::OPT, V::Text, "HTTP Basic user name for the start page"),
    secret(pu("BASAUTH-PW", O::OPT, V::Text, "HTTP Basic password for the start page")),
    p("WSP-VERSION", O::OPT, V::Version, "WSP version the proxy supports (Intel default 1.2)"),
    p("PUSHENABLED", O::OPT, V::Bool01, "the proxy delivers push (acts as PPG); default 0"),
    p("PULLENABLED", O::OPT, V::Bool01, "the proxy serves requests; Intel default 0, others 1"),
];

#[rustfmt::skip]
const PXAUTHINFO_PARMS: &[ParmSpec] = &[
    p("PXAUTH-TYPE", O::ONE, closed(PXAUTH_TYPES), "how the device authenticates to the proxy"),
    p("PXAUTH-ID", O::OPT, V::Text, "user name"),
    secret(p("PXAUTH-PW", O::OPT, V::Text, "password or shared secret")),
];

#[rustfmt::skip]
const PXPHYSICAL_PARMS: &[ParmSpec] = &[
    p("PHYSICAL-PROXY-ID", O::ONE, ID, "identifier, unique within the PXLOGICAL"),
    p("DOMAIN", O::ANY, V::Domain, "use this proxy for URLs under these domains (Intel keeps 4)"),
    p("PXADDR", O::ONE, V::Address { type_parm: "PXADDRTYPE" }, "proxy address"),
    p("PXADDRTYPE", O::OPT, closed(PX_ADDRTYPES), "syntax of PXADDR; default IPV4"),
    p("PXADDR-FQDN", O::OPT, V::Fqdn, "DNS name of the proxy"),
    p("WSP-VERSION", O::OPT, V::Version, "WSP version the proxy supports"),
    p("PUSHENABLED", O::OPT, V::Bool01, "the proxy delivers push"),
    p("PULLENABLED", O::OPT, V::Bool01, "the proxy serves requests"),
    p("TO-NAPID", O::SOME, NAP_REF, "NAPs through which the proxy is reachable, in preference order"),
];

#[rustfmt::skip]
const PORT_PARMS: &[ParmSpec] = &[
    p("PORTNBR", O::ONE, V::Port, "port number"),
    p("SERVICE", O::ANY, closed(SERVICES), "service on the port (under APPADDR: application-defined)"),
];

const QOS_MEANING: &str = "GPRS/UMTS QoS field (TS 24.008), hexadecimal";

#[rustfmt::skip]
const NAPDEF_PARMS: &[ParmSpec] = &[
    p("NAPID", O::ONE, ID, "identifier; target of TO-NAPID"),
    pu("BEARER", O::ANY, closed(BEARERS), "bearer(s) of this NAP"),
    p("NAME", O::ONE, V::Text, "user-visible name"),
    p("INTERNET", O::OPT, V::Flag, "gives access to the public Internet (target of TO-NAPID=INTERNET)"),
    p("NAP-ADDRESS", O::ONE, V::Address { type_parm: "NAP-ADDRTYPE" }, "phone number, APN, …"),
    p("NAP-ADDRTYPE", O::OPT, closed(NAP_ADDRTYPES), "syntax of NAP-ADDRESS; Intel defaults to E164"),
    p("DNS-ADDR", O::ANY, V::IpAddr, "DNS server"),
    p("CALLTYPE", O::OPT, closed(CALLTYPES), "circuit-switched call type; default ANALOG-MODEM"),
    p("LOCAL-ADDR", O::OPT, V::Address { type_parm: "LOCAL-ADDRTYPE" }, "static address of the device"),
    pu("LOCAL-ADDRTYPE", O::OPT, closed(LOCAL_ADDRTYPES), "syntax of LOCAL-ADDR; Intel defaults to IPV6"),
    p("LINKSPEED", O::OPT, V::LinkSpeed, "(uplink) speed for CSD"),
    p("DNLINKSPEED", O::OPT, V::LinkSpeed, "downlink speed"),
    p("LINGER", O::OPT, DEC, "idle seconds before the connection is dropped"),
    pu("DELIVERY-ERR-SDU", O::OPT, V::Hex, QOS_MEANING),
    pu("DELIVERY-ORDER", O::OPT, V::Hex, QOS_MEANING),
    pu("TRAFFIC-CLASS", O::OPT, V::Hex, QOS_MEANING),
    pu("MAX-SDU-SIZE", O::OPT, V::Hex, QOS_MEANING),
    pu("MAX-BITRATE-UPLINK", O::OPT, V::Hex, QOS_MEANING),
    pu("MAX-BITRATE-DNLINK", O::OPT, V::Hex, QOS_MEANING),
    pu("RESIDUAL-BER", O::OPT, V::Hex, QOS_MEANING),
    pu("SDU-ERROR-RATIO", O::OPT, V::Hex, QOS_MEANING),
    pu("TRAFFIC-HANDL-PRIO", O::OPT, V::Hex, QOS_MEANING),
    pu("TRANSFER-DELAY", O::OPT, V::Hex, QOS_MEANING),
    pu("GUARANTEED-BITRATE-UPLINK", O::OPT, V::Hex, QOS_MEANING),
    pu("GUARANTEED-BITRATE-DNLINK", O::OPT, V::Hex, QOS_MEANING),
    p("MAX-NUM-RETRY", O::OPT, V::Hex, "CDMA2000 Mobile IP registration retries (Intel: hex)"),
    p("FIRST-RETRY-TIMEOUT", O::OPT, V::Hex, "Mobile IP first retry timeout (Intel: hex)"),
    p("REREG-THRESHOLD", O::OPT, V::Hex, "Mobile IP re-registration threshold (Intel: hex)"),
    p("T-BIT", O::OPT, V::Flag, "Mobile IP reverse tunnelling requested"),
];

/// NAPDEF parameters that only make sense for Mobile IP (CDMA2000-1X-MOBILE-IP).
pub const MOBILE_IP_PARMS: &[&str] = &[
    "MAX-NUM-RETRY",
    "FIRST-RETRY-TIMEOUT",
    "REREG-THRESHOLD",
    "T-BIT",
];

#[rustfmt::skip]
const NAPAUTHINFO_PARMS: &[ParmSpec] = &[
    p("AUTHTYPE", O::ONE, closed(AUTHTYPES), "PPP authentication protocol"),
    p("AUTHNAME", O::OPT, V::Text, "user name"),
    secret(p("AUTHSECRET", O::OPT, V::Text, "password")),
    p("AUTH-ENTITY", O::ANY, closed(AUTH_ENTITIES), "Mobile IP entity the secret is shared with"),
    p("SPI", O::OPT, V::HexString {len: 0}, "Mobile IP security parameter index"),
];

#[rustfmt::skip]
const VALIDITY_PARMS: &[ParmSpec] = &[
    p("COUNTRY", O::OPT, V::Mcc, "mobile country code where the NAP may be used"),
    pu("NETWORK", O::OPT, V::Mnc, "mobile network code(s); needs COUNTRY"),
    p("SID", O::OPT, V::Text, "system identity (IS-136/CDMA)"),
    p("SOC", O::OPT, V::Text, "system operator code (IS-136); needs SID"),
    pu("VALIDUNTIL", O::OPT, DEC, "validity period in seconds"),
];

#[rustfmt::skip]
const BOOTSTRAP_PARMS: &[ParmSpec] = &[
    p("NAME", O::OPT, V::Text, "user-visible name of the provisioning context (Nokia keeps 50 chars)"),
    pu("NETWORK", O::ANY, V::Text, "home network(s) the bootstrap applies to"),
    p("COUNTRY", O::OPT, V::Mcc, "home country"),
    p("PROXY-ID", O::ANY, PROXY_REF, "PPGs trusted for this context"),
    p("PROVURL", O::OPT, V::Uri, "the trusted provisioning server; identifies the context"),
    p("CONTEXT-ALLOW", O::OPT, V::Decimal {max: 255}, "how many other TPS contexts may coexist"),
];

const CLIENTIDENTITY_PARMS: &[ParmSpec] = &[pu(
    "CLIENT-ID",
    O::ONE,
    V::Text,
    "identity of the client towards the network/proxies",
)];

const VENDORCONFIG_PARMS: &[ParmSpec] = &[p(
    "NAME",
    O::ONE,
    V::Text,
    "identifies the vendor/configuration",
)];

#[rustfmt::skip]
const APPLICATION_PARMS: &[ParmSpec] = &[
    p("APPID", O::ONE, V::Text, "registered application id (w2, w4, w7, 25, …)"),
    p("PROVIDER-ID", O::OPT, V::Text, "identifier of the service provider/server"),
    p("NAME", O::OPT, V::Text, "user-visible name of the account/service"),
    pu("AACCEPT", O::OPT, V::Text, "content types / capabilities accepted"),
    pu("APROTOCOL", O::OPT, V::Text, "application protocol/version"),
    p("TO-PROXY", O::ANY, PROXY_REF, "proxies the application uses, in preference order"),
    p("TO-NAPID", O::ANY, NAP_REF, "NAPs for direct access, in preference order"),
    p("ADDR", O::ANY, V::Text, "application server address (usually a URI)"),
    pu("APPREF", O::OPT, V::Text, "CP 1.2: name by which other APPLICATIONs refer to this one"),
    pu("TO-APPREF", O::ANY, V::Ref(RefKind::AppRef), "CP 1.2: applications this one depends on"),
];

/// CP 1.2 parameter names of APPLICATION (no CP 1.1 token).
pub const CP12_APP_PARMS: &[&str] = &["APPREF", "TO-APPREF"];

#[rustfmt::skip]
const APPADDR_PARMS: &[ParmSpec] = &[
    p("ADDR", O::ONE, V::Address { type_parm: "ADDRTYPE" }, "server address"),
    p("ADDRTYPE", O::OPT, open(APP_ADDRTYPES), "syntax of ADDR"),
];

#[rustfmt::skip]
const APPAUTH_PARMS: &[ParmSpec] = &[
    pu("AAUTHLEVEL", O::OPT, open(AAUTHLEVELS), "APPSRV: client's credentials; CLIENT: server's; OBEX"),
    p("AAUTHTYPE", O::OPT, V::AuthTypeList, "authentication scheme(s)"),
    p("AAUTHNAME", O::OPT, V::Text, "user or server name"),
    secret(p("AAUTHSECRET", O::OPT, V::Text, "password")),
    secret(p("AAUTHDATA", O::OPT, V::Text, "extra authentication data (e.g. DM nonce)")),
];

#[rustfmt::skip]
const RESOURCE_PARMS: &[ParmSpec] = &[
    p("URI", O::ONE, V::Text, "URI or path of the resource"),
    p("NAME", O::OPT, V::Text, "user-visible name"),
    p("AACCEPT", O::OPT, V::Text, "accepted content type(s)"),
    p("AAUTHTYPE", O::OPT, V::AuthTypeList, "authentication scheme(s) for this resource"),
    p("AAUTHNAME", O::OPT, V::Text, "user name for this resource"),
    secret(p("AAUTHSECRET", O::OPT, V::Text, "password for this resource")),
    secret(p("AAUTHDATA", O::OPT, V::Text, "extra authentication data for this resource")),
    p("STARTPAGE", O::OPT, V::Flag, "this resource is the start page (w2)"),
    p("CLIURI", O::OPT, V::Any, "client-side URI (w5)"),
    p("IMAGE", O::OPT, V::Any, "application-specific (seen in Intel's table)"),
    p("SYNCTYPE", O::OPT, V::Any, "synchronisation type (w5)"),
];

#[rustfmt::skip]
const ACCESS_PARMS: &[ParmSpec] = &[
    p("RULE", O::ANY, V::Any, "opens a rule (Intel: first parameter, value optional)"),
    p("APPID", O::ANY, V::Text, "applications the rule applies to (none: all)"),
    p("PORTNBR", O::ANY, V::Port, "ports the rule applies to"),
    p("DOMAIN", O::ANY, V::Domain, "domains the rule applies to"),
    p("TO-NAPID", O::ANY, NAP_REF, "NAPs the selected traffic uses (Intel: last parameters)"),
    p("TO-PROXY", O::ANY, PROXY_REF, "proxies the selected traffic uses (Intel: last parameters)"),
];

#[rustfmt::skip]
const WLAN_PARMS: &[ParmSpec] = &[
    pu("PRI-SSID", O::OPT, V::Text, "primary SSID"),
    pu("PRI-U-SSID", O::OPT, V::Text, "primary SSID, user-readable UTF-8 form"),
    pu("PRI-H-SSID", O::OPT, V::Any, "the primary SSID is hidden (non-broadcast)"),
    pu("NETMODE", O::OPT, closed(NETMODES), "ad-hoc or infrastructure (default INFRA)"),
    pu("SECMODE", O::OPT, closed(SECMODES), "security mode"),
    secret(pu("WPA-PRES-KEY-ASC", O::OPT, V::Text, "WPA passphrase (8..63 characters)")),
    secret(pu("WPA-PRES-KEY-HEX", O::OPT, V::HexString {len: 64}, "WPA pre-shared key as 64 hex digits")),
    pu("WEPKEYIND", O::OPT, V::Decimal {max: 3}, "index of the default WEP key"),
    pu("WEPAUTHMODE", O::OPT, closed(WEPAUTHMODES), "WEP authentication mode"),
    pu("WLANHAND", O::OPT, V::Any, "meaning unknown"),
    pu("EDIT-SET", O::OPT, V::Any, "user may edit the settings (inferred)"),
    pu("VIEW-SET", O::OPT, V::Any, "user may view the settings (inferred)"),
    pu("FORW-SET", O::OPT, V::Any, "user may forward the settings (inferred)"),
];

#[rustfmt::skip]
const SEC_SSID_PARMS: &[ParmSpec] = &[
    pu("S-SSID", O::OPT, V::Text, "secondary SSID"),
    pu("S-U-SSID", O::OPT, V::Text, "secondary SSID, user-readable form"),
];

#[rustfmt::skip]
const WEPKEY_PARMS: &[ParmSpec] = &[
    pu("LENGTH", O::OPT, DEC, "key length in bits"),
    pu("INDEX", O::OPT, V::Decimal {max: 3}, "key index 0..3"),
    secret(pu("DATA", O::OPT, V::Text, "the key (Nokia: at most 29 bytes)")),
];

#[rustfmt::skip]
const EAP_PARMS: &[ParmSpec] = &[
    pu("EAPTYPE", O::OPT, open(EAPTYPES), "EAP method"),
    pu("USERNAME", O::OPT, V::Text, "user name"),
    secret(pu("PASSWORD", O::OPT, V::Text, "password")),
    pu("REALM", O::OPT, V::Text, "realm"),
    pu("USE-PSEUD", O::OPT, V::Any, "use pseudonym identities"),
    pu("MAXAUTHS", O::OPT, V::Any, "maximum authentication attempts"),
    pu("ENCAPS", O::OPT, V::Any, "encapsulated (inner) method"),
    pu("VER-SER-REALM", O::OPT, V::Any, "verify the server realm"),
    pu("CLIENT-AUTH", O::OPT, V::Any, "client authentication required (Nokia spells CLIENTH-AUTH)"),
    pu("SES-VAL-TIME", O::OPT, V::Any, "session validity time"),
    pu("CIP-SUIT", O::OPT, V::Any, "cipher suites"),
    pu("PEAP-V0", O::OPT, V::Any, "allow PEAP version 0"),
    pu("PEAP-V1", O::OPT, V::Any, "allow PEAP version 1"),
    pu("PEAP-V2", O::OPT, V::Any, "allow PEAP version 2"),
];

#[rustfmt::skip]
const CERT_PARMS: &[ParmSpec] = &[
    pu("ISS-NAME", O::OPT, V::Text, "issuer name"),
    pu("SUB-NAME", O::OPT, V::Text, "subject name"),
    pu("CERT-TYPE", O::OPT, closed(CERT_TYPES), "user or CA certificate"),
    pu("SER-NUM", O::OPT, V::Text, "serial number"),
    pu("SUB-KEY-ID", O::OPT, V::Text, "subject key identifier"),
    pu("THUMBPRINT", O::OPT, V::Text, "certificate fingerprint"),
];

// ---------------------------------------------------------------------------------------
// Containment (content.md §3).

/// Characteristics allowed at the document root.
pub const ROOT_CHILDREN: &[ChildSpec] = &[
    c(Known::PxLogical, O::ANY),
    c(Known::NapDef, O::ANY),
    c(Known::Bootstrap, O::ANY),
    c(Known::ClientIdentity, O::OPT),
    c(Known::VendorConfig, O::ANY),
    c(Known::Application, O::ANY),
    c(Known::Access, O::ANY),
];

const fn spec(
    kind: Known,
    parms: &'static [ParmSpec],
    children: &'static [ChildSpec],
    key: Option<&'static str>,
    meaning: &'static str,
) -> CharSpec {
    CharSpec {
        kind,
        parms,
        children,
        unknown_parms: UnknownParms::Refuse,
        key,
        cp12: false,
        conf: Confidence::Confirmed,
        meaning,
    }
}

const fn cp12(mut s: CharSpec, unknown_parms: UnknownParms) -> CharSpec {
    s.cp12 = true;
    s.conf = Confidence::Unconfirmed;
    s.unknown_parms = unknown_parms;
    s
}

const fn with_unknown(mut s: CharSpec, unknown_parms: UnknownParms) -> CharSpec {
    s.unknown_parms = unknown_parms;
    s
}

/// Every characteristic type, one row per [`Known`] variant in variant order.
pub static CHARACTERISTICS: &[CharSpec] = &[
    spec(
        Known::PxLogical,
        PXLOGICAL_PARMS,
        &[
            c(Known::PxAuthInfo, O::ANY),
            c(Known::Port, O::ANY),
            c(Known::PxPhysical, O::SOME),
        ],
        Some("PROXY-ID"),
        "a logical proxy (WAP gateway, HTTP proxy, PPG) reached through physical proxies",
    ),
    spec(
        Known::PxAuthInfo,
        PXAUTHINFO_PARMS,
        &[],
        Some("PXAUTH-TYPE"),
        "how the device authenticates to the proxy",
    ),
    spec(
        Known::PxPhysical,
        PXPHYSICAL_PARMS,
        &[c(Known::Port, O::ANY)],
        Some("PHYSICAL-PROXY-ID"),
        "one physical address of a logical proxy",
    ),
    spec(
        Known::Port,
        PORT_PARMS,
        &[],
        Some("PORTNBR"),
        "a port and the services on it",
    ),
    spec(
        Known::NapDef,
        NAPDEF_PARMS,
        &[
            c(Known::NapAuthInfo, O::ANY),
            c(Known::Validity, O::ANY),
            cu(Known::Wlan, O::OPT),
            cu(Known::BearerInfo, O::ANY),
            cu(Known::DnsAddrInfo, O::ANY),
        ],
        Some("NAPID"),
        "a network access point (CSD number, GPRS APN, WLAN, …)",
    ),
    spec(
        Known::NapAuthInfo,
        NAPAUTHINFO_PARMS,
        &[],
        Some("AUTHTYPE"),
        "authentication towards the NAP",
    ),
    spec(
        Known::Validity,
        VALIDITY_PARMS,
        &[],
        Some("COUNTRY"),
        "a network where the NAP may be used",
    ),
    spec(
        Known::Bootstrap,
        BOOTSTRAP_PARMS,
        &[],
        Some("PROVURL"),
        "trusted provisioning server and context",
    ),
    spec(
        Known::ClientIdentity,
        CLIENTIDENTITY_PARMS,
        &[],
        Some("CLIENT-ID"),
        "identity of the client",
    ),
    with_unknown(
        spec(
            Known::VendorConfig,
            VENDORCONFIG_PARMS,
            &[],
            Some("NAME"),
            "vendor-defined settings",
        ),
        UnknownParms::Accept,
    ),
    with_unknown(
        spec(
            Known::Application,
            APPLICATION_PARMS,
            &[
                c(Known::AppAddr, O::ANY),
                c(Known::AppAuth, O::ANY),
                c(Known::Resource, O::ANY),
                cu(Known::ClientIdentity, O::OPT),
            ],
            Some("APPID"),
            "settings of one application (browser, MMS, e-mail, DM, …)",
        ),
        UnknownParms::Warn,
    ),
    spec(
        Known::AppAddr,
        APPADDR_PARMS,
        &[c(Known::Port, O::ANY)],
        Some("ADDR"),
        "an application server address",
    ),
    spec(
        Known::AppAuth,
        APPAUTH_PARMS,
        &[],
        Some("AAUTHLEVEL"),
        "application credentials",
    ),
    with_unknown(
        spec(
            Known::Resource,
            RESOURCE_PARMS,
            &[],
            Some("URI"),
            "a resource of an application (bookmark, database, …)",
        ),
        UnknownParms::Warn,
    ),
    spec(
        Known::Access,
        ACCESS_PARMS,
        &[],
        Some("RULE"),
        "access rules binding traffic to NAPs/proxies",
    ),
    cp12(
        spec(
            Known::Wlan,
            WLAN_PARMS,
            &[
                cu(Known::SecSsid, O::ANY),
                cu(Known::WepKey, O::up_to(4)),
                cu(Known::Eap, O::ANY),
            ],
            Some("PRI-SSID"),
            "CP 1.2: WLAN settings of a NAPDEF with BEARER=WLAN",
        ),
        UnknownParms::Warn,
    ),
    cp12(
        spec(
            Known::SecSsid,
            SEC_SSID_PARMS,
            &[],
            Some("S-SSID"),
            "CP 1.2: a secondary SSID",
        ),
        UnknownParms::Warn,
    ),
    cp12(
        spec(
            Known::WepKey,
            WEPKEY_PARMS,
            &[],
            Some("INDEX"),
            "CP 1.2: a WEP key",
        ),
        UnknownParms::Warn,
    ),
    cp12(
        spec(
            Known::Eap,
            EAP_PARMS,
            &[cu(Known::Cert, O::ANY)],
            Some("EAPTYPE"),
            "CP 1.2: an EAP method",
        ),
        UnknownParms::Warn,
    ),
    cp12(
        spec(
            Known::Cert,
            CERT_PARMS,
            &[],
            None,
            "CP 1.2: a certificate used by an EAP method",
        ),
        UnknownParms::Warn,
    ),
    cp12(
        spec(
            Known::BearerInfo,
            &[],
            &[],
            None,
            "CP 1.2: bearer information (parameters unknown)",
        ),
        UnknownParms::Accept,
    ),
    cp12(
        spec(
            Known::DnsAddrInfo,
            &[],
            &[],
            None,
            "CP 1.2: DNS address information (parameters unknown)",
        ),
        UnknownParms::Accept,
    ),
];

// ---------------------------------------------------------------------------------------
// APPIDs (content.md §7).

/// How Intel CPClient recognises two APPLICATIONs of one APPID as duplicates (content.md §5.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKey {
    /// By NAME (w2: several browser settings may coexist).
    Name,
    /// By APPID alone (w4: one MMS account).
    AppIdOnly,
    /// By PROVIDER-ID (servers: DS, DM, e-mail, IMPS, SUPL).
    ProviderId,
    /// Never deduplicated.
    None,
}

/// A per-APPID sanity minimum (Intel product rules, content.md §7.2); failing one is a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppMinimum {
    /// ADDR or an APPADDR.
    Address,
    /// A non-empty PROVIDER-ID.
    ProviderId,
    /// A FROM parameter.
    From,
    /// An APPADDR with a PORT.
    AppAddrPort,
    /// A RESOURCE with AACCEPT.
    ResourceWithAaccept,
    /// AACCEPT on the APPLICATION.
    Aaccept,
}

impl AppMinimum {
    /// What the minimum asks for, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            AppMinimum::Address => "an ADDR or APPADDR",
            AppMinimum::ProviderId => "a non-empty PROVIDER-ID",
            AppMinimum::From => "a FROM parameter",
            AppMinimum::AppAddrPort => "an APPADDR with a PORT",
            AppMinimum::ResourceWithAaccept => "a RESOURCE with AACCEPT",
            AppMinimum::Aaccept => "AACCEPT",
        }
    }
}

/// A registered APPID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppIdSpec {
    /// The APPID value.
    pub id: &'static str,
    /// The application.
    pub meaning: &'static str,
    /// Confidence in the registration.
    pub conf: Confidence,
    /// Duplicate key within one document.
    pub key: AppKey,
    /// Extra APPLICATION parameters registered for this APPID (besides [`APP_EXTRA_PARMS`]).
    pub extra_parms: &'static [ParmSpec],
    /// Intel's sanity minimums.
    pub minimums: &'static [AppMinimum],
}

/// Application-specific APPLICATION parameters Intel accepts for any APPID (content.md §7.2;
/// meanings `[U]`). They are literal strings in WBXML.
#[rustfmt::skip]
pub const APP_EXTRA_PARMS: &[ParmSpec] = &[
    pu("AUTO-DOWNLOAD", O::OPT, V::Any, "MMS: retrieve messages automatically"),
    pu("CIDPREFIX", O::OPT, V::Any, "client id prefix"),
    pu("CM", O::OPT, V::Any, "MMS creation mode / e-mail connection mode"),
    pu("DELIVERY-TIME", O::OPT, V::Any, "MMS delivery time"),
    pu("DOMAIN", O::ANY, V::Any, "application domain"),
    pu("EXPIRY-TIME", O::OPT, V::Any, "MMS expiry time"),
    pu("FROM", O::OPT, V::Any, "e-mail sender address"),
    pu("INIT", O::OPT, V::Any, "start a session right after provisioning (w7: value-less flag)"),
    pu("MS", O::OPT, V::Any, "MMS maximum size"),
    pu("Ma", O::OPT, V::Any, "application-specific"),
    pu("PC-ADDR", O::OPT, V::Any, "application-specific address"),
    pu("POP-BEFORE-SMTP", O::OPT, V::Any, "authenticate SMTP by a POP3 login first"),
    pu("PRIORITY", O::OPT, V::Any, "MMS priority"),
    pu("REQUEST-DELIVERY", O::OPT, V::Any, "MMS: request delivery reports"),
    pu("REQUEST-READ", O::OPT, V::Any, "MMS: request read reports"),
    pu("RM", O::OPT, V::Any, "MMS retrieval mode"),
    pu("ROAMING", O::OPT, V::Any, "behaviour when roaming"),
    pu("SAVE-SENT", O::OPT, V::Any, "e-mail: keep sent messages"),
    pu("SENDER-VISIBLE", O::OPT, V::Any, "MMS: show the sender"),
    pu("SENT-FOLDER", O::OPT, V::Any, "e-mail sent folder"),
    pu("SERVICES", O::OPT, V::Any, "application services"),
    pu("TRASH-FOLDER", O::OPT, V::Any, "e-mail trash folder"),
];

#[rustfmt::skip]
const W7_PARMS: &[ParmSpec] = &[
    p("BACKCOMPATRETRYDISABLED", O::OPT, V::Any, "Windows DM client setting"),
    p("CONNRETRYFREQ", O::OPT, V::Any, "Windows DM client: connection retries"),
    p("DEFAULTENCODING", O::OPT, V::Any, "Windows DM client: WBXML or XML"),
    p("INITIALBACKOFTIME", O::OPT, V::Any, "Windows DM client: first retry back-off"),
    p("MAXBACKOFTIME", O::OPT, V::Any, "Windows DM client: longest retry back-off"),
    p("PROTOVER", O::OPT, V::Any, "Windows DM client: protocol version"),
    p("ROLE", O::OPT, V::Any, "Windows DM client: security role"),
    p("USEHWDEVID", O::OPT, V::Any, "Windows DM client: use the hardware device id"),
    p("SSLCLIENTCERTSEARCHCRITERIA", O::OPT, V::Any, "Windows DM client: client certificate selection"),
];

const fn app(
    id: &'static str,
    meaning: &'static str,
    key: AppKey,
    extra_parms: &'static [ParmSpec],
    minimums: &'static [AppMinimum],
) -> AppIdSpec {
    AppIdSpec {
        id,
        meaning,
        conf: Confidence::Confirmed,
        key,
        extra_parms,
        minimums,
    }
}

use AppMinimum as M;

/// The registered APPIDs known to the project (content.md §7.1).
#[rustfmt::skip]
pub static APPIDS: &[AppIdSpec] = &[
    app("w2", "WAP/HTTP browser (bookmarks, start page)", AppKey::Name, &[], &[]),
    app("w4", "MMS (MMSC in ADDR, proxy via TO-PROXY)", AppKey::AppIdOnly, &[], &[M::Address]),
    app("ap0005", "MMS (alternative registration)", AppKey::None, &[], &[M::Address]),
    app("w5", "OMA Data Synchronisation (SyncML DS)", AppKey::ProviderId, &[], &[M::Address, M::ResourceWithAaccept]),
    app("w7", "OMA Device Management (DM account bootstrap)", AppKey::ProviderId, W7_PARMS, &[M::Address, M::ProviderId]),
    app("wA", "IMPS / Wireless Village", AppKey::ProviderId, &[], &[M::Address, M::Aaccept]),
    app("ap0004", "SUPL", AppKey::ProviderId, &[], &[M::Address]),
    app("25", "SMTP (outgoing e-mail)", AppKey::ProviderId, &[], &[M::Address, M::From, M::AppAddrPort]),
    app("110", "POP3", AppKey::ProviderId, &[], &[M::Address, M::AppAddrPort]),
    app("143", "IMAP4", AppKey::ProviderId, &[], &[M::Address, M::AppAddrPort]),
    app("DL", "OMA Download (as labelled by Intel)", AppKey::None, &[], &[M::Address]),
];

/// The registration of `appid`, if known.
pub fn appid(appid: &str) -> Option<&'static AppIdSpec> {
    APPIDS.iter().find(|a| a.id == appid)
}

/// The characteristics allowed directly under `parent` (`None` = the document root).
pub fn children_of(parent: Option<Known>) -> &'static [ChildSpec] {
    match parent {
        None => ROOT_CHILDREN,
        Some(k) => k.spec().children,
    }
}

/// Where `kind` may appear: `None` stands for the document root.
pub fn parents_of(kind: Known) -> Vec<Option<Known>> {
    let mut out = Vec::new();
    if ROOT_CHILDREN.iter().any(|c| c.kind == kind) {
        out.push(None);
    }
    for s in CHARACTERISTICS {
        if s.children.iter().any(|c| c.kind == kind) {
            out.push(Some(s.kind));
        }
    }
    out
}

/// The parameter `name` of a characteristic of type `kind`, including parameters
/// registered for the APPLICATION's APPID (`appid`, when `kind` is APPLICATION).
pub fn parm(kind: Known, name: &str, appid: Option<&str>) -> Option<&'static ParmSpec> {
    if let Some(p) = kind.spec().parm(name) {
        return Some(p);
    }
    if kind == Known::Application {
        if let Some(p) = appid
            .and_then(self::appid)
            .and_then(|a| a.extra_parms.iter().find(|p| p.name == name))
        {
            return Some(p);
        }
        return APP_EXTRA_PARMS.iter().find(|p| p.name == name);
    }
    None
}

/// True when a parameter called `name` holds a secret in some characteristic (passwords,
/// shared secrets, keys). Used to keep such values out of `Debug` output and messages.
pub fn is_secret_name(name: &str) -> bool {
    CHARACTERISTICS
        .iter()
        .flat_map(|c| c.parms)
        .any(|p| p.secret && p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_known_type_in_variant_order() {
        assert_eq!(CHARACTERISTICS.len(), Known::ALL.len());
        for (i, k) in Known::ALL.iter().enumerate() {
            assert_eq!(CHARACTERISTICS[i].kind, *k);
            assert_eq!(Known::from_name(k.name()), Some(*k));
        }
    }

    #[test]
    fn parameter_names_are_unique_per_characteristic() {
        for s in CHARACTERISTICS {
            for (i, a) in s.parms.iter().enumerate() {
                assert!(
                    s.parms[i + 1..].iter().all(|b| b.name != a.name),
                    "{} repeats {}",
                    s.kind,
                    a.name
                );
            }
            if let Some(k) = s.key {
                assert!(
                    s.parm(k).is_some(),
                    "{} key {k} is not one of its parameters",
                    s.kind
                );
            }
        }
    }

    #[test]
    fn address_type_parms_exist_beside_addresses() {
        for s in CHARACTERISTICS {
            for p in s.parms {
                if let ValueType::Address { type_parm } = p.value {
                    assert!(
                        s.parm(type_parm).is_some(),
                        "{}/{} names {type_parm}",
                        s.kind,
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_type_but_the_root_ones_has_a_parent() {
        for k in Known::ALL {
            assert!(!parents_of(*k).is_empty(), "{k} has nowhere to go");
        }
        assert_eq!(
            parents_of(Known::Port),
            vec![
                Some(Known::PxLogical),
                Some(Known::PxPhysical),
                Some(Known::AppAddr)
            ]
        );
        assert_eq!(
            parents_of(Known::ClientIdentity),
            vec![None, Some(Known::Application)]
        );
    }

    #[test]
    fn occurs_display() {
        assert_eq!(Occurs::ONE.to_string(), "1");
        assert_eq!(Occurs::OPT.to_string(), "0..1");
        assert_eq!(Occurs::ANY.to_string(), "0..*");
        assert_eq!(Occurs::SOME.to_string(), "1..*");
        assert_eq!(Occurs::up_to(4).to_string(), "0..4");
    }

    #[test]
    fn app_specific_parms_resolve_per_appid() {
        assert!(parm(Known::Application, "ROLE", Some("w7")).is_some());
        assert!(parm(Known::Application, "ROLE", Some("w2")).is_none());
        assert!(parm(Known::Application, "FROM", Some("25")).is_some());
        assert!(parm(Known::Application, "FROM", None).is_some());
        assert!(parm(Known::NapDef, "FROM", None).is_none());
    }
}
