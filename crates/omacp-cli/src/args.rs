//! Every flag is declared once, here. Flags marked "used by scripts" are a contract.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand, ValueEnum};

/// omacp — OMA Client Provisioning 1.2: documents, WBXML, ProvBoot security and WAP Push.
#[derive(Debug, Parser)]
#[command(name = "omacp", version, about, propagate_version = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// XML provisioning document -> WBXML (used by scripts).
    Compile(CompileArgs),
    /// WBXML provisioning document -> canonical XML (used by scripts).
    Decode(DecodeArgs),
    /// Validate an XML or WBXML document: exit 0 valid, 1 invalid, 2 unreadable (used by scripts).
    Validate(ValidateArgs),
    /// Sign and frame a document as a WAP Push: segments, push PDU, TPDUs or pcap (used by scripts).
    Push(PushArgs),
    /// Sign, segment and submit one push to an SMSC over SMPP 3.4 (used by scripts).
    Send(SendArgs),
    /// Run the sandbox SMSC with virtual handsets (a test double, clearly marked; alias `smsc`).
    #[command(alias = "smsc")]
    Sandbox(SandboxArgs),
    /// Show every layer of a push: SMS -> WDP -> WSP -> SEC/MAC -> document (used by scripts).
    Inspect(InspectArgs),
    /// Smart-card provisioning (ProvSC): read a card image or a PC/SC reader (used by scripts).
    Card {
        /// What to do.
        #[command(subcommand)]
        command: CardCommand,
    },
    /// A virtual handset: receive, authenticate and apply pushes into a settings store
    /// (used by scripts).
    Device {
        /// What to do.
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Run the provisioning server: REST API, trusted HTTP context, metrics (used by scripts).
    #[command(after_long_help = omacp_server::config::HELP)]
    Serve(ServeArgs),
    /// Manage the server's tenants, users and API tokens directly in its database.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Run and follow campaigns on a running server: run, status, pause, resume (used by
    /// scripts).
    Campaign {
        /// What to do.
        #[command(subcommand)]
        command: crate::cmd::campaign::CampaignCommand,
    },
}

/// `omacp serve` (flags used by scripts: keep them).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (keys below; used by scripts).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on, e.g. 127.0.0.1:8080 (used by scripts).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// Database URL: sqlite:PATH or postgres://user@host/db (used by scripts).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// Which database `omacp admin` works on (the same resolution as `serve`).
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://user@host/db.
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
}

/// `omacp admin`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Tenants.
    Tenant {
        /// What to do.
        #[command(subcommand)]
        command: AdminTenant,
        /// Database.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Users.
    User {
        /// What to do.
        #[command(subcommand)]
        command: AdminUser,
        /// Database.
        #[command(flatten)]
        db: DbArgs,
    },
    /// API tokens.
    Token {
        /// What to do.
        #[command(subcommand)]
        command: AdminToken,
        /// Database.
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Tenant kind on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// The network operator.
    Operator,
    /// An enterprise.
    Enterprise,
}

/// Role on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Read only.
    Viewer,
    /// Read and write profiles, subscribers, device models.
    Editor,
    /// Everything in the tenant.
    Admin,
}

/// `omacp admin tenant`.
#[derive(Debug, Subcommand)]
pub enum AdminTenant {
    /// Create a tenant with an admin user; prints the admin's one-time password.
    Create {
        /// URL name (lowercase letters, digits, '-').
        slug: String,
        /// Display name (defaults to the slug).
        #[arg(long)]
        name: Option<String>,
        /// Operator or enterprise.
        #[arg(long, value_enum, default_value = "enterprise")]
        kind: KindArg,
        /// Allowed characteristic types, comma-separated ('*' for all).
        #[arg(long, value_delimiter = ',', required = true)]
        types: Vec<String>,
        /// Allowed APPIDs, comma-separated ('*' for all).
        #[arg(long, value_delimiter = ',')]
        appids: Vec<String>,
    },
    /// List tenants.
    List,
    /// Replace a tenant's ownership scope.
    SetScope {
        /// Tenant slug.
        slug: String,
        /// Allowed characteristic types, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        types: Vec<String>,
        /// Allowed APPIDs, comma-separated.
        #[arg(long, value_delimiter = ',')]
        appids: Vec<String>,
    },
}

