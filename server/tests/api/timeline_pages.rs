//! A long timeline costs what is shown (issue 14), on SQLite and on PostgreSQL: the room page
//! carries its latest entries and its key moments, older pages come a page at a time by their
//! cursor, and the exports stream every entry.

use std::collections::BTreeMap;

use crate::common::{assert_problem, Client, Db, TestServer};
use app::domain::{apply, Actor, EventPayload, EventRecord, User, UserRole};
use reqwest::Method;
use serde_json::{json, Value};
use sitrep::store::Store;

/// The notes numbered `from..=to` ("entry #0042 …"), appended straight through the store in
/// batches, as `author`: the domain would accept each, and it is much faster than 5,000 posts.
async fn append_notes(store: &dyn Store, id: i64, author: &User, from: u32, to: u32) {
    let mut numbers = from..=to;
    loop {
        let chunk: Vec<u32> = numbers.by_ref().take(500).collect();
        if chunk.is_empty() {
            return;
        }
        let current = store.incident(id).await.unwrap().unwrap();
        let base = current.version;
        let mut state = Some(current);
        let events: Vec<EventRecord> = chunk
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let event = EventRecord {
                    id: 0,
                    incident_id: id,
                    incident_version: base + 1 + i as i64,
                    at: chrono::Utc::now(),
                    actor: Actor {
                        id: author.id,
                        name: author.name.clone(),
                    },
                    payload: EventPayload::NoteAdded {
                        body: format!("entry #{n:04} of the long night"),
                    },
                    html: None,
                };
                apply(&mut state, &event);
                event
            })
            .collect();
        let policy = crate::common::policy_now(store).await;
        store
            .append(Some(base), &state.unwrap(), &events, &policy)
            .await
            .unwrap();
    }
}

/// How many times each numbered entry appears in an export's text.
fn numbered(text: &str) -> BTreeMap<u32, usize> {
    let mut seen = BTreeMap::new();
    for line in text.lines() {
        if let Some(at) = line.find("entry #") {
            let digits = &line[at + 7..at + 11];
            *seen.entry(digits.parse::<u32>().unwrap()).or_insert(0) += 1;
        }
    }
    seen
}

async fn export(client: &Client, id: i64, format: &str) -> String {
    let res = client
        .get(&format!("/api/v1/incidents/{id}/export?format={format}"))
        .await;
    assert_eq!(res.status(), 200, "export {format}");
    res.text().await.unwrap()
}

