//! ISO/IEC 7816-4 command and response APDUs as a SIM (GSM 11.11 / TS 51.011, class `A0`)
//! and a UICC (ETSI TS 102 221, class `00`) expect them, and the status words both return
//! (smartcard.md §3).
//!
//! Only short APDUs are built: at most 255 data bytes and `Le` up to 256 (sent as `00`).
//! [`StatusWord`] keeps every value it does not name ([`StatusWord::Unknown`]).

use omacp_wire::hex;

/// The command class: which family of commands the card speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// GSM SIM (and R-UIM): CLA `A0`; SELECT by file id only, one level at a time; the
    /// response length arrives as `9Fxx`.
    Gsm,
    /// UICC (USIM, CSIM, ISIM and other TS 102 221 applications): CLA `00`; SELECT by
    /// file id, by path or by AID; the response length arrives as `61xx`.
    Uicc,
}

impl Class {
    /// The CLA byte on the basic logical channel.
    pub fn cla(self) -> u8 {
        match self {
            Class::Gsm => 0xA0,
            Class::Uicc => 0x00,
        }
    }

    /// The class a CLA byte belongs to (`None` for other classes or logical channels).
    pub fn from_cla(cla: u8) -> Option<Class> {
        match cla {
            0xA0 => Some(Class::Gsm),
            0x00 => Some(Class::Uicc),
            _ => None,
        }
    }
}

/// Instruction bytes used here.
pub mod ins {
    /// SELECT.
    pub const SELECT: u8 = 0xA4;
    /// READ BINARY.
    pub const READ_BINARY: u8 = 0xB0;
    /// READ RECORD.
    pub const READ_RECORD: u8 = 0xB2;
    /// GET RESPONSE.
    pub const GET_RESPONSE: u8 = 0xC0;
}

/// SELECT P1 values (TS 102 221 §11.1.1.2).
pub mod select {
    /// By file identifier (GSM: the only mode).
    pub const BY_FID: u8 = 0x00;
    /// Parent DF of the current DF.
    pub const PARENT: u8 = 0x03;
    /// By DF name, i.e. application identifier.
    pub const BY_AID: u8 = 0x04;
    /// By path from the MF (the path omits `3F00`).
    pub const PATH_FROM_MF: u8 = 0x08;
    /// By path from the current DF.
    pub const PATH_FROM_CURRENT: u8 = 0x09;
    /// UICC P2: return the FCP template.
    pub const P2_FCP: u8 = 0x04;
    /// UICC P2: return nothing.
    pub const P2_NO_DATA: u8 = 0x0C;
}

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (at most 255 bytes).
    pub data: Vec<u8>,
    /// Expected response length, 1..=256; `None` when no data is expected.
    pub le: Option<u16>,
}

/// Why bytes are not a short command APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// Fewer than four header bytes (command) or two status bytes (response).
    #[error("{0} byte(s) is too short for an APDU")]
    TooShort(usize),
    /// Lc announces more or fewer bytes than follow.
    #[error("Lc says {lc} data byte(s) but {present} follow")]
    BadLc {
        /// Announced.
        lc: usize,
        /// Present after the Lc byte.
        present: usize,
    },
    /// Extended-length APDUs are not used by these cards.
    #[error("extended-length APDU")]
    Extended,
}

impl Command {
    fn new(class: Class, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u16>) -> Self {
        Command {
            cla: class.cla(),
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
        }
    }

    /// SELECT one file by its identifier, relative to the current DF.
    pub fn select_fid(class: Class, fid: u16) -> Self {
        let p2 = match class {
            Class::Gsm => 0x00,
            Class::Uicc => select::P2_FCP,
        };
        Self::new(
            class,
            ins::SELECT,
            select::BY_FID,
            p2,
            &fid.to_be_bytes(),
            None,
        )
    }

