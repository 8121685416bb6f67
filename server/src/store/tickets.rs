//! Tickets in the store: each ticket's history is a `ticket` stream of the one event log, and its
//! row in `tickets` the read model (the whole `Ticket` as JSON beside the columns the lists
//! read), written in the same transaction as its events, with its tags (`ticket_tags`) and the
//! mail it took (`ticket_mail`).

use app::domain::{SlaPolicy, Ticket, TicketEvent, TicketEventRecord};
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult};

/// One ticket's part of an atomic commit. Made by `TicketChange::new` only, which works out the
/// queue's deadline (`sla_due`) under the policy: no write leaves it stale.
#[derive(Debug, Clone)]
pub struct TicketChange {
    /// `None`: a new ticket.
    pub expected_version: Option<i64>,
    pub ticket: Ticket,
    pub events: Vec<TicketEventRecord>,
    /// The Message-IDs of the mail this change takes: one already taken refuses the whole
    /// commit (`StoreError::Duplicate`), so a mail delivered twice is taken once.
    pub mail: Vec<String>,
    sla_due: Option<DateTime<Utc>>,
}

impl TicketChange {
    pub fn new(
        expected_version: Option<i64>,
        ticket: Ticket,
        events: Vec<TicketEventRecord>,
        mail: Vec<String>,
        policy: &SlaPolicy,
    ) -> TicketChange {
        TicketChange {
            expected_version,
            sla_due: ticket.sla_due(policy),
            ticket,
            events,
            mail,
        }
    }

    pub fn sla_due(&self) -> Option<DateTime<Utc>> {
        self.sla_due
    }
}

