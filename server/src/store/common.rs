//! What both stores share: row types and the SQL (written once, in the dialect both accept),
//! expanded for each pool type by `impl_store!`.

use app::domain::{
    Actor, Breach, EventPayload, EventRecord, Impact, Incident, RoleBoard, Service, ServiceRef,
    Severity, Status, User, UserRole,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Logged, StoreError, Stream, SETTINGS};

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub team: String,
    pub on_call: bool,
}

impl UserRow {
    pub fn into_user(self) -> Result<(User, String), StoreError> {
        let role = UserRole::parse(&self.role).map_err(StoreError::Corrupt)?;
        Ok((
            User {
                id: self.id,
                name: self.name,
                email: self.email,
                role,
                team: self.team,
                on_call: self.on_call,
            },
            self.password_hash,
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub summary: String,
    pub version: i64,
    pub declared_by: i64,
    pub declared_by_name: String,
    pub declared_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub details: String,
    pub merged_into: Option<i64>,
    pub last_public_update_at: Option<DateTime<Utc>>,
}

/// An incident with its deadline (`Store::sla_due_by`).
#[derive(sqlx::FromRow)]
pub(crate) struct DueRow {
    pub due: DateTime<Utc>,
    #[sqlx(flatten)]
    pub incident: IncidentRow,
}

/// The parts of the incident read model kept as one JSON column.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Details {
    impact: Impact,
    services: Vec<ServiceRef>,
    pinned: Vec<i64>,
    deleted_notes: Vec<i64>,
    note_edits: Vec<app::domain::NoteEdit>,
    participants: Vec<i64>,
    roles: RoleBoard,
    breaches: Vec<Breach>,
}

pub(crate) fn encode_details(i: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(&Details {
        impact: i.impact.clone(),
        services: i.services.clone(),
        pinned: i.pinned.clone(),
        deleted_notes: i.deleted_notes.clone(),
        note_edits: i.note_edits.clone(),
        participants: i.participants.clone(),
        roles: i.roles.clone(),
        breaches: i.breaches.clone(),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl TryFrom<IncidentRow> for Incident {
    type Error = StoreError;
    fn try_from(r: IncidentRow) -> Result<Self, StoreError> {
        let details: Details = serde_json::from_str(&r.details)
            .map_err(|e| StoreError::Corrupt(format!("incident {}: {e}", r.id)))?;
        Ok(Incident {
            id: r.id,
            title: r.title,
            severity: Severity::parse(&r.severity).map_err(StoreError::Corrupt)?,
            status: Status::parse(&r.status).map_err(StoreError::Corrupt)?,
            summary: r.summary,
            version: r.version,
            declared_by: r.declared_by,
            declared_by_name: r.declared_by_name,
            declared_at: r.declared_at,
            started_at: r.started_at,
            detected_at: r.detected_at,
            acknowledged_at: r.acknowledged_at,
            mitigated_at: r.mitigated_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            updated_at: r.updated_at,
            impact: details.impact,
            services: details.services,
            pinned: details.pinned,
            deleted_notes: details.deleted_notes,
            note_edits: details.note_edits,
            participants: details.participants,
            roles: details.roles,
            breaches: details.breaches,
            merged_into: r.merged_into,
            last_public_update_at: r.last_public_update_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub owner_team: String,
    pub tier: i32,
    pub runbook_url: String,
    pub contacts: String,
    pub description: String,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ServiceRow> for Service {
    type Error = StoreError;
    fn try_from(r: ServiceRow) -> Result<Self, StoreError> {
        Ok(Service {
            id: r.id,
            name: r.name,
            owner_team: r.owner_team,
            tier: u8::try_from(r.tier)
                .map_err(|_| StoreError::Corrupt(format!("service {}: tier {}", r.id, r.tier)))?,
            runbook_url: r.runbook_url,
            contacts: r.contacts,
            description: r.description,
            updated_at: r.updated_at,
        })
    }
}

/// The key a service name is unique by.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub(crate) const SERVICE_SELECT: &str =
    "SELECT id, name, owner_team, tier, runbook_url, contacts, \
     description, updated_at FROM services";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub id: i64,
    pub stream: String,
    pub stream_id: i64,
    pub stream_version: i64,
    pub actor_id: i64,
    pub actor_name: String,
    pub payload: String,
    pub at: DateTime<Utc>,
}

impl TryFrom<EventRow> for EventRecord {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let payload: EventPayload = serde_json::from_str(&r.payload)
            .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", r.id)))?;
        if r.stream != Stream::Incident.key() {
            return Err(StoreError::Corrupt(format!(
                "event {} is of the {} stream, not an incident's",
                r.id, r.stream
            )));
        }
        Ok(EventRecord {
            id: r.id,
            incident_id: r.stream_id,
            incident_version: r.stream_version,
            at: r.at,
            actor: Actor {
                id: r.actor_id,
                name: r.actor_name,
            },
            payload,
            html: None,
        })
    }
}

impl TryFrom<EventRow> for Logged {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        match Stream::parse(&r.stream) {
            Some(Stream::Incident) => Ok(Logged::Incident(r.try_into()?)),
            Some(Stream::Settings) => {
                let key = SETTINGS
                    .iter()
                    .find(|(_, id)| *id == r.stream_id)
                    .map(|(key, _)| *key)
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("event {}: no setting {}", r.id, r.stream_id))
                    })?;
                Ok(Logged::Setting {
                    id: r.id,
                    key,
                    revision: u64::try_from(r.stream_version).unwrap_or_default(),
                })
            }
            Some(Stream::Ticket) => Ok(Logged::Ticket(super::tickets::ticket_event(r)?)),
            None => Ok(Logged::Unknown { id: r.id }),
        }
    }
}

/// Refuses a change that would put an incident's version and its events out of step, whatever
/// the caller computed: an incident at version n has exactly the events 1..=n, the first of
/// them its declaration and no other.
pub(crate) fn check_in_step(change: &super::Change) -> Result<(), StoreError> {
    let base = change.expected_version.unwrap_or(0);
    let out_of_step = |why: &str| {
        Err(StoreError::OutOfStep(format!(
            "incident {} at version {base}: {why}",
            change.incident.id
        )))
    };
    if change.events.is_empty() {
        return out_of_step("a change without events");
    }
    if change.incident.version != base + change.events.len() as i64 {
        return out_of_step(&format!(
            "{} events would make it version {}, not {}",
            change.events.len(),
            base + change.events.len() as i64,
            change.incident.version
        ));
    }
    for (i, event) in change.events.iter().enumerate() {
        if event.incident_version != base + 1 + i as i64 {
            return out_of_step(&format!(
                "event {} carries version {}",
                i + 1,
                event.incident_version
            ));
        }
        let declares = matches!(event.payload, EventPayload::IncidentDeclared { .. });
        if declares != (base == 0 && i == 0) {
            return out_of_step(if declares {
                "a second declaration"
            } else {
                "a history that does not start with its declaration"
            });
        }
    }
    Ok(())
}

pub(crate) fn encode_payload(payload: &EventPayload) -> Result<String, StoreError> {
    serde_json::to_string(payload).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn map_unique(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Duplicate(what.to_owned())
        }
        _ => StoreError::Db(err),
    }
}

pub(crate) const INCIDENT_SELECT: &str = "SELECT i.id, i.title, i.severity, i.status, i.summary, \
     i.version, i.declared_by, u.name AS declared_by_name, i.declared_at, i.started_at, \
     i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at, i.updated_at, \
     i.details, i.merged_into, i.last_public_update_at \
     FROM incidents i JOIN users u ON u.id = i.declared_by";

pub(crate) const EVENT_SELECT: &str = "SELECT e.id, e.stream, e.stream_id, e.stream_version, \
     e.actor_id, u.name AS actor_name, e.payload, e.at \
     FROM events e JOIN users u ON u.id = e.actor_id";

/// `Store::events_for` over `streams` streams: one index range per stream (`events (stream,
/// stream_id, id)`, each already in id order and cut at the limit), merged by id. Per stream,
/// its parameters are `after`, the stream's kind, its number and the limit; the last one is
/// the limit again. Numbered in order of appearance, which both engines bind alike.
pub(crate) fn events_for_sql(streams: usize) -> String {
    let picks: Vec<String> = (0..streams)
        .map(|i| {
            let n = 4 * i;
            format!(
                "SELECT id FROM (SELECT id FROM events \
                 WHERE id > ${} AND stream = ${} AND stream_id = ${} \
                 ORDER BY id LIMIT ${}) AS s{i}",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            )
        })
        .collect();
    format!(
        "{EVENT_SELECT} WHERE e.id IN ({}) ORDER BY e.id LIMIT ${}",
        picks.join(" UNION ALL "),
        4 * streams + 1
    )
}

/// An incident's events (`$1`) whose `column` is one of `count` values (`$2`…), oldest first.
pub(crate) fn events_in_sql(column: &str, count: usize) -> String {
    let params: Vec<String> = (0..count).map(|i| format!("${}", i + 2)).collect();
    format!(
        "{EVENT_SELECT} WHERE e.stream = 'incident' AND e.stream_id = $1 AND {column} IN ({}) \
         ORDER BY e.stream_version",
        params.join(", ")
    )
}

/// Appends one event to a stream (`$1`, `$2`) at its next version (`$3`).
pub(crate) const EVENT_INSERT: &str = "INSERT INTO events \
     (stream, stream_id, stream_version, actor_id, kind, payload, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

/// The kind of a settings event (its payload is the saved value).
pub(crate) const SETTING_SAVED: &str = "setting_saved";

pub(crate) const USER_SELECT: &str =
    "SELECT id, email, name, role, password_hash, team, on_call FROM users";

/// The keys of the statuses `keep` accepts, quoted for an `IN (...)` (a closed set, not
/// input): a list an index on `status` can answer, unlike a `NOT IN`.
pub(crate) fn statuses(keep: fn(Status) -> bool) -> String {
    let keys: Vec<String> = Status::ALL
        .into_iter()
        .filter(|s| keep(*s))
        .map(|s| format!("'{}'", s.key()))
        .collect();
    keys.join(", ")
}

/// Refuses `$changes` when any was decided under another revision of the SLA policy than the
/// stored one: their `sla_due` (and the clocks `decide` saw) would be wrong.
macro_rules! check_sla_revision {
    ($tx:ident, $changes:expr) => {
        if !$changes.is_empty() {
            let stored: Option<i64> =
                sqlx::query_scalar("SELECT version FROM settings WHERE key = $1")
                    .bind($crate::store::SLA_POLICY)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let actual = u64::try_from(stored.unwrap_or(0)).unwrap_or_default();
            if $changes.iter().any(|c| c.sla_revision != actual) {
                return Err($crate::store::StoreError::Conflict {
                    stream: $crate::store::Stream::Settings,
                    id: $crate::store::setting_stream($crate::store::SLA_POLICY).unwrap_or(0),
                    actual: stored.unwrap_or(0),
                });
            }
        }
    };
}

pub(crate) use check_sla_revision;

/// Implements `Store` for a type with a `pool` field. `$broker` makes its `broker::Broker` from
/// it. The type's `BEGIN` opens every append transaction (SQLite takes the write lock at once:
/// an append reads before it writes, and a read transaction that turns into a write after
/// another commit fails with SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out);
/// `BEFORE_APPEND` runs first inside it (PostgreSQL serialises appends there); `AFTER_APPEND`
/// runs last, before the commit (PostgreSQL sends its NOTIFY there, delivered on commit). The
/// tickets' commit (`tickets.rs`) takes the same three.
macro_rules! impl_store {
    (
        $store:ty,
        broker: $broker:expr
    ) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn migrate(&self) -> $crate::store::StoreResult<()> {
                self.run_migrations().await?;
                // Rows written before migration 0009 get the list's keys and links here, a
                // batch per transaction (resumable), with the same code as `commit`.
                loop {
                    let mut tx = self.pool.begin().await?;
                    let next: Option<i64> =
                        sqlx::query_scalar("SELECT next_id FROM incident_list_backfill")
                            .fetch_optional(&mut *tx)
                            .await?;
                    let Some(next) = next else { break };
                    let sql = format!(
                        "{} WHERE i.id >= $1 ORDER BY i.id LIMIT 500",
                        $crate::store::common::INCIDENT_SELECT
                    );
                    let rows: Vec<$crate::store::common::IncidentRow> =
                        sqlx::query_as(&sql).bind(next).fetch_all(&mut *tx).await?;
                    let Some(last) = rows.last().map(|r| r.id) else {
                        sqlx::query("DELETE FROM incident_list_backfill")
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        break;
                    };
                    for row in rows {
                        let incident = app::domain::Incident::try_from(row)?;
                        $crate::store::derived::incident_reads!(keys: tx, &incident);
                    }
                    sqlx::query("UPDATE incident_list_backfill SET next_id = $1")
                        .bind(last + 1)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
                Ok(())
            }

            async fn create_user(
                &self,
                user: &$crate::store::NewUser,
            ) -> $crate::store::StoreResult<app::domain::User> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (email, name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(app::domain::normalize_email(&user.email))
                .bind(user.name.trim())
                .bind(user.role.key())
                .bind(&user.password_hash)
                .bind(chrono::Utc::now())
                .fetch_one(&self.pool)
                .await
                .map_err(|e| $crate::store::common::map_unique(e, "a user with this email"))?;
                Ok(app::domain::User {
                    id,
                    name: user.name.trim().to_owned(),
                    email: app::domain::normalize_email(&user.email),
                    role: user.role,
                    team: String::new(),
                    on_call: false,
                })
            }

            async fn set_person(
                &self,
                id: i64,
                team: &str,
                on_call: bool,
            ) -> $crate::store::StoreResult<app::domain::User> {
                let done = sqlx::query("UPDATE users SET team = $1, on_call = $2 WHERE id = $3")
                    .bind(team)
                    .bind(on_call)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                self.user(id).await?.ok_or($crate::store::StoreError::NotFound)
            }

            async fn setting(
                &self,
                key: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::Setting>> {
                let row: Option<(String, i64)> =
                    sqlx::query_as("SELECT value, version FROM settings WHERE key = $1")
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(value, version)| $crate::store::Setting { value, version }))
            }

            async fn credentials(
                &self,
                email: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::Credentials>> {
                // No stored address has control characters (PostgreSQL cannot even compare
                // one with NUL): such an address belongs to nobody.
                if app::domain::check_chars("Email", email).is_err() {
                    return Ok(None);
                }
                let sql = format!(
                    "{} WHERE email = $1",
                    $crate::store::common::USER_SELECT
                );
                let row: Option<$crate::store::common::UserRow> = sqlx::query_as(&sql)
                    .bind(app::domain::normalize_email(email))
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    r.into_user()
                        .map(|(user, password_hash)| $crate::store::Credentials {
                            user,
                            password_hash,
                        })
                })
                .transpose()
            }

            async fn user(&self, id: i64) -> $crate::store::StoreResult<Option<app::domain::User>> {
                let sql = format!("{} WHERE id = $1", $crate::store::common::USER_SELECT);
                let row: Option<$crate::store::common::UserRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| r.into_user().map(|(u, _)| u)).transpose()
            }

