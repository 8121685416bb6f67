//! The impact assessment: what customers see, how many are affected, and which services of the
//! catalog the incident touches.

use super::command::ImpactCommand;
use super::context::Context;
use super::event::EventPayload;
use super::state::Incident;
use super::values::ServiceRef;
use crate::domain::error::{invalid, DomainError};
use crate::domain::text::check_len;

/// Longest "what customers see", in characters.
pub const IMPACT_MAX_CHARS: usize = 2_000;

pub fn decide(
    incident: &Incident,
    command: &ImpactCommand,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    let event = match command {
        ImpactCommand::Update {
            customer_impact,
            affected,
            ..
        } => {
            let customer_impact = customer_impact.trim();
            check_len("What customers see", customer_impact, 0, IMPACT_MAX_CHARS)?;
            if customer_impact == incident.impact.customer_impact
                && *affected == incident.impact.affected
            {
                return invalid("The impact is already as given: nothing to change.");
            }
            EventPayload::ImpactUpdated {
                customer_impact: customer_impact.to_owned(),
                affected: *affected,
            }
        }
        ImpactCommand::LinkService { service_id } => {
            let service = service(ctx, *service_id)?;
            if linked(incident, &service) {
                return invalid(format!(
                    "{} is already linked to this incident.",
                    service.name
                ));
            }
            EventPayload::ServiceLinked { service }
        }
        ImpactCommand::UnlinkService { service_id } => {
            let service = service(ctx, *service_id)?;
            if !linked(incident, &service) {
                return invalid(format!("{} is not linked to this incident.", service.name));
            }
            EventPayload::ServiceUnlinked { service }
        }
    };
    Ok(vec![event])
}

/// The catalog service the command names.
fn service(ctx: &Context<'_>, id: i64) -> Result<ServiceRef, DomainError> {
    match ctx.service {
        Some(s) if s.id == id => Ok(s.clone()),
        _ => Err(DomainError::NotFound(format!(
            "Service {id} is not in the catalog."
        ))),
    }
}

fn linked(incident: &Incident, service: &ServiceRef) -> bool {
    incident.services.iter().any(|s| s.id == service.id)
}
