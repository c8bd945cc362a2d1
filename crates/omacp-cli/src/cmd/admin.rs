//! `omacp admin`: tenants, users and API tokens, straight in the server's database (the
//! same one `serve` would open). Passwords and token secrets are printed once, never stored.

use anyhow::{Context, anyhow, bail};
use omacp_server::auth::{hash_password, new_password, new_secret};
use omacp_server::store::audit::{Record, append};
use omacp_server::store::tenants::{self, Scope, Tenant, TenantKind};
use omacp_server::store::users::{self, Role};
use omacp_server::store::{Store, StoreError};

use super::Exit;
use super::serve::load_config;
use crate::args::{AdminCommand, AdminTenant, AdminToken, AdminUser, DbArgs, KindArg, RoleArg};

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Viewer => Role::Viewer,
        RoleArg::Editor => Role::Editor,
        RoleArg::Admin => Role::Admin,
    }
}

/// Runs `omacp admin …`.
pub fn run(cmd: AdminCommand) -> anyhow::Result<Exit> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let db = match &cmd {
            AdminCommand::Tenant { db, .. }
            | AdminCommand::User { db, .. }
            | AdminCommand::Token { db, .. } => db,
        };
        let st = open(db).await?;
        match cmd {
            AdminCommand::Tenant { command, .. } => tenant(&st, command).await,
            AdminCommand::User { command, .. } => user(&st, command).await,
            AdminCommand::Token { command, .. } => token(&st, command).await,
        }
    })?;
    Ok(Exit::Ok)
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let cfg = load_config(db.config.as_deref(), db.database.as_deref())?;
    Store::open(&cfg.database_url())
        .await
        .context("opening the database")
}

async fn audit(
    st: &Store,
    tenant_id: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), StoreError> {
    append(
        st,
        &Record {
            tenant_id: Some(tenant_id),
            actor: "cli",
            source: "shell",
            action,
            object: Some(object),
            outcome: "ok",
            detail,
        },
    )
    .await
}

async fn find_tenant(st: &Store, slug: &str) -> anyhow::Result<Tenant> {
    tenants::by_slug(st, slug)
        .await?
        .ok_or_else(|| anyhow!("no tenant '{slug}'"))
}

async fn tenant(st: &Store, cmd: AdminTenant) -> anyhow::Result<()> {
    match cmd {
        AdminTenant::Create {
            slug,
            name,
            kind,
            types,
            appids,
        } => {
            if !tenants::valid_slug(&slug) {
                bail!("slug: lowercase letters, digits and '-', at most 40");
            }
            let kind = match kind {
                KindArg::Operator => TenantKind::Operator,
                KindArg::Enterprise => TenantKind::Enterprise,
            };
            let t = tenants::create(
                st,
                &slug,
                name.as_deref().unwrap_or(&slug),
                kind,
                &Scope { types, appids },
            )
            .await?;
            let password = new_password();
            let u =
                users::create(st, &t.id, "admin", Role::Admin, &hash_password(&password)).await?;
            audit(st, &t.id, "tenant.create", &t.id, &format!("slug={slug}")).await?;
            println!(
                "created tenant {} ({}) with admin 'admin' ({})",
                t.slug, t.id, u.id
            );
            println!("one-time password: {password}");
        }
        AdminTenant::List => {
            for t in tenants::list(st).await? {
                println!(
                    "{}\t{}\t{:?}\ttypes={}\tappids={}",
                    t.slug,
                    t.id,
                    t.kind,
                    t.scope.types.join(","),
                    t.scope.appids.join(",")
                );
            }
        }
        AdminTenant::SetScope {
            slug,
            types,
            appids,
        } => {
            let t = find_tenant(st, &slug).await?;
            tenants::set_scope(st, &t.id, &Scope { types, appids }).await?;
            audit(st, &t.id, "tenant.update", &t.id, "scope").await?;
            println!("scope of {slug} replaced");
        }
    }
    Ok(())
}

async fn user(st: &Store, cmd: AdminUser) -> anyhow::Result<()> {
    match cmd {
        AdminUser::Create {
            tenant,
            username,
            role: r,
        } => {
            let t = find_tenant(st, &tenant).await?;
            let password = new_password();
            let u = users::create(st, &t.id, &username, role(r), &hash_password(&password)).await?;
            audit(
                st,
                &t.id,
                "user.create",
                &u.id,
                &format!("username={username} role={}", u.role.as_str()),
            )
            .await?;
            println!("created user {username} ({}) in {tenant}", u.id);
            println!("one-time password: {password}");
        }
        AdminUser::List { tenant } => {
            let t = find_tenant(st, &tenant).await?;
            for u in users::list(st, &t.id).await? {
                println!("{}\t{}\t{}", u.username, u.id, u.role.as_str());
            }
        }
        AdminUser::SetRole {
            tenant,
            username,
            role: r,
        } => {
            let t = find_tenant(st, &tenant).await?;
            let u = by_name(st, &t, &username).await?;
            users::update(st, &t.id, &u, Some(role(r)), None).await?;
            audit(
                st,
                &t.id,
                "user.update",
                &u,
                &format!("role={}", role(r).as_str()),
            )
            .await?;
            println!("{username} is now {}", role(r).as_str());
        }
        AdminUser::ResetPassword { tenant, username } => {
            let t = find_tenant(st, &tenant).await?;
            let u = by_name(st, &t, &username).await?;
            let password = new_password();
            users::update(st, &t.id, &u, None, Some(&hash_password(&password))).await?;
            audit(st, &t.id, "user.update", &u, "password").await?;
            println!("one-time password: {password}");
        }
    }
    Ok(())
}

async fn by_name(st: &Store, t: &Tenant, username: &str) -> anyhow::Result<String> {
    users::list(st, &t.id)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .ok_or_else(|| anyhow!("no user '{username}' in {}", t.slug))
}

async fn token(st: &Store, cmd: AdminToken) -> anyhow::Result<()> {
    match cmd {
        AdminToken::Create { tenant, user, name } => {
            let t = find_tenant(st, &tenant).await?;
            let uid = by_name(st, &t, &user).await?;
            let (secret, hash) = new_secret("tok");
            let k = users::create_token(st, &t.id, &uid, &name, &hash).await?;
            audit(st, &t.id, "token.create", &k.id, &format!("name={name}")).await?;
            println!("created token {} for {user}", k.id);
            println!("secret (shown only now): {secret}");
        }
        AdminToken::List { tenant } => {
            let t = find_tenant(st, &tenant).await?;
            for k in users::list_tokens(st, &t.id, None).await? {
                println!("{}\t{}\t{}", k.id, k.user_id, k.name);
            }
        }
        AdminToken::Revoke { tenant, id } => {
            let t = find_tenant(st, &tenant).await?;
            if !users::delete_token(st, &t.id, &id).await? {
                bail!("no token {id} in {tenant}");
            }
            audit(st, &t.id, "token.delete", &id, "").await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
