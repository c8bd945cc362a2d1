//! Card images: a text description of a card's files that a test lab can write by hand
//! (docs/card-image.md), its parser (errors give line and column), its writer, and a builder
//! that lays out a provisioning card from a platform, an IMSI and documents per role.
//! [`crate::SimulatedCard`] answers APDUs from an image.
//!
//! ```text
//! card-image 1
//! platform sim
//! ef 3F00/2F00 linear 0x20
//!   dir-app A000000063504B43532D3135 path 3F00/5015 label "PKCS15"
//! ef 3F00/5015/5031 transparent
//!   odf-dodf 4401
//! ef 3F00/5015/4401 transparent
//!   dodf-oid 2.23.43.7.1 4402 label "Bootstrap"
//! ef 3F00/5015/4402 transparent size 512
//!   include-wbxml bootstrap.wbxml
//! ef 3F00/7F20/6F07 transparent
//!   imsi 001010123456789
//! ```

use omacp_wire::hex;

use crate::imsi::{ImsiErrorKind, encode_ef_imsi, encode_imsi_m};
use crate::oid::Oid;
use crate::path::{MAX_DEPTH, MF, parse_fids};
use crate::pkcs15::{
    Application, DEFAULT_PKCS15_DF, EF_DIR, EF_ODF, ODF_DATA_OBJECTS, PKCS15_AID, Pkcs15Path,
    WIM_AID, encode_dir_record, encode_odf_entry, encode_oid_do,
};
use crate::platform::{CSIM_AID, ISIM_AID, Platform, USIM_AID};
use crate::roles::{Role, RoleTable};
use crate::split::{Layout, SplitErrorKind, SplitLimits, split_documents};

/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// ATR used when an image gives none: direct convention, T=0, historical bytes `14 50`.
pub const DEFAULT_ATR: [u8; 4] = [0x3B, 0x02, 0x14, 0x50];
/// Largest transparent EF in an image (what READ BINARY can address).
pub const MAX_EF_SIZE: usize = 0x8000;
/// Most records in a record EF.
pub const MAX_RECORDS: usize = 254;

/// Which command classes a card answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Classes {
    /// `A0` only (SIM, R-UIM).
    Gsm,
    /// `00` only (UICC).
    Uicc,
    /// Both (a dual-mode card).
    Both,
}

/// An application DF selectable by AID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageApp {
    /// Its AID.
    pub aid: Vec<u8>,
    /// Its DF path from the MF.
    pub df: Vec<u16>,
    /// A label (informational).
    pub label: Option<String>,
}

/// The contents and structure of an EF. `Debug` shows sizes only: an EF may hold an IMSI or
/// documents with passwords.
#[derive(Clone, PartialEq, Eq)]
pub enum Structure {
    /// Transparent: the bytes (filler included).
    Transparent(Vec<u8>),
    /// Linear fixed: records, each exactly `record_len` bytes.
    Linear {
        /// Record length.
        record_len: usize,
        /// The records.
        records: Vec<Vec<u8>>,
    },
    /// Cyclic: as linear.
    Cyclic {
        /// Record length.
        record_len: usize,
        /// The records.
        records: Vec<Vec<u8>>,
    },
}

impl core::fmt::Debug for Structure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Structure::Transparent(d) => write!(f, "Transparent(<{} bytes>)", d.len()),
            Structure::Linear {
                record_len,
                records,
            } => {
                write!(
                    f,
                    "Linear {{ record_len: {record_len}, records: <{}> }}",
                    records.len()
                )
            }
            Structure::Cyclic {
                record_len,
                records,
            } => {
                write!(
                    f,
                    "Cyclic {{ record_len: {record_len}, records: <{}> }}",
                    records.len()
                )
            }
        }
    }
}

/// An EF in an image. Equality ignores `line`.
#[derive(Debug, Clone, Eq)]
pub struct ImageFile {
    /// Path from the MF.
    pub path: Vec<u16>,
    /// Structure and contents.
    pub structure: Structure,
    /// Reads need a PIN (the simulator answers `6982`/`9804`).
    pub protected: bool,
    /// The line that declared it (0 when built in code), for errors.
    pub line: usize,
}

impl PartialEq for ImageFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.structure == other.structure
            && self.protected == other.protected
    }
}

/// A card's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardImage {
    /// The platform the image describes.
    pub platform: Platform,
    /// Answer to reset.
    pub atr: Vec<u8>,
    /// Classes answered; `None` means the platform's own class.
    pub classes: Option<Classes>,
    /// Applications selectable by AID.
    pub apps: Vec<ImageApp>,
    /// DFs declared explicitly (DFs on a file's path exist implicitly).
    pub dfs: Vec<Vec<u16>>,
    /// EFs.
    pub files: Vec<ImageFile>,
}

