//! Shells around the sans-IO device agent (`omacp-agent`): the SQLite settings store
//! ([`store`]), the HTTP pull client ([`http`]) and the virtual handset with its run loop
//! ([`handset`]) used by `omacp device`. Everything that waits, stores or talks to the
//! network lives here; every decision lives in the agent.
#![forbid(unsafe_code)]

pub mod handset;
pub mod http;
pub mod store;

pub use handset::{Answers, Handset, HandsetError, Received, RunLog};
pub use store::{HistoryEntry, Store, StoreError};
