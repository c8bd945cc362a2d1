//! Reading a provisioning document in either form.
//!
//! XML is recognised by its first non-blank character being `<` (after an optional
//! UTF-8 BOM); everything else is treated as WBXML.

use omacp_doc::Document;

/// The form a document arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `text/vnd.wap.connectivity-xml`.
    Xml,
    /// `application/vnd.wap.connectivity-wbxml`.
    Wbxml,
}

/// A decoded document and how it came.
#[derive(Debug)]
pub struct Loaded {
    /// The document tree.
    pub doc: Document,
    /// The form it was read from.
    pub form: Form,
    /// Decoder diagnostics (lenient WBXML decoding), one line each.
    pub notes: Vec<String>,
}

/// Which form `bytes` are in.
pub fn sniff(bytes: &[u8]) -> Form {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match b.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'<') => Form::Xml,
        _ => Form::Wbxml,
    }
}

/// Decodes `bytes` as XML or WBXML. Errors mean "unreadable" (exit 2).
pub fn document(bytes: &[u8], lenient: bool) -> anyhow::Result<Loaded> {
    match sniff(bytes) {
        Form::Xml => Ok(Loaded {
            doc: omacp_doc::xml::parse_bytes(bytes)?,
            form: Form::Xml,
            notes: Vec::new(),
        }),
        Form::Wbxml => {
            // A tool reads documents from anywhere: server limits, not a handset's.
            let opts = omacp_wbxml::DecodeOptions {
                lenient,
                limits: omacp_wbxml::Limits::SERVER,
            };
            let d = omacp_wbxml::decode(bytes, &opts)?;
            let notes = d.diagnostics.iter().map(ToString::to_string).collect();
            Ok(Loaded {
                doc: d.document,
                form: Form::Wbxml,
                notes,
            })
        }
    }
}
