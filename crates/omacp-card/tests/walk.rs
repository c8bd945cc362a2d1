//! The PKCS#15 walk against simulated cards: the corpus images, every platform the builder
//! lays out, missing and protected files, and hostile structures.

use std::path::PathBuf;

use omacp_card::image::{ImageFile, Structure};
use omacp_card::path::MF;
use omacp_card::pkcs15::{Pkcs15Path, encode_odf_entry, encode_oid_do};
use omacp_card::split::{Layout, PublicId, SplitErrorKind};
use omacp_card::tlv::TlvErrorKind;
use omacp_card::{
    CardContents, CardErrorKind, CardImage, CardTransport, FilePath, ImageSpec, Limits, NoteKind,
    Oid, Platform, ReadOptions, Role, RoleTable, SimulatedCard, StatusWord, TransportError,
    build_image, read_provisioning,
};

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/cards")
        .join(name)
}

fn wbxml(name: &str) -> Vec<u8> {
    std::fs::read(corpus(name)).unwrap()
}

fn read(img: &CardImage, platform: Option<Platform>) -> CardContents {
    let mut card = SimulatedCard::new(img).unwrap();
    read_provisioning(
        &mut card,
        &ReadOptions {
            platform,
            ..ReadOptions::default()
        },
    )
    .unwrap()
}

fn roles_and_bytes(c: &CardContents) -> Vec<(Role, Vec<u8>)> {
    c.documents
        .iter()
        .map(|d| (d.role, d.bytes.clone()))
        .collect()
}

fn path(s: &str) -> FilePath {
    s.parse().unwrap()
}

const DOC_A: &[u8] = &[0x03, 0x0B, 0x6A, 0x00, 0x45, 0x05, 0x01];
const DOC_B: &[u8] = &[0x03, 0x0B, 0x6A, 0x00, 0x05];

#[test]
fn sim_corpus_image() {
    let img = CardImage::load(&corpus("sim-bootstrap.card")).unwrap();
    for platform in [None, Some(Platform::Sim)] {
        let c = read(&img, platform);
        assert_eq!(c.platform, Platform::Sim);
        assert_eq!(c.imsi.as_deref(), Some("001010123456789"));
        assert_eq!(c.imsi_file, Some(path("3F00/7F20/6F07")));
        assert_eq!(c.pkcs15, Some(path("3F00/5015")));
        assert_eq!(
            roles_and_bytes(&c),
            [(Role::Bootstrap, wbxml("bootstrap.wbxml"))]
        );
        assert_eq!(c.documents[0].file, path("3F00/5015/4402"));
        assert_eq!((c.documents[0].index, c.documents[0].offset), (0, 0));
        assert_eq!(c.notes, []);
    }
}

#[test]
fn usim_corpus_image_with_all_three_files() {
    let img = CardImage::load(&corpus("usim-full.card")).unwrap();
    let c = read(&img, None);
    assert_eq!(c.platform, Platform::Usim);
    assert_eq!(c.imsi.as_deref(), Some("001010123456789"));
    assert_eq!(
        c.imsi_file,
        Some(path("ADF.A0000000871002FFFFFFFF8900000100/6F07"))
    );
    assert_eq!(c.pkcs15, Some(path("ADF.A000000063504B43532D3135")));
    assert_eq!(
        roles_and_bytes(&c),
        [
            (Role::Bootstrap, wbxml("bootstrap.wbxml")),
            (Role::Config1, wbxml("config1-gprs.wbxml")),
            (Role::Config1, wbxml("config1-mms.wbxml")),
            (Role::Config2, wbxml("config2-browser.wbxml")),
        ]
    );
    let second = &c.documents[2];
    assert_eq!(
        (second.index, second.offset),
        (1, wbxml("config1-gprs.wbxml").len())
    );
    assert_eq!(c.notes, []);
    assert_eq!(c.applications.len(), 2);
}

