//! Holding against a hostile browser: cross-site requests are refused, every response carries
//! the security headers, signing out ends the session's streams, and server functions answer
//! bad bodies with 4xx.

use std::time::Duration;

use crate::common::{Client, Db, SseReader, TestServer};
use app::domain::UserRole;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const EVIL: &str = "http://evil.example";
/// What the origin check's refusal says (and no other 403 does).
const REFUSED: &str = "not from Sitrep's own pages";

/// Every request that changes something: each route the OpenAPI document lists with a method
/// other than GET, each server function, and the sign-in form's two doors. Sign-in and sign-out
/// come last (the same-origin walk signs out).
async fn changing_routes(
    client: &Client,
    id: i64,
    event: i64,
    service: i64,
) -> Vec<(Method, String)> {
    let doc = client.ok(Method::GET, "/api/v1/openapi.json", None).await;
    let mut routes = Vec::new();
    let mut last = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if method == Method::GET {
                continue;
            }
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{event_id}", &event.to_string())
                .replace("{service_id}", &service.to_string())
                .replace("{milestone}", "started");
            assert!(!concrete.contains('{'), "a placeholder left in {concrete}");
            if path == "/api/v1/session" {
                last.push((method, concrete));
            } else {
                routes.push((method, concrete));
            }
        }
    }
    let mut fns: Vec<(Method, String)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(_, method)| method != Method::GET)
        .map(|(path, method)| (method, path.to_owned()))
        .collect();
    fns.sort_by(|a, b| a.1.cmp(&b.1));
    assert!(fns.len() >= 12, "server functions found: {fns:?}");
    routes.extend(fns);
    routes.push((Method::POST, "/auth/login".into()));
    routes.extend(last);
    routes.push((Method::POST, "/auth/logout".into()));
    routes
}

/// A body that would do something for an admin, whatever the route wants.
fn body_for(path: &str, admin: &Client, svc: i64) -> Value {
    if path.starts_with("/auth/login") || path == "/api/v1/session" {
        return json!({"email": admin.user.as_ref().unwrap().email, "password": crate::common::PASSWORD});
    }
    json!({
        "title": "t", "severity": "sev1", "summary": "", "body": "hi", "reason": "r",
        "status": "investigating", "customer_impact": "x", "affected": "all", "service_id": svc,
        "visibility": "public", "name": "Renamed", "owner_team": "T", "tier": 1,
        "role": "scribe", "person": admin.user.as_ref().unwrap().id, "team": "T", "on_call": true,
        "incident_id": 1, "command": {"lifecycle": {"type": "acknowledge"}}
    })
}

