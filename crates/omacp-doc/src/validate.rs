//! Validation and pruning of a provisioning document (content.md §6 and §8; uab.md §4).
//!
//! [`validate`] returns every diagnostic, not only the first. [`prune`] applies the
//! cascade a device applies and returns the surviving document and the reasons for each
//! removal. Both run the same analysis, so what `validate` calls an error is exactly
//! what `prune` removes:
//!
//! 1. per characteristic, bottom-up: unknown or misplaced types are dropped with their
//!    subtree; unusable parameters (unknown name, missing value, bad value, beyond the
//!    allowed count) are dropped; then a characteristic missing a mandatory parameter or
//!    child, or with an inconsistent combination (VALIDITY NETWORK without COUNTRY, …),
//!    is dropped;
//! 2. duplicates keyed as content.md §6.3–§6.5 (later ones dropped);
//! 3. references, in Intel's order: dangling TO-NAPID removed → PXPHYSICAL without
//!    TO-NAPID dropped → PXLOGICAL without PXPHYSICAL dropped → dangling TO-PROXY
//!    removed → APPLICATION/ACCESS left without any target dropped → TO-APPREF
//!    dependencies (dangling or cyclic: the APPLICATION is dropped, repeatedly).
//!
//! Warnings (kept) flag what phones are known to mishandle; infos note harmless
//! peculiarities. Two document-level errors cannot be pruned away: a `version` whose
//! major number is not 1, and a document left without characteristics; a device
//! rejects the whole document in both cases.
//!
//! References resolve against the document and, through [`Resolve`], against settings
//! already on the device (uab.md §4). The document-only default knows nothing external:
//! a TO-NAPID of `INTERNET` with no INTERNET NAPDEF in the document is then a warning,
//! since the device may have one.
//!
//! Messages never contain the value of a secret parameter (passwords, keys).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::model::{Characteristic, Document, Node, Parm};
use crate::path::{DocPath, ParmRef};
use crate::schema::{self, AppKey, AppMinimum, CharType, Known, ParmSpec, UnknownParms, ValueType};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Severity {
    /// The device drops the element (or rejects the document).
    Error,
    /// Kept, but phones are known to mishandle it.
    Warning,
    /// Kept; worth knowing.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

macro_rules! rules {
    ($($var:ident => $name:literal, $desc:literal,)*) => {
        /// Which rule a diagnostic comes from (stable names, used by scripts and tests).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule { $(#[doc = $desc] $var,)* }

        impl Rule {
            /// Every rule.
            pub const ALL: &'static [Rule] = &[$(Rule::$var,)*];

            /// The rule's kebab-case name, as printed in `[…]` after a diagnostic.
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$var => $name,)* }
            }

            /// The rule called `name` (as printed in `[…]`).
            pub fn from_name(name: &str) -> Option<Rule> {
                Rule::ALL.iter().copied().find(|r| r.name() == name)
            }

            /// One line on what the rule checks (for `omacp explain`).
            pub const fn describe(self) -> &'static str {
                match self { $(Rule::$var => $desc,)* }
            }
        }
    };
}

rules! {
    BadVersion => "bad-version", "The `version` major number is not 1 (Intel rejects the document).",
    EmptyDocument => "empty-document", "No characteristic (left) at the root: the document is rejected as corrupt.",
    UnknownCharacteristic => "unknown-characteristic", "A characteristic type the schema does not know: ignored with its subtree.",
    NotAllowedHere => "not-allowed-here", "A known characteristic under a parent that does not allow it.",
    TooMany => "too-many", "More occurrences of a parameter or characteristic than allowed (first ones kept).",
    MissingParm => "missing-parm", "A mandatory parameter is missing or unusable: the characteristic is dropped.",
    MissingChild => "missing-child", "A mandatory child characteristic is missing (PXLOGICAL without PXPHYSICAL).",
    UnknownParm => "unknown-parm", "A parameter name the characteristic does not have.",
    MissingValue => "missing-value", "A valued parameter without a value.",
    EmptyValue => "empty-value", "A mandatory identifier or reference with an empty value.",
    FlagWithValue => "flag-with-value", "A value-less flag carrying a value.",
    BadValue => "bad-value", "A value outside its vocabulary or not in its format.",
    UnknownValue => "unknown-value", "A value outside an open vocabulary (applications may add values).",
    NotInternational => "not-international", "An E.164 number without the international `+`.",
    NetworkWithoutCountry => "network-without-country", "NETWORK without COUNTRY (VALIDITY; BOOTSTRAP without PROVURL).",
    SocWithoutSid => "soc-without-sid", "VALIDITY with SOC but no SID.",
    Duplicate => "duplicate", "A later characteristic or parameter with an identity already used.",
    DanglingToNapid => "dangling-to-napid", "TO-NAPID names no NAPDEF.",
    DanglingToProxy => "dangling-to-proxy", "TO-PROXY names no PXLOGICAL.",
    DanglingProxyId => "dangling-proxy-id", "BOOTSTRAP/PROXY-ID names no PXLOGICAL.",
    DanglingToAppref => "dangling-to-appref", "TO-APPREF names no APPLICATION's APPREF.",
    AppRefCycle => "appref-cycle", "APPLICATIONs depend on each other in a cycle.",
    NoInternetNap => "no-internet-nap", "TO-NAPID=INTERNET with no NAPDEF flagged INTERNET in the document.",
    NoTargetLeft => "no-target-left", "A PXPHYSICAL, APPLICATION or ACCESS whose every target was dangling.",
    EmptyAccess => "empty-access", "An ACCESS with no parameters at all (legal syntax, no meaning).",
    AccessOrder => "access-order", "ACCESS parameters not in Intel's order (RULE first, targets last).",
    UnknownAppId => "unknown-appid", "An APPID the project does not know.",
    AppMinimum => "app-minimum", "An APPLICATION lacking what its APPID needs in practice (Intel's minimums).",
    MmsWithoutProxy => "mms-without-proxy", "MMS without TO-PROXY.",
    MissingAddrType => "missing-addrtype", "An address type left to a default that does not fit the address.",
    PullEnabledDefault => "pullenabled-default", "PULLENABLED left to disagreeing defaults.",
    TooLong => "too-long", "A value longer than phones keep.",
    TooManyDomains => "too-many-domains", "More than the 4 DOMAINs Intel keeps.",
    WpaPassphraseLength => "wpa-passphrase-length", "A WPA passphrase outside 8..63 characters.",
    WlanIncomplete => "wlan-incomplete", "WLAN settings that cannot work as given (no SSID, no key for the security mode).",
    BearerMismatch => "bearer-mismatch", "Parameters that do not fit the NAPDEF's bearer.",
    Cp12Only => "cp12-only", "A CP 1.2 name: no CP 1.1 WBXML token, unknown to CP 1.1 phones.",
    VendorConfig => "vendor-config", "A VENDORCONFIG (ignored by phones of other vendors).",
    IgnoredWithProvurl => "ignored-with-provurl", "COUNTRY/NETWORK next to PROVURL in a BOOTSTRAP (discarded).",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Diagnostic {
    /// Where.
    pub path: DocPath,
    /// Which rule.
    pub rule: Rule,
    /// How bad.
    pub severity: Severity,
    /// What and why, for people (never contains a secret value).
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// `error /NAPDEF[NAPID=x]/NAP-ADDRESS: <message> [rule-name]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} [{}]",
            self.severity, self.path, self.message, self.rule
        )
    }
}

