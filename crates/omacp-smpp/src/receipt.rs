//! Delivery receipts: the de-facto text format of SMPP 3.4 Appendix B
//! (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`), the
//! message_state values (§5.2.28), and reading a receipt out of a deliver_sm, where the
//! TLVs (receipted_message_id, message_state) win over the text when both are present.

use crate::pdu::Sm;
use crate::tlv::{Tlvs, tag};

/// message_state (§5.2.28) with its receipt `stat:` word, declared once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// 1 ENROUTE.
    Enroute,
    /// 2 DELIVRD.
    Delivered,
    /// 3 EXPIRED.
    Expired,
    /// 4 DELETED.
    Deleted,
    /// 5 UNDELIV.
    Undeliverable,
    /// 6 ACCEPTD.
    Accepted,
    /// 7 UNKNOWN.
    Unknown,
    /// 8 REJECTD.
    Rejected,
}

/// (state, message_state value, stat word).
static STATES: &[(MessageState, u8, &str)] = &[
    (MessageState::Enroute, 1, "ENROUTE"),
    (MessageState::Delivered, 2, "DELIVRD"),
    (MessageState::Expired, 3, "EXPIRED"),
    (MessageState::Deleted, 4, "DELETED"),
    (MessageState::Undeliverable, 5, "UNDELIV"),
    (MessageState::Accepted, 6, "ACCEPTD"),
    (MessageState::Unknown, 7, "UNKNOWN"),
    (MessageState::Rejected, 8, "REJECTD"),
];

impl MessageState {
    /// From the TLV value.
    pub fn from_value(v: u8) -> Option<MessageState> {
        STATES.iter().find(|r| r.1 == v).map(|r| r.0)
    }

    /// The TLV value.
    pub fn value(self) -> u8 {
        STATES.iter().find(|r| r.0 == self).map_or(7, |r| r.1)
    }

    /// From a `stat:` word (case-insensitive; the long names some SMSCs write are accepted).
    pub fn from_stat(word: &str) -> Option<MessageState> {
        let w = word.to_ascii_uppercase();
        let w = match w.as_str() {
            "DELIVERED" => "DELIVRD",
            "UNDELIVERABLE" => "UNDELIV",
            "ACCEPTED" => "ACCEPTD",
            "REJECTED" => "REJECTD",
            other => other,
        };
        STATES.iter().find(|r| r.2 == w).map(|r| r.0)
    }

    /// The `stat:` word.
    pub fn stat(self) -> &'static str {
        STATES
            .iter()
            .find(|r| r.0 == self)
            .map_or("UNKNOWN", |r| r.2)
    }

    /// Whether no further receipt is expected for the message.
    pub fn is_final(self) -> bool {
        !matches!(self, MessageState::Enroute | MessageState::Accepted)
    }
}

/// The text part of a delivery receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptText {
    /// `id:` the SMSC message id.
    pub id: String,
    /// `sub:` messages submitted.
    pub sub: String,
    /// `dlvrd:` messages delivered.
    pub dlvrd: String,
    /// `submit date:` YYMMDDhhmm.
    pub submit_date: String,
    /// `done date:` YYMMDDhhmm.
    pub done_date: String,
    /// `stat:`.
    pub stat: MessageState,
    /// `err:` network-specific error code.
    pub err: String,
    /// `text:` the first octets of the message.
    pub text: String,
}

/// Why a receipt text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// A required key (`id:` or `stat:`) is missing.
    #[error("receipt text has no {0}: field")]
    Missing(&'static str),
    /// The `stat:` word is not a known state.
    #[error("receipt stat {0:?} is not a message state")]
    UnknownStat(String),
}

const KEYS: &[&str] = &[
    "id:",
    "sub:",
    "dlvrd:",
    "submit date:",
    "done date:",
    "stat:",
    "err:",
    "text:",
];

