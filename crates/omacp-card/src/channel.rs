//! The APDU exchange under the walker: one command in, one complete response out, with the
//! T=0 conventions handled here — `61xx`/`9Fxx` fetched with GET RESPONSE, `6Cxx`/`67xx`
//! answered by resending with the length the card named — and every exchange counted
//! against the APDU budget. SELECT by path or AID, READ BINARY in chunks and READ RECORD
//! are built on it.

use crate::apdu::{Class, Command, Response, StatusWord};
use crate::fcp::{FileInfo, FileKind, parse_fcp, parse_gsm_response};
use crate::path::{FilePath, MF};
use crate::tlv::TlvError;
use crate::{CardErrorKind, CardTransport};

/// Largest response accepted from one exchange, GET RESPONSE chain included.
const MAX_RESPONSE: usize = 4096;
/// Most GET RESPONSE rounds for one command.
const MAX_GET_RESPONSE: usize = 16;
/// Highest READ BINARY offset a short APDU can address (P1 bit 8 clear).
pub const MAX_BINARY_OFFSET: usize = 0x7FFF;

pub(crate) struct Channel<'c> {
    card: &'c mut dyn CardTransport,
    pub class: Class,
    pub apdus: usize,
    max_apdus: usize,
    chunk: u16,
}

/// The outcome of a SELECT.
pub(crate) enum Selected {
    /// Selected; the FCP says this (`fcp_error` when it could not be read).
    Found {
        info: FileInfo,
        fcp_error: Option<TlvError>,
    },
    /// Not selected: the status word says why.
    Refused(StatusWord),
}

/// The outcome of a read that reached the card.
pub(crate) enum Got<T> {
    Data(T),
    Refused(StatusWord),
}

fn le_of(x: u8) -> u16 {
    if x == 0 { 256 } else { u16::from(x) }
}

impl<'c> Channel<'c> {
    pub fn new(
        card: &'c mut dyn CardTransport,
        class: Class,
        max_apdus: usize,
        chunk: u16,
    ) -> Self {
        Channel {
            card,
            class,
            apdus: 0,
            max_apdus,
            chunk: chunk.clamp(1, 256),
        }
    }

    fn transmit(&mut self, cmd: &Command) -> Result<Response, CardErrorKind> {
        if self.apdus >= self.max_apdus {
            return Err(CardErrorKind::ApduBudget(self.max_apdus));
        }
        self.apdus += 1;
        let bytes = self
            .card
            .transmit(&cmd.encode())
            .map_err(CardErrorKind::Transport)?;
        if bytes.len() > MAX_RESPONSE + 2 {
            return Err(CardErrorKind::ResponseTooLong(bytes.len()));
        }
        Response::decode(&bytes).map_err(|_| CardErrorKind::BadResponse(bytes.len()))
    }

    /// Sends `cmd` and returns the complete response.
    pub fn exchange(&mut self, cmd: &Command) -> Result<Response, CardErrorKind> {
        let mut resp = self.transmit(cmd)?;
        match resp.sw {
            StatusWord::WrongLe(x) => resp = self.transmit(&cmd.with_le(le_of(x)))?,
            StatusWord::GsmWrongLength(x) if self.class == Class::Gsm && cmd.le.is_some() => {
                resp = self.transmit(&cmd.with_le(le_of(x)))?
            }
            _ => {}
        }
        let Response { mut data, mut sw } = resp;
        for _ in 0..MAX_GET_RESPONSE {
            let n = match sw {
                StatusWord::ResponseBytes(x) | StatusWord::GsmResponseBytes(x) => le_of(x),
                _ => return Ok(Response { data, sw }),
            };
            let mut r = self.transmit(&Command::get_response(self.class, n))?;
            if let StatusWord::WrongLe(x) | StatusWord::GsmWrongLength(x) = r.sw {
                r = self.transmit(&Command::get_response(self.class, le_of(x)))?;
            }
            data.extend_from_slice(&r.data);
            if data.len() > MAX_RESPONSE {
                return Err(CardErrorKind::ResponseTooLong(data.len()));
            }
            sw = r.sw;
        }
        Err(CardErrorKind::ResponseTooLong(data.len()))
    }

