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
