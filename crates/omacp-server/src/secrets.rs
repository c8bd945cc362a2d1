//! Secrets at rest: campaign PINs sealed with ChaCha20-Poly1305 under the server's data key
//! (docs/secrets-at-rest.md).
//!
//! A sealed value is text, `v1:` + base64url(nonce ‖ ciphertext ‖ tag), with a random
//! 96-bit nonce. The associated data names the row the value belongs to ([`Slot`]), so a
//! value copied into another campaign or message does not open. [`DataKey::open`] fails
//! rather than return anything but the sealed PIN: a wrong key never turns into a wrong MAC.
//!
//! The key comes from the configuration (`data_key`, `OMACP_DATA_KEY`) or from a key file
//! that the first start creates (mode 0600) and later starts read ([`DataKey::load`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Config;

/// The prefix of a value sealed by this version.
pub const SEALED_PREFIX: &str = "v1:";

/// Bytes of a data key.
pub const KEY_LEN: usize = 32;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// What a data key looks like, for error messages.
pub const KEY_FORMAT: &str = "not a data key (32 bytes as 64 hex digits or base64)";

/// Why a data key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The configured text is not a key.
    #[error("{origin}: {KEY_FORMAT}")]
    Malformed {
        /// Where it came from (`data_key`, `OMACP_DATA_KEY` or the key file's path).
        origin: String,
    },
    /// The key file could not be read or created.
    #[error("data key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A sealed value does not open: wrong key, another row's value, or altered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value does not open with this data key in this place")]
pub struct OpenError;

/// Where a sealed value lives: it opens only there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot<'a> {
    /// `campaigns.pin` of this campaign.
    CampaignPin {
        /// Campaign id.
        campaign: &'a str,
    },
    /// `campaign_messages.pin` of this message.
    MessagePin {
        /// Campaign id.
        campaign: &'a str,
        /// Message id.
        message: &'a str,
    },
}

impl Slot<'_> {
    /// The associated data: a label and length-prefixed ids (no id can run into the next).
    fn aad(&self) -> Vec<u8> {
        let (label, parts): (&str, &[&str]) = match self {
            Slot::CampaignPin { campaign } => ("campaigns.pin", &[campaign]),
            Slot::MessagePin { campaign, message } => {
                ("campaign_messages.pin", &[campaign, message])
            }
        };
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(b"omacp/v1/");
        out.extend_from_slice(label.as_bytes());
        for p in parts {
            out.extend_from_slice(&(p.len() as u32).to_be_bytes());
            out.extend_from_slice(p.as_bytes());
        }
        out
    }
}

/// The server's data key. `Debug` shows only its id.
pub struct DataKey {
    cipher: ChaCha20Poly1305,
    id: String,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey").field("id", &self.id).finish()
    }
}

