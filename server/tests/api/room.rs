//! The complete incident room through the REST API, on SQLite and on PostgreSQL: every command,
//! the service catalog, merges, exports, and what stakeholders may not do.

use std::time::Duration;

use crate::common::{assert_problem, Client, Db, SseReader, TestServer};
use app::domain::UserRole;
use reqwest::Method;
use serde_json::{json, Value};

/// The incident as stored: without its SLA clocks and the server time they are as of.
async fn incident(client: &Client, id: i64) -> Value {
    let mut got = client
        .ok(Method::GET, &format!("/api/v1/incidents/{id}"), None)
        .await;
    if let Some(fields) = got.as_object_mut() {
        fields.remove("sla");
        fields.remove("server_time");
    }
    got
}

async fn version(client: &Client, id: i64) -> i64 {
    incident(client, id).await["version"].as_i64().unwrap()
}

async fn service(client: &Client, name: &str) -> i64 {
    let body = json!({
        "name": name, "owner_team": "Payments", "tier": 1,
        "runbook_url": "https://runbooks.example.com/x", "contacts": "@oncall",
        "description": "Takes money"
    });
    client
        .ok(Method::POST, "/api/v1/services", Some(body))
        .await["id"]
        .as_i64()
        .unwrap()
}

on_both_stores!(the_room_runs_an_incident_end_to_end, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;
    let id = iris.declare("Checkout down", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/incidents/{id}");

    // Acknowledge: out of triage, once.
    let acted = sam
        .ok(Method::POST, &format!("{base}/acknowledge"), None)
        .await;
    assert_eq!(acted["incident"]["status"], "investigating");
    assert!(acted["incident"]["acknowledged_at"].is_string());
    assert_eq!(acted["events"][0]["payload"]["type"], "acknowledged");
    let res = sam
        .send(Method::POST, &format!("{base}/acknowledge"), None)
        .await;
    assert_problem(res, 422, "already acknowledged").await;

    // Severity needs a reason, and the version seen.
    let v = version(&iris, id).await;
    let res = iris
        .send(
            Method::POST,
            &format!("{base}/severity"),
            Some(json!({"severity": "sev1", "reason": " ", "expected_version": v})),
        )
        .await;
    assert_problem(res, 422, "Reason must not be empty").await;
    let res = iris
        .send(
            Method::POST,
            &format!("{base}/severity"),
            Some(json!({"severity": "sev9", "reason": "x", "expected_version": v})),
        )
        .await;
    assert_problem(res, 422, "sev1, sev2, sev3, sev4").await;
    let acted = iris
        .ok(
            Method::POST,
            &format!("{base}/severity"),
            Some(json!({"severity": "sev1", "reason": "All regions", "expected_version": v})),
        )
        .await;
    assert_eq!(acted["incident"]["severity"], "sev1");
    assert_eq!(acted["events"][0]["payload"]["reason"], "All regions");

    // Impact.
    let v = version(&iris, id).await;
    let acted = iris
        .ok(
            Method::PUT,
            &format!("{base}/impact"),
            Some(json!({"customer_impact": "Payment failed", "affected": "all", "expected_version": v})),
        )
        .await;
    assert_eq!(acted["incident"]["impact"]["affected"], "all");
    assert_eq!(
        acted["incident"]["impact"]["customer_impact"],
        "Payment failed"
    );

    // Link a catalog service; linking twice is refused; unknown ones are 404.
    let payments = service(&iris, "Payments API").await;
    let acted = sam
        .ok(
            Method::POST,
            &format!("{base}/services"),
            Some(json!({"service_id": payments})),
        )
        .await;
    assert_eq!(acted["incident"]["services"][0]["name"], "Payments API");
    let res = sam
        .send(
            Method::POST,
            &format!("{base}/services"),
            Some(json!({"service_id": payments})),
        )
        .await;
    assert_problem(res, 422, "already linked").await;
    let res = sam
        .send(
            Method::POST,
            &format!("{base}/services"),
            Some(json!({"service_id": 999_999})),
        )
        .await;
    assert_problem(res, 404, "not in the catalog").await;

    // A public status update restarts the update clock; its Markdown is sanitised.
    let acted = sam
        .ok(
            Method::POST,
            &format!("{base}/updates"),
            Some(json!({"visibility": "public", "body": "We are **investigating** <script>x()</script>"})),
        )
        .await;
    assert!(acted["incident"]["last_public_update_at"].is_string());
    let html = acted["events"][0]["html"].as_str().unwrap();
    assert!(html.contains("<strong>investigating</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");

    // Pin a note; only its author edits or deletes it.
    let note = sam.note(id, "Rolled back #4812").await;
    let note_id = note["id"].as_i64().unwrap();
    let acted = iris
        .ok(Method::PUT, &format!("{base}/pins/{note_id}"), None)
        .await;
    assert_eq!(acted["incident"]["pinned"], json!([note_id]));
    let res = iris
        .send(
            Method::PATCH,
            &format!("{base}/notes/{note_id}"),
            Some(json!({"body": "mine now"})),
        )
        .await;
    assert_problem(res, 403, "Only its author").await;
    let acted = sam
        .ok(
            Method::PATCH,
            &format!("{base}/notes/{note_id}"),
            Some(json!({"body": "Rolled back **#4812**"})),
        )
        .await;
    assert!(acted["events"][0]["html"]
        .as_str()
        .unwrap()
        .contains("<strong>"));
    sam.ok(Method::DELETE, &format!("{base}/notes/{note_id}"), None)
        .await;
    let inc = incident(&iris, id).await;
    assert_eq!(
        inc["pinned"],
        json!([]),
        "a deleted note is no longer pinned"
    );
    assert_eq!(inc["deleted_notes"], json!([note_id]));
    // Entries of another incident are not found here.
    let other = iris.declare("Other", "sev4").await["id"].as_i64().unwrap();
    let res = iris
        .send(
            Method::PUT,
            &format!("/api/v1/incidents/{other}/pins/{note_id}"),
            None,
        )
        .await;
    assert_problem(res, 404, "no timeline entry").await;

    // Timestamps: ordered, not in the future, with a reason.
    let inc = incident(&iris, id).await;
    let acked = inc["acknowledged_at"].as_str().unwrap().to_owned();
    let v = inc["version"].as_i64().unwrap();
    let later: chrono::DateTime<chrono::Utc> =
        acked.parse::<chrono::DateTime<chrono::Utc>>().unwrap() + chrono::Duration::milliseconds(1);
    let res = iris
        .send(
            Method::PUT,
            &format!("{base}/timestamps/detected"),
            Some(json!({"at": later, "reason": "late page", "expected_version": v})),
        )
        .await;
    assert_problem(res, 422, "cannot be before detected").await;
    let res = iris
        .send(
            Method::PUT,
            &format!("{base}/timestamps/mitigated"),
            Some(json!({"at": acked, "reason": "x", "expected_version": v})),
        )
        .await;
    assert_problem(res, 422, "has not happened yet").await;
    let earlier = chrono::Utc::now() - chrono::Duration::hours(2);
    let acted = iris
        .ok(
            Method::PUT,
            &format!("{base}/timestamps/started"),
            Some(json!({"at": earlier, "reason": "errors began earlier", "expected_version": v})),
        )
        .await;
    assert_eq!(acted["events"][0]["payload"]["milestone"], "started");

    // Everything is on the timeline, in order, versions without gaps.
    let timeline = iris
        .ok(Method::GET, &format!("{base}/timeline"), None)
        .await;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "incident_declared",
            "acknowledged",
            "severity_changed",
            "impact_updated",
            "service_linked",
            "status_update_published",
            "note_added",
            "entry_pinned",
            "note_edited",
            "note_deleted",
            "timestamp_changed"
        ]
    );
    let versions: Vec<i64> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["incident_version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
    server.stop().await;
});

