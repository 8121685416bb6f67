//! One store suite, run against SQLite and PostgreSQL.

use crate::common::Db;
use app::domain::{apply, Actor, EventPayload, EventRecord, Incident, Severity, Status, UserRole};
use chrono::{SubsecRound, Utc};
use sitrep::store::{NewUser, Store, StoreError};

fn event(
    incident: Option<&Incident>,
    actor: &app::domain::User,
    payload: EventPayload,
) -> EventRecord {
    EventRecord {
        id: 0,
        incident_id: incident.map_or(0, |i| i.id),
        incident_version: incident.map_or(1, |i| i.version + 1),
        at: Utc::now().trunc_subsecs(6),
        actor: Actor {
            id: actor.id,
            name: actor.name.clone(),
        },
        payload,
        html: None,
    }
}

async fn declare(
    store: &dyn Store,
    user: &app::domain::User,
    title: &str,
) -> (Incident, EventRecord) {
    let e = event(
        None,
        user,
        EventPayload::IncidentDeclared {
            title: title.into(),
            severity: Severity::Sev2,
            summary: String::new(),
        },
    );
    let mut state = None;
    apply(&mut state, &e);
    let (incident, mut events) = store
        .append(
            None,
            &state.unwrap(),
            &[e],
            &crate::common::policy_now(store).await,
        )
        .await
        .unwrap();
    (incident, events.remove(0))
}

on_both_stores!(store_suite, |db: Db| async move {
    let store = db.open().await;
    // Migrating twice is harmless.
    store.migrate().await.unwrap();

    // Users: unique email (case-insensitive), credentials by email in any case.
    let user = store
        .create_user(&NewUser {
            email: "Grace@Example.test".into(),
            name: "Grace Hopper".into(),
            role: UserRole::Admin,
            password_hash: "hash".into(),
        })
        .await
        .unwrap();
    let dup = store
        .create_user(&NewUser {
            email: "grace@example.test".into(),
            name: "Other".into(),
            role: UserRole::Responder,
            password_hash: "hash".into(),
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
    // Non-ASCII letters fold the same way on both databases.
    let new = |email: &str| NewUser {
        email: email.into(),
        name: "Ünal".into(),
        role: UserRole::Responder,
        password_hash: "hash".into(),
    };
    let unal = store.create_user(&new("ÜNAL@example.test")).await.unwrap();
    assert_eq!(unal.email, "ünal@example.test");
    let dup = store.create_user(&new("ünal@EXAMPLE.test")).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
    assert_eq!(
        store
            .credentials("Ünal@example.test")
            .await
            .unwrap()
            .unwrap()
            .user,
        unal
    );
    let creds = store
        .credentials("GRACE@example.TEST")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user, user);
    assert_eq!(creds.password_hash, "hash");
    assert!(store
        .credentials("nobody@example.test")
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.user(user.id).await.unwrap(), Some(user.clone()));
    assert_eq!(
        store.users().await.unwrap(),
        vec![user.clone(), unal.clone()]
    );

    // Appending a new incident assigns ids.
    assert_eq!(store.last_event_id().await.unwrap(), 0);
    let (first, declared) = declare(&*store, &user, "First").await;
    assert!(first.id > 0);
    assert_eq!(declared.incident_id, first.id);
    assert!(declared.id > 0);
    assert_eq!(store.incident(first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(first.declared_by_name, "Grace Hopper");

    // Appending to it with the right version works; with a stale one it is a conflict and
    // nothing is written.
    let e = event(
        Some(&first),
        &user,
        EventPayload::StatusChanged {
            from: Status::Triage,
            to: Status::Investigating,
        },
    );
    let mut state = Some(first.clone());
    apply(&mut state, &e);
    let next = state.unwrap();
    let (stored, events) = store
        .append(
            Some(first.version),
            &next,
            std::slice::from_ref(&e),
            &crate::common::policy_now(&*store).await,
        )
        .await
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.status, Status::Investigating);
    assert!(events[0].id > declared.id);
    let stale = store
        .append(
            Some(first.version),
            &next,
            &[e],
            &crate::common::policy_now(&*store).await,
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { actual: 2, .. })),
        "{stale:?}"
    );
    let gone = {
        let mut ghost = next.clone();
        ghost.id = 424_242;
        let e = event(
            Some(&ghost),
            &user,
            EventPayload::NoteAdded { body: "x".into() },
        );
        let after = Incident {
            version: ghost.version + 1,
            ..ghost.clone()
        };
        store
            .append(
                Some(ghost.version),
                &after,
                &[e],
                &crate::common::policy_now(&*store).await,
            )
            .await
    };
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");

    // Several incidents; the list is newest first; events are global and increasing.
    let (second, _) = declare(&*store, &user, "Second").await;
    let list = store.incidents().await.unwrap();
    assert_eq!(
        list.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    let all = store.events_after(0, 100).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id() < w[1].id()));
    assert_eq!(store.last_event_id().await.unwrap(), all[2].id());
    let page = store.events_after(all[0].id(), 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id(), all[1].id());
    assert!(store
        .events_after(all[2].id(), 10)
        .await
        .unwrap()
        .is_empty());

    // The timeline is one incident's events, oldest first, with the actor's name.
    let timeline = store.timeline(first.id).await.unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0].payload.kind(), "incident_declared");
    assert_eq!(timeline[1].payload.kind(), "status_changed");
    assert_eq!(timeline[1].actor.name, "Grace Hopper");
    assert!(store.timeline(424_242).await.unwrap().is_empty());
    store.close().await;
});

