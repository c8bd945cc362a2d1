//! The specification example (content.md §9), the CHT operator document and the corpus:
//! they parse, round-trip through the canonical XML, and validate as expected.

use omacp_doc::validate::{Rule, Severity, prune, validate};
use omacp_doc::{Characteristic, Node, xml};
use omacp_testkit::{corpus, vectors};

#[test]
fn spec_example_parses_to_the_expected_tree() {
    let d = xml::parse(vectors::SPEC_APPENDIX_XML).unwrap();
    assert_eq!(d.version.as_deref(), Some("1.0"));
    let kinds: Vec<&str> = d.characteristics.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["PXLOGICAL", "NAPDEF", "ACCESS"]);
    let nap = &d.characteristics[1];
    assert_eq!(nap.value("NAP-ADDRESS"), Some("+35808124002"));
    assert!(
        nap.children
            .contains(&Node::Parm(omacp_doc::Parm::flag("T-BIT")))
    );
    let phys = d.characteristics[0]
        .characteristics()
        .find(|c| c.kind == "PXPHYSICAL")
        .unwrap();
    assert_eq!(
        phys.values("TO-NAPID").collect::<Vec<_>>(),
        ["INTERNET", "NAP1"]
    );
    assert_eq!(d.characteristics[2], Characteristic::new("ACCESS"));
    assert_eq!(d.element_count(), 43);
    assert_eq!(xml::parse(&xml::to_string(&d)).unwrap(), d);
}

#[test]
fn spec_example_validates_with_exactly_these_diagnostics() {
    let d = xml::parse(vectors::SPEC_APPENDIX_XML).unwrap();
    let r = validate(&d);
    let got: Vec<(Severity, Rule, String)> = r
        .diagnostics
        .iter()
        .map(|x| (x.severity, x.rule, x.path.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            // TO-NAPID INTERNET, and no NAPDEF of the example is flagged INTERNET.
            (
                Severity::Warning,
                Rule::NoInternetNap,
                "/PXLOGICAL[PROXY-ID=170.187.51.4]/PXPHYSICAL[PHYSICAL-PROXY-ID=PROXY 1]/TO-NAPID[1]".to_owned()
            ),
            // CSD bearer with Mobile-IP parameters.
            (Severity::Warning, Rule::BearerMismatch, "/NAPDEF[NAPID=NAP1]".to_owned()),
            // The empty ACCESS.
            (Severity::Warning, Rule::EmptyAccess, "/ACCESS[1]".to_owned()),
        ]
    );
    assert!(r.is_valid());
    // Pruning removes only the empty ACCESS.
    let (p, removed) = prune(&d);
    assert_eq!(p.characteristics, d.characteristics[..2]);
    assert_eq!(
        removed.iter().map(|x| x.rule).collect::<Vec<_>>(),
        [Rule::EmptyAccess]
    );
}

#[test]
fn cht_operator_document_is_valid() {
    let d = xml::parse(vectors::CHT_XML).unwrap();
    let r = validate(&d);
    assert!(r.is_valid(), "{:#?}", r.diagnostics);
    let rules: Vec<Rule> = r.diagnostics.iter().map(|x| x.rule).collect();
    assert_eq!(rules, [Rule::PullEnabledDefault, Rule::PullEnabledDefault]);
    assert_eq!(prune(&d).0, d);
}

#[test]
fn corpus_documents_are_valid_and_round_trip() {
    for c in corpus::documents() {
        let d = xml::parse(&c.xml).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let text = xml::to_string(&d);
        assert_eq!(xml::parse(&text).unwrap(), d, "{}", c.name);
        assert_eq!(
            xml::to_string(&xml::parse(&text).unwrap()),
            text,
            "{}: canonical form is stable",
            c.name
        );
        let r = validate(&d);
        assert!(r.is_valid(), "{}: {:#?}", c.name, r.diagnostics);
        let (p, removed) = prune(&d);
        assert!(
            removed.iter().all(|x| x.severity != Severity::Error),
            "{}: {removed:#?}",
            c.name
        );
        assert_eq!(prune(&p).0, p, "{}", c.name);
    }
}

#[test]
fn report_serialises_as_the_cli_json() {
    let d = xml::parse(vectors::SPEC_APPENDIX_XML).unwrap();
    let v = serde_json::to_value(&validate(&d).diagnostics[2]).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "path": "/ACCESS[1]",
            "rule": "empty-access",
            "severity": "warning",
            "message": "empty ACCESS: legal, but binds nothing; removed",
        })
    );
}
