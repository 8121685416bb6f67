//! SLA clocks through the REST API, on SQLite and on PostgreSQL: the policy (defaults, admin
//! edits, bad input) and an incident's clocks following its milestones.

mod common;

use app::domain::UserRole;
use chrono::{DateTime, Duration, Utc};
use common::{assert_problem, Db, TestServer};
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

async fn breaches(client: &common::Client, id: i64) -> Vec<Value> {
    let timeline = client
        .ok(
            Method::GET,
            &format!("/api/v1/incidents/{id}/timeline"),
            None,
        )
        .await;
    timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["type"] == "sla_breached")
        .cloned()
        .collect()
}

/// Moves detection back so the acknowledge clock (5 min for a SEV1) is due in `due_in`.
async fn due_soon_after(client: &common::Client, id: i64, due_in: Duration) -> DateTime<Utc> {
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

async fn wait_for_breaches(client: &common::Client, id: i64, n: usize) -> Vec<Value> {
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
        let act = json!({"incident_id": id, "command": {"type": "record_breach", "clock": "resolve",
        "started_at": incident["detected_at"], "deadline": incident["detected_at"]}});
        let res = iris.send(Method::POST, "/fn/act", Some(act)).await;
        assert_eq!(res.status().as_u16(), 403);
        let res = common::Client::anonymous(&server.url(""))
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
