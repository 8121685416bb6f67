//! SLA countdowns: each clock's time left (or overdue), ticking every second from the page's one
//! clock. The deadlines come from the shared domain; only the text and the state of each
//! countdown are derived from the clock, so a tick re-renders just those.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::clock::use_clock;
use crate::domain::{countdown_text, countdown_words, state_at, Clock, ClockState};

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

/// `14:05 UTC` on the day of `today`, `Wed 2 Dec 14:05 UTC` on another.
fn deadline_text(deadline: DateTime<Utc>, today: DateTime<Utc>) -> String {
    if deadline.date_naive() == today.date_naive() {
        deadline.format("%H:%M UTC").to_string()
    } else {
        deadline.format("%a %-d %b %H:%M UTC").to_string()
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
    // The exact deadline and the time left in words ("due 14:05 UTC, in 59 minutes"): the short
    // text alone does not say which unit it counts in.
    let due = deadline.map(|d| deadline_text(d, rendered_at));
    let said = {
        let due = due.clone();
        move || match (&due, deadline) {
            (Some(due), Some(d)) => format!("due {due}, {}", countdown_words(d - now())),
            _ => "paused".to_owned(),
        }
    };
    let title = {
        let said = said.clone();
        let target = clock.target.label();
        move || format!("{} {} (target {target})", kind.label(), said())
    };
    view! {
        <li
            class=move || format!("countdown {}", state_key(state.get()))
            data-testid=format!("clock-{}", kind.key())
            data-state=move || state_key(state.get())
            title=title
        >
            <span class="label">{kind.label()}</span>
            <time class="left" datetime=deadline.map(|d| d.to_rfc3339()) aria-hidden="true">
                {text}
            </time>
            <span class="visually-hidden">
                {move || format!(" {} ({})", said(), state_words(state.get()))}
            </span>
        </li>
    }
}
