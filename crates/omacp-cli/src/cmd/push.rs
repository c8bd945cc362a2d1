//! `omacp push`: sign a document (security.md §3–4) and frame it as a WAP Push
//! (transport.md §3–5): WSP PDU, SMS segments, SMS-SUBMIT TPDUs or a pcap.
//!
//! The MAC covers the WBXML exactly as sent: WBXML input is sent byte for byte as given,
//! XML input is encoded once and those bytes are both signed and sent.

use std::fmt::Write as _;
use std::io::Read as _;

use anyhow::{Context, bail};
use omacp_bearer::pcap::{UdpFlow, sms_capture, udp_capture};
use omacp_bearer::sms::{Address, Dcs, Submit, UserData};
use omacp_bearer::wdp::{Reference, SegmentOptions, segment};
use omacp_bearer::wsp::{ContentType, Header, PushPdu};
use omacp_sec::{Credentials, SecMethod, random_pin, sign as sign_doc, userpinmac_code};

use super::Exit;
use crate::args::{EmitArg, PushArgs, SecArg, SegArgs, SignArgs};
use crate::io::{read_input, write_output};

/// A signed push PDU ready to segment.
pub(crate) struct BuiltPush {
    /// The WSP push PDU (the WDP datagram).
    pub pdu: Vec<u8>,
}

/// Signs `doc` as `sign` says and builds the WSP push PDU (shared by `push` and `send`).
/// `None` when the document is invalid and `--allow-invalid` is not set. Prints the
/// warnings a sender must see (no SEC; the USERPINMAC code the user must type).
pub(crate) fn build(doc: &std::path::Path, sign: &SignArgs) -> anyhow::Result<Option<BuiltPush>> {
    let method = match sign.sec {
        SecArg::None => None,
        SecArg::Netwpin => Some(SecMethod::NetwPin),
        SecArg::Userpin => Some(SecMethod::UserPin),
        SecArg::Usernetwpin => Some(SecMethod::UserNetwPin),
        SecArg::Userpinmac => Some(SecMethod::UserPinMac),
    };
    let (imsi, mut pin) = super::key_material(sign.imsi.as_deref(), sign.pin.as_deref())?;
    if let Some(m) = method {
        if m.needs_imsi() && imsi.is_none() {
            bail!(
                "--sec {} needs --imsi (the subscriber's IMSI)",
                m.name().unwrap_or("?").to_lowercase()
            );
        }
        if matches!(m, SecMethod::UserPin | SecMethod::UserNetwPin) && pin.is_none() {
            bail!(
                "--sec {} needs --pin (the PIN given to the user)",
                m.name().unwrap_or("?").to_lowercase()
            );
        }
        if m == SecMethod::UserPinMac && pin.is_none() {
            pin = Some(random_pin(usize::from(sign.pin_length), &os_entropy()?)?);
        }
    }

    let wbxml = load_wbxml(&read_input(doc)?, sign.allow_invalid)?;
    let Some(wbxml) = wbxml else {
        return Ok(None);
    };

    let creds = Credentials {
        imsi: imsi.as_ref(),
        pin: pin.as_ref(),
    };
    let mac = method
        .map(|m| sign_doc(m, &creds, &wbxml))
        .transpose()
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    let mac_hex = mac.map(|m| m.to_hex());
    let content_type = match (method, &mac_hex) {
        (Some(m), Some(h)) => ContentType::signed(m, h),
        _ => ContentType::connectivity_wbxml(),
    };
    let mut pdu = PushPdu::new(sign.tid, content_type, &wbxml);
    if let Some(uri) = &sign.initiator_uri {
        pdu.headers.push(Header::InitiatorUri(uri.as_bytes()));
    }
    let mut bytes = Vec::with_capacity(pdu.encoded_len());
    pdu.encode(&mut bytes);

    match method {
        None => eprintln!(
            "omacp: WARNING: --sec none: this push carries no SEC/MAC. Phones will (and should) refuse it or \
             ask the user to trust an unauthenticated sender."
        ),
        Some(SecMethod::UserPinMac) => {
            let code = userpinmac_code(pin.as_ref().expect("set above"), &wbxml)?;
            eprintln!("omacp: USERPINMAC: the user must type {}", code.expose());
        }
        Some(_) => {}
    }
    Ok(Some(BuiltPush { pdu: bytes }))
}

