//! `omacp campaign run|status|pause|resume`: drive campaigns on a running server over its
//! REST API (`--server`, `--token` or `OMACP_TOKEN`). `run` creates a campaign and follows
//! it with a progress bar (on a terminal) until every message is final.
//!
//! Exit codes: 0 when every message was delivered (or the command succeeded), 1 when the
//! campaign ended with failed, expired or cancelled messages or the server refused the
//! request.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};

use super::Exit;
use super::http::Server;

/// `omacp campaign`.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign and follow it until it finishes (used by scripts).
    Run(Box<RunArgs>),
    /// A campaign's state and counts per message state (used by scripts).
    Status(IdArgs),
    /// Pause a running campaign (used by scripts).
    Pause(IdArgs),
    /// Resume a paused campaign (used by scripts).
    Resume(IdArgs),
}

/// Where the server is and who is asking.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// The server's base URL (plain http; used by scripts).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// API token (default: the OMACP_TOKEN environment variable; used by scripts).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Print the campaign as JSON instead of text (used by scripts).
    #[arg(long)]
    pub json: bool,
}

impl std::fmt::Debug for ServerArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerArgs")
            .field("server", &self.server)
            .field("json", &self.json)
            .finish_non_exhaustive()
    }
}

/// `omacp campaign status|pause|resume ID`.
#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// The campaign id (`cmp_…`).
    pub id: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub server: ServerArgs,
}

/// `omacp campaign run`.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub server: ServerArgs,
    /// The profile to send.
    #[arg(long, value_name = "ID")]
    pub profile: String,
    /// Campaign name (default: the profile id and the time).
    #[arg(long)]
    pub name: Option<String>,
    /// SEC method: netwpin, usernetwpin, userpin, userpinmac.
    #[arg(long, value_name = "METHOD")]
    pub sec: String,
    /// One PIN for every subscriber (USERPIN, USERNETWPIN, USERPINMAC).
    #[arg(long)]
    pub pin: Option<String>,
    /// Generate a PIN of this many digits per subscriber instead.
    #[arg(long, value_name = "DIGITS")]
    pub pin_length: Option<u8>,
    /// Audience: subscribers with this label.
    #[arg(long)]
    pub label: Option<String>,
    /// Audience: subscribers whose MSISDN, IMSI or IMEI starts with this.
    #[arg(long)]
    pub query: Option<String>,
    /// Audience: these MSISDNs (repeatable).
    #[arg(long = "msisdn", value_name = "MSISDN")]
    pub msisdns: Vec<String>,
    /// Audience: a CSV file whose first (or `msisdn`) column holds MSISDNs.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// A campaign variable, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Messages per second (default: as fast as the SMSC routes allow).
    #[arg(long)]
    pub rate: Option<i64>,
    /// Attempts per message for temporary errors.
    #[arg(long)]
    pub max_attempts: Option<i64>,
    /// Create it and return at once (print its id) instead of following it.
    #[arg(long)]
    pub detach: bool,
    /// Stop following after this many seconds (0: no limit); the campaign goes on.
    #[arg(long, default_value_t = 0)]
    pub timeout: u64,
}

impl std::fmt::Debug for RunArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunArgs")
            .field("profile", &self.profile)
            .field("sec", &self.sec)
            .finish_non_exhaustive()
    }
}

/// Runs `omacp campaign …`.
pub fn run(c: CampaignCommand) -> anyhow::Result<Exit> {
    match c {
        CampaignCommand::Run(a) => run_campaign(*a),
        CampaignCommand::Status(a) => {
            let (srv, token) = connect(&a.server)?;
            let v = get(&srv, &token, &format!("/api/v1/campaigns/{}", a.id))?;
            print_campaign(&v, a.server.json);
            Ok(Exit::Ok)
        }
        CampaignCommand::Pause(a) => transition(a, "pause"),
        CampaignCommand::Resume(a) => transition(a, "resume"),
    }
}

fn connect(s: &ServerArgs) -> anyhow::Result<(Server, String)> {
    let token = match &s.token {
        Some(t) => t.clone(),
        None => std::env::var("OMACP_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .context("no API token: give --token or set OMACP_TOKEN")?,
    };
    Ok((Server::parse(&s.server)?, token))
}

fn check(status: u16, body: &str) -> anyhow::Result<Value> {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let msg = v["message"].as_str().unwrap_or(body);
        bail!("the server answered {status}: {msg}");
    }
    Ok(v)
}

fn get(srv: &Server, token: &str, path: &str) -> anyhow::Result<Value> {
    let (st, body) = srv.call("GET", path, token, None)?;
    check(st, &body)
}