async fn send(
    client: &Client,
    method: &Method,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, String, bool) {
    let mut req = client
        .http
        .request(method.clone(), format!("{}{path}", client.base));
    req = if path.starts_with("/auth/") {
        // The sign-in page's plain form.
        let form: Vec<(String, String)> = body
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect();
        req.form(&form)
    } else {
        req.json(&body)
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sets_cookie = res.headers().contains_key("set-cookie");
    (
        status,
        ct,
        res.text().await.unwrap_or_default(),
        sets_cookie,
    )
}

/// What a signed-in admin can see: it must not change under a refused request.
async fn everything(server: &TestServer, admin: &Client) -> Vec<Value> {
    let mut all = vec![json!(server.store.last_event_id().await.unwrap())];
    for path in [
        "/api/v1/me",
        "/api/v1/incidents",
        "/api/v1/services",
        "/api/v1/roles",
        "/api/v1/sla/policy",
        "/api/v1/people",
    ] {
        let mut value = admin.ok(Method::GET, path, None).await;
        // Clocks tick; what they count from does not. (The incidents list is a page, with the
        // time its clocks were read at.)
        if let Some(page) = value.as_object_mut() {
            page.remove("server_time");
        }
        let list = match value.get_mut("incidents") {
            Some(page) => page.as_array_mut(),
            None => value.as_array_mut(),
        };
        if let Some(list) = list {
            for item in list {
                if let Some(o) = item.as_object_mut() {
                    o.remove("server_time");
                    o.remove("sla");
                }
            }
        }
        all.push(value);
    }
    all
}

on_both_stores!(
    cross_site_requests_are_refused_on_every_changing_route,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let id = admin.declare("Target", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let event = admin.note(id, "a note").await["id"].as_i64().unwrap();
        let svc = admin
            .ok(
                Method::POST,
                "/api/v1/services",
                Some(json!({"name": "Payments", "owner_team": "T", "tier": 1})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let routes = changing_routes(&admin, id, event, svc).await;
        assert!(routes.len() >= 40, "walked only {routes:?}");
        let before = everything(&server, &admin).await;

        let foreign: [&[(&str, &str)]; 3] = [
            &[("origin", EVIL)],
            &[("sec-fetch-site", "cross-site")],
            &[("referer", "http://evil.example/page")],
        ];
        for headers in foreign {
            for (method, path) in &routes {
                let body = body_for(path, &admin, svc);
                let (status, ct, text, cookie) = send(&admin, method, path, body, headers).await;
                assert_eq!(status, 403, "{method} {path} {headers:?}: {text}");
                assert!(text.contains(REFUSED), "{method} {path}: {text}");
                let ct = ct.unwrap_or_default();
                if path.starts_with("/fn/") {
                    // Server functions decode `AppError` JSON.
                    let error: app::domain::AppError = serde_json::from_str(&text).unwrap();
                    assert_eq!(error.kind, app::domain::ErrorKind::Forbidden);
                } else {
                    assert_eq!(ct, "application/problem+json", "{method} {path}");
                }
                // No login CSRF: no session is made (or ended) for a foreign page.
                assert!(!cookie, "{method} {path} set a cookie");
            }
        }
        assert_eq!(everything(&server, &admin).await, before, "nothing changed");

        // From our own pages, and from no page at all (scripts), the check lets them through.
        let own = server.base.clone();
        let ours: [&[(&str, &str)]; 3] = [
            &[("origin", own.as_str())],
            &[("sec-fetch-site", "same-origin")],
            &[],
        ];
        for headers in ours {
            for (method, path) in &routes {
                let body = body_for(path, &admin, svc);
                let (status, _, text, _) = send(&admin, method, path, body, headers).await;
                assert!(
                    !(status == 403 && text.contains(REFUSED)),
                    "{method} {path} {headers:?} refused: {text}"
                );
            }
            // The walk ends signed out: sign in again for the next one.
            let res = admin
                .post_json(
                    "/api/v1/session",
                    json!({"email": admin.user.as_ref().unwrap().email, "password": crate::common::PASSWORD}),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
        server.stop().await;
    }
);

#[tokio::test]
async fn login_from_a_foreign_page_makes_no_session() {
    let server = TestServer::start(Db::sqlite()).await;
    let user = server
        .user("victim@example.test", "Victim", UserRole::Responder)
        .await;
    let browser = Client::anonymous(&server.base);
    let form = [
        ("email", user.email.as_str()),
        ("password", crate::common::PASSWORD),
        ("next", "/incidents"),
    ];
    let res = browser
        .http
        .post(server.url("/auth/login"))
        .header("origin", EVIL)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(browser.get("/api/v1/me").await.status(), 401);
    // The same form from our own page signs in.
    let res = browser
        .http
        .post(server.url("/auth/login"))
        .header("origin", &server.base)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(browser.get("/api/v1/me").await.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn a_bearer_token_request_is_not_subject_to_the_origin_check() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.client(UserRole::Admin).await;
    let res = admin
        .http
        .post(server.url("/api/v1/incidents"))
        .header("origin", EVIL)
        .header("authorization", "Bearer some-token")
        .json(&json!({"title": "x", "severity": "sev2", "summary": ""}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(
        !(status == 403 && text.contains(REFUSED)),
        "refused: {text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_configured_public_url_is_the_only_own_origin() {
    let db = Db::sqlite();
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let options = sitrep::Options {
        site_root: "target/site".into(),
        public_url: Some("https://sitrep.example.com/".into()),
        ..Default::default()
    };
    let running = sitrep::start_with(store.clone(), listener, options)
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    let client = Client::anonymous(&base);
    let login = |origin: &'static str| {
        client
            .http
            .post(format!("{base}/auth/login"))
            .header("origin", origin)
            .form(&[("email", "a@b.c"), ("password", "x")])
            .send()
    };
    // The proxy forwards to us under another Host: the public URL decides.
    assert_eq!(
        login("https://sitrep.example.com").await.unwrap().status(),
        303
    );
    let own_host: &'static str = Box::leak(base.clone().into_boxed_str());
    assert_eq!(login(own_host).await.unwrap().status(), 403);
    assert_eq!(
        login("http://sitrep.example.com").await.unwrap().status(),
        403
    );
    running.shutdown().await;
    store.close().await;

    // A public URL that is not one stops the server from starting.
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let options = sitrep::Options {
        public_url: Some("sitrep.example.com".into()),
        ..Default::default()
    };
    assert!(sitrep::start_with(store.clone(), listener, options)
        .await
        .is_err());
    store.close().await;
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The nonce the CSP allows scripts by, and that every script tag of the page carries it.
async fn assert_page_scripts_match_the_policy(res: reqwest::Response) {
    let csp = header(&res, "content-security-policy").expect("a CSP");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP")
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    for directive in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "default-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let html = res.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the page has scripts");
    for script in scripts {
        let tag = script.split('>').next().unwrap();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "script tag <script{tag}> lacks the nonce {nonce}"
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/sitrep.css"), "body{}").unwrap();
    let options = sitrep::Options {
        site_root: site.path().display().to_string(),
        ..Default::default()
    };
    let server = TestServer::start_with(Db::sqlite(), options).await;
    let me = server.client(UserRole::Responder).await;
    let id = me.declare("Headers", "sev2").await["id"].as_i64().unwrap();

    for path in [
        "/incidents".to_owned(),
        format!("/incidents/{id}"),
        "/nowhere".to_owned(),
        "/api/v1/incidents".to_owned(),
        "/login".to_owned(),
        "/pkg/sitrep.css".to_owned(),
    ] {
        let res = me.get(&path).await;
        assert!(res.status().as_u16() < 500, "{path}");
        assert_eq!(
            header(&res, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&res, "referrer-policy").as_deref(),
            Some("same-origin"),
            "{path}"
        );
        assert!(header(&res, "content-security-policy").is_some(), "{path}");
        assert_eq!(header(&res, "strict-transport-security"), None, "{path}");
        let cache = header(&res, "cache-control");
        if path.starts_with("/pkg/") {
            assert_eq!(res.status(), 200);
            assert_ne!(
                cache.as_deref(),
                Some("no-store"),
                "{path} keeps its caching"
            );
        } else {
            assert_eq!(cache.as_deref(), Some("no-store"), "{path}");
        }
    }
    // Signed-in pages, and the not-found page too: Leptos' scripts carry the header's nonce.
    for path in [
        "/incidents".to_owned(),
        format!("/incidents/{id}"),
        "/nowhere".into(),
    ] {
        let res = me.get(&path).await;
        assert!(header(&res, "content-type")
            .unwrap()
            .starts_with("text/html"));
        assert_page_scripts_match_the_policy(res).await;
    }
    // A fresh nonce for each page.
    let a = header(&me.get("/incidents").await, "content-security-policy");
    let b = header(&me.get("/incidents").await, "content-security-policy");
    assert_ne!(a, b);
    // An error answer too.
    let res = me.get("/api/v1/incidents/999999").await;
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        header(&res, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    server.stop().await;
}

#[tokio::test]
async fn hsts_only_with_secure_cookies() {
    let db = Db::sqlite();
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = sitrep::start(store.clone(), listener, "target/site", true)
        .await
        .unwrap();
    let client = Client::anonymous(&format!("http://{}", running.addr));
    for path in ["/login", "/api/v1/me", "/healthz"] {
        let res = client.get(path).await;
        let hsts = header(&res, "strict-transport-security").unwrap_or_default();
        assert!(hsts.starts_with("max-age="), "{path}: {hsts:?}");
    }
    running.shutdown().await;
    store.close().await;
}

/// The same browser (the same cookie) at another instance's address.
fn same_browser_at(client: &Client, base: &str) -> Client {
    Client {
        http: client.http.clone(),
        base: base.to_owned(),
        user: client.user.clone(),
    }
}

on_both_stores!(
    signing_out_ends_the_sessions_streams_on_every_instance,
    |db: Db| async move {
        let is_postgres = matches!(db, Db::Postgres { .. });
        let server = TestServer::start(db).await;
        let me = server.client(UserRole::Responder).await;
        let someone_else = server.client(UserRole::Responder).await;
        let id = me.declare("Streaming", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let topics = format!("/api/v1/stream?topics=incidents,incident:{id}");
        let mut mine = SseReader::open(&me, &topics, None).await;
        let mut theirs = SseReader::open(&someone_else, &topics, None).await;
        let second = if is_postgres {
            Some(server.another_instance().await)
        } else {
            None
        };
        let mut mine_elsewhere = match &second {
            Some((running, _)) => {
                let there = same_browser_at(&me, &format!("http://{}", running.addr));
                Some(SseReader::open(&there, &topics, None).await)
            }
            None => None,
        };
        // Both streams are live.
        someone_else.note(id, "before").await;
        assert_eq!(mine.next().await.event, "note_added");
        if let Some(s) = mine_elsewhere.as_mut() {
            assert_eq!(s.next().await.event, "note_added");
        }

        let res = me.send(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(res.status(), 204);
        assert!(
            mine.ends_within(Duration::from_secs(8)).await,
            "the stream outlived its session"
        );
        if let Some(s) = mine_elsewhere.as_mut() {
            assert!(
                s.ends_within(Duration::from_secs(8)).await,
                "the other instance's stream outlived its session"
            );
        }
        // Someone else's session goes on, and so does their stream.
        someone_else.note(id, "after").await;
        assert_eq!(theirs.next().await.event, "note_added");
        assert!(!theirs.ends_within(Duration::from_secs(3)).await);
        if let Some((running, store)) = second {
            running.shutdown().await;
            store.close().await;
        }
        server.stop().await;
    }
);

on_both_stores!(an_expired_sessions_streams_end, |db: Db| async move {
    let is_postgres = matches!(db, Db::Postgres { .. });
    let url = db.url();
    let server = TestServer::start(db).await;
    let me = server.client(UserRole::Responder).await;
    let mut stream = SseReader::open(&me, "/api/v1/stream?topics=incidents", None).await;
    assert!(!stream.ends_within(Duration::from_secs(3)).await);
    // Every session's time runs out (as after 14 idle days).
    let past = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    if is_postgres {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE tower_sessions.session SET expiry_date = $1")
            .bind(past)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("UPDATE tower_sessions SET expiry_date = ?")
            .bind(past)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    assert!(
        stream.ends_within(Duration::from_secs(8)).await,
        "the stream outlived its session"
    );
    assert_eq!(me.get("/api/v1/me").await.status(), 401);
    server.stop().await;
});

/// A server function's answer to a bad body: 4xx with an `AppError`, never 500.
async fn assert_client_error(res: reqwest::Response, expected: Option<u16>, what: &str) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    match expected {
        Some(expected) => assert_eq!(status, expected, "{what}: {text}"),
        None => assert!((400..500).contains(&status), "{what}: {status} {text}"),
    }
    let error: app::domain::AppError =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    assert!(!error.message.is_empty());
}

#[tokio::test]
async fn server_functions_answer_bad_bodies_with_4xx() {
    let server = TestServer::start(Db::sqlite()).await;
    let me = server.client(UserRole::Responder).await;
    let id = me.declare("Bodies", "sev2").await["id"].as_i64().unwrap();
    let post = |path: &str, ct: &str, body: Vec<u8>| {
        me.http
            .post(server.url(path))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";

    let huge = vec![b'a'; 10 * 1024 * 1024];
    for (path, ct) in [("/fn/act", json), ("/fn/note", form)] {
        let res = post(path, ct, huge.clone()).await.unwrap();
        assert_client_error(res, Some(413), &format!("10 MB to {path}")).await;
    }
    // Too large without saying so up front (chunked).
    let chunks =
        futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 256 * 1024])));
    let res = me
        .http
        .post(server.url("/fn/note"))
        .header("content-type", form)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_client_error(res, Some(413), "10 MB chunked to /fn/note").await;

    let deep = format!(
        "{{\"incident_id\":{id},\"command\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let res = post("/fn/act", json, deep.into_bytes()).await.unwrap();
    assert_client_error(res, None, "JSON nested 10,000 deep").await;

    let mut bad_utf8 = format!("{{\"incident_id\":{id},\"command\":{{\"type\":\"").into_bytes();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    bad_utf8.extend_from_slice(b"\"}}");
    let res = post("/fn/act", json, bad_utf8).await.unwrap();
    assert_client_error(res, None, "invalid UTF-8 to /fn/act").await;
    let mut bad_utf8 = format!("incident_id={id}&body=").into_bytes();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    let res = post("/fn/note", form, bad_utf8).await.unwrap();
    assert_client_error(res, None, "invalid UTF-8 to /fn/note").await;

    let res = post("/fn/act", json, b"{\"incident_id\": 1, \"comm".to_vec())
        .await
        .unwrap();
    assert_client_error(res, None, "JSON cut short").await;

    // The server is fine, and a good request still works.
    let res = post(
        "/fn/note",
        form,
        format!("incident_id={id}&body=still+here").into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_half_way_is_cut() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = Db::sqlite();
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let options = sitrep::Options {
        site_root: "target/site".into(),
        body_timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let running = sitrep::start_with(store.clone(), listener, options)
        .await
        .unwrap();
    let addr = running.addr;
    for path in ["/fn/note", "/api/v1/session"] {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: 1000\r\n\r\n{{\"email\": \"a"
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        // ... and nothing more. The server answers (or hangs up) by itself.
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
            .await
            .expect("the server cut the request off");
        assert!(read.is_ok() || answer.is_empty());
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{path}: {answer}"
        );
    }
    // Still healthy.
    let client = Client::anonymous(&format!("http://{addr}"));
    assert_eq!(client.get("/healthz").await.status(), 200);
    running.shutdown().await;
    store.close().await;
}
