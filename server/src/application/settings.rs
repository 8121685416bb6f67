//! Settings an admin edits at run time (the SLA policy; the role catalog is in `catalog.rs`):
//! each key is a stream of the event log whose version is the setting's revision, with the
//! `settings` table as its read model. A save is an event like any other, so the pump carries it
//! to every open page on every instance (`event: settings`).

use app::api::SlaPolicySaved;
use app::domain::{
    policy_changes, Action, AppError, ClockFacts, EventPayload, RevisedPolicy, SlaPolicy, User,
};
use chrono::{SubsecRound, Utc};

use super::commands::{check_revision, record, retrying, Attempt};
use super::{internal, Service};
use crate::store::{Change, Setting, SettingChange, StoreError};

pub use crate::store::{ROLE_CATALOG, SLA_POLICY};

/// A stored setting as `R` (the value with its revision); `unset` when it was never edited.
/// The value is JSON of `R`, or of the bare value `V` as saved before settings had revisions;
/// either way the revision is the version of the setting's stream, which `revise` sets.
pub(super) fn parse_revised<R, V>(
    stored: Option<&Setting>,
    unset: impl FnOnce() -> R,
    bare: impl FnOnce(V) -> R,
    revise: impl FnOnce(&mut R, u64),
) -> Result<R, AppError>
where
    R: serde::de::DeserializeOwned,
    V: serde::de::DeserializeOwned,
{
    let Some(stored) = stored else {
        return Ok(unset());
    };
    let mut revised = serde_json::from_str::<R>(&stored.value)
        .or_else(|_| serde_json::from_str::<V>(&stored.value).map(bare))
        .map_err(internal)?;
    revise(
        &mut revised,
        u64::try_from(stored.version).map_err(internal)?,
    );
    Ok(revised)
}

/// The stored SLA policy (`None`: never edited, product.md's defaults).
pub fn parse_policy(stored: Option<&Setting>) -> Result<RevisedPolicy, AppError> {
    parse_revised(
        stored,
        RevisedPolicy::default,
        |policy: SlaPolicy| RevisedPolicy::new(0, policy),
        |p, revision| p.revision = revision,
    )
}

/// How many incidents a policy save's recount reads at a time.
const RECOUNT_PAGE: i64 = 500;

impl Service {
    /// The incident SLA policy: an admin's edit, or product.md's defaults.
    pub async fn sla_policy(&self) -> Result<SlaPolicy, AppError> {
        Ok(self.revised_sla_policy().await?.policy)
    }

    /// The SLA policy with its revision.
    pub async fn revised_sla_policy(&self) -> Result<RevisedPolicy, AppError> {
        let stored = self.store.setting(SLA_POLICY).await?;
        parse_policy(stored.as_ref())
    }

    /// The SLA policy as a page gets it: with the offsets of its calendar's zone around now, for
    /// the browser's clocks (it has no time-zone database).
    pub async fn sla_policy_for_page(&self) -> Result<RevisedPolicy, AppError> {
        let mut revised = self.revised_sla_policy().await?;
        revised.zone = self.reads.zone_offsets(&revised.policy.calendar.time_zone);
        Ok(revised)
    }

    /// Replaces the SLA policy (admins only) — if it is still at one of `expected_revision`, when
    /// given (412 otherwise) — and, in the same transaction, notes on every incident whose
    /// running clocks it moves what moved (`SlaPolicyChanged`, which carries the policy to every
    /// open page). Returns the policy, its new revision and the incidents it moved.
    pub async fn save_sla_policy(
        &self,
        actor: &User,
        policy: SlaPolicy,
        expected_revision: Option<&[u64]>,
    ) -> Result<SlaPolicySaved, AppError> {
        actor.require(Action::ChangeSlaPolicy)?;
        policy.validate().map_err(AppError::unprocessable)?;
        const BUSY: &str = "Incidents are changing too fast to apply the policy now; nothing was \
                            saved. Please save again in a moment.";
        let policy = &policy;
        retrying(BUSY, move || async move {
            let writing = self.writer.lock().await;
            let stored = self.store.setting(SLA_POLICY).await?;
            let before = parse_policy(stored.as_ref())?;
            check_revision("the SLA policy", expected_revision, before.revision)?;
            let saved = RevisedPolicy::new(before.revision + 1, policy.clone());
            let now = Utc::now().trunc_subsecs(6);
            let mut changes = Vec::new();
            let mut decided_on = Vec::new();
            // Only incidents whose clocks can run can be moved (read by status, a page at a
            // time); the rest keep their clocks stopped under any policy.
            let mut after = 0;
            loop {
                let page = self.store.clocked_incidents(after, RECOUNT_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for incident in page {
                    let moved = policy_changes(&incident, &before.policy, policy, now);
                    if moved.is_empty() {
                        // Had its clocks moved meanwhile (escalated, say), it might need a
                        // note: the commit checks they have not. Its `sla_due` stays right:
                        // no running clock's deadline moved.
                        decided_on.push((incident.id, ClockFacts::of(&incident)));
                        continue;
                    }
                    let payload = EventPayload::SlaPolicyChanged {
                        changes: moved,
                        policy: policy.clone(),
                        revision: saved.revision,
                    };
                    let (next, events) = record(Some(&incident), vec![payload], actor, now)?;
                    changes.push(Change::new(Some(incident.version), next, events, &saved));
                }
            }
            let setting = SettingChange {
                key: SLA_POLICY.to_owned(),
                expected_version: stored.as_ref().map_or(0, |s| s.version),
                value: serde_json::to_string(&saved).map_err(internal)?,
                actor_id: actor.id,
                decided_on,
            };
            let committed = self.store.commit(&changes, Some(&setting)).await;
            drop(writing);
            match committed {
                Ok(results) => {
                    // The pump publishes the setting's event (and the incidents' notes); the
                    // list's clocks move now.
                    self.reads.pages.drop_all();
                    self.bus.wake();
                    for (_, events) in &results {
                        self.metrics.appended(events);
                    }
                    Ok(Attempt::Done(SlaPolicySaved {
                        policy: policy.clone(),
                        revision: saved.revision,
                        moved: results.iter().map(|(i, _)| i.id).collect(),
                    }))
                }
                // An incident moved on, or another save landed first (then the check above
                // refuses an editor's stale revision): count again.
                Err(StoreError::Conflict { .. }) => Ok(Attempt::Raced),
                Err(other) => Err(other.into()),
            }
        })
        .await
    }

    /// What a stream that just (re)connected is told first: the revision of each setting pages
    /// count with, so a page that missed a change (loading, or disconnected) refetches it.
    /// A setting that cannot be read is left out (and logged), so it does not hide the others;
    /// the answer is an error only when the store cannot be read at all.
    pub async fn settings_now(&self) -> Result<Vec<crate::live::bus::SettingChanged>, AppError> {
        let revisions = [
            (
                SLA_POLICY,
                self.revised_sla_policy().await.map(|p| p.revision),
            ),
            (
                ROLE_CATALOG,
                self.revised_role_catalog().await.map(|c| c.revision),
            ),
        ];
        let mut words = Vec::new();
        let mut failed = None;
        for (key, revision) in revisions {
            match revision {
                Ok(revision) => words.push(crate::live::bus::SettingChanged {
                    key: key.to_owned(),
                    revision,
                }),
                Err(err) => {
                    tracing::warn!(key, message = %err.message, "a setting could not be read");
                    failed = Some(err);
                }
            }
        }
        match failed {
            Some(err) if words.is_empty() => Err(err),
            _ => Ok(words),
        }
    }
}
