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

/// Who is here now: initials, with the names for screen readers and on hover.
#[component]
pub fn PresenceList(#[prop(into)] viewers: Signal<Vec<Actor>>) -> impl IntoView {
    view! {
        <ul class="presence" aria-label="Here now">
            <For
                each=move || viewers.get()
                key=|a| a.id
                children=|a| {
                    let initials: String = a
                        .name
                        .split_whitespace()
                        .filter_map(|w| w.chars().next())
                        .take(2)
                        .flat_map(char::to_uppercase)
                        .collect();
                    view! {
                        <li title=a.name.clone() data-user-id=a.id>
                            <span class="avatar" aria-hidden="true">{initials}</span>
                            <span class="visually-hidden">{a.name.clone()}</span>
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
