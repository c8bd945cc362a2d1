//! A card simulated from a [`CardImage`]: it answers SELECT (by file id, by path from the MF
//! or the current DF, by AID or a leading part of one, and `7FFF` for the current ADF),
//! READ BINARY, READ RECORD and GET RESPONSE as a T=0 card does, with the status words of
//! the class used (`6A82`/`9404` not found, `6982`/`9804` PIN needed, `6B00`/`9402` offset
//! or record out of range, `6Cxx`/`67xx` wrong length).
//!
//! It is deterministic and keeps no state besides the current selection and a pending
//! response, so tests, the vpcd virtual card and `omacp device` can share it.

use crate::apdu::{Class, Command, Response, StatusWord, ins, select};
use crate::fcp::{FileInfo, FileKind, encode_fcp, encode_gsm_response};
use crate::image::{CardImage, Classes, ImageError, Structure};
use crate::path::MF;
use crate::read::{CardTransport, TransportError};

#[derive(Debug, Clone)]
struct Node {
    fid: u16,
    parent: Option<usize>,
    children: Vec<usize>,
    aid: Option<Vec<u8>>,
    ef: Option<Ef>,
}

#[derive(Debug, Clone)]
struct Ef {
    structure: Structure,
    protected: bool,
}

/// A card that answers APDUs from an image.
#[derive(Debug, Clone)]
pub struct SimulatedCard {
    nodes: Vec<Node>,
    apps: Vec<(Vec<u8>, usize)>,
    classes: Classes,
    atr: Vec<u8>,
    current_df: usize,
    current_ef: Option<usize>,
    current_adf: Option<usize>,
    pending: Vec<u8>,
    data_with_status: bool,
    commands: usize,
}

/// The status words a failure maps to in each class.
#[derive(Clone, Copy)]
enum Fault {
    NotFound,
    Protected,
    OutOfRange,
    Structure,
    NoEf,
    WrongParams,
    NoData,
}

impl SimulatedCard {
    /// A card holding `image`'s files, powered on.
    pub fn new(image: &CardImage) -> Result<SimulatedCard, ImageError> {
        image.check()?;
        let mut card = SimulatedCard {
            nodes: vec![Node {
                fid: MF,
                parent: None,
                children: Vec::new(),
                aid: None,
                ef: None,
            }],
            apps: Vec::new(),
            classes: image.classes(),
            atr: image.atr.clone(),
            current_df: 0,
            current_ef: None,
            current_adf: None,
            pending: Vec::new(),
            data_with_status: false,
            commands: 0,
        };
        for df in image.dfs.iter().chain(image.apps.iter().map(|a| &a.df)) {
            card.ensure_dir(df);
        }
        for app in &image.apps {
            let n = card.ensure_dir(&app.df);
            card.nodes[n].aid = Some(app.aid.clone());
            card.apps.push((app.aid.clone(), n));
        }
        for f in &image.files {
            let parent = card.ensure_dir(&f.path[..f.path.len() - 1]);
            let idx = card.nodes.len();
            let fid = f.path[f.path.len() - 1];
            card.nodes.push(Node {
                fid,
                parent: Some(parent),
                children: Vec::new(),
                aid: None,
                ef: Some(Ef {
                    structure: f.structure.clone(),
                    protected: f.protected,
                }),
            });
            card.nodes[parent].children.push(idx);
        }
        Ok(card)
    }

    fn ensure_dir(&mut self, path: &[u16]) -> usize {
        let mut cur = 0;
        for &fid in path.iter().skip(1) {
            cur = match self.child(cur, fid) {
                Some(c) => c,
                None => {
                    let idx = self.nodes.len();
                    self.nodes.push(Node {
                        fid,
                        parent: Some(cur),
                        children: Vec::new(),
                        aid: None,
                        ef: None,
                    });
                    self.nodes[cur].children.push(idx);
                    idx
                }
            };
        }
        cur
    }

