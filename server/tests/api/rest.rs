//! The REST API against a real server, on SQLite and on PostgreSQL.

use crate::common::{assert_problem, Client, Db, TestServer};
use app::domain::UserRole;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_stores!(session_sign_in_me_and_sign_out, |db: Db| async move {
    let server = TestServer::start(db).await;
    server
        .user("ada@example.test", "Ada Lovelace", UserRole::Responder)
        .await;
    let client = Client::anonymous(&server.base);

    // Wrong password: 401, no session.
    let res = client
        .post_json(
            "/api/v1/session",
            json!({"email": "ada@example.test", "password": "nope"}),
        )
        .await;
    assert_problem(res, 401, "Wrong email or password").await;
    assert_problem(client.get("/api/v1/me").await, 401, "sign in").await;

    // Unknown email looks the same.
    let res = client
        .post_json(
            "/api/v1/session",
            json!({"email": "who@example.test", "password": "x"}),
        )
        .await;
    assert_problem(res, 401, "Wrong email or password").await;

    let res = client
        .post_json(
            "/api/v1/session",
            json!({"email": "ADA@example.test", "password": crate::common::PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");

    let me: Value = client.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["email"], "ada@example.test");
    assert_eq!(me["role"], "responder");
    assert!(me["id"].as_i64().is_some());

    let res = client
        .http
        .delete(server.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(client.get("/api/v1/me").await, 401, "sign in").await;
    server.stop().await;
});

on_both_stores!(
    everything_but_sign_in_needs_a_session,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let anon = Client::anonymous(&server.base);
        for path in [
            "/api/v1/incidents",
            "/api/v1/incidents/1",
            "/api/v1/incidents/1/timeline",
            "/api/v1/me",
            "/api/v1/stream?topics=incidents",
        ] {
            assert_problem(anon.get(path).await, 401, "sign in").await;
        }
        let res = anon
            .post_json(
                "/api/v1/incidents",
                json!({"title": "x", "severity": "sev1"}),
            )
            .await;
        assert_problem(res, 401, "sign in").await;
        // Server functions get the error in the shape the page can show.
        let res = anon
            .http
            .post(server.url("/fn/incidents"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let err: app::domain::AppError = res.json().await.unwrap();
        assert_eq!(err, app::domain::AppError::unauthenticated());
        // Pages redirect to the sign-in page, remembering where you were going.
        let res = anon.get("/incidents/3").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers().get("location").unwrap(),
            "/login?next=%2Fincidents%2F3"
        );
        // The sign-in page and the health check are public.
        assert_eq!(anon.get("/login").await.status(), StatusCode::OK);
        let health: Value = anon.get("/healthz").await.json().await.unwrap();
        assert_eq!(health["status"], "ok");
        server.stop().await;
    }
);

on_both_stores!(
    declare_list_get_note_and_change_status,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let client = server.client(UserRole::Responder).await;

        let incident = client.declare("  Checkout is down  ", "sev1").await;
        let id = incident["id"].as_i64().unwrap();
        assert_eq!(incident["title"], "Checkout is down");
        assert_eq!(incident["severity"], "sev1");
        assert_eq!(incident["status"], "triage");
        assert_eq!(incident["version"], 1);
        assert!(incident["declared_at"].is_string());
        assert!(incident["detected_at"].is_string());

        let list: Value = client.get("/api/v1/incidents").await.json().await.unwrap();
        assert!(list["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id));
        assert_eq!(list["counts"]["triage"], 1);

        let mut got: Value = client
            .get(&format!("/api/v1/incidents/{id}"))
            .await
            .json()
            .await
            .unwrap();
        // The incident, with its SLA clocks as of the server's time.
        let fields = got.as_object_mut().unwrap();
        let sla = fields.remove("sla").expect("sla");
        assert!(fields.remove("server_time").unwrap().is_string());
        assert!(sla
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "acknowledge"));
        assert_eq!(got, incident);

        let note = client.note(id, "Rolled back **deploy 42**").await;
        assert_eq!(note["payload"]["type"], "note_added");
        assert!(note["html"]
            .as_str()
            .unwrap()
            .contains("<strong>deploy 42</strong>"));

        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/status"),
                json!({"status": "investigating", "expected_version": 2}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let changed: Value = res.json().await.unwrap();
        assert_eq!(changed["status"], "investigating");
        assert_eq!(changed["version"], 3);
        assert!(changed["acknowledged_at"].is_string());

        let timeline: Vec<Value> = client
            .get(&format!("/api/v1/incidents/{id}/timeline"))
            .await
            .json()
            .await
            .unwrap();
        let kinds: Vec<&str> = timeline
            .iter()
            .map(|e| e["payload"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["incident_declared", "note_added", "status_changed"]);
        let ids: Vec<i64> = timeline.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(timeline
            .iter()
            .all(|e| e["actor"]["name"] == client.user.as_ref().unwrap().name.as_str()));
        server.stop().await;
    }
);

on_both_stores!(notes_are_rendered_safely, |db: Db| async move {
    let server = TestServer::start(db).await;
    let client = server.client(UserRole::Responder).await;
    let id = client.declare("XSS", "sev3").await["id"].as_i64().unwrap();
    let note = client
        .note(
            id,
            "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(2)) *ok*",
        )
        .await;
    let html = note["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("<em>ok</em>"), "{html}");
    // The stored text is kept as written: nothing the author typed is lost.
    assert!(note["payload"]["body"]
        .as_str()
        .unwrap()
        .contains("<script>"));
    server.stop().await;
});

on_both_stores!(
    bad_input_is_refused_clearly_and_stores_nothing,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let client = server.client(UserRole::Responder).await;
        let id = client.declare("Real one", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let events_before = server.store.last_event_id().await.unwrap();

        // Empty and over-long titles, with the limits stated.
        for title in ["", "   "] {
            let res = client
                .post_json(
                    "/api/v1/incidents",
                    json!({"title": title, "severity": "sev2"}),
                )
                .await;
            assert_problem(res, 422, "Title must not be empty (1–200 characters)").await;
        }
        let res = client
            .post_json(
                "/api/v1/incidents",
                json!({"title": "x".repeat(201), "severity": "sev2"}),
            )
            .await;
        assert_problem(res, 422, "the limit is 200").await;

        // Unknown severity names the valid ones.
        let res = client
            .post_json(
                "/api/v1/incidents",
                json!({"title": "t", "severity": "sev5"}),
            )
            .await;
        assert_problem(res, 422, "use one of sev1, sev2, sev3, sev4").await;

        // Over-long note.
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/notes"),
                json!({"body": "n".repeat(20_001)}),
            )
            .await;
        assert_problem(res, 422, "the limit is 20000").await;
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/notes"),
                json!({"body": "  "}),
            )
            .await;
        assert_problem(res, 422, "Note must not be empty").await;

        // Illegal transition says which are allowed.
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/status"),
                json!({"status": "closed", "expected_version": 1}),
            )
            .await;
        assert_problem(
        res,
        422,
        "cannot move from Triage to Closed. From Triage it can move to: Investigating, Identified, Monitoring, Resolved, Declined.",
    )
    .await;
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/status"),
                json!({"status": "on-fire", "expected_version": 1}),
            )
            .await;
        assert_problem(res, 422, "Unknown status \"on-fire\"").await;

        // Stale version.
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{id}/status"),
                json!({"status": "investigating", "expected_version": 0}),
            )
            .await;
        assert_problem(res, 409, "Someone else changed this incident").await;

        // Malformed JSON, wrong content type, missing fields.
        let res = client
            .http
            .post(server.url("/api/v1/incidents"))
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "not valid JSON").await;
        let res = client
            .http
            .post(server.url("/api/v1/incidents"))
            .header("content-type", "text/plain")
            .body("title=x")
            .send()
            .await
            .unwrap();
        assert_problem(res, 415, "Content-Type: application/json").await;
        let res = client
            .post_json("/api/v1/incidents", json!({"severity": "sev1"}))
            .await;
        assert_problem(res, 422, "The field \"title\" is missing").await;

        // Unknown incident, and a path that is not an id.
        assert_problem(
            client.get("/api/v1/incidents/999999").await,
            404,
            "Incident 999999 does not exist",
        )
        .await;
        let res = client
            .post_json("/api/v1/incidents/999999/notes", json!({"body": "x"}))
            .await;
        assert_problem(res, 404, "does not exist").await;
        assert_problem(
            client.get("/api/v1/incidents/abc").await,
            400,
            "The address has \"abc\" where a number (an id) belongs",
        )
        .await;
        assert_problem(
            client.get("/api/v1/nothing-here").await,
            404,
            "No such API route",
        )
        .await;

        // Nothing was stored by any of it.
        assert_eq!(server.store.last_event_id().await.unwrap(), events_before);
        let incident: Value = client
            .get(&format!("/api/v1/incidents/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(incident["version"], 1);
        assert_eq!(incident["status"], "triage");
        server.stop().await;
    }
);

on_both_stores!(stakeholders_read_but_cannot_change, |db: Db| async move {
    let server = TestServer::start(db).await;
    let responder = server.client(UserRole::Responder).await;
    let id = responder.declare("Visible", "sev3").await["id"]
        .as_i64()
        .unwrap();
    let stakeholder = server.client(UserRole::Stakeholder).await;
    assert_eq!(
        stakeholder.get("/api/v1/incidents").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        stakeholder
            .get(&format!("/api/v1/incidents/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    let writes = [
        (
            "/api/v1/incidents".to_owned(),
            json!({"title": "t", "severity": "sev1"}),
        ),
        (
            format!("/api/v1/incidents/{id}/notes"),
            json!({"body": "hi"}),
        ),
        (
            format!("/api/v1/incidents/{id}/status"),
            json!({"status": "investigating", "expected_version": 1}),
        ),
    ];
    for (path, body) in writes {
        let res = stakeholder.post_json(&path, body).await;
        assert_problem(res, 403, "can read incidents but not change them").await;
    }
    let incident: Value = responder
        .get(&format!("/api/v1/incidents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["version"], 1);
    server.stop().await;
});

on_both_stores!(concurrent_status_changes_one_wins, |db: Db| async move {
    let server = TestServer::start(db).await;
    let a = server.client(UserRole::Responder).await;
    let b = server.client(UserRole::Admin).await;
    let id = a.declare("Race", "sev2").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}/status");
    for round in 0..5 {
        let version: i64 = a
            .get(&format!("/api/v1/incidents/{id}"))
            .await
            .json::<Value>()
            .await
            .unwrap()["version"]
            .as_i64()
            .unwrap();
        let (to_a, to_b) = ("investigating", "identified");
        let (ra, rb) = tokio::join!(
            a.post_json(&path, json!({"status": to_a, "expected_version": version})),
            b.post_json(&path, json!({"status": to_b, "expected_version": version})),
        );
        let mut codes = [ra.status().as_u16(), rb.status().as_u16()];
        codes.sort();
        assert_eq!(codes[0], 200, "round {round}: {codes:?}");
        assert!(codes[1] == 409, "round {round}: {codes:?}");
        // Go back to a state from which both moves are legal again.
        let v: i64 = a
            .get(&format!("/api/v1/incidents/{id}"))
            .await
            .json::<Value>()
            .await
            .unwrap()["version"]
            .as_i64()
            .unwrap();
        let res = a
            .post_json(
                &path,
                json!({"status": "monitoring", "expected_version": v}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    // Every accepted change is on the timeline, versions without gaps.
    let timeline: Vec<Value> = a
        .get(&format!("/api/v1/incidents/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let versions: Vec<i64> = timeline
        .iter()
        .map(|e| e["incident_version"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (1..=versions.len() as i64).collect();
    assert_eq!(versions, expected);
    server.stop().await;
});

on_both_stores!(data_survives_a_restart, |db: Db| async move {
    let server = TestServer::start(db).await;
    let client = server.client(UserRole::Responder).await;
    let email = client.user.as_ref().unwrap().email.clone();
    let id = client.declare("Persistent", "sev2").await["id"]
        .as_i64()
        .unwrap();
    client.note(id, "remember me").await;
    let db = server.stop().await;

    let server = TestServer::start(db).await;
    let client = Client::signed_in(&server.base, &email, crate::common::PASSWORD).await;
    let incident: Value = client
        .get(&format!("/api/v1/incidents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["title"], "Persistent");
    assert_eq!(incident["version"], 2);
    let timeline: Vec<Value> = client
        .get(&format!("/api/v1/incidents/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(timeline[1]["payload"]["body"], "remember me");
    server.stop().await;
});

/// The document is what a generated client is built from: served without sign-in, with query
/// parameters in the query, enumerations as enums, errors as problems, and every status a
/// route can answer.
#[tokio::test]
async fn openapi_is_public_and_says_what_the_server_does() {
    let server = TestServer::start(Db::sqlite()).await;
    let anon = Client::anonymous(&server.base);
    let res = anon.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    let paths = &doc["paths"];

    let param_in = |path: &str, name: &str| {
        paths[path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .map(|p| p["in"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(param_in("/api/v1/incidents/{id}/export", "format"), "query");
    assert_eq!(param_in("/api/v1/people", "q"), "query");
    assert_eq!(param_in("/api/v1/stream", "topics"), "query");
    assert_eq!(param_in("/api/v1/stream", "after"), "query");

    // Enumerations are enums, also where the request takes them as text.
    let schemas = &doc["components"]["schemas"];
    let refs = |schema: &Value, field: &str| schema["properties"][field].to_string();
    assert!(refs(&schemas["DeclareRequest"], "severity").contains("Severity"));
    assert!(refs(&schemas["SeverityRequest"], "severity").contains("Severity"));
    assert!(refs(&schemas["StatusRequest"], "status").contains("Status"));
    assert!(refs(&schemas["ImpactRequest"], "affected").contains("Affected"));
    assert!(refs(&schemas["UpdateRequest"], "visibility").contains("Visibility"));
    assert!(schemas["Severity"]["enum"]
        .as_array()
        .is_some_and(|e| e.len() == 4));
    assert!(schemas["Unit"]["enum"].as_array().is_some());
    let format = paths["/api/v1/incidents/{id}/export"]["get"]["parameters"].to_string();
    assert!(
        format.contains("\"md\"") && format.contains("\"csv\""),
        "{format}"
    );

    // The session cookie is the security scheme of everything but the public routes.
    let scheme = &doc["components"]["securitySchemes"]["session"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "cookie");
    assert_eq!(scheme["name"], "sitrep_session");
    assert!(paths["/api/v1/incidents"]["get"]["security"]
        .to_string()
        .contains("session"));
    assert_eq!(paths["/api/v1/session"]["post"]["security"], json!([{}]));

    for (path, item) in paths.as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    assert!(
                        content.contains_key("application/problem+json")
                            && !content.contains_key("application/json"),
                        "{method} {path} {status}: {content:?}"
                    );
                }
            }
            let public = (method == "post" && path == "/api/v1/session")
                || (method == "get"
                    && matches!(
                        path.as_str(),
                        "/api/v1/openapi.json" | "/healthz" | "/metrics"
                    ));
            let mut expected = Vec::new();
            if !public {
                expected.push("401");
            }
            if op.get("requestBody").is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            if method != "get" {
                expected.push("403");
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not declare {status}"
                );
            }
        }
    }
    let sign_in = paths["/api/v1/session"]["post"]["responses"]
        .as_object()
        .unwrap();
    assert!(sign_in.contains_key("429"));
    server.stop().await;
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let server = TestServer::start(Db::sqlite()).await;
    let client = server.client(UserRole::Responder).await;
    let doc: Value = client
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/incidents", "get"),
        ("/api/v1/incidents", "post"),
        ("/api/v1/incidents/{id}", "get"),
        ("/api/v1/incidents/{id}/timeline", "get"),
        ("/api/v1/incidents/{id}/notes", "post"),
        ("/api/v1/incidents/{id}/status", "post"),
        ("/api/v1/stream", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/sla/policy", "get"),
        ("/api/v1/sla/policy", "put"),
        ("/api/v1/incidents/{id}/sla", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Incident"].is_object());
    assert!(schemas["Problem"].is_object());
    // The incident JSON carries its SLA clocks: target, deadline, state, paused time.
    let view = schemas["IncidentView"].to_string();
    assert!(
        view.contains("\"sla\"") && view.contains("#/components/schemas/Incident"),
        "{view}"
    );
    for field in ["target", "deadline", "state", "paused_seconds"] {
        assert!(
            schemas["Clock"]["properties"][field].is_object(),
            "Clock.{field}"
        );
    }
    assert!(schemas["SlaPolicySaved"]["properties"]["moved"].is_object());
    let saved = &paths["/api/v1/sla/policy"]["put"]["responses"]["200"];
    assert!(saved.to_string().contains("SlaPolicySaved"), "{saved}");
    server.stop().await;
}
