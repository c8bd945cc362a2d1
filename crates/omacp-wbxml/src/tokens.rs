//! The PROV 1.0 code pages (ProvCont 1.1 §7; wbxml.md §3.1–3.6), declared once.
//!
//! [`TOKENS`] is plain data: one row per `(page, byte)` meaning. The decoder looks
//! tokens up through [`ATTR_INDEX`] / [`TAG_INDEX`], the encoder through
//! [`VALUES_BY_FIRST`] / [`PREFIXES_BY_FIRST`], and the tests walk the rows. All four
//! indexes are built by `const fn`s that stop the build on a duplicate `(page, byte)`,
//! on an attribute-start token in 0x40–0x44 or a value token in 0x80–0x84 / 0xC0–0xC4
//! (those bytes are WBXML global tokens on every page), and on a collision row that
//! does not actually collide.
//!
//! Rows have a [`Source`]. Only [`Source::ProvCont`] rows are ever emitted. The CP 1.2
//! WLAN change-request tokens known only from Kannel ([`Source::KannelCr`], wbxml.md
//! §3.6, unconfirmed) are accepted by the decoder and never emitted: the encoder writes
//! those names as literal strings. Kannel rows that collide with a global token or with
//! another row ([`Source::KannelCollision`]) are never decoded as that row; they exist
//! so the decoder's error can name the collision.

pub use crate::parser::{global_name, is_global};

/// Which attribute an attribute-start token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    /// `version` (root element).
    Version,
    /// `type` (characteristic).
    Type,
    /// `name` (parm).
    Name,
    /// `value` (parm).
    Value,
}

impl Attr {
    /// The attribute's XML name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Attr::Version => "version",
            Attr::Type => "type",
            Attr::Name => "name",
            Attr::Value => "value",
        }
    }
}

/// What a row's byte stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A tag; `byte` is the tag id without the attribute (0x80) and content (0x40) bits.
    Tag,
    /// An attribute-start token: the attribute, with the row's text as value prefix.
    AttrStart(Attr),
    /// An attribute-value token standing for the row's text.
    AttrValue,
}

/// Where a row comes from, which decides whether it is emitted, decoded or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// ProvCont 1.1 §7 as transcribed by libwbxml, Gecko and Kannel, which agree (confirmed).
    /// Encoded and decoded.
    ProvCont,
    /// CP 1.2 WLAN change-request token known only from Kannel (unconfirmed). Decoded, never
    /// encoded (the encoder sends these names and values as literal strings).
    KannelCr,
    /// A Kannel CR token that collides with a WBXML global token or with another row.
    /// Never decoded as this row; the decoder's error names the collision.
    KannelCollision,
}

/// One token: `byte` on code `page` means `kind` with `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Code page (0 or 1). Tag and attribute spaces have separate page registers.
    pub page: u8,
    /// The token byte (for tags: the id, 0x05–0x3F).
    pub byte: u8,
    /// What the byte stands for.
    pub kind: Kind,
    /// Tag name, attribute value prefix (may be empty) or attribute value.
    pub text: &'static str,
    /// Provenance; decides encoding and decoding.
    pub source: Source,
}

const fn tag(page: u8, byte: u8, text: &'static str) -> Token {
    Token {
        page,
        byte,
        kind: Kind::Tag,
        text,
        source: Source::ProvCont,
    }
}
const fn start(page: u8, byte: u8, attr: Attr, text: &'static str) -> Token {
    Token {
        page,
        byte,
        kind: Kind::AttrStart(attr),
        text,
        source: Source::ProvCont,
    }
}
const fn name(page: u8, byte: u8, text: &'static str) -> Token {
    start(page, byte, Attr::Name, text)
}
const fn ty(page: u8, byte: u8, text: &'static str) -> Token {
    start(page, byte, Attr::Type, text)
}
const fn val(page: u8, byte: u8, text: &'static str) -> Token {
    Token {
        page,
        byte,
        kind: Kind::AttrValue,
        text,
        source: Source::ProvCont,
    }
}
const fn kannel(t: Token) -> Token {
    Token {
        source: Source::KannelCr,
        ..t
    }
}
const fn collides(t: Token) -> Token {
    Token {
        source: Source::KannelCollision,
        ..t
    }
}

