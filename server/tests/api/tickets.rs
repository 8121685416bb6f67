//! Tickets in the store, on both engines: a ticket and its events committed together, versions
//! checked, mail taken once, and ticket events in the one log the pump reads.

use app::domain::{
    apply_ticket, decide_ticket, Actor, Assignee, Channel, NewTicket, Priority, Requester, Ticket,
    TicketCommand, TicketContext, TicketEvent, TicketEventRecord, TicketStatus, TicketUpdate, User,
    UserRole,
};
use chrono::{SubsecRound, Utc};
use sitrep::store::tickets::TicketChange;
use sitrep::store::{Logged, NewUser, Store, StoreError, Stream};

use crate::common::Db;

/// Decides `command` on `ticket` as `actor` and folds its events in: the change to commit.
fn change(
    ticket: Option<&Ticket>,
    command: TicketCommand,
    actor: &User,
    mail: Vec<String>,
) -> TicketChange {
    let ctx = TicketContext {
        actor: Some(actor),
        assignee: Some(actor),
        now: Utc::now(),
        ..TicketContext::default()
    };
    let events = decide_ticket(ticket, &command, &ctx).unwrap();
    let mut state = ticket.cloned();
    let mut records = Vec::new();
    for payload in events {
        let record = TicketEventRecord {
            id: 0,
            ticket_id: ticket.map_or(0, |t| t.id),
            ticket_version: state.as_ref().map_or(1, |t| t.version + 1),
            at: Utc::now().trunc_subsecs(6),
            actor: Actor {
                id: actor.id,
                name: actor.name.clone(),
            },
            payload,
            html: None,
        };
        apply_ticket(&mut state, &record);
        records.push(record);
    }
    TicketChange::new(
        ticket.map(|t| t.version),
        state.unwrap(),
        records,
        mail,
        &Default::default(),
    )
}

fn opening() -> TicketCommand {
    TicketCommand::Open(NewTicket {
        requester: Requester {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        },
        organisation: "Acme".into(),
        subject: "Checkout fails".into(),
        body: "I cannot pay.".into(),
        channel: Channel::Email,
        priority: Priority::High,
        tags: vec!["billing".into()],
        cc: vec![],
        message_id: Some("<m1@acme.example>".into()),
        follow_up_of: None,
        related_to: None,
    })
}

async fn commit_one(store: &dyn Store, change: TicketChange) -> Result<Ticket, StoreError> {
    let mut out = store.commit_tickets(&[change]).await?;
    Ok(out.remove(0).0)
}

