//! Every command against every kind of target, through the doors people use, on SQLite and
//! PostgreSQL: what does not fit its target is refused with a 4xx that says why, and no accepted
//! command ever leaves an incident's version and its events apart. And commands without an
//! expected version land however many people write at once.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{Client, Db, SseReader, TestServer};
use app::domain::{
    Affected, ClockKind, Command, Milestone, Severity, Status, UserRole, Visibility,
};
use chrono::Utc;
use reqwest::Method;
use serde_json::{json, Value};

/// How many variants `Command` has; `variant` must name each once.
const VARIANTS: usize = 21;

/// A number per variant. Exhaustive on purpose: a new command does not compile here until it
/// has a number, and the table test below fails until it has a sample.
fn variant(command: &Command) -> usize {
    match command {
        Command::Declare { .. } => 0,
        Command::PostNote { .. } => 1,
        Command::ChangeStatus { .. } => 2,
        Command::Acknowledge => 3,
        Command::ChangeSeverity { .. } => 4,
        Command::UpdateImpact { .. } => 5,
        Command::LinkService { .. } => 6,
        Command::UnlinkService { .. } => 7,
        Command::SetTimestamp { .. } => 8,
        Command::PublishUpdate { .. } => 9,
        Command::Pin { .. } => 10,
        Command::Unpin { .. } => 11,
        Command::EditNote { .. } => 12,
        Command::DeleteNote { .. } => 13,
        Command::MergeInto { .. } => 14,
        Command::AssignRole { .. } => 15,
        Command::RelieveRole { .. } => 16,
        Command::MoveRole { .. } => 17,
        Command::SwapRoles { .. } => 18,
        Command::TickChecklist { .. } => 19,
        Command::RecordBreach { .. } => 20,
    }
}

/// What the commands refer to.
struct Refs {
    /// A note: on the target itself, or on another incident.
    entry: i64,
    service: i64,
    person: i64,
    /// Where a merge goes.
    merge_target: i64,
}

/// One sample of every command, aimed at an incident now at `version` whose role board is at
/// `board`, so that a version check alone never decides the outcome.
fn every_command(version: i64, board: i64, at: chrono::DateTime<Utc>, refs: &Refs) -> Vec<Command> {
    let tech_lead = || "tech_lead".to_owned();
    vec![
        Command::Declare {
            title: "A second beginning".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        },
        Command::PostNote {
            body: "A note".into(),
        },
        Command::ChangeStatus {
            status: Status::Investigating,
            expected_version: version,
        },
        Command::Acknowledge,
        Command::ChangeSeverity {
            severity: Severity::Sev1,
            reason: "Worse than thought".into(),
            expected_version: version,
        },
        Command::UpdateImpact {
            customer_impact: "Checkout fails".into(),
            affected: Affected::Some,
            expected_version: version,
        },
        Command::LinkService {
            service_id: refs.service,
        },
        Command::UnlinkService {
            service_id: refs.service,
        },
        Command::SetTimestamp {
            milestone: Milestone::Started,
            at,
            reason: "It began earlier".into(),
            expected_version: version,
        },
        Command::PublishUpdate {
            visibility: Visibility::Internal,
            body: "We are on it".into(),
        },
        Command::Pin {
            event_id: refs.entry,
        },
        Command::Unpin {
            event_id: refs.entry,
        },
        Command::EditNote {
            event_id: refs.entry,
            body: "Edited".into(),
        },
        Command::DeleteNote {
            event_id: refs.entry,
        },
        Command::MergeInto {
            target_id: refs.merge_target,
            expected_version: version,
        },
        Command::AssignRole {
            role: tech_lead(),
            person_id: refs.person,
            expected_version: board,
        },
        Command::RelieveRole {
            role: tech_lead(),
            person_id: refs.person,
            expected_version: board,
        },
        Command::MoveRole {
            person_id: refs.person,
            from: tech_lead(),
            to: "scribe".into(),
            expected_version: board,
        },
        Command::SwapRoles {
            first_role: tech_lead(),
            second_role: "scribe".into(),
            expected_version: board,
        },
        Command::TickChecklist {
            role: "incident_commander".into(),
            item: "Confirm severity and impact".into(),
            done: true,
        },
        Command::RecordBreach {
            clock: ClockKind::Acknowledge,
            started_at: at,
            deadline: at,
        },
    ]
}

