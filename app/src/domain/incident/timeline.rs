//! The timeline as people read it: pins, edits and deletions folded into the entries they touch,
//! and the plain-text rendering the exports use.

use chrono::{DateTime, Utc};

use super::event::{Category, EventPayload, EventRecord};
use super::state::Incident;
use super::values::Milestone;
use crate::domain::vocabulary::Vocabulary;

/// How many events of a timeline the room loads at a time: a screenful and more.
pub const TIMELINE_PAGE: i64 = 50;
/// The most events one page of a timeline may hold.
pub const TIMELINE_PAGE_MAX: i64 = 200;

/// A request for a page of a timeline: the events before stream version `before` (the latest
/// ones when absent), at most `limit` of them (`TIMELINE_PAGE` when absent). Every door asks
/// this one rule.
pub fn timeline_page_request(
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<(Option<i64>, i64), String> {
    if let Some(before) = before {
        if before < 1 {
            return Err(format!(
                "before must be a timeline version of 1 or more (it was {before})."
            ));
        }
    }
    let limit = limit.unwrap_or(TIMELINE_PAGE);
    if !(1..=TIMELINE_PAGE_MAX).contains(&limit) {
        return Err(format!(
            "limit must be between 1 and {TIMELINE_PAGE_MAX} (it was {limit})."
        ));
    }
    Ok((before, limit))
}

/// The latest text of an edited note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub at: DateTime<Utc>,
    pub body: String,
    pub html: Option<String>,
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub event: EventRecord,
    pub pinned: bool,
    pub edited: Option<Edit>,
    /// Deleted by its author (its text is no longer shown).
    pub deleted: bool,
}

impl Entry {
    /// The note's text as it reads now (after edits).
    pub fn body(&self) -> Option<&str> {
        match &self.edited {
            Some(edit) => Some(&edit.body),
            None => self.event.payload.markdown(),
        }
    }
}

/// The entries of `events` (oldest first), as `incident` stands: pins and deletions are read off
/// its read model, so that any run of its events — a page, a batch — shows its entries as the
/// whole timeline would; edits are folded into the notes they touch, so a note's latest edit must
/// be among `events` (`Incident::note_edits` says where it is).
pub fn timeline_view(events: &[EventRecord], incident: &Incident) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::with_capacity(events.len());
    for event in events {
        if event.payload.category() != Category::Annotation {
            entries.push(Entry {
                event: event.clone(),
                pinned: incident.pinned.contains(&event.id),
                edited: None,
                deleted: incident.deleted_notes.contains(&event.id),
            });
            continue;
        }
        // Pins and deletions: the read model is the truth.
        let EventPayload::NoteEdited { event_id, body } = &event.payload else {
            continue;
        };
        if let Some(entry) = entries.iter_mut().rev().find(|e| e.event.id == *event_id) {
            entry.edited = Some(Edit {
                at: event.at,
                body: body.clone(),
                html: event.html.clone(),
            });
        }
    }
    entries
}

