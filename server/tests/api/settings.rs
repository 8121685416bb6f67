//! Settings changes are events of the log: an open stream on another instance hears them from
//! the events table (the pump), with their ids, and a stream resuming after `Last-Event-ID` gets
//! them replayed — there is no settings channel between instances any more.

use std::time::Duration;

use app::domain::UserRole;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::postgres::PgListener;

use crate::common::{Db, Sse, SseReader, TestServer};

/// The next `event: settings` frame about `key`, or `None` after `wait`.
async fn settings_frame(stream: &mut SseReader, key: &str, wait: Duration) -> Option<Sse> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = stream.next_any_within(left).await?;
        if frame.event == "settings"
            && serde_json::from_str::<Value>(&frame.data).is_ok_and(|d| d["key"] == key)
        {
            return Some(frame);
        }
    }
}

fn revision(frame: &Sse) -> Option<u64> {
    serde_json::from_str::<Value>(&frame.data).ok()?["revision"].as_u64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_changes_reach_other_instances_through_the_event_log() {
    let db = Db::postgres().await;
    let first = TestServer::start(db).await;
    let (second, second_store) = first.another_instance().await;
    // Whoever still announced settings on the old channel would be heard here.
    let mut old_channel = PgListener::connect(&first.db.url()).await.unwrap();
    old_channel.listen("sitrep_settings").await.unwrap();

    let admin = first.client(UserRole::Admin).await;
    let sam = first.client(UserRole::Responder).await;
    let id = admin.declare("Elsewhere", "sev2").await["id"]
        .as_i64()
        .unwrap();
    let there = sam.signed_in_at(&format!("http://{}", second.addr)).await;
    let topics = format!("/api/v1/stream?topics=incident:{id}");
    let mut far = SseReader::open(&there, &topics, None).await;
    let wait = Duration::from_secs(3);
    // On connect: the current revisions, without ids (they are not events of this stream).
    let now = settings_frame(&mut far, "sla_policy", wait).await.unwrap();
    assert_eq!((now.id, revision(&now)), (None, Some(0)));
    let now = settings_frame(&mut far, "role_catalog", wait)
        .await
        .unwrap();
    assert_eq!((now.id, revision(&now)), (None, Some(0)));
    let before = first.store.last_event_id().await.unwrap();

    // An SLA policy save and a catalog save on the first instance.
    let policy = admin.ok(Method::GET, "/api/v1/sla/policy", None).await;
    admin
        .ok(Method::PUT, "/api/v1/sla/policy", Some(policy))
        .await;
    let mut catalog = admin.ok(Method::GET, "/api/v1/roles", None).await;
    catalog["roles"][2]["label"] = json!("Comms Lead");
    admin.ok(Method::PUT, "/api/v1/roles", Some(catalog)).await;
    // An event of another incident: not for this stream.
    let other = admin.declare("Not followed", "sev4").await["id"]
        .as_i64()
        .unwrap();

    // The second instance's stream hears both, as events of the log: with their ids, in order.
    let sla = settings_frame(&mut far, "sla_policy", wait).await.unwrap();
    assert_eq!(revision(&sla), Some(1));
    let roles = settings_frame(&mut far, "role_catalog", wait)
        .await
        .unwrap();
    assert_eq!(revision(&roles), Some(1));
    let (sla_id, roles_id) = (sla.id.expect("an id"), roles.id.expect("an id"));
    assert!(
        before < sla_id && sla_id < roles_id,
        "{before} {sla_id} {roles_id}"
    );
    assert!(far.next_within(Duration::from_millis(300)).await.is_none());

    // Resuming from before the saves replays them (for every stream), and the incident events
    // only of the topics asked for.
    let mut resumed = SseReader::open(&there, &topics, Some(before)).await;
    let mut replayed = Vec::new();
    while let Some(frame) = resumed.next_any_within(Duration::from_millis(500)).await {
        if let Some(id) = frame.id {
            replayed.push((id, frame.event.clone()));
        }
    }
    assert_eq!(
        replayed,
        [
            (sla_id, "settings".to_owned()),
            (roles_id, "settings".to_owned())
        ],
        "incident {other} is not followed"
    );

    // Nothing was said on a settings channel.
    let heard = tokio::time::timeout(Duration::from_millis(200), old_channel.recv()).await;
    assert!(heard.is_err(), "{heard:?}");

    second.shutdown().await;
    second_store.close().await;
    first.stop().await;
}
