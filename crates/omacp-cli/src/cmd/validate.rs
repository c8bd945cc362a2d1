//! `omacp validate`.

use super::Exit;
use crate::args::ValidateArgs;

/// Runs `omacp validate`.
pub fn run(_args: ValidateArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("omacp validate: not implemented yet")
}