    /// SELECT by path (UICC only): from the MF (`path` omits `3F00`) or from the current DF.
    pub fn select_path(from_mf: bool, path: &[u16]) -> Self {
        let p1 = if from_mf {
            select::PATH_FROM_MF
        } else {
            select::PATH_FROM_CURRENT
        };
        let data: Vec<u8> = path.iter().flat_map(|f| f.to_be_bytes()).collect();
        Self::new(Class::Uicc, ins::SELECT, p1, select::P2_FCP, &data, None)
    }

    /// SELECT an application by its AID or a leading part of it (UICC only).
    pub fn select_aid(aid: &[u8]) -> Self {
        Self::new(
            Class::Uicc,
            ins::SELECT,
            select::BY_AID,
            select::P2_FCP,
            aid,
            None,
        )
    }

    /// READ BINARY of `le` bytes (1..=256) at `offset` (below 0x8000) of the current EF.
    pub fn read_binary(class: Class, offset: u16, le: u16) -> Self {
        let [hi, lo] = offset.to_be_bytes();
        Self::new(class, ins::READ_BINARY, hi & 0x7F, lo, &[], Some(le))
    }

    /// READ RECORD `n` (1..=254) in absolute mode, `le` bytes.
    pub fn read_record(class: Class, n: u8, le: u16) -> Self {
        Self::new(class, ins::READ_RECORD, n, 0x04, &[], Some(le))
    }

    /// GET RESPONSE of `le` bytes.
    pub fn get_response(class: Class, le: u16) -> Self {
        Self::new(class, ins::GET_RESPONSE, 0, 0, &[], Some(le))
    }

    /// The same command with another `Le` (the answer to `6Cxx`).
    pub fn with_le(&self, le: u16) -> Self {
        Command {
            le: Some(le),
            ..self.clone()
        }
    }

    /// The bytes to send: header, `Lc data` if any, `Le` if any (`00` meaning 256).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(6 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            out.push(self.data.len().min(255) as u8);
            out.extend_from_slice(&self.data[..self.data.len().min(255)]);
        }
        if let Some(le) = self.le {
            out.push(if le >= 256 { 0 } else { le as u8 });
        }
        out
    }

    /// Reads a short command APDU (cases 1 to 4).
    pub fn decode(bytes: &[u8]) -> Result<Command, ApduError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::TooShort(bytes.len()));
        };
        let le_of = |b: u8| if b == 0 { 256 } else { u16::from(b) };
        let (data, le) = match body {
            [] => (&[][..], None),
            [le] => (&[][..], Some(le_of(*le))),
            [0, _, _, ..] => return Err(ApduError::Extended),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len() {
                    n if n == lc => (rest, None),
                    n if n == lc + 1 => (&rest[..lc], Some(le_of(rest[lc]))),
                    present => return Err(ApduError::BadLc { lc, present }),
                }
            }
        };
        Ok(Command {
            cla: *cla,
            ins: *ins,
            p1: *p1,
            p2: *p2,
            data: data.to_vec(),
            le,
        })
    }
}

impl core::fmt::Display for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&hex::encode_upper(&self.encode()))
    }
}

/// A response APDU: data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

impl Response {
    /// Splits received bytes into data and status word.
    pub fn decode(bytes: &[u8]) -> Result<Response, ApduError> {
        let n = bytes.len();
        if n < 2 {
            return Err(ApduError::TooShort(n));
        }
        let sw = StatusWord::from_u16(u16::from_be_bytes([bytes[n - 2], bytes[n - 1]]));
        Ok(Response {
            data: bytes[..n - 2].to_vec(),
            sw,
        })
    }

    /// Data followed by the status word.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_u16().to_be_bytes());
        out
    }

    /// A response with only a status word.
    pub fn status(sw: StatusWord) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }
}