/// Segmentation options from the shared flags; the default reference is derived from the PDU.
pub(crate) fn segment_options(seg: &SegArgs, pdu: &[u8]) -> SegmentOptions {
    let reference = seg.reference.unwrap_or_else(|| fnv16(pdu));
    SegmentOptions {
        src_port: seg.source_port,
        reference: if seg.concat == 16 {
            Reference::Bits16(reference)
        } else {
            Reference::Bits8(reference as u8)
        },
        ..SegmentOptions::default()
    }
}

/// Runs `omacp push`.
pub fn run(a: PushArgs) -> anyhow::Result<Exit> {
    if matches!(a.emit, EmitArg::Tpdu) && a.to.is_none() {
        bail!("--emit tpdu needs --to MSISDN");
    }
    let Some(BuiltPush { pdu: bytes }) = build(&a.doc, &a.sign)? else {
        return Ok(Exit::Invalid);
    };
    let opts = segment_options(&a.seg, &bytes);
    let out = match a.emit {
        EmitArg::Push => bytes,
        EmitArg::Segments => hex_lines(&segment(&bytes, &opts)?),
        EmitArg::Tpdu => hex_lines(&tpdus(
            &segment(&bytes, &opts)?,
            a.to.as_deref().unwrap_or(""),
            &a,
        )?),
        EmitArg::Pcap => match a.to.as_deref() {
            Some(to) => {
                let t = tpdus(&segment(&bytes, &opts)?, to, &a)?;
                sms_capture(&t.iter().map(Vec::as_slice).collect::<Vec<_>>())?
            }
            None => udp_capture(
                &[&bytes],
                &UdpFlow {
                    src_port: a.seg.source_port,
                    ..UdpFlow::default()
                },
            )?,
        },
    };
    write_output(a.output.as_deref(), &out)?;
    Ok(Exit::Ok)
}

/// The WBXML to send: WBXML input as given (after checking it decodes), XML input encoded.
/// `None` when validation fails and `--allow-invalid` is not set.
fn load_wbxml(input: &[u8], allow_invalid: bool) -> anyhow::Result<Option<Vec<u8>>> {
    let loaded = crate::load::document(input, false).context("reading the document")?;
    let doc = loaded.doc;
    let wbxml = match loaded.form {
        crate::load::Form::Xml => omacp_wbxml::encode(&doc, &omacp_wbxml::EncodeOptions::default()),
        crate::load::Form::Wbxml => input.to_vec(),
    };
    let report = omacp_doc::validate::validate(&doc);
    for d in &report.diagnostics {
        eprintln!("omacp: {d}");
    }
    if !report.is_valid() && !allow_invalid {
        eprintln!(
            "omacp: the document is invalid; not signing it (use --allow-invalid to send it anyway)"
        );
        return Ok(None);
    }
    Ok(Some(wbxml))
}

fn tpdus(segments: &[Vec<u8>], to: &str, a: &PushArgs) -> anyhow::Result<Vec<Vec<u8>>> {
    let da = Address::international(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let dcs = if a.dcs == "04" {
        Dcs::BINARY
    } else {
        Dcs::BINARY_CLASS1
    };
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ud = UserData::binary(s)?;
            let mut out = Vec::new();
            Submit::binary(da.clone(), a.mr.wrapping_add(i as u8), dcs, ud).encode(&mut out);
            Ok(out)
        })
        .collect()
}

fn hex_lines(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut s = String::new();
    for l in lines {
        let _ = writeln!(s, "{}", omacp_wire::hex::encode_upper(l));
    }
    s.into_bytes()
}

/// A 16-bit FNV-1a fold of the PDU: a reproducible default concatenation reference that
/// still differs between documents and keys.
fn fnv16(bytes: &[u8]) -> u16 {
    let h = bytes.iter().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    (h ^ (h >> 16)) as u16
}

/// Entropy for a generated PIN (the library takes it as input and stays deterministic).
fn os_entropy() -> anyhow::Result<[u8; 64]> {
    let mut buf = [0u8; 64];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("reading /dev/urandom to generate a PIN (give --pin instead)")?;
    Ok(buf)
}