    fn found(&self, resp: &Response) -> Selected {
        if resp.data.is_empty() {
            return Selected::Found {
                info: FileInfo::default(),
                fcp_error: None,
            };
        }
        let parsed = match self.class {
            Class::Gsm => parse_gsm_response(&resp.data),
            Class::Uicc => parse_fcp(&resp.data),
        };
        match parsed {
            Ok(info) => Selected::Found {
                info,
                fcp_error: None,
            },
            Err(e) => Selected::Found {
                info: FileInfo::default(),
                fcp_error: Some(e),
            },
        }
    }

    fn select_step(
        &mut self,
        cmd: &Command,
    ) -> Result<Result<Response, StatusWord>, CardErrorKind> {
        let r = self.exchange(cmd)?;
        Ok(if r.sw.is_ok() { Ok(r) } else { Err(r.sw) })
    }

    /// Selects `path`: GSM one file id at a time from the MF; UICC by AID, then by path.
    pub fn select(&mut self, path: &FilePath) -> Result<Selected, CardErrorKind> {
        let class = self.class;
        let last = match (&path.adf, class) {
            (Some(_), Class::Gsm) => {
                return Ok(Selected::Refused(StatusWord::FunctionNotSupported));
            }
            (Some(aid), Class::Uicc) => {
                let r = match self.select_step(&Command::select_aid(aid))? {
                    Ok(r) => r,
                    Err(sw) => return Ok(Selected::Refused(sw)),
                };
                match path.fids.as_slice() {
                    [] => r,
                    [fid] => match self.select_step(&Command::select_fid(class, *fid))? {
                        Ok(r) => r,
                        Err(sw) => return Ok(Selected::Refused(sw)),
                    },
                    rel => match self.select_step(&Command::select_path(false, rel))? {
                        Ok(r) => r,
                        Err(sw) => return Ok(Selected::Refused(sw)),
                    },
                }
            }
            (None, _) if path.fids.first() != Some(&MF) => {
                return Ok(Selected::Refused(StatusWord::FileNotFound));
            }
            (None, Class::Uicc) if path.fids.len() > 1 => {
                match self.select_step(&Command::select_path(true, &path.fids[1..]))? {
                    Ok(r) => r,
                    // Cards without path selection: walk the file ids instead.
                    Err(
                        StatusWord::IncorrectP1P2
                        | StatusWord::FunctionNotSupported
                        | StatusWord::WrongP1P2
                        | StatusWord::InsNotSupported,
                    ) => match self.select_fids(&path.fids)? {
                        Ok(r) => r,
                        Err(sw) => return Ok(Selected::Refused(sw)),
                    },
                    Err(sw) => return Ok(Selected::Refused(sw)),
                }
            }
            (None, _) => match self.select_fids(&path.fids)? {
                Ok(r) => r,
                Err(sw) => return Ok(Selected::Refused(sw)),
            },
        };
        Ok(self.found(&last))
    }

    fn select_fids(&mut self, fids: &[u16]) -> Result<Result<Response, StatusWord>, CardErrorKind> {
        let mut last = Err(StatusWord::FileNotFound);
        for &fid in fids {
            last = self.select_step(&Command::select_fid(self.class, fid))?;
            if last.is_err() {
                break;
            }
        }
        Ok(last)
    }

