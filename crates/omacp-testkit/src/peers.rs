//! Runners for independent implementations, reached only through their command-line
//! tools so that an environment variable could swap them (`OMACP_XML2WBXML`,
//! `OMACP_WBXML2XML`, `OMACP_TSHARK`).

use omacp_bearer::pcap::{LINKTYPE_WIRESHARK_UPPER_PDU, PcapTime, PcapWriter};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn find_tool(env: &str, name: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A scratch directory removed on drop.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty directory under the system temp dir.
    pub fn new(tag: &str) -> Scratch {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("omacp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch dir");
        Scratch(p)
    }

    /// A path inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// libwbxml 0.11's command-line converters (Debian `libwbxml2-utils`).
#[derive(Debug, Clone)]
pub struct Libwbxml {
    xml2wbxml: PathBuf,
    wbxml2xml: PathBuf,
}

/// What a peer run produced when it failed.
#[derive(Debug)]
pub struct PeerFailure {
    /// The command line.
    pub command: String,
    /// Its stderr and stdout.
    pub output: String,
}

impl std::fmt::Display for PeerFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.command, self.output)
    }
}

fn run(cmd: &mut Command) -> Result<Vec<u8>, PeerFailure> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| PeerFailure {
        command: format!("{cmd:?}"),
        output: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(PeerFailure {
            command: format!("{cmd:?}"),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ),
        });
    }
    Ok(out.stdout)
}

impl Libwbxml {
    /// Both tools, or `None` when libwbxml2-utils is not installed.
    pub fn find() -> Option<Libwbxml> {
        Some(Libwbxml {
            xml2wbxml: find_tool("OMACP_XML2WBXML", "xml2wbxml")?,
            wbxml2xml: find_tool("OMACP_WBXML2XML", "wbxml2xml")?,
        })
    }

    /// XML text → WBXML 1.3, with or without libwbxml's string table.
    pub fn xml2wbxml(&self, xml: &str, string_table: bool) -> Result<Vec<u8>, PeerFailure> {
        let dir = Scratch::new("xml2wbxml");
        let (inp, out) = (dir.path("in.xml"), dir.path("out.wbxml"));
        std::fs::write(&inp, xml).expect("write input");
        let mut cmd = Command::new(&self.xml2wbxml);
        cmd.args(["-v", "1.3"]);
        if !string_table {
            cmd.arg("-n");
        }
        cmd.arg("-o").arg(&out).arg(&inp);
        run(&mut cmd)?;
        Ok(std::fs::read(&out).expect("xml2wbxml output"))
    }

    /// WBXML → XML text, forcing the PROV 1.0 language (`-l PROV10`).
    pub fn wbxml2xml(&self, wbxml: &[u8]) -> Result<String, PeerFailure> {
        let dir = Scratch::new("wbxml2xml");
        let (inp, out) = (dir.path("in.wbxml"), dir.path("out.xml"));
        std::fs::write(&inp, wbxml).expect("write input");
        run(Command::new(&self.wbxml2xml)
            .args(["-l", "PROV10", "-o"])
            .arg(&out)
            .arg(&inp))?;
        Ok(String::from_utf8_lossy(&std::fs::read(&out).expect("wbxml2xml output")).into_owned())
    }
}

/// Kannel's OTA compiler driver (`/usr/lib/kannel/test/test_ota`, Debian `kannel`): the
/// XML → WBXML compiler that Kannel's `sendota` uses.
#[derive(Debug, Clone)]
pub struct KannelOta {
    bin: PathBuf,
}

impl KannelOta {
    /// `test_ota`, or `None` when Kannel is not installed.
    pub fn find() -> Option<KannelOta> {
        let bin = std::env::var_os("OMACP_KANNEL_TEST_OTA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/lib/kannel/test/test_ota"));
        bin.is_file().then_some(KannelOta { bin })
    }

    /// XML text → WBXML as Kannel compiles it.
    pub fn compile(&self, xml: &str) -> Result<Vec<u8>, PeerFailure> {
        let dir = Scratch::new("test_ota");
        let (inp, out) = (dir.path("in.xml"), dir.path("out.wbxml"));
        std::fs::write(&inp, xml).expect("write input");
        run(Command::new(&self.bin).arg("-f").arg(&out).arg(&inp))?;
        Ok(std::fs::read(&out).expect("test_ota output"))
    }
}

/// Wireshark's command-line dissector.
#[derive(Debug, Clone)]
pub struct Tshark {
    bin: PathBuf,
}

impl Tshark {
    /// `tshark`, or `None` when it is not installed.
    pub fn find() -> Option<Tshark> {
        Some(Tshark {
            bin: find_tool("OMACP_TSHARK", "tshark")?,
        })
    }

