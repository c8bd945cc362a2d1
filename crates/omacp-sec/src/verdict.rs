//! Checking a received document: what was checked and, if it failed, why (security.md §1,
//! §3, §6.1).
//!
//! The rules that keep a failure from turning into "no security":
//! - SEC absent and MAC absent → [`Verdict::Unsigned`] (the only unauthenticated outcome);
//! - SEC absent but MAC present → failed ([`Reason::MacWithoutSec`]);
//! - SEC present with an unknown value → failed ([`Reason::UnknownMethod`]); Nokia treats this
//!   as "no SEC", Gaia rejects it, we reject it;
//! - SEC 0–2 without MAC → failed ([`Reason::MissingMac`]), Nokia's stricter reading;
//! - missing key material → failed ([`Reason::MissingImsi`], [`Reason::MissingPin`]): "not
//!   verified" is not "verified".
//!
//! USERPINMAC ignores the MAC parameter, as Nokia and Intel do: the check is the decimal code
//! the user typed (security.md §4.4).

use crate::key::{Imsi, MacKey, Pin};
use crate::mac::{EntryCheck, Mac, MalformedMac, check_userpinmac};
use crate::method::SecMethod;

/// The key material a receiver has. For USERPINMAC, `pin` is what the user typed: the PIN
/// followed by the decimal check digits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The IMSI of the subscription the message arrived for.
    pub imsi: Option<&'a Imsi>,
    /// The PIN (USERPIN, USERNETWPIN) or the typed PIN‖digits (USERPINMAC).
    pub pin: Option<&'a Pin>,
}

/// Why authentication failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// The MAC is well formed but does not match the body.
    #[error("wrong MAC")]
    WrongMac,
    /// The MAC parameter is not 40 hex digits.
    #[error("malformed MAC: {0}")]
    MalformedMac(MalformedMac),
    /// SEC says NETWPIN/USERPIN/USERNETWPIN but there is no MAC parameter.
    #[error("SEC present but no MAC")]
    MissingMac,
    /// A MAC parameter without a SEC parameter: nothing says which key to use.
    #[error("MAC present but no SEC")]
    MacWithoutSec,
    /// SEC has a value no method is defined for.
    #[error("unknown SEC method {0}")]
    UnknownMethod(u8),
    /// The method needs a PIN (or the typed USERPINMAC code) and none was given.
    #[error("no PIN given")]
    MissingPin,
    /// The typed USERPINMAC entry does not have the shape PIN‖digits (even length, at most
    /// 40 characters, second half decimal).
    #[error("USERPINMAC entry must be the PIN followed by as many decimal digits")]
    PinWrongShape,
    /// The method needs the IMSI and none was given.
    #[error("no IMSI given")]
    MissingImsi,
}

impl Reason {
    /// True when verification could not be attempted for lack of an IMSI or PIN (the MAC
    /// may still be right).
    pub fn is_missing_credentials(self) -> bool {
        matches!(self, Reason::MissingPin | Reason::MissingImsi)
    }
}

/// The outcome of checking a document's SEC/MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The MAC (or USERPINMAC code) matches the body under `method`.
    Verified {
        /// The method used.
        method: SecMethod,
    },
    /// No SEC and no MAC: the document claims no authentication at all.
    Unsigned,
    /// Authentication was claimed but not established.
    Failed(Reason),
}

impl Verdict {
    /// True only for [`Verdict::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified { .. })
    }
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Verdict::Verified { method } => write!(f, "verified ({method})"),
            Verdict::Unsigned => f.write_str("unsigned: no SEC/MAC"),
            Verdict::Failed(r) => write!(f, "failed: {r}"),
        }
    }
}

/// The key `method` uses, from `creds`. USERPINMAC keys with the PIN half of the typed entry
/// and is handled by [`verify`] directly, so it is refused here with
/// [`Reason::PinWrongShape`] if asked.
pub fn key_for(method: SecMethod, creds: &Credentials<'_>) -> Result<MacKey, Reason> {
    let imsi = || creds.imsi.ok_or(Reason::MissingImsi);
    let pin = || creds.pin.ok_or(Reason::MissingPin);
    match method {
        SecMethod::NetwPin => Ok(MacKey::netwpin(imsi()?)),
        SecMethod::UserPin => Ok(MacKey::userpin(pin()?)),
        SecMethod::UserNetwPin => Ok(MacKey::usernetwpin(imsi()?, pin()?)),
        SecMethod::UserPinMac => Err(Reason::PinWrongShape),
        SecMethod::Unknown(v) => Err(Reason::UnknownMethod(v)),
    }
}

/// Checks `body` — exactly the bytes received after the WSP headers — against the SEC and
/// MAC parameters that came with it. `mac` is the parameter's raw text.
pub fn verify(
    method: Option<SecMethod>,
    mac: Option<&[u8]>,
    creds: &Credentials<'_>,
    body: &[u8],
) -> Verdict {
    let Some(method) = method else {
        return match mac {
            Some(_) => Verdict::Failed(Reason::MacWithoutSec),
            None => Verdict::Unsigned,
        };
    };
    let fail = Verdict::Failed;
    match method {
        SecMethod::Unknown(v) => fail(Reason::UnknownMethod(v)),
        SecMethod::UserPinMac => {
            let Some(entry) = creds.pin else {
                return fail(Reason::MissingPin);
            };
            match check_userpinmac(entry, body) {
                EntryCheck::Match => Verdict::Verified { method },
                EntryCheck::Mismatch => fail(Reason::WrongMac),
                EntryCheck::WrongShape => fail(Reason::PinWrongShape),
            }
        }
        SecMethod::NetwPin | SecMethod::UserPin | SecMethod::UserNetwPin => {
            let Some(text) = mac else {
                return fail(Reason::MissingMac);
            };
            let received = match Mac::parse_hex(text) {
                Ok(m) => m,
                Err(e) => return fail(Reason::MalformedMac(e)),
            };
            let key = match key_for(method, creds) {
                Ok(k) => k,
                Err(r) => return fail(r),
            };
            if Mac::compute(&key, body).ct_eq(&received) {
                Verdict::Verified { method }
            } else {
                fail(Reason::WrongMac)
            }
        }
    }
}

/// Sender side: the MAC for `method` over `body`. USERPINMAC senders usually still send a MAC
/// keyed with the PIN (security.md §4.4 leaves it open), which is what this returns for it.
pub fn sign(method: SecMethod, creds: &Credentials<'_>, body: &[u8]) -> Result<Mac, Reason> {
    let key = match method {
        SecMethod::UserPinMac => MacKey::userpin(creds.pin.ok_or(Reason::MissingPin)?),
        m => key_for(m, creds)?,
    };
    Ok(Mac::compute(&key, body))
}
