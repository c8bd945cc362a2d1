//! One message per subscriber: the template filled with the subscriber's values, checked
//! (validator and the tenant's ownership scope, again at send time), encoded to WBXML,
//! signed with the campaign's SEC method, wrapped in a WSP push and segmented.
//!
//! Everything here is deterministic for a given message: a resend after a crash produces
//! the same octets, the same concatenation reference and the same idempotency keys, so a
//! handset (or the sandbox SMSC) can recognise the copy.

use omacp_bearer::wdp::{Reference, SegmentOptions};
use omacp_bearer::wsp::{ContentType, PushPdu};
use omacp_sec::{Credentials, Imsi, Pin, sign, userpinmac_code};
use omacp_smpp::pdu::Sm;
use omacp_smpp::push::{PushSubmit, SmppAddress};

use super::model::{Claimed, Sec, Spec};
use crate::store::tenants::Scope;
use crate::template::{self, VarScope};

/// The vendor-specific TLV carrying a segment's idempotency key (`<message id>/<seq>`).
pub const TLV_IDEMPOTENCY_KEY: u16 = omacp_sandbox::TLV_IDEMPOTENCY_KEY;

/// Why a message cannot be built (final for the message: retrying will not help).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The template could not be filled or the result is not acceptable.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    /// The subscriber has no (valid) IMSI and the SEC method needs one.
    #[error("the subscriber has no valid IMSI, which {0} needs")]
    Imsi(&'static str),
    /// No valid PIN (the value is never repeated).
    #[error("no valid PIN for {0}")]
    Pin(&'static str),
    /// Signing or segmenting failed.
    #[error("{0}")]
    Encode(String),
}

/// A built message.
pub struct Built {
    /// The WSP push PDU (the WDP datagram).
    pub pdu: Vec<u8>,
    /// One submit_sm per segment, each with its idempotency key.
    pub submits: Vec<Sm>,
    /// What the user types when the phone asks for a PIN (the PIN, or for USERPINMAC the
    /// code derived from it); a secret.
    pub user_pin: Option<String>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("pdu_len", &self.pdu.len())
            .field("segments", &self.submits.len())
            .finish_non_exhaustive()
    }
}

/// FNV-1a: a stable small hash of the message id for the WSP TID and the concatenation
/// reference (the same on every resend).
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Fills the template for one subscriber.
pub fn render(spec: &Spec, m: &Claimed) -> Result<String, template::TemplateError> {
    template::fill(&spec.template, &spec.variables, &|name| match name {
        "msisdn" => Some(m.msisdn.clone()),
        "imsi" => m.imsi.clone(),
        "imei" => m.imei.clone(),
        _ => match spec.variables.iter().find(|v| v.name == name)?.scope {
            VarScope::Campaign => spec.campaign_vars.get(name).cloned(),
            VarScope::Subscriber => m.vars.get(name).cloned(),
        },
    })
}

/// Checked, encoded documents by filled text: subscribers whose values are the same share
/// one parse, validation and encoding (the signature is still per subscriber).
#[derive(Debug, Default)]
pub struct DocCache(std::collections::HashMap<String, Vec<u8>>);

impl DocCache {
    const MAX: usize = 4096;

    fn wbxml(&mut self, filled: String, scope: &Scope) -> Result<Vec<u8>, BuildError> {
        if let Some(w) = self.0.get(&filled) {
            return Ok(w.clone());
        }
        let doc = template::document(&filled, scope)?;
        let wbxml = omacp_wbxml::encode(&doc, &omacp_wbxml::EncodeOptions::default());
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        self.0.insert(filled, wbxml.clone());
        Ok(wbxml)
    }
}

/// Builds the message for `m` of campaign `spec`, from `source`.
pub fn build(spec: &Spec, scope: &Scope, m: &Claimed, source: &str) -> Result<Built, BuildError> {
    build_cached(spec, scope, m, source, &mut DocCache::default())
}

/// [`build`] with a document cache (the runner keeps one per campaign).
pub fn build_cached(
    spec: &Spec,
    scope: &Scope,
    m: &Claimed,
    source: &str,
    cache: &mut DocCache,
) -> Result<Built, BuildError> {
    let filled = render(spec, m)?;
    let wbxml = cache.wbxml(filled, scope)?;
    let name = spec.sec.method().name().unwrap_or("?");
    let imsi = match spec.sec.needs_imsi() {
        true => Some(
            m.imsi
                .as_deref()
                .and_then(|i| Imsi::parse(i).ok())
                .ok_or(BuildError::Imsi(name))?,
        ),
        false => None,
    };
    let pin = match spec.sec.needs_pin() {
        true => Some(
            m.pin
                .as_deref()
                .or(spec.pin.as_deref())
                .and_then(|p| Pin::parse(p).ok())
                .ok_or(BuildError::Pin(name))?,
        ),
        false => None,
    };
    let creds = Credentials {
        imsi: imsi.as_ref(),
        pin: pin.as_ref(),
    };
    let mac =
        sign(spec.sec.method(), &creds, &wbxml).map_err(|r| BuildError::Encode(r.to_string()))?;
    let hex = mac.to_hex();
    let h = fnv(&m.id);
    let pdu = PushPdu::new(
        h as u8,
        ContentType::signed(spec.sec.method(), &hex),
        &wbxml,
    );
    let mut bytes = Vec::with_capacity(pdu.encoded_len());
    pdu.encode(&mut bytes);
    let user_pin = match (spec.sec, &pin) {
        (Sec::Userpinmac, Some(p)) => Some(
            userpinmac_code(p, &wbxml)
                .map_err(|e| BuildError::Encode(e.to_string()))?
                .expose()
                .to_owned(),
        ),
        (_, Some(p)) => Some(p.expose().to_owned()),
        (_, None) => None,
    };
    let opts = SegmentOptions {
        reference: Reference::Bits8((h >> 8) as u8),
        ..SegmentOptions::default()
    };
    let push = PushSubmit::new(SmppAddress::source(source), &m.msisdn);
    let mut submits = push
        .submits(&bytes, &opts)
        .map_err(|e| BuildError::Encode(e.to_string()))?;
    for (i, sm) in submits.iter_mut().enumerate() {
        sm.tlvs.push(
            TLV_IDEMPOTENCY_KEY,
            format!("{}/{}", m.id, i + 1).into_bytes(),
        );
    }
    Ok(Built {
        pdu: bytes,
        submits,
        user_pin,
    })
}
