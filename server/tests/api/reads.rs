//! The read models behind issue 14's bounded reads, on SQLite and PostgreSQL: the role holdings
//! the roster reads, and the `sla_due` the breach recorder reads, always equal what the domain
//! says of every incident.

use std::collections::{BTreeMap, BTreeSet};

use app::domain::{apply, Actor, EventPayload, EventRecord, Severity, UserRole};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};
use sitrep::store::{Change, NewUser, Store};

use crate::common::{policy_now, Client, Db, TestServer};

/// The roster's holdings equal the fold over every incident: the open ones in which each person
/// holds a role now.
pub async fn assert_roster_is_the_fold(store: &dyn Store, client: &Client) {
    let mut fold: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for incident in store.incidents().await.unwrap() {
        if !incident.status.is_active() {
            continue;
        }
        for user in store.users().await.unwrap() {
            if !incident.roles.roles_of(user.id).is_empty() {
                fold.entry(user.id).or_default().insert(incident.id);
            }
        }
    }
    let people = client.ok(Method::GET, "/api/v1/people", None).await;
    let mut roster: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for p in people.as_array().unwrap() {
        let held: BTreeSet<i64> = p["holding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        if !held.is_empty() {
            roster.insert(p["id"].as_i64().unwrap(), held);
        }
    }
    assert_eq!(
        roster, fold,
        "the roster's holdings are the fold of the boards"
    );
}

/// Every incident's stored `sla_due` is the domain's `Incident::sla_due` under the policy now.
pub async fn assert_sla_due_is_the_rule(store: &dyn Store) {
    let policy = policy_now(store).await.policy;
    let far = Utc::now() + Duration::days(365 * 50);
    let stored: BTreeMap<i64, DateTime<Utc>> = store
        .sla_due_by(far, None, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|(due, i)| (i.id, due))
        .collect();
    // Read a few at a time by the keyset, as the recorder's sweep does, the same incidents
    // come, each once, in deadline order.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let batch = store.sla_due_by(far, after, 3).await.unwrap();
        let Some((due, last)) = batch.last() else {
            break;
        };
        after = Some((*due, last.id));
        walked.extend(batch.iter().map(|(due, i)| (*due, i.id)));
    }
    let mut ordered: Vec<(DateTime<Utc>, i64)> = stored.iter().map(|(id, d)| (*d, *id)).collect();
    ordered.sort();
    assert_eq!(
        walked, ordered,
        "the keyset walk reads every due incident once"
    );
    let all = store.incidents().await.unwrap();
    assert!(!all.is_empty());
    for incident in all {
        assert_eq!(
            stored.get(&incident.id).copied(),
            incident.sla_due(&policy),
            "sla_due of {} ({:?})",
            incident.id,
            incident.status
        );
    }
    let earliest = stored.values().min().copied();
    assert_eq!(store.next_sla_due().await.unwrap(), earliest);
}

fn uid(client: &Client) -> i64 {
    client.user.as_ref().unwrap().id
}

const ROLES: [&str; 4] = ["incident_commander", "tech_lead", "scribe", "responder"];

