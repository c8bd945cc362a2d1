//! The textual Content-Type that carries SEC and MAC over HTTP push and pull
//! (security.md §1, transport.md §7):
//! `application/vnd.wap.connectivity-wbxml; SEC=USERPIN; MAC=AE91…8F5A`.
//!
//! Parsing follows the RFC 9110 media-type grammar (token or quoted-string values,
//! case-insensitive parameter names, optional white space) and accepts SEC as a digit or a
//! name in any case, quoted or not (security.md §1 lists the spellings peers use). A SEC value
//! that is neither is an error, never "no SEC". Formatting emits the method *name*, which is
//! what security.md recommends an encoder send; the exact spelling ProvCont mandates is
//! UNCONFIRMED.

use std::borrow::Cow;

use omacp_sec::{Credentials, Mac, SecMethod, Verdict};

use crate::wsp::{CONNECTIVITY_WBXML, CONNECTIVITY_XML};

/// A parsed Content-Type header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpContentType<'a> {
    /// `type/subtype` as given.
    pub media: &'a str,
    /// The SEC parameter.
    pub sec: Option<SecMethod>,
    /// The MAC parameter's value.
    pub mac: Option<Cow<'a, str>>,
    /// Every other parameter: name as given, unquoted value.
    pub params: Vec<(&'a str, Cow<'a, str>)>,
}

/// What is wrong with a Content-Type value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpCtErrorKind {
    /// No `type/subtype` token pair.
    #[error("expected type/subtype")]
    BadMedia,
    /// Something other than `;` after a media type or parameter.
    #[error("expected ';'")]
    ExpectedSemicolon,
    /// A parameter name that is not a token, or without `=`.
    #[error("expected parameter name '=' value")]
    BadParam,
    /// A quoted-string without its closing quote.
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    /// A SEC value that is neither a number nor a method name.
    #[error("SEC value is not a method number or name")]
    BadSec,
    /// SEC or MAC given twice.
    #[error("parameter {name} given twice")]
    DuplicateParam {
        /// `SEC` or `MAC`.
        name: &'static str,
    },
}

/// A Content-Type parse error with the byte index where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Content-Type at character {at}: {kind}")]
pub struct HttpCtError {
    /// Byte index in the header value.
    pub at: usize,
    /// What is wrong.
    pub kind: HttpCtErrorKind,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

struct Scan<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn fail(&self, kind: HttpCtErrorKind) -> HttpCtError {
        HttpCtError { at: self.pos, kind }
    }