impl DataKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> DataKey {
        // The id is a hash of the key under its own label: it tells keys apart in messages
        // and in the database without saying anything usable about the key.
        let mut h = Sha256::new();
        h.update(b"omacp data key id v1\0");
        h.update(bytes);
        let id = crate::auth::hex(&h.finalize()[..8]);
        DataKey {
            cipher: ChaCha20Poly1305::new(&(*bytes).into()),
            id,
        }
    }

    /// A key written as 64 hex digits or as base64 (standard or URL alphabet, padded or
    /// not) of 32 bytes; surrounding white space is ignored. `origin` names the source in
    /// the error.
    pub fn parse(text: &str, origin: &str) -> Result<DataKey, KeyError> {
        let bytes = decode_key(text.trim()).ok_or_else(|| KeyError::Malformed {
            origin: origin.to_owned(),
        })?;
        Ok(DataKey::from_bytes(&bytes))
    }

    /// A short fingerprint of the key (16 hex digits), safe to show and to store.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plain` for `slot`.
    pub fn seal(&self, plain: &str, slot: Slot<'_>) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        crate::auth::fill_random(&mut nonce);
        let nonce = Nonce::from(nonce);
        let aad = slot.aad();
        // Encryption with a valid key and nonce cannot fail; the Err arm is unreachable.
        let ct = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut raw = Vec::with_capacity(NONCE_LEN + ct.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", Base64UrlUnpadded::encode_string(&raw))
    }

    /// Opens a value sealed for `slot`.
    pub fn open(&self, sealed: &str, slot: Slot<'_>) -> Result<Zeroizing<String>, OpenError> {
        let body = sealed.strip_prefix(SEALED_PREFIX).ok_or(OpenError)?;
        let raw = Base64UrlUnpadded::decode_vec(body).map_err(|_| OpenError)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(OpenError);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| OpenError)?;
        let aad = slot.aad();
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(&nonce, Payload { msg: ct, aad: &aad })
                .map_err(|_| OpenError)?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| OpenError)?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    /// The key the configuration names: `data_key` (or `OMACP_DATA_KEY`) when set, else
    /// the key file, created with a new random key when it does not exist yet.
    pub fn load(cfg: &Config) -> Result<DataKey, KeyError> {
        if let Some(k) = &cfg.data_key {
            return DataKey::parse(&k.0, "data_key");
        }
        let path = cfg.data_key_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => read_key_file(&path, Zeroizing::new(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(&path),
            Err(source) => Err(KeyError::File { path, source }),
        }
    }
}

fn decode_key(text: &str) -> Option<[u8; KEY_LEN]> {
    let bytes: Zeroizing<Vec<u8>> = if text.len() == 2 * KEY_LEN {
        Zeroizing::new(
            (0..KEY_LEN)
                .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?,
        )
    } else {
        Zeroizing::new(
            Base64::decode_vec(text)
                .or_else(|_| Base64Unpadded::decode_vec(text))
                .or_else(|_| Base64Url::decode_vec(text))
                .or_else(|_| Base64UrlUnpadded::decode_vec(text))
                .ok()?,
        )
    };
    bytes.as_slice().try_into().ok()
}

fn read_key_file(path: &Path, text: Zeroizing<String>) -> Result<DataKey, KeyError> {
    let key = DataKey::parse(&text, &path.display().to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the data key file is readable by other users; chmod 600 it");
        }
    }
    Ok(key)
}

