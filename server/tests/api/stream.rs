//! The live stream, read by a real SSE client.

use std::time::Duration;

use crate::common::{assert_problem, Db, SseReader, TestServer};
use app::domain::{LiveEvent, UserRole};
use serde_json::json;

fn live(sse: &crate::common::Sse) -> LiveEvent {
    serde_json::from_str(&sse.data).expect("LiveEvent JSON")
}

on_both_stores!(
    events_arrive_in_order_and_resume_exactly,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let alice = server.client(UserRole::Responder).await;
        let bob = server.client(UserRole::Responder).await;
        let id = alice.declare("Streamed", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let topic = format!("/api/v1/stream?topics=incident:{id}");

        // Live, in order, with their ids and the server's time.
        let mut stream = SseReader::open(&bob, &topic, None).await;
        let mut seen = Vec::new();
        for i in 0..3 {
            let posted = alice.note(id, &format!("live {i}")).await;
            let sse = stream.next().await;
            assert_eq!(sse.event, "note_added");
            let event = live(&sse);
            assert_eq!(sse.id, Some(event.event.id));
            assert_eq!(event.event.id, posted["id"].as_i64().unwrap());
            assert!(event
                .event
                .html
                .as_deref()
                .unwrap()
                .contains(&format!("live {i}")));
            assert!((chrono::Utc::now() - event.server_time).num_seconds().abs() < 5);
            seen.push(event.event.id);
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        let last_seen = *seen.last().unwrap();
        drop(stream);

        // Three events while disconnected.
        let mut missed = Vec::new();
        for i in 0..3 {
            missed.push(
                alice.note(id, &format!("missed {i}")).await["id"]
                    .as_i64()
                    .unwrap(),
            );
        }

        // Reconnect with Last-Event-ID: exactly those three, in order, nothing twice.
        let mut stream = SseReader::open(&bob, &topic, Some(last_seen)).await;
        let mut replayed = Vec::new();
        while let Some(sse) = stream.next_within(Duration::from_millis(700)).await {
            replayed.push(sse.id.unwrap());
        }
        assert_eq!(replayed, missed);

        // …and then live again, still without duplicates.
        let next = alice.note(id, "after resume").await["id"].as_i64().unwrap();
        let sse = stream.next().await;
        assert_eq!(sse.id, Some(next));
        assert!(stream
            .next_within(Duration::from_millis(500))
            .await
            .is_none());

        // `?after=` works like Last-Event-ID for a first connection.
        let mut stream = SseReader::open(&bob, &format!("{topic}&after={last_seen}"), None).await;
        let mut again = Vec::new();
        while let Some(sse) = stream.next_within(Duration::from_millis(700)).await {
            again.push(sse.id.unwrap());
        }
        let mut expected = missed.clone();
        expected.push(next);
        assert_eq!(again, expected);
        server.stop().await;
    }
);

on_both_stores!(
    topics_filter_what_a_subscriber_receives,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let alice = server.client(UserRole::Responder).await;
        let one = alice.declare("One", "sev2").await["id"].as_i64().unwrap();
        let two = alice.declare("Two", "sev3").await["id"].as_i64().unwrap();
        let mut list = SseReader::open(&alice, "/api/v1/stream?topics=incidents", None).await;
        let mut room = SseReader::open(
            &alice,
            &format!("/api/v1/stream?topics=incident:{one}"),
            None,
        )
        .await;

        alice
            .note(two, "not for the room of one, and not a list change")
            .await;
        let three = alice.declare("Three", "sev1").await;
        let res = alice
            .post_json(
                &format!("/api/v1/incidents/{one}/status"),
                json!({"status": "investigating", "expected_version": 1}),
            )
            .await;
        assert_eq!(res.status(), 200);

        // The list sees the declaration and the status change, not the note.
        let a = list.next().await;
        assert_eq!(a.event, "incident_declared");
        assert_eq!(live(&a).event.incident_id, three["id"].as_i64().unwrap());
        let b = list.next().await;
        assert_eq!(b.event, "status_changed");
        assert!(list.next_within(Duration::from_millis(500)).await.is_none());

        // The room of one sees only its own status change.
        let c = room.next().await;
        assert_eq!(c.event, "status_changed");
        assert_eq!(live(&c).event.incident_id, one);
        assert!(room.next_within(Duration::from_millis(500)).await.is_none());

        let res = alice.get("/api/v1/stream?topics=weather").await;
        assert_problem(res, 400, "Unknown topic").await;
        server.stop().await;
    }
);