/// Every PROV token. Spellings follow ProvCont; implementation misspellings
/// (libwbxml `TRETRA-*`, Gecko `AUTOBOUDING`, `IS-95-CDMA-PAC`, `DELIVERY-ERR-PDU`)
/// never appear here (wbxml.md §3.4).
pub const TOKENS: &[Token] = &[
    // §3.1 tags. The same ids on both tag pages; the encoder never switches tag page.
    tag(0, 0x05, "wap-provisioningdoc"),
    tag(0, 0x06, "characteristic"),
    tag(0, 0x07, "parm"),
    tag(1, 0x06, "characteristic"),
    tag(1, 0x07, "parm"),
    // §3.2 attribute-start tokens, page 0.
    name(0, 0x05, ""),
    start(0, 0x06, Attr::Value, ""),
    name(0, 0x07, "NAME"),
    name(0, 0x08, "NAP-ADDRESS"),
    name(0, 0x09, "NAP-ADDRTYPE"),
    name(0, 0x0A, "CALLTYPE"),
    name(0, 0x0B, "VALIDUNTIL"),
    name(0, 0x0C, "AUTHTYPE"),
    name(0, 0x0D, "AUTHNAME"),
    name(0, 0x0E, "AUTHSECRET"),
    name(0, 0x0F, "LINGER"),
    name(0, 0x10, "BEARER"),
    name(0, 0x11, "NAPID"),
    name(0, 0x12, "COUNTRY"),
    name(0, 0x13, "NETWORK"),
    name(0, 0x14, "INTERNET"),
    name(0, 0x15, "PROXY-ID"),
    name(0, 0x16, "PROXY-PROVIDER-ID"),
    name(0, 0x17, "DOMAIN"),
    name(0, 0x18, "PROVURL"),
    name(0, 0x19, "PXAUTH-TYPE"),
    name(0, 0x1A, "PXAUTH-ID"),
    name(0, 0x1B, "PXAUTH-PW"),
    name(0, 0x1C, "STARTPAGE"),
    name(0, 0x1D, "BASAUTH-ID"),
    name(0, 0x1E, "BASAUTH-PW"),
    name(0, 0x1F, "PUSHENABLED"),
    name(0, 0x20, "PXADDR"),
    name(0, 0x21, "PXADDRTYPE"),
    name(0, 0x22, "TO-NAPID"),
    name(0, 0x23, "PORTNBR"),
    name(0, 0x24, "SERVICE"),
    name(0, 0x25, "LINKSPEED"),
    name(0, 0x26, "DNLINKSPEED"),
    name(0, 0x27, "LOCAL-ADDR"),
    name(0, 0x28, "LOCAL-ADDRTYPE"),
    name(0, 0x29, "CONTEXT-ALLOW"),
    name(0, 0x2A, "TRUST"),
    name(0, 0x2B, "MASTER"),
    name(0, 0x2C, "SID"),
    name(0, 0x2D, "SOC"),
    name(0, 0x2E, "WSP-VERSION"),
    name(0, 0x2F, "PHYSICAL-PROXY-ID"),
    name(0, 0x30, "CLIENT-ID"),
    name(0, 0x31, "DELIVERY-ERR-SDU"),
    name(0, 0x32, "DELIVERY-ORDER"),
    name(0, 0x33, "TRAFFIC-CLASS"),
    name(0, 0x34, "MAX-SDU-SIZE"),
    name(0, 0x35, "MAX-BITRATE-UPLINK"),
    name(0, 0x36, "MAX-BITRATE-DNLINK"),
    name(0, 0x37, "RESIDUAL-BER"),
    name(0, 0x38, "SDU-ERROR-RATIO"),
    name(0, 0x39, "TRAFFIC-HANDL-PRIO"),
    name(0, 0x3A, "TRANSFER-DELAY"),
    name(0, 0x3B, "GUARANTEED-BITRATE-UPLINK"),
    name(0, 0x3C, "GUARANTEED-BITRATE-DNLINK"),
    name(0, 0x3D, "PXADDR-FQDN"),
    name(0, 0x3E, "PROXY-PW"),
    name(0, 0x3F, "PPGAUTH-TYPE"),
    start(0, 0x45, Attr::Version, ""),
    start(0, 0x46, Attr::Version, "1.0"),
    name(0, 0x47, "PULLENABLED"),
    name(0, 0x48, "DNS-ADDR"),
    name(0, 0x49, "MAX-NUM-RETRY"),
    name(0, 0x4A, "FIRST-RETRY-TIMEOUT"),
    name(0, 0x4B, "REREG-THRESHOLD"),
    name(0, 0x4C, "T-BIT"),
    name(0, 0x4E, "AUTH-ENTITY"),
    name(0, 0x4F, "SPI"),
    ty(0, 0x50, ""),
    ty(0, 0x51, "PXLOGICAL"),
    ty(0, 0x52, "PXPHYSICAL"),
    ty(0, 0x53, "PORT"),
    ty(0, 0x54, "VALIDITY"),
    ty(0, 0x55, "NAPDEF"),
    ty(0, 0x56, "BOOTSTRAP"),
    ty(0, 0x57, "VENDORCONFIG"),
    ty(0, 0x58, "CLIENTIDENTITY"),
    ty(0, 0x59, "PXAUTHINFO"),
    ty(0, 0x5A, "NAPAUTHINFO"),
    ty(0, 0x5B, "ACCESS"),
    kannel(ty(0, 0x5C, "BEARERINFO")),
    kannel(ty(0, 0x5D, "DNS-ADDRINFO")),
    // §3.3 attribute-start tokens, page 1 (APPLICATION).
    name(1, 0x05, ""),
    start(1, 0x06, Attr::Value, ""),
    name(1, 0x07, "NAME"),
    name(1, 0x14, "INTERNET"),
    name(1, 0x1C, "STARTPAGE"),
    name(1, 0x22, "TO-NAPID"),
    name(1, 0x23, "PORTNBR"),
    name(1, 0x24, "SERVICE"),
    name(1, 0x2E, "AACCEPT"),
    name(1, 0x2F, "AAUTHDATA"),
    name(1, 0x30, "AAUTHLEVEL"),
    name(1, 0x31, "AAUTHNAME"),
    name(1, 0x32, "AAUTHSECRET"),
    name(1, 0x33, "AAUTHTYPE"),
    name(1, 0x34, "ADDR"),
    name(1, 0x35, "ADDRTYPE"),
    name(1, 0x36, "APPID"),
    name(1, 0x37, "APROTOCOL"),
    name(1, 0x38, "PROVIDER-ID"),
    name(1, 0x39, "TO-PROXY"),
    name(1, 0x3A, "URI"),
    name(1, 0x3B, "RULE"),
    ty(1, 0x50, ""),
    ty(1, 0x53, "PORT"),
    ty(1, 0x55, "APPLICATION"),
    ty(1, 0x56, "APPADDR"),
    ty(1, 0x57, "APPAUTH"),
    ty(1, 0x58, "CLIENTIDENTITY"),
    ty(1, 0x59, "RESOURCE"),
    // §3.6 CP 1.2 WLAN CR, page 1 [U]: Kannel only. Decoded, never emitted.
    kannel(name(1, 0x3C, "APPREF")),
    kannel(name(1, 0x3D, "TO-APPREF")),
    kannel(name(1, 0x3E, "PRI-SSID")),
    kannel(name(1, 0x3F, "PRI-U-SSID")),
    collides(name(1, 0x40, "PRI-H-SSID")),
    collides(name(1, 0x41, "S-SSID")),
    collides(name(1, 0x42, "S-U-SSID")),
    collides(name(1, 0x43, "NETMODE")),
    collides(name(1, 0x44, "SECMODE")),
    kannel(name(1, 0x45, "EAPTYPE")),
    kannel(name(1, 0x46, "USERNAME")),
    kannel(name(1, 0x47, "PASSWORD")),
    kannel(name(1, 0x48, "REALM")),
    kannel(name(1, 0x49, "USE-PSEUD")),
    // Kannel numbers ENCAPS 0x5B, the same byte as type=SEC-SSID (almost surely a typo
    // for 0x4B). The byte decodes as SEC-SSID; inside a parm it is reported as this row.
    collides(name(1, 0x5B, "ENCAPS")),
    kannel(name(1, 0x4C, "VER-SER-REALM")),
    kannel(name(1, 0x4D, "CLIENT-AUTH")),
    kannel(name(1, 0x4E, "SES-VAL-TIME")),
    kannel(name(1, 0x4F, "CIP-SUIT")),
    kannel(ty(1, 0x5A, "WLAN")),
    kannel(ty(1, 0x5B, "SEC-SSID")),
    kannel(ty(1, 0x5C, "EAP")),
    kannel(ty(1, 0x5D, "CERT")),
    kannel(ty(1, 0x5E, "WEPKEY")),
    kannel(name(1, 0x60, "PEAP-V0")),
    kannel(name(1, 0x61, "PEAP-V1")),
    kannel(name(1, 0x62, "PEAP-V2")),
    kannel(name(1, 0x63, "ISS-NAME")),
    kannel(name(1, 0x64, "SUB-NAME")),
    kannel(name(1, 0x65, "CERT-TYPE")),
    kannel(name(1, 0x66, "SER-NUM")),
    kannel(name(1, 0x67, "SUB-KEY-ID")),
    kannel(name(1, 0x68, "THUMBPRINT")),
    kannel(name(1, 0x69, "WPA-PRES-KEY-ASC")),
    kannel(name(1, 0x6A, "WPA-PRES-KEY-HEX")),
    kannel(name(1, 0x6B, "WEPKEYIND")),
    kannel(name(1, 0x6C, "WEPAUTHMODE")),
    kannel(name(1, 0x6D, "LENGTH")),
    kannel(name(1, 0x6E, "INDEX")),
    kannel(name(1, 0x6F, "DATA")),
    kannel(name(1, 0x70, "WLANHAND")),
    kannel(name(1, 0x71, "EDIT-SET")),
    kannel(name(1, 0x72, "VIEW-SET")),
    kannel(name(1, 0x73, "FORW-SET")),
    // §3.4 attribute-value tokens, page 0.
    val(0, 0x85, "IPV4"),
    val(0, 0x86, "IPV6"),
    val(0, 0x87, "E164"),
    val(0, 0x88, "ALPHA"),
    val(0, 0x89, "APN"),
    val(0, 0x8A, "SCODE"),
    val(0, 0x8B, "TETRA-ITSI"),
    val(0, 0x8C, "MAN"),
    val(0, 0x90, "ANALOG-MODEM"),
    val(0, 0x91, "V.120"),
    val(0, 0x92, "V.110"),
    val(0, 0x93, "X.31"),
    val(0, 0x94, "BIT-TRANSPARENT"),
    val(0, 0x95, "DIRECT-ASYNCHRONOUS-DATA-SERVICE"),
    val(0, 0x9A, "PAP"),
    val(0, 0x9B, "CHAP"),
    val(0, 0x9C, "HTTP-BASIC"),
    val(0, 0x9D, "HTTP-DIGEST"),
    val(0, 0x9E, "WTLS-SS"),
    val(0, 0x9F, "MD5"),
    val(0, 0xA2, "GSM-USSD"),
    val(0, 0xA3, "GSM-SMS"),
    val(0, 0xA4, "ANSI-136-GUTS"),
    val(0, 0xA5, "IS-95-CDMA-SMS"),
    val(0, 0xA6, "IS-95-CDMA-CSD"),
    val(0, 0xA7, "IS-95-CDMA-PACKET"),
    val(0, 0xA8, "ANSI-136-CSD"),
    val(0, 0xA9, "ANSI-136-GPRS"),
    val(0, 0xAA, "GSM-CSD"),
    val(0, 0xAB, "GSM-GPRS"),
    val(0, 0xAC, "AMPS-CDPD"),
    val(0, 0xAD, "PDC-CSD"),
    val(0, 0xAE, "PDC-PACKET"),
    val(0, 0xAF, "IDEN-SMS"),
    val(0, 0xB0, "IDEN-CSD"),
    val(0, 0xB1, "IDEN-PACKET"),
    val(0, 0xB2, "FLEX/REFLEX"),
    val(0, 0xB3, "PHS-SMS"),
    val(0, 0xB4, "PHS-CSD"),
    val(0, 0xB5, "TETRA-SDS"),
    val(0, 0xB6, "TETRA-PACKET"),
    val(0, 0xB7, "ANSI-136-GHOST"),
    val(0, 0xB8, "MOBITEX-MPAK"),
    val(0, 0xB9, "CDMA2000-1X-SIMPLE-IP"),
    val(0, 0xBA, "CDMA2000-1X-MOBILE-IP"),
    kannel(val(0, 0xBB, "3G-GSM")),
    kannel(val(0, 0xBC, "WLAN")),
    val(0, 0xC5, "AUTOBAUDING"),
    val(0, 0xCA, "CL-WSP"),
    val(0, 0xCB, "CO-WSP"),
    val(0, 0xCC, "CL-SEC-WSP"),
    val(0, 0xCD, "CO-SEC-WSP"),
    val(0, 0xCE, "CL-SEC-WTA"),
    val(0, 0xCF, "CO-SEC-WTA"),
    val(0, 0xD0, "OTA-HTTP-TO"),
    val(0, 0xD1, "OTA-HTTP-TLS-TO"),
    val(0, 0xD2, "OTA-HTTP-PO"),
    val(0, 0xD3, "OTA-HTTP-TLS-PO"),
    val(0, 0xE0, "AAA"),
    val(0, 0xE1, "HA"),
    // §3.5 attribute-value tokens, page 1. 0x90–0x93 are fragments for AAUTHTYPE lists
    // (an early draft put them at 0x80–0x83, on top of global tokens).
    val(1, 0x86, "IPV6"),
    val(1, 0x87, "E164"),
    val(1, 0x88, "ALPHA"),
    val(1, 0x8D, "APPSRV"),
    val(1, 0x8E, "OBEX"),
    val(1, 0x90, ","),
    val(1, 0x91, "HTTP-"),
    val(1, 0x92, "BASIC"),
    val(1, 0x93, "DIGEST"),
];