/// The result of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// Every diagnostic, in document order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when there is no error (warnings and infos allowed).
    pub fn is_valid(&self) -> bool {
        self.count(Severity::Error) == 0
    }

    /// Number of diagnostics of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// True when some diagnostic comes from `rule`.
    pub fn has(&self, rule: Rule) -> bool {
        self.diagnostics.iter().any(|d| d.rule == rule)
    }

    /// The distinct rules that fired, with the severity they fired at.
    pub fn rules(&self) -> BTreeSet<(Rule, Severity)> {
        self.diagnostics
            .iter()
            .map(|d| (d.rule, d.severity))
            .collect()
    }
}

/// What the device already holds, for resolving references the document does not
/// satisfy itself (uab.md §4: the same provisioning context).
pub trait Resolve {
    /// A stored NAPDEF with this NAPID exists.
    fn has_napid(&self, napid: &str) -> bool;
    /// A stored PXLOGICAL with this PROXY-ID exists.
    fn has_proxy_id(&self, proxy_id: &str) -> bool;
    /// A stored APPLICATION with this APPREF exists.
    fn has_appref(&self, appref: &str) -> bool;
    /// Whether a stored NAP is flagged INTERNET; `None` when unknown (document-only).
    fn internet_nap(&self) -> Option<bool>;
}

/// A plain [`Resolve`]: sets of known identifiers. The default knows nothing (document-only
/// validation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveContext {
    /// NAPIDs on the device.
    pub napids: BTreeSet<String>,
    /// PROXY-IDs on the device.
    pub proxy_ids: BTreeSet<String>,
    /// APPREFs on the device.
    pub apprefs: BTreeSet<String>,
    /// Whether the device has a NAP flagged INTERNET; `None` = unknown.
    pub internet_nap: Option<bool>,
}

impl Resolve for ResolveContext {
    fn has_napid(&self, napid: &str) -> bool {
        self.napids.contains(napid)
    }
    fn has_proxy_id(&self, proxy_id: &str) -> bool {
        self.proxy_ids.contains(proxy_id)
    }
    fn has_appref(&self, appref: &str) -> bool {
        self.apprefs.contains(appref)
    }
    fn internet_nap(&self) -> Option<bool> {
        self.internet_nap
    }
}

/// Validates against the document alone.
pub fn validate(doc: &Document) -> Report {
    validate_with(doc, &ResolveContext::default())
}

/// Validates, resolving references also against `ctx`.
pub fn validate_with(doc: &Document, ctx: &dyn Resolve) -> Report {
    let (_, findings) = analyse(doc, ctx);
    Report {
        diagnostics: findings.into_iter().map(|f| f.diag).collect(),
    }
}

/// Applies the device's pruning cascade against the document alone (see the module
/// documentation). Returns the surviving document and a diagnostic for each removal,
/// plus any document-level error (the device would then reject the document).
pub fn prune(doc: &Document) -> (Document, Vec<Diagnostic>) {
    prune_with(doc, &ResolveContext::default())
}

/// [`prune`], resolving references also against `ctx`.
pub fn prune_with(doc: &Document, ctx: &dyn Resolve) -> (Document, Vec<Diagnostic>) {
    let (roots, findings) = analyse(doc, ctx);
    let pruned = Document {
        version: doc.version.clone(),
        characteristics: roots.iter().filter(|w| w.alive).map(W::rebuild).collect(),
    };
    let removals = findings
        .into_iter()
        .filter(|f| f.removes || f.diag.severity == Severity::Error)
        .map(|f| f.diag)
        .collect();
    (pruned, removals)
}

// ---------------------------------------------------------------------------------------
// The working tree: the document plus liveness flags, so paths keep pointing into the
// original document while things are removed.

struct W<'d> {
    c: &'d Characteristic,
    ty: CharType,
    path: DocPath,
    parm_refs: Vec<Option<ParmRef>>,
    alive: bool,
    /// Per child position; only parm positions are ever true.
    parm_alive: Vec<bool>,
    kids: Vec<W<'d>>,
}

impl<'d> W<'d> {
    fn build(c: &'d Characteristic, path: DocPath) -> W<'d> {
        let sib: Vec<(usize, &'d Characteristic)> = c
            .children
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n {
                Node::Characteristic(k) => Some((i, k)),
                Node::Parm(_) => None,
            })
            .collect();
        let kids = sib
            .iter()
            .zip(path.child_paths(&sib))
            .map(|((_, k), p)| W::build(k, p))
            .collect();
        W {
            c,
            ty: CharType::from_name(&c.kind),
            parm_refs: DocPath::parm_refs(c),
            alive: true,
            parm_alive: c
                .children
                .iter()
                .map(|n| matches!(n, Node::Parm(_)))
                .collect(),
            kids,
            path,
        }
    }

    fn known(&self) -> Option<Known> {
        match self.ty {
            CharType::Known(k) => Some(k),
            CharType::Unknown(_) => None,
        }
    }

    fn is(&self, k: Known) -> bool {
        self.known() == Some(k)
    }

    /// Live parameters with their positions.
    fn parms(&self) -> impl Iterator<Item = (usize, &'d Parm)> + '_ {
        self.c
            .children
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n {
                Node::Parm(p) if self.parm_alive[i] => Some((i, p)),
                _ => None,
            })
    }

    /// Values of live parameters called `name` (flags yield "").
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (usize, &'d str)> + 's {
        self.parms()
            .filter(move |(_, p)| p.name == name)
            .map(|(i, p)| (i, p.value.as_deref().unwrap_or("")))
    }

    fn first(&self, name: &str) -> Option<&'d str> {
        self.values(name).next().map(|(_, v)| v)
    }

    fn has(&self, name: &str) -> bool {
        self.values(name).next().is_some()
    }

    fn count(&self, name: &str) -> usize {
        self.values(name).count()
    }

    fn parm_path(&self, i: usize) -> DocPath {
        match self.parm_refs.get(i).cloned().flatten() {
            Some(r) => self.path.with(r),
            None => self.path.clone(),
        }
    }

    fn live_kids(&self, k: Known) -> impl Iterator<Item = &W<'d>> + '_ {
        self.kids.iter().filter(move |w| w.alive && w.is(k))
    }

    fn rebuild(&self) -> Characteristic {
        let mut kids = self.kids.iter();
        let mut children = Vec::with_capacity(self.c.children.len());
        for (i, n) in self.c.children.iter().enumerate() {
            match n {
                Node::Parm(p) if self.parm_alive[i] => children.push(Node::Parm(p.clone())),
                Node::Parm(_) => {}
                Node::Characteristic(_) => {
                    if let Some(w) = kids.next().filter(|w| w.alive) {
                        children.push(Node::Characteristic(w.rebuild()));
                    }
                }
            }
        }
        Characteristic {
            kind: self.c.kind.clone(),
            children,
        }
    }
}

struct Finding {
    diag: Diagnostic,
    removes: bool,
}

struct Engine<'r> {
    ctx: &'r dyn Resolve,
    out: Vec<Finding>,
}