/// The `before` of a timeline page's `Link: <…>; rel="next"` header.
fn next_before(res: &reqwest::Response) -> Option<i64> {
    let link = res.headers().get("link")?.to_str().unwrap();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let at = link.find("before=")? + 7;
    let digits: String = link[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(digits.parse().unwrap())
}

on_both_stores!(a_long_timeline_is_paged_and_streamed, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let me = iris.user.clone().unwrap();
    let id = iris.declare("The long night", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/incidents/{id}");
    append_notes(server.store.as_ref(), id, &me, 1, 1000).await;
    // An early key moment, edited much later: the room shows it as it reads now.
    let first = server.store.timeline_after(id, 1, 1).await.unwrap();
    let pinned = first[0].id;
    iris.ok(Method::PUT, &format!("{base}/pins/{pinned}"), None)
        .await;
    let doomed = iris.note(id, "a doomed note").await["id"].as_i64().unwrap();
    append_notes(server.store.as_ref(), id, &me, 1001, 3000).await;
    iris.ok(
        Method::PATCH,
        &format!("{base}/notes/{pinned}"),
        Some(json!({"body": "entry #0001 pinned, edited"})),
    )
    .await;
    iris.ok(Method::DELETE, &format!("{base}/notes/{doomed}"), None)
        .await;
    append_notes(server.store.as_ref(), id, &me, 3001, 4999).await;
    iris.note(id, "entry #5000 the latest").await;
    let version = server.store.incident(id).await.unwrap().unwrap().version;
    assert_eq!(
        version,
        1 + 5000 + 1 + 3,
        "declared, 5,000 notes, one more, 3 annotations"
    );

    // The room: the latest entries and the key moment, not the whole night.
    let res = iris.get(&format!("/incidents/{id}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.len() < 100_000,
        "the room page is {} bytes for {version} events",
        html.len()
    );
    assert!(html.contains("entry #5000 the latest"), "the latest entry");
    assert!(
        html.contains(&format!("data-event-id=\"{pinned}\"")),
        "the pinned entry is shown"
    );
    assert!(
        html.contains("entry #0001 pinned, edited"),
        "as it reads now"
    );
    assert!(html.contains("Show older entries"));
    assert!(!html.contains("entry #2500 "), "older pages are not in it");

    // Older pages, by the Link header: every event once, newest page first, each page
    // oldest first.
    let res = iris.get(&format!("{base}/timeline")).await;
    assert_eq!(res.status(), 200);
    let latest_before = next_before(&res);
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 50, "the default page");
    assert_eq!(page[49]["payload"]["body"], "entry #5000 the latest");
    assert_eq!(latest_before, page[0]["incident_version"].as_i64());
    let mut versions = Vec::new();
    let mut path = format!("{base}/timeline?limit=200");
    loop {
        let res = iris.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        let next = next_before(&res);
        let page: Vec<Value> = res.json().await.unwrap();
        assert!(page.len() <= 200);
        let mut got: Vec<i64> = page
            .iter()
            .map(|e| e["incident_version"].as_i64().unwrap())
            .collect();
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "a page is oldest first"
        );
        got.reverse();
        versions.extend(got);
        match next {
            Some(before) => path = format!("{base}/timeline?before={before}&limit=200"),
            None => break,
        }
    }
    let all: Vec<i64> = (1..=version).rev().collect();
    assert_eq!(versions, all, "every event exactly once, in order");
    for bad in ["limit=0", "limit=201", "before=0", "before=x"] {
        let res = iris.get(&format!("{base}/timeline?{bad}")).await;
        assert_problem(res, 400, "").await;
    }

    // The exports stream the whole night (ten batches), each note once, as it reads now.
    let once: BTreeMap<u32, usize> = (1..=5000).map(|n| (n, 1)).collect();
    let md = export(&iris, id, "md").await;
    assert_eq!(numbered(&md), once, "every note once in the Markdown");
    assert!(md.contains("📌: entry #0001 pinned, edited (edited)"));
    assert!(md.contains("(note deleted by its author)"));
    assert!(!md.contains("doomed"));
    let csv = export(&iris, id, "csv").await;
    assert_eq!(numbered(&csv), once, "every note once in the CSV");
    assert_eq!(
        csv.lines().count(),
        1 + 5002,
        "a header and a row per entry"
    );
    assert!(csv.contains(&format!("{pinned},")));
    assert!(csv.contains(",true,\"entry #0001 pinned, edited (edited)\""));
    assert!(!csv.contains("doomed"));
    server.stop().await;
});

/// Runs `sql` on `db` directly (the server stopped), as an earlier release's data would be.
async fn raw(db: &Db, sql: &str) {
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

// Incidents written before `note_edits` get it from their events (migration 0011), so their
// key moments and exports read as their timelines do.
on_both_stores!(
    earlier_edits_are_found_after_the_migration,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let id = iris.declare("Edited before", "sev3").await["id"]
            .as_i64()
            .unwrap();
        let base = format!("/api/v1/incidents/{id}");
        let kept = iris.note(id, "kept").await["id"].as_i64().unwrap();
        let gone = iris.note(id, "gone").await["id"].as_i64().unwrap();
        for (note, body) in [
            (kept, "kept, once"),
            (gone, "gone, once"),
            (kept, "kept, twice"),
        ] {
            iris.ok(
                Method::PATCH,
                &format!("{base}/notes/{note}"),
                Some(json!({ "body": body })),
            )
            .await;
        }
        iris.ok(Method::DELETE, &format!("{base}/notes/{gone}"), None)
            .await;
        let expected = server.store.incident(id).await.unwrap().unwrap().note_edits;
        assert_eq!(
            expected,
            [app::domain::NoteEdit {
                note: kept,
                version: 6
            }]
        );
        let db = server.stop().await;
        let postgres = db.url().starts_with("postgres");
        // As an earlier release wrote it.
        raw(
            &db,
            if postgres {
                "UPDATE incidents SET details = (details::jsonb - 'note_edits')::text"
            } else {
                "UPDATE incidents SET details = json_remove(details, '$.note_edits')"
            },
        )
        .await;
        let store = db.open().await;
        assert!(store
            .incident(id)
            .await
            .unwrap()
            .unwrap()
            .note_edits
            .is_empty());
        store.close().await;
        raw(
            &db,
            if postgres {
                include_str!("../../../migrations/postgres/0011_note_edits.sql")
            } else {
                include_str!("../../../migrations/sqlite/0011_note_edits.sql")
            },
        )
        .await;
        let store = db.open().await;
        let incident = store.incident(id).await.unwrap().unwrap();
        assert_eq!(incident.note_edits, expected);
        assert_eq!(
            incident.deleted_notes,
            [gone],
            "the rest of the details is kept"
        );
        store.close().await;
    }
);