/// What is wrong with an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageErrorKind {
    /// A line starting with an unknown word.
    #[error("unknown directive {0:?}")]
    UnknownDirective(String),
    /// A directive without a required argument.
    #[error("missing {0}")]
    Missing(&'static str),
    /// More arguments than the directive takes.
    #[error("unexpected argument {0:?}")]
    Extra(String),
    /// Bad hex digits.
    #[error("bad hex: {0}")]
    BadHex(&'static str),
    /// A bad number.
    #[error("bad number {0:?}")]
    BadNumber(String),
    /// A bad path.
    #[error("bad path {0:?} (file ids like 3F00/7F20/6F07)")]
    BadPath(String),
    /// An AID that is not 5 to 16 bytes.
    #[error("an AID has 5 to 16 bytes")]
    BadAid,
    /// A bad OID.
    #[error("bad OID {0:?}")]
    BadOid(String),
    /// An unknown platform or class name.
    #[error("unknown {what} {name:?}")]
    UnknownName {
        /// Platform or class.
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// A quoted string without its closing quote.
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    /// A content line before any `ef`.
    #[error("{0} outside an ef block")]
    OutsideEf(&'static str),
    /// A content line that does not fit the EF's structure.
    #[error("{directive} does not fit a {structure} EF")]
    WrongStructure {
        /// The directive.
        directive: &'static str,
        /// The EF's structure.
        structure: &'static str,
    },
    /// A record longer than the record length.
    #[error("record of {len} bytes is longer than the record length {record_len}")]
    RecordTooLong {
        /// Its length.
        len: usize,
        /// The EF's record length.
        record_len: usize,
    },
    /// Data longer than the declared size or a limit.
    #[error("{len} bytes exceed the size {size}")]
    TooLarge {
        /// Data length.
        len: usize,
        /// Declared size or limit.
        size: usize,
    },
    /// Two EFs with one path, or a path through an EF.
    #[error("path {0} declared twice or used both as EF and DF")]
    Conflict(String),
    /// A file named by `data-file`/`include-wbxml` could not be read.
    #[error("cannot read {path:?}: {why}")]
    Include {
        /// The path as written.
        path: String,
        /// Why.
        why: String,
    },
    /// `include-wbxml` of something that is not whole WBXML documents.
    #[error("not a WBXML document: {0}")]
    NotWbxml(SplitErrorKind),
    /// A bad IMSI (digits are never repeated in messages).
    #[error("IMSI: {0}")]
    Imsi(ImsiErrorKind),
    /// A directive that must come first.
    #[error("{0} must be the first statement")]
    Misplaced(&'static str),
    /// No `platform` line.
    #[error("no platform line")]
    NoPlatform,
    /// A `card-image` version this crate does not read.
    #[error("card-image version {0} is not supported (1)")]
    Version(u32),
    /// The builder was asked for a role with no OID in the role table.
    #[error("no OID for role {0}")]
    NoOid(Role),
}

/// An image error at a line and column (1-based; 0 when not from text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ImageError {
    /// Line.
    pub line: usize,
    /// Column.
    pub column: usize,
    /// What is wrong.
    pub kind: ImageErrorKind,
}

fn at(line: usize, column: usize, kind: ImageErrorKind) -> ImageError {
    ImageError { line, column, kind }
}

/// Loads a file named in an image (`data-file`, `include-wbxml`).
pub type Loader<'a> = dyn FnMut(&str) -> Result<Vec<u8>, String> + 'a;

struct Token<'a> {
    text: std::borrow::Cow<'a, str>,
    column: usize,
    quoted: bool,
}

fn tokenize(line: &str, line_no: usize) -> Result<Vec<Token<'_>>, ImageError> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let column = line[..i].chars().count() + 1;
        if c == '#' {
            break;
        }
        if c == '"' {
            chars.next();
            let mut s = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, e)) => s.push(e),
                        None => break,
                    },
                    _ => s.push(c),
                }
            }
            if !closed {
                return Err(at(line_no, column, ImageErrorKind::UnterminatedQuote));
            }
            out.push(Token {
                text: s.into(),
                column,
                quoted: true,
            });
            continue;
        }
        let start = i;
        let mut end = line.len();
        while let Some(&(j, c)) = chars.peek() {
            if c.is_whitespace() || c == '#' {
                end = j;
                break;
            }
            chars.next();
        }
        out.push(Token {
            text: line[start..end].into(),
            column,
            quoted: false,
        });
    }
    Ok(out)
}

fn parse_number(t: &Token<'_>, line: usize) -> Result<usize, ImageError> {
    let s = t.text.as_ref();
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => usize::from_str_radix(h, 16),
        None => s.parse(),
    };
    v.map_err(|_| {
        at(
            line,
            t.column,
            ImageErrorKind::BadNumber(s.chars().take(20).collect()),
        )
    })
}

fn parse_hex(tokens: &[Token<'_>], line: usize, column: usize) -> Result<Vec<u8>, ImageError> {
    let text: String = tokens
        .iter()
        .map(|t| t.text.as_ref())
        .collect::<Vec<_>>()
        .join("");
    hex::decode(&text).map_err(|e| {
        let why = match e {
            hex::HexError::OddLength => "odd number of digits",
            _ => "not a hex digit",
        };
        at(
            line,
            tokens.first().map_or(column, |t| t.column),
            ImageErrorKind::BadHex(why),
        )
    })
}

fn parse_abs_path(t: &Token<'_>, line: usize) -> Result<Vec<u16>, ImageError> {
    parse_fids(&t.text).filter(|p| p[0] == MF).ok_or_else(|| {
        at(
            line,
            t.column,
            ImageErrorKind::BadPath(t.text.chars().take(40).collect()),
        )
    })
}

fn parse_rel_path(t: &Token<'_>, line: usize) -> Result<Vec<u16>, ImageError> {
    parse_fids(&t.text).ok_or_else(|| {
        at(
            line,
            t.column,
            ImageErrorKind::BadPath(t.text.chars().take(40).collect()),
        )
    })
}

fn parse_aid(t: &Token<'_>, line: usize) -> Result<Vec<u8>, ImageError> {
    let aid = parse_hex(std::slice::from_ref(t), line, t.column)?;
    if !(5..=16).contains(&aid.len()) {
        return Err(at(line, t.column, ImageErrorKind::BadAid));
    }
    Ok(aid)
}

/// Reads `key value` option pairs (and bare flags) after the fixed arguments.
struct Options<'t, 'a> {
    tokens: &'t [Token<'a>],
    line: usize,
}

impl<'t, 'a> Options<'t, 'a> {
    fn value(&self, key: &str) -> Result<Option<&'t Token<'a>>, ImageError> {
        let mut i = 0;
        while i < self.tokens.len() {
            if !self.tokens[i].quoted && self.tokens[i].text == key {
                return match self.tokens.get(i + 1) {
                    Some(v) => Ok(Some(v)),
                    None => Err(at(
                        self.line,
                        self.tokens[i].column,
                        ImageErrorKind::Missing("a value after the option"),
                    )),
                };
            }
            i += 1;
        }
        Ok(None)
    }

    fn flag(&self, key: &str) -> bool {
        self.tokens.iter().any(|t| !t.quoted && t.text == key)
    }

