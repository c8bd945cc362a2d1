//! Schema migrations: one ordered list of SQL files that runs on SQLite and PostgreSQL.
//!
//! The applied version lives in `omacp_schema`. A database whose version is newer than the
//! last migration this binary knows is refused before anything is touched: an old binary
//! must not write into a schema it does not understand. On PostgreSQL an advisory lock
//! makes concurrent starts of several processes migrate once.

use sqlx::{Any, AnyConnection, AssertSqlSafe, Connection};

use super::{DbKind, StoreError};

/// The migrations, in order; the index + 1 is the schema version.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_campaigns.sql"),
    include_str!("../../migrations/0003_messages_by_subscriber.sql"),
    include_str!("../../migrations/0004_partial_lease_indexes.sql"),
    include_str!("../../migrations/0005_login_throttle.sql"),
    include_str!("../../migrations/0006_runner_routes.sql"),
    include_str!("../../migrations/0007_data_key.sql"),
    include_str!("../../migrations/0008_subscribers_by_tenant_id.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

// An arbitrary constant naming omacp's lock among other users of the same cluster.
const PG_LOCK_KEY: i64 = 0x006f_6d61_6370;

/// Brings the schema up to [`SCHEMA_VERSION`], or refuses a newer one.
pub async fn migrate(conn: &mut AnyConnection, kind: DbKind) -> Result<(), StoreError> {
    if kind == DbKind::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = migrate_locked(conn).await;
    if kind == DbKind::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn migrate_locked(conn: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query("CREATE TABLE IF NOT EXISTS omacp_schema (version BIGINT NOT NULL, applied_at BIGINT NOT NULL)")
        .execute(&mut *conn)
        .await?;
    let current: Option<i64> =
        sqlx::query_scalar::<Any, Option<i64>>("SELECT MAX(version) FROM omacp_schema")
            .fetch_one(&mut *conn)
            .await?;
    let current = current.unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let mut tx = conn.begin().await?;
        for stmt in statements(sql) {
            sqlx::query(AssertSqlSafe(stmt)).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO omacp_schema (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(super::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied schema migration");
    }
    Ok(())
}

/// Splits a migration into statements: comment lines dropped, a statement ends with a
/// line ending in `;`. (The files hold no semicolons inside literals.)
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("--") {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if t.ends_with(';') {
            let stmt = cur.trim().trim_end_matches(';').to_string();
            out.push(stmt);
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_migration_into_statements() {
        let s = statements(MIGRATIONS[0]);
        assert!(s.len() >= 10);
        assert!(s.iter().all(|x| !x.contains(';')));
        assert!(s[0].starts_with("CREATE TABLE tenants"));
    }
}
