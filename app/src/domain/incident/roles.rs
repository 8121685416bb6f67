//! Role commands on an incident: who is given, relieved of, moved between or swapped in a role,
//! and checklist ticks, by the board's rules.

use super::command::RoleCommand;
use super::context::Context;
use super::event::EventPayload;
use super::state::Incident;
use crate::domain::error::{invalid, DomainError};
use crate::domain::user::{Action, Actor};

pub fn decide(
    incident: &Incident,
    command: &RoleCommand,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    let catalog = ctx.catalog();
    let board = &incident.roles;
    let event = match command {
        RoleCommand::Assign {
            role, person_id, ..
        } => {
            let person = match ctx.person {
                Some(p) if p.id == *person_id => p,
                _ => {
                    return Err(DomainError::NotFound(format!(
                        "There is no person with id {person_id}."
                    )))
                }
            };
            if !person.may(Action::HoldRole) {
                return invalid(format!(
                    "{} is a stakeholder (read-only) and cannot hold a role.",
                    person.name
                ));
            }
            let person = Actor {
                id: person.id,
                name: person.name.clone(),
            };
            board.assign(catalog, role, &person)
        }
        RoleCommand::Relieve {
            role, person_id, ..
        } => board.relieve(catalog, role, *person_id),
        RoleCommand::Move {
            person_id,
            from,
            to,
            ..
        } => board.move_to(catalog, *person_id, from, to),
        RoleCommand::Swap {
            first_role,
            second_role,
            ..
        } => board.swap(catalog, first_role, second_role),
        RoleCommand::TickChecklist { role, item, done } => {
            board.tick(catalog, role, item, *done, ctx.actor_id)
        }
    }?;
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn role_commands_check_the_board_version_and_name_the_holder() {
        use crate::domain::UserRole;
        let mut state = declared();
        let sam = user(2, "Sam Okafor", UserRole::Responder);
        let riley = user(3, "Riley Novak", UserRole::Responder);
        // Both looked at the empty board (version 0) and drop onto the commander role.
        let from_sam = assign(&state, "incident_commander", &sam);
        let from_riley = assign(&state, "incident_commander", &riley);
        let c = Context {
            person: Some(&sam),
            ..ctx(1)
        };
        run(&mut state, &from_sam, &c).unwrap();
        // A note in between does not move the board's version.
        run(
            &mut state,
            &Command::Timeline(TimelineCommand::PostNote { body: "x".into() }),
            &ctx(2),
        )
        .unwrap();
        assert_eq!(state.as_ref().unwrap().roles.version, 1);
        let c = Context {
            person: Some(&riley),
            ..ctx(2)
        };
        let err = decide(state.as_ref(), &from_riley, &c).unwrap_err();
        assert_eq!(
            err,
            DomainError::Outdated(
                "Sam Okafor is already Incident Commander: relieve them first, or swap.".into()
            )
        );
        assert!(crate::domain::AppError::from(err).is_conflict());
        // A stale view whose change would still be allowed is refused too, without a rule.
        let stale = Command::Roles(RoleCommand::Assign {
            role: "tech_lead".into(),
            person_id: riley.id,
            expected_version: 0,
        });
        let msg = decide(state.as_ref(), &stale, &c).unwrap_err().to_string();
        assert!(msg.contains("role board changed"), "{msg}");
        // With the current version: assigned, and on the timeline with the actor.
        let cmd = assign(&state, "tech_lead", &riley);
        run(&mut state, &cmd, &c).unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.roles.holds("tech_lead", 3));
        assert_eq!(inc.roles.version, 2);
        // Stakeholders hold no roles; unknown people are not found.
        let stella = user(6, "Stella Ortiz", UserRole::Stakeholder);
        let c = Context {
            person: Some(&stella),
            ..ctx(3)
        };
        let msg = decide(state.as_ref(), &assign(&state, "scribe", &stella), &c)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("stakeholder"), "{msg}");
        let err = decide(state.as_ref(), &assign(&state, "scribe", &sam), &ctx(3)).unwrap_err();
        assert!(matches!(err, DomainError::NotFound(_)), "{err}");
    }

    #[test]
    fn what_the_browser_plans_is_what_the_server_decides() {
        use crate::domain::UserRole;
        let mut state = declared();
        let people = [
            user(1, "Iris Chen", UserRole::Admin),
            user(2, "Sam Okafor", UserRole::Responder),
        ];
        let actor = |u: &User| Actor {
            id: u.id,
            name: u.name.clone(),
        };
        let catalog = RoleCatalog::default();
        let drops: [(usize, Option<&str>, Option<&str>); 5] = [
            (0, None, Some("incident_commander")),
            (1, None, Some("tech_lead")),
            (1, Some("tech_lead"), Some("incident_commander")),
            (0, Some("tech_lead"), Some("scribe")),
            (1, Some("incident_commander"), None),
        ];
        for (who, from, to) in drops {
            let inc = state.clone().unwrap();
            let planned = inc
                .roles
                .plan_drop(&catalog, &actor(&people[who]), from, to)
                .unwrap()
                .unwrap();
            let cmd = Command::for_role_change(&planned, inc.roles.version).unwrap();
            let c = Context {
                person: Some(&people[who]),
                ..ctx(1)
            };
            assert_eq!(decide(Some(&inc), &cmd, &c).unwrap(), vec![planned]);
            run(&mut state, &cmd, &c).unwrap();
        }
        let inc = state.unwrap();
        assert_eq!(inc.roles.version, 5);
        assert_eq!(inc.roles.roles_of(1), ["scribe"]);
        assert!(inc.roles.roles_of(2).is_empty());
    }

    #[test]
    fn checklists_are_ticked_by_the_holder_or_the_commander() {
        use crate::domain::UserRole;
        let mut state = declared();
        let tick = |done| {
            Command::Roles(RoleCommand::TickChecklist {
                role: "scribe".into(),
                item: "Pin key moments".into(),
                done,
            })
        };
        // Actor 1 holds nothing yet.
        let err = decide(state.as_ref(), &tick(true), &ctx(1)).unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let c = Context {
            person: Some(&iris),
            ..ctx(1)
        };
        let cmd = assign(&state, "incident_commander", &iris);
        run(&mut state, &cmd, &c).unwrap();
        run(&mut state, &tick(true), &ctx(2)).unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.roles.is_ticked("scribe", "Pin key moments"));
        assert_eq!(inc.roles.version, 1, "ticks do not move the board version");
        assert!(decide(state.as_ref(), &tick(true), &ctx(3))
            .unwrap_err()
            .to_string()
            .contains("already ticked"));
        let other = Command::Roles(RoleCommand::TickChecklist {
            role: "scribe".into(),
            item: "Make coffee".into(),
            done: true,
        });
        assert!(decide(state.as_ref(), &other, &ctx(3))
            .unwrap_err()
            .to_string()
            .contains("not on the Scribe checklist"));
        run(&mut state, &tick(false), &ctx(4)).unwrap();
        assert!(!state
            .as_ref()
            .unwrap()
            .roles
            .is_ticked("scribe", "Pin key moments"));
    }
}