on_both_stores!(tickets_in_the_store, |db: Db| async move {
    let store = db.open().await;
    let sue = store
        .create_user(&NewUser {
            email: "sue@example.test".into(),
            name: "Sue Support".into(),
            role: UserRole::Support,
            password_hash: "hash".into(),
        })
        .await
        .unwrap();
    let before = store.last_event_id().await.unwrap();

    // Opened: the row, its events with their ids, and the mail that opened it.
    let opened = change(None, opening(), &sue, vec!["<m1@acme.example>".into()]);
    let stored = store.commit_tickets(&[opened]).await.unwrap();
    let (ticket, events) = &stored[0];
    assert!(ticket.id > 0);
    assert_eq!(ticket.version, 1);
    assert_eq!(events.len(), 1);
    assert!(events[0].id > before);
    assert_eq!(events[0].ticket_id, ticket.id);
    let read = store.ticket(ticket.id).await.unwrap().unwrap();
    assert_eq!(&read, ticket);
    assert_eq!(
        store.ticket_for_mail("<m1@acme.example>").await.unwrap(),
        Some(ticket.id)
    );
    assert_eq!(store.ticket_for_mail("<other>").await.unwrap(), None);

    // Assigned and solved at the version seen.
    let solve = TicketCommand::Update(TicketUpdate {
        assignee: Some(Assignee::Person(sue.id)),
        status: Some(TicketStatus::Solved),
        expected_version: Some(1),
        ..TicketUpdate::default()
    });
    let solved = commit_one(&*store, change(Some(&read), solve.clone(), &sue, vec![]))
        .await
        .unwrap();
    assert_eq!(solved.status, TicketStatus::Solved);
    assert_eq!(solved.version, 3);
    assert_eq!(store.ticket(read.id).await.unwrap().unwrap(), solved);

    // Decided on the old version: the stream has moved on, nothing is written.
    let stale = change(Some(&read), solve, &sue, vec![]);
    match commit_one(&*store, stale).await {
        Err(StoreError::Conflict { stream, id, actual }) => {
            assert_eq!((stream, id, actual), (Stream::Ticket, read.id, 3));
        }
        other => panic!("a stale commit: {other:?}"),
    }

    // A mail taken already is refused with everything else in its commit.
    let reply = TicketCommand::RequesterReply {
        from: "ada@example.com".into(),
        body: "Thanks!".into(),
        message_id: Some("<m1@acme.example>".into()),
    };
    let again = change(Some(&solved), reply, &sue, vec!["<m1@acme.example>".into()]);
    let refused = commit_one(&*store, again).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate(_))),
        "{refused:?}"
    );
    assert_eq!(store.ticket(read.id).await.unwrap().unwrap().version, 3);

    // A change whose events do not follow its version is refused before anything is written.
    let mut out_of_step = change(
        Some(&solved),
        TicketCommand::Reply {
            body: "Note".into(),
            public: false,
        },
        &sue,
        vec![],
    );
    out_of_step.events[0].ticket_version = 7;
    let refused = commit_one(&*store, out_of_step).await;
    assert!(
        matches!(refused, Err(StoreError::OutOfStep(_))),
        "{refused:?}"
    );

    // The history, in order, and in the one log the pump reads.
    let history = store.ticket_events(read.id, 0, 100).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.payload.kind()).collect();
    assert_eq!(
        kinds,
        ["ticket_opened", "assignee_changed", "status_changed"]
    );
    assert!(matches!(
        history[2].payload,
        TicketEvent::StatusChanged {
            to: TicketStatus::Solved,
            ..
        }
    ));
    let logged = store.events_after(before, 100).await.unwrap();
    let tickets: Vec<&TicketEventRecord> = logged
        .iter()
        .filter_map(|l| match l {
            Logged::Ticket(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(tickets.len(), 3);
    assert_eq!(tickets, history.iter().collect::<Vec<_>>());
});

on_both_stores!(tickets_over_rest, |db: Db| async move {
    use crate::common::{assert_problem, TestServer};
    use reqwest::Method;
    use serde_json::json;

    let server = TestServer::start(db).await;
    let sue = server.client(UserRole::Support).await;
    let sue_id = sue.user.as_ref().unwrap().id;
    let watcher = server.client(UserRole::Stakeholder).await;
    let open = json!({
        "requester": {"name": "Ada", "email": "<Ada@Example.com>"},
        "organisation": "Acme",
        "subject": "Checkout fails",
        "body": "I cannot pay.",
        "priority": "urgent",
        "tags": ["Billing"]
    });
    let created = sue.post_json("/api/v1/tickets", open.clone()).await;
    assert_eq!(created.status(), 201);
    let ticket: serde_json::Value = created.json().await.unwrap();
    let id = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["reference"], format!("T-{id}"));
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["channel"], "api");
    assert_eq!(ticket["requester"]["email"], "ada@example.com");
    assert_eq!(ticket["tags"], json!(["billing"]));
    let kinds: Vec<&str> = ticket["sla"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["first_reply", "resolution"]);
    let path = format!("/api/v1/tickets/{id}");
    assert_eq!(sue.ok(Method::GET, &path, None).await["version"], 1);

    // Bad input: 4xx problems that say what was wrong, and nothing stored.
    let before = server.store.last_event_id().await.unwrap();
    let mut no_subject = open.clone();
    no_subject["subject"] = json!("  ");
    assert_problem(
        sue.post_json("/api/v1/tickets", no_subject).await,
        422,
        "Subject must not be empty (1–200 characters)",
    )
    .await;
    let mut bad_priority = open.clone();
    bad_priority["priority"] = json!("asap");
    assert_problem(
        sue.post_json("/api/v1/tickets", bad_priority).await,
        422,
        "use one of urgent, high, normal, low",
    )
    .await;
    let mut bad_address = open.clone();
    bad_address["requester"]["email"] = json!("ada");
    assert_problem(
        sue.post_json("/api/v1/tickets", bad_address).await,
        422,
        "is not an email address",
    )
    .await;
    assert_problem(
        watcher.post_json("/api/v1/tickets", open.clone()).await,
        403,
        "can read tickets but not change them",
    )
    .await;
    assert_problem(
        sue.send(Method::GET, "/api/v1/tickets/999999", None).await,
        404,
        "T-999999 does not exist",
    )
    .await;
    let patch = |body| sue.send(Method::PATCH, &path, Some(body));
    assert_problem(
        patch(json!({"status": "solved", "expected_version": 1})).await,
        422,
        "cannot be solved without an assignee",
    )
    .await;
    assert_problem(
        patch(json!({"assignee_id": 999999})).await,
        404,
        "no person with id 999999",
    )
    .await;
    assert_problem(patch(json!({})).await, 422, "Say what to change").await;
    assert_eq!(
        server.store.last_event_id().await.unwrap(),
        before,
        "nothing stored"
    );

    // Assigned and solved in one change; then a change decided on the old version is stale.
    let solved = sue
        .ok(
            Method::PATCH,
            &path,
            Some(json!({"assignee_id": sue_id, "status": "solved", "expected_version": 1})),
        )
        .await;
    assert_eq!(solved["status"], "solved");
    assert_eq!(solved["assignee"]["id"], sue_id);
    assert_eq!(solved["version"], 3);
    assert_problem(
        patch(json!({"priority": "low", "expected_version": 1})).await,
        409,
        "you had version 1, it is now at version 3",
    )
    .await;
    assert_problem(
        patch(json!({"status": "new"})).await,
        422,
        "never returns to New",
    )
    .await;
    assert_problem(
        patch(json!({"assignee_id": null})).await,
        422,
        "keeps its assignee: reopen it first",
    )
    .await;
    assert_problem(
        watcher
            .send(Method::PATCH, &path, Some(json!({"priority": "low"})))
            .await,
        403,
        "can read tickets",
    )
    .await;
    // Stakeholders read.
    assert_eq!(
        watcher.ok(Method::GET, &path, None).await["status"],
        "solved"
    );
    // The API's document describes the ticket routes.
    let doc = sue.ok(Method::GET, "/api/v1/openapi.json", None).await;
    for route in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/inbound/email",
    ] {
        assert!(
            doc["paths"][route].is_object(),
            "{route} in the OpenAPI document"
        );
    }
    server.stop().await;
});