macro_rules! status_words {
    ($( $(#[$doc:meta])* $name:ident = $sw:literal => $text:literal, )*) => {
        /// A status word. Fixed values are named once in the table below; `61xx`, `6Cxx`,
        /// `67xx` (GSM, xx ≠ 0), `9Fxx`, `91xx` and `63Cx` carry their parameter; every other
        /// value is kept as [`StatusWord::Unknown`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum StatusWord {
            $( $(#[$doc])* $name, )*
            /// `61xx`: xx response bytes wait for GET RESPONSE (UICC; 00 means 256).
            ResponseBytes(u8),
            /// `9Fxx`: xx response bytes wait for GET RESPONSE (GSM).
            GsmResponseBytes(u8),
            /// `6Cxx`: wrong Le; resend with Le = xx (00 means 256).
            WrongLe(u8),
            /// `67xx`, xx ≠ 0 (GSM 11.11): incorrect P3; the right length is xx.
            GsmWrongLength(u8),
            /// `91xx`: success, and a proactive command of xx bytes is pending (SIM toolkit).
            ProactivePending(u8),
            /// `63Cx`: verification failed, x retries left.
            RetriesLeft(u8),
            /// Any other value.
            Unknown(u16),
        }

        /// The named status words: value, variant, meaning.
        pub static STATUS_WORDS: &[(u16, StatusWord, &str)] = &[
            $( ($sw, StatusWord::$name, $text), )*
        ];

        impl StatusWord {
            /// The status word for two bytes SW1 SW2.
            pub fn from_u16(v: u16) -> StatusWord {
                match v {
                    $( $sw => StatusWord::$name, )*
                    0x6100..=0x61FF => StatusWord::ResponseBytes(v as u8),
                    0x9F00..=0x9FFF => StatusWord::GsmResponseBytes(v as u8),
                    0x6C00..=0x6CFF => StatusWord::WrongLe(v as u8),
                    0x6701..=0x67FF => StatusWord::GsmWrongLength(v as u8),
                    0x9100..=0x91FF => StatusWord::ProactivePending(v as u8),
                    0x63C0..=0x63CF => StatusWord::RetriesLeft(v as u8 & 0x0F),
                    _ => StatusWord::Unknown(v),
                }
            }

            /// SW1 SW2 as a number.
            pub fn to_u16(self) -> u16 {
                match self {
                    $( StatusWord::$name => $sw, )*
                    StatusWord::ResponseBytes(x) => 0x6100 | u16::from(x),
                    StatusWord::GsmResponseBytes(x) => 0x9F00 | u16::from(x),
                    StatusWord::WrongLe(x) => 0x6C00 | u16::from(x),
                    StatusWord::GsmWrongLength(x) => 0x6700 | u16::from(x),
                    StatusWord::ProactivePending(x) => 0x9100 | u16::from(x),
                    StatusWord::RetriesLeft(x) => 0x63C0 | u16::from(x & 0x0F),
                    StatusWord::Unknown(v) => v,
                }
            }

            /// What the status word means.
            pub fn description(self) -> &'static str {
                match self {
                    $( StatusWord::$name => $text, )*
                    StatusWord::ResponseBytes(_) | StatusWord::GsmResponseBytes(_) => "response data available",
                    StatusWord::WrongLe(_) | StatusWord::GsmWrongLength(_) => "wrong length; the card gave the right one",
                    StatusWord::ProactivePending(_) => "normal ending, proactive command pending",
                    StatusWord::RetriesLeft(_) => "verification failed",
                    StatusWord::Unknown(_) => "unknown status",
                }
            }
        }
    };
}

status_words! {
    /// `9000`.
    Ok = 0x9000 => "normal ending",
    /// `6282`: fewer bytes than Le before the end of the file.
    EndOfFile = 0x6282 => "end of file reached before reading Le bytes",
    /// `6283`.
    SelectedFileInvalidated = 0x6283 => "selected file invalidated",
    /// `6700`.
    WrongLength = 0x6700 => "wrong length",
    /// `6881`.
    LogicalChannelNotSupported = 0x6881 => "logical channel not supported",
    /// `6981`.
    IncompatibleFileStructure = 0x6981 => "command incompatible with file structure",
    /// `6982`: the file needs a PIN (CHV) first.
    SecurityStatusNotSatisfied = 0x6982 => "security status not satisfied",
    /// `6983`.
    AuthenticationBlocked = 0x6983 => "authentication method blocked",
    /// `6985`.
    ConditionsNotSatisfied = 0x6985 => "conditions of use not satisfied",
    /// `6986`.
    NoCurrentEf = 0x6986 => "command not allowed (no current EF)",
    /// `6A80`.
    IncorrectData = 0x6A80 => "incorrect parameters in the data field",
    /// `6A81`.
    FunctionNotSupported = 0x6A81 => "function not supported",
    /// `6A82`.
    FileNotFound = 0x6A82 => "file or application not found",
    /// `6A83`.
    RecordNotFound = 0x6A83 => "record not found",
    /// `6A86`.
    IncorrectP1P2 = 0x6A86 => "incorrect parameters P1-P2",
    /// `6B00`: e.g. a READ BINARY offset past the end of the file.
    WrongP1P2 = 0x6B00 => "wrong parameters P1-P2 (offset outside the EF)",
    /// `6D00`.
    InsNotSupported = 0x6D00 => "instruction not supported",
    /// `6E00`: a SIM answers this to class `00`, a UICC may answer it to class `A0`.
    ClaNotSupported = 0x6E00 => "class not supported",
    /// `6F00`.
    TechnicalProblem = 0x6F00 => "technical problem, no precise diagnosis",
    /// `9400` (GSM).
    GsmNoEfSelected = 0x9400 => "no EF selected",
    /// `9402` (GSM).
    GsmOutOfRange = 0x9402 => "out of range (invalid address or record)",
    /// `9404` (GSM).
    GsmFileNotFound = 0x9404 => "file id not found",
    /// `9408` (GSM).
    GsmFileInconsistent = 0x9408 => "file inconsistent with the command",
    /// `9804` (GSM): access condition (CHV) not fulfilled.
    GsmAccessDenied = 0x9804 => "access condition not fulfilled",
    /// `9810` (GSM).
    GsmFileInvalidated = 0x9810 => "in contradiction with invalidation status",
    /// `9840` (GSM).
    GsmChvBlocked = 0x9840 => "CHV blocked",
}

impl StatusWord {
    /// Normal processing (`9000` or `91xx`).
    pub fn is_ok(self) -> bool {
        matches!(self, StatusWord::Ok | StatusWord::ProactivePending(_))
    }

    /// The file or application does not exist.
    pub fn is_not_found(self) -> bool {
        matches!(self, StatusWord::FileNotFound | StatusWord::GsmFileNotFound)
    }

    /// The file exists but needs a PIN/CHV or other access right first.
    pub fn is_access_denied(self) -> bool {
        matches!(
            self,
            StatusWord::SecurityStatusNotSatisfied
                | StatusWord::AuthenticationBlocked
                | StatusWord::GsmAccessDenied
                | StatusWord::GsmChvBlocked
                | StatusWord::ConditionsNotSatisfied
        )
    }

    /// Past the end of the file or record list (the normal end of an unsized read).
    pub fn is_out_of_range(self) -> bool {
        matches!(
            self,
            StatusWord::WrongP1P2
                | StatusWord::RecordNotFound
                | StatusWord::GsmOutOfRange
                | StatusWord::EndOfFile
        )
    }
}

impl core::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04X} ({})", self.to_u16(), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips() {
        for v in 0..=u16::MAX {
            assert_eq!(StatusWord::from_u16(v).to_u16(), v, "{v:04X}");
        }
        // The table has no duplicate value and no value that a pattern variant owns.
        for (i, (v, sw, _)) in STATUS_WORDS.iter().enumerate() {
            assert_eq!(StatusWord::from_u16(*v), *sw);
            assert!(
                STATUS_WORDS[i + 1..].iter().all(|(w, _, _)| w != v),
                "{v:04X} twice"
            );
        }
    }

    #[test]
    fn parametrised_words() {
        assert_eq!(
            StatusWord::from_u16(0x6120),
            StatusWord::ResponseBytes(0x20)
        );
        assert_eq!(
            StatusWord::from_u16(0x9F0F),
            StatusWord::GsmResponseBytes(0x0F)
        );
        assert_eq!(StatusWord::from_u16(0x6C10), StatusWord::WrongLe(0x10));
        assert_eq!(StatusWord::from_u16(0x6700), StatusWord::WrongLength);
        assert_eq!(
            StatusWord::from_u16(0x6710),
            StatusWord::GsmWrongLength(0x10)
        );
        assert_eq!(StatusWord::from_u16(0x63C2), StatusWord::RetriesLeft(2));
        assert_eq!(StatusWord::from_u16(0x6999), StatusWord::Unknown(0x6999));
        assert_eq!(
            StatusWord::GsmAccessDenied.to_string(),
            "9804 (access condition not fulfilled)"
        );
    }

    #[test]
    fn command_encodings() {
        assert_eq!(
            Command::select_fid(Class::Gsm, 0x7F20).encode(),
            [0xA0, 0xA4, 0x00, 0x00, 0x02, 0x7F, 0x20]
        );
        assert_eq!(
            Command::select_fid(Class::Uicc, 0x2F00).encode(),
            [0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0x00]
        );
        assert_eq!(
            Command::select_path(true, &[0x7FFF, 0x6F07]).encode(),
            [0x00, 0xA4, 0x08, 0x04, 0x04, 0x7F, 0xFF, 0x6F, 0x07]
        );
        assert_eq!(
            Command::select_aid(&[0xA0, 0, 0, 0, 0x87]).encode()[..5],
            [0x00, 0xA4, 0x04, 0x04, 0x05]
        );
        assert_eq!(
            Command::read_binary(Class::Uicc, 0x0123, 256).encode(),
            [0x00, 0xB0, 0x01, 0x23, 0x00]
        );
        assert_eq!(
            Command::read_record(Class::Gsm, 2, 0x26).encode(),
            [0xA0, 0xB2, 0x02, 0x04, 0x26]
        );
        assert_eq!(
            Command::get_response(Class::Gsm, 0x0F).encode(),
            [0xA0, 0xC0, 0x00, 0x00, 0x0F]
        );
    }

    #[test]
    fn command_decoding_covers_the_four_cases() {
        for c in [
            Command::select_fid(Class::Uicc, 0x3F00),
            Command::read_binary(Class::Gsm, 0, 9),
            Command::select_fid(Class::Uicc, 0x3F00).with_le(256),
            Command {
                cla: 0,
                ins: 0x70,
                p1: 0,
                p2: 0,
                data: vec![],
                le: None,
            },
        ] {
            assert_eq!(Command::decode(&c.encode()).unwrap(), c);
        }
        assert_eq!(Command::decode(&[0, 0xA4, 0]), Err(ApduError::TooShort(3)));
        assert_eq!(
            Command::decode(&[0, 0xA4, 0, 0, 3, 1]),
            Err(ApduError::BadLc { lc: 3, present: 1 })
        );
        assert_eq!(
            Command::decode(&[0, 0xB0, 0, 0, 0, 1, 0]),
            Err(ApduError::Extended)
        );
        assert_eq!(Response::decode(&[0x90]), Err(ApduError::TooShort(1)));
        let r = Response::decode(&[1, 2, 0x90, 0x00]).unwrap();
        assert_eq!((r.data.as_slice(), r.sw), (&[1u8, 2][..], StatusWord::Ok));
        assert_eq!(r.encode(), [1, 2, 0x90, 0x00]);
    }
}
