use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::{list_incidents, DeclareIncident, IncidentsSnapshot};
use crate::clock::use_clock;
use crate::components::{AppHeader, ErrorNotice, LoadError, SeverityBadge, StatusBadge};
use crate::domain::{
    apply, human_duration, thousands, EventPayload, Incident, Severity, SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
};
use crate::live::{use_live, LiveMessage};

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let snapshot = Resource::new(|| (), |_| list_incidents());
    view! {
        <Title text="Incidents · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading incidents…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <IncidentsView snapshot=s reload=move || snapshot.refetch()/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IncidentsView(
    snapshot: IncidentsSnapshot,
    reload: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let IncidentsSnapshot {
        incidents: initial,
        viewer,
        server_time,
        last_event_id,
    } = snapshot;
    let incidents = RwSignal::new(initial);
    let clock = use_clock();
    let live = use_live();

    Effect::new(move |_| {
        clock.sync(server_time);
        live.follow(vec!["incidents".into()], last_event_id);
    });
    let reload = std::sync::Arc::new(reload);
    live.subscribe({
        let reload = reload.clone();
        move |msg| match msg {
            LiveMessage::Resync => reload(),
            LiveMessage::Event(ev) => {
                let event = &ev.event;
                incidents.update(|list| {
                    if let Some(pos) = list.iter().position(|i| i.id == event.incident_id) {
                        let mut state = Some(list[pos].clone());
                        apply(&mut state, event);
                        if let Some(updated) = state {
                            list[pos] = updated;
                        }
                    } else if matches!(event.payload, EventPayload::IncidentDeclared { .. }) {
                        let mut state = None;
                        apply(&mut state, event);
                        if let Some(new) = state {
                            list.insert(0, new);
                        }
                    }
                });
            }
        }
    });

    let can_write = viewer.can_write();
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"Incidents"</h1>
            </div>
            {can_write.then(|| view! { <DeclareForm/> })}
            <Show
                when=move || !incidents.with(|l| l.is_empty())
                fallback=|| view! { <p class="empty">"No incidents. Quiet day."</p> }
            >
                <table class="incidents" aria-label="Incidents">
                    <thead>
                        <tr>
                            <th scope="col">"Ref"</th>
                            <th scope="col">"Title"</th>
                            <th scope="col">"Severity"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Open for"</th>
                            <th scope="col">"Declared by"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || incidents.get()
                            key=|i| (i.id, i.version)
                            children=move |i| view! { <IncidentRow incident=i server_time=server_time/> }
                        />
                    </tbody>
                </table>
            </Show>
        </main>
    }
}

#[component]
fn IncidentRow(incident: Incident, server_time: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let clock = use_clock();
    let href = format!("/incidents/{}", incident.id);
    let open_for = {
        let incident = incident.clone();
        move || human_duration(incident.open_for(clock.now_or(server_time)))
    };
    view! {
        <tr data-incident-id=incident.id>
            <td class="ref">{incident.reference()}</td>
            <td><a href=href>{incident.title.clone()}</a></td>
            <td><SeverityBadge severity=incident.severity/></td>
            <td><StatusBadge status=incident.status/></td>
            <td class="duration">{open_for}</td>
            <td>{incident.declared_by_name.clone()}</td>
        </tr>
    }
}

#[component]
fn DeclareForm() -> impl IntoView {
    let declare = ServerAction::<DeclareIncident>::new();
    let error = Signal::derive(move || declare.value().get().and_then(|r| r.err()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = declare.value().get() {
            navigate(&format!("/incidents/{}", incident.id), Default::default());
        }
    });
    view! {
        <details class="declare">
            <summary>"Declare an incident"</summary>
            <ActionForm action=declare attr:class="stack" attr:aria-label="Declare an incident">
                <label for="declare-title">"Title"</label>
                <input
                    id="declare-title"
                    name="title"
                    placeholder="What is broken, as customers see it"
                    aria-describedby="declare-title-hint"
                />
                <p class="hint" id="declare-title-hint">
                    {format!("Up to {TITLE_MAX_CHARS} characters.")}
                </p>
                <label for="declare-severity">"Severity"</label>
                <select id="declare-severity" name="severity">
                    {Severity::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.key() selected=s == Severity::Sev2>
                                    {format!("{} — {}", s.label(), s.description())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="hint">"If unsure, pick the higher severity."</p>
                <label for="declare-summary">"Summary"</label>
                <textarea id="declare-summary" name="summary" rows="3"></textarea>
                <p class="hint">{format!("Optional, up to {} characters.", thousands(SUMMARY_MAX_CHARS))}</p>
                <ErrorNotice error=error/>
                <button type="submit" class="primary" disabled=move || declare.pending().get()>
                    "Declare incident"
                </button>
            </ActionForm>
        </details>
    }
}
