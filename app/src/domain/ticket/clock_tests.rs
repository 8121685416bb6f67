//! The ticket clocks against a table of known cases, on product.md's calendar (Monday to
//! Friday, 09:00–17:00) and targets: business hours across a weekend and a holiday, the pause
//! while the ticket waits, resolution counting New and Open time only, and the queue's order.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::tests::{new_ticket, run_at, sue};
use super::*;
use crate::domain::sla::clock::ClockState;
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::user::User;

/// December 2026: the 4th is a Friday, the 7th a Monday.
fn dec(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
        .unwrap()
}

fn policy_with_holiday(holiday: Option<NaiveDate>) -> SlaPolicy {
    let mut policy = SlaPolicy::default();
    policy.calendar.holidays = holiday.into_iter().collect();
    policy
}

fn opened_at(when: DateTime<Utc>, priority: Priority) -> Option<Ticket> {
    let mut t = None;
    let new = NewTicket {
        priority,
        ..new_ticket()
    };
    run_at(&mut t, TicketCommand::Open(new), Some(&sue()), when, |_| {}).unwrap();
    t
}

fn to(status: TicketStatus) -> TicketCommand {
    TicketCommand::Update(TicketUpdate {
        status: Some(status),
        assignee: Some(Assignee::Person(1)),
        ..TicketUpdate::default()
    })
}

fn at_status(t: &mut Option<Ticket>, status: TicketStatus, when: DateTime<Utc>, sue: &User) {
    run_at(t, to(status), Some(sue), when, |ctx| {
        ctx.assignee = Some(sue)
    })
    .unwrap();
}

fn clock(t: &Ticket, kind: TicketClockKind, policy: &SlaPolicy, now: DateTime<Utc>) -> TicketClock {
    t.clocks(policy, now)
        .into_iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} clock"))
}

#[test]
fn first_reply_deadlines_count_business_hours() {
    use TicketClockKind::FirstReply;
    let monday = NaiveDate::from_ymd_opt(2026, 12, 7);
    // (created, priority, holiday, first-reply deadline)
    let cases = [
        // Normal: 8 business hours. Friday's last half hour, then Monday until 16:30.
        (dec(4, 16, 30), Priority::Normal, None, dec(7, 16, 30)),
        // ... or Tuesday, when Monday is a holiday.
        (dec(4, 16, 30), Priority::Normal, monday, dec(8, 16, 30)),
        // Urgent: 1 business hour; opened on Saturday, it counts from Monday 09:00.
        (dec(5, 10, 0), Priority::Urgent, None, dec(7, 10, 0)),
        // High: 4 business hours from 15:00 on Friday: 2 on Friday, 2 on Monday.
        (dec(4, 15, 0), Priority::High, None, dec(7, 11, 0)),
        // Low: 1 business day (8 hours) from Monday 09:00: Monday 17:00.
        (dec(7, 9, 0), Priority::Low, None, dec(7, 17, 0)),
        // Before opening time: from 09:00.
        (dec(7, 6, 0), Priority::Urgent, None, dec(7, 10, 0)),
    ];
    for (created, priority, holiday, due) in cases {
        let policy = policy_with_holiday(holiday);
        let t = opened_at(created, priority).unwrap();
        let c = clock(&t, FirstReply, &policy, created);
        assert_eq!(
            c.deadline,
            Some(due),
            "{priority:?} opened {created}, {holiday:?}"
        );
        assert_eq!(t.sla_due(&policy), Some(due));
    }
}

#[test]
fn the_reply_clocks_stand_still_while_the_ticket_waits() {
    let policy = SlaPolicy::default();
    let sue = sue();
    // Normal, opened Friday 16:30: half an hour counts on Friday, one on Monday (09–10), then
    // it waits on the requester until Tuesday 10:00; the other 6.5 hours run to Tuesday 16:30.
    let mut t = opened_at(dec(4, 16, 30), Priority::Normal);
    at_status(&mut t, TicketStatus::Pending, dec(7, 10, 0), &sue);
    let waiting = t.clone().unwrap();
    let c = clock(&waiting, TicketClockKind::FirstReply, &policy, dec(8, 9, 0));
    assert_eq!(c.state, ClockState::Paused);
    assert_eq!(c.deadline, None);
    // Nothing is due while it waits: it sorts after the tickets with a deadline.
    assert_eq!(waiting.sla_due(&policy), None);
    at_status(&mut t, TicketStatus::Open, dec(8, 10, 0), &sue);
    let t = t.unwrap();
    let c = clock(&t, TicketClockKind::FirstReply, &policy, dec(8, 10, 0));
    assert_eq!(c.deadline, Some(dec(8, 16, 30)));
    assert_eq!(c.paused_seconds, 24 * 3600);
    assert_eq!(c.state, ClockState::OnTrack);
    assert!(
        clock(&t, TicketClockKind::FirstReply, &policy, dec(8, 16, 30)).breached(dec(8, 16, 30))
    );
}

