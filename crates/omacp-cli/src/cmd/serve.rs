//! `omacp serve`: configuration (file, environment, flags), then the server until Ctrl-C.

use anyhow::Context;
use omacp_server::{Config, serve};

use super::Exit;
use crate::args::ServeArgs;

/// Loads the configuration the way `serve` and `admin` both do.
pub(crate) fn load_config(
    file: Option<&std::path::Path>,
    database: Option<&str>,
) -> anyhow::Result<Config> {
    let mut cfg = Config::load(file, &|k| std::env::var(k).ok())?;
    if let Some(db) = database {
        cfg.database = Some(db.to_string());
    }
    Ok(cfg)
}

/// Runs `omacp serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<Exit> {
    let mut cfg = load_config(a.config.as_deref(), a.database.as_deref())?;
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    serve::init_logging(&cfg);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let public = cfg.public_url.clone();
        let db = cfg.database_url();
        let started = serve::start(cfg).await.context("starting the server")?;
        let base = public.unwrap_or_else(|| format!("http://{}", started.addr));
        // Printed, never logged: the one-time credential must not reach log storage.
        if let Some(a) = &started.first_admin {
            println!(
                "omacp: first start: created tenant '{}' with admin '{}'",
                a.tenant, a.username
            );
            println!("omacp: one-time password (shown only now): {}", a.password);
        }
        println!("omacp: database {}", redact_url(&db));
        println!("omacp: browser   {base}/ui/  (admin web UI; sign in with the credential above)");
        println!("omacp: API docs  {base}/api/docs/  (log in with POST /api/v1/sessions)");
        println!("omacp: API       {base}/api/v1  (OpenAPI: {base}/api/openapi.json)");
        println!("omacp: devices   {base}/thc/<tenant>  (trusted HTTP context)");
        println!("omacp: ops       {base}/healthz  {base}/readyz  {base}/metrics");
        if let Some(sb) = started.state.campaigns.sandbox.get() {
            println!(
                "omacp: [SANDBOX] no SMSC configured: campaigns go to the sandbox SMSC at {} and its \
                 virtual handsets ({base}/api/v1/sandbox/handsets); nothing reaches a real phone",
                sb.local_addr()
            );
        }
        tokio::select! {
            r = started.task => { r.context("server task")?.context("serving")?; }
            _ = tokio::signal::ctrl_c() => { eprintln!("omacp: stopping"); }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Exit::Ok)
}

/// Hides a password in a database URL.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
