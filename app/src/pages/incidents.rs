//! The incidents list: the page the address asks for (filters, search and sort in the query
//! string, read as the REST API reads it), a page at a time from the server, kept current by the
//! live stream with the query's own rules (`IncidentQuery::keeps`, `order`, `may_admit`).

use std::time::Duration;

use leptos::leptos_dom::helpers::{set_timeout_with_handle, TimeoutHandle};
use leptos::prelude::*;
use leptos::reactive::traits::IsDisposed;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::api::requests::ListRequest;
use crate::api::{
    count_by_status, get_incident, incidents_page, list_incidents, DeclareIncident,
    IncidentsSnapshot,
};
use crate::clock::use_clock;
use crate::components::{
    provide_vocabulary, use_vocabulary, AppHeader, Countdowns, ErrorNotice, LoadError,
    SeverityBadge, StatusBadge,
};
use crate::domain::{
    apply, human_duration, thousands, Action as Right, AppError, EventPayload, EventRecord,
    Incident, IncidentPage, IncidentQuery, Service, Severity, Sort, Status, StatusCounts,
    StatusFilter, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::live::{use_live, LiveMessage, SettingKey, Topic};

/// How long typing in the search box waits before it asks the server.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// The query the address asks for.
fn query_of(search: &str) -> Result<IncidentQuery, AppError> {
    ListRequest::parse(search).and_then(ListRequest::query)
}

/// Shows `query`'s first page by changing the address (replacing it: a filter is not a step
/// back), so a reload or a shared link shows the same list.
fn go(navigate: &impl Fn(&str, NavigateOptions), query: IncidentQuery) {
    // The first page: a cursor belongs to the list it was cut from.
    let query = IncidentQuery {
        after: None,
        ..query
    };
    let qs = ListRequest::of(&query).to_query_string();
    let href = if qs.is_empty() {
        "/incidents".to_owned()
    } else {
        format!("/incidents?{qs}")
    };
    navigate(
        &href,
        NavigateOptions {
            replace: true,
            scroll: false,
            ..Default::default()
        },
    );
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let location = use_location();
    // The first page for the address the screen opened at. Later addresses (the filters) are
    // fetched by the list itself, which stays mounted: focus stays in the control in use.
    let snapshot = crate::api::codec::screen_data(
        || (),
        move |_| {
            let query = query_of(&location.search.get_untracked());
            async move { list_incidents(query?).await }
        },
    );
    view! {
        <Title text="Incidents · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading incidents…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <IncidentsView snapshot=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The list on screen and how it changes: every handle is `Copy`, so event handlers, the live
/// subscriber and async continuations share it.
#[derive(Clone, Copy)]
struct List {
    /// The query `shown` answers (validated).
    query: RwSignal<IncidentQuery>,
    /// The query last asked for (`query` once its answer arrives).
    wanted: StoredValue<IncidentQuery>,
    shown: RwSignal<IncidentPage>,
    counts: RwSignal<StatusCounts>,
    /// A first page is on its way (for a new query or after a resync).
    loading: RwSignal<bool>,
    /// The next page is on its way.
    loading_more: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
    /// Bumped by every first-page request: an answer to an older one is dropped.
    generation: StoredValue<u64>,
    /// Live events that arrive while a page is on its way, applied once it is shown.
    held: StoredValue<Option<Vec<EventRecord>>>,
    /// The first row the last "Load more" brought (where the focus goes once the button goes).
    first_new: StoredValue<Option<i64>>,
    counts_busy: StoredValue<bool>,
    counts_again: StoredValue<bool>,
    viewer_id: i64,
}

impl List {
    fn alive(&self) -> bool {
        !self.shown.is_disposed()
    }

    fn hold(&self) {
        self.held.update_value(|h| {
            h.get_or_insert_with(Vec::new);
        });
    }

    /// Applies what was held, but what `shown` already includes (events up to `included`).
    fn release(&self, included: i64) {
        let held = self.held.try_update_value(|h| h.take()).flatten();
        for event in held.unwrap_or_default() {
            if event.id > included {
                self.on_event(&event);
            }
        }
    }

    /// Replaces the list with the first page for `query`.
    fn load_first(&self, query: IncidentQuery) {
        let list = *self;
        self.wanted.set_value(query.clone());
        self.first_new.set_value(None);
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        self.loading.set(true);
        self.hold();
        spawn_local(async move {
            let answer = incidents_page(query.clone()).await;
            if !list.alive() || list.generation.get_value() != generation {
                return;
            }
            // A next page asked for before this query is dropped with it.
            list.loading.set(false);
            list.loading_more.set(false);
            let included = match answer {
                Ok(at) => {
                    list.query.set(query);
                    list.shown.set(at.page);
                    list.counts.set(at.counts);
                    list.error.set(None);
                    at.last_event_id
                }
                Err(e) => {
                    list.error.set(Some(e));
                    0
                }
            };
            list.release(included);
        });
    }

    /// Appends the page after the last one shown.
    fn load_more(&self) {
        let Some(after) = self.shown.with_untracked(IncidentPage::end) else {
            return;
        };
        if self.loading.get_untracked() || self.loading_more.get_untracked() {
            return;
        }
        let list = *self;
        let generation = self.generation.get_value();
        let query = self.query.get_untracked();
        self.loading_more.set(true);
        self.hold();
        spawn_local(async move {
            let next = IncidentQuery {
                after: Some(after),
                ..query.clone()
            };
            let answer = incidents_page(next).await;
            if !list.alive() || list.generation.get_value() != generation {
                return;
            }
            list.loading_more.set(false);
            match answer {
                Ok(at) => {
                    let first_new = list.shown.with_untracked(|p| {
                        let shown = |id| p.incidents.iter().any(|i| i.id == id);
                        at.page
                            .incidents
                            .iter()
                            .map(|i| i.id)
                            .find(|id| !shown(*id))
                    });
                    list.first_new.set_value(first_new);
                    list.shown
                        .update(|p| p.extend(&query, at.page, list.viewer_id));
                    list.counts.set(at.counts);
                    list.error.set(None);
                }
                Err(e) => list.error.set(Some(e)),
            }
            // The rows shown before may not have the held events yet: apply them all.
            list.release(0);
        });
    }

    /// Asks for the counts again; a burst of changes costs one request more, not one each.
    fn refresh_counts(&self) {
        if self.counts_busy.get_value() {
            self.counts_again.set_value(true);
            return;
        }
        self.counts_busy.set_value(true);
        let list = *self;
        spawn_local(async move {
            loop {
                let answer = count_by_status().await;
                if !list.alive() {
                    return;
                }
                if let Ok(counts) = answer {
                    list.counts.set(counts);
                }
                if !list.counts_again.get_value() {
                    break;
                }
                list.counts_again.set_value(false);
            }
            list.counts_busy.set_value(false);
        });
    }

    /// Fetches one incident (missed events, or it may come in) and puts it where it belongs.
    fn fetch(&self, id: i64) {
        let list = *self;
        let generation = self.generation.get_value();
        spawn_local(async move {
            // Gone or no longer visible to us: there is nothing to show.
            let Ok(incident) = get_incident(id).await else {
                return;
            };
            if !list.alive() || list.generation.get_value() != generation {
                return;
            }
            let query = list.query.get_untracked();
            list.shown
                .update(|p| p.place(&query, incident, list.viewer_id));
        });
    }

    fn on_event(&self, event: &EventRecord) {
        if !self.alive() {
            return;
        }
        if self.held.with_value(Option::is_some) {
            self.held
                .update_value(|h| h.iter_mut().for_each(|h| h.push(event.clone())));
            return;
        }
        if event.payload.moves_status() {
            self.refresh_counts();
        }
        let query = self.query.get_untracked();
        let row = self.shown.with_untracked(|p| {
            p.incidents
                .iter()
                .find(|i| i.id == event.incident_id)
                .cloned()
        });
        let state = match row {
            Some(row) if event.incident_version <= row.version => return,
            // Its next version: fold it in, as the server did.
            Some(row) if event.incident_version == row.version + 1 => Some(row),
            // We missed some of its events.
            Some(_) => return self.fetch(event.incident_id),
            None if matches!(event.payload, EventPayload::IncidentDeclared { .. }) => None,
            None if query.may_admit(event, self.viewer_id) => return self.fetch(event.incident_id),
            None => return,
        };
        let mut state = state;
        apply(&mut state, event);
        if let Some(incident) = state {
            self.shown
                .update(|p| p.place(&query, incident, self.viewer_id));
        }
    }
}

/// Focuses the link of row `id`, if it is on screen.
fn focus_link_of(id: i64) {
    use leptos::wasm_bindgen::JsCast;
    let link = document()
        .query_selector(&format!("tr[data-incident-id=\"{id}\"] a"))
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        let _ = link.focus();
    }
}

#[component]
fn IncidentsView(snapshot: IncidentsSnapshot) -> impl IntoView {
    let IncidentsSnapshot {
        query,
        page,
        counts,
        viewer,
        server_time,
        last_event_id,
        vocabulary,
        services,
        sla_policy,
    } = snapshot;
    provide_vocabulary(vocabulary);
    sla_policy.learn_zone();
    let sla_policy = StoredValue::new(sla_policy);
    // Bumped when the offsets of a zone arrive after a live change to it: every row counts its
    // clocks again (a row's deadlines are otherwise drawn once per version of its incident).
    let recount = RwSignal::new(0u64);
    let fetching_policy = StoredValue::new(false);
    let list = List {
        wanted: StoredValue::new(query.clone()),
        query: RwSignal::new(query),
        shown: RwSignal::new(page),
        counts: RwSignal::new(counts),
        loading: RwSignal::new(false),
        loading_more: RwSignal::new(false),
        error: RwSignal::new(None),
        generation: StoredValue::new(0),
        held: StoredValue::new(None),
        first_new: StoredValue::new(None),
        counts_busy: StoredValue::new(false),
        counts_again: StoredValue::new(false),
        viewer_id: viewer.id,
    };
    let clock = use_clock();
    let live = use_live();

    // The address asks; the list answers when it asks something new (a filter, back/forward).
    let location = use_location();
    let asked = Memo::new(move |_| query_of(&location.search.get()));
    Effect::new(move |_| match asked.get() {
        Ok(query) if query != list.wanted.get_value() => list.load_first(query),
        Ok(_) => {}
        Err(e) => list.error.set(Some(e)),
    });
    // What the controls show: the address's query (the list follows it shortly).
    let current = Memo::new(move |_| asked.get().unwrap_or_else(|_| list.query.get()));

    Effect::new(move |_| {
        clock.sync(server_time);
        live.follow(vec![Topic::Incidents], last_event_id);
    });
    // Fetches the current policy, once for a burst of events (a zone change moves every open
    // incident's business clocks, one event each), and again if a newer zone arrived meanwhile.
    let refresh_policy = move || {
        if fetching_policy.try_get_value() != Some(false) {
            return;
        }
        fetching_policy.set_value(true);
        spawn_local(async move {
            for _ in 0..3 {
                let Ok(s) = crate::api::get_sla_policy().await else {
                    break;
                };
                if s.policy.learn_zone() {
                    recount.try_update(|n| *n += 1);
                }
                sla_policy.try_update_value(|p| p.update(&s.policy));
                if sla_policy.try_with_value(|p| p.zone_known()) != Some(false) {
                    break;
                }
            }
            fetching_policy.try_set_value(false);
        });
    };
    live.subscribe(move |msg| match msg {
        // We missed events: the first page again, for the same query.
        LiveMessage::Resync => list.load_first(list.wanted.get_value()),
        LiveMessage::Presence(_) => {}
        // Rows are drawn when their incident changes: new and changed rows count to it.
        msg if sla_policy
            .try_with_value(|p| msg.newer(SettingKey::SlaPolicy, p.revision))
            .unwrap_or(false) =>
        {
            refresh_policy()
        }
        LiveMessage::Settings { .. } => {}
        LiveMessage::Event(ev) => {
            // Before the rows it moves are redrawn: they count to the new policy.
            if let Some(newer) = ev.event.payload.revised_policy() {
                sla_policy.try_update_value(|p| {
                    p.update(&newer);
                });
                // A new time zone: its offsets come with the policy fetched.
                if !newer.zone_known() {
                    refresh_policy();
                }
            }
            list.on_event(&ev.event);
        }
    });

    // "Load more" goes with the last page; had it focus, the focus would fall to the page body.
    // It moves on to the first row that page brought (unless the person has moved on).
    Effect::new(move |had_more: Option<bool>| {
        let more = list.shown.with(|p| p.next.is_some());
        if had_more == Some(true) && !more {
            let lost = document()
                .active_element()
                .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
            if let (true, Some(id)) = (lost, list.first_new.get_value()) {
                focus_link_of(id);
            }
        }
        more
    });

    let can_write = viewer.may(Right::ChangeIncidents);
    let rows = move || list.shown.with(|p| p.incidents.len());
    let more = move || list.shown.with(|p| p.next.is_some());
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"Incidents"</h1>
            </div>
            {can_write.then(|| view! { <DeclareForm/> })}
            <StatusCountButtons counts=list.counts current=current/>
            <FilterBar current=current services=services/>
            <ErrorNotice error=list.error.into()/>
            // Says what is shown, never a count over every matching incident.
            <p class="result-count" role="status" aria-live="polite">
                {move || match (rows(), more()) {
                    (n, true) => format!("{} shown · more below", thousands(n)),
                    (1, false) => "1 incident".to_owned(),
                    (n, false) => format!("{} incidents", thousands(n)),
                }}
            </p>
            <Show
                when=move || { rows() > 0 }
                fallback=move || {
                    let all = list.query.with(|q| *q == IncidentQuery::open());
                    view! {
                        <p class="empty">
                            {if all { "No incidents. Quiet day." } else { "No incidents match." }}
                        </p>
                    }
                }
            >
                <table class="incidents" aria-label="Incidents" aria-busy=move || list.loading.get().to_string()>
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
                            each=move || {
                                let n = recount.get();
                                list.shown.with(|p| {
                                    p.incidents.iter().map(|i| (n, i.clone())).collect::<Vec<_>>()
                                })
                            }
                            key=|(n, i)| (*n, i.id, i.version)
                            children=move |(_, i)| {
                                view! { <IncidentRow incident=i server_time=server_time policy=sla_policy/> }
                            }
                        />
                    </tbody>
                </table>
            </Show>
            <Show when=more>
                <button
                    type="button"
                    class="load-more"
                    on:click=move |_| list.load_more()
                    disabled=move || list.loading_more.get() || list.loading.get()
                >
                    {move || if list.loading_more.get() { "Loading…" } else { "Load more" }}
                </button>
            </Show>
        </main>
    }
}

/// How many incidents are in each status (all of them, not the page's); a click filters by it.
#[component]
fn StatusCountButtons(
    counts: RwSignal<StatusCounts>,
    current: Memo<IncidentQuery>,
) -> impl IntoView {
    let vocab = use_vocabulary();
    let navigate = use_navigate();
    view! {
        <ul class="status-counts" aria-label="Incidents by status">
            {Status::ALL
                .into_iter()
                .map(|s| {
                    let count = move || thousands(counts.with(|c| c.of(s)) as usize);
                    let label = vocab.status_label(s);
                    let navigate = navigate.clone();
                    view! {
                        <li>
                            <button
                                type="button"
                                class=format!("count status {}", s.key())
                                aria-pressed=move || (current.with(|q| q.status) == StatusFilter::Is(s)).to_string()
                                on:click=move |_| {
                                    // A toggle: pressed again, back to the open incidents.
                                    let query = current.get_untracked();
                                    let status = if query.status == StatusFilter::Is(s) {
                                        StatusFilter::Open
                                    } else {
                                        StatusFilter::Is(s)
                                    };
                                    go(&navigate, IncidentQuery { status, ..query })
                                }
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
fn FilterBar(current: Memo<IncidentQuery>, services: Vec<Service>) -> impl IntoView {
    let vocab = use_vocabulary();
    let navigate = use_navigate();
    // Changes one thing about the list: its first page for the new query.
    let change = {
        let navigate = navigate.clone();
        move |edit: &dyn Fn(&mut IncidentQuery)| {
            let mut query = current.get_untracked();
            edit(&mut query);
            go(&navigate, query);
        }
    };
    // The search box holds what is typed; the address gets it once typing pauses. When the
    // address changes otherwise (back, a link), the box follows it.
    let typed = RwSignal::new(current.get_untracked().search);
    let sent = StoredValue::new(current.get_untracked().search);
    Effect::new(move |_| {
        let search = current.with(|q| q.search.clone());
        if search != sent.get_value() {
            sent.set_value(search.clone());
            typed.set(search);
        }
    });
    // A plain timer handle (not `debounce`, whose browser-only state cannot be dropped on the
    // server's other threads): typing restarts it.
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let search_later = {
        let change = change.clone();
        move |text: String| {
            if let Some(pending) = timer.get_value() {
                pending.clear();
            }
            let change = change.clone();
            let handle = set_timeout_with_handle(
                move || {
                    // Typed, then left the page.
                    if sent.is_disposed() {
                        return;
                    }
                    let text = text.trim().to_owned();
                    sent.set_value(text.clone());
                    change(&|q| q.search = text.clone());
                },
                SEARCH_DEBOUNCE,
            );
            timer.set_value(handle.ok());
        }
    };
    let select = {
        let change = change.clone();
        move |edit: fn(&mut IncidentQuery, &str)| {
            let change = change.clone();
            move |ev| {
                let value = event_target_value(&ev);
                change(&|q| edit(q, &value));
            }
        }
    };
    let service_key =
        move || current.with(|q| q.service.map(|id| id.to_string()).unwrap_or_default());
    view! {
        <form class="filter-bar" role="search" aria-label="Filter incidents" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-search">"Search"</label>
                <input
                    id="filter-search"
                    type="search"
                    placeholder="Title or INC-12"
                    prop:value=move || typed.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        typed.set(text.clone());
                        search_later(text);
                    }
                />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select
                    id="filter-status"
                    prop:value=move || current.with(|q| q.status.key())
                    on:change=select(|q, v| q.status = StatusFilter::parse(v).unwrap_or_default())
                >
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
                <select
                    id="filter-severity"
                    prop:value=move || current.with(|q| q.severity.map(Severity::key).unwrap_or_default())
                    on:change=select(|q, v| q.severity = Severity::parse(v).ok())
                >
                    <option value="">"Any"</option>
                    {Severity::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key()>{vocab.severity_label(s)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-service">"Service"</label>
                <select id="filter-service" prop:value=service_key on:change=select(|q, v| q.service = v.parse().ok())>
                    <option value="">"Any"</option>
                    {services
                        .into_iter()
                        .map(|s| view! { <option value=s.id.to_string()>{s.name}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-sort">"Sort"</label>
                <select
                    id="filter-sort"
                    prop:value=move || current.with(|q| q.sort.key())
                    on:change=select(|q, v| q.sort = Sort::parse(v).unwrap_or_default())
                >
                    {Sort::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || current.with(|q| q.mine)
                    on:change=move |ev| {
                        let mine = event_target_checked(&ev);
                        change(&|q| q.mine = mine);
                    }
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
            <td class="title"><a href=href>{incident.title.clone()}</a></td>
            <td class="severity"><SeverityBadge severity=incident.severity/></td>
            <td class="status"><StatusBadge status=incident.status/></td>
            <td class="duration">{open_for}</td>
            <td class="declared-by">{incident.declared_by_name.clone()}</td>
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