fn ts(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// One line of plain text saying what an entry records (the exports use it).
pub fn describe(entry: &Entry, vocab: &Vocabulary) -> String {
    if entry.deleted {
        return "(note deleted by its author)".to_owned();
    }
    match &entry.event.payload {
        EventPayload::NoteAdded { .. } => {
            let body = entry.body().unwrap_or_default();
            if entry.edited.is_some() {
                format!("{body} (edited)")
            } else {
                body.to_owned()
            }
        }
        payload => describe_payload(payload, vocab),
    }
}

/// One line of plain text saying what an event records (a note's text as first written).
pub fn describe_payload(payload: &EventPayload, vocab: &Vocabulary) -> String {
    use EventPayload as E;
    match payload {
        E::IncidentDeclared {
            title, severity, ..
        } => format!("Declared as {}: {title}", vocab.severity_label(*severity)),
        E::NoteAdded { body } => body.clone(),
        E::StatusChanged { from, to } => format!(
            "Status changed from {} to {}",
            vocab.status_label(*from),
            vocab.status_label(*to)
        ),
        E::Acknowledged { from, to } if from != to => {
            format!("Acknowledged; status {}", vocab.status_label(*to))
        }
        E::Acknowledged { .. } => "Acknowledged".to_owned(),
        E::SeverityChanged { from, to, reason } => format!(
            "Severity changed from {} to {}: {reason}",
            vocab.severity_label(*from),
            vocab.severity_label(*to)
        ),
        E::ImpactUpdated {
            customer_impact,
            affected,
        } => format!("Impact updated: {} — {customer_impact}", affected.label()),
        E::ServiceLinked { service } => format!("Service linked: {}", service.name),
        E::ServiceUnlinked { service } => format!("Service unlinked: {}", service.name),
        E::TimestampChanged {
            milestone,
            from,
            to,
            reason,
        } => format!(
            "{} changed from {} to {}: {reason}",
            milestone.label(),
            ts(*from),
            ts(Some(*to))
        ),
        E::StatusUpdatePublished {
            visibility, body, ..
        } => format!("{} status update: {body}", visibility.label()),
        E::EntryPinned { event_id } => format!("Pinned entry {event_id}"),
        E::EntryUnpinned { event_id } => format!("Unpinned entry {event_id}"),
        E::NoteEdited { event_id, .. } => format!("Edited note {event_id}"),
        E::NoteDeleted { event_id } => format!("Deleted note {event_id}"),
        E::MergedInto {
            target_id,
            target_title,
        } => format!("Merged into INC-{target_id} ({target_title}) as a duplicate"),
        E::DuplicateMerged {
            duplicate_id,
            duplicate_title,
        } => format!("INC-{duplicate_id} ({duplicate_title}) merged into this incident"),
        E::RoleAssigned { role, person } => {
            format!("{} is now {}", person.name, vocab.role_label(role))
        }
        E::RoleRelieved { role, person } => {
            format!("{} was relieved as {}", person.name, vocab.role_label(role))
        }
        E::RoleMoved { person, from, to } => format!(
            "{} moved from {} to {}",
            person.name,
            vocab.role_label(from),
            vocab.role_label(to)
        ),
        E::RoleHandedOver { role, from, to } => format!(
            "{} took over {} from {}",
            to.name,
            vocab.role_label(role),
            from.name
        ),
        E::RolesSwapped {
            first_role,
            first,
            second_role,
            second,
        } => format!(
            "Swapped: {} is now {}, {} is now {}",
            second.name,
            vocab.role_label(first_role),
            first.name,
            vocab.role_label(second_role)
        ),
        E::SlaBreached {
            clock, deadline, ..
        } => format!(
            "SLA breached: {} was due {}",
            clock.label(),
            ts(Some(*deadline))
        ),
        E::SlaPolicyChanged { changes, .. } => {
            let moved: Vec<String> = changes
                .iter()
                .map(|c| c.describe(|t| ts(Some(t))))
                .collect();
            format!("SLA policy changed: {}", moved.join("; "))
        }
        E::ChecklistTicked { role, item, done } => format!(
            "{} checklist: {} \"{item}\"",
            vocab.role_label(role),
            if *done { "ticked" } else { "unticked" }
        ),
    }
}

/// The incident and its timeline as a Markdown document (oldest first, pinned entries marked).
pub fn to_markdown(incident: &Incident, entries: &[Entry], vocab: &Vocabulary) -> String {
    let mut out = markdown_head(incident, vocab);
    let mut lines = MarkdownLines::default();
    for entry in entries {
        out.push_str(&lines.line(entry, vocab));
    }
    out
}

/// The Markdown export's head: the incident's facts, up to the timeline's heading.
pub fn markdown_head(incident: &Incident, vocab: &Vocabulary) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# {} {}\n\n",
        incident.reference(),
        incident.title
    ));
    out.push_str(&format!(
        "- Severity: {}\n- Status: {}\n- Affected: {}\n",
        vocab.severity_label(incident.severity),
        vocab.status_label(incident.status),
        incident.impact.affected.label()
    ));
    if !incident.impact.customer_impact.is_empty() {
        out.push_str(&format!(
            "- What customers see: {}\n",
            incident.impact.customer_impact
        ));
    }
    if !incident.services.is_empty() {
        let names: Vec<&str> = incident.services.iter().map(|s| s.name.as_str()).collect();
        out.push_str(&format!("- Services: {}\n", names.join(", ")));
    }
    for m in Milestone::ALL {
        out.push_str(&format!("- {}: {}\n", m.label(), ts(incident.milestone(m))));
    }
    out.push_str("\n## Timeline\n\n");
    out
}

/// The Markdown export's timeline, an entry at a time (oldest first): it remembers the day of
/// the last entry, to head each new day, so a long timeline can be written in batches.
#[derive(Debug, Default)]
pub struct MarkdownLines {
    day: Option<chrono::NaiveDate>,
}

