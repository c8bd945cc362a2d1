//! Applications dispatched by APPID (uab.md §5, content.md §7) and the user-visible settings
//! a document would change (uab.md §6): the confirmation summary names every proxy, NAP
//! address (APN), MMSC, server, home page and WLAN SSID with its old and new value.

use std::fmt;

use omacp_doc::Characteristic;

/// A kind of setting the user must see before accepting a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingKind {
    /// BOOTSTRAP/PROVURL: who may provision the device later.
    ProvisioningServer,
    /// A proxy address (PXPHYSICAL/PXADDR).
    Proxy,
    /// A NAP address: APN, dial-up number (NAPDEF/NAP-ADDRESS).
    NapAddress,
    /// A WLAN network name (NAPDEF/WLAN/PRI-SSID).
    WlanSsid,
    /// The MMS centre (w4/ap0005 ADDR).
    Mmsc,
    /// An application server address (ADDR, APPADDR/ADDR).
    Server,
    /// A browser start page (PXLOGICAL/STARTPAGE, w2 RESOURCE with STARTPAGE).
    HomePage,
    /// A bookmark (w2 RESOURCE/URI).
    Bookmark,
}

impl SettingKind {
    /// Stable name (JSON, text).
    pub fn name(self) -> &'static str {
        match self {
            SettingKind::ProvisioningServer => "provisioning-server",
            SettingKind::Proxy => "proxy",
            SettingKind::NapAddress => "nap-address",
            SettingKind::WlanSsid => "wlan-ssid",
            SettingKind::Mmsc => "mmsc",
            SettingKind::Server => "server",
            SettingKind::HomePage => "home-page",
            SettingKind::Bookmark => "bookmark",
        }
    }
}

impl fmt::Display for SettingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A handler for one application family. The agent core only asks it to describe an
/// APPLICATION; installing it is the shell's business once the plan is committed.
pub trait AppHandler {
    /// Human name (`browser`, `mms`, …).
    fn name(&self) -> &str;
    /// True when this handler takes `appid`.
    fn handles(&self, appid: &str) -> bool;
    /// The visible settings of `app` (its servers, MMSC, home page…).
    fn visible(&self, app: &Characteristic) -> Vec<(SettingKind, String)> {
        generic_servers(app)
    }
    /// What the device should do after applying `app` (uab.md §9), e.g. start a DM session.
    fn post_actions(&self, _app: &Characteristic) -> Vec<String> {
        Vec::new()
    }
}

fn generic_servers(app: &Characteristic) -> Vec<(SettingKind, String)> {
    let mut v: Vec<(SettingKind, String)> = app
        .values("ADDR")
        .map(|a| (SettingKind::Server, a.to_string()))
        .collect();
    for aa in app.characteristics().filter(|c| c.kind == "APPADDR") {
        v.extend(
            aa.values("ADDR")
                .map(|a| (SettingKind::Server, a.to_string())),
        );
    }
    v
}

/// A built-in handler: a name, its APPIDs, and how its ADDR reads.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    name: &'static str,
    appids: &'static [&'static str],
    addr_kind: SettingKind,
}

