//! The PKCS#15 walk (smartcard.md §4): EF(DIR) → PKCS#15 application → EF(ODF) → EF(DODF)
//! → provisioning objects → Bootstrap, Config1 and Config2 documents, plus the IMSI for
//! NETWPIN checks.
//!
//! The walk talks to the card only through [`CardTransport`]. A missing or PIN-protected file
//! is not an error: the walk notes it and goes on, because a card without provisioning files
//! simply provisions nothing (smartcard.md §4). A malformed structure is noted too, unless
//! [`ReadOptions::strict`] asks for it to be an error. Only a transport failure, an exhausted
//! APDU budget or an unusable response ends the walk with [`CardError`].

use std::collections::BTreeSet;

use crate::apdu::{Class, Command, StatusWord};
use crate::channel::{Channel, Content, Got, Selected};
use crate::fcp::FileInfo;
use crate::imsi::{ImsiErrorKind, decode_ef_imsi, decode_imsi_m};
use crate::oid::Oid;
use crate::path::{FilePath, MF};
use crate::pkcs15::{
    Application, DEFAULT_PKCS15_DF, DataObjectKind, EF_DIR, EF_ODF, ODF_DATA_OBJECTS, ObjectValue,
    PKCS15_AID, WIM_AID, parse_dir_record, parse_dodf, parse_odf,
};
use crate::platform::{ImsiFormat, PLATFORMS, Platform};
use crate::roles::{Role, RoleTable};
use crate::split::{Layout, PublicId, SplitErrorKind, SplitLimits, split_documents};
use crate::tlv::{TlvErrorKind, TlvReader};

/// Sends one command APDU and returns the card's response APDU (data and status word).
/// Implemented by the card image simulator, the PC/SC shell and test doubles.
pub trait CardTransport {
    /// One exchange. The response must end with the two status bytes.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// Why a transport could not exchange an APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No card in the reader.
    #[error("no card in the reader")]
    NoCard,
    /// The card was removed or reset during the exchange.
    #[error("card removed or reset")]
    Removed,
    /// The reader or its service failed.
    #[error("reader failure: {0}")]
    Reader(String),
}

/// Bounds on one walk; a hostile card cannot make it read, allocate or loop beyond these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most APDUs exchanged.
    pub max_apdus: usize,
    /// Largest transparent EF read (READ BINARY addresses 32 KiB at most).
    pub max_file_size: usize,
    /// Bytes asked for per READ BINARY (1..=256).
    pub chunk: u16,
    /// Most records read from one record EF.
    pub max_records: usize,
    /// Most EF(DODF) files followed from EF(ODF).
    pub max_dodf_files: usize,
    /// Most data objects taken from the DODFs.
    pub max_objects: usize,
    /// Most documents returned.
    pub max_documents: usize,
    /// Deepest WBXML element nesting accepted while splitting.
    pub max_depth: usize,
}

impl Limits {
    /// A handset's bounds.
    pub const HANDSET: Limits = Limits {
        max_apdus: 4096,
        max_file_size: 0x8000,
        chunk: 255,
        max_records: 64,
        max_dodf_files: 8,
        max_objects: 64,
        max_documents: 32,
        max_depth: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::HANDSET
    }
}

/// What to read and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The platform, or `None` to detect it (SELECT MF in class `00`, else `A0`; then the
    /// applications in EF(DIR)).
    pub platform: Option<Platform>,
    /// OID → role table.
    pub roles: RoleTable,
    /// AIDs that identify the PKCS#15 application, in order of preference.
    pub pkcs15_aids: Vec<Vec<u8>>,
    /// The DF tried when EF(DIR) names no PKCS#15 application \[U: `3F00/5015`\].
    pub fallback_df: Option<FilePath>,
    /// Read the IMSI.
    pub read_imsi: bool,
    /// Keep only documents whose public id is `wap-provisioningdoc` (see [`crate::roles`]).
    pub provisioning_only: bool,
    /// Make malformed structures errors instead of notes.
    pub strict: bool,
    /// Bounds.
    pub limits: Limits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            platform: None,
            roles: RoleTable::default(),
            pkcs15_aids: vec![PKCS15_AID.to_vec(), WIM_AID.to_vec()],
            fallback_df: Some(FilePath::mf(&[MF, DEFAULT_PKCS15_DF])),
            read_imsi: true,
            provisioning_only: true,
            strict: false,
            limits: Limits::HANDSET,
        }
    }
}

