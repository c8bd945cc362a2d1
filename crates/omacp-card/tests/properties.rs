//! Properties: the parsers return on any bytes, and the encoders round-trip.

use omacp_card::image::CardImage;
use omacp_card::split::{Layout, SplitLimits, split_documents};
use omacp_card::tlv::TlvReader;
use omacp_card::{
    ImageSpec, Oid, Platform, ReadOptions, Role, SimulatedCard, build_image, imsi,
    read_provisioning,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn card_parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..700)) {
        omacp_card::fuzzing::card_files(&data);
    }

    #[test]
    fn image_parser_never_panics(text in "[ -~\n\"#]{0,400}") {
        let _ = CardImage::parse(&text, &mut |_| Err("none".into()));
    }

    #[test]
    fn tlv_offsets_stay_inside_the_input(data in proptest::collection::vec(any::<u8>(), 0..300), base in 0usize..1000) {
        let mut r = TlvReader::at(&data, base);
        let mut last = base;
        while let Ok(Some(t)) = r.next_tlv() {
            prop_assert!(t.offset >= last && t.value_offset + t.value.len() <= base + data.len());
            last = t.value_offset + t.value.len();
        }
    }

    #[test]
    fn oids_round_trip(first in 0u64..3, second in 0u64..40, rest in proptest::collection::vec(any::<u64>(), 0..10)) {
        let mut arcs = vec![first, second];
        arcs.extend(rest);
        let oid = Oid::from_arcs(&arcs).unwrap();
        prop_assert_eq!(Oid::decode(&oid.encode(), 0).unwrap(), oid.clone());
        prop_assert_eq!(oid.to_string().parse::<Oid>().unwrap(), oid);
    }

    #[test]
    fn imsis_round_trip(digits in "[0-9]{6,15}", m in "[0-9]{15}") {
        prop_assert_eq!(imsi::decode_ef_imsi(&imsi::encode_ef_imsi(&digits).unwrap()).unwrap(), digits);
        prop_assert_eq!(imsi::decode_imsi_m(&imsi::encode_imsi_m(&m).unwrap()).unwrap(), m);
    }

    #[test]
    fn concatenated_documents_split_back(texts in proptest::collection::vec("[a-z]{0,20}", 1..6)) {
        // <root><x>text</x></root> per text, with the text inline.
        let docs: Vec<Vec<u8>> = texts.iter().map(|t| {
            let mut d = vec![0x03, 0x0B, 0x6A, 0x00, 0x45, 0x46, 0x03];
            d.extend(t.as_bytes());
            d.extend([0x00, 0x01, 0x01]);
            d
        }).collect();
        let mut file = docs.concat();
        file.extend([0xFF; 7]);
        let spans = split_documents(&file, Layout::Concatenated, &SplitLimits::default()).into_result().unwrap();
        let got: Vec<Vec<u8>> = spans.iter().map(|s| s.bytes(&file).to_vec()).collect();
        prop_assert_eq!(got, docs);
    }

    #[test]
    fn built_images_read_back(p in 0usize..6, n in 1usize..4, with_imsi in any::<bool>()) {
        let platform = Platform::ALL[p];
        let mut spec = ImageSpec::new(platform);
        spec.imsi = with_imsi.then(|| "001010123456789".to_string());
        let doc = vec![0x03, 0x0B, 0x6A, 0x00, 0x05];
        spec.documents = (0..n).map(|i| (Role::ALL[i % 3], doc.clone())).collect();
        let img = build_image(&spec).unwrap();
        let again = CardImage::parse(&img.to_text(), &mut |_| Err("none".into())).unwrap();
        prop_assert_eq!(&again, &img);
        let mut card = SimulatedCard::new(&again).unwrap();
        let c = read_provisioning(&mut card, &ReadOptions { platform: Some(platform), ..ReadOptions::default() }).unwrap();
        prop_assert_eq!(c.documents.len(), n);
        prop_assert_eq!(c.imsi.is_some(), with_imsi);
    }
}