fn analyse<'d>(doc: &'d Document, ctx: &dyn Resolve) -> (Vec<W<'d>>, Vec<Finding>) {
    let sib: Vec<(usize, &Characteristic)> = doc.characteristics.iter().enumerate().collect();
    let mut roots: Vec<W<'d>> = sib
        .iter()
        .zip(DocPath::root().child_paths(&sib))
        .map(|((_, c), p)| W::build(c, p))
        .collect();
    let mut e = Engine {
        ctx,
        out: Vec::new(),
    };
    e.version(doc);
    for w in roots.iter_mut() {
        e.check_char(w, None, false);
    }
    e.siblings(&mut roots, None);
    e.duplicates(&mut roots);
    e.references(&mut roots);
    if !roots.iter().any(|w| w.alive) {
        let msg = if roots.is_empty() {
            "the document has no characteristic; a device rejects it".to_owned()
        } else {
            "no characteristic survives validation; a device rejects the document as corrupt"
                .to_owned()
        };
        e.emit(
            DocPath::root(),
            Rule::EmptyDocument,
            Severity::Error,
            false,
            msg,
        );
    }
    let mut out = e.out;
    // Document order; the sort is stable, so findings on one node keep their order.
    out.sort_by_cached_key(|f| f.diag.path.positions());
    (roots, out)
}

