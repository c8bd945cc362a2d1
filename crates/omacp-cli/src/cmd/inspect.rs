//! `omacp inspect`: show every layer of a push, SMS → WDP → WSP → SEC/MAC → document.
//!
//! Input is detected from its bytes: a pcap (by magic), hex text (one item per line: SMS user
//! data `UDH‖data`, an SMS-SUBMIT/DELIVER TPDU, a push PDU, or a document), a binary push PDU
//! (second byte 0x06), an XML document, or bare WBXML. Segments are reassembled the way a
//! handset does it (`omacp_bearer::reassembly`).
//!
//! Exit codes: 0 every push verified and every document valid; 1 a MAC failed, a push is
//! unsigned or could not be verified for lack of `--imsi`/`--pin` ("not verified"), a
//! document is invalid, or the push is not a provisioning document; 2 the input (or a layer
//! of it) cannot be decoded, or a concatenated message is incomplete. A bare document
//! (WBXML or XML, no push around it) has no security layer: only its validity counts.

use anyhow::{Context, bail};
use omacp_bearer::pcap::{self, Payload};
use omacp_bearer::reassembly::{Datagram, Limits, Millis, Outcome, Reassembler};
use omacp_bearer::sms::Tpdu;
use omacp_bearer::wdp::{Segment, WAP_PUSH_PORT, Width};
use omacp_bearer::wsp::{
    AppId, CT_CONNECTIVITY_WBXML, CT_CONNECTIVITY_XML, ContentType, Header, Media, Param, PushPdu,
    Value, pdu_type_name,
};
use omacp_sec::{Credentials, Verdict};
use serde_json::{Value as Json, json};

use super::Exit;
use crate::args::InspectArgs;
use crate::input::{Kind, MAX_RECORDS, classify};
use crate::io::read_input;

/// Runs `omacp inspect`.
pub fn run(a: InspectArgs) -> anyhow::Result<Exit> {
    let input = read_input(&a.input)?;
    let (imsi, pin) = super::key_material(a.imsi.as_deref(), a.pin.as_deref())?;
    let creds = Credentials {
        imsi: imsi.as_ref(),
        pin: pin.as_ref(),
    };
    let mut r = Report {
        text: Vec::new(),
        json: json!({}),
        exit: Exit::Ok,
    };
    if let Err(e) = inspect(&input, &creds, &mut r) {
        r.fail(Exit::Unreadable, format!("error: {e:#}"));
        r.json["error"] = json!(format!("{e:#}"));
    }
    r.json["exit"] = json!(code(r.exit));
    if a.json {
        crate::io::print_line(&serde_json::to_string_pretty(&r.json)?)?;
    } else {
        crate::io::print_line(&r.text.join("\n"))?;
    }
    Ok(r.exit)
}

struct Report {
    text: Vec<String>,
    json: Json,
    exit: Exit,
}

impl Report {
    fn line(&mut self, s: impl Into<String>) {
        self.text.push(s.into());
    }

    /// Records a problem and keeps the worst exit code.
    fn fail(&mut self, exit: Exit, s: impl Into<String>) {
        self.line(s);
        if code(exit) > code(self.exit) {
            self.exit = exit;
        }
    }

    fn push_json(&mut self, key: &str, v: Json) {
        match self.json.get_mut(key).and_then(Json::as_array_mut) {
            Some(a) => a.push(v),
            None => self.json[key] = json!([v]),
        }
    }
}

fn code(e: Exit) -> u8 {
    match e {
        Exit::Ok => 0,
        Exit::Invalid => 1,
        Exit::Unreadable => 2,
        Exit::NeedsInput => 3,
    }
}