#[test]
fn isim_corpus_image_notes_the_protected_config2() {
    let img = CardImage::load(&corpus("isim.card")).unwrap();
    // Detection prefers the USIM that shares the UICC; asked for ISIM, the walk is the same.
    assert_eq!(read(&img, None).platform, Platform::Usim);
    let c = read(&img, Some(Platform::Isim));
    assert_eq!(c.platform, Platform::Isim);
    assert_eq!(c.imsi.as_deref(), Some("23415123456789"));
    assert_eq!(
        roles_and_bytes(&c),
        [
            (Role::Bootstrap, wbxml("bootstrap.wbxml")),
            (Role::Config1, wbxml("config1-gprs.wbxml"))
        ]
    );
    assert_eq!(c.notes.len(), 1);
    assert_eq!(
        c.notes[0].file,
        Some(path("ADF.A000000063504B43532D3135/4404"))
    );
    assert_eq!(
        c.notes[0].kind,
        NoteKind::Protected(StatusWord::SecurityStatusNotSatisfied)
    );
}

fn spec(platform: Platform) -> ImageSpec {
    let mut s = ImageSpec::new(platform);
    s.imsi = Some("310001234567890".into());
    s.documents = vec![
        (Role::Bootstrap, DOC_A.to_vec()),
        (Role::Config1, DOC_B.to_vec()),
        (Role::Config2, DOC_A.to_vec()),
    ];
    s
}

#[test]
fn every_platform_from_the_builder() {
    for p in Platform::ALL {
        let img = build_image(&spec(p)).unwrap();
        let detected = read(&img, None);
        let want = match p {
            Platform::Isim => Platform::Usim, // the USIM on the same UICC wins detection
            Platform::Wim => Platform::Usim,  // the builder adds a USIM for the IMSI
            other => other,
        };
        assert_eq!(detected.platform, want, "{p}");
        let c = read(&img, Some(p));
        assert_eq!(c.imsi.as_deref(), Some("310001234567890"), "{p}");
        assert_eq!(
            roles_and_bytes(&c),
            [
                (Role::Bootstrap, DOC_A.to_vec()),
                (Role::Config1, DOC_B.to_vec()),
                (Role::Config2, DOC_A.to_vec())
            ],
            "{p}"
        );
        assert_eq!(c.notes, [], "{p}");
        assert_eq!(roles_and_bytes(&detected), roles_and_bytes(&c), "{p}");
    }
}

#[test]
fn a_wim_without_imsi_is_detected_as_wim() {
    let mut s = spec(Platform::Wim);
    s.imsi = None;
    let c = read(&build_image(&s).unwrap(), None);
    assert_eq!(c.platform, Platform::Wim);
    assert_eq!(
        c.pkcs15,
        Some(FilePath::in_adf(&omacp_card::pkcs15::WIM_AID, &[]))
    );
    assert_eq!(c.imsi, None);
    assert_eq!(c.notes.last().unwrap().kind, NoteKind::ImsiUnavailable);
    assert_eq!(c.documents.len(), 3);
}

#[test]
fn t1_style_responses_and_dual_class_cards_read_the_same() {
    let mut img = build_image(&spec(Platform::Usim)).unwrap();
    let reference = read(&img, None);
    let mut card = SimulatedCard::new(&img).unwrap();
    card.set_data_with_status(true);
    let c = read_provisioning(&mut card, &ReadOptions::default()).unwrap();
    assert_eq!(roles_and_bytes(&c), roles_and_bytes(&reference));
    assert!(c.apdus < reference.apdus, "no GET RESPONSE round trips");
    img.classes = Some(omacp_card::image::Classes::Both);
    assert_eq!(read(&img, None).platform, Platform::Usim);
}

#[test]
fn missing_pkcs15_application_is_not_an_error() {
    let mut img = build_image(&spec(Platform::Sim)).unwrap();
    img.files.retain(|f| f.path.get(1) != Some(&0x5015));
    img.apps.clear();
    let c = read(&img, None);
    assert_eq!(c.documents, []);
    assert_eq!(c.imsi.as_deref(), Some("310001234567890"));
    let kinds: Vec<_> = c.notes.iter().map(|n| &n.kind).collect();
    assert_eq!(
        kinds,
        [
            &NoteKind::ApplicationNotSelectable,
            &NoteKind::NoPkcs15Application
        ]
    );
}

