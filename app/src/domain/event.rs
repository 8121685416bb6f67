//! Commands (what someone asks for), events (what happened), `decide` and `apply`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    DomainError, Incident, Severity, Status, NOTE_MAX_CHARS, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS,
};

/// What someone asks Sitrep to do to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Declare {
        title: String,
        severity: Severity,
        summary: String,
    },
    PostNote {
        body: String,
    },
    ChangeStatus {
        status: Status,
        expected_version: i64,
    },
}

impl Command {
    /// The version the sender saw, for commands that must not act on a stale view.
    pub fn expected_version(&self) -> Option<i64> {
        match self {
            Command::ChangeStatus {
                expected_version, ..
            } => Some(*expected_version),
            Command::Declare { .. } | Command::PostNote { .. } => None,
        }
    }
}

/// What happened. Stored in the `events` table, shown on the timeline, sent live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    IncidentDeclared {
        title: String,
        severity: Severity,
        summary: String,
    },
    NoteAdded {
        body: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
}

impl EventPayload {
    /// Every kind, as sent in the SSE `event:` field.
    pub const KINDS: [&'static str; 3] = ["incident_declared", "note_added", "status_changed"];

    pub fn kind(&self) -> &'static str {
        match self {
            EventPayload::IncidentDeclared { .. } => "incident_declared",
            EventPayload::NoteAdded { .. } => "note_added",
            EventPayload::StatusChanged { .. } => "status_changed",
        }
    }

    /// Does this event change what the incidents list shows?
    pub fn changes_summary(&self) -> bool {
        !matches!(self, EventPayload::NoteAdded { .. })
    }

    /// Is this a note (as opposed to a change)?
    pub fn is_note(&self) -> bool {
        matches!(self, EventPayload::NoteAdded { .. })
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: i64,
    pub name: String,
}

/// A stored event: one timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventRecord {
    /// Global, increasing; the SSE `id:`.
    pub id: i64,
    pub incident_id: i64,
    /// The incident's version after this event.
    pub incident_version: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub payload: EventPayload,
    /// For notes: the Markdown rendered to sanitised HTML by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// The `data:` of one server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LiveEvent {
    pub event: EventRecord,
    pub server_time: DateTime<Utc>,
}

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), DomainError> {
    let n = value.chars().count();
    if n < min {
        Err(DomainError::Invalid(if min == 1 {
            format!("{field} must not be empty (1–{max} characters).")
        } else {
            format!("{field} must be at least {min} characters.")
        }))
    } else if n > max {
        Err(DomainError::Invalid(format!(
            "{field} is too long: {n} characters, the limit is {max}."
        )))
    } else {
        Ok(())
    }
}

/// The server decides: turn a command into events, or refuse it.
///
/// `state` is the incident the command targets (`None` when declaring a new one).
pub fn decide(
    state: Option<&Incident>,
    command: &Command,
) -> Result<Vec<EventPayload>, DomainError> {
    match (state, command) {
        (
            _,
            Command::Declare {
                title,
                severity,
                summary,
            },
        ) => {
            let title = title.trim();
            check_len("Title", title, 1, TITLE_MAX_CHARS)?;
            check_len("Summary", summary, 0, SUMMARY_MAX_CHARS)?;
            Ok(vec![EventPayload::IncidentDeclared {
                title: title.to_owned(),
                severity: *severity,
                summary: summary.trim().to_owned(),
            }])
        }
        (None, _) => Err(DomainError::Invalid(
            "This command needs an existing incident.".into(),
        )),
        (Some(incident), Command::PostNote { body }) => {
            if incident.status == Status::Merged {
                return Err(DomainError::ReadOnly("merged"));
            }
            check_len("Note", body.trim(), 1, NOTE_MAX_CHARS)?;
            Ok(vec![EventPayload::NoteAdded {
                body: body.trim().to_owned(),
            }])
        }
        (
            Some(incident),
            Command::ChangeStatus {
                status,
                expected_version,
            },
        ) => {
            if *expected_version != incident.version {
                return Err(DomainError::Conflict {
                    expected: *expected_version,
                    actual: incident.version,
                });
            }
            if !incident.status.can_move_to(*status) {
                return Err(DomainError::IllegalTransition {
                    from: incident.status,
                    to: *status,
                });
            }
            Ok(vec![EventPayload::StatusChanged {
                from: incident.status,
                to: *status,
            }])
        }
    }
}

