//! The PC/SC shell for `omacp-card`: a [`CardTransport`] over a real reader through pcsc-lite
//! (`pcscd`), and a vpcd virtual card ([`vpcd`]) that lets tests drive the same path with a
//! simulated card.
//!
//! Building needs `libpcsclite-dev` (pkg-config `libpcsclite`); running needs `pcscd`.
//! The walk itself stays in `omacp-card`; this crate only moves APDUs.

#![forbid(unsafe_code)]

pub mod vpcd;

use std::ffi::CString;

use omacp_card::{CardTransport, TransportError};

/// Why a reader could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PcscError {
    /// pcscd is not running or not reachable.
    #[error("PC/SC service unavailable (is pcscd running?): {0}")]
    NoService(pcsc::Error),
    /// No reader has this name (the names present are listed).
    #[error("no reader named {name:?} (readers: {available})")]
    UnknownReader {
        /// The name asked for.
        name: String,
        /// The readers present, comma-separated.
        available: String,
    },
    /// The reader is empty.
    #[error("no card in reader {0:?}")]
    NoCard(String),
    /// Any other PC/SC failure.
    #[error("PC/SC: {0}")]
    Pcsc(pcsc::Error),
}

fn service_error(e: pcsc::Error) -> PcscError {
    match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => PcscError::NoService(e),
        other => PcscError::Pcsc(other),
    }
}

fn context() -> Result<pcsc::Context, PcscError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(service_error)
}

/// The names of the readers pcscd knows (empty when there are none).
pub fn list_readers() -> Result<Vec<String>, PcscError> {
    let ctx = context()?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(service_error(e)),
    }
}

/// Whether a card sits in `reader` (asked of pcscd without touching the card).
pub fn card_present(reader: &str) -> Result<bool, PcscError> {
    let ctx = context()?;
    let name = CString::new(reader).map_err(|_| PcscError::UnknownReader {
        name: reader.replace('\0', "\\0"),
        available: String::new(),
    })?;
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    ctx.get_status_change(std::time::Duration::ZERO, &mut states)
        .map_err(|e| match e {
            pcsc::Error::UnknownReader => PcscError::UnknownReader {
                name: reader.to_string(),
                available: String::new(),
            },
            other => service_error(other),
        })?;
    Ok(states[0].event_state().contains(pcsc::State::PRESENT))
}

/// A card in a PC/SC reader, connected in shared mode with T=0 or T=1. Dropping it
/// disconnects without resetting the card.
pub struct PcscCard {
    card: Option<pcsc::Card>,
    reader: String,
    atr: Vec<u8>,
    protocol: Option<pcsc::Protocol>,
}

impl core::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .field("protocol", &self.protocol_name())
            .finish()
    }
}

impl PcscCard {
    /// Connects to the card in `reader`: the reader with exactly this name, else the only
    /// reader whose name starts with it.
    pub fn connect(reader: &str) -> Result<PcscCard, PcscError> {
        let ctx = context()?;
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(service_error(e)),
        };
        let text: Vec<String> = names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        let exact = text.iter().position(|n| n == reader);
        let prefixed: Vec<usize> = (0..text.len())
            .filter(|&i| text[i].starts_with(reader))
            .collect();
        let index = match (exact, prefixed.as_slice()) {
            (Some(i), _) => i,
            (None, [i]) => *i,
            _ => {
                return Err(PcscError::UnknownReader {
                    name: reader.to_string(),
                    available: text.join(", "),
                });
            }
        };
        let name: &CString = &names[index];
        let card = ctx
            .connect(name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard
                | pcsc::Error::RemovedCard
                | pcsc::Error::UnpoweredCard => PcscError::NoCard(text[index].clone()),
                other => service_error(other),
            })?;
        let status = card.status2_owned().map_err(service_error)?;
        Ok(PcscCard {
            atr: status.atr().to_vec(),
            protocol: status.protocol2(),
            card: Some(card),
            reader: text[index].clone(),
        })
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer to reset.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// `T=0`, `T=1`, `raw`, or `-` when none is active.
    pub fn protocol_name(&self) -> &'static str {
        match self.protocol {
            Some(pcsc::Protocol::T0) => "T=0",
            Some(pcsc::Protocol::T1) => "T=1",
            Some(pcsc::Protocol::RAW) => "raw",
            None => "-",
        }
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        // The pcsc crate's own drop resets the card; a phone's SIM should be left alone.
        if let Some(card) = self.card.take() {
            let _ = card.disconnect(pcsc::Disposition::LeaveCard);
        }
    }
}

impl CardTransport for PcscCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        let Some(card) = &self.card else {
            return Err(TransportError::Removed);
        };
        match card.transmit(command, &mut buf) {
            Ok(r) => Ok(r.to_vec()),
            Err(pcsc::Error::RemovedCard | pcsc::Error::ResetCard) => Err(TransportError::Removed),
            Err(pcsc::Error::NoSmartcard) => Err(TransportError::NoCard),
            Err(e) => Err(TransportError::Reader(e.to_string())),
        }
    }
}