/// Number of rows; indexes store `row + 1` in a `u8`, so this must stay below 255.
pub const ROWS: usize = TOKENS.len();

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn attr_space(kind: Kind) -> bool {
    !matches!(kind, Kind::Tag)
}

const fn same_kind(a: Kind, b: Kind) -> bool {
    match (a, b) {
        (Kind::Tag, Kind::Tag) | (Kind::AttrValue, Kind::AttrValue) => true,
        (Kind::AttrStart(x), Kind::AttrStart(y)) => x as u8 == y as u8,
        _ => false,
    }
}

/// Checks every row and builds `(page, byte) -> row + 1` for the attribute space
/// (start tokens < 0x80, value tokens >= 0x80). Panics (at compile time) on a bad row.
const fn build_attr_index(rows: &[Token]) -> [[u8; 256]; 2] {
    assert!(rows.len() < 255, "too many token rows for a u8 index");
    let mut idx = [[0u8; 256]; 2];
    let mut i = 0;
    while i < rows.len() {
        let t = rows[i];
        assert!(t.page < 2, "PROV has code pages 0 and 1 only");
        match t.kind {
            Kind::Tag => assert!(
                t.byte >= 0x05 && t.byte <= 0x3F,
                "tag id outside 0x05..=0x3F"
            ),
            Kind::AttrStart(_) => assert!(t.byte < 0x80, "attribute-start token must be < 0x80"),
            Kind::AttrValue => assert!(t.byte >= 0x80, "attribute-value token must be >= 0x80"),
        }
        if matches!(t.source, Source::KannelCollision) {
            // A collision row must really collide: with a global token or a decodable row.
            let mut hit = is_global(t.byte);
            let mut j = 0;
            while j < rows.len() {
                let u = rows[j];
                if j != i
                    && !matches!(u.source, Source::KannelCollision)
                    && u.page == t.page
                    && u.byte == t.byte
                    && attr_space(u.kind) == attr_space(t.kind)
                {
                    hit = true;
                }
                j += 1;
            }
            assert!(hit, "a KannelCollision row that collides with nothing");
        } else {
            if attr_space(t.kind) {
                assert!(
                    !is_global(t.byte),
                    "token on a WBXML global token (0x_0-0x_4 in each quarter)"
                );
                let slot = &mut idx[t.page as usize][t.byte as usize];
                assert!(*slot == 0, "duplicate (page, byte) in the attribute space");
                *slot = (i + 1) as u8;
            }
            // The same meaning twice on one page is a transcription error.
            if matches!(t.source, Source::ProvCont) {
                let mut j = i + 1;
                while j < rows.len() {
                    let u = rows[j];
                    assert!(
                        !(matches!(u.source, Source::ProvCont)
                            && u.page == t.page
                            && same_kind(u.kind, t.kind)
                            && str_eq(u.text, t.text)),
                        "the same token meaning twice on one page"
                    );
                    j += 1;
                }
            }
        }
        i += 1;
    }
    idx
}

