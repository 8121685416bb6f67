//! The role board of one incident: who holds which role now, and who held it before, from when
//! to when.
//!
//! The board is a list of *stints* (one person in one role, assumed at one instant and relieved
//! at another, or still holding). It changes only by applying a role event; deciding whether a
//! change is allowed (one holder for single-holder roles, moves, swaps, reliefs, retired roles,
//! who may tick a checklist) happens here too, so the browser's optimistic board and the server
//! agree on every rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalog::{RoleCatalog, RoleDef, INCIDENT_COMMANDER, TECH_LEAD};
use crate::domain::error::DomainError;
use crate::domain::incident::event::EventPayload;
use crate::domain::user::Actor;

/// One person in one role for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stint {
    pub role: String,
    pub person: Actor,
    pub assumed: DateTime<Utc>,
    /// None while they still hold it.
    pub relieved: Option<DateTime<Utc>>,
}

/// Who holds which role, and who held it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleBoard {
    /// Increases by one with every assignment, relief, move or swap (not with checklist ticks):
    /// send it back as `expected_version` when changing the board.
    #[serde(default)]
    pub version: i64,
    /// Every stint, oldest first.
    #[serde(default)]
    pub stints: Vec<Stint>,
    /// Checklist items ticked, per role.
    #[serde(default)]
    pub ticked: Vec<Tick>,
}

/// A ticked checklist item of a role (by its text, so reordering a checklist keeps the ticks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tick {
    pub role: String,
    pub item: String,
    pub by: Actor,
    pub at: DateTime<Utc>,
}