    /// Runs tshark on a capture file with extra arguments; returns stdout.
    pub fn read(&self, pcap: &Path, args: &[&str]) -> Result<String, PeerFailure> {
        let out = run(Command::new(&self.bin).arg("-r").arg(pcap).args(args))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Decodes a bare WBXML document with Wireshark's WBXML dissector: the bytes are
    /// wrapped in one exported-PDU record (link type 252) naming the `wbxml`
    /// dissector, and tshark's verbose tree (`-V -O wbxml`) is returned.
    pub fn dissect_wbxml(&self, wbxml: &[u8]) -> Result<String, PeerFailure> {
        let dir = Scratch::new("tshark");
        let pcap = dir.path("doc.pcap");
        let mut w = PcapWriter::new(LINKTYPE_WIRESHARK_UPPER_PDU);
        w.exported_pdu(PcapTime::default(), "wbxml", None, wbxml)
            .expect("exported PDU");
        std::fs::write(&pcap, w.into_bytes()).expect("write pcap");
        self.read(&pcap, &["-V", "-O", "wbxml"])
    }
}

/// Rebuilds a document from the "Rendering" column of tshark's WBXML tree
/// (`Tshark::dissect_wbxml`). Wireshark prints each token on a line: `<characteristic`,
/// `type='NAPDEF'`, `value=` followed by value pieces `'…'`, `>`, `/>`, `</…>`.
/// A token Wireshark does not know shows as `(Requested token not defined …)`; that is
/// returned as an error naming the line, so a test can say which peer defect it hit.
pub fn document_from_tshark(text: &str) -> Result<omacp_doc::Document, String> {
    use omacp_doc::{Characteristic, Document, Node, Parm};

    #[derive(Debug)]
    enum Open {
        Root(Document),
        Char(Characteristic),
        Parm(Parm),
    }
    let mut rows = text
        .lines()
        .skip_while(|l| !l.contains("WBXML Token Description"))
        .skip(1)
        .filter_map(|l| l.rsplit_once('|').map(|(_, r)| r.trim()))
        .filter(|r| !r.is_empty());
    let mut stack: Vec<Open> = Vec::new();
    let mut current_attr: Option<(String, String)> = None;
    let mut finished: Option<Document> = None;

    fn set_attr(top: &mut Open, name: &str, value: String) -> Result<(), String> {
        match (top, name) {
            (Open::Root(d), "version") => d.version = Some(value),
            (Open::Char(c), "type") => c.kind = value,
            (Open::Parm(p), "name") => p.name = value,
            (Open::Parm(p), "value") => p.value = Some(value),
            (t, n) => return Err(format!("attribute {n} on {t:?}")),
        }
        Ok(())
    }
    fn close(stack: &mut Vec<Open>, finished: &mut Option<Document>) -> Result<(), String> {
        let node = match stack.pop().ok_or("close with nothing open")? {
            Open::Root(d) => {
                *finished = Some(d);
                return Ok(());
            }
            Open::Char(c) => Node::Characteristic(c),
            Open::Parm(p) => Node::Parm(p),
        };
        match (stack.last_mut(), node) {
            (Some(Open::Root(d)), Node::Characteristic(c)) => d.characteristics.push(c),
            (Some(Open::Char(parent)), n) => parent.children.push(n),
            (parent, n) => return Err(format!("{n:?} inside {parent:?}")),
        }
        Ok(())
    }

    for r in rows.by_ref() {
        if r.starts_with("(Requested token") {
            return Err(format!("tshark could not render a token: {r}"));
        }
        let flush =
            |attr: &mut Option<(String, String)>, stack: &mut Vec<Open>| -> Result<(), String> {
                if let Some((n, v)) = attr.take() {
                    set_attr(stack.last_mut().ok_or("attribute outside element")?, &n, v)?;
                }
                Ok(())
            };
        if let Some(piece) = r.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            current_attr
                .as_mut()
                .ok_or_else(|| format!("value piece without attribute: {r}"))?
                .1
                .push_str(piece);
        } else if let Some(rest) = r.strip_prefix("</") {
            let _ = rest;
            flush(&mut current_attr, &mut stack)?;
            close(&mut stack, &mut finished)?;
        } else if r == "/>" {
            flush(&mut current_attr, &mut stack)?;
            close(&mut stack, &mut finished)?;
        } else if r == ">" {
            flush(&mut current_attr, &mut stack)?;
        } else if let Some(name) = r.strip_prefix('<') {
            flush(&mut current_attr, &mut stack)?;
            let name = name.trim_end_matches("/>").trim_end_matches('>');
            stack.push(match name {
                "wap-provisioningdoc" => Open::Root(Document::default()),
                "characteristic" => Open::Char(Characteristic::new("")),
                "parm" => Open::Parm(Parm {
                    name: String::new(),
                    value: None,
                }),
                other => return Err(format!("unexpected element {other}")),
            });
            if r.ends_with("/>") {
                close(&mut stack, &mut finished)?;
            }
        } else if let Some((name, val)) = r.split_once('=') {
            flush(&mut current_attr, &mut stack)?;
            let v = val
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(val);
            current_attr = Some((name.to_string(), v.to_string()));
        } else {
            return Err(format!("unrecognised tshark rendering: {r}"));
        }
    }
    finished.ok_or_else(|| "tshark output has no complete wap-provisioningdoc".to_string())
}

