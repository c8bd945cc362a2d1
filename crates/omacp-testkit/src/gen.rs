//! proptest strategies for provisioning documents, driven by the content schema
//! (`omacp_doc::schema`), so every characteristic and parameter the schema knows can
//! turn up without a test listing them.
//!
//! - [`valid_document`]: realistic documents that validate without errors: linked
//!   NAPDEF → PXLOGICAL/PXPHYSICAL → APPLICATION/ACCESS, values in their formats,
//!   unique keys, acyclic TO-APPREF, optional CP 1.2 parts (WLAN, APPREF).
//! - [`arbitrary_document`]: schema-shaped noise: known and unknown types and names,
//!   flags and values drawn from vocabularies or any text, misplaced children.
//!   Every string is representable in XML (no NUL), so XML round trips must hold.
//! - [`xml_string`], [`value_for`]: building blocks.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use omacp_doc::schema::{self, Known, Occurs, ParmSpec, RefKind, ValueType};
use omacp_doc::{Characteristic, Document, Node, Parm};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Any string of up to `max` characters that XML can carry (every scalar value but NUL).
pub fn xml_string(max: usize) -> impl Strategy<Value = String> + Clone {
    vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

/// Short readable text, sometimes with non-ASCII and markup characters.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Za-z0-9][A-Za-z0-9 _.-]{0,15}",
        1 => "[A-Za-zäöüéç中电&<>\"' ]{1,10}",
    ]
    .boxed()
}

fn host() -> BoxedStrategy<String> {
    "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,6}){1,2}".boxed()
}

fn digits(lo: usize, hi: usize) -> BoxedStrategy<String> {
    vec(select(&b"0123456789"[..]), lo..=hi)
        .prop_map(|v| String::from_utf8(v).expect("ASCII"))
        .boxed()
}

fn hex(lo: usize, hi: usize) -> BoxedStrategy<String> {
    vec(select(&b"0123456789ABCDEF"[..]), lo..=hi)
        .prop_map(|v| String::from_utf8(v).expect("ASCII"))
        .boxed()
}

/// A valid value of type `ty` (`None` for flags). References and addresses need
/// context and are produced by the document strategies.
pub fn value_for(ty: ValueType) -> BoxedStrategy<Option<String>> {
    let some = |s: BoxedStrategy<String>| s.prop_map(Some).boxed();
    match ty {
        ValueType::Flag => Just(None).boxed(),
        ValueType::Text | ValueType::Ref(_) | ValueType::Address { .. } => some(text()),
        ValueType::Any => proptest::option::weighted(0.8, text()).boxed(),
        ValueType::Bool01 => some(select(&["0", "1"][..]).prop_map(str::to_owned).boxed()),
        ValueType::Decimal { max } => {
            some((0..=max.min(1_000_000)).prop_map(|n| n.to_string()).boxed())
        }
        ValueType::Hex => some(hex(1, 4)),
        ValueType::HexString { len: 0 } => some(hex(2, 16)),
        ValueType::HexString { len } => some(hex(len, len)),
        ValueType::Port => some((0..=65535u32).prop_map(|n| n.to_string()).boxed()),
        ValueType::Ipv4 => some(any::<Ipv4Addr>().prop_map(|a| a.to_string()).boxed()),
        ValueType::Ipv6 => some(any::<Ipv6Addr>().prop_map(|a| a.to_string()).boxed()),
        ValueType::IpAddr => some(
            any::<std::net::IpAddr>()
                .prop_map(|a| a.to_string())
                .boxed(),
        ),
        ValueType::E164 => some(digits(6, 15).prop_map(|d| format!("+{d}")).boxed()),
        ValueType::Uri => some(
            (select(&["http", "https"][..]), host(), "[a-z0-9/]{0,10}")
                .prop_map(|(s, h, p)| format!("{s}://{h}/{p}"))
                .boxed(),
        ),
        ValueType::Domain => some(
            (host(), proptest::option::of("[a-z]{1,6}/?"))
                .prop_map(|(h, p)| match p {
                    Some(p) => format!("{h}/{p}"),
                    None => h,
                })
                .boxed(),
        ),
        ValueType::Fqdn => some(host()),
        ValueType::Mcc => some(digits(3, 3)),
        ValueType::Mnc => some(vec(digits(2, 3), 1..=2).prop_map(|v| v.join(",")).boxed()),
        ValueType::Version => some(
            (1..=2u8, 0..=3u8)
                .prop_map(|(a, b)| format!("{a}.{b}"))
                .boxed(),
        ),
        ValueType::LinkSpeed => some(
            prop_oneof![
                Just("AUTOBAUDING".to_owned()),
                select(&[9600u32, 14400, 28800, 57600][..]).prop_map(|n| n.to_string())
            ]
            .boxed(),
        ),
        ValueType::AuthTypeList => some(
            proptest::sample::subsequence(schema::AAUTHTYPES, 1..=2)
                .prop_map(|v| v.join(","))
                .boxed(),
        ),
        ValueType::Enum { values, .. } => some(select(values).prop_map(str::to_owned).boxed()),
    }
}

