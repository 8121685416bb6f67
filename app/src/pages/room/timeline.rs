//! The timeline, newest first: every change, note and status update, with author and time,
//! grouped by day; filters, key moments (pins), editing one's own notes, exports.

use leptos::prelude::*;

use super::{action_error, Room};
use crate::components::{format_day, format_time, use_vocabulary, ErrorNotice, RoleName};
use crate::domain::{
    timeline_view, Category, Command, Entry, EventPayload, TimelineCommand, Visibility,
    NOTE_MAX_CHARS,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Notes,
    Changes,
    Updates,
    Pinned,
}

impl Filter {
    const ALL: [Filter; 5] = [
        Filter::All,
        Filter::Notes,
        Filter::Changes,
        Filter::Updates,
        Filter::Pinned,
    ];

    fn label(self) -> &'static str {
        match self {
            Filter::All => "All",
            Filter::Notes => "Notes",
            Filter::Changes => "Changes",
            Filter::Updates => "Status updates",
            Filter::Pinned => "Key moments",
        }
    }

    fn keeps(self, entry: &Entry) -> bool {
        match self {
            Filter::All => true,
            Filter::Notes => entry.event.payload.category() == Category::Note,
            Filter::Changes => entry.event.payload.category() == Category::Change,
            Filter::Updates => entry.event.payload.category() == Category::StatusUpdate,
            Filter::Pinned => entry.pinned,
        }
    }
}

/// A row of the list: a day heading or an entry.
#[derive(Clone)]
enum Row {
    Day(chrono::NaiveDate),
    Entry(Box<Entry>),
}

impl Row {
    fn key(&self) -> String {
        match self {
            Row::Day(d) => format!("day-{d}"),
            Row::Entry(e) => format!(
                "{}-{}-{:?}-{}",
                e.event.id,
                e.pinned,
                e.edited.as_ref().map(|x| x.at),
                e.deleted
            ),
        }
    }
}

