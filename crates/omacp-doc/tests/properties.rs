//! Property tests over generated documents (omacp_testkit::r#gen).

use omacp_doc::validate::{Rule, Severity, prune, validate};
use omacp_doc::xml;
use omacp_testkit::r#gen::{arbitrary_document, valid_document, xml_string};
use proptest::prelude::*;

fn doc_level(rule: Rule) -> bool {
    matches!(rule, Rule::BadVersion | Rule::EmptyDocument)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_xml_round_trips(d in prop_oneof![valid_document(), arbitrary_document()]) {
        let text = xml::to_string(&d);
        prop_assert_eq!(xml::parse(&text).unwrap(), d);
    }

    #[test]
    fn generated_valid_documents_validate(d in valid_document()) {
        let r = validate(&d);
        prop_assert!(r.is_valid(), "{:#?}\n{}", r.diagnostics, xml::to_string(&d));
        prop_assert_eq!(prune(&d).0, d);
    }

    #[test]
    fn prune_is_idempotent_and_leaves_no_errors(d in arbitrary_document()) {
        let (p, _) = prune(&d);
        let (again, removed) = prune(&p);
        prop_assert_eq!(&again, &p);
        prop_assert!(removed.iter().all(|x| doc_level(x.rule)), "{:#?}", removed);
        let left = validate(&p);
        prop_assert!(left.diagnostics.iter().all(|x| x.severity != Severity::Error || doc_level(x.rule)));
    }

    #[test]
    fn parse_never_panics_on_text(s in xml_string(200)) {
        let _ = xml::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_mutated_documents(d in valid_document(), cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = xml::to_string(&d).into_bytes();
        for (at, b) in cuts {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(again) = xml::parse_bytes(&bytes) {
            // Whatever parses must round-trip too.
            prop_assert_eq!(xml::parse(&xml::to_string(&again)).unwrap(), again);
        }
    }
}
