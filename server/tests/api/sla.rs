//! SLA clocks through the REST API, on SQLite and on PostgreSQL: the policy (defaults, admin
//! edits, bad input) and an incident's clocks following its milestones.

use crate::common::{assert_problem, Db, TestServer};
use app::domain::UserRole;
use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

fn clock<'a>(sla: &'a Value, kind: &str) -> &'a Value {
    sla["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} clock in {sla}"))
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

on_both_stores!(the_policy_and_an_incidents_clocks, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;

    // product.md's defaults.
    let policy = sam.ok(Method::GET, "/api/v1/sla/policy", None).await;
    assert_eq!(policy["severities"][0]["severity"], "sev1");
    assert_eq!(
        policy["severities"][0]["acknowledge"],
        json!({"amount": 5, "unit": "minutes"})
    );
    assert_eq!(
        policy["severities"][1]["post_mortem"],
        json!({"amount": 5, "unit": "business_days"})
    );
    assert!(policy["severities"][2]["mitigate"].is_null());

    // A SEV1's clocks run from detection.
    let incident = iris.declare("Checkout down", "sev1").await;
    let id = incident["id"].as_i64().unwrap();
    let detected = instant(&incident["detected_at"]);
    let sla = sam
        .ok(Method::GET, &format!("/api/v1/incidents/{id}/sla"), None)
        .await;
    let ack = clock(&sla, "acknowledge");
    assert_eq!(instant(&ack["deadline"]), detected + Duration::minutes(5));
    assert_eq!(
        instant(&ack["due_soon_at"]),
        detected + Duration::minutes(4)
    );
    assert_eq!(ack["state"], "on_track");
    assert_eq!(
        instant(&clock(&sla, "resolve")["deadline"]),
        detected + Duration::hours(4)
    );
    assert!(sla["server_time"].is_string());

    // Acknowledged: that clock is met.
    sam.ok(
        Method::POST,
        &format!("/api/v1/incidents/{id}/acknowledge"),
        None,
    )
    .await;
    let sla = sam
        .ok(Method::GET, &format!("/api/v1/incidents/{id}/sla"), None)
        .await;
    assert_eq!(clock(&sla, "acknowledge")["state"], "met");
    assert!(clock(&sla, "acknowledge")["stopped_at"].is_string());

    // Only admins change the policy; bad input is refused with the reason; nothing is lost.
    let mut edited = policy.clone();
    edited["severities"][0]["acknowledge"] = json!({"amount": 10, "unit": "minutes"});
    assert_problem(
        sam.send(Method::PUT, "/api/v1/sla/policy", Some(edited.clone()))
            .await,
        403,
        "admin",
    )
    .await;
    let mut bad = edited.clone();
    bad["calendar"]["time_zone"] = json!("Mars/Olympus");
    assert_problem(
        iris.send(Method::PUT, "/api/v1/sla/policy", Some(bad))
            .await,
        422,
        "Unknown time zone",
    )
    .await;
    let mut bad = edited.clone();
    bad["severities"][0]["resolve"] = json!({"amount": 0, "unit": "hours"});
    assert_problem(
        iris.send(Method::PUT, "/api/v1/sla/policy", Some(bad))
            .await,
        422,
        "at least 1",
    )
    .await;
    let mut bad = edited.clone();
    bad["severities"][0]["resolve"] = json!({"amount": 2, "unit": "fortnights"});
    assert_problem(
        iris.send(Method::PUT, "/api/v1/sla/policy", Some(bad))
            .await,
        422,
        "unit",
    )
    .await;
    assert_eq!(
        sam.ok(Method::GET, "/api/v1/sla/policy", None).await,
        policy
    );

    // An admin's edit: open incidents' deadlines follow.
    edited["severities"][0]["resolve"] = json!({"amount": 6, "unit": "hours"});
    iris.ok(Method::PUT, "/api/v1/sla/policy", Some(edited.clone()))
        .await;
    assert_eq!(
        sam.ok(Method::GET, "/api/v1/sla/policy", None).await,
        edited
    );
    let sla = sam
        .ok(Method::GET, &format!("/api/v1/incidents/{id}/sla"), None)
        .await;
    assert_eq!(
        instant(&clock(&sla, "resolve")["deadline"]),
        detected + Duration::hours(6)
    );
    assert_problem(
        sam.send(Method::GET, "/api/v1/incidents/999999/sla", None)
            .await,
        404,
        "does not exist",
    )
    .await;
    server.stop().await;
});

