//! `omacp sandbox`: the sandbox SMSC with virtual handsets, from the shell. Every line it
//! prints is marked `[SANDBOX]`; PINs and passwords are never printed.

use std::time::Duration;

use anyhow::{Context, bail};
use omacp_sandbox::{HandsetSpec, Happened, MARK, Record, Sandbox};
use omacp_smpp::pdu::Password;
use omacp_smpp::smsc::{Account, SmscConfig};

use super::Exit;
use crate::args::SandboxArgs;

/// Runs `omacp sandbox`.
pub fn run(a: SandboxArgs) -> anyhow::Result<Exit> {
    let handsets = a
        .handsets
        .iter()
        .map(|h| HandsetSpec::parse(h))
        .collect::<Result<Vec<_>, _>>()?;
    let mut accounts = Vec::new();
    for acc in &a.accounts {
        let Some((id, pw)) = acc.split_once(':') else {
            bail!("--account: expected system_id:password");
        };
        accounts.push(Account {
            system_id: id.to_owned(),
            password: Password(pw.to_owned()),
        });
    }
    let mut cfg = SmscConfig::new("omacp-sandbox", accounts);
    cfg.faults.throttle_every = a.throttle_every;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        let sb = Sandbox::start(listener, cfg, &handsets)?;
        let mut feed = sb.subscribe();
        println!(
            "{MARK} SMSC listening on {} with {} virtual handset(s); this is a test double, not a network",
            sb.local_addr(),
            handsets.len()
        );
        for h in &handsets {
            println!(
                "{MARK} handset {} (PIN {})",
                h.msisdn,
                if h.pin.is_some() { "set" } else { "none" }
            );
        }
        let stop = async {
            match a.duration {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(stop);
        loop {
            tokio::select! {
                r = feed.recv() => match r {
                    Ok(rec) => print_record(&rec, a.json),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        println!("{MARK} ({n} records not shown)")
                    }
                    Err(_) => break,
                },
                _ = &mut stop => break,
            }
        }
        sb.smsc().shutdown();
        anyhow::Ok(())
    })?;
    Ok(Exit::Ok)
}

fn print_record(r: &Record, json: bool) {
    if !json {
        println!("{r}");
        return;
    }
    let (kind, detail) = match &r.what {
        Happened::Received {
            message_id,
            from,
            user_data,
        } => (
            "received",
            serde_json::json!({
                "message_id": message_id,
                "from": from,
                "user_data": omacp_wire::hex::encode_upper(user_data),
            }),
        ),
        Happened::PinPrompt(p) => ("pin_prompt", serde_json::json!(p)),
        Happened::Confirmation(c) => ("confirmation", serde_json::json!(c)),
        Happened::Applied(a) => ("applied", serde_json::json!(a)),
        Happened::Rejected(why) => ("rejected", serde_json::json!(why)),
        Happened::UnknownSubscriber => ("unknown_subscriber", serde_json::Value::Null),
        Happened::Receipt { message_id, state } => (
            "receipt",
            serde_json::json!({"message_id": message_id, "stat": state.stat()}),
        ),
    };
    println!(
        "{}",
        serde_json::json!({"sandbox": true, "at_ms": r.at_ms, "msisdn": r.msisdn, "kind": kind, "detail": detail})
    );
}
