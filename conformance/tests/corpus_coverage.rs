//! The corpus together uses every characteristic, every parameter of each, every value
//! of every closed vocabulary, and every registered APPID of the schema. A schema entry
//! the corpus never exercises is untested by the round-trip and interop suites, so it
//! fails here.

use std::collections::BTreeSet;

use omacp_doc::schema::{APP_EXTRA_PARMS, APPIDS, CHARACTERISTICS, ValueType};
use omacp_doc::{Characteristic, xml};

#[derive(Default)]
struct Seen {
    kinds: BTreeSet<String>,
    /// (characteristic type, parameter name)
    parms: BTreeSet<(String, String)>,
    /// (characteristic type, parameter name, value)
    values: BTreeSet<(String, String, String)>,
    /// Parameter names seen directly in an APPLICATION.
    app_parms: BTreeSet<String>,
    appids: BTreeSet<String>,
}

fn walk(c: &Characteristic, seen: &mut Seen) {
    seen.kinds.insert(c.kind.clone());
    for p in c.parms() {
        seen.parms.insert((c.kind.clone(), p.name.clone()));
        if let Some(v) = &p.value {
            seen.values
                .insert((c.kind.clone(), p.name.clone(), v.clone()));
        }
        if c.kind == "APPLICATION" {
            seen.app_parms.insert(p.name.clone());
            if p.name == "APPID" {
                seen.appids.insert(p.value.clone().unwrap_or_default());
            }
        }
    }
    for child in c.characteristics() {
        walk(child, seen);
    }
}

fn seen() -> Seen {
    let mut seen = Seen::default();
    for d in omacp_testkit::corpus::documents() {
        for c in &xml::parse(&d.xml).unwrap().characteristics {
            walk(c, &mut seen);
        }
    }
    seen
}

#[test]
fn corpus_uses_every_characteristic_and_parameter() {
    let seen = seen();
    let mut missing = Vec::new();
    for spec in CHARACTERISTICS {
        let kind = spec.kind.name();
        if !seen.kinds.contains(kind) {
            missing.push(kind.to_string());
        }
        for p in spec.parms {
            if !seen.parms.contains(&(kind.to_string(), p.name.to_string())) {
                missing.push(format!("{kind}/{}", p.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not used by any corpus document: {missing:?}"
    );
}

#[test]
fn corpus_uses_every_value_of_every_closed_vocabulary() {
    let seen = seen();
    let mut missing = Vec::new();
    for spec in CHARACTERISTICS {
        let kind = spec.kind.name();
        for p in spec.parms {
            if let ValueType::Enum { values, .. } = p.value {
                for v in values {
                    let key = (kind.to_string(), p.name.to_string(), v.to_string());
                    if !seen.values.contains(&key) {
                        missing.push(format!("{kind}/{}={v}", p.name));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "values no corpus document uses: {missing:?}"
    );
}

#[test]
fn corpus_uses_every_appid_and_application_parameter() {
    let seen = seen();
    let mut missing: Vec<String> = APPIDS
        .iter()
        .filter(|a| !seen.appids.contains(a.id))
        .map(|a| format!("APPID {}", a.id))
        .collect();
    for p in APP_EXTRA_PARMS
        .iter()
        .chain(APPIDS.iter().flat_map(|a| a.extra_parms))
    {
        if !seen.app_parms.contains(p.name) && !seen.parms.iter().any(|(_, n)| n == p.name) {
            missing.push(format!("APPLICATION parameter {}", p.name));
        }
    }
    assert!(
        missing.is_empty(),
        "not used by any corpus document: {missing:?}"
    );
}
