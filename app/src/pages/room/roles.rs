//! The role board: the roster on one side, a column per role on the other. People are staffed by
//! HTML5 drag and drop, by touch (pointer events), by keyboard (pick up, arrows, drop) or by a
//! card's "Move to…" menu — all four plan the same change with the shared domain rules, show it at
//! once (optimistic), and send it with the board version they saw. A refusal puts the card back
//! and says who holds the role now. A hand-over or a swap is offered an undo for a few seconds.

use chrono::{DateTime, NaiveDateTime, Utc};
use leptos::prelude::*;

use super::touch::{release_at, FingerDrag};
use super::undo::{offer, Offer, UndoToast};
use super::Room;
use crate::clock::use_clock;
use crate::components::{format_datetime, use_live_vocabulary, ErrorNotice};
use crate::domain::{
    describe_payload, since_wall_clock, Actor, AppError, Command, EventPayload, Person, RoleBoard,
    RoleCommand, RoleDef, Stint, INCIDENT_COMMANDER, TECH_LEAD,
};

/// A card being moved: who, and from which role (`None`: from the roster).
#[derive(Debug, Clone, PartialEq)]
struct Carried {
    person: Actor,
    from: Option<String>,
}

/// A change shown before the server confirmed it: made on board `version`, at `at`, by moving
/// `carried`; `refocus` when the card was moved by keyboard or menu (focus follows it).
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    version: i64,
    change: EventPayload,
    at: DateTime<Utc>,
    carried: Carried,
    refocus: bool,
    /// It undoes the change before it (and is offered no undo itself).
    undoing: bool,
}

/// The board's shared state, handed to every card and column.
#[derive(Clone, Copy)]
struct Board {
    room: Room,
    /// The board as shown: the incident's, plus the pending change.
    shown: Memo<RoleBoard>,
    pending: RwSignal<Option<Pending>>,
    /// Drop targets, in keyboard order: the roster (`None`) then each assignable role.
    targets: Memo<Vec<Option<RoleDef>>>,
    /// Being dragged with a mouse, pen or finger.
    dragging: RwSignal<Option<Carried>>,
    /// Picked up with the keyboard, and the target it would drop on.
    carrying: RwSignal<Option<(Carried, usize)>>,
    /// The target under the pointer or chosen by keyboard.
    over: RwSignal<Option<usize>>,
    /// What the polite live region says.
    announcement: RwSignal<String>,
    /// Why the last change was refused.
    refusal: RwSignal<Option<String>>,
    /// The undo offered for the viewer's last hand-over or swap.
    offer: RwSignal<Option<Offer>>,
    /// The page runs in the browser (so times can read in its time zone).
    hydrated: RwSignal<bool>,
    /// After a keyboard or menu move: the card (person, role or `None` for the roster) to
    /// focus, so the keyboard user carries on from where the card went.
    refocus: RwSignal<Option<(i64, Option<String>)>>,
    editable: Signal<bool>,
    send: Action<Command, Result<crate::api::Acted, AppError>>,
    /// Follows the role catalog: an admin's edit reaches the board at once.
    vocab: Signal<std::sync::Arc<crate::domain::Vocabulary>>,
    clock: crate::clock::Clock,
}

impl Board {
    fn label(&self, target: usize) -> String {
        self.targets.with_untracked(|t| match t.get(target) {
            Some(Some(role)) => role.label.clone(),
            _ => "People".to_owned(),
        })
    }

    fn key(&self, target: usize) -> Option<String> {
        self.targets
            .with_untracked(|t| t.get(target).cloned().flatten().map(|r| r.key))
    }

    /// The target index of the roster (`None`) or a role; `None` for a retired role.
    fn index_of(&self, role: Option<&str>) -> Option<usize> {
        self.targets.with_untracked(|t| position_of(t, role))
    }

