//! Creating a campaign for a larger audience, checked row by row on SQLite and PostgreSQL:
//! who is left out and why (no IMSI, a device model that cannot verify the method or
//! reassemble the push, a value the profile refuses), that every other subscriber of the
//! tenant gets exactly one queue row copying its fields, in id order for a label audience
//! and in list order for a list, and that another tenant's subscribers never appear.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::*;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyPoolOptions;

const N: usize = 1_200;

/// What the test imported for one subscriber.
struct Sub {
    msisdn: String,
    imsi: Option<String>,
    imei: Option<String>,
    apn: Option<String>,
}

impl Sub {
    /// Subscriber `i`: every tenth has no IMSI, every tenth (offset 1) an old phone, every
    /// tenth (offset 2) a phone that takes one SMS and an APN too long for one, every tenth
    /// (offset 3) no APN (the profile has no default); the others one of seven APNs.
    fn nth(i: usize) -> Sub {
        let msisdn = format!("4477012{i:05}");
        let imsi = (!i.is_multiple_of(10)).then(|| format!("00101{:0>10}", &msisdn[2..]));
        let imei = match i % 10 {
            1 => Some(format!("3500000{i:08}")),
            2 => Some(format!("3511111{i:08}")),
            4 => Some(format!("3599999{i:08}")),
            _ => None,
        };
        let apn = match i % 10 {
            2 => Some(format!("{}.example", "a".repeat(180))),
            3 => None,
            _ => Some(format!("apn{}.example", i % 7)),
        };
        Sub {
            msisdn,
            imsi,
            imei,
            apn,
        }
    }

    /// Why NETWPIN leaves this subscriber out (the start of the reason), if it does.
    fn skip_reason(&self) -> Option<&'static str> {
        if self.imsi.is_none() {
            return Some("no valid IMSI (needed by NETWPIN)");
        }
        // The template is filled before the device model is looked at.
        if self.apn.is_none() {
            return Some("apn");
        }
        match self.imei.as_deref().map(|i| &i[..8]) {
            Some("35000000") => Some("device model Old phone does not verify NETWPIN"),
            Some("35111111") => Some("needs "),
            _ => None,
        }
    }
}

fn csv(subs: &[Sub], label: &str, profile: &str) -> String {
    let mut out = String::from("msisdn,imsi,imei,labels,profile_id,var:apn\n");
    for s in subs {
        out.push_str(&format!(
            "{},{},{},{label},{profile},{}\n",
            s.msisdn,
            s.imsi.as_deref().unwrap_or(""),
            s.imei.as_deref().unwrap_or(""),
            s.apn.as_deref().unwrap_or("")
        ));
    }
    out
}

async fn import(api: &Api, body: String) {
    let r = api
        .client
        .post(format!("{}/api/v1/subscribers/import", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "import: {status} {v}");
    assert_eq!(v["errors"], json!([]), "import: {v}");
}

/// A subscriber as the API shows it.
struct Stored {
    id: String,
    imsi: Option<String>,
    imei: Option<String>,
    vars: BTreeMap<String, String>,
}

/// Every subscriber of the caller's tenant, by MSISDN.
async fn stored(api: &Api) -> HashMap<String, Stored> {
    let mut out = HashMap::new();
    let mut cursor = String::new();
    loop {
        let (_, v) = api
            .get(&format!("/api/v1/subscribers?limit=500&cursor={cursor}"))
            .await;
        for s in v["items"].as_array().unwrap() {
            let text = |k: &str| s[k].as_str().map(str::to_owned);
            out.insert(
                text("msisdn").unwrap(),
                Stored {
                    id: text("id").unwrap(),
                    imsi: text("imsi"),
                    imei: text("imei"),
                    vars: serde_json::from_value(s["vars"].clone()).unwrap(),
                },
            );
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => return out,
        }
    }
}

/// One queue row as stored.
#[derive(Debug, PartialEq)]
struct Row_ {
    id: String,
    tenant_id: String,
    subscriber_id: String,
    msisdn: String,
    imsi: Option<String>,
    imei: Option<String>,
    vars: BTreeMap<String, String>,
    pin: Option<String>,
    state: String,
    segments: i64,
    attempts: i64,
    lease_owner: Option<String>,
    error: Option<String>,
}

async fn rows(db: &Db, campaign: &str) -> Vec<Row_> {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db.url())
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT id, tenant_id, subscriber_id, msisdn, imsi, imei, vars, pin, state, segments, attempts, \
         lease_owner, error, next_at, updated_at FROM campaign_messages WHERE campaign_id = $1 ORDER BY id",
    )
    .bind(campaign)
    .fetch_all(&pool)
    .await
    .unwrap();
    let out = rows
        .iter()
        .map(|r| {
            assert_eq!(
                r.get::<i64, _>("next_at"),
                r.get::<i64, _>("updated_at"),
                "due at once"
            );
            Row_ {
                id: r.get("id"),
                tenant_id: r.get("tenant_id"),
                subscriber_id: r.get("subscriber_id"),
                msisdn: r.get("msisdn"),
                imsi: r.get("imsi"),
                imei: r.get("imei"),
                vars: serde_json::from_str(&r.get::<String, _>("vars")).unwrap(),
                pin: r.get("pin"),
                state: r.get("state"),
                segments: r.get("segments"),
                attempts: r.get("attempts"),
                lease_owner: r.get("lease_owner"),
                error: r.get("error"),
            }
        })
        .collect();
    pool.close().await;
    out
}