    /// Fails on any token that is not one of `keys` (with a value) or `flags`.
    fn only(&self, keys: &[&str], flags: &[&str]) -> Result<(), ImageError> {
        let mut i = 0;
        while i < self.tokens.len() {
            let t = &self.tokens[i];
            if !t.quoted && keys.contains(&t.text.as_ref()) {
                i += 2;
            } else if !t.quoted && flags.contains(&t.text.as_ref()) {
                i += 1;
            } else {
                return Err(at(
                    self.line,
                    t.column,
                    ImageErrorKind::Extra(t.text.chars().take(40).collect()),
                ));
            }
        }
        Ok(())
    }
}

fn structure_name(s: &Structure) -> &'static str {
    match s {
        Structure::Transparent(_) => "transparent",
        Structure::Linear { .. } => "linear",
        Structure::Cyclic { .. } => "cyclic",
    }
}

/// An EF being filled by content lines.
struct Open {
    file: ImageFile,
    size: Option<usize>,
    min_records: usize,
}

impl Open {
    fn append(
        &mut self,
        bytes: &[u8],
        directive: &'static str,
        line: usize,
        column: usize,
    ) -> Result<(), ImageError> {
        match &mut self.file.structure {
            Structure::Transparent(d) => {
                d.extend_from_slice(bytes);
                Ok(())
            }
            s => Err(at(
                line,
                column,
                ImageErrorKind::WrongStructure {
                    directive,
                    structure: structure_name(s),
                },
            )),
        }
    }

    fn record(
        &mut self,
        bytes: &[u8],
        directive: &'static str,
        line: usize,
        column: usize,
    ) -> Result<(), ImageError> {
        match &mut self.file.structure {
            Structure::Linear {
                record_len,
                records,
            }
            | Structure::Cyclic {
                record_len,
                records,
            } => {
                if bytes.len() > *record_len {
                    return Err(at(
                        line,
                        column,
                        ImageErrorKind::RecordTooLong {
                            len: bytes.len(),
                            record_len: *record_len,
                        },
                    ));
                }
                let mut r = bytes.to_vec();
                r.resize(*record_len, 0xFF);
                records.push(r);
                Ok(())
            }
            Structure::Transparent(d) if directive == "dir-app" => {
                d.extend_from_slice(bytes);
                Ok(())
            }
            s => Err(at(
                line,
                column,
                ImageErrorKind::WrongStructure {
                    directive,
                    structure: structure_name(s),
                },
            )),
        }
    }

    fn finish(mut self) -> Result<ImageFile, ImageError> {
        let line = self.file.line;
        match &mut self.file.structure {
            Structure::Transparent(d) => {
                if let Some(size) = self.size {
                    if d.len() > size {
                        return Err(at(line, 1, ImageErrorKind::TooLarge { len: d.len(), size }));
                    }
                    d.resize(size, 0xFF);
                }
            }
            Structure::Linear {
                record_len,
                records,
            }
            | Structure::Cyclic {
                record_len,
                records,
            } => {
                while records.len() < self.min_records {
                    records.push(vec![0xFF; *record_len]);
                }
            }
        }
        Ok(self.file)
    }
}

impl CardImage {
    /// An empty image of `platform`.
    pub fn new(platform: Platform) -> CardImage {
        CardImage {
            platform,
            atr: DEFAULT_ATR.to_vec(),
            classes: None,
            apps: Vec::new(),
            dfs: Vec::new(),
            files: Vec::new(),
        }
    }

    /// The classes the card answers.
    pub fn classes(&self) -> Classes {
        self.classes.unwrap_or(match self.platform.class() {
            crate::apdu::Class::Gsm => Classes::Gsm,
            crate::apdu::Class::Uicc => Classes::Uicc,
        })
    }

