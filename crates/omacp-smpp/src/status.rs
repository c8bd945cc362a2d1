//! SMPP 3.4 command_status values (§5.1.3), declared once as data. Each row also says
//! whether a sender should retry: that classification drives the ESME's retry policy.

use std::fmt;

/// How an ESME should treat a status on a response to a request it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Success.
    Ok,
    /// Retry later (congestion, throttling, a transient SMSC fault).
    Temporary,
    /// Throttling: retry the same message after a back-off (ESME_RTHROTTLED, ESME_RMSGQFUL).
    Throttle,
    /// Do not retry this message: it will fail the same way.
    Permanent,
}

/// One row of the status table.
#[derive(Debug, Clone, Copy)]
pub struct StatusSpec {
    /// The code.
    pub code: u32,
    /// The SMPP name (`ESME_ROK`, …).
    pub name: &'static str,
    /// Retry class.
    pub class: Class,
}

const fn s(code: u32, name: &'static str, class: Class) -> StatusSpec {
    StatusSpec { code, name, class }
}

use Class::{Ok as K, Permanent as P, Temporary as T, Throttle as H};

/// SMPP 3.4 §5.1.3, every code the specification defines.
pub static STATUSES: &[StatusSpec] = &[
    s(0x0000_0000, "ESME_ROK", K),
    s(0x0000_0001, "ESME_RINVMSGLEN", P),
    s(0x0000_0002, "ESME_RINVCMDLEN", P),
    s(0x0000_0003, "ESME_RINVCMDID", P),
    s(0x0000_0004, "ESME_RINVBNDSTS", T),
    s(0x0000_0005, "ESME_RALYBND", P),
    s(0x0000_0006, "ESME_RINVPRTFLG", P),
    s(0x0000_0007, "ESME_RINVREGDLVFLG", P),
    s(0x0000_0008, "ESME_RSYSERR", T),
    s(0x0000_000A, "ESME_RINVSRCADR", P),
    s(0x0000_000B, "ESME_RINVDSTADR", P),
    s(0x0000_000C, "ESME_RINVMSGID", P),
    s(0x0000_000D, "ESME_RBINDFAIL", P),
    s(0x0000_000E, "ESME_RINVPASWD", P),
    s(0x0000_000F, "ESME_RINVSYSID", P),
    s(0x0000_0011, "ESME_RCANCELFAIL", P),
    s(0x0000_0013, "ESME_RREPLACEFAIL", P),
    s(0x0000_0014, "ESME_RMSGQFUL", H),
    s(0x0000_0015, "ESME_RINVSERTYP", P),
    s(0x0000_0033, "ESME_RINVNUMDESTS", P),
    s(0x0000_0034, "ESME_RINVDLNAME", P),
    s(0x0000_0040, "ESME_RINVDESTFLAG", P),
    s(0x0000_0042, "ESME_RINVSUBREP", P),
    s(0x0000_0043, "ESME_RINVESMCLASS", P),
    s(0x0000_0044, "ESME_RCNTSUBDL", P),
    s(0x0000_0045, "ESME_RSUBMITFAIL", T),
    s(0x0000_0048, "ESME_RINVSRCTON", P),
    s(0x0000_0049, "ESME_RINVSRCNPI", P),
    s(0x0000_0050, "ESME_RINVDSTTON", P),
    s(0x0000_0051, "ESME_RINVDSTNPI", P),
    s(0x0000_0053, "ESME_RINVSYSTYP", P),
    s(0x0000_0054, "ESME_RINVREPFLAG", P),
    s(0x0000_0055, "ESME_RINVNUMMSGS", P),
    s(0x0000_0058, "ESME_RTHROTTLED", H),
    s(0x0000_0061, "ESME_RINVSCHED", P),
    s(0x0000_0062, "ESME_RINVEXPIRY", P),
    s(0x0000_0063, "ESME_RINVDFTMSGID", P),
    s(0x0000_0064, "ESME_RX_T_APPN", T),
    s(0x0000_0065, "ESME_RX_P_APPN", P),
    s(0x0000_0066, "ESME_RX_R_APPN", P),
    s(0x0000_0067, "ESME_RQUERYFAIL", P),
    s(0x0000_00C0, "ESME_RINVOPTPARSTREAM", P),
    s(0x0000_00C1, "ESME_ROPTPARNOTALLWD", P),
    s(0x0000_00C2, "ESME_RINVPARLEN", P),
    s(0x0000_00C3, "ESME_RMISSINGOPTPARAM", P),
    s(0x0000_00C4, "ESME_RINVOPTPARAMVAL", P),
    s(0x0000_00FE, "ESME_RDELIVERYFAILURE", T),
    s(0x0000_00FF, "ESME_RUNKNOWNERR", T),
];

