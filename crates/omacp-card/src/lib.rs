//! Provisioning smart cards (OMA ProvSC 1.1 and the CP 1.2 platforms; smartcard.md).
//!
//! A sans-IO core: the walk in [`read_provisioning`] talks to a card only through the
//! [`CardTransport`] trait (one command APDU in, one response APDU out), so the same code runs
//! against a [`SimulatedCard`] built from a [`CardImage`] text file and against a PC/SC reader
//! (the `omacp-pcsc` crate). Every parser takes hostile bytes and returns typed errors with
//! offsets; every loop and allocation is bounded by [`Limits`].
//!
//! Layers, in the order the walk uses them: [`apdu`] (commands, status words) → [`fcp`] (what
//! SELECT returns) → [`tlv`]/[`oid`] → [`pkcs15`] (EF(DIR), EF(ODF), EF(DODF)) → [`split`]
//! (the WBXML documents in a file) and [`imsi`] (EF_IMSI, EF_IMSI_M); [`platform`] and
//! [`roles`] are the configuration tables; [`image`] and [`simcard`] make test cards.

#![forbid(unsafe_code)]

pub mod apdu;
mod channel;
pub mod fcp;
pub mod image;
pub mod imsi;
pub mod oid;
pub mod path;
pub mod pkcs15;
pub mod platform;
mod read;
pub mod roles;
pub mod simcard;
pub mod split;
pub mod tlv;

#[doc(hidden)]
pub mod fuzzing;

pub use apdu::{Class, StatusWord};
pub use image::{CardImage, ImageError, ImageSpec, build_image};
pub use oid::Oid;
pub use path::FilePath;
pub use platform::Platform;
pub use read::{
    CardContents, CardDocument, CardError, CardErrorKind, CardTransport, Limits, Note, NoteKind,
    ReadOptions, TransportError, read_file, read_provisioning,
};
pub use roles::{Role, RoleTable};
pub use simcard::SimulatedCard;
