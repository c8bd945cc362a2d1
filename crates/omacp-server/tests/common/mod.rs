//! Test harness: a real server on 127.0.0.1:0 over a fresh database (an SQLite file in a
//! temporary directory, or a PostgreSQL database created for the test and dropped after).

#![allow(dead_code, missing_docs)]

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use omacp_server::Config;
use omacp_server::serve::{Started, start};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The only address the test servers trust as a gateway.
pub const GATEWAY: &str = "127.0.0.2";
/// A loopback address outside the trusted network.
pub const OUTSIDER: &str = "127.0.0.3";

/// A database for one test.
pub enum Db {
    Sqlite(PathBuf),
    Pg(String),
}

impl Db {
    pub fn sqlite() -> Db {
        let mut r = [0u8; 8];
        omacp_server::auth::fill_random(&mut r);
        let dir = std::env::temp_dir().join(format!("omacp-test-{}", hex(&r)));
        std::fs::create_dir_all(&dir).unwrap();
        Db::Sqlite(dir)
    }

    /// A fresh PostgreSQL database, or `None` when the server is unreachable.
    pub async fn pg() -> Option<Db> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(PG_ADMIN)
            .await
            .ok()?;
        let mut r = [0u8; 6];
        omacp_server::auth::fill_random(&mut r);
        let name = format!("omacp_t_{}", hex(&r));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        Some(Db::Pg(name))
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite:{}", dir.join("omacp.db").display()),
            Db::Pg(name) => format!("postgres://postgres@127.0.0.1:5432/{name}"),
        }
    }

    /// The data key file of the test's servers: next to the SQLite file (the default), or
    /// one per PostgreSQL database in the temporary directory (not the current one).
    pub fn key_file(&self) -> PathBuf {
        match self {
            Db::Sqlite(dir) => dir.join("omacp-data.key"),
            Db::Pg(name) => std::env::temp_dir().join(format!("{name}.key")),
        }
    }

    pub async fn drop_db(self) {
        match self {
            Db::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Pg(name) => {
                let _ = std::fs::remove_file(std::env::temp_dir().join(format!("{name}.key")));
                let pool = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(PG_ADMIN)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&pool)
                .await
                .unwrap();
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Picks the back end for a test; `None` means the test must skip.
pub async fn backend(pg: bool) -> Option<Db> {
    if pg {
        Db::pg().await
    } else {
        Some(Db::sqlite())
    }
}

/// Defines `sqlite` and `pg` variants of an async test body `fn(Db)`.
#[macro_export]
macro_rules! both_backends {
    ($body:ident) => {
        mod $body {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::backend(false).await.unwrap();
                super::$body(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn pg() {
                let Some(db) = $crate::common::backend(true).await else {
                    omacp_testkit::skip!("PostgreSQL at 127.0.0.1:5432 is unreachable");
                };
                super::$body(db).await;
            }
        }
    };
}

pub fn config(db: &Db) -> Config {
    let mut c = Config::load(None, &|_| None).unwrap();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = Some(db.url());
    c.data_key_file = Some(db.key_file());
    c.thc.trusted_networks = vec![format!("{GATEWAY}/32").parse().unwrap()];
    c.thc.poll_ms = 100;
    c.thc.per_subscriber_rps = 1000.0;
    c.thc.per_subscriber_burst = 1000.0;
    c
}

/// A running server and an authenticated admin client for its first tenant.
pub struct Server {
    pub started: Started,
    pub base: String,
    pub admin: Api,
}

pub async fn server(cfg: Config) -> Server {
    let started = start(cfg).await.expect("server starts");
    let base = format!("http://{}", started.addr);
    let admin = match &started.first_admin {
        Some(a) => login(&base, &a.tenant, &a.username, &a.password).await,
        None => Api::anonymous(&base),
    };
    Server {
        started,
        base,
        admin,
    }
}

/// A client with a bearer credential.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub client: Client,
}

impl Api {
    pub fn anonymous(base: &str) -> Api {
        Api {
            base: base.into(),
            token: None,
            client: Client::new(),
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            base: self.base.clone(),
            token: Some(token.into()),
            client: self.client.clone(),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request");
        let status = r.status();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// POST that must answer `expect`; returns the body.
    pub async fn must_post(&self, path: &str, body: Value, expect: u16) -> Value {
        let (s, v) = self.post(path, body).await;
        assert_eq!(s.as_u16(), expect, "POST {path}: {v}");
        v
    }
}

pub async fn login(base: &str, tenant: &str, username: &str, password: &str) -> Api {
    let anon = Api::anonymous(base);
    let v = anon
        .must_post(
            "/api/v1/sessions",
            json!({"tenant": tenant, "username": username, "password": password}),
            201,
        )
        .await;
    anon.with_token(v["token"].as_str().unwrap())
}

/// A client whose connections come from `local` (a loopback address).
pub fn client_from(local: &str) -> Client {
    Client::builder()
        .local_address(local.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

pub fn addr(s: &Server) -> SocketAddr {
    s.started.addr
}

pub const NAPDEF: &str = r#"<wap-provisioningdoc version="1.0"><characteristic type="NAPDEF"><parm name="NAPID" value="gprs1"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAME" value="${apn_name}"/><parm name="NAP-ADDRESS" value="${apn}"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>"#;

pub const EMAIL: &str = r#"<wap-provisioningdoc version="1.0"><characteristic type="APPLICATION"><parm name="APPID" value="25"/><parm name="NAME" value="Mail"/><characteristic type="APPADDR"><parm name="ADDR" value="smtp.example.com"/></characteristic></characteristic></wap-provisioningdoc>"#;

pub fn napdef_profile(name: &str) -> Value {
    json!({
        "name": name,
        "template": NAPDEF,
        "variables": [
            {"name": "apn", "type": "string", "scope": "subscriber", "default": "internet"},
            {"name": "apn_name", "type": "string", "scope": "campaign", "default": "Internet"}
        ]
    })
}

/// Creates an enterprise tenant through the API; returns an admin client for it.
pub async fn enterprise(op: &Api, slug: &str, types: &[&str], appids: &[&str]) -> Api {
    let v = op
        .must_post(
            "/api/v1/tenants",
            json!({"slug": slug, "name": slug, "scope": {"types": types, "appids": appids}}),
            201,
        )
        .await;
    login(
        &op.base,
        slug,
        "admin",
        v["admin_password"].as_str().unwrap(),
    )
    .await
}

/// Creates a user with `role` in the caller's tenant; returns a client acting as them.
pub async fn user_with_role(admin: &Api, tenant: &str, username: &str, role: &str) -> Api {
    let pw = "a-long-test-password";
    admin
        .must_post(
            "/api/v1/users",
            json!({"username": username, "password": pw, "role": role}),
            201,
        )
        .await;
    login(&admin.base, tenant, username, pw).await
}
