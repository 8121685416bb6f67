//! The role board through the REST API, on SQLite and on PostgreSQL: assign, relieve, move, swap,
//! checklists, the roster and the role catalog; races on one role; live delivery; history that
//! survives a restart.

use std::time::Duration;

use crate::common::{assert_problem, Client, Db, SseReader, TestServer};
use app::domain::UserRole;
use reqwest::Method;
use serde_json::{json, Value};

fn uid(client: &Client) -> i64 {
    client.user.as_ref().expect("signed in").id
}

async fn roles(client: &Client, id: i64) -> Value {
    client
        .ok(Method::GET, &format!("/api/v1/incidents/{id}/roles"), None)
        .await
}

fn role<'a>(board: &'a Value, key: &str) -> &'a Value {
    board["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no role {key} in {board}"))
}

fn holders(board: &Value, key: &str) -> Vec<i64> {
    role(board, key)["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["person"]["id"].as_i64().unwrap())
        .collect()
}

async fn post(client: &Client, id: i64, what: &str, body: Value) -> reqwest::Response {
    client
        .send(
            Method::POST,
            &format!("/api/v1/incidents/{id}/roles/{what}"),
            Some(body),
        )
        .await
}

on_both_stores!(
    an_incident_is_staffed_through_the_api,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let riley = server.client(UserRole::Responder).await;
        let stella = server.client(UserRole::Stakeholder).await;
        let id = iris.declare("Checkout down", "sev1").await["id"]
            .as_i64()
            .unwrap();

        let board = roles(&sam, id).await;
        assert_eq!(board["version"], 0);
        assert_eq!(board["needs_commander"], true);
        assert_eq!(board["roles"].as_array().unwrap().len(), 7);
        assert_eq!(role(&board, "incident_commander")["single"], true);
        assert_eq!(role(&board, "responder")["single"], false);
        assert!(
            role(&board, "tech_lead")["checklist"]
                .as_array()
                .unwrap()
                .len()
                >= 3
        );

        // Assign: the commander role is filled, the warning clears.
        let acted = post(
            &iris,
            id,
            "assign",
            json!({"role": "incident_commander", "person": uid(&sam), "expected_version": 0}),
        )
        .await;
        assert_eq!(acted.status().as_u16(), 200);
        let acted: Value = acted.json().await.unwrap();
        assert_eq!(acted["events"][0]["payload"]["type"], "role_assigned");
        assert_eq!(acted["incident"]["roles"]["version"], 1);
        let board = roles(&iris, id).await;
        assert_eq!(board["needs_commander"], false);
        assert_eq!(holders(&board, "incident_commander"), [uid(&sam)]);

        // Dropping Riley on the role Sam holds, from a stale view, would relieve someone the
        // sender never saw holding it: a 409 naming the holder.
        let stale =
            json!({"role": "incident_commander", "person": uid(&riley), "expected_version": 0});
        assert_problem(
            post(&iris, id, "assign", stale).await,
            409,
            &format!(
                "{} is Incident Commander now: look again",
                sam.user.as_ref().unwrap().name
            ),
        )
        .await;
        // Sam holds it already.
        assert_problem(
            post(
                &iris,
                id,
                "assign",
                json!({"role": "incident_commander", "person": uid(&sam), "expected_version": 1}),
            )
            .await,
            422,
            "is already Incident Commander.",
        )
        .await;
        // Unknown roles and people, stakeholders as holders, bad bodies.
        assert_problem(
            post(
                &iris,
                id,
                "assign",
                json!({"role": "chef", "person": uid(&riley), "expected_version": 1}),
            )
            .await,
            422,
            "no role \"chef\"",
        )
        .await;
        assert_problem(
            post(
                &iris,
                id,
                "assign",
                json!({"role": "scribe", "person": 999_999, "expected_version": 1}),
            )
            .await,
            404,
            "no person",
        )
        .await;
        assert_problem(
            post(
                &iris,
                id,
                "assign",
                json!({"role": "scribe", "person": uid(&stella), "expected_version": 1}),
            )
            .await,
            422,
            "stakeholder",
        )
        .await;
        assert_problem(
            post(&iris, id, "assign", json!({"role": "scribe"})).await,
            422,
            "person",
        )
        .await;

        // Riley becomes Tech Lead, then the two swap; Riley moves to Scribe; Sam is relieved.
        let ok = |res: reqwest::Response| async move {
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            body
        };
        ok(post(
            &iris,
            id,
            "assign",
            json!({"role": "tech_lead", "person": uid(&riley), "expected_version": 1}),
        )
        .await)
        .await;
        ok(post(&iris, id, "swap", json!({"first_role": "incident_commander", "second_role": "tech_lead", "expected_version": 2})).await).await;
        let board = roles(&iris, id).await;
        assert_eq!(holders(&board, "incident_commander"), [uid(&riley)]);
        assert_eq!(holders(&board, "tech_lead"), [uid(&sam)]);
        ok(post(&iris, id, "move", json!({"person": uid(&sam), "from": "tech_lead", "to": "scribe", "expected_version": 3})).await).await;
        ok(post(
            &iris,
            id,
            "assign",
            json!({"role": "responder", "person": uid(&iris), "expected_version": 4}),
        )
        .await)
        .await;
        ok(post(
            &iris,
            id,
            "relieve",
            json!({"role": "scribe", "person": uid(&sam), "expected_version": 5}),
        )
        .await)
        .await;
        assert_problem(
            post(
                &iris,
                id,
                "relieve",
                json!({"role": "scribe", "person": uid(&sam), "expected_version": 6}),
            )
            .await,
            422,
            "does not hold Scribe",
        )
        .await;

        // The history: every stint with assumed and relieved times, in order.
        let board = roles(&iris, id).await;
        assert_eq!(board["version"], 6);
        let commander = role(&board, "incident_commander")["history"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(commander.len(), 2);
        assert_eq!(commander[0]["person"]["id"], uid(&sam));
        assert_eq!(
            commander[0]["relieved"], commander[1]["assumed"],
            "the swap is one instant"
        );
        assert!(commander[1]["relieved"].is_null());
        let scribe = role(&board, "scribe")["history"]
            .as_array()
            .unwrap()
            .clone();
        assert!(scribe[0]["relieved"].is_string());
        assert!(holders(&board, "scribe").is_empty());

        // The timeline says every hand-over.
        let timeline = iris
            .ok(
                Method::GET,
                &format!("/api/v1/incidents/{id}/timeline"),
                None,
            )
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
                "role_assigned",
                "role_assigned",
                "roles_swapped",
                "role_moved",
                "role_assigned",
                "role_relieved"
            ]
        );
        let export = iris
            .get(&format!("/api/v1/incidents/{id}/export?format=md"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            export.contains(&format!(
                "{} is now Incident Commander",
                sam.user.as_ref().unwrap().name
            )),
            "{export}"
        );
        assert!(
            export.contains("moved from Tech Lead to Scribe"),
            "{export}"
        );

        // Checklists: the role's holder or the commander ticks; others may not.
        let tick =
            |item: &str, done: bool| json!({"role": "responder", "item": item, "done": done});
        let acted =
            ok(post(&iris, id, "checklist", tick("Post findings as notes", true)).await).await;
        assert_eq!(acted["events"][0]["payload"]["type"], "checklist_ticked");
        assert_problem(
            post(&sam, id, "checklist", tick("Post findings as notes", false)).await,
            403,
            "can tick",
        )
        .await;
        ok(post(
            &riley,
            id,
            "checklist",
            tick("Post findings as notes", false),
        )
        .await)
        .await;
        let board = roles(&iris, id).await;
        assert!(role(&board, "responder")["checklist"][1]["ticked"].is_null());
        assert_eq!(board["version"], 6, "ticks leave the board version alone");

        // Stakeholders read the board but change nothing.
        roles(&stella, id).await;
        assert_problem(
            post(
                &stella,
                id,
                "assign",
                json!({"role": "scribe", "person": uid(&sam), "expected_version": 6}),
            )
            .await,
            403,
            "stakeholder",
        )
        .await;
        server.stop().await;
    }
);