const fn build_tag_index(rows: &[Token]) -> [[u8; 64]; 2] {
    let mut idx = [[0u8; 64]; 2];
    let mut i = 0;
    while i < rows.len() {
        let t = rows[i];
        if matches!(t.kind, Kind::Tag) {
            let slot = &mut idx[t.page as usize][t.byte as usize];
            assert!(*slot == 0, "duplicate tag (page, id)");
            *slot = (i + 1) as u8;
        }
        i += 1;
    }
    idx
}

/// `(page, byte) -> row + 1` for attribute-start and attribute-value tokens (0 = none).
/// Collision rows are absent.
pub static ATTR_INDEX: [[u8; 256]; 2] = build_attr_index(TOKENS);

/// `(page, tag id) -> row + 1` (0 = none).
pub static TAG_INDEX: [[u8; 64]; 2] = build_tag_index(TOKENS);

/// The decodable row for `byte` on attribute `page`, if any.
#[inline]
pub fn attr_token(page: u8, byte: u8) -> Option<&'static Token> {
    let r = *ATTR_INDEX.get(page as usize)?.get(byte as usize)?;
    (r != 0).then(|| &TOKENS[r as usize - 1])
}

/// The tag row for id `id` (0x05–0x3F) on tag `page`, if any.
#[inline]
pub fn tag_token(page: u8, id: u8) -> Option<&'static Token> {
    let r = *TAG_INDEX.get(page as usize)?.get(id as usize)?;
    (r != 0).then(|| &TOKENS[r as usize - 1])
}

