//! The server decides: a command becomes events, or is refused. First what the command table
//! says it needs of the incident (that it exists, was not merged, is open, is at the version the
//! sender saw), then the rules of its area.

use super::command::{Command, Expected, Needs, Requires};
use super::context::Context;
use super::event::EventPayload;
use super::state::Incident;
use super::values::Status;
use super::{breaches, impact, lifecycle, notes, roles};
use crate::domain::error::DomainError;

/// Turns a command into events, or refuses it. `state` is the incident the command targets
/// (`None` when declaring a new one).
pub fn decide(
    state: Option<&Incident>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    let needs = command.needs();
    let on =
        |decide_area: &dyn Fn(&Incident) -> Result<Vec<EventPayload>, DomainError>| match admit(
            state, &needs,
        )? {
            Some(incident) => board_in_step(incident, &needs, decide_area(incident)),
            None => Err(no_incident()),
        };
    match command {
        Command::Declare(declaration) => {
            admit(state, &needs)?;
            lifecycle::declare(declaration)
        }
        Command::Lifecycle(c) => on(&|incident| lifecycle::decide(incident, c, ctx)),
        Command::Timeline(c) => on(&|incident| notes::decide(incident, c, ctx)),
        Command::Impact(c) => on(&|incident| impact::decide(incident, c, ctx)),
        Command::Roles(c) => on(&|incident| roles::decide(incident, c, ctx)),
        Command::Sla(c) => on(&|incident| breaches::decide(incident, c)),
    }
}

/// The incident a command with these needs may act on, or why it may not: `None` for a
/// declaration (no incident yet).
fn admit<'a>(
    state: Option<&'a Incident>,
    needs: &Needs,
) -> Result<Option<&'a Incident>, DomainError> {
    let incident = match (state, needs.incident) {
        (None, Requires::Nothing) => return Ok(None),
        (Some(incident), Requires::Nothing) => return Err(already_declared(incident)),
        (None, Requires::Existing | Requires::Open) => return Err(no_incident()),
        (Some(incident), Requires::Existing | Requires::Open) => incident,
    };
    if incident.status == Status::Merged {
        let into = incident
            .merged_into
            .map_or_else(|| "another incident".to_owned(), |id| format!("INC-{id}"));
        return Err(DomainError::ReadOnly(format!(
            "This incident was merged into {into} and can no longer be changed; continue there."
        )));
    }
    if let Some(Expected::Incident(expected)) = needs.version {
        if expected != incident.version {
            return Err(DomainError::Conflict {
                expected,
                actual: incident.version,
            });
        }
    }
    if needs.incident == Requires::Open && incident.status == Status::Closed {
        return Err(DomainError::ReadOnly(format!(
            "{} is closed: this can no longer be changed.",
            incident.reference()
        )));
    }
    Ok(Some(incident))
}

/// A role change decided on a board that has moved on since the sender saw it is refused, in
/// the rule's words when the rule refuses it too, so they know what is in the way now.
fn board_in_step(
    incident: &Incident,
    needs: &Needs,
    decided: Result<Vec<EventPayload>, DomainError>,
) -> Result<Vec<EventPayload>, DomainError> {
    match needs.version {
        Some(Expected::Board(expected)) if expected != incident.roles.version => {
            Err(DomainError::Outdated(match decided {
                Err(refused) => refused.to_string(),
                Ok(_) => format!(
                    "The role board changed while you were looking at it (you had version \
                     {expected}, it is now at {}): look again and retry.",
                    incident.roles.version
                ),
            }))
        }
        Some(Expected::Board(_) | Expected::Incident(_)) | None => decided,
    }
}

impl Incident {
    /// Would this incident take `command` as it stands now (leaving aside the sender's version
    /// and the command's own rules)? The room shows a control exactly when it would.
    pub fn takes(&self, command: &Command) -> bool {
        let needs = Needs {
            version: None,
            ..command.needs()
        };
        matches!(admit(Some(self), &needs), Ok(Some(_)))
    }
}

fn no_incident() -> DomainError {
    DomainError::NotFound("This change needs an existing incident: say which one.".into())
}