    fn child(&self, of: usize, fid: u16) -> Option<usize> {
        self.nodes[of]
            .children
            .iter()
            .copied()
            .find(|&c| self.nodes[c].fid == fid)
    }

    /// Answer to reset.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Makes responses carry their data directly with `9000`, as over T=1, instead of
    /// announcing it with `61xx`/`9Fxx` for GET RESPONSE.
    pub fn set_data_with_status(&mut self, on: bool) {
        self.data_with_status = on;
    }

    /// Commands answered since power-on.
    pub fn commands(&self) -> usize {
        self.commands
    }

    /// Power-on or warm reset: the MF becomes current again.
    pub fn reset(&mut self) {
        self.current_df = 0;
        self.current_ef = None;
        self.current_adf = None;
        self.pending.clear();
        self.commands = 0;
    }

    /// Answers one command APDU.
    pub fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.commands += 1;
        let resp = self.answer(apdu);
        resp.encode()
    }

    fn answer(&mut self, apdu: &[u8]) -> Response {
        let Ok(cmd) = Command::decode(apdu) else {
            self.pending.clear();
            return Response::status(StatusWord::WrongLength);
        };
        let class = match Class::from_cla(cmd.cla) {
            Some(c) if self.accepts(c) => c,
            _ if cmd.cla & 0x03 != 0 && cmd.cla & 0xF0 == 0 => {
                return Response::status(StatusWord::LogicalChannelNotSupported);
            }
            _ => return Response::status(StatusWord::ClaNotSupported),
        };
        if cmd.ins != ins::GET_RESPONSE {
            self.pending.clear();
        }
        match cmd.ins {
            ins::SELECT => self.select(class, &cmd),
            ins::READ_BINARY => self.read_binary(class, &cmd),
            ins::READ_RECORD => self.read_record(class, &cmd),
            ins::GET_RESPONSE => self.get_response(class, &cmd),
            _ => Response::status(StatusWord::InsNotSupported),
        }
    }

    fn accepts(&self, c: Class) -> bool {
        matches!(
            (self.classes, c),
            (Classes::Both, _) | (Classes::Gsm, Class::Gsm) | (Classes::Uicc, Class::Uicc)
        )
    }

    fn fault(class: Class, f: Fault) -> Response {
        let sw = match (class, f) {
            (Class::Uicc, Fault::NotFound) => StatusWord::FileNotFound,
            (Class::Gsm, Fault::NotFound) => StatusWord::GsmFileNotFound,
            (Class::Uicc, Fault::Protected) => StatusWord::SecurityStatusNotSatisfied,
            (Class::Gsm, Fault::Protected) => StatusWord::GsmAccessDenied,
            (Class::Uicc, Fault::OutOfRange) => StatusWord::WrongP1P2,
            (Class::Gsm, Fault::OutOfRange) => StatusWord::GsmOutOfRange,
            (Class::Uicc, Fault::Structure) => StatusWord::IncompatibleFileStructure,
            (Class::Gsm, Fault::Structure) => StatusWord::GsmFileInconsistent,
            (Class::Uicc, Fault::NoEf) => StatusWord::NoCurrentEf,
            (Class::Gsm, Fault::NoEf) => StatusWord::GsmNoEfSelected,
            (Class::Uicc, Fault::WrongParams) => StatusWord::IncorrectP1P2,
            (Class::Gsm, Fault::WrongParams) => StatusWord::WrongP1P2,
            (_, Fault::NoData) => StatusWord::ConditionsNotSatisfied,
        };
        Response::status(sw)
    }

    /// The file a file id names from the current DF (TS 102 221 §8.4.1): the MF, the current
    /// ADF (`7FFF`), the current DF, a child, the parent, or a sibling DF.
    fn by_fid(&self, fid: u16) -> Option<usize> {
        if fid == MF {
            return Some(0);
        }
        if fid == 0x7FFF {
            return self.current_adf;
        }
        let cur = self.current_df;
        if self.nodes[cur].fid == fid && cur != 0 {
            return Some(cur);
        }
        if let Some(c) = self.child(cur, fid) {
            return Some(c);
        }
        let parent = self.nodes[cur].parent?;
        if self.nodes[parent].fid == fid {
            return Some(parent);
        }
        self.child(parent, fid)
            .filter(|&s| self.nodes[s].ef.is_none())
    }

    fn by_path(&self, start: usize, fids: &[u16], from_mf: bool) -> Option<usize> {
        let mut cur = start;
        for (i, &fid) in fids.iter().enumerate() {
            if self.nodes[cur].ef.is_some() {
                return None;
            }
            cur = if i == 0 && from_mf && fid == 0x7FFF {
                self.current_adf?
            } else {
                self.child(cur, fid)?
            };
        }
        Some(cur)
    }

    fn info(&self, n: usize) -> FileInfo {
        let node = &self.nodes[n];
        let mut info = FileInfo {
            fid: Some(node.fid),
            aid: node.aid.clone(),
            ..FileInfo::default()
        };
        match &node.ef {
            None => info.kind = Some(if n == 0 { FileKind::Mf } else { FileKind::Df }),
            Some(ef) => match &ef.structure {
                Structure::Transparent(d) => {
                    info.kind = Some(FileKind::Transparent);
                    info.size = Some(d.len());
                }
                Structure::Linear {
                    record_len,
                    records,
                }
                | Structure::Cyclic {
                    record_len,
                    records,
                } => {
                    info.kind = Some(if matches!(ef.structure, Structure::Cyclic { .. }) {
                        FileKind::Cyclic
                    } else {
                        FileKind::LinearFixed
                    });
                    info.record_len = Some(*record_len);
                    info.records = Some(records.len());
                    info.size = Some(record_len * records.len());
                }
            },
        }
        info
    }

    fn select(&mut self, class: Class, cmd: &Command) -> Response {
        let fid = |d: &[u8]| match d {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        };
        let path = |d: &[u8]| -> Option<Vec<u16>> {
            (!d.is_empty() && d.len().is_multiple_of(2)).then(|| {
                d.chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect()
            })
        };
        let target = match (class, cmd.p1) {
            (_, select::BY_FID) => match fid(&cmd.data) {
                Some(f) => self.by_fid(f),
                None => return Self::fault(class, Fault::WrongParams),
            },
            (Class::Uicc, select::PARENT) => self.nodes[self.current_df].parent,
            (Class::Uicc, select::BY_AID) if !cmd.data.is_empty() => self
                .apps
                .iter()
                .find(|(aid, _)| aid.starts_with(&cmd.data))
                .map(|(_, n)| *n),
            (Class::Uicc, select::PATH_FROM_MF) => match path(&cmd.data) {
                Some(p) => self.by_path(0, &p, true),
                None => return Self::fault(class, Fault::WrongParams),
            },
            (Class::Uicc, select::PATH_FROM_CURRENT) => match path(&cmd.data) {
                Some(p) => self.by_path(self.current_df, &p, false),
                None => return Self::fault(class, Fault::WrongParams),
            },
            _ => return Self::fault(class, Fault::WrongParams),
        };
        let Some(n) = target else {
            return Self::fault(class, Fault::NotFound);
        };
        if self.nodes[n].ef.is_some() {
            self.current_ef = Some(n);
            self.current_df = self.nodes[n].parent.unwrap_or(0);
        } else {
            self.current_ef = None;
            self.current_df = n;
            if self.nodes[n].aid.is_some() {
                self.current_adf = Some(n);
            }
        }
        let info = self.info(n);
        match class {
            Class::Gsm => self.announce(class, encode_gsm_response(&info)),
            Class::Uicc if cmd.p2 & 0x0C == select::P2_NO_DATA => Response::status(StatusWord::Ok),
            Class::Uicc => self.announce(class, encode_fcp(&info)),
        }
    }

    /// Data for GET RESPONSE (`61xx`/`9Fxx`), or directly with `9000` in T=1 style.
    fn announce(&mut self, class: Class, data: Vec<u8>) -> Response {
        if self.data_with_status {
            return Response {
                data,
                sw: StatusWord::Ok,
            };
        }
        let n = data.len().min(255) as u8;
        self.pending = data;
        Response::status(match class {
            Class::Gsm => StatusWord::GsmResponseBytes(n),
            Class::Uicc => StatusWord::ResponseBytes(n),
        })
    }

    fn wrong_length(class: Class, right: usize) -> Response {
        let x = if right >= 256 { 0 } else { right as u8 };
        Response::status(match class {
            Class::Gsm => StatusWord::GsmWrongLength(x.max(1)),
            Class::Uicc => StatusWord::WrongLe(x),
        })
    }

    fn get_response(&mut self, class: Class, cmd: &Command) -> Response {
        if self.pending.is_empty() {
            return Self::fault(class, Fault::NoData);
        }
        let le = usize::from(cmd.le.unwrap_or(256));
        if le > self.pending.len() {
            return Self::wrong_length(class, self.pending.len());
        }
        let data: Vec<u8> = self.pending.drain(..le).collect();
        let sw = match (class, self.pending.len()) {
            (_, 0) => StatusWord::Ok,
            (Class::Uicc, n) => StatusWord::ResponseBytes(n.min(255) as u8),
            (Class::Gsm, _) => {
                self.pending.clear();
                StatusWord::Ok
            }
        };
        Response { data, sw }
    }

    fn current_ef(&self, class: Class) -> Result<&Ef, Response> {
        let n = self
            .current_ef
            .ok_or_else(|| Self::fault(class, Fault::NoEf))?;
        let ef = self.nodes[n]
            .ef
            .as_ref()
            .ok_or_else(|| Self::fault(class, Fault::NoEf))?;
        if ef.protected {
            return Err(Self::fault(class, Fault::Protected));
        }
        Ok(ef)
    }

    fn read_binary(&mut self, class: Class, cmd: &Command) -> Response {
        if cmd.p1 & 0x80 != 0 {
            return Self::fault(class, Fault::WrongParams); // short file ids are not simulated
        }
        let ef = match self.current_ef(class) {
            Ok(ef) => ef,
            Err(r) => return r,
        };
        let Structure::Transparent(data) = &ef.structure else {
            return Self::fault(class, Fault::Structure);
        };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let le = usize::from(cmd.le.unwrap_or(256));
        if offset >= data.len() {
            return Self::fault(class, Fault::OutOfRange);
        }
        if offset + le > data.len() {
            return Self::wrong_length(class, data.len() - offset);
        }
        Response {
            data: data[offset..offset + le].to_vec(),
            sw: StatusWord::Ok,
        }
    }

    fn read_record(&mut self, class: Class, cmd: &Command) -> Response {
        let ef = match self.current_ef(class) {
            Ok(ef) => ef,
            Err(r) => return r,
        };
        let (Structure::Linear {
            record_len,
            records,
        }
        | Structure::Cyclic {
            record_len,
            records,
        }) = &ef.structure
        else {
            return Self::fault(class, Fault::Structure);
        };
        if cmd.p2 != 0x04 {
            return Self::fault(class, Fault::WrongParams); // only absolute mode is simulated
        }
        let n = usize::from(cmd.p1);
        if n == 0 || n > records.len() {
            return Response::status(match class {
                Class::Uicc => StatusWord::RecordNotFound,
                Class::Gsm => StatusWord::GsmOutOfRange,
            });
        }
        let le = usize::from(cmd.le.unwrap_or(256));
        if le != *record_len {
            return Self::wrong_length(class, *record_len);
        }
        Response {
            data: records[n - 1].clone(),
            sw: StatusWord::Ok,
        }
    }
}

