//! The rules support teams rely on, each shown on a ticket built the way the server builds one:
//! decided, then applied.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::domain::incident::{Incident, Status};
use crate::domain::user::{Actor, User, UserRole};
use crate::domain::DomainError;

fn at(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap() + Duration::hours(hours)
}

fn person(id: i64, role: UserRole) -> User {
    User {
        id,
        name: format!("Person {id}"),
        email: format!("p{id}@example.com"),
        role,
        team: String::new(),
        on_call: false,
    }
}

pub(super) fn sue() -> User {
    person(1, UserRole::Support)
}

pub(super) fn new_ticket() -> NewTicket {
    NewTicket {
        requester: Requester {
            name: "Ada Customer".into(),
            email: " Ada@Example.COM ".into(),
        },
        organisation: "Acme".into(),
        subject: "  Checkout fails  ".into(),
        body: "I cannot pay.".into(),
        channel: Channel::Email,
        priority: Priority::High,
        tags: vec!["Billing".into()],
        cc: vec!["ops@acme.example".into()],
        message_id: Some("<m1@acme.example>".into()),
        follow_up_of: None,
        related_to: None,
    }
}

/// Decides and applies `command` as `actor` (Sitrep when `None`) at hour `hour`.
fn run<'a>(
    ticket: &mut Option<Ticket>,
    command: TicketCommand,
    actor: Option<&'a User>,
    hour: i64,
    extra: impl FnOnce(&mut TicketContext<'a>),
) -> Result<Vec<TicketEvent>, DomainError> {
    run_at(ticket, command, actor, at(hour), extra)
}

/// [`run`] at `when`.
pub(super) fn run_at<'a>(
    ticket: &mut Option<Ticket>,
    command: TicketCommand,
    actor: Option<&'a User>,
    when: DateTime<Utc>,
    extra: impl FnOnce(&mut TicketContext<'a>),
) -> Result<Vec<TicketEvent>, DomainError> {
    let mut ctx = TicketContext {
        actor,
        now: when,
        ..TicketContext::default()
    };
    extra(&mut ctx);
    let events = decide_ticket(ticket.as_ref(), &command, &ctx)?;
    let by = actor.map_or(
        Actor {
            id: 0,
            name: "Sitrep".into(),
        },
        |u| Actor {
            id: u.id,
            name: u.name.clone(),
        },
    );
    for payload in &events {
        let version = ticket.as_ref().map_or(1, |t| t.version + 1);
        apply_ticket(
            ticket,
            &TicketEventRecord {
                id: version,
                ticket_id: 7,
                ticket_version: version,
                at: when,
                actor: by.clone(),
                payload: payload.clone(),
                html: None,
            },
        );
    }
    Ok(events)
}

fn opened() -> Option<Ticket> {
    let mut t = None;
    run(
        &mut t,
        TicketCommand::Open(new_ticket()),
        Some(&sue()),
        0,
        |_| {},
    )
    .unwrap();
    t
}

fn set(update: TicketUpdate) -> TicketCommand {
    TicketCommand::Update(update)
}

fn status(status: TicketStatus) -> TicketCommand {
    set(TicketUpdate {
        status: Some(status),
        ..TicketUpdate::default()
    })
}