    /// A quoted-string (opening quote not yet consumed), unescaped.
    fn quoted(&mut self) -> Result<Cow<'a, str>, HttpCtError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            match self.peek() {
                None => {
                    return Err(HttpCtError {
                        at: open,
                        kind: HttpCtErrorKind::UnterminatedQuote,
                    });
                }
                Some(b'"') => {
                    let raw = &self.s[start..self.pos];
                    self.pos += 1;
                    return Ok(owned.map_or(Cow::Borrowed(raw), Cow::Owned));
                }
                Some(b'\\') => {
                    let o = owned.get_or_insert_with(|| self.s[start..self.pos].to_owned());
                    self.pos += 1;
                    let c = self.s[self.pos..].chars().next().ok_or(HttpCtError {
                        at: open,
                        kind: HttpCtErrorKind::UnterminatedQuote,
                    })?;
                    o.push(c);
                    self.pos += c.len_utf8();
                }
                Some(_) => {
                    let c = self.s[self.pos..].chars().next().unwrap_or('\u{FFFD}');
                    if let Some(o) = owned.as_mut() {
                        o.push(c);
                    }
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

impl<'a> HttpContentType<'a> {
    /// Parses a Content-Type header value.
    pub fn parse(value: &'a str) -> Result<HttpContentType<'a>, HttpCtError> {
        let mut s = Scan { s: value, pos: 0 };
        s.ows();
        let start = s.pos;
        if s.token().is_empty() || s.peek() != Some(b'/') {
            return Err(s.fail(HttpCtErrorKind::BadMedia));
        }
        s.pos += 1;
        if s.token().is_empty() {
            return Err(s.fail(HttpCtErrorKind::BadMedia));
        }
        let mut ct = HttpContentType {
            media: &value[start..s.pos],
            sec: None,
            mac: None,
            params: Vec::new(),
        };
        loop {
            s.ows();
            match s.peek() {
                None => return Ok(ct),
                Some(b';') => s.pos += 1,
                Some(_) => return Err(s.fail(HttpCtErrorKind::ExpectedSemicolon)),
            }
            s.ows();
            if matches!(s.peek(), None | Some(b';')) {
                continue; // empty parameter, as some senders leave a trailing ';'
            }
            let name_at = s.pos;
            let name = s.token();
            s.ows();
            if name.is_empty() || s.peek() != Some(b'=') {
                return Err(s.fail(HttpCtErrorKind::BadParam));
            }
            s.pos += 1;
            s.ows();
            let value_at = s.pos;
            let v = if s.peek() == Some(b'"') {
                s.quoted()?
            } else {
                Cow::Borrowed(s.token())
            };
            if name.eq_ignore_ascii_case("SEC") {
                if ct.sec.is_some() {
                    return Err(HttpCtError {
                        at: name_at,
                        kind: HttpCtErrorKind::DuplicateParam { name: "SEC" },
                    });
                }
                let m = SecMethod::from_text(&v).ok_or(HttpCtError {
                    at: value_at,
                    kind: HttpCtErrorKind::BadSec,
                })?;
                ct.sec = Some(m);
            } else if name.eq_ignore_ascii_case("MAC") {
                if ct.mac.is_some() {
                    return Err(HttpCtError {
                        at: name_at,
                        kind: HttpCtErrorKind::DuplicateParam { name: "MAC" },
                    });
                }
                ct.mac = Some(v);
            } else {
                ct.params.push((name, v));
            }
        }
    }

    /// True for the CP media types, compared case-insensitively.
    pub fn is_provisioning(&self) -> bool {
        self.media.eq_ignore_ascii_case(CONNECTIVITY_WBXML)
            || self.media.eq_ignore_ascii_case(CONNECTIVITY_XML)
    }

    /// Checks SEC/MAC against `body`, the HTTP entity body exactly as received.
    pub fn verify(&self, creds: &Credentials<'_>, body: &[u8]) -> Verdict {
        omacp_sec::verify(
            self.sec,
            self.mac.as_deref().map(str::as_bytes),
            creds,
            body,
        )
    }
}

/// `application/vnd.wap.connectivity-wbxml`, with `; SEC=<name>; MAC=<hex>` when given. An
/// unknown method is written as its number.
pub fn format_content_type(sec: Option<SecMethod>, mac: Option<&Mac>) -> String {
    let mut s = String::from(CONNECTIVITY_WBXML);
    if let Some(m) = sec {
        s.push_str("; SEC=");
        match m.name() {
            Some(n) => s.push_str(n),
            None => s.push_str(&m.value().to_string()),
        }
    }
    if let Some(mac) = mac {
        s.push_str("; MAC=");
        s.push_str(&mac.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use omacp_sec::{MacKey, Pin};

    const MAC: &str = "AE91AA316F8A9BABFA989B7FFAA739A72B928F5A";

    #[test]
    fn formats_names() {
        let mac = Mac::parse_hex(MAC.as_bytes()).unwrap();
        assert_eq!(
            format_content_type(Some(SecMethod::UserPin), Some(&mac)),
            format!("application/vnd.wap.connectivity-wbxml; SEC=USERPIN; MAC={MAC}")
        );
        assert_eq!(
            format_content_type(Some(SecMethod::from(9)), None),
            "application/vnd.wap.connectivity-wbxml; SEC=9"
        );
        assert_eq!(format_content_type(None, None), CONNECTIVITY_WBXML);
    }

    #[test]
    fn parses_every_spelling() {
        for (text, sec) in [
            (
                format!("application/vnd.wap.connectivity-wbxml; SEC=USERPIN; MAC={MAC}"),
                SecMethod::UserPin,
            ),
            (
                format!(
                    "Application/Vnd.Wap.Connectivity-WBXML;sec=1;mac={}",
                    MAC.to_lowercase()
                ),
                SecMethod::UserPin,
            ),
            (
                format!(
                    "application/vnd.wap.connectivity-wbxml ; SEC = \"userpin\" ; MAC=\"{MAC}\""
                ),
                SecMethod::UserPin,
            ),
            (
                format!("application/vnd.wap.connectivity-wbxml; SEC=0; MAC={MAC};"),
                SecMethod::NetwPin,
            ),
            (
                format!("application/vnd.wap.connectivity-wbxml; SEC=NetworkID; MAC={MAC}"),
                SecMethod::NetwPin,
            ),
            (
                format!("application/vnd.wap.connectivity-wbxml; SEC=userpin_networkid; MAC={MAC}"),
                SecMethod::UserNetwPin,
            ),
            (
                format!("application/vnd.wap.connectivity-wbxml; charset=utf-8; SEC=3; MAC={MAC}"),
                SecMethod::UserPinMac,
            ),
        ] {
            let ct = HttpContentType::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(ct.is_provisioning());
            assert_eq!(ct.sec, Some(sec), "{text}");
            assert!(ct.mac.as_deref().unwrap().eq_ignore_ascii_case(MAC));
        }
        let ct = HttpContentType::parse("text/vnd.wap.connectivity-xml; x=\"a\\\"b\"").unwrap();
        assert_eq!(ct.params, vec![("x", Cow::Owned::<str>("a\"b".into()))]);
        assert_eq!(ct.sec, None);
    }

    #[test]
    fn refuses_malformed() {
        for (text, kind) in [
            ("", HttpCtErrorKind::BadMedia),
            ("application", HttpCtErrorKind::BadMedia),
            ("application/x; SEC=FOO", HttpCtErrorKind::BadSec),
            ("application/x; SEC=", HttpCtErrorKind::BadSec),
            (
                "application/x; SEC=1; sec=1",
                HttpCtErrorKind::DuplicateParam { name: "SEC" },
            ),
            (
                "application/x; MAC=1; MAC=2",
                HttpCtErrorKind::DuplicateParam { name: "MAC" },
            ),
            (
                "application/x; MAC=\"12",
                HttpCtErrorKind::UnterminatedQuote,
            ),
            ("application/x; MAC", HttpCtErrorKind::BadParam),
            ("application/x SEC=1", HttpCtErrorKind::ExpectedSemicolon),
        ] {
            assert_eq!(
                HttpContentType::parse(text).unwrap_err().kind,
                kind,
                "{text}"
            );
        }
    }

    #[test]
    fn verifies_the_body() {
        let body = b"\x03\x0b\x6a\x00\x45\x01";
        let pin = Pin::parse("1234").unwrap();
        let mac = Mac::compute(&MacKey::userpin(&pin), body);
        let text = format_content_type(Some(SecMethod::UserPin), Some(&mac)).to_lowercase();
        let ct = HttpContentType::parse(&text).unwrap();
        let creds = Credentials {
            imsi: None,
            pin: Some(&pin),
        };
        assert!(ct.verify(&creds, body).is_verified());
        assert!(!ct.verify(&creds, b"other").is_verified());
    }
}
