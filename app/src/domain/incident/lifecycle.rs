//! The incident's life: declaring it, acknowledging it, moving its status and severity,
//! correcting when things happened, merging a duplicate into another incident.

use super::command::{Declaration, LifecycleCommand};
use super::context::Context;
use super::event::EventPayload;
use super::state::Incident;
use super::values::{Milestone, Severity, Status};
use crate::domain::display::minute_utc;
use crate::domain::error::{invalid, DomainError};
use crate::domain::text::{check_len, check_time};

/// Longest incident title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest incident summary, in characters.
pub const SUMMARY_MAX_CHARS: usize = 10_000;
/// Longest reason given for a change (severity, timestamps), in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// A new incident, starting in triage.
pub fn declare(declaration: &Declaration) -> Result<Vec<EventPayload>, DomainError> {
    let Declaration {
        title,
        severity,
        summary,
    } = declaration;
    let title = title.trim();
    check_len("Title", title, 1, TITLE_MAX_CHARS)?;
    check_len("Summary", summary, 0, SUMMARY_MAX_CHARS)?;
    Ok(vec![EventPayload::IncidentDeclared {
        title: title.to_owned(),
        severity: *severity,
        summary: summary.trim().to_owned(),
    }])
}

pub fn decide(
    incident: &Incident,
    command: &LifecycleCommand,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    match command {
        LifecycleCommand::Acknowledge => acknowledge(incident),
        LifecycleCommand::ChangeStatus { status, .. } => {
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
        LifecycleCommand::ChangeSeverity {
            severity, reason, ..
        } => change_severity(incident, *severity, reason),
        LifecycleCommand::SetTimestamp {
            milestone,
            at,
            reason,
            ..
        } => set_timestamp(incident, *milestone, *at, reason, ctx),
        LifecycleCommand::MergeInto { target_id, .. } => merge_into(incident, *target_id, ctx),
    }
}

fn acknowledge(incident: &Incident) -> Result<Vec<EventPayload>, DomainError> {
    if let Some(at) = incident.acknowledged_at {
        return invalid(format!(
            "{} was already acknowledged at {}.",
            incident.reference(),
            minute_utc(at)
        ));
    }
    if !incident.status.is_active() {
        return invalid(format!(
            "Only an open incident can be acknowledged; this one is {}.",
            incident.status.label()
        ));
    }
    let to = if incident.status == Status::Triage {
        Status::Investigating
    } else {
        incident.status
    };
    Ok(vec![EventPayload::Acknowledged {
        from: incident.status,
        to,
    }])
}

fn change_severity(
    incident: &Incident,
    severity: Severity,
    reason: &str,
) -> Result<Vec<EventPayload>, DomainError> {
    if severity == incident.severity {
        return invalid(format!("The incident is already {}.", severity.label()));
    }
    check_len("Reason", reason.trim(), 1, REASON_MAX_CHARS)?;
    Ok(vec![EventPayload::SeverityChanged {
        from: incident.severity,
        to: severity,
        reason: reason.trim().to_owned(),
    }])
}

fn set_timestamp(
    incident: &Incident,
    milestone: Milestone,
    at: chrono::DateTime<chrono::Utc>,
    reason: &str,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    let Some(from) = incident.milestone(milestone) else {
        return invalid(format!(
            "{} has not happened yet: it is set when the incident is {}.",
            milestone.label(),
            milestone.label().to_lowercase()
        ));
    };
    check_len("Reason", reason.trim(), 1, REASON_MAX_CHARS)?;
    check_time(milestone.label(), at)?;
    if at > ctx.now {
        return invalid(format!(
            "{} cannot be in the future ({} is later than now).",
            milestone.label(),
            minute_utc(at)
        ));
    }
    if at == from {
        return invalid(format!(
            "{} is already {}.",
            milestone.label(),
            minute_utc(at)
        ));
    }
    let mut candidate = incident.clone();
    candidate.set_milestone(milestone, at);
    candidate.check_milestones().map_err(DomainError::Invalid)?;
    Ok(vec![EventPayload::TimestampChanged {
        milestone,
        from: Some(from),
        to: at,
        reason: reason.trim().to_owned(),
    }])
}

fn merge_into(
    incident: &Incident,
    target_id: i64,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    if target_id == incident.id {
        return invalid("An incident cannot be merged into itself.");
    }
    let target = match ctx.target {
        Some(t) if t.id == target_id => t,
        _ => {
            return Err(DomainError::NotFound(format!(
                "Incident INC-{target_id} does not exist."
            )))
        }
    };
    match (target.status, target.merged_into) {
        (Status::Merged, Some(further)) if further == incident.id => invalid(format!(
            "{} was already merged into this incident: they are one incident now.",
            target.reference()
        )),
        (Status::Merged, Some(further)) => invalid(format!(
            "{} was itself merged into INC-{further}: merge into INC-{further} instead.",
            target.reference()
        )),
        (Status::Merged | Status::Closed | Status::Declined, _) => invalid(format!(
            "{} is {}: merge into an incident that is still open or resolved.",
            target.reference(),
            target.status.label()
        )),
        _ => Ok(vec![EventPayload::MergedInto {
            target_id: target.id,
            target_title: target.title.clone(),
        }]),
    }
}

/// An event on another incident that must be written together with `payload` (the survivor's
/// side of a merge): its incident id and payload.
pub fn counterpart(incident: &Incident, payload: &EventPayload) -> Option<(i64, EventPayload)> {
    match payload {
        EventPayload::MergedInto { target_id, .. } => Some((
            *target_id,
            EventPayload::DuplicateMerged {
                duplicate_id: incident.id,
                duplicate_title: incident.title.clone(),
            },
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn declaring_starts_in_triage_with_trimmed_title() {
        let inc = declared().unwrap();
        assert_eq!(inc.title, "Checkout is down");
        assert_eq!(inc.status, Status::Triage);
        assert_eq!(inc.version, 1);
        assert_eq!(inc.started_at, inc.detected_at);
        assert_eq!(inc.participants, vec![1]);
    }

    #[test]
    fn empty_and_overlong_titles_are_refused_with_the_limit() {
        for title in ["", "   "] {
            let cmd = Command::Declare(Declaration {
                title: title.into(),
                severity: Severity::Sev3,
                summary: String::new(),
            });
            let err = decide(None, &cmd, &ctx(0)).unwrap_err();
            assert!(err.to_string().contains("must not be empty"), "{err}");
        }
        let cmd = Command::Declare(Declaration {
            title: "x".repeat(TITLE_MAX_CHARS + 1),
            severity: Severity::Sev3,
            summary: String::new(),
        });
        let err = decide(None, &cmd, &ctx(0)).unwrap_err();
        assert!(err.to_string().contains("limit is 200"), "{err}");
    }

    #[test]
    fn illegal_transition_names_the_allowed_ones() {
        let inc = declared().unwrap();
        let cmd = Command::Lifecycle(LifecycleCommand::ChangeStatus {
            status: Status::Closed,
            expected_version: inc.version,
        });
        let msg = decide(Some(&inc), &cmd, &ctx(1)).unwrap_err().to_string();
        assert!(msg.contains("cannot move from Triage to Closed"), "{msg}");
        assert!(
            msg.contains("Investigating, Identified, Monitoring, Resolved, Declined"),
            "{msg}"
        );
    }

    #[test]
    fn acknowledging_moves_out_of_triage_once() {
        let mut state = declared();
        run(
            &mut state,
            &Command::Lifecycle(LifecycleCommand::Acknowledge),
            &ctx(3),
        )
        .unwrap();
        let inc = state.clone().unwrap();
        assert_eq!(inc.status, Status::Investigating);
        assert_eq!(inc.acknowledged_at, Some(at(3)));
        let err = run(
            &mut state,
            &Command::Lifecycle(LifecycleCommand::Acknowledge),
            &ctx(4),
        )
        .unwrap_err();
        assert!(err.to_string().contains("already acknowledged"), "{err}");
    }

    #[test]
    fn severity_changes_need_a_reason() {
        let mut state = declared();
        let cmd = |reason: &str, v| {
            Command::Lifecycle(LifecycleCommand::ChangeSeverity {
                severity: Severity::Sev2,
                reason: reason.into(),
                expected_version: v,
            })
        };
        let err = run(&mut state, &cmd("  ", 1), &ctx(1)).unwrap_err();
        assert!(
            err.to_string().contains("Reason must not be empty"),
            "{err}"
        );
        run(&mut state, &cmd("only EU", 1), &ctx(1)).unwrap();
        assert_eq!(state.as_ref().unwrap().severity, Severity::Sev2);
    }

    #[test]
    fn timestamps_are_validated_and_the_rule_is_named() {
        let mut state = declared();
        run(
            &mut state,
            &Command::Lifecycle(LifecycleCommand::Acknowledge),
            &ctx(10),
        )
        .unwrap();
        // Detected after acknowledged: refused, naming both.
        let cmd = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Detected,
            at: at(11),
            reason: "paged late".into(),
            expected_version: version(&state),
        });
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(
            msg.contains("Acknowledged") && msg.contains("cannot be before detected"),
            "{msg}"
        );
        assert!(msg.contains("started ≤ detected ≤ acknowledged"), "{msg}");
        // Started after detected.
        let cmd = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Started,
            at: at(5),
            reason: "x".into(),
            expected_version: version(&state),
        });
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(
            msg.contains("Detected") && msg.contains("cannot be before started"),
            "{msg}"
        );
        // In the future.
        let cmd = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Started,
            at: at(60),
            reason: "x".into(),
            expected_version: version(&state),
        });
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(msg.contains("cannot be in the future"), "{msg}");
        // Not happened yet.
        let cmd = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Resolved,
            at: at(15),
            reason: "x".into(),
            expected_version: version(&state),
        });
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(msg.contains("has not happened yet"), "{msg}");
        // Started earlier than detected: fine, and recorded with the old value.
        let cmd = Command::Lifecycle(LifecycleCommand::SetTimestamp {
            milestone: Milestone::Started,
            at: at(-30),
            reason: "errors began before the alert".into(),
            expected_version: version(&state),
        });
        run(&mut state, &cmd, &ctx(20)).unwrap();
        assert_eq!(state.as_ref().unwrap().started_at, at(-30));
    }

    #[test]
    fn merging_makes_the_duplicate_read_only_and_tells_the_survivor() {
        let mut dup = declared();
        let mut survivor = declared().unwrap();
        survivor.id = 8;
        let cmd = Command::Lifecycle(LifecycleCommand::MergeInto {
            target_id: 8,
            expected_version: version(&dup),
        });
        let c = Context {
            target: Some(&survivor),
            ..ctx(5)
        };
        let payloads = decide(dup.as_ref(), &cmd, &c).unwrap();
        let (target, other) = counterpart(dup.as_ref().unwrap(), &payloads[0]).unwrap();
        assert_eq!(target, 8);
        assert!(matches!(
            other,
            EventPayload::DuplicateMerged {
                duplicate_id: 7,
                ..
            }
        ));
        let e = record(&dup, payloads[0].clone(), 5);
        apply(&mut dup, &e);
        let inc = dup.clone().unwrap();
        assert_eq!((inc.status, inc.merged_into), (Status::Merged, Some(8)));
        let err = run(
            &mut dup,
            &Command::Timeline(TimelineCommand::PostNote { body: "x".into() }),
            &ctx(6),
        )
        .unwrap_err();
        assert!(err.to_string().contains("merged into INC-8"), "{err}");
        // Into itself, or into something merged further.
        let self_merge = Command::Lifecycle(LifecycleCommand::MergeInto {
            target_id: 8,
            expected_version: survivor.version,
        });
        let c = Context {
            target: Some(&survivor),
            ..ctx(6)
        };
        assert!(decide(Some(&survivor), &self_merge, &c)
            .unwrap_err()
            .to_string()
            .contains("into itself"));
        let fresh = declared().unwrap();
        let c = Context {
            target: Some(&inc),
            ..ctx(6)
        };
        let into_merged = Command::Lifecycle(LifecycleCommand::MergeInto {
            target_id: 7,
            expected_version: fresh.version,
        });
        let mut fresh2 = fresh.clone();
        fresh2.id = 9;
        assert!(decide(Some(&fresh2), &into_merged, &c)
            .unwrap_err()
            .to_string()
            .contains("merge into INC-8 instead"));
        // Back into the duplicate that went into it: already one incident, not "merge into
        // yourself instead".
        let c = Context {
            target: Some(&inc),
            ..ctx(6)
        };
        let back = Command::Lifecycle(LifecycleCommand::MergeInto {
            target_id: 7,
            expected_version: survivor.version,
        });
        let refused = decide(Some(&survivor), &back, &c).unwrap_err().to_string();
        assert!(
            refused.contains("was already merged into this incident"),
            "{refused}"
        );
    }
}
