//! The people who can hold roles: teams, on-call, who holds what; and Sitrep's own user.

use std::collections::HashMap;

use app::domain::{Action, AppError, Person, User};

use super::{internal, Service};

impl Service {
    /// Everyone who can hold a role (not stakeholders), with the open incidents they hold roles
    /// in; `query` searches names and teams.
    pub async fn roster(&self, query: Option<&str>) -> Result<Vec<Person>, AppError> {
        let users = self.store.users().await?;
        // From the role holdings `commit` keeps, of open incidents only (newest first).
        let mut holding: HashMap<i64, Vec<i64>> = HashMap::new();
        for (user_id, incident_id) in self.store.holdings().await? {
            let held = holding.entry(user_id).or_default();
            if held.last() != Some(&incident_id) {
                held.push(incident_id);
            }
        }
        Ok(users
            .into_iter()
            .filter(|u| u.may(Action::HoldRole))
            .map(|u| Person {
                holding: holding.remove(&u.id).unwrap_or_default(),
                id: u.id,
                name: u.name,
                team: u.team,
                on_call: u.on_call,
            })
            .filter(|p| query.is_none_or(|q| p.matches(q)))
            .collect())
    }

    /// Sets someone's team and whether they are on call (admins, or an integration signed in as
    /// one).
    pub async fn set_person(
        &self,
        actor: &User,
        id: i64,
        team: Option<String>,
        on_call: Option<bool>,
    ) -> Result<User, AppError> {
        actor.require(Action::ChangeRoster)?;
        let current = self
            .store
            .user(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("There is no person with id {id}.")))?;
        let team = match team {
            Some(t) => Person::team(&t).map_err(AppError::from)?,
            None => current.team,
        };
        let person = self
            .store
            .set_person(id, &team, on_call.unwrap_or(current.on_call))
            .await?;
        self.reads.viewers.invalidate(&id);
        Ok(person)
    }

    /// Sitrep itself, the author of what no person did (recorded SLA breaches).
    pub async fn system_user(&self) -> Result<User, AppError> {
        self.store
            .credentials(crate::store::SYSTEM_EMAIL)
            .await?
            .map(|c| c.user)
            .ok_or_else(|| internal("the system user is missing: run the migrations"))
    }
}