async fn breaches(client: &crate::common::Client, id: i64) -> Vec<Value> {
    entries_of(&timeline(client, id).await, "sla_breached")
}

/// Moves detection back so the acknowledge clock (5 min for a SEV1) is due in `due_in`.
async fn due_soon_after(
    client: &crate::common::Client,
    id: i64,
    due_in: Duration,
) -> DateTime<Utc> {
    let now = Utc::now();
    for (milestone, at) in [
        ("started", now - Duration::minutes(20)),
        ("detected", now - Duration::minutes(5) + due_in),
    ] {
        let v = client
            .ok(Method::GET, &format!("/api/v1/incidents/{id}"), None)
            .await["version"]
            .clone();
        client
            .ok(
                Method::PUT,
                &format!("/api/v1/incidents/{id}/timestamps/{milestone}"),
                Some(json!({"at": at, "reason": "paged late", "expected_version": v})),
            )
            .await;
    }
    let sla = client
        .ok(Method::GET, &format!("/api/v1/incidents/{id}/sla"), None)
        .await;
    instant(&clock(&sla, "acknowledge")["deadline"])
}

async fn wait_for_breaches(client: &crate::common::Client, id: i64, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let found = breaches(client, id).await;
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    breaches(client, id).await
}

// No browser open: the server records the breach when the deadline passes, once.
on_both_stores!(
    a_breach_is_recorded_once_with_nobody_watching,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let id = iris.declare("Unwatched", "sev1").await["id"]
            .as_i64()
            .unwrap();
        let deadline = due_soon_after(&iris, id, Duration::seconds(2)).await;
        assert!(
            breaches(&iris, id).await.is_empty(),
            "not before the deadline"
        );
        let found = wait_for_breaches(&iris, id, 1).await;
        assert_eq!(found.len(), 1, "{found:?}");
        let breach = &found[0];
        assert_eq!(breach["payload"]["clock"], "acknowledge");
        assert_eq!(instant(&breach["payload"]["deadline"]), deadline);
        assert_eq!(breach["actor"]["name"], "Sitrep");
        let recorded = instant(&breach["at"]);
        assert!(
            recorded >= deadline && recorded - deadline < Duration::seconds(3),
            "{recorded} vs {deadline}"
        );
        // More changes (each wakes the recorder) record nothing more.
        iris.note(id, "still nobody on it").await;
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        assert_eq!(breaches(&iris, id).await.len(), 1);
        let incident = iris
            .ok(Method::GET, &format!("/api/v1/incidents/{id}"), None)
            .await;
        assert_eq!(incident["breaches"].as_array().unwrap().len(), 1);
        // Nobody else may claim a breach, and Sitrep's user cannot sign in.
        let act = json!({"incident_id": id, "command": {"sla": {"type": "record_breach",
        "clock": "resolve", "started_at": incident["detected_at"],
        "deadline": incident["detected_at"]}}});
        let res = iris.send(Method::POST, "/fn/act", Some(act)).await;
        assert_eq!(res.status().as_u16(), 403);
        let res = crate::common::Client::anonymous(&server.url(""))
            .post_json(
                "/api/v1/session",
                json!({"email": "sitrep@system.invalid", "password": "!"}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 401);
        server.stop().await;
    }
);

