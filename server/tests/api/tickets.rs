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
