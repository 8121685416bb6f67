//! Settings an admin edits at run time (the SLA policy; the role catalog is in `catalog.rs`):
//! how they are stored with their revision, saved, and announced to every open page.

use app::api::SlaPolicySaved;
use app::domain::{
    policy_changes, Action, AppError, ClockFacts, ErrorKind, EventPayload, RevisedPolicy,
    SlaPolicy, User,
};
use chrono::{SubsecRound, Utc};

use super::commands::record;
use super::{internal, Service};
use crate::store::{Change, SettingChange, StoreError};

/// How often a settings save is retried when it races another writer.
pub(super) const RETRIES: usize = 8;

/// The settings key of the role catalog an admin edited (the live protocol's: the browser's too).
pub const ROLE_CATALOG: &str = app::live::protocol::SettingKey::RoleCatalog.as_str();
/// The settings key of the incident SLA policy an admin edited.
pub const SLA_POLICY: &str = app::live::protocol::SettingKey::SlaPolicy.as_str();

/// A stored setting with its revision (`R`); `unset` when it was never edited. Values saved
/// before settings had revisions are the bare value (`V`), which `bare` makes revision 0.
pub(super) fn parse_revised<R, V>(
    stored: Option<&str>,
    unset: impl FnOnce() -> R,
    bare: impl FnOnce(V) -> R,
) -> Result<R, AppError>
where
    R: serde::de::DeserializeOwned,
    V: serde::de::DeserializeOwned,
{
    let Some(json) = stored else {
        return Ok(unset());
    };
    serde_json::from_str::<R>(json)
        .or_else(|_| serde_json::from_str::<V>(json).map(bare))
        .map_err(internal)
}

/// The stored SLA policy (`None`: never edited, product.md's defaults).
pub(super) fn parse_policy(stored: Option<&str>) -> Result<RevisedPolicy, AppError> {
    parse_revised(stored, RevisedPolicy::default, |policy: SlaPolicy| {
        RevisedPolicy {
            revision: 0,
            policy,
        }
    })
}

impl Service {
    /// The incident SLA policy: an admin's edit, or product.md's defaults.
    pub async fn sla_policy(&self) -> Result<SlaPolicy, AppError> {
        Ok(self.revised_sla_policy().await?.policy)
    }

