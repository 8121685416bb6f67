//! Status updates: what responders tell stakeholders (internal) or customers (public).

use super::event::EventPayload;
use super::state::Incident;
use super::values::Visibility;
use crate::domain::error::DomainError;
use crate::domain::text::check_len;

/// Longest status update, in characters.
pub const UPDATE_MAX_CHARS: usize = 5_000;

/// An update for `visibility`, stamped with the incident's status when it went out.
pub fn publish(
    incident: &Incident,
    visibility: Visibility,
    body: &str,
) -> Result<EventPayload, DomainError> {
    check_len("Status update", body.trim(), 1, UPDATE_MAX_CHARS)?;
    Ok(EventPayload::StatusUpdatePublished {
        visibility,
        status: incident.status,
        body: body.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn public_updates_restart_the_update_clock() {
        // SEV1: a public update is due every 30 minutes (product.md), counted from detection.
        let next_update = |state: &Option<Incident>| {
            let clocks = crate::domain::clocks(
                state.as_ref().unwrap(),
                &crate::domain::SlaPolicy::default(),
                at(13),
            );
            clocks
                .iter()
                .find(|c| c.kind == ClockKind::NextUpdate)
                .and_then(|c| c.deadline)
        };
        let mut state = declared();
        assert_eq!(next_update(&state), Some(at(30)));
        let cmd = Command::Timeline(TimelineCommand::PublishUpdate {
            visibility: Visibility::Internal,
            body: "internal".into(),
        });
        run(&mut state, &cmd, &ctx(10)).unwrap();
        assert_eq!(
            next_update(&state),
            Some(at(30)),
            "internal updates do not count"
        );
        let cmd = Command::Timeline(TimelineCommand::PublishUpdate {
            visibility: Visibility::Public,
            body: "public".into(),
        });
        run(&mut state, &cmd, &ctx(12)).unwrap();
        assert_eq!(next_update(&state), Some(at(42)));
    }
}