on_both_stores!(
    merging_tells_the_duplicates_viewers_and_links_the_survivor,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let survivor = iris.declare("Checkout down", "sev1").await["id"]
            .as_i64()
            .unwrap();
        let dup = iris.declare("Cannot pay", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let mut watcher = SseReader::open(
            &iris,
            &format!("/api/v1/stream?topics=incident:{dup}"),
            None,
        )
        .await;

        // Into itself, or into nothing: refused.
        let res = iris
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{dup}/merge"),
                Some(json!({"target_id": dup, "expected_version": 1})),
            )
            .await;
        assert_problem(res, 422, "into itself").await;
        let res = iris
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{dup}/merge"),
                Some(json!({"target_id": 424_242, "expected_version": 1})),
            )
            .await;
        assert_problem(res, 404, "does not exist").await;

        let acted = iris
            .ok(
                Method::POST,
                &format!("/api/v1/incidents/{dup}/merge"),
                Some(json!({"target_id": survivor, "expected_version": 1})),
            )
            .await;
        assert_eq!(acted["incident"]["status"], "merged");
        assert_eq!(acted["incident"]["merged_into"], survivor);

        // The duplicate's viewers are told, live.
        let mut told = false;
        for _ in 0..5 {
            match watcher.next_within(Duration::from_secs(2)).await {
                Some(e) if e.event == "merged_into" => {
                    assert!(
                        e.data.contains(&format!("\"target_id\":{survivor}")),
                        "{}",
                        e.data
                    );
                    told = true;
                    break;
                }
                Some(_) => continue,
                None => break,
            }
        }
        assert!(told, "the duplicate's stream carried merged_into");

        // The survivor's timeline links the duplicate.
        let timeline = iris
            .ok(
                Method::GET,
                &format!("/api/v1/incidents/{survivor}/timeline"),
                None,
            )
            .await;
        let last = timeline.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["payload"]["type"], "duplicate_merged");
        assert_eq!(last["payload"]["duplicate_id"], dup);
        assert_eq!(last["payload"]["duplicate_title"], "Cannot pay");

        // The duplicate is read-only now.
        let res = iris
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{dup}/notes"),
                Some(json!({"body": "more"})),
            )
            .await;
        assert_problem(res, 409, &format!("merged into INC-{survivor}")).await;
        // And nothing can be merged into it.
        let third = iris.declare("Also payments", "sev3").await["id"]
            .as_i64()
            .unwrap();
        let res = iris
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{third}/merge"),
                Some(json!({"target_id": dup, "expected_version": 1})),
            )
            .await;
        assert_problem(res, 422, &format!("merge into INC-{survivor} instead")).await;
        server.stop().await;
    }
);