/// An address and, maybe, its explicit type, consistent with each other.
fn address(type_parm: &'static str, kind: Known) -> BoxedStrategy<(String, Option<String>)> {
    let types: &'static [&'static str] = match kind.spec().parm(type_parm).map(|p| p.value) {
        Some(ValueType::Enum { values, .. }) => values,
        _ => &["ALPHA"],
    };
    (select(types), proptest::bool::weighted(0.8))
        .prop_flat_map(move |(t, explicit)| {
            let addr = match t {
                "IPV4" => value_for(ValueType::Ipv4),
                "IPV6" => value_for(ValueType::Ipv6),
                "E164" => value_for(ValueType::E164),
                "APN" => "[a-z]{2,8}(\\.[a-z]{2,6})?".prop_map(Some).boxed(),
                _ => host().prop_map(Some).boxed(),
            };
            // Without an explicit type the default must fit: PXADDR IPv4, NAP-ADDRESS E164,
            // LOCAL-ADDR IPv6 (uab.md §4.5); APPADDR has no default.
            let default_fits = match type_parm {
                "PXADDRTYPE" => t == "IPV4",
                "NAP-ADDRTYPE" => t == "E164",
                "LOCAL-ADDRTYPE" => t == "IPV6",
                _ => true,
            };
            let explicit = explicit || !default_fits;
            addr.prop_map(move |a| (a.unwrap_or_default(), explicit.then(|| t.to_owned())))
        })
        .boxed()
}

/// Identifiers a document's references may use.
#[derive(Debug)]
struct Ids {
    napids: Vec<String>,
    proxies: Vec<String>,
    internet: bool,
}

/// How many of a parameter to generate: exactly the minimum when mandatory, else 0 or 1.
fn count(o: Occurs) -> std::ops::RangeInclusive<usize> {
    let lo = usize::from(o.min);
    if lo > 0 { lo..=lo } else { 0..=1 }
}

/// The parameters of one characteristic, in table order, with references drawn from
/// `ids`. `fixed` parameters are supplied by the caller (identifiers).
fn parms(kind: Known, ids: &Arc<Ids>, fixed: &'static [&'static str]) -> BoxedStrategy<Vec<Parm>> {
    let spec = kind.spec();
    let mut parts: Vec<BoxedStrategy<Vec<Parm>>> = Vec::new();
    let type_parms: Vec<&str> = spec
        .parms
        .iter()
        .filter_map(|p| match p.value {
            ValueType::Address { type_parm } => Some(type_parm),
            _ => None,
        })
        .collect();
    for ps in spec.parms {
        if fixed.contains(&ps.name)
            || type_parms.contains(&ps.name)
            || matches!(ps.name, "APPREF" | "TO-APPREF" | "RULE")
        {
            continue;
        }
        let name = ps.name;
        let part: BoxedStrategy<Vec<Parm>> = match ps.value {
            ValueType::Address { type_parm } => {
                let n = if ps.occurs.min > 0 { 1..=1 } else { 0..=1 };
                vec(address(type_parm, kind), n)
                    .prop_map(move |v| {
                        v.into_iter()
                            .flat_map(|(a, t)| {
                                let mut out = vec![Parm::new(name, a)];
                                out.extend(t.map(|t| Parm::new(type_parm, t)));
                                out
                            })
                            .collect()
                    })
                    .boxed()
            }
            ValueType::Ref(RefKind::NapId) => {
                let mut targets = ids.napids.clone();
                if ids.internet {
                    targets.push("INTERNET".to_owned());
                }
                refs(name, targets, ps)
            }
            ValueType::Ref(RefKind::ProxyId) => refs(name, ids.proxies.clone(), ps),
            ValueType::Ref(RefKind::AppRef) => Just(Vec::new()).boxed(),
            ty => vec(value_for(ty), count(ps.occurs))
                .prop_map(move |v| {
                    v.into_iter()
                        .map(|value| Parm {
                            name: name.to_owned(),
                            value,
                        })
                        .collect()
                })
                .boxed(),
        };
        parts.push(part);
    }
    parts
        .prop_map(|v| v.into_iter().flatten().collect())
        .boxed()
}

