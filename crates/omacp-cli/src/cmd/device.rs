//! `omacp device`: a virtual handset driven from the command line (omacp-device shells around
//! the omacp-agent core).
//!
//! `receive` exit codes: 0 applied, 1 rejected, 3 needs input (a PIN or a confirmation: run
//! again with `--pin`/`--yes`); 2 the input or store could not be read. With `--json` it
//! prints one object whose `outcome` is `applied`, `rejected`, `need_pin` or
//! `need_confirmation` (the last message's), with `reason`, `summary` or `report`, and every
//! message's outcome under `messages`.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use omacp_agent::{ApplyReport, Change, Event, Origin, Summary};
use omacp_device::{Answers, Handset, Received, RunLog};
use omacp_doc::schema::CharType;
use omacp_doc::{Characteristic, Node};
use omacp_sec::Pin;
use serde_json::{Value as Json, json};

use super::Exit;
use crate::args::{
    DeviceCommand, DeviceFetchArgs, DeviceHistoryArgs, DeviceInitArgs, DeviceReceiveArgs,
    DeviceRollbackArgs, DeviceShowArgs,
};
use crate::input::{Item, items};
use crate::io::read_input;

/// Runs `omacp device …`.
pub fn run(command: DeviceCommand) -> anyhow::Result<Exit> {
    match command {
        DeviceCommand::Init(a) => init(a),
        DeviceCommand::Receive(a) => receive(a),
        DeviceCommand::Show(a) => show(a),
        DeviceCommand::History(a) => history(a),
        DeviceCommand::Rollback(a) => rollback(a),
        DeviceCommand::Fetch(a) => fetch(a),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn init(a: DeviceInitArgs) -> anyhow::Result<Exit> {
    let (_, log) = Handset::init(&a.store, &a.imsi, a.card.as_deref(), now_ms())
        .with_context(|| format!("device init {}", a.store.display()))?;
    let (exit, out) = outcome(&log);
    if a.json {
        crate::io::print_line(&serde_json::to_string_pretty(&out)?)?;
    } else {
        crate::io::print_line(&format!("handset initialised in {}", a.store.display()))?;
        for m in out["messages"].as_array().into_iter().flatten() {
            crate::io::print_line(&format!("card document: {}", one_line(m)))?;
        }
    }
    // Without a card there is nothing to apply; with one, a refused document is exit 1 (the
    // handset is still usable).
    if log.events.is_empty() {
        return Ok(Exit::Ok);
    }
    Ok(if exit == Exit::Invalid {
        Exit::Invalid
    } else {
        Exit::Ok
    })
}

fn receive(a: DeviceReceiveArgs) -> anyhow::Result<Exit> {
    let input = read_input(&a.input)?;
    let (form, list) = items(&input)?;
    let mut h = Handset::open(&a.store)?;
    let answers = Answers {
        pin: a
            .pin
            .as_deref()
            .map(Pin::parse)
            .transpose()
            .context("--pin")?,
        yes: a.yes,
    };
    let mut log = RunLog::default();
    for item in list {
        let (received, from) = match item {
            // `omacp push --emit tpdu` writes SMS-SUBMITs (what a sender hands its SMSC): the
            // handset receives their user data as if the SMSC had delivered them.
            Item::Tpdu(b) => match omacp_bearer::sms::Tpdu::decode(&b) {
                Ok(omacp_bearer::sms::Tpdu::Submit(s)) => {
                    (Received::UserData(s.user_data.octets().to_vec()), None)
                }
                _ => (Received::Tpdu(b), None),
            },
            Item::UserData(b) => (Received::UserData(b), None),
            Item::Push(b, from) => (Received::Push(b), from),
            Item::Document(b) => (Received::Document(b), None),
        };
        let from = from.unwrap_or_else(|| a.from.clone());
        let l = h.receive(&[received], &from, &answers, now_ms())?;
        log.events.extend(l.events);
        log.history.extend(l.history);
    }
    let (exit, mut out) = outcome(&log);
    out["input"] = json!(form);
    print_outcome(&out, a.json)?;
    Ok(exit)
}

fn fetch(a: DeviceFetchArgs) -> anyhow::Result<Exit> {
    let mut h = Handset::open(&a.store)?;
    let answers = Answers {
        pin: None,
        yes: a.yes,
    };
    let log = h.fetch(&a.url, &answers, now_ms())?;
    let (exit, out) = outcome(&log);
    print_outcome(&out, a.json)?;
    Ok(exit)
}

fn print_outcome(out: &Json, as_json: bool) -> anyhow::Result<()> {
    if as_json {
        crate::io::print_line(&serde_json::to_string_pretty(out)?)?;
        return Ok(());
    }
    for m in out["messages"].as_array().into_iter().flatten() {
        crate::io::print_line(&one_line(m))?;
        for c in m["summary"]["changes"]
            .as_array()
            .or(m["report"]["summary"]["changes"].as_array())
            .into_iter()
            .flatten()
        {
            crate::io::print_line(&format!("  {}", c["text"].as_str().unwrap_or("")))?;
        }
    }
    if out["messages"].as_array().is_none_or(Vec::is_empty) {
        crate::io::print_line(&one_line(out))?;
    }
    Ok(())
}

fn one_line(m: &Json) -> String {
    let o = m["outcome"].as_str().unwrap_or("");
    match o {
        "applied" => format!(
            "applied into context {} ({})",
            m["report"]["summary"]["context"].as_str().unwrap_or(""),
            m["report"]["summary"]["trust"].as_str().unwrap_or("")
        ),
        "rejected" => format!("rejected: {}", m["reason"].as_str().unwrap_or("")),
        "need_pin" => format!(
            "PIN needed ({} attempt(s) left): run again with --pin",
            m["attempts_left"]
        ),
        "need_confirmation" => format!(
            "confirmation needed from {} ({}): run again with --yes",
            m["summary"]["sender"]["text"].as_str().unwrap_or(""),
            m["summary"]["trust"].as_str().unwrap_or("")
        ),
        other => other.to_string(),
    }
}

/// The per-message outcomes (the last event of each message) and the overall one (the last
/// message's).
fn outcome(log: &RunLog) -> (Exit, Json) {
    let mut messages: Vec<(Option<u64>, Json, Exit)> = Vec::new();
    for e in &log.events {
        let (id, j, exit) = match e {
            Event::Applied { message, report } => {
                let hid = report.history_id.and_then(|p| log.history.get(&p)).copied();
                (
                    Some(message.0),
                    json!({"outcome": "applied", "report": report_json(report, hid)}),
                    Exit::Ok,
                )
            }
            Event::Rejected { message, reason } => (
                message.map(|m| m.0),
                json!({"outcome": "rejected", "reason": reason.to_string()}),
                Exit::Invalid,
            ),
            Event::NeedPin {
                message,
                sender,
                method,
                attempts_left,
            } => (
                Some(message.0),
                json!({"outcome": "need_pin", "sender": origin_json(sender), "sec": method.to_string(), "attempts_left": attempts_left}),
                Exit::NeedsInput,
            ),
            Event::ConfirmationRequired { message, summary } => (
                Some(message.0),
                json!({"outcome": "need_confirmation", "summary": summary_json(summary)}),
                Exit::NeedsInput,
            ),
        };
        match messages
            .iter_mut()
            .find(|(m, _, _)| id.is_some() && *m == id)
        {
            Some(slot) => {
                slot.1 = j;
                slot.2 = exit;
            }
            None => messages.push((id, j, exit)),
        }
    }
    let Some((_, last, exit)) = messages.last().cloned() else {
        return (
            Exit::Invalid,
            json!({"outcome": "rejected", "reason": "no complete message (segments missing?)", "messages": []}),
        );
    };
    let mut out = last;
    out["messages"] = Json::Array(messages.into_iter().map(|(_, j, _)| j).collect());
    (exit, out)
}

fn origin_json(o: &Origin) -> Json {
    json!({"text": o.to_string(), "address": o.address, "initiator": o.initiator})
}

fn change_json(c: &Change) -> Json {
    json!({"setting": c.setting.name(), "item": c.item, "name": c.name, "old": c.old, "new": c.new, "text": c.to_string()})
}

fn summary_json(s: &Summary) -> Json {
    json!({
        "sender": origin_json(&s.sender),
        "trust": s.trust.name(),
        "sec": s.sec.map(|m| m.to_string()),
        "context": s.context,
        "bootstrap": s.bootstrap,
        "added": s.added,
        "replaced": s.replaced,
        "changes": s.changes.iter().map(change_json).collect::<Vec<_>>(),
    })
}

fn report_json(r: &ApplyReport, history_id: Option<i64>) -> Json {
    json!({
        "summary": summary_json(&r.summary),
        "applications": r.applications.iter().map(|a| json!({"appid": a.appid, "handler": a.handler, "name": a.name})).collect::<Vec<_>>(),
        "unknown_appids": r.unknown_appids,
        "pruned": r.pruned,
        "post_actions": r.post_actions,
        "history_id": history_id,
    })
}

/// A copy of `c` with passwords and keys replaced (uab.md §6: never display them).
fn redact(c: &Characteristic) -> Characteristic {
    let ty = CharType::from_name(&c.kind);
    let spec = ty.spec();
    Characteristic {
        kind: c.kind.clone(),
        children: c
            .children
            .iter()
            .map(|n| match n {
                Node::Parm(p) => {
                    let secret = spec
                        .and_then(|s| s.parm(&p.name))
                        .is_some_and(|ps| ps.secret);
                    let mut p = p.clone();
                    if secret && p.value.is_some() {
                        p.value = Some("<redacted>".into());
                    }
                    Node::Parm(p)
                }
                Node::Characteristic(k) => Node::Characteristic(redact(k)),
            })
            .collect(),
    }
}

fn show(a: DeviceShowArgs) -> anyhow::Result<Exit> {
    let h = Handset::open(&a.store)?;
    let s = h.store.load()?;
    if a.json {
        let contexts: Vec<Json> = s
            .contexts
            .values()
            .map(|c| {
                json!({
                    "id": c.id, "provurl": c.provurl, "name": c.name,
                    "authority": c.authority.name(), "context_allow": c.context_allow,
                    "trusted_proxies": c.trusted_proxies,
                    "items": c.items.iter().map(|i| {
                        let doc = omacp_doc::Document { version: None, characteristics: vec![redact(&i.characteristic)] };
                        json!({"key": i.key().to_string(), "owner": i.owner.name(), "xml": omacp_doc::xml::to_string(&doc)})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        crate::io::print_line(&serde_json::to_string_pretty(
            &json!({"contexts": contexts}),
        )?)?;
        return Ok(Exit::Ok);
    }
    if s.contexts.is_empty() {
        crate::io::print_line("no settings")?;
    }
    for c in s.contexts.values() {
        crate::io::print_line(&format!(
            "context {}{} (authority {}{})",
            c.id,
            c.name
                .as_deref()
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default(),
            c.authority,
            c.context_allow
                .map(|n| format!(", CONTEXT-ALLOW {n}"))
                .unwrap_or_default()
        ))?;
        let apps = omacp_agent::AppRegistry::builtin();
        for i in &c.items {
            crate::io::print_line(&format!("  {} (owner {})", i.key(), i.owner))?;
            for (k, v) in omacp_agent::apps::visible(&i.characteristic, &apps) {
                crate::io::print_line(&format!("    {k}: {v}"))?;
            }
        }
    }
    Ok(Exit::Ok)
}

fn history(a: DeviceHistoryArgs) -> anyhow::Result<Exit> {
    let h = Handset::open(&a.store)?;
    let entries = h.store.history()?;
    if a.json {
        let v: Vec<Json> = entries
            .iter()
            .map(|e| json!({"id": e.id, "at_ms": e.at_ms, "kind": e.kind, "origin": e.origin, "trust": e.trust, "sec": e.sec, "context": e.context}))
            .collect();
        crate::io::print_line(&serde_json::to_string_pretty(&v)?)?;
    } else {
        for e in entries {
            crate::io::print_line(&format!(
                "{:>4}  {}  {:<8} {}{}{}",
                e.id,
                e.at_ms,
                e.kind,
                e.origin,
                if e.trust.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", e.trust)
                },
                if e.context.is_empty() {
                    String::new()
                } else {
                    format!(" -> {}", e.context)
                }
            ))?;
        }
    }
    Ok(Exit::Ok)
}

fn rollback(a: DeviceRollbackArgs) -> anyhow::Result<Exit> {
    let mut h = Handset::open(&a.store)?;
    let id = h.store.rollback(a.to, now_ms() as i64)?;
    crate::io::print_line(&format!("rolled back (history entry {id})"))?;
    Ok(Exit::Ok)
}