    /// Drops `carried` on target `target`: plans the change with the domain's rules, shows it
    /// at once and sends it; or says why not. With `refocus` (keyboard and menu), focus follows
    /// the card to where it lands.
    fn drop_on(&self, carried: Carried, target: usize, refocus: bool) {
        self.dragging.set(None);
        self.carrying.set(None);
        self.over.set(None);
        if !self.editable.get_untracked() {
            return;
        }
        let vocab = self.vocab.get_untracked();
        let to = self.key(target);
        let board = self.room.incident.with_untracked(|i| i.roles.clone());
        let stays = (carried.person.id, carried.from.clone());
        if refocus {
            self.refocus.set(Some(stays.clone()));
        }
        if self.pending.with_untracked(Option::is_some) {
            self.refusal.set(Some(
                "One change at a time: the last one is still on its way.".into(),
            ));
            return;
        }
        match board.plan_drop(
            &vocab.roles,
            &carried.person,
            carried.from.as_deref(),
            to.as_deref(),
        ) {
            Ok(Some(change)) => {
                let lands = refocus.then_some((carried.person.id, to));
                self.propose(change, board.version, carried, lands, false);
            }
            Ok(None) => self
                .announcement
                .set(format!("{} stays where they were.", carried.person.name)),
            // Said once, by the alert.
            Err(refused) => self.refusal.set(Some(refused.to_string())),
        }
    }

    /// Shows `change` at once (made on board `version` by moving `carried`) and sends it; focus
    /// follows to `lands` (a card: person and role) when given.
    fn propose(
        &self,
        change: EventPayload,
        version: i64,
        carried: Carried,
        lands: Option<(i64, Option<String>)>,
        undoing: bool,
    ) {
        let Some(command) = Command::for_role_change(&change, version) else {
            return;
        };
        let said = describe_payload(&change, &self.vocab.get_untracked());
        self.announcement.set(if undoing {
            format!("Undone: {said}.")
        } else {
            format!("{said}.")
        });
        self.refusal.set(None);
        self.offer.set(None);
        let refocus = lands.is_some();
        if lands.is_some() {
            self.refocus.set(lands);
        }
        self.pending.set(Some(Pending {
            version,
            change,
            at: self.clock.now_or(self.room.server_time),
            carried,
            refocus,
            undoing,
        }));
        self.send.dispatch(command);
    }

    /// Takes the undo on offer: the change that takes the last one back, on the board it left
    /// (refused by the version check if anyone has changed the board since).
    fn undo(&self) {
        let Some(offer) = self.offer.get_untracked() else {
            return;
        };
        self.offer.set(None);
        if self.pending.with_untracked(Option::is_some) {
            self.refusal.set(Some(
                "One change at a time: the last one is still on its way.".into(),
            ));
            return;
        }
        if let Some((carried, lands)) = undo_carries(&offer.undo) {
            self.propose(offer.undo, offer.version, carried, Some(lands), true);
        }
    }

    /// "since 20:10" for a stint assumed `at`: in the reader's time zone once the page runs in
    /// their browser; before that (and on the server) in UTC, so both first render the same.
    fn since(&self, at: DateTime<Utc>) -> String {
        let now = self.clock.now_or(self.room.server_time);
        let local = if self.hydrated.get() {
            wall_clock(at).zip(wall_clock(now))
        } else {
            None
        };
        match local {
            Some((at, now)) => since_wall_clock(at, now),
            None => format!("{} UTC", since_wall_clock(at.naive_utc(), now.naive_utc())),
        }
    }

    /// An HTML5 drag passes over drop target `target` (`None`: not a target, e.g. a retired
    /// role): accept the drop there and highlight it.
    fn drag_over(&self, ev: &leptos::ev::DragEvent, target: Option<usize>) {
        if let Some(i) = target {
            if self.dragging.with_untracked(Option::is_some) {
                ev.prevent_default();
                self.over.set(Some(i));
            }
        }
    }

    /// An HTML5 drag ends on drop target `target`.
    fn dropped(&self, ev: &leptos::ev::DragEvent, target: Option<usize>) {
        ev.prevent_default();
        if let (Some(i), Some(carried)) = (target, self.dragging.get_untracked()) {
            self.drop_on(carried, i, false);
        }
    }

