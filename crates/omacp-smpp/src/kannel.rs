//! Kannel as an alternative gateway (sans-IO): the `/cgi-bin/sendsms` request for one SMS
//! segment with binary UDH and data, and the delivery report Kannel sends to the `dlr-url`.
//! The caller does the HTTP; this module only builds and reads the strings.

use crate::receipt::MessageState;

/// Kannel's DLR types (the `%d` escape of a `dlr-url`), also the bits of `dlr-mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DlrType {
    /// 1: delivered to the phone.
    Delivered,
    /// 2: not delivered to the phone.
    Undelivered,
    /// 4: queued on the SMSC.
    Queued,
    /// 8: accepted by the SMSC.
    SmscAccepted,
    /// 16: rejected by the SMSC.
    SmscRejected,
}

/// (type, value, the message state it means).
static DLR_TYPES: &[(DlrType, u8, MessageState)] = &[
    (DlrType::Delivered, 1, MessageState::Delivered),
    (DlrType::Undelivered, 2, MessageState::Undeliverable),
    (DlrType::Queued, 4, MessageState::Enroute),
    (DlrType::SmscAccepted, 8, MessageState::Accepted),
    (DlrType::SmscRejected, 16, MessageState::Rejected),
];

impl DlrType {
    /// From the `%d` value.
    pub fn from_value(v: u32) -> Option<DlrType> {
        DLR_TYPES.iter().find(|r| u32::from(r.1) == v).map(|r| r.0)
    }

    /// The `%d` value / mask bit.
    pub fn value(self) -> u8 {
        DLR_TYPES.iter().find(|r| r.0 == self).map_or(0, |r| r.1)
    }

    /// The equivalent SMPP message state.
    pub fn state(self) -> MessageState {
        DLR_TYPES
            .iter()
            .find(|r| r.0 == self)
            .map_or(MessageState::Unknown, |r| r.2)
    }
}

/// `dlr-mask` asking for every report: 1 + 2 + 4 + 8 + 16.
pub const DLR_MASK_ALL: u8 = 31;

/// One SMS for `/cgi-bin/sendsms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendSms<'a> {
    /// Destination MSISDN.
    pub to: &'a str,
    /// Source address.
    pub from: &'a str,
    /// UDH octets, length octet included (Kannel's `udh`).
    pub udh: &'a [u8],
    /// The rest of the user data (Kannel's `text`).
    pub data: &'a [u8],
    /// Message class for `mclass` (Kannel: 0..=3), or none.
    pub mclass: Option<u8>,
    /// `dlr-mask` bits (0: no report).
    pub dlr_mask: u8,
    /// `dlr-url`, with Kannel escapes such as `%d`.
    pub dlr_url: Option<&'a str>,
    /// Route through this `smsc-id`.
    pub smsc: Option<&'a str>,
}

impl<'a> SendSms<'a> {
    /// A WAP push segment (UDH ‖ payload, as the bearer's segmenter wrote it) to `to`. The
    /// UDH length octet decides the split; `None` if it runs past the segment.
    pub fn segment(to: &'a str, from: &'a str, segment: &'a [u8]) -> Option<SendSms<'a>> {
        let udhl = usize::from(*segment.first()?);
        let (udh, data) = segment.split_at_checked(1 + udhl)?;
        Some(SendSms {
            to,
            from,
            udh,
            data,
            mclass: None,
            dlr_mask: 0,
            dlr_url: None,
            smsc: None,
        })
    }

    /// The request path and query (`/cgi-bin/sendsms?...`), every value percent-encoded;
    /// `coding=1` (8-bit). The password is part of the query, as Kannel wants it: do not
    /// log the result.
    pub fn path(&self, username: &str, password: &str) -> String {
        let mut q = format!(
            "/cgi-bin/sendsms?username={}&password={}&to={}&from={}&coding=1&udh={}&text={}",
            encode(username.as_bytes()),
            encode(password.as_bytes()),
            encode(self.to.as_bytes()),
            encode(self.from.as_bytes()),
            encode(self.udh),
            encode(self.data)
        );
        if let Some(m) = self.mclass {
            q.push_str(&format!("&mclass={m}"));
        }
        if self.dlr_mask != 0 {
            q.push_str(&format!("&dlr-mask={}", self.dlr_mask));
        }
        if let Some(u) = self.dlr_url {
            q.push_str("&dlr-url=");
            q.push_str(&encode(u.as_bytes()));
        }
        if let Some(s) = self.smsc {
            q.push_str("&smsc=");
            q.push_str(&encode(s.as_bytes()));
        }
        q
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Decodes a query component (`%XX` and `+`); malformed escapes are kept as text.
pub fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The `name=value` pairs of a query string (after `?`, or a whole request target).
pub fn query_pairs(target: &str) -> Vec<(String, String)> {
    let q = target.split_once('?').map_or(target, |(_, q)| q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                String::from_utf8_lossy(&decode(k)).into_owned(),
                String::from_utf8_lossy(&decode(v)).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_request() {
        let seg = [0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x01, 0x06, b' '];
        let mut s = SendSms::segment("+358401234567", "12345", &seg).unwrap();
        assert_eq!(s.udh, &seg[..7]);
        assert_eq!(s.data, &seg[7..]);
        s.dlr_mask = DLR_MASK_ALL;
        s.dlr_url = Some("http://127.0.0.1:9/dlr?k=7&t=%d");
        let p = s.path("omacp", "p&w");
        assert!(p.starts_with("/cgi-bin/sendsms?username=omacp&password=p%26w&to=%2B358401234567"));
        assert!(p.contains("&coding=1&udh=%06%05%04%0B%84%23%F0&text=%01%06%20"));
        assert!(
            p.ends_with("&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A9%2Fdlr%3Fk%3D7%26t%3D%25d")
        );
        let back = query_pairs(&p);
        assert_eq!(
            back[5],
            (
                "udh".into(),
                String::from_utf8_lossy(&seg[..7]).into_owned()
            )
        );
        assert_eq!(decode("%06%05+x%zz"), b"\x06\x05 x%zz");
        assert_eq!(SendSms::segment("1", "2", &[9, 0]), None);
    }

    #[test]
    fn dlr_types() {
        for v in [1, 2, 4, 8, 16] {
            assert_eq!(u32::from(DlrType::from_value(v).unwrap().value()), v);
        }
        assert_eq!(DlrType::from_value(3), None);
        assert_eq!(DlrType::Delivered.state(), MessageState::Delivered);
        assert_eq!(DlrType::SmscRejected.state(), MessageState::Rejected);
    }
}
