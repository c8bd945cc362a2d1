//! `omacp decode`.

use super::Exit;
use crate::args::DecodeArgs;

/// Runs `omacp decode`.
pub fn run(_args: DecodeArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("omacp decode: not implemented yet")
}
