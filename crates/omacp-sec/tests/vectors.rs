//! security.md §5: every published vector, plus round trips under proptest.

use omacp_sec::{
    Credentials, Imsi, Mac, MacKey, MalformedMac, Pin, Reason, SecMethod, Verdict, random_pin,
    sign, userpinmac_code, verify,
};
use omacp_testkit::vectors::{CHT_WBXML, EXAMPLE_WBXML};
use proptest::prelude::*;

const EMPTY_DOC: [u8; 6] = [0x03, 0x0B, 0x6A, 0x00, 0x45, 0x01];

fn imsi(s: &str) -> Imsi {
    Imsi::parse(s).unwrap()
}

fn pin(s: &str) -> Pin {
    Pin::parse(s).unwrap()
}

fn check(method: SecMethod, mac: &str, creds: Credentials<'_>, body: &[u8]) {
    assert_eq!(
        sign(method, &creds, body).unwrap().to_string(),
        mac,
        "{method}"
    );
    assert_eq!(
        verify(Some(method), Some(mac.as_bytes()), &creds, body),
        Verdict::Verified { method }
    );
    // Lower case is accepted (Nokia parses; Intel and Spreadtrum would refuse).
    let lower = mac.to_ascii_lowercase();
    assert_eq!(
        verify(Some(method), Some(lower.as_bytes()), &creds, body),
        Verdict::Verified { method }
    );
}

#[test]
fn gecko_netwpin_5_1() {
    let i = imsi("466923103145252");
    assert_eq!(
        omacp_wire::hex::encode_upper(MacKey::netwpin(&i).as_bytes()),
        "4966291330412525"
    );
    let creds = Credentials {
        imsi: Some(&i),
        pin: None,
    };
    check(
        SecMethod::NetwPin,
        "1AF545FE2823DC9347064450F90FF1BBF957E146",
        creds,
        &EMPTY_DOC,
    );
}

#[test]
fn cht_userpin_5_2() {
    assert_eq!(CHT_WBXML.len(), 501);
    let p = pin("0000");
    let creds = Credentials {
        imsi: None,
        pin: Some(&p),
    };
    check(
        SecMethod::UserPin,
        "AA2DC41FC48AEEF3FED7351B1EE704461A8894D4",
        creds,
        &CHT_WBXML,
    );
}

#[test]
fn all_four_methods_5_3() {
    let (i, p) = (imsi("001010123456789"), pin("1234"));
    let both = Credentials {
        imsi: Some(&i),
        pin: Some(&p),
    };
    check(
        SecMethod::NetwPin,
        "197A5A71AECEC54C84401C5E88A539762F923F43",
        both,
        &EXAMPLE_WBXML,
    );
    check(
        SecMethod::UserPin,
        "AE91AA316F8A9BABFA989B7FFAA739A72B928F5A",
        both,
        &EXAMPLE_WBXML,
    );
    check(
        SecMethod::UserNetwPin,
        "BEF3E4980453877B13963ECD6080FAFA54AFF717",
        both,
        &EXAMPLE_WBXML,
    );
    // USERPINMAC: HMAC starts AE 91 AA 31 → 4 5 0 9 → the user types 12344509.
    let code = userpinmac_code(&p, &EXAMPLE_WBXML).unwrap();
    assert_eq!(code.expose(), "12344509");
    let entry = Credentials {
        imsi: None,
        pin: Some(&code),
    };
    assert_eq!(
        verify(Some(SecMethod::UserPinMac), None, &entry, &EXAMPLE_WBXML),
        Verdict::Verified {
            method: SecMethod::UserPinMac
        }
    );
    for wrong in ["12344508", "12354509"] {
        let w = pin(wrong);
        let c = Credentials {
            imsi: None,
            pin: Some(&w),
        };
        assert_eq!(
            verify(Some(SecMethod::UserPinMac), None, &c, &EXAMPLE_WBXML),
            Verdict::Failed(Reason::WrongMac)
        );
    }
    // The plain PIN is not the entry.
    let c = Credentials {
        imsi: None,
        pin: Some(&p),
    };
    assert_eq!(
        verify(Some(SecMethod::UserPinMac), None, &c, &EXAMPLE_WBXML),
        Verdict::Failed(Reason::WrongMac)
    );
    let odd = pin("1234450");
    let c = Credentials {
        imsi: None,
        pin: Some(&odd),
    };
    assert_eq!(
        verify(Some(SecMethod::UserPinMac), None, &c, &EXAMPLE_WBXML),
        Verdict::Failed(Reason::PinWrongShape)
    );
}

