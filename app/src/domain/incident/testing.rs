//! What the incident's tests share: a clock, a context, a freshly declared incident, and a way
//! to run a command through `decide` and `apply` as the server does.

use chrono::{DateTime, TimeZone, Utc};

use super::apply::apply;
use super::command::{Command, Declaration, RoleCommand, TimelineCommand};
use super::context::Context;
use super::decide::decide;
use super::event::{EventPayload, EventRecord};
use super::state::Incident;
use super::values::Severity;
use crate::domain::error::DomainError;
use crate::domain::user::{Actor, User};

pub fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 27, 16, 0, 0).unwrap() + chrono::Duration::minutes(minute)
}

pub fn ctx(minute: i64) -> Context<'static> {
    Context {
        actor_id: 1,
        now: at(minute),
        ..Context::default()
    }
}

pub fn record(incident: &Option<Incident>, payload: EventPayload, minute: i64) -> EventRecord {
    EventRecord {
        id: incident.as_ref().map_or(1, |i| i.version + 1),
        incident_id: 7,
        incident_version: incident.as_ref().map_or(1, |i| i.version + 1),
        at: at(minute),
        actor: Actor {
            id: 1,
            name: "Iris".into(),
        },
        payload,
        html: None,
    }
}

pub fn run(state: &mut Option<Incident>, cmd: &Command, c: &Context) -> Result<(), DomainError> {
    for p in decide(state.as_ref(), cmd, c)? {
        let e = record(state, p, (c.now - at(0)).num_minutes());
        apply(state, &e);
    }
    Ok(())
}

pub fn declared() -> Option<Incident> {
    let mut state = None;
    let cmd = Command::Declare(Declaration {
        title: "  Checkout is down ".into(),
        severity: Severity::Sev1,
        summary: "500s".into(),
    });
    run(&mut state, &cmd, &ctx(0)).unwrap();
    state
}

pub fn version(state: &Option<Incident>) -> i64 {
    state.as_ref().unwrap().version
}

pub fn note(state: &mut Option<Incident>, actor: i64) -> EventRecord {
    let cmd = Command::Timeline(TimelineCommand::PostNote {
        body: "a note".into(),
    });
    let mut payloads = decide(state.as_ref(), &cmd, &ctx(1)).unwrap();
    let mut e = record(state, payloads.remove(0), 1);
    e.actor.id = actor;
    apply(state, &e);
    e
}

pub fn user(id: i64, name: &str, role: crate::domain::UserRole) -> User {
    User {
        id,
        name: name.into(),
        email: format!("{id}@example.com"),
        role,
        team: String::new(),
        on_call: false,
    }
}

pub fn assign(state: &Option<Incident>, role: &str, person: &User) -> Command {
    Command::Roles(RoleCommand::Assign {
        role: role.into(),
        person_id: person.id,
        expected_version: state.as_ref().unwrap().roles.version,
    })
}
