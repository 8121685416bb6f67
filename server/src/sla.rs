//! The breach recorder: records every SLA breach once, as a timeline entry, when it happens —
//! whether or not anyone has the incident open. Each instance runs one; they agree through the
//! store (the incident's version and its recorded breaches), so a breach is recorded once even
//! with several instances, and one missed while the server was down is recorded when it is back.

use std::time::Duration as StdDuration;

use app::domain::{clocks, Command};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::application::Service;
use crate::live::bus::Message;

/// The longest the recorder sleeps without looking (it is woken by changes and deadlines).
const IDLE: StdDuration = StdDuration::from_secs(60);
/// Changes arriving together are looked at once, at most once a second (a busy incident posts
/// many notes; each would otherwise cost a look at every incident).
const SETTLE: StdDuration = StdDuration::from_secs(1);

/// Runs until `cancel`.
pub async fn run(service: Service, cancel: CancellationToken) {
    let mut changes = service.bus.subscribe();
    loop {
        let next = match sweep(&service, Utc::now()).await {
            Ok(next) => next,
            Err(err) => {
                tracing::warn!(%err, "SLA breach sweep failed; retrying");
                Some(Utc::now() + chrono::Duration::seconds(5))
            }
        };
        let wait = next
            .and_then(|at| (at - Utc::now()).to_std().ok())
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

/// Records the breaches due by `now` that are not recorded yet; returns the next deadline of a
/// running clock.
pub async fn sweep(
    service: &Service,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, app::domain::AppError> {
    let policy = service.sla_policy().await?;
    let mut next: Option<DateTime<Utc>> = None;
    let mut system = None;
    for incident in service.list().await? {
        // Only running clocks: one that stopped late was recorded when its deadline passed (by
        // this instance or another); one stopped in time never breaches.
        for clock in clocks(&incident, &policy, now) {
            let Some(deadline) = clock.deadline.filter(|_| clock.running()) else {
                continue;
            };
            if incident.breached(clock.kind, clock.started_at) {
                continue;
            }
            if now < deadline {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
                continue;
            }
            if system.is_none() {
                system = Some(service.system_user().await?);
            }
            let Some(actor) = system.as_ref() else {
                continue;
            };
            let command = Command::RecordBreach {
                clock: clock.kind,
                started_at: clock.started_at,
                deadline,
            };
            match service.execute(actor, Some(incident.id), command).await {
                Ok(_) => {
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
    }
    Ok(next)
}
