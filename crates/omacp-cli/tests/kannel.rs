//! Kannel 1.4.5 as an independent sender: `sendota` (smsbox HTTP, `X-Kannel-SEC`/`-PIN`)
//! builds a signed CP push, bearerbox splits it into SMS for an `smsc = fake` connection, and
//! Kannel's `fakesmsc` prints what it receives. We decode that with `omacp inspect` and check
//! the MAC.
//!
//! Kannel keys NETWPIN with its `pin` string verbatim; it does not derive the IMSI
//! semi-octet key (dependencies.md). To test NETWPIN anyway we pick an IMSI whose semi-octet
//! key happens to be printable ASCII and hand Kannel that key as the "PIN".
//!
//! Everything binds 127.0.0.1 on free ports, every wait is bounded, and the Kannel processes
//! are killed when the test ends (also on panic). Skips when Kannel or `fakesmsc`
//! (Debian `kannel-extras`) is not installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use omacp_bearer::reassembly::{Limits, Millis, Outcome, Reassembler};
use omacp_bearer::wdp::Segment;
use omacp_bearer::wsp::PushPdu;
use omacp_sec::{Credentials, Imsi, MacKey, Pin, SecMethod, Verdict};
use omacp_testkit::peers::Scratch;
use omacp_testkit::skip;
use omacp_testkit::vectors::{EXAMPLE_WBXML, EXAMPLE_XML};

const WAIT: Duration = Duration::from_secs(20);

