//! The application: load -> the domain decides -> the store writes events -> the bus publishes.
//! Implements `app::backend::Backend` for the screens and serves the REST API.

mod export;
mod tokens;

use std::sync::Arc;

use app::api::{
    IncidentsSnapshot, RolesSnapshot, RoomSnapshot, ServicesSnapshot, SlaPolicySaved, SlaSnapshot,
};
use app::backend::Backend;
use app::domain::{
    apply, counterpart, decide, policy_changes, Actor, AppError, ClockFacts, Command, Context,
    DomainError, ErrorKind, EventPayload, EventRecord, Incident, Person, RevisedCatalog,
    RevisedPolicy, RoleCatalog, Service as CatalogService, ServiceInput, SlaPolicy, Status, User,
    UserRole, Vocabulary,
};
use chrono::{DateTime, SubsecRound, Utc};

use crate::bus::Bus;
use crate::metrics::Metrics;
use crate::store::{Change, SettingChange, Store, StoreError};

/// How often a settings save is retried when it races another writer.
const RETRIES: usize = 8;

/// How long a command that carries no expected version keeps trying when another instance
/// wrote the same incident first (within one instance, the writer lock rules races out).
/// Twenty responders typing into one room is the normal case: such a command must land.
const RACE_FOR: std::time::Duration = std::time::Duration::from_secs(20);

/// The settings key of the role catalog an admin edited (the live protocol's: the browser's too).
const ROLE_CATALOG: &str = app::live::protocol::SettingKey::RoleCatalog.as_str();
/// The settings key of the incident SLA policy an admin edited.
const SLA_POLICY: &str = app::live::protocol::SettingKey::SlaPolicy.as_str();

#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    /// Labels and templates, from configuration.
    pub vocabulary: Arc<Vocabulary>,
    pub metrics: Arc<Metrics>,
    /// Does this instance hear settings changes from the store (`relay_settings` runs)? If not,
    /// it tells its own streams itself.
    settings_relayed: Arc<std::sync::atomic::AtomicBool>,
    /// Held from reading what a command decides on until its events are committed, so this
    /// instance's writers never race each other (the store serialises commits anyway: SQLite
    /// has one writer, PostgreSQL appends take an advisory lock). Fair: first come, first
    /// served. Not re-entrant: nothing that holds it may call `execute` or a save.
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// A short, growing, jittered pause before deciding again after another instance won a race.
async fn back_off(attempt: u32) {
    let base = 5u64 << attempt.min(6);
    let jitter = rand::random::<u64>() % base.max(1);
    tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
}

/// A stored setting with its revision (`R`); `unset` when it was never edited. Values saved
/// before settings had revisions are the bare value (`V`), which `bare` makes revision 0.
fn parse_revised<R, V>(
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
fn parse_policy(stored: Option<&str>) -> Result<RevisedPolicy, AppError> {
    parse_revised(stored, RevisedPolicy::default, |policy: SlaPolicy| {
        RevisedPolicy {
            revision: 0,
            policy,
        }
    })
}

/// Renders what the browser shows but the store does not keep (the HTML of notes and updates).
pub fn render(event: &mut EventRecord) {
    if let Some(markdown) = event.payload.markdown() {
        event.html = Some(crate::markdown::render(markdown));
    }
}

/// The events `payloads` make on `state`, and the state after them.
fn record(
    state: Option<&Incident>,
    payloads: Vec<EventPayload>,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<(Incident, Vec<EventRecord>), AppError> {
    let base_version = state.map_or(0, |s| s.version);
    let mut next = state.cloned();
    let mut events = Vec::with_capacity(payloads.len());
    for (i, payload) in payloads.into_iter().enumerate() {
        let event = EventRecord {
            id: 0,
            incident_id: state.map_or(0, |s| s.id),
            incident_version: base_version + 1 + i as i64,
            at: now,
            actor: Actor {
                id: actor.id,
                name: actor.name.clone(),
            },
            payload,
            html: None,
        };
        apply(&mut next, &event);
        events.push(event);
    }
    let next = next.ok_or_else(|| internal("a command produced no incident"))?;
    Ok((next, events))
}

/// Admins only: `what` says what the actor tried.
fn require_admin(actor: &User, what: &str) -> Result<(), AppError> {
    if actor.role == UserRole::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("Only an admin can {what}.")))
    }
}

