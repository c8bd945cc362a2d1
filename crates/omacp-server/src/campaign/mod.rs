//! Campaigns (issue #6): a profile × an audience × a SEC method × a rate, delivered over
//! SMPP (or Kannel) with delivery tracking.
//!
//! - [`model`]: states, SEC choices, the campaign and message records.
//! - [`store`]: campaigns in the database (creation, reads, state changes, history).
//! - [`queue`]: the durable queue (claims under a lease, receipts, housekeeping), SQLite
//!   and PostgreSQL alike.
//! - [`apply`]: the runner's batched, set-based writes (accepted segments, receipts).
//! - [`build`]: one personalised, signed, segmented push per subscriber.
//! - [`create`]: resolving an audience and checking it against profiles and device models.
//! - [`runner`]: the per-process loop that claims messages, submits them, and records
//!   what the SMSC and the receipts say.
//! - [`route`]: SMSC connections from the configuration, or the embedded sandbox.
//! - [`kannel`]: Kannel's `sendsms` as an alternative gateway, with `dlr-url` reports.
//!
//! Design notes: docs/campaigns.md.

pub mod apply;
pub mod build;
pub mod config;
pub mod create;
pub mod kannel;
pub mod model;
pub mod queue;
pub mod route;
pub mod runner;
pub mod share;
pub mod store;

use std::sync::OnceLock;

pub use config::CampaignConfig;

/// The campaign machinery of one process, shared with the API.
#[derive(Debug, Default)]
pub struct Hub {
    /// The embedded sandbox SMSC, when no SMSC is configured.
    pub sandbox: OnceLock<omacp_sandbox::Sandbox>,
    /// Wakes the runner (a campaign was created or resumed).
    pub wake: tokio::sync::Notify,
}
