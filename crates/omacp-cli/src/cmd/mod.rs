//! One module per verb; each is a short sequence of library calls.

mod admin;
pub(crate) mod campaign;
mod card;
mod compile;
mod decode;
mod device;
mod http;
mod inspect;
mod push;
mod sandbox;
mod send;
mod serve;
mod validate;

use crate::args::{Args, Command};

/// A command's result as a process exit code (see `main.rs` for the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, input valid.
    Ok,
    /// 1: the command ran, but the input is invalid or was refused.
    Invalid,
    /// 2: the input could not be read or decoded.
    Unreadable,
    /// 3: the command needs input from the user (`device receive`: a PIN or a confirmation).
    NeedsInput,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::Invalid => 1,
            Exit::Unreadable => 2,
            Exit::NeedsInput => 3,
        })
    }
}

/// Runs the parsed command line.
pub fn run(args: Args) -> anyhow::Result<Exit> {
    match args.command {
        Command::Compile(a) => compile::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Push(a) => push::run(a),
        Command::Send(a) => send::run(a),
        Command::Sandbox(a) => sandbox::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Card { command } => card::run(command),
        Command::Device { command } => device::run(command),
        Command::Serve(a) => serve::run(a),
        Command::Admin { command } => admin::run(command),
        Command::Campaign { command } => campaign::run(command),
    }
}

/// Parses `--imsi` and `--pin` as given on the command line (either may be absent).
/// Errors name the flag, never the value: IMSIs and PINs stay out of messages.
pub(crate) fn key_material(
    imsi: Option<&str>,
    pin: Option<&str>,
) -> anyhow::Result<(Option<omacp_sec::Imsi>, Option<omacp_sec::Pin>)> {
    use anyhow::Context;
    let imsi = imsi
        .map(omacp_sec::Imsi::parse)
        .transpose()
        .context("--imsi")?;
    let pin = pin
        .map(omacp_sec::Pin::parse)
        .transpose()
        .context("--pin")?;
    Ok((imsi, pin))
}
