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

use super::catalog::{RoleCatalog, RoleDef, INCIDENT_COMMANDER};
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

    /// Can `person` take `role` now? Refuses unknown and retired roles, a role they already
    /// hold, and a second holder on a single-holder role (naming who has it).
    fn can_take(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        person: &Actor,
    ) -> Result<(), DomainError> {
        let def = Self::assignable(catalog, role)?;
        if self.holds(role, person.id) {
            return Err(DomainError::Invalid(format!(
                "{} is already {}.",
                person.name, def.label
            )));
        }
        match self.holder(role) {
            Some(holder) if def.single => Err(DomainError::Invalid(format!(
                "{} is already {}: relieve them first, or swap.",
                holder.name, def.label
            ))),
            _ => Ok(()),
        }
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

    /// Puts `person` in `role`.
    pub fn assign(
        &self,
        catalog: &RoleCatalog,
        role: &str,
        person: &Actor,
    ) -> Result<EventPayload, DomainError> {
        self.can_take(catalog, role, person)?;
        Ok(EventPayload::RoleAssigned {
            role: role.to_owned(),
            person: person.clone(),
        })
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
        self.can_take(catalog, to, person)?;
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
    /// roster it is refused, naming the holder.
    pub fn plan_drop(
        &self,
        catalog: &RoleCatalog,
        person: &Actor,
        from: Option<&str>,
        target: Option<&str>,
    ) -> Result<Option<EventPayload>, DomainError> {
        match (from, target) {
            (None, None) => Ok(None),
            (Some(from), None) => self.relieve(catalog, from, person.id).map(Some),
            (None, Some(to)) => self.assign(catalog, to, person).map(Some),
            (Some(from), Some(to)) if from == to => Ok(None),
            (Some(from), Some(to)) => {
                let single = |key: &str| catalog.get(key).is_some_and(|r| r.single);
                if single(from) && single(to) && self.holder(to).is_some() {
                    self.swap(catalog, from, to).map(Some)
                } else {
                    self.move_to(catalog, person.id, from, to).map(Some)
                }
            }
        }
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
    fn a_single_holder_role_takes_one_person_and_names_the_holder() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        let change = board
            .assign(&catalog, INCIDENT_COMMANDER, &person(1))
            .unwrap();
        board.apply(&change, t(0), &person(9));
        let refused = message(
            board
                .assign(&catalog, INCIDENT_COMMANDER, &person(2))
                .unwrap_err(),
        );
        assert_eq!(
            refused,
            "Sam is already Incident Commander: relieve them first, or swap."
        );
        // Responders take many.
        for id in 1..=3 {
            let change = board.assign(&catalog, "responder", &person(id)).unwrap();
            board.apply(&change, t(1), &person(9));
        }
        assert_eq!(board.holders("responder").count(), 3);
        assert!(board.assign(&catalog, "responder", &person(2)).is_err());
        assert_eq!(board.roles_of(1), ["incident_commander", "responder"]);
    }

    #[test]
    fn relieving_closes_the_stint_and_frees_the_role() {
        let catalog = RoleCatalog::default();
        let mut board = RoleBoard::default();
        board.apply(
            &board.assign(&catalog, "scribe", &person(1)).unwrap(),
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
            &board.assign(&catalog, "scribe", &person(2)).unwrap(),
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
                .assign(&catalog, INCIDENT_COMMANDER, &person(1))
                .unwrap(),
            t(0),
            &person(9),
        );
        board.apply(
            &board.assign(&catalog, "tech_lead", &person(2)).unwrap(),
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
            &board.assign(&catalog, "responder", &person(1)).unwrap(),
            t(0),
            &person(9),
        );
        board.apply(
            &board.assign(&catalog, "scribe", &person(2)).unwrap(),
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
            &board.assign(&catalog, "business_lead", &person(1)).unwrap(),
            t(0),
            &person(9),
        );
        catalog.roles[4].retired = true;
        assert!(message(
            board
                .assign(&catalog, "business_lead", &person(2))
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
        assert!(
            message(board.assign(&catalog, "chef", &person(2)).unwrap_err())
                .contains("no role \"chef\"")
        );
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
        // From the roster onto a taken single-holder role: refused, naming the holder.
        assert_eq!(
            message(plan(&board, 2, None, Some(INCIDENT_COMMANDER)).unwrap_err()),
            "Sam is already Incident Commander: relieve them first, or swap."
        );
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
        // A responder onto a taken single-holder role: not a swap (responders are many).
        let c = plan(&board, 3, None, Some("responder")).unwrap();
        step(&mut board, c);
        assert!(
            message(plan(&board, 3, Some("responder"), Some("tech_lead")).unwrap_err())
                .contains("already Tech Lead")
        );
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
                    0 => board.assign(&catalog, &keys[a], &person(who)),
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
