//! Role commands on an incident: who is given (or handed over), relieved of, moved between or
//! swapped in a role, and checklist ticks, by the board's rules.

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
            role,
            person_id,
            expected_version,
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
            board.assign(catalog, role, &person, *expected_version)
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
        // Riley's drop would hand the role over from someone he never saw holding it: refused,
        // naming who holds it now.
        let err = decide(state.as_ref(), &from_riley, &c).unwrap_err();
        assert_eq!(
            err,
            DomainError::Outdated(
                "Sam Okafor is Incident Commander now: look again, then drop Riley Novak on it to \
                 hand it over."
                    .into()
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
        let drops: [(usize, Option<&str>, Option<&str>); 6] = [
            (0, None, Some("incident_commander")),
            (1, None, Some("tech_lead")),
            (1, Some("tech_lead"), Some("incident_commander")),
            (0, Some("tech_lead"), Some("scribe")),
            (1, Some("incident_commander"), None),
            // A hand-over.
            (1, None, Some("scribe")),
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
        assert_eq!(inc.roles.version, 6);
        assert_eq!(inc.roles.roles_of(2), ["scribe"]);
        assert!(inc.roles.roles_of(1).is_empty());
    }

    #[test]
    fn assigning_a_held_commander_role_hands_it_over_and_an_undo_hands_it_back() {
        use crate::domain::UserRole;
        let mut state = declared();
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let sam = user(2, "Sam Okafor", UserRole::Responder);
        fn as_person(u: &User, minute: i64) -> Context<'_> {
            Context {
                person: Some(u),
                ..ctx(minute)
            }
        }
        let cmd = assign(&state, "incident_commander", &iris);
        run(&mut state, &cmd, &as_person(&iris, 1)).unwrap();
        // Sam is dropped on the commander role Iris holds: one event, both stints at one instant.
        let cmd = assign(&state, "incident_commander", &sam);
        let events = decide(state.as_ref(), &cmd, &as_person(&sam, 2)).unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let handed = events[0].clone();
        assert!(matches!(handed, EventPayload::RoleHandedOver { .. }));
        run(&mut state, &cmd, &as_person(&sam, 2)).unwrap();
        let board = &state.as_ref().unwrap().roles;
        let commander: Vec<_> = board
            .history("incident_commander")
            .map(|s| (s.person.id, s.assumed, s.relieved))
            .collect();
        assert_eq!(commander, [(1, at(1), Some(at(2))), (2, at(2), None)]);
        assert!(!state.as_ref().unwrap().needs_commander(true));

        // The undo, on the board the hand-over made: Iris is commander again.
        let undo =
            Command::for_role_change(&RoleBoard::undo(&handed).unwrap(), board.version).unwrap();
        // Someone changed the board meanwhile: the undo is refused by the version check.
        let mut moved_on = state.clone();
        let scribe = assign(&moved_on, "scribe", &sam);
        run(&mut moved_on, &scribe, &as_person(&sam, 3)).unwrap();
        let err = decide(moved_on.as_ref(), &undo, &as_person(&iris, 4)).unwrap_err();
        assert!(matches!(err, DomainError::Outdated(_)), "{err}");
        assert!(err.to_string().contains("look again"), "{err}");
        // Nobody did: it hands the role back.
        run(&mut state, &undo, &as_person(&iris, 4)).unwrap();
        let board = &state.as_ref().unwrap().roles;
        assert_eq!(
            board
                .holders("incident_commander")
                .map(|p| p.id)
                .collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(board.history("incident_commander").count(), 3);
        assert_eq!(board.version, 3);
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
