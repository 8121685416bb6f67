//! Missed SLA deadlines, as Sitrep records them on the incident: once per run of a clock.

use super::command::SlaCommand;
use super::event::EventPayload;
use super::state::Incident;
use crate::domain::error::{invalid, DomainError};
use crate::domain::text::check_time;

pub fn decide(incident: &Incident, command: &SlaCommand) -> Result<Vec<EventPayload>, DomainError> {
    match command {
        SlaCommand::RecordBreach {
            clock,
            started_at,
            deadline,
        } => {
            check_time("The clock's start", *started_at)?;
            check_time("The deadline", *deadline)?;
            if incident.breached(*clock, *started_at) {
                return invalid(format!(
                    "The {} breach of this clock is already recorded.",
                    clock.label().to_lowercase()
                ));
            }
            Ok(vec![EventPayload::SlaBreached {
                clock: *clock,
                started_at: *started_at,
                deadline: *deadline,
            }])
        }
    }
}