#[test]
fn fourteen_and_fifteen_digit_imsis() {
    // Keys from security.md §4.1; MACs computed with Python `hmac` over the 113-byte doc.
    let k14 = MacKey::netwpin(&imsi("23415123456789"));
    assert_eq!(
        omacp_wire::hex::encode_upper(k14.as_bytes()),
        "21435121436587F9"
    );
    let k15 = MacKey::netwpin(&imsi("234151234567890"));
    assert_eq!(
        omacp_wire::hex::encode_upper(k15.as_bytes()),
        "2943512143658709"
    );
    assert_ne!(
        Mac::compute(&k14, &EXAMPLE_WBXML),
        Mac::compute(&k15, &EXAMPLE_WBXML)
    );
}

#[test]
fn failures_are_never_unsigned() {
    let (i, p) = (imsi("001010123456789"), pin("1234"));
    let creds = Credentials {
        imsi: Some(&i),
        pin: Some(&p),
    };
    let none = Credentials::default();
    let good = "197A5A71AECEC54C84401C5E88A539762F923F43";
    let body = &EXAMPLE_WBXML[..];
    let v = |m: Option<SecMethod>, mac: Option<&str>, c: &Credentials<'_>| {
        verify(m, mac.map(str::as_bytes), c, body)
    };
    assert_eq!(v(None, None, &creds), Verdict::Unsigned);
    assert_eq!(
        v(None, Some(good), &creds),
        Verdict::Failed(Reason::MacWithoutSec)
    );
    assert_eq!(
        v(Some(SecMethod::from(4)), Some(good), &creds),
        Verdict::Failed(Reason::UnknownMethod(4))
    );
    assert_eq!(
        v(Some(SecMethod::NetwPin), None, &creds),
        Verdict::Failed(Reason::MissingMac)
    );
    assert_eq!(
        v(Some(SecMethod::NetwPin), Some(good), &none),
        Verdict::Failed(Reason::MissingImsi)
    );
    assert_eq!(
        v(Some(SecMethod::UserPin), Some(good), &none),
        Verdict::Failed(Reason::MissingPin)
    );
    assert_eq!(
        v(Some(SecMethod::UserPinMac), None, &none),
        Verdict::Failed(Reason::MissingPin)
    );
    assert_eq!(
        v(Some(SecMethod::UserNetwPin), Some(good), &creds),
        Verdict::Failed(Reason::WrongMac)
    );
    assert_eq!(
        v(Some(SecMethod::NetwPin), Some(&good[..39]), &creds),
        Verdict::Failed(Reason::MalformedMac(MalformedMac::WrongLength { len: 39 }))
    );
    assert_eq!(
        v(Some(SecMethod::NetwPin), Some(&format!("{good}0")), &creds),
        Verdict::Failed(Reason::MalformedMac(MalformedMac::WrongLength { len: 41 }))
    );
    assert_eq!(
        v(
            Some(SecMethod::NetwPin),
            Some(&good.replace('F', "G")),
            &creds
        ),
        Verdict::Failed(Reason::MalformedMac(MalformedMac::NotHex { index: 33 }))
    );
    // One flipped body byte.
    let mut other = EXAMPLE_WBXML;
    other[50] ^= 1;
    assert_eq!(
        verify(
            Some(SecMethod::NetwPin),
            Some(good.as_bytes()),
            &creds,
            &other
        ),
        Verdict::Failed(Reason::WrongMac)
    );
}

