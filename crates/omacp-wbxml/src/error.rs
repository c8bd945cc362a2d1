//! Decode errors: a kind plus the absolute byte offset where it happened.
//!
//! Errors never carry attribute values (they may be PINs, passwords or keys); names
//! taken from a document's string table are cut to [`MAX_NAME_IN_ERROR`] bytes.

use omacp_wire::{WireError, WireErrorKind};

/// Longest literal name (from a string table) quoted in an error.
pub const MAX_NAME_IN_ERROR: usize = 40;

/// A WBXML decoding failure at byte `offset` of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WBXML at byte {offset:#x}: {kind}")]
pub struct WbxmlError {
    /// Absolute offset of the first byte involved.
    pub offset: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl WbxmlError {
    /// An error of `kind` at `offset`.
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        WbxmlError { offset, kind }
    }
}

impl From<WireError> for WbxmlError {
    fn from(e: WireError) -> Self {
        WbxmlError {
            offset: e.offset,
            kind: ErrorKind::Wire(e.kind),
        }
    }
}

/// Where in the token grammar the parser was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Before the root element.
    Prolog,
    /// Inside an attribute list.
    Attributes,
    /// Inside a processing instruction.
    Pi,
    /// Inside element content.
    Content,
    /// After the root element.
    Epilog,
}

impl core::fmt::Display for Context {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Context::Prolog => "before the root element",
            Context::Attributes => "in an attribute list",
            Context::Pi => "in a processing instruction",
            Context::Content => "in element content",
            Context::Epilog => "after the root element",
        })
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Truncation, an over-long mb_u_int32 or an unterminated inline string.
    #[error("{0}")]
    Wire(WireErrorKind),
    /// The input is larger than the limit.
    #[error("input of {len} bytes exceeds the limit of {limit}")]
    InputTooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A version byte other than 0x00–0x03 (WBXML 1.0–1.3).
    #[error("unsupported WBXML version byte {0:#04x}")]
    UnsupportedVersion(u8),
    /// A charset this decoder does not read (it reads UTF-8, US-ASCII and ISO-8859-1).
    #[error("unsupported charset MIBenum {0}")]
    UnsupportedCharset(u32),
    /// The string table is larger than the limit.
    #[error("string table of {len} bytes exceeds the limit of {limit}")]
    StringTableTooLarge {
        /// Declared length.
        len: u32,
        /// The limit.
        limit: usize,
    },
    /// A string-table reference at or past the end of the table.
    #[error("string table reference {index} outside a table of {len} bytes")]
    StringTableIndex {
        /// The reference.
        index: u32,
        /// Table length.
        len: usize,
    },
    /// A string-table reference whose string has no NUL before the end of the table.
    #[error("string table entry at {index} is not NUL-terminated")]
    StringTableUnterminated {
        /// The reference.
        index: u32,
    },
    /// Bytes that are not valid in the document charset.
    #[error("text is not valid {charset}")]
    InvalidText {
        /// The charset's name.
        charset: &'static str,
    },
    /// An ENTITY that is not a Unicode scalar value.
    #[error("ENTITY {0:#x} is not a Unicode character")]
    InvalidEntity(u32),
    /// Elements nested deeper than the limit.
    #[error("elements nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More elements than the limit.
    #[error("more than {limit} elements")]
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// An attribute value longer than the limit.
    #[error("attribute value longer than {limit} bytes")]
    ValueTooLong {
        /// The limit.
        limit: usize,
    },
    /// A global token where the grammar does not allow it.
    #[error("{name} ({token:#04x}) not allowed {context}")]
    UnexpectedToken {
        /// The byte.
        token: u8,
        /// Its WAP-192 name.
        name: &'static str,
        /// Where it was found.
        context: Context,
    },
    /// An attribute value item before any attribute-start token.
    #[error("attribute value without an attribute-start token")]
    ValueWithoutAttribute,
    /// The body has no root element.
    #[error("no root element")]
    NoRootElement,
    /// Bytes after the root element (other than processing instructions).
    #[error("data after the root element")]
    TrailingData,
    /// A tag id that the code page does not define.
    #[error("unknown tag {id:#04x} on tag code page {page}")]
    UnknownTag {
        /// Tag code page.
        page: u8,
        /// Tag id (without the attribute/content bits).
        id: u8,
    },
    /// An attribute-start token that the code page does not define.
    #[error("unknown attribute-start token {token:#04x} on attribute code page {page}")]
    UnknownAttrStart {
        /// Attribute code page.
        page: u8,
        /// The byte.
        token: u8,
    },
    /// An attribute-value token that the code page does not define.
    #[error("unknown attribute-value token {token:#04x} on attribute code page {page}")]
    UnknownAttrValue {
        /// Attribute code page.
        page: u8,
        /// The byte.
        token: u8,
    },
    /// A byte Kannel's CP 1.2 WLAN table uses for a name that a conformant decoder must
    /// read otherwise (wbxml.md §3.6).
    #[error(
        "attribute page {page} byte {token:#04x}: Kannel's CP 1.2 token for {kannel} collides with {other}; \
         the document is ambiguous (send CP 1.2 names as literal strings)"
    )]
    KannelCollision {
        /// Attribute code page.
        page: u8,
        /// The byte.
        token: u8,
        /// What Kannel meant.
        kannel: &'static str,
        /// What the byte means to a conformant decoder.
        other: &'static str,
    },
    /// The public identifier is not PROV 1.0.
    #[error("public identifier {0} is not -//WAPFORUM//DTD PROV 1.0//EN")]
    NotProv(String),
    /// The root element is not `wap-provisioningdoc`, or an element appears where PROV
    /// does not allow it.
    #[error("element {name} not allowed {place}")]
    UnexpectedElement {
        /// Element name (cut to [`MAX_NAME_IN_ERROR`]).
        name: String,
        /// Where it was found.
        place: &'static str,
    },
    /// An attribute PROV does not define on this element.
    #[error("attribute {name} not allowed on {element}")]
    UnexpectedAttribute {
        /// Attribute name (cut to [`MAX_NAME_IN_ERROR`]).
        name: String,
        /// The element.
        element: &'static str,
    },
    /// The same attribute twice on one element.
    #[error("attribute {name} repeated on {element}")]
    DuplicateAttribute {
        /// Attribute name.
        name: &'static str,
        /// The element.
        element: &'static str,
    },
    /// A required attribute is missing.
    #[error("{element} without its {name} attribute")]
    MissingAttribute {
        /// Attribute name.
        name: &'static str,
        /// The element.
        element: &'static str,
    },
    /// Text, OPAQUE or an extension token in element content (PROV has none).
    #[error("{what} in element content (PROV elements have no text)")]
    TextContent {
        /// What was found.
        what: &'static str,
    },
    /// OPAQUE or an extension token inside an attribute value (PROV defines none).
    #[error("{what} inside an attribute value (PROV defines no extensions)")]
    ValueExtension {
        /// What was found.
        what: &'static str,
    },
    /// A processing instruction (PROV defines none).
    #[error("processing instruction (PROV defines none)")]
    ProcessingInstruction,
}

/// Cuts a name taken from the input for quoting in an error.
pub(crate) fn quoted_name(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_NAME_IN_ERROR)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > MAX_NAME_IN_ERROR {
        s.push('…');
    }
    s
}
