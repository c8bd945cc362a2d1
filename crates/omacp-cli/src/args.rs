//! Every flag is declared once, here. Flags marked "used by scripts" are a contract.

use std::path::PathBuf;

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
    /// Show every layer of a push: SMS -> WDP -> WSP -> SEC/MAC -> document (used by scripts).
    Inspect(InspectArgs),
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
    /// Security method (used by scripts).
    #[arg(long, value_enum)]
    pub sec: SecArg,
    /// Subscriber IMSI for NETWPIN/USERNETWPIN (used by scripts).
    #[arg(long)]
    pub imsi: Option<String>,
    /// User PIN for USERPIN/USERNETWPIN/USERPINMAC (used by scripts).
    #[arg(long)]
    pub pin: Option<String>,
    /// Output form (used by scripts).
    #[arg(long, value_enum)]
    pub emit: EmitArg,
    /// Destination MSISDN for `--emit tpdu`/`pcap` (used by scripts).
    #[arg(long)]
    pub to: Option<String>,
    /// Output file (`-` or absent for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// `omacp inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Segment hex lines, TPDU hex, a push PDU (binary or hex), a pcap, or WBXML (`-` for stdin).
    pub input: PathBuf,
    /// IMSI to verify NETWPIN/USERNETWPIN MACs (used by scripts).
    #[arg(long)]
    pub imsi: Option<String>,
    /// PIN to verify USERPIN/USERNETWPIN/USERPINMAC MACs (used by scripts).
    #[arg(long)]
    pub pin: Option<String>,
    /// Machine-readable output (used by scripts).
    #[arg(long)]
    pub json: bool,
}
