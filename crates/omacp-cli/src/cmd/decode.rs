//! `omacp decode`: PROV WBXML → canonical XML (wbxml.md §2.5).
//!
//! Strict by default; `--lenient` drops what unknown tokens spoil and reports each drop
//! on stderr (see `omacp_wbxml::decode`).

use anyhow::Context;

use super::Exit;
use crate::args::DecodeArgs;
use crate::io;

/// Runs `omacp decode`.
pub fn run(args: DecodeArgs) -> anyhow::Result<Exit> {
    let input = io::read_input(&args.input)?;
    let name = args.input.display();
    // A tool reads documents from anywhere: server limits, not a handset's.
    let opts = omacp_wbxml::DecodeOptions {
        lenient: args.lenient,
        limits: omacp_wbxml::Limits::SERVER,
    };
    // The streaming decoder: the same text and errors as decode + xml::to_string.
    let mut decoder = omacp_wbxml::Decoder::new();
    let xml = decoder
        .to_xml(&input, &opts)
        .with_context(|| format!("{name}: cannot decode WBXML"))?
        .to_owned();
    for d in decoder.diagnostics() {
        eprintln!("omacp: {name}: {d}");
    }
    io::write_output(args.output.as_deref(), xml.as_bytes())?;
    Ok(Exit::Ok)
}