fn assign_to<'a>(user: &'a User) -> impl FnOnce(&mut TicketContext<'a>) + 'a {
    move |ctx| ctx.assignee = Some(user)
}

fn solved() -> Option<Ticket> {
    let mut t = opened();
    let sue = sue();
    run(
        &mut t,
        set(TicketUpdate {
            assignee: Some(Assignee::Person(1)),
            status: Some(TicketStatus::Solved),
            ..TicketUpdate::default()
        }),
        Some(&sue),
        1,
        assign_to(&sue),
    )
    .unwrap();
    t
}

fn requester_reply(from: &str) -> TicketCommand {
    TicketCommand::RequesterReply {
        from: from.into(),
        body: "Still broken.".into(),
        message_id: None,
    }
}

fn message(err: DomainError) -> String {
    err.to_string()
}

#[test]
fn a_new_ticket_is_new_with_its_fields_normalised() {
    let t = opened().unwrap();
    assert_eq!(t.status, TicketStatus::New);
    assert_eq!(t.subject, "Checkout fails");
    assert_eq!(t.requester.email, "ada@example.com");
    assert_eq!(t.tags, vec!["billing"]);
    assert_eq!(t.cc, vec!["ops@acme.example"]);
    // The opening message is the first-reply clock's, not the next-reply one's.
    assert_eq!(t.awaiting_reply_since, None);
    assert_eq!(t.reference(), "T-7");
}

#[test]
fn bad_tickets_are_refused_with_the_limit() {
    type Change = Box<dyn Fn(&mut NewTicket)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|n| n.subject = "  ".into()),
            "Subject must not be empty",
        ),
        (
            Box::new(|n| n.subject = "x".repeat(SUBJECT_MAX_CHARS + 1)),
            "the limit is 200",
        ),
        (
            Box::new(|n| n.body = "x".repeat(MESSAGE_MAX_CHARS + 1)),
            "the limit is 20000",
        ),
        (
            Box::new(|n| n.requester.email = "nobody".into()),
            "not an email address",
        ),
        (
            Box::new(|n| n.requester.email = String::new()),
            "must not be empty",
        ),
        (
            Box::new(|n| n.tags = vec!["two words".into()]),
            "is not a tag",
        ),
        (
            Box::new(|n| n.cc = vec!["a@b".into()]),
            "not an email address",
        ),
    ];
    for (change, expected) in cases {
        let mut new = new_ticket();
        change(&mut new);
        let mut t = None;
        let err = run(&mut t, TicketCommand::Open(new), Some(&sue()), 0, |_| {}).unwrap_err();
        assert!(message(err.clone()).contains(expected), "{err}");
    }
}

#[test]
fn a_ticket_never_returns_to_new() {
    let mut t = opened();
    run(&mut t, status(TicketStatus::Open), Some(&sue()), 1, |_| {}).unwrap();
    let err = run(&mut t, status(TicketStatus::New), Some(&sue()), 2, |_| {}).unwrap_err();
    assert!(message(err).contains("never returns to New"));
    assert_eq!(t.unwrap().status, TicketStatus::Open);
}

#[test]
fn a_requester_reply_reopens_pending_on_hold_and_solved_tickets_only() {
    for (from, reopens) in [
        (TicketStatus::Pending, true),
        (TicketStatus::OnHold, true),
        (TicketStatus::Solved, true),
        (TicketStatus::Open, false),
        (TicketStatus::New, false),
    ] {
        let mut t = opened();
        let sue = sue();
        if from != TicketStatus::New {
            run(
                &mut t,
                set(TicketUpdate {
                    assignee: Some(Assignee::Person(1)),
                    status: Some(from),
                    ..TicketUpdate::default()
                }),
                Some(&sue),
                1,
                assign_to(&sue),
            )
            .unwrap();
        }
        run(
            &mut t,
            requester_reply("ADA@example.com"),
            Some(&sue),
            2,
            |_| {},
        )
        .unwrap();
        let expected = if reopens { TicketStatus::Open } else { from };
        assert_eq!(t.unwrap().status, expected, "from {from:?}");
    }
}

