//! XML text → PROV WBXML without building a [`Document`] (docs/streaming-codecs.md).
//!
//! [`Encoder::compile`] reads the text into a flat, zero-copy item list
//! ([`omacp_doc::flat::Flat`]) and hands its strings straight to the encoder's search;
//! text of an unusual shape (comments, single quotes, CDATA, another DOCTYPE, any
//! error) takes the model path, `omacp_doc::xml::parse` then [`encode`](crate::encode()),
//! so the bytes and the errors are always the ones that path gives. An [`Encoder`] keeps
//! its buffers between calls.

use omacp_doc::Document;
use omacp_doc::flat::{Flat, Item};
use omacp_doc::xml::{self, XmlError, XmlLimits};

use crate::encode::{
    EncodeOptions, Scratch, Slot, collect_flat, encode_doc, encode_slots, recycle,
};

/// A reusable PROV WBXML encoder: the same bytes as [`encode`](crate::encode()), with
/// buffers kept between calls.
#[derive(Debug, Default)]
pub struct Encoder {
    flat: Flat,
    items: Vec<Item>,
    slots: Vec<Slot<'static>>,
    sc: Scratch,
}

impl Encoder {
    /// An encoder with empty buffers.
    pub fn new() -> Encoder {
        Encoder::default()
    }

    /// Encodes `doc`: the bytes [`encode`](crate::encode()) returns.
    pub fn encode(&mut self, doc: &Document, opts: &EncodeOptions) -> &[u8] {
        let slots = std::mem::take(&mut self.slots);
        self.slots = encode_doc(doc, opts, &mut self.items, slots, &mut self.sc);
        &self.sc.out
    }

    /// Compiles XML text with [`XmlLimits::DEFAULT`]: the bytes of
    /// `encode(&xml::parse(text)?, opts)`, or that parse's error.
    pub fn compile(&mut self, text: &str, opts: &EncodeOptions) -> Result<&[u8], XmlError> {
        self.compile_with_limits(text, &XmlLimits::DEFAULT, opts)
    }

    /// [`Encoder::compile`] with explicit limits (those of `xml::parse_with_limits`).
    pub fn compile_with_limits(
        &mut self,
        text: &str,
        limits: &XmlLimits,
        opts: &EncodeOptions,
    ) -> Result<&[u8], XmlError> {
        if self.flat.parse(text, limits) {
            let mut slots = recycle(std::mem::take(&mut self.slots));
            let fixed = collect_flat(&self.flat, text, &mut slots);
            encode_slots(self.flat.items(), &slots, fixed, opts, &mut self.sc);
            self.slots = recycle(slots);
            return Ok(&self.sc.out);
        }
        let doc = xml::parse_with_limits(text, limits)?;
        Ok(self.encode(&doc, opts))
    }

    /// Compiles XML bytes (UTF-8, BOM allowed): the bytes of
    /// `encode(&xml::parse_bytes(bytes)?, opts)`, or that parse's error.
    pub fn compile_bytes(&mut self, bytes: &[u8], opts: &EncodeOptions) -> Result<&[u8], XmlError> {
        let limits = XmlLimits::DEFAULT;
        match std::str::from_utf8(bytes) {
            Ok(text) if bytes.len() <= limits.max_bytes => {
                self.compile_with_limits(text, &limits, opts)
            }
            // Not UTF-8 or too large: the model path words the error.
            _ => {
                let doc = xml::parse_bytes_with_limits(bytes, &limits)?;
                Ok(self.encode(&doc, opts))
            }
        }
    }

    /// Takes the last output, leaving an empty buffer in its place.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.sc.out)
    }
}

/// Compiles XML text to PROV WBXML in one call: the bytes of
/// `encode(&xml::parse(text)?, opts)` (see [`Encoder`] to reuse buffers).
pub fn compile(text: &str, opts: &EncodeOptions) -> Result<Vec<u8>, XmlError> {
    let mut e = Encoder::new();
    e.compile(text, opts)?;
    Ok(e.take_output())
}
