//! Resource limits for decoding hostile input.

/// Bounds the decoder checks before it allocates or recurses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input: usize,
    /// Deepest element nesting (the root is depth 1).
    pub max_depth: usize,
    /// Largest string table, in bytes.
    pub max_string_table: usize,
    /// Most elements (root, characteristics, parms) in one document.
    pub max_elements: usize,
    /// Longest attribute value, in bytes after decoding.
    pub max_value_len: usize,
}

impl Limits {
    /// A handset receiving provisioning over SMS or WAP push: CP documents are a few
    /// hundred bytes to a few KiB; PROV nests at most six deep (root, NAPDEF, WLAN, EAP,
    /// CERT, parm).
    pub const HANDSET: Limits = Limits {
        max_input: 64 * 1024,
        max_depth: 16,
        max_string_table: 32 * 1024,
        max_elements: 4096,
        max_value_len: 4096,
    };

    /// A server or tool that inspects documents from many sources.
    pub const SERVER: Limits = Limits {
        max_input: 16 * 1024 * 1024,
        max_depth: 64,
        max_string_table: 4 * 1024 * 1024,
        max_elements: 1_000_000,
        max_value_len: 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::HANDSET
    }
}
