//! `omacp card read IMAGE|--reader NAME` and `omacp card readers`: the ProvSC walk over a card
//! image (through the simulated card) or a PC/SC reader. The IMSI is masked unless asked for.

use anyhow::Context;
use omacp_card::imsi::mask;
use omacp_card::split::Layout;
use omacp_card::{
    CardContents, CardImage, Platform, ReadOptions, Role, SimulatedCard, read_provisioning,
};
#[cfg(feature = "pcsc")]
use omacp_pcsc::PcscCard;
use serde_json::json;

use super::Exit;
use crate::args::{CardCommand, CardReadArgs, CardReadersArgs, PlatformArg};

/// Runs `omacp card …`.
pub fn run(command: CardCommand) -> anyhow::Result<Exit> {
    match command {
        CardCommand::Read(a) => read(a),
        CardCommand::Readers(a) => readers(a),
    }
}

fn platform(p: PlatformArg) -> Platform {
    match p {
        PlatformArg::Sim => Platform::Sim,
        PlatformArg::Usim => Platform::Usim,
        PlatformArg::Wim => Platform::Wim,
        PlatformArg::Ruim => Platform::Ruim,
        PlatformArg::Csim => Platform::Csim,
        PlatformArg::Isim => Platform::Isim,
    }
}

fn read(a: CardReadArgs) -> anyhow::Result<Exit> {
    let mut opts = ReadOptions {
        platform: a.platform.map(platform),
        strict: a.strict,
        provisioning_only: !a.any_document,
        ..ReadOptions::default()
    };
    for spec in &a.oids {
        let (oid, role) = spec.split_once('=').context("--oid takes OID=ROLE")?;
        let role: Role = role.parse().with_context(|| format!("--oid {spec}"))?;
        opts.roles.clear_role(role);
        opts.roles.set(
            oid.parse().with_context(|| format!("--oid {spec}"))?,
            role,
            Layout::Concatenated,
        );
    }
    let contents = match (&a.image, &a.reader) {
        (Some(path), _) => {
            let img =
                CardImage::load(path).with_context(|| format!("card image {}", path.display()))?;
            opts.platform = opts.platform.or(Some(img.platform));
            let mut card = SimulatedCard::new(&img)
                .with_context(|| format!("card image {}", path.display()))?;
            read_provisioning(&mut card, &opts)
                .with_context(|| format!("reading {}", path.display()))?
        }
        #[cfg(not(feature = "pcsc"))]
        (None, Some(_)) => anyhow::bail!(NO_PCSC),
        #[cfg(feature = "pcsc")]
        (None, Some(reader)) => {
            let mut card = PcscCard::connect(reader)?;
            read_provisioning(&mut card, &opts)
                .with_context(|| format!("reading the card in {}", card.reader()))?
        }
        (None, None) => anyhow::bail!("give a card image or --reader"),
    };
    let imsi = contents
        .imsi
        .as_deref()
        .map(|i| if a.show_imsi { i.to_string() } else { mask(i) });
    let out = if a.json {
        to_json(&contents, imsi.as_deref())
    } else {
        to_text(&contents, imsi.as_deref())
    };
    crate::io::write_output(None, out.as_bytes())?;
    Ok(Exit::Ok)
}

/// The document as canonical XML, or why it could not be decoded.
fn xml(bytes: &[u8]) -> Result<String, String> {
    omacp_wbxml::decode(bytes, &omacp_wbxml::DecodeOptions::default())
        .map(|d| omacp_doc::xml::to_string(&d.document))
        .map_err(|e| e.to_string())
}

fn to_text(c: &CardContents, imsi: Option<&str>) -> String {
    let mut s = format!("platform: {}\n", c.platform);
    match (imsi, &c.imsi_file) {
        (Some(i), Some(f)) => s.push_str(&format!("imsi: {i} ({f})\n")),
        _ => s.push_str("imsi: none\n"),
    }
    match &c.pkcs15 {
        Some(p) => s.push_str(&format!("pkcs15: {p}\n")),
        None => s.push_str("pkcs15: none\n"),
    }
    s.push_str(&format!("documents: {}\n", c.documents.len()));
    for d in &c.documents {
        let record = d.record.map(|r| format!(" record {r}")).unwrap_or_default();
        s.push_str(&format!(
            "- {} {}{record} #{} at {}: {} bytes\n",
            d.role,
            d.file,
            d.index,
            d.offset,
            d.bytes.len()
        ));
        match xml(&d.bytes) {
            Ok(x) => x.lines().for_each(|l| s.push_str(&format!("    {l}\n"))),
            Err(e) => {
                s.push_str(&format!("    not decoded ({e}); WBXML:\n"));
                for chunk in d.bytes.chunks(32) {
                    s.push_str(&format!("    {}\n", omacp_wire::hex::encode_upper(chunk)));
                }
            }
        }
    }
    for n in &c.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s
}

fn to_json(c: &CardContents, imsi: Option<&str>) -> String {
    let docs: Vec<_> = c
        .documents
        .iter()
        .map(|d| {
            let decoded = xml(&d.bytes);
            json!({
                "role": d.role.name(), "file": d.file.to_string(), "record": d.record, "index": d.index,
                "offset": d.offset, "size": d.bytes.len(), "wbxml": omacp_wire::hex::encode_upper(&d.bytes),
                "xml": decoded.as_ref().ok(), "decode_error": decoded.as_ref().err(),
            })
        })
        .collect();
    let v = json!({
        "platform": c.platform.name(), "imsi": imsi, "imsi_file": c.imsi_file.as_ref().map(ToString::to_string),
        "pkcs15": c.pkcs15.as_ref().map(ToString::to_string), "apdus": c.apdus, "documents": docs,
        "notes": c.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    format!("{v:#}\n")
}

/// Why a reader cannot be used in this build.
#[cfg(not(feature = "pcsc"))]
const NO_PCSC: &str = "this omacp was built without PC/SC support (rebuild with `--features pcsc`, which needs libpcsclite-dev)";

#[cfg(not(feature = "pcsc"))]
fn readers(_: CardReadersArgs) -> anyhow::Result<Exit> {
    anyhow::bail!(NO_PCSC)
}

#[cfg(feature = "pcsc")]
fn readers(a: CardReadersArgs) -> anyhow::Result<Exit> {
    let names = omacp_pcsc::list_readers()?;
    let present: Vec<Option<bool>> = names
        .iter()
        .map(|n| omacp_pcsc::card_present(n).ok())
        .collect();
    let out = if a.json {
        let list: Vec<_> = names
            .iter()
            .zip(&present)
            .map(|(n, p)| json!({ "reader": n, "card": p }))
            .collect();
        format!("{:#}\n", json!(list))
    } else {
        let mut s = String::new();
        for (n, p) in names.iter().zip(&present) {
            let state = match p {
                Some(true) => "card present",
                Some(false) => "empty",
                None => "state unknown",
            };
            s.push_str(&format!("{n}: {state}\n"));
        }
        s
    };
    crate::io::write_output(None, out.as_bytes())?;
    Ok(Exit::Ok)
}
