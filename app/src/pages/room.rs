use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{get_room, ChangeStatus, PostNote, RoomSnapshot};
use crate::clock::use_clock;
use crate::components::{AppHeader, ErrorNotice, LoadError, SeverityBadge, StatusBadge, Timeline};
use crate::domain::{
    apply, human_duration, thousands, AppError, EventRecord, Incident, Status, NOTE_MAX_CHARS,
};
use crate::live::{use_live, LiveMessage};

#[component]
pub fn IncidentRoomPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let snapshot = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_room(id).await,
            None => Err(AppError::not_found("There is no such incident.")),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the incident room…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <RoomView snapshot=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The live state of one room, shared by its parts.
#[derive(Clone, Copy)]
struct Room {
    id: i64,
    incident: RwSignal<Incident>,
    timeline: RwSignal<Vec<EventRecord>>,
    /// Set when our view was stale; cleared by the next successful change.
    notice: RwSignal<Option<AppError>>,
}

impl Room {
    fn receive(&self, event: &EventRecord) {
        if event.incident_id != self.id {
            return;
        }
        self.incident.update(|current| {
            let mut state = Some(current.clone());
            apply(&mut state, event);
            if let Some(next) = state {
                *current = next;
            }
        });
        self.timeline.update(|entries| {
            if !entries.iter().any(|e| e.id == event.id) {
                entries.push(event.clone());
                entries.sort_by_key(|e| e.id);
            }
        });
    }

    /// Refetch the whole room (after a conflict or a `resync`), keeping the page as it is.
    fn reload(&self) {
        let room = *self;
        leptos::task::spawn_local(async move {
            match get_room(room.id).await {
                // Merge, never replace: live events that arrived while this was in flight are
                // newer than the snapshot and must not be lost.
                Ok(s) => {
                    room.incident.update(|current| {
                        if s.incident.version >= current.version {
                            *current = s.incident;
                        }
                    });
                    room.timeline.update(|entries| {
                        for e in s.timeline {
                            if !entries.iter().any(|x| x.id == e.id) {
                                entries.push(e);
                            }
                        }
                        entries.sort_by_key(|e| e.id);
                    });
                }
                Err(e) => room.notice.set(Some(e)),
            }
        });
    }
}

#[component]
fn RoomView(snapshot: RoomSnapshot) -> impl IntoView {
    let RoomSnapshot {
        incident: initial,
        timeline: entries,
        viewer,
        server_time,
        last_event_id,
    } = snapshot;
    let room = Room {
        id: initial.id,
        incident: RwSignal::new(initial),
        timeline: RwSignal::new(entries),
        notice: RwSignal::new(None),
    };
    let clock = use_clock();
    let live = use_live();
    Effect::new(move |_| {
        clock.sync(server_time);
        live.follow(
            vec!["incidents".into(), format!("incident:{}", room.id)],
            last_event_id,
        );
    });
    live.subscribe(move |msg| match msg {
        LiveMessage::Event(ev) => room.receive(&ev.event),
        LiveMessage::Resync => room.reload(),
    });

    let incident = room.incident;
    let title = move || incident.with(|i| format!("{} {} · Sitrep", i.reference(), i.title));
    let open_for = move || {
        let now = clock.now_or(server_time);
        incident.with(|i| human_duration(i.open_for(now)))
    };
    let can_write = viewer.can_write();
    view! {
        <Title text=title/>
        <AppHeader viewer=viewer/>
        <main class="page room">
            <section class="room-head" aria-label="Incident">
                <p class="ref">{move || incident.with(|i| i.reference())}</p>
                <h1>{move || incident.with(|i| i.title.clone())}</h1>
                <div class="facts">
                    <SeverityBadge severity=Signal::derive(move || incident.with(|i| i.severity))/>
                    <StatusBadge status=Signal::derive(move || incident.with(|i| i.status))/>
                    <span class="open-for">
                        "Open for " <span data-testid="open-for">{open_for}</span>
                    </span>
                    <span class="declared-by">
                        "Declared by " {move || incident.with(|i| i.declared_by_name.clone())}
                    </span>
                </div>
                {move || {
                    let summary = incident.with(|i| i.summary.clone());
                    (!summary.is_empty()).then(|| view! { <p class="summary">{summary}</p> })
                }}
            </section>
            <ErrorNotice error=room.notice.into()/>
            {can_write.then(|| view! { <StatusForm room=room/> })}
            <section class="room-body">
                {can_write.then(|| view! { <NoteForm room=room/> })}
                <h2 id="timeline-heading">"Timeline"</h2>
                <Timeline entries=room.timeline/>
            </section>
        </main>
    }
}

