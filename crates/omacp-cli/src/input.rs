//! Recognising what a push input file holds, shared by `omacp inspect` and `omacp device
//! receive`: a pcap (by magic), hex text (one item per line: SMS user data `UDH‖data`, an
//! SMS TPDU, a push PDU, or a document), a binary push PDU (second byte 0x06), an XML
//! document, or bare WBXML.

use anyhow::{Context, bail};
use omacp_bearer::pcap::{self, Payload};
use omacp_bearer::sms::Tpdu;
use omacp_bearer::wdp::Segment;

/// Most pcap records read.
pub const MAX_RECORDS: usize = 100_000;

/// True when `input` starts with a pcap magic number (either byte order, µs or ns).
fn is_pcap(input: &[u8]) -> bool {
    input.len() >= 4
        && matches!(
            &input[..4],
            [0xD4, 0xC3, 0xB2, 0xA1]
                | [0xA1, 0xB2, 0xC3, 0xD4]
                | [0x4D, 0x3C, 0xB2, 0xA1]
                | [0xA1, 0xB2, 0x3C, 0x4D]
        )
}

/// Non-empty lines of hex text (`#` starts a comment line), or `None` if the input is not that.
fn hex_lines(input: &[u8]) -> Option<Vec<Vec<u8>>> {
    let text = std::str::from_utf8(input).ok()?;
    let lines: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            omacp_wire::hex::decode(l.strip_prefix("0x").unwrap_or(l))
                .ok()
                .filter(|b| !b.is_empty())
        })
        .collect::<Option<_>>()?;
    (!lines.is_empty()).then_some(lines)
}

/// SMS user data with a UDH carrying application ports.
fn is_segment(b: &[u8]) -> bool {
    Segment::decode(b).is_ok_and(|s| s.ports().is_some())
}

/// An SMS TPDU whose user data is such a segment.
fn is_tpdu(b: &[u8]) -> bool {
    Tpdu::decode(b).is_ok_and(|t| t.udhi() && is_segment(t.user_data().octets()))
}

/// One item of a push input, in the form a handset receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An SMS TPDU.
    Tpdu(Vec<u8>),
    /// SMS user data (UDH and payload).
    UserData(Vec<u8>),
    /// A push PDU, with the originator if the input says (pcap: the source IP).
    Push(Vec<u8>, Option<String>),
    /// A bare document (WBXML or XML).
    Document(Vec<u8>),
}

/// What a push input file holds. The one decision tree both `omacp inspect` and
/// `omacp device receive` use, so they never classify the same file differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A pcap capture (read record by record by the caller).
    Pcap,
    /// Hex lines of SMS user data (UDH‖data).
    Segments(Vec<Vec<u8>>),
    /// Hex lines of SMS TPDUs.
    Tpdus(Vec<Vec<u8>>),
    /// Hex lines, each a WSP push PDU.
    PushHex(Vec<Vec<u8>>),
    /// Hex text of a WBXML document.
    WbxmlHex(Vec<u8>),
    /// An XML document.
    Xml,
    /// A binary WSP push PDU.
    Push,
    /// A bare WBXML document.
    Wbxml,
}

impl Kind {
    /// The label shown to users and in `--json` output.
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Pcap => "pcap",
            Kind::Segments(_) => "segments",
            Kind::Tpdus(_) => "tpdu",
            Kind::PushHex(_) => "push-hex",
            Kind::WbxmlHex(_) => "wbxml-hex",
            Kind::Xml => "xml",
            Kind::Push => "push",
            Kind::Wbxml => "wbxml",
        }
    }
}

/// Classifies `input`: pcap by magic; hex text by what its first line decodes as; then
/// XML, a binary push PDU (second byte 0x06), or bare WBXML.
pub fn classify(input: &[u8]) -> Kind {
    if is_pcap(input) {
        return Kind::Pcap;
    }
    if let Some(lines) = hex_lines(input) {
        let first = &lines[0];
        return if is_segment(first) {
            Kind::Segments(lines)
        } else if is_tpdu(first) {
            Kind::Tpdus(lines)
        } else if first.get(1) == Some(&0x06) {
            Kind::PushHex(lines)
        } else {
            Kind::WbxmlHex(lines.concat())
        };
    }
    if crate::load::sniff(input) == crate::load::Form::Xml {
        Kind::Xml
    } else if input.get(1) == Some(&0x06) {
        Kind::Push
    } else {
        Kind::Wbxml
    }
}

/// Splits `input` into items; returns a label for the detected form too.
pub fn items(input: &[u8]) -> anyhow::Result<(&'static str, Vec<Item>)> {
    let kind = classify(input);
    let label = kind.label();
    let items = match kind {
        Kind::Pcap => pcap_items(input)?,
        Kind::Segments(lines) => lines.into_iter().map(Item::UserData).collect(),
        Kind::Tpdus(lines) => lines.into_iter().map(Item::Tpdu).collect(),
        Kind::PushHex(lines) => lines.into_iter().map(|l| Item::Push(l, None)).collect(),
        Kind::WbxmlHex(doc) => vec![Item::Document(doc)],
        Kind::Xml | Kind::Wbxml => vec![Item::Document(input.to_vec())],
        Kind::Push => vec![Item::Push(input.to_vec(), None)],
    };
    Ok((label, items))
}

fn pcap_items(input: &[u8]) -> anyhow::Result<Vec<Item>> {
    let cap = pcap::read(input, MAX_RECORDS)?;
    let mut out = Vec::new();
    for (i, rec) in cap.records.iter().enumerate() {
        match rec
            .payload(cap.linktype)
            .with_context(|| format!("record {}", i + 1))?
        {
            Payload::Udp { flow, data } => {
                let s = flow.src;
                out.push(Item::Push(
                    data.to_vec(),
                    Some(format!("{}.{}.{}.{}", s[0], s[1], s[2], s[3])),
                ));
            }
            Payload::Exported {
                dissector: "gsm_sms",
                data,
                ..
            } => out.push(Item::Tpdu(data.to_vec())),
            Payload::Exported { dissector, .. } => bail!(
                "record {}: exported PDU for {dissector:?}, not gsm_sms",
                i + 1
            ),
        }
    }
    Ok(out)
}