fn refs(name: &'static str, targets: Vec<String>, ps: &ParmSpec) -> BoxedStrategy<Vec<Parm>> {
    if targets.is_empty() {
        return Just(Vec::new()).boxed();
    }
    let n = targets.len();
    let lo = usize::from(ps.occurs.min).min(n);
    let hi = (lo + 1).min(n);
    proptest::sample::subsequence(targets, lo..=hi)
        .prop_map(move |v| v.into_iter().map(|t| Parm::new(name, t)).collect())
        .boxed()
}

/// Parameters whose value comes from the caller, per type.
fn fixed_of(kind: Known) -> &'static [&'static str] {
    match kind {
        Known::NapDef => &["NAPID", "INTERNET"],
        Known::PxLogical => &["PROXY-ID"],
        Known::Application => &["APPID", "PROVIDER-ID", "NAME"],
        _ => &[],
    }
}

/// A characteristic of `kind` with its children, valid on its own.
fn characteristic(kind: Known, ids: Arc<Ids>) -> BoxedStrategy<Characteristic> {
    let spec = kind.spec();
    let own = parms(kind, &ids, fixed_of(kind));
    let kids: Vec<BoxedStrategy<Vec<Characteristic>>> = spec
        .children
        .iter()
        .map(|c| {
            let lo = usize::from(c.occurs.min);
            let hi = c
                .occurs
                .max
                .map_or(lo + 1, |m| usize::from(m).min(lo + 1))
                .max(lo);
            // CP 1.2 children are rarer, to keep most documents CP 1.1.
            let hi = if c.kind.spec().cp12 && kind == Known::NapDef {
                hi.min(1)
            } else {
                hi
            };
            vec(characteristic(c.kind, ids.clone()), lo..=hi).boxed()
        })
        .collect();
    (own, kids)
        .prop_map(move |(parms, kids)| {
            let mut c = Characteristic::new(kind.name());
            c.children.extend(parms.into_iter().map(Node::Parm));
            for group in kids {
                c.children
                    .extend(dedupe_keys(group).into_iter().map(Node::Characteristic));
            }
            fix_up(kind, &mut c);
            c
        })
        .boxed()
}

/// Keeps the first of siblings sharing an identity key (content.md §6.3).
fn dedupe_keys(group: Vec<Characteristic>) -> Vec<Characteristic> {
    let mut seen = std::collections::HashSet::new();
    group
        .into_iter()
        .filter(|c| {
            let key = match c.kind.as_str() {
                "PORT" => "PORTNBR",
                "PXAUTHINFO" => "PXAUTH-TYPE",
                "NAPAUTHINFO" => "AUTHTYPE",
                "VALIDITY" => "COUNTRY",
                "PXPHYSICAL" => "PHYSICAL-PROXY-ID",
                _ => return true,
            };
            c.value(key).is_none_or(|v| seen.insert(v.to_owned()))
        })
        .collect()
}

fn add_parm(c: &mut Characteristic, name: &str, value: &str) {
    c.children.insert(0, Node::Parm(Parm::new(name, value)));
}

/// Cross-parameter rules the tables cannot express (content.md §5.7, §5.8).
fn fix_up(kind: Known, c: &mut Characteristic) {
    match kind {
        Known::Validity => {
            if c.has("NETWORK") && !c.has("COUNTRY") {
                add_parm(c, "COUNTRY", "228");
            }
            if c.has("SOC") && !c.has("SID") {
                add_parm(c, "SID", "4711");
            }
        }
        Known::Bootstrap if c.has("NETWORK") && !c.has("COUNTRY") && !c.has("PROVURL") => {
            add_parm(c, "COUNTRY", "228");
        }
        _ => {}
    }
}

