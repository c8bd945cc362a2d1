//! Server configuration: a TOML file, then `OMACP_*` environment variables, then command-line
//! flags, each overriding the one before. [`HELP`] documents every key (shown by
//! `omacp serve --help`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

/// Every key and variable, for `omacp serve --help`.
pub const HELP: &str = "\
Configuration (TOML file given with --config; environment variables override the file,
flags override both):

  key                         environment variable           default
  listen                      OMACP_LISTEN                   127.0.0.1:8080
  database                    OMACP_DATABASE                 sqlite:omacp.db next to the config
                                                             file (or in the current directory);
                                                             postgres://user@host/db for PostgreSQL
  public_url                  OMACP_PUBLIC_URL               http://<listen>
  session_ttl_secs            OMACP_SESSION_TTL_SECS         43200 (12 h)
  metrics_token               OMACP_METRICS_TOKEN            none: /metrics is open (bind it to an
                                                             internal network); set, it needs
                                                             `Authorization: Bearer <token>`
  data_key                    OMACP_DATA_KEY                 none: read data_key_file (32 bytes,
                                                             64 hex digits or base64; seals
                                                             campaign PINs in the database)
  data_key_file               OMACP_DATA_KEY_FILE            omacp-data.key next to the SQLite
                                                             file (else next to the config file
                                                             or in the current directory);
                                                             created (mode 0600) on first start
  [log] format                OMACP_LOG_FORMAT               text (or json)
  [log] level                 OMACP_LOG (tracing filter)     info
  [thc] msisdn_header         OMACP_THC_MSISDN_HEADER        X-MSISDN
  [thc] trusted_networks      OMACP_THC_TRUSTED_NETWORKS     [] (comma-separated CIDRs in the
                                                             variable); the MSISDN header is
                                                             believed only from these peers
  [thc] poll_ms               OMACP_THC_POLL_MS              500 (cache staleness bound across
                                                             processes)
  [thc] per_subscriber_rps    OMACP_THC_PER_SUBSCRIBER_RPS   1 (burst 10)
  [thc] per_subscriber_burst  OMACP_THC_PER_SUBSCRIBER_BURST 10
  [thc] per_source_rps        OMACP_THC_PER_SOURCE_RPS       5000 (0 = unlimited)
  [thc] per_source_burst      OMACP_THC_PER_SOURCE_BURST     10000
  [campaign] …, [[campaign.smsc]] (file only)                SMSC routes (smpp:// or Kannel), lease,
                                                             batch, rates; none: the embedded
                                                             sandbox SMSC (docs/campaigns.md)

Example omacp.toml:

  listen = \"0.0.0.0:8080\"
  database = \"postgres://omacp@db.example/omacp\"
  [log]
  format = \"json\"
  [thc]
  trusted_networks = [\"10.20.0.0/16\"]
";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An environment variable or flag has a bad value.
    #[error("{name}: {message}")]
    Value {
        /// The variable or key.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// Log output.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A `tracing` filter (`info`, `omacp_server=debug`).
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

/// Trusted HTTP context settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ThcConfig {
    /// The header the gateway puts the subscriber's MSISDN in.
    pub msisdn_header: String,
    /// Gateway networks whose header is believed.
    pub trusted_networks: Vec<IpNet>,
    /// How often each process reads the tenants' generations (ms).
    pub poll_ms: u64,
    /// Requests per second per subscriber.
    pub per_subscriber_rps: f64,
    /// Burst per subscriber.
    pub per_subscriber_burst: f64,
    /// Requests per second per source address (0 = unlimited).
    pub per_source_rps: f64,
    /// Burst per source address.
    pub per_source_burst: f64,
}

impl Default for ThcConfig {
    fn default() -> Self {
        ThcConfig {
            msisdn_header: "X-MSISDN".into(),
            trusted_networks: Vec::new(),
            poll_ms: 500,
            per_subscriber_rps: 1.0,
            per_subscriber_burst: 10.0,
            per_source_rps: 5000.0,
            per_source_burst: 10000.0,
        }
    }
}

impl ThcConfig {
    /// Is this peer one of the gateways?
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map(IpAddr::V4)
                .unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.trusted_networks.iter().any(|n| n.contains(&ip))
    }
}

/// A configured secret: read from the file or the environment, never shown by `Debug`
/// (a configuration printed into a log must not leak it).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Database URL; `None` means `sqlite:omacp.db` next to the config file.
    pub database: Option<String>,
    /// Base URL printed for people (defaults to `http://<listen>`).
    pub public_url: Option<String>,
    /// Lifetime of a UI session.
    pub session_ttl_secs: u64,
    /// When set, `/metrics` answers only requests bearing this token.
    pub metrics_token: Option<Secret>,
    /// The key that seals campaign PINs in the database (`secrets`); `None` means
    /// `data_key_file`.
    pub data_key: Option<Secret>,
    /// Where the data key is kept when `data_key` is not set; `None` means
    /// [`Config::data_key_path`]'s default.
    pub data_key_file: Option<PathBuf>,
    /// Logging.
    pub log: LogConfig,
    /// Trusted HTTP context.
    pub thc: ThcConfig,
    /// Campaign delivery: SMSC routes and the runner (`[campaign]`, docs/campaigns.md).
    pub campaign: crate::campaign::CampaignConfig,
    /// Directory of the config file (where the default SQLite file goes).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: None,
            public_url: None,
            session_ttl_secs: 12 * 3600,
            metrics_token: None,
            data_key: None,
            data_key_file: None,
            log: LogConfig::default(),
            thc: ThcConfig::default(),
            campaign: Default::default(),
            base_dir: None,
        }
    }
}

