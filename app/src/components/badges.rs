use leptos::prelude::*;

use super::use_vocabulary;
use crate::domain::{Actor, Severity, Status};
use crate::live::{use_live, LiveStatus};

#[component]
pub fn SeverityBadge(#[prop(into)] severity: Signal<Severity>) -> impl IntoView {
    let vocab = use_vocabulary();
    let def = move || vocab.severity(severity.get());
    let def2 = def.clone();
    view! {
        <span
            class=move || format!("badge sev {}", severity.get().key())
            title=move || def().description
        >
            {move || def2().label}
        </span>
    }
}

#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<Status>) -> impl IntoView {
    let vocab = use_vocabulary();
    let v2 = vocab.clone();
    view! {
        <span
            class=move || format!("badge status {}", status.get().key())
            title=move || v2.status_description(status.get())
        >
            {move || vocab.status_label(status.get())}
        </span>
    }
}

/// How many avatar colours the stylesheet has (`.avatar.c0` … `.avatar.c7`).
const AVATAR_COLOURS: i64 = 8;

/// A person's avatar: their initials on a colour chosen from their id, so two people with the
/// same initials (Sam Okafor, Stella Ortiz) still look different — a class, not an inline
/// style, which the CSP refuses. Focusable, with the full name on hover (`title`), on focus
/// (the stylesheet shows `data-name`) and for screen readers (`aria-label`).
#[component]
pub fn Avatar(id: i64, #[prop(into)] name: String) -> impl IntoView {
    let class = format!("avatar c{}", avatar_colour(id));
    view! {
        <span
            class=class
            role="img"
            tabindex="0"
            title=name.clone()
            aria-label=name.clone()
            data-name=name.clone()
        >
            {crate::domain::initials(&name)}
        </span>
    }
}

/// The colour class number of the person `id`: neighbouring ids (people added one after
/// another) never share one.
pub fn avatar_colour(id: i64) -> i64 {
    id.rem_euclid(AVATAR_COLOURS)
}

/// Who is here now: their avatars, with the names for screen readers, on hover and on focus.
#[component]
pub fn PresenceList(#[prop(into)] viewers: Signal<Vec<Actor>>) -> impl IntoView {
    view! {
        <ul class="presence" aria-label="Here now">
            <For
                each=move || viewers.get()
                key=|a| a.id
                children=|a| {
                    view! {
                        <li title=a.name.clone() data-user-id=a.id>
                            <Avatar id=a.id name=a.name.clone()/>
                        </li>
                    }
                }
            />
        </ul>
    }
}

/// Connected / reconnecting, announced politely.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let live = use_live();
    let text = move || match live.status.get() {
        LiveStatus::Idle => "",
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Connected => "Live",
        LiveStatus::Reconnecting => "Reconnecting…",
    };
    let class = move || match live.status.get() {
        LiveStatus::Idle => "live-badge idle",
        LiveStatus::Connecting => "live-badge connecting",
        LiveStatus::Connected => "live-badge connected",
        LiveStatus::Reconnecting => "live-badge reconnecting",
    };
    view! {
        <span role="status" aria-live="polite" class=class data-testid="live-badge">
            {text}
        </span>
    }
}