impl ReceiptText {
    /// Parses a receipt text. Keys may come in any order and any case; `text:` runs to the end.
    pub fn parse(s: &str) -> Result<ReceiptText, ReceiptError> {
        let lower = s.to_ascii_lowercase();
        // Key positions, found at word starts only (`id:` must not match inside `...id:`).
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (k, key) in KEYS.iter().enumerate() {
            let mut from = 0;
            while let Some(p) = lower[from..].find(key) {
                let at = from + p;
                if at == 0 || lower.as_bytes()[at - 1] == b' ' {
                    found.push((at, k));
                    break;
                }
                from = at + 1;
            }
        }
        // `text:` swallows the rest, so keys found inside it do not count.
        if let Some(&(text_at, _)) = found.iter().find(|(_, k)| *k == 7) {
            found.retain(|&(at, k)| k == 7 || at < text_at);
        }
        found.sort();
        let mut vals: [Option<String>; 8] = Default::default();
        for (i, &(at, k)) in found.iter().enumerate() {
            let start = at + KEYS[k].len();
            let end = found.get(i + 1).map_or(s.len(), |n| n.0);
            let v = s[start..end].trim();
            vals[k] = Some(v.to_owned());
        }
        let [id, sub, dlvrd, submit_date, done_date, stat, err, text] = vals;
        let id = id.ok_or(ReceiptError::Missing("id"))?;
        let stat_word = stat.ok_or(ReceiptError::Missing("stat"))?;
        let stat =
            MessageState::from_stat(&stat_word).ok_or(ReceiptError::UnknownStat(stat_word))?;
        Ok(ReceiptText {
            id,
            sub: sub.unwrap_or_default(),
            dlvrd: dlvrd.unwrap_or_default(),
            submit_date: submit_date.unwrap_or_default(),
            done_date: done_date.unwrap_or_default(),
            stat,
            err: err.unwrap_or_default(),
            text: text.unwrap_or_default(),
        })
    }

    /// The Appendix B text.
    pub fn format(&self) -> String {
        format!(
            "id:{} sub:{} dlvrd:{} submit date:{} done date:{} stat:{} err:{} text:{}",
            self.id,
            self.sub,
            self.dlvrd,
            self.submit_date,
            self.done_date,
            self.stat.stat(),
            self.err,
            self.text
        )
    }
}

/// esm_class message type bits (2..5) for an SMSC delivery receipt.
pub const ESM_CLASS_DELIVERY_RECEIPT: u8 = 0x04;

/// A delivery report read from a deliver_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The SMSC message id of the original submit_sm.
    pub message_id: String,
    /// Its state.
    pub state: MessageState,
    /// network_error_code (type, code), if given.
    pub network_error: Option<(u8, u16)>,
    /// The receipt text, if the short_message held one.
    pub text: Option<ReceiptText>,
}

impl DeliveryReport {
    /// The report in a deliver_sm, or `None` when the deliver_sm is not a receipt or names
    /// no message id and state.
    pub fn from_deliver_sm(sm: &Sm) -> Option<DeliveryReport> {
        if sm.esm_class & 0x3C != ESM_CLASS_DELIVERY_RECEIPT {
            return None;
        }
        let text = std::str::from_utf8(&sm.short_message)
            .ok()
            .and_then(|t| ReceiptText::parse(t).ok());
        let message_id = sm
            .tlvs
            .text(tag::RECEIPTED_MESSAGE_ID)
            .map(str::to_owned)
            .or_else(|| text.as_ref().map(|t| t.id.clone()))?;
        let state = sm
            .tlvs
            .u8(tag::MESSAGE_STATE)
            .and_then(MessageState::from_value)
            .or(text.as_ref().map(|t| t.stat))?;
        let network_error = match sm.tlvs.get(tag::NETWORK_ERROR_CODE) {
            Some([t, a, b]) => Some((*t, u16::from_be_bytes([*a, *b]))),
            _ => None,
        };
        Some(DeliveryReport {
            message_id,
            state,
            network_error,
            text,
        })
    }