// The server is down when the deadline passes: the breach is recorded when it is back, once,
// however often it restarts.
on_both_stores!(
    a_breach_missed_while_down_is_recorded_once_on_restart,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let id = iris.declare("Down at the deadline", "sev1").await["id"]
            .as_i64()
            .unwrap();
        let deadline = due_soon_after(&iris, id, Duration::seconds(2)).await;
        let db = server.stop().await;
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        let mut db = db;
        for _ in 0..2 {
            let server = TestServer::start(db).await;
            let iris = server.client(UserRole::Admin).await;
            let found = wait_for_breaches(&iris, id, 1).await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert_eq!(breaches(&iris, id).await.len(), 1, "{found:?}");
            assert_eq!(instant(&found[0]["payload"]["deadline"]), deadline);
            db = server.stop().await;
        }
    }
);

// Two instances on one PostgreSQL database both see the deadline pass: one breach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_record_one_breach() {
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    let iris = first.client(UserRole::Admin).await;
    for round in 0..3 {
        let id = iris
            .declare(&format!("Twice watched {round}"), "sev1")
            .await["id"]
            .as_i64()
            .unwrap();
        due_soon_after(&iris, id, Duration::seconds(1)).await;
        wait_for_breaches(&iris, id, 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
        assert_eq!(breaches(&iris, id).await.len(), 1, "round {round}");
    }
    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}

fn entries_of(timeline: &Value, kind: &str) -> Vec<Value> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["type"] == kind)
        .cloned()
        .collect()
}

async fn timeline(client: &crate::common::Client, id: i64) -> Value {
    client
        .ok(
            Method::GET,
            &format!("/api/v1/incidents/{id}/timeline"),
            None,
        )
        .await
}