fn access(ids: Arc<Ids>) -> BoxedStrategy<Characteristic> {
    let appids: Vec<&'static str> = schema::APPIDS.iter().map(|a| a.id).collect();
    let targets = parms(Known::Access, &ids, &["APPID", "PORTNBR", "DOMAIN"]);
    (
        proptest::option::of(Just(())),
        vec(select(appids), 0..=2),
        proptest::option::of(value_for(ValueType::Port)),
        proptest::option::of(value_for(ValueType::Domain)),
        targets,
    )
        .prop_map(|(valued_rule, apps, port, domain, targets)| {
            // RULE first, targets last (Intel's order); the rule name is set by the caller.
            let mut c = Characteristic::new("ACCESS");
            c.children.push(Node::Parm(if valued_rule.is_some() {
                Parm::new("RULE", "")
            } else {
                Parm::flag("RULE")
            }));
            c.children
                .extend(apps.into_iter().map(|a| Node::Parm(Parm::new("APPID", a))));
            c.children
                .extend(port.flatten().map(|p| Node::Parm(Parm::new("PORTNBR", p))));
            c.children
                .extend(domain.flatten().map(|d| Node::Parm(Parm::new("DOMAIN", d))));
            c.children.extend(targets.into_iter().map(Node::Parm));
            c
        })
        .boxed()
}

/// Documents that validate without errors (warnings allowed).
pub fn valid_document() -> impl Strategy<Value = Document> {
    (
        1..=3usize,
        0..=2usize,
        any::<bool>(),
        select(&[None, Some("1.0"), Some("1.1")][..]),
    )
        .prop_flat_map(|(naps, proxies, internet, version)| {
            let ids = Arc::new(Ids {
                napids: (1..=naps).map(|i| format!("NAP{i}")).collect(),
                proxies: (1..=proxies).map(|i| format!("PX{i}")).collect(),
                internet,
            });
            let appids: Vec<&'static str> = schema::APPIDS.iter().map(|a| a.id).collect();
            (
                vec(characteristic(Known::NapDef, ids.clone()), naps..=naps),
                vec(
                    characteristic(Known::PxLogical, ids.clone()),
                    proxies..=proxies,
                ),
                vec(
                    (
                        select(appids),
                        any::<(bool, bool)>(),
                        characteristic(Known::Application, ids.clone()),
                    ),
                    0..=3,
                ),
                proptest::option::of(characteristic(Known::Bootstrap, ids.clone())),
                proptest::option::of(characteristic(Known::ClientIdentity, ids.clone())),
                vec(characteristic(Known::VendorConfig, ids.clone()), 0..=1),
                vec(access(ids.clone()), 0..=2),
                Just(ids),
                Just(version),
            )
                .prop_map(assemble)
        })
}

