//! What the server keeps in memory between requests (the incidents list's pages, sessions and
//! their users) never hides a change: on the instance that made it, the very next request sees
//! it; on another instance of the same PostgreSQL database, within seconds (as its live events
//! arrive, and never later than a kept value's lifetime).

use std::time::{Duration, Instant};

use app::domain::UserRole;
use reqwest::{header, Method};
use serde_json::{json, Value};

use app::domain::{Command, Declaration, Severity};
use sitrep::application::Service;
use sitrep::live::bus::Bus;

use crate::common::{Client, Db, TestServer, PASSWORD};

/// A session cookie sent by hand: a cookie jar drops it when the sign-out says so, and would
/// then ask nothing of the server's memory.
struct SessionCookie {
    http: reqwest::Client,
    cookie: String,
}

impl SessionCookie {
    async fn sign_in(base: &str, who: &Client) -> SessionCookie {
        let email = &who.user.as_ref().expect("a person").email;
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next())
            .find(|c| c.starts_with("sitrep_session="))
            .map(str::to_owned)
            .expect("a session cookie");
        SessionCookie { http, cookie }
    }

    /// Signs out at `base`, which turns the session away from the very next request.
    async fn sign_out_at(&self, base: &str) {
        let (session, me) = (
            format!("{base}/api/v1/session"),
            format!("{base}/api/v1/me"),
        );
        assert_eq!(self.ask(Method::DELETE, &session).await, 204);
        assert_eq!(
            self.ask(Method::GET, &me).await,
            401,
            "at once, where it signed out"
        );
    }

    /// The status of `method url` with this session.
    async fn ask(&self, method: Method, url: &str) -> u16 {
        let res = self
            .http
            .request(method, url)
            .header(header::COOKIE, &self.cookie);
        res.send().await.unwrap().status().as_u16()
    }
}

/// The open incidents' first page, as `client` is answered now.
async fn first_page(client: &Client) -> Value {
    client.ok(Method::GET, "/api/v1/incidents", None).await
}

fn listed(page: &Value, id: i64) -> Option<&Value> {
    page["incidents"]
        .as_array()?
        .iter()
        .find(|row| row["id"].as_i64() == Some(id))
}

/// The first page of `client`'s own open incidents.
async fn mine(client: &Client) -> Value {
    client
        .ok(Method::GET, "/api/v1/incidents?mine=true", None)
        .await
}

/// The acknowledge clock's target among an incident's clocks (`sla`, in a row or the room).
fn ack_target_of(incident: &Value) -> Option<Value> {
    incident["sla"]
        .as_array()?
        .iter()
        .find(|c| c["kind"] == "acknowledge")
        .map(|c| c["target"].clone())
}

/// The acknowledge clock's target of incident `id` on `page`.
fn ack_target(page: &Value, id: i64) -> Option<Value> {
    ack_target_of(listed(page, id)?)
}

/// Saves the SLA policy with SEV1's acknowledge target at `minutes`.
async fn acknowledge_sev1_within(admin: &Client, minutes: u32) {
    let mut policy = admin.ok(Method::GET, "/api/v1/sla/policy", None).await;
    policy["severities"][0]["acknowledge"] = json!({"amount": minutes, "unit": "minutes"});
    admin
        .ok(Method::PUT, "/api/v1/sla/policy", Some(policy))
        .await;
}

