//! What is written on the timeline: notes (by their authors alone changed or deleted), pins of
//! key moments, and status updates.

use super::command::TimelineCommand;
use super::context::Context;
use super::event::{Category, EventPayload, EventRecord};
use super::state::Incident;
use super::updates;
use crate::domain::error::{invalid, DomainError};
use crate::domain::text::check_len;

/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 20_000;

pub fn decide(
    incident: &Incident,
    command: &TimelineCommand,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    let event = match command {
        TimelineCommand::PostNote { body } => {
            check_len("Note", body.trim(), 1, NOTE_MAX_CHARS)?;
            EventPayload::NoteAdded {
                body: body.trim().to_owned(),
            }
        }
        TimelineCommand::EditNote { event_id, body } => {
            own_note(incident, ctx, *event_id, "edited")?;
            check_len("Note", body.trim(), 1, NOTE_MAX_CHARS)?;
            EventPayload::NoteEdited {
                event_id: *event_id,
                body: body.trim().to_owned(),
            }
        }
        TimelineCommand::DeleteNote { event_id } => {
            own_note(incident, ctx, *event_id, "deleted")?;
            EventPayload::NoteDeleted {
                event_id: *event_id,
            }
        }
        TimelineCommand::Pin { event_id } => {
            pinnable(incident, ctx, *event_id)?;
            if incident.pinned.contains(event_id) {
                return invalid("This entry is already pinned.");
            }
            if incident.deleted_notes.contains(event_id) {
                return invalid("A deleted note cannot be pinned.");
            }
            EventPayload::EntryPinned {
                event_id: *event_id,
            }
        }
        TimelineCommand::Unpin { event_id } => {
            pinnable(incident, ctx, *event_id)?;
            if !incident.pinned.contains(event_id) {
                return invalid("This entry is not pinned.");
            }
            EventPayload::EntryUnpinned {
                event_id: *event_id,
            }
        }
        TimelineCommand::PublishUpdate { visibility, body } => {
            updates::publish(incident, *visibility, body)?
        }
    };
    Ok(vec![event])
}

/// The timeline entry a command refers to, checked to belong to this incident.
fn entry_of<'a>(
    incident: &Incident,
    ctx: &Context<'a>,
    id: i64,
) -> Result<&'a EventRecord, DomainError> {
    match ctx.entry {
        Some(e) if e.id == id && e.incident_id == incident.id => Ok(e),
        _ => Err(DomainError::NotFound(format!(
            "There is no timeline entry {id} in {}.",
            incident.reference()
        ))),
    }
}

/// An entry that can be pinned or unpinned: one of this incident's, and no annotation.
fn pinnable(incident: &Incident, ctx: &Context<'_>, id: i64) -> Result<(), DomainError> {
    let entry = entry_of(incident, ctx, id)?;
    if entry.payload.category() == Category::Annotation {
        return invalid("Pins, edits and deletions cannot themselves be pinned.");
    }
    Ok(())
}

/// A note the actor may change: theirs, and not deleted.
fn own_note<'a>(
    incident: &Incident,
    ctx: &Context<'a>,
    id: i64,
    verb: &str,
) -> Result<&'a EventRecord, DomainError> {
    let entry = entry_of(incident, ctx, id)?;
    if !entry.payload.is_note() {
        return invalid(format!(
            "Only notes can be {verb}; entry {id} is not a note."
        ));
    }
    if entry.actor.id != ctx.actor_id {
        return Err(DomainError::Forbidden(format!(
            "Only its author can change a note: this one is {}'s.",
            entry.actor.name
        )));
    }
    if incident.deleted_notes.contains(&id) {
        return invalid("This note has been deleted.");
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn only_authors_edit_or_delete_their_notes() {
        let mut state = declared();
        let mine = note(&mut state, 1);
        let theirs = note(&mut state, 2);
        let c = Context {
            entry: Some(&theirs),
            ..ctx(2)
        };
        let err = decide(
            state.as_ref(),
            &Command::Timeline(TimelineCommand::EditNote {
                event_id: theirs.id,
                body: "x".into(),
            }),
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
        let c = Context {
            entry: Some(&mine),
            ..ctx(2)
        };
        run(
            &mut state,
            &Command::Timeline(TimelineCommand::Pin { event_id: mine.id }),
            &c,
        )
        .unwrap();
        assert_eq!(state.as_ref().unwrap().pinned, vec![mine.id]);
        run(
            &mut state,
            &Command::Timeline(TimelineCommand::DeleteNote { event_id: mine.id }),
            &c,
        )
        .unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.pinned.is_empty(), "a deleted note is unpinned");
        let err = run(
            &mut state,
            &Command::Timeline(TimelineCommand::EditNote {
                event_id: mine.id,
                body: "again".into(),
            }),
            &c,
        )
        .unwrap_err();
        assert!(err.to_string().contains("deleted"), "{err}");
        // An entry of another incident is not found.
        let mut foreign = mine.clone();
        foreign.incident_id = 99;
        let c = Context {
            entry: Some(&foreign),
            ..ctx(2)
        };
        let err = run(
            &mut state,
            &Command::Timeline(TimelineCommand::Pin { event_id: mine.id }),
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::NotFound(_)), "{err}");
    }
}
