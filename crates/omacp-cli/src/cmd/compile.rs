//! `omacp compile`.

use super::Exit;
use crate::args::CompileArgs;

/// Runs `omacp compile`.
pub fn run(_args: CompileArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("omacp compile: not implemented yet")
}
