//! What the device holds: provisioning contexts, each a list of owned top-level
//! characteristics keyed by identity (uab.md §3, §4; content.md §6). The agent reads them
//! through [`SettingsView`] and never writes them: it hands the shell an
//! [`ApplyPlan`](crate::ApplyPlan) with the new state of the contexts it touches.

use std::collections::BTreeMap;
use std::fmt;

use omacp_doc::validate::ResolveContext;
use omacp_doc::{Characteristic, Node};

use crate::policy::Trust;

/// The id of the context for settings from documents without a PROVURL (uab.md §3).
pub const DEFAULT_CONTEXT: &str = "default";
/// The id of the context for card documents without a PROVURL (smartcard.md).
pub const CARD_CONTEXT: &str = "card";

/// Identity of a top-level characteristic inside a context (uab.md §4, content.md §6.3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKey {
    /// Characteristic type (`NAPDEF`, `APPLICATION`, …).
    pub kind: String,
    /// Its identity value(s): NAPID, PROXY-ID, `APPID/key`, PROVURL, NAME… (empty when the
    /// type has a single instance).
    pub id: String,
}

impl ItemKey {
    /// The key of a top-level characteristic: PXLOGICAL by PROXY-ID, NAPDEF by NAPID,
    /// APPLICATION by (APPID, NAME for w2, nothing for w4/ap0005, PROVIDER-ID otherwise),
    /// BOOTSTRAP by PROVURL, VENDORCONFIG by NAME, ACCESS by its RULEs.
    pub fn of(c: &Characteristic) -> ItemKey {
        let v = |n: &str| c.value(n).unwrap_or("").to_string();
        let id = match c.kind.as_str() {
            "PXLOGICAL" => v("PROXY-ID"),
            "NAPDEF" => v("NAPID"),
            "BOOTSTRAP" => v("PROVURL"),
            "VENDORCONFIG" => v("NAME"),
            "ACCESS" => c.values("RULE").collect::<Vec<_>>().join(","),
            "APPLICATION" => {
                let appid = v("APPID");
                let key = match appid.as_str() {
                    "w2" => v("NAME"),
                    "w4" | "ap0005" => String::new(),
                    _ => v("PROVIDER-ID"),
                };
                format!("{appid}/{key}")
            }
            _ => String::new(),
        };
        ItemKey {
            kind: c.kind.clone(),
            id,
        }
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.id.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}[{}]", self.kind, self.id)
        }
    }
}

/// One stored top-level characteristic and who wrote it. `Debug` shows only its key and
/// owner: characteristics may hold passwords and keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Item {
    /// The trust class of the document that wrote it (ownership, uab.md §2).
    pub owner: Trust,
    /// The characteristic as applied (after pruning).
    pub characteristic: Characteristic,
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Item")
            .field("key", &format_args!("{}", self.key()))
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Item {
    /// Its identity.
    pub fn key(&self) -> ItemKey {
        ItemKey::of(&self.characteristic)
    }
}

/// A provisioning context: the settings one authority owns (uab.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// [`DEFAULT_CONTEXT`], [`CARD_CONTEXT`], or the normalised PROVURL of a TPS.
    pub id: String,
    /// The PROVURL as received (TPS contexts only).
    pub provurl: Option<String>,
    /// BOOTSTRAP/NAME, if given.
    pub name: Option<String>,
    /// The trust class that created the context (its authority).
    pub authority: Trust,
    /// BOOTSTRAP/CONTEXT-ALLOW: how many further TPS contexts may exist beside this one.
    pub context_allow: Option<u8>,
    /// BOOTSTRAP/PROXY-ID values: the PXLOGICALs acting as this TPS's trusted PPGs.
    pub trusted_proxies: Vec<String>,
    /// Top-level characteristics, in the order they were first provisioned.
    pub items: Vec<Item>,
}

impl Context {
    /// An empty context.
    pub fn new(id: impl Into<String>, authority: Trust) -> Context {
        Context {
            id: id.into(),
            provurl: None,
            name: None,
            authority,
            context_allow: None,
            trusted_proxies: Vec::new(),
            items: Vec::new(),
        }
    }

    /// True for a TPS context (created by a BOOTSTRAP with PROVURL).
    pub fn is_tps(&self) -> bool {
        self.provurl.is_some()
    }

    /// The stored item with `key`.
    pub fn item(&self, key: &ItemKey) -> Option<&Item> {
        self.items.iter().find(|i| &i.key() == key)
    }