fn value_err(name: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Value {
        name: name.into(),
        message: message.into(),
    }
}

fn parse_env<T: std::str::FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    slot: &mut T,
) -> Result<(), ConfigError> {
    if let Some(v) = env(name) {
        *slot = v
            .trim()
            .parse()
            .map_err(|_| value_err(name, format!("cannot parse {v:?}")))?;
    }
    Ok(())
}

impl Config {
    /// Reads the file (if any), then applies `env` (a lookup such as `std::env::var`).
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut c = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                let mut c: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.into(),
                    message: e.to_string(),
                })?;
                c.base_dir = path.parent().map(Path::to_path_buf);
                c
            }
            None => Config::default(),
        };
        parse_env(env, "OMACP_LISTEN", &mut c.listen)?;
        if let Some(v) = env("OMACP_DATABASE") {
            c.database = Some(v);
        }
        if let Some(v) = env("OMACP_PUBLIC_URL") {
            c.public_url = Some(v);
        }
        parse_env(env, "OMACP_SESSION_TTL_SECS", &mut c.session_ttl_secs)?;
        if let Some(v) = env("OMACP_METRICS_TOKEN") {
            c.metrics_token = Some(Secret(v));
        }
        if c.metrics_token.as_ref().is_some_and(|t| t.0.len() < 16) {
            return Err(value_err(
                "metrics_token",
                "use at least 16 characters (a guessable token protects nothing)",
            ));
        }
        if let Some(v) = env("OMACP_DATA_KEY") {
            c.data_key = Some(Secret(v));
        }
        if let Some(v) = env("OMACP_DATA_KEY_FILE") {
            c.data_key_file = Some(PathBuf::from(v));
        }
        if let Some(k) = &c.data_key {
            // A bad key is refused here, before anything is opened; the key is not kept.
            let name = match env("OMACP_DATA_KEY") {
                Some(_) => "OMACP_DATA_KEY",
                None => "data_key",
            };
            crate::secrets::DataKey::parse(&k.0, name)
                .map_err(|_| value_err(name, crate::secrets::KEY_FORMAT))?;
        }
        if let Some(v) = env("OMACP_LOG_FORMAT") {
            c.log.format = v;
        }
        if let Some(v) = env("OMACP_LOG") {
            c.log.level = v;
        }
        if let Some(v) = env("OMACP_THC_MSISDN_HEADER") {
            c.thc.msisdn_header = v;
        }
        if let Some(v) = env("OMACP_THC_TRUSTED_NETWORKS") {
            c.thc.trusted_networks = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<IpNet>()
                        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                        .map_err(|_| {
                            value_err("OMACP_THC_TRUSTED_NETWORKS", format!("bad CIDR {s:?}"))
                        })
                })
                .collect::<Result<_, _>>()?;
        }
        parse_env(env, "OMACP_THC_POLL_MS", &mut c.thc.poll_ms)?;
        parse_env(
            env,
            "OMACP_THC_PER_SUBSCRIBER_RPS",
            &mut c.thc.per_subscriber_rps,
        )?;
        parse_env(
            env,
            "OMACP_THC_PER_SUBSCRIBER_BURST",
            &mut c.thc.per_subscriber_burst,
        )?;
        parse_env(env, "OMACP_THC_PER_SOURCE_RPS", &mut c.thc.per_source_rps)?;
        parse_env(
            env,
            "OMACP_THC_PER_SOURCE_BURST",
            &mut c.thc.per_source_burst,
        )?;
        c.check()?;
        Ok(c)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(value_err("log.format", "must be \"text\" or \"json\""));
        }
        if self
            .thc
            .msisdn_header
            .parse::<axum::http::HeaderName>()
            .is_err()
        {
            return Err(value_err("thc.msisdn_header", "not a valid header name"));
        }
        if self.thc.poll_ms == 0 {
            return Err(value_err("thc.poll_ms", "must be at least 1"));
        }
        Ok(())
    }

    /// The database URL to use.
    pub fn database_url(&self) -> String {
        match &self.database {
            Some(url) => url.clone(),
            None => {
                let dir = self.base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
                let dir = if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir
                };
                format!("sqlite:{}", dir.join("omacp.db").display())
            }
        }
    }

    /// The data key file: `data_key_file`, else `omacp-data.key` in the SQLite file's
    /// directory, else in the config file's directory (or the current one).
    pub fn data_key_path(&self) -> PathBuf {
        const NAME: &str = "omacp-data.key";
        if let Some(p) = &self.data_key_file {
            return p.clone();
        }
        let url = self.database_url();
        let sqlite_dir = url.strip_prefix("sqlite:").and_then(|rest| {
            let path = rest.split('?').next().unwrap_or(rest);
            let path = path.strip_prefix("//").unwrap_or(path);
            (!path.is_empty() && !path.starts_with(':'))
                .then(|| Path::new(path).parent().map(Path::to_path_buf))
                .flatten()
        });
        let dir = sqlite_dir
            .or_else(|| self.base_dir.clone())
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        dir.join(NAME)
    }

    /// The base URL to show people.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_defaults() {
        let env = |k: &str| match k {
            "OMACP_LISTEN" => Some("0.0.0.0:9000".to_string()),
            "OMACP_THC_TRUSTED_NETWORKS" => Some("10.0.0.0/8, 192.0.2.7".to_string()),
            _ => None,
        };
        let c = Config::load(None, &env).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert!(c.thc.is_trusted("10.1.2.3".parse().unwrap()));
        assert!(c.thc.is_trusted("192.0.2.7".parse().unwrap()));
        assert!(!c.thc.is_trusted("192.0.2.8".parse().unwrap()));
        assert_eq!(c.database_url(), "sqlite:./omacp.db");
    }

    #[test]
    fn metrics_token_is_long_and_never_shown() {
        let env =
            |k: &str| (k == "OMACP_METRICS_TOKEN").then(|| "s3cret-s3cret-s3cret".to_string());
        let c = Config::load(None, &env).unwrap();
        assert_eq!(c.metrics_token.as_ref().unwrap().0, "s3cret-s3cret-s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
        let short = |k: &str| (k == "OMACP_METRICS_TOKEN").then(|| "short".to_string());
        assert!(matches!(
            Config::load(None, &short),
            Err(ConfigError::Value { .. })
        ));
    }

    #[test]
    fn data_key_is_checked_and_never_shown() {
        let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let env = |k: &str| (k == "OMACP_DATA_KEY").then(|| hex.to_string());
        let c = Config::load(None, &env).unwrap();
        assert_eq!(c.data_key.as_ref().unwrap().0, hex);
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
        let bad = |k: &str| (k == "OMACP_DATA_KEY").then(|| "0123".to_string());
        let e = Config::load(None, &bad).unwrap_err();
        assert!(
            e.to_string().starts_with("OMACP_DATA_KEY: not a data key"),
            "{e}"
        );
        assert!(!e.to_string().contains("0123"));
    }

    #[test]
    fn data_key_file_defaults_next_to_the_database() {
        let mut c = Config::default();
        assert_eq!(c.data_key_path(), PathBuf::from("./omacp-data.key"));
        c.database = Some("sqlite:/var/lib/omacp/main.db?mode=rwc".into());
        assert_eq!(
            c.data_key_path(),
            PathBuf::from("/var/lib/omacp/omacp-data.key")
        );
        c.database = Some("postgres://db.example/omacp".into());
        c.base_dir = Some(PathBuf::from("/etc/omacp"));
        assert_eq!(
            c.data_key_path(),
            PathBuf::from("/etc/omacp/omacp-data.key")
        );
        c.data_key_file = Some(PathBuf::from("/run/keys/omacp"));
        assert_eq!(c.data_key_path(), PathBuf::from("/run/keys/omacp"));
    }

    #[test]
    fn reads_toml_and_rejects_unknown_keys() {
        let dir = std::env::temp_dir().join(format!("omacp-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("omacp.toml");
        std::fs::write(
            &p,
            "listen = \"127.0.0.1:1\"\n[thc]\ntrusted_networks = [\"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let c = Config::load(Some(&p), &|_| None).unwrap();
        assert_eq!(
            c.database_url(),
            format!("sqlite:{}", dir.join("omacp.db").display())
        );
        std::fs::write(&p, "lisen = 1\n").unwrap();
        assert!(matches!(
            Config::load(Some(&p), &|_| None),
            Err(ConfigError::Parse { .. })
        ));
    }
}
