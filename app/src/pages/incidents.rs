use leptos::prelude::*;
use leptos::reactive::traits::IsDisposed;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::{list_incidents, DeclareIncident, IncidentsSnapshot};
use crate::clock::use_clock;
use crate::components::{
    provide_vocabulary, use_vocabulary, AppHeader, Countdowns, ErrorNotice, LoadError,
    SeverityBadge, StatusBadge,
};
use crate::domain::{
    apply, human_duration, thousands, Action as Right, EventPayload, Incident, IncidentPage,
    IncidentQuery, Service, Severity, Status, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::live::{use_live, LiveMessage, SettingKey, Topic};

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let snapshot = Resource::new(|| (), |_| list_incidents(IncidentQuery::open()));
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
        page: IncidentPage {
            incidents: initial, ..
        },
        viewer,
        server_time,
        last_event_id,
        vocabulary,
        services,
        sla_policy,
        ..
    } = snapshot;
    provide_vocabulary(vocabulary);
    let sla_policy = StoredValue::new(sla_policy);
    let incidents = RwSignal::new(initial);
    let filters = Filters::new();
    let viewer_id = viewer.id;
    let clock = use_clock();
    let live = use_live();

    Effect::new(move |_| {
        clock.sync(server_time);
        live.follow(vec![Topic::Incidents], last_event_id);
    });
    let reload = std::sync::Arc::new(reload);
    live.subscribe({
        let reload = reload.clone();
        move |msg| match msg {
            LiveMessage::Resync => reload(),
            LiveMessage::Presence(_) => {}
            // Rows are drawn when their incident changes: new and changed rows count to it.
            msg if sla_policy
                .try_with_value(|p| msg.newer(SettingKey::SlaPolicy, p.revision))
                .unwrap_or(false) =>
            {
                leptos::task::spawn_local(async move {
                    if let Ok(s) = crate::api::get_sla_policy().await {
                        sla_policy.try_update_value(|p| p.update(&s.policy));
                    }
                });
            }
            LiveMessage::Settings { .. } => {}
            // The page is being replaced (navigation): nothing to update.
            LiveMessage::Event(_) if incidents.is_disposed() => {}
            LiveMessage::Event(ev) => {
                let event = &ev.event;
                // Before the rows it moves are redrawn: they count to the new policy.
                if let Some(newer) = event.payload.revised_policy() {
                    sla_policy.update_value(|p| {
                        p.update(&newer);
                    });
                }
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

    let can_write = viewer.may(Right::ChangeIncidents);
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"Incidents"</h1>
            </div>
            {can_write.then(|| view! { <DeclareForm/> })}
            <StatusCounts incidents=incidents filters=filters/>
            <FilterBar filters=filters services=services/>
            <Show
                when=move || !incidents.with(|l| l.is_empty())
                fallback=|| view! { <p class="empty">"No incidents. Quiet day."</p> }
            >
                <p class="result-count" role="status" aria-live="polite">
                    {move || {
                        let n = incidents.with(|l| l.iter().filter(|i| filters.keeps(i, viewer_id)).count());
                        match n {
                            1 => "1 incident".to_owned(),
                            n => format!("{} incidents", thousands(n)),
                        }
                    }}
                </p>
                <table class="incidents" aria-label="Incidents">
                    <thead>
                        <tr>
                            <th scope="col">"Ref"</th>
                            <th scope="col">"Title"</th>
                            <th scope="col">"Severity"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Open for"</th>
                            <th scope="col">"Declared by"</th>
                            <th scope="col">"SLA"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || filters.apply(&incidents.get(), viewer_id, || clock.now_or(server_time))
                            key=|i| (i.id, i.version)
                            children=move |i| {
                                view! { <IncidentRow incident=i server_time=server_time policy=sla_policy/> }
                            }
                        />
                    </tbody>
                </table>
            </Show>
        </main>
    }
}

/// What the list shows: status, severity, service, mine; search; sort.
#[derive(Clone, Copy)]
struct Filters {
    /// `open`, `all`, or a status key.
    status: RwSignal<String>,
    /// `""` (any) or a severity key.
    severity: RwSignal<String>,
    /// `""` (any) or a service id.
    service: RwSignal<String>,
    mine: RwSignal<bool>,
    search: RwSignal<String>,
    sort: RwSignal<String>,
}

impl Filters {
    fn new() -> Self {
        Filters {
            status: RwSignal::new("open".into()),
            severity: RwSignal::new(String::new()),
            service: RwSignal::new(String::new()),
            mine: RwSignal::new(false),
            search: RwSignal::new(String::new()),
            sort: RwSignal::new("newest".into()),
        }
    }

    fn keeps(&self, i: &Incident, viewer_id: i64) -> bool {
        let status_ok = self.status.with(|s| match s.as_str() {
            "open" => i.status.is_active(),
            "all" => true,
            key => i.status.key() == key,
        });
        let severity_ok = self
            .severity
            .with(|s| s.is_empty() || i.severity.key() == s);
        let service_ok = self
            .service
            .with(|s| s.is_empty() || i.services.iter().any(|x| x.id.to_string() == *s));
        let mine_ok = !self.mine.get() || i.involves(viewer_id);
        let search_ok = self.search.with(|q| {
            let q = q.trim().to_lowercase();
            q.is_empty() || i.title.to_lowercase().contains(&q) || i.reference().to_lowercase() == q
        });
        status_ok && severity_ok && service_ok && mine_ok && search_ok
    }

    /// The list as shown. `now` is asked for only when sorting by how long incidents have been
    /// open, so the list does not re-sort on every clock tick otherwise.
    fn apply(
        &self,
        all: &[Incident],
        viewer_id: i64,
        now: impl Fn() -> chrono::DateTime<chrono::Utc>,
    ) -> Vec<Incident> {
        let mut list: Vec<Incident> = all
            .iter()
            .filter(|i| self.keeps(i, viewer_id))
            .cloned()
            .collect();
        match self.sort.get().as_str() {
            "severity" => list.sort_by_key(|i| (i.severity, std::cmp::Reverse(i.id))),
            "updated" => list.sort_by_key(|i| std::cmp::Reverse((i.updated_at, i.id))),
            "longest" => {
                let now = now();
                list.sort_by_key(|i| std::cmp::Reverse((i.open_for(now), i.id)))
            }
            _ => list.sort_by_key(|i| std::cmp::Reverse(i.id)),
        }
        list
    }
}

/// How many incidents are in each status; a click filters by it.
#[component]
fn StatusCounts(incidents: RwSignal<Vec<Incident>>, filters: Filters) -> impl IntoView {
    let vocab = use_vocabulary();
    view! {
        <ul class="status-counts" aria-label="Incidents by status">
            {Status::ALL
                .into_iter()
                .map(|s| {
                    let count = move || incidents.with(|l| l.iter().filter(|i| i.status == s).count());
                    let label = vocab.status_label(s);
                    view! {
                        <li>
                            <button
                                type="button"
                                class=format!("count status {}", s.key())
                                aria-pressed=move || filters.status.with(|f| f == s.key()).to_string()
                                on:click=move |_| filters.status.set(s.key().to_owned())
                                data-status=s.key()
                            >
                                <span class="n">{count}</span>
                                " "
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn FilterBar(filters: Filters, services: Vec<Service>) -> impl IntoView {
    let vocab = use_vocabulary();
    let bind = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="filter-bar" role="search" aria-label="Filter incidents" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-search">"Search"</label>
                <input
                    id="filter-search"
                    type="search"
                    placeholder="Title or INC-12"
                    prop:value=move || filters.search.get()
                    on:input=bind(filters.search)
                />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" prop:value=move || filters.status.get() on:change=bind(filters.status)>
                    <option value="open">"Open"</option>
                    <option value="all">"All"</option>
                    {Status::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key()>{vocab.status_label(s)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-severity">"Severity"</label>
                <select id="filter-severity" prop:value=move || filters.severity.get() on:change=bind(filters.severity)>
                    <option value="">"Any"</option>
                    {Severity::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key()>{vocab.severity_label(s)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-service">"Service"</label>
                <select id="filter-service" prop:value=move || filters.service.get() on:change=bind(filters.service)>
                    <option value="">"Any"</option>
                    {services
                        .into_iter()
                        .map(|s| view! { <option value=s.id.to_string()>{s.name}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-sort">"Sort"</label>
                <select id="filter-sort" prop:value=move || filters.sort.get() on:change=bind(filters.sort)>
                    <option value="newest">"Newest first"</option>
                    <option value="severity">"Severity"</option>
                    <option value="updated">"Recently updated"</option>
                    <option value="longest">"Open longest"</option>
                </select>
            </div>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || filters.mine.get()
                    on:change=move |ev| filters.mine.set(event_target_checked(&ev))
                />
                "Mine"
            </label>
        </form>
    }
}

#[component]
fn IncidentRow(
    incident: Incident,
    server_time: chrono::DateTime<chrono::Utc>,
    policy: StoredValue<crate::domain::RevisedPolicy>,
) -> impl IntoView {
    // Deadlines only change with the incident (a new version is a new row); the countdowns tick.
    let sla = policy.with_value(|p| crate::domain::clocks(&incident, &p.policy, server_time));
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
            <td class="sla">
                <Countdowns clocks=Signal::stored(sla) rendered_at=server_time/>
            </td>
        </tr>
    }
}

#[component]
fn DeclareForm() -> impl IntoView {
    let vocab = use_vocabulary();
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
                                    {
                                        let d = vocab.severity(s);
                                        format!("{} — {}", d.label, d.description)
                                    }
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