    /// The EF at `path`.
    pub fn file(&self, path: &[u16]) -> Option<&ImageFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Reads an image file from disk; `data-file` and `include-wbxml` paths are relative to
    /// the image's directory.
    pub fn load(path: &std::path::Path) -> Result<CardImage, ImageError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            at(
                0,
                0,
                ImageErrorKind::Include {
                    path: path.display().to_string(),
                    why: e.to_string(),
                },
            )
        })?;
        let dir = path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let mut loader = |name: &str| -> Result<Vec<u8>, String> {
            let p = dir.join(name);
            let meta = std::fs::metadata(&p).map_err(|e| e.to_string())?;
            if meta.len() > MAX_EF_SIZE as u64 {
                return Err(format!("larger than {MAX_EF_SIZE} bytes"));
            }
            std::fs::read(&p).map_err(|e| e.to_string())
        };
        CardImage::parse(&text, &mut loader)
    }

    /// Parses image text; `load` fetches files named by `data-file`/`include-wbxml`.
    pub fn parse(text: &str, load: &mut Loader<'_>) -> Result<CardImage, ImageError> {
        let mut platform: Option<Platform> = None;
        let mut img = CardImage::new(Platform::Sim);
        let mut open: Option<Open> = None;
        let mut seen_statement = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let tokens = tokenize(raw, line)?;
            let Some(first) = tokens.first() else {
                continue;
            };
            let args = &tokens[1..];
            let col = first.column;
            let need = |n: usize, what: &'static str| -> Result<&Token<'_>, ImageError> {
                args.get(n)
                    .ok_or(at(line, col, ImageErrorKind::Missing(what)))
            };
            let no_more = |n: usize| -> Result<(), ImageError> {
                match args.get(n) {
                    Some(t) => Err(at(
                        line,
                        t.column,
                        ImageErrorKind::Extra(t.text.chars().take(40).collect()),
                    )),
                    None => Ok(()),
                }
            };
            let directive = first.text.as_ref();
            let first_statement = !seen_statement;
            seen_statement = true;
            match directive {
                "card-image" => {
                    let v = parse_number(need(0, "the format version")?, line)?;
                    if !first_statement {
                        return Err(at(line, col, ImageErrorKind::Misplaced("card-image")));
                    }
                    if v != FORMAT_VERSION as usize {
                        return Err(at(
                            line,
                            col,
                            ImageErrorKind::Version(v.min(u32::MAX as usize) as u32),
                        ));
                    }
                    no_more(1)?;
                }
                "platform" => {
                    let t = need(0, "a platform name")?;
                    platform = Some(t.text.parse().map_err(|_| {
                        at(
                            line,
                            t.column,
                            ImageErrorKind::UnknownName {
                                what: "platform",
                                name: t.text.chars().take(20).collect(),
                            },
                        )
                    })?);
                    no_more(1)?;
                }
                "atr" => {
                    need(0, "ATR bytes")?;
                    img.atr = parse_hex(args, line, col)?;
                    if img.atr.len() < 2 || img.atr.len() > 33 {
                        return Err(at(
                            line,
                            col,
                            ImageErrorKind::TooLarge {
                                len: img.atr.len(),
                                size: 33,
                            },
                        ));
                    }
                }
                "class" => {
                    let t = need(0, "gsm, uicc or both")?;
                    img.classes = Some(match t.text.as_ref() {
                        "gsm" => Classes::Gsm,
                        "uicc" => Classes::Uicc,
                        "both" => Classes::Both,
                        other => {
                            return Err(at(
                                line,
                                t.column,
                                ImageErrorKind::UnknownName {
                                    what: "class",
                                    name: other.chars().take(20).collect(),
                                },
                            ));
                        }
                    });
                    no_more(1)?;
                }
                "app" => {
                    let aid = parse_aid(need(0, "an AID")?, line)?;
                    let df = parse_abs_path(need(1, "the application's DF path")?, line)?;
                    let label = args.get(2).map(|t| t.text.to_string());
                    no_more(3)?;
                    img.apps.push(ImageApp { aid, df, label });
                }
                "df" => {
                    img.dfs.push(parse_abs_path(need(0, "a DF path")?, line)?);
                    no_more(1)?;
                }
                "ef" => {
                    if let Some(o) = open.take() {
                        img.files.push(o.finish()?);
                    }
                    let path = parse_abs_path(need(0, "an EF path")?, line)?;
                    let kind = need(1, "transparent, linear or cyclic")?;
                    let (structure, rest) = match kind.text.as_ref() {
                        "transparent" => (Structure::Transparent(Vec::new()), &args[2..]),
                        "linear" | "cyclic" => {
                            let len_tok = need(2, "the record length")?;
                            let record_len = parse_number(len_tok, line)?;
                            if !(1..=255).contains(&record_len) {
                                return Err(at(
                                    line,
                                    len_tok.column,
                                    ImageErrorKind::TooLarge {
                                        len: record_len,
                                        size: 255,
                                    },
                                ));
                            }
                            let s = if kind.text == "linear" {
                                Structure::Linear {
                                    record_len,
                                    records: Vec::new(),
                                }
                            } else {
                                Structure::Cyclic {
                                    record_len,
                                    records: Vec::new(),
                                }
                            };
                            (s, &args[3..])
                        }
                        other => {
                            return Err(at(
                                line,
                                kind.column,
                                ImageErrorKind::UnknownName {
                                    what: "structure",
                                    name: other.chars().take(20).collect(),
                                },
                            ));
                        }
                    };
                    let opts = Options { tokens: rest, line };
                    let transparent = matches!(structure, Structure::Transparent(_));
                    if transparent {
                        opts.only(&["size"], &["protected"])?
                    } else {
                        opts.only(&["records"], &["protected"])?
                    };
                    let size = opts
                        .value("size")?
                        .map(|t| parse_number(t, line))
                        .transpose()?;
                    let min_records = opts
                        .value("records")?
                        .map(|t| parse_number(t, line))
                        .transpose()?
                        .unwrap_or(0);
                    if let Some(s) = size.filter(|&s| s > MAX_EF_SIZE) {
                        return Err(at(
                            line,
                            col,
                            ImageErrorKind::TooLarge {
                                len: s,
                                size: MAX_EF_SIZE,
                            },
                        ));
                    }
                    if min_records > MAX_RECORDS {
                        return Err(at(
                            line,
                            col,
                            ImageErrorKind::TooLarge {
                                len: min_records,
                                size: MAX_RECORDS,
                            },
                        ));
                    }
                    let protected = opts.flag("protected");
                    open = Some(Open {
                        file: ImageFile {
                            path,
                            structure,
                            protected,
                            line,
                        },
                        size,
                        min_records,
                    });
                }
                "data" | "record" | "data-file" | "include-wbxml" | "imsi" | "imsi-m"
                | "dir-app" | "odf-dodf" | "dodf-oid" => {
                    let d: &'static str = match directive {
                        "data" => "data",
                        "record" => "record",
                        "data-file" => "data-file",
                        "include-wbxml" => "include-wbxml",
                        "imsi" => "imsi",
                        "imsi-m" => "imsi-m",
                        "dir-app" => "dir-app",
                        "odf-dodf" => "odf-dodf",
                        _ => "dodf-oid",
                    };
                    let ef = open
                        .as_mut()
                        .ok_or(at(line, col, ImageErrorKind::OutsideEf(d)))?;
                    content_line(ef, d, args, line, col, load)?;
                }
                other => {
                    return Err(at(
                        line,
                        col,
                        ImageErrorKind::UnknownDirective(other.chars().take(40).collect()),
                    ));
                }
            }
        }
        if let Some(o) = open.take() {
            img.files.push(o.finish()?);
        }
        img.platform = platform.ok_or(at(0, 0, ImageErrorKind::NoPlatform))?;
        img.check()?;
        Ok(img)
    }

    /// Checks the file tree: paths from the MF, no path declared twice, no EF used as a DF,
    /// sizes within what the card commands can address.
    pub fn check(&self) -> Result<(), ImageError> {
        let conflict = |line: usize, p: &[u16]| {
            let text = p
                .iter()
                .map(|f| format!("{f:04X}"))
                .collect::<Vec<_>>()
                .join("/");
            at(line, 1, ImageErrorKind::Conflict(text))
        };
        for (i, f) in self.files.iter().enumerate() {
            if f.path.len() < 2 || f.path.len() > MAX_DEPTH || f.path[0] != MF {
                return Err(conflict(f.line, &f.path));
            }
            for g in &self.files[i + 1..] {
                if g.path == f.path {
                    return Err(conflict(g.line, &g.path)); // declared twice: blame the second
                }
                if g.path.starts_with(&f.path) {
                    return Err(conflict(f.line, &f.path)); // f is used as a DF by g
                }
                if f.path.starts_with(&g.path) {
                    return Err(conflict(g.line, &g.path));
                }
            }
            let mut dirs = self.dfs.iter().chain(self.apps.iter().map(|a| &a.df));
            if dirs.any(|d| d.starts_with(&f.path)) {
                return Err(conflict(f.line, &f.path));
            }
            match &f.structure {
                Structure::Transparent(d) if d.len() > MAX_EF_SIZE => {
                    return Err(at(
                        f.line,
                        1,
                        ImageErrorKind::TooLarge {
                            len: d.len(),
                            size: MAX_EF_SIZE,
                        },
                    ));
                }
                Structure::Linear { records, .. } | Structure::Cyclic { records, .. }
                    if records.len() > MAX_RECORDS =>
                {
                    return Err(at(
                        f.line,
                        1,
                        ImageErrorKind::TooLarge {
                            len: records.len(),
                            size: MAX_RECORDS,
                        },
                    ));
                }
                _ => {}
            }
        }
        for a in &self.apps {
            if a.df.len() < 2 || a.df[0] != MF || !(5..=16).contains(&a.aid.len()) {
                return Err(conflict(0, &a.df));
            }
        }
        Ok(())
    }

    /// The image as text that [`CardImage::parse`] reads back to the same image.
    pub fn to_text(&self) -> String {
        let path = |p: &[u16]| {
            p.iter()
                .map(|f| format!("{f:04X}"))
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut s = String::from("# omacp card image (docs/card-image.md)\ncard-image 1\n");
        s.push_str(&format!(
            "platform {}\natr {}\n",
            self.platform,
            hex::encode_upper(&self.atr)
        ));
        if let Some(c) = self.classes {
            s.push_str(match c {
                Classes::Gsm => "class gsm\n",
                Classes::Uicc => "class uicc\n",
                Classes::Both => "class both\n",
            });
        }
        for a in &self.apps {
            s.push_str(&format!(
                "app {} {}",
                hex::encode_upper(&a.aid),
                path(&a.df)
            ));
            if let Some(l) = &a.label {
                s.push_str(&format!(" {}", quote(l)));
            }
            s.push('\n');
        }
        for d in &self.dfs {
            s.push_str(&format!("df {}\n", path(d)));
        }
        for f in &self.files {
            let prot = if f.protected { " protected" } else { "" };
            match &f.structure {
                Structure::Transparent(d) => {
                    let used = d.len() - d.iter().rev().take_while(|&&b| b == 0xFF).count();
                    s.push_str(&format!(
                        "ef {} transparent size {}{prot}\n",
                        path(&f.path),
                        d.len()
                    ));
                    for chunk in d[..used].chunks(32) {
                        s.push_str(&format!("  data {}\n", hex::encode_upper(chunk)));
                    }
                }
                Structure::Linear {
                    record_len,
                    records,
                }
                | Structure::Cyclic {
                    record_len,
                    records,
                } => {
                    let kind = structure_name(&f.structure);
                    s.push_str(&format!(
                        "ef {} {kind} {record_len} records {}{prot}\n",
                        path(&f.path),
                        records.len()
                    ));
                    for r in records {
                        let used = r.len() - r.iter().rev().take_while(|&&b| b == 0xFF).count();
                        match used {
                            0 => s.push_str("  record\n"),
                            _ => {
                                s.push_str(&format!("  record {}\n", hex::encode_upper(&r[..used])))
                            }
                        }
                    }
                }
            }
        }
        s
    }
}

fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

fn content_line(
    ef: &mut Open,
    d: &'static str,
    args: &[Token<'_>],
    line: usize,
    col: usize,
    load: &mut Loader<'_>,
) -> Result<(), ImageError> {
    let need = |n: usize, what: &'static str| {
        args.get(n)
            .ok_or(at(line, col, ImageErrorKind::Missing(what)))
    };
    let no_more = |n: usize| match args.get(n) {
        Some(t) => Err(at(
            line,
            t.column,
            ImageErrorKind::Extra(t.text.chars().take(40).collect()),
        )),
        None => Ok(()),
    };
    match d {
        "data" => {
            need(0, "hex bytes")?;
            let b = parse_hex(args, line, col)?;
            ef.append(&b, d, line, col)
        }
        "record" => {
            let b = parse_hex(args, line, col)?;
            ef.record(&b, d, line, col)
        }
        "data-file" | "include-wbxml" => {
            let t = need(0, "a file name")?;
            no_more(1)?;
            let bytes = load(&t.text).map_err(|why| {
                at(
                    line,
                    t.column,
                    ImageErrorKind::Include {
                        path: t.text.chars().take(200).collect(),
                        why,
                    },
                )
            })?;
            if d == "include-wbxml" {
                let out = split_documents(&bytes, Layout::Concatenated, &SplitLimits::default());
                let used: usize = out.documents.iter().map(|s| s.len).sum();
                if let Some(e) = out.error {
                    return Err(at(line, t.column, ImageErrorKind::NotWbxml(e.kind)));
                }
                if out.documents.is_empty() || used != bytes.len() {
                    return Err(at(
                        line,
                        t.column,
                        ImageErrorKind::NotWbxml(SplitErrorKind::NotWbxml(
                            bytes.get(used).copied().unwrap_or(0),
                        )),
                    ));
                }
            }
            ef.append(&bytes, d, line, col)
        }
        "imsi" | "imsi-m" => {
            let t = need(0, "IMSI digits")?;
            no_more(1)?;
            let b = if d == "imsi" {
                encode_ef_imsi(&t.text).map(|a| a.to_vec())
            } else {
                encode_imsi_m(&t.text).map(|a| a.to_vec())
            }
            .map_err(|e| at(line, t.column, ImageErrorKind::Imsi(e.kind)))?;
            ef.append(&b, d, line, col)
        }
        "dir-app" => {
            let aid = parse_aid(need(0, "an AID")?, line)?;
            let opts = Options {
                tokens: &args[1..],
                line,
            };
            opts.only(&["path", "label"], &[])?;
            let path = opts
                .value("path")?
                .map(|t| parse_rel_path(t, line))
                .transpose()?;
            let label = opts.value("label")?.map(|t| t.text.to_string());
            let rec = encode_dir_record(&Application { aid, label, path });
            ef.record(&rec, d, line, col)
        }
        "odf-dodf" => {
            let p = parse_rel_path(need(0, "the DODF path")?, line)?;
            no_more(1)?;
            ef.append(
                &encode_odf_entry(ODF_DATA_OBJECTS, &Pkcs15Path::file(&p)),
                d,
                line,
                col,
            )
        }
        _ => {
            let t = need(0, "an OID")?;
            let oid: Oid = t.text.parse().map_err(|_| {
                at(
                    line,
                    t.column,
                    ImageErrorKind::BadOid(t.text.chars().take(40).collect()),
                )
            })?;
            let p = parse_rel_path(need(1, "the object's file path")?, line)?;
            let opts = Options {
                tokens: &args[2..],
                line,
            };
            opts.only(&["label"], &[])?;
            let label = opts.value("label")?.map(|t| t.text.to_string());
            ef.append(
                &encode_oid_do(label.as_deref(), &oid, &Pkcs15Path::file(&p)),
                d,
                line,
                col,
            )
        }
    }
}

