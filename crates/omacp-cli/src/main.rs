//! The `omacp` binary: a dispatcher from command-line verbs to library calls.
//!
//! Exit codes (a contract with scripts): 0 success; 1 the command ran but the input
//! is invalid or was refused (failed validation, wrong MAC); 2 the input could not be
//! read or decoded, or the command line is wrong; 3 the command needs input from the user
//! (`device receive`: a PIN or a confirmation). A broken pipe on stdout exits 0.

mod args;
mod cmd;
mod input;
mod io;
mod load;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    match cmd::run(args) {
        Ok(code) => code.into(),
        Err(e) if io::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: what failed and why, outermost context first.
            eprintln!("omacp: {e:#}");
            ExitCode::from(2)
        }
    }
}