// Whatever happens to the boards and the incidents (hand-overs, status changes, closes,
// merges), the roster reads the holdings the commits kept and they equal the fold.
on_both_stores!(the_roster_is_the_fold_of_every_board, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let mut people = vec![uid(&iris)];
    for _ in 0..3 {
        people.push(uid(&server.client(UserRole::Responder).await));
    }
    let mut ids = Vec::new();
    for k in 0..6 {
        let severity = ["sev1", "sev2", "sev3"][k % 3];
        let declared = iris.declare(&format!("Mixed {k}"), severity).await;
        ids.push(declared["id"].as_i64().unwrap());
    }
    let seed: u64 = rand::random();
    eprintln!("seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut accepted = 0;
    let mut most_held = 0;
    for step in 0..120 {
        let id = ids[rng.random_range(0..ids.len())];
        let incident = server.store.incident(id).await.unwrap().unwrap();
        let (v, board) = (incident.version, incident.roles.version);
        let held: Vec<(String, i64)> = incident
            .roles
            .stints
            .iter()
            .filter(|s| s.relieved.is_none())
            .map(|s| (s.role.clone(), s.person.id))
            .collect();
        most_held = most_held.max(held.len());
        let person = people[rng.random_range(0..people.len())];
        let role = ROLES[rng.random_range(0..ROLES.len())];
        let one_held = (!held.is_empty()).then(|| held[rng.random_range(0..held.len())].clone());
        let (path, body) = match (rng.random_range(0..14), one_held) {
            (0..=3, _) | (4..=5, None) | (11..=12, None) => (
                "roles/assign",
                json!({"role": role, "person": person, "expected_version": board}),
            ),
            (4 | 11, Some((r, p))) => (
                "roles/relieve",
                json!({"role": r, "person": p, "expected_version": board}),
            ),
            (5 | 12, Some((r, p))) => (
                "roles/move",
                json!({"person": p, "from": r, "to": role, "expected_version": board}),
            ),
            (6, _) => (
                "roles/swap",
                json!({"first_role": role, "second_role": ROLES[rng.random_range(0..ROLES.len())], "expected_version": board}),
            ),
            (7..=9, _) => {
                let statuses = [
                    "investigating",
                    "identified",
                    "monitoring",
                    "resolved",
                    "closed",
                ];
                let status = statuses[rng.random_range(0..statuses.len())];
                ("status", json!({"status": status, "expected_version": v}))
            }
            (10, _) => ("status", json!({"status": "closed", "expected_version": v})),
            _ => {
                let target = ids[rng.random_range(0..ids.len())];
                ("merge", json!({"target_id": target, "expected_version": v}))
            }
        };
        let res = iris
            .send(
                Method::POST,
                &format!("/api/v1/incidents/{id}/{path}"),
                Some(body.clone()),
            )
            .await;
        let status = res.status();
        assert!(!status.is_server_error(), "{path} {body}: {status}");
        if status.is_success() {
            accepted += 1;
        }
        if step % 15 == 14 {
            assert_roster_is_the_fold(&*server.store, &iris).await;
        }
    }
    assert!(accepted > 20, "only {accepted} commands were accepted");
    assert!(most_held > 1, "the boards were never staffed");
    assert_roster_is_the_fold(&*server.store, &iris).await;
    // A new open incident, staffed: its holder shows at once; closing it drops it.
    let fresh = iris.declare("Fresh", "sev2").await["id"].as_i64().unwrap();
    let board = server
        .store
        .incident(fresh)
        .await
        .unwrap()
        .unwrap()
        .roles
        .version;
    iris.ok(
        Method::POST,
        &format!("/api/v1/incidents/{fresh}/roles/assign"),
        Some(json!({"role": "scribe", "person": people[1], "expected_version": board})),
    )
    .await;
    let roster = iris.ok(Method::GET, "/api/v1/people", None).await;
    let holding = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == people[1])
        .map(|p| p["holding"].clone())
        .unwrap();
    assert!(
        holding.as_array().unwrap().contains(&json!(fresh)),
        "{holding}"
    );
    assert_roster_is_the_fold(&*server.store, &iris).await;
    // Relieved, they no longer hold it.
    iris.ok(
        Method::POST,
        &format!("/api/v1/incidents/{fresh}/roles/relieve"),
        Some(json!({"role": "scribe", "person": people[1], "expected_version": board + 1})),
    )
    .await;
    assert_roster_is_the_fold(&*server.store, &iris).await;
    server.stop().await;
});

/// A SEV1 declared by `user` `minutes_ago`, written straight to the store.
fn declared(
    user: &app::domain::User,
    title: &str,
    minutes_ago: i64,
) -> (app::domain::Incident, Vec<EventRecord>) {
    let event = EventRecord {
        id: 0,
        incident_id: 0,
        incident_version: 1,
        at: (Utc::now() - Duration::minutes(minutes_ago)).trunc_subsecs(6),
        actor: Actor {
            id: user.id,
            name: user.name.clone(),
        },
        payload: EventPayload::IncidentDeclared {
            title: title.into(),
            severity: Severity::Sev1,
            summary: String::new(),
        },
        html: None,
    };
    let mut state = None;
    apply(&mut state, &event);
    (state.unwrap(), vec![event])
}

/// Runs `sql` on `db` directly.
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