/// The built-in handlers (content.md §7.1).
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "browser",
        appids: &["w2"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "mms",
        appids: &["w4", "ap0005"],
        addr_kind: SettingKind::Mmsc,
    },
    Builtin {
        name: "email-smtp",
        appids: &["25"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "email-pop3",
        appids: &["110"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "email-imap4",
        appids: &["143"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "data-sync",
        appids: &["w5"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "device-management",
        appids: &["w7"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "imps",
        appids: &["wA"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "supl",
        appids: &["ap0004"],
        addr_kind: SettingKind::Server,
    },
    Builtin {
        name: "download",
        appids: &["DL"],
        addr_kind: SettingKind::Server,
    },
];

impl AppHandler for Builtin {
    fn name(&self) -> &str {
        self.name
    }

    fn handles(&self, appid: &str) -> bool {
        self.appids.contains(&appid)
    }

    fn visible(&self, app: &Characteristic) -> Vec<(SettingKind, String)> {
        let mut v: Vec<(SettingKind, String)> = generic_servers(app)
            .into_iter()
            .map(|(_, a)| (self.addr_kind, a))
            .collect();
        if self.name == "browser" {
            for r in app.characteristics().filter(|c| c.kind == "RESOURCE") {
                let kind = if r.has("STARTPAGE") {
                    SettingKind::HomePage
                } else {
                    SettingKind::Bookmark
                };
                v.extend(r.values("URI").map(|u| (kind, u.to_string())));
            }
        }
        v
    }

    fn post_actions(&self, app: &Characteristic) -> Vec<String> {
        if self.name == "device-management" && app.has("INIT") {
            let server = app.value("PROVIDER-ID").unwrap_or("");
            vec![format!("start a DM session with {server}")]
        } else {
            Vec::new()
        }
    }
}

/// The APPID → handler table. Unknown APPIDs are kept in the settings and reported, never
/// dropped silently.
pub struct AppRegistry {
    handlers: Vec<Box<dyn AppHandler + Send>>,
}

impl fmt::Debug for AppRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.handlers.iter().map(|h| h.name().to_string()))
            .finish()
    }
}

impl Default for AppRegistry {
    fn default() -> Self {
        AppRegistry::builtin()
    }
}

impl AppRegistry {
    /// No handlers at all.
    pub fn empty() -> AppRegistry {
        AppRegistry {
            handlers: Vec::new(),
        }
    }

    /// The [`BUILTINS`].
    pub fn builtin() -> AppRegistry {
        let mut r = AppRegistry::empty();
        for b in BUILTINS {
            r.register(Box::new(*b));
        }
        r
    }

    /// Adds a handler; a later handler wins for an APPID both take.
    pub fn register(&mut self, h: Box<dyn AppHandler + Send>) {
        self.handlers.insert(0, h);
    }

    /// The handler for `appid`.
    pub fn get(&self, appid: &str) -> Option<&(dyn AppHandler + Send)> {
        self.handlers
            .iter()
            .find(|h| h.handles(appid))
            .map(|b| b.as_ref())
    }
}

/// Visible settings of one top-level characteristic.
pub fn visible(c: &Characteristic, apps: &AppRegistry) -> Vec<(SettingKind, String)> {
    let mut v = Vec::new();
    match c.kind.as_str() {
        "BOOTSTRAP" => v.extend(
            c.values("PROVURL")
                .map(|u| (SettingKind::ProvisioningServer, u.to_string())),
        ),
        "PXLOGICAL" => {
            v.extend(
                c.values("STARTPAGE")
                    .map(|u| (SettingKind::HomePage, u.to_string())),
            );
            for ph in c.characteristics().filter(|p| p.kind == "PXPHYSICAL") {
                v.extend(
                    ph.values("PXADDR")
                        .map(|a| (SettingKind::Proxy, a.to_string())),
                );
            }
        }
        "NAPDEF" => {
            v.extend(
                c.values("NAP-ADDRESS")
                    .map(|a| (SettingKind::NapAddress, a.to_string())),
            );
            for w in c.characteristics().filter(|w| w.kind == "WLAN") {
                v.extend(
                    w.values("PRI-SSID")
                        .chain(w.values("PRI-U-SSID"))
                        .map(|s| (SettingKind::WlanSsid, s.to_string())),
                );
                for s in w.characteristics().filter(|s| s.kind == "SEC-SSID") {
                    v.extend(
                        s.values("S-SSID")
                            .map(|x| (SettingKind::WlanSsid, x.to_string())),
                    );
                }
            }
        }
        "APPLICATION" => {
            let appid = c.value("APPID").unwrap_or("");
            match apps.get(appid) {
                Some(h) => v.extend(h.visible(c)),
                None => v.extend(generic_servers(c)),
            }
        }
        _ => {}
    }
    v
}

/// One visible setting that a document adds or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of setting.
    pub setting: SettingKind,
    /// The top-level characteristic it belongs to (`NAPDEF[gprs]`).
    pub item: String,
    /// Its NAME, if any (a label only: identity is `item`).
    pub name: Option<String>,
    /// Values stored now (empty: the setting is new).
    pub old: Vec<String>,
    /// Values after applying.
    pub new: Vec<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.setting, self.item)?;
        if let Some(n) = &self.name {
            write!(f, " \"{n}\"")?;
        }
        if self.old.is_empty() {
            write!(f, ": {}", self.new.join(", "))
        } else {
            write!(f, ": {} -> {}", self.old.join(", "), self.new.join(", "))
        }
    }
}

/// The changes `new` brings compared to `old` (same key), kind by kind.
pub fn changes(
    item: &str,
    old: Option<&Characteristic>,
    new: &Characteristic,
    apps: &AppRegistry,
) -> Vec<Change> {
    let nv = visible(new, apps);
    let ov = old.map(|o| visible(o, apps)).unwrap_or_default();
    let mut kinds: Vec<SettingKind> = nv.iter().chain(&ov).map(|(k, _)| *k).collect();
    kinds.sort();
    kinds.dedup();
    let mut out = Vec::new();
    for k in kinds {
        let pick = |v: &[(SettingKind, String)]| -> Vec<String> {
            v.iter()
                .filter(|(kk, _)| *kk == k)
                .map(|(_, s)| s.clone())
                .collect()
        };
        let (o, n) = (pick(&ov), pick(&nv));
        if o != n {
            out.push(Change {
                setting: k,
                item: item.to_string(),
                name: new.value("NAME").map(str::to_string),
                old: o,
                new: n,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mms_addr_is_mmsc_and_dm_init_is_reported() {
        let apps = AppRegistry::builtin();
        let mms = Characteristic::new("APPLICATION")
            .with_parm("APPID", "w4")
            .with_parm("ADDR", "http://mmsc.example/");
        assert_eq!(
            visible(&mms, &apps),
            vec![(SettingKind::Mmsc, "http://mmsc.example/".to_string())]
        );
        let dm = Characteristic::new("APPLICATION")
            .with_parm("APPID", "w7")
            .with_parm("PROVIDER-ID", "dm1")
            .with_flag("INIT");
        assert_eq!(apps.get("w7").unwrap().post_actions(&dm).len(), 1);
        assert!(apps.get("x-unknown").is_none());
    }
}