    /// The SLA policy with its revision.
    pub async fn revised_sla_policy(&self) -> Result<RevisedPolicy, AppError> {
        let stored = self.store.setting(SLA_POLICY).await?;
        parse_policy(stored.as_deref())
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
        for attempt in 0..RETRIES {
            if attempt > 0 {
                // Let whatever moved meanwhile settle; a little longer each time.
                tokio::time::sleep(std::time::Duration::from_millis(10 << attempt.min(6))).await;
            }
            let writing = self.writer.lock().await;
            let stored = self.store.setting(SLA_POLICY).await?;
            let before = parse_policy(stored.as_deref())?;
            if let Some(expected) = expected_revision.filter(|e| !e.contains(&before.revision)) {
                let loaded: Vec<String> = expected.iter().map(u64::to_string).collect();
                return Err(AppError::new(
                    ErrorKind::PreconditionFailed,
                    format!(
                        "Someone else changed the SLA policy since you loaded it (revision {}; \
                         it is now at {}). Here is the latest: make your change again.",
                        if loaded.is_empty() {
                            "unknown".to_owned()
                        } else {
                            loaded.join(" or ")
                        },
                        before.revision
                    ),
                ));
            }
            let saved = RevisedPolicy {
                revision: before.revision + 1,
                policy: policy.clone(),
            };
            let now = Utc::now().trunc_subsecs(6);
            let mut changes = Vec::new();
            let mut decided_on = Vec::new();
            for incident in self.store.incidents().await? {
                let moved = policy_changes(&incident, &before.policy, &policy, now);
                if moved.is_empty() {
                    // Had its clocks moved meanwhile (escalated, say), it might need a note:
                    // the commit checks they have not.
                    if incident.status.clocks_can_run() {
                        decided_on.push((incident.id, ClockFacts::of(&incident)));
                    }
                    continue;
                }
                let payload = EventPayload::SlaPolicyChanged {
                    changes: moved,
                    policy: policy.clone(),
                    revision: saved.revision,
                };
                let (next, events) = record(Some(&incident), vec![payload], actor, now)?;
                changes.push(Change {
                    expected_version: Some(incident.version),
                    incident: next,
                    events,
                });
            }
            let setting = SettingChange {
                key: SLA_POLICY.to_owned(),
                expected: stored,
                value: serde_json::to_string(&saved).map_err(internal)?,
                decided_on,
            };
            let committed = self.store.commit(&changes, Some(&setting)).await;
            drop(writing);
            match committed {
                Ok(results) => {
                    self.bus.wake();
                    for (_, events) in &results {
                        self.metrics.appended(events);
                    }
                    self.setting_changed(SLA_POLICY, saved.revision).await;
                    return Ok(SlaPolicySaved {
                        policy,
                        revision: saved.revision,
                        moved: results.iter().map(|(i, _)| i.id).collect(),
                    });
                }
                // An incident moved on, or another save landed first (then the check above
                // refuses an editor's stale revision): count again.
                Err(StoreError::Conflict { .. } | StoreError::SettingChanged(_)) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::new(
            ErrorKind::Unavailable,
            "Incidents are changing too fast to apply the policy now; nothing was saved. Please \
             save again in a moment.",
        ))
    }

    /// Tells every open page, on every instance, that the setting `key` is now at `revision`.
    /// Best effort: the change is committed; a page that misses the word hears the current
    /// revision when its stream (re)connects.
    pub(super) async fn setting_changed(&self, key: &str, revision: u64) {
        let word = crate::live::bus::SettingChanged {
            key: key.to_owned(),
            revision,
        };
        let payload = serde_json::to_string(&word).unwrap_or_default();
        let relayed = self
            .settings_relayed
            .load(std::sync::atomic::Ordering::Relaxed);
        match self
            .store
            .announce(crate::store::Channel::Settings, &payload)
            .await
        {
            // Every instance, this one included, hears it from the store.
            Ok(true) if relayed => {}
            Ok(_) => self.bus.publish_settings(&word),
            Err(err) => {
                tracing::warn!(%err, key, "could not announce a settings change to other instances");
                self.bus.publish_settings(&word);
            }
        }
    }

    /// Forwards the settings changes instances announce (PostgreSQL) to this instance's
    /// streams, until `cancel`; `feed` is the store's `Channel::Settings` feed. After the
    /// listener reconnects (an empty word: announcements may have been missed meanwhile), the
    /// current revision is published.
    pub fn relay_settings(
        self,
        feed: tokio::sync::mpsc::Receiver<String>,
        cancel: tokio_util::sync::CancellationToken,
    ) -> impl std::future::Future<Output = ()> + Send {
        // From now on this instance's own changes come back through the feed.
        self.settings_relayed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.relay(feed, cancel)
    }

    pub(super) async fn relay(
        self,
        mut feed: tokio::sync::mpsc::Receiver<String>,
        cancel: tokio_util::sync::CancellationToken,
    ) {
        loop {
            let payload = tokio::select! {
                _ = cancel.cancelled() => return,
                payload = feed.recv() => match payload {
                    Some(payload) => payload,
                    None => return,
                },
            };
            let words = if payload.is_empty() {
                // The connection to the database dropped: once it is back (and listening again),
                // say what the settings are at now.
                let mut wait = std::time::Duration::from_millis(500);
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    match self.settings_now().await {
                        Ok(words) => break words,
                        Err(err) => {
                            tracing::debug!(message = %err.message, "settings not readable yet");
                            wait = (wait * 2).min(std::time::Duration::from_secs(30));
                        }
                    }
                }
            } else {
                match serde_json::from_str::<crate::live::bus::SettingChanged>(&payload) {
                    Ok(word) => vec![word],
                    Err(err) => {
                        tracing::warn!(%err, "ignoring a settings announcement");
                        continue;
                    }
                }
            };
            for word in &words {
                self.bus.publish_settings(word);
            }
        }
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
