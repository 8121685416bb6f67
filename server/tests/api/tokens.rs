//! Sign-in limits and API tokens against a real server, on SQLite and on PostgreSQL.

use std::time::Duration;

use crate::common::{assert_problem, Client, Db, TestServer, PASSWORD};
use app::domain::UserRole;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sitrep::http::sign_in::limits::SignInLimits;

const LOCALHOST: &str = "127.0.0.1";

fn limits(window_secs: u64) -> SignInLimits {
    SignInLimits {
        window: Duration::from_secs(window_secs),
        ..SignInLimits::default()
    }
}

/// A server on `db` with these sign-in limits and trusted proxies.
async fn start(db: Db, sign_in: SignInLimits, trusted: &[&str]) -> TestServer {
    TestServer::start_with(db, options(sign_in, trusted)).await
}

fn options(sign_in: SignInLimits, trusted: &[&str]) -> sitrep::Options {
    sitrep::Options {
        site_root: "target/site".into(),
        sign_in,
        trusted_proxies: trusted.iter().map(|ip| ip.parse().unwrap()).collect(),
        ..sitrep::Options::default()
    }
}

async fn start_instance(
    store: &std::sync::Arc<dyn sitrep::store::Store>,
    sign_in: SignInLimits,
    trusted: &[&str],
) -> sitrep::Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    sitrep::start_with(store.clone(), listener, options(sign_in, trusted))
        .await
        .expect("start")
}

/// `POST /api/v1/session` from a fresh client, claiming `forwarded_for` if given.
async fn sign_in(
    base: &str,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let client = Client::anonymous(base);
    let mut req = client
        .http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": password}));
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.expect("sign in")
}

/// `POST /auth/login` (the sign-in page's form).
async fn sign_in_form(base: &str, email: &str, password: &str) -> reqwest::Response {
    Client::anonymous(base)
        .http
        .post(format!("{base}/auth/login"))
        .form(&[
            ("email", email),
            ("password", password),
            ("next", "/incidents"),
        ])
        .send()
        .await
        .expect("sign in by form")
}

async fn fail_times(base: &str, email: &str, times: usize, forwarded_for: Option<&str>) {
    for i in 0..times {
        let res = sign_in(base, email, "wrong-password", forwarded_for).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "failure {}", i + 1);
    }
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

/// Asserts a 429 problem with a `Retry-After` of at most `window` seconds; returns it.
async fn assert_limited(res: reqwest::Response, window: u64) -> u64 {
    let wait = retry_after(&res);
    assert!((1..=window).contains(&wait), "Retry-After {wait}");
    let body = assert_problem(res, 429, "Too many failed sign-ins").await;
    assert_eq!(body["code"], "too_many_requests");
    wait
}