// Many more incidents fall due at once than the recorder reads in a batch (some written before
// the store kept their deadline): each breach is recorded once.
on_both_stores!(
    many_breaches_due_at_once_are_each_recorded_once,
    |db: Db| async move {
        let n = sitrep::sla::BATCH as usize * 2 + 30;
        {
            let store = db.open().await;
            let user = store
                .create_user(&NewUser {
                    email: "ada@example.com".into(),
                    name: "Ada".into(),
                    role: UserRole::Admin,
                    password_hash: "x".into(),
                })
                .await
                .unwrap();
            let policy = policy_now(&*store).await;
            let changes: Vec<Change> = (0..n)
                .map(|k| {
                    // Acknowledge (5 min) is long missed; nothing else is due yet.
                    let (incident, events) = declared(&user, &format!("Due {k}"), 10);
                    Change::new(None, incident, events, &policy)
                })
                .collect();
            for batch in changes.chunks(50) {
                store.append_all(batch).await.unwrap();
            }
            store.close().await;
        }
        // A third as a release before schema 10 left them: no deadline kept yet.
        raw(
            &db,
            "UPDATE incidents SET sla_due = NULL, sla_pending = TRUE WHERE id % 3 = 0",
        )
        .await;
        let server = TestServer::start(db).await;
        let store = server.store.clone();
        let mut recorded = 0;
        for _ in 0..300 {
            recorded = 0;
            for incident in store.incidents().await.unwrap() {
                recorded += usize::from(!incident.breaches.is_empty());
            }
            if recorded == n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(recorded, n, "every due breach is recorded");
        // More sweeps (woken by a change) record nothing more.
        let iris = server.client(UserRole::Admin).await;
        iris.declare("A change to wake the recorder", "sev4").await;
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        for incident in store.incidents().await.unwrap() {
            if incident.title.starts_with("Due ") {
                assert_eq!(incident.breaches.len(), 1, "{}", incident.id);
                let breaches = store
                    .timeline(incident.id)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|e| e.payload.kind() == "sla_breached")
                    .count();
                assert_eq!(breaches, 1, "{}", incident.id);
            }
        }
        assert_sla_due_is_the_rule(&*store).await;
        server.stop().await;
    }
);

async fn change_status(client: &Client, store: &dyn Store, id: i64, status: &str) {
    let v = store.incident(id).await.unwrap().unwrap().version;
    client
        .ok(
            Method::POST,
            &format!("/api/v1/incidents/{id}/status"),
            Some(json!({"status": status, "expected_version": v})),
        )
        .await;
}

// `sla_due` is the domain's rule for every incident, whatever its clocks did, and after the
// policy moves them.
on_both_stores!(
    sla_due_follows_milestones_and_the_policy,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let store = server.store.clone();
        let mut ids = Vec::new();
        for (k, severity) in ["sev1", "sev2", "sev3", "sev4", "sev1", "sev2"]
            .iter()
            .enumerate()
        {
            let id = iris.declare(&format!("Clocked {k}"), severity).await["id"]
                .as_i64()
                .unwrap();
            ids.push(id);
        }
        iris.ok(
            Method::POST,
            &format!("/api/v1/incidents/{}/acknowledge", ids[0]),
            None,
        )
        .await;
        iris.ok(
            Method::POST,
            &format!("/api/v1/incidents/{}/acknowledge", ids[1]),
            None,
        )
        .await;
        change_status(&iris, &*store, ids[2], "resolved").await;
        change_status(&iris, &*store, ids[3], "resolved").await;
        change_status(&iris, &*store, ids[3], "closed").await;
        iris.ok(
            Method::POST,
            &format!("/api/v1/incidents/{}/updates", ids[4]),
            Some(json!({"visibility": "public", "body": "We are on it"})),
        )
        .await;
        assert_sla_due_is_the_rule(&*store).await;

        let mut policy: Value = iris.ok(Method::GET, "/api/v1/sla/policy", None).await;
        policy["severities"][0]["next_update"] = json!({"amount": 10, "unit": "minutes"});
        policy["severities"][1]["resolve"] = json!({"amount": 1, "unit": "hours"});
        policy["severities"][2]["post_mortem"] = json!({"amount": 1, "unit": "business_days"});
        let saved = iris
            .ok(Method::PUT, "/api/v1/sla/policy", Some(policy))
            .await;
        assert!(
            saved["moved"].as_array().unwrap().len() >= 3,
            "the edit moves several incidents: {saved}"
        );
        assert_sla_due_is_the_rule(&*store).await;
        server.stop().await;
    }
);