/// `omacp admin user`.
#[derive(Debug, Subcommand)]
pub enum AdminUser {
    /// Create a user; prints a generated one-time password.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Username.
        username: String,
        /// Role.
        #[arg(long, value_enum, default_value = "viewer")]
        role: RoleArg,
    },
    /// List a tenant's users.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Change a user's role.
    SetRole {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Username.
        username: String,
        /// New role.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Set a new generated password; prints it once.
    ResetPassword {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Username.
        username: String,
    },
}

/// `omacp admin token`.
#[derive(Debug, Subcommand)]
pub enum AdminToken {
    /// Create an API token acting as a user; prints the secret once.
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Username the token acts as.
        #[arg(long)]
        user: String,
        /// Label.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List a tenant's tokens.
    List {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a token by id.
    Revoke {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Token id (tok_…).
        id: String,
    },
}

/// `omacp compile`.
#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// Input XML (`-` for stdin).
    pub input: PathBuf,
    /// Output file (`-` or absent for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Do not use a WBXML string table (every string inline).
    #[arg(long)]
    pub no_string_table: bool,
    /// Skip the validator's report and compile the text directly (same bytes, faster).
    #[arg(long)]
    pub no_validate: bool,
}

/// `omacp decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Input WBXML (`-` for stdin).
    pub input: PathBuf,
    /// Output file (`-` or absent for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Turn unknown tokens into diagnostics instead of errors (they are still reported).
    #[arg(long)]
    pub lenient: bool,
}

/// `omacp validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Input, XML or WBXML (detected from its first bytes; `-` for stdin).
    pub input: PathBuf,
    /// Print diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A ProvBoot security method as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecArg {
    /// No SEC/MAC at all: phones will (and should) refuse it.
    None,
    /// MAC keyed with the IMSI.
    Netwpin,
    /// MAC keyed with a user PIN.
    Userpin,
    /// MAC keyed with IMSI and user PIN.
    Usernetwpin,
    /// User types PIN plus decimal MAC digits.
    Userpinmac,
}

/// What `omacp push` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitArg {
    /// One line per SMS: hex of UDH ‖ user data.
    Segments,
    /// The binary WSP push PDU.
    Push,
    /// One hex SMS-SUBMIT TPDU per line.
    Tpdu,
    /// A pcap capture file for Wireshark.
    Pcap,
}

/// `omacp push`.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The document, XML or WBXML (`-` for stdin).
    pub doc: PathBuf,
    /// Signing flags.
    #[command(flatten)]
    pub sign: SignArgs,
    /// Segmentation flags.
    #[command(flatten)]
    pub seg: SegArgs,
    /// Output form (used by scripts).
    #[arg(long, value_enum)]
    pub emit: EmitArg,
    /// Destination MSISDN for `--emit tpdu`/`pcap` (used by scripts).
    #[arg(long)]
    pub to: Option<String>,
    /// Output file (`-` or absent for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// TP-DCS in hex: 04 (8-bit, no class) or f5 (8-bit, class 1).
    #[arg(long, default_value = "f5", value_parser = clap::builder::PossibleValuesParser::new(["04", "f5", "F5"]))]
    pub dcs: String,
    /// TP-MR of the first SMS-SUBMIT (incremented per segment).
    #[arg(long, default_value_t = 0)]
    pub mr: u8,
}

/// How a push is signed (shared by `push` and `send`).
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Security method (used by scripts).
    #[arg(long, value_enum)]
    pub sec: SecArg,
    /// Subscriber IMSI for NETWPIN/USERNETWPIN (used by scripts).
    #[arg(long)]
    pub imsi: Option<String>,
    /// User PIN for USERPIN/USERNETWPIN/USERPINMAC (used by scripts).
    #[arg(long)]
    pub pin: Option<String>,
    /// WSP transaction id.
    #[arg(long, default_value_t = 1)]
    pub tid: u8,
    /// Add an X-Wap-Initiator-URI header (the TPS URL, security.md §6.2).
    #[arg(long)]
    pub initiator_uri: Option<String>,
    /// Digits of the PIN generated for USERPINMAC when --pin is absent.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=20))]
    pub pin_length: u8,
    /// Sign and send a document even when validation reports errors.
    #[arg(long)]
    pub allow_invalid: bool,
}

