//! Test harness: a real server on an ephemeral port over a real database (a temp SQLite file, or
//! a fresh PostgreSQL database created for the test and dropped after).
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::domain::UserRole;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sitrep::store::{self, NewUser, Store};

pub const PASSWORD: &str = "correct-horse-battery";

/// Where a test's data lives. Dropping it removes the data.
pub enum Db {
    Sqlite { dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A fresh database on the PostgreSQL named by `SITREP_TEST_POSTGRES_URL`
    /// (default `postgres://127.0.0.1:5432/test`). Fails loudly when none answers: `make test`
    /// starts one.
    pub async fn postgres() -> Db {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = std::env::var("SITREP_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://127.0.0.1:5432/test".into());
        let name = format!(
            "sitrep_test_{}_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {admin_url} is required for these tests (run `make test`, which starts it): {e}")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        Db::Postgres { admin_url, name }
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite { dir } => format!("sqlite://{}", dir.path().join("sitrep.db").display()),
            Db::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        let store = store::open(&self.url()).await.expect("open store");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async: use a private runtime on a helper thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut conn) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                    {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running server and its database.
pub struct TestServer {
    pub db: Db,
    pub store: Arc<dyn Store>,
    pub running: Option<sitrep::Running>,
    pub base: String,
}

impl TestServer {
    pub async fn start(db: Db) -> TestServer {
        let options = sitrep::Options {
            site_root: "target/site".into(),
            ..sitrep::Options::default()
        };
        TestServer::start_with(db, options).await
    }

    /// A server on `db` configured by `options`.
    pub async fn start_with(db: Db, options: sitrep::Options) -> TestServer {
        let store = db.open().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = sitrep::start_with(store.clone(), listener, options)
            .await
            .expect("start");
        let base = format!("http://{}", running.addr);
        TestServer {
            db,
            store,
            running: Some(running),
            base,
        }
    }

    /// A second instance on the same database (as behind a load balancer), with its own store.
    pub async fn another_instance(&self) -> (sitrep::Running, Arc<dyn Store>) {
        let store = self.db.open().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = sitrep::start(store.clone(), listener, "target/site", false)
            .await
            .expect("start a second instance");
        (running, store)
    }

    /// Stops the server (ending its streams) and closes the store, keeping the data.
    pub async fn stop(mut self) -> Db {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
        self.store.close().await;
        self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates a user directly in the store.
    pub async fn user(&self, email: &str, name: &str, role: UserRole) -> app::domain::User {
        self.store
            .create_user(&NewUser {
                email: email.into(),
                name: name.into(),
                role,
                password_hash: sitrep::auth::hash_password(PASSWORD).unwrap(),
            })
            .await
            .expect("create user")
    }

    /// A signed-in client for a new user with `role`.
    pub async fn client(&self, role: UserRole) -> Client {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let email = format!("{}{n}@example.test", role.key());
        let user = self
            .user(&email, &format!("{} {n}", role.key()), role)
            .await;
        Client {
            user: Some(user),
            ..Client::signed_in(&self.base, &email, PASSWORD).await
        }
    }
}

/// An HTTP client with its own cookie jar.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub user: Option<app::domain::User>,
}

impl Client {
    pub fn anonymous(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            user: None,
        }
    }

    /// A client signed in at `base` as `email` (which must succeed).
    pub async fn signed_in(base: &str, email: &str, password: &str) -> Client {
        let client = Client::anonymous(base);
        let res = client
            .post_json(
                "/api/v1/session",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{email} signs in at {base}");
        client
    }

    /// The same person signed in at `base` (another instance behind the load balancer).
    pub async fn signed_in_at(&self, base: &str) -> Client {
        let user = self.user.clone().expect("a signed-in client");
        let mut other = Client::signed_in(base, &user.email, PASSWORD).await;
        other.user = Some(user);
        other
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST")
    }

    /// Any method, with an optional JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// Sends and expects 2xx, returning the JSON body.
    pub async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let res = self.send(method.clone(), path, body).await;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn declare(&self, title: &str, severity: &str) -> Value {
        let res = self
            .post_json(
                "/api/v1/incidents",
                json!({"title": title, "severity": severity, "summary": "test"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.expect("incident json")
    }

    pub async fn note(&self, incident: i64, body: &str) -> Value {
        let res = self
            .post_json(
                &format!("/api/v1/incidents/{incident}/notes"),
                json!({ "body": body }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.expect("event json")
    }
}

/// Asserts a problem+json response with `status` whose detail contains `needle`.
pub async fn assert_problem(res: reqwest::Response, status: u16, needle: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem json");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "detail {detail:?} should contain {needle:?}"
    );
    assert_eq!(body["status"].as_u64(), Some(status as u64));
    body
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<i64>,
    pub event: String,
    pub data: String,
}

/// Reads server-sent events from a streaming response.
pub struct SseReader {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl SseReader {
    pub async fn open(client: &Client, path: &str, last_event_id: Option<i64>) -> SseReader {
        let mut req = client.http.get(format!("{}{path}", client.base));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.expect("stream");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/event-stream"
        );
        SseReader {
            stream: res.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next incident event: not presence, not settings (skipping comments and `retry:`),
    /// or `None` after `wait` with nothing.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Sse> {
        self.next_matching(wait, |e| e.event != "presence" && e.event != "settings")
            .await
    }

    /// The revision of the setting `key` in the next `event: settings` frame about it (others are
    /// skipped), or `None` after `wait`. Every frame carries the server's time.
    pub async fn settings_revision(&mut self, key: &str, wait: Duration) -> Option<u64> {
        let frame = self
            .next_matching(wait, |e| {
                e.event == "settings"
                    && serde_json::from_str::<serde_json::Value>(&e.data)
                        .is_ok_and(|data| data["key"] == key)
            })
            .await?;
        let data: serde_json::Value = serde_json::from_str(&frame.data).expect("settings JSON");
        assert!(data["server_time"].is_string(), "{data}");
        data["revision"].as_u64()
    }

    /// The next presence event, or `None` after `wait`.
    pub async fn presence_within(&mut self, wait: Duration) -> Option<Sse> {
        self.next_matching(wait, |e| e.event == "presence").await
    }

    async fn next_matching(
        &mut self,
        wait: Duration,
        wanted: impl Fn(&Sse) -> bool,
    ) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_any_within(left).await {
                Some(e) if wanted(&e) => return Some(e),
                Some(_) => continue,
                None => return None,
            }
        }
    }

    /// The next event of any kind, or `None` after `wait` with nothing.
    pub async fn next_any_within(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut sse = Sse {
                    id: None,
                    event: "message".into(),
                    data: String::new(),
                };
                let mut has_field = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        sse.id = v.parse().ok();
                        has_field = true;
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        sse.event = v.to_owned();
                        has_field = true;
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        sse.data.push_str(v);
                        has_field = true;
                    }
                }
                if has_field {
                    return Some(sse);
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// True if the server ends the stream within `wait` (false if it merely stays silent).
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
    }

    pub async fn next(&mut self) -> Sse {
        self.next_within(Duration::from_secs(5))
            .await
            .expect("an event within 5 s")
    }
}

/// Runs a test body against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_stores {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::common::Db::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::common::Db::postgres().await).await;
            }
        }
    };
}

/// The SLA policy the store holds now, with its revision: what a change written straight to the
/// store is decided under (`Change::new`).
pub async fn policy_now(store: &dyn Store) -> app::domain::RevisedPolicy {
    let stored = store.setting(sitrep::store::SLA_POLICY).await.unwrap();
    // Store tests write placeholder values: any value counts by its revision.
    sitrep::application::parse_policy(stored.as_ref()).unwrap_or_else(|_| {
        app::domain::RevisedPolicy::new(stored.map_or(0, |s| s.version as u64), Default::default())
    })
}