    /// What references may resolve to inside this context (content.md §6 rule 1).
    pub fn resolve_context(&self) -> ResolveContext {
        let mut r = ResolveContext::default();
        let mut internet = false;
        for i in &self.items {
            let c = &i.characteristic;
            match c.kind.as_str() {
                "NAPDEF" => {
                    if let Some(id) = c.value("NAPID") {
                        r.napids.insert(id.to_string());
                    }
                    internet |= c.has("INTERNET");
                }
                "PXLOGICAL" => {
                    if let Some(id) = c.value("PROXY-ID") {
                        r.proxy_ids.insert(id.to_string());
                    }
                }
                "APPLICATION" => {
                    if let Some(a) = c.value("APPREF") {
                        r.apprefs.insert(a.to_string());
                    }
                }
                _ => {}
            }
        }
        r.internet_nap = Some(internet);
        r
    }

    /// Every PXADDR of the PXPHYSICALs of the trusted PPG PXLOGICALs.
    pub fn trusted_ppg_addresses(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for i in &self.items {
            let c = &i.characteristic;
            if c.kind != "PXLOGICAL"
                || !c
                    .value("PROXY-ID")
                    .is_some_and(|p| self.trusted_proxies.iter().any(|t| t == p))
            {
                continue;
            }
            for ph in c.characteristics().filter(|p| p.kind == "PXPHYSICAL") {
                out.extend(ph.values("PXADDR"));
            }
        }
        out
    }

    /// Approximate bytes held (names and values), for memory accounting.
    pub fn approx_bytes(&self) -> usize {
        fn walk(c: &Characteristic) -> usize {
            c.kind.len()
                + c.children
                    .iter()
                    .map(|n| match n {
                        Node::Parm(p) => p.name.len() + p.value.as_ref().map_or(0, String::len),
                        Node::Characteristic(c) => walk(c),
                    })
                    .sum::<usize>()
        }
        self.id.len()
            + self
                .items
                .iter()
                .map(|i| walk(&i.characteristic))
                .sum::<usize>()
    }
}

/// Every context on the device, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Contexts by id.
    pub contexts: BTreeMap<String, Context>,
}

impl Settings {
    /// Number of TPS contexts.
    pub fn tps_count(&self) -> usize {
        self.contexts.values().filter(|c| c.is_tps()).count()
    }

    /// The TPS context whose PROVURL `uri` belongs to (security.md §6.2 matching rule).
    pub fn context_for_uri(&self, uri: &str) -> Option<&Context> {
        self.contexts.values().find(|c| {
            c.provurl
                .as_deref()
                .is_some_and(|p| uri_matches_provurl(uri, p))
        })
    }
}

/// Why the settings could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewError(pub String);

/// Read access to the stored settings. The shell's store implements it; reads are
/// synchronous and must reflect every plan the shell has confirmed with
/// [`Input::Committed`](crate::Input::Committed).
pub trait SettingsView {
    /// A snapshot of every context.
    fn settings(&self) -> Result<Settings, ViewError>;
}

impl SettingsView for Settings {
    fn settings(&self) -> Result<Settings, ViewError> {
        Ok(self.clone())
    }
}

/// A PROVURL as a context key: scheme and host lower-cased, a trailing `/` dropped.
pub fn normalise_provurl(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = match url.find("://") {
        Some(i) => (url[..i].to_ascii_lowercase(), &url[i + 3..]),
        None => (String::new(), url),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let mut out = String::with_capacity(url.len());
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push_str("://");
    }
    out.push_str(&rest[..host_end].to_ascii_lowercase());
    out.push_str(&rest[host_end..]);
    while out.ends_with('/') {
        out.pop();
    }
    out
}

/// True when `uri` (an initiator URI or a fetch URL) is PROVURL or lies below it: scheme and
/// host compared case-insensitively, then a prefix test on the path (security.md §6.2 \[U\]).
pub fn uri_matches_provurl(uri: &str, provurl: &str) -> bool {
    let u = normalise_provurl(uri);
    let p = normalise_provurl(provurl);
    !p.is_empty()
        && u.starts_with(&p)
        && matches!(u.as_bytes().get(p.len()), None | Some(b'/' | b'?' | b'#'))
}

impl std::error::Error for ViewError {}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "settings store: {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provurl_matching() {
        assert!(uri_matches_provurl(
            "HTTP://Tps.Example.com/prov/x",
            "http://tps.example.com/prov"
        ));
        assert!(uri_matches_provurl(
            "http://tps.example.com/prov",
            "http://tps.example.com/prov/"
        ));
        assert!(!uri_matches_provurl(
            "http://tps.example.com/provisioning",
            "http://tps.example.com/prov"
        ));
        assert!(!uri_matches_provurl(
            "http://tps.example.com.evil/prov",
            "http://tps.example.com"
        ));
        assert!(!uri_matches_provurl("http://x", ""));
    }
}
