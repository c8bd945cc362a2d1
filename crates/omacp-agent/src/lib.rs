//! The OMA CP device user agent (uab.md; security.md §6; content.md §6, §8), sans-IO.
//!
//! [`Agent`] takes SMS TPDUs, SMS user data, WAP push PDUs, HTTP answers, card documents and
//! user answers (PIN, accept/decline) with the time they happened, and hands back
//! [`Event`]s for the user interface (`NeedPin`, `ConfirmationRequired`, `Rejected`,
//! `Applied`) and [`Action`]s for its shell (`Commit(ApplyPlan)`, `Fetch`). It never writes
//! settings: the shell commits each [`ApplyPlan`] in one transaction and answers
//! `Committed`/`CommitFailed`; reads go through [`SettingsView`]. No clock, no I/O, no async
//! runtime: firmware can embed it and tests drive it on a virtual clock.
//!
//! The rules it enforces are in [`Policy`] (secure defaults, one documented knob per
//! unconfirmed rule) and [`Trust`]; contexts and ownership are in [`settings`]; APPID
//! dispatch and the confirmation summary are in [`apps`].
#![forbid(unsafe_code)]

mod agent;
pub mod apps;
pub mod policy;
pub mod settings;

#[doc(hidden)]
pub mod fuzzing;

pub use agent::{
    Action, Agent, AppReport, ApplyPlan, ApplyReport, Channel, Event, FetchId, Input, MessageId,
    Origin, PlanId, Reason, Summary,
};
pub use apps::{AppHandler, AppRegistry, Change, SettingKind};
pub use omacp_bearer::reassembly::Millis;
pub use policy::{Acceptance, PinGuard, Policy, Trust};
pub use settings::{
    CARD_CONTEXT, Context, DEFAULT_CONTEXT, Item, ItemKey, Settings, SettingsView, ViewError,
};