/// `POST /fn/act`, the server function that takes any command: the widest door.
async fn act(client: &Client, incident_id: i64, command: &Command) -> (u16, Value) {
    let res = client
        .post_json(
            "/fn/act",
            json!({"incident_id": incident_id, "command": command}),
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Every incident's version equals the number of its events, numbered 1..=n, declared once.
async fn assert_in_step(server: &TestServer, ids: &[i64]) {
    for &id in ids {
        let incident = server.store.incident(id).await.unwrap().expect("incident");
        let timeline = server.store.timeline(id).await.unwrap();
        assert_eq!(
            incident.version,
            timeline.len() as i64,
            "INC-{id}: version and events apart"
        );
        let versions: Vec<i64> = timeline.iter().map(|e| e.incident_version).collect();
        assert_eq!(
            versions,
            (1..=incident.version).collect::<Vec<_>>(),
            "INC-{id}"
        );
        let declared = timeline
            .iter()
            .filter(|e| e.payload.kind() == "incident_declared")
            .count();
        assert_eq!(declared, 1, "INC-{id} declared {declared} times");
    }
}

fn note_id(note: &Value) -> i64 {
    note["id"].as_i64().expect("event id")
}

on_both_stores!(every_command_against_every_target, |db: Db| async move {
    let server = TestServer::start(db).await;
    let admin = server.client(UserRole::Admin).await;
    let responder = server.client(UserRole::Responder).await;
    let person = responder.user.as_ref().unwrap().id;
    let service = admin
        .ok(
            Method::POST,
            "/api/v1/services",
            Some(json!({"name": "Checkout", "owner_team": "Payments", "tier": 1})),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // The kinds of target: an open incident (a fresh one for every command, so each meets an
    // incident just declared), a merged one, a closed one, and none.
    let id_of = |v: &Value| v["id"].as_i64().unwrap();
    let survivor = id_of(&admin.declare("Survivor", "sev2").await);
    let merged = id_of(&admin.declare("Merged", "sev3").await);
    let closed = id_of(&admin.declare("Closed", "sev3").await);
    let elsewhere = id_of(&admin.declare("Elsewhere", "sev4").await);
    let mut notes = std::collections::HashMap::new();
    for id in [merged, closed] {
        notes.insert(id, note_id(&admin.note(id, "Own note").await));
    }
    let foreign_note = note_id(&admin.note(elsewhere, "Someone else's note").await);
    let merge = Command::MergeInto {
        target_id: survivor,
        expected_version: 2,
    };
    assert_eq!(act(&admin, merged, &merge).await.0, 200);
    for status in [Status::Resolved, Status::Closed] {
        let version = server
            .store
            .incident(closed)
            .await
            .unwrap()
            .unwrap()
            .version;
        let to_status = Command::ChangeStatus {
            status,
            expected_version: version,
        };
        assert_eq!(act(&admin, closed, &to_status).await.0, 200);
    }
    let missing = 999_999;
    let mut all = vec![survivor, merged, closed, elsewhere];
    assert_in_step(&server, &all).await;

    let mut seen = HashSet::new();
    let targets = [
        (0, Target::Open),
        (merged, Target::Merged),
        (closed, Target::Closed),
        (missing, Target::Missing),
    ];
    for (target, kind) in targets {
        // Each entry-referring command once with the target's own note, once with another
        // incident's (a missing incident has none of its own).
        for foreign in [false, true] {
            if kind == Target::Missing && !foreign {
                continue;
            }
            for i in 0..VARIANTS {
                let target = if kind == Target::Open {
                    let fresh = id_of(&admin.declare(&format!("Open {i}"), "sev2").await);
                    notes.insert(fresh, note_id(&admin.note(fresh, "Own note").await));
                    all.push(fresh);
                    fresh
                } else {
                    target
                };
                let entry = if foreign {
                    foreign_note
                } else {
                    notes[&target]
                };
                // Built with the target's versions now: an earlier command of this round may
                // have moved them.
                let now = server.store.incident(target).await.unwrap();
                let (version, board) = now
                    .as_ref()
                    .map_or((1, 0), |i| (i.version, i.roles.version));
                let at = now.as_ref().map_or_else(Utc::now, |i| i.started_at)
                    - chrono::Duration::hours(1);
                let refs = Refs {
                    entry,
                    service,
                    person,
                    merge_target: elsewhere,
                };
                let mut samples = every_command(version, board, at, &refs);
                assert_eq!(samples.len(), VARIANTS, "one sample per variant");
                let command = samples.swap_remove(i);
                seen.insert(variant(&command));
                // What the target is now: an earlier command of the round (a merge) may have
                // changed its kind.
                let kind = match &now {
                    None => Target::Missing,
                    Some(i) if i.status == Status::Merged => Target::Merged,
                    Some(_) => kind,
                };
                let (status, body) = act(&admin, target, &command).await;
                let what = format!("{command:?} on INC-{target}: {status} {body}");
                assert!(status < 500, "{what}");
                if status >= 400 {
                    let message = body["message"].as_str().unwrap_or_default();
                    assert!(!message.is_empty(), "a refusal says why: {what}");
                }
                let expected = match kind {
                    Target::Open => Some(expected_on_open(&command, foreign)),
                    _ => expected_refusal(&command, kind, foreign),
                };
                if let Some(code) = expected {
                    assert_eq!(status, code, "{what}");
                }
                assert_in_step(&server, &all).await;
            }
        }
    }
    assert_eq!(seen.len(), VARIANTS, "a sample of every command");

    // Every incident that can still change takes a note: nothing was bricked.
    let mut writable = 0;
    for &id in &all {
        let now = server.store.incident(id).await.unwrap().unwrap();
        if now.status != Status::Merged {
            admin.note(id, "Still writable").await;
            writable += 1;
        }
    }
    assert!(
        writable >= 3,
        "the survivor, the closed and the other incident"
    );
    assert_in_step(&server, &all).await;
    // The same after a restart (the stored history reads back in step).
    let db = server.stop().await;
    let server = TestServer::start(db).await;
    assert_in_step(&server, &all).await;
});

/// The refusal a command must get on a target of this kind, whatever else it holds, if any: in
/// the order the checks apply.
fn expected_refusal(command: &Command, target: Target, foreign_entry: bool) -> Option<u16> {
    let refers_to_entry = command.entry_id().is_some();
    match (command, target) {
        // Only Sitrep itself records breaches: refused before anything is looked up.
        (Command::RecordBreach { .. }, _) => Some(403),
        (_, Target::Missing) => Some(404),
        // Declaring starts a new incident: never on an existing one.
        (Command::Declare { .. }, _) => Some(422),
        // A merged incident takes no more changes.
        (_, Target::Merged) => Some(409),
        // Another incident's entry is not in this one.
        _ if refers_to_entry && foreign_entry => Some(404),
        _ => None,
    }
}

/// What a command gets on an incident just declared (SEV2, in triage, with one note by the
/// sender): accepted (200), or refused because there is nothing to undo or the sender holds
/// no role.
fn expected_on_open(command: &Command, foreign_entry: bool) -> u16 {
    if let Some(refused) = expected_refusal(command, Target::Open, foreign_entry) {
        return refused;
    }
    match command {
        // Nothing linked, pinned or held yet: nothing to take back or move.
        Command::UnlinkService { .. }
        | Command::Unpin { .. }
        | Command::RelieveRole { .. }
        | Command::MoveRole { .. }
        | Command::SwapRoles { .. } => 422,
        // The commander's checklist is the commander's; the sender is not one.
        Command::TickChecklist { .. } => 403,
        _ => 200,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Open,
    Merged,
    Closed,
    Missing,
}

/// Every writer posts one note ("note {i}") to `incident` at the same moment; none is refused.
async fn notes_all_at_once(writers: &[&Client], incident: i64) {
    let posts = writers.iter().enumerate().map(|(i, client)| async move {
        let res = client
            .post_json(
                &format!("/api/v1/incidents/{incident}/notes"),
                json!({ "body": format!("note {i}") }),
            )
            .await;
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    });
    let results = futures::future::join_all(posts).await;
    let refused: Vec<_> = results.iter().filter(|(s, _)| *s != 201).collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
}

// Fifty responders post notes into one room at the same moment: every note lands (no refusal,
// no "changing too fast"), each exactly once, and every stream delivers them in one order, the
// order of the timeline.
on_both_stores!(fifty_concurrent_writers_all_land, |db: Db| async move {
    const WRITERS: usize = 50;
    // Five people, ten notes each at once: fifty writers (every request its own connection).
    const PEOPLE: usize = 5;
    let server = TestServer::start(db).await;
    let mut people = Vec::new();
    while people.len() < PEOPLE {
        people.push(server.client(UserRole::Responder).await);
    }
    let incident = people[0].declare("SEV1 with everyone typing", "sev1").await["id"]
        .as_i64()
        .unwrap();
    let writers: Vec<&Client> = (0..WRITERS).map(|i| &people[i % PEOPLE]).collect();
    let topic = format!("/api/v1/stream?topics=incident:{incident}");
    let mut streams = Vec::new();
    for client in people.iter().take(3) {
        streams.push(SseReader::open(client, &topic, None).await);
    }
    notes_all_at_once(&writers, incident).await;

    let timeline = server.store.timeline(incident).await.unwrap();
    let order: Vec<String> = timeline
        .iter()
        .filter_map(|e| match &e.payload {
            app::domain::EventPayload::NoteAdded { body } => Some(body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(order.len(), WRITERS);
    assert_eq!(
        order.iter().collect::<HashSet<_>>().len(),
        WRITERS,
        "each note once"
    );
    for stream in &mut streams {
        let mut delivered = Vec::new();
        while delivered.len() < WRITERS {
            let event = stream
                .next_within(Duration::from_secs(10))
                .await
                .expect("every note is delivered");
            let data: Value = serde_json::from_str(&event.data).unwrap();
            if data["event"]["payload"]["type"] == "note_added" {
                delivered.push(
                    data["event"]["payload"]["body"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
        assert_eq!(
            delivered, order,
            "every stream delivers the timeline's order"
        );
    }
    assert_in_step(&server, &[incident]).await;
});

// One set of input rules for both stores: what PostgreSQL cannot keep (NUL, years before 1970)
// is refused by the domain with a 422 that names the field, on SQLite as on PostgreSQL, and
// nothing is written. Decoding errors are said in words, not Rust's type names.
on_both_stores!(
    bad_input_is_refused_alike_on_both_stores,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let res = admin
            .post_json(
                "/api/v1/incidents",
                json!({"title": "a\u{0}b", "severity": "sev2"}),
            )
            .await;
        crate::common::assert_problem(
            res,
            422,
            "Title contains an invisible control character (U+0000)",
        )
        .await;
        assert!(server.store.incidents().await.unwrap().is_empty());

        let incident = admin.declare("Checkout", "sev2").await;
        let id = incident["id"].as_i64().unwrap();
        let res = admin
            .post_json(
                &format!("/api/v1/incidents/{id}/notes"),
                json!({"body": "bell \u{7} and escape \u{1b}[31m"}),
            )
            .await;
        crate::common::assert_problem(res, 422, "Note contains an invisible control character")
            .await;
        let res = admin
            .send(
                Method::PUT,
                &format!("/api/v1/incidents/{id}/timestamps/started"),
                Some(
                    json!({"at": "-4713-01-01T00:00:00Z", "reason": "typo", "expected_version": 1}),
                ),
            )
            .await;
        crate::common::assert_problem(res, 422, "Started must be between the years 1970 and 9999")
            .await;
        // Newlines and tabs are text.
        admin.note(id, "line one\r\nline two\tindented").await;
        assert_in_step(&server, &[id]).await;

        // A sign-in with a NUL in the address is a wrong sign-in, not a database error.
        let anonymous = Client::anonymous(&server.base);
        let res = anonymous
            .post_json(
                "/api/v1/session",
                json!({"email": "iris\u{0}@example.test", "password": "x"}),
            )
            .await;
        crate::common::assert_problem(res, 401, "Wrong email or password").await;
        // Nor is an address longer than any account's (PostgreSQL cannot index it).
        let long = format!("{}@example.test", "a".repeat(8_000));
        let res = anonymous
            .post_json("/api/v1/session", json!({"email": long, "password": "x"}))
            .await;
        crate::common::assert_problem(res, 401, "Wrong email or password").await;
        let res = admin
            .post_json(
                "/api/v1/tokens",
                json!({"name": "ci\u{0}bot", "scope": "read"}),
            )
            .await;
        crate::common::assert_problem(
            res,
            422,
            "The token's name contains an invisible control character",
        )
        .await;

        // SLA targets are at most a year: longer ones gave a deadline at the start (an instant
        // breach) or none at all.
        let mut policy = admin.ok(Method::GET, "/api/v1/sla/policy", None).await;
        for amount in [4_294_967_295_u64, 1_000_000] {
            policy["severities"][0]["acknowledge"] =
                json!({"amount": amount, "unit": "business_days"});
            let res = admin
                .send(Method::PUT, "/api/v1/sla/policy", Some(policy.clone()))
                .await;
            crate::common::assert_problem(res, 422, "a target can be at most 365 days").await;
        }

        // The catalog refuses control characters too; decoding errors name the field in words.
        let res = admin
            .post_json(
                "/api/v1/services",
                json!({"name": "Pay\u{0}ments", "owner_team": "Payments", "tier": 1}),
            )
            .await;
        crate::common::assert_problem(res, 422, "Name contains an invisible control character")
            .await;
        let res = admin
            .post_json(
                "/api/v1/services",
                json!({"name": "Payments", "owner_team": "Payments", "tier": "x"}),
            )
            .await;
        let problem =
            crate::common::assert_problem(res, 422, "\"tier\" should be a whole number").await;
        assert!(
            !problem["detail"].as_str().unwrap().contains("u8"),
            "{problem}"
        );
        let res = admin.get("/api/v1/incidents/abc").await;
        crate::common::assert_problem(res, 400, "\"abc\" where a number").await;
    }
);

// Smaller doors: a missing incident's page is a 404 page; a body sent to an unknown API route
// is not left on the connection for the next request to trip over.
on_both_stores!(missing_pages_and_unknown_routes, |db: Db| async move {
    let server = TestServer::start(db).await;
    let admin = server.client(UserRole::Admin).await;
    let id = admin.declare("Here", "sev3").await["id"].as_i64().unwrap();
    assert_eq!(admin.get(&format!("/incidents/{id}")).await.status(), 200);
    let missing = admin.get("/incidents/999999").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("does not exist"));

    let res = admin
        .post_json(
            "/api/v1/no-such-route",
            json!({"body": "x".repeat(64 * 1024)}),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    // The client carries on, on a fresh connection.
    for _ in 0..20 {
        let res = admin
            .post_json("/api/v1/no-such-route", json!({"body": "y".repeat(4096)}))
            .await;
        assert_eq!(res.status(), 404);
        assert_eq!(admin.get("/api/v1/me").await.status(), 200);
    }
});

// Two instances behind a load balancer on one PostgreSQL: writers on both post into one room
// at once. The instances race each other for every append, and every note still lands (a
// command that lost the race is decided again), each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_two_instances_all_land() {
    const WRITERS: usize = 40;
    let server = TestServer::start(Db::postgres().await).await;
    let (second, _store) = server.another_instance().await;
    let there = format!("http://{}", second.addr);
    let mut people = Vec::new();
    for i in 0..4 {
        let here = server.client(UserRole::Responder).await;
        people.push(if i % 2 == 0 {
            here
        } else {
            here.signed_in_at(&there).await
        });
    }
    let incident = people[0].declare("Two instances, one room", "sev1").await["id"]
        .as_i64()
        .unwrap();
    let writers: Vec<&Client> = (0..WRITERS).map(|i| &people[i % people.len()]).collect();
    notes_all_at_once(&writers, incident).await;
    let notes = server
        .store
        .timeline(incident)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.payload.kind() == "note_added")
        .count();
    assert_eq!(notes, WRITERS);
    assert_in_step(&server, &[incident]).await;
    second.shutdown().await;
}