#[component]
fn StatusForm(room: Room) -> impl IntoView {
    let change = ServerAction::<ChangeStatus>::new();
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match change.value().get() {
        Some(Ok(incident)) => {
            error.set(None);
            room.notice.set(None);
            room.incident.update(|current| {
                if incident.version > current.version {
                    *current = incident;
                }
            });
        }
        Some(Err(e)) => {
            if e.is_conflict() {
                room.reload();
            }
            error.set(Some(e));
        }
        None => {}
    });
    let incident = room.incident;
    // The options change only when the status does, not on every note.
    let status = Memo::new(move |_| incident.with(|i| i.status));
    // What the person saw when they picked a status. If the status changes under them before
    // they submit, their choice was made on a stale view: send the version they saw, and the
    // server refuses it (409) instead of applying a choice they never made. Changes that leave
    // the status alone (notes) do not make the choice stale.
    let seen = RwSignal::new(None::<(Status, i64)>);
    let look = move || seen.set(Some(incident.with_untracked(|i| (i.status, i.version))));
    let pick = move || {
        if seen.get_untracked().is_none() {
            look();
        }
    };
    let expected_version = move || {
        let (current_status, current_version) = incident.with(|i| (i.status, i.version));
        match seen.get() {
            Some((seen_status, seen_version)) if seen_status != current_status => seen_version,
            _ => current_version,
        }
    };
    Effect::new(move |_| {
        if change.value().with(|v| v.is_some()) {
            seen.set(None);
        }
    });
    let options = move || {
        status
            .get()
            .allowed_next()
            .iter()
            .map(|s| view! { <option value=s.key()>{s.label()}</option> })
            .collect_view()
    };
    let is_final = move || status.get().allowed_next().is_empty();
    view! {
        <Show when=move || !is_final()>
            <ActionForm action=change attr:class="inline-form status-form" attr:aria-label="Change status">
                <input type="hidden" name="incident_id" value=room.id/>
                <input type="hidden" name="expected_version" value=expected_version/>
                <label for="status-select">"Move to"</label>
                <select
                    id="status-select"
                    name="status"
                    on:focus=move |_| look()
                    on:change=move |_| pick()
                >
                    {options}
                </select>
                <button type="submit" disabled=move || change.pending().get()>
                    "Change status"
                </button>
            </ActionForm>
        </Show>
        <ErrorNotice error=error.into()/>
    }
}

#[component]
fn NoteForm(room: Room) -> impl IntoView {
    let post = ServerAction::<PostNote>::new();
    let error = Signal::derive(move || post.value().get().and_then(|r| r.err()));
    let body = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(event)) = post.value().get() {
            room.receive(&event);
            body.set(String::new());
        }
    });
    view! {
        <ActionForm action=post attr:class="stack note-form" attr:aria-label="Add a note">
            <input type="hidden" name="incident_id" value=room.id/>
            <label for="note-body">"Add a note (Markdown)"</label>
            <textarea
                id="note-body"
                name="body"
                rows="3"
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
                placeholder="What did you find, try or decide?"
            ></textarea>
            <p class="hint">{format!("Up to {} characters.", thousands(NOTE_MAX_CHARS))}</p>
            <ErrorNotice error=error/>
            <button type="submit" class="primary" disabled=move || post.pending().get()>
                "Post note"
            </button>
        </ActionForm>
    }
}