/// A command_status value. Unknown values are kept (vendor codes 0x400..=0x4FF exist).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Status(pub u32);

impl Status {
    /// ESME_ROK.
    pub const OK: Status = Status(0);
    /// ESME_RINVCMDLEN.
    pub const INVALID_COMMAND_LENGTH: Status = Status(0x02);
    /// ESME_RINVCMDID.
    pub const INVALID_COMMAND_ID: Status = Status(0x03);
    /// ESME_RINVBNDSTS: wrong bind state for this command.
    pub const INVALID_BIND_STATUS: Status = Status(0x04);
    /// ESME_RALYBND.
    pub const ALREADY_BOUND: Status = Status(0x05);
    /// ESME_RSYSERR.
    pub const SYSTEM_ERROR: Status = Status(0x08);
    /// ESME_RINVDSTADR.
    pub const INVALID_DEST_ADDR: Status = Status(0x0B);
    /// ESME_RBINDFAIL.
    pub const BIND_FAILED: Status = Status(0x0D);
    /// ESME_RINVPASWD.
    pub const INVALID_PASSWORD: Status = Status(0x0E);
    /// ESME_RINVSYSID.
    pub const INVALID_SYSTEM_ID: Status = Status(0x0F);
    /// ESME_RMSGQFUL.
    pub const MESSAGE_QUEUE_FULL: Status = Status(0x14);
    /// ESME_RSUBMITFAIL.
    pub const SUBMIT_FAILED: Status = Status(0x45);
    /// ESME_RTHROTTLED.
    pub const THROTTLED: Status = Status(0x58);
    /// ESME_RINVOPTPARSTREAM.
    pub const INVALID_TLV_STREAM: Status = Status(0xC0);
    /// ESME_RUNKNOWNERR.
    pub const UNKNOWN_ERROR: Status = Status(0xFF);

    /// The table row, if the code is a standard one.
    pub fn spec(self) -> Option<&'static StatusSpec> {
        STATUSES.iter().find(|r| r.code == self.0)
    }

    /// The SMPP name, if standard.
    pub fn name(self) -> Option<&'static str> {
        self.spec().map(|r| r.name)
    }

    /// Whether this is ESME_ROK.
    pub fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// Retry class; unknown (vendor) codes count as temporary, since giving up on a message
    /// because of a code we cannot read would lose it.
    pub fn class(self) -> Class {
        self.spec().map_or(Class::Temporary, |r| r.class)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicate_codes_or_names() {
        for (i, a) in STATUSES.iter().enumerate() {
            for b in &STATUSES[i + 1..] {
                assert_ne!(a.code, b.code, "{}", a.name);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn classes() {
        assert_eq!(Status::THROTTLED.class(), Class::Throttle);
        assert_eq!(Status::MESSAGE_QUEUE_FULL.class(), Class::Throttle);
        assert_eq!(Status::INVALID_DEST_ADDR.class(), Class::Permanent);
        assert_eq!(Status::SYSTEM_ERROR.class(), Class::Temporary);
        assert_eq!(Status(0x0400).class(), Class::Temporary);
        assert_eq!(
            Status::THROTTLED.to_string(),
            "ESME_RTHROTTLED (0x00000058)"
        );
    }
}