#[test]
fn pkcs15_found_without_ef_dir() {
    for p in [Platform::Sim, Platform::Usim] {
        let mut img = build_image(&spec(p)).unwrap();
        img.files.retain(|f| f.path != [MF, 0x2F00]);
        let c = read(&img, Some(p));
        assert_eq!(c.documents.len(), 3, "{p}");
        assert_eq!(
            c.notes[0].kind,
            NoteKind::NotFound(if p == Platform::Sim {
                StatusWord::GsmFileNotFound
            } else {
                StatusWord::FileNotFound
            })
        );
        assert!(
            c.notes.iter().any(|n| n.kind == NoteKind::Pkcs15Fallback),
            "{p}: {:?}",
            c.notes
        );
    }
}

#[test]
fn protected_and_unknown_objects_are_noted() {
    let mut s = spec(Platform::Sim);
    s.protected = vec![Role::Bootstrap];
    let mut img = build_image(&s).unwrap();
    // An extra oidDO with an OID outside the role table.
    let dodf = img
        .files
        .iter_mut()
        .find(|f| f.path == [MF, 0x5015, 0x4401])
        .unwrap();
    let Structure::Transparent(d) = &mut dodf.structure else {
        panic!()
    };
    let other: Oid = "1.3.6.1.4.1.99999.1".parse().unwrap();
    d.extend(encode_oid_do(
        Some("Other"),
        &other,
        &Pkcs15Path::file(&[0x4410]),
    ));
    let c = read(&img, None);
    assert_eq!(
        roles_and_bytes(&c),
        [
            (Role::Config1, DOC_B.to_vec()),
            (Role::Config2, DOC_A.to_vec())
        ]
    );
    assert!(c.notes.contains(&omacp_card::Note {
        file: Some(path("3F00/5015/4402")),
        kind: NoteKind::Protected(StatusWord::GsmAccessDenied)
    }));
    assert!(c.notes.iter().any(|n| n.kind
        == NoteKind::UnknownOid {
            oid: other.clone(),
            label: Some("Other".into())
        }));
}

