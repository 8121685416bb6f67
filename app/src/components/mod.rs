//! Reusable view pieces.

mod badges;
mod countdown;
mod header;

pub use badges::{LiveBadge, PresenceList, SeverityBadge, StatusBadge};
pub use countdown::Countdowns;
pub use header::AppHeader;

use leptos::prelude::*;

use crate::domain::AppError;

/// An error, told to a person, in a live region so screen readers announce it.
#[component]
pub fn ErrorNotice(error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p class="notice error" role="alert">
                {move || error.get().map(|e| e.message)}
            </p>
        </Show>
    }
}

/// A page that could not load, with a way forward.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    let signin = error.kind == crate::domain::ErrorKind::Unauthenticated;
    view! {
        <main class="page">
            <p class="notice error" role="alert">{error.message}</p>
            {signin.then(|| view! { <p><a href="/login">"Sign in"</a></p> })}
        </main>
    }
}

/// The configured vocabulary, for every screen under the page that provides it.
#[derive(Clone, Debug)]
pub struct Vocab(pub std::sync::Arc<crate::domain::Vocabulary>);

pub fn provide_vocabulary(vocabulary: crate::domain::Vocabulary) {
    provide_context(Vocab(std::sync::Arc::new(vocabulary)));
}

/// The vocabulary the page provided (the defaults if none did).
pub fn use_vocabulary() -> std::sync::Arc<crate::domain::Vocabulary> {
    use_context::<Vocab>().map(|v| v.0).unwrap_or_default()
}

/// `14:05:09` — the time of day, UTC (the day is shown by the timeline's day headings).
pub fn format_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%H:%M:%S").to_string()
}

/// `Friday 27 March 2026`.
pub fn format_day(day: chrono::NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// `5m ago`, `in 12m`, `3m overdue`-style relative time to `at` from `now`.
pub fn relative(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let d = at - now;
    if d >= chrono::Duration::zero() {
        format!("in {}", crate::domain::human_duration(d))
    } else {
        format!("{} ago", crate::domain::human_duration(-d))
    }
}

/// `2026-11-21 22:49 UTC` — timelines span days, so show the date too. UTC on both server and
/// browser so the first render hydrates cleanly.
pub fn format_datetime(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
