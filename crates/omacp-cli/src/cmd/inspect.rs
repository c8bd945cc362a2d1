//! `omacp inspect`.

use super::Exit;
use crate::args::InspectArgs;

/// Runs `omacp inspect`.
pub fn run(_args: InspectArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("omacp inspect: not implemented yet")
}
