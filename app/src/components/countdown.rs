//! SLA countdowns: each clock's time left (or overdue), ticking every second from the page's one
//! clock. The deadlines come from the shared domain; only the text and the state of each
//! countdown are derived from the clock, so a tick re-renders just those.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::format_datetime;
use crate::clock::use_clock;
use crate::domain::{countdown_text, state_at, Clock, ClockState};

fn state_key(state: ClockState) -> &'static str {
    match state {
        ClockState::OnTrack => "on-track",
        ClockState::DueSoon => "due-soon",
        ClockState::Breached => "breached",
        ClockState::Paused => "paused",
        ClockState::Met => "met",
    }
}

fn state_words(state: ClockState) -> &'static str {
    match state {
        ClockState::OnTrack => "on track",
        ClockState::DueSoon => "due soon",
        ClockState::Breached => "overdue",
        ClockState::Paused => "paused",
        ClockState::Met => "met",
    }
}

/// The running clocks of one incident. `rendered_at` is the server time of the snapshot: the
/// first render uses it on both sides, so hydration matches; then the page clock takes over.
#[component]
pub fn Countdowns(clocks: Signal<Vec<Clock>>, rendered_at: DateTime<Utc>) -> impl IntoView {
    let running = move || {
        clocks.with(|all| {
            all.iter()
                .filter(|c| c.running())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <ul class="clocks" aria-label="SLA clocks">
            <For
                each=running
                key=|c| (c.kind, c.deadline, c.due_soon_at)
                children=move |c| view! { <Countdown clock=c rendered_at=rendered_at/> }
            />
        </ul>
    }
}

#[component]
fn Countdown(clock: Clock, rendered_at: DateTime<Utc>) -> impl IntoView {
    let page_clock = use_clock();
    let now = move || page_clock.now_or(rendered_at);
    let (deadline, soon) = (clock.deadline, clock.due_soon_at);
    let state = Memo::new(move |_| match deadline {
        Some(d) => state_at(now(), soon.unwrap_or(d), d),
        None => ClockState::Paused,
    });
    let text = move || deadline.map_or_else(|| "paused".to_owned(), |d| countdown_text(d - now()));
    let kind = clock.kind;
    let due = deadline.map(format_datetime).unwrap_or_default();
    view! {
        <li
            class=move || format!("countdown {}", state_key(state.get()))
            data-testid=format!("clock-{}", kind.key())
            data-state=move || state_key(state.get())
            title=format!("{} target {} — due {due}", kind.label(), clock.target.label())
        >
            <span class="label">{kind.label()}</span>
            <time class="left" datetime=deadline.map(|d| d.to_rfc3339())>
                {text}
            </time>
            <span class="visually-hidden">{move || format!(" ({})", state_words(state.get()))}</span>
        </li>
    }
}