/// One document read from the card. Trust comes from its origin: card documents carry no
/// SEC/MAC and are processed in the card's own context (smartcard.md §1).
#[derive(Clone, PartialEq, Eq)]
pub struct CardDocument {
    /// The provisioning file it came from.
    pub role: Role,
    /// That file.
    pub file: FilePath,
    /// The record it was in, for record EFs (1-based).
    pub record: Option<usize>,
    /// Its position among the file's documents (0-based).
    pub index: usize,
    /// Offset of its first byte in the file (or record).
    pub offset: usize,
    /// The WBXML document.
    pub bytes: Vec<u8>,
}

impl core::fmt::Debug for CardDocument {
    /// Documents may hold passwords: only their size is shown.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardDocument")
            .field("role", &self.role)
            .field("file", &format_args!("{}", self.file))
            .field("record", &self.record)
            .field("index", &self.index)
            .field("offset", &self.offset)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// Everything read from a card.
#[derive(Clone, PartialEq, Eq)]
pub struct CardContents {
    /// The platform read (given or detected).
    pub platform: Platform,
    /// The IMSI digits, if found (personal data: never log it).
    pub imsi: Option<String>,
    /// The file the IMSI came from.
    pub imsi_file: Option<FilePath>,
    /// Applications listed in EF(DIR).
    pub applications: Vec<Application>,
    /// Where the PKCS#15 application was found.
    pub pkcs15: Option<FilePath>,
    /// The provisioning documents, Bootstrap first, in DODF order.
    pub documents: Vec<CardDocument>,
    /// What was missing, protected, unknown or malformed along the way.
    pub notes: Vec<Note>,
    /// APDUs exchanged.
    pub apdus: usize,
}

impl core::fmt::Debug for CardContents {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardContents")
            .field("platform", &self.platform)
            .field("imsi", &self.imsi.as_ref().map(|_| "<redacted>"))
            .field("imsi_file", &self.imsi_file)
            .field("applications", &self.applications)
            .field("pkcs15", &self.pkcs15)
            .field("documents", &self.documents)
            .field("notes", &self.notes)
            .field("apdus", &self.apdus)
            .finish()
    }
}

/// Something worth knowing that did not stop the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The file concerned.
    pub file: Option<FilePath>,
    /// What happened.
    pub kind: NoteKind,
}

/// The kinds of [`Note`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteKind {
    /// The file does not exist.
    NotFound(StatusWord),
    /// The file needs a PIN (CHV) or another access right.
    Protected(StatusWord),
    /// The card refused to select or read the file for another reason.
    Refused(StatusWord),
    /// A structure was malformed; the walk skipped it.
    Malformed(CardError),
    /// Neither EF(DIR) nor the fallback DF led to a PKCS#15 application.
    NoPkcs15Application,
    /// The PKCS#15 application was not in EF(DIR) and was found by this AID or path instead.
    Pkcs15Fallback,
    /// An EF(DIR) application that looked like the PKCS#15 one could not be selected.
    ApplicationNotSelectable,
    /// An oidDO whose OID is not in the role table.
    UnknownOid {
        /// The OID.
        oid: Oid,
        /// The object's label.
        label: Option<String>,
    },
    /// An object value form not read here (URL or protected), by tag.
    UnsupportedValue(u32),
    /// An EF(ODF) data-objects entry holding its objects inline (not read).
    InlineDirectory,
    /// A document whose public id is not `wap-provisioningdoc`; skipped.
    NotProvisioning(PublicId),
    /// Non-filler bytes after the filler that ended a file's documents; ignored.
    DataAfterFiller(usize),
    /// A second object for a file already read.
    DuplicateTarget,
    /// The IMSI file exists but holds no IMSI.
    ImsiNotProgrammed,
    /// No IMSI could be read.
    ImsiUnavailable,
    /// Detection found no GSM or CDMA directory; SIM assumed.
    PlatformAssumed,
}

