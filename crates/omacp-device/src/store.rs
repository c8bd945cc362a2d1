//! The settings store: one SQLite file per handset (`settings.db` in the store directory).
//!
//! Each [`ApplyPlan`] is committed in ONE transaction: the whole new state of the contexts it
//! touches, a history row (origin, trust, SEC, the applied document as XML) and a snapshot of
//! the complete settings after it. A crash before `COMMIT` leaves the previous state, which
//! SQLite guarantees with `journal_mode=DELETE` and `synchronous=FULL`. Rollback restores a
//! snapshot as a new transaction (and a new history row), so history is never rewritten.

use std::path::Path;

use omacp_agent::{ApplyPlan, Context, Item, PinGuard, Settings, SettingsView, Trust, ViewError};
use omacp_doc::Document;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "settings.db";

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored row does not parse (the file was edited or is corrupt).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// No such history entry.
    #[error("no history entry {0}")]
    NoSuchEntry(i64),
    /// Nothing to roll back to.
    #[error("nothing to roll back to")]
    NothingToRollBack,
}

/// One history row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its id (the state id rollback takes).
    pub id: i64,
    /// When (ms since the UNIX epoch, from the shell's clock).
    pub at_ms: i64,
    /// `init`, `apply` or `rollback`.
    pub kind: String,
    /// Who sent the document (text).
    pub origin: String,
    /// Trust class name.
    pub trust: String,
    /// SEC method name, if any.
    pub sec: Option<String>,
    /// The context written.
    pub context: String,
    /// The applied document (XML), or a note for rollbacks.
    pub document: String,
}

/// The SQLite settings store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contexts (
    id TEXT PRIMARY KEY, provurl TEXT, name TEXT, authority TEXT NOT NULL,
    context_allow INTEGER, trusted_proxies TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    context_id TEXT NOT NULL, pos INTEGER NOT NULL, owner TEXT NOT NULL, xml TEXT NOT NULL,
    PRIMARY KEY (context_id, pos));
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, kind TEXT NOT NULL,
    origin TEXT NOT NULL, trust TEXT NOT NULL, sec TEXT, context TEXT NOT NULL,
    document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_contexts (
    history_id INTEGER NOT NULL, id TEXT NOT NULL, provurl TEXT, name TEXT,
    authority TEXT NOT NULL, context_allow INTEGER, trusted_proxies TEXT NOT NULL,
    PRIMARY KEY (history_id, id));
CREATE TABLE IF NOT EXISTS snapshot_items (
    history_id INTEGER NOT NULL, context_id TEXT NOT NULL, pos INTEGER NOT NULL,
    owner TEXT NOT NULL, xml TEXT NOT NULL, PRIMARY KEY (history_id, context_id, pos));
";

/// Statements executed inside the current apply transaction; the crash-safety test aborts
/// the process after `OMACP_TEST_CRASH_AFTER_STATEMENTS` of them.
#[cfg(feature = "test-hooks")]
fn crash_point(n: &mut u32) {
    *n += 1;
    if let Some(limit) = std::env::var("OMACP_TEST_CRASH_AFTER_STATEMENTS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        && *n >= limit
    {
        std::process::abort();
    }
}

#[cfg(not(feature = "test-hooks"))]
fn crash_point(_: &mut u32) {}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(dir.join(DB_FILE))?;
        Store::init(conn)
    }

    /// An in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        // DELETE journal + FULL sync: a committed apply survives power loss, an interrupted
        // one is rolled back from the journal on the next open.
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a metadata value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The persisted global PIN-failure state.
    pub fn pin_guard(&self) -> Result<PinGuard, StoreError> {
        let failures = self
            .meta("pin_failures")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let locked_until = self.meta("pin_locked_until")?.and_then(|v| v.parse().ok());
        Ok(PinGuard {
            failures,
            locked_until,
        })
    }

    /// Persists the global PIN-failure state.
    pub fn set_pin_guard(&self, g: PinGuard) -> Result<(), StoreError> {
        self.set_meta("pin_failures", &g.failures.to_string())?;
        match g.locked_until {
            Some(t) => self.set_meta("pin_locked_until", &t.to_string()),
            None => {
                self.conn
                    .execute("DELETE FROM meta WHERE key = 'pin_locked_until'", [])?;
                Ok(())
            }
        }
    }

    /// Every context, read from the live tables.
    pub fn load(&self) -> Result<Settings, StoreError> {
        load_from(&self.conn, None)
    }

    /// Commits `plan` in one transaction at `at_ms`; returns the history id.
    pub fn apply(&mut self, plan: &ApplyPlan, at_ms: i64) -> Result<i64, StoreError> {
        let mut n = 0u32;
        let tx = self.conn.transaction()?;
        for c in &plan.contexts {
            write_context(&tx, c, &mut n)?;
        }
        let s = &plan.report.summary;
        tx.execute(
            "INSERT INTO history (at_ms, kind, origin, trust, sec, context, document)
             VALUES (?1, 'apply', ?2, ?3, ?4, ?5, ?6)",
            params![
                at_ms,
                s.sender.to_string(),
                s.trust.name(),
                s.sec.map(|m| m.to_string()),
                s.context,
                plan.document_xml
            ],
        )?;
        crash_point(&mut n);
        let id = tx.last_insert_rowid();
        snapshot(&tx, id)?;
        crash_point(&mut n);
        tx.commit()?;
        Ok(id)
    }

    /// Records a history row of `kind` without changing settings (e.g. `init`).
    pub fn note(&mut self, kind: &str, origin: &str, at_ms: i64) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO history (at_ms, kind, origin, trust, sec, context, document)
             VALUES (?1, ?2, ?3, '', NULL, '', '')",
            params![at_ms, kind, origin],
        )?;
        let id = tx.last_insert_rowid();
        snapshot(&tx, id)?;
        tx.commit()?;
        Ok(id)
    }

    /// The history, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, at_ms, kind, origin, trust, sec, context, document FROM history ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(HistoryEntry {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                kind: r.get(2)?,
                origin: r.get(3)?,
                trust: r.get(4)?,
                sec: r.get(5)?,
                context: r.get(6)?,
                document: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The settings as they were right after history entry `id`.
    pub fn state_at(&self, id: i64) -> Result<Settings, StoreError> {
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT id FROM history WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NoSuchEntry(id));
        }
        load_from(&self.conn, Some(id))
    }

    /// Restores the state after entry `to` (default: the state before the latest entry) in
    /// one transaction; returns the new history id.
    pub fn rollback(&mut self, to: Option<i64>, at_ms: i64) -> Result<i64, StoreError> {
        let to = match to {
            Some(t) => t,
            None => {
                let h = self.history()?;
                if h.len() < 2 {
                    return Err(StoreError::NothingToRollBack);
                }
                h[h.len() - 2].id
            }
        };
        let target = self.state_at(to)?;
        let mut n = 0;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM items", [])?;
        tx.execute("DELETE FROM contexts", [])?;
        for c in target.contexts.values() {
            write_context(&tx, c, &mut n)?;
        }
        tx.execute(
            "INSERT INTO history (at_ms, kind, origin, trust, sec, context, document)
             VALUES (?1, 'rollback', ?2, '', NULL, '', '')",
            params![at_ms, format!("rollback to {to}")],
        )?;
        let id = tx.last_insert_rowid();
        snapshot(&tx, id)?;
        tx.commit()?;
        Ok(id)
    }
}