impl CardTransport for SimulatedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.respond(command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::CardImage;

    fn card(text: &str) -> SimulatedCard {
        let img = CardImage::parse(text, &mut |_| Err("no files".into())).unwrap();
        SimulatedCard::new(&img).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        omacp_wire::hex::decode(s).unwrap()
    }

    const UICC: &str = "platform usim\napp A0000000871002FF 3F00/7FF0\n\
        ef 3F00/7FF0/6F07 transparent\n imsi 001010123456789\n\
        ef 3F00/2F00 linear 4 records 2\n record 01020304\n\
        ef 3F00/7F10/0001 transparent protected\n data 00";

    #[test]
    fn uicc_select_get_response_and_reads() {
        let mut c = card(UICC);
        let r = c.respond(&hex("00A4000402 3F00"));
        assert_eq!(r[0], 0x61);
        assert_eq!(c.respond(&hex("00C0000000")), [0x6C, r[1]]);
        // By path from the MF, then GET RESPONSE of the announced length.
        let r = c.respond(&hex("00A4080404 7FF0 6F07"));
        assert_eq!(r[0], 0x61);
        let fcp = c.respond(&hex(&format!("00C00000{:02X}", r[1])));
        assert_eq!(fcp[..1], [0x62]);
        assert_eq!(
            c.respond(&hex("00B0000009")),
            hex("080910101032547698 9000")
        );
        assert_eq!(c.respond(&hex("00B000000A")), hex("6C09"));
        assert_eq!(c.respond(&hex("00B0000901")), hex("6B00"));
        assert_eq!(c.respond(&hex("00B2010404")), hex("6981"));
        // By AID prefix, then 7FFF as the current ADF.
        assert_eq!(c.respond(&hex("00A4040C07 A0000000871002")), hex("9000"));
        assert_eq!(c.respond(&hex("00A4080C04 7FFF6F07")), hex("9000"));
        // Records.
        assert_eq!(c.respond(&hex("00A4000C02 3F00")), hex("9000"));
        assert_eq!(c.respond(&hex("00A4000C02 2F00")), hex("9000"));
        assert_eq!(c.respond(&hex("00B2010404")), hex("01020304 9000"));
        assert_eq!(c.respond(&hex("00B2020400")), hex("6C04"));
        assert_eq!(c.respond(&hex("00B2030404")), hex("6A83"));
        // Protected and missing files.
        assert_eq!(c.respond(&hex("00A4080C04 7F100001")), hex("9000"));
        assert_eq!(c.respond(&hex("00B0000001")), hex("6982"));
        assert_eq!(c.respond(&hex("00A4080C04 7F100002")), hex("6A82"));
        // Other classes and instructions.
        assert_eq!(c.respond(&hex("A0A4000002 3F00")), hex("6E00"));
        assert_eq!(c.respond(&hex("01A4000002 3F00")), hex("6881"));
        assert_eq!(c.respond(&hex("00E2000000")), hex("6D00"));
        assert_eq!(c.respond(&hex("00A4")), hex("6700"));
    }

    #[test]
    fn gsm_select_is_relative_and_uses_9f() {
        let mut c = card("platform sim\nef 3F00/7F20/6F07 transparent\n imsi 001010123456789");
        assert_eq!(c.respond(&hex("00A4000402 3F00")), hex("6E00"));
        assert_eq!(c.respond(&hex("A0A4000002 6F07")), hex("9404"));
        assert_eq!(c.respond(&hex("A0A4000002 7F20")), hex("9F16"));
        let r = c.respond(&hex("A0A4000002 6F07"));
        assert_eq!(r, hex("9F0F"));
        let resp = c.respond(&hex("A0C000000F"));
        assert_eq!((resp[6], resp[13]), (0x04, 0x00));
        assert_eq!(c.respond(&hex("A0B000000A")), hex("6709"));
        assert_eq!(c.respond(&hex("A0B0000900")), hex("9402"));
        // The parent and a sibling DF are reachable by file id.
        assert_eq!(c.respond(&hex("A0A4000002 3F00"))[0], 0x9F);
        assert_eq!(c.respond(&hex("A0C0000001"))[1], 0x90);
        assert_eq!(c.respond(&hex("A0C0000001")), hex("6985"));
    }
}