on_both_stores!(the_roster_and_the_catalog, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;
    let stella = server.client(UserRole::Stakeholder).await;
    let open = iris.declare("Open one", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let other = iris.declare("Another", "sev3").await["id"]
        .as_i64()
        .unwrap();
    for incident in [open, other] {
        let res = post(
            &iris,
            incident,
            "assign",
            json!({"role": "responder", "person": uid(&sam), "expected_version": 0}),
        )
        .await;
        assert_eq!(res.status().as_u16(), 200);
    }

    // Team and on-call: admins set them; others may not.
    let path = format!("/api/v1/people/{}", uid(&sam));
    let person = iris
        .ok(
            Method::PATCH,
            &path,
            Some(json!({"team": " Payments ", "on_call": true})),
        )
        .await;
    assert_eq!(
        (person["team"].as_str(), person["on_call"].as_bool()),
        (Some("Payments"), Some(true))
    );
    assert_problem(
        sam.send(Method::PATCH, &path, Some(json!({"on_call": false})))
            .await,
        403,
        "admin",
    )
    .await;
    assert_problem(
        iris.send(
            Method::PATCH,
            "/api/v1/people/999999",
            Some(json!({"on_call": false})),
        )
        .await,
        404,
        "no person",
    )
    .await;

    // The roster: everyone but stakeholders, with the open incidents they hold roles in.
    let people = iris.ok(Method::GET, "/api/v1/people", None).await;
    let ids: Vec<i64> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&uid(&sam)) && ids.contains(&uid(&iris)));
    assert!(!ids.contains(&uid(&stella)), "stakeholders hold no roles");
    let found = iris.ok(Method::GET, "/api/v1/people?q=PAYM", None).await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["on_call"], true);
    let mut holding: Vec<i64> = found[0]["holding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    holding.sort();
    assert_eq!(holding, [open, other]);

    // The catalog: admins rename, reorder and retire; removing a role is refused.
    let mut catalog = iris.ok(Method::GET, "/api/v1/roles", None).await;
    assert_eq!(catalog["roles"][0]["key"], "incident_commander");
    let roles = catalog["roles"].as_array_mut().unwrap();
    roles.swap(1, 2);
    roles[0]["label"] = json!("Incident Lead");
    let business = roles
        .iter_mut()
        .find(|r| r["key"] == "business_lead")
        .unwrap();
    business["retired"] = json!(true);
    roles.push(json!({"key": "liaison", "label": "Partner Liaison", "description": "Talks to partners.", "single": true, "checklist": ["Call the partner"]}));
    assert_problem(
        sam.send(Method::PUT, "/api/v1/roles", Some(catalog.clone()))
            .await,
        403,
        "admin",
    )
    .await;
    let saved = iris
        .ok(Method::PUT, "/api/v1/roles", Some(catalog.clone()))
        .await;
    assert_eq!(saved["roles"][1]["key"], "communications_manager");
    let board = roles_of(&iris, open).await;
    assert_eq!(board["roles"][0]["label"], "Incident Lead");
    assert!(
        board["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["key"] != "business_lead"),
        "retired and never held: hidden"
    );
    assert!(board["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["key"] == "liaison"));
    assert_problem(
        post(
            &iris,
            open,
            "assign",
            json!({"role": "business_lead", "person": uid(&iris), "expected_version": 1}),
        )
        .await,
        422,
        "retired",
    )
    .await;
    post(
        &iris,
        open,
        "assign",
        json!({"role": "liaison", "person": uid(&iris), "expected_version": 1}),
    )
    .await;
    let mut removed = catalog.clone();
    removed["roles"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["key"] != "scribe");
    assert_problem(
        iris.send(Method::PUT, "/api/v1/roles", Some(removed)).await,
        422,
        "retire it instead",
    )
    .await;
    let mut invalid = catalog.clone();
    invalid["roles"][0]["label"] = json!("");
    assert_problem(
        iris.send(Method::PUT, "/api/v1/roles", Some(invalid)).await,
        422,
        "label",
    )
    .await;
    // The commander role stays; a role with several holders somewhere cannot become one-holder.
    let mut no_commander = catalog.clone();
    no_commander["roles"][0]["retired"] = json!(true);
    assert_problem(
        iris.send(Method::PUT, "/api/v1/roles", Some(no_commander))
            .await,
        422,
        "incident_commander",
    )
    .await;
    let v = roles_of(&iris, open).await["version"].clone();
    let res = post(
        &iris,
        open,
        "assign",
        json!({"role": "responder", "person": uid(&iris), "expected_version": v}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let mut narrowed = catalog.clone();
    for role in narrowed["roles"].as_array_mut().unwrap() {
        if role["key"] == "responder" {
            role["single"] = json!(true);
        }
    }
    assert_problem(
        iris.send(Method::PUT, "/api/v1/roles", Some(narrowed))
            .await,
        422,
        &format!("Responders has several holders on INC-{open}"),
    )
    .await;
    // The timeline and vocabulary use the new words.
    let vocabulary = iris.ok(Method::GET, "/api/v1/vocabulary", None).await;
    assert_eq!(vocabulary["roles"]["roles"][0]["label"], "Incident Lead");
    server.stop().await;
});

// A hand-over through the API is one event in one commit: the stream moves on by one version,
// the event names both people, the live stream carries that one event, and a reader polling the
// board meanwhile always finds exactly one commander. Handing back is the same command.
on_both_stores!(
    a_hand_over_is_one_event_in_one_commit,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let reader = server.client(UserRole::Responder).await;
        let id = iris.declare("Hand over", "sev1").await["id"]
            .as_i64()
            .unwrap();
        let mut watcher = SseReader::open(
            &reader,
            &format!("/api/v1/stream?topics=incident:{id}"),
            None,
        )
        .await;
        let assign = |person: i64, expected_version: i64| json!({"role": "incident_commander", "person": person, "expected_version": expected_version});
        let acted: Value = post(&iris, id, "assign", assign(uid(&iris), 0))
            .await
            .json()
            .await
            .unwrap();
        let mut version = acted["incident"]["version"].as_i64().unwrap();
        let rounds = 12;
        let done = std::sync::atomic::AtomicBool::new(false);
        let handing = async {
            for round in 0..rounds {
                let (to, from) = if round % 2 == 0 {
                    (&sam, &iris)
                } else {
                    (&iris, &sam)
                };
                let res = post(&iris, id, "assign", assign(uid(to), round + 1)).await;
                assert_eq!(res.status().as_u16(), 200, "round {round}");
                let acted: Value = res.json().await.unwrap();
                let events = acted["events"].as_array().unwrap();
                assert_eq!(events.len(), 1, "round {round}: {acted}");
                let payload = &events[0]["payload"];
                assert_eq!(payload["type"], "role_handed_over");
                assert_eq!(payload["from"]["id"], uid(from));
                assert_eq!(payload["to"]["id"], uid(to));
                assert_eq!(
                    acted["incident"]["version"].as_i64().unwrap(),
                    version + 1,
                    "one stream version per hand-over"
                );
                version += 1;
                assert_eq!(acted["incident"]["roles"]["version"], round + 2);
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        };
        let polling = async {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let board = roles(&reader, id).await;
                assert_eq!(
                    holders(&board, "incident_commander").len(),
                    1,
                    "read {reads}: {board}"
                );
                reads += 1;
            }
            reads
        };
        let ((), reads) = tokio::join!(handing, polling);
        assert!(reads > 0);

        // The stream: the assignment, then one frame per hand-over and nothing in between.
        let mut kinds = Vec::new();
        while kinds.len() < 1 + rounds as usize {
            let event = watcher
                .next_within(Duration::from_secs(2))
                .await
                .expect("every hand-over on the stream");
            if event.event.starts_with("role_") {
                kinds.push(event.event);
            }
        }
        assert_eq!(kinds[0], "role_assigned");
        assert!(
            kinds[1..].iter().all(|k| k == "role_handed_over"),
            "{kinds:?}"
        );

        // The history: every stint, each relief the instant of the next assumption.
        let board = roles(&iris, id).await;
        let history = role(&board, "incident_commander")["history"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(history.len(), 1 + rounds as usize);
        for pair in history.windows(2) {
            assert_eq!(pair[0]["relieved"], pair[1]["assumed"], "{pair:?}");
        }
        assert_eq!(holders(&board, "incident_commander"), [uid(&iris)]);

        // An undo made after someone else changed the board is refused by the version check.
        post(
            &iris,
            id,
            "assign",
            json!({"role": "scribe", "person": uid(&sam), "expected_version": rounds + 1}),
        )
        .await;
        assert_problem(
            post(&iris, id, "assign", assign(uid(&sam), rounds + 1)).await,
            409,
            "look again",
        )
        .await;

        // The commander who is also the Tech Lead is named.
        assert!(board["commander_also_tech_lead"].is_null());
        let res = post(
            &iris,
            id,
            "assign",
            json!({"role": "tech_lead", "person": uid(&iris), "expected_version": rounds + 2}),
        )
        .await;
        assert_eq!(res.status().as_u16(), 200);
        let board = roles(&iris, id).await;
        assert_eq!(board["commander_also_tech_lead"]["id"], uid(&iris));
        server.stop().await;
    }
);

async fn roles_of(client: &Client, id: i64) -> Value {
    roles(client, id).await
}

// Two people drop different persons onto the same single-holder role at the same moment:
// exactly one wins, the other is told who holds it, and the board has one holder.
on_both_stores!(one_of_two_simultaneous_drops_wins, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;
    let riley = server.client(UserRole::Responder).await;
    for round in 0..5 {
        let id = iris.declare(&format!("Race {round}"), "sev1").await["id"]
            .as_i64()
            .unwrap();
        let a = json!({"role": "incident_commander", "person": uid(&sam), "expected_version": 0});
        let b = json!({"role": "incident_commander", "person": uid(&riley), "expected_version": 0});
        let (ra, rb) = tokio::join!(post(&sam, id, "assign", a), post(&riley, id, "assign", b));
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let (winner, loser) = match statuses {
            [200, 409] => (&sam, rb),
            [409, 200] => (&riley, ra),
            other => panic!("round {round}: expected one 200 and one 409, got {other:?}"),
        };
        let name = winner.user.as_ref().unwrap().name.clone();
        assert_problem(loser, 409, &format!("{name} is Incident Commander now")).await;
        let board = roles(&iris, id).await;
        assert_eq!(holders(&board, "incident_commander"), [uid(winner)]);
        assert_eq!(board["version"], 1);
    }
    server.stop().await;
});

on_both_stores!(
    hand_overs_go_live_and_survive_a_restart,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let id = iris.declare("Live staffing", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let mut watcher =
            SseReader::open(&sam, &format!("/api/v1/stream?topics=incident:{id}"), None).await;
        post(
            &iris,
            id,
            "assign",
            json!({"role": "tech_lead", "person": uid(&sam), "expected_version": 0}),
        )
        .await;
        let seen = loop {
            let event = watcher
                .next_within(Duration::from_secs(1))
                .await
                .expect("the assignment within 1 s");
            if event.event == "role_assigned" {
                break event;
            }
        };
        let data: Value = serde_json::from_str(&seen.data).unwrap();
        assert_eq!(data["event"]["payload"]["role"], "tech_lead");
        assert_eq!(data["event"]["payload"]["person"]["id"], uid(&sam));
        post(
            &iris,
            id,
            "relieve",
            json!({"role": "tech_lead", "person": uid(&sam), "expected_version": 1}),
        )
        .await;
        let before = roles(&iris, id).await;
        drop(watcher);

        let db = server.stop().await;
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let after = roles(&iris, id).await;
        assert_eq!(after, before);
        let stints = role(&after, "tech_lead")["history"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(stints.len(), 1);
        assert!(stints[0]["assumed"].is_string() && stints[0]["relieved"].is_string());
        server.stop().await;
    }
);

// Open rooms follow the role catalog: every stream starts with its revision and hears each save
// once, so a page fetches the catalog an admin just saved. A catalog saved before catalogs had
// revisions reads as revision 0.
on_both_stores!(open_streams_hear_of_catalog_changes, |db: Db| async move {
    let server = TestServer::start(db).await;
    let iris = server.client(UserRole::Admin).await;
    let sam = server.client(UserRole::Responder).await;
    let id = iris.declare("Roles move", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let wait = Duration::from_secs(1);
    let mut room =
        SseReader::open(&sam, &format!("/api/v1/stream?topics=incident:{id}"), None).await;
    assert_eq!(room.settings_revision("role_catalog", wait).await, Some(0));

    let mut catalog = iris.ok(Method::GET, "/api/v1/roles", None).await;
    catalog["roles"][1]["label"] = json!("Tech Owner");
    iris.ok(Method::PUT, "/api/v1/roles", Some(catalog.clone()))
        .await;
    assert_eq!(room.settings_revision("role_catalog", wait).await, Some(1));
    assert_eq!(
        room.settings_revision("role_catalog", wait).await,
        None,
        "once per save"
    );
    // A refused save announces nothing.
    let mut removed = catalog.clone();
    removed["roles"].as_array_mut().unwrap().pop();
    assert_problem(
        iris.send(Method::PUT, "/api/v1/roles", Some(removed)).await,
        422,
        "retire it instead",
    )
    .await;
    assert_eq!(room.settings_revision("role_catalog", wait).await, None);
    // A page that (re)connects hears the current revision first, and its snapshot agrees.
    let mut late = SseReader::open(&sam, "/api/v1/stream?topics=incidents", None).await;
    assert_eq!(late.settings_revision("role_catalog", wait).await, Some(1));
    let vocabulary = sam.ok(Method::GET, "/api/v1/vocabulary", None).await;
    assert_eq!(vocabulary["roles"]["roles"][1]["label"], "Tech Owner");

    // Two admins saving at once: both land, one after the other (the last save wins), and the
    // revisions count both.
    let mut a = catalog.clone();
    a["roles"][1]["label"] = json!("Tech Lead A");
    let mut b = catalog.clone();
    b["roles"][1]["label"] = json!("Tech Lead B");
    let ada = server.client(UserRole::Admin).await;
    let (x, y) = tokio::join!(
        iris.send(Method::PUT, "/api/v1/roles", Some(a)),
        ada.send(Method::PUT, "/api/v1/roles", Some(b))
    );
    assert_eq!((x.status().as_u16(), y.status().as_u16()), (200, 200));
    let mut heard = [
        late.settings_revision("role_catalog", wait).await,
        late.settings_revision("role_catalog", wait).await,
    ];
    heard.sort();
    assert_eq!(heard, [Some(2), Some(3)]);

    // A bare catalog stored by an older Sitrep is migrated to revision 0: see migration.rs.
    server.stop().await;
});

// With several instances on PostgreSQL, a room open on another instance hears of the save too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_change_reaches_rooms_on_every_instance() {
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    let iris = first.client(UserRole::Admin).await;
    let sam = first.client(UserRole::Responder).await;
    let id = iris.declare("Staffed elsewhere", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let there = sam.signed_in_at(&format!("http://{}", second.addr)).await;
    let mut far = SseReader::open(
        &there,
        &format!("/api/v1/stream?topics=incident:{id}"),
        None,
    )
    .await;
    let wait = Duration::from_secs(1);
    assert_eq!(far.settings_revision("role_catalog", wait).await, Some(0));
    let mut catalog = iris.ok(Method::GET, "/api/v1/roles", None).await;
    catalog["roles"][2]["label"] = json!("Comms Lead");
    iris.ok(Method::PUT, "/api/v1/roles", Some(catalog)).await;
    assert_eq!(far.settings_revision("role_catalog", wait).await, Some(1));
    assert_eq!(
        far.settings_revision("role_catalog", wait).await,
        None,
        "once per save"
    );
    let vocabulary = there.ok(Method::GET, "/api/v1/vocabulary", None).await;
    assert_eq!(vocabulary["roles"]["roles"][2]["label"], "Comms Lead");
    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}