on_both_stores!(mail_opens_and_answers_tickets, |db: Db| async move {
    use crate::common::{assert_problem, TestServer};
    use reqwest::Method;
    use serde_json::json;

    let server = TestServer::start(db).await;
    let bridge = server.client(UserRole::Support).await;
    // The bridge posts with a write token of its own.
    let token = |scope: &str| {
        bridge.post_json(
            "/api/v1/tokens",
            json!({"name": format!("mail bridge ({scope})"), "scope": scope}),
        )
    };
    let write: serde_json::Value = token("write").await.json().await.unwrap();
    let write = write["token"].as_str().unwrap().to_owned();
    let read: serde_json::Value = token("read").await.json().await.unwrap();
    let read = read["token"].as_str().unwrap().to_owned();
    let url = server.url("/api/v1/inbound/email");
    let post = |token: String, body: serde_json::Value| {
        let url = url.clone();
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let inbound = |body: serde_json::Value| post(write.clone(), body);
    let log_at = || async { server.store.last_event_id().await.unwrap() };
    let first = json!({
        "from": "Ada Customer <Ada@Example.com>",
        "name": "Ada Customer",
        "subject": "Checkout fails",
        "text": "I cannot pay.",
        "message_id": "<m1@acme.example>"
    });
    // Not from a browser session, nor with a read token.
    let session = bridge
        .post_json("/api/v1/inbound/email", first.clone())
        .await;
    assert_problem(session, 403, "with a write API token").await;
    assert_problem(
        post(read.clone(), first.clone()).await,
        403,
        "may only read",
    )
    .await;
    let before = log_at().await;
    // The same mail delivered twice at the same moment is taken once.
    let (a, b) = tokio::join!(inbound(first.clone()), inbound(first.clone()));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201]);
    let (a, b): (serde_json::Value, serde_json::Value) =
        (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["ticket"]["id"], b["ticket"]["id"]);
    let taken = if a["outcome"] == "opened" { a } else { b };
    assert_eq!(taken["outcome"], "opened");
    let ticket = &taken["ticket"];
    let id = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["channel"], "email");
    assert_eq!(ticket["requester"]["email"], "ada@example.com");
    assert_eq!(ticket["requester"]["name"], "Ada Customer");
    assert_eq!(log_at().await, before + 1, "one event: the opening");

    // Delivered again: taken once.
    let res = inbound(first.clone()).await;
    assert_eq!(res.status(), 200);
    let again: serde_json::Value = res.json().await.unwrap();
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["ticket"]["id"], id);
    assert_eq!(again["ticket"]["version"], 1);

    // Waiting on the requester, then their answer (threaded by In-Reply-To) reopens it.
    let path = format!("/api/v1/tickets/{id}");
    let sue_id = bridge.user.as_ref().unwrap().id;
    bridge
        .ok(
            Method::PATCH,
            &path,
            Some(json!({"assignee_id": sue_id, "status": "pending"})),
        )
        .await;
    let answer = json!({
        "from": "ada@example.com",
        "subject": "Re: Checkout fails",
        "text": "Here is the screenshot.",
        "message_id": "<m2@acme.example>",
        "in_reply_to": "<m1@acme.example>"
    });
    let res = inbound(answer).await;
    assert_eq!(res.status(), 200);
    let replied: serde_json::Value = res.json().await.unwrap();
    assert_eq!(replied["outcome"], "replied");
    assert_eq!(replied["ticket"]["id"], id);
    assert_eq!(replied["ticket"]["status"], "open");

    // Someone else quoting its number opens a ticket of their own, related to it.
    let stranger = json!({
        "from": "mallory@evil.example",
        "subject": format!("Re: Checkout fails [#T-{id}]"),
        "text": "Give me this ticket.",
        "message_id": "<x1@evil.example>"
    });
    let res = inbound(stranger).await;
    assert_eq!(res.status(), 201);
    let related: serde_json::Value = res.json().await.unwrap();
    assert_eq!(related["outcome"], "related");
    assert_ne!(related["ticket"]["id"], id);
    assert_eq!(related["ticket"]["related_to"], id);
    assert_eq!(
        related["ticket"]["requester"]["email"],
        "mallory@evil.example"
    );
    let original = bridge.ok(Method::GET, &path, None).await;
    assert_eq!(original["requester"]["email"], "ada@example.com");
    assert_eq!(original["cc"], json!([]));

    // The requester tagging the subject reaches the ticket too.
    let tagged = json!({
        "from": "ada@example.com",
        "subject": format!("Still broken [#T-{id}]"),
        "text": "Any news?",
        "message_id": "<m3@acme.example>"
    });
    let res = inbound(tagged).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["outcome"],
        "replied"
    );

    // Bad mail: a 422 that says why, nothing stored.
    let before = log_at().await;
    let bad = [
        (
            json!({"subject": "Hi", "text": "Hello", "message_id": "b1"}),
            "needs its sender's address",
        ),
        (
            json!({"from": "ada@example.com", "subject": "Hi", "text": "Hello"}),
            "needs its Message-ID",
        ),
        (
            json!({"from": "ada@example.com", "subject": format!("[#T-{id}]"), "text": " ", "message_id": "b2"}),
            "must not be empty",
        ),
        (
            json!({"from": "not an address", "text": "Hello", "message_id": "b3"}),
            "is not an email address",
        ),
        (
            json!({"from": "ada@example.com", "text": "Hello", "message_id": "spaced id"}),
            "is not a message id",
        ),
    ];
    for (mail, says) in bad {
        assert_problem(inbound(mail).await, 422, says).await;
    }
    assert_eq!(log_at().await, before, "nothing stored");
    server.stop().await;
});