    /// What a target holds, for the live region while choosing with the keyboard.
    fn describe_target(&self, target: usize, carried: &Carried) -> String {
        let label = self.label(target);
        match self.key(target) {
            None => match &carried.from {
                Some(_) => format!("{label}: drop to relieve {}.", carried.person.name),
                None => format!("{label}: where {} is now.", carried.person.name),
            },
            Some(key) => {
                let holders: Vec<String> = self
                    .shown
                    .with_untracked(|b| b.holders(&key).map(|p| p.name.clone()).collect());
                if holders.is_empty() {
                    return format!("{label}: nobody yet.");
                }
                // What Enter would do there, when it is more than joining the holders.
                let vocab = self.vocab.get_untracked();
                let plan = self.shown.with_untracked(|b| {
                    b.plan_drop(
                        &vocab.roles,
                        &carried.person,
                        carried.from.as_deref(),
                        Some(&key),
                    )
                });
                let then = match plan {
                    Ok(Some(EventPayload::RoleHandedOver { .. })) => {
                        format!(" Enter hands it over to {}.", carried.person.name)
                    }
                    Ok(Some(EventPayload::RolesSwapped { .. })) => " Enter swaps them.".into(),
                    _ => String::new(),
                };
                format!("{label}: {}.{then}", holders.join(", "))
            }
        }
    }