    /// A deliver_sm carrying this report to `to` (the original sender) from `from`.
    pub fn to_deliver_sm(&self, from: &str, to: &str) -> Sm {
        let mut tlvs = Tlvs::default();
        tlvs.push_text(tag::RECEIPTED_MESSAGE_ID, &self.message_id)
            .push(tag::MESSAGE_STATE, vec![self.state.value()]);
        if let Some((t, c)) = self.network_error {
            let c = c.to_be_bytes();
            tlvs.push(tag::NETWORK_ERROR_CODE, vec![t, c[0], c[1]]);
        }
        Sm {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: from.to_owned(),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: to.to_owned(),
            esm_class: ESM_CLASS_DELIVERY_RECEIPT,
            short_message: self
                .text
                .as_ref()
                .map(|t| t.format().into_bytes())
                .unwrap_or_default(),
            tlvs,
            ..Sm::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_appendix_b_form() {
        let t = ReceiptText::parse(
            "id:0123456789 sub:001 dlvrd:001 submit date:2611240630 done date:2611240631 \
             stat:DELIVRD err:000 text:hello id:x",
        )
        .unwrap();
        assert_eq!(t.id, "0123456789");
        assert_eq!(t.submit_date, "2611240630");
        assert_eq!(t.done_date, "2611240631");
        assert_eq!(t.stat, MessageState::Delivered);
        assert_eq!(t.err, "000");
        assert_eq!(t.text, "hello id:x");
        assert_eq!(ReceiptText::parse(&t.format()).unwrap(), t);
    }

    #[test]
    fn tolerant_of_case_order_and_missing_fields() {
        let t = ReceiptText::parse("Stat:undeliverable ID:ab-9 err:021").unwrap();
        assert_eq!(
            (t.id.as_str(), t.stat),
            ("ab-9", MessageState::Undeliverable)
        );
        assert_eq!(
            ReceiptText::parse("sub:1 stat:DELIVRD"),
            Err(ReceiptError::Missing("id"))
        );
        assert!(matches!(
            ReceiptText::parse("id:1 stat:GONE"),
            Err(ReceiptError::UnknownStat(_))
        ));
    }

    #[test]
    fn tlvs_win_over_text() {
        let r = DeliveryReport {
            message_id: "77".into(),
            state: MessageState::Undeliverable,
            network_error: Some((3, 0x0021)),
            text: None,
        };
        let mut sm = r.to_deliver_sm("12345", "omacp");
        assert_eq!(DeliveryReport::from_deliver_sm(&sm), Some(r.clone()));
        sm.short_message = b"id:99 stat:DELIVRD".to_vec();
        let back = DeliveryReport::from_deliver_sm(&sm).unwrap();
        assert_eq!(back.message_id, "77");
        assert_eq!(back.state, MessageState::Undeliverable);
        sm.tlvs = Tlvs::default();
        let text_only = DeliveryReport::from_deliver_sm(&sm).unwrap();
        assert_eq!(
            (text_only.message_id.as_str(), text_only.state),
            ("99", MessageState::Delivered)
        );
        sm.esm_class = 0;
        assert_eq!(DeliveryReport::from_deliver_sm(&sm), None);
    }

    #[test]
    fn state_table_round_trips() {
        for v in 1..=8 {
            let s = MessageState::from_value(v).unwrap();
            assert_eq!(s.value(), v);
            assert_eq!(MessageState::from_stat(s.stat()), Some(s));
        }
        assert_eq!(MessageState::from_value(0), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,120}") {
            let _ = ReceiptText::parse(&s);
        }

        #[test]
        fn format_parse_round_trip(id in "[A-Za-z0-9-]{1,20}", err in "[0-9]{3}", v in 1u8..=8, text in "[ -~]{0,20}") {
            let t = ReceiptText {
                id, sub: "001".into(), dlvrd: "001".into(),
                submit_date: "2611240630".into(), done_date: "2611240631".into(),
                stat: MessageState::from_value(v).unwrap(), err, text: text.trim().to_owned(),
            };
            prop_assert_eq!(ReceiptText::parse(&t.format()).unwrap(), t);
        }
    }
}
