//! Upgrading in place: a database written by release 0.1 (see fixtures/README.md) is migrated by
//! this release on start, keeps everything it held, and takes new writes. What is asserted comes
//! from the fixture's README (what the release wrote), not from what this release computes.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sitrep::store::Logged;

use crate::common::{Client, Db, SseReader, TestServer};

const SQLITE_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/fixtures/release-0.1.sqlite"
);
const POSTGRES_FIXTURE: &str = include_str!("fixtures/release-0.1.postgres.sql");
/// The demo users' password.
const DEMO_PASSWORD: &str = "sitrep-demo";

/// Puts release 0.1's database where `db` (still empty, not migrated) lives.
pub(crate) async fn restore(db: &Db) {
    match db {
        Db::Sqlite { dir } => {
            std::fs::copy(SQLITE_FIXTURE, dir.path().join("sitrep.db")).expect("copy the fixture");
        }
        // Loaded with sqlx (CI machines may have no psql), on a connection of its own: the dump
        // empties its search_path.
        Db::Postgres { .. } => {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url())
                .await
                .expect("connect");
            sqlx::raw_sql(POSTGRES_FIXTURE)
                .execute(&mut conn)
                .await
                .expect("load the dump");
            sqlx::Connection::close(conn).await.expect("close");
        }
    }
}