fn transition(a: IdArgs, verb: &str) -> anyhow::Result<Exit> {
    let (srv, token) = connect(&a.server)?;
    let (st, body) = srv.call(
        "POST",
        &format!("/api/v1/campaigns/{}/{verb}", a.id),
        &token,
        Some(&json!({})),
    )?;
    let v = check(st, &body)?;
    print_campaign(&v, a.server.json);
    Ok(Exit::Ok)
}

fn counts(v: &Value) -> String {
    let s = &v["stats"];
    [
        "queued",
        "submitted",
        "accepted",
        "delivered",
        "failed",
        "expired",
        "cancelled",
    ]
    .iter()
    .map(|k| format!("{k} {}", s[k].as_i64().unwrap_or(0)))
    .collect::<Vec<_>>()
    .join(", ")
}

fn print_campaign(v: &Value, as_json: bool) {
    if as_json {
        println!("{v}");
        return;
    }
    println!(
        "campaign {} ({}): {}, {} messages",
        v["id"].as_str().unwrap_or("?"),
        v["name"].as_str().unwrap_or("?"),
        v["state"].as_str().unwrap_or("?"),
        v["total"].as_i64().unwrap_or(0)
    );
    println!("  {}", counts(v));
}

fn body(a: &RunArgs) -> anyhow::Result<Value> {
    let mut vars = serde_json::Map::new();
    for kv in &a.vars {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--var {kv:?}: expected NAME=VALUE"))?;
        vars.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    let mut audience = serde_json::Map::new();
    if !a.msisdns.is_empty() {
        audience.insert("msisdns".into(), json!(a.msisdns));
    }
    if let Some(p) = &a.csv {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        audience.insert("csv".into(), Value::String(text));
    }
    if let Some(l) = &a.label {
        audience.insert("label".into(), Value::String(l.clone()));
    }
    if let Some(q) = &a.query {
        audience.insert("query".into(), Value::String(q.clone()));
    }
    let mut b = json!({
        "name": a.name.clone().unwrap_or_else(|| format!("{} via CLI", a.profile)),
        "profile_id": a.profile,
        "sec": a.sec.to_ascii_lowercase(),
        "audience": audience,
        "vars": vars,
    });
    if let Some(p) = &a.pin {
        b["pin"] = json!(p);
    }
    if let Some(n) = a.pin_length {
        b["pin_length"] = json!(n);
    }
    if let Some(r) = a.rate {
        b["rate"] = json!(r);
    }
    if let Some(m) = a.max_attempts {
        b["max_attempts"] = json!(m);
    }
    Ok(b)
}

fn run_campaign(a: RunArgs) -> anyhow::Result<Exit> {
    let (srv, token) = connect(&a.server)?;
    let (st, text) = srv.call("POST", "/api/v1/campaigns", &token, Some(&body(&a)?))?;
    let created = check(st, &text)?;
    let id = created["id"]
        .as_str()
        .context("no id in the answer")?
        .to_owned();
    let skipped = created["skipped_count"].as_i64().unwrap_or(0);
    eprintln!(
        "omacp: campaign {id}: {} messages{}",
        created["total"].as_i64().unwrap_or(0),
        if skipped > 0 {
            format!(", {skipped} subscribers left out")
        } else {
            String::new()
        }
    );
    for s in created["skipped"].as_array().into_iter().flatten().take(10) {
        eprintln!(
            "omacp:   left out {}: {}",
            s["msisdn"].as_str().unwrap_or("?"),
            s["reason"].as_str().unwrap_or("?")
        );
    }
    if a.detach {
        if a.server.json {
            println!("{created}");
        } else {
            println!("{id}");
        }
        return Ok(Exit::Ok);
    }
    let total = created["total"].as_u64().unwrap_or(0);
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} final  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let path = format!("/api/v1/campaigns/{id}");
    let last = loop {
        let v = get(&srv, &token, &path)?;
        let s = &v["stats"];
        let fin = ["delivered", "failed", "expired", "cancelled"]
            .iter()
            .map(|k| s[k].as_u64().unwrap_or(0))
            .sum::<u64>();
        bar.set_position(fin);
        bar.set_message(format!(
            "delivered {} failed {} in flight {}",
            s["delivered"].as_u64().unwrap_or(0),
            s["failed"].as_u64().unwrap_or(0) + s["expired"].as_u64().unwrap_or(0),
            s["submitted"].as_u64().unwrap_or(0) + s["accepted"].as_u64().unwrap_or(0)
        ));
        let state = v["state"].as_str().unwrap_or("");
        let over = state == "done" || (state == "cancelled" && fin == total);
        if over || (a.timeout > 0 && started.elapsed() >= Duration::from_secs(a.timeout)) {
            break v;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    bar.finish_and_clear();
    print_campaign(&last, a.server.json);
    let s = &last["stats"];
    let all_delivered =
        last["state"] == "done" && s["delivered"].as_i64() == last["total"].as_i64();
    Ok(if all_delivered {
        Exit::Ok
    } else {
        Exit::Invalid
    })
}