impl core::fmt::Display for Note {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        match &self.kind {
            NoteKind::NotFound(sw) => write!(f, "not found ({sw})"),
            NoteKind::Protected(sw) => write!(f, "protected, needs a PIN or access right ({sw})"),
            NoteKind::Refused(sw) => write!(f, "refused ({sw})"),
            NoteKind::Malformed(e) => write!(f, "skipped: {}", e.describe_place_and_kind()),
            NoteKind::NoPkcs15Application => f.write_str("no PKCS#15 application on the card"),
            NoteKind::Pkcs15Fallback => {
                f.write_str("PKCS#15 application not in EF(DIR); found here instead")
            }
            NoteKind::ApplicationNotSelectable => {
                f.write_str("application listed in EF(DIR) cannot be selected")
            }
            NoteKind::UnknownOid { oid, label } => match label {
                Some(l) => write!(f, "data object {oid} ({l:?}) is not a provisioning file"),
                None => write!(f, "data object {oid} is not a provisioning file"),
            },
            NoteKind::UnsupportedValue(tag) => {
                write!(f, "object value form {tag:02X} not supported")
            }
            NoteKind::InlineDirectory => {
                f.write_str("data objects held inline in EF(ODF) are not read")
            }
            NoteKind::NotProvisioning(id) => write!(
                f,
                "document with public id {id:?} is not wap-provisioningdoc; skipped"
            ),
            NoteKind::DataAfterFiller(at) => {
                write!(f, "data after the filler at byte {at} ignored")
            }
            NoteKind::DuplicateTarget => f.write_str("announced twice; read once"),
            NoteKind::ImsiNotProgrammed => f.write_str("no IMSI programmed"),
            NoteKind::ImsiUnavailable => f.write_str("no IMSI could be read"),
            NoteKind::PlatformAssumed => f.write_str("no DF_GSM or DF_CDMA; SIM assumed"),
        }
    }
}

/// A walk error: the file, record and offset involved, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct CardError {
    /// The file concerned.
    pub file: Option<FilePath>,
    /// The record (1-based) for record EFs.
    pub record: Option<usize>,
    /// Offset in the file or record.
    pub offset: Option<usize>,
    /// What went wrong.
    pub kind: CardErrorKind,
}

impl CardError {
    fn describe(&self) -> String {
        match &self.file {
            Some(f) => format!("{f}: {}", self.describe_place_and_kind()),
            None => self.describe_place_and_kind(),
        }
    }

    fn describe_place_and_kind(&self) -> String {
        let mut s = String::new();
        if let Some(r) = self.record {
            s.push_str(&format!("record {r}: "));
        }
        if let Some(o) = self.offset {
            s.push_str(&format!("at byte {o}: "));
        }
        s.push_str(&self.kind.to_string());
        s
    }
}

