//! Persistence: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Queries are built at run time with `$n` placeholders (both back ends accept them).
//! `Any` carries only basic types, so ids are text, times are epoch milliseconds (i64) and
//! lists/maps are JSON text. One module per aggregate; each write that changes what a
//! device would be served bumps the tenant's `generation` in the same transaction (see
//! `thc::cache`).

pub mod audit;
mod data_key;
pub mod devices;
pub mod idempotency;
mod migrate;
pub mod profiles;
pub mod subscribers;
pub mod tenants;
pub mod throttle;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

pub use migrate::{MIGRATIONS, SCHEMA_VERSION};

/// Which database is behind the `Any` pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why a store operation failed. The API maps these to responses without showing database
/// details (`error::ApiError`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database driver failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The database was written by a newer omacp.
    #[error(
        "the database schema is version {found}, newer than this omacp understands (up to {known}); \
         run a newer omacp or restore a backup"
    )]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this binary knows.
        known: i64,
    },
    /// The database URL is not sqlite:… or postgres://….
    #[error("unsupported database URL (use sqlite:PATH or postgres://…)")]
    UnsupportedUrl,
    /// A unique key already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// Stored JSON could not be read back, or a sealed value does not open.
    #[error("corrupt stored value in {0}")]
    Corrupt(&'static str),
    /// The database's sealed values were written with another data key.
    #[error(
        "the data key (id {key}) is not this database's (id {stored}); configure the key it was \
         written with (data_key, OMACP_DATA_KEY or data_key_file)"
    )]
    WrongDataKey {
        /// Fingerprint recorded in the database.
        stored: String,
        /// Fingerprint of the configured key.
        key: String,
    },
    /// A PIN was to be sealed or opened before [`Store::unlock`].
    #[error("no data key: the store was opened without one")]
    NoDataKey,
}

impl StoreError {
    /// True when the error is a violated unique constraint.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Conflict(_) => true,
            StoreError::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// Maps a unique violation to [`StoreError::Conflict`].
pub(crate) fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Db(e),
    }
}

/// A connection pool plus what it points at.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool; every module's functions take `&Store` and use it.
    pub pool: AnyPool,
    /// SQLite or PostgreSQL.
    pub kind: DbKind,
    /// The key sealing PINs, once [`Store::unlock`] has checked it against the database.
    pub data_key: Option<Arc<crate::secrets::DataKey>>,
}

impl Store {
    /// Connects (creating an SQLite file if missing) and runs the migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbKind::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let url = match kind {
            DbKind::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let opts = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let max = match kind {
            DbKind::Sqlite => 4,
            DbKind::Postgres => 10,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect_with(opts)
            .await?;
        let store = Store {
            pool,
            kind,
            data_key: None,
        };
        {
            let mut conn = store.pool.acquire().await?;
            if kind == DbKind::Sqlite {
                // WAL lets readers run while one writer writes; persistent in the file.
                sqlx::query("PRAGMA journal_mode=WAL")
                    .execute(&mut *conn)
                    .await?;
            }
            migrate::migrate(&mut conn, kind).await?;
        }
        Ok(store)
    }

    /// Answers a trivial query (readiness probe).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new time-ordered id: `<prefix>_<12 hex ms><10 hex random>`. Sorting ids sorts by
/// creation time (to the millisecond), which keyset pagination relies on.
pub fn new_id(prefix: &str) -> String {
    let mut r = [0u8; 5];
    crate::auth::fill_random(&mut r);
    let mut s = format!("{prefix}_{:012x}", now_ms());
    for b in r {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Serialises a value stored as JSON text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Reads a value stored as JSON text.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    s: &str,
    what: &'static str,
) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt(what))
}

/// A list of strings passed as one JSON array in parameter `$n`, matched against column
/// `col`: `(from, cond)`, where `from` goes after the statement's table (` FROM …` in an
/// UPDATE, `, …` in a SELECT) and `cond` into its WHERE. One parameter per list instead of
/// one per item: no chunking, one statement text whatever the batch size (prepared once),
/// and no cost per named parameter (SQLite looks `$N` names up linearly, which made large
/// `IN ($4,…,$403)` lists quadratic).
///
/// SQLite: `col IN (SELECT value FROM json_each($n))`, planned as a lookup per item.
/// PostgreSQL: a join with `json_array_elements_text`. Not `IN (subquery)`: with the
/// statistics of a fresh queue it was planned as a nested loop rescanning the list for
/// every row of the partial index on submitted rows (quadratic, 0.6 s for 1,000 ids).
pub(crate) fn by_list(kind: DbKind, col: &str, n: usize, update: bool) -> (String, String) {
    match kind {
        DbKind::Sqlite => (
            String::new(),
            format!("{col} IN (SELECT value FROM json_each(${n}))"),
        ),
        DbKind::Postgres => (
            format!(
                "{} json_array_elements_text(${n}::json) AS j(value)",
                if update { " FROM" } else { "," }
            ),
            format!("{col} = j.value"),
        ),
    }
}

/// Rows passed as one JSON array of arrays in parameter `$n`: a table `j` whose column
/// `value` is one row; fields are read with `j.value ->> i` (text on PostgreSQL: cast).
pub(crate) fn json_rows(kind: DbKind, n: usize) -> String {
    match kind {
        DbKind::Sqlite => format!("json_each(${n}) AS j"),
        DbKind::Postgres => format!("json_array_elements(${n}::json) AS j(value)"),
    }
}

/// Bumps a tenant's generation (inside the caller's transaction) and returns the new one.
pub(crate) async fn bump_generation(
    conn: &mut sqlx::AnyConnection,
    tenant_id: &str,
) -> Result<i64, StoreError> {
    let g: i64 = sqlx::query_scalar(
        "UPDATE tenants SET generation = generation + 1 WHERE id = $1 RETURNING generation",
    )
    .bind(tenant_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(g)
}

/// One page of a list, for keyset pagination by id.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items, in id (creation) order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Page size limits for every list.
pub const MAX_PAGE: i64 = 500;

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in id order.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> &str) -> Page<T> {
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}