on_both_stores!(
    concurrent_severity_changes_one_wins_nothing_lost,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let a = server.client(UserRole::Responder).await;
        let b = server.client(UserRole::Admin).await;
        let id = a.declare("Race", "sev3").await["id"].as_i64().unwrap();
        let path = format!("/api/v1/incidents/{id}/severity");
        let v = version(&a, id).await;
        let (ra, rb) = tokio::join!(
            a.send(
                Method::POST,
                &path,
                Some(json!({"severity": "sev1", "reason": "a", "expected_version": v}))
            ),
            b.send(
                Method::POST,
                &path,
                Some(json!({"severity": "sev2", "reason": "b", "expected_version": v}))
            ),
        );
        let mut codes = [ra.status().as_u16(), rb.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [200, 409]);
        let timeline = a
            .ok(
                Method::GET,
                &format!("/api/v1/incidents/{id}/timeline"),
                None,
            )
            .await;
        assert_eq!(
            timeline.as_array().unwrap().len(),
            2,
            "one declare, one change"
        );
        server.stop().await;
    }
);

on_both_stores!(
    the_service_catalog_checks_what_it_keeps,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let id = service(&admin, "Search").await;
        let res = admin
            .send(
                Method::POST,
                "/api/v1/services",
                Some(json!({"name": " search ", "owner_team": "X", "tier": 2})),
            )
            .await;
        assert_problem(res, 409, "A service with this name already exists").await;
        let res = admin
        .send(
            Method::POST,
            "/api/v1/services",
            Some(json!({"name": "Evil", "owner_team": "X", "tier": 2, "runbook_url": "javascript:alert(1)"})),
        )
        .await;
        assert_problem(res, 422, "must be a web address").await;
        let res = admin
            .send(
                Method::POST,
                "/api/v1/services",
                Some(json!({"name": "Tierless", "owner_team": "X", "tier": 7})),
            )
            .await;
        assert_problem(res, 422, "Tier must be 1, 2 or 3").await;
        let updated = admin
        .ok(
            Method::PUT,
            &format!("/api/v1/services/{id}"),
            Some(json!({"name": "Search", "owner_team": "Discovery", "tier": 2, "contacts": "@disc"})),
        )
        .await;
        assert_eq!(updated["owner_team"], "Discovery");
        let res = admin
            .send(
                Method::PUT,
                "/api/v1/services/987654",
                Some(json!({"name": "Ghost", "owner_team": "X", "tier": 2})),
            )
            .await;
        assert_problem(res, 404, "not in the catalog").await;
        let all = admin.ok(Method::GET, "/api/v1/services", None).await;
        assert_eq!(all.as_array().unwrap().len(), 1);
        server.stop().await;
    }
);

on_both_stores!(
    the_timeline_exports_as_markdown_and_csv,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let id = iris.declare("Export me", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let note = iris.note(id, "Line one, with \"quotes\"\nline two").await;
        let note_id = note["id"].as_i64().unwrap();
        iris.ok(
            Method::PUT,
            &format!("/api/v1/incidents/{id}/pins/{note_id}"),
            None,
        )
        .await;

        let res = iris
            .send(
                Method::GET,
                &format!("/api/v1/incidents/{id}/export?format=md"),
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown"));
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("INC-{id}-timeline.md")));
        let md = res.text().await.unwrap();
        assert!(md.starts_with(&format!("# INC-{id} Export me")), "{md}");
        assert!(md.contains("📌: Line one"), "{md}");

        let res = iris
            .send(
                Method::GET,
                &format!("/api/v1/incidents/{id}/export?format=csv"),
                None,
            )
            .await;
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("id,at,author,kind,pinned,text"));
        // The quoted multi-line note survives CSV quoting.
        assert!(
            csv.contains("\"Line one, with \"\"quotes\"\"\nline two\""),
            "{csv}"
        );
        assert!(csv.contains(",note_added,true,"), "{csv}");

        let res = iris
            .send(
                Method::GET,
                &format!("/api/v1/incidents/{id}/export?format=pdf"),
                None,
            )
            .await;
        assert_problem(res, 404, "use .md (Markdown) or .csv").await;
        server.stop().await;
    }
);