#[test]
fn nothing_secret_in_debug_or_display() {
    let (i, p) = (imsi("001010123456789"), pin("8642"));
    let creds = Credentials {
        imsi: Some(&i),
        pin: Some(&p),
    };
    let s = format!("{creds:?} {:?}", MacKey::usernetwpin(&i, &p));
    assert!(
        !s.contains("8642") && !s.contains("0010101") && !s.contains("0910"),
        "{s}"
    );
    assert_eq!(s.matches("<redacted>").count(), 3, "{s}");
    for r in [
        Reason::WrongMac,
        Reason::MissingPin,
        Reason::PinWrongShape,
        Reason::MissingImsi,
    ] {
        assert!(!Verdict::Failed(r).to_string().contains("8642"));
    }
}

fn imsi_strategy() -> impl Strategy<Value = String> {
    "[0-9]{6,15}"
}

proptest! {
    #[test]
    fn semi_octets_decode_back_to_the_digits(s in imsi_strategy()) {
        let i = imsi(&s);
        let mut out = [0u8; 8];
        let n = i.semi_octets(&mut out);
        prop_assert_eq!(n, (s.len() + 2) / 2);
        let nibbles: Vec<u8> = out[..n].iter().flat_map(|b| [b & 0xF, b >> 4]).collect();
        prop_assert_eq!(nibbles[0], if s.len() % 2 == 1 { 9 } else { 1 });
        let digits: String = nibbles[1..=s.len()].iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert_eq!(&digits, &s);
        if s.len() % 2 == 0 {
            prop_assert_eq!(*nibbles.last().unwrap(), 0xF);
        }
    }

    #[test]
    fn sign_then_verify(s in imsi_strategy(), p in "[!-~]{1,20}", body in proptest::collection::vec(any::<u8>(), 0..600),
                        m in 0u8..3, flip in any::<proptest::sample::Index>()) {
        let (i, p) = (imsi(&s), pin(&p));
        let method = SecMethod::from(m);
        let creds = Credentials { imsi: Some(&i), pin: Some(&p) };
        let mac = sign(method, &creds, &body).unwrap();
        prop_assert!(verify(Some(method), Some(&mac.to_hex()), &creds, &body).is_verified());
        let lower = mac.to_string().to_ascii_lowercase();
        prop_assert!(verify(Some(method), Some(lower.as_bytes()), &creds, &body).is_verified());
        if !body.is_empty() {
            let mut b = body.clone();
            b[flip.index(body.len())] ^= 0x80;
            prop_assert_eq!(verify(Some(method), Some(&mac.to_hex()), &creds, &b), Verdict::Failed(Reason::WrongMac));
        }
    }

    #[test]
    fn userpinmac_round_trip(entropy in proptest::collection::vec(any::<u8>(), 64), n in 1usize..=20,
                             body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let p = random_pin(n, &entropy).unwrap();
        prop_assert_eq!(p.len(), n);
        prop_assert!(p.is_numeric());
        let code = userpinmac_code(&p, &body).unwrap();
        prop_assert!(code.expose().starts_with(p.expose()));
        let creds = Credentials { imsi: None, pin: Some(&code) };
        prop_assert!(verify(Some(SecMethod::UserPinMac), None, &creds, &body).is_verified());
    }

    #[test]
    fn mac_hex_parses_back(bytes in any::<[u8; 20]>()) {
        let m = Mac::from_bytes(bytes);
        prop_assert_eq!(Mac::parse_hex(&m.to_hex()), Ok(m));
        prop_assert_eq!(Mac::parse_hex(m.to_string().to_lowercase().as_bytes()), Ok(m));
    }
}