/// The tenant a subscriber belongs to, read from the database.
async fn tenant_of(db: &Db, subscriber_id: &str) -> String {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db.url())
        .await
        .unwrap();
    let t: String = sqlx::query_scalar("SELECT tenant_id FROM subscribers WHERE id = $1")
        .bind(subscriber_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    t
}

/// The NAPDEF profile with an APN every subscriber must give (no default).
async fn apn_profile(api: &Api) -> String {
    let v = api
        .must_post(
            "/api/v1/profiles",
            json!({
                "name": "apn",
                "template": NAPDEF,
                "variables": [
                    {"name": "apn", "type": "string", "scope": "subscriber"},
                    {"name": "apn_name", "type": "string", "scope": "campaign", "default": "Net"}
                ]
            }),
            201,
        )
        .await;
    v["id"].as_str().unwrap().to_owned()
}

async fn large_audience(db: Db) {
    let s = server(config(&db)).await;
    let api = s.admin.clone();
    let prof = apn_profile(&api).await;
    for (tac, name, methods, max) in [
        ("35000000", "Old phone", json!(["USERPIN"]), 3),
        ("35111111", "Tiny", json!([]), 1),
        ("35999999", "Roomy", json!(["NETWPIN", "USERPIN"]), 10),
    ] {
        api.must_post(
            "/api/v1/device-models",
            json!({"tac": tac, "name": name, "sec_methods": methods, "max_segments": max}),
            201,
        )
        .await;
    }
    let subs: Vec<Sub> = (0..N).map(Sub::nth).collect();
    import(&api, csv(&subs, "bulk", &prof)).await;
    // Another tenant with the same label and some of the same MSISDNs, plus its own.
    let other = enterprise(&api, "acme", &["NAPDEF"], &[]).await;
    let theirs: Vec<Sub> = (0..50)
        .map(|i| Sub::nth(i * 3))
        .chain((0..50).map(|i| Sub {
            msisdn: format!("4477099{i:05}"),
            ..Sub::nth(5)
        }))
        .collect();
    let oprof = apn_profile(&other).await;
    import(&other, csv(&theirs, "bulk", &oprof)).await;

    let ours = stored(&api).await;
    assert_eq!(ours.len(), N);
    let tenant = tenant_of(&db, &ours[&subs[0].msisdn].id).await;

    // Label audience: id order.
    let body = json!({"name": "bulk", "profile_id": prof, "audience": {"label": "bulk"},
                      "sec": "netwpin", "paused": true});
    let c = api.must_post("/api/v1/campaigns", body, 201).await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let mut expected: Vec<&Sub> = subs.iter().filter(|s| s.skip_reason().is_none()).collect();
    expected.sort_by_key(|s| &ours[&s.msisdn].id);
    let left_out: Vec<&Sub> = subs.iter().filter(|s| s.skip_reason().is_some()).collect();
    assert_eq!(c["total"].as_u64(), Some(expected.len() as u64), "{c}");
    assert_eq!(c["skipped_count"].as_u64(), Some(left_out.len() as u64));
    // The answer lists the first 1,000 left out, each once, with its reason.
    let skipped = c["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), left_out.len().min(1000));
    let by_msisdn: HashMap<&str, &Sub> = subs.iter().map(|s| (s.msisdn.as_str(), s)).collect();
    for k in skipped {
        let sub = by_msisdn[k["msisdn"].as_str().unwrap()];
        let reason = k["reason"].as_str().unwrap();
        let want = sub
            .skip_reason()
            .expect("only subscribers that must be left out");
        match want {
            "apn" => assert!(reason.contains("apn"), "{reason}"),
            "needs " => assert!(
                reason.starts_with("needs ")
                    && reason.ends_with("SMS; device model Tiny reassembles at most 1"),
                "{reason}"
            ),
            w => assert_eq!(reason, w),
        }
    }
    let got = rows(&db, &cid).await;
    assert_eq!(got.len(), expected.len());
    for (n, (r, s)) in got.iter().zip(&expected).enumerate() {
        let o = &ours[&s.msisdn];
        let want = Row_ {
            id: format!("{cid}.{:07}", n + 1),
            tenant_id: tenant.clone(),
            subscriber_id: o.id.clone(),
            msisdn: s.msisdn.clone(),
            imsi: o.imsi.clone(),
            imei: o.imei.clone(),
            vars: o.vars.clone(),
            pin: None,
            state: "queued".into(),
            segments: 0,
            attempts: 0,
            lease_owner: None,
            error: None,
        };
        assert_eq!(*r, want, "row {n}");
        assert_eq!(
            r.vars.get("apn"),
            s.apn.as_ref(),
            "the subscriber's values are copied"
        );
    }
    let (_, v) = api.get(&format!("/api/v1/campaigns/{cid}")).await;
    assert_eq!(v["stats"]["queued"].as_u64(), Some(expected.len() as u64));
    let (_, hist) = api.get(&format!("/api/v1/campaigns/{cid}/history")).await;
    assert_eq!(hist.as_array().unwrap().len(), 1, "{hist}");
    assert_eq!(hist[0]["state"], "queued");
    assert_eq!(hist[0]["n"].as_u64(), Some(expected.len() as u64));

    // List audience, USERPIN with generated PINs: list order, first occurrence of each
    // MSISDN (in any spelling), unknown ones and the other tenant's reported as such.
    let picks: Vec<usize> = (0..N).rev().step_by(7).collect();
    let mut list: Vec<String> = Vec::new();
    for &i in &picks {
        list.push(format!("+{}", subs[i].msisdn));
        if i % 5 == 0 {
            list.push(subs[i].msisdn.clone());
        }
    }
    list.insert(3, "447709900001".into());
    list.insert(10, "no-such-number".into());
    let body = json!({"name": "list", "profile_id": prof, "audience": {"msisdns": list},
                      "sec": "userpin", "pin_length": 6, "paused": true});
    let c = api.must_post("/api/v1/campaigns", body, 201).await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let skipped = c["skipped"].as_array().unwrap();
    assert_eq!(
        skipped[..2]
            .iter()
            .map(|k| (k["msisdn"].as_str().unwrap(), k["reason"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [
            ("447709900001", "no such subscriber"),
            ("no-such-number", "no such subscriber")
        ],
        "unknown MSISDNs first, in list order"
    );
    // USERPIN needs no IMSI and the old phone verifies it; no APN is still refused.
    let expected: Vec<&Sub> = picks
        .iter()
        .map(|&i| &subs[i])
        .filter(|s| {
            let tiny = s.imei.as_deref().is_some_and(|i| i.starts_with("35111111"));
            s.apn.is_some() && !tiny
        })
        .collect();
    assert_eq!(c["total"].as_u64(), Some(expected.len() as u64), "{c}");
    assert_eq!(
        c["skipped_count"].as_u64(),
        Some((2 + picks.len() - expected.len()) as u64)
    );
    let got = rows(&db, &cid).await;
    assert_eq!(got.len(), expected.len());
    let mut pins = std::collections::HashSet::new();
    for (n, (r, s)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(r.id, format!("{cid}.{:07}", n + 1));
        assert_eq!(
            (&r.tenant_id, &r.subscriber_id, &r.msisdn, &r.imsi, &r.imei),
            (
                &tenant,
                &ours[&s.msisdn].id,
                &s.msisdn,
                &ours[&s.msisdn].imsi,
                &ours[&s.msisdn].imei
            ),
            "row {n}"
        );
        // Stored sealed (docs/secrets-at-rest.md); the clear PINs come from `/pins`.
        let sealed = r.pin.as_deref().expect("a generated PIN per message");
        assert!(sealed.starts_with("v1:"), "row {n}: {sealed}");
    }
    let (st, v) = api.get(&format!("/api/v1/campaigns/{cid}/pins")).await;
    assert_eq!(st.as_u16(), 200, "{v}");
    let listed = v.as_array().unwrap();
    assert_eq!(listed.len(), expected.len());
    for (e, s) in listed.iter().zip(&expected) {
        assert_eq!(e["msisdn"].as_str(), Some(s.msisdn.as_str()));
        let pin = e["pin"].as_str().unwrap();
        assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()));
        pins.insert(pin.to_owned());
    }
    assert!(
        pins.len() > expected.len() / 2,
        "PINs are drawn per message"
    );

    // The other tenant's label audience holds only its own subscribers.
    let body = json!({"name": "theirs", "profile_id": oprof, "audience": {"label": "bulk"},
                      "sec": "userpin", "pin": "1234", "paused": true});
    let c = other.must_post("/api/v1/campaigns", body, 201).await;
    let got = rows(&db, c["id"].as_str().unwrap()).await;
    let mut want: Vec<&str> = theirs
        .iter()
        .filter(|s| s.apn.is_some())
        .map(|s| s.msisdn.as_str())
        .collect();
    want.sort_unstable();
    let mut have: Vec<&str> = got.iter().map(|r| r.msisdn.as_str()).collect();
    have.sort_unstable();
    assert_eq!(have, want);
    assert!(got.iter().all(|r| r.tenant_id != tenant && r.pin.is_none()));
    db.drop_db().await;
}
both_backends!(large_audience);