/// The collision row for `byte` on attribute `page` (Kannel's colliding CR tokens).
pub fn collision(page: u8, byte: u8) -> Option<&'static Token> {
    TOKENS
        .iter()
        .find(|t| t.page == page && t.byte == byte && t.source == Source::KannelCollision)
}

/// Encodable rows grouped by the first byte of their text, for the encoder's
/// substring search: `rows[start[b] as usize..start[b + 1] as usize]` are row indexes.
#[derive(Debug)]
pub struct ByFirst {
    /// Offsets into `rows`, indexed by first byte (257 entries).
    pub start: [u8; 257],
    /// Row indexes into [`TOKENS`].
    pub rows: [u8; ROWS],
}

impl ByFirst {
    /// The row indexes whose text starts with `b`.
    #[inline]
    pub fn get(&self, b: u8) -> &[u8] {
        &self.rows[self.start[b as usize] as usize..self.start[b as usize + 1] as usize]
    }
}

const fn selected(t: &Token, prefixes: bool) -> bool {
    if !matches!(t.source, Source::ProvCont) || t.text.is_empty() {
        return false;
    }
    match t.kind {
        Kind::AttrValue => !prefixes,
        Kind::AttrStart(_) => prefixes,
        Kind::Tag => false,
    }
}

const fn build_by_first(rows: &[Token], prefixes: bool) -> ByFirst {
    let mut count = [0u16; 257];
    let mut i = 0;
    while i < rows.len() {
        if selected(&rows[i], prefixes) {
            count[rows[i].text.as_bytes()[0] as usize + 1] += 1;
        }
        i += 1;
    }
    let mut start = [0u8; 257];
    let mut b = 1;
    while b < 257 {
        count[b] += count[b - 1];
        start[b] = count[b] as u8;
        b += 1;
    }
    let mut fill = [0u16; 256];
    let mut out = [0u8; ROWS];
    i = 0;
    while i < rows.len() {
        if selected(&rows[i], prefixes) {
            let f = rows[i].text.as_bytes()[0] as usize;
            out[count[f] as usize + fill[f] as usize] = i as u8;
            fill[f] += 1;
        }
        i += 1;
    }
    ByFirst { start, rows: out }
}

