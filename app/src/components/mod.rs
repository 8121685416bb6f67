//! Reusable view pieces.

mod badges;
mod header;
mod timeline;

pub use badges::{LiveBadge, SeverityBadge, StatusBadge};
pub use header::AppHeader;
pub use timeline::Timeline;

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

/// `2026-11-21 22:49 UTC` — timelines span days, so show the date too. UTC on both server and
/// browser so the first render hydrates cleanly.
pub fn format_datetime(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