/// A declaration aimed at an incident that exists: declaring starts a new one, and must never
/// add a second beginning to an existing history.
fn already_declared(incident: &Incident) -> DomainError {
    DomainError::Invalid(format!(
        "{} has already been declared: to declare a new incident, send the declaration without \
         an incident.",
        incident.reference()
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    use proptest::prelude::*;

    /// One sample of every command but the declaration, at these versions.
    fn every_command(version: i64, board: i64) -> Vec<Command> {
        let role = || "scribe".to_owned();
        [
            LifecycleCommand::Acknowledge.into(),
            LifecycleCommand::ChangeStatus {
                status: Status::Investigating,
                expected_version: version,
            }
            .into(),
            LifecycleCommand::ChangeSeverity {
                severity: Severity::Sev2,
                reason: "r".into(),
                expected_version: version,
            }
            .into(),
            LifecycleCommand::SetTimestamp {
                milestone: Milestone::Started,
                at: at(-5),
                reason: "r".into(),
                expected_version: version,
            }
            .into(),
            LifecycleCommand::MergeInto {
                target_id: 8,
                expected_version: version,
            }
            .into(),
            TimelineCommand::PostNote { body: "x".into() }.into(),
            TimelineCommand::EditNote {
                event_id: 1,
                body: "x".into(),
            }
            .into(),
            TimelineCommand::DeleteNote { event_id: 1 }.into(),
            TimelineCommand::Pin { event_id: 1 }.into(),
            TimelineCommand::Unpin { event_id: 1 }.into(),
            TimelineCommand::PublishUpdate {
                visibility: Visibility::Public,
                body: "x".into(),
            }
            .into(),
            ImpactCommand::Update {
                customer_impact: "x".into(),
                affected: Affected::All,
                expected_version: version,
            }
            .into(),
            ImpactCommand::LinkService { service_id: 1 }.into(),
            ImpactCommand::UnlinkService { service_id: 1 }.into(),
            RoleCommand::Assign {
                role: role(),
                person_id: 1,
                expected_version: board,
            }
            .into(),
            RoleCommand::Relieve {
                role: role(),
                person_id: 1,
                expected_version: board,
            }
            .into(),
            RoleCommand::Move {
                person_id: 1,
                from: role(),
                to: "tech_lead".into(),
                expected_version: board,
            }
            .into(),
            RoleCommand::Swap {
                first_role: role(),
                second_role: "tech_lead".into(),
                expected_version: board,
            }
            .into(),
            RoleCommand::TickChecklist {
                role: role(),
                item: "Pin key moments".into(),
                done: true,
            }
            .into(),
            SlaCommand::RecordBreach {
                clock: ClockKind::Acknowledge,
                started_at: at(0),
                deadline: at(5),
            }
            .into(),
        ]
        .into()
    }

    /// What the room shows a control for (`Incident::takes`) is what `decide` lets through to
    /// the command's own rules: on an open, a closed and a merged incident.
    #[test]
    fn the_room_offers_exactly_what_the_gate_lets_through() {
        let mut state = declared();
        for status in [Status::Resolved, Status::Closed] {
            let cmd = LifecycleCommand::ChangeStatus {
                status,
                expected_version: version(&state),
            };
            run(&mut state, &cmd.into(), &ctx(1)).unwrap();
        }
        let closed = state.unwrap();
        let open = declared().unwrap();
        let mut merged = declared().unwrap();
        merged.status = Status::Merged;
        merged.merged_into = Some(8);
        let mut refused_on_closed = 0;
        for incident in [&open, &closed, &merged] {
            for cmd in every_command(incident.version, incident.roles.version) {
                let gate_refused = matches!(
                    decide(Some(incident), &cmd, &ctx(2)),
                    Err(DomainError::ReadOnly(_))
                );
                assert_eq!(
                    incident.takes(&cmd),
                    !gate_refused,
                    "{cmd:?} on {incident:?}"
                );
                if incident.status == Status::Closed && gate_refused {
                    refused_on_closed += 1;
                }
            }
        }
        assert_eq!(
            refused_on_closed, 11,
            "the commands that need an open incident"
        );
        assert!(open.takes(&LifecycleCommand::Acknowledge.into()));
        assert!(!merged.takes(&TimelineCommand::PostNote { body: "x".into() }.into()));
    }

    #[test]
    fn a_declaration_never_lands_on_an_existing_incident() {
        let mut state = declared();
        let again = Command::Declare(Declaration {
            title: "x".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        });
        let refused = run(&mut state, &again, &ctx(1)).unwrap_err();
        assert!(
            refused.to_string().contains("has already been declared"),
            "{refused}"
        );
        assert_eq!(version(&state), 1);
        // And nothing but a declaration starts one.
        let note = Command::Timeline(TimelineCommand::PostNote { body: "hi".into() });
        assert!(matches!(
            decide(None, &note, &ctx(1)),
            Err(DomainError::NotFound(_))
        ));
    }

    #[test]
    fn text_with_control_characters_and_times_out_of_range_are_refused() {
        let nul = Command::Declare(Declaration {
            title: "a\u{0}b".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        });
        let refused = decide(None, &nul, &ctx(0)).unwrap_err().to_string();
        assert!(refused.starts_with("Title contains"), "{refused}");
        let mut state = declared();
        let ancient = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Started,
            at: "-4713-01-01T00:00:00Z".parse().unwrap(),
            reason: "typo".into(),
            expected_version: 1,
        });
        let refused = run(&mut state, &ancient, &ctx(5)).unwrap_err().to_string();
        assert!(
            refused.starts_with("Started must be between the years 1970 and 9999"),
            "{refused}"
        );
    }

    #[test]
    fn stale_version_is_a_conflict() {
        let inc = declared().unwrap();
        let cmd = Command::Lifecycle(LifecycleCommand::ChangeSeverity {
            severity: Severity::Sev2,
            reason: "smaller".into(),
            expected_version: inc.version - 1,
        });
        let err = decide(Some(&inc), &cmd, &ctx(1)).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Conflict {
                expected: 0,
                actual: 1
            }
        ));
    }

    /// A random command: (kind, status index, version skew, milestone index, minutes offset).
    fn any_command() -> impl Strategy<Value = (u8, usize, i64, usize, i64)> {
        (
            0u8..8,
            0usize..Status::ALL.len(),
            -1i64..2,
            0usize..Milestone::ALL.len(),
            -120i64..30,
        )
    }

    proptest! {
        /// Any sequence of commands: the status only ever moves along allowed transitions (Merged
        /// only by a merge), the version grows by one per event, refused commands change nothing,
        /// and the timestamps stay ordered started ≤ detected ≤ acknowledged ≤ mitigated ≤
        /// resolved ≤ closed.
        #[test]
        fn lifecycle_invariants_hold(cmds in proptest::collection::vec(any_command(), 0..80)) {
            let mut state = declared();
            let mut survivor = declared().unwrap();
            survivor.id = 8;
            for (step, (kind, status_ix, skew, milestone_ix, offset)) in cmds.into_iter().enumerate() {
                let minute = step as i64 + 1;
                let before = state.clone().unwrap();
                let v = before.version + skew;
                let cmd = match kind {
                    0 => Command::Timeline(TimelineCommand::PostNote { body: "note".into() }),
                    1 | 2 => Command::Lifecycle(LifecycleCommand::ChangeStatus { status: Status::ALL[status_ix], expected_version: v }),
                    3 => Command::Lifecycle(LifecycleCommand::Acknowledge),
                    4 => Command::Lifecycle(LifecycleCommand::SetTimestamp {
                        milestone: Milestone::ALL[milestone_ix],
                        at: at(minute + offset),
                        reason: "correction".into(),
                        expected_version: v,
                    }),
                    5 => Command::Lifecycle(LifecycleCommand::ChangeSeverity {
                        severity: Severity::ALL[status_ix % 4],
                        reason: "r".into(),
                        expected_version: v,
                    }),
                    6 => Command::Timeline(TimelineCommand::PublishUpdate { visibility: Visibility::Public, body: "u".into() }),
                    _ => Command::Lifecycle(LifecycleCommand::MergeInto { target_id: 8, expected_version: v }),
                };
                let c = Context { target: Some(&survivor), ..ctx(minute) };
                match decide(state.as_ref(), &cmd, &c) {
                    Ok(payloads) => {
                        if let Some(expected) = cmd.expected_version() {
                            prop_assert_eq!(expected, before.version);
                        }
                        for p in payloads {
                            let e = record(&state, p, minute);
                            apply(&mut state, &e);
                        }
                        let after = state.clone().unwrap();
                        prop_assert_eq!(after.version, before.version + 1);
                        if after.status != before.status {
                            match &cmd {
                                Command::Lifecycle(LifecycleCommand::MergeInto { .. }) => prop_assert_eq!(after.status, Status::Merged),
                                Command::Lifecycle(LifecycleCommand::Acknowledge) => prop_assert_eq!(
                                    (before.status, after.status),
                                    (Status::Triage, Status::Investigating)
                                ),
                                _ => prop_assert!(before.status.can_move_to(after.status)),
                            }
                        }
                    }
                    Err(_) => prop_assert_eq!(state.as_ref(), Some(&before)),
                }
                let inc = state.as_ref().unwrap();
                prop_assert!(inc.check_milestones().is_ok(), "{:?}", inc.check_milestones());
                if inc.status == Status::Resolved { prop_assert!(inc.resolved_at.is_some()); }
                if inc.status.is_active() { prop_assert!(inc.resolved_at.is_none()); }
                if !matches!(inc.status, Status::Triage | Status::Declined | Status::Merged) {
                    prop_assert!(inc.acknowledged_at.is_some());
                }
                prop_assert_eq!(inc.merged_into.is_some(), inc.status == Status::Merged);
            }
        }
    }
}