/// Encodable attribute-value tokens by first byte of their value.
pub static VALUES_BY_FIRST: ByFirst = build_by_first(TOKENS, false);

/// Encodable attribute-start tokens with a non-empty prefix, by first byte of the prefix.
pub static PREFIXES_BY_FIRST: ByFirst = build_by_first(TOKENS, true);

const START_HASH_SIZE: usize = 512;

/// A cheap hash of (attribute, text): length and three bytes suffice to spread the
/// ~110 prefixes over 512 slots.
const fn start_hash(attr: Attr, s: &[u8]) -> usize {
    let n = s.len();
    if n == 0 {
        return attr as usize;
    }
    let h = (n * 37)
        ^ (s[0] as usize * 7)
        ^ (s[n - 1] as usize * 131)
        ^ (s[n / 2] as usize * 17)
        ^ (attr as usize * 211);
    h % START_HASH_SIZE
}

/// Open addressing over encodable attribute-start rows with a non-empty prefix,
/// keyed by (attribute, prefix): `row + 1`, 0 = empty.
const fn build_start_hash(rows: &[Token]) -> [u8; START_HASH_SIZE] {
    let mut t = [0u8; START_HASH_SIZE];
    let mut i = 0;
    while i < rows.len() {
        if let (Kind::AttrStart(a), true) = (rows[i].kind, selected(&rows[i], true)) {
            let mut h = start_hash(a, rows[i].text.as_bytes());
            while t[h] != 0 {
                h = (h + 1) % START_HASH_SIZE;
            }
            t[h] = (i + 1) as u8;
        }
        i += 1;
    }
    t
}