/// Kannel's bearerbox and smsbox with one SMPP 3.4 transceiver connection to an SMSC at
/// `127.0.0.1:smsc_port` (ours, in the tests): `sendota` and `sendsms` requests become
/// submit_sm there. The processes are killed on drop.
#[derive(Debug)]
pub struct KannelGateway {
    procs: Vec<std::process::Child>,
    /// smsbox's HTTP port (`/cgi-bin/sendota`, `/cgi-bin/sendsms`; user `omacp`/`omacp`).
    pub sendsms_port: u16,
    _dir: Scratch,
}

impl Drop for KannelGateway {
    fn drop(&mut self) {
        for c in self.procs.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_listening(port: u16, wait: std::time::Duration) -> bool {
    let end = std::time::Instant::now() + wait;
    while std::time::Instant::now() < end {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

impl KannelGateway {
    /// Starts bearerbox and smsbox (`OMACP_BEARERBOX`/`OMACP_SMSBOX` override the paths),
    /// binding to our SMSC as `system_id`/`password`. `None` when Kannel is not installed;
    /// panics if it is installed but does not come up.
    pub fn start(smsc_port: u16, system_id: &str, password: &str) -> Option<KannelGateway> {
        let bin = |env: &str, default: &str| {
            let p = std::env::var_os(env)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(default));
            p.is_file().then_some(p)
        };
        let bearerbox = bin("OMACP_BEARERBOX", "/usr/sbin/bearerbox")?;
        let smsbox = bin("OMACP_SMSBOX", "/usr/sbin/smsbox")?;
        let dir = Scratch::new("kannel-gw");
        let (admin, boxp, sendsms) = (free_port(), free_port(), free_port());
        let conf = dir.path("kannel.conf");
        let log = |n: &str| dir.path(n).display().to_string();
        std::fs::write(
            &conf,
            format!(
                "group = core\nadmin-port = {admin}\nadmin-password = omacp\nadmin-interface = 127.0.0.1\n\
                 smsbox-port = {boxp}\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\n\
                 log-file = \"{}\"\nlog-level = 2\ndlr-storage = internal\n\n\
                 group = smsc\nsmsc = smpp\nsmsc-id = omacp\nhost = 127.0.0.1\nport = {smsc_port}\n\
                 transceiver-mode = true\nsmsc-username = {system_id}\nsmsc-password = {password}\n\
                 system-type = \"\"\ninterface-version = 34\n\n\
                 group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {boxp}\n\
                 sendsms-port = {sendsms}\nsendsms-interface = 127.0.0.1\nlog-file = \"{}\"\nlog-level = 2\n\n\
                 group = sendsms-user\nusername = omacp\npassword = omacp\nmax-messages = 10\nconcatenation = true\n",
                log("bearerbox.log"),
                log("smsbox.log"),
            ),
        )
        .expect("write kannel.conf");
        let spawn = |bin: &PathBuf| {
            Command::new(bin)
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start a Kannel box")
        };
        let wait = std::time::Duration::from_secs(30);
        let mut gw = KannelGateway {
            procs: vec![spawn(&bearerbox)],
            sendsms_port: sendsms,
            _dir: dir,
        };
        assert!(
            wait_listening(boxp, wait),
            "bearerbox did not open its smsbox port"
        );
        gw.procs.push(spawn(&smsbox));
        assert!(
            wait_listening(sendsms, wait),
            "smsbox did not open its sendsms port"
        );
        // smsbox opens its HTTP port before it is connected to bearerbox and closes requests
        // unanswered until then: wait for any HTTP answer.
        let end = std::time::Instant::now() + wait;
        while std::time::Instant::now() < end {
            use std::io::{Read, Write};
            let answered = std::net::TcpStream::connect(("127.0.0.1", sendsms))
                .and_then(|mut s| {
                    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
                    s.write_all(b"GET /cgi-bin/sendsms HTTP/1.0\r\n\r\n")?;
                    let mut r = String::new();
                    s.read_to_string(&mut r)?;
                    Ok(r.starts_with("HTTP/"))
                })
                .unwrap_or(false);
            if answered {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(gw)
    }

    /// GETs `path` (e.g. a `/cgi-bin/sendsms?…` request) from smsbox; returns the answer.
    pub fn get(&self, path: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.sendsms_port))?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut resp = String::new();
        s.read_to_string(&mut resp)?;
        Ok(resp)
    }

    /// POSTs a CP document (XML) to `/cgi-bin/sendota` for `to`; returns Kannel's answer
    /// (it contains `Accepted` on success). `sec`/`pin` go to `X-Kannel-SEC`/`-PIN`.
    pub fn sendota(&self, to: &str, sec: &str, pin: &str, xml: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.sendsms_port))?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        write!(
            s,
            "POST /cgi-bin/sendota HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Kannel-Username: omacp\r\n\
             X-Kannel-Password: omacp\r\nX-Kannel-To: {to}\r\nX-Kannel-From: 12345\r\n\
             X-Kannel-SEC: {sec}\r\nX-Kannel-PIN: {pin}\r\nContent-Type: text/vnd.wap.connectivity-xml\r\n\
             Content-Length: {}\r\n\r\n{xml}",
            xml.len()
        )?;
        let mut resp = String::new();
        s.read_to_string(&mut resp)?;
        Ok(resp)
    }
}