// Whatever a caller computes, the store never lets an incident's version and its events drift
// apart: the second declaration that once bricked an incident is refused, as are skipped or
// repeated versions, and nothing of a refused change is written.
on_both_stores!(out_of_step_appends_are_refused, |db: Db| async move {
    let store = db.open().await;
    let user = store
        .create_user(&NewUser {
            email: "step@example.test".into(),
            name: "Step".into(),
            role: UserRole::Responder,
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    let (incident, _) = declare(&*store, &user, "In step").await;
    let note = |version: i64| EventRecord {
        incident_version: version,
        ..event(
            Some(&incident),
            &user,
            EventPayload::NoteAdded { body: "n".into() },
        )
    };
    let next = |version: i64| Incident {
        version,
        ..incident.clone()
    };
    let redeclared = event(
        Some(&incident),
        &user,
        EventPayload::IncidentDeclared {
            title: "again".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        },
    );
    let refusals = [
        // A second declaration, at the next version, with the version kept (what apply did).
        (next(1), vec![redeclared.clone()]),
        // ... or with the version moved on.
        (next(2), vec![redeclared]),
        // The incident claims a version its events do not reach, or skip past.
        (next(1), vec![note(2)]),
        (next(3), vec![note(2)]),
        (next(3), vec![note(2), note(2)]),
        (next(3), vec![note(3), note(4)]),
        // No events at all.
        (next(2), vec![]),
    ];
    for (i, (state, events)) in refusals.into_iter().enumerate() {
        let refused = store
            .append(
                Some(incident.version),
                &state,
                &events,
                &crate::common::policy_now(&*store).await,
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::OutOfStep(_))),
            "case {i}: {refused:?}"
        );
    }
    // A new incident must start with its declaration, and only one.
    let mut fresh = next(1);
    fresh.id = 0;
    let refused = store
        .append(
            None,
            &fresh,
            &[note(1)],
            &crate::common::policy_now(&*store).await,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::OutOfStep(_))),
        "{refused:?}"
    );
    // Nothing was written, and the incident still takes the next change.
    assert_eq!(store.timeline(incident.id).await.unwrap().len(), 1);
    assert_eq!(
        store.incident(incident.id).await.unwrap(),
        Some(incident.clone())
    );
    let (stored, _) = store
        .append(
            Some(1),
            &next(2),
            &[note(2)],
            &crate::common::policy_now(&*store).await,
        )
        .await
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(store.timeline(incident.id).await.unwrap().len(), 2);
    store.close().await;
});

