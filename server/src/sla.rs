//! The breach recorder: records every SLA breach once, as a timeline entry, when it happens —
//! whether or not anyone has the incident open. Each instance runs one; they agree through the
//! store (the incident's version and its recorded breaches), so a breach is recorded once even
//! with several instances, and one missed while the server was down is recorded when it is back.
//! It reads only what falls due: the incidents whose `sla_due` (kept by every commit) has come.

use std::time::Duration as StdDuration;

use app::domain::{clocks, Command, Incident, SlaCommand, SlaPolicy, User};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::application::Service;
use crate::live::bus::Message;

/// The longest the recorder sleeps without looking (it is woken by changes and deadlines).
const IDLE: StdDuration = StdDuration::from_secs(60);
/// Changes arriving together are looked at once, at most once a second (a busy incident posts
/// many notes; each would otherwise cost a sweep of its own).
const SETTLE: StdDuration = StdDuration::from_secs(1);

/// How many due incidents the recorder reads at a time.
pub const BATCH: i64 = 100;

/// Runs until `cancel`.
pub async fn run(service: Service, cancel: CancellationToken) {
    let mut changes = service.bus.subscribe();
    if let Err(err) = backfill(&service).await {
        tracing::warn!(%err, "SLA deadlines of older incidents not computed; retried at restart");
    }
    loop {
        let next = match sweep(&service, Utc::now()).await {
            Ok(next) => next,
            Err(err) => {
                tracing::warn!(%err, "SLA breach sweep failed; retrying");
                Some(Utc::now() + chrono::Duration::seconds(5))
            }
        };
        // A deadline already passed is one whose breach could not be recorded just now: look
        // again shortly, not at once.
        let wait = next
            .map(|at| (at - Utc::now()).to_std().unwrap_or(RETRY))
            .map_or(IDLE, |d| d.min(IDLE));
        let deadline = tokio::time::sleep(wait);
        tokio::pin!(deadline);
        // Wait for the next deadline, or for a change that may move deadlines.
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = &mut deadline => break,
                message = changes.recv() => match message {
                    Ok(Message::Event(_)) | Err(RecvError::Lagged(_)) => {
                        tokio::time::sleep(SETTLE).await;
                        break;
                    }
                    Ok(Message::Closing) | Err(RecvError::Closed) => return,
                    Ok(_) => {}
                },
            }
        }
    }
}

/// How soon the recorder looks again at a deadline it could not record.
const RETRY: StdDuration = StdDuration::from_secs(5);

/// Computes `sla_due` of the incidents written before the store kept it (schema 10), a batch at
/// a time, under the policy now. Done once: each row computed is marked so.
pub async fn backfill(service: &Service) -> Result<(), app::domain::AppError> {
    let policy = service.sla_policy().await?;
    loop {
        let pending = service.store.sla_pending(BATCH).await?;
        if pending.is_empty() {
            return Ok(());
        }
        for incident in pending {
            // At another version, a commit has written it meanwhile (and cleared the mark).
            service
                .store
                .set_sla_due(incident.id, incident.version, incident.sla_due(&policy))
                .await?;
        }
    }
}

/// Records the breaches due by `now` that are not recorded yet, reading only the incidents
/// whose `sla_due` has come, a batch at a time; returns the next `sla_due`.
pub async fn sweep(
    service: &Service,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, app::domain::AppError> {
    let policy = service.sla_policy().await?;
    let mut system = None;
    // A keyset over (sla_due, id): an incident whose breach could not be recorded stays due,
    // and the sweep goes on past it (it is looked at again in the next sweep). One whose
    // recording moved its `sla_due` to a later deadline still due may come round again in this
    // sweep: it is looked at once (`seen` holds only this sweep's due incidents).
    let mut after = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        let due = service.store.sla_due_by(now, after, BATCH).await?;
        let Some((last_due, last)) = due.last() else {
            break;
        };
        after = Some((*last_due, last.id));
        for (_, incident) in due {
            if !seen.insert(incident.id) {
                continue;
            }
            if system.is_none() {
                system = Some(service.system_user().await?);
            }
            if let Some(actor) = system.as_ref() {
                record_due(service, actor, &incident, &policy, now).await?;
            }
        }
    }
    Ok(service.store.next_sla_due().await?)
}

/// Records the breaches of `incident` due by `now`. When there is none (its `sla_due` was
/// stale: written under an older policy by a backfill, say), corrects its `sla_due`, so it is
/// not read again until it falls due.
async fn record_due(
    service: &Service,
    actor: &User,
    incident: &Incident,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<(), app::domain::AppError> {
    let mut recorded = false;
    // Only running clocks: one that stopped late was recorded when its deadline passed (by
    // this instance or another); one stopped in time never breaches.
    for clock in clocks(incident, policy, now) {
        let Some(deadline) = clock.deadline.filter(|_| clock.running()) else {
            continue;
        };
        if incident.breached(clock.kind, clock.started_at) || now < deadline {
            continue;
        }
        let command = Command::Sla(SlaCommand::RecordBreach {
            clock: clock.kind,
            started_at: clock.started_at,
            deadline,
        });
        match service.execute(actor, Some(incident.id), command).await {
            Ok(_) => {
                recorded = true;
                service.metrics.sla_breached(clock.kind, incident.severity);
                tracing::info!(
                    incident = incident.id,
                    clock = clock.kind.key(),
                    %deadline,
                    "SLA breach recorded"
                )
            }
            // Another instance recorded it first, or the incident moved on meanwhile.
            Err(e) if e.kind != app::domain::ErrorKind::Internal => {
                tracing::debug!(incident = incident.id, error = %e.message, "breach not recorded")
            }
            Err(e) => return Err(e),
        }
    }
    if !recorded {
        let due = incident.sla_due(policy);
        if due.is_none_or(|d| d > now) {
            service
                .store
                .set_sla_due(incident.id, incident.version, due)
                .await?;
        }
    }
    Ok(())
}
