//! The card platforms of ProvSC 1.1 and the CP 1.2 additions (smartcard.md §3): how each is
//! addressed and where its IMSI lives. The table is data, declared once, and drives platform
//! detection, the walker, the image builder and the docs.

use crate::apdu::Class;
use crate::path::MF;

/// USIM application AID prefix: RID `A000000087` (3GPP), application code `1002`.
pub const USIM_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02];
/// ISIM application AID prefix: RID `A000000087`, application code `1004`.
pub const ISIM_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x04];
/// CSIM application AID prefix: RID `A000000343` (3GPP2), application code `1002`.
pub const CSIM_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x03, 0x43, 0x10, 0x02];

/// A card platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// GSM SIM (GSM 11.11 / TS 51.011).
    Sim,
    /// USIM on a UICC (TS 31.102, TS 102 221).
    Usim,
    /// WAP Identity Module (WAP-260-WIM), a native PKCS#15 application.
    Wim,
    /// CDMA R-UIM (3GPP2 C.S0023), addressed like a SIM.
    Ruim,
    /// CSIM on a UICC (3GPP2 C.S0065).
    Csim,
    /// ISIM on a UICC (TS 31.103).
    Isim,
}

/// How an IMSI is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImsiFormat {
    /// EF_IMSI semi-octets.
    EfImsi,
    /// EF_IMSI_M, the CDMA MIN-based encoding.
    ImsiM,
}

/// One place an IMSI may be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImsiLocation {
    /// The application (AID prefix, matched against EF(DIR)) the file is in, or `None` for
    /// a path from the MF.
    pub app: Option<&'static [u8]>,
    /// The file path: from the MF, or below the application.
    pub path: &'static [u16],
    /// Its encoding.
    pub format: ImsiFormat,
}

/// What the walker needs to know about a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformInfo {
    /// The platform.
    pub platform: Platform,
    /// Its name in card images and on the command line.
    pub name: &'static str,
    /// The defining specification.
    pub spec: &'static str,
    /// The command class it speaks.
    pub class: Class,
    /// The telecom application's AID prefix (for detection), if it has one.
    pub app_aid: Option<&'static [u8]>,
    /// Where the IMSI used for NETWPIN is read, in order of preference.
    pub imsi: &'static [ImsiLocation],
    /// The CP version that added the platform.
    pub since: &'static str,
}

const GSM_IMSI: ImsiLocation = ImsiLocation {
    app: None,
    path: &[MF, 0x7F20, 0x6F07],
    format: ImsiFormat::EfImsi,
};
const CDMA_IMSI_M: ImsiLocation = ImsiLocation {
    app: None,
    path: &[MF, 0x7F25, 0x6F22],
    format: ImsiFormat::ImsiM,
};
const USIM_IMSI: ImsiLocation = ImsiLocation {
    app: Some(&USIM_AID),
    path: &[0x6F07],
    format: ImsiFormat::EfImsi,
};
const CSIM_IMSI_M: ImsiLocation = ImsiLocation {
    app: Some(&CSIM_AID),
    path: &[0x6F22],
    format: ImsiFormat::ImsiM,
};

/// The platforms. R-UIM falls back to DF_GSM on dual-mode cards; an ISIM holds no IMSI
/// (it has the IMPI instead), so the IMSI comes from the USIM on the same UICC; a WIM takes
/// the IMSI of whichever telecom application shares its card [U: the choices for R-UIM,
/// CSIM, ISIM and WIM are ours; security.md §4.1].
pub static PLATFORMS: &[PlatformInfo] = &[
    PlatformInfo {
        platform: Platform::Sim,
        name: "sim",
        spec: "GSM 11.11 / 3GPP TS 51.011",
        class: Class::Gsm,
        app_aid: None,
        imsi: &[GSM_IMSI],
        since: "1.1",
    },
    PlatformInfo {
        platform: Platform::Usim,
        name: "usim",
        spec: "3GPP TS 31.102 on ETSI TS 102 221",
        class: Class::Uicc,
        app_aid: Some(&USIM_AID),
        imsi: &[USIM_IMSI],
        since: "1.1",
    },
    PlatformInfo {
        platform: Platform::Wim,
        name: "wim",
        spec: "WAP-260-WIM",
        class: Class::Uicc,
        app_aid: None,
        imsi: &[USIM_IMSI, GSM_IMSI],
        since: "1.1",
    },
    PlatformInfo {
        platform: Platform::Ruim,
        name: "ruim",
        spec: "3GPP2 C.S0023",
        class: Class::Gsm,
        app_aid: None,
        imsi: &[CDMA_IMSI_M, GSM_IMSI],
        since: "1.2",
    },
    PlatformInfo {
        platform: Platform::Csim,
        name: "csim",
        spec: "3GPP2 C.S0065 on ETSI TS 102 221",
        class: Class::Uicc,
        app_aid: Some(&CSIM_AID),
        imsi: &[CSIM_IMSI_M],
        since: "1.2",
    },
    PlatformInfo {
        platform: Platform::Isim,
        name: "isim",
        spec: "3GPP TS 31.103 on ETSI TS 102 221",
        class: Class::Uicc,
        app_aid: Some(&ISIM_AID),
        imsi: &[USIM_IMSI],
        since: "1.2",
    },
];

impl Platform {
    /// Every platform, in table order.
    pub const ALL: [Platform; 6] = [
        Platform::Sim,
        Platform::Usim,
        Platform::Wim,
        Platform::Ruim,
        Platform::Csim,
        Platform::Isim,
    ];

    /// Its table row.
    pub fn info(self) -> &'static PlatformInfo {
        PLATFORMS
            .iter()
            .find(|i| i.platform == self)
            .expect("every platform has a row")
    }

    /// Its name (`sim`, `usim`, …).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The command class it speaks.
    pub fn class(self) -> Class {
        self.info().class
    }

    /// True when applications are selected by AID (UICC platforms); SIM and R-UIM select
    /// the PKCS#15 DF by path.
    pub fn selects_by_aid(self) -> bool {
        self.class() == Class::Uicc
    }
}

impl core::fmt::Display for Platform {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown platform name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform {0:?} (sim, usim, wim, ruim, csim, isim)")]
pub struct UnknownPlatform(pub String);

impl core::str::FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Platform, UnknownPlatform> {
        let s = s.trim();
        PLATFORMS
            .iter()
            .find(|i| {
                i.name.eq_ignore_ascii_case(s)
                    || (i.platform == Platform::Ruim && s.eq_ignore_ascii_case("r-uim"))
            })
            .map(|i| i.platform)
            .ok_or_else(|| UnknownPlatform(s.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.info().platform, p);
            assert_eq!(p.name().parse::<Platform>().unwrap(), p);
            assert!(!p.info().imsi.is_empty());
        }
        assert_eq!(PLATFORMS.len(), Platform::ALL.len());
        assert_eq!("R-UIM".parse::<Platform>().unwrap(), Platform::Ruim);
        assert!("uim".parse::<Platform>().is_err());
        assert!(Platform::Usim.selects_by_aid() && !Platform::Sim.selects_by_aid());
    }
}