    /// Reads the selected transparent EF: `info.size` bytes, or until the card says the end
    /// was passed. Sizes above `max` are refused before anything is read.
    pub fn read_binary(
        &mut self,
        info: &FileInfo,
        max: usize,
    ) -> Result<Got<Vec<u8>>, CardErrorKind> {
        let max = max.min(MAX_BINARY_OFFSET + 1);
        if let Some(size) = info.size.filter(|&s| s > max) {
            return Err(CardErrorKind::FileTooLarge { size, limit: max });
        }
        let mut out = Vec::new();
        loop {
            let off = out.len();
            let want = match info.size {
                Some(size) if off >= size => break,
                Some(size) => (size - off).min(usize::from(self.chunk)),
                None if off >= max => {
                    return Err(CardErrorKind::FileTooLarge {
                        size: off + 1,
                        limit: max,
                    });
                }
                None => (max - off).min(usize::from(self.chunk)),
            };
            let r = self.exchange(&Command::read_binary(self.class, off as u16, want as u16))?;
            match r.sw {
                sw if sw.is_ok() || sw == StatusWord::EndOfFile => {
                    if r.data.len() > want {
                        return Err(CardErrorKind::ResponseLength {
                            asked: want,
                            got: r.data.len(),
                        });
                    }
                    let short = r.data.len() < want;
                    out.extend_from_slice(&r.data);
                    if r.data.is_empty() || short || sw == StatusWord::EndOfFile {
                        break;
                    }
                }
                sw if off > 0 && info.size.is_none() && sw.is_out_of_range() => break,
                sw => return Ok(Got::Refused(sw)),
            }
        }
        Ok(Got::Data(out))
    }

    /// Reads every record of the selected record EF (or until the card says there are no more).
    pub fn read_records(
        &mut self,
        info: &FileInfo,
        max_records: usize,
    ) -> Result<Got<Vec<Vec<u8>>>, CardErrorKind> {
        let max_records = max_records.min(254);
        if let Some(count) = info.records.filter(|&n| n > max_records) {
            return Err(CardErrorKind::TooManyRecords {
                count,
                limit: max_records,
            });
        }
        let le = match info.record_len {
            Some(l) if l > 256 => return Err(CardErrorKind::RecordTooLong(l)),
            Some(0) | None => 256,
            Some(l) => l as u16,
        };
        let mut out = Vec::new();
        for n in 1..=info.records.unwrap_or(max_records) {
            let r = self.exchange(&Command::read_record(self.class, n as u8, le))?;
            match r.sw {
                sw if sw.is_ok() => {
                    if r.data.len() > usize::from(le) {
                        return Err(CardErrorKind::ResponseLength {
                            asked: usize::from(le),
                            got: r.data.len(),
                        });
                    }
                    out.push(r.data);
                }
                sw if n > 1 && info.records.is_none() && sw.is_out_of_range() => break,
                sw => return Ok(Got::Refused(sw)),
            }
        }
        Ok(Got::Data(out))
    }
}

/// What reading a file gave.
pub(crate) enum Content {
    Binary(Vec<u8>),
    Records(Vec<Vec<u8>>),
}

impl Channel<'_> {
    /// Reads the EF at `info` by its structure; an unknown structure is tried as binary first.
    pub fn read_ef(
        &mut self,
        info: &FileInfo,
        max_size: usize,
        max_records: usize,
    ) -> Result<Got<Content>, CardErrorKind> {
        match info.kind {
            Some(k) if k.is_record() => Ok(match self.read_records(info, max_records)? {
                Got::Data(r) => Got::Data(Content::Records(r)),
                Got::Refused(sw) => Got::Refused(sw),
            }),
            Some(FileKind::Transparent) => Ok(match self.read_binary(info, max_size)? {
                Got::Data(b) => Got::Data(Content::Binary(b)),
                Got::Refused(sw) => Got::Refused(sw),
            }),
            Some(other) => Ok(Got::Refused(match other {
                FileKind::Mf | FileKind::Df => StatusWord::NoCurrentEf,
                _ => StatusWord::IncompatibleFileStructure,
            })),
            None => match self.read_binary(info, max_size)? {
                Got::Data(b) => Ok(Got::Data(Content::Binary(b))),
                Got::Refused(
                    StatusWord::IncompatibleFileStructure | StatusWord::GsmFileInconsistent,
                ) => Ok(match self.read_records(info, max_records)? {
                    Got::Data(r) => Got::Data(Content::Records(r)),
                    Got::Refused(sw) => Got::Refused(sw),
                }),
                Got::Refused(sw) => Ok(Got::Refused(sw)),
            },
        }
    }
}