#[test]
fn non_provisioning_documents_are_skipped_unless_asked() {
    // A SyncML DM document (public id 0x0FD3... as a 2-byte mb_u_int32) under the Bootstrap OID.
    let dm = vec![0x02, 0x9F, 0x53, 0x6A, 0x00, 0x05];
    let mut s = spec(Platform::Sim);
    s.documents = vec![(Role::Bootstrap, dm.clone())];
    let img = build_image(&s).unwrap();
    let c = read(&img, None);
    assert_eq!(c.documents, []);
    assert_eq!(
        c.notes[0].kind,
        NoteKind::NotProvisioning(PublicId::Known(0xFD3))
    );
    let mut card = SimulatedCard::new(&img).unwrap();
    let all = read_provisioning(
        &mut card,
        &ReadOptions {
            provisioning_only: false,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(roles_and_bytes(&all), [(Role::Bootstrap, dm)]);
}

#[test]
fn overridden_oids_and_length_prefixed_layout() {
    let oid: Oid = "1.3.6.1.4.1.99999.7".parse().unwrap();
    let mut roles = RoleTable::default();
    roles.clear_role(Role::Config2);
    roles.set(oid.clone(), Role::Config2, Layout::LengthPrefixed);
    let mut s = spec(Platform::Sim);
    s.documents = vec![];
    s.roles = roles.clone();
    let mut img = build_image(&s).unwrap();
    let dodf = img
        .files
        .iter_mut()
        .find(|f| f.path == [MF, 0x5015, 0x4401])
        .unwrap();
    dodf.structure =
        Structure::Transparent(encode_oid_do(None, &oid, &Pkcs15Path::file(&[0x4404])));
    let mut data = (DOC_A.len() as u16).to_be_bytes().to_vec();
    data.extend(DOC_A);
    data.extend((DOC_B.len() as u16).to_be_bytes());
    data.extend(DOC_B);
    data.extend([0xFF; 16]);
    img.files.push(ImageFile {
        path: vec![MF, 0x5015, 0x4404],
        structure: Structure::Transparent(data),
        protected: false,
        line: 0,
    });
    let mut card = SimulatedCard::new(&img).unwrap();
    let c = read_provisioning(
        &mut card,
        &ReadOptions {
            roles,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        roles_and_bytes(&c),
        [
            (Role::Config2, DOC_A.to_vec()),
            (Role::Config2, DOC_B.to_vec())
        ]
    );
    assert_eq!(
        (c.documents[1].index, c.documents[1].offset),
        (1, 4 + DOC_A.len())
    );
    // The default table does not know this OID.
    assert!(matches!(
        read(&img, None).notes[0].kind,
        NoteKind::UnknownOid { .. }
    ));
}

#[test]
fn record_files_direct_values_and_slices() {
    let mut img = build_image(&ImageSpec::new(Platform::Usim)).unwrap();
    let boot: Oid = "2.23.43.7.1".parse().unwrap();
    let c1: Oid = "2.23.43.7.2".parse().unwrap();
    let c2: Oid = "2.23.43.7.3".parse().unwrap();
    let mut dodf = encode_oid_do(None, &boot, &Pkcs15Path::file(&[0x4402]));
    // Config1 as a slice of a transparent file: skip 3 bytes, take one document.
    dodf.extend(encode_oid_do(
        None,
        &c1,
        &Pkcs15Path {
            fids: vec![0x4403],
            index: Some(3),
            length: Some(DOC_B.len() as u32),
        },
    ));
    // Config2 directly in the DODF: A1 { 30 00, 30 00, A1 { 30 { 06 oid, A0 { 04 doc } } } }.
    let mut inner = omacp_card::tlv::der(0x06, &c2.encode());
    inner.extend(omacp_card::tlv::der(
        0xA0,
        &omacp_card::tlv::der(0x04, DOC_B),
    ));
    let mut body = vec![0x30, 0x00, 0x30, 0x00];
    body.extend(omacp_card::tlv::der(
        0xA1,
        &omacp_card::tlv::der(0x30, &inner),
    ));
    dodf.extend(omacp_card::tlv::der(0xA1, &body));
    let mut files = vec![
        (0x4401, Structure::Transparent(dodf)),
        (
            0x4402,
            Structure::Linear {
                record_len: 16,
                records: vec![pad(DOC_A, 16), vec![0xFF; 16], pad(DOC_B, 16)],
            },
        ),
        (
            0x4403,
            Structure::Transparent([&[0xAA, 0xBB, 0xCC][..], DOC_B, &[0x77]].concat()),
        ),
    ];
    img.files
        .retain(|f| f.path.len() != 3 || f.path[1] != 0x5015 || f.path[2] == 0x5031);
    for (fid, s) in files.drain(..) {
        img.files.push(ImageFile {
            path: vec![MF, 0x5015, fid],
            structure: s,
            protected: false,
            line: 0,
        });
    }
    let mut card = SimulatedCard::new(&img).unwrap();
    let c = read_provisioning(
        &mut card,
        &ReadOptions {
            read_imsi: false,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    let got: Vec<_> = c
        .documents
        .iter()
        .map(|d| (d.role, d.record, d.index, d.offset, d.bytes.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (Role::Bootstrap, Some(1), 0, 0, DOC_A.to_vec()),
            (Role::Bootstrap, Some(3), 1, 0, DOC_B.to_vec()),
            (Role::Config1, None, 0, 3, DOC_B.to_vec()),
            (Role::Config2, None, 0, 70, DOC_B.to_vec()),
        ]
    );
    assert_eq!(
        c.documents[3].file,
        path("ADF.A000000063504B43532D3135/4401")
    );
    assert_eq!(c.notes, []);
}

fn pad(d: &[u8], n: usize) -> Vec<u8> {
    let mut v = d.to_vec();
    v.resize(n, 0xFF);
    v
}

/// A SIM image whose ODF and DODF are replaced.
fn sim_with(odf: Vec<u8>, dodf: Vec<u8>) -> CardImage {
    let mut img = build_image(&spec(Platform::Sim)).unwrap();
    for f in &mut img.files {
        if f.path == [MF, 0x5015, 0x5031] {
            f.structure = Structure::Transparent(odf.clone());
        }
        if f.path == [MF, 0x5015, 0x4401] {
            f.structure = Structure::Transparent(dodf.clone());
        }
    }
    img
}

fn strict() -> ReadOptions {
    ReadOptions {
        strict: true,
        ..ReadOptions::default()
    }
}

#[test]
fn path_loops_are_typed_errors() {
    // The ODF names itself as a DODF.
    let odf = encode_odf_entry(0xA7, &Pkcs15Path::file(&[0x5031]));
    let img = sim_with(odf, vec![]);
    let c = read(&img, None);
    assert_eq!(c.documents, []);
    let NoteKind::Malformed(e) = &c.notes[0].kind else {
        panic!("{:?}", c.notes)
    };
    assert_eq!(
        (e.file.clone(), &e.kind),
        (Some(path("3F00/5015/5031")), &CardErrorKind::PathLoop)
    );
    let e = read_provisioning(&mut SimulatedCard::new(&img).unwrap(), &strict()).unwrap_err();
    assert_eq!(e.kind, CardErrorKind::PathLoop);
    assert_eq!(
        e.to_string(),
        "3F00/5015/5031: path leads back to a directory file already read"
    );

    // A provisioning object pointing at the DODF, and one at EF(DIR) by absolute path.
    let boot: Oid = "2.23.43.7.1".parse().unwrap();
    let cfg: Oid = "2.23.43.7.2".parse().unwrap();
    let mut dodf = encode_oid_do(None, &boot, &Pkcs15Path::file(&[0x4401]));
    dodf.extend(encode_oid_do(None, &cfg, &Pkcs15Path::file(&[MF, 0x2F00])));
    let img = sim_with(encode_odf_entry(0xA7, &Pkcs15Path::file(&[0x4401])), dodf);
    let c = read(&img, None);
    let loops: Vec<_> = c
        .notes
        .iter()
        .filter_map(|n| match &n.kind {
            NoteKind::Malformed(e) if e.kind == CardErrorKind::PathLoop => e.file.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(loops, [path("3F00/5015/4401"), path("3F00/2F00")]);
}

#[test]
fn truncated_and_overlong_tlvs_are_typed_errors_with_offsets() {
    let boot: Oid = "2.23.43.7.1".parse().unwrap();
    let mut dodf = encode_oid_do(None, &boot, &Pkcs15Path::file(&[0x4402]));
    let good = dodf.len();
    dodf.extend([0xA1, 0x40, 0x30, 0x00]); // announces 64 bytes, has 2
    let img = sim_with(encode_odf_entry(0xA7, &Pkcs15Path::file(&[0x4401])), dodf);
    let c = read(&img, None);
    assert_eq!(c.documents, [], "a malformed DODF yields no objects at all");
    let NoteKind::Malformed(e) = &c.notes[0].kind else {
        panic!("{:?}", c.notes)
    };
    assert_eq!(e.file, Some(path("3F00/5015/4401")));
    assert_eq!(e.offset, Some(good + 2));
    assert_eq!(
        e.kind,
        CardErrorKind::Tlv(TlvErrorKind::Truncated {
            wanted: 64,
            left: 2
        })
    );
    let e = read_provisioning(&mut SimulatedCard::new(&img).unwrap(), &strict()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "3F00/5015/4401: at byte {}: truncated: needed 64 more byte(s), 2 left",
            good + 2
        )
    );

    // An ODF entry whose path is odd-sized.
    let img = sim_with(vec![0xA7, 0x05, 0x30, 0x03, 0x04, 0x01, 0x44], vec![]);
    let NoteKind::Malformed(e) = &read(&img, None).notes[0].kind else {
        panic!()
    };
    assert_eq!(
        (e.offset, &e.kind),
        (
            Some(6),
            &CardErrorKind::Tlv(TlvErrorKind::BadValueLength {
                len: 1,
                what: "a path of 1 to 8 two-byte file ids"
            })
        )
    );
}

#[test]
fn malformed_documents_keep_the_ones_before() {
    let mut s = spec(Platform::Sim);
    s.documents = vec![(Role::Bootstrap, [DOC_A, &DOC_B[..4]].concat())];
    let c = read(&build_image(&s).unwrap(), None);
    assert_eq!(roles_and_bytes(&c), [(Role::Bootstrap, DOC_A.to_vec())]);
    let NoteKind::Malformed(e) = &c.notes[0].kind else {
        panic!("{:?}", c.notes)
    };
    assert_eq!(e.file, Some(path("3F00/5015/4402")));
    // The second document is cut after its header; the 0xFF filler that follows reads as a
    // tag with attributes, whose list runs to the end of the file.
    assert!(
        matches!(
            e.kind,
            CardErrorKind::Split(SplitErrorKind::Truncated { .. })
        ),
        "{e}"
    );
}

#[test]
fn huge_record_counts_and_files_are_refused_before_reading() {
    let mut img = build_image(&spec(Platform::Sim)).unwrap();
    let dir = img
        .files
        .iter_mut()
        .find(|f| f.path == [MF, 0x2F00])
        .unwrap();
    let Structure::Linear { records, .. } = &mut dir.structure else {
        panic!()
    };
    records.resize(200, vec![0xFF; 0x20]);
    let c = read(&img, None);
    let NoteKind::Malformed(e) = &c.notes[0].kind else {
        panic!("{:?}", c.notes)
    };
    assert_eq!(
        e.kind,
        CardErrorKind::TooManyRecords {
            count: 200,
            limit: 64
        }
    );
    // The fallback DF still finds the application.
    assert_eq!(c.documents.len(), 3);
    // Far fewer exchanges than the 200 records would take.
    assert!(c.apdus < 100, "{} APDUs", c.apdus);

    let mut card = SimulatedCard::new(&img).unwrap();
    let small = Limits {
        max_file_size: 100,
        ..Limits::HANDSET
    };
    let c = read_provisioning(
        &mut card,
        &ReadOptions {
            limits: small,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert!(c.notes.iter().any(|n| matches!(&n.kind, NoteKind::Malformed(e) if e.kind == CardErrorKind::FileTooLarge { size: 128, limit: 100 })), "{:#?}", c.notes);
}

#[test]
fn too_many_dodfs_objects_and_documents_are_bounded() {
    let odf: Vec<u8> = (0..20u16)
        .flat_map(|i| encode_odf_entry(0xA7, &Pkcs15Path::file(&[0x4500 + i])))
        .collect();
    let c = read(&sim_with(odf, vec![]), None);
    assert!(c.notes.iter().any(|n| matches!(&n.kind, NoteKind::Malformed(e) if e.kind == CardErrorKind::TooManyFiles { count: 20, limit: 8 })));
    let boot: Oid = "2.23.43.7.1".parse().unwrap();
    let dodf: Vec<u8> = (0..100u16)
        .flat_map(|i| encode_oid_do(None, &boot, &Pkcs15Path::file(&[0x4600 + i])))
        .collect();
    let c = read(
        &sim_with(encode_odf_entry(0xA7, &Pkcs15Path::file(&[0x4401])), dodf),
        None,
    );
    assert!(c.notes.iter().any(
        |n| matches!(&n.kind, NoteKind::Malformed(e) if e.kind == CardErrorKind::TooManyObjects(64))
    ));
    let mut s = spec(Platform::Sim);
    s.documents = vec![(Role::Bootstrap, DOC_B.repeat(40))];
    let c = read(&build_image(&s).unwrap(), None);
    assert_eq!(c.documents.len(), 32);
}

struct Scripted<F: FnMut(&[u8]) -> Result<Vec<u8>, TransportError>>(F);

impl<F: FnMut(&[u8]) -> Result<Vec<u8>, TransportError>> CardTransport for Scripted<F> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (self.0)(command)
    }
}

#[test]
fn broken_transports_end_the_walk_with_typed_errors() {
    let opts = ReadOptions::default();
    let e = read_provisioning(&mut Scripted(|_| Ok(vec![0x90])), &opts).unwrap_err();
    assert_eq!(e.kind, CardErrorKind::BadResponse(1));
    let e = read_provisioning(&mut Scripted(|_| Err(TransportError::Removed)), &opts).unwrap_err();
    assert_eq!(e.kind, CardErrorKind::Transport(TransportError::Removed));
    let e = read_provisioning(&mut Scripted(|_| Ok(vec![0x6E, 0x00])), &opts).unwrap_err();
    assert_eq!(
        e.kind,
        CardErrorKind::UnsupportedCard(StatusWord::ClaNotSupported)
    );
    // A card that always has "255 more bytes" for GET RESPONSE.
    let e = read_provisioning(
        &mut Scripted(|_| Ok([vec![0; 255], vec![0x61, 0xFF]].concat())),
        &opts,
    )
    .unwrap_err();
    assert!(matches!(e.kind, CardErrorKind::ResponseTooLong(_)), "{e}");
    let e = read_provisioning(&mut Scripted(|_| Ok(vec![0; 5000])), &opts).unwrap_err();
    assert_eq!(e.kind, CardErrorKind::ResponseTooLong(5000));
    // The APDU budget.
    let img = build_image(&spec(Platform::Usim)).unwrap();
    let tight = ReadOptions {
        limits: Limits {
            max_apdus: 5,
            ..Limits::HANDSET
        },
        ..ReadOptions::default()
    };
    let e = read_provisioning(&mut SimulatedCard::new(&img).unwrap(), &tight).unwrap_err();
    assert_eq!(e.kind, CardErrorKind::ApduBudget(5));
}

#[test]
fn debug_output_never_shows_the_imsi_or_document_bytes() {
    let c = read(&build_image(&spec(Platform::Usim)).unwrap(), None);
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("310001234567890") && dbg.contains("<redacted>"));
    assert!(dbg.contains("<7 bytes>"));
    let s = format!("{:?}", spec(Platform::Sim));
    assert!(!s.contains("310001234567890"));
}

#[test]
fn unprogrammed_and_malformed_imsi_files_are_noted() {
    let mut img = build_image(&spec(Platform::Sim)).unwrap();
    let f = img
        .files
        .iter_mut()
        .find(|f| f.path == [MF, 0x7F20, 0x6F07])
        .unwrap();
    f.structure = Structure::Transparent(vec![0xFF; 9]);
    let c = read(&img, None);
    assert_eq!(c.imsi, None);
    let kinds: Vec<_> = c.notes.iter().map(|n| n.kind.clone()).collect();
    assert_eq!(
        kinds,
        [NoteKind::ImsiNotProgrammed, NoteKind::ImsiUnavailable]
    );
    let f = img
        .files
        .iter_mut()
        .find(|f| f.path == [MF, 0x7F20, 0x6F07])
        .unwrap();
    f.structure = Structure::Transparent(vec![0x08, 0x0A, 0, 0, 0, 0, 0, 0, 0]);
    let c = read(&img, None);
    let NoteKind::Malformed(e) = &c.notes[0].kind else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "3F00/7F20/6F07: at byte 1: IMSI: identity type 2 is not IMSI (1)"
    );
}

#[test]
fn ruim_falls_back_to_df_gsm_on_dual_mode_cards() {
    let mut img = build_image(&spec(Platform::Ruim)).unwrap();
    img.files.retain(|f| f.path != [MF, 0x7F25, 0x6F22]);
    img.files.push(ImageFile {
        path: vec![MF, 0x7F20, 0x6F07],
        structure: Structure::Transparent(
            omacp_card::imsi::encode_ef_imsi("001010123456789")
                .unwrap()
                .to_vec(),
        ),
        protected: false,
        line: 0,
    });
    img.dfs.push(vec![MF, 0x7F25]);
    let c = read(&img, Some(Platform::Ruim));
    assert_eq!(c.imsi.as_deref(), Some("001010123456789"));
    assert_eq!(
        c.notes[0].kind,
        NoteKind::NotFound(StatusWord::GsmFileNotFound)
    );
    // With both DF_GSM and DF_CDMA, detection looks for DF_GSM first.
    assert_eq!(read(&img, None).platform, Platform::Sim);
    img.files.retain(|f| f.path != [MF, 0x7F20, 0x6F07]);
    assert_eq!(read(&img, None).platform, Platform::Ruim);
}