    /// Keys on a card: Space or Enter picks it up; then arrows choose a target, Enter (or
    /// Space) drops, Escape cancels.
    fn key_on_card(&self, ev: &leptos::ev::KeyboardEvent, carried: &Carried) {
        if !self.editable.get_untracked() {
            return;
        }
        let n = self.targets.with_untracked(Vec::len);
        let current = self
            .carrying
            .get_untracked()
            .filter(|(c, _)| c.person.id == carried.person.id && c.from == carried.from);
        match (ev.key().as_str(), current) {
            (" " | "Enter", None) => {
                ev.prevent_default();
                // A retired role is no target: start from the roster.
                let at = self.index_of(carried.from.as_deref()).unwrap_or(0);
                self.carrying.set(Some((carried.clone(), at)));
                self.over.set(Some(at));
                self.announcement.set(format!(
                    "Picked up {}. Use the arrow keys to choose a role, Enter to drop, Escape \
                     to cancel.",
                    carried.person.name
                ));
            }
            ("ArrowRight" | "ArrowDown" | "ArrowLeft" | "ArrowUp", Some((c, at))) => {
                ev.prevent_default();
                let next = if matches!(ev.key().as_str(), "ArrowRight" | "ArrowDown") {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                self.announcement.set(self.describe_target(next, &c));
                self.carrying.set(Some((c, next)));
                self.over.set(Some(next));
            }
            (" " | "Enter", Some((c, at))) => {
                ev.prevent_default();
                self.drop_on(c, at, true);
            }
            ("Escape", Some((c, _))) => {
                ev.prevent_default();
                self.carrying.set(None);
                self.over.set(None);
                self.announcement.set(format!(
                    "Cancelled: {} stays where they were.",
                    c.person.name
                ));
            }
            _ => {}
        }
    }
}

/// Starts an HTML5 drag: some browsers only drag with data set.
#[cfg(feature = "hydrate")]
fn start_drag(ev: &leptos::ev::DragEvent, text: &str) {
    if let Some(data) = ev.data_transfer() {
        let _ = data.set_data("text/plain", text);
        data.set_effect_allowed("move");
    }
}

#[cfg(not(feature = "hydrate"))]
fn start_drag(_: &leptos::ev::DragEvent, _: &str) {}

/// Who an undo moves back, carried from where (focus returns there if it is refused), and
/// where they land (focus follows them there).
fn undo_carries(undo: &EventPayload) -> Option<(Carried, (i64, Option<String>))> {
    match undo {
        EventPayload::RoleHandedOver { role, from, to } => Some((
            Carried {
                person: from.clone(),
                from: Some(role.clone()),
            },
            (to.id, Some(role.clone())),
        )),
        EventPayload::RolesSwapped {
            first_role,
            first,
            second_role,
            ..
        } => Some((
            Carried {
                person: first.clone(),
                from: Some(first_role.clone()),
            },
            (first.id, Some(second_role.clone())),
        )),
        _ => None,
    }
}

/// `at` on the reader's wall clock (the browser's time zone); `None` on the server.
#[cfg(feature = "hydrate")]
fn wall_clock(at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let date = js_sys::Date::new(&(at.timestamp_millis() as f64).into());
    let offset = chrono::FixedOffset::west_opt((date.get_timezone_offset() * 60.0) as i32)?;
    Some(at.with_timezone(&offset).naive_local())
}

#[cfg(not(feature = "hydrate"))]
fn wall_clock(_: DateTime<Utc>) -> Option<NaiveDateTime> {
    None
}

#[component]
pub fn RoleBoardPanel(room: Room) -> impl IntoView {
    let vocab = use_live_vocabulary();
    let pending = RwSignal::new(None::<Pending>);
    let shown = Memo::new(move |_| {
        let mut board = room.incident.with(|i| i.roles.clone());
        if let Some(p) = pending.get() {
            if p.version == board.version {
                let me = Actor {
                    id: room.viewer_id,
                    name: String::new(),
                };
                board.apply(&p.change, p.at, &me);
            }
        }
        board
    });
    let send = room.action();
    let refusal = RwSignal::new(None::<String>);
    let refocus = RwSignal::new(None);
    let undo_offer = RwSignal::new(None::<Offer>);
    Effect::new(move |_| match send.value().get() {
        Some(Ok(_)) => {
            // A hand-over or a swap the viewer made: offer to take it back, on the board it
            // left (one version on).
            if let Some(p) = pending.get_untracked().filter(|p| !p.undoing) {
                if let Some(undo) = RoleBoard::undo(&p.change) {
                    let said = describe_payload(&p.change, &vocab.get_untracked());
                    offer(undo_offer, said, undo, p.version + 1);
                }
            }
            pending.set(None);
        }
        Some(Err(e)) => {
            // The card goes back (and focus with it); say why (for a lost race: who holds the
            // role now).
            let p = pending.get_untracked();
            if let Some(p) = p.as_ref().filter(|p| p.refocus) {
                refocus.set(Some((p.carried.person.id, p.carried.from.clone())));
            }
            pending.set(None);
            refusal.set(Some(if p.is_some_and(|p| p.undoing) {
                format!("Not undone: {}", e.message)
            } else {
                e.message
            }));
        }
        None => {}
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let editable = Signal::derive(move || {
        room.takes(RoleCommand::Relieve {
            role: String::new(),
            person_id: 0,
            expected_version: 0,
        })
    });
    let targets = Memo::new(move |_| {
        let mut targets = vec![None];
        vocab.with(|v| targets.extend(v.roles.active().cloned().map(Some)));
        targets
    });
    let board = Board {
        room,
        shown,
        pending,
        targets,
        dragging: RwSignal::new(None),
        carrying: RwSignal::new(None),
        over: RwSignal::new(None),
        announcement: RwSignal::new(String::new()),
        refusal,
        offer: undo_offer,
        hydrated,
        refocus,
        editable,
        send,
        vocab,
        clock: use_clock(),
    };
    // An admin's catalog edit moves the targets: a card being carried by keyboard would drop
    // on whatever now sits where its target was, so it is put down, and the person told.
    Effect::new(move |seen: Option<()>| {
        board.targets.track();
        if seen.is_some() {
            if let Some((c, _)) = board.carrying.get_untracked() {
                board.carrying.set(None);
                board.over.set(None);
                board.announcement.set(format!(
                    "The roles just changed: {} stays where they were. Pick the card up again.",
                    c.person.name
                ));
            }
        }
    });
    // Retired roles stay on the board while they have a history. A catalog edit rebuilds only
    // the columns of the roles it changed.
    let columns = Memo::new(move |_| vocab.with(|v| v.roles.roles.clone()));
    view! {
        <section class="panel role-board" aria-labelledby="roles-heading" data-testid="role-board">
            <div class="panel-head">
                <Show when=move || editable.get()>
                    <span class="hint">
                        "Drag people onto roles, or use a card's Move to… menu. Keyboard: Space picks a card up, arrows choose, Enter drops, Escape cancels."
                    </span>
                </Show>
            </div>
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="board-announcer">
                {move || board.announcement.get()}
            </p>
            {move || {
                board
                    .refusal
                    .get()
                    .map(|message| {
                        view! {
                            <p class="notice error" role="alert" data-testid="board-refusal">
                                {message}
                            </p>
                        }
                    })
            }}
            <DoubleDuty board=board/>
            <UndoToast offer=undo_offer undo=move || board.undo()/>
            <div class="board">
                <Roster board=board/>
                <div class="role-columns">
                    <For
                        each=move || columns.get()
                        key=|role| role.clone()
                        children=move |role| view! { <RoleColumn board=board role=role/> }
                    />
                </div>
            </div>
        </section>
    }
}

/// The warning for a commander who is also the Tech Lead (the domain says who).
#[component]
fn DoubleDuty(board: Board) -> impl IntoView {
    let who = Memo::new(move |_| board.shown.with(|b| b.commander_also_tech_lead().cloned()));
    move || {
        who.get().map(|person| {
            let said = board.vocab.with(|v| {
                format!(
                    "{} is both {} and {}: hand one of them over, so someone keeps the whole \
                     incident in view while the other works on the fix.",
                    person.name,
                    v.roles.label(INCIDENT_COMMANDER),
                    v.roles.label(TECH_LEAD)
                )
            });
            view! {
                <p class="notice warning" role="status" data-testid="double-duty-warning">
                    {said}
                </p>
            }
        })
    }
}

/// Where the roster (`None`) or a role is among the drop targets; `None` for a retired role.
fn position_of(targets: &[Option<RoleDef>], role: Option<&str>) -> Option<usize> {
    targets
        .iter()
        .position(|r| r.as_ref().map(|r| r.key.as_str()) == role)
}

/// The class of a drop target (the roster, or a role at `index` among the targets; a retired
/// role is none): marked while something is carried, and while it is the one under the card.
fn drop_target_class(
    board: Board,
    index: Signal<Option<usize>>,
    base: String,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || {
        let active = board.dragging.with(Option::is_some) || board.carrying.with(Option::is_some);
        let mut class = base.clone();
        if active {
            class.push_str(" droppable");
        }
        if index.get().is_some_and(|i| board.over.get() == Some(i)) {
            class.push_str(" over");
        }
        class
    }
}

#[component]
fn Roster(board: Board) -> impl IntoView {
    let room = board.room;
    let query = RwSignal::new(String::new());
    let people = Memo::new(move |_| {
        let q = query.get();
        let mut people: Vec<Person> = room
            .roster
            .with(|all| all.iter().filter(|p| p.matches(&q)).cloned().collect());
        people.sort_by(|a, b| b.on_call.cmp(&a.on_call).then(a.name.cmp(&b.name)));
        people
    });
    view! {
        <div
            class=drop_target_class(board, Signal::stored(Some(0)), "roster".to_owned())
            data-drop-index="0"
            data-testid="roster"
            aria-label="People"
            on:dragover=move |ev| board.drag_over(&ev, Some(0))
            on:drop=move |ev| board.dropped(&ev, Some(0))
        >
            <h3>"People"</h3>
            <input
                type="search"
                class="roster-search"
                placeholder="Search name or team"
                aria-label="Search people"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <ul class="cards">
                <For
                    each=move || people.get()
                    key=|p| (p.id, p.on_call, p.team.clone(), p.holding.clone())
                    children=move |p| view! { <PersonCard board=board person=p/> }
                />
            </ul>
            {move || {
                (people.with(Vec::is_empty))
                    .then(|| view! { <p class="empty">"Nobody matches."</p> })
            }}
        </div>
    }
}

#[component]
fn PersonCard(board: Board, person: Person) -> impl IntoView {
    let room = board.room;
    let id = person.id;
    let here = Memo::new(move |_| {
        let active = room.incident.with(|i| i.status.is_active());
        active && board.shown.with(|b| !b.roles_of(id).is_empty())
    });
    let load_person = person.clone();
    let load = move || {
        let n = load_person.load(room.id, here.get());
        match n {
            0 => "no open incidents".to_owned(),
            1 => "1 open incident".to_owned(),
            n => format!("{n} open incidents"),
        }
    };
    let carried = Carried {
        person: Actor {
            id,
            name: person.name.clone(),
        },
        from: None,
    };
    let team = (!person.team.is_empty())
        .then(|| view! { <span class="team">{person.team.clone()}</span> });
    let on_call = person
        .on_call
        .then(|| view! { <span class="badge on-call">"On call"</span> });
    view! {
        <Card board=board carried=carried>
            {team}
            {on_call}
            <span class="load" data-testid="load">{load}</span>
        </Card>
    }
}

/// A draggable person card, on the roster or in a role.
#[component]
fn Card(
    board: Board,
    carried: Carried,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let toggle = NodeRef::<leptos::html::Button>::new();
    let name = carried.person.name.clone();
    let id = carried.person.id;
    let from = carried.from.clone();
    let stored = StoredValue::new(carried);
    let picked_up = move || {
        board.carrying.with(|c| {
            c.as_ref().is_some_and(|(c, _)| {
                stored.with_value(|s| c.person.id == s.person.id && c.from == s.from)
            })
        })
    };
    let touching = RwSignal::new(false);
    let finger = StoredValue::new_local(None::<FingerDrag>);
    let node = NodeRef::<leptos::html::Li>::new();
    Effect::new(move |_| {
        let mine = board.refocus.with(|r| {
            r.as_ref().is_some_and(|(person, role)| {
                stored.with_value(|s| s.person.id == *person && s.from == *role)
            })
        });
        if mine {
            if let Some(el) = node.get() {
                let _ = el.focus();
                board.refocus.set(None);
            }
        }
    });
    let testid = format!("card-{}-{id}", from.as_deref().unwrap_or("roster"));
    view! {
        <li
            node_ref=node
            class=move || if picked_up() { "card picked-up" } else { "card" }
            draggable=move || board.editable.get().to_string()
            tabindex="0"
            data-person-id=id
            data-testid=testid
            aria-roledescription="draggable person"
            aria-label=name.clone()
            on:dragstart=move |ev| {
                let carried = stored.get_value();
                start_drag(&ev, &carried.person.name);
                board.dragging.set(Some(carried));
            }
            on:dragend=move |_| {
                board.dragging.set(None);
                board.over.set(None);
            }
            on:keydown=move |ev| {
                if ev.target() == ev.current_target() {
                    board.key_on_card(&ev, &stored.get_value());
                }
            }
            on:pointerdown=move |ev| {
                if ev.pointer_type() == "touch" && board.editable.get_untracked() {
                    touching.set(true);
                    board.dragging.set(Some(stored.get_value()));
                    let follow = move |target| board.over.set(target);
                    let drag = FingerDrag::start(ev.client_x(), ev.client_y(), follow);
                    finger.set_value(Some(drag));
                }
            }
            on:pointermove=move |ev| {
                if touching.get_untracked() {
                    let (x, y) = (ev.client_x(), ev.client_y());
                    finger.with_value(|f| f.as_ref().map(|f| f.follow(x, y)));
                    // Highlighted: where letting go would drop (nothing at the window's edge).
                    board.over.set(release_at(x, y));
                }
            }
            on:pointerup=move |ev| {
                if touching.get_untracked() {
                    touching.set(false);
                    finger.set_value(None);
                    match release_at(ev.client_x(), ev.client_y()) {
                        Some(target) => board.drop_on(stored.get_value(), target, false),
                        None => {
                            board.dragging.set(None);
                            board.over.set(None);
                            board.announcement.set(format!(
                                "Cancelled: {} stays where they were.",
                                stored.with_value(|s| s.person.name.clone())
                            ));
                        }
                    }
                }
            }
            on:pointercancel=move |_| {
                // Only this card's own touch drag: a mouse drag starting elsewhere cancels the
                // pointer over whatever card it passes.
                if touching.get_untracked() {
                    touching.set(false);
                    finger.set_value(None);
                    board.dragging.set(None);
                    board.over.set(None);
                }
            }
        >
            <span class="name">{name.clone()}</span>
            {children.map(|c| c())}
            <Show when=move || board.editable.get()>
                <button
                    type="button"
                    class="link move-to"
                    node_ref=toggle
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    "Move to…"
                </button>
                <Show when=move || menu_open.get()>
                    <MoveMenu board=board carried=stored.get_value() close=menu_open toggle=toggle/>
                </Show>
            </Show>
        </li>
    }
}

/// Where a card can go, as a list of buttons (a disclosure, not an ARIA menu: Tab moves
/// through it, Escape closes it and returns to its button).
#[component]
fn MoveMenu(
    board: Board,
    carried: Carried,
    close: RwSignal<bool>,
    toggle: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let here = board.index_of(carried.from.as_deref());
    let n = board.targets.with_untracked(Vec::len);
    let from_role = carried.from.is_some();
    let carried = StoredValue::new(carried);
    let list = NodeRef::<leptos::html::Ul>::new();
    // Opening moves focus to the first choice.
    Effect::new(move |_| {
        if let Some(ul) = list.get() {
            if let Ok(Some(first)) = ul.query_selector("button") {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(button) = first.dyn_into::<leptos::web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        }
    });
    let items = (0..n)
        .filter(|&i| Some(i) != here)
        .filter(|&i| i != 0 || from_role)
        .map(|i| {
            let label = if i == 0 {
                "Relieve (back to People)".to_owned()
            } else {
                board.label(i)
            };
            // The choice is a role, not a place: the catalog may change while the menu is open.
            let role = board.key(i);
            let retired = format!("{} is no longer offered: choose another role.", label);
            view! {
                <li>
                    <button
                        type="button"
                        on:click=move |_| {
                            close.set(false);
                            match board.index_of(role.as_deref()) {
                                Some(at) => board.drop_on(carried.get_value(), at, true),
                                None => board.refusal.set(Some(retired.clone())),
                            }
                        }
                    >
                        {label}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul
            class="move-menu"
            aria-label="Move to"
            node_ref=list
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    ev.stop_propagation();
                    close.set(false);
                    if let Some(button) = toggle.get() {
                        let _ = button.focus();
                    }
                }
            }
        >
            {items}
        </ul>
    }
}

#[component]
fn RoleColumn(board: Board, role: RoleDef) -> impl IntoView {
    let key = StoredValue::new(role.key.clone());
    // Its place among the drop targets moves when the catalog is reordered.
    let index = Memo::new(move |_| {
        board
            .targets
            .with(|t| key.with_value(|k| position_of(t, Some(k))))
    });
    let holders = Memo::new(move |_| {
        board
            .shown
            .with(|b| key.with_value(|k| b.current(k).cloned().collect::<Vec<_>>()))
    });
    let history = Memo::new(move |_| {
        board
            .shown
            .with(|b| key.with_value(|k| b.history(k).cloned().collect::<Vec<_>>()))
    });
    let visible = move || !role.retired || history.with(|h| !h.is_empty());
    let single = role.single;
    let commander = role.key == INCIDENT_COMMANDER;
    // One class string: a computed `class` replaces `class:` toggles when it changes.
    let mut base = "role-column".to_owned();
    if commander {
        base.push_str(" commander");
    }
    if role.retired {
        base.push_str(" retired");
    }
    let class = drop_target_class(board, index.into(), base);
    let checklist = role.checklist.clone();
    let label = role.label.clone();
    view! {
        <Show when=visible>
            <div
                class=class.clone()
                data-drop-index=move || index.get().map(|i| i.to_string())
                data-testid=format!("role-{}", key.get_value())
                aria-label=label.clone()
                on:dragover=move |ev| board.drag_over(&ev, index.get_untracked())
                on:drop=move |ev| board.dropped(&ev, index.get_untracked())
            >
                <h3>
                    {label.clone()}
                    {(!single).then(|| view! { <span class="hint">" · any number"</span> })}
                    {role.retired.then(|| view! { <span class="badge">"Retired"</span> })}
                </h3>
                <p class="description">{role.description.clone()}</p>
                <ul class="cards holders">
                    <For
                        each=move || holders.get()
                        key=|s| s.person.id
                        children=move |s| {
                            // Keyed by person, so focus stays on the card when the server's
                            // time replaces the optimistic one.
                            let id = s.person.id;
                            let assumed = Memo::new(move |_| {
                                board.shown.with(|b| {
                                    key.with_value(|k| {
                                        b.current(k).find(|s| s.person.id == id).map(|s| s.assumed)
                                    })
                                })
                            });
                            let carried = Carried {
                                person: s.person,
                                from: Some(key.get_value()),
                            };
                            let since = Memo::new(move |_| {
                                assumed.get().map(|at| board.since(at)).unwrap_or_default()
                            });
                            view! {
                                <Card board=board carried=carried>
                                    <time
                                        class="since"
                                        datetime=move || assumed.get().map(|at| at.to_rfc3339())
                                        title=move || assumed.get().map(format_datetime)
                                    >
                                        {since}
                                    </time>
                                </Card>
                            }
                        }
                    />
                </ul>
                {move || {
                    holders
                        .with(Vec::is_empty)
                        .then(|| view! { <p class="empty">"Drop someone here"</p> })
                }}
                <Checklist board=board role=key.get_value() items=checklist.clone()/>
                <RoleHistory board=board history=history/>
            </div>
        </Show>
    }
}

#[component]
fn Checklist(board: Board, role: String, items: Vec<String>) -> impl IntoView {
    let room = board.room;
    let tick = room.action();
    let role = StoredValue::new(role);
    // Whom the board lets tick (its holders and the commander), while the incident takes ticks.
    let may_tick = move || {
        let sample = RoleCommand::TickChecklist {
            role: String::new(),
            item: String::new(),
            done: true,
        };
        room.takes(sample)
            && board
                .shown
                .with(|b| role.with_value(|r| b.may_tick(r, room.viewer_id)))
    };
    // A refused tick puts the box back as the board has it.
    let reverted = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Err(_)) = tick.value().get() {
            reverted.update(|n| *n += 1);
        }
    });
    let total = items.len();
    let all_items = StoredValue::new(items.clone());
    let rows = items
        .into_iter()
        .map(|item| {
            let item = StoredValue::new(item);
            let ticked = Memo::new(move |_| {
                board.shown.with(|b| {
                    role.with_value(|r| {
                        item.with_value(|i| b.tick_of(r, i).map(|t| (t.by.name.clone(), t.at)))
                    })
                })
            });
            view! {
                <li>
                    <label>
                        <input
                            type="checkbox"
                            prop:checked=move || {
                                reverted.track();
                                ticked.with(Option::is_some)
                            }
                            disabled=move || !may_tick() || tick.pending().get()
                            on:change=move |ev| {
                                tick.dispatch(Command::Roles(RoleCommand::TickChecklist {
                                    role: role.get_value(),
                                    item: item.get_value(),
                                    done: event_target_checked(&ev),
                                }));
                            }
                        />
                        {item.get_value()}
                    </label>
                    {move || {
                        ticked
                            .get()
                            .map(|(by, at)| {
                                view! {
                                    <span class="ticked-by" title=format_datetime(at)>
                                        {format!(" — {by}")}
                                    </span>
                                }
                            })
                    }}
                </li>
            }
        })
        .collect_view();
    // Only the items the checklist has now (an admin may have reworded one since it was ticked).
    let done = move || {
        board.shown.with(|b| {
            role.with_value(|r| {
                all_items.with_value(|items| items.iter().filter(|i| b.is_ticked(r, i)).count())
            })
        })
    };
    view! {
        <details class="checklist">
            <summary>{move || format!("Checklist {}/{total}", done())}</summary>
            <ul aria-label="Checklist">{rows}</ul>
            <ErrorNotice error=super::action_error(tick)/>
        </details>
    }
}

#[component]
fn RoleHistory(board: Board, history: Memo<Vec<Stint>>) -> impl IntoView {
    view! {
        <details class="role-history">
            <summary>{move || format!("Hand-overs ({})", history.with(Vec::len))}</summary>
            <ol>
                {move || {
                    history
                        .get()
                        .into_iter()
                        .map(|s| {
                            let assumed = s.assumed;
                            let when = match s.relieved {
                                // The current holder: since when, on the reader's clock.
                                None => view! {
                                    " · "
                                    <time datetime=assumed.to_rfc3339() title=format_datetime(assumed)>
                                        {move || board.since(assumed)}
                                    </time>
                                }
                                    .into_any(),
                                Some(relieved) => view! {
                                    " · assumed "
                                    <time datetime=assumed.to_rfc3339()>{format_datetime(assumed)}</time>
                                    " · relieved "
                                    <time datetime=relieved.to_rfc3339()>{format_datetime(relieved)}</time>
                                }
                                    .into_any(),
                            };
                            view! {
                                <li data-testid="stint">
                                    <strong>{s.person.name}</strong>
                                    {when}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </details>
    }
}
