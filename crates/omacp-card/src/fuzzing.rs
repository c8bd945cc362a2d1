//! Entry points for `fuzz/fuzz_targets/card_files.rs`. Every parser must return, never panic,
//! whatever the bytes.

use crate::image::{CardImage, ImageFile, Structure};
use crate::path::MF;
use crate::pkcs15::{parse_dir_record, parse_dodf, parse_odf};
use crate::split::{Layout, SplitLimits, split_documents};
use crate::{
    ImageSpec, Platform, ReadOptions, Role, SimulatedCard, build_image, fcp, imsi,
    read_provisioning,
};

/// Feeds `data` to the EF(DIR)/EF(ODF)/EF(DODF) parsers, the document splitter, the IMSI and
/// FCP decoders, the image parser, and a full walk of a card whose DODF (or EF(DIR) record,
/// or Bootstrap file) is `data`.
pub fn card_files(data: &[u8]) {
    let _ = parse_dir_record(data, 0);
    let _ = parse_odf(data);
    let _ = parse_dodf(data);
    for layout in [Layout::Concatenated, Layout::LengthPrefixed] {
        let out = split_documents(data, layout, &SplitLimits::default());
        for d in &out.documents {
            assert!(d.offset + d.len <= data.len());
        }
    }
    let _ = imsi::decode_ef_imsi(data);
    let _ = imsi::decode_imsi_m(data);
    let _ = fcp::parse_fcp(data);
    let _ = fcp::parse_gsm_response(data);
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = CardImage::parse(text, &mut |_| Err("no files while fuzzing".into()));
    }
    walk(data);
}

fn walk(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let platform = Platform::ALL[usize::from(selector) % Platform::ALL.len()];
    let mut spec = ImageSpec::new(platform);
    spec.imsi = Some("001010123456789".into());
    spec.documents = vec![(Role::Bootstrap, vec![0x03, 0x0B, 0x6A, 0x00, 0x05])];
    let Ok(mut img) = build_image(&spec) else {
        return;
    };
    let target: &[u16] = match selector / 8 % 3 {
        0 => &[MF, 0x5015, 0x4401],
        1 => &[MF, 0x5015, 0x4402],
        _ => &[MF, 0x5015, 0x5031],
    };
    let mut bytes = rest.to_vec();
    bytes.truncate(crate::image::MAX_EF_SIZE);
    img.files.retain(|f| f.path != target);
    img.files.push(ImageFile {
        path: target.to_vec(),
        structure: Structure::Transparent(bytes),
        protected: false,
        line: 0,
    });
    let Ok(mut card) = SimulatedCard::new(&img) else {
        return;
    };
    let opts = ReadOptions {
        platform: (selector & 0x80 == 0).then_some(platform),
        ..ReadOptions::default()
    };
    let _ = read_provisioning(&mut card, &opts);
}