/// Everyone applies: fold one event into the incident. The server builds its read model with this,
/// the browser updates its view with it. Events of other incidents, and events the state has
/// already seen (by version), are ignored.
pub fn apply(state: &mut Option<Incident>, event: &EventRecord) {
    if let EventPayload::IncidentDeclared {
        title,
        severity,
        summary,
    } = &event.payload
    {
        if state.is_none() {
            *state = Some(Incident {
                id: event.incident_id,
                title: title.clone(),
                severity: *severity,
                status: Status::Triage,
                summary: summary.clone(),
                version: event.incident_version,
                declared_by: event.actor.id,
                declared_by_name: event.actor.name.clone(),
                declared_at: event.at,
                started_at: event.at,
                detected_at: event.at,
                acknowledged_at: None,
                mitigated_at: None,
                resolved_at: None,
                closed_at: None,
                updated_at: event.at,
            });
        }
        return;
    }
    let Some(incident) = state.as_mut() else {
        return;
    };
    if incident.id != event.incident_id || event.incident_version <= incident.version {
        return;
    }
    incident.version = event.incident_version;
    incident.updated_at = event.at;
    match &event.payload {
        EventPayload::IncidentDeclared { .. } | EventPayload::NoteAdded { .. } => {}
        EventPayload::StatusChanged { to, .. } => {
            let at = event.at;
            incident.status = *to;
            match to {
                Status::Triage => {}
                Status::Investigating | Status::Identified => {
                    incident.acknowledged_at.get_or_insert(at);
                    // Reopened: it is no longer resolved.
                    incident.resolved_at = None;
                }
                Status::Monitoring => {
                    incident.acknowledged_at.get_or_insert(at);
                    incident.mitigated_at.get_or_insert(at);
                }
                Status::Resolved => {
                    incident.acknowledged_at.get_or_insert(at);
                    incident.mitigated_at.get_or_insert(at);
                    incident.resolved_at = Some(at);
                }
                Status::Closed | Status::Declined | Status::Merged => {
                    incident.closed_at = Some(at);
                }
            }
            if *to == Status::Triage {
                incident.closed_at = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 27, 16, 0, 0).unwrap() + chrono::Duration::minutes(minute)
    }

    fn record(incident: &Option<Incident>, payload: EventPayload, minute: i64) -> EventRecord {
        EventRecord {
            id: 0,
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

    fn declared() -> Option<Incident> {
        let mut state = None;
        let cmd = Command::Declare {
            title: "  Checkout is down ".into(),
            severity: Severity::Sev1,
            summary: "500s".into(),
        };
        for p in decide(None, &cmd).unwrap() {
            let e = record(&state, p, 0);
            apply(&mut state, &e);
        }
        state
    }

    #[test]
    fn declaring_starts_in_triage_with_trimmed_title() {
        let inc = declared().unwrap();
        assert_eq!(inc.title, "Checkout is down");
        assert_eq!(inc.status, Status::Triage);
        assert_eq!(inc.version, 1);
        assert_eq!(inc.started_at, inc.detected_at);
    }

    #[test]
    fn empty_and_overlong_titles_are_refused_with_the_limit() {
        for title in ["", "   "] {
            let err = decide(
                None,
                &Command::Declare {
                    title: title.into(),
                    severity: Severity::Sev3,
                    summary: String::new(),
                },
            )
            .unwrap_err();
            assert!(err.to_string().contains("must not be empty"), "{err}");
        }
        let err = decide(
            None,
            &Command::Declare {
                title: "x".repeat(TITLE_MAX_CHARS + 1),
                severity: Severity::Sev3,
                summary: String::new(),
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("limit is 200"), "{err}");
    }

    #[test]
    fn illegal_transition_names_the_allowed_ones() {
        let inc = declared().unwrap();
        let err = decide(
            Some(&inc),
            &Command::ChangeStatus {
                status: Status::Closed,
                expected_version: inc.version,
            },
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cannot move from Triage to Closed"), "{msg}");
        assert!(
            msg.contains("Investigating, Identified, Monitoring, Resolved, Declined"),
            "{msg}"
        );
    }

    #[test]
    fn stale_version_is_a_conflict() {
        let inc = declared().unwrap();
        let err = decide(
            Some(&inc),
            &Command::ChangeStatus {
                status: Status::Investigating,
                expected_version: inc.version - 1,
            },
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DomainError::Conflict {
                expected: 0,
                actual: 1
            }
        ));
    }

    #[test]
    fn apply_ignores_replayed_and_foreign_events() {
        let mut state = declared();
        let e = record(
            &state,
            EventPayload::StatusChanged {
                from: Status::Triage,
                to: Status::Investigating,
            },
            1,
        );
        apply(&mut state, &e);
        apply(&mut state, &e);
        assert_eq!(state.as_ref().unwrap().version, 2);
        let mut foreign = record(&state, EventPayload::NoteAdded { body: "x".into() }, 2);
        foreign.incident_id = 99;
        apply(&mut state, &foreign);
        assert_eq!(state.as_ref().unwrap().version, 2);
    }

    fn any_command() -> impl Strategy<Value = (u8, usize, i64)> {
        (0u8..3, 0usize..Status::ALL.len(), -1i64..2)
    }

    proptest! {
        /// Any sequence of commands: the status only ever moves along allowed transitions, the
        /// version grows by one per event, and the timestamps stay in order.
        #[test]
        fn lifecycle_invariants_hold(cmds in proptest::collection::vec(any_command(), 0..60)) {
            let mut state = declared();
            for (minute, (kind, status_ix, version_skew)) in cmds.into_iter().enumerate() {
                let before = state.clone().unwrap();
                let cmd = match kind {
                    0 => Command::PostNote { body: "note".into() },
                    _ => Command::ChangeStatus {
                        status: Status::ALL[status_ix],
                        expected_version: before.version + version_skew,
                    },
                };
                match decide(state.as_ref(), &cmd) {
                    Ok(payloads) => {
                        if let Command::ChangeStatus { status, expected_version } = &cmd {
                            prop_assert_eq!(*expected_version, before.version);
                            prop_assert!(before.status.can_move_to(*status));
                        }
                        for p in payloads {
                            let e = record(&state, p, minute as i64 + 1);
                            apply(&mut state, &e);
                        }
                        let after = state.clone().unwrap();
                        prop_assert_eq!(after.version, before.version + 1);
                    }
                    Err(_) => prop_assert_eq!(state.as_ref(), Some(&before)),
                }
                let inc = state.as_ref().unwrap();
                prop_assert!(inc.started_at <= inc.detected_at);
                if let Some(ack) = inc.acknowledged_at { prop_assert!(inc.detected_at <= ack); }
                if let (Some(ack), Some(mit)) = (inc.acknowledged_at, inc.mitigated_at) { prop_assert!(ack <= mit); }
                if let (Some(mit), Some(res)) = (inc.mitigated_at, inc.resolved_at) { prop_assert!(mit <= res); }
                if inc.status == Status::Resolved { prop_assert!(inc.resolved_at.is_some()); }
                if inc.status.is_active() { prop_assert!(inc.resolved_at.is_none()); }
            }
        }
    }
}