/// Writes a new random key to `path` unless another process does so first, then reads
/// whichever key is there. The key goes to a private temporary file that is then
/// hard-linked into place: the link fails if the file exists, so two processes starting
/// together end up with the same key and neither reads a half-written file.
fn create_key_file(path: &Path) -> Result<DataKey, KeyError> {
    let file_err = |source| KeyError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    crate::auth::fill_random(bytes.as_mut_slice());
    let mut text = Zeroizing::new(String::with_capacity(2 * KEY_LEN + 1));
    for b in bytes.iter() {
        text.push_str(&format!("{b:02x}"));
    }
    text.push('\n');
    let mut tag = [0u8; 6];
    crate::auth::fill_random(&mut tag);
    let tmp_name = format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        std::process::id(),
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let tmp = path.with_file_name(tmp_name);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    });
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(file_err)?;
    let text = std::fs::read_to_string(path).map_err(file_err)?;
    let key = read_key_file(path, Zeroizing::new(text))?;
    if key.id() == DataKey::from_bytes(&bytes).id() {
        tracing::info!(path = %path.display(), key_id = key.id(), "created a new data key file");
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMPAIGN: Slot<'static> = Slot::MessagePin {
        campaign: "cmp_1",
        message: "cmp_1.0000001",
    };

    fn key(b: u8) -> DataKey {
        DataKey::from_bytes(&[b; KEY_LEN])
    }

    #[test]
    fn seal_then_open_round_trips() {
        let k = key(7);
        let s = k.seal("1234", CAMPAIGN);
        assert!(s.starts_with(SEALED_PREFIX));
        assert!(!s.contains("1234"));
        assert_eq!(k.open(&s, CAMPAIGN).unwrap().as_str(), "1234");
        // A fresh nonce each time: the same PIN never seals to the same text.
        assert_ne!(k.seal("1234", CAMPAIGN), s);
        let long = "p".repeat(omacp_sec::key::PIN_MAX_LEN);
        assert_eq!(
            k.open(&k.seal(&long, CAMPAIGN), CAMPAIGN).unwrap().as_str(),
            long
        );
    }

    #[test]
    fn wrong_key_does_not_open() {
        let s = key(7).seal("1234", CAMPAIGN);
        assert_eq!(key(8).open(&s, CAMPAIGN), Err(OpenError));
        assert_ne!(key(7).id(), key(8).id());
    }

    #[test]
    fn moved_value_does_not_open() {
        let k = key(7);
        let s = k.seal("1234", CAMPAIGN);
        let other_message = Slot::MessagePin {
            campaign: "cmp_1",
            message: "cmp_1.0000002",
        };
        let other_campaign = Slot::MessagePin {
            campaign: "cmp_2",
            message: "cmp_1.0000001",
        };
        // The same ids split differently must not collide either.
        let shifted = Slot::MessagePin {
            campaign: "cmp_1c",
            message: "mp_1.0000001",
        };
        for slot in [
            other_message,
            other_campaign,
            shifted,
            Slot::CampaignPin { campaign: "cmp_1" },
        ] {
            assert_eq!(k.open(&s, slot), Err(OpenError), "{slot:?}");
        }
        let c = k.seal("9999", Slot::CampaignPin { campaign: "cmp_1" });
        assert_eq!(
            k.open(&c, Slot::CampaignPin { campaign: "cmp_2" }),
            Err(OpenError)
        );
    }

    #[test]
    fn tampered_value_does_not_open() {
        let k = key(7);
        let s = k.seal("1234", CAMPAIGN);
        let raw = Base64UrlUnpadded::decode_vec(&s[3..]).unwrap();
        for i in 0..raw.len() {
            let mut t = raw.clone();
            t[i] ^= 0x01;
            let text = format!("v1:{}", Base64UrlUnpadded::encode_string(&t));
            assert_eq!(k.open(&text, CAMPAIGN), Err(OpenError), "byte {i}");
        }
        let truncated = format!("v1:{}", Base64UrlUnpadded::encode_string(&raw[..20]));
        for bad in ["", "1234", "v1:", "v1:!!!!", "v2:abcd", truncated.as_str()] {
            assert_eq!(k.open(bad, CAMPAIGN), Err(OpenError), "{bad:?}");
        }
    }

    #[test]
    fn parses_hex_and_base64_and_refuses_the_rest() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let k = DataKey::parse(hex, "t").unwrap();
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        for text in [
            Base64::encode_string(&bytes),
            Base64UrlUnpadded::encode_string(&bytes),
            format!("  {}\n", hex.to_uppercase()),
        ] {
            assert_eq!(DataKey::parse(&text, "t").unwrap().id(), k.id(), "{text}");
        }
        for bad in [
            &hex[..62],
            &format!("{hex}00"),
            "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            &Base64::encode_string(&bytes[..31]),
            "",
        ] {
            let e = DataKey::parse(bad, "OMACP_DATA_KEY").unwrap_err();
            assert!(e.to_string().starts_with("OMACP_DATA_KEY: "), "{e}");
        }
        assert!(!format!("{k:?}").contains("0011"));
    }

    #[test]
    fn key_file_is_created_private_then_reused() {
        let mut r = [0u8; 6];
        crate::auth::fill_random(&mut r);
        let dir = std::env::temp_dir().join(format!(
            "omacp-key-{}",
            r.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = Config {
            data_key_file: Some(dir.join("data.key")),
            ..Config::default()
        };
        let first = DataKey::load(&cfg).unwrap();
        let again = DataKey::load(&cfg).unwrap();
        assert_eq!(first.id(), again.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("data.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing but the key file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::write(dir.join("data.key"), "not a key\n").unwrap();
        let e = DataKey::load(&cfg).unwrap_err();
        assert!(matches!(e, KeyError::Malformed { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
