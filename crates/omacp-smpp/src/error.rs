//! Decode errors: every one says where (absolute byte offset in the PDU) and why.

/// Why a PDU could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PduErrorKind {
    /// The PDU ended inside a field.
    #[error("truncated")]
    Truncated,
    /// command_length is below the 16-octet header.
    #[error("command_length {0} is smaller than the 16-octet header")]
    LengthTooSmall(u32),
    /// command_length is above the configured maximum PDU size.
    #[error("command_length {len} exceeds the limit {max}")]
    LengthTooLarge {
        /// The announced length.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// command_length differs from the bytes given.
    #[error("command_length {announced} but {actual} octets given")]
    LengthMismatch {
        /// command_length.
        announced: u32,
        /// The frame size.
        actual: usize,
    },
    /// command_id is not one this codec knows.
    #[error("unknown command_id 0x{0:08X}")]
    UnknownCommand(u32),
    /// A C-octet string has no NUL within its maximum length.
    #[error("{field}: no NUL terminator within {max} octets")]
    Unterminated {
        /// The field.
        field: &'static str,
        /// Its maximum size, NUL included.
        max: usize,
    },
    /// A C-octet string is not UTF-8 (SMPP strings are ASCII).
    #[error("{field}: not text")]
    NotText {
        /// The field.
        field: &'static str,
    },
    /// sm_length points past the end of the PDU.
    #[error("sm_length {0} runs past the end of the PDU")]
    ShortMessageOverrun(u8),
    /// A TLV's length is outside what its tag allows.
    #[error("TLV 0x{tag:04X} has length {len}, outside {min}..={max}")]
    TlvLength {
        /// The tag.
        tag: u16,
        /// Its length.
        len: u16,
        /// Allowed minimum.
        min: u16,
        /// Allowed maximum.
        max: u16,
    },
    /// Bytes remain after a body that has no TLVs.
    #[error("{0} trailing octets")]
    TrailingData(usize),
}

/// A decode error with the absolute byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMPP PDU at offset {offset}: {kind}")]
pub struct PduError {
    /// Offset from the first octet of command_length.
    pub offset: usize,
    /// What was wrong.
    pub kind: PduErrorKind,
}

impl PduError {
    pub(crate) fn at(offset: usize, kind: PduErrorKind) -> PduError {
        PduError { offset, kind }
    }
}