fn inspect(input: &[u8], creds: &Credentials<'_>, r: &mut Report) -> anyhow::Result<()> {
    let kind = classify(input);
    if kind != Kind::Pcap {
        r.json["input"] = json!(kind.label());
    }
    let mut wdp = Wdp::new();
    match kind {
        Kind::Pcap => return inspect_pcap(input, creds, r),
        Kind::Segments(lines) => {
            r.line(format!(
                "input: {} SMS user data segment(s) (hex)",
                lines.len()
            ));
            for (i, l) in lines.iter().enumerate() {
                let seg = Segment::decode(l)
                    .with_context(|| format!("line {}: not SMS user data", i + 1))?;
                wdp.segment(i, b"", &seg, r)?;
            }
        }
        Kind::Tpdus(lines) => {
            r.line(format!("input: {} SMS TPDU(s) (hex)", lines.len()));
            for (i, l) in lines.iter().enumerate() {
                wdp.tpdu(i, l, r)
                    .with_context(|| format!("line {}", i + 1))?;
            }
        }
        Kind::PushHex(lines) => {
            for (i, l) in lines.iter().enumerate() {
                r.line(format!(
                    "input: WSP push PDU {} ({} bytes, hex)",
                    i + 1,
                    l.len()
                ));
                push(l, creds, r)?;
            }
            return Ok(());
        }
        Kind::WbxmlHex(doc) => {
            r.line(format!(
                "input: WBXML document ({} bytes, hex; no security layer)",
                doc.len()
            ));
            return document(&doc, Media::WellKnown(CT_CONNECTIVITY_WBXML), r);
        }
        Kind::Xml => {
            r.line("input: XML document (no push around it: no security layer)");
            return document(input, Media::WellKnown(CT_CONNECTIVITY_XML), r);
        }
        Kind::Push => {
            r.line(format!("input: WSP push PDU ({} bytes)", input.len()));
            return push(input, creds, r);
        }
        Kind::Wbxml => {
            r.line(format!(
                "input: WBXML document ({} bytes; no push around it: no security layer)",
                input.len()
            ));
            return document(input, Media::WellKnown(CT_CONNECTIVITY_WBXML), r);
        }
    }
    wdp.finish(creds, r)
}

fn inspect_pcap(input: &[u8], creds: &Credentials<'_>, r: &mut Report) -> anyhow::Result<()> {
    let cap = pcap::read(input, MAX_RECORDS)?;
    r.json["input"] = json!("pcap");
    r.line(format!(
        "input: pcap, link type {}, {} record(s)",
        cap.linktype,
        cap.records.len()
    ));
    let mut wdp = Wdp::new();
    for (i, rec) in cap.records.iter().enumerate() {
        match rec
            .payload(cap.linktype)
            .with_context(|| format!("record {}", i + 1))?
        {
            Payload::Udp { flow, data } => {
                let d = Datagram {
                    originator: originator(&flow.src),
                    ports: None,
                    data: data.to_vec(),
                };
                r.line(format!(
                    "UDP {}:{} -> {}:{}: {} bytes",
                    ip(&flow.src),
                    flow.src_port,
                    ip(&flow.dst),
                    flow.dst_port,
                    data.len()
                ));
                r.push_json("wdp", json!({"udp": {"src_port": flow.src_port, "dst_port": flow.dst_port, "len": data.len()}}));
                wdp.done.push((d, Some(flow.dst_port)));
            }
            Payload::Exported {
                dissector: "gsm_sms",
                data,
                ..
            } => wdp
                .tpdu(i, data, r)
                .with_context(|| format!("record {}", i + 1))?,
            Payload::Exported { dissector, .. } => bail!(
                "record {}: exported PDU for {dissector:?}, not gsm_sms",
                i + 1
            ),
        }
    }
    wdp.finish(creds, r)
}