#[component]
pub fn Timeline(room: Room) -> impl IntoView {
    let filter = RwSignal::new(Filter::All);
    let entries = Memo::new(move |_| {
        room.incident
            .with(|incident| room.timeline.with(|events| timeline_view(events, incident)))
    });
    // The run of events held goes down to this version; below it are the key moments only.
    let floor = move || room.older.get().unwrap_or(1);
    let rows = move || {
        let f = filter.get();
        let floor = floor();
        let mut rows = Vec::new();
        let mut day = None;
        entries.with(|all| {
            for e in all
                .iter()
                .rev()
                .filter(|e| e.event.incident_version >= floor && f.keeps(e))
            {
                let d = e.event.at.date_naive();
                if day != Some(d) {
                    rows.push(Row::Day(d));
                    day = Some(d);
                }
                rows.push(Row::Entry(Box::new(e.clone())));
            }
        });
        rows
    };
    let export =
        move |format: &str| format!("/api/v1/incidents/{}/export?format={format}", room.id);
    view! {
        <div class="timeline-head">
            <h2 id="timeline-heading" tabindex="-1">"Timeline"</h2>
            <div class="filters" role="group" aria-label="Show">
                {Filter::ALL
                    .into_iter()
                    .map(|f| {
                        view! {
                            <button
                                type="button"
                                class="chip"
                                aria-pressed=move || (filter.get() == f).to_string()
                                on:click=move |_| filter.set(f)
                            >
                                {f.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="exports">
                "Export: " <a href=export("md") download="">"Markdown"</a> " · "
                <a href=export("csv") download="">"CSV"</a>
            </div>
        </div>
        <EarlierKeyMoments room=room entries=entries floor=Signal::derive(floor)/>
        <ol class="timeline" aria-label="Timeline">
            <For
                each=rows
                key=|row| row.key()
                children=move |row| match row {
                    Row::Day(d) => {
                        view! {
                            <li class="day">
                                <h3>{format_day(d)}</h3>
                            </li>
                        }
                            .into_any()
                    }
                    Row::Entry(e) => view! { <TimelineEntry room=room entry=*e/> }.into_any(),
                }
            />
        </ol>
        <ShowOlder room=room/>
    }
}

/// The pinned entries older than the run loaded: key moments are at hand whatever their age.
#[component]
fn EarlierKeyMoments(room: Room, entries: Memo<Vec<Entry>>, floor: Signal<i64>) -> impl IntoView {
    let earlier = move || {
        let floor = floor.get();
        entries.with(|all| {
            all.iter()
                .rev()
                .filter(|e| e.pinned && e.event.incident_version < floor)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !earlier().is_empty()>
            <section class="earlier-key-moments" aria-labelledby="earlier-key-moments">
                <h3 id="earlier-key-moments">"Earlier key moments"</h3>
                <ol class="timeline">
                    <For
                        each=earlier
                        key=|e| Row::Entry(Box::new(e.clone())).key()
                        children=move |e| view! { <TimelineEntry room=room entry=e/> }
                    />
                </ol>
            </section>
        </Show>
    }
}

/// Loads the page before the oldest entry shown: on a click, or as soon as the button scrolls
/// into view (and again after each page, while it stays in view).
#[component]
fn ShowOlder(room: Room) -> impl IntoView {
    let button = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |previous: Option<Option<in_view::Watch>>| {
        if let Some(Some(watch)) = previous {
            watch.stop();
        }
        // Tracked: a new page (a new cursor) watches again, which reports at once.
        room.older.track();
        room.loading_older.track();
        let el = button.get()?;
        in_view::Watch::start(&el, move || room.load_older())
    });
    view! {
        <Show when=move || room.older.get().is_some()>
            <button
                type="button"
                class="show-older"
                node_ref=button
                disabled=move || room.loading_older.get()
                on:click=move |_| room.load_older()
            >
                {move || if room.loading_older.get() { "Loading older entries…" } else { "Show older entries" }}
            </button>
        </Show>
    }
}

/// An `IntersectionObserver` calling back when an element is in the viewport.
#[cfg(feature = "hydrate")]
mod in_view {
    use wasm_bindgen::{closure::Closure, JsCast};

    pub struct Watch {
        observer: web_sys::IntersectionObserver,
        // Kept alive as long as the observer may call it.
        _callback: Closure<dyn FnMut(js_sys::Array)>,
    }

    impl Watch {
        pub fn start(el: &web_sys::Element, mut on_view: impl FnMut() + 'static) -> Option<Watch> {
            let callback =
                Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let seen = entries.iter().any(|entry| {
                        entry
                            .dyn_into::<web_sys::IntersectionObserverEntry>()
                            .is_ok_and(|entry| entry.is_intersecting())
                    });
                    if seen {
                        on_view();
                    }
                });
            let observer =
                web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
            observer.observe(el);
            Some(Watch {
                observer,
                _callback: callback,
            })
        }

        pub fn stop(self) {
            self.observer.disconnect();
        }
    }
}

#[component]
fn TimelineEntry(room: Room, entry: Entry) -> impl IntoView {
    let vocab = use_vocabulary();
    let event = entry.event.clone();
    let id = event.id;
    let kind = event.payload.kind();
    let mut class = match event.payload.category() {
        Category::Note => "entry note".to_owned(),
        Category::StatusUpdate => "entry update".to_owned(),
        _ => "entry change".to_owned(),
    };
    if entry.pinned {
        class.push_str(" pinned");
    }
    let deleted = entry.deleted;
    let own_note = event.payload.is_note() && event.actor.id == room.viewer_id && !deleted;
    let editing = RwSignal::new(false);
    use EventPayload as E;
    let what = match &event.payload {
        _ if deleted => view! { <p class="what deleted">"Note deleted by its author."</p> }.into_any(),
        E::IncidentDeclared {
            title, severity, ..
        } => view! {
            <p class="what">
                "declared the incident as " <strong>{vocab.severity_label(*severity)}</strong> ": "
                {title.clone()}
            </p>
        }
        .into_any(),
        E::StatusChanged { from, to } => view! {
            <p class="what">
                "changed the status from " <strong>{vocab.status_label(*from)}</strong> " to "
                <strong>{vocab.status_label(*to)}</strong>
            </p>
        }
        .into_any(),
        E::Acknowledged { from, to } => {
            let moved = (from != to).then(|| {
                view! { " — status " <strong>{vocab.status_label(*to)}</strong> }
            });
            view! { <p class="what">"acknowledged the incident" {moved}</p> }.into_any()
        }
        E::SeverityChanged { from, to, reason } => view! {
            <p class="what">
                "changed the severity from " <strong>{vocab.severity_label(*from)}</strong> " to "
                <strong>{vocab.severity_label(*to)}</strong>
            </p>
            <p class="reason">"Reason: " {reason.clone()}</p>
        }
        .into_any(),
        E::ImpactUpdated {
            customer_impact,
            affected,
        } => view! {
            <p class="what">"updated the impact: " <strong>{affected.label()}</strong></p>
            {(!customer_impact.is_empty()).then(|| view! { <p class="reason">{customer_impact.clone()}</p> })}
        }
        .into_any(),
        E::ServiceLinked { service } => {
            view! { <p class="what">"linked the service " <strong>{service.name.clone()}</strong></p> }
                .into_any()
        }
        E::ServiceUnlinked { service } => {
            view! { <p class="what">"unlinked the service " <strong>{service.name.clone()}</strong></p> }
                .into_any()
        }
        E::TimestampChanged {
            milestone,
            from,
            to,
            reason,
        } => {
            let from = from.map_or_else(|| "—".to_owned(), crate::components::format_datetime);
            view! {
                <p class="what">
                    "changed " <strong>{milestone.label().to_lowercase()}</strong> " from " {from}
                    " to " {crate::components::format_datetime(*to)}
                </p>
                <p class="reason">"Reason: " {reason.clone()}</p>
            }
            .into_any()
        }
        E::StatusUpdatePublished {
            visibility,
            status,
            body,
        } => {
            let html = event.html.clone().unwrap_or_else(|| escape(body));
            let label = match visibility {
                Visibility::Public => "Public update",
                Visibility::Internal => "Internal update",
            };
            view! {
                <p class="what">
                    <span class=format!("badge visibility {}", visibility.key())>{label}</span>
                    " while " {vocab.status_label(*status)}
                </p>
                <div class="note-body" inner_html=html></div>
            }
            .into_any()
        }
        E::NoteAdded { body } => {
            let html = match &entry.edited {
                Some(edit) => edit.html.clone().unwrap_or_else(|| escape(&edit.body)),
                None => event.html.clone().unwrap_or_else(|| escape(body)),
            };
            let edited = entry
                .edited
                .as_ref()
                .map(|e| view! { <span class="edited" title=crate::components::format_datetime(e.at)>"(edited)"</span> });
            view! {
                <Show when=move || !editing.get()>
                    <div class="note-body" inner_html=html.clone()></div>
                </Show>
                {edited}
            }
            .into_any()
        }
        E::MergedInto {
            target_id,
            target_title,
        } => view! {
            <p class="what">
                "merged this incident as a duplicate into "
                <a href=format!("/incidents/{target_id}")>{format!("INC-{target_id}")}</a> " "
                {target_title.clone()}
            </p>
        }
        .into_any(),
        E::DuplicateMerged {
            duplicate_id,
            duplicate_title,
        } => view! {
            <p class="what">
                "merged the duplicate "
                <a href=format!("/incidents/{duplicate_id}")>{format!("INC-{duplicate_id}")}</a> " "
                {duplicate_title.clone()} " into this incident"
            </p>
        }
        .into_any(),
        E::RoleAssigned { role, person } => view! {
            <p class="what">
                "assigned " <strong>{person.name.clone()}</strong> " as "
                <strong><RoleName role=role.clone()/></strong>
            </p>
        }
        .into_any(),
        E::RoleRelieved { role, person } => view! {
            <p class="what">
                "relieved " <strong>{person.name.clone()}</strong> " as "
                <strong><RoleName role=role.clone()/></strong>
            </p>
        }
        .into_any(),
        E::RoleMoved { person, from, to } => view! {
            <p class="what">
                "moved " <strong>{person.name.clone()}</strong> " from "
                <strong><RoleName role=from.clone()/></strong> " to "
                <strong><RoleName role=to.clone()/></strong>
            </p>
        }
        .into_any(),
        E::RoleHandedOver { role, from, to } => view! {
            <p class="what">
                "handed " <strong><RoleName role=role.clone()/></strong> " over from "
                <strong>{from.name.clone()}</strong> " to " <strong>{to.name.clone()}</strong>
            </p>
        }
        .into_any(),
        E::RolesSwapped {
            first_role,
            first,
            second_role,
            second,
        } => view! {
            <p class="what">
                "swapped roles: " <strong>{second.name.clone()}</strong> " is now "
                <strong><RoleName role=first_role.clone()/></strong> ", "
                <strong>{first.name.clone()}</strong> " is now "
                <strong><RoleName role=second_role.clone()/></strong>
            </p>
        }
        .into_any(),
        E::SlaBreached {
            clock, deadline, ..
        } => view! {
            <p class="what breach">
                "recorded an SLA breach: " <strong>{clock.label()}</strong> " was due "
                {crate::components::format_datetime(*deadline)}
            </p>
        }
        .into_any(),
        E::SlaPolicyChanged { changes, .. } => {
            let lines = changes
                .iter()
                .map(|c| view! { <li>{c.describe(crate::components::format_datetime)}</li> })
                .collect_view();
            view! {
                <p class="what">"changed the SLA policy, which moved this incident's clocks:"</p>
                <ul class="clock-changes">{lines}</ul>
            }
            .into_any()
        }
        E::ChecklistTicked { role, item, done } => view! {
            <p class="what">
                {if *done { "ticked " } else { "unticked " }} "“" {item.clone()} "” on the "
                <strong><RoleName role=role.clone()/></strong> " checklist"
            </p>
        }
        .into_any(),
        // Annotations are folded into the entries they touch.
        E::EntryPinned { .. } | E::EntryUnpinned { .. } | E::NoteEdited { .. } | E::NoteDeleted { .. } => {
            ().into_any()
        }
    };
    let body_now = entry.body().unwrap_or_default().to_owned();
    let pinned = entry.pinned;
    view! {
        <li class=class data-kind=kind data-event-id=id>
            <div class="meta">
                <span class="author">{event.actor.name.clone()}</span>
                <time datetime=event.at.to_rfc3339() title=crate::components::format_datetime(event.at)>
                    {format_time(event.at)}
                </time>
                {pinned.then(|| view! { <span class="badge key-moment">"Key moment"</span> })}
                <Show when=move || room.takes(TimelineCommand::Pin { event_id: id }) && !deleted>
                    <EntryActions room=room id=id pinned=pinned own_note=own_note editing=editing/>
                </Show>
            </div>
            {what}
            <Show when=move || editing.get()>
                <EditNote room=room id=id body=body_now.clone() editing=editing/>
            </Show>
        </li>
    }
}

#[component]
fn EntryActions(
    room: Room,
    id: i64,
    pinned: bool,
    own_note: bool,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let action = room.action();
    let confirming = RwSignal::new(false);
    // Focus follows what is asked: onto "Confirm delete", back to "Delete" on "Keep"; into the
    // note's text when editing, back to "Edit" on "Cancel".
    let delete_button = NodeRef::<leptos::html::Button>::new();
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    let edit_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |was: Option<bool>| {
        let now = confirming.get();
        if was.is_some_and(|was| was != now) {
            request_animation_frame(move || {
                let next = if now { confirm_button } else { delete_button };
                if let Some(button) = next.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
        now
    });
    Effect::new(move |was: Option<bool>| {
        let now = editing.get();
        if was.is_some_and(|was| was != now) {
            request_animation_frame(move || {
                if now {
                    use leptos::wasm_bindgen::JsCast;
                    if let Some(field) = document().get_element_by_id(&format!("edit-note-{id}")) {
                        if let Ok(field) = field.dyn_into::<leptos::web_sys::HtmlElement>() {
                            let _ = field.focus();
                        }
                    }
                } else if let Some(button) = edit_button.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
        now
    });
    view! {
        <span class="entry-actions">
            <button
                type="button"
                class="link"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    action.dispatch(if pinned {
                        Command::Timeline(TimelineCommand::Unpin { event_id: id })
                    } else {
                        Command::Timeline(TimelineCommand::Pin { event_id: id })
                    });
                }
            >
                {if pinned { "Unpin" } else { "Pin" }}
            </button>
            {own_note.then(|| view! {
                <button type="button" class="link" node_ref=edit_button on:click=move |_| editing.set(true)>"Edit"</button>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="link" node_ref=delete_button on:click=move |_| confirming.set(true)>"Delete"</button>
                    }
                >
                    <button
                        type="button"
                        node_ref=confirm_button
                        class="link danger"
                        on:click=move |_| {
                            action.dispatch(Command::Timeline(TimelineCommand::DeleteNote { event_id: id }));
                        }
                    >
                        "Confirm delete"
                    </button>
                    <button type="button" class="link" on:click=move |_| confirming.set(false)>"Keep"</button>
                </Show>
            })}
            <ErrorNotice error=action_error(action)/>
        </span>
    }
}

#[component]
fn EditNote(room: Room, id: i64, body: String, editing: RwSignal<bool>) -> impl IntoView {
    let action = room.action();
    let text = RwSignal::new(body);
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            editing.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(Command::Timeline(TimelineCommand::EditNote {
            event_id: id,
            body: text.get_untracked(),
        }));
    };
    let field = format!("edit-note-{id}");
    view! {
        <form class="stack" aria-label="Edit note" on:submit=submit>
            <label for=field.clone() class="visually-hidden">"Note text"</label>
            <textarea
                id=field
                rows="3"
                maxlength=NOTE_MAX_CHARS
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <ErrorNotice error=action_error(action)/>
            <div class="buttons">
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Save note"</button>
                <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
