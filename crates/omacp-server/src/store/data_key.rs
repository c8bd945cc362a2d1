//! The data key and the database: binding a database to one key at its first start with a
//! key, sealing the PINs earlier versions stored in clear (once, in the same transaction),
//! and sealing and opening PINs where they are written and read.

use std::sync::Arc;

use sqlx::{AnyConnection, AssertSqlSafe, Row};
use zeroize::Zeroizing;

use super::{Store, StoreError, now_ms};
use crate::secrets::{DataKey, Slot};

// The one row of `omacp_data_key` naming the key of every sealed PIN.
const PIN_KEY_ROW: &str = "pins";

// Rows sealed per statement when sealing clear PINs (two binds each).
const PAGE: usize = 400;

impl Store {
    /// Checks `key` against the database and keeps it for [`Store::seal_pin`] and
    /// [`Store::open_pin`]. The first start with a key records the key's fingerprint and
    /// seals, in the same transaction, every PIN an earlier version stored in clear; every
    /// later start must bring the same key ([`StoreError::WrongDataKey`]).
    pub async fn unlock(mut self, key: DataKey) -> Result<Store, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Processes starting together on one database: the insert of the loser waits for
        // the winner's commit and then does nothing, so the clear PINs are sealed once.
        let inserted = sqlx::query(
            "INSERT INTO omacp_data_key (id, key_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(PIN_KEY_ROW)
        .bind(key.id())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let (campaigns, messages) = seal_clear_pins(&mut tx, &key).await?;
            tx.commit().await?;
            tracing::info!(
                key_id = key.id(),
                campaigns,
                messages,
                "bound the database to the data key; sealed the PINs stored in clear"
            );
        } else {
            let stored: String =
                sqlx::query_scalar("SELECT key_id FROM omacp_data_key WHERE id = $1")
                    .bind(PIN_KEY_ROW)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.rollback().await?;
            if stored != key.id() {
                return Err(StoreError::WrongDataKey {
                    stored,
                    key: key.id().to_owned(),
                });
            }
        }
        self.data_key = Some(Arc::new(key));
        Ok(self)
    }

    fn key(&self) -> Result<&DataKey, StoreError> {
        self.data_key.as_deref().ok_or(StoreError::NoDataKey)
    }

    /// Seals a PIN for the row it goes into (`None` stays `None` and needs no key).
    pub fn seal_pin(
        &self,
        pin: Option<&str>,
        slot: Slot<'_>,
    ) -> Result<Option<String>, StoreError> {
        match pin {
            Some(p) => Ok(Some(self.key()?.seal(p, slot))),
            None => Ok(None),
        }
    }

    /// Opens a PIN read from the row `slot` names. A value that does not open (altered,
    /// or copied from another row) is [`StoreError::Corrupt`], never a PIN.
    pub fn open_pin(
        &self,
        sealed: Option<&str>,
        slot: Slot<'_>,
    ) -> Result<Option<Zeroizing<String>>, StoreError> {
        let what = match slot {
            Slot::CampaignPin { .. } => "campaigns.pin",
            Slot::MessagePin { .. } => "campaign_messages.pin",
        };
        match sealed {
            Some(s) => self
                .key()?
                .open(s, slot)
                .map(Some)
                .map_err(|_| StoreError::Corrupt(what)),
            None => Ok(None),
        }
    }
}

/// Seals every PIN in `campaigns` and `campaign_messages` (the caller knows they are all
/// clear: nothing was sealed before the key row existed). Returns how many of each.
async fn seal_clear_pins(
    conn: &mut AnyConnection,
    key: &DataKey,
) -> Result<(usize, usize), StoreError> {
    let rows = sqlx::query("SELECT id, pin FROM campaigns WHERE pin IS NOT NULL")
        .fetch_all(&mut *conn)
        .await?;
    let mut campaigns = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let pin: Zeroizing<String> = Zeroizing::new(r.try_get("pin")?);
        let sealed = key.seal(&pin, Slot::CampaignPin { campaign: &id });
        campaigns.push((id, sealed));
    }
    for page in campaigns.chunks(PAGE) {
        update_pins(conn, "campaigns", page).await?;
    }
    // Messages page by page (keyset on the primary key): a large queue is not held in
    // memory at once.
    let mut after = String::new();
    let mut messages = 0;
    loop {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, campaign_id, pin FROM campaign_messages WHERE pin IS NOT NULL AND id > $1 \
             ORDER BY id LIMIT {PAGE}"
        )))
        .bind(&after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        let mut page = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let campaign: String = r.try_get("campaign_id")?;
            let pin: Zeroizing<String> = Zeroizing::new(r.try_get("pin")?);
            let slot = Slot::MessagePin {
                campaign: &campaign,
                message: &id,
            };
            let sealed = key.seal(&pin, slot);
            page.push((id, sealed));
        }
        update_pins(conn, "campaign_messages", &page).await?;
        messages += page.len();
    }
    Ok((campaigns.len(), messages))
}

/// `UPDATE table SET pin = CASE id WHEN … END WHERE id IN (…)` for one page of rows.
async fn update_pins(
    conn: &mut AnyConnection,
    table: &'static str,
    rows: &[(String, String)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = format!("UPDATE {table} SET pin = CASE id");
    for i in 0..rows.len() {
        sql.push_str(&format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2));
    }
    sql.push_str(" END WHERE id IN (");
    for i in 0..rows.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("${}", 2 * i + 1));
    }
    sql.push(')');
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (id, sealed) in rows {
        q = q.bind(id.as_str()).bind(sealed.as_str());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}
