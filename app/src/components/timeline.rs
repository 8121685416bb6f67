use leptos::prelude::*;

use super::format_datetime;
use crate::domain::{EventPayload, EventRecord};

/// The incident's timeline, newest first: every change and note, with author, date and time.
#[component]
pub fn Timeline(#[prop(into)] entries: Signal<Vec<EventRecord>>) -> impl IntoView {
    view! {
        <ol class="timeline" aria-label="Timeline">
            <For
                each=move || entries.get().into_iter().rev()
                key=|e| e.id
                children=move |e| view! { <TimelineEntry entry=e/> }
            />
        </ol>
    }
}

#[component]
fn TimelineEntry(entry: EventRecord) -> impl IntoView {
    let kind = entry.payload.kind();
    let class = if entry.payload.is_note() {
        "entry note"
    } else {
        "entry change"
    };
    let what = match &entry.payload {
        EventPayload::IncidentDeclared {
            title, severity, ..
        } => view! {
            <p class="what">
                "declared the incident as " <strong>{severity.label()}</strong> ": " {title.clone()}
            </p>
        }
        .into_any(),
        EventPayload::StatusChanged { from, to } => view! {
            <p class="what">
                "changed the status from " <strong>{from.label()}</strong> " to "
                <strong>{to.label()}</strong>
            </p>
        }
        .into_any(),
        EventPayload::NoteAdded { body } => {
            let html = entry.html.clone().unwrap_or_else(|| escape(body));
            view! { <div class="note-body" inner_html=html></div> }.into_any()
        }
    };
    view! {
        <li class=class data-kind=kind data-event-id=entry.id>
            <div class="meta">
                <span class="author">{entry.actor.name.clone()}</span>
                <time datetime=entry.at.to_rfc3339()>{format_datetime(entry.at)}</time>
            </div>
            {what}
        </li>
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