/// How a push is cut into SMS (shared by `push` and `send`).
#[derive(Debug, clap::Args)]
pub struct SegArgs {
    /// WDP source port (9200 is conventional; Kannel uses 2948).
    #[arg(long, default_value_t = 9200)]
    pub source_port: u16,
    /// Concatenation reference width in bits: 8 (128 bytes per SMS) or 16 (127).
    #[arg(long, default_value_t = 8, value_parser = clap::builder::PossibleValuesParser::new(["8", "16"]).map(|s| s.parse::<u8>().unwrap_or(8)))]
    pub concat: u8,
    /// Concatenation reference (default: derived from the PDU, so runs are reproducible).
    #[arg(long = "ref")]
    pub reference: Option<u16>,
}

/// `omacp send`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The document, XML or WBXML (`-` for stdin).
    pub doc: PathBuf,
    /// Destination MSISDN (used by scripts).
    #[arg(long)]
    pub to: String,
    /// The SMSC: `smpp://system_id:password@host:port` (used by scripts). The password is
    /// never printed.
    #[arg(long)]
    pub smpp: String,
    /// Signing flags.
    #[command(flatten)]
    pub sign: SignArgs,
    /// Segmentation flags.
    #[command(flatten)]
    pub seg: SegArgs,
    /// Source address: digits (a number or short code) or alphanumeric text.
    #[arg(long, default_value = "omacp")]
    pub from: String,
    /// data_coding in hex: 04 (8-bit, no class) or f5 (8-bit, class 1).
    #[arg(long, default_value = "04", value_parser = clap::builder::PossibleValuesParser::new(["04", "f5", "F5"]))]
    pub data_coding: String,
    /// Wait for the delivery receipt of every segment; exit 1 unless all are DELIVRD.
    #[arg(long)]
    pub wait_dlr: bool,
    /// Seconds to wait for acceptance and, with --wait-dlr, for receipts.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Do not ask for a delivery receipt (registered_delivery 0).
    #[arg(long, conflicts_with = "wait_dlr")]
    pub no_dlr: bool,
    /// Bind as transmitter instead of transceiver (receipts then need a separate receiver).
    #[arg(long, conflicts_with = "wait_dlr")]
    pub transmitter: bool,
    /// system_type for the bind.
    #[arg(long, default_value = "")]
    pub system_type: String,
    /// service_type of each submit_sm ("" or e.g. WAP).
    #[arg(long, default_value = "")]
    pub service_type: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `omacp sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks one; the chosen address is printed first).
    #[arg(long, default_value = "127.0.0.1:2775")]
    pub listen: String,
    /// A virtual handset `MSISDN:IMSI[:PIN]` (repeatable). Its user types PIN when asked.
    #[arg(long = "handset")]
    pub handsets: Vec<String>,
    /// An ESME account `system_id:password` (repeatable). None: any bind is accepted.
    #[arg(long = "account")]
    pub accounts: Vec<String>,
    /// Stop after this many seconds (default: run until killed).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Fault injection: answer every Nth submit_sm with ESME_RTHROTTLED.
    #[arg(long, default_value_t = 0)]
    pub throttle_every: u32,
    /// Print records as JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// `omacp inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Segment hex lines, TPDU hex, a push PDU (binary or hex), a pcap, or WBXML (`-` for stdin).
    pub input: PathBuf,
    /// IMSI to verify NETWPIN/USERNETWPIN MACs (used by scripts).
    #[arg(long)]
    pub imsi: Option<String>,
    /// PIN to verify USERPIN/USERNETWPIN MACs; for USERPINMAC, what the user types: the PIN
    /// followed by the decimal check digits (used by scripts).
    #[arg(long)]
    pub pin: Option<String>,
    /// Machine-readable output (used by scripts).
    #[arg(long)]
    pub json: bool,
}

/// `omacp card` verbs.
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Read the Bootstrap/Config1/Config2 documents and the IMSI: exit 0 read, 2 unreadable
    /// (used by scripts).
    Read(CardReadArgs),
    /// List the PC/SC readers and whether each holds a card.
    Readers(CardReadersArgs),
}