type Parts = (
    Vec<Characteristic>,
    Vec<Characteristic>,
    Vec<(&'static str, (bool, bool), Characteristic)>,
    Option<Characteristic>,
    Option<Characteristic>,
    Vec<Characteristic>,
    Vec<Characteristic>,
    Arc<Ids>,
    Option<&'static str>,
);

/// Puts the identifiers in and links the parts.
fn assemble((naps, proxies, apps, boot, client, vendor, access, ids, version): Parts) -> Document {
    let mut doc = Document::new(version);
    for (i, mut n) in naps.into_iter().enumerate() {
        if i == 0 && ids.internet {
            n.children.insert(0, Node::Parm(Parm::flag("INTERNET")));
        }
        add_parm(&mut n, "NAPID", &ids.napids[i]);
        doc.characteristics.push(n);
    }
    for (i, mut p) in proxies.into_iter().enumerate() {
        add_parm(&mut p, "PROXY-ID", &ids.proxies[i]);
        doc.characteristics.push(p);
    }
    let mut w4 = false;
    let mut refs: Vec<String> = Vec::new();
    for (i, (appid, (appref, depends), mut a)) in apps.into_iter().enumerate() {
        // One MMS (w4) account per document (Intel's duplicate key).
        let appid = if appid == "w4" && std::mem::replace(&mut w4, true) {
            "w2"
        } else {
            appid
        };
        if depends && let Some(r) = refs.last() {
            add_parm(&mut a, "TO-APPREF", r);
        }
        if appref {
            let r = format!("ref{i}");
            add_parm(&mut a, "APPREF", &r);
            refs.push(r);
        }
        add_parm(&mut a, "NAME", &format!("app{i}"));
        add_parm(&mut a, "PROVIDER-ID", &format!("provider{i}"));
        add_parm(&mut a, "APPID", appid);
        doc.characteristics.push(a);
    }
    doc.characteristics.extend(boot);
    doc.characteristics.extend(client);
    doc.characteristics
        .extend(vendor.into_iter().enumerate().map(|(i, mut v)| {
            if let Some(Node::Parm(p)) = v
                .children
                .iter_mut()
                .find(|n| matches!(n, Node::Parm(p) if p.name == "NAME"))
            {
                p.value = Some(format!("vendor{i}"));
            }
            v
        }));
    for (i, mut a) in access.into_iter().enumerate() {
        if !a.has("TO-NAPID") && !a.has("TO-PROXY") {
            continue;
        }
        if let Some(Node::Parm(p)) = a.children.first_mut()
            && p.value.is_some()
        {
            p.value = Some(format!("rule{i}"));
        }
        doc.characteristics.push(a);
    }
    doc
}

// ---------------------------------------------------------------------------------------
// Arbitrary documents.

fn all_parm_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = schema::CHARACTERISTICS
        .iter()
        .flat_map(|c| c.parms.iter().map(|p| p.name))
        .collect();
    v.extend(schema::APP_EXTRA_PARMS.iter().map(|p| p.name));
    v.sort_unstable();
    v.dedup();
    v
}

fn all_values() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        schema::BEARERS,
        schema::NAP_ADDRTYPES,
        schema::CALLTYPES,
        schema::SERVICES,
        schema::PXAUTH_TYPES,
        schema::AUTHTYPES,
        schema::SECMODES,
    ]
    .concat();
    v.extend([
        "INTERNET",
        "NAP1",
        "PX1",
        "w2",
        "w4",
        "0",
        "1",
        "9201",
        "10.0.0.1",
        "+41790000000",
        "http://a.example/",
    ]);
    v
}

fn any_name(known: Vec<&'static str>) -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(known).prop_map(str::to_owned),
        1 => "[A-Za-z-]{1,10}",
        1 => xml_string(6),
    ]
    .boxed()
}

fn any_parm() -> BoxedStrategy<Parm> {
    let values = all_values();
    (
        any_name(all_parm_names()),
        prop_oneof![
            2 => Just(None),
            5 => select(values).prop_map(|v| Some(v.to_owned())),
            3 => xml_string(12).prop_map(Some),
        ],
    )
        .prop_map(|(name, value)| Parm { name, value })
        .boxed()
}

/// Random trees over schema names: mostly misplaced and unknown content.
fn noise_document() -> impl Strategy<Value = Document> {
    let kinds: Vec<&'static str> = Known::ALL.iter().map(|k| k.name()).collect();
    let kind = any_name(kinds);
    let leaf = (kind.clone(), vec(any_parm(), 0..6)).prop_map(|(k, parms)| Characteristic {
        kind: k,
        children: parms.into_iter().map(Node::Parm).collect(),
    });
    let tree = leaf.prop_recursive(4, 48, 4, move |inner| {
        (
            kind.clone(),
            vec(
                prop_oneof![
                    any_parm().prop_map(Node::Parm),
                    inner.prop_map(Node::Characteristic)
                ],
                0..8,
            ),
        )
            .prop_map(|(kind, children)| Characteristic { kind, children })
    });
    (
        prop_oneof![
            Just(None),
            Just(Some("1.0".to_owned())),
            xml_string(4).prop_map(Some)
        ],
        vec(tree, 0..6),
    )
        .prop_map(|(version, characteristics)| Document {
            version,
            characteristics,
        })
}

