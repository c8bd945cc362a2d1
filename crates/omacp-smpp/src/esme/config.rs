//! ESME session settings and their SMPP 3.4 limits.

use std::time::Duration;

use crate::pdu::{BindKind, DEFAULT_MAX_PDU, Password};

/// Session settings.
#[derive(Debug, Clone)]
pub struct EsmeConfig {
    /// system_id.
    pub system_id: String,
    /// password (redacted in `Debug`).
    pub password: Password,
    /// system_type.
    pub system_type: String,
    /// Bind as transmitter, receiver or transceiver.
    pub bind: BindKind,
    /// Most submit_sm awaiting a response at once.
    pub window: usize,
    /// Send enquire_link after this long without traffic.
    pub enquire_link_interval: Duration,
    /// A request without response after this long means the link is dead.
    pub response_timeout: Duration,
    /// First back-off after a throttling or temporary error; doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Back-off ceiling.
    pub max_backoff: Duration,
    /// Attempts per message before a temporary error becomes final (throttling not counted).
    pub max_attempts: u32,
    /// command_length limit for received PDUs.
    pub max_pdu: u32,
}

impl EsmeConfig {
    /// Defaults for `system_id`/`password`: transceiver, window 10, enquire_link every 30 s,
    /// 10 s response timeout, back-off 100 ms..5 s, 5 attempts.
    pub fn new(system_id: &str, password: &str) -> EsmeConfig {
        EsmeConfig {
            system_id: system_id.to_owned(),
            password: Password(password.to_owned()),
            system_type: String::new(),
            bind: BindKind::Transceiver,
            window: 10,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_attempts: 5,
            max_pdu: DEFAULT_MAX_PDU,
        }
    }
}

/// A configuration SMPP 3.4 cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A bind field is longer than SMPP 3.4 allows (the value is not repeated).
    #[error("{field} is longer than {max} characters (SMPP 3.4 limit)")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// The window must hold at least one message.
    #[error("window must be at least 1")]
    ZeroWindow,
}

impl EsmeConfig {
    /// Checks the limits of §4.1.1 (system_id 15, password 8, system_type 12).
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, v, max) in [
            ("system_id", &self.system_id, 15),
            ("password", &self.password.0, 8),
            ("system_type", &self.system_type, 12),
        ] {
            if v.len() > max || v.contains('\0') {
                return Err(ConfigError::TooLong { field, max });
            }
        }
        if self.window == 0 {
            return Err(ConfigError::ZeroWindow);
        }
        Ok(())
    }
}