on_both_stores!(
    a_position_from_the_future_resyncs_then_streams,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let alice = server.client(UserRole::Responder).await;
        let id = alice.declare("Future", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let topic = format!("/api/v1/stream?topics=incident:{id}");
        let mut stream = SseReader::open(&alice, &topic, Some(1_000_000)).await;
        let first = stream.next().await;
        assert_eq!(first.event, "resync");
        let note = alice.note(id, "after the resync").await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(stream.next().await.id, Some(note));
        server.stop().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams() {
    let server = TestServer::start(Db::sqlite()).await;
    let alice = server.client(UserRole::Responder).await;
    let mut stream = SseReader::open(&alice, "/api/v1/stream?topics=incidents", None).await;
    let stopping = tokio::spawn(server.stop());
    // The stream ends (not merely goes quiet), and the server finishes promptly.
    assert!(stream.ends_within(Duration::from_secs(3)).await);
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("server stopped within 5 s")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_on_the_same_postgres_reaches_this_instances_subscribers() {
    // Two instances on one PostgreSQL database: an event written through one reaches a
    // subscriber of the other (LISTEN/NOTIFY + catch-up from the table).
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    let alice = first.client(UserRole::Responder).await;
    let id = alice.declare("Across instances", "sev2").await["id"]
        .as_i64()
        .unwrap();

    let bob = alice.signed_in_at(&format!("http://{}", second.addr)).await;
    let mut stream =
        SseReader::open(&bob, &format!("/api/v1/stream?topics=incident:{id}"), None).await;
    let note = alice.note(id, "written on the first instance").await["id"]
        .as_i64()
        .unwrap();
    let sse = stream.next().await;
    assert_eq!(sse.id, Some(note));
    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}

on_both_stores!(
    presence_shows_who_is_in_a_room_and_who_left,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let iris = server.client(UserRole::Admin).await;
        let sam = server.client(UserRole::Responder).await;
        let id = iris.declare("Who is here", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/stream?topics=incident:{id}");
        let iris_name = iris.user.as_ref().unwrap().name.clone();
        let sam_name = sam.user.as_ref().unwrap().name.clone();

        let mut iris_stream = SseReader::open(&iris, &path, None).await;
        let first = iris_stream
            .presence_within(Duration::from_secs(2))
            .await
            .expect("presence");
        assert!(first.data.contains(&iris_name), "{}", first.data);
        assert!(!first.data.contains(&sam_name), "{}", first.data);

        let sam_stream = SseReader::open(&sam, &path, None).await;
        let both = iris_stream
            .presence_within(Duration::from_secs(2))
            .await
            .expect("Sam arrives");
        assert!(
            both.data.contains(&iris_name) && both.data.contains(&sam_name),
            "{}",
            both.data
        );

        // Sam closes the tab: Iris sees him leave within seconds.
        drop(sam_stream);
        let left = iris_stream
            .presence_within(Duration::from_secs(5))
            .await
            .expect("Sam leaves");
        assert!(
            left.data.contains(&iris_name) && !left.data.contains(&sam_name),
            "{}",
            left.data
        );
        server.stop().await;
    }
);

#[tokio::test]
async fn presence_crosses_instances_on_postgres() {
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    let iris = first.client(UserRole::Admin).await;
    let sam = first.client(UserRole::Responder).await;
    let sam_name = sam.user.as_ref().unwrap().name.clone();
    let id = iris.declare("Two instances", "sev2").await["id"]
        .as_i64()
        .unwrap();
    // Sam signs in on the second instance.
    let sam2 = sam.signed_in_at(&format!("http://{}", second.addr)).await;

    let path = format!("/api/v1/stream?topics=incident:{id}");
    let mut iris_stream = SseReader::open(&iris, &path, None).await;
    iris_stream
        .presence_within(Duration::from_secs(2))
        .await
        .expect("own presence");
    let sam_stream = SseReader::open(&sam2, &path, None).await;
    let mut seen = false;
    while let Some(p) = iris_stream.presence_within(Duration::from_secs(3)).await {
        if p.data.contains(&sam_name) {
            seen = true;
            break;
        }
    }
    assert!(seen, "Sam, on the other instance, shows up");
    drop(sam_stream);
    let mut gone = false;
    while let Some(p) = iris_stream.presence_within(Duration::from_secs(5)).await {
        if !p.data.contains(&sam_name) {
            gone = true;
            break;
        }
    }
    assert!(gone, "Sam leaving the other instance shows up");
    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}

/// Appends `count` notes to incident `id` in one atomic change, straight through the store: a
/// busy log without a thousand requests.
async fn bulk_notes(server: &TestServer, id: i64, count: usize) {
    use app::domain::{apply, Actor, EventPayload, EventRecord};
    let incident = server.store.incident(id).await.unwrap().unwrap();
    let actor = Actor {
        id: incident.declared_by,
        name: incident.declared_by_name.clone(),
    };
    let mut state = Some(incident.clone());
    let events: Vec<EventRecord> = (0..count)
        .map(|i| {
            let event = EventRecord {
                id: 0,
                incident_id: id,
                incident_version: incident.version + 1 + i as i64,
                at: chrono::Utc::now(),
                actor: actor.clone(),
                payload: EventPayload::NoteAdded {
                    body: format!("elsewhere {i}"),
                },
                html: None,
            };
            apply(&mut state, &event);
            event
        })
        .collect();
    server
        .store
        .append(
            Some(incident.version),
            &state.unwrap(),
            &events,
            &crate::common::policy_now(&*server.store).await,
        )
        .await
        .unwrap();
}

// Replay by topic: a room's stream resumed after a busy log elsewhere gets its own missed
// events and the settings saves, in order, and nothing of the other rooms.
on_both_stores!(
    a_stream_resumed_after_events_on_other_topics_receives_exactly_its_own_missed_events,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let bob = server.client(UserRole::Responder).await;
        let a = admin.declare("Followed", "sev2").await["id"]
            .as_i64()
            .unwrap();
        let b = admin.declare("Busy elsewhere", "sev3").await["id"]
            .as_i64()
            .unwrap();
        let topic = format!("/api/v1/stream?topics=incident:{a}");

        let mut stream = SseReader::open(&bob, &topic, None).await;
        let seen = admin.note(a, "before the drop").await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(stream.next().await.id, Some(seen));
        drop(stream);

        // While away: a thousand events on B around A's own and a settings save.
        let mut missed = Vec::new();
        bulk_notes(&server, b, 600).await;
        for i in 0..3 {
            missed.push((
                admin.note(a, &format!("missed {i}")).await["id"]
                    .as_i64()
                    .unwrap(),
                "note_added".to_owned(),
            ));
            bulk_notes(&server, b, 100).await;
        }
        let catalog = admin.ok(reqwest::Method::GET, "/api/v1/roles", None).await;
        admin
            .ok(reqwest::Method::PUT, "/api/v1/roles", Some(catalog))
            .await;
        let saved = server.store.last_event_id().await.unwrap();
        missed.push((saved, "settings".to_owned()));
        bulk_notes(&server, b, 100).await;

        let mut resumed = SseReader::open(&bob, &topic, Some(seen)).await;
        let mut replayed = Vec::new();
        while let Some(frame) = resumed.next_any_within(Duration::from_millis(700)).await {
            // Presence and the settings' current revisions come without ids.
            if let Some(id) = frame.id {
                replayed.push((id, frame.event.clone()));
            }
        }
        assert_eq!(replayed, missed);
        server.stop().await;
    }
);
