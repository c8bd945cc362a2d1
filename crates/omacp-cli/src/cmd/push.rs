//! `omacp push`.

use super::Exit;
use crate::args::PushArgs;

/// Runs `omacp push`.
pub fn run(_args: PushArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("omacp push: not implemented yet")
}