static START_HASH: [u8; START_HASH_SIZE] = build_start_hash(TOKENS);

/// Per cell of [`START_HASH`]: the row's attribute and prefix length (`attr << 8 |
/// len`), so that most probes are settled without reading the row or its text.
static START_KEY: [u16; START_HASH_SIZE] = {
    let mut k = [u16::MAX; START_HASH_SIZE];
    let mut h = 0;
    while h < START_HASH_SIZE {
        if START_HASH[h] != 0
            && let Kind::AttrStart(a) = TOKENS[START_HASH[h] as usize - 1].kind
        {
            k[h] = start_key(a, TOKENS[START_HASH[h] as usize - 1].text.len());
        }
        h += 1;
    }
    k
};

const fn start_key(attr: Attr, len: usize) -> u16 {
    ((attr as u16) << 8) | (len as u16 & 0xFF)
}

/// The encodable start tokens for `attr` whose prefix is exactly `text`, per page.
#[inline]
pub fn exact_starts(attr: Attr, text: &[u8]) -> [Option<u8>; 2] {
    let mut out = [None; 2];
    let mut h = start_hash(attr, text);
    loop {
        let r = START_HASH[h];
        if r == 0 {
            return out;
        }
        let t = &TOKENS[r as usize - 1];
        if START_KEY[h] == start_key(attr, text.len()) && t.text.as_bytes() == text {
            out[t.page as usize] = Some(r - 1);
        }
        h = (h + 1) % START_HASH_SIZE;
    }
}