fn ip(a: &[u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

fn originator(b: &[u8]) -> omacp_bearer::reassembly::Originator {
    omacp_bearer::reassembly::Originator::new(b)
        .unwrap_or_else(|| omacp_bearer::reassembly::Originator::new(b"").expect("empty fits"))
}

/// The WDP layer: reassembly of segments into datagrams.
struct Wdp {
    re: Reassembler,
    done: Vec<(Datagram, Option<u16>)>,
}

impl Wdp {
    fn new() -> Wdp {
        Wdp {
            re: Reassembler::new(Limits::HANDSET),
            done: Vec::new(),
        }
    }

    fn tpdu(&mut self, i: usize, bytes: &[u8], r: &mut Report) -> anyhow::Result<()> {
        let t = Tpdu::decode(bytes)?;
        let (kind, addr, extra, party) = match &t {
            Tpdu::Submit(s) => (
                "SMS-SUBMIT",
                &s.destination,
                format!("MR={} DA", s.message_reference),
                "destination",
            ),
            Tpdu::Deliver(d) => ("SMS-DELIVER", &d.originator, "OA".to_string(), "originator"),
        };
        let dcs = t.dcs();
        let ud = t.user_data();
        r.line(format!(
            "SMS {}: {kind} {extra}={}{} TOA={:02X} DCS={:02X} ({:?}) UDHI={} UDL={}",
            i + 1,
            if addr.toa() == 0x91 { "+" } else { "" },
            addr.value(),
            addr.toa(),
            dcs.0,
            dcs.coding().alphabet,
            t.udhi(),
            ud.udl()
        ));
        r.push_json("sms", json!({"type": kind, party: addr.value(), "toa": addr.toa(), "dcs": dcs.0, "udhi": t.udhi(), "udl": ud.udl()}));
        if !t.udhi() {
            bail!("TP-UDHI is not set: no UDH, so not a WAP push");
        }
        let seg = Segment::decode(ud.octets())?;
        self.segment(i, addr.value().as_bytes(), &seg, r)
    }

    fn segment(
        &mut self,
        i: usize,
        from: &[u8],
        seg: &Segment<'_>,
        r: &mut Report,
    ) -> anyhow::Result<()> {
        let ports = seg
            .ports()
            .map(|p| format!("ports {} -> {}", p.src, p.dst))
            .unwrap_or_else(|| "no ports".into());
        let concat = seg.concat().map(|c| {
            let w = if c.width == Width::Bits8 { 8 } else { 16 };
            format!(
                ", concat ref {:#x} ({w}-bit) part {}/{}",
                c.reference, c.seq, c.total
            )
        });
        r.line(format!(
            "  WDP: {ports}{}, {} data bytes",
            concat.unwrap_or_default(),
            seg.payload.len()
        ));
        r.push_json("wdp", json!({
            "ports": seg.ports().map(|p| json!({"src": p.src, "dst": p.dst})),
            "concat": seg.concat().map(|c| json!({"ref": c.reference, "total": c.total, "seq": c.seq})),
            "len": seg.payload.len(),
        }));
        match self.re.handle(Millis(i as u64), from, seg) {
            Outcome::Complete(d) => {
                let dst = d.ports.map(|p| p.dst);
                self.done.push((d, dst));
            }
            Outcome::Stored { .. } => {}
            Outcome::Duplicate => r.line("  (duplicate segment, ignored)"),
            Outcome::Rejected(e) => bail!("segment {} refused by reassembly: {e}", i + 1),
            other => bail!("segment {}: {other:?}", i + 1),
        }
        Ok(())
    }

    fn finish(self, creds: &Credentials<'_>, r: &mut Report) -> anyhow::Result<()> {
        if self.re.pending() > 0 {
            r.fail(
                Exit::Unreadable,
                format!(
                    "WDP: {} incomplete concatenated message(s): segments missing",
                    self.re.pending()
                ),
            );
        }
        if self.done.is_empty() {
            bail!("no complete datagram");
        }
        for (d, dst) in &self.done {
            r.line(format!(
                "WDP datagram: {} bytes{}",
                d.data.len(),
                dst.map(|p| format!(" to port {p}")).unwrap_or_default()
            ));
            if dst.is_some_and(|p| p != WAP_PUSH_PORT) {
                r.line(format!(
                    "  note: destination port is not {WAP_PUSH_PORT} (WAP connectionless push)"
                ));
            }
            if let Err(e) = push(&d.data, creds, r) {
                r.fail(Exit::Unreadable, format!("error: {e:#}"));
            }
        }
        Ok(())
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn media_name(m: &Media<'_>) -> String {
    match m {
        Media::WellKnown(CT_CONNECTIVITY_WBXML) => {
            format!("{} (0x36)", omacp_bearer::wsp::CONNECTIVITY_WBXML)
        }
        Media::WellKnown(CT_CONNECTIVITY_XML) => {
            format!("{} (0x35)", omacp_bearer::wsp::CONNECTIVITY_XML)
        }
        Media::WellKnown(c) => format!("well-known content type {c:#04x}"),
        Media::Text(t) => text(t),
    }
}

fn value(v: &Value<'_>) -> String {
    match v {
        Value::Short(n) => format!("{n}"),
        Value::Text(t) => format!("{:?}", text(t)),
        Value::Data(d) => format!("0x{}", omacp_wire::hex::encode_upper(d)),
    }
}

fn param(p: &Param<'_>) -> String {
    match p {
        Param::Sec(m) => format!("SEC={m}"),
        Param::Mac(t) => format!("MAC={}", text(t)),
        Param::Typed { token, value: v } => format!("param {token:#04x}={}", value(v)),
        Param::Untyped { name, value: v } => format!("{}={}", text(name), value(v)),
    }
}

fn header(h: &Header<'_>) -> String {
    match h {
        Header::ContentLocation(u) => format!("Content-Location: {}", text(u)),
        Header::ApplicationId(AppId::Code(c)) => format!("X-Wap-Application-Id: {c:#x}"),
        Header::ApplicationId(AppId::Uri(u)) => format!("X-Wap-Application-Id: {}", text(u)),
        Header::ContentUri(u) => format!("X-Wap-Content-URI: {}", text(u)),
        Header::InitiatorUri(u) => format!("X-Wap-Initiator-URI: {}", text(u)),
        Header::PushFlag(f) => format!(
            "Push-Flag: {f:#04x}{}{}{}",
            if f & 1 != 0 {
                " initiator-authenticated"
            } else {
                ""
            },
            if f & 2 != 0 { " trusted" } else { "" },
            if f & 4 != 0 { " last" } else { "" }
        ),
        Header::WellKnown { code, value: v } => format!("header {code:#04x}: {}", value(v)),
        Header::Application { name, value: v } => format!("{}: {}", text(name), value(v)),
        Header::Shift(p) => format!("(shift to header page {p})"),
    }
}

/// WSP → SEC/MAC → document, for one datagram.
fn push(bytes: &[u8], creds: &Credentials<'_>, r: &mut Report) -> anyhow::Result<()> {
    let pdu = PushPdu::decode(bytes)?;
    let ct: &ContentType<'_> = &pdu.content_type;
    r.line(format!(
        "WSP: TID {:#04x} {}, headers {} bytes, body {} bytes",
        pdu.tid,
        pdu_type_name(0x06).unwrap_or("Push"),
        pdu.headers_len(),
        pdu.body.len()
    ));
    r.line(format!("  Content-Type: {}", media_name(&ct.media)));
    for p in &ct.params {
        r.line(format!("    {}", param(p)));
    }
    for h in &pdu.headers {
        r.line(format!("  {}", header(h)));
    }
    let verdict = pdu.verify(creds);
    let (status, line) = match verdict {
        Verdict::Verified { method } => ("verified", format!("Security: verified ({method})")),
        Verdict::Unsigned => (
            "unsigned",
            "Security: UNSIGNED (no SEC/MAC): a phone must not trust this document".to_string(),
        ),
        Verdict::Failed(reason) if reason.is_missing_credentials() => (
            "not-verified",
            format!(
                "Security: NOT VERIFIED ({} claimed): {reason}",
                pdu.sec().map(|m| m.to_string()).unwrap_or_default()
            ),
        ),
        Verdict::Failed(reason) => ("failed", format!("Security: FAILED: {reason}")),
    };
    if verdict.is_verified() {
        r.line(line);
    } else {
        r.fail(Exit::Invalid, line);
    }
    r.push_json("pushes", json!({
        "wsp": {
            "tid": pdu.tid,
            "content_type": media_name(&ct.media),
            "params": ct.params.iter().map(param).collect::<Vec<_>>(),
            "headers": pdu.headers.iter().map(header).collect::<Vec<_>>(),
            "sec": pdu.sec().map(|m| m.to_string()),
            "mac": pdu.mac().map(text),
            "push_flag": pdu.push_flag(),
            "initiator_uri": pdu.initiator_uri().map(text),
            "body_len": pdu.body.len(),
        },
        "security": {
            "status": status,
            "method": pdu.sec().map(|m| m.to_string()),
            "reason": match verdict { Verdict::Failed(reason) => Some(reason.to_string()), _ => None },
        },
    }));
    if !ct.is_provisioning() {
        r.fail(
            Exit::Invalid,
            "Document: not a provisioning document (content type is not connectivity-wbxml/xml)",
        );
        return Ok(());
    }
    let media = match ct.media {
        Media::WellKnown(CT_CONNECTIVITY_XML) => Media::WellKnown(CT_CONNECTIVITY_XML),
        Media::Text(t)
            if t.eq_ignore_ascii_case(omacp_bearer::wsp::CONNECTIVITY_XML.as_bytes()) =>
        {
            Media::WellKnown(CT_CONNECTIVITY_XML)
        }
        _ => Media::WellKnown(CT_CONNECTIVITY_WBXML),
    };
    document(pdu.body, media, r)
}

/// Decodes and validates the document; its JSON goes into the last push (or the top level).
fn document(body: &[u8], media: Media<'_>, r: &mut Report) -> anyhow::Result<()> {
    let doc = if media == Media::WellKnown(CT_CONNECTIVITY_XML) {
        omacp_doc::xml::parse_bytes(body).context("document (XML)")?
    } else {
        omacp_wbxml::decode(body, &Default::default())
            .context("document (WBXML)")?
            .document
    };
    let report = omacp_doc::validate::validate(&doc);
    let xml = omacp_doc::xml::to_string(&doc);
    let valid = report.is_valid();
    let j = json!({"valid": valid, "xml": xml, "diagnostics": serde_json::to_value(&report)?["diagnostics"].clone()});
    match r
        .json
        .get_mut("pushes")
        .and_then(Json::as_array_mut)
        .and_then(|a| a.last_mut())
    {
        Some(p) => p["document"] = j,
        None => r.json["document"] = j,
    }
    if valid {
        r.line(format!(
            "Document: valid ({} diagnostic(s))",
            report.diagnostics.len()
        ));
    } else {
        r.fail(Exit::Invalid, "Document: INVALID");
    }
    for d in &report.diagnostics {
        r.line(format!("  {d}"));
    }
    r.line(xml.trim_end().to_string());
    Ok(())
}
