//! The PC/SC path end to end: pcscd with the vsmartcard vpcd reader, a simulated card plugged
//! into it over the vpcd socket, and the walk reading through the pcsc crate. What it reads
//! must equal a direct read of the same image. Skips (with "SKIPPED: …") when pcscd or vpcd
//! is not installed or pcscd cannot be started here.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use omacp_card::{CardImage, ReadOptions, SimulatedCard, read_provisioning};
use omacp_pcsc::vpcd::{VPCD_PORT, VPCD_READER, VirtualCard};
use omacp_pcsc::{PcscCard, card_present, list_readers};

fn find_pcscd() -> Option<PathBuf> {
    let from_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pcscd"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    from_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin/pcscd")])
        .find(|p| p.is_file())
}

/// pcscd, killed on drop if this test started it.
struct Daemon(Option<Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Polls `f` until it returns `Some` or `limit` passes (a bounded wait on a state, not a timing
/// assertion).
fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn has_vpcd_reader() -> Option<bool> {
    list_readers()
        .ok()
        .map(|r| r.iter().any(|n| n == VPCD_READER))
}

fn start_pcscd(bin: &Path) -> Result<Daemon, String> {
    match has_vpcd_reader() {
        Some(true) => return Ok(Daemon(None)),
        Some(false) => return Err("pcscd is running without the vpcd reader".into()),
        None => {}
    }
    let child = Command::new(bin)
        .arg("--foreground")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut daemon = Daemon(Some(child));
    let up = wait_for(Duration::from_secs(10), || {
        if let Some(Ok(Some(status))) = daemon.0.as_mut().map(Child::try_wait) {
            return Some(Err(format!(
                "pcscd exited with {status} (it needs to create /run/pcscd)"
            )));
        }
        has_vpcd_reader().filter(|&b| b).map(Ok)
    });
    match up {
        Some(Ok(_)) => Ok(daemon),
        Some(Err(why)) => Err(why),
        None => Err("the vpcd reader did not appear within 10 s".into()),
    }
}

/// A simulated card served to vpcd on a thread until `stop`.
struct Plugged {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<usize>>,
}

impl Plugged {
    fn new(card: SimulatedCard) -> Plugged {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut v = wait_for(Duration::from_secs(10), || {
                VirtualCard::connect(("127.0.0.1", VPCD_PORT), card.clone()).ok()
            })
            .expect("vpcd accepts the virtual card");
            v.serve_until(&flag).expect("serving the virtual card");
            v.exchanged()
        });
        Plugged {
            stop,
            thread: Some(thread),
        }
    }

    fn unplug(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .map(|t| t.join().expect("virtual card thread"))
            .unwrap_or(0)
    }
}

impl Drop for Plugged {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/cards")
        .join(name)
}

#[test]
fn reads_corpus_cards_through_pcscd_and_vpcd() {
    let Some(bin) = find_pcscd() else {
        omacp_testkit::skip!("pcscd not installed (Debian package pcscd)");
    };
    if !Path::new("/etc/reader.conf.d/vpcd").exists() {
        omacp_testkit::skip!("vsmartcard-vpcd not installed (/etc/reader.conf.d/vpcd missing)");
    }
    let _daemon = match start_pcscd(&bin) {
        Ok(d) => d,
        Err(why) => {
            omacp_testkit::skip!("{why}");
        }
    };
    for name in ["usim-full.card", "sim-bootstrap.card", "isim.card"] {
        let img = CardImage::load(&corpus(name)).unwrap();
        let direct = read_provisioning(
            &mut SimulatedCard::new(&img).unwrap(),
            &ReadOptions::default(),
        )
        .unwrap();
        let plugged = Plugged::new(SimulatedCard::new(&img).unwrap());
        let mut card = wait_for(Duration::from_secs(10), || {
            PcscCard::connect(VPCD_READER).ok()
        })
        .unwrap_or_else(|| panic!("{name}: no card in {VPCD_READER}"));
        assert_eq!(card.atr(), img.atr, "{name}");
        assert_eq!(
            card.protocol_name(),
            "T=0",
            "{name}: the default ATR offers T=0 only"
        );
        let via = read_provisioning(&mut card, &ReadOptions::default()).unwrap();
        assert_eq!(via.platform, direct.platform, "{name}");
        assert_eq!(via.imsi, direct.imsi, "{name}");
        assert_eq!(via.documents, direct.documents, "{name}");
        assert_eq!(via.notes, direct.notes, "{name}");
        assert!(!via.documents.is_empty(), "{name}");
        drop(card);
        let exchanged = plugged.unplug();
        assert_eq!(
            exchanged, direct.apdus,
            "{name}: every APDU went through vpcd"
        );
        // The next card must not find this one still in the reader. Connecting to the
        // unplugged card would leave pcscd's reader state stale, so only ask pcscd.
        wait_for(Duration::from_secs(10), || {
            (card_present(VPCD_READER).ok() == Some(false)).then_some(())
        })
        .unwrap_or_else(|| panic!("{name}: card still present after unplugging"));
    }
}