/// The next `event: ticket` frame within 5 s, as its record.
async fn next_ticket_event(reader: &mut crate::common::SseReader) -> Option<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let sse = reader.next_any_within(left).await?;
        if sse.event == "ticket" {
            let data: serde_json::Value = serde_json::from_str(&sse.data).unwrap();
            assert_eq!(Some(data["event"]["id"].as_i64().unwrap()), sse.id);
            return Some(data["event"].clone());
        }
    }
}

on_both_stores!(ticket_events_are_live, |db: Db| async move {
    use crate::common::{SseReader, TestServer};
    use reqwest::Method;
    use serde_json::json;
    use std::time::Duration;

    let server = TestServer::start(db).await;
    let sue = server.client(UserRole::Support).await;
    let sam = server.client(UserRole::Responder).await;
    let open = |subject: &str| {
        json!({
            "requester": {"email": "ada@example.com"},
            "subject": subject,
            "body": "**Help**"
        })
    };
    let mut queue = SseReader::open(&sam, "/api/v1/stream?topics=tickets", None).await;
    let first: serde_json::Value = sue
        .post_json("/api/v1/tickets", open("First"))
        .await
        .json()
        .await
        .unwrap();
    let id = first["id"].as_i64().unwrap();
    let event = next_ticket_event(&mut queue)
        .await
        .expect("the new ticket, live");
    assert_eq!(event["ticket_id"], id);
    assert_eq!(event["payload"]["type"], "ticket_opened");
    // The message comes rendered, as notes do.
    assert!(event["html"]
        .as_str()
        .unwrap()
        .contains("<strong>Help</strong>"));

    // One ticket's stream hears that ticket only; an incident's hears no ticket.
    let mut one = SseReader::open(&sam, &format!("/api/v1/stream?topics=ticket:{id}"), None).await;
    let incident = sue.declare("Checkout down", "sev2").await;
    let mut room = SseReader::open(
        &sam,
        &format!("/api/v1/stream?topics=incident:{}", incident["id"]),
        None,
    )
    .await;
    let other: serde_json::Value = sue
        .post_json("/api/v1/tickets", open("Second"))
        .await
        .json()
        .await
        .unwrap();
    sue.ok(
        Method::PATCH,
        &format!("/api/v1/tickets/{id}"),
        Some(json!({"priority": "urgent"})),
    )
    .await;
    let mine = next_ticket_event(&mut one).await.unwrap();
    assert_eq!(mine["ticket_id"], id);
    assert_eq!(mine["payload"]["type"], "priority_changed");
    let in_queue = next_ticket_event(&mut queue).await.unwrap();
    assert_eq!(in_queue["ticket_id"], other["id"]);
    let last = next_ticket_event(&mut queue).await.unwrap();
    assert_eq!(last["payload"]["type"], "priority_changed");
    // (Anything but presence and settings: a ticket's frame would show.)
    assert!(room.next_within(Duration::from_millis(300)).await.is_none());

    // Reconnecting after the first event replays exactly what followed, for the topic.
    let after = event["id"].as_i64().unwrap();
    let mut resumed = SseReader::open(
        &sam,
        &format!("/api/v1/stream?topics=ticket:{id}"),
        Some(after),
    )
    .await;
    let replayed = next_ticket_event(&mut resumed).await.unwrap();
    assert_eq!(replayed["id"], mine["id"]);
    server.stop().await;
});

