//! The incident room: one live page per incident.

mod controls;
mod impact;
mod keys;
mod layout;
mod milestones;
mod reach;
mod roles;
mod timeline;
mod touch;
mod undo;
mod updates;

use leptos::prelude::*;
use leptos::reactive::traits::IsDisposed;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{act, get_room, older_entries, Acted, RoomSection, RoomSnapshot, TimelinePage};
use crate::clock::use_clock;
use crate::components::{
    provide_vocabulary, AppHeader, Countdowns, ErrorNotice, LoadError, PresenceList, SeverityBadge,
    StatusBadge, Vocab,
};
use crate::domain::{
    apply, decide, human_duration, Action as Right, Actor, AppError, Clock, Command, Context,
    EventPayload, EventRecord, Incident, Person, RevisedPolicy, Service, TimelineCommand,
    INCIDENT_COMMANDER,
};
use crate::live::{use_live, LiveMessage, SettingKey, Topic};

#[component]
pub fn IncidentRoomPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let snapshot = crate::api::codec::screen_data(id, |id| async move {
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
pub(crate) struct Room {
    id: i64,
    viewer_id: i64,
    can_write: bool,
    incident: RwSignal<Incident>,
    /// The events loaded, oldest first: the timeline's latest ones down to `older` (a run
    /// without gaps), and the key moments older than that.
    timeline: RwSignal<Vec<EventRecord>>,
    /// The version of the oldest event of that run, while there are older ones to load.
    older: RwSignal<Option<i64>>,
    /// An older page is being fetched.
    loading_older: RwSignal<bool>,
    /// The service catalog.
    services: RwSignal<Vec<Service>>,
    /// Who has this room open now.
    presence: RwSignal<Vec<Actor>>,
    /// Who can be given a role.
    roster: RwSignal<Vec<Person>>,
    /// Set when our view was stale; cleared by the next successful change.
    notice: RwSignal<Option<AppError>>,
    server_time: chrono::DateTime<chrono::Utc>,
    /// What the SLA clocks count to (an admin's edit arrives live).
    sla_policy: RwSignal<RevisedPolicy>,
    /// The incident's SLA clocks: they move with the incident and the policy, not the clock.
    sla: Memo<Vec<Clock>>,
    /// The page's vocabulary, whose role catalog follows an admin's edits ...
    vocab: Vocab,
    /// ... at this revision.
    roles_revision: RwSignal<u64>,
}

impl Room {
    /// Live messages may still arrive while the page is being replaced (navigating to another
    /// room): a room whose signals are gone ignores them.
    fn gone(&self) -> bool {
        self.incident.is_disposed()
            || self.timeline.is_disposed()
            || self.older.is_disposed()
            || self.loading_older.is_disposed()
            || self.presence.is_disposed()
            || self.sla_policy.is_disposed()
            || self.roles_revision.is_disposed()
    }

    /// Takes the role catalog at `revision` if it is newer than the one shown: the board's
    /// columns and every role label follow.
    fn take_roles(&self, revision: u64, catalog: crate::domain::RoleCatalog) {
        if revision > self.roles_revision.get_untracked() {
            self.roles_revision.set(revision);
            self.vocab.set_roles(catalog);
        }
    }

    /// An admin changed the role catalog (or we were away): show the current one.
    fn refresh_roles(&self) {
        self.fetch(crate::api::get_role_catalog(), |room, s| {
            room.take_roles(s.revision, s.catalog)
        });
    }

    /// Fetches in the background and hands the answer to `take` — unless the room is gone by
    /// then (navigated away); a failure shows in the room's notice.
    fn fetch<T: 'static>(
        &self,
        request: impl std::future::Future<Output = Result<T, AppError>> + 'static,
        take: impl FnOnce(Room, T) + 'static,
    ) {
        let room = *self;
        leptos::task::spawn_local(async move {
            let result = request.await;
            if room.gone() {
                return;
            }
            match result {
                Ok(answer) => take(room, answer),
                Err(e) => room.notice.set(Some(e)),
            }
        });
    }

    fn receive(&self, event: &EventRecord) {
        if event.incident_id != self.id || self.gone() {
            return;
        }
        self.incident.update(|current| {
            let mut state = Some(current.clone());
            apply(&mut state, event);
            if let Some(next) = state {
                *current = next;
            }
        });
        // Someone pinned an entry older than the run held: fetch the key moments again.
        if let EventPayload::EntryPinned { event_id } = &event.payload {
            if !self
                .timeline
                .with_untracked(|held| held.iter().any(|e| e.id == *event_id))
            {
                self.reload();
            }
        }
        self.take_events([event.clone()]);
        if let Some(newer) = event.payload.revised_policy() {
            take_policy(self.sla_policy, &newer);
            // A new time zone: its offsets come with the policy fetched.
            if !newer.zone_known() {
                self.refresh_policy();
            }
        }
        // A service added to the catalog after this page loaded: fetch its facts.
        if let EventPayload::ServiceLinked { service } = &event.payload {
            if !self
                .services
                .with_untracked(|all| all.iter().any(|s| s.id == service.id))
            {
                self.reload();
            }
        }
    }

    /// Folds in what our own command did (the live stream brings the same events; both are
    /// idempotent).
    fn accept(&self, acted: Acted) {
        self.notice.set(None);
        for event in &acted.events {
            self.receive(event);
        }
        self.incident.update(|current| {
            if acted.incident.version > current.version {
                *current = acted.incident;
            }
        });
    }

    /// Refetch the whole room (after a conflict or a `resync`), keeping the page as it is.
    fn reload(&self) {
        // Merge, never replace: live events that arrived while this was in flight are newer
        // than the snapshot and must not be lost.
        self.fetch(get_room(self.id), |room, s| {
            room.incident.update(|current| {
                if s.incident.version >= current.version {
                    *current = s.incident;
                }
            });
            room.take_latest(s.timeline, s.key_moments);
            room.services.set(s.services);
            room.roster.set(s.roster);
            take_policy(room.sla_policy, &s.sla_policy);
            room.take_roles(s.roles_revision, s.vocabulary.roles);
        });
    }

    /// Takes a fetched latest page (and the key moments older than it). If it joins the events
    /// held, they are kept (live events that arrived meanwhile are newer than the page); if we
    /// were away so long that it does not, the held run is dropped for it: a run has no gaps.
    fn take_latest(&self, page: TimelinePage, moments: Vec<EventRecord>) {
        let floor = page.events.last().map_or(1, |e| e.incident_version);
        let newest_held = self
            .timeline
            .with_untracked(|all| all.iter().map(|e| e.incident_version).max().unwrap_or(0));
        if floor > newest_held + 1 {
            self.timeline.set(Vec::new());
            self.older.set(page.next);
        }
        self.take_events(page.events.into_iter().chain(moments));
    }

    /// Adds events not yet held, in stream order.
    fn take_events(&self, events: impl IntoIterator<Item = EventRecord>) {
        self.timeline.update(|held| {
            for e in events {
                if !held.iter().any(|x| x.id == e.id) {
                    held.push(e);
                }
            }
            held.sort_by_key(|e| e.incident_version);
        });
    }

    /// Fetches the page before the oldest event of the run held (once at a time).
    fn load_older(&self) {
        let Some(before) = self.older.get_untracked() else {
            return;
        };
        if self.loading_older.get_untracked() {
            return;
        }
        self.loading_older.set(true);
        let room = *self;
        leptos::task::spawn_local(async move {
            let result = older_entries(room.id, before).await;
            if room.gone() {
                return;
            }
            room.loading_older.set(false);
            match result {
                // Only if no reload moved the run meanwhile.
                Ok(page) if room.older.get_untracked() == Some(before) => {
                    room.older.set(page.next);
                    room.take_events(page.events);
                }
                Ok(_) => {}
                Err(e) => room.notice.set(Some(e)),
            }
        });
    }

    /// An admin changed the SLA policy (or we were away): count to the current one.
    fn refresh_policy(&self) {
        self.fetch(crate::api::get_sla_policy(), |room, s| {
            take_policy(room.sla_policy, &s.policy)
        });
    }

    /// An action that sends commands for this room. What it did is folded in at once; a
    /// conflict refreshes the room (the error tells the person why).
    /// One that could not reach the server is sent again a little later. (`Action::new`, not
    /// `new_local`: local reactive values made while rendering on the server are dropped by
    /// whichever thread cleans the render up, and a drop on another thread panics.)
    fn action(self) -> Action<Command, Result<Acted, AppError>> {
        let id = self.id;
        let sent = StoredValue::new(None::<Command>);
        let action = Action::new(move |command: &Command| {
            sent.set_value(Some(command.clone()));
            act(id, command.clone())
        });
        Effect::new(move |_| match action.value().get() {
            Some(Ok(acted)) if !self.gone() => self.accept(acted),
            Some(Err(e)) if e.is_conflict() => self.reload(),
            Some(Err(e)) if e.is_unreachable() => {
                let failed = action.version().get_untracked();
                set_timeout(
                    move || {
                        // Unless the room is gone, or it was sent again (or anew) meanwhile.
                        let again = action.version().try_get_untracked() == Some(failed)
                            && !action.pending().get_untracked();
                        if again && !self.gone() {
                            if let Some(command) = sent.try_get_value().flatten() {
                                action.dispatch(command);
                            }
                        }
                    },
                    RETRY_UNREACHABLE,
                );
            }
            _ => {}
        });
        action
    }

    /// Would the domain take `command` from the viewer on this incident as it stands (leaving
    /// aside what they type)? A control is shown exactly when it would.
    fn takes(&self, command: impl Into<Command>) -> bool {
        let command = command.into();
        self.can_write && self.incident.with(|i| i.takes(&command))
    }

    /// Would the domain accept `command` from the viewer now, as it is (for controls that send
    /// a command with nothing to type, such as Acknowledge)?
    fn accepts(&self, command: impl Into<Command>) -> bool {
        let command = command.into();
        let ctx = Context {
            actor_id: self.viewer_id,
            ..Context::default()
        };
        self.can_write
            && self
                .incident
                .with(|i| decide(Some(i), &command, &ctx).is_ok())
    }

    /// May the viewer write on this incident now (a note, say)?
    fn writable(&self) -> bool {
        self.takes(TimelineCommand::PostNote {
            body: String::new(),
        })
    }

    fn version(&self) -> i64 {
        self.incident.with_untracked(|i| i.version)
    }
}

/// How long after failing to reach the server a change is sent again.
const RETRY_UNREACHABLE: std::time::Duration = std::time::Duration::from_secs(3);

/// Takes a policy that arrived (live or fetched) if it is newer than the one held; an older or
/// the same one notifies nobody, so a change arriving on many incidents recounts the clocks once.
fn take_policy(signal: RwSignal<RevisedPolicy>, newer: &RevisedPolicy) {
    signal.maybe_update(|held| held.update(newer));
}

/// The error of an action's last run, for an `ErrorNotice`.
fn action_error(action: Action<Command, Result<Acted, AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

#[component]
fn RoomView(snapshot: RoomSnapshot) -> impl IntoView {
    let RoomSnapshot {
        incident: initial,
        timeline: latest,
        key_moments,
        viewer,
        server_time,
        last_event_id,
        vocabulary,
        roles_revision,
        services,
        roster,
        sla_policy,
        folded,
    } = snapshot;
    let severities = vocabulary.clone();
    let vocab = provide_vocabulary(vocabulary);
    // A memo: the warning is said again only if the commander's label itself changed.
    let commander_label = Memo::new(move |_| {
        vocab
            .signal()
            .with(|v| v.role_label(INCIDENT_COMMANDER).to_owned())
    });
    let incident = RwSignal::new(initial);
    sla_policy.learn_zone();
    let sla_policy = RwSignal::new(sla_policy);
    // Clock-driven text may be read once more while the page is being replaced: `try_with`.
    let sla = Memo::new(move |_| {
        sla_policy
            .try_with(|p| incident.try_with(|i| crate::domain::clocks(i, &p.policy, server_time)))
            .flatten()
            .unwrap_or_default()
    });
    let room = Room {
        id: incident.with_untracked(|i| i.id),
        viewer_id: viewer.id,
        can_write: viewer.may(Right::ChangeIncidents),
        incident,
        timeline: RwSignal::new({
            let mut held: Vec<EventRecord> = latest.events.into_iter().chain(key_moments).collect();
            held.sort_by_key(|e| e.incident_version);
            held
        }),
        older: RwSignal::new(latest.next),
        loading_older: RwSignal::new(false),
        services: RwSignal::new(services),
        presence: RwSignal::new(Vec::new()),
        roster: RwSignal::new(roster),
        notice: RwSignal::new(None),
        server_time,
        sla_policy,
        sla,
        vocab,
        roles_revision: RwSignal::new(roles_revision),
    };
    let clock = use_clock();
    let live = use_live();
    Effect::new(move |_| {
        clock.sync(server_time);
        live.follow(
            vec![Topic::Incidents, Topic::Incident(room.id)],
            last_event_id,
        );
    });
    live.subscribe(move |msg| match msg {
        LiveMessage::Event(ev) => room.receive(&ev.event),
        LiveMessage::Presence(p) => {
            if p.incident_id == room.id && !room.gone() {
                room.presence.set(p.viewers.clone());
            }
        }
        LiveMessage::Resync => room.reload(),
        msg if !room.gone()
            && msg.newer(
                SettingKey::SlaPolicy,
                room.sla_policy.with_untracked(|p| p.revision),
            ) =>
        {
            room.refresh_policy()
        }
        msg if !room.gone()
            && msg.newer(SettingKey::RoleCatalog, room.roles_revision.get_untracked()) =>
        {
            room.refresh_roles()
        }
        LiveMessage::Settings { .. } => {}
    });

    // The document title outlives the page by a moment when navigating to another room. On the
    // server it is rendered after the page's stream, outside the page's arena (on any worker
    // thread): read it through the signal's own handle, not the arena-stored `incident`.
    let titled = ArcRwSignal::from(incident);
    let title = move || {
        titled
            .try_with(|i| format!("{} {} · Sitrep", i.reference(), i.title))
            .unwrap_or_else(|| "Sitrep".to_owned())
    };
    // Clock-driven text may tick once more while the page is being replaced: `try_with`.
    let open_for = move || {
        let now = clock.now_or(server_time);
        incident
            .try_with(|i| human_duration(i.open_for(now)))
            .unwrap_or_default()
    };
    let merged_into = move || incident.with(|i| i.merged_into);
    let needs_commander = move || {
        incident.with(|i| {
            let severity = severities.severity(i.severity);
            i.needs_commander(severity.major).then_some(severity.label)
        })
    };
    let folds = layout::Folds::new(viewer.id, folded);
    // Narrow: the timeline, or the rest (`NarrowSwitch`).
    let shows_details = RwSignal::new(false);
    // Where each panel sits: the incident's head and its status on top; the timeline and the
    // note box in the main column; what is looked up or changed now and then in the side column,
    // a foldable section each (a new panel gets a `Fold` and a `RoomSection` of its own).
    view! {
        <Title text=title/>
        <keys::RoomKeys/>
        <reach::ConnectionNotice/>
        <AppHeader viewer=viewer/>
        <main class="page room">
            <div class="room-layout" class:shows-details=move || shows_details.get()>
                <section class="room-head" aria-label="Incident">
                    <div class="head-row">
                        <p class="ref">{move || incident.with(|i| i.reference())}</p>
                        <div class="here-now">
                            <span class="label">"Here now"</span>
                            <PresenceList viewers=room.presence/>
                        </div>
                    </div>
                    <h1>{move || incident.with(|i| i.title.clone())}</h1>
                    {move || {
                        let summary = incident.with(|i| i.summary.clone());
                        (!summary.is_empty()).then(|| view! { <p class="summary">{summary}</p> })
                    }}
                    {move || {
                        merged_into()
                            .map(|target| {
                                view! {
                                    <p class="notice merged" role="alert" data-testid="merged-banner">
                                        "This incident is a duplicate: it was merged into "
                                        <a href=format!("/incidents/{target}")>{format!("INC-{target}")}</a>
                                        ". It is read-only; continue there."
                                    </p>
                                }
                            })
                    }}
                    {move || {
                        needs_commander()
                            .map(|severity| {
                                let commander_label = commander_label.get();
                                view! {
                                    <p class="notice warning" role="alert" data-testid="commander-warning">
                                        {format!(
                                            "This {severity} incident has no {commander_label}: someone must run the response. Drag a person onto {commander_label} on the role board.",
                                        )}
                                    </p>
                                }
                            })
                    }}
                    <ErrorNotice error=room.notice.into()/>
                </section>
                <section class="room-status" aria-label="Status">
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
                    <Countdowns clocks=sla.into() rendered_at=server_time/>
                </section>
                <layout::NarrowSwitch details=shows_details/>
                <div class="room-main" id="room-main">
                    <section class="room-body" aria-labelledby="timeline-heading">
                        <Show when=move || room.writable()>
                            <controls::NoteForm room=room/>
                        </Show>
                        <timeline::Timeline room=room/>
                    </section>
                </div>
                // A region, not an <aside>: a complementary landmark must not sit inside <main>.
                <section class="room-side" id="room-side" aria-label="Incident details">
                    <Show when=move || room.writable()>
                        <layout::Fold folds=folds section=RoomSection::Actions>
                            <controls::Controls room=room/>
                        </layout::Fold>
                    </Show>
                    <layout::Fold folds=folds section=RoomSection::Impact>
                        <impact::ImpactPanel room=room/>
                    </layout::Fold>
                    <layout::Fold folds=folds section=RoomSection::Roles>
                        <roles::RoleBoardPanel room=room/>
                    </layout::Fold>
                    <layout::Fold folds=folds section=RoomSection::Updates>
                        <updates::UpdatesPanel room=room/>
                    </layout::Fold>
                    <layout::Fold folds=folds section=RoomSection::Timestamps>
                        <milestones::Milestones room=room/>
                    </layout::Fold>
                </section>
            </div>
        </main>
    }
}