pub fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "internal error");
    AppError::internal("Something went wrong on the server. It has been logged; please retry.")
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::not_found("Not found."),
            StoreError::Duplicate(what) => {
                AppError::new(ErrorKind::Conflict, format!("{what} already exists."))
            }
            other => internal(other),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn Store>, bus: Bus) -> Self {
        Self {
            store,
            bus,
            vocabulary: Arc::new(Vocabulary::default()),
            metrics: Arc::new(Metrics::default()),
            settings_relayed: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    pub fn with_vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = Arc::new(vocabulary);
        self
    }

    pub async fn services(&self) -> Result<Vec<CatalogService>, AppError> {
        Ok(self.store.services().await?)
    }

    pub async fn service(&self, id: i64) -> Result<CatalogService, AppError> {
        self.store
            .service(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Service {id} is not in the catalog.")))
    }

    /// Adds (`id` `None`) or edits a catalog service.
    pub async fn save_service(
        &self,
        actor: &User,
        id: Option<i64>,
        input: ServiceInput,
    ) -> Result<CatalogService, AppError> {
        if !actor.can_write() {
            return Err(AppError::forbidden(
                "Your role (stakeholder) can read the service catalog but not change it.",
            ));
        }
        let input = input.validate().map_err(AppError::from)?;
        match self.store.save_service(id, &input).await {
            Err(StoreError::NotFound) => Err(AppError::not_found(format!(
                "Service {} is not in the catalog.",
                id.unwrap_or_default()
            ))),
            other => Ok(other?),
        }
    }

    /// The role catalog: an admin's edit, or the configured one.
    pub async fn role_catalog(&self) -> Result<RoleCatalog, AppError> {
        Ok(self.revised_role_catalog().await?.catalog)
    }

    /// The role catalog with its revision.
    pub async fn revised_role_catalog(&self) -> Result<RevisedCatalog, AppError> {
        let stored = self.store.setting(ROLE_CATALOG).await?;
        self.parse_catalog(stored.as_deref())
    }

    /// The stored role catalog (`None`: never edited, the configured one). Values saved before
    /// catalogs had revisions are a bare catalog: revision 0.
    fn parse_catalog(&self, stored: Option<&str>) -> Result<RevisedCatalog, AppError> {
        let at_zero = |catalog| RevisedCatalog {
            revision: 0,
            catalog,
        };
        parse_revised(stored, || at_zero(self.vocabulary.roles.clone()), at_zero)
    }

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
        require_admin(actor, "change the SLA policy")?;
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
                    if !incident.status.is_final() && incident.status != Status::Declined {
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
    async fn setting_changed(&self, key: &str, revision: u64) {
        let word = crate::bus::SettingChanged {
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

    async fn relay(
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
                match serde_json::from_str::<crate::bus::SettingChanged>(&payload) {
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
    pub async fn settings_now(&self) -> Result<Vec<crate::bus::SettingChanged>, AppError> {
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
                Ok(revision) => words.push(crate::bus::SettingChanged {
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

    /// Sitrep itself, the author of what no person did (recorded SLA breaches).
    pub async fn system_user(&self) -> Result<User, AppError> {
        self.store
            .credentials(crate::store::SYSTEM_EMAIL)
            .await?
            .map(|c| c.user)
            .ok_or_else(|| internal("the system user is missing: run the migrations"))
    }

    /// The configured vocabulary with the current role catalog.
    pub async fn vocabulary_now(&self) -> Result<Vocabulary, AppError> {
        Ok(self.revised_vocabulary().await?.0)
    }

    /// The configured vocabulary with the current role catalog, and the catalog's revision.
    async fn revised_vocabulary(&self) -> Result<(Vocabulary, u64), AppError> {
        let RevisedCatalog { revision, catalog } = self.revised_role_catalog().await?;
        let mut vocabulary = (*self.vocabulary).clone();
        vocabulary.roles = catalog;
        Ok((vocabulary, revision))
    }

    /// Replaces the role catalog (admins only). Roles are never removed, only retired, so every
    /// hand-over in every history keeps its role.
    pub async fn save_role_catalog(
        &self,
        actor: &User,
        catalog: RoleCatalog,
    ) -> Result<RoleCatalog, AppError> {
        require_admin(actor, "change the role catalog")?;
        catalog.validate().map_err(AppError::unprocessable)?;
        for _ in 0..RETRIES {
            let writing = self.writer.lock().await;
            let stored = self.store.setting(ROLE_CATALOG).await?;
            let current = self.parse_catalog(stored.as_deref())?;
            self.check_catalog_change(&current.catalog, &catalog)
                .await?;
            let saved = RevisedCatalog {
                revision: current.revision + 1,
                catalog: catalog.clone(),
            };
            let setting = SettingChange {
                key: ROLE_CATALOG.to_owned(),
                expected: stored,
                value: serde_json::to_string(&saved).map_err(internal)?,
                decided_on: Vec::new(),
            };
            let committed = self.store.commit(&[], Some(&setting)).await;
            drop(writing);
            match committed {
                Ok(_) => {
                    // Open rooms fetch the new catalog: their boards and labels follow.
                    self.setting_changed(ROLE_CATALOG, saved.revision).await;
                    return Ok(catalog);
                }
                // Another admin saved meanwhile: check against theirs (the last save wins, as
                // on the screen, but never one that removes a role theirs added).
                Err(StoreError::SettingChanged(_)) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::new(
            ErrorKind::Unavailable,
            "The role catalog is changing too fast to save now; nothing was saved. Please save \
             again in a moment.",
        ))
    }

    /// Refuses a catalog that would lose history or break an open incident: roles are never
    /// removed, only retired, and a role becoming one-holder must not have several holders on an
    /// open incident. (That last check reads the incidents before the write, not in it: a second
    /// holder assigned in the same instant can slip through; the board still shows both, and
    /// relieving one is the fix.)
    async fn check_catalog_change(
        &self,
        current: &RoleCatalog,
        catalog: &RoleCatalog,
    ) -> Result<(), AppError> {
        if let Some(gone) = current.roles.iter().find(|r| catalog.get(&r.key).is_none()) {
            return Err(AppError::unprocessable(format!(
                "{} cannot be removed: retire it instead, so its history stays.",
                gone.label
            )));
        }
        let narrowed: Vec<_> = catalog
            .roles
            .iter()
            .filter(|r| r.single && current.get(&r.key).is_some_and(|old| !old.single))
            .collect();
        if narrowed.is_empty() {
            return Ok(());
        }
        for incident in self.store.incidents().await? {
            if !incident.status.is_active() {
                continue;
            }
            if let Some(role) = narrowed
                .iter()
                .find(|r| incident.roles.holders(&r.key).count() > 1)
            {
                return Err(AppError::unprocessable(format!(
                    "{} has several holders on {}: relieve all but one there before making it \
                     a one-holder role.",
                    role.label,
                    incident.reference()
                )));
            }
        }
        Ok(())
    }

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

    pub async fn incident(&self, id: i64) -> Result<Incident, AppError> {
        self.store
            .incident(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Incident {id} does not exist.")))
    }

    pub async fn timeline(&self, id: i64) -> Result<Vec<EventRecord>, AppError> {
        // 404 for unknown incidents rather than an empty list.
        self.incident(id).await?;
        let mut events = self.store.timeline(id).await?;
        events.iter_mut().for_each(render);
        Ok(events)
    }

    pub async fn list(&self) -> Result<Vec<Incident>, AppError> {
        Ok(self.store.incidents().await?)
    }

    /// Runs a command for `actor`: loads what it refers to, lets the domain decide, and appends
    /// the events (with their counterparts on other incidents, e.g. a merge's survivor) in one
    /// transaction. The response is sent only after the events are committed. Returns the
    /// incident and every event recorded.
    pub async fn execute(
        &self,
        actor: &User,
        target: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        let system = actor.email == crate::store::SYSTEM_EMAIL;
        if command.is_system() != system {
            return Err(AppError::forbidden(if system {
                "Sitrep itself only records SLA breaches."
            } else {
                "Only Sitrep itself records SLA breaches."
            }));
        }
        if !system && !actor.can_write() {
            return Err(AppError::forbidden(
                "Your role (stakeholder) can read incidents but not change them.",
            ));
        }
        // Counted from the first race lost, not from the wait for this instance's writers.
        let mut racing_since: Option<std::time::Instant> = None;
        let mut attempt = 0u32;
        loop {
            if attempt > 0 {
                back_off(attempt).await;
            }
            attempt = attempt.saturating_add(1);
            let _writing = self.writer.lock().await;
            let state = match target {
                Some(id) => Some(self.incident(id).await?),
                None => None,
            };
            // What the command refers to; `decide` says what to do when it does not exist.
            let entry = match command.entry_id() {
                Some(id) => self.store.event(id).await?,
                None => None,
            };
            let service = match command.service_id() {
                Some(id) => self.store.service(id).await?.map(|s| s.reference()),
                None => None,
            };
            let other = match command.target_id() {
                Some(id) if Some(id) != target => self.store.incident(id).await?,
                _ => None,
            };
            let person = match command.person_id() {
                Some(id) => self.store.user(id).await?,
                None => None,
            };
            let roles = match command.needs_roles() {
                true => Some(self.role_catalog().await?),
                false => None,
            };
            // Microseconds: what both databases keep, so a stored incident equals the returned one.
            let now = Utc::now().trunc_subsecs(6);
            let ctx = Context {
                actor_id: actor.id,
                now,
                entry: entry.as_ref(),
                service: service.as_ref(),
                target: other.as_ref(),
                person: person.as_ref(),
                roles: roles.as_ref(),
            };
            let payloads = decide(state.as_ref(), &command, &ctx).map_err(AppError::from)?;
            let mut counterparts = Vec::new();
            if let Some(current) = state.as_ref() {
                for p in &payloads {
                    if let Some((id, payload)) = counterpart(current, p) {
                        let other = other
                            .as_ref()
                            .filter(|o| o.id == id)
                            .ok_or_else(|| internal("a counterpart for an unloaded incident"))?;
                        counterparts.push((other.clone(), payload));
                    }
                }
            }
            let (next, events) = record(state.as_ref(), payloads, actor, now)?;
            let primary = state.as_ref().map(|s| s.id);
            let mut changes = vec![Change {
                expected_version: state.as_ref().map(|s| s.version),
                incident: next,
                events,
            }];
            for (other, payload) in counterparts {
                let (next, events) = record(Some(&other), vec![payload], actor, now)?;
                changes.push(Change {
                    expected_version: Some(other.version),
                    incident: next,
                    events,
                });
            }
            match self.store.append_all(&changes).await {
                Ok(results) => {
                    self.bus.wake();
                    for (_, events) in &results {
                        self.metrics.appended(events);
                    }
                    let mut results = results.into_iter();
                    let (incident, mut events) = results
                        .next()
                        .ok_or_else(|| internal("an append returned nothing"))?;
                    for (_, more) in results {
                        events.extend(more);
                    }
                    events.iter_mut().for_each(render);
                    return Ok((incident, events));
                }
                Err(StoreError::Conflict {
                    incident_id,
                    actual,
                }) => {
                    if Some(incident_id) == primary {
                        if let Some(expected) = command.expected_version() {
                            return Err(DomainError::Conflict { expected, actual }.into());
                        }
                    }
                    // Another instance wrote first. Commutative commands (notes, pins, links),
                    // or the other incident of a merge moved: reload and decide again.
                    let since = *racing_since.get_or_insert_with(std::time::Instant::now);
                    if since.elapsed() < RACE_FOR {
                        continue;
                    }
                    return Err(AppError::new(
                        ErrorKind::Unavailable,
                        "The incident is changing too fast to apply your change; nothing was \
                         saved. Please retry.",
                    ));
                }
                Err(StoreError::NotFound) => {
                    return Err(AppError::not_found("The incident no longer exists."))
                }
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// The timeline as Markdown (`md`) or CSV (`csv`).
    pub async fn export(&self, id: i64, format: &str) -> Result<(String, &'static str), AppError> {
        let incident = self.incident(id).await?;
        let events = self.store.timeline(id).await?;
        let entries = app::domain::timeline_view(&events, &incident.pinned);
        let vocabulary = self.vocabulary_now().await?;
        match format {
            "md" => Ok((
                app::domain::to_markdown(&incident, &entries, &vocabulary),
                "text/markdown; charset=utf-8",
            )),
            "csv" => Ok((
                export::csv(&entries, &vocabulary).map_err(internal)?,
                "text/csv; charset=utf-8",
            )),
            other => Err(AppError::not_found(format!(
                "There is no \"{other}\" export: use .md (Markdown) or .csv."
            ))),
        }
    }
}

#[async_trait::async_trait]
impl Backend for Service {
    async fn incidents(&self, viewer: &User) -> Result<IncidentsSnapshot, AppError> {
        // Read the cursor first: anything after it is streamed live, and the browser drops what
        // the snapshot already holds.
        let last_event_id = self.store.last_event_id().await?;
        Ok(IncidentsSnapshot {
            incidents: self.list().await?,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
            vocabulary: self.vocabulary_now().await?,
            services: self.services().await?,
            sla_policy: self.revised_sla_policy().await?,
        })
    }

    async fn room(&self, viewer: &User, id: i64) -> Result<RoomSnapshot, AppError> {
        let last_event_id = self.store.last_event_id().await?;
        let incident = self.incident(id).await?;
        let timeline = self.timeline(id).await?;
        let (vocabulary, roles_revision) = self.revised_vocabulary().await?;
        Ok(RoomSnapshot {
            incident,
            timeline,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
            vocabulary,
            roles_revision,
            services: self.services().await?,
            roster: self.roster(None).await?,
            sla_policy: self.revised_sla_policy().await?,
        })
    }

    async fn services(&self, viewer: &User) -> Result<ServicesSnapshot, AppError> {
        Ok(ServicesSnapshot {
            services: Service::services(self).await?,
            viewer: viewer.clone(),
        })
    }

    async fn save_service(
        &self,
        viewer: &User,
        id: Option<i64>,
        input: ServiceInput,
    ) -> Result<CatalogService, AppError> {
        Service::save_service(self, viewer, id, input).await
    }

    async fn execute(
        &self,
        actor: &User,
        incident: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        Service::execute(self, actor, incident, command).await
    }

    async fn role_catalog(&self, viewer: &User) -> Result<RolesSnapshot, AppError> {
        let RevisedCatalog { revision, catalog } = self.revised_role_catalog().await?;
        Ok(RolesSnapshot {
            catalog,
            revision,
            viewer: viewer.clone(),
        })
    }

    async fn save_role_catalog(
        &self,
        viewer: &User,
        catalog: RoleCatalog,
    ) -> Result<RoleCatalog, AppError> {
        Service::save_role_catalog(self, viewer, catalog).await
    }

    async fn sla_policy(&self, viewer: &User) -> Result<SlaSnapshot, AppError> {
        Ok(SlaSnapshot {
            policy: self.revised_sla_policy().await?,
            viewer: viewer.clone(),
            vocabulary: self.vocabulary_now().await?,
        })
    }

    async fn save_sla_policy(
        &self,
        viewer: &User,
        policy: SlaPolicy,
        revision: Option<u64>,
    ) -> Result<SlaPolicySaved, AppError> {
        let expected: Option<Vec<u64>> = revision.map(|r| vec![r]);
        Service::save_sla_policy(self, viewer, policy, expected.as_deref()).await
    }

    async fn tokens(&self, viewer: &User) -> Result<Vec<app::api::ApiToken>, AppError> {
        self.list_tokens(viewer).await
    }

    async fn create_token(
        &self,
        viewer: &User,
        name: String,
        scope: app::api::TokenScope,
    ) -> Result<app::api::CreatedToken, AppError> {
        self.new_token(viewer, &name, scope).await
    }

    async fn revoke_token(&self, viewer: &User, id: i64) -> Result<(), AppError> {
        self.delete_token(viewer, id).await
    }
}
