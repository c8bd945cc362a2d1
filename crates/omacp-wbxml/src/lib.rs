//! WBXML 1.3 (WAP-192) and its PROV 1.0 application: the binary form of a CP document
//! (`application/vnd.wap.connectivity-wbxml`; wbxml.md).
//!
//! - [`parser`]: a generic WBXML 1.0–1.3 pull parser, independent of PROV, with
//!   [`Limits`] and typed, offset-carrying errors ([`WbxmlError`]).
//! - [`writer`]: the WBXML 1.3 header and global tokens, for any application.
//! - [`tokens`]: the PROV code pages, declared once and checked at compile time.
//! - [`decode()`] / [`encode()`]: PROV WBXML ⇄ [`omacp_doc::Document`]. The encoder
//!   searches for the smallest encoding (string table, code pages, token fragments).
//! - [`compile`](mod@compile) / [`render`]: the streaming paths, XML text ⇄ PROV WBXML
//!   without a `Document` ([`Encoder`], [`Decoder`], with reusable buffers): the same
//!   bytes, text and errors as the model path, which they fall back to for anything
//!   unusual (docs/streaming-codecs.md).
//!
//! ```
//! use omacp_doc::{Characteristic, Document};
//! use omacp_wbxml::{decode, encode, DecodeOptions, EncodeOptions};
//!
//! let doc = Document::new(Some("1.0"))
//!     .with(Characteristic::new("NAPDEF").with_parm("NAPID", "NAP1").with_parm("BEARER", "GSM-GPRS"));
//! let wbxml = encode(&doc, &EncodeOptions::default());
//! assert_eq!(&wbxml[..4], &[0x03, 0x0B, 0x6A, 0x00]);
//! let back = decode(&wbxml, &DecodeOptions::default()).unwrap();
//! assert!(back.document.same_meaning(&doc));
//! ```
#![forbid(unsafe_code)]

pub mod compile;
pub mod decode;
mod emit;
pub mod encode;
pub mod error;
mod flatten;
pub mod header;
pub mod limits;
pub mod parser;
mod pieces;
pub mod render;
mod strtbl;
pub mod tokens;
pub mod writer;

pub use compile::{Encoder, compile};
pub use decode::{DecodeDiagnostic, DecodeOptions, Decoded, Dropped, decode};
pub use encode::{EncodeOptions, encode};
pub use error::{ErrorKind, WbxmlError};
pub use header::{Charset, Header, PublicId};
pub use limits::Limits;
pub use render::{Decoder, decode_to_xml};

#[cfg(test)]
mod codec_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod stream_tests;