impl Engine<'_> {
    fn emit(
        &mut self,
        path: DocPath,
        rule: Rule,
        severity: Severity,
        removes: bool,
        message: String,
    ) {
        self.out.push(Finding {
            diag: Diagnostic {
                path,
                rule,
                severity,
                message,
            },
            removes,
        });
    }

    /// An error that removes a parameter.
    fn drop_parm(&mut self, w: &mut W<'_>, i: usize, rule: Rule, message: String) {
        w.parm_alive[i] = false;
        self.emit(w.parm_path(i), rule, Severity::Error, true, message);
    }

    /// An error that removes a characteristic (reported even if already removed, so
    /// every reason shows; the removal itself happens once).
    fn drop_char(&mut self, w: &mut W<'_>, rule: Rule, message: String) {
        w.alive = false;
        self.emit(w.path.clone(), rule, Severity::Error, true, message);
    }

    fn warn(&mut self, path: DocPath, rule: Rule, message: String) {
        self.emit(path, rule, Severity::Warning, false, message);
    }

    fn version(&mut self, doc: &Document) {
        let Some(v) = doc.version.as_deref() else {
            return;
        };
        let major = v.split('.').next().unwrap_or("");
        let ok = major == "1"
            && v.split('.')
                .skip(1)
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            self.emit(
                DocPath::root(),
                Rule::BadVersion,
                Severity::Error,
                false,
                format!(
                    "version {:?}: only 1.x documents are accepted (Intel rejects others)",
                    clip(v)
                ),
            );
        }
    }

    // -----------------------------------------------------------------------------------
    // Step 1: one characteristic, bottom-up.

    fn check_char(&mut self, w: &mut W<'_>, parent: Option<Known>, parent_cp12: bool) {
        let Some(known) = w.known() else {
            let msg = format!(
                "unknown characteristic type {:?}: ignored with its contents",
                clip(w.c.kind.as_str())
            );
            self.drop_char(w, Rule::UnknownCharacteristic, msg);
            return;
        };
        if !schema::children_of(parent).iter().any(|c| c.kind == known) {
            let place = parent.map_or("the document root".to_owned(), |p| p.name().to_owned());
            let allowed: Vec<String> = schema::parents_of(known)
                .iter()
                .map(|p| p.map_or("the root".to_owned(), |k| k.name().to_owned()))
                .collect();
            let msg = format!(
                "{known} is not allowed under {place} (allowed under {}): ignored",
                allowed.join(", ")
            );
            self.drop_char(w, Rule::NotAllowedHere, msg);
            return;
        }
        let spec = known.spec();
        if spec.cp12 && !parent_cp12 {
            self.warn(
                w.path.clone(),
                Rule::Cp12Only,
                format!("{known} is a CP 1.2 characteristic (literal string in WBXML): CP 1.1 phones ignore it"),
            );
        }
        self.check_parms(w, known, parent);
        for k in w.kids.iter_mut() {
            self.check_char(k, Some(known), spec.cp12);
        }
        self.siblings(&mut w.kids, Some(known));
        for ps in spec.parms.iter().filter(|p| p.occurs.min > 0) {
            let n = w.count(ps.name);
            if n < usize::from(ps.occurs.min) {
                let what = if w.c.has(ps.name) {
                    "no usable"
                } else {
                    "missing"
                };
                let msg = format!(
                    "{what} {} (occurs {}): the {known} is dropped",
                    ps.name, ps.occurs
                );
                self.drop_char(w, Rule::MissingParm, msg);
            }
        }
        for cs in spec.children.iter().filter(|c| c.occurs.min > 0) {
            if w.live_kids(cs.kind).next().is_none() {
                let msg = format!(
                    "no usable {} (occurs {}): the {known} is dropped",
                    cs.kind, cs.occurs
                );
                self.drop_char(w, Rule::MissingChild, msg);
            }
        }
        self.type_rules(w, known);
    }

    fn check_parms(&mut self, w: &mut W<'_>, known: Known, parent: Option<Known>) {
        let spec = known.spec();
        let appid = if known == Known::Application {
            w.c.value("APPID")
        } else {
            None
        };
        // Applications define their own port services (content.md §5.12).
        let open_service = known == Known::Port && parent == Some(Known::AppAddr);
        let mut addresses = Vec::new();
        let c = w.c;
        for (i, n) in c.children.iter().enumerate() {
            let Node::Parm(p) = n else { continue };
            let Some(ps) = schema::parm(known, &p.name, appid) else {
                match spec.unknown_parms {
                    UnknownParms::Refuse => {
                        let msg = format!("{known} has no parameter {:?}: dropped", clip(&p.name));
                        self.drop_parm(w, i, Rule::UnknownParm, msg);
                    }
                    UnknownParms::Warn => {
                        let msg = match known {
                            Known::Application => format!(
                                "{:?} is not registered for APPID {:?}: kept, but phones pass it on only if they know it",
                                clip(&p.name),
                                clip(appid.unwrap_or(""))
                            ),
                            _ => {
                                format!("{known} has no known parameter {:?}: kept", clip(&p.name))
                            }
                        };
                        self.warn(w.parm_path(i), Rule::UnknownParm, msg);
                    }
                    UnknownParms::Accept => {}
                }
                continue;
            };
            if matches!(ps.value, ValueType::Address { .. }) {
                addresses.push((i, ps));
                continue;
            }
            let value = if open_service && ps.name == "SERVICE" {
                ValueType::Enum {
                    values: schema::SERVICES,
                    open: true,
                }
            } else {
                ps.value
            };
            if let Some(mut pb) = check_value(ps, value, p.value.as_deref()) {
                if open_service && pb.rule == Rule::UnknownValue {
                    // Expected: e-mail and other applications name their own services.
                    pb.severity = Severity::Info;
                }
                self.problem(w, i, pb);
            }
        }
        // Addresses after their type parameters, wherever those appear.
        for (i, ps) in addresses {
            let ValueType::Address { type_parm } = ps.value else {
                continue;
            };
            let Node::Parm(p) = &c.children[i] else {
                continue;
            };
            let pb = match p.value.as_deref() {
                None => Some(missing_value(ps)),
                Some("") => Some(Problem::error(
                    Rule::EmptyValue,
                    format!("{} is empty", ps.name),
                )),
                Some(v) => w.first(type_parm).and_then(|t| check_address(ps, t, v)),
            };
            if let Some(pb) = pb {
                self.problem(w, i, pb);
            }
        }
        // Occurrence, counting only usable parameters: the first ones win.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let live: Vec<(usize, &Parm)> = w.parms().collect();
        for (i, p) in live {
            let Some(ps) = schema::parm(known, &p.name, appid) else {
                continue;
            };
            let n = seen.entry(ps.name).or_default();
            *n += 1;
            if ps.occurs.too_many(*n) {
                let msg = format!(
                    "{} occurs at most {} time(s) in {known}: this one is dropped",
                    ps.name,
                    ps.occurs.max.unwrap_or(0)
                );
                self.drop_parm(w, i, Rule::TooMany, msg);
            }
        }
    }

    fn problem(&mut self, w: &mut W<'_>, i: usize, pb: Problem) {
        if pb.severity == Severity::Error {
            self.drop_parm(w, i, pb.rule, format!("{}: dropped", pb.message));
        } else {
            self.emit(w.parm_path(i), pb.rule, pb.severity, false, pb.message);
        }
    }

    /// Sibling rules under one parent (`None` = root): per-parent duplicates by key
    /// (content.md §6.3), then occurrence limits. Only live siblings count.
    fn siblings(&mut self, kids: &mut [W<'_>], parent: Option<Known>) {
        // PORT by PORTNBR, PXAUTHINFO by PXAUTH-TYPE, NAPAUTHINFO by AUTHTYPE, VALIDITY by
        // COUNTRY, PXPHYSICAL by PHYSICAL-PROXY-ID within its parent (Intel keeps the first).
        let keyed = [
            (Known::Port, "PORTNBR"),
            (Known::PxAuthInfo, "PXAUTH-TYPE"),
            (Known::NapAuthInfo, "AUTHTYPE"),
            (Known::Validity, "COUNTRY"),
            (Known::PxPhysical, "PHYSICAL-PROXY-ID"),
        ];
        if parent.is_some() {
            for (kind, key) in keyed {
                self.dedupe(kids, kind, key, "");
            }
        }
        for cs in schema::children_of(parent) {
            let Some(max) = cs.occurs.max else { continue };
            let mut n = 0usize;
            for k in kids.iter_mut().filter(|k| k.alive && k.is(cs.kind)) {
                n += 1;
                if n > usize::from(max) {
                    let place = parent.map_or("the root", |p| p.name());
                    let msg = format!(
                        "at most {max} {} under {place}: this one is ignored",
                        cs.kind
                    );
                    self.drop_char(k, Rule::TooMany, msg);
                }
            }
        }
    }

    /// Drops later live `kind` characteristics whose `key` value repeats an earlier one.
    fn dedupe(&mut self, kids: &mut [W<'_>], kind: Known, key: &str, why: &str) {
        let mut seen: HashSet<&str> = HashSet::new();
        for k in kids.iter_mut().filter(|k| k.alive && k.is(kind)) {
            let Some(v) = k.first(key) else { continue };
            if !seen.insert(v) {
                let msg = format!(
                    "another {kind} with {key} {:?} comes first: this one is dropped{why}",
                    clip(v)
                );
                self.drop_char(k, Rule::Duplicate, msg);
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Per-type rules (after the parameters and children are settled).

    fn type_rules(&mut self, w: &mut W<'_>, known: Known) {
        match known {
            Known::NapDef => self.napdef_rules(w),
            Known::PxLogical => {
                self.too_long(
                    w,
                    "PROXY-ID",
                    128,
                    "Intel CPClient limits identifiers to 128 characters",
                );
                self.domains(w);
                if !w.has("PULLENABLED")
                    && !w.live_kids(Known::PxPhysical).any(|p| p.has("PULLENABLED"))
                {
                    self.warn(
                        w.path.clone(),
                        Rule::PullEnabledDefault,
                        "PULLENABLED absent: Intel CPClient defaults it to 0 (proxy not used for browsing), other \
                         readings default to 1; state it"
                            .to_owned(),
                    );
                }
            }
            Known::PxPhysical => {
                self.domains(w);
                if let (None, Some(addr)) = (w.first("PXADDRTYPE"), w.first("PXADDR"))
                    && addr.parse::<Ipv4Addr>().is_err()
                {
                    self.warn(
                            w.path.clone(),
                            Rule::MissingAddrType,
                            "PXADDRTYPE absent: phones assume IPV4, which does not fit this PXADDR; state it".to_owned(),
                        );
                }
            }
            Known::Validity => {
                if w.has("NETWORK") && !w.has("COUNTRY") {
                    self.drop_char(
                        w,
                        Rule::NetworkWithoutCountry,
                        "NETWORK needs COUNTRY: the VALIDITY is dropped".into(),
                    );
                }
                if w.has("SOC") && !w.has("SID") {
                    self.drop_char(
                        w,
                        Rule::SocWithoutSid,
                        "SOC needs SID: the VALIDITY is dropped".into(),
                    );
                }
            }
            Known::Bootstrap => {
                self.too_long(
                    w,
                    "NAME",
                    50,
                    "Nokia keeps at most 50 characters of the context name",
                );
                self.too_long(
                    w,
                    "PROVURL",
                    50,
                    "Nokia ignores a PROVURL longer than 50 characters",
                );
                if w.has("PROVURL") {
                    for name in ["COUNTRY", "NETWORK"] {
                        if let Some((i, _)) = w.values(name).next() {
                            let msg =
                                format!("{name} is discarded when PROVURL is present (Intel)");
                            self.emit(
                                w.parm_path(i),
                                Rule::IgnoredWithProvurl,
                                Severity::Info,
                                false,
                                msg,
                            );
                        }
                    }
                } else if w.has("NETWORK") && !w.has("COUNTRY") {
                    self.drop_char(
                        w,
                        Rule::NetworkWithoutCountry,
                        "without PROVURL, NETWORK needs COUNTRY: the BOOTSTRAP is dropped".into(),
                    );
                }
            }
            Known::Application => self.application_rules(w),
            Known::Access => self.access_rules(w),
            Known::Wlan => self.wlan_rules(w),
            Known::WepKey => {
                if let Some((i, v)) = w.values("DATA").next()
                    && v.len() > 29
                {
                    self.warn(
                        w.parm_path(i),
                        Rule::TooLong,
                        format!(
                            "WEP key DATA of {} bytes: Nokia accepts at most 29",
                            v.len()
                        ),
                    );
                }
            }
            Known::VendorConfig => {
                let name = clip(w.first("NAME").unwrap_or(""));
                self.emit(
                    w.path.clone(),
                    Rule::VendorConfig,
                    Severity::Info,
                    false,
                    format!("vendor-specific settings {name:?}: phones that do not recognise them ignore them"),
                );
            }
            Known::PxAuthInfo
            | Known::Port
            | Known::NapAuthInfo
            | Known::ClientIdentity
            | Known::AppAddr
            | Known::AppAuth
            | Known::Resource
            | Known::SecSsid
            | Known::Eap
            | Known::Cert
            | Known::BearerInfo
            | Known::DnsAddrInfo => {}
        }
    }

    fn too_long(&mut self, w: &W<'_>, name: &str, max: usize, why: &str) {
        for (i, v) in w.values(name).collect::<Vec<_>>() {
            let n = v.chars().count();
            if n > max {
                self.warn(
                    w.parm_path(i),
                    Rule::TooLong,
                    format!("{name} has {n} characters: {why}"),
                );
            }
        }
    }

    fn domains(&mut self, w: &W<'_>) {
        let n = w.count("DOMAIN");
        if n > 4 {
            self.warn(
                w.path.clone(),
                Rule::TooManyDomains,
                format!("{n} DOMAINs: Intel CPClient keeps only the first 4"),
            );
        }
    }

    fn napdef_rules(&mut self, w: &mut W<'_>) {
        self.too_long(
            w,
            "NAPID",
            128,
            "Intel CPClient limits identifiers to 128 characters",
        );
        let bearers: Vec<&str> = w.values("BEARER").map(|(_, v)| v).collect();
        for (i, v) in w.values("BEARER").collect::<Vec<_>>() {
            if schema::CP12_BEARERS.contains(&v) {
                self.warn(
                    w.parm_path(i),
                    Rule::Cp12Only,
                    format!("BEARER {v} is a CP 1.2 value: CP 1.1 phones reject the NAP"),
                );
            }
        }
        if let (None, Some(addr)) = (w.first("NAP-ADDRTYPE"), w.first("NAP-ADDRESS"))
            && !looks_e164(addr)
        {
            let packet = bearers.iter().any(|b| schema::PACKET_BEARERS.contains(b));
            let hint = if packet {
                " (an APN for this packet bearer)"
            } else {
                ""
            };
            self.warn(
                    w.path.clone(),
                    Rule::MissingAddrType,
                    format!("NAP-ADDRTYPE absent: Intel CPClient assumes E164, which does not fit this NAP-ADDRESS{hint}; state it"),
                );
        }
        if let (None, Some(addr)) = (w.first("LOCAL-ADDRTYPE"), w.first("LOCAL-ADDR"))
            && addr.parse::<Ipv6Addr>().is_err()
        {
            self.warn(
                    w.path.clone(),
                    Rule::MissingAddrType,
                    "LOCAL-ADDRTYPE absent: Intel CPClient assumes IPV6, which does not fit this LOCAL-ADDR; state it".into(),
                );
        }
        if !bearers.is_empty() && !bearers.contains(&"CDMA2000-1X-MOBILE-IP") {
            let mip: Vec<&str> = schema::MOBILE_IP_PARMS
                .iter()
                .copied()
                .filter(|n| w.has(n))
                .collect();
            if !mip.is_empty() {
                self.warn(
                    w.path.clone(),
                    Rule::BearerMismatch,
                    format!("Mobile IP parameters ({}) with bearer {}: only CDMA2000-1X-MOBILE-IP uses them", mip.join(", "), bearers.join(", ")),
                );
            }
        }
        if w.live_kids(Known::Wlan).next().is_some() && !bearers.contains(&"WLAN") {
            self.warn(
                w.path.clone(),
                Rule::BearerMismatch,
                "WLAN settings in a NAPDEF without BEARER WLAN".into(),
            );
        }
    }

    fn application_rules(&mut self, w: &mut W<'_>) {
        let Some(appid) = w.first("APPID") else {
            return;
        };
        let cp12: Vec<&str> = schema::CP12_APP_PARMS
            .iter()
            .copied()
            .filter(|n| w.has(n))
            .collect();
        if !cp12.is_empty() {
            self.warn(
                w.path.clone(),
                Rule::Cp12Only,
                format!(
                    "{} {} CP 1.2 (literal strings in WBXML): CP 1.1 phones ignore {}",
                    cp12.join(", "),
                    if cp12.len() == 1 { "is" } else { "are" },
                    if cp12.len() == 1 { "it" } else { "them" }
                ),
            );
        }
        let Some(app) = schema::appid(appid) else {
            self.warn(
                w.path.clone(),
                Rule::UnknownAppId,
                format!("APPID {:?} is not a known registration: phones without that application ignore it", clip(appid)),
            );
            return;
        };
        if matches!(appid, "w4" | "ap0005") && !w.has("TO-PROXY") {
            self.warn(
                w.path.clone(),
                Rule::MmsWithoutProxy,
                "MMS without TO-PROXY: most operators' MMSCs are reached through a WAP/HTTP proxy"
                    .into(),
            );
        }
        for m in app.minimums {
            let ok = match m {
                AppMinimum::Address => {
                    w.has("ADDR") || w.live_kids(Known::AppAddr).next().is_some()
                }
                AppMinimum::ProviderId => w.first("PROVIDER-ID").is_some_and(|v| !v.is_empty()),
                AppMinimum::From => w.has("FROM"),
                AppMinimum::AppAddrPort => w
                    .live_kids(Known::AppAddr)
                    .any(|a| a.live_kids(Known::Port).next().is_some()),
                AppMinimum::ResourceWithAaccept => {
                    w.live_kids(Known::Resource).any(|r| r.has("AACCEPT"))
                }
                AppMinimum::Aaccept => w.has("AACCEPT"),
            };
            if !ok {
                self.warn(
                    w.path.clone(),
                    Rule::AppMinimum,
                    format!(
                        "APPID {appid} ({}) without {}: Intel CPClient refuses it",
                        app.meaning,
                        m.describe()
                    ),
                );
            }
        }
    }

    fn access_rules(&mut self, w: &mut W<'_>) {
        if w.c.children.is_empty() {
            // A warning that removes: legal syntax (the spec's own example), but a device
            // keeps nothing of it either (Intel drops an ACCESS without RULE).
            w.alive = false;
            let msg = "empty ACCESS: legal, but binds nothing; removed".to_owned();
            self.emit(
                w.path.clone(),
                Rule::EmptyAccess,
                Severity::Warning,
                true,
                msg,
            );
            return;
        }
        if !w.has("RULE") {
            self.drop_char(
                w,
                Rule::MissingParm,
                "missing RULE (Intel requires it first): the ACCESS is dropped".into(),
            );
        }
        if !w.has("TO-NAPID") && !w.has("TO-PROXY") {
            self.drop_char(
                w,
                Rule::MissingParm,
                "no TO-NAPID or TO-PROXY: the ACCESS binds nothing and is dropped".into(),
            );
        }
        let names: Vec<&str> = w.parms().map(|(_, p)| p.name.as_str()).collect();
        let is_target = |n: &&str| matches!(*n, "TO-NAPID" | "TO-PROXY");
        let first_target = names.iter().position(is_target).unwrap_or(names.len());
        if names.first().is_some_and(|n| *n != "RULE")
            || names[first_target..].iter().any(|n| !is_target(n))
        {
            self.warn(
                w.path.clone(),
                Rule::AccessOrder,
                "Intel CPClient expects RULE first and TO-NAPID/TO-PROXY last in an ACCESS".into(),
            );
        }
    }

    fn wlan_rules(&mut self, w: &mut W<'_>) {
        if let Some((i, v)) = w.values("WPA-PRES-KEY-ASC").next() {
            let n = v.chars().count();
            if !(8..=63).contains(&n) {
                self.warn(
                    w.parm_path(i),
                    Rule::WpaPassphraseLength,
                    format!("WPA passphrase of {n} characters: IEEE 802.11 allows 8..63 (Nokia keeps 63)"),
                );
            }
        }
        if !w.has("PRI-SSID") && !w.has("PRI-U-SSID") {
            self.warn(
                w.path.clone(),
                Rule::WlanIncomplete,
                "WLAN without PRI-SSID".into(),
            );
        }
        match w.first("SECMODE") {
            Some("WEP") if w.live_kids(Known::WepKey).next().is_none() => {
                self.warn(
                    w.path.clone(),
                    Rule::WlanIncomplete,
                    "SECMODE WEP without any WEPKEY".into(),
                );
            }
            Some("WPA-PRESHARED-KEY" | "WPA2-PRESHARED-KEY")
                if !w.has("WPA-PRES-KEY-ASC") && !w.has("WPA-PRES-KEY-HEX") =>
            {
                self.warn(
                    w.path.clone(),
                    Rule::WlanIncomplete,
                    "pre-shared-key SECMODE without WPA-PRES-KEY-ASC/-HEX".into(),
                );
            }
            Some("8021X" | "WPA" | "WPA2") if w.live_kids(Known::Eap).next().is_none() => {
                self.warn(
                    w.path.clone(),
                    Rule::WlanIncomplete,
                    "EAP-based SECMODE without any EAP".into(),
                );
            }
            _ => {}
        }
    }

    // -----------------------------------------------------------------------------------
    // Step 2: document-wide duplicates (content.md §6.4, Intel's global checks).

    fn duplicates(&mut self, roots: &mut [W<'_>]) {
        self.dedupe(roots, Known::NapDef, "NAPID", "");
        // Intel merges same-ID PXLOGICALs; we keep the first whole (a stricter UA's choice).
        self.dedupe(roots, Known::PxLogical, "PROXY-ID", " (not merged)");
        self.dedupe(roots, Known::ClientIdentity, "CLIENT-ID", "");
        self.dedupe(roots, Known::VendorConfig, "NAME", "");
        let mut provurl = false;
        for b in roots
            .iter_mut()
            .filter(|w| w.alive && w.is(Known::Bootstrap))
        {
            if b.has("PROVURL") {
                if provurl {
                    self.drop_char(
                        b,
                        Rule::Duplicate,
                        "only the first BOOTSTRAP with a PROVURL counts: this one is dropped"
                            .into(),
                    );
                }
                provurl = true;
            }
        }
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for a in roots
            .iter_mut()
            .filter(|w| w.alive && w.is(Known::Application))
        {
            let Some(appid) = a.first("APPID") else {
                continue;
            };
            let key = match schema::appid(appid).map(|s| s.key) {
                Some(AppKey::Name) => a.first("NAME"),
                Some(AppKey::AppIdOnly) => Some(""),
                Some(AppKey::ProviderId) => a.first("PROVIDER-ID"),
                Some(AppKey::None) | None => None,
            };
            // Absent keys are not compared: two w2 without NAME are both kept.
            let Some(key) = key else { continue };
            if !seen.insert((appid.to_owned(), key.to_owned())) {
                let msg = format!(
                    "another APPLICATION {appid} with the same key comes first (Intel keeps the first): dropped"
                );
                self.drop_char(a, Rule::Duplicate, msg);
            }
        }
        let mut rules: HashSet<&str> = HashSet::new();
        for a in roots.iter_mut().filter(|w| w.alive && w.is(Known::Access)) {
            let mut dropped = false;
            for (i, v) in a.values("RULE").collect::<Vec<_>>() {
                if !v.is_empty() && !rules.insert(v) {
                    self.drop_parm(
                        a,
                        i,
                        Rule::Duplicate,
                        format!("rule name {:?} is already used: dropped", clip(v)),
                    );
                    dropped = true;
                }
            }
            if dropped && !a.has("RULE") {
                self.drop_char(
                    a,
                    Rule::MissingParm,
                    "no RULE left: the ACCESS is dropped".into(),
                );
            }
        }
        let mut apprefs: HashSet<&str> = HashSet::new();
        for a in roots
            .iter_mut()
            .filter(|w| w.alive && w.is(Known::Application))
        {
            let first = a.values("APPREF").next();
            if let Some((i, v)) = first
                && !apprefs.insert(v)
            {
                self.drop_parm(
                    a,
                    i,
                    Rule::Duplicate,
                    format!("APPREF {:?} is already used: dropped", clip(v)),
                );
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Step 3: references, in Intel's cascade order.

    fn references(&mut self, roots: &mut [W<'_>]) {
        let live = |roots: &[W<'_>], k: Known| -> Vec<usize> {
            roots
                .iter()
                .enumerate()
                .filter(|(_, w)| w.alive && w.is(k))
                .map(|(i, _)| i)
                .collect()
        };
        let napids: HashSet<String> = live(roots, Known::NapDef)
            .iter()
            .filter_map(|i| roots[*i].first("NAPID"))
            .map(str::to_owned)
            .collect();
        let doc_internet = live(roots, Known::NapDef)
            .iter()
            .any(|i| roots[*i].has("INTERNET"));
        let internet = if doc_internet {
            Some(true)
        } else {
            self.ctx.internet_nap()
        };

        // PXPHYSICAL/TO-NAPID, then PXPHYSICAL and PXLOGICAL that lose everything.
        for li in live(roots, Known::PxLogical) {
            let px = &mut roots[li];
            for ph in px
                .kids
                .iter_mut()
                .filter(|k| k.alive && k.is(Known::PxPhysical))
            {
                self.nap_refs(ph, &napids, internet);
                if !ph.has("TO-NAPID") {
                    self.drop_char(
                        ph,
                        Rule::NoTargetLeft,
                        "none of its TO-NAPIDs resolves: the PXPHYSICAL is dropped".into(),
                    );
                }
            }
            if px.alive && px.live_kids(Known::PxPhysical).next().is_none() {
                self.drop_char(
                    px,
                    Rule::MissingChild,
                    "no PXPHYSICAL left: the PXLOGICAL is dropped".into(),
                );
            }
        }
        let proxies: HashSet<String> = live(roots, Known::PxLogical)
            .iter()
            .filter_map(|i| roots[*i].first("PROXY-ID"))
            .map(str::to_owned)
            .collect();

        for i in live(roots, Known::Application)
            .into_iter()
            .chain(live(roots, Known::Access))
        {
            let w = &mut roots[i];
            let had = w.has("TO-NAPID") || w.has("TO-PROXY");
            self.nap_refs(w, &napids, internet);
            self.proxy_refs(w, &proxies, "TO-PROXY", Rule::DanglingToProxy, true);
            if had && !w.has("TO-NAPID") && !w.has("TO-PROXY") {
                let kind = w.c.kind.clone();
                self.drop_char(
                    w,
                    Rule::NoTargetLeft,
                    format!("none of its TO-NAPID/TO-PROXY resolves: the {kind} is dropped"),
                );
            }
        }
        for i in live(roots, Known::Bootstrap) {
            // A device may know the PPG from elsewhere; an unknown one simply earns no trust.
            self.proxy_refs(
                &mut roots[i],
                &proxies,
                "PROXY-ID",
                Rule::DanglingProxyId,
                false,
            );
        }
        self.app_dependencies(roots);
    }

    fn nap_refs(&mut self, w: &mut W<'_>, napids: &HashSet<String>, internet: Option<bool>) {
        for (i, v) in w.values("TO-NAPID").collect::<Vec<_>>() {
            if napids.contains(v) || self.ctx.has_napid(v) {
                continue;
            }
            if v == "INTERNET" {
                match internet {
                    Some(true) => continue,
                    None => {
                        self.warn(
                            w.parm_path(i),
                            Rule::NoInternetNap,
                            "TO-NAPID INTERNET, but no NAPDEF here is flagged INTERNET: it works only if the device has one"
                                .into(),
                        );
                        continue;
                    }
                    Some(false) => {}
                }
            }
            self.drop_parm(
                w,
                i,
                Rule::DanglingToNapid,
                format!("TO-NAPID {:?} names no NAPDEF", clip(v)),
            );
        }
    }

    fn proxy_refs(
        &mut self,
        w: &mut W<'_>,
        proxies: &HashSet<String>,
        name: &str,
        rule: Rule,
        remove: bool,
    ) {
        for (i, v) in w.values(name).collect::<Vec<_>>() {
            if proxies.contains(v) || self.ctx.has_proxy_id(v) {
                continue;
            }
            let msg = format!("{name} {:?} names no PXLOGICAL", clip(v));
            if remove {
                self.drop_parm(w, i, rule, msg);
            } else {
                self.warn(
                    w.parm_path(i),
                    rule,
                    format!("{msg}: pushes from it are not trusted"),
                );
            }
        }
    }

    /// TO-APPREF (CP 1.2, uab.md §5): an APPLICATION whose dependency is missing, or
    /// part of a cycle, is not installed, and neither is anything depending on it.
    /// Linear in the number of references (hostile documents may hold many).
    fn app_dependencies(&mut self, roots: &mut [W<'_>]) {
        let apps: Vec<usize> = roots
            .iter()
            .enumerate()
            .filter(|(_, w)| w.alive && w.is(Known::Application))
            .map(|(i, _)| i)
            .collect();
        if !apps.iter().any(|i| roots[*i].has("TO-APPREF")) {
            return;
        }
        let mut by_ref: HashMap<&str, usize> = HashMap::new();
        for &i in &apps {
            if let Some(r) = roots[i].first("APPREF") {
                by_ref.entry(r).or_insert(i);
            }
        }
        // Edges app → dependency, each with the position of its TO-APPREF parameter.
        let mut deps: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        let mut dependents: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        let mut dangling: Vec<(usize, usize, &str)> = Vec::new();
        for &i in &apps {
            for (pi, v) in roots[i].values("TO-APPREF") {
                if self.ctx.has_appref(v) {
                    continue;
                }
                match by_ref.get(v) {
                    Some(&j) => {
                        deps.entry(i).or_default().push((j, pi));
                        dependents.entry(j).or_default().push((i, pi));
                    }
                    None => dangling.push((i, pi, v)),
                }
            }
        }
        let mut dropped: HashSet<usize> = HashSet::new();
        let mut queue: Vec<usize> = Vec::new();
        for (i, pi, v) in dangling {
            let msg = format!(
                "TO-APPREF {:?} names no APPLICATION: this APPLICATION is not installed",
                clip(v)
            );
            self.emit(
                roots[i].parm_path(pi),
                Rule::DanglingToAppref,
                Severity::Error,
                true,
                msg,
            );
            if dropped.insert(i) {
                queue.push(i);
            }
        }
        for i in cyclic(&apps, &deps) {
            if dropped.insert(i) {
                let msg =
                    "its TO-APPREF dependencies form a cycle: the APPLICATION is not installed";
                self.emit(
                    roots[i].path.clone(),
                    Rule::AppRefCycle,
                    Severity::Error,
                    true,
                    msg.into(),
                );
                queue.push(i);
            }
        }
        while let Some(j) = queue.pop() {
            for &(i, pi) in dependents.get(&j).map(Vec::as_slice).unwrap_or_default() {
                if dropped.insert(i) {
                    let v = roots[j].first("APPREF").unwrap_or("");
                    let msg = format!(
                        "TO-APPREF {:?} names an APPLICATION that is not installed: neither is this one",
                        clip(v)
                    );
                    self.emit(
                        roots[i].parm_path(pi),
                        Rule::DanglingToAppref,
                        Severity::Error,
                        true,
                        msg,
                    );
                    queue.push(i);
                }
            }
        }
        for i in dropped {
            roots[i].alive = false;
        }
    }
}

/// Nodes that lie on a cycle of `edges` (self-loops included): members of strongly
/// connected components with more than one node (Tarjan's algorithm, iterative).
fn cyclic(nodes: &[usize], edges: &HashMap<usize, Vec<(usize, usize)>>) -> Vec<usize> {
    let succ = |v: usize| edges.get(&v).map(Vec::as_slice).unwrap_or_default();
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut low: HashMap<usize, usize> = HashMap::new();
    let mut on_stack: HashSet<usize> = HashSet::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for &root in nodes {
        if index.contains_key(&root) {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index.insert(root, index.len());
        low.insert(root, index[&root]);
        stack.push(root);
        on_stack.insert(root);
        while let Some(&(v, k)) = call.last() {
            if let Some(&(w, _)) = succ(v).get(k) {
                if let Some(top) = call.last_mut() {
                    top.1 += 1;
                }
                if !index.contains_key(&w) {
                    index.insert(w, index.len());
                    low.insert(w, index[&w]);
                    stack.push(w);
                    on_stack.insert(w);
                    call.push((w, 0));
                } else if on_stack.contains(&w) {
                    let m = low[&v].min(index[&w]);
                    low.insert(v, m);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                let m = low[&u].min(low[&v]);
                low.insert(u, m);
            }
            if low[&v] == index[&v] {
                let mut comp = Vec::new();
                while let Some(x) = stack.pop() {
                    on_stack.remove(&x);
                    comp.push(x);
                    if x == v {
                        break;
                    }
                }
                if comp.len() > 1 || succ(v).iter().any(|(w, _)| *w == v) {
                    out.extend(comp);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

// ---------------------------------------------------------------------------------------
// Values.

struct Problem {
    rule: Rule,
    severity: Severity,
    message: String,
}

impl Problem {
    fn error(rule: Rule, message: String) -> Problem {
        Problem {
            rule,
            severity: Severity::Error,
            message,
        }
    }
    fn warning(rule: Rule, message: String) -> Problem {
        Problem {
            rule,
            severity: Severity::Warning,
            message,
        }
    }
}

fn missing_value(ps: &ParmSpec) -> Problem {
    Problem::error(
        Rule::MissingValue,
        format!("{} needs a value ({})", ps.name, ps.value),
    )
}

/// The value as it may appear in a message.
fn shown(ps: &ParmSpec, v: &str) -> String {
    if ps.secret {
        "(value hidden)".to_owned()
    } else {
        format!("{:?}", clip(v))
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn bad(ps: &ParmSpec, v: &str, expected: impl fmt::Display) -> Option<Problem> {
    Some(Problem::error(
        Rule::BadValue,
        format!("{} {} is not {expected}", ps.name, shown(ps, v)),
    ))
}

/// Checks one value against its type (addresses are checked by [`check_address`]).
fn check_value(ps: &ParmSpec, ty: ValueType, v: Option<&str>) -> Option<Problem> {
    let v = match (ty, v) {
        (ValueType::Flag, None) | (ValueType::Any, _) => return None,
        (ValueType::Flag, Some(v)) => {
            return Some(Problem::warning(
                Rule::FlagWithValue,
                format!(
                    "{} is a value-less flag; the value {} is ignored or refused by some phones",
                    ps.name,
                    shown(ps, v)
                ),
            ));
        }
        (_, None) => return Some(missing_value(ps)),
        (_, Some(v)) => v,
    };
    match ty {
        ValueType::Text => {
            if v.is_empty() && ps.occurs.min > 0 {
                return Some(Problem::error(
                    Rule::EmptyValue,
                    format!("{} is empty", ps.name),
                ));
            }
            None
        }
        ValueType::Ref(_) => {
            if v.is_empty() {
                return Some(Problem::error(
                    Rule::EmptyValue,
                    format!("{} is empty", ps.name),
                ));
            }
            None
        }
        ValueType::Flag | ValueType::Any | ValueType::Address { .. } => None,
        ValueType::Bool01 => (!matches!(v, "0" | "1"))
            .then(|| bad(ps, v, "0 or 1"))
            .flatten(),
        ValueType::Decimal { max } => match decimal(v) {
            Some(n) if n <= max => None,
            _ => bad(ps, v, format_args!("a decimal number 0..{max}")),
        },
        ValueType::Port => match decimal(v) {
            Some(n) if n <= 65535 => None,
            _ => bad(ps, v, "a port number 0..65535"),
        },
        ValueType::Hex => {
            let d = v
                .strip_prefix("0x")
                .or_else(|| v.strip_prefix("0X"))
                .unwrap_or(v);
            (d.is_empty() || d.len() > 8 || !d.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| bad(ps, v, "a hexadecimal number (Intel parses these base 16)"))
                .flatten()
        }
        ValueType::HexString { len } => {
            let ok = !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_hexdigit())
                && (len == 0 || v.len() == len);
            (!ok).then(|| bad(ps, v, ty)).flatten()
        }
        ValueType::Ipv4 => v
            .parse::<Ipv4Addr>()
            .is_err()
            .then(|| bad(ps, v, ty))
            .flatten(),
        ValueType::Ipv6 => v
            .parse::<Ipv6Addr>()
            .is_err()
            .then(|| bad(ps, v, ty))
            .flatten(),
        ValueType::IpAddr => v
            .parse::<std::net::IpAddr>()
            .is_err()
            .then(|| bad(ps, v, ty))
            .flatten(),
        ValueType::E164 => check_e164(ps, v),
        ValueType::Uri => (!is_uri(v))
            .then(|| bad(ps, v, "an absolute URI"))
            .flatten(),
        ValueType::Domain => (!is_domain(v)).then(|| bad(ps, v, "host[/path]")).flatten(),
        ValueType::Fqdn => (!is_host(v)).then(|| bad(ps, v, "a host name")).flatten(),
        ValueType::Mcc => (!(v.len() == 3 && digits(v)))
            .then(|| bad(ps, v, "a 3-digit MCC"))
            .flatten(),
        ValueType::Mnc => {
            let ok = v
                .split(',')
                .all(|m| (2..=3).contains(&m.len()) && digits(m));
            (!ok)
                .then(|| bad(ps, v, "an MNC (2-3 digits, comma-separated list)"))
                .flatten()
        }
        ValueType::Version => {
            let ok = v.split('.').all(|p| !p.is_empty() && digits(p));
            (!ok).then(|| bad(ps, v, "a version like 1.2")).flatten()
        }
        ValueType::LinkSpeed => (v != "AUTOBAUDING" && decimal(v).is_none())
            .then(|| bad(ps, v, "AUTOBAUDING or a bit rate"))
            .flatten(),
        ValueType::AuthTypeList => {
            let ok = v
                .split(',')
                .all(|t| !t.is_empty() && !t.contains(char::is_whitespace));
            (!ok)
                .then(|| bad(ps, v, "a comma-separated list of authentication types"))
                .flatten()
        }
        ValueType::Enum { values, open } => {
            if values.contains(&v) {
                return None;
            }
            // Long vocabularies are named, short ones listed.
            let expected = if values.len() <= 8 {
                format!("one of {}", values.join(", "))
            } else {
                format!("in the {} vocabulary", ps.name)
            };
            let hint = values
                .iter()
                .find(|x| x.eq_ignore_ascii_case(v))
                .map(|x| format!(" (values are case-sensitive: {x}?)"))
                .unwrap_or_default();
            if open {
                Some(Problem::warning(
                    Rule::UnknownValue,
                    format!(
                        "{} {} is not {expected}{hint}: kept (applications may define their own)",
                        ps.name,
                        shown(ps, v)
                    ),
                ))
            } else {
                Some(Problem::error(
                    Rule::BadValue,
                    format!("{} {} is not {expected}{hint}", ps.name, shown(ps, v)),
                ))
            }
        }
    }
}

/// Checks an address against its explicit type (content.md §4 "Address syntax").
fn check_address(ps: &ParmSpec, addrtype: &str, v: &str) -> Option<Problem> {
    match addrtype {
        "IPV4" => v
            .parse::<Ipv4Addr>()
            .is_err()
            .then(|| bad(ps, v, "an IPv4 address (type IPV4)"))
            .flatten(),
        "IPV6" => v
            .parse::<Ipv6Addr>()
            .is_err()
            .then(|| bad(ps, v, "an IPv6 address (type IPV6)"))
            .flatten(),
        "E164" => check_e164(ps, v),
        "APN" => v
            .contains(char::is_whitespace)
            .then(|| bad(ps, v, "an access point name (type APN)"))
            .flatten(),
        // ALPHA, SCODE, TETRA-ITSI, MAN and application types: any non-empty text [U].
        _ => None,
    }
}

fn check_e164(ps: &ParmSpec, v: &str) -> Option<Problem> {
    let dial = |d: &str| {
        !d.is_empty()
            && d.bytes()
                .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
    };
    match v.strip_prefix('+') {
        Some(d) if (1..=15).contains(&d.len()) && digits(d) => None,
        // National numbers and dial strings (#777 for CDMA packet data, *99#) are sent in
        // practice; phones dial them as given.
        None if v.len() <= 32 && dial(v) => Some(Problem::warning(
            Rule::NotInternational,
            format!(
                "{} {} is not an international (+) E.164 number: phones dial it as given",
                ps.name,
                shown(ps, v)
            ),
        )),
        _ => bad(ps, v, "an E.164 number (+ and up to 15 digits)"),
    }
}

fn looks_e164(v: &str) -> bool {
    let d = v.strip_prefix('+').unwrap_or(v);
    !d.is_empty() && digits(d)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn decimal(s: &str) -> Option<u64> {
    if digits(s) { s.parse().ok() } else { None }
}

fn is_uri(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let mut sc = scheme.chars();
    sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A host name (letters, digits, '-', '_', '.'), an IPv4 address, or a bracketed IPv6
/// address, optionally with `:port`.
fn is_host(v: &str) -> bool {
    if let Some(inner) = v.strip_prefix('[').and_then(|r| r.split_once(']')) {
        return inner.0.parse::<Ipv6Addr>().is_ok()
            && (inner.1.is_empty() || inner.1.strip_prefix(':').is_some_and(digits));
    }
    let host = match v.rsplit_once(':') {
        Some((h, port)) if digits(port) => h,
        _ => v,
    };
    let host = host.strip_prefix('.').unwrap_or(host);
    !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() || host.ends_with('.'))
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_domain(v: &str) -> bool {
    let (host, path) = v.split_once('/').unwrap_or((v, ""));
    is_host(host) && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests;