#[test]
fn a_public_reply_meets_first_reply_and_the_next_reply_counts_from_the_oldest_unanswered() {
    let policy = SlaPolicy::default();
    let sue = sue();
    let mut t = opened_at(dec(7, 9, 0), Priority::Urgent);
    let reply = TicketCommand::Reply {
        body: "On it".into(),
        public: true,
    };
    run_at(&mut t, reply.clone(), Some(&sue), dec(7, 9, 30), |_| {}).unwrap();
    let answered = t.clone().unwrap();
    let first = clock(
        &answered,
        TicketClockKind::FirstReply,
        &policy,
        dec(7, 12, 0),
    );
    assert_eq!(first.state, ClockState::Met);
    assert!(!first.breached(dec(7, 12, 0)));
    assert!(answered
        .clocks(&policy, dec(7, 12, 0))
        .iter()
        .all(|c| c.kind != TicketClockKind::NextReply));
    let back = |t: &mut Option<Ticket>, when| {
        let reply = TicketCommand::RequesterReply {
            from: "ada@example.com".into(),
            body: "Still failing".into(),
            message_id: None,
        };
        run_at(t, reply, Some(&sue), when, |_| {}).unwrap();
    };
    back(&mut t, dec(7, 16, 0));
    back(&mut t, dec(8, 9, 30));
    // Urgent's next reply: 2 business hours from Monday 16:00 (the oldest): Tuesday 10:00.
    let next = clock(
        t.as_ref().unwrap(),
        TicketClockKind::NextReply,
        &policy,
        dec(8, 9, 45),
    );
    assert_eq!(next.started_at, dec(7, 16, 0));
    assert_eq!(next.deadline, Some(dec(8, 10, 0)));
    assert_eq!(next.state, ClockState::DueSoon);
    run_at(&mut t, reply, Some(&sue), dec(8, 9, 50), |_| {}).unwrap();
    assert!(t
        .unwrap()
        .clocks(&policy, dec(8, 10, 0))
        .iter()
        .all(|c| c.kind != TicketClockKind::NextReply));
}

#[test]
fn resolution_counts_new_and_open_time_only() {
    let policy = SlaPolicy::default();
    let sue = sue();
    // Urgent: 4 business hours. Open 09:00–10:00, solved 10:00–13:00 (not counted), reopened
    // at 13:00 by the requester, on hold 14:00–15:00: 3 hours used by 16:00; due at 16:00.
    let mut t = opened_at(dec(7, 9, 0), Priority::Urgent);
    at_status(&mut t, TicketStatus::Solved, dec(7, 10, 0), &sue);
    let solved = t.clone().unwrap();
    assert_eq!(
        clock(&solved, TicketClockKind::Resolution, &policy, dec(7, 11, 0)).state,
        ClockState::Met
    );
    // Solving meets the first reply too (Zendesk's rule), and nothing is due.
    assert_eq!(
        clock(&solved, TicketClockKind::FirstReply, &policy, dec(7, 11, 0)).state,
        ClockState::Met
    );
    assert_eq!(solved.sla_due(&policy), None);
    let reopen = TicketCommand::RequesterReply {
        from: "ada@example.com".into(),
        body: "It broke again".into(),
        message_id: None,
    };
    run_at(&mut t, reopen, Some(&sue), dec(7, 13, 0), |_| {}).unwrap();
    at_status(&mut t, TicketStatus::OnHold, dec(7, 14, 0), &sue);
    at_status(&mut t, TicketStatus::Open, dec(7, 15, 0), &sue);
    let t = t.unwrap();
    let c = clock(&t, TicketClockKind::Resolution, &policy, dec(7, 15, 30));
    assert_eq!(c.deadline, Some(dec(7, 17, 0)));
    assert_eq!(c.paused_seconds, 4 * 3600);
}

#[test]
fn the_queue_puts_breached_first_then_the_soonest_due_then_the_oldest() {
    let policy = SlaPolicy::default();
    let sue = sue();
    let now = dec(8, 12, 0);
    let mut tickets = Vec::new();
    let mut add = |id: i64, t: Option<Ticket>| {
        let mut t = t.unwrap();
        t.id = id;
        tickets.push(t);
    };
    // Breached the longest: Urgent opened Monday 09:00, first reply due 10:00.
    add(1, opened_at(dec(7, 9, 0), Priority::Urgent));
    // Breached later: Urgent opened Monday 13:00, due 14:00.
    add(2, opened_at(dec(7, 13, 0), Priority::Urgent));
    // Due soonest of those not yet breached: High opened Tuesday 10:00, due 14:00.
    add(3, opened_at(dec(8, 10, 0), Priority::High));
    // Due later: Normal opened Tuesday 09:00, due Wednesday 09:00.
    add(4, opened_at(dec(8, 9, 0), Priority::Normal));
    // Waiting: nothing due; oldest of those first.
    let mut waiting_old = opened_at(dec(1, 9, 0), Priority::Low);
    at_status(&mut waiting_old, TicketStatus::Pending, dec(1, 10, 0), &sue);
    add(6, waiting_old);
    let mut waiting_new = opened_at(dec(7, 9, 0), Priority::Urgent);
    at_status(&mut waiting_new, TicketStatus::OnHold, dec(7, 9, 10), &sue);
    add(5, waiting_new);
    tickets.reverse();
    tickets.sort_by_key(|t| t.urgency(&policy));
    let order: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    assert_eq!(order, vec![1, 2, 3, 4, 6, 5]);
    assert!(tickets[0].clocks(&policy, now)[0].breached(now));
    assert!(!tickets[2].clocks(&policy, now)[0].breached(now));
}
