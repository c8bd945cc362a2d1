//! What sealing campaign PINs costs (BENCHMARKS.md, "Campaign PINs sealed at rest"):
//! sealing and opening one 6-digit PIN, and the one-time sealing of N clear PINs that the
//! first start of schema 5 does on a database written by an earlier version.
//!
//! `cargo run --release -p omacp-server --example pin_seal_bench -- [N] [--pg]`

use std::process::Command;
use std::time::Instant;

use omacp_server::Store;
use omacp_server::secrets::{DataKey, Slot};
use sqlx::AssertSqlSafe;

const OPS: u32 = 200_000;

fn micro() {
    let key = DataKey::from_bytes(&[7; 32]);
    let slot = Slot::MessagePin {
        campaign: "cmp_0192a1b2c3d4e5f6a7b8c9",
        message: "cmp_0192a1b2c3d4e5f6a7b8c9.0000001",
    };
    let t = Instant::now();
    let mut sealed = Vec::with_capacity(OPS as usize);
    for i in 0..OPS {
        sealed.push(key.seal(&format!("{:06}", i % 1_000_000), slot));
    }
    let seal = t.elapsed();
    let t = Instant::now();
    let mut n = 0usize;
    for s in &sealed {
        n += key.open(s, slot).expect("opens").len();
    }
    let open = t.elapsed();
    assert_eq!(n, 6 * OPS as usize);
    println!(
        "seal: {:.0} ns/PIN ({} bytes stored for 6 digits); open: {:.0} ns/PIN",
        seal.as_nanos() as f64 / f64::from(OPS),
        sealed[0].len(),
        open.as_nanos() as f64 / f64::from(OPS)
    );
}

async fn legacy(url: &str, n: usize) {
    let st = Store::open(url).await.unwrap();
    let exec = |sql: String| {
        let pool = st.pool.clone();
        async move {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    exec("INSERT INTO tenants (id, slug, name, kind, scope_types, scope_appids, generation, created_at) \
          VALUES ('t', 'acme', 'Acme', 'operator', '[]', '[]', 0, 0)".into()).await;
    exec("INSERT INTO campaigns (id, tenant_id, name, profile_id, profile_name, profile_version, template, \
          variables, campaign_vars, sec, pin_mode, pin, rate, max_attempts, route, state, total, created_by, \
          created_at, updated_at, finished_at) VALUES ('c', 't', 'c', 'p', 'p', 0, '', '[]', '{}', 'userpin', \
          'generated', NULL, 0, 3, NULL, 'paused', 0, 'u', 0, 0, NULL)".into()).await;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('c.{i:07}', 'c', 't', 's{i}', '44770{i:07}', NULL, NULL, '{{}}', '{:06}', 'queued', 0, 0, 0, \
                     NULL, NULL, NULL, 0)",
                    i % 1_000_000
                )
            })
            .collect();
        exec(format!(
            "INSERT INTO campaign_messages (id, campaign_id, tenant_id, subscriber_id, msisdn, imsi, imei, vars, \
             pin, state, segments, attempts, next_at, lease_owner, lease_until, error, updated_at) VALUES {}",
            rows.join(",")
        ))
        .await;
    }
    // A database of an earlier version: no key row yet.
    exec("DELETE FROM omacp_data_key".into()).await;
    let t = Instant::now();
    let st = st.unlock(DataKey::from_bytes(&[7; 32])).await.unwrap();
    let took = t.elapsed();
    let clear: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_messages WHERE pin IS NOT NULL AND pin NOT LIKE 'v1:%'",
    )
    .fetch_one(&st.pool)
    .await
    .unwrap();
    assert_eq!(clear, 0);
    println!(
        "sealing {n} clear PINs at first start: {:.2} s ({:.0} PINs/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    st.pool.close().await;
}

fn psql(sql: &str) {
    let ok = Command::new("psql")
        .args(["postgres://postgres@127.0.0.1:5432/postgres", "-qc", sql])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "psql {sql}");
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    micro();
    if args.iter().any(|a| a == "--pg") {
        let name = format!("omacp_pinbench_{}", std::process::id());
        psql(&format!("CREATE DATABASE {name}"));
        legacy(&format!("postgres://postgres@127.0.0.1:5432/{name}"), n).await;
        psql(&format!("DROP DATABASE {name} WITH (FORCE)"));
    } else {
        let dir = std::env::temp_dir().join(format!("omacp-pinbench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        legacy(&format!("sqlite:{}", dir.join("omacp.db").display()), n).await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