/// The kinds of [`CardError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardErrorKind {
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(TransportError),
    /// A response shorter than its status word.
    #[error("response of {0} byte(s) has no status word")]
    BadResponse(usize),
    /// A response (GET RESPONSE chain included) above 4 KiB.
    #[error("response of {0} bytes is too long")]
    ResponseTooLong(usize),
    /// More data than asked for.
    #[error("asked for {asked} bytes, got {got}")]
    ResponseLength {
        /// Asked.
        asked: usize,
        /// Received.
        got: usize,
    },
    /// The APDU budget ran out.
    #[error("more than {0} APDUs")]
    ApduBudget(usize),
    /// The card answered SELECT MF in neither class.
    #[error("card answers SELECT MF with {0} in both classes")]
    UnsupportedCard(StatusWord),
    /// A file above the size limit.
    #[error("file of {size} bytes exceeds the limit of {limit}")]
    FileTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A record EF with more records than the limit.
    #[error("{count} records exceed the limit of {limit}")]
    TooManyRecords {
        /// Announced count.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A record longer than a short READ RECORD can return.
    #[error("record length {0} above 256")]
    RecordTooLong(usize),
    /// More EF(DODF) files than the limit.
    #[error("{count} DODF files exceed the limit of {limit}")]
    TooManyFiles {
        /// Announced.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More data objects than the limit.
    #[error("more than {0} data objects")]
    TooManyObjects(usize),
    /// More documents than the limit.
    #[error("more than {0} documents")]
    TooManyDocuments(usize),
    /// A path that leads back to a directory file already walked (EF(DIR), EF(ODF), a DODF).
    #[error("path leads back to a directory file already read")]
    PathLoop,
    /// A PKCS#15 path's index/length outside the file.
    #[error("slice {index}+{length:?} outside a file of {size} bytes")]
    SliceOutOfRange {
        /// Start.
        index: u32,
        /// Length.
        length: Option<u32>,
        /// File size.
        size: usize,
    },
    /// A malformed TLV structure (EF(DIR), EF(ODF), EF(DODF), FCP).
    #[error("{0}")]
    Tlv(TlvErrorKind),
    /// A malformed WBXML document in a provisioning file.
    #[error("{0}")]
    Split(SplitErrorKind),
    /// Malformed IMSI bytes.
    #[error("IMSI: {0}")]
    Imsi(ImsiErrorKind),
}

/// Reads the provisioning documents and the IMSI from a card.
pub fn read_provisioning(
    card: &mut dyn CardTransport,
    opts: &ReadOptions,
) -> Result<CardContents, CardError> {
    let class = opts.platform.map_or(Class::Uicc, Platform::class);
    let w = Walker {
        ch: Channel::new(card, class, opts.limits.max_apdus, opts.limits.chunk),
        opts,
        notes: Vec::new(),
        structural: BTreeSet::new(),
        apps: None,
    };
    w.run()
}

struct Walker<'c, 'o> {
    ch: Channel<'c>,
    opts: &'o ReadOptions,
    notes: Vec<Note>,
    /// Directory files already read; a path leading back to one is a loop.
    structural: BTreeSet<FilePath>,
    apps: Option<Vec<Application>>,
}

/// A provisioning file announced in a DODF.
struct Target {
    role: Role,
    layout: Layout,
    value: ObjectValue,
    dodf: FilePath,
}

fn err(file: &FilePath, kind: CardErrorKind) -> CardError {
    CardError {
        file: Some(file.clone()),
        record: None,
        offset: None,
        kind,
    }
}

impl Walker<'_, '_> {
    fn run(mut self) -> Result<CardContents, CardError> {
        let platform = match self.opts.platform {
            Some(p) => p,
            None => self.detect()?,
        };
        let apps = self.applications()?;
        let mut documents = Vec::new();
        let pkcs15 = self.find_pkcs15(platform, &apps)?;
        if let Some(base) = &pkcs15 {
            self.read_objects(base, &mut documents)?;
        }
        // Bootstrap first: the agent processes it before the configuration files.
        documents.sort_by_key(|d: &CardDocument| d.role);
        let (imsi, imsi_file) = if self.opts.read_imsi {
            self.read_imsi(platform, &apps)?
        } else {
            (None, None)
        };
        Ok(CardContents {
            platform,
            imsi,
            imsi_file,
            applications: apps,
            pkcs15,
            documents,
            notes: self.notes,
            apdus: self.ch.apdus,
        })
    }

    fn note(&mut self, file: Option<&FilePath>, kind: NoteKind) {
        self.notes.push(Note {
            file: file.cloned(),
            kind,
        });
    }

    /// A malformed structure: a note, or the error in strict mode.
    fn malformed(&mut self, e: CardError) -> Result<(), CardError> {
        if self.opts.strict {
            return Err(e);
        }
        let file = e.file.clone();
        self.notes.push(Note {
            file,
            kind: NoteKind::Malformed(e),
        });
        Ok(())
    }

    fn detect(&mut self) -> Result<Platform, CardError> {
        let mf = FilePath::mf(&[MF]);
        let fatal = |k| err(&mf, k);
        self.ch.class = Class::Uicc;
        let r = self
            .ch
            .exchange(&Command::select_fid(Class::Uicc, MF))
            .map_err(fatal)?;
        if r.sw.is_ok() {
            let apps = self.applications()?;
            let has = |prefix: &[u8]| apps.iter().any(|a| a.aid.starts_with(prefix));
            let found = PLATFORMS
                .iter()
                .filter(|p| p.class == Class::Uicc)
                .find(|p| p.app_aid.is_some_and(has))
                .map_or(Platform::Wim, |p| p.platform);
            return Ok(found);
        }
        self.ch.class = Class::Gsm;
        let r = self
            .ch
            .exchange(&Command::select_fid(Class::Gsm, MF))
            .map_err(fatal)?;
        if !r.sw.is_ok() {
            return Err(fatal(CardErrorKind::UnsupportedCard(r.sw)));
        }
        for (df, platform) in [(0x7F20, Platform::Sim), (0x7F25, Platform::Ruim)] {
            let path = FilePath::mf(&[MF, df]);
            if let Selected::Found { .. } = self.ch.select(&path).map_err(|k| err(&path, k))? {
                return Ok(platform);
            }
        }
        self.note(None, NoteKind::PlatformAssumed);
        Ok(Platform::Sim)
    }

    /// Selects and reads an EF; `None` (with a note) when it is missing, protected or refused.
    fn read_file(&mut self, path: &FilePath) -> Result<Option<Content>, CardError> {
        let info = match self.ch.select(path).map_err(|k| err(path, k))? {
            Selected::Refused(sw) => {
                self.refused(path, sw);
                return Ok(None);
            }
            Selected::Found { info, fcp_error } => {
                if let Some(e) = fcp_error {
                    self.malformed(CardError {
                        file: Some(path.clone()),
                        record: None,
                        offset: Some(e.offset),
                        kind: CardErrorKind::Tlv(e.kind),
                    })?;
                }
                info
            }
        };
        let limits = &self.opts.limits;
        let got = match self
            .ch
            .read_ef(&info, limits.max_file_size, limits.max_records)
        {
            Ok(g) => g,
            Err(
                k @ (CardErrorKind::FileTooLarge { .. }
                | CardErrorKind::TooManyRecords { .. }
                | CardErrorKind::RecordTooLong(_)
                | CardErrorKind::ResponseLength { .. }),
            ) => {
                self.malformed(err(path, k))?;
                return Ok(None);
            }
            Err(k) => return Err(err(path, k)),
        };
        match got {
            Got::Data(c) => Ok(Some(c)),
            Got::Refused(sw) => {
                self.refused(path, sw);
                Ok(None)
            }
        }
    }

    fn refused(&mut self, path: &FilePath, sw: StatusWord) {
        let kind = if sw.is_not_found() {
            NoteKind::NotFound(sw)
        } else if sw.is_access_denied() {
            NoteKind::Protected(sw)
        } else {
            NoteKind::Refused(sw)
        };
        self.note(Some(path), kind);
    }

    /// EF(DIR)'s applications (read once).
    fn applications(&mut self) -> Result<Vec<Application>, CardError> {
        if let Some(a) = &self.apps {
            return Ok(a.clone());
        }
        let path = FilePath::mf(&[MF, EF_DIR]);
        self.structural.insert(path.clone());
        let mut apps = Vec::new();
        match self.read_file(&path)? {
            None => {}
            Some(Content::Records(recs)) => {
                for (i, rec) in recs.iter().enumerate() {
                    match parse_dir_record(rec, 0) {
                        Ok(Some(a)) => apps.push(a),
                        Ok(None) => {}
                        Err(e) => self.malformed(CardError {
                            file: Some(path.clone()),
                            record: Some(i + 1),
                            offset: Some(e.offset),
                            kind: CardErrorKind::Tlv(e.kind),
                        })?,
                    }
                }
            }
            // Some cards keep EF(DIR) transparent: the same templates back to back.
            Some(Content::Binary(bytes)) => {
                let mut r = TlvReader::new(&bytes);
                loop {
                    r.skip_filler();
                    let start = r.offset();
                    let parsed = r.next_tlv().and_then(|t| match t {
                        None => Ok(None),
                        Some(t) => {
                            parse_dir_record(&bytes[start..t.value_offset + t.value.len()], start)
                        }
                    });
                    match parsed {
                        Ok(Some(a)) => apps.push(a),
                        Ok(None) => break,
                        Err(e) => {
                            self.malformed(CardError {
                                file: Some(path.clone()),
                                record: None,
                                offset: Some(e.offset),
                                kind: CardErrorKind::Tlv(e.kind),
                            })?;
                            break;
                        }
                    }
                }
            }
        }
        self.apps = Some(apps.clone());
        Ok(apps)
    }

    fn is_dir(&mut self, path: &FilePath) -> Result<bool, CardError> {
        Ok(match self.ch.select(path).map_err(|k| err(path, k))? {
            Selected::Found { info, .. } => info.kind.is_none_or(|k| k.is_dir()),
            Selected::Refused(_) => false,
        })
    }

    /// Locates the PKCS#15 application: EF(DIR) first (by AID on a UICC, by path otherwise),
    /// then the AIDs directly, then the fallback DF.
    fn find_pkcs15(
        &mut self,
        platform: Platform,
        apps: &[Application],
    ) -> Result<Option<FilePath>, CardError> {
        let mut aids = self.opts.pkcs15_aids.clone();
        if platform == Platform::Wim {
            // A WIM card announces itself by the WIM AID first.
            aids.sort_by_key(|a| a.as_slice() != WIM_AID.as_slice());
        }
        let uicc = self.ch.class == Class::Uicc;
        for aid in &aids {
            for app in apps.iter().filter(|a| a.aid.starts_with(aid)) {
                let mut candidates = Vec::new();
                if uicc {
                    candidates.push(FilePath::in_adf(&app.aid, &[]));
                }
                if let Some(p) = &app.path {
                    candidates.push(FilePath::mf(&[MF]).resolve(p));
                }
                for c in candidates {
                    if self.is_dir(&c)? {
                        return Ok(Some(c));
                    }
                }
                self.note(None, NoteKind::ApplicationNotSelectable);
            }
        }
        let mut fallbacks: Vec<FilePath> = Vec::new();
        if uicc {
            fallbacks.extend(aids.iter().map(|a| FilePath::in_adf(a, &[])));
        }
        fallbacks.extend(self.opts.fallback_df.clone());
        for c in fallbacks {
            if self.is_dir(&c)? {
                self.note(Some(&c), NoteKind::Pkcs15Fallback);
                return Ok(Some(c));
            }
        }
        self.note(None, NoteKind::NoPkcs15Application);
        Ok(None)
    }

    /// Reads a transparent directory file whole (record files are concatenated).
    fn read_bytes(&mut self, path: &FilePath) -> Result<Option<Vec<u8>>, CardError> {
        Ok(self.read_file(path)?.map(|c| match c {
            Content::Binary(b) => b,
            Content::Records(r) => r.concat(),
        }))
    }

    fn read_objects(
        &mut self,
        base: &FilePath,
        documents: &mut Vec<CardDocument>,
    ) -> Result<(), CardError> {
        let limits = self.opts.limits;
        let odf_path = base.join(&[EF_ODF]);
        self.structural.insert(odf_path.clone());
        let Some(odf) = self.read_bytes(&odf_path)? else {
            return Ok(());
        };
        let entries = match parse_odf(&odf) {
            Ok(e) => e,
            Err(e) => {
                let at = CardError {
                    file: Some(odf_path),
                    record: None,
                    offset: Some(e.offset),
                    kind: CardErrorKind::Tlv(e.kind),
                };
                return self.malformed(at);
            }
        };
        let mut dodfs: Vec<FilePath> = Vec::new();
        for e in entries.iter().filter(|e| e.tag == ODF_DATA_OBJECTS) {
            match &e.path {
                Some(p) => {
                    let path = base.resolve(&p.fids);
                    if !dodfs.contains(&path) {
                        dodfs.push(path);
                    }
                }
                None => self.note(Some(&odf_path), NoteKind::InlineDirectory),
            }
        }
        if dodfs.len() > limits.max_dodf_files {
            let count = dodfs.len();
            self.malformed(err(
                &odf_path,
                CardErrorKind::TooManyFiles {
                    count,
                    limit: limits.max_dodf_files,
                },
            ))?;
            dodfs.truncate(limits.max_dodf_files);
        }

        let mut targets = Vec::new();
        let mut objects = 0usize;
        'dodfs: for dodf in dodfs {
            if self.structural.contains(&dodf) {
                self.malformed(err(&dodf, CardErrorKind::PathLoop))?;
                continue;
            }
            self.structural.insert(dodf.clone());
            let Some(bytes) = self.read_bytes(&dodf)? else {
                continue;
            };
            let objs = match parse_dodf(&bytes) {
                Ok(o) => o,
                Err(e) => {
                    self.malformed(CardError {
                        file: Some(dodf.clone()),
                        record: None,
                        offset: Some(e.offset),
                        kind: CardErrorKind::Tlv(e.kind),
                    })?;
                    continue;
                }
            };
            for obj in objs {
                objects += 1;
                if objects > limits.max_objects {
                    self.malformed(err(
                        &dodf,
                        CardErrorKind::TooManyObjects(limits.max_objects),
                    ))?;
                    break 'dodfs;
                }
                if let DataObjectKind::Oid { oid, value } = obj.kind {
                    match self.opts.roles.lookup(&oid) {
                        Some(entry) => targets.push(Target {
                            role: entry.role,
                            layout: entry.layout,
                            value,
                            dodf: dodf.clone(),
                        }),
                        None => self.note(
                            Some(&dodf),
                            NoteKind::UnknownOid {
                                oid,
                                label: obj.label,
                            },
                        ),
                    }
                }
            }
        }

        // Bootstrap first, then Config1, Config2 (stable within a role: DODF order).
        targets.sort_by_key(|t| t.role);
        let mut seen = BTreeSet::new();
        for t in targets {
            match t.value {
                ObjectValue::Path(p) => {
                    let file = base.resolve(&p.fids);
                    if self.structural.contains(&file) {
                        self.malformed(err(&file, CardErrorKind::PathLoop))?;
                        continue;
                    }
                    if !seen.insert((file.clone(), p.index, p.length)) {
                        self.note(Some(&file), NoteKind::DuplicateTarget);
                        continue;
                    }
                    match self.read_file(&file)? {
                        None => {}
                        Some(Content::Binary(bytes)) => {
                            let Some((start, slice)) =
                                self.slice(&file, &bytes, p.index, p.length)?
                            else {
                                continue;
                            };
                            self.take_documents(
                                t.role, t.layout, &file, None, slice, start, documents,
                            )?;
                        }
                        Some(Content::Records(recs)) => {
                            for (i, rec) in recs.iter().enumerate() {
                                let n = i + 1;
                                if p.index.is_some_and(|want| want as usize != n) {
                                    continue;
                                }
                                self.take_documents(
                                    t.role,
                                    t.layout,
                                    &file,
                                    Some(n),
                                    rec,
                                    0,
                                    documents,
                                )?;
                            }
                        }
                    }
                }
                ObjectValue::Direct { bytes, offset } => {
                    self.take_documents(
                        t.role, t.layout, &t.dodf, None, &bytes, offset, documents,
                    )?;
                }
                ObjectValue::Unsupported(tag) => {
                    self.note(Some(&t.dodf), NoteKind::UnsupportedValue(tag))
                }
            }
        }
        Ok(())
    }

    /// The part of a transparent file a PKCS#15 path's index/length names.
    fn slice<'b>(
        &mut self,
        file: &FilePath,
        bytes: &'b [u8],
        index: Option<u32>,
        length: Option<u32>,
    ) -> Result<Option<(usize, &'b [u8])>, CardError> {
        let start = index.unwrap_or(0) as usize;
        let end = match length {
            Some(l) => start.checked_add(l as usize),
            None => Some(bytes.len()),
        };
        match end {
            Some(end) if start <= end && end <= bytes.len() => {
                Ok(Some((start, &bytes[start..end])))
            }
            _ => {
                let kind = CardErrorKind::SliceOutOfRange {
                    index: index.unwrap_or(0),
                    length,
                    size: bytes.len(),
                };
                self.malformed(err(file, kind))?;
                Ok(None)
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // one call site per value form; a struct adds nothing
    fn take_documents(
        &mut self,
        role: Role,
        layout: Layout,
        file: &FilePath,
        record: Option<usize>,
        bytes: &[u8],
        base: usize,
        documents: &mut Vec<CardDocument>,
    ) -> Result<(), CardError> {
        let limits = self.opts.limits;
        let split_limits = SplitLimits {
            max_documents: limits.max_documents,
            max_depth: limits.max_depth,
        };
        let out = split_documents(bytes, layout, &split_limits);
        let mut index = documents.iter().filter(|d| d.file == *file).count();
        for span in &out.documents {
            if self.opts.provisioning_only && !span.is_provisioning() {
                self.note(Some(file), NoteKind::NotProvisioning(span.public_id));
                continue;
            }
            if documents.len() >= limits.max_documents {
                let e = CardError {
                    file: Some(file.clone()),
                    record,
                    offset: Some(base + span.offset),
                    kind: CardErrorKind::TooManyDocuments(limits.max_documents),
                };
                return self.malformed(e);
            }
            documents.push(CardDocument {
                role,
                file: file.clone(),
                record,
                index,
                offset: base + span.offset,
                bytes: span.bytes(bytes).to_vec(),
            });
            index += 1;
        }
        if let Some(e) = out.error {
            self.malformed(CardError {
                file: Some(file.clone()),
                record,
                offset: Some(base + e.offset),
                kind: CardErrorKind::Split(e.kind),
            })?;
        }
        if let Some(at) = out.data_after_filler {
            self.note(Some(file), NoteKind::DataAfterFiller(base + at));
        }
        Ok(())
    }

    fn read_imsi(
        &mut self,
        platform: Platform,
        apps: &[Application],
    ) -> Result<(Option<String>, Option<FilePath>), CardError> {
        for loc in platform.info().imsi {
            let path = match loc.app {
                None => FilePath::mf(loc.path),
                Some(_) if self.ch.class == Class::Gsm => continue,
                Some(prefix) => {
                    let aid = apps
                        .iter()
                        .find(|a| a.aid.starts_with(prefix))
                        .map_or(prefix, |a| a.aid.as_slice());
                    FilePath::in_adf(aid, loc.path)
                }
            };
            let Some(bytes) = self.read_bytes(&path)? else {
                continue;
            };
            let decoded = match loc.format {
                ImsiFormat::EfImsi => decode_ef_imsi(&bytes),
                ImsiFormat::ImsiM => decode_imsi_m(&bytes),
            };
            match decoded {
                Ok(digits) => return Ok((Some(digits), Some(path))),
                Err(e) if e.kind == ImsiErrorKind::NotProgrammed => {
                    self.note(Some(&path), NoteKind::ImsiNotProgrammed)
                }
                Err(e) => self.malformed(CardError {
                    file: Some(path.clone()),
                    record: None,
                    offset: Some(e.offset),
                    kind: CardErrorKind::Imsi(e.kind),
                })?,
            }
        }
        self.note(None, NoteKind::ImsiUnavailable);
        Ok((None, None))
    }
}

/// Reads one EF by path, whatever its structure (records concatenated), for tools that show
/// a single file. Missing or protected files give `Ok(None)`.
pub fn read_file(
    card: &mut dyn CardTransport,
    class: Class,
    path: &FilePath,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, CardError> {
    let mut ch = Channel::new(card, class, limits.max_apdus, limits.chunk);
    let info: FileInfo = match ch.select(path).map_err(|k| err(path, k))? {
        Selected::Found { info, .. } => info,
        Selected::Refused(_) => return Ok(None),
    };
    Ok(
        match ch
            .read_ef(&info, limits.max_file_size, limits.max_records)
            .map_err(|k| err(path, k))?
        {
            Got::Data(Content::Binary(b)) => Some(b),
            Got::Data(Content::Records(r)) => Some(r.concat()),
            Got::Refused(_) => None,
        },
    )
}
