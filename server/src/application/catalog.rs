//! The role catalog an admin edits, and the vocabulary it completes.

use app::domain::{Action, AppError, RevisedCatalog, RoleCatalog, User, Vocabulary};

use super::commands::{check_revision, retrying, Attempt};
use super::settings::{parse_revised, ROLE_CATALOG};
use super::{internal, Service};
use crate::store::{Setting, SettingChange, StoreError};

impl Service {
    /// The role catalog: an admin's edit, or the configured one.
    pub async fn role_catalog(&self) -> Result<RoleCatalog, AppError> {
        Ok(self.revised_role_catalog().await?.catalog)
    }

    /// The role catalog with its revision.
    pub async fn revised_role_catalog(&self) -> Result<RevisedCatalog, AppError> {
        let stored = self.store.setting(ROLE_CATALOG).await?;
        self.parse_catalog(stored.as_ref())
    }

    /// The stored role catalog (`None`: never edited, the configured one). Values saved before
    /// catalogs had revisions are a bare catalog.
    pub(super) fn parse_catalog(
        &self,
        stored: Option<&Setting>,
    ) -> Result<RevisedCatalog, AppError> {
        let at_zero = |catalog| RevisedCatalog {
            revision: 0,
            catalog,
        };
        parse_revised(
            stored,
            || at_zero(self.vocabulary.roles.clone()),
            at_zero,
            |c, revision| c.revision = revision,
        )
    }

    /// The configured vocabulary with the current role catalog.
    pub async fn vocabulary_now(&self) -> Result<Vocabulary, AppError> {
        Ok(self.revised_vocabulary().await?.0)
    }

    /// The configured vocabulary with the current role catalog, and the catalog's revision.
    pub(super) async fn revised_vocabulary(&self) -> Result<(Vocabulary, u64), AppError> {
        let RevisedCatalog { revision, catalog } = self.revised_role_catalog().await?;
        let mut vocabulary = (*self.vocabulary).clone();
        vocabulary.roles = catalog;
        Ok((vocabulary, revision))
    }

    /// Replaces the role catalog (admins only) — if it is still at one of `expected_revision`,
    /// when given (412 otherwise, as for the SLA policy). Roles are never removed, only retired,
    /// so every hand-over in every history keeps its role. Returns the catalog and its revision.
    pub async fn save_role_catalog(
        &self,
        actor: &User,
        catalog: RoleCatalog,
        expected_revision: Option<&[u64]>,
    ) -> Result<RevisedCatalog, AppError> {
        actor.require(Action::ChangeRoleCatalog)?;
        catalog.validate().map_err(AppError::unprocessable)?;
        const BUSY: &str = "The role catalog is changing too fast to save now; nothing was \
                            saved. Please save again in a moment.";
        let catalog = &catalog;
        retrying(BUSY, move || async move {
            let writing = self.writer.lock().await;
            let stored = self.store.setting(ROLE_CATALOG).await?;
            let current = self.parse_catalog(stored.as_ref())?;
            check_revision("the role catalog", expected_revision, current.revision)?;
            self.check_catalog_change(&current.catalog, catalog).await?;
            let saved = RevisedCatalog {
                revision: current.revision + 1,
                catalog: catalog.clone(),
            };
            let setting = SettingChange {
                key: ROLE_CATALOG.to_owned(),
                expected_version: stored.as_ref().map_or(0, |s| s.version),
                value: serde_json::to_string(&saved).map_err(internal)?,
                actor_id: actor.id,
                decided_on: Vec::new(),
            };
            let committed = self.store.commit(&[], Some(&setting)).await;
            drop(writing);
            match committed {
                Ok(_) => {
                    // The pump publishes the save: open rooms fetch the new catalog, and their
                    // boards and labels follow.
                    self.bus.wake();
                    Ok(Attempt::Done(saved))
                }
                // Another admin saved meanwhile: check against theirs (without a revision the
                // last save wins, but never one that removes a role theirs added).
                Err(StoreError::Conflict { .. }) => Ok(Attempt::Raced),
                Err(other) => Err(other.into()),
            }
        })
        .await
    }

    /// Refuses a catalog that would lose history or break an open incident, by the domain's
    /// rules; only the open incidents holding a role the change narrows are read (the role
    /// holdings `commit` keeps). (They are read before the write, not in it: a second holder
    /// assigned in the same instant can slip through; the board still shows both, and relieving
    /// one is the fix.)
    pub(super) async fn check_catalog_change(
        &self,
        current: &RoleCatalog,
        catalog: &RoleCatalog,
    ) -> Result<(), AppError> {
        let change = current.change_to(catalog)?;
        if change.narrows() {
            let narrowed = change.narrowed_roles();
            for incident in self.store.open_incidents_holding(&narrowed).await? {
                change.check(&incident)?;
            }
        }
        Ok(())
    }
}
