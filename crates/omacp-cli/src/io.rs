//! Reading inputs and writing outputs, with `-` meaning stdin/stdout.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;

/// Largest input the CLI reads (a CP document is a few KiB; a pcap of a campaign more).
pub const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Reads a whole file, or stdin for `-`, refusing inputs above [`MAX_INPUT`].
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .context("reading stdin")?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    anyhow::ensure!(
        buf.len() as u64 <= MAX_INPUT,
        "{}: input larger than {MAX_INPUT} bytes",
        path.display()
    );
    Ok(buf)
}

/// Writes bytes to a file, or stdout for `-` or no path.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// True when the error chain ends in a broken pipe (e.g. `omacp decode x | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `text` and a newline to stdout. Use this instead of `println!`, which panics
/// when stdout is a closed pipe; this returns the error, and `main` exits 0 on it.
pub fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
