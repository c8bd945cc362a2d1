//! Large hostile-shaped documents stay tractable (no quadratic paths). No timing
//! assertions: a quadratic regression shows up as a test that takes minutes.

use omacp_doc::validate::{Rule, prune, validate};
use omacp_doc::{Characteristic, Document, xml};

#[test]
fn long_dependency_chain_and_many_siblings() {
    let n = 20_000;
    let mut d = Document::new(None);
    for i in 0..n {
        let mut a = Characteristic::new("APPLICATION")
            .with_parm("APPID", "w2")
            .with_parm("APPREF", format!("r{i}"));
        // The first depends on something missing: everything after it falls.
        a = a.with_parm(
            "TO-APPREF",
            if i == 0 {
                "missing".to_owned()
            } else {
                format!("r{}", i - 1)
            },
        );
        d.characteristics.push(a);
    }
    for i in 0..n {
        d.characteristics.push(
            Characteristic::new("ACCESS")
                .with_parm("RULE", "same")
                .with_parm("TO-NAPID", format!("n{i}")),
        );
    }
    let r = validate(&d);
    assert_eq!(
        r.diagnostics
            .iter()
            .filter(|x| x.rule == Rule::DanglingToAppref)
            .count(),
        n
    );
    let (p, _) = prune(&d);
    assert!(p.characteristics.is_empty());
    let text = xml::to_string(&d);
    let limits = xml::XmlLimits {
        max_bytes: 64 << 20,
        max_depth: 32,
        max_elements: 1 << 20,
    };
    assert_eq!(xml::parse_with_limits(&text, &limits).unwrap(), d);
}
