//! First start: an empty database gets an operator tenant with full scope and an admin
//! with a random password. The caller prints the credential once (never to the log).

use crate::auth::{hash_password, new_password};
use crate::store::audit::{Record, append};
use crate::store::tenants::{self, Scope, TenantKind};
use crate::store::users::{self, Role};
use crate::store::{Store, StoreError};

/// The one-time credential of the first admin.
pub struct FirstAdmin {
    /// Tenant slug.
    pub tenant: String,
    /// Username.
    pub username: String,
    /// Password (print once, never log).
    pub password: String,
}

impl std::fmt::Debug for FirstAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstAdmin")
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Creates the operator tenant and its admin when there is no tenant yet.
pub async fn ensure_first_tenant(st: &Store) -> Result<Option<FirstAdmin>, StoreError> {
    if tenants::count(st).await? > 0 {
        return Ok(None);
    }
    let t = match tenants::create(
        st,
        "operator",
        "Operator",
        TenantKind::Operator,
        &Scope::all(),
    )
    .await
    {
        Ok(t) => t,
        // Another process won the race on a shared database.
        Err(e) if e.is_unique_violation() => return Ok(None),
        Err(e) => return Err(e),
    };
    let password = new_password();
    let u = users::create(st, &t.id, "admin", Role::Admin, &hash_password(&password)).await?;
    append(
        st,
        &Record {
            tenant_id: Some(&t.id),
            actor: "system",
            source: "startup",
            action: "tenant.bootstrap",
            object: Some(&u.id),
            outcome: "ok",
            detail: "first operator tenant and admin",
        },
    )
    .await?;
    Ok(Some(FirstAdmin {
        tenant: t.slug,
        username: u.username,
        password,
    }))
}
