//! `omacp compile`: XML provisioning document → WBXML (wbxml.md §4).
//!
//! Compile encodes what it is given. When the validator finds problems they are
//! printed on stderr, one per line, and the document is still compiled: refusing is
//! `omacp validate`'s job.

use anyhow::Context;

use super::Exit;
use crate::args::CompileArgs;
use crate::io;

/// Runs `omacp compile`.
pub fn run(args: CompileArgs) -> anyhow::Result<Exit> {
    let input = io::read_input(&args.input)?;
    let name = args.input.display();
    let doc = omacp_doc::xml::parse_bytes(&input)
        .with_context(|| format!("{name}: cannot read the XML document"))?;
    for d in omacp_doc::validate::validate(&doc).diagnostics {
        eprintln!("omacp: {name}: {d}");
    }
    let opts = omacp_wbxml::EncodeOptions {
        string_table: !args.no_string_table,
    };
    io::write_output(args.output.as_deref(), &omacp_wbxml::encode(&doc, &opts))?;
    Ok(Exit::Ok)
}
