//! The people who can hold roles: teams, on-call, who holds what; and Sitrep's own user.

use app::domain::{AppError, Incident, Person, User};

use super::{internal, require_admin, Service};

impl Service {
    /// Everyone who can hold a role (not stakeholders), with the open incidents they hold roles
    /// in; `query` searches names and teams.
    pub async fn roster(&self, query: Option<&str>) -> Result<Vec<Person>, AppError> {
        let users = self.store.users().await?;
        let open: Vec<Incident> = self
            .store
            .incidents()
            .await?
            .into_iter()
            .filter(|i| i.status.is_active())
            .collect();
        Ok(users
            .into_iter()
            .filter(|u| u.can_write())
            .map(|u| Person {
                holding: open
                    .iter()
                    .filter(|i| !i.roles.roles_of(u.id).is_empty())
                    .map(|i| i.id)
                    .collect(),
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
        require_admin(actor, "change the roster")?;
        let current = self
            .store
            .user(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("There is no person with id {id}.")))?;
        let team = match team {
            Some(t) => Person::team(&t).map_err(AppError::from)?,
            None => current.team,
        };
        Ok(self
            .store
            .set_person(id, &team, on_call.unwrap_or(current.on_call))
            .await?)
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