on_both_stores!(
    concurrent_appends_keep_ids_and_versions_in_order,
    |db: Db| async move {
        let store = db.open().await;
        let user = store
            .create_user(&NewUser {
                email: "a@example.test".into(),
                name: "A".into(),
                role: UserRole::Responder,
                password_hash: "h".into(),
            })
            .await
            .unwrap();

        // A reader that follows the table the way the live pump does (after the last id it saw)
        // must see every event although 20 writers commit at once: ids become visible in order.
        let reader = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut cursor = 0;
                let mut seen = Vec::new();
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
                while seen.len() < 20 && tokio::time::Instant::now() < deadline {
                    for e in store.events_after(cursor, 100).await.unwrap() {
                        cursor = e.id();
                        seen.push(e.id());
                    }
                    tokio::task::yield_now().await;
                }
                seen
            })
        };
        let mut writers = Vec::new();
        for n in 0..20 {
            let store = store.clone();
            let user = user.clone();
            writers.push(tokio::spawn(async move {
                declare(&*store, &user, &format!("Parallel {n}")).await
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let seen = reader.await.unwrap();
        let all: Vec<i64> = store
            .events_after(0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id())
            .collect();
        assert_eq!(all.len(), 20);
        assert_eq!(seen, all, "the follower skipped an event");

        // Ten writers race for the same next version of one incident: exactly one wins.
        let (incident, _) = declare(&*store, &user, "Contended").await;
        let mut racers = Vec::new();
        for n in 0..10 {
            let store = store.clone();
            let user = user.clone();
            let incident = incident.clone();
            racers.push(tokio::spawn(async move {
                let e = event(
                    Some(&incident),
                    &user,
                    EventPayload::NoteAdded {
                        body: format!("racer {n}"),
                    },
                );
                let mut next = incident.clone();
                next.version += 1;
                store
                    .append(
                        Some(incident.version),
                        &next,
                        &[e],
                        &crate::common::policy_now(&*store).await,
                    )
                    .await
            }));
        }
        let mut wins = 0;
        for r in racers {
            match r.await.unwrap() {
                Ok(_) => wins += 1,
                Err(StoreError::Conflict { actual: 2, .. }) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(wins, 1);
        assert_eq!(store.timeline(incident.id).await.unwrap().len(), 2);
        store.close().await;
    }
);

/// Appends `payload` to `incident` (as the service would) and returns the incident after it.
async fn append_one(
    store: &dyn Store,
    user: &app::domain::User,
    incident: &Incident,
    payload: EventPayload,
) -> Incident {
    let e = event(Some(incident), user, payload);
    let mut state = Some(incident.clone());
    apply(&mut state, &e);
    store
        .append(
            Some(incident.version),
            &state.unwrap(),
            &[e],
            &crate::common::policy_now(store).await,
        )
        .await
        .unwrap()
        .0
}

// A setting written with the incidents it was decided on: the write holds only while the value
// is still what was read and none of those incidents' clocks would differ now. A note does not
// get in the way; a severity change does.
on_both_stores!(
    a_setting_holds_only_while_what_it_was_decided_on_holds,
    |db: Db| async move {
        use app::domain::ClockFacts;
        use sitrep::store::SettingChange;
        let store = db.open().await;
        let user = store
            .create_user(&NewUser {
                email: "s@example.test".into(),
                name: "S".into(),
                role: UserRole::Admin,
                password_hash: "h".into(),
            })
            .await
            .unwrap();
        let (incident, _) = declare(&*store, &user, "Watched").await;
        let change = |expected_version: i64, value: &str, facts: ClockFacts| SettingChange {
            key: "role_catalog".into(),
            expected_version,
            value: value.into(),
            actor_id: user.id,
            decided_on: vec![(incident.id, facts)],
        };
        let stored = |value: &str, version: i64| {
            Some(sitrep::store::Setting {
                value: value.into(),
                version,
            })
        };
        let read = ClockFacts::of(&incident);

        // A note since the read: clocks unchanged, the write holds.
        append_one(
            &*store,
            &user,
            &incident,
            EventPayload::NoteAdded { body: "hi".into() },
        )
        .await;
        store
            .commit(&[], Some(&change(0, "one", read.clone())))
            .await
            .unwrap();
        assert_eq!(
            store.setting("role_catalog").await.unwrap(),
            stored("one", 1)
        );
        // The save is an event of the setting's stream, in the one global order.
        let last = store.events_after(0, 100).await.unwrap().pop();
        assert!(
            matches!(
                last,
                Some(sitrep::store::Logged::Setting {
                    key: "role_catalog",
                    revision: 1,
                    ..
                })
            ),
            "{last:?}"
        );

        // The setting moved on meanwhile: nothing is written.
        let err = store
            .commit(&[], Some(&change(0, "two", read.clone())))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    stream: sitrep::store::Stream::Settings,
                    actual: 1,
                    ..
                }
            ),
            "{err:?}"
        );

        // A severity change since the read: its clocks differ, nothing is written.
        let now = store.incident(incident.id).await.unwrap().unwrap();
        append_one(
            &*store,
            &user,
            &now,
            EventPayload::SeverityChanged {
                from: Severity::Sev2,
                to: Severity::Sev1,
                reason: "worse".into(),
            },
        )
        .await;
        let err = store
            .commit(&[], Some(&change(1, "two", read)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { stream: sitrep::store::Stream::Incident, id, .. } if id == incident.id),
            "{err:?}"
        );
        assert_eq!(
            store.setting("role_catalog").await.unwrap(),
            stored("one", 1)
        );
        store.close().await;
    }
);

// The bricked-incident repair (migration 6) is tested on release 0.1's database: see migration.rs.

// `events_for` reads exactly what filtering the whole log by stream would: for a random mix of
// incidents' events and settings saves, any set of streams, any position and batch size.
on_both_stores!(
    events_for_streams_are_the_log_filtered_by_stream,
    |db: Db| async move {
        use rand::{Rng, SeedableRng};
        use sitrep::store::{Logged, SettingChange, StreamRef};
        let seed: u64 = rand::random();
        println!("seed {seed}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let store = db.open().await;
        let user = store
            .create_user(&NewUser {
                email: "mixer@example.test".into(),
                name: "Mixer".into(),
                role: UserRole::Admin,
                password_hash: "hash".into(),
            })
            .await
            .unwrap();
        let mut incidents = Vec::new();
        for i in 0..5 {
            incidents.push(declare(&*store, &user, &format!("Mix {i}")).await.0);
        }
        for step in 0..150 {
            if rng.random_ratio(1, 10) {
                let key = if rng.random_bool(0.5) {
                    "sla_policy"
                } else {
                    "role_catalog"
                };
                let version = store.setting(key).await.unwrap().map_or(0, |s| s.version);
                let value = store
                    .setting(key)
                    .await
                    .unwrap()
                    .map_or("{}".into(), |s| s.value);
                store
                    .commit(
                        &[],
                        Some(&SettingChange {
                            key: key.into(),
                            expected_version: version,
                            value,
                            actor_id: user.id,
                            decided_on: Vec::new(),
                        }),
                    )
                    .await
                    .unwrap();
            } else {
                let i = rng.random_range(0..incidents.len());
                incidents[i] = append_one(
                    &*store,
                    &user,
                    &incidents[i],
                    EventPayload::NoteAdded {
                        body: format!("step {step}"),
                    },
                )
                .await;
            }
        }
        let log = store.events_after(0, 10_000).await.unwrap();
        let of = |entry: &Logged, streams: &[StreamRef]| match entry {
            Logged::Incident(e) => streams.contains(&StreamRef::incident(e.incident_id)),
            Logged::Setting { key, .. } => streams.iter().any(|s| {
                s.stream == sitrep::store::Stream::Settings
                    && Some(s.id) == sitrep::store::setting_stream(key)
            }),
            Logged::Ticket(e) => streams.contains(&StreamRef {
                stream: sitrep::store::Stream::Ticket,
                id: e.ticket_id,
            }),
            Logged::Unknown { .. } => false,
        };
        let ids = |entries: &[Logged]| entries.iter().map(Logged::id).collect::<Vec<_>>();
        for _ in 0..30 {
            let mut streams: Vec<StreamRef> = incidents
                .iter()
                .filter(|_| rng.random_bool(0.4))
                .map(|i| StreamRef::incident(i.id))
                .collect();
            if rng.random_bool(0.5) {
                streams.extend(StreamRef::settings());
            }
            let after = log[rng.random_range(0..log.len())].id() - 1;
            let limit = rng.random_range(1..40);
            let expected: Vec<i64> = ids(&log)
                .into_iter()
                .zip(&log)
                .filter(|(id, entry)| *id > after && of(entry, &streams))
                .map(|(id, _)| id)
                .collect();
            // One batch, and the whole walk batch by batch.
            let batch = store.events_for(after, &streams, limit).await.unwrap();
            let first: Vec<i64> = expected.iter().copied().take(limit as usize).collect();
            assert_eq!(
                ids(&batch),
                first,
                "{streams:?} after {after} limit {limit}"
            );
            let mut walked = Vec::new();
            let mut cursor = after;
            loop {
                let batch = store.events_for(cursor, &streams, limit).await.unwrap();
                walked.extend(ids(&batch));
                match batch.last() {
                    Some(last) if batch.len() as i64 == limit => cursor = last.id(),
                    _ => break,
                }
            }
            assert_eq!(walked, expected, "{streams:?} after {after}");
        }
        assert!(store.events_for(0, &[], 10).await.unwrap().is_empty());
        store.close().await;
    }
);