/// The literal (prefix-less) start token for `attr` on `page`, if that page has one.
pub const fn literal_start(attr: Attr, page: u8) -> Option<u8> {
    match (attr, page) {
        // ProvCont lists `name` and `value` (0x05/0x06) on page 1 too, but Wireshark 4.0
        // does not know them there and libwbxml never emits them (it switches back to
        // page 0 first). A parser with tables like Wireshark's would fail on them, so
        // the encoder uses them on page 0 only; the decoder accepts both pages.
        (Attr::Name | Attr::Value, 1) => None,
        (Attr::Name, 0) => Some(0x05),
        (Attr::Value, 0) => Some(0x06),
        (Attr::Type, 0 | 1) => Some(0x50),
        (Attr::Version, 0) => Some(0x45),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_round_trips_through_the_indexes() {
        for (i, t) in TOKENS.iter().enumerate() {
            match (t.kind, t.source) {
                (_, Source::KannelCollision) => {
                    assert!(
                        is_global(t.byte)
                            || attr_token(t.page, t.byte).is_some_and(|u| u.text != t.text),
                        "{t:?}"
                    );
                }
                (Kind::Tag, _) => assert_eq!(tag_token(t.page, t.byte), Some(&TOKENS[i])),
                _ => assert_eq!(attr_token(t.page, t.byte), Some(&TOKENS[i])),
            }
        }
        // And every index entry points back at a row with that (page, byte).
        for page in 0..2u8 {
            for b in 0..=255u8 {
                if let Some(t) = attr_token(page, b) {
                    assert_eq!((t.page, t.byte), (page, b));
                    assert!(!is_global(b));
                }
                if b < 64
                    && let Some(t) = tag_token(page, b)
                {
                    assert_eq!((t.page, t.byte, t.kind), (page, b, Kind::Tag));
                }
            }
        }
    }

    #[test]
    fn global_ranges_are_never_tokens() {
        for page in 0..2u8 {
            for b in (0x40..=0x44)
                .chain(0x80..=0x84)
                .chain(0xC0..=0xC4)
                .chain(0..=4)
            {
                assert!(attr_token(page, b).is_none(), "page {page} byte {b:#x}");
            }
        }
    }

    #[test]
    fn by_first_indexes_hold_exactly_the_encodable_rows() {
        let mut seen_v = 0;
        let mut seen_p = 0;
        for b in 0..=255u8 {
            for &r in VALUES_BY_FIRST.get(b) {
                let t = &TOKENS[r as usize];
                assert_eq!(
                    (t.kind, t.source, t.text.as_bytes()[0]),
                    (Kind::AttrValue, Source::ProvCont, b)
                );
                seen_v += 1;
            }
            for &r in PREFIXES_BY_FIRST.get(b) {
                let t = &TOKENS[r as usize];
                assert!(matches!(t.kind, Kind::AttrStart(_)) && t.source == Source::ProvCont);
                assert_eq!(t.text.as_bytes()[0], b);
                seen_p += 1;
            }
        }
        let want_v = TOKENS
            .iter()
            .filter(|t| t.kind == Kind::AttrValue && t.source == Source::ProvCont)
            .count();
        let want_p = TOKENS
            .iter()
            .filter(|t| {
                matches!(t.kind, Kind::AttrStart(_))
                    && t.source == Source::ProvCont
                    && !t.text.is_empty()
            })
            .count();
        assert_eq!((seen_v, seen_p), (want_v, want_p));
    }

    #[test]
    fn spellings_are_provcont_not_peer_typos() {
        let texts: Vec<&str> = TOKENS.iter().map(|t| t.text).collect();
        for good in [
            "TETRA-SDS",
            "TETRA-PACKET",
            "IS-95-CDMA-PACKET",
            "AUTOBAUDING",
            "DELIVERY-ERR-SDU",
        ] {
            assert!(texts.contains(&good), "{good}");
        }
        for bad in [
            "TRETRA-SDS",
            "TRETRA-PACKET",
            "IS-95-CDMA-PAC",
            "AUTOBOUDING",
            "DELIVERY-ERR-PDU",
        ] {
            assert!(!texts.contains(&bad), "{bad}");
        }
        assert_eq!(attr_token(1, 0x90).unwrap().text, ",");
        assert_eq!(attr_token(1, 0x93).unwrap().text, "DIGEST");
        assert_eq!(attr_token(0, 0x55).unwrap().text, "NAPDEF");
        assert_eq!(attr_token(1, 0x55).unwrap().text, "APPLICATION");
    }

    #[test]
    fn exact_start_lookup_finds_every_encodable_prefix() {
        for (i, t) in TOKENS.iter().enumerate() {
            if let (Kind::AttrStart(a), Source::ProvCont, false) =
                (t.kind, t.source, t.text.is_empty())
            {
                assert_eq!(
                    exact_starts(a, t.text.as_bytes())[t.page as usize],
                    Some(i as u8),
                    "{t:?}"
                );
            }
        }
        assert_eq!(
            exact_starts(Attr::Name, b"NAME"),
            [attr_row(0, 0x07), attr_row(1, 0x07)]
        );
        assert_eq!(exact_starts(Attr::Name, b"NAPDEF"), [None, None]);
        assert_eq!(
            exact_starts(Attr::Name, b"PRI-SSID"),
            [None, None],
            "Kannel rows are not encoded"
        );
    }

    fn attr_row(page: u8, byte: u8) -> Option<u8> {
        TOKENS
            .iter()
            .position(|t| t.page == page && t.byte == byte && t.kind != Kind::Tag)
            .map(|p| p as u8)
    }

    #[test]
    fn kannel_collisions_are_named() {
        for (b, n) in [(0x40, "PRI-H-SSID"), (0x44, "SECMODE"), (0x5B, "ENCAPS")] {
            assert_eq!(collision(1, b).unwrap().text, n);
        }
        assert_eq!(attr_token(1, 0x5B).unwrap().text, "SEC-SSID");
    }
}