/// Asks `ask` every 50 ms until `holds` says yes of its answer; how long that took, or `None`
/// after `wait`.
async fn within<F, Fut>(
    wait: Duration,
    mut ask: F,
    holds: impl Fn(&Value) -> bool,
) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let start = Instant::now();
    while start.elapsed() < wait {
        if holds(&ask().await) {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_request_on_this_instance_sees_every_change() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.client(UserRole::Admin).await;
    let before = first_page(&admin).await;

    // Declared: on the next page at once, and counted.
    let id = admin.declare("Seen at once", "sev1").await["id"]
        .as_i64()
        .unwrap();
    let page = first_page(&admin).await;
    let row = listed(&page, id).expect("the new incident is listed");
    assert_eq!(row["status"], "triage");
    let triage = |p: &Value| p["counts"]["triage"].as_u64().unwrap_or(0);
    assert_eq!(triage(&page), triage(&before) + 1);

    // A status change: the row and the counts follow at once.
    let version = row["version"].as_i64().unwrap();
    admin
        .ok(
            Method::POST,
            &format!("/api/v1/incidents/{id}/status"),
            Some(json!({"status": "investigating", "expected_version": version})),
        )
        .await;
    let page = first_page(&admin).await;
    assert_eq!(listed(&page, id).unwrap()["status"], "investigating");
    assert_eq!(triage(&page), triage(&before));

    // A note moves the row's version (and nothing else the list counts).
    admin.note(id, "still looking").await;
    let noted = first_page(&admin).await;
    assert!(listed(&noted, id).unwrap()["version"].as_i64() > Some(version + 1));

    // The SLA policy: every clock on the page counts to the new target at once.
    assert_eq!(
        ack_target(&noted, id),
        Some(json!({"amount": 5, "unit": "minutes"}))
    );
    acknowledge_sev1_within(&admin, 12).await;
    assert_eq!(
        ack_target(&first_page(&admin).await, id),
        Some(json!({"amount": 12, "unit": "minutes"}))
    );
    // And a command decided right after counts with it (the room's clocks agree).
    let room = admin
        .ok(Method::GET, &format!("/api/v1/incidents/{id}"), None)
        .await;
    assert_eq!(
        ack_target_of(&room),
        Some(json!({"amount": 12, "unit": "minutes"}))
    );

    // Another person's "mine" is theirs: Iris's kept answer is not Sam's.
    let sam = server.client(UserRole::Responder).await;
    assert!(
        listed(&mine(&admin).await, id).is_some(),
        "Iris declared it"
    );
    assert!(
        listed(&mine(&sam).await, id).is_none(),
        "Sam has not been near it"
    );

    // Signed out: the very next request with that session is turned away.
    let session = SessionCookie::sign_in(&server.base, &admin).await;
    // The second answers from the instance's memory of the session.
    for _ in 0..2 {
        assert_eq!(
            session.ask(Method::GET, &server.url("/api/v1/me")).await,
            200
        );
    }
    session.sign_out_at(&server.base).await;
    assert_eq!(
        session
            .ask(Method::GET, &server.url("/api/v1/incidents"))
            .await,
        401
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_sees_a_change_within_seconds() {
    // Kept values live at most 2 s; their live events drop them within milliseconds.
    const BOUND: Duration = Duration::from_secs(4);
    let server = TestServer::start(Db::postgres().await).await;
    let (second, second_store) = server.another_instance().await;
    let admin = server.client(UserRole::Admin).await;
    // The same browser (one cookie jar: one session) on the other instance.
    let far = Client {
        http: admin.http.clone(),
        base: format!("http://{}", second.addr),
        user: admin.user.clone(),
    };
    let far_before = first_page(&far).await;

    let id = admin.declare("Declared over there", "sev1").await["id"]
        .as_i64()
        .unwrap();
    let seen = within(BOUND, || first_page(&far), |p| listed(p, id).is_some()).await;
    assert!(
        seen.is_some(),
        "not listed on the other instance within {BOUND:?}"
    );
    let triage = |p: &Value| p["counts"]["triage"].as_u64().unwrap_or(0);
    let counted = within(
        BOUND,
        || first_page(&far),
        |p| triage(p) == triage(&far_before) + 1,
    )
    .await;
    assert!(counted.is_some(), "not counted on the other instance");

    acknowledge_sev1_within(&admin, 15).await;
    let moved = within(
        BOUND,
        || first_page(&far),
        |p| ack_target(p, id) == Some(json!({"amount": 15, "unit": "minutes"})),
    )
    .await;
    assert!(
        moved.is_some(),
        "the other instance's clocks kept the old policy"
    );

    // Signed out here: turned away there too, within the bound.
    let session = SessionCookie::sign_in(&server.base, &admin).await;
    let there = format!("{}/api/v1/me", far.base);
    assert_eq!(
        session.ask(Method::GET, &there).await,
        200,
        "signed in, on both"
    );
    session.sign_out_at(&server.base).await;
    let start = Instant::now();
    let mut status = session.ask(Method::GET, &there).await;
    while start.elapsed() < BOUND && status != 401 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = session.ask(Method::GET, &there).await;
    }
    assert_eq!(status, 401, "the session still opened the other instance");

    second.shutdown().await;
    second_store.close().await;
    server.stop().await;
}

// The writer drops the kept pages itself, without waiting for its live event: with no pump
// running (nothing published), a page kept before a commit does not answer after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_drops_the_kept_pages_before_its_event_is_published() {
    let server = TestServer::start(Db::sqlite()).await;
    let admin = server.client(UserRole::Admin).await;
    let user = admin.user.clone().unwrap();
    let service = Service::new(server.store.clone(), Bus::new());
    let pages = &service.reads.pages;
    pages.keep("open".into(), pages.now(), "[]".into());
    assert!(pages.get("open").is_some());
    let declare = Command::Declare(Declaration {
        title: "Written here".into(),
        severity: Severity::Sev3,
        summary: String::new(),
    });
    service.execute(&user, None, declare).await.unwrap();
    assert!(pages.get("open").is_none(), "a page kept before the commit");
    server.stop().await;
}