// An admin's edit recounts the open incidents it touches, says so on exactly their timelines
// (live, with the new policy), and leaves the others alone.
on_both_stores!(
    a_policy_edit_recounts_open_incidents_and_says_so,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let sev1 = iris.declare("Payments failing", "sev1").await;
        let sev1_id = sev1["id"].as_i64().unwrap();
        let detected = instant(&sev1["detected_at"]);
        let sev3_id = iris.declare("Slow avatars", "sev3").await["id"]
            .as_i64()
            .unwrap();
        // A closed SEV1: its clocks have all stopped, so nothing of it moves.
        let closed = iris.declare("Yesterday's outage", "sev1").await;
        let closed_id = closed["id"].as_i64().unwrap();
        for status in ["resolved", "closed"] {
            let v = iris
                .ok(Method::GET, &format!("/api/v1/incidents/{closed_id}"), None)
                .await["version"]
                .clone();
            iris.ok(
                Method::POST,
                &format!("/api/v1/incidents/{closed_id}/status"),
                Some(json!({"status": status, "expected_version": v})),
            )
            .await;
        }
        let closed_before = timeline(&iris, closed_id).await;

        // The incident JSON carries its clocks: target, deadline, state, paused time.
        let got = sam
            .ok(Method::GET, &format!("/api/v1/incidents/{sev1_id}"), None)
            .await;
        assert_eq!(got["id"], sev1_id);
        let ack = got["sla"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "acknowledge")
            .unwrap()
            .clone();
        assert_eq!(ack["target"], json!({"amount": 5, "unit": "minutes"}));
        assert_eq!(instant(&ack["deadline"]), detected + Duration::minutes(5));
        assert_eq!(ack["state"], "on_track");
        assert_eq!(ack["paused_seconds"], 0);
        assert!(got["server_time"].is_string());
        let listed = sam.ok(Method::GET, "/api/v1/incidents", None).await;
        let row = listed["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == sev1_id)
            .unwrap();
        assert_eq!(row["sla"], got["sla"]);

        let mut watcher = crate::common::SseReader::open(
            &sam,
            &format!("/api/v1/stream?topics=incident:{sev1_id}"),
            None,
        )
        .await;

        // SEV1: acknowledge 5 → 10 min, mitigate dropped. SEV3 untouched.
        let mut policy = sam.ok(Method::GET, "/api/v1/sla/policy", None).await;
        policy["severities"][0]["acknowledge"] = json!({"amount": 10, "unit": "minutes"});
        policy["severities"][0]["mitigate"] = Value::Null;
        let saved = iris
            .ok(Method::PUT, "/api/v1/sla/policy", Some(policy.clone()))
            .await;
        assert_eq!(saved["policy"], policy);
        assert_eq!(saved["moved"], json!([sev1_id]), "{saved}");

        // Live: the open room hears of it within a second, with the policy to count to.
        let event = watcher
            .next_within(std::time::Duration::from_secs(1))
            .await
            .expect("the policy change, live, within a second");
        assert_eq!(event.event, "sla_policy_changed");
        let data: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(data["event"]["payload"]["policy"], policy);
        assert_eq!(data["event"]["payload"]["revision"], saved["revision"]);

        let entries = entries_of(&timeline(&sam, sev1_id).await, "sla_policy_changed");
        assert_eq!(entries.len(), 1, "{entries:?}");
        let entry = &entries[0];
        assert_eq!(
            entry["actor"]["name"],
            iris.user.as_ref().unwrap().name.as_str()
        );
        let changes = entry["payload"]["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0]["clock"], "acknowledge");
        assert_eq!(
            changes[0]["target_before"],
            json!({"amount": 5, "unit": "minutes"})
        );
        assert_eq!(
            instant(&changes[0]["deadline_before"]),
            detected + Duration::minutes(5)
        );
        assert_eq!(
            instant(&changes[0]["deadline_after"]),
            detected + Duration::minutes(10)
        );
        assert_eq!(changes[1]["clock"], "mitigate");
        assert!(changes[1]["target_after"].is_null());

        // The clocks follow; the others' timelines are untouched.
        let sla = sam
            .ok(
                Method::GET,
                &format!("/api/v1/incidents/{sev1_id}/sla"),
                None,
            )
            .await;
        assert_eq!(
            instant(&clock(&sla, "acknowledge")["deadline"]),
            detected + Duration::minutes(10)
        );
        assert!(sla["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] != "mitigate"));
        assert!(entries_of(&timeline(&sam, sev3_id).await, "sla_policy_changed").is_empty());
        assert_eq!(timeline(&sam, closed_id).await, closed_before);

        // Saving the same policy again moves nothing and notes nothing.
        let again = iris
            .ok(Method::PUT, "/api/v1/sla/policy", Some(policy.clone()))
            .await;
        assert_eq!(again["moved"], json!([]));
        assert_eq!(
            entries_of(&timeline(&sam, sev1_id).await, "sla_policy_changed").len(),
            1
        );

        // The Markdown export says what moved.
        let md = sam
            .get(&format!("/api/v1/incidents/{sev1_id}/export?format=md"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            md.contains("SLA policy changed: Acknowledge: 5 min → 10 min"),
            "{md}"
        );
        assert!(md.contains("Mitigate: no longer applies (was 1 h)"), "{md}");
        server.stop().await;
    }
);

// A policy saved while people keep writing: every note lands, the policy lands, and the
// incident says so once.
on_both_stores!(
    a_policy_edit_racing_notes_loses_nothing,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let id = iris.declare("Busy room", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let mut policy = sam.ok(Method::GET, "/api/v1/sla/policy", None).await;
        policy["severities"][1]["resolve"] = json!({"amount": 12, "unit": "hours"});
        let notes = async {
            for n in 0..15 {
                sam.note(id, &format!("note {n}")).await;
            }
        };
        let save = iris.ok(Method::PUT, "/api/v1/sla/policy", Some(policy.clone()));
        let ((), saved) = tokio::join!(notes, save);
        assert_eq!(saved["moved"], json!([id]));
        let all = timeline(&sam, id).await;
        assert_eq!(entries_of(&all, "note_added").len(), 15);
        assert_eq!(entries_of(&all, "sla_policy_changed").len(), 1);
        assert_eq!(
            sam.ok(Method::GET, "/api/v1/sla/policy", None).await,
            policy
        );
        server.stop().await;
    }
);

/// `sitrep_sla_breaches_total{clock=…,severity=…}` from `/metrics`, if present.
async fn breach_metric(server: &TestServer, clock: &str, severity: &str) -> Option<f64> {
    let text = crate::common::Client::anonymous(&server.url(""))
        .get("/metrics")
        .await
        .text()
        .await
        .unwrap();
    let wanted = format!("sitrep_sla_breaches_total{{clock=\"{clock}\",severity=\"{severity}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&wanted))
        .map(|v| v.trim().parse().unwrap())
}

// Each breach is counted in the metrics once, by the instance that recorded it; after a restart
// the new process counts only what it records itself.
on_both_stores!(a_breach_is_counted_in_the_metrics, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    assert_eq!(breach_metric(&server, "acknowledge", "sev1").await, None);
    let first = iris.declare("Counted", "sev1").await["id"]
        .as_i64()
        .unwrap();
    due_soon_after(&iris, first, Duration::seconds(1)).await;
    assert_eq!(wait_for_breaches(&iris, first, 1).await.len(), 1);
    assert_eq!(
        wait_for_metric(&server, "acknowledge", "sev1", 1.0).await,
        Some(1.0)
    );
    let db = server.stop().await;
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    // A second breach after the restart: once it is counted, the recorder has swept past the
    // first one, which it must not count again.
    let second = iris.declare("Counted after a restart", "sev1").await["id"]
        .as_i64()
        .unwrap();
    due_soon_after(&iris, second, Duration::seconds(1)).await;
    assert_eq!(wait_for_breaches(&iris, second, 1).await.len(), 1);
    assert_eq!(
        wait_for_metric(&server, "acknowledge", "sev1", 1.0).await,
        Some(1.0)
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_eq!(
        breach_metric(&server, "acknowledge", "sev1").await,
        Some(1.0)
    );
    assert_eq!(breaches(&iris, first).await.len(), 1);
    server.stop().await;
});

/// Polls the breach counter until it reaches `value` (it is counted just after the commit).
async fn wait_for_metric(
    server: &TestServer,
    clock: &str,
    severity: &str,
    value: f64,
) -> Option<f64> {
    for _ in 0..30 {
        let now = breach_metric(server, clock, severity).await;
        if now >= Some(value) {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    breach_metric(server, clock, severity).await
}

// Every open page hears that the policy changed, even when no incident's deadlines moved (a
// page opened before counts new and escalated incidents to the new targets).
on_both_stores!(every_stream_hears_of_a_policy_change, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;
    let id = iris.declare("Quiet SEV3", "sev3").await["id"]
        .as_i64()
        .unwrap();
    let mut list =
        crate::common::SseReader::open(&sam, "/api/v1/stream?topics=incidents", None).await;
    let mut room =
        crate::common::SseReader::open(&sam, &format!("/api/v1/stream?topics=incident:{id}"), None)
            .await;
    // On connect: the policy as it is (never edited: revision 0).
    let wait = std::time::Duration::from_secs(1);
    assert_eq!(list.settings_revision("sla_policy", wait).await, Some(0));
    assert_eq!(room.settings_revision("sla_policy", wait).await, Some(0));
    let mut policy = sam.ok(Method::GET, "/api/v1/sla/policy", None).await;
    policy["severities"][0]["acknowledge"] = json!({"amount": 7, "unit": "minutes"});
    let saved = iris
        .ok(Method::PUT, "/api/v1/sla/policy", Some(policy))
        .await;
    assert_eq!(saved["moved"], json!([]), "a SEV1 edit moves no SEV3 clock");
    assert_eq!(saved["revision"], 1);
    assert_eq!(list.settings_revision("sla_policy", wait).await, Some(1));
    assert_eq!(room.settings_revision("sla_policy", wait).await, Some(1));
    // Once per change.
    assert_eq!(list.settings_revision("sla_policy", wait).await, None);
    // A stream that (re)connects hears the current revision first: a page that missed the
    // change while loading or disconnected refetches.
    let mut late =
        crate::common::SseReader::open(&sam, "/api/v1/stream?topics=incidents", None).await;
    assert_eq!(late.settings_revision("sla_policy", wait).await, Some(1));
    server.stop().await;
});

// With several instances on PostgreSQL, a stream on another instance hears it too, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_change_reaches_streams_on_every_instance() {
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    let iris = first.client(UserRole::Admin).await;
    let sam = first.client(UserRole::Responder).await;
    let there = sam.signed_in_at(&format!("http://{}", second.addr)).await;
    let mut far =
        crate::common::SseReader::open(&there, "/api/v1/stream?topics=incidents", None).await;
    let mut near =
        crate::common::SseReader::open(&sam, "/api/v1/stream?topics=incidents", None).await;
    let wait = std::time::Duration::from_secs(1);
    assert_eq!(far.settings_revision("sla_policy", wait).await, Some(0));
    assert_eq!(near.settings_revision("sla_policy", wait).await, Some(0));
    let mut policy = iris.ok(Method::GET, "/api/v1/sla/policy", None).await;
    policy["severities"][1]["resolve"] = json!({"amount": 9, "unit": "hours"});
    iris.ok(Method::PUT, "/api/v1/sla/policy", Some(policy))
        .await;
    assert_eq!(far.settings_revision("sla_policy", wait).await, Some(1));
    assert_eq!(near.settings_revision("sla_policy", wait).await, Some(1));
    assert_eq!(
        near.settings_revision("sla_policy", wait).await,
        None,
        "once per change"
    );
    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}

/// PUT /api/v1/sla/policy with `If-Match: "<revision>"`.
async fn put_policy_if(
    client: &crate::common::Client,
    policy: &Value,
    if_match: &str,
) -> reqwest::Response {
    client
        .http
        .put(format!("{}/api/v1/sla/policy", client.base))
        .header("If-Match", if_match)
        .json(policy)
        .send()
        .await
        .expect("request")
}

// Two admins edit the policy from the same revision: one lands, the other is told, and nothing
// is lost silently. A client that does not say which revision it edited gets last-writer-wins.
on_both_stores!(
    an_edit_from_a_stale_revision_is_refused,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let ada = server.client(UserRole::Admin).await;
        let res = iris.send(Method::GET, "/api/v1/sla/policy", None).await;
        assert_eq!(res.headers()["etag"], "\"0\"");
        let policy: Value = res.json().await.unwrap();

        let mut hers = policy.clone();
        hers["severities"][0]["acknowledge"] = json!({"amount": 6, "unit": "minutes"});
        let mut his = policy.clone();
        his["severities"][0]["acknowledge"] = json!({"amount": 8, "unit": "minutes"});
        let (a, b) = tokio::join!(
            put_policy_if(&iris, &hers, "\"0\""),
            put_policy_if(&ada, &his, "\"0\"")
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412]);
        let (winner, loser) = if a.status() == 200 { (a, b) } else { (b, a) };
        assert_eq!(winner.headers()["etag"], "\"1\"");
        let winner: Value = winner.json().await.unwrap();
        assert_eq!(winner["revision"], 1);
        let problem = assert_problem(loser, 412, "Someone else changed the SLA policy").await;
        assert!(problem["detail"].as_str().unwrap().contains("now at 1"));
        let now = iris.send(Method::GET, "/api/v1/sla/policy", None).await;
        assert_eq!(now.headers()["etag"], "\"1\"");
        assert_eq!(now.json::<Value>().await.unwrap(), winner["policy"]);

        // Weak tags never match (If-Match compares strongly); a list matches any of its
        // revisions; what is not a revision is a client error; `*` and none mean "whatever it is".
        assert_problem(
            put_policy_if(&iris, &hers, "W/\"1\"").await,
            412,
            "now at 1",
        )
        .await;
        assert_problem(
            put_policy_if(&iris, &hers, "yesterday").await,
            400,
            "If-Match",
        )
        .await;
        let listed: Value = put_policy_if(&iris, &hers, "\"7\", \"1\"")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["revision"], 2);
        let saved = iris
            .ok(Method::PUT, "/api/v1/sla/policy", Some(policy.clone()))
            .await;
        assert_eq!(saved["revision"], 3);
        let saved: Value = put_policy_if(&iris, &hers, "*").await.json().await.unwrap();
        assert_eq!(saved["revision"], 4);
        server.stop().await;
    }
);