impl MarkdownLines {
    /// The entry's line, after its day's heading if it opens a day.
    pub fn line(&mut self, entry: &Entry, vocab: &Vocabulary) -> String {
        let mut out = String::new();
        let date = entry.event.at.date_naive();
        if self.day != Some(date) {
            out.push_str(&format!("### {}\n\n", date.format("%A %-d %B %Y")));
            self.day = Some(date);
        }
        let pin = if entry.pinned { " 📌" } else { "" };
        let text = describe(entry, vocab).replace('\n', "\n  ");
        out.push_str(&format!(
            "- **{}** {}{pin}: {text}\n",
            entry.event.at.format("%H:%M:%S"),
            entry.event.actor.name,
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{apply, Actor, Severity};
    use chrono::TimeZone;

    fn event(id: i64, day: u32, payload: EventPayload) -> EventRecord {
        EventRecord {
            id,
            incident_id: 1,
            incident_version: id,
            at: Utc.with_ymd_and_hms(2026, 3, day, 23, 50, 0).unwrap(),
            actor: Actor {
                id: 1,
                name: "Iris".into(),
            },
            payload,
            html: None,
        }
    }

    #[test]
    fn edits_and_deletions_fold_into_their_note_and_days_are_headed() {
        let events = vec![
            event(
                1,
                27,
                EventPayload::IncidentDeclared {
                    title: "Down".into(),
                    severity: Severity::Sev2,
                    summary: String::new(),
                },
            ),
            event(
                2,
                27,
                EventPayload::NoteAdded {
                    body: "first".into(),
                },
            ),
            event(
                3,
                28,
                EventPayload::NoteAdded {
                    body: "second".into(),
                },
            ),
            event(
                4,
                28,
                EventPayload::NoteEdited {
                    event_id: 2,
                    body: "first, fixed".into(),
                },
            ),
            event(5, 28, EventPayload::NoteDeleted { event_id: 3 }),
            event(6, 28, EventPayload::EntryPinned { event_id: 2 }),
        ];
        let mut state = None;
        for e in &events {
            apply(&mut state, e);
        }
        let incident = state.unwrap();
        let entries = timeline_view(&events, &incident);
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].body(), Some("first, fixed"));
        assert!(entries[1].pinned);
        assert!(entries[2].deleted);
        let md = to_markdown(&incident, &entries, &Vocabulary::default());
        assert!(md.contains("# INC-1 Down"), "{md}");
        assert!(md.contains("### Friday 27 March 2026"), "{md}");
        assert!(md.contains("### Saturday 28 March 2026"), "{md}");
        assert!(md.contains("first, fixed (edited)"), "{md}");
        assert!(md.contains("📌"), "{md}");
        assert!(
            !md.contains("second"),
            "a deleted note's text is not exported: {md}"
        );
    }

    #[test]
    fn a_page_and_its_key_moments_read_as_the_whole_timeline_does() {
        let note = |id, body: &str| {
            event(
                id,
                28,
                EventPayload::NoteAdded {
                    body: body.to_owned(),
                },
            )
        };
        let mut events = vec![event(
            1,
            27,
            EventPayload::IncidentDeclared {
                title: "Down".into(),
                severity: Severity::Sev2,
                summary: String::new(),
            },
        )];
        events.push(note(2, "key"));
        events.push(event(3, 28, EventPayload::EntryPinned { event_id: 2 }));
        events.push(note(4, "doomed"));
        events.push(note(5, "middle"));
        events.push(event(
            6,
            28,
            EventPayload::NoteEdited {
                event_id: 2,
                body: "key, first edit".into(),
            },
        ));
        events.push(event(
            7,
            28,
            EventPayload::NoteEdited {
                event_id: 2,
                body: "key, as it reads now".into(),
            },
        ));
        events.push(event(8, 28, EventPayload::NoteDeleted { event_id: 4 }));
        events.push(note(9, "late"));
        events.push(event(
            10,
            28,
            EventPayload::NoteEdited {
                event_id: 9,
                body: "late, fixed".into(),
            },
        ));
        let mut state = None;
        for e in &events {
            apply(&mut state, e);
        }
        let incident = state.unwrap();
        let whole = timeline_view(&events, &incident);

        // The latest page (versions 8..=10), and the pinned note with its latest edit, where
        // the read model says it is.
        let latest = incident
            .note_edits
            .iter()
            .find(|e| e.note == 2)
            .map(|e| e.version);
        assert_eq!(latest, Some(7));
        let mut held: Vec<EventRecord> = events[7..].to_vec();
        held.push(events[1].clone());
        held.push(events[6].clone());
        held.sort_by_key(|e| e.incident_version);
        let paged = timeline_view(&held, &incident);
        for entry in &paged {
            let same = whole.iter().find(|w| w.event.id == entry.event.id);
            assert_eq!(Some(entry), same, "entry {}", entry.event.id);
        }
        assert_eq!(paged.len(), 2, "the key moment and the latest note");
        assert_eq!(paged[0].body(), Some("key, as it reads now"));
        assert!(paged[0].pinned);

        // A batch whose notes are deleted or edited by later events reads the same too.
        let batch = timeline_view(&events[..5], &incident);
        let doomed = batch.iter().find(|e| e.event.id == 4).unwrap();
        assert!(doomed.deleted, "deleted by an event after the batch");
        assert_eq!(
            describe(doomed, &Vocabulary::default()),
            "(note deleted by its author)"
        );
    }
}
