//! `omacp compile`: XML provisioning document → WBXML (wbxml.md §4).
//!
//! Compile encodes what it is given. When the validator finds problems they are
//! printed on stderr, one per line, and the document is still compiled: refusing is
//! `omacp validate`'s job. With `--no-validate` the validator (which needs the document
//! tree) is skipped and the streaming compiler turns the text straight into WBXML (the
//! same bytes; docs/streaming-codecs.md).

use anyhow::Context;

use super::Exit;
use crate::args::CompileArgs;
use crate::io;

/// Runs `omacp compile`.
pub fn run(args: CompileArgs) -> anyhow::Result<Exit> {
    let input = io::read_input(&args.input)?;
    let name = args.input.display();
    let opts = omacp_wbxml::EncodeOptions {
        string_table: !args.no_string_table,
    };
    if args.no_validate {
        let mut encoder = omacp_wbxml::Encoder::new();
        let wbxml = encoder
            .compile_bytes(&input, &opts)
            .with_context(|| format!("{name}: cannot read the XML document"))?;
        io::write_output(args.output.as_deref(), wbxml)?;
        return Ok(Exit::Ok);
    }
    let doc = omacp_doc::xml::parse_bytes(&input)
        .with_context(|| format!("{name}: cannot read the XML document"))?;
    for d in omacp_doc::validate::validate(&doc).diagnostics {
        eprintln!("omacp: {name}: {d}");
    }
    io::write_output(args.output.as_deref(), &omacp_wbxml::encode(&doc, &opts))?;
    Ok(Exit::Ok)
}