fn tool(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_listening(port: u16) -> bool {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Kills the Kannel processes when dropped.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

struct Kannel {
    _procs: Procs,
    sendsms: u16,
    received: mpsc::Receiver<String>,
    _dir: Scratch,
}

impl Kannel {
    fn start() -> Option<Kannel> {
        let bearerbox = tool("OMACP_BEARERBOX", &["/usr/sbin/bearerbox"])?;
        let smsbox = tool("OMACP_SMSBOX", &["/usr/sbin/smsbox"])?;
        let fakesmsc = tool("OMACP_FAKESMSC", &["/usr/lib/kannel/test/fakesmsc"])?;
        let dir = Scratch::new("kannel");
        let (admin, boxp, smsc, sendsms) = (free_port(), free_port(), free_port(), free_port());
        let conf = dir.path("kannel.conf");
        let log = |n: &str| dir.path(n).display().to_string();
        std::fs::write(
            &conf,
            format!(
                "group = core\nadmin-port = {admin}\nadmin-password = omacp\nadmin-interface = 127.0.0.1\n\
                 smsbox-port = {boxp}\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\n\
                 log-file = \"{}\"\nlog-level = 1\n\n\
                 group = smsc\nsmsc = fake\nsmsc-id = fake\nport = {smsc}\nconnect-allow-ip = 127.0.0.1\n\n\
                 group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxp}\n\
                 sendsms-port = {sendsms}\nsendsms-interface = 127.0.0.1\nlog-file = \"{}\"\nlog-level = 1\n\n\
                 group = sendsms-user\nusername = omacp\npassword = omacp\nmax-messages = 10\nconcatenation = true\n",
                log("bearerbox.log"),
                log("smsbox.log"),
            ),
        )
        .expect("write kannel.conf");
        let quiet = |c: &mut Command| {
            c.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
        };
        let mut procs = Procs(Vec::new());
        let mut bb = Command::new(&bearerbox);
        bb.arg(&conf);
        quiet(&mut bb);
        procs.0.push(bb.spawn().ok()?);
        assert!(
            wait_listening(boxp),
            "bearerbox did not open its smsbox port"
        );
        assert!(
            wait_listening(smsc),
            "bearerbox did not open its fake SMSC port"
        );

        let mut fs = Command::new(&fakesmsc);
        fs.args([
            "-H",
            "127.0.0.1",
            "-r",
            &smsc.to_string(),
            "-m",
            "0",
            "1 2 text unused",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = fs.spawn().ok()?;
        let err = child.stderr.take().expect("piped stderr");
        procs.0.push(child);
        let (tx, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                // "Got message N: <from to udh UDH data DATA>"
                if let Some(m) = line
                    .split_once("Got message")
                    .and_then(|(_, m)| m.split_once('<'))
                {
                    let _ = tx.send(m.1.trim_end_matches('>').to_string());
                }
            }
        });

        let mut sb = Command::new(&smsbox);
        sb.arg(&conf);
        quiet(&mut sb);
        procs.0.push(sb.spawn().ok()?);
        assert!(
            wait_listening(sendsms),
            "smsbox did not open its sendsms port"
        );
        Some(Kannel {
            _procs: procs,
            sendsms,
            received,
            _dir: dir,
        })
    }

    /// POSTs the document to `/cgi-bin/sendota` and returns the SMS user data it sent
    /// (UDH ‖ data), one entry per SMS.
    fn sendota(&self, sec: &str, pin: &str, xml: &str) -> Vec<Vec<u8>> {
        let mut s = TcpStream::connect(("127.0.0.1", self.sendsms)).expect("connect smsbox");
        s.set_read_timeout(Some(WAIT)).unwrap();
        write!(
            s,
            "POST /cgi-bin/sendota HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Kannel-Username: omacp\r\n\
             X-Kannel-Password: omacp\r\nX-Kannel-To: 358401234567\r\nX-Kannel-From: 12345\r\n\
             X-Kannel-SEC: {sec}\r\nX-Kannel-PIN: {pin}\r\nContent-Type: text/vnd.wap.connectivity-xml\r\n\
             Content-Length: {}\r\n\r\n{xml}",
            xml.len()
        )
        .unwrap();
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        assert!(resp.contains("Accepted"), "sendota refused: {resp}");

        let mut parts = Vec::new();
        loop {
            let line = self
                .received
                .recv_timeout(WAIT)
                .expect("fakesmsc received the push");
            let f: Vec<&str> = line.split(' ').collect();
            assert!(
                f.len() >= 6 && f[2] == "udh",
                "unexpected fakesmsc line: {line}"
            );
            let mut ud = url_decode(f[3]);
            ud.extend(url_decode(f[5]));
            let seg = Segment::decode(&ud).expect("Kannel's UDH decodes");
            let (seq, total) = seg.concat().map_or((1, 1), |c| (c.seq, c.total));
            parts.push(ud);
            if seq == total {
                return parts;
            }
        }
    }
}

fn url_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(h.expect("valid %XX escape"));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Reassembles with the library and returns the datagram.
fn reassemble(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut re = Reassembler::new(Limits::HANDSET);
    for (i, p) in parts.iter().enumerate() {
        if let Outcome::Complete(d) =
            re.handle(Millis(i as u64), b"kannel", &Segment::decode(p).unwrap())
        {
            return d.data;
        }
    }
    panic!("Kannel's segments did not reassemble");
}

fn inspect(parts: &[Vec<u8>], args: &[&str]) -> (i32, String) {
    let dir = Scratch::new("kannel-inspect");
    let file = dir.path("segments.txt");
    let text: String = parts
        .iter()
        .map(|p| omacp_wire::hex::encode_upper(p) + "\n")
        .collect();
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_omacp"))
        .arg("inspect")
        .arg(&file)
        .args(args)
        .output()
        .expect("run omacp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn kannel_sendota_userpin_and_netwpin_verify() {
    let Some(kannel) = Kannel::start() else {
        skip!(
            "Kannel bearerbox/smsbox or /usr/lib/kannel/test/fakesmsc (kannel-extras) not installed"
        );
    };

    // USERPIN: the key is the PIN as typed, as in ProvBoot.
    let parts = kannel.sendota("USERPIN", "1234", EXAMPLE_XML);
    assert!(parts.len() >= 2, "a signed 113-byte document needs two SMS");
    let datagram = reassemble(&parts);
    let pdu = PushPdu::decode(&datagram).expect("Kannel's push decodes");
    assert_eq!(pdu.sec(), Some(SecMethod::UserPin));
    // Kannel's XML compiler gives the same WBXML as libwbxml, hence security.md §5.3's MAC.
    assert_eq!(pdu.body, &EXAMPLE_WBXML[..]);
    assert_eq!(
        pdu.mac(),
        Some(&b"AE91AA316F8A9BABFA989B7FFAA739A72B928F5A"[..])
    );
    let pin = Pin::parse("1234").unwrap();
    assert_eq!(
        pdu.verify(&Credentials {
            imsi: None,
            pin: Some(&pin)
        }),
        Verdict::Verified {
            method: SecMethod::UserPin
        }
    );
    let (code, out) = inspect(&parts, &["--pin", "1234"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Security: verified (USERPIN)"), "{out}");
    assert_eq!(inspect(&parts, &["--pin", "4321"]).0, 1);

    // NETWPIN: Kannel uses its PIN string as the key; give it our IMSI-derived key.
    let imsi = Imsi::parse("304152637435465").unwrap();
    let key = MacKey::netwpin(&imsi);
    assert_eq!(
        key.as_bytes(),
        b"9@Qbs4EV",
        "IMSI chosen so its semi-octet key is printable"
    );
    let parts = kannel.sendota("NETWPIN", "9@Qbs4EV", EXAMPLE_XML);
    let pdu_bytes = reassemble(&parts);
    let pdu = PushPdu::decode(&pdu_bytes).unwrap();
    assert_eq!(pdu.sec(), Some(SecMethod::NetwPin));
    assert_eq!(
        pdu.verify(&Credentials {
            imsi: Some(&imsi),
            pin: None
        }),
        Verdict::Verified {
            method: SecMethod::NetwPin
        }
    );
    let (code, out) = inspect(&parts, &["--imsi", "304152637435465"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Security: verified (NETWPIN)"), "{out}");
    assert_eq!(inspect(&parts, &["--imsi", "304152637435466"]).0, 1);
}