            async fn users(&self) -> $crate::store::StoreResult<Vec<app::domain::User>> {
                let sql = format!(
                    "{} WHERE email <> $1 ORDER BY name",
                    $crate::store::common::USER_SELECT
                );
                let rows: Vec<$crate::store::common::UserRow> = sqlx::query_as(&sql)
                    .bind($crate::store::SYSTEM_EMAIL)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(|r| r.into_user().map(|(u, _)| u)).collect()
            }

            async fn incidents(&self) -> $crate::store::StoreResult<Vec<app::domain::Incident>> {
                let sql = format!("{} ORDER BY i.id DESC", $crate::store::common::INCIDENT_SELECT);
                let rows: Vec<$crate::store::common::IncidentRow> =
                    sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn incident(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<app::domain::Incident>> {
                let sql = format!("{} WHERE i.id = $1", $crate::store::common::INCIDENT_SELECT);
                let row: Option<$crate::store::common::IncidentRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn commit(
                &self,
                changes: &[$crate::store::Change],
                setting: Option<&$crate::store::SettingChange>,
            ) -> $crate::store::StoreResult<Vec<(app::domain::Incident, Vec<app::domain::EventRecord>)>>
            {
                let mut tx = self.pool.begin_with(<$store>::BEGIN).await?;
                let before: Option<&str> = <$store>::BEFORE_APPEND;
                if let Some(sql) = before {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                if let Some(change) = setting {
                    use $crate::store::{Stream, StoreError};
                    let stream_id = $crate::store::setting_stream(&change.key)
                        .ok_or_else(|| StoreError::Corrupt(format!("no setting {}", change.key)))?;
                    let version = change.expected_version + 1;
                    let now = chrono::Utc::now();
                    // Compare and set in one statement, as for incidents: a concurrent writer
                    // makes it touch no row. Never saved (0): there may be no row yet, or one a
                    // release before the event log wrote.
                    let written = if change.expected_version == 0 {
                        sqlx::query(
                            "INSERT INTO settings (key, value, version, updated_at) \
                             VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                             version = excluded.version, updated_at = excluded.updated_at \
                             WHERE settings.version = $5",
                        )
                    } else {
                        sqlx::query(
                            "UPDATE settings SET value = $2, version = $3, updated_at = $4 \
                             WHERE key = $1 AND version = $5",
                        )
                    }
                    .bind(&change.key)
                    .bind(&change.value)
                    .bind(version)
                    .bind(now)
                    .bind(change.expected_version)
                    .execute(&mut *tx)
                    .await?;
                    if written.rows_affected() != 1 {
                        let actual: Option<i64> =
                            sqlx::query_scalar("SELECT version FROM settings WHERE key = $1")
                                .bind(&change.key)
                                .fetch_optional(&mut *tx)
                                .await?;
                        return Err(StoreError::Conflict {
                            stream: Stream::Settings,
                            id: stream_id,
                            actual: actual.unwrap_or(0),
                        });
                    }
                    sqlx::query($crate::store::common::EVENT_INSERT)
                        .bind(Stream::Settings.key())
                        .bind(stream_id)
                        .bind(version)
                        .bind(change.actor_id)
                        .bind($crate::store::common::SETTING_SAVED)
                        .bind(&change.value)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    if !change.decided_on.is_empty() {
                        // One read, under this transaction's write lock, of the incidents whose
                        // clocks can still run (one that left them has moved: it is missing).
                        let sql = format!(
                            "{} WHERE i.status IN ({})",
                            $crate::store::common::INCIDENT_SELECT,
                            $crate::store::common::statuses(app::domain::Status::clocks_can_run)
                        );
                        let rows: Vec<$crate::store::common::IncidentRow> =
                            sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
                        let now: std::collections::HashMap<i64, app::domain::Incident> = rows
                            .into_iter()
                            .map(|r| app::domain::Incident::try_from(r).map(|i| (i.id, i)))
                            .collect::<Result<_, _>>()?;
                        for (incident_id, facts) in &change.decided_on {
                            let current = now.get(incident_id);
                            if current.map(app::domain::ClockFacts::of).as_ref() != Some(facts) {
                                return Err(StoreError::Conflict {
                                    stream: Stream::Incident,
                                    id: *incident_id,
                                    actual: current.map_or(0, |i| i.version),
                                });
                            }
                        }
                    }
                }
                $crate::store::common::check_sla_revision!(tx, changes);
                let mut results = Vec::with_capacity(changes.len());
                for change in changes {
                    $crate::store::common::check_in_step(change)?;
                    let incident = &change.incident;
                    let mut stored = incident.clone();
                    let details = $crate::store::common::encode_details(incident)?;
                    let rank = $crate::store::list::severity_rank(incident.severity);
                    let title_key = $crate::store::list::title_key(incident);
                    if change.expected_version.is_some() {
                        $crate::store::derived::incident_reads!(leave: tx, incident.id);
                    }
                    match change.expected_version {
                        None => {
                            stored.id = sqlx::query_scalar(
                                "INSERT INTO incidents (title, severity, status, summary, version, \
                                 declared_by, declared_at, started_at, detected_at, acknowledged_at, \
                                 mitigated_at, resolved_at, closed_at, updated_at, details, \
                                 merged_into, last_public_update_at, severity_rank, title_key, \
                                 sla_due, sla_pending) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                                 $15, $16, $17, $18, $19, $20, FALSE) RETURNING id",
                            )
                            .bind(&incident.title)
                            .bind(incident.severity.key())
                            .bind(incident.status.key())
                            .bind(&incident.summary)
                            .bind(incident.version)
                            .bind(incident.declared_by)
                            .bind(incident.declared_at)
                            .bind(incident.started_at)
                            .bind(incident.detected_at)
                            .bind(incident.acknowledged_at)
                            .bind(incident.mitigated_at)
                            .bind(incident.resolved_at)
                            .bind(incident.closed_at)
                            .bind(incident.updated_at)
                            .bind(&details)
                            .bind(incident.merged_into)
                            .bind(incident.last_public_update_at)
                            .bind(rank)
                            .bind(&title_key)
                            .bind(change.sla_due())
                            .fetch_one(&mut *tx)
                            .await?;
                        }
                        Some(expected) => {
                            let updated = sqlx::query(
                                "UPDATE incidents SET title = $1, severity = $2, status = $3, \
                                 summary = $4, version = $5, started_at = $6, detected_at = $7, \
                                 acknowledged_at = $8, mitigated_at = $9, resolved_at = $10, \
                                 closed_at = $11, updated_at = $12, details = $13, \
                                 merged_into = $14, last_public_update_at = $15, \
                                 severity_rank = $16, title_key = $17, sla_due = $18, \
                                 sla_pending = FALSE \
                                 WHERE id = $19 AND version = $20",
                            )
                            .bind(&incident.title)
                            .bind(incident.severity.key())
                            .bind(incident.status.key())
                            .bind(&incident.summary)
                            .bind(incident.version)
                            .bind(incident.started_at)
                            .bind(incident.detected_at)
                            .bind(incident.acknowledged_at)
                            .bind(incident.mitigated_at)
                            .bind(incident.resolved_at)
                            .bind(incident.closed_at)
                            .bind(incident.updated_at)
                            .bind(&details)
                            .bind(incident.merged_into)
                            .bind(incident.last_public_update_at)
                            .bind(rank)
                            .bind(&title_key)
                            .bind(change.sla_due())
                            .bind(incident.id)
                            .bind(expected)
                            .execute(&mut *tx)
                            .await?;
                            if updated.rows_affected() == 0 {
                                let actual: Option<i64> =
                                    sqlx::query_scalar("SELECT version FROM incidents WHERE id = $1")
                                        .bind(incident.id)
                                        .fetch_optional(&mut *tx)
                                        .await?;
                                return Err(match actual {
                                    Some(actual) => $crate::store::StoreError::Conflict {
                                        stream: $crate::store::Stream::Incident,
                                        id: incident.id,
                                        actual,
                                    },
                                    None => $crate::store::StoreError::NotFound,
                                });
                            }
                        }
                    }
                    $crate::store::derived::incident_reads!(enter: tx, &stored);
                    let mut out = Vec::with_capacity(change.events.len());
                    for event in &change.events {
                        let mut event = event.clone();
                        event.incident_id = stored.id;
                        event.id = sqlx::query_scalar($crate::store::common::EVENT_INSERT)
                        .bind($crate::store::Stream::Incident.key())
                        .bind(event.incident_id)
                        .bind(event.incident_version)
                        .bind(event.actor.id)
                        .bind(event.payload.kind())
                        .bind($crate::store::common::encode_payload(&event.payload)?)
                        .bind(event.at)
                        .fetch_one(&mut *tx)
                        .await?;
                        out.push(event);
                    }
                    results.push((stored, out));
                }
                let after: Option<&str> = <$store>::AFTER_APPEND;
                if let Some(sql) = after {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(results)
            }

            async fn incidents_page(
                &self,
                query: &app::domain::IncidentQuery,
                viewer_id: i64,
            ) -> $crate::store::StoreResult<app::domain::IncidentPage> {
                use $crate::store::list::Arg;
                let page = $crate::store::list::page_sql(query, viewer_id, Self::TITLE_SEARCH);
                let mut select = sqlx::query_as(&page.sql);
                for arg in page.args {
                    select = match arg {
                        Arg::Int(v) => select.bind(v),
                        Arg::Text(v) => select.bind(v),
                        Arg::Time(v) => select.bind(v),
                    };
                }
                let rows: Vec<$crate::store::common::IncidentRow> =
                    select.fetch_all(&self.pool).await?;
                let mut incidents = rows
                    .into_iter()
                    .map(TryInto::try_into)
                    .collect::<Result<Vec<app::domain::Incident>, _>>()?;
                let size = query.page_size() as usize;
                let more = incidents.len() > size;
                incidents.truncate(size);
                let next = incidents
                    .last()
                    .filter(|_| more)
                    .map(|i| app::domain::Cursor::of(query.sort, i).encode());
                Ok(app::domain::IncidentPage { incidents, next })
            }

            async fn status_counts(
                &self,
            ) -> $crate::store::StoreResult<app::domain::StatusCounts> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT status, count FROM incident_status_counts WHERE count > 0",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(app::domain::StatusCounts(
                    rows.into_iter()
                        .map(|(status, count)| (status, u64::try_from(count).unwrap_or(0)))
                        .collect(),
                ))
            }

            async fn holdings(&self) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                let sql = format!(
                    "SELECT r.user_id, r.incident_id FROM incident_roles r \
                     JOIN incidents i ON i.id = r.incident_id WHERE i.status IN ({}) \
                     ORDER BY r.incident_id DESC, r.user_id",
                    $crate::store::common::statuses(app::domain::Status::is_active)
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
            }

            async fn open_incidents_holding(
                &self,
                roles: &[&str],
            ) -> $crate::store::StoreResult<Vec<app::domain::Incident>> {
                if roles.is_empty() {
                    return Ok(Vec::new());
                }
                let marks: Vec<String> = (1..=roles.len()).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "{} WHERE i.status IN ({}) AND i.id IN \
                     (SELECT incident_id FROM incident_roles WHERE role IN ({})) \
                     ORDER BY i.id DESC",
                    $crate::store::common::INCIDENT_SELECT,
                    $crate::store::common::statuses(app::domain::Status::is_active),
                    marks.join(", ")
                );
                let mut query = sqlx::query_as(&sql);
                for role in roles {
                    query = query.bind(*role);
                }
                let rows: Vec<$crate::store::common::IncidentRow> =
                    query.fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn clocked_incidents(
                &self,
                after: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::domain::Incident>> {
                let sql = format!(
                    "{} WHERE i.status IN ({}) AND i.id > $1 ORDER BY i.id LIMIT $2",
                    $crate::store::common::INCIDENT_SELECT,
                    $crate::store::common::statuses(app::domain::Status::clocks_can_run)
                );
                let rows: Vec<$crate::store::common::IncidentRow> = sqlx::query_as(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn sla_due_by(
                &self,
                by: chrono::DateTime<chrono::Utc>,
                after: Option<(chrono::DateTime<chrono::Utc>, i64)>,
                limit: i64,
            ) -> $crate::store::StoreResult<
                Vec<(chrono::DateTime<chrono::Utc>, app::domain::Incident)>,
            > {
                let sql = format!(
                    "SELECT i.sla_due AS due, {} WHERE i.sla_due <= $1 {} \
                     ORDER BY i.sla_due, i.id LIMIT $2",
                    &$crate::store::common::INCIDENT_SELECT["SELECT ".len()..],
                    if after.is_some() {
                        "AND (i.sla_due, i.id) > ($3, $4)"
                    } else {
                        ""
                    }
                );
                let mut select = sqlx::query_as(&sql).bind(by).bind(limit);
                if let Some((due, id)) = after {
                    select = select.bind(due).bind(id);
                }
                let rows: Vec<$crate::store::common::DueRow> = select
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|r| app::domain::Incident::try_from(r.incident).map(|i| (r.due, i)))
                    .collect()
            }

            async fn next_sla_due(
                &self,
            ) -> $crate::store::StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
                Ok(sqlx::query_scalar(
                    "SELECT sla_due FROM incidents WHERE sla_due IS NOT NULL \
                     ORDER BY sla_due LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn sla_pending(
                &self,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::domain::Incident>> {
                let sql = format!(
                    "{} WHERE i.id IN (SELECT id FROM incidents WHERE sla_pending \
                     ORDER BY id LIMIT $1)",
                    $crate::store::common::INCIDENT_SELECT
                );
                let rows: Vec<$crate::store::common::IncidentRow> = sqlx::query_as(&sql)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn set_sla_due(
                &self,
                id: i64,
                version: i64,
                due: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE incidents SET sla_due = $1, sla_pending = FALSE \
                     WHERE id = $2 AND version = $3",
                )
                .bind(due)
                .bind(id)
                .bind(version)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn event(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<app::domain::EventRecord>> {
                let sql = format!(
                    "{} WHERE e.id = $1 AND e.stream = 'incident'",
                    $crate::store::common::EVENT_SELECT
                );
                let row: Option<$crate::store::common::EventRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn services(&self) -> $crate::store::StoreResult<Vec<app::domain::Service>> {
                let sql = format!("{} ORDER BY name_key", $crate::store::common::SERVICE_SELECT);
                let rows: Vec<$crate::store::common::ServiceRow> =
                    sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn service(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<app::domain::Service>> {
                let sql = format!("{} WHERE id = $1", $crate::store::common::SERVICE_SELECT);
                let row: Option<$crate::store::common::ServiceRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn save_service(
                &self,
                id: Option<i64>,
                input: &app::domain::ServiceInput,
            ) -> $crate::store::StoreResult<app::domain::Service> {
                let now = chrono::Utc::now();
                let key = $crate::store::common::name_key(&input.name);
                let duplicate = |e| $crate::store::common::map_unique(e, "A service with this name");
                let id: i64 = match id {
                    None => sqlx::query_scalar(
                        "INSERT INTO services (name, name_key, owner_team, tier, runbook_url, \
                         contacts, description, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(&input.name)
                    .bind(&key)
                    .bind(&input.owner_team)
                    .bind(i32::from(input.tier))
                    .bind(&input.runbook_url)
                    .bind(&input.contacts)
                    .bind(&input.description)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(duplicate)?,
                    Some(id) => sqlx::query_scalar(
                        "UPDATE services SET name = $1, name_key = $2, owner_team = $3, tier = $4, \
                         runbook_url = $5, contacts = $6, description = $7, updated_at = $8 \
                         WHERE id = $9 RETURNING id",
                    )
                    .bind(&input.name)
                    .bind(&key)
                    .bind(&input.owner_team)
                    .bind(i32::from(input.tier))
                    .bind(&input.runbook_url)
                    .bind(&input.contacts)
                    .bind(&input.description)
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(duplicate)?
                    .ok_or($crate::store::StoreError::NotFound)?,
                };
                self.service(id)
                    .await?
                    .ok_or($crate::store::StoreError::NotFound)
            }

            async fn timeline_before(
                &self,
                incident_id: i64,
                before: Option<i64>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::domain::EventRecord>> {
                let sql = format!(
                    "{} WHERE e.stream = 'incident' AND e.stream_id = $1 \
                     AND e.stream_version < $2 ORDER BY e.stream_version DESC LIMIT $3",
                    $crate::store::common::EVENT_SELECT
                );
                let rows: Vec<$crate::store::common::EventRow> = sqlx::query_as(&sql)
                    .bind(incident_id)
                    .bind(before.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn timeline_after(
                &self,
                incident_id: i64,
                after: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::domain::EventRecord>> {
                let sql = format!(
                    "{} WHERE e.stream = 'incident' AND e.stream_id = $1 \
                     AND e.stream_version > $2 ORDER BY e.stream_version LIMIT $3",
                    $crate::store::common::EVENT_SELECT
                );
                let rows: Vec<$crate::store::common::EventRow> = sqlx::query_as(&sql)
                    .bind(incident_id)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn events_by_ids(
                &self,
                incident_id: i64,
                ids: &[i64],
            ) -> $crate::store::StoreResult<Vec<app::domain::EventRecord>> {
                self.events_where(incident_id, "e.id", ids).await
            }

            async fn events_at_versions(
                &self,
                incident_id: i64,
                versions: &[i64],
            ) -> $crate::store::StoreResult<Vec<app::domain::EventRecord>> {
                self.events_where(incident_id, "e.stream_version", versions).await
            }

            async fn events_after(
                &self,
                after: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Logged>> {
                let sql = format!(
                    "{} WHERE e.id > $1 ORDER BY e.id LIMIT $2",
                    $crate::store::common::EVENT_SELECT
                );
                let rows: Vec<$crate::store::common::EventRow> = sqlx::query_as(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn events_for(
                &self,
                after: i64,
                streams: &[$crate::store::StreamRef],
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Logged>> {
                if streams.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = $crate::store::common::events_for_sql(streams.len());
                let mut query = sqlx::query_as(&sql);
                for s in streams {
                    query = query.bind(after).bind(s.stream.key()).bind(s.id).bind(limit);
                }
                let rows: Vec<$crate::store::common::EventRow> =
                    query.bind(limit).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn last_event_id(&self) -> $crate::store::StoreResult<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(id.unwrap_or(0))
            }

            fn sessions(&self) -> $crate::store::SessionBackend {
                self.session_backend()
            }

            fn broker(&self) -> std::sync::Arc<dyn $crate::store::broker::Broker> {
                let broker: fn(&Self) -> std::sync::Arc<dyn $crate::store::broker::Broker> =
                    $broker;
                broker(self)
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }

        impl $store {
            /// The incident's events whose `column` is among `values`, oldest first.
            async fn events_where(
                &self,
                incident_id: i64,
                column: &str,
                values: &[i64],
            ) -> $crate::store::StoreResult<Vec<app::domain::EventRecord>> {
                if values.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = $crate::store::common::events_in_sql(column, values.len());
                let mut query = sqlx::query_as(&sql).bind(incident_id);
                for v in values {
                    query = query.bind(*v);
                }
                let rows: Vec<$crate::store::common::EventRow> =
                    query.fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }
        }
    };
}

pub(crate) use impl_store;