/// What the builder lays out.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The platform.
    pub platform: Platform,
    /// The subscriber's IMSI.
    pub imsi: Option<String>,
    /// Documents (WBXML) per role, in file order.
    pub documents: Vec<(Role, Vec<u8>)>,
    /// Roles whose file needs a PIN.
    pub protected: Vec<Role>,
    /// OIDs used in the DODF.
    pub roles: RoleTable,
}

impl core::fmt::Debug for ImageSpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ImageSpec")
            .field("platform", &self.platform)
            .field("imsi", &self.imsi.as_ref().map(|_| "<redacted>"))
            .field(
                "documents",
                &self
                    .documents
                    .iter()
                    .map(|(r, d)| (r, d.len()))
                    .collect::<Vec<_>>(),
            )
            .field("protected", &self.protected)
            .finish()
    }
}

impl ImageSpec {
    /// A spec with no IMSI and no documents.
    pub fn new(platform: Platform) -> ImageSpec {
        ImageSpec {
            platform,
            imsi: None,
            documents: Vec::new(),
            protected: Vec::new(),
            roles: RoleTable::default(),
        }
    }
}

/// The builder's layout (docs/card-image.md): PKCS#15 DF `3F00/5015`, EF(ODF) `5031`,
/// EF(DODF) `4401`, then one EF per role.
pub const BUILDER_ROLE_FILES: [(Role, u16); 3] = [
    (Role::Bootstrap, 0x4402),
    (Role::Config1, 0x4403),
    (Role::Config2, 0x4404),
];

/// Telecom application DFs and the AID tail used by the builder (after the 7-byte prefix).
const ADF_TAIL: [u8; 9] = [0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00];

fn full_aid(prefix: &[u8]) -> Vec<u8> {
    let mut a = prefix.to_vec();
    a.extend(ADF_TAIL);
    a
}

fn ef(path: &[u16], structure: Structure) -> ImageFile {
    ImageFile {
        path: path.to_vec(),
        structure,
        protected: false,
        line: 0,
    }
}