impl SettingsView for Store {
    fn settings(&self) -> Result<Settings, ViewError> {
        self.load().map_err(|e| ViewError(e.to_string()))
    }
}

fn write_context(tx: &Transaction<'_>, c: &Context, n: &mut u32) -> Result<(), StoreError> {
    tx.execute("DELETE FROM items WHERE context_id = ?1", [&c.id])?;
    crash_point(n);
    tx.execute(
        "INSERT INTO contexts (id, provurl, name, authority, context_allow, trusted_proxies)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET provurl = excluded.provurl, name = excluded.name,
           authority = excluded.authority, context_allow = excluded.context_allow,
           trusted_proxies = excluded.trusted_proxies",
        params![
            c.id,
            c.provurl,
            c.name,
            c.authority.name(),
            c.context_allow,
            c.trusted_proxies.join("\n")
        ],
    )?;
    crash_point(n);
    for (pos, item) in c.items.iter().enumerate() {
        let doc = Document {
            version: None,
            characteristics: vec![item.characteristic.clone()],
        };
        tx.execute(
            "INSERT INTO items (context_id, pos, owner, xml) VALUES (?1, ?2, ?3, ?4)",
            params![
                c.id,
                pos as i64,
                item.owner.name(),
                omacp_doc::xml::to_string(&doc)
            ],
        )?;
        crash_point(n);
    }
    Ok(())
}

fn snapshot(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO snapshot_contexts
         SELECT ?1, id, provurl, name, authority, context_allow, trusted_proxies FROM contexts",
        [id],
    )?;
    tx.execute(
        "INSERT INTO snapshot_items SELECT ?1, context_id, pos, owner, xml FROM items",
        [id],
    )?;
    Ok(())
}

fn trust(s: &str) -> Result<Trust, StoreError> {
    Trust::from_name(s).ok_or_else(|| StoreError::Corrupt(format!("trust class {s:?}")))
}

fn load_from(conn: &Connection, at: Option<i64>) -> Result<Settings, StoreError> {
    let (ctx_sql, item_sql) = match at {
        None => (
            "SELECT id, provurl, name, authority, context_allow, trusted_proxies FROM contexts
             WHERE ?1 IS NULL ORDER BY id",
            "SELECT context_id, owner, xml FROM items WHERE ?1 IS NULL ORDER BY context_id, pos",
        ),
        Some(_) => (
            "SELECT id, provurl, name, authority, context_allow, trusted_proxies
             FROM snapshot_contexts WHERE history_id = ?1 ORDER BY id",
            "SELECT context_id, owner, xml FROM snapshot_items WHERE history_id = ?1
             ORDER BY context_id, pos",
        ),
    };
    let mut settings = Settings::default();
    let mut st = conn.prepare(ctx_sql)?;
    let rows = st.query_map([at], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    for row in rows {
        let (id, provurl, name, authority, allow, proxies) = row?;
        let mut c = Context::new(id.clone(), trust(&authority)?);
        c.provurl = provurl;
        c.name = name;
        c.context_allow = allow.and_then(|a| u8::try_from(a).ok());
        c.trusted_proxies = proxies
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        settings.contexts.insert(id, c);
    }
    let mut st = conn.prepare(item_sql)?;
    let rows = st.query_map([at], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (ctx, owner, xml) = row?;
        let doc = omacp_doc::xml::parse(&xml).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let Some(characteristic) = doc.characteristics.into_iter().next() else {
            return Err(StoreError::Corrupt(format!("empty item in {ctx}")));
        };
        let c = settings
            .contexts
            .get_mut(&ctx)
            .ok_or_else(|| StoreError::Corrupt(format!("item of unknown context {ctx}")))?;
        c.items.push(Item {
            owner: trust(&owner)?,
            characteristic,
        });
    }
    Ok(settings)
}