on_both_stores!(ten_failures_then_429_on_both_routes, |db: Db| async move {
    let server = start(db, limits(600), &[]).await;
    server
        .user("ic@example.test", "Ida Commander", UserRole::Responder)
        .await;
    fail_times(&server.base, "ic@example.test", 10, None).await;

    // The 11th attempt is refused, the right password too; by either route.
    let res = sign_in(&server.base, "ic@example.test", "wrong-password", None).await;
    assert_limited(res, 600).await;
    let res = sign_in(&server.base, "IC@example.test", PASSWORD, None).await;
    assert_limited(res, 600).await;
    let res = sign_in_form(&server.base, "ic@example.test", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res);
    assert!((1..=600).contains(&wait), "Retry-After {wait}");
    assert!(res.headers().get("set-cookie").is_none(), "no session");
    let page = res.text().await.unwrap();
    assert!(page.contains("Too many failed sign-ins"), "{page}");
    assert!(
        page.contains("url=/login?error=throttled&amp;retry="),
        "back to the sign-in page: {page}"
    );

    // The sign-in page says it in words.
    let login = Client::anonymous(&server.base)
        .get(&format!("/login?error=throttled&retry={wait}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains("Too many failed sign-ins"), "{login}");
    assert!(login.contains("minutes"), "{login}");
});

on_both_stores!(
    a_burst_gets_no_more_guesses_than_a_sequence,
    |db: Db| async move {
        let server = start(db, limits(600), &[]).await;
        server
            .user("ic@example.test", "Ida Commander", UserRole::Responder)
            .await;
        // Twenty at once: at most ten passwords are checked, the others are refused unchecked.
        let attempts = (0..20).map(|_| sign_in(&server.base, "ic@example.test", "wrong", None));
        let statuses: Vec<StatusCode> = futures::future::join_all(attempts)
            .await
            .iter()
            .map(|r| r.status())
            .collect();
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert!(checked <= 10, "{statuses:?}");
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
                .count(),
            20 - checked,
            "{statuses:?}"
        );
    }
);

on_both_stores!(the_form_route_counts_and_refuses_too, |db: Db| async move {
    let server = start(db, limits(600), &[]).await;
    server
        .user("ic@example.test", "Ida Commander", UserRole::Responder)
        .await;
    for _ in 0..10 {
        let res = sign_in_form(&server.base, "ic@example.test", "wrong-password").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login?error=invalid"), "{to}");
    }
    let res = sign_in_form(&server.base, "ic@example.test", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
    assert_limited(res, 600).await;
});

on_both_stores!(signing_in_clears_the_failures, |db: Db| async move {
    let server = start(db, limits(600), &[]).await;
    server
        .user("ic@example.test", "Ida Commander", UserRole::Responder)
        .await;
    fail_times(&server.base, "ic@example.test", 9, None).await;
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Counting starts over: nine more failures are still only 401s.
    fail_times(&server.base, "ic@example.test", 9, None).await;
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
});

on_both_stores!(another_address_can_still_sign_in, |db: Db| async move {
    // Behind a proxy on this host, so X-Forwarded-For names the client.
    let server = start(db, limits(600), &[LOCALHOST]).await;
    server
        .user("ic@example.test", "Ida Commander", UserRole::Responder)
        .await;
    let guesser = Some("203.0.113.66");
    fail_times(&server.base, "ic@example.test", 10, guesser).await;
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, guesser).await;
    assert_limited(res, 600).await;
    // The commander, elsewhere, is not locked out.
    let res = sign_in(
        &server.base,
        "ic@example.test",
        PASSWORD,
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Still limited at the guesser's address.
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, guesser).await;
    assert_limited(res, 600).await;
});

on_both_stores!(
    one_address_trying_many_accounts_is_limited,
    |db: Db| async move {
        let sign_in_limits = SignInLimits {
            per_address: 15,
            ..limits(600)
        };
        let server = start(db, sign_in_limits, &[LOCALHOST]).await;
        for who in ["a", "b", "c"] {
            server
                .user(&format!("{who}@example.test"), who, UserRole::Responder)
                .await;
        }
        let guesser = Some("203.0.113.66");
        fail_times(&server.base, "a@example.test", 10, guesser).await;
        fail_times(&server.base, "b@example.test", 5, guesser).await;
        // 15 from that address: every account is refused there, even one without failures.
        let res = sign_in(&server.base, "c@example.test", PASSWORD, guesser).await;
        assert_limited(res, 600).await;
        let res = sign_in(
            &server.base,
            "c@example.test",
            PASSWORD,
            Some("198.51.100.7"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
);

on_both_stores!(
    forwarded_for_is_ignored_unless_the_peer_is_trusted,
    |db: Db| async move {
        let server = start(db, limits(600), &["10.9.9.9"]).await;
        server
            .user("ic@example.test", "Ida Commander", UserRole::Responder)
            .await;
        // A client claiming a new address each time is still one address: 127.0.0.1.
        for i in 0..10 {
            let claimed = format!("198.51.100.{i}");
            let res = sign_in(&server.base, "ic@example.test", "wrong", Some(&claimed)).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
        let res = sign_in(
            &server.base,
            "ic@example.test",
            PASSWORD,
            Some("203.0.113.1"),
        )
        .await;
        assert_limited(res, 600).await;
    }
);

on_both_stores!(
    the_right_password_works_after_the_window,
    |db: Db| async move {
        let window = 2;
        let server = start(db, limits(window), &[]).await;
        server
            .user("ic@example.test", "Ida Commander", UserRole::Responder)
            .await;
        // Ten failures just now, recorded directly: ten password checks of an unoptimised build take
        // longer than this short window.
        let now = chrono::Utc::now().timestamp_millis();
        for _ in 0..10 {
            server
                .store
                .record_sign_in_failure("ic@example.test", LOCALHOST, now, 0)
                .await
                .unwrap();
        }
        let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
        let wait = assert_limited(res, window).await;
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 100)).await;
        let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_across_instances() {
    let server = start(Db::postgres().await, limits(600), &[]).await;
    let other_store = server.db.open().await;
    let other = start_instance(&other_store, limits(600), &[]).await;
    let other_base = format!("http://{}", other.addr);
    server
        .user("ic@example.test", "Ida Commander", UserRole::Responder)
        .await;
    fail_times(&server.base, "ic@example.test", 5, None).await;
    fail_times(&other_base, "ic@example.test", 5, None).await;
    let res = sign_in(&server.base, "ic@example.test", PASSWORD, None).await;
    assert_limited(res, 600).await;
    let res = sign_in(&other_base, "ic@example.test", PASSWORD, None).await;
    assert_limited(res, 600).await;
    other.shutdown().await;
    other_store.close().await;
}

/// A request with `Authorization: Bearer <token>` and no cookies.
async fn bearer(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("bearer request")
}

async fn create_token(client: &Client, name: &str, scope: &str) -> Value {
    let res = client
        .post_json("/api/v1/tokens", json!({"name": name, "scope": scope}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// Every `token_hash` in the database.
async fn stored_hashes(db: &Db) -> Vec<String> {
    let sql = "SELECT token_hash FROM api_tokens";
    match db {
        Db::Sqlite { .. } => {
            let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
        }
        Db::Postgres { .. } => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
        }
    }
}

on_both_stores!(
    a_token_acts_as_its_owner_within_its_scope,
    |db: Db| async move {
        use reqwest::Method;
        let server = TestServer::start(db).await;
        let sam = server.client(UserRole::Responder).await;
        let incident = sam.declare("Checkout down", "sev2").await["id"]
            .as_i64()
            .unwrap();

        let created = create_token(&sam, "status page", "write").await;
        let secret = created["token"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("sitrep_"), "{secret}");
        assert_eq!(created["name"], "status page");
        assert_eq!(created["scope"], "write");
        assert!(created["last_used_at"].is_null());

        // Listed without the secret, and only its hash is stored.
        let listed = sam.ok(Method::GET, "/api/v1/tokens", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], created["id"]);
        assert!(listed[0].get("token").is_none(), "{listed}");
        assert!(!listed.to_string().contains(&secret));
        let hashes = stored_hashes(&server.db).await;
        assert_eq!(hashes.len(), 1);
        assert_ne!(hashes[0], secret);
        assert!(!hashes[0].contains(&secret[7..]));

        // Reads and writes as Sam.
        let res = bearer(&server.base, Method::GET, "/api/v1/me", &secret, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["id"], sam.user.as_ref().unwrap().id);
        let path = format!("/api/v1/incidents/{incident}/notes");
        let res = bearer(
            &server.base,
            Method::POST,
            &path,
            &secret,
            Some(json!({"body": "via API"})),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let note: Value = res.json().await.unwrap();
        assert_eq!(note["actor"]["id"], sam.user.as_ref().unwrap().id, "{note}");

        // "Last used" is recorded.
        let listed = sam.ok(Method::GET, "/api/v1/tokens", None).await;
        assert!(listed[0]["last_used_at"].is_string(), "{listed}");

        // A read token reads, and changes nothing.
        let read = create_token(&sam, "dashboard", "read").await;
        let read_secret = read["token"].as_str().unwrap();
        let res = bearer(
            &server.base,
            Method::GET,
            "/api/v1/incidents",
            read_secret,
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = bearer(
            &server.base,
            Method::POST,
            &path,
            read_secret,
            Some(json!({"body": "no"})),
        )
        .await;
        assert_problem(res, 403, "only read").await;
        let res = bearer(
            &server.base,
            Method::DELETE,
            "/api/v1/session",
            read_secret,
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // A token cannot mint tokens.
        let res = bearer(
            &server.base,
            Method::POST,
            "/api/v1/tokens",
            &secret,
            Some(json!({"name": "more", "scope": "write"})),
        )
        .await;
        assert_problem(res, 403, "signed in").await;

        // Revoked: 401. So is a made-up one.
        let id = created["id"].as_i64().unwrap();
        let res = sam
            .send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None)
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = bearer(&server.base, Method::GET, "/api/v1/me", &secret, None).await;
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_problem(res, 401, "revoked").await;
        let res = bearer(&server.base, Method::GET, "/api/v1/me", "sitrep_nope", None).await;
        assert_problem(res, 401, "not valid").await;
        let listed = sam.ok(Method::GET, "/api/v1/tokens", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
    }
);

on_both_stores!(admins_see_and_revoke_every_token, |db: Db| async move {
    use reqwest::Method;
    let server = TestServer::start(db).await;
    let sam = server.client(UserRole::Responder).await;
    let kim = server.client(UserRole::Responder).await;
    let iris = server.client(UserRole::Admin).await;
    let sams = create_token(&sam, "sam's sync", "write").await;
    let kims = create_token(&kim, "kim's board", "read").await;

    let listed = kim.ok(Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], kims["id"]);

    // Not Kim's to revoke.
    let path = format!("/api/v1/tokens/{}", sams["id"]);
    assert_problem(
        kim.send(Method::DELETE, &path, None).await,
        404,
        "no API token",
    )
    .await;

    let all = iris.ok(Method::GET, "/api/v1/tokens", None).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    let owners: Vec<&str> = all
        .iter()
        .map(|t| t["owner_name"].as_str().unwrap())
        .collect();
    assert!(
        owners.contains(&sam.user.as_ref().unwrap().name.as_str()),
        "{owners:?}"
    );
    assert!(all.iter().all(|t| t["created_at"].is_string()));
    let res = iris.send(Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = bearer(
        &server.base,
        Method::GET,
        "/api/v1/me",
        sams["token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
});

on_both_stores!(stakeholders_get_read_tokens_only, |db: Db| async move {
    let server = TestServer::start(db).await;
    let viewer = server.client(UserRole::Stakeholder).await;
    let res = viewer
        .post_json("/api/v1/tokens", json!({"name": "mine", "scope": "write"}))
        .await;
    assert_problem(res, 403, "read tokens only").await;
    create_token(&viewer, "mine", "read").await;

    let res = viewer
        .post_json("/api/v1/tokens", json!({"name": "  ", "scope": "read"}))
        .await;
    assert_problem(res, 422, "name").await;
    let res = viewer
        .post_json("/api/v1/tokens", json!({"name": "x", "scope": "admin"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = Client::anonymous(&server.base).get("/api/v1/tokens").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_tokens() {
    let server = TestServer::start(Db::sqlite()).await;
    let client = server.client(UserRole::Responder).await;
    let doc = client
        .ok(reqwest::Method::GET, "/api/v1/openapi.json", None)
        .await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
    assert!(doc["paths"]["/api/v1/tokens"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/tokens/{id}"]["delete"].is_object());
    assert!(doc["paths"]["/api/v1/session"]["post"]["responses"]["429"].is_object());
}

// A revoked token's open event stream ends within a few seconds, on this instance (and, by the
// same look-up in the store every round, on every other).
on_both_stores!(revoking_a_token_ends_its_streams, |db: Db| async move {
    use futures::StreamExt;
    let server = TestServer::start(db).await;
    let sam = server.client(UserRole::Responder).await;
    let created = create_token(&sam, "wallboard", "read").await;
    let secret = created["token"].as_str().unwrap().to_owned();
    let res = bearer(
        &server.base,
        reqwest::Method::GET,
        "/api/v1/stream?topics=incidents",
        &secret,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.bytes_stream();
    // Still open: the settings frames arrive, then nothing ends it.
    assert!(stream.next().await.is_some());
    let id = created["id"].as_i64().unwrap();
    let res = sam
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let ended = tokio::time::timeout(std::time::Duration::from_secs(6), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its token");
});
