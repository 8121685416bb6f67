//! Every aggregate keeps a version, and a write decided on a stale one is refused by the same
//! check: 409 for an incident command's `expected_version`, 412 for a setting saved with
//! `If-Match` (or, on the settings screens, the revision they loaded) — the role catalog too.

use app::domain::UserRole;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{assert_problem, Client, Db, TestServer};

async fn put_if_match(client: &Client, path: &str, tag: &str, body: &Value) -> reqwest::Response {
    client
        .http
        .put(format!("{}{path}", client.base))
        .header("if-match", tag)
        .json(body)
        .send()
        .await
        .expect("PUT")
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The body of a server function's answer, and its status.
async fn server_fn(client: &Client, path: &str, body: Value) -> (u16, String) {
    let res = client.post_json(path, body).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

on_both_stores!(
    a_stale_version_is_refused_on_every_aggregate,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;

        // An incident: a command decided on version 1 after it moved to 2.
        let id = admin.declare("Versioned", "sev3").await["id"]
            .as_i64()
            .unwrap();
        admin.note(id, "moves it to version 2").await;
        let path = format!("/api/v1/incidents/{id}/severity");
        let stale = json!({"severity": "sev1", "reason": "worse", "expected_version": 1});
        let res = admin.send(Method::POST, &path, Some(stale)).await;
        assert_problem(res, 409, "Someone else changed this incident").await;
        let fresh = json!({"severity": "sev1", "reason": "worse", "expected_version": 2});
        admin.ok(Method::POST, &path, Some(fresh)).await;

        // The SLA policy: saved at revision 1, then a save from revision 0 (the ETag read before).
        let res = admin.get("/api/v1/sla/policy").await;
        assert_eq!(etag(&res), "\"0\"");
        let policy: Value = res.json().await.unwrap();
        let res = put_if_match(&admin, "/api/v1/sla/policy", "\"0\"", &policy).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(etag(&res), "\"1\"");
        let res = put_if_match(&admin, "/api/v1/sla/policy", "\"0\"", &policy).await;
        assert_problem(res, 412, "Someone else changed the SLA policy").await;
        let (status, body) = server_fn(
            &admin,
            "/fn/save-sla-policy",
            json!({"policy": policy, "revision": 0}),
        )
        .await;
        assert_eq!(status, 412, "{body}");
        assert!(
            body.contains("Someone else changed the SLA policy"),
            "{body}"
        );

        // The role catalog: it had no stale check at all (the last save won). Now it is refused
        // through both doors, and nothing is saved.
        let res = admin.get("/api/v1/roles").await;
        assert_eq!(etag(&res), "\"0\"");
        let catalog: Value = res.json().await.unwrap();
        let mut first = catalog.clone();
        first["roles"][1]["label"] = json!("Tech Owner");
        let res = put_if_match(&admin, "/api/v1/roles", "\"0\"", &first).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(etag(&res), "\"1\"");
        let mut second = catalog.clone();
        second["roles"][1]["label"] = json!("Lead Engineer");
        let res = put_if_match(&admin, "/api/v1/roles", "\"0\"", &second).await;
        let problem = assert_problem(res, 412, "Someone else changed the role catalog").await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("revision 0; it is now at 1")),
            "{problem}"
        );
        let (status, body) = server_fn(
            &admin,
            "/fn/save-roles",
            json!({"catalog": second, "revision": 0}),
        )
        .await;
        assert_eq!(status, 412, "{body}");
        assert!(
            body.contains("Someone else changed the role catalog"),
            "{body}"
        );
        let now = admin.ok(Method::GET, "/api/v1/roles", None).await;
        assert_eq!(
            now["roles"][1]["label"], "Tech Owner",
            "the stale saves left nothing"
        );

        // Saved from the revision it is at, it lands; a malformed If-Match is a 400.
        let (status, body) = server_fn(
            &admin,
            "/fn/save-roles",
            json!({"catalog": second, "revision": 1}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let saved: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(saved["revision"], 2);
        let res = put_if_match(&admin, "/api/v1/roles", "three", &second).await;
        assert_problem(res, 400, "not a revision of the role catalog").await;
        server.stop().await;
    }
);