// Every route that changes something, found in the OpenAPI document (so a new route is covered
// the day it is documented), refuses a stakeholder with 403 and changes nothing. So do the
// server functions the screens use.
on_both_stores!(
    a_stakeholder_gets_403_on_every_changing_route,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let id = admin.declare("Watched", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let other = admin.declare("Survivor", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let note = admin.note(id, "a note").await["id"].as_i64().unwrap();
        let svc = service(&admin, "Payments").await;
        let before = incident(&admin, id).await;

        let catalog = admin.ok(Method::GET, "/api/v1/roles", None).await;
        let policy = admin.ok(Method::GET, "/api/v1/sla/policy", None).await;
        let stakeholder = server.client(UserRole::Stakeholder).await;
        let doc = stakeholder
            .ok(Method::GET, "/api/v1/openapi.json", None)
            .await;
        let mut walked = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, _) in item.as_object().unwrap() {
                let method = method.to_uppercase();
                // Reading, signing in and out, and one's own (read) API tokens, which
                // stakeholders may hold: tested in tokens.rs.
                if method == "GET"
                    || path == "/api/v1/session"
                    || path.starts_with("/api/v1/tokens")
                {
                    continue;
                }
                let concrete = path
                    .replace("{id}", &id.to_string())
                    .replace("{event_id}", &note.to_string())
                    .replace("{service_id}", &svc.to_string())
                    .replace("{milestone}", "started");
                let concrete = if path == "/api/v1/services/{id}" {
                    format!("/api/v1/services/{svc}")
                } else {
                    concrete
                };
                // A body that would be valid for an allowed user.
                let body = json!({
                    "title": "t", "severity": "sev1", "summary": "", "body": "hi", "reason": "r",
                    "status": "investigating", "expected_version": before["version"],
                    "customer_impact": "x", "affected": "all", "service_id": svc,
                    "at": before["detected_at"], "visibility": "public", "target_id": other,
                    "name": "Renamed", "owner_team": "T", "tier": 1,
                    "role": "scribe", "person": admin.user.as_ref().unwrap().id,
                    "from": "scribe", "to": "tech_lead", "first_role": "scribe",
                    "second_role": "tech_lead", "item": "Pin key moments", "done": true,
                    "team": "T", "on_call": true, "roles": catalog["roles"],
                    "calendar": policy["calendar"], "severities": policy["severities"],
                    "requester": {"email": "ada@example.com"}, "subject": "Help",
                    "text": "Help", "message_id": "m1@example.com",
                    "ids": [1], "set": {"priority": "low"}, "into": other
                });
                let res = stakeholder
                    .send(
                        Method::from_bytes(method.as_bytes()).unwrap(),
                        &concrete,
                        Some(body),
                    )
                    .await;
                assert_eq!(res.status().as_u16(), 403, "{method} {concrete}");
                walked.push(format!("{method} {path}"));
            }
        }
        assert!(walked.len() >= 25, "walked only {walked:?}");

        // The screens' server functions.
        let act = json!({"incident_id": id, "command": {"lifecycle": {"type": "acknowledge"}}});
        let res = stakeholder.send(Method::POST, "/fn/act", Some(act)).await;
        assert_eq!(res.status().as_u16(), 403, "/fn/act");
        for (path, form) in [
            (
                "/fn/note",
                vec![("incident_id", id.to_string()), ("body", "x".into())],
            ),
            (
                "/fn/status",
                vec![
                    ("incident_id", id.to_string()),
                    ("status", "investigating".into()),
                    ("expected_version", "1".into()),
                ],
            ),
            (
                "/fn/declare",
                vec![
                    ("title", "x".into()),
                    ("severity", "sev1".into()),
                    ("summary", String::new()),
                ],
            ),
            (
                "/fn/save-service",
                vec![
                    ("id", String::new()),
                    ("name", "New".into()),
                    ("owner_team", "T".into()),
                    ("tier", "1".into()),
                    ("runbook_url", String::new()),
                    ("contacts", String::new()),
                    ("description", String::new()),
                ],
            ),
        ] {
            let res = stakeholder
                .http
                .post(format!("{}{path}", stakeholder.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 403, "{path}");
        }

        // Nothing changed.
        assert_eq!(incident(&admin, id).await, before);
        let services = admin.ok(Method::GET, "/api/v1/services", None).await;
        assert_eq!(services.as_array().unwrap().len(), 1);
        assert_eq!(services[0]["name"], "Payments");
        server.stop().await;
    }
);