#[async_trait::async_trait]
pub trait TicketStore: Send + Sync {
    async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>>;
    /// The tickets among `ids` (those that exist), in id order: one query, by primary key.
    async fn tickets_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Ticket>>;
    /// Atomically, for every change: check the ticket is still at its expected version (or
    /// create it), write its row, tags and mail, and append its events. A ticket that moved on
    /// is `StoreError::Conflict`. Returns the stored tickets and events with their ids, in the
    /// order given.
    async fn commit_tickets(
        &self,
        changes: &[TicketChange],
    ) -> StoreResult<Vec<(Ticket, Vec<TicketEventRecord>)>>;
    /// Up to `limit` of a ticket's events after stream version `after`, oldest first (the
    /// `events (stream, stream_id, stream_version)` index).
    async fn ticket_events(
        &self,
        ticket_id: i64,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<TicketEventRecord>>;
    /// The ticket a mail with this Message-ID reached, if any.
    async fn ticket_for_mail(&self, message_id: &str) -> StoreResult<Option<i64>>;
}

/// Refuses a change that would put a ticket's version and its events out of step: a ticket at
/// version n has exactly the events 1..=n, the first of them its opening and no other.
pub(crate) fn check_in_step(change: &TicketChange) -> StoreResult<()> {
    let base = change.expected_version.unwrap_or(0);
    let out_of_step = |why: String| {
        Err(StoreError::OutOfStep(format!(
            "ticket {} at version {base}: {why}",
            change.ticket.id
        )))
    };
    if change.events.is_empty() {
        return out_of_step("a change without events".into());
    }
    let n = change.events.len() as i64;
    if change.ticket.version != base + n {
        return out_of_step(format!(
            "{n} events would make it version {}, not {}",
            base + n,
            change.ticket.version
        ));
    }
    for (i, event) in change.events.iter().enumerate() {
        if event.ticket_version != base + 1 + i as i64 {
            return out_of_step(format!(
                "event {} carries version {}",
                i + 1,
                event.ticket_version
            ));
        }
        let opens = matches!(event.payload, TicketEvent::TicketOpened { .. });
        if opens != (base == 0 && i == 0) {
            return out_of_step(
                if opens {
                    "a second opening"
                } else {
                    "a history that does not start with its opening"
                }
                .into(),
            );
        }
    }
    Ok(())
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub version: i64,
    pub details: String,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;
    fn try_from(row: TicketRow) -> StoreResult<Ticket> {
        let mut ticket: Ticket = serde_json::from_str(&row.details)
            .map_err(|e| StoreError::Corrupt(format!("ticket {}: {e}", row.id)))?;
        // The row's own columns are the truth (a new ticket's details were written before its
        // id was known).
        ticket.id = row.id;
        ticket.version = row.version;
        Ok(ticket)
    }
}

/// A stored event of a `ticket` stream.
pub(crate) fn ticket_event(row: super::common::EventRow) -> StoreResult<TicketEventRecord> {
    if row.stream != super::Stream::Ticket.key() {
        return Err(StoreError::Corrupt(format!(
            "event {} is of the {} stream, not a ticket's",
            row.id, row.stream
        )));
    }
    let payload: TicketEvent = serde_json::from_str(&row.payload)
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", row.id)))?;
    Ok(TicketEventRecord {
        id: row.id,
        ticket_id: row.stream_id,
        ticket_version: row.stream_version,
        at: row.at,
        actor: app::domain::Actor {
            id: row.actor_id,
            name: row.actor_name,
        },
        payload,
        html: None,
    })
}

/// `TicketStore` for a store type with a `pool`; `$ty::BEGIN`, `BEFORE_APPEND` and
/// `AFTER_APPEND` are the engine's way of keeping the log's global order (as for incidents).
macro_rules! impl_tickets {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::tickets::TicketStore for $ty {
            async fn ticket(&self, id: i64) -> $crate::store::StoreResult<Option<app::domain::Ticket>> {
                let row: Option<$crate::store::tickets::TicketRow> =
                    sqlx::query_as("SELECT id, version, details FROM tickets WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn tickets_by_ids(
                &self,
                ids: &[i64],
            ) -> $crate::store::StoreResult<Vec<app::domain::Ticket>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "SELECT id, version, details FROM tickets WHERE id IN ({}) ORDER BY id",
                    marks.join(", ")
                );
                let mut query = sqlx::query_as(&sql);
                for id in ids {
                    query = query.bind(*id);
                }
                let rows: Vec<$crate::store::tickets::TicketRow> =
                    query.fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn commit_tickets(
                &self,
                changes: &[$crate::store::tickets::TicketChange],
            ) -> $crate::store::StoreResult<
                Vec<(app::domain::Ticket, Vec<app::domain::TicketEventRecord>)>,
            > {
                use $crate::store::tickets::encode;
                use $crate::store::{Stream, StoreError};
                let mut tx = self.pool.begin_with(<$ty>::BEGIN).await?;
                if let Some(sql) = <$ty>::BEFORE_APPEND {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                let mut results = Vec::with_capacity(changes.len());
                for change in changes {
                    $crate::store::tickets::check_in_step(change)?;
                    let t = &change.ticket;
                    let mut stored = t.clone();
                    let details = encode(t)?;
                    let assignee = t.assignee.as_ref().map(|a| a.id);
                    match change.expected_version {
                        None => {
                            stored.id = sqlx::query_scalar(
                                "INSERT INTO tickets (version, status, priority, assignee_id, \
                                 requester_email, organisation, subject, incident_id, \
                                 merged_into, created_at, updated_at, sla_due, details) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                                 RETURNING id",
                            )
                            .bind(t.version)
                            .bind(t.status.key())
                            .bind(t.priority.key())
                            .bind(assignee)
                            .bind(&t.requester.email)
                            .bind(&t.organisation)
                            .bind(&t.subject)
                            .bind(t.incident_id)
                            .bind(t.merged_into)
                            .bind(t.created_at)
                            .bind(t.updated_at)
                            .bind(change.sla_due())
                            .bind(&details)
                            .fetch_one(&mut *tx)
                            .await?;
                        }
                        Some(expected) => {
                            let updated = sqlx::query(
                                "UPDATE tickets SET version = $1, status = $2, priority = $3, \
                                 assignee_id = $4, requester_email = $5, organisation = $6, \
                                 subject = $7, incident_id = $8, merged_into = $9, \
                                 updated_at = $10, sla_due = $11, details = $12 \
                                 WHERE id = $13 AND version = $14",
                            )
                            .bind(t.version)
                            .bind(t.status.key())
                            .bind(t.priority.key())
                            .bind(assignee)
                            .bind(&t.requester.email)
                            .bind(&t.organisation)
                            .bind(&t.subject)
                            .bind(t.incident_id)
                            .bind(t.merged_into)
                            .bind(t.updated_at)
                            .bind(change.sla_due())
                            .bind(&details)
                            .bind(t.id)
                            .bind(expected)
                            .execute(&mut *tx)
                            .await?;
                            if updated.rows_affected() == 0 {
                                let actual: Option<i64> =
                                    sqlx::query_scalar("SELECT version FROM tickets WHERE id = $1")
                                        .bind(t.id)
                                        .fetch_optional(&mut *tx)
                                        .await?;
                                return Err(match actual {
                                    Some(actual) => StoreError::Conflict {
                                        stream: Stream::Ticket,
                                        id: t.id,
                                        actual,
                                    },
                                    None => StoreError::NotFound,
                                });
                            }
                            sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1")
                                .bind(t.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    stored.version = t.version;
                    for tag in &t.tags {
                        sqlx::query("INSERT INTO ticket_tags (tag, ticket_id) VALUES ($1, $2)")
                            .bind(tag)
                            .bind(stored.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for message_id in &change.mail {
                        sqlx::query("INSERT INTO ticket_mail (message_id, ticket_id) VALUES ($1, $2)")
                            .bind(message_id)
                            .bind(stored.id)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| {
                                $crate::store::common::map_unique(e, &format!("mail {message_id}"))
                            })?;
                    }
                    let mut out = Vec::with_capacity(change.events.len());
                    for event in &change.events {
                        let mut event = event.clone();
                        event.ticket_id = stored.id;
                        event.id = sqlx::query_scalar($crate::store::common::EVENT_INSERT)
                            .bind(Stream::Ticket.key())
                            .bind(event.ticket_id)
                            .bind(event.ticket_version)
                            .bind(event.actor.id)
                            .bind(event.payload.kind())
                            .bind(encode(&event.payload)?)
                            .bind(event.at)
                            .fetch_one(&mut *tx)
                            .await?;
                        out.push(event);
                    }
                    results.push((stored, out));
                }
                if let Some(sql) = <$ty>::AFTER_APPEND {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(results)
            }

            async fn ticket_events(
                &self,
                ticket_id: i64,
                after: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::domain::TicketEventRecord>> {
                let sql = format!(
                    "{} WHERE e.stream = $1 AND e.stream_id = $2 AND e.stream_version > $3 \
                     ORDER BY e.stream_version LIMIT $4",
                    $crate::store::common::EVENT_SELECT
                );
                let rows: Vec<$crate::store::common::EventRow> = sqlx::query_as(&sql)
                    .bind($crate::store::Stream::Ticket.key())
                    .bind(ticket_id)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map($crate::store::tickets::ticket_event)
                    .collect()
            }

            async fn ticket_for_mail(
                &self,
                message_id: &str,
            ) -> $crate::store::StoreResult<Option<i64>> {
                Ok(
                    sqlx::query_scalar("SELECT ticket_id FROM ticket_mail WHERE message_id = $1")
                        .bind(message_id)
                        .fetch_optional(&self.pool)
                        .await?,
                )
            }
        }
    };
}

impl_tickets!(super::sqlite::SqliteStore);
impl_tickets!(super::postgres::PgStore);