/// Builds a provisioning card: EF(DIR), the PKCS#15 application with ODF, DODF and one EF per
/// role, and the IMSI where the platform keeps it.
pub fn build_image(spec: &ImageSpec) -> Result<CardImage, ImageError> {
    let mut img = CardImage::new(spec.platform);
    let mut dir_records: Vec<Vec<u8>> = Vec::new();
    let mut add_app = |img: &mut CardImage, prefix: &[u8], df: u16, label: &str| {
        let aid = full_aid(prefix);
        img.apps.push(ImageApp {
            aid: aid.clone(),
            df: vec![MF, df],
            label: Some(label.into()),
        });
        dir_records.push(encode_dir_record(&Application {
            aid,
            label: Some(label.into()),
            path: Some(vec![MF, df]),
        }));
    };
    let imsi_bytes =
        |f: fn(&str) -> Result<Vec<u8>, ImsiErrorKind>| -> Result<Option<Vec<u8>>, ImageError> {
            spec.imsi
                .as_deref()
                .map(f)
                .transpose()
                .map_err(|k| at(0, 0, ImageErrorKind::Imsi(k)))
        };
    let ef_imsi = |s: &str| encode_ef_imsi(s).map(|a| a.to_vec()).map_err(|e| e.kind);
    let imsi_m = |s: &str| encode_imsi_m(s).map(|a| a.to_vec()).map_err(|e| e.kind);
    match spec.platform {
        Platform::Sim => {
            if let Some(b) = imsi_bytes(ef_imsi)? {
                img.files
                    .push(ef(&[MF, 0x7F20, 0x6F07], Structure::Transparent(b)));
            }
        }
        Platform::Ruim => {
            if let Some(b) = imsi_bytes(imsi_m)? {
                img.files
                    .push(ef(&[MF, 0x7F25, 0x6F22], Structure::Transparent(b)));
            }
        }
        Platform::Usim | Platform::Isim | Platform::Wim => {
            let with_usim = spec.platform != Platform::Wim || spec.imsi.is_some();
            if with_usim {
                add_app(&mut img, &USIM_AID, 0x7FF0, "USIM");
                if let Some(b) = imsi_bytes(ef_imsi)? {
                    img.files
                        .push(ef(&[MF, 0x7FF0, 0x6F07], Structure::Transparent(b)));
                }
            }
            if spec.platform == Platform::Isim {
                add_app(&mut img, &ISIM_AID, 0x7FF1, "ISIM");
            }
        }
        Platform::Csim => {
            add_app(&mut img, &CSIM_AID, 0x7FF2, "CSIM");
            if let Some(b) = imsi_bytes(imsi_m)? {
                img.files
                    .push(ef(&[MF, 0x7FF2, 0x6F22], Structure::Transparent(b)));
            }
        }
    }
    let (p15_aid, p15_label) = match spec.platform {
        Platform::Wim => (WIM_AID, "WIM"),
        _ => (PKCS15_AID, "PKCS15"),
    };
    let p15_df = [MF, DEFAULT_PKCS15_DF];
    img.apps.push(ImageApp {
        aid: p15_aid.to_vec(),
        df: p15_df.to_vec(),
        label: Some(p15_label.into()),
    });
    dir_records.push(encode_dir_record(&Application {
        aid: p15_aid.to_vec(),
        label: Some(p15_label.into()),
        path: Some(p15_df.to_vec()),
    }));
    let record_len = dir_records
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(0x20);
    let records = dir_records
        .into_iter()
        .map(|mut r| {
            r.resize(record_len, 0xFF);
            r
        })
        .collect();
    img.files.insert(
        0,
        ef(
            &[MF, EF_DIR],
            Structure::Linear {
                record_len,
                records,
            },
        ),
    );

    let dodf_fid = 0x4401;
    img.files.push(ef(
        &[MF, DEFAULT_PKCS15_DF, EF_ODF],
        Structure::Transparent(encode_odf_entry(
            ODF_DATA_OBJECTS,
            &Pkcs15Path::file(&[dodf_fid]),
        )),
    ));
    let mut dodf = Vec::new();
    let mut role_files = Vec::new();
    for (role, fid) in BUILDER_ROLE_FILES {
        let docs: Vec<&Vec<u8>> = spec
            .documents
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, d)| d)
            .collect();
        if docs.is_empty() {
            continue;
        }
        let oid = spec
            .roles
            .oid_for(role)
            .ok_or(at(0, 0, ImageErrorKind::NoOid(role)))?;
        dodf.extend(encode_oid_do(
            Some(role.label()),
            oid,
            &Pkcs15Path::file(&[fid]),
        ));
        let mut data: Vec<u8> = docs.into_iter().flatten().copied().collect();
        // Leave room to grow (Config2 is written by the ME), then filler.
        let size = (data.len() / 128 + 1) * 128;
        data.resize(size, 0xFF);
        let mut f = ef(&[MF, DEFAULT_PKCS15_DF, fid], Structure::Transparent(data));
        f.protected = spec.protected.contains(&role);
        role_files.push(f);
    }
    img.files.push(ef(
        &[MF, DEFAULT_PKCS15_DF, dodf_fid],
        Structure::Transparent(dodf),
    ));
    img.files.extend(role_files);
    img.check()?;
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(name: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {name}"))
    }

    #[test]
    fn parses_every_directive() {
        let text = r#"
            # a comment
            card-image 1
            platform usim   # trailing comment
            atr 3B 02 14 50
            class both
            app A0000000871002FFFF 3F00/7FF0 "USIM \"main\""
            df 3F00/7F10
            ef 3F00/2F00 linear 0x26 records 3
              dir-app A000000063504B43532D3135 path 3F00/5015 label "PKCS #15"
              record 61 03 4F 01 AA
            ef 3F00/5015/5031 transparent size 32 protected
              odf-dodf 4401
            ef 3F00/5015/4401 transparent
              dodf-oid 2.23.43.7.1 4402 label "Bootstrap"
            ef 3F00/5015/4402 transparent
              data 03 0B 6A 00
              data 45 01
              include-wbxml doc.wbxml
            ef 3F00/7FF0/6F07 transparent
              imsi 001010123456789
            ef 3F00/7F25/6F22 transparent
              imsi-m 310001234567890
            ef 3F00/7F10/0001 cyclic 4
              record
        "#;
        let mut loader = |name: &str| match name {
            "doc.wbxml" => Ok(vec![0x03, 0x0B, 0x6A, 0x00, 0x05]),
            _ => Err("missing".to_string()),
        };
        let img = CardImage::parse(text, &mut loader).unwrap();
        assert_eq!(img.platform, Platform::Usim);
        assert_eq!(img.atr, DEFAULT_ATR);
        assert_eq!(img.classes(), Classes::Both);
        assert_eq!(img.apps[0].label.as_deref(), Some("USIM \"main\""));
        let Structure::Linear {
            record_len,
            records,
        } = &img.file(&[MF, 0x2F00]).unwrap().structure
        else {
            panic!()
        };
        assert_eq!((*record_len, records.len()), (0x26, 3));
        assert_eq!(records[1][..5], [0x61, 0x03, 0x4F, 0x01, 0xAA]);
        assert_eq!(records[2], vec![0xFF; 0x26]);
        let odf = img.file(&[MF, 0x5015, 0x5031]).unwrap();
        assert!(odf.protected);
        let Structure::Transparent(d) = &odf.structure else {
            panic!()
        };
        assert_eq!(d.len(), 32);
        let Structure::Transparent(doc) = &img.file(&[MF, 0x5015, 0x4402]).unwrap().structure
        else {
            panic!()
        };
        assert_eq!(
            doc.as_slice(),
            [
                0x03, 0x0B, 0x6A, 0x00, 0x45, 0x01, 0x03, 0x0B, 0x6A, 0x00, 0x05
            ]
        );
        // The writer's text reads back to the same image.
        let again = CardImage::parse(&img.to_text(), &mut no_files).unwrap();
        assert_eq!(again, img);
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases: &[(&str, usize, usize, ImageErrorKind)] = &[
            (
                "platform sim\nfoo 1",
                2,
                1,
                ImageErrorKind::UnknownDirective("foo".into()),
            ),
            (
                "platform sim\n  data 00",
                2,
                3,
                ImageErrorKind::OutsideEf("data"),
            ),
            (
                "platform sim\nef 3F00/0001 transparent\n data 0G",
                3,
                7,
                ImageErrorKind::BadHex("not a hex digit"),
            ),
            (
                "platform pim",
                1,
                10,
                ImageErrorKind::UnknownName {
                    what: "platform",
                    name: "pim".into(),
                },
            ),
            (
                "platform sim\nef 7F00/0001 transparent",
                2,
                4,
                ImageErrorKind::BadPath("7F00/0001".into()),
            ),
            (
                "platform sim\nef 3F00/0001 linear 2\n record 010203",
                3,
                2,
                ImageErrorKind::RecordTooLong {
                    len: 3,
                    record_len: 2,
                },
            ),
            (
                "platform sim\nef 3F00/0001 linear 2\n data 01",
                3,
                2,
                ImageErrorKind::WrongStructure {
                    directive: "data",
                    structure: "linear",
                },
            ),
            (
                "platform sim\nef 3F00/0001 transparent size 1\n data 0102",
                2,
                1,
                ImageErrorKind::TooLarge { len: 2, size: 1 },
            ),
            (
                "platform sim\nef 3F00/0001 transparent\n include-wbxml x.wbxml",
                3,
                16,
                ImageErrorKind::Include {
                    path: "x.wbxml".into(),
                    why: "no file x.wbxml".into(),
                },
            ),
            (
                "platform sim\nef 3F00/0001 transparent\n imsi 12x",
                3,
                7,
                ImageErrorKind::Imsi(ImsiErrorKind::NotDigits),
            ),
            (
                "platform sim\napp A000 3F00/7F00",
                2,
                5,
                ImageErrorKind::BadAid,
            ),
            (
                "platform sim\nef 3F00/0001 transparent\nef 3F00/0001 transparent",
                3,
                1,
                ImageErrorKind::Conflict("3F00/0001".into()),
            ),
            (
                "platform sim\nef 3F00/0001 transparent\nef 3F00/0001/0002 transparent",
                2,
                1,
                ImageErrorKind::Conflict("3F00/0001".into()),
            ),
            (
                "platform sim\napp \"x",
                2,
                5,
                ImageErrorKind::UnterminatedQuote,
            ),
            (
                "platform sim\ncard-image 1",
                2,
                1,
                ImageErrorKind::Misplaced("card-image"),
            ),
            ("card-image 2", 1, 1, ImageErrorKind::Version(2)),
            ("ef 3F00/0001 transparent", 0, 0, ImageErrorKind::NoPlatform),
            (
                "platform sim\nef 3F00/0001 transparent bogus",
                2,
                26,
                ImageErrorKind::Extra("bogus".into()),
            ),
            (
                "platform sim\nef 3F00/0001 transparent\n dodf-oid 2.x 4402",
                3,
                11,
                ImageErrorKind::BadOid("2.x".into()),
            ),
        ];
        for (text, line, column, kind) in cases {
            let e = CardImage::parse(text, &mut no_files).unwrap_err();
            assert_eq!(
                e,
                ImageError {
                    line: *line,
                    column: *column,
                    kind: kind.clone()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn debug_shows_no_file_contents() {
        let mut spec = ImageSpec::new(Platform::Sim);
        spec.imsi = Some("001010123456789".into());
        let img = build_image(&spec).unwrap();
        let dbg = format!("{img:?}");
        assert!(dbg.contains("Transparent(<9 bytes>)"), "{dbg}");
        assert!(
            !dbg.contains("152"),
            "EF_IMSI's last byte 0x98 = 152 must not show: {dbg}"
        );
        let card = crate::SimulatedCard::new(&img).unwrap();
        assert!(!format!("{card:?}").contains("152"));
    }

    #[test]
    fn include_wbxml_checks_the_document() {
        let mut loader = |_: &str| Ok(vec![0x03, 0x0B, 0x6A, 0x00, 0x45]);
        let e = CardImage::parse(
            "platform sim\nef 3F00/0001 transparent\n include-wbxml a",
            &mut loader,
        )
        .unwrap_err();
        assert!(
            matches!(
                e.kind,
                ImageErrorKind::NotWbxml(SplitErrorKind::Truncated { .. })
            ),
            "{e}"
        );
        let mut loader = |_: &str| Ok(vec![0x03, 0x0B, 0x6A, 0x00, 0x05, 0x05]);
        let e = CardImage::parse(
            "platform sim\nef 3F00/0001 transparent\n include-wbxml a",
            &mut loader,
        )
        .unwrap_err();
        assert_eq!(
            e.kind,
            ImageErrorKind::NotWbxml(SplitErrorKind::NotWbxml(5))
        );
    }

    #[test]
    fn builder_layouts_round_trip_through_text() {
        for p in Platform::ALL {
            let mut spec = ImageSpec::new(p);
            spec.imsi = Some("001010123456789".into());
            spec.documents = vec![(Role::Bootstrap, vec![0x03, 0x0B, 0x6A, 0x00, 0x05])];
            let img = build_image(&spec).unwrap();
            assert_eq!(
                CardImage::parse(&img.to_text(), &mut no_files).unwrap(),
                img,
                "{p}"
            );
        }
        let mut spec = ImageSpec::new(Platform::Sim);
        spec.imsi = Some("12".into());
        assert_eq!(
            build_image(&spec).unwrap_err().kind,
            ImageErrorKind::Imsi(ImsiErrorKind::DigitCount(2))
        );
        let mut spec = ImageSpec::new(Platform::Sim);
        spec.roles = RoleTable::empty();
        spec.documents = vec![(Role::Config1, vec![1])];
        assert_eq!(
            build_image(&spec).unwrap_err().kind,
            ImageErrorKind::NoOid(Role::Config1)
        );
    }
}
