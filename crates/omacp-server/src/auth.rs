//! Secrets: password hashing (Argon2id), random API tokens and session secrets (stored as
//! SHA-256), and the random bytes behind them.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) {
    // The OS RNG failing is not recoverable for a server that mints credentials.
    getrandom::fill(buf).expect("operating system random source");
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// SHA-256 of a secret, hex: how tokens and session secrets are stored and looked up.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new random secret with a recognisable prefix (`omacp_tok_…`, `omacp_ses_…`) and its
/// stored hash.
pub fn new_secret(kind: &str) -> (String, String) {
    let mut b = [0u8; 32];
    fill_random(&mut b);
    let s = format!("omacp_{kind}_{}", hex(&b));
    let h = secret_hash(&s);
    (s, h)
}

/// A new random password for a first admin (20 characters from a 56-symbol alphabet
/// without look-alikes, ~116 bits).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // Bytes at or above the largest multiple of the alphabet's size are drawn again, so
    // every character is equally likely (a plain `%` would favour the first 32).
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(20);
    let mut b = [0u8; 32];
    while out.len() < 20 {
        fill_random(&mut b);
        for x in b.iter().map(|x| usize::from(*x)).filter(|x| *x < limit) {
            if out.len() == 20 {
                break;
            }
            out.push(ALPHABET[x % ALPHABET.len()] as char);
        }
    }
    out
}

fn argon() -> Argon2<'static> {
    // OWASP's minimum Argon2id setting (19 MiB, 2 passes): ~20 ms per login here.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16-byte salt encodes");
    argon()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters")
        .to_string()
}

/// Checks a password against a stored PHC string (constant-time comparison inside).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => argon().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A usable password: 10 to 200 characters.
pub fn acceptable_password(p: &str) -> bool {
    (10..=200).contains(&p.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse!", &h));
    }

    #[test]
    fn secrets_are_distinct_and_hashed() {
        let (a, ha) = new_secret("tok");
        let (b, _) = new_secret("tok");
        assert_ne!(a, b);
        assert!(a.starts_with("omacp_tok_"));
        assert_eq!(secret_hash(&a), ha);
        assert_eq!(new_password().len(), 20);
    }

    #[test]
    fn password_characters_are_unbiased() {
        const ALPHABET: &str = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut count = std::collections::HashMap::new();
        for _ in 0..2000 {
            for c in new_password().chars() {
                *count.entry(c).or_insert(0u32) += 1;
            }
        }
        assert!(count.keys().all(|c| ALPHABET.contains(*c)));
        assert_eq!(count.len(), ALPHABET.len(), "every character is drawn");
        // `byte % 56` would draw the first 32 characters 5/4 as often as the other 24;
        // 40,000 draws put the unbiased ratio within a few per cent of 1.
        let mean =
            |cs: &str| cs.chars().map(|c| f64::from(count[&c])).sum::<f64>() / cs.len() as f64;
        let ratio = mean(&ALPHABET[..32]) / mean(&ALPHABET[32..]);
        assert!((0.9..1.1).contains(&ratio), "first/rest ratio {ratio}");
    }
}
