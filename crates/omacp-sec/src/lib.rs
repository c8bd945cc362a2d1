//! ProvBoot security for OMA Client Provisioning (security.md §1–5): the SEC methods, key
//! derivation from the IMSI and user PIN, the HMAC-SHA1 MAC over the transported WBXML, the
//! USERPINMAC decimal code, and a [`Verdict`] that says what was checked and why it failed.
//!
//! Sans-IO and deterministic: no clock, no OS random source (PIN generation takes the
//! caller's entropy bytes). Secrets ([`Imsi`], [`Pin`], [`MacKey`]) are zeroized on drop,
//! print `<redacted>` in `Debug` and never appear in errors.
//!
//! ```
//! use omacp_sec::{verify, Credentials, Imsi, Mac, MacKey, SecMethod, Verdict};
//! let body = [0x03, 0x0B, 0x6A, 0x00, 0x45, 0x01];
//! let imsi = Imsi::parse("466923103145252").unwrap();
//! let mac = Mac::compute(&MacKey::netwpin(&imsi), &body);
//! assert_eq!(mac.to_string(), "1AF545FE2823DC9347064450F90FF1BBF957E146");
//! let creds = Credentials { imsi: Some(&imsi), pin: None };
//! let v = verify(Some(SecMethod::NetwPin), Some(&mac.to_hex()), &creds, &body);
//! assert_eq!(v, Verdict::Verified { method: SecMethod::NetwPin });
//! ```
#![forbid(unsafe_code)]

pub mod key;
pub mod mac;
pub mod method;
pub mod verdict;

pub use key::{Imsi, ImsiError, KeyError, MacKey, Pin, PinError};
pub use mac::{
    MAC_HEX_LEN, MAC_LEN, Mac, MalformedMac, UserPinMacError, random_pin, userpinmac_code,
};
pub use method::SecMethod;
pub use verdict::{Credentials, Reason, Verdict, key_for, sign, verify};
