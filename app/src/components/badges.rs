use leptos::prelude::*;

use crate::domain::{Severity, Status};
use crate::live::{use_live, LiveStatus};

#[component]
pub fn SeverityBadge(#[prop(into)] severity: Signal<Severity>) -> impl IntoView {
    view! {
        <span
            class=move || format!("badge sev {}", severity.get().key())
            title=move || severity.get().description()
        >
            {move || severity.get().label()}
        </span>
    }
}

#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<Status>) -> impl IntoView {
    view! {
        <span class=move || format!("badge status {}", status.get().key())>
            {move || status.get().label()}
        </span>
    }
}

/// Connected / reconnecting, announced politely.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let live = use_live();
    let text = move || match live.status.get() {
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Connected => "Live",
        LiveStatus::Reconnecting => "Reconnecting…",
    };
    let class = move || match live.status.get() {
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