/// `omacp card read`.
#[derive(Debug, clap::Args)]
pub struct CardReadArgs {
    /// A card image file (docs/card-image.md) (used by scripts).
    #[arg(required_unless_present = "reader", conflicts_with = "reader")]
    pub image: Option<PathBuf>,
    /// Read the card in this PC/SC reader: its exact name or a unique prefix (used by scripts).
    #[arg(long)]
    pub reader: Option<String>,
    /// The card platform; default: the image's `platform` line, or detected on a reader.
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,
    /// Map a DODF OID to a role, replacing that role's default OID; repeatable
    /// (e.g. `--oid 2.23.43.7.9=config2`).
    #[arg(long = "oid", value_name = "OID=ROLE")]
    pub oids: Vec<String>,
    /// Keep documents whose public id is not wap-provisioningdoc.
    #[arg(long)]
    pub any_document: bool,
    /// Make malformed card structures an error (exit 2) instead of a note.
    #[arg(long)]
    pub strict: bool,
    /// Print the IMSI in full; it is personal data and masked to its last 3 digits otherwise.
    #[arg(long)]
    pub show_imsi: bool,
    /// Machine-readable output (used by scripts).
    #[arg(long)]
    pub json: bool,
}

/// `omacp card readers`.
#[derive(Debug, clap::Args)]
pub struct CardReadersArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// A card platform as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// GSM SIM.
    Sim,
    /// USIM on a UICC.
    Usim,
    /// WAP Identity Module.
    Wim,
    /// CDMA R-UIM.
    Ruim,
    /// CSIM on a UICC.
    Csim,
    /// ISIM on a UICC.
    Isim,
}

/// `omacp device` verbs.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Create a virtual handset with its own store (used by scripts).
    Init(DeviceInitArgs),
    /// Receive a push: exit 0 applied, 1 rejected, 3 needs input (used by scripts).
    Receive(DeviceReceiveArgs),
    /// Show the stored settings (used by scripts).
    Show(DeviceShowArgs),
    /// List the applied documents (used by scripts).
    History(DeviceHistoryArgs),
    /// Restore an earlier state as a new history entry (used by scripts).
    Rollback(DeviceRollbackArgs),
    /// Pull settings over HTTP from a trusted context's PROVURL (used by scripts).
    Fetch(DeviceFetchArgs),
}

/// `omacp device init`.
#[derive(Debug, clap::Args)]
pub struct DeviceInitArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The subscriber's IMSI (the NETWPIN key).
    #[arg(long)]
    pub imsi: String,
    /// A card image (docs/card-image.md) whose provisioning documents are applied with card
    /// trust.
    #[arg(long)]
    pub card: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `omacp device receive`.
#[derive(Debug, clap::Args)]
pub struct DeviceReceiveArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Segment hex lines, TPDU hex lines, a push PDU (binary or hex), a pcap, or WBXML/XML
    /// (`-` for stdin).
    pub input: PathBuf,
    /// The PIN the user types when asked (USERPINMAC: PIN followed by the check digits).
    #[arg(long)]
    pub pin: Option<String>,
    /// Accept the confirmation summary.
    #[arg(long)]
    pub yes: bool,
    /// Sender address for inputs that do not carry one (segments, push PDUs).
    #[arg(long, default_value = "")]
    pub from: String,
    /// Machine-readable output: one object with `outcome`.
    #[arg(long)]
    pub json: bool,
}

/// `omacp device show`.
#[derive(Debug, clap::Args)]
pub struct DeviceShowArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `omacp device history`.
#[derive(Debug, clap::Args)]
pub struct DeviceHistoryArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `omacp device rollback`.
#[derive(Debug, clap::Args)]
pub struct DeviceRollbackArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The history id whose state to restore; default: the state before the last entry.
    #[arg(long)]
    pub to: Option<i64>,
}

/// `omacp device fetch`.
#[derive(Debug, clap::Args)]
pub struct DeviceFetchArgs {
    /// The handset's store directory.
    #[arg(long)]
    pub store: PathBuf,
    /// The URL (http:// only), under the PROVURL of a stored context.
    pub url: String,
    /// Accept the confirmation summary.
    #[arg(long)]
    pub yes: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}
