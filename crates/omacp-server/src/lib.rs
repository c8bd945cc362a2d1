//! The management authority's provisioning server (issue #5): tenants with ownership
//! scopes, users and roles, profiles (templates validated with `omacp-doc`), subscribers,
//! device models, an append-only audit log, a REST API under `/api/v1` with OpenAPI, and
//! the trusted HTTP context devices fetch their settings from.
//!
//! [`app`] builds the whole router from an [`AppState`] (tests drive it over real
//! sockets); [`serve::run`] is what `omacp serve` calls. The store (`store/`) has one
//! module per aggregate and one set of migrations for SQLite and PostgreSQL.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod campaign;
pub mod config;
pub mod csv_import;
pub mod error;
pub mod ops;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod template;
pub mod thc;
pub mod web;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;

pub use config::Config;
pub use store::Store;

/// What every handler shares.
#[derive(Debug)]
pub struct Shared {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Config,
    /// The trusted HTTP context (cache, rate limits).
    pub thc: thc::Thc,
    /// Campaign delivery (sandbox, runner wake-up).
    pub campaigns: campaign::Hub,
}

/// Cheap-to-clone handle on [`Shared`].
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State over an opened store.
    pub fn new(store: Store, config: Config) -> AppState {
        let thc = thc::Thc::new(&config.thc);
        AppState(Arc::new(Shared {
            store,
            config,
            thc,
            campaigns: campaign::Hub::default(),
        }))
    }
}

/// The whole HTTP surface: the REST API (with metrics), the trusted HTTP context and the
/// operations endpoints. Later routers (campaigns, web UI) merge here.
pub fn app(state: AppState) -> Router {
    let api = api::router().layer(axum::middleware::from_fn(ops::track));
    Router::new()
        .merge(api)
        .merge(thc::router())
        .merge(ops::router())
        .merge(web::router())
        .with_state(state)
}