#[test]
fn only_the_requester_and_copied_addresses_reply_by_mail() {
    let t = opened().unwrap();
    assert_eq!(t.route_reply("ada@example.com"), ReplyRoute::Reply);
    assert_eq!(t.route_reply("Ops@Acme.example"), ReplyRoute::Reply);
    assert_eq!(t.route_reply("mallory@evil.example"), ReplyRoute::Related);
    let mut t = Some(t);
    let err = run(
        &mut t,
        requester_reply("mallory@evil.example"),
        Some(&sue()),
        1,
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
    // However a bridge writes the requester's address, it is theirs.
    for form in [
        "<ada@example.com>",
        "mailto:Ada@Example.com",
        " ADA@example.com ",
    ] {
        assert_eq!(
            t.as_ref().unwrap().route_reply(form),
            ReplyRoute::Reply,
            "{form}"
        );
        run(&mut t, requester_reply(form), Some(&sue()), 1, |_| {}).unwrap();
    }
    for bad in [
        "a@b",
        "a@b..com",
        "a@b.com,c@d.com",
        "\"a\"@b.com",
        "a b@c.com",
        "@b.com",
    ] {
        let err = run(&mut t, requester_reply(bad), Some(&sue()), 1, |_| {}).unwrap_err();
        assert!(
            message(err.clone()).contains("not an email address"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn assigning_a_new_ticket_opens_it() {
    let mut t = opened();
    let sue = sue();
    let assign = set(TicketUpdate {
        assignee: Some(Assignee::Person(1)),
        ..TicketUpdate::default()
    });
    run(&mut t, assign, Some(&sue), 1, assign_to(&sue)).unwrap();
    let t = t.unwrap();
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.assignee.map(|a| a.id), Some(1));
}

#[test]
fn a_ticket_cannot_be_solved_without_an_assignee() {
    let mut t = opened();
    let err = run(
        &mut t,
        status(TicketStatus::Solved),
        Some(&sue()),
        1,
        |_| {},
    )
    .unwrap_err();
    assert!(message(err).contains("cannot be solved without an assignee"));
    // Assigning and solving in one change is fine; unassigning a solved one is not.
    let mut t = solved();
    assert_eq!(t.as_ref().unwrap().status, TicketStatus::Solved);
    let unassign = set(TicketUpdate {
        assignee: Some(Assignee::Nobody),
        ..TicketUpdate::default()
    });
    let err = run(&mut t, unassign, Some(&sue()), 2, |_| {}).unwrap_err();
    assert!(message(err).contains("keeps its assignee: reopen it first"));
    assert!(t.unwrap().assignee.is_some());
}

#[test]
fn a_stakeholder_neither_works_nor_is_assigned_tickets() {
    let watcher = person(2, UserRole::Stakeholder);
    let mut t = opened();
    let err = run(
        &mut t,
        status(TicketStatus::Open),
        Some(&watcher),
        1,
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden(_)));
    let assign = set(TicketUpdate {
        assignee: Some(Assignee::Person(2)),
        ..TicketUpdate::default()
    });
    let err = run(&mut t, assign, Some(&sue()), 1, assign_to(&watcher)).unwrap_err();
    assert!(message(err).contains("cannot be assigned"));
}

#[test]
fn a_closed_ticket_takes_no_changes_and_a_reply_opens_a_follow_up() {
    let mut t = solved();
    // Not before its days are up, and never by a person.
    assert!(run(&mut t, TicketCommand::Close, None, 24, |_| {}).is_err());
    assert!(run(&mut t, TicketCommand::Close, Some(&sue()), 200, |_| {}).is_err());
    run(&mut t, TicketCommand::Close, None, 1 + 24 * 4, |_| {}).unwrap();
    let closed = t.clone().unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    assert!(!closed.takes_changes());
    for command in [
        requester_reply("ada@example.com"),
        status(TicketStatus::Open),
        TicketCommand::Reply {
            body: "hello".into(),
            public: true,
        },
    ] {
        let err = run(&mut t, command, Some(&sue()), 200, |_| {}).unwrap_err();
        assert!(message(err).contains("is closed"));
    }
    assert_eq!(closed.route_reply("ada@example.com"), ReplyRoute::FollowUp);
    let follow = closed.follow_up(
        Requester {
            name: "Ops".into(),
            email: "ops@acme.example".into(),
        },
        "Re: Checkout fails",
        "It is back.",
        None,
    );
    assert_eq!(follow.follow_up_of, Some(7));
    assert_eq!(follow.cc, vec!["ada@example.com"]);
    assert_eq!(follow.tags, closed.tags);
}

#[test]
fn solved_closes_after_the_configured_days() {
    let mut t = solved();
    let two_days = |ctx: &mut TicketContext<'_>| ctx.close_after = Duration::days(2);
    assert!(run(&mut t, TicketCommand::Close, None, 1 + 24 * 2 - 1, two_days).is_err());
    run(&mut t, TicketCommand::Close, None, 1 + 24 * 2, two_days).unwrap();
    assert_eq!(t.unwrap().status, TicketStatus::Closed);
}

#[test]
fn a_stale_version_is_refused_and_a_selection_may_send_none() {
    let mut t = opened();
    let priority = |expected_version| {
        set(TicketUpdate {
            priority: Some(Priority::Urgent),
            expected_version,
            ..TicketUpdate::default()
        })
    };
    run(&mut t, status(TicketStatus::Open), Some(&sue()), 1, |_| {}).unwrap();
    let err = run(&mut t, priority(Some(1)), Some(&sue()), 2, |_| {}).unwrap_err();
    assert!(matches!(err, DomainError::Outdated(_)), "{err}");
    assert!(message(err).contains("version 1, it is now at version 2"));
    run(&mut t, priority(Some(2)), Some(&sue()), 2, |_| {}).unwrap();
    // Already urgent: nothing to do, and no error for a selection.
    assert_eq!(
        run(&mut t, priority(None), Some(&sue()), 3, |_| {}),
        Ok(vec![])
    );
}

#[test]
fn tags_are_set_added_and_removed_as_one_change() {
    let mut t = opened();
    let events = run(
        &mut t,
        set(TicketUpdate {
            add_tags: vec!["EU".into(), "billing".into()],
            remove_tags: vec!["billing".into()],
            ..TicketUpdate::default()
        }),
        Some(&sue()),
        1,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        events,
        vec![TicketEvent::TagsChanged {
            added: vec!["eu".into()],
            removed: vec!["billing".into()],
        }]
    );
    assert_eq!(t.unwrap().tags, vec!["eu"]);
}

#[test]
fn a_public_agent_reply_meets_the_reply_clocks_and_a_note_does_not() {
    let mut t = opened();
    let reply = |public| TicketCommand::Reply {
        body: "Looking".into(),
        public,
    };
    run(&mut t, reply(false), Some(&sue()), 1, |_| {}).unwrap();
    let after_note = t.clone().unwrap();
    assert_eq!(after_note.first_reply_at, None);
    assert_eq!(after_note.status, TicketStatus::New);
    run(&mut t, reply(true), Some(&sue()), 2, |_| {}).unwrap();
    let answered = t.clone().unwrap();
    assert_eq!(answered.first_reply_at, Some(at(2)));
    assert_eq!(answered.awaiting_reply_since, None);
    assert_eq!(answered.status, TicketStatus::Open);
    // The oldest unanswered requester message is what the next reply counts from.
    run(
        &mut t,
        requester_reply("ada@example.com"),
        Some(&sue()),
        3,
        |_| {},
    )
    .unwrap();
    run(
        &mut t,
        requester_reply("ada@example.com"),
        Some(&sue()),
        4,
        |_| {},
    )
    .unwrap();
    assert_eq!(t.unwrap().awaiting_reply_since, Some(at(3)));
}

fn other(id: i64) -> Ticket {
    let mut t = opened().unwrap();
    t.id = id;
    t
}

#[test]
fn merging_closes_the_duplicate_and_its_requester_follows_to_the_survivor() {
    let mut t = opened();
    let survivor = other(9);
    let merge = TicketCommand::MergeInto {
        target_id: 9,
        expected_version: None,
    };
    let mut dup = t.clone().unwrap();
    dup.requester.email = "bob@example.com".into();
    dup.cc = vec!["carol@example.com".into()];
    dup.duplicates = vec![5];
    dup.incident_id = Some(3);
    dup.first_reply_at = Some(at(0));
    dup.awaiting_reply_since = Some(at(0));
    t = Some(dup.clone());
    let events = run(&mut t, merge, Some(&sue()), 1, |ctx| {
        ctx.target = Some(&survivor)
    })
    .unwrap();
    let merged = t.unwrap();
    assert_eq!(merged.merged_into, Some(9));
    assert_eq!(merged.status, TicketStatus::Closed);
    assert_eq!(merged.incident_id, None);
    // Mail about the duplicate goes to the survivor, whoever sends it.
    assert_eq!(
        merged.route_reply("bob@example.com"),
        ReplyRoute::MergedInto(9)
    );
    let merge_event = events
        .iter()
        .find(|e| matches!(e, TicketEvent::MergedInto { .. }))
        .unwrap();
    let (id, theirs) = merge_event.counterpart(&dup, &survivor).unwrap();
    assert_eq!(id, 9);
    let mut s = Some(survivor.clone());
    for (n, payload) in theirs.into_iter().enumerate() {
        let record = TicketEventRecord {
            id: 100,
            ticket_id: 9,
            ticket_version: survivor.version + 1 + n as i64,
            at: at(1),
            actor: Actor {
                id: 1,
                name: "Sue".into(),
            },
            payload,
            html: None,
        };
        apply_ticket(&mut s, &record);
    }
    let s = s.unwrap();
    assert_eq!(s.duplicates, vec![7, 5]);
    assert!(s.is_on_conversation("bob@example.com"));
    assert!(s.is_on_conversation("carol@example.com"));
    // The link followed, and the duplicate's requester is still owed a reply.
    assert_eq!(s.incident_id, Some(3));
    assert_eq!(s.awaiting_reply_since, Some(at(0)));
}

#[test]
fn bad_merges_are_refused() {
    let t = opened();
    let mut merged_elsewhere = other(9);
    merged_elsewhere.merged_into = Some(12);
    let mut closed = other(9);
    closed.status = TicketStatus::Closed;
    let into = |id| TicketCommand::MergeInto {
        target_id: id,
        expected_version: None,
    };
    let cases: [(i64, Option<&Ticket>, &str); 4] = [
        (7, None, "into itself"),
        (9, None, "does not exist"),
        (9, Some(&merged_elsewhere), "merge into T-12 instead"),
        (9, Some(&closed), "is closed"),
    ];
    for (target, found, expected) in cases {
        let mut t = t.clone();
        let err = run(&mut t, into(target), Some(&sue()), 1, |ctx| {
            ctx.target = found
        })
        .unwrap_err();
        assert!(message(err.clone()).contains(expected), "{err}");
    }
}

fn incident(id: i64, status: Status) -> Incident {
    let mut state = None;
    crate::domain::incident::apply(
        &mut state,
        &crate::domain::EventRecord {
            id: 1,
            incident_id: id,
            incident_version: 1,
            at: at(0),
            actor: Actor {
                id: 1,
                name: "Sue".into(),
            },
            payload: crate::domain::EventPayload::IncidentDeclared {
                title: "Checkout down".into(),
                severity: crate::domain::Severity::Sev1,
                summary: String::new(),
            },
            html: None,
        },
    );
    let mut incident = state.unwrap();
    incident.status = status;
    incident
}

#[test]
fn a_ticket_links_to_one_incident_that_is_still_open_or_resolved() {
    let mut t = opened();
    let open = incident(3, Status::Investigating);
    let link = |id| TicketCommand::LinkIncident { incident_id: id };
    run(&mut t, link(3), Some(&sue()), 1, |ctx| {
        ctx.incident = Some(&open)
    })
    .unwrap();
    assert_eq!(t.as_ref().unwrap().incident_id, Some(3));
    // Again: nothing to do.
    assert_eq!(
        run(&mut t, link(3), Some(&sue()), 1, |ctx| ctx.incident =
            Some(&open)),
        Ok(vec![])
    );
    let elsewhere = incident(4, Status::Investigating);
    let err = run(&mut t, link(4), Some(&sue()), 1, |ctx| {
        ctx.incident = Some(&elsewhere)
    })
    .unwrap_err();
    assert!(message(err).contains("already linked to INC-3"));
    for status in [Status::Closed, Status::Declined, Status::Merged] {
        let mut fresh = opened();
        let gone = incident(5, status);
        let err = run(&mut fresh, link(5), Some(&sue()), 1, |ctx| {
            ctx.incident = Some(&gone)
        })
        .unwrap_err();
        assert!(message(err.clone()).contains("INC-5 is"), "{err}");
    }
    let err = run(
        &mut t,
        TicketCommand::UnlinkIncident { incident_id: 4 },
        Some(&sue()),
        2,
        |_| {},
    )
    .unwrap_err();
    assert!(message(err).contains("not linked to INC-4: it is linked to INC-3"));
    run(
        &mut t,
        TicketCommand::UnlinkIncident { incident_id: 3 },
        Some(&sue()),
        2,
        |_| {},
    )
    .unwrap();
    assert_eq!(t.unwrap().incident_id, None);
}

#[test]
fn events_keep_their_stored_shape() {
    let stored = r#"{"type":"reply_added","author":{"kind":"requester","name":"Ada","email":"ada@example.com"},"public":true,"body":"Hi"}"#;
    let event: TicketEvent = serde_json::from_str(stored).unwrap();
    assert_eq!(serde_json::to_string(&event).unwrap(), stored);
    // The stored kind is the serialised `type`, for every kind.
    let events = [
        event,
        TicketEvent::PriorityChanged {
            from: Priority::Low,
            to: Priority::High,
        },
        TicketEvent::AssigneeChanged {
            from: None,
            to: None,
        },
        TicketEvent::StatusChanged {
            from: TicketStatus::New,
            to: TicketStatus::Open,
        },
        TicketEvent::TagsChanged {
            added: vec![],
            removed: vec![],
        },
        TicketEvent::MergedInto {
            target_id: 1,
            target_subject: String::new(),
        },
        TicketEvent::IncidentLinked { incident_id: 1 },
        TicketEvent::IncidentUnlinked { incident_id: 1 },
    ];
    for e in events {
        let value = serde_json::to_value(&e).unwrap();
        assert_eq!(value["type"], e.kind(), "{e:?}");
    }
}

#[test]
fn waiting_and_solved_stretches_are_kept_for_the_clocks() {
    use crate::domain::sla::calendar::Pause;
    let mut t = opened();
    let sue = sue();
    run(&mut t, status(TicketStatus::Pending), Some(&sue), 1, |_| {}).unwrap();
    run(&mut t, status(TicketStatus::OnHold), Some(&sue), 2, |_| {}).unwrap();
    run(&mut t, status(TicketStatus::Open), Some(&sue), 3, |_| {}).unwrap();
    let waited = Pause {
        from: at(1),
        to: Some(at(3)),
    };
    assert_eq!(t.as_ref().unwrap().waiting, vec![waited]);
    let solve = set(TicketUpdate {
        assignee: Some(Assignee::Person(1)),
        status: Some(TicketStatus::Solved),
        ..TicketUpdate::default()
    });
    run(&mut t, solve, Some(&sue), 4, assign_to(&sue)).unwrap();
    // Reopened by the requester: the resolution clock runs again from then.
    run(
        &mut t,
        requester_reply("ada@example.com"),
        Some(&sue),
        6,
        |_| {},
    )
    .unwrap();
    let t = t.unwrap();
    assert_eq!(t.waiting, vec![waited]);
    assert_eq!(
        t.not_worked,
        vec![
            waited,
            Pause {
                from: at(4),
                to: Some(at(6)),
            }
        ]
    );
}