/// One edit of a document, addressed by indices into its node list.
#[derive(Debug, Clone)]
enum Mutation {
    Remove(prop::sample::Index),
    SetValue(prop::sample::Index, Option<String>),
    Rename(prop::sample::Index, String),
    DuplicateRoot(prop::sample::Index),
    Retype(prop::sample::Index, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let idx = any::<prop::sample::Index>;
    let kinds: Vec<&'static str> = Known::ALL.iter().map(|k| k.name()).collect();
    prop_oneof![
        3 => idx().prop_map(Mutation::Remove),
        3 => (idx(), prop_oneof![Just(None), Just(Some("GONE".to_owned())), select(all_values()).prop_map(|v| Some(v.to_owned())), xml_string(8).prop_map(Some)])
            .prop_map(|(i, v)| Mutation::SetValue(i, v)),
        2 => (idx(), any_name(all_parm_names())).prop_map(|(i, n)| Mutation::Rename(i, n)),
        1 => idx().prop_map(Mutation::DuplicateRoot),
        1 => (idx(), select(kinds).prop_map(str::to_owned)).prop_map(|(i, k)| Mutation::Retype(i, k)),
    ]
}

/// Paths (child indices from the root) of every node; a characteristic's path comes
/// before its children's.
fn node_paths(doc: &Document) -> Vec<Vec<usize>> {
    fn walk(c: &Characteristic, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        for (i, n) in c.children.iter().enumerate() {
            at.push(i);
            out.push(at.clone());
            if let Node::Characteristic(k) = n {
                walk(k, at, out);
            }
            at.pop();
        }
    }
    let mut out = Vec::new();
    for (i, c) in doc.characteristics.iter().enumerate() {
        let mut at = vec![i];
        out.push(at.clone());
        walk(c, &mut at, &mut out);
    }
    out
}

/// The children list holding node `path`, and the node's index in it; `None` at the root.
fn parent_mut<'a>(doc: &'a mut Document, path: &[usize]) -> Option<(&'a mut Vec<Node>, usize)> {
    let (last, inner) = path.split_last()?;
    let (first, rest) = inner.split_first()?;
    let mut c = doc.characteristics.get_mut(*first)?;
    for i in rest {
        c = match c.children.get_mut(*i)? {
            Node::Characteristic(k) => k,
            Node::Parm(_) => return None,
        };
    }
    Some((&mut c.children, *last))
}

fn apply(doc: &mut Document, m: Mutation) {
    let paths = node_paths(doc);
    if paths.is_empty() {
        return;
    }
    let pick = |i: &prop::sample::Index| paths[i.index(paths.len())].clone();
    match m {
        Mutation::Remove(i) => {
            let p = pick(&i);
            if p.len() == 1 {
                doc.characteristics.remove(p[0]);
            } else if let Some((list, at)) = parent_mut(doc, &p) {
                list.remove(at);
            }
        }
        Mutation::SetValue(i, v) => {
            if let Some((list, at)) = parent_mut(doc, &pick(&i))
                && let Some(Node::Parm(p)) = list.get_mut(at)
            {
                p.value = v;
            }
        }
        Mutation::Rename(i, n) => {
            if let Some((list, at)) = parent_mut(doc, &pick(&i))
                && let Some(Node::Parm(p)) = list.get_mut(at)
            {
                p.name = n;
            }
        }
        Mutation::DuplicateRoot(i) => {
            let c = doc.characteristics[i.index(doc.characteristics.len())].clone();
            doc.characteristics.push(c);
        }
        Mutation::Retype(i, k) => {
            let p = pick(&i);
            if p.len() == 1 {
                doc.characteristics[p[0]].kind = k;
            } else if let Some((list, at)) = parent_mut(doc, &p)
                && let Some(Node::Characteristic(c)) = list.get_mut(at)
            {
                c.kind = k;
            }
        }
    }
}

/// Valid documents with a few random edits: removed, renamed, retyped or duplicated
/// elements and changed values, which reach the deeper rules (references, duplicates,
/// the pruning cascade).
pub fn mutated_document() -> impl Strategy<Value = Document> {
    (valid_document(), vec(mutation(), 1..=4)).prop_map(|(mut d, ms)| {
        for m in ms {
            apply(&mut d, m);
        }
        d
    })
}

/// Schema-shaped noise and mutated valid documents (see the module documentation).
pub fn arbitrary_document() -> impl Strategy<Value = Document> {
    prop_oneof![1 => noise_document(), 2 => mutated_document()]
}

/// Either kind of document.
pub fn any_document() -> impl Strategy<Value = Document> {
    prop_oneof![valid_document(), arbitrary_document()]
}
