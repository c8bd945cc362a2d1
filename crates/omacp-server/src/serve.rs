//! Running the server: logging, store and data key, first-start bootstrap, the THC cache
//! poller, and the listener (with peer addresses, which the trusted HTTP context needs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use zeroize::Zeroize;

use crate::secrets::DataKey;
use crate::{AppState, Config, Store, app, bootstrap, ops};

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store failed (including a too-new schema).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// An SMSC route or the sandbox could not start.
    #[error(transparent)]
    Route(#[from] crate::campaign::route::RouteError),
    /// The data key is malformed or its file cannot be read or created.
    #[error(transparent)]
    Key(#[from] crate::secrets::KeyError),
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Installs the tracing subscriber (text or JSON) once per process.
pub fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cfg.log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// A started server.
#[derive(Debug)]
pub struct Started {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The shared state.
    pub state: AppState,
    /// Credential of the first admin when this start created it.
    pub first_admin: Option<bootstrap::FirstAdmin>,
    /// The serving task.
    pub task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

/// Opens the store, bootstraps, binds and starts serving in the background.
pub async fn start(mut cfg: Config) -> Result<Started, ServeError> {
    ops::prometheus();
    let store = Store::open(&cfg.database_url()).await?;
    let store = store.unlock(DataKey::load(&cfg)?).await?;
    // The cipher holds the key from here; the configuration lives as long as the server.
    if let Some(mut k) = cfg.data_key.take() {
        k.0.zeroize();
    }
    let first_admin = bootstrap::ensure_first_tenant(&store).await?;
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let poll = Duration::from_millis(cfg.thc.poll_ms);
    let state = AppState::new(store.clone(), cfg);
    tokio::spawn(Arc::clone(&state.thc.cache).poll(store, poll));
    crate::campaign::runner::start(state.clone()).await?;
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    tracing::info!(%addr, "listening");
    Ok(Started {
        addr,
        state,
        first_admin,
        task,
    })
}