on_both_stores!(triage_in_bulk_and_merge, |db: Db| async move {
    use crate::common::{assert_problem, TestServer};
    use reqwest::Method;
    use serde_json::json;

    let server = TestServer::start(db).await;
    let sue = server.client(UserRole::Support).await;
    let sue_id = sue.user.as_ref().unwrap().id;
    let open = |email: &str, subject: &str| {
        let body = json!({"requester": {"email": email}, "subject": subject, "body": "Help"});
        let sue = &sue;
        async move {
            let ticket: serde_json::Value = sue
                .post_json("/api/v1/tickets", body)
                .await
                .json()
                .await
                .unwrap();
            ticket["id"].as_i64().unwrap()
        }
    };
    let a = open("ada@example.com", "Checkout fails").await;
    let b = open("bob@example.com", "Cannot pay").await;
    let c = open("cy@example.com", "Payment error").await;
    let log_at = || async { server.store.last_event_id().await.unwrap() };
    let bulk = |body| sue.post_json("/api/v1/tickets/bulk", body);

    // One change on each, in one transaction, in the order asked.
    let res = bulk(json!({"ids": [c, a, b], "set": {"priority": "urgent", "assignee_id": sue_id, "add_tags": ["checkout"]}})).await;
    assert_eq!(res.status(), 200);
    let changed: serde_json::Value = res.json().await.unwrap();
    let ids: Vec<i64> = changed["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [c, a, b]);
    for t in changed["tickets"].as_array().unwrap() {
        assert_eq!(t["priority"], "urgent");
        assert_eq!(t["assignee"]["id"], sue_id);
        assert_eq!(t["status"], "open");
        assert_eq!(t["tags"], json!(["checkout"]));
    }

    // All or nothing: one refusal (unassigning while solving) names each ticket, changes none.
    let before = log_at().await;
    assert_problem(
        bulk(json!({"ids": [a, b], "set": {"status": "solved", "assignee_id": null}})).await,
        422,
        &format!("Nothing was changed. T-{a}: T-{a} cannot be solved without an assignee"),
    )
    .await;
    assert_problem(
        bulk(json!({"ids": [a, 999999], "set": {"priority": "low"}})).await,
        404,
        "T-999999 does not exist: nothing was changed",
    )
    .await;
    let too_many: Vec<i64> = (1..=201).collect();
    assert_problem(
        bulk(json!({"ids": too_many, "set": {"priority": "low"}})).await,
        422,
        "at most 200 tickets (201 were given)",
    )
    .await;
    assert_problem(
        bulk(json!({"ids": [], "set": {"priority": "low"}})).await,
        422,
        "Name the tickets",
    )
    .await;
    assert_problem(
        bulk(json!({"ids": [a], "set": {"priority": "low", "expected_version": 1}})).await,
        422,
        "leave it out of a bulk change",
    )
    .await;
    assert_eq!(log_at().await, before, "nothing stored");

    // Merge b into a: b is closed and read-only, a copies b's requester.
    let merge = |id: i64, into: i64| {
        let sue = &sue;
        async move {
            sue.post_json(
                &format!("/api/v1/tickets/{id}/merge"),
                json!({"into": into}),
            )
            .await
        }
    };
    let res = merge(b, a).await;
    assert_eq!(res.status(), 200);
    let survivor: serde_json::Value = res.json().await.unwrap();
    assert_eq!(survivor["id"], a);
    assert_eq!(survivor["duplicates"], json!([b]));
    assert_eq!(survivor["cc"], json!(["bob@example.com"]));
    let merged = sue
        .ok(Method::GET, &format!("/api/v1/tickets/{b}"), None)
        .await;
    assert_eq!(merged["merged_into"], a);
    assert_eq!(merged["status"], "closed");
    assert_problem(
        sue.send(
            Method::PATCH,
            &format!("/api/v1/tickets/{b}"),
            Some(json!({"priority": "low"})),
        )
        .await,
        409,
        &format!("was merged into T-{a}"),
    )
    .await;
    // A selection naming it is refused whole.
    assert_problem(
        bulk(json!({"ids": [c, b], "set": {"priority": "low"}})).await,
        409,
        &format!("T-{b}: T-{b} was merged into T-{a}"),
    )
    .await;
    assert_problem(merge(c, c).await, 422, "cannot be merged into itself").await;
    assert_problem(merge(c, b).await, 422, &format!("merge into T-{a} instead")).await;
    assert_problem(merge(c, 999999).await, 404, "T-999999 does not exist").await;
    server.stop().await;
});