impl RoleBoard {
    /// The open stints of `role`, in the order they were assumed.
    pub fn current<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Stint> + 'a {
        self.stints
            .iter()
            .filter(move |s| s.role == role && s.relieved.is_none())
    }

    /// The people holding `role` now, in the order they assumed it.
    pub fn holders<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Actor> + 'a {
        self.current(role).map(|s| &s.person)
    }

    pub fn holds(&self, role: &str, person_id: i64) -> bool {
        self.holders(role).any(|p| p.id == person_id)
    }

    /// The roles `person_id` holds now.
    pub fn roles_of(&self, person_id: i64) -> Vec<&str> {
        self.stints
            .iter()
            .filter(|s| s.person.id == person_id && s.relieved.is_none())
            .map(|s| s.role.as_str())
            .collect()
    }

    /// Who held `role`, oldest first (current holders last, still open).
    pub fn history<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Stint> + 'a {
        self.stints.iter().filter(move |s| s.role == role)
    }

    /// The only holder of a single-holder role, if any.
    fn holder<'a>(&'a self, role: &'a str) -> Option<&'a Actor> {
        self.holders(role).next()
    }

    fn assignable<'c>(catalog: &'c RoleCatalog, key: &str) -> Result<&'c RoleDef, DomainError> {
        let role = catalog
            .get(key)
            .ok_or_else(|| DomainError::Invalid(format!("There is no role \"{key}\".")))?;
        if role.retired {
            return Err(DomainError::Invalid(format!(
                "{} is retired: it can no longer be assigned.",
                role.label
            )));
        }
        Ok(role)
    }

    /// Can `person` take `role` now? Refuses unknown and retired roles and a role they already
    /// hold; says who a single-holder role's holder is (whom taking it would relieve).
    fn can_take<'a>(
        &'a self,
        catalog: &'a RoleCatalog,
        role: &'a str,
        person: &Actor,
    ) -> Result<(&'a RoleDef, Option<&'a Actor>), DomainError> {
        let def = Self::assignable(catalog, role)?;
        if self.holds(role, person.id) {
            return Err(DomainError::Invalid(format!(
                "{} is already {}.",
                person.name, def.label
            )));
        }
        Ok((def, self.holder(role).filter(|_| def.single)))
    }

    /// The holder `person_id` of `role`, or why not.
    fn holding(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        person_id: i64,
    ) -> Result<&Actor, DomainError> {
        self.stints
            .iter()
            .find(|s| s.role == role && s.relieved.is_none() && s.person.id == person_id)
            .map(|s| &s.person)
            .ok_or_else(|| {
                DomainError::Invalid(format!(
                    "That person does not hold {} (any more).",
                    catalog.label(role)
                ))
            })
    }

    /// Puts `person` in `role`; a single-holder role that is held is handed over to them, its
    /// holder relieved at the same instant (one event, so nobody ever sees the role empty).
    /// `seen` is the board version the sender saw: a hand-over relieves someone, so it is only
    /// decided on the board they looked at, never on one where someone has taken the role since.
    pub fn assign(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        person: &Actor,
        seen: i64,
    ) -> Result<EventPayload, DomainError> {
        match self.can_take(catalog, role, person)? {
            (_, None) => Ok(EventPayload::RoleAssigned {
                role: role.to_owned(),
                person: person.clone(),
            }),
            (def, Some(holder)) if seen != self.version => Err(DomainError::Invalid(format!(
                "{} is {} now: look again, then drop {} on it to hand it over.",
                holder.name, def.label, person.name
            ))),
            (_, Some(holder)) => Ok(EventPayload::RoleHandedOver {
                role: role.to_owned(),
                from: holder.clone(),
                to: person.clone(),
            }),
        }
    }

    /// Takes `role` from `person_id`.
    pub fn relieve(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        person_id: i64,
    ) -> Result<EventPayload, DomainError> {
        let person = self.holding(catalog, role, person_id)?;
        Ok(EventPayload::RoleRelieved {
            role: role.to_owned(),
            person: person.clone(),
        })
    }

    /// Moves `person_id` from `from` to `to` in one step.
    pub fn move_to(
        &self,
        catalog: &RoleCatalog,
        person_id: i64,
        from: &str,
        to: &str,
    ) -> Result<EventPayload, DomainError> {
        if from == to {
            return Err(DomainError::Invalid(
                "Pick a different role to move to.".into(),
            ));
        }
        let person = self.holding(catalog, from, person_id)?;
        if let (def, Some(holder)) = self.can_take(catalog, to, person)? {
            return Err(DomainError::Invalid(format!(
                "{} is already {}: assign {} to hand it over, or swap.",
                holder.name, def.label, person.name
            )));
        }
        Ok(EventPayload::RoleMoved {
            person: person.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    /// Exchanges the holders of two single-holder roles.
    pub fn swap(
        &self,
        catalog: &RoleCatalog,
        first_role: &str,
        second_role: &str,
    ) -> Result<EventPayload, DomainError> {
        if first_role == second_role {
            return Err(DomainError::Invalid(
                "Pick two different roles to swap.".into(),
            ));
        }
        let first_def = Self::assignable(catalog, first_role)?;
        let second_def = Self::assignable(catalog, second_role)?;
        for def in [first_def, second_def] {
            if !def.single {
                return Err(DomainError::Invalid(format!(
                    "{} can have many holders: move people to it instead of swapping.",
                    def.label
                )));
            }
        }
        let held = |def: &RoleDef| {
            self.holder(&def.key).cloned().ok_or_else(|| {
                DomainError::Invalid(format!(
                    "{} has nobody to swap: move the person instead.",
                    def.label
                ))
            })
        };
        let first = held(first_def)?;
        let second = held(second_def)?;
        if first.id == second.id {
            return Err(DomainError::Invalid(format!(
                "{} holds both roles already.",
                first.name
            )));
        }
        Ok(EventPayload::RolesSwapped {
            first_role: first_role.to_owned(),
            first,
            second_role: second_role.to_owned(),
            second,
        })
    }

    /// What dropping `person` (taken from `from`, or from the roster) on `target` means: the
    /// change it makes, `None` when it changes nothing (dropped where it was), or why not.
    /// Onto a taken single-holder role from another single-holder role is a swap; from the
    /// roster (or from a role of many holders, which they keep) it is a hand-over.
    pub fn plan_drop(
        &self,
        catalog: &RoleCatalog,
        person: &Actor,
        from: Option<&str>,
        target: Option<&str>,
    ) -> Result<Option<EventPayload>, DomainError> {
        let single = |key: &str| catalog.get(key).is_some_and(|r| r.single);
        let assign = |to| self.assign(catalog, to, person, self.version).map(Some);
        match (from, target) {
            (None, None) => Ok(None),
            (Some(from), None) => self.relieve(catalog, from, person.id).map(Some),
            (None, Some(to)) => assign(to),
            (Some(from), Some(to)) if from == to => Ok(None),
            (Some(from), Some(to)) if single(to) && self.holder(to).is_some() => {
                if single(from) {
                    self.swap(catalog, from, to).map(Some)
                } else {
                    assign(to)
                }
            }
            (Some(from), Some(to)) => self.move_to(catalog, person.id, from, to).map(Some),
        }
    }

    /// The change that undoes `change` (a hand-over or a swap) on the board it made: the role
    /// handed back, the holders swapped back. `None` for changes the board offers no undo for.
    pub fn undo(change: &EventPayload) -> Option<EventPayload> {
        match change {
            EventPayload::RoleHandedOver { role, from, to } => Some(EventPayload::RoleHandedOver {
                role: role.clone(),
                from: to.clone(),
                to: from.clone(),
            }),
            EventPayload::RolesSwapped {
                first_role,
                first,
                second_role,
                second,
            } => Some(EventPayload::RolesSwapped {
                first_role: first_role.clone(),
                first: second.clone(),
                second_role: second_role.clone(),
                second: first.clone(),
            }),
            _ => None,
        }
    }

    /// Someone holding both `a` and `b` now (the first such, in the order they assumed `a`).
    pub fn holds_both<'a>(&'a self, a: &'a str, b: &'a str) -> Option<&'a Actor> {
        self.holders(a).find(|p| self.holds(b, p.id))
    }

    /// The commander who is also the Tech Lead: nobody is left to watch the whole incident
    /// while they are heads-down on the fix. The board warns.
    pub fn commander_also_tech_lead(&self) -> Option<&Actor> {
        self.holds_both(INCIDENT_COMMANDER, TECH_LEAD)
    }

    /// Who ticked `item` of `role`'s checklist, and when, if it is ticked.
    pub fn tick_of(&self, role: &str, item: &str) -> Option<&Tick> {
        self.ticked
            .iter()
            .find(|t| t.role == role && t.item == item)
    }

    pub fn is_ticked(&self, role: &str, item: &str) -> bool {
        self.tick_of(role, item).is_some()
    }

    /// May `person_id` tick `role`'s checklist? Its holders and the commander may.
    pub fn may_tick(&self, role: &str, person_id: i64) -> bool {
        self.holds(role, person_id) || self.holds(INCIDENT_COMMANDER, person_id)
    }

    /// Ticks or unticks a checklist item: the role's holders and the commander may.
    pub fn tick(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        item: &str,
        done: bool,
        by_id: i64,
    ) -> Result<EventPayload, DomainError> {
        let def = catalog
            .get(role)
            .ok_or_else(|| DomainError::Invalid(format!("There is no role \"{role}\".")))?;
        if !def.checklist.iter().any(|i| i == item) {
            return Err(DomainError::Invalid(format!(
                "\"{item}\" is not on the {} checklist.",
                def.label
            )));
        }
        if !self.may_tick(role, by_id) {
            // The commander's own checklist has one kind of person who may tick it.
            let who = if role == INCIDENT_COMMANDER {
                def.label.clone()
            } else {
                format!("{} or the {}", def.label, catalog.label(INCIDENT_COMMANDER))
            };
            return Err(DomainError::Forbidden(format!(
                "Only the {who} can tick this checklist."
            )));
        }
        if self.is_ticked(role, item) == done {
            return Err(DomainError::Invalid(format!(
                "\"{item}\" is already {}.",
                if done { "ticked" } else { "unticked" }
            )));
        }
        Ok(EventPayload::ChecklistTicked {
            role: role.to_owned(),
            item: item.to_owned(),
            done,
        })
    }

    /// Applies what happened at `at` (by `by`); events that are not about roles change nothing.
    pub fn apply(&mut self, event: &EventPayload, at: DateTime<Utc>, by: &Actor) {
        match event {
            EventPayload::RoleAssigned { role, person } => self.assume(role, person, at),
            EventPayload::RoleRelieved { role, person } => self.release(role, person.id, at),
            EventPayload::RoleMoved { person, from, to } => {
                self.release(from, person.id, at);
                self.assume(to, person, at);
            }
            EventPayload::RoleHandedOver { role, from, to } => {
                self.release(role, from.id, at);
                self.assume(role, to, at);
            }
            EventPayload::RolesSwapped {
                first_role,
                first,
                second_role,
                second,
            } => {
                self.release(first_role, first.id, at);
                self.release(second_role, second.id, at);
                self.assume(first_role, second, at);
                self.assume(second_role, first, at);
            }
            EventPayload::ChecklistTicked { role, item, done } => {
                self.ticked
                    .retain(|t| !(t.role == *role && t.item == *item));
                if *done {
                    self.ticked.push(Tick {
                        role: role.clone(),
                        item: item.clone(),
                        by: by.clone(),
                        at,
                    });
                }
                return;
            }
            _ => return,
        }
        self.version += 1;
    }

    fn assume(&mut self, role: &str, person: &Actor, at: DateTime<Utc>) {
        self.stints.push(Stint {
            role: role.to_owned(),
            person: person.clone(),
            assumed: at,
            relieved: None,
        });
    }

    fn release(&mut self, role: &str, person_id: i64, at: DateTime<Utc>) {
        if let Some(stint) = self
            .stints
            .iter_mut()
            .find(|s| s.role == role && s.person.id == person_id && s.relieved.is_none())
        {
            // Events are applied in order; an out-of-order clock never makes a negative stint.
            stint.relieved = Some(at.max(stint.assumed));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn person(id: i64) -> Actor {
        let names = ["Iris", "Sam", "Riley", "Sue", "Max", "Alex"];
        Actor {
            id,
            name: names[(id as usize) % names.len()].into(),
        }
    }

    fn t(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn message(err: DomainError) -> String {
        match err {
            DomainError::Invalid(m) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_refused_tick_names_who_may_tick() {
        let catalog = RoleCatalog::default();
        let board = RoleBoard::default();
        let ic = &catalog.get(INCIDENT_COMMANDER).unwrap().checklist[0];
        let refused = board
            .tick(&catalog, INCIDENT_COMMANDER, ic, true, 3)
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            "Only the Incident Commander can tick this checklist."
        );
        let scribe = &catalog.get("scribe").unwrap().checklist[0];
        let refused = board
            .tick(&catalog, "scribe", scribe, true, 3)
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            "Only the Scribe or the Incident Commander can tick this checklist."
        );
        let mut catalog = RoleCatalog::default();
        catalog.roles[1].label = "Tech\u{0}Lead".into();
        assert!(catalog
            .validate()
            .unwrap_err()
            .contains("control character"));
    }

    #[test]
    fn a_single_holder_role_is_handed_over_at_one_instant() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        let change = board
            .assign(&catalog, INCIDENT_COMMANDER, &person(1), board.version)
            .unwrap();
        board.apply(&change, t(0), &person(9));
        // Riley takes over from Sam: one change, Sam relieved as Riley assumes.
        let change = board
            .assign(&catalog, INCIDENT_COMMANDER, &person(2), board.version)
            .unwrap();
        assert_eq!(
            change,
            EventPayload::RoleHandedOver {
                role: INCIDENT_COMMANDER.into(),
                from: person(1),
                to: person(2),
            }
        );
        board.apply(&change, t(10), &person(9));
        assert_eq!(board.version, 2, "one change, one version");
        let commander: Vec<_> = board
            .history(INCIDENT_COMMANDER)
            .map(|s| (s.person.id, s.assumed, s.relieved))
            .collect();
        assert_eq!(commander, [(1, t(0), Some(t(10))), (2, t(10), None)]);
        // Someone who holds it already is told so.
        assert_eq!(
            message(
                board
                    .assign(&catalog, INCIDENT_COMMANDER, &person(2), board.version)
                    .unwrap_err()
            ),
            "Riley is already Incident Commander."
        );
        // Responders take many: nobody is relieved.
        for id in 1..=3 {
            let change = board
                .assign(&catalog, "responder", &person(id), board.version)
                .unwrap();
            assert!(matches!(change, EventPayload::RoleAssigned { .. }));
            board.apply(&change, t(11), &person(9));
        }
        assert_eq!(board.holders("responder").count(), 3);
        assert!(board
            .assign(&catalog, "responder", &person(2), board.version)
            .is_err());
        assert_eq!(board.roles_of(2), ["incident_commander", "responder"]);
    }

    #[test]
    fn a_hand_over_is_decided_only_on_the_board_the_sender_saw() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        let seen = board.version;
        // Sam took Scribe after the sender looked at an empty board.
        board.apply(
            &board.assign(&catalog, "scribe", &person(1), seen).unwrap(),
            t(0),
            &person(9),
        );
        assert_eq!(
            message(
                board
                    .assign(&catalog, "scribe", &person(2), seen)
                    .unwrap_err()
            ),
            "Sam is Scribe now: look again, then drop Riley on it to hand it over."
        );
        // An assignment that relieves nobody needs no fresh look (the version gate still may).
        assert!(board
            .assign(&catalog, "tech_lead", &person(2), seen)
            .is_ok());
    }

    #[test]
    fn an_undo_hands_back_or_swaps_back() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        for (role, who) in [(INCIDENT_COMMANDER, 1), ("tech_lead", 2)] {
            let change = board
                .assign(&catalog, role, &person(who), board.version)
                .unwrap();
            board.apply(&change, t(0), &person(9));
        }
        let before = board.view(&catalog);
        let holders = |b: &RoleBoard| {
            b.view(&catalog)
                .into_iter()
                .map(|r| {
                    (
                        r.key,
                        r.holders.iter().map(|s| s.person.id).collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let staffed = holders(&board);
        // A hand-over, then its undo: Sam is commander again, both stints in the history.
        let handed = board
            .assign(&catalog, INCIDENT_COMMANDER, &person(3), board.version)
            .unwrap();
        board.apply(&handed, t(5), &person(9));
        let back = RoleBoard::undo(&handed).unwrap();
        assert_eq!(
            Some(back.clone()),
            board
                .plan_drop(&catalog, &person(1), None, Some(INCIDENT_COMMANDER))
                .unwrap(),
            "the undo is what dropping Sam back would do"
        );
        board.apply(&back, t(6), &person(9));
        assert_eq!(holders(&board), staffed);
        assert_eq!(board.history(INCIDENT_COMMANDER).count(), 3);
        // A swap, then its undo.
        let swap = board
            .plan_drop(
                &catalog,
                &person(1),
                Some(INCIDENT_COMMANDER),
                Some("tech_lead"),
            )
            .unwrap()
            .unwrap();
        board.apply(&swap, t(7), &person(9));
        assert_eq!(board.holder(INCIDENT_COMMANDER).unwrap().id, 2);
        board.apply(&RoleBoard::undo(&swap).unwrap(), t(8), &person(9));
        assert_eq!(holders(&board), staffed);
        assert_ne!(
            board.view(&catalog),
            before,
            "the history keeps every stint"
        );
        // Other changes offer no undo.
        let relief = board.relieve(&catalog, "tech_lead", 2).unwrap();
        assert_eq!(RoleBoard::undo(&relief), None);
    }

    #[test]
    fn the_commander_who_is_also_tech_lead_is_named() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        for (role, who) in [(INCIDENT_COMMANDER, 1), ("tech_lead", 2), ("responder", 1)] {
            let change = board
                .assign(&catalog, role, &person(who), board.version)
                .unwrap();
            board.apply(&change, t(0), &person(9));
        }
        assert_eq!(board.commander_also_tech_lead(), None);
        let change = board
            .assign(&catalog, "tech_lead", &person(1), board.version)
            .unwrap();
        board.apply(&change, t(1), &person(9));
        assert_eq!(board.commander_also_tech_lead(), Some(&person(1)));
    }

    #[test]
    fn relieving_closes_the_stint_and_frees_the_role() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        board.apply(
            &board
                .assign(&catalog, "scribe", &person(1), board.version)
                .unwrap(),
            t(0),
            &person(9),
        );
        assert!(board.relieve(&catalog, "scribe", 2).is_err());
        board.apply(
            &board.relieve(&catalog, "scribe", 1).unwrap(),
            t(30),
            &person(9),
        );
        assert_eq!(board.holders("scribe").count(), 0);
        board.apply(
            &board
                .assign(&catalog, "scribe", &person(2), board.version)
                .unwrap(),
            t(31),
            &person(9),
        );
        let history: Vec<_> = board
            .history("scribe")
            .map(|s| (s.person.id, s.assumed, s.relieved))
            .collect();
        assert_eq!(
            history,
            [(1, t(0), Some(t(30))), (2, t(31), None)],
            "who held it, from when to when"
        );
    }

    #[test]
    fn swap_exchanges_two_holders_at_one_instant() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        board.apply(
            &board
                .assign(&catalog, INCIDENT_COMMANDER, &person(1), board.version)
                .unwrap(),
            t(0),
            &person(9),
        );
        board.apply(
            &board
                .assign(&catalog, "tech_lead", &person(2), board.version)
                .unwrap(),
            t(1),
            &person(9),
        );
        assert!(
            message(board.swap(&catalog, "tech_lead", "scribe").unwrap_err())
                .contains("Scribe has nobody to swap")
        );
        assert!(
            message(board.swap(&catalog, "tech_lead", "responder").unwrap_err())
                .contains("many holders")
        );
        let swap = board
            .swap(&catalog, INCIDENT_COMMANDER, "tech_lead")
            .unwrap();
        board.apply(&swap, t(10), &person(9));
        assert_eq!(board.holder(INCIDENT_COMMANDER).unwrap().id, 2);
        assert_eq!(board.holder("tech_lead").unwrap().id, 1);
        let commander: Vec<_> = board
            .history(INCIDENT_COMMANDER)
            .map(|s| (s.person.id, s.assumed, s.relieved))
            .collect();
        assert_eq!(commander, [(1, t(0), Some(t(10))), (2, t(10), None)]);
    }

    #[test]
    fn moving_hands_over_in_one_step_and_respects_the_target() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        board.apply(
            &board
                .assign(&catalog, "responder", &person(1), board.version)
                .unwrap(),
            t(0),
            &person(9),
        );
        board.apply(
            &board
                .assign(&catalog, "scribe", &person(2), board.version)
                .unwrap(),
            t(0),
            &person(9),
        );
        assert!(message(
            board
                .move_to(&catalog, 1, "responder", "scribe")
                .unwrap_err()
        )
        .contains("Riley is already Scribe"));
        board.apply(
            &board
                .move_to(&catalog, 1, "responder", "tech_lead")
                .unwrap(),
            t(5),
            &person(9),
        );
        assert_eq!(board.roles_of(1), ["tech_lead"]);
        assert!(board.move_to(&catalog, 1, "responder", "scribe").is_err());
    }

    #[test]
    fn a_retired_role_keeps_its_history_but_takes_nobody_new() {
        let mut catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        board.apply(
            &board
                .assign(&catalog, "business_lead", &person(1), board.version)
                .unwrap(),
            t(0),
            &person(9),
        );
        catalog.roles[4].retired = true;
        assert!(message(
            board
                .assign(&catalog, "business_lead", &person(2), board.version)
                .unwrap_err()
        )
        .contains("retired"));
        // The holder can still be relieved; the stint stays in the history.
        board.apply(
            &board.relieve(&catalog, "business_lead", 1).unwrap(),
            t(9),
            &person(9),
        );
        assert_eq!(board.history("business_lead").count(), 1);
        assert!(message(
            board
                .assign(&catalog, "chef", &person(2), board.version)
                .unwrap_err()
        )
        .contains("no role \"chef\""));
    }

    #[test]
    fn drops_mean_assign_move_swap_or_relieve() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        let plan = |board: &RoleBoard, who: i64, from: Option<&str>, to: Option<&str>| {
            board.plan_drop(&catalog, &person(who), from, to)
        };
        let step = |board: &mut RoleBoard, change: Option<EventPayload>| {
            board.apply(&change.expect("a change"), t(0), &person(9));
        };
        let c = plan(&board, 1, None, Some(INCIDENT_COMMANDER)).unwrap();
        assert!(matches!(c, Some(EventPayload::RoleAssigned { .. })));
        step(&mut board, c);
        // From the roster onto a taken single-holder role: a hand-over.
        assert!(matches!(
            plan(&board, 2, None, Some(INCIDENT_COMMANDER)).unwrap(),
            Some(EventPayload::RoleHandedOver { .. })
        ));
        let c = plan(&board, 2, None, Some("tech_lead")).unwrap();
        step(&mut board, c);
        // Holder onto another taken single-holder role: a swap.
        let c = plan(&board, 2, Some("tech_lead"), Some(INCIDENT_COMMANDER)).unwrap();
        assert!(matches!(c, Some(EventPayload::RolesSwapped { .. })));
        step(&mut board, c);
        // Onto an empty role: a move; where it was: nothing; onto the roster: relieved.
        let c = plan(&board, 2, Some(INCIDENT_COMMANDER), Some("scribe")).unwrap();
        assert!(matches!(c, Some(EventPayload::RoleMoved { .. })));
        assert_eq!(
            plan(&board, 1, Some("tech_lead"), Some("tech_lead")).unwrap(),
            None
        );
        let c = plan(&board, 1, Some("tech_lead"), None).unwrap();
        assert!(matches!(c, Some(EventPayload::RoleRelieved { .. })));
        // A responder onto a taken single-holder role: not a swap (responders are many) but a
        // hand-over; they stay a responder too. A move onto it is refused, saying how.
        let c = plan(&board, 3, None, Some("responder")).unwrap();
        step(&mut board, c);
        let c = plan(&board, 3, Some("responder"), Some("tech_lead")).unwrap();
        assert!(matches!(c, Some(EventPayload::RoleHandedOver { .. })));
        assert_eq!(
            message(
                board
                    .move_to(&catalog, 3, "responder", "tech_lead")
                    .unwrap_err()
            ),
            "Sam is already Tech Lead: assign Sue to hand it over, or swap."
        );
        step(&mut board, c);
        assert_eq!(board.roles_of(3), ["responder", "tech_lead"]);
    }

    fn any_op() -> impl Strategy<Value = (u8, usize, usize, i64, i64)> {
        (0u8..4, 0usize..7, 0usize..7, 1i64..6, 0i64..5)
    }

    proptest! {
        /// Any sequence of assignments, reliefs, moves and swaps: a single-holder role never has
        /// two holders, its stints never overlap in time, nobody holds a role twice at once,
        /// every stint ends after it starts, and a refused change leaves the board as it was.
        #[test]
        fn role_history_never_overlaps(ops in proptest::collection::vec(any_op(), 0..120)) {
            let catalog = RoleCatalog::default();
            let keys: Vec<String> = catalog.roles.iter().map(|r| r.key.clone()).collect();
            let mut board = RoleBoard::default();
            let mut now = t(0);
            for (kind, a, b, who, step) in ops {
                now += Duration::minutes(step);
                let before = board.clone();
                let decided = match kind {
                    0 => board.assign(&catalog, &keys[a], &person(who), board.version),
                    1 => board.relieve(&catalog, &keys[a], who),
                    2 => board.move_to(&catalog, who, &keys[a], &keys[b]),
                    _ => board.swap(&catalog, &keys[a], &keys[b]),
                };
                match decided {
                    Ok(change) => board.apply(&change, now, &person(9)),
                    Err(_) => prop_assert_eq!(&board, &before),
                }
                for role in &catalog.roles {
                    let stints: Vec<&Stint> = board.history(&role.key).collect();
                    for s in &stints {
                        prop_assert!(s.relieved.is_none_or(|r| r >= s.assumed));
                    }
                    let open = stints.iter().filter(|s| s.relieved.is_none()).count();
                    if role.single {
                        prop_assert!(open <= 1, "{} has {} holders", role.key, open);
                        for pair in stints.windows(2) {
                            let relieved = pair[0].relieved;
                            prop_assert!(
                                relieved.is_some_and(|r| r <= pair[1].assumed),
                                "{}: stints overlap: {:?}", role.key, pair
                            );
                        }
                    }
                    let mut current: Vec<i64> = board.holders(&role.key).map(|p| p.id).collect();
                    let n = current.len();
                    current.dedup();
                    current.sort();
                    current.dedup();
                    prop_assert_eq!(current.len(), n, "someone holds {} twice", role.key);
                }
            }
        }
    }
}
