//! The web UI over real HTTP: sign-in with a login-CSRF token and a strict cookie, pages
//! need a session, forms need the session's CSRF token, field-level diagnostics, CSV
//! import, and another tenant's objects answer 404.

mod common;

use common::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="_csrf"` in a page.
fn csrf_in(html: &str) -> String {
    let i = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a CSRF field")
        + 20;
    html[i..i + 64].to_string()
}

/// A browser-like session: a cookie jar of one session cookie.
struct Web {
    base: String,
    c: Client,
    cookie: String,
}

impl Web {
    async fn get(&self, path: &str) -> (StatusCode, String, String) {
        let r = self
            .c
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status(), loc, r.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status(), loc, r.text().await.unwrap())
    }

    /// The page's CSRF token.
    async fn csrf(&self) -> String {
        let (st, _, html) = self.get("/ui/profiles").await;
        assert_eq!(st, StatusCode::OK);
        csrf_in(&html)
    }
}

/// Signs in through the sign-in form; returns the session.
async fn sign_in(base: &str, tenant: &str, user: &str, password: &str) -> Web {
    let c = client();
    let r = c.get(format!("{base}/ui/sign-in")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let login_cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"));
    let login_cookie = login_cookie.split(';').next().unwrap().to_string();
    let token = csrf_in(&r.text().await.unwrap());
    let form = [
        ("_csrf", token.as_str()),
        ("tenant", tenant),
        ("username", user),
        ("password", password),
    ];
    let r = c
        .post(format!("{base}/ui/sign-in"))
        .header(COOKIE, &login_cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("omacp_session=omacp_ses_"), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    Web {
        base: base.into(),
        c,
        cookie: set.split(';').next().unwrap().to_string(),
    }
}

async fn web_ui(db: Db) {
    let s = server(config(&db)).await;
    let base = s.base.clone();
    let first = s.started.first_admin.as_ref().unwrap();
    let anon = Web {
        base: base.clone(),
        c: client(),
        cookie: String::new(),
    };

    // Pages need a session; the UI ignores bearer tokens.
    let (st, loc, _) = anon.get("/ui/profiles").await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, "/ui/sign-in"));
    let r = client()
        .get(format!("{base}/ui/subscribers"))
        .bearer_auth(s.admin.token.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (st, _, css) = anon.get("/ui/assets/app.css").await;
    assert_eq!(st, StatusCode::OK);
    assert!(css.contains("@media"));

    // Sign-in: without the login token it is refused; a wrong password is re-shown.
    let (st, _, _) = anon
        .post(
            "/ui/sign-in",
            &[
                ("tenant", "operator"),
                ("username", "admin"),
                ("password", &first.password),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let op = sign_in(&base, "operator", "admin", &first.password).await;
    let csrf = op.csrf().await;

    // A service form: an error lands at its field, nothing is stored; then fixed.
    let (st, _, html) = op.get("/ui/profiles/new/apn").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("<label for=\"f-apn\">"));
    let mut form = vec![
        ("name", "Web APN"),
        ("napid", "INTERNET"),
        ("nap_name", "Internet"),
        ("apn", "internet.example.net"),
        ("bearer", "GSM-GPRS"),
        ("dns", "999.1.2.3"),
        ("action", "save"),
    ];
    let (st, _, _) = op.post("/ui/profiles/new/apn", &form).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no CSRF token");
    form.push(("_csrf", &csrf));
    let (st, _, html) = op.post("/ui/profiles/new/apn", &form).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-dns\""), "diagnostic at the DNS field");
    assert!(!html.contains("id=\"e-apn\""));
    form.retain(|(k, _)| *k != "dns");
    form.push(("dns", "192.0.2.53"));
    let (st, loc, _) = op.post("/ui/profiles/new/apn", &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/ui/profiles/prf_"), "{loc}");
    let pid = loc
        .trim_start_matches("/ui/profiles/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (st, _, html) = op.get(&loc).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("id=\"wbxml-size\""), "preview shown");
    assert!(html.contains("NETWPIN"));

    // CSV import with its per-line report.
    let csv = "msisdn,imsi,labels\n+15550001,001010000000001,web\nnot-a-number,,\n15550002,,web\n";
    let (st, _, html) = op
        .post("/ui/subscribers/import", &[("_csrf", &csrf), ("csv", csv)])
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("<strong id=\"imported\">2</strong>"),
        "{html}"
    );
    assert!(html.contains("<td>3</td>"), "line 3 refused");
    let (_, _, html) = op.get("/ui/subscribers?label=web").await;
    assert!(html.contains("15550001") && html.contains("15550002"));

    // Another tenant sees none of it, and another tenant's ids are 404.
    let ent = enterprise(&s.admin, "acme", &["APPLICATION"], &["25"]).await;
    let other = Web {
        base: base.clone(),
        c: client(),
        cookie: format!("omacp_session={}", ent.token.as_ref().unwrap()),
    };
    let other_csrf = other.csrf().await;
    let (_, _, html) = other.get("/ui/profiles").await;
    assert!(!html.contains("Web APN"));
    let (_, _, html) = other.get("/ui/subscribers").await;
    assert!(!html.contains("15550001"));
    let (st, _, _) = other.get(&format!("/ui/profiles/{pid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = other
        .post(
            &format!("/ui/profiles/{pid}/delete"),
            &[("_csrf", &other_csrf)],
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // One session's token does not work for another session.
    let (st, _, _) = other
        .post(&format!("/ui/profiles/{pid}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Enterprise admins have no tenant administration.
    let (st, _, _) = other.get("/ui/admin/tenants").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = op.get(&format!("/ui/profiles/{pid}")).await;
    assert_eq!(st, StatusCode::OK, "still there");

    // A campaign created paused through the form; resume needs the token; another
    // tenant gets 404 for it.
    let (st, loc, _) = op
        .post(
            "/ui/campaigns/new",
            &[
                ("_csrf", &csrf),
                ("name", "web wave"),
                ("profile_id", &pid),
                ("audience", "label"),
                ("label", "web"),
                ("sec", "netwpin"),
                ("paused", "1"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/ui/campaigns/cmp_"), "{loc}");
    let cid = loc
        .trim_start_matches("/ui/campaigns/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (st, _, html) = op.get(&format!("/ui/campaigns/{cid}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(">paused<"), "created paused");
    assert!(
        html.contains("data-refresh"),
        "unfinished: the page refreshes"
    );
    let (st, _, _) = op
        .post(&format!("/ui/campaigns/{cid}/resume"), &[("_csrf", "x")])
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = other.get(&format!("/ui/campaigns/{cid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = other
        .post(
            &format!("/ui/campaigns/{cid}/cancel"),
            &[("_csrf", &other_csrf)],
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = op
        .post(&format!("/ui/campaigns/{cid}/cancel"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, _, html) = op.get(&format!("/ui/campaigns/{cid}")).await;
    assert!(html.contains(">cancelled<"), "cancelled");
    assert!(
        !html.contains("data-refresh"),
        "finished: the page stops refreshing"
    );
    // Every message final but the campaign still `running` (the moment before the
    // runner's sweep marks it done): the page must keep refreshing, or it would show
    // `running` for good. The sweep may win the race to this page; then it shows `done`.
    let store = omacp_server::Store::open(&db.url()).await.unwrap();
    sqlx::query("UPDATE campaigns SET state = 'running', finished_at = NULL WHERE id = $1")
        .bind(&cid)
        .execute(&store.pool)
        .await
        .unwrap();
    store.pool.close().await;
    let (_, _, html) = op.get(&format!("/ui/campaigns/{cid}")).await;
    if html.contains(">running<") {
        assert!(html.contains("data-refresh"), "running: the page refreshes");
    } else {
        assert!(html.contains(">done<") && !html.contains("data-refresh"));
    }
    // The subscriber's page lists what campaigns did for them; another tenant gets 404.
    let (_, _, html) = op.get("/ui/subscribers?label=web").await;
    let sid = html
        .split("<tr")
        .find(|row| row.contains(">15550001<"))
        .and_then(|row| row.split("href=\"/ui/subscribers/").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("subscriber row with a link")
        .to_string();
    let (st, _, html) = op.get(&format!("/ui/subscribers/{sid}")).await;
    assert_eq!(st, StatusCode::OK);
    let sent = html
        .split("Provisioning messages sent")
        .nth(1)
        .expect("sent messages section");
    assert!(
        sent.contains("web wave") && sent.contains("<td>cancelled</td>"),
        "{sent}"
    );
    let (st, _, _) = other.get(&format!("/ui/subscribers/{sid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A campaign form error is shown on the form and the PIN is not echoed.
    let (st, _, html) = op
        .post(
            "/ui/campaigns/new",
            &[
                ("_csrf", &csrf),
                ("name", "no pin"),
                ("profile_id", &pid),
                ("audience", "all"),
                ("sec", "netwpin"),
                ("pin", "918273"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"campaign-error\""));
    assert!(!html.contains("918273"));

    // Admin pages render.
    for page in [
        "/ui/audit?action=profile.",
        "/ui/admin/users",
        "/ui/admin/tenants",
        "/ui/devices",
    ] {
        let (st, _, html) = op.get(page).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert!(html.contains("<h1>"));
    }

    // Sign out ends the session.
    let (st, loc, _) = op.post("/ui/sign-out", &[("_csrf", &csrf)]).await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, "/ui/sign-in"));
    let (st, loc, _) = op.get("/ui/profiles").await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, "/ui/sign-in"));
    db.drop_db().await;
}

both_backends!(web_ui);