/// Runs `sql` on `db` directly, as release 0.1 (or a person) might have, before this release
/// starts on it.
pub(crate) async fn raw(db: &Db, sql: &str) {
    let url = db.url();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn demo(server: &TestServer, email: &str) -> Client {
    Client::signed_in(&server.base, email, DEMO_PASSWORD).await
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn get(client: &Client, path: &str) -> (String, Value) {
    let res = client.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    let tag = etag(&res);
    (tag, res.json().await.expect("json"))
}

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

fn holder_names(board: &Value, key: &str) -> Vec<String> {
    board["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no role {key} in {board}"))["holders"]
        .as_array()
        .expect("holders")
        .iter()
        .map(|h| h["person"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

on_both_stores!(
    a_release_0_1_database_is_migrated_in_place,
    |db: Db| async move {
        restore(&db).await;
        // The history as migrated, read before a server runs: once one does, Sitrep itself records
        // the SLA breaches that came due since the fixture was written (more, the older it gets).
        let store = db.open().await;

        // Every incident, as release 0.1 left it.
        let incidents: Vec<(i64, String, String, i64)> = store
            .incidents()
            .await
            .unwrap()
            .into_iter()
            .map(|i| {
                (
                    i.id,
                    i.severity.key().to_owned(),
                    i.status.key().to_owned(),
                    i.version,
                )
            })
            .collect();
        let expected = [
            (4, "sev1", "identified", 11),
            (3, "sev4", "resolved", 2),
            (2, "sev3", "triage", 2),
            (1, "sev1", "investigating", 7),
        ];
        assert_eq!(
            incidents,
            expected
                .iter()
                .map(|(id, sev, status, v)| (*id, sev.to_string(), status.to_string(), *v))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            store.incident(4).await.unwrap().unwrap().title,
            "Fixture: checkout latency"
        );

        // Every event, with its id and in its order: ids 1–22, each incident's versions in turn;
        // then each setting's first event (written by the migration, after them).
        let log = store.events_after(0, 100).await.unwrap();
        assert_eq!(log.len(), 24);
        let incident_events: Vec<(i64, i64, i64)> = log[..22]
            .iter()
            .filter_map(|e| match e {
                Logged::Incident(e) => Some((e.id, e.incident_id, e.incident_version)),
                Logged::Setting { .. } | Logged::Ticket(_) | Logged::Unknown { .. } => None,
            })
            .collect();
        let mut expected = Vec::new();
        let mut id = 0;
        for (incident, versions) in [(1, 7), (2, 2), (3, 2), (4, 11)] {
            for version in 1..=versions {
                id += 1;
                expected.push((id, incident, version));
            }
        }
        assert_eq!(incident_events, expected);
        let mut settings: Vec<(i64, &str, u64)> = log[22..]
            .iter()
            .filter_map(|e| match e {
                Logged::Setting { id, key, revision } => Some((*id, *key, *revision)),
                Logged::Incident(_) | Logged::Ticket(_) | Logged::Unknown { .. } => None,
            })
            .collect();
        settings.sort_by_key(|(_, key, _)| *key);
        assert_eq!(
            settings
                .iter()
                .map(|(_, k, r)| (*k, *r))
                .collect::<Vec<_>>(),
            [("role_catalog", 1), ("sla_policy", 2)]
        );
        assert!(settings.iter().all(|(id, ..)| (23..=24).contains(id)));

        // #4's timeline: count and kinds, by version.
        let kinds: Vec<&str> = store
            .timeline(4)
            .await
            .unwrap()
            .iter()
            .map(|e| e.payload.kind())
            .collect();
        assert_eq!(
            kinds,
            [
                "incident_declared",
                "note_added",
                "note_added",
                "acknowledged",
                "severity_changed",
                "service_linked",
                "status_update_published",
                "status_changed",
                "role_assigned",
                "role_assigned",
                "role_assigned",
            ]
        );
        store.close().await;

        let server = TestServer::start(db).await;
        let iris = demo(&server, "iris@demo.sitrep.dev").await;

        // #4's role holders.
        let (_, board) = get(&iris, "/api/v1/incidents/4/roles").await;
        assert_eq!(holder_names(&board, "incident_commander"), ["Iris Chen"]);
        assert_eq!(holder_names(&board, "tech_lead"), ["Sam Okafor"]);
        assert_eq!(holder_names(&board, "customer_liaison"), ["Riley Novak"]);

        // The SLA policy at revision 2: the same ETag as release 0.1 handed out.
        let (tag, policy) = get(&iris, "/api/v1/sla/policy").await;
        assert_eq!(tag, "\"2\"");
        assert_eq!(policy["severities"][0]["severity"], "sev1");
        assert_eq!(
            policy["severities"][0]["acknowledge"],
            json!({"amount": 10, "unit": "minutes"})
        );
        assert_eq!(policy["calendar"]["holidays"], json!(["2026-12-25"]));

        // The role catalog at revision 1, with the role the admin added.
        let (tag, catalog) = get(&iris, "/api/v1/roles").await;
        assert_eq!(tag, "\"1\"");
        let liaison = catalog["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "customer_liaison")
            .cloned()
            .expect("customer_liaison");
        assert_eq!(liaison["label"], "Customer Liaison");
        assert_eq!(liaison["single"], false);

        // A stream hears the revisions it has now.
        let wait = Duration::from_secs(2);
        let mut stream = SseReader::open(&iris, "/api/v1/stream?topics=incident:4", None).await;
        assert_eq!(stream.settings_revision("sla_policy", wait).await, Some(2));
        assert_eq!(
            stream.settings_revision("role_catalog", wait).await,
            Some(1)
        );

        // New writes work, and the global id goes on after the migrated ones.
        let note = iris.note(4, "After the upgrade").await;
        let note_id = note["id"].as_i64().unwrap();
        assert!(note_id > 24, "{note}");
        let heard = loop {
            let heard = stream.next().await;
            if heard.event == "note_added" {
                break heard;
            }
        };
        assert_eq!(heard.id, Some(note_id));
        let (_, four) = get(&iris, "/api/v1/incidents/4").await;
        let version = four["version"].as_i64().unwrap();
        assert!(version >= 12, "{four}");
        let acted = iris
            .ok(
                Method::POST,
                "/api/v1/incidents/4/severity",
                Some(
                    json!({"severity": "sev2", "reason": "Contained", "expected_version": version}),
                ),
            )
            .await;
        assert_eq!(acted["incident"]["severity"], "sev2");
        assert_eq!(acted["incident"]["version"], version + 1);

        let mut edited = policy.clone();
        edited["severities"][0]["acknowledge"] = json!({"amount": 5, "unit": "minutes"});
        let res = put_if_match(&iris, "/api/v1/sla/policy", "\"2\"", &edited).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(etag(&res), "\"3\"");
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["revision"], 3);
        assert_eq!(stream.settings_revision("sla_policy", wait).await, Some(3));
        let stale = put_if_match(&iris, "/api/v1/sla/policy", "\"2\"", &edited).await;
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

        let mut renamed = catalog.clone();
        renamed["roles"][1]["label"] = json!("Tech Owner");
        let res = put_if_match(&iris, "/api/v1/roles", "\"1\"", &renamed).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(etag(&res), "\"2\"");
        assert_eq!(
            stream.settings_revision("role_catalog", wait).await,
            Some(2)
        );
        let (tag, now) = get(&iris, "/api/v1/roles").await;
        assert_eq!(
            (tag.as_str(), &now["roles"][1]["label"]),
            ("\"2\"", &json!("Tech Owner"))
        );

        // Schema 10's read models of the old rows: the role holdings (from the boards, by the
        // migration) and the deadlines (computed by the server at start).
        crate::reads::assert_roster_is_the_fold(&*server.store, &iris).await;
        for _ in 0..100 {
            if server.store.sla_pending(1).await.unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The recorder sweeps the breaches due since the fixture was written right after.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        crate::reads::assert_sla_due_is_the_rule(&*server.store).await;

        // Migrating again (the next start) changes nothing: the same history, no second first
        // event for a setting.
        let db = server.stop().await;
        let server = TestServer::start(db).await;
        let again = server.store.events_after(0, 100).await.unwrap();
        let ids = |log: &[Logged]| log.iter().map(Logged::id).collect::<Vec<_>>();
        assert_eq!(ids(&again[..24]), ids(&log));
        let saves = again
            .iter()
            .filter(|e| matches!(e, Logged::Setting { .. }))
            .count();
        assert_eq!(saves, 2 + 2, "the two first events and the two saves");
        server.stop().await;
    }
);

// A catalog saved by a release before revisions (a bare catalog) becomes revision 0, and the
// next save revision 1.
on_both_stores!(a_bare_catalog_becomes_revision_0, |db: Db| async move {
    restore(&db).await;
    let bare = if matches!(db, Db::Sqlite { .. }) {
        "UPDATE settings SET value = json_extract(value, '$.catalog') WHERE key = 'role_catalog'"
    } else {
        "UPDATE settings SET value = (value::jsonb -> 'catalog')::text WHERE key = 'role_catalog'"
    };
    raw(&db, bare).await;
    let server = TestServer::start(db).await;
    let iris = demo(&server, "iris@demo.sitrep.dev").await;
    let (tag, catalog) = get(&iris, "/api/v1/roles").await;
    assert_eq!(tag, "\"0\"");
    assert!(catalog["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["label"] == "Customer Liaison"));
    let wait = Duration::from_secs(2);
    let mut stream = SseReader::open(&iris, "/api/v1/stream?topics=incidents", None).await;
    assert_eq!(
        stream.settings_revision("role_catalog", wait).await,
        Some(0)
    );
    let res = put_if_match(&iris, "/api/v1/roles", "\"0\"", &catalog).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag(&res), "\"1\"");
    assert_eq!(
        stream.settings_revision("role_catalog", wait).await,
        Some(1)
    );
    server.stop().await;
});

// A database whose system user was deleted by hand still migrates: migration 7 gives the
// settings' first events an author by restoring Sitrep's own user first.
on_both_stores!(a_missing_system_user_is_restored, |db: Db| async move {
    restore(&db).await;
    raw(
        &db,
        "DELETE FROM users WHERE email = 'sitrep@system.invalid'",
    )
    .await;
    let server = TestServer::start(db).await;
    let iris = demo(&server, "iris@demo.sitrep.dev").await;
    let (tag, _) = get(&iris, "/api/v1/sla/policy").await;
    assert_eq!(tag, "\"2\"");
    let (tag, _) = get(&iris, "/api/v1/roles").await;
    assert_eq!(tag, "\"1\"");
    server.stop().await;
});

// An incident bricked by the old double-declaration (a second `incident_declared` stored one
// version past the incident's own) is mended by migration 6, then carried over by migration 7:
// it takes changes again.
on_both_stores!(bricked_incidents_are_mended, |db: Db| async move {
    restore(&db).await;
    // What the old bug wrote on #2 (at version 2): a declaration at version 3. Then migration 6
    // again, as on the first start of the release that brought it.
    raw(
        &db,
        "INSERT INTO events (incident_id, incident_version, actor_id, kind, payload, at) \
         VALUES (2, 3, 3, 'incident_declared', \
         '{\"type\":\"incident_declared\",\"title\":\"x\",\"severity\":\"sev4\",\"summary\":\"\"}', \
         '2026-12-01T10:00:00Z'); \
         DELETE FROM _sqlx_migrations WHERE version = 6;",
    )
    .await;
    // Read and written through the store alone: a running server would record the SLA breaches
    // come due since the fixture was written.
    let store = db.open().await;
    let mended = store.incident(2).await.unwrap().unwrap();
    assert_eq!(mended.version, 3);
    assert_eq!(mended.title, "Search results are slow");
    let sam = store.user(3).await.unwrap().unwrap();
    let note = app::domain::EventRecord {
        id: 0,
        incident_id: 2,
        incident_version: 4,
        at: chrono::Utc::now(),
        actor: app::domain::Actor {
            id: sam.id,
            name: sam.name.clone(),
        },
        payload: app::domain::EventPayload::NoteAdded {
            body: "Mended".into(),
        },
        html: None,
    };
    let mut next = Some(mended.clone());
    app::domain::apply(&mut next, &note);
    let (stored, _) = store
        .append(
            Some(3),
            &next.unwrap(),
            &[note],
            &crate::common::policy_now(&*store).await,
        )
        .await
        .expect("the mended incident takes changes");
    assert_eq!(stored.version, 4);
    assert_eq!(store.timeline(2).await.unwrap().len(), 4);
    store.close().await;
});
