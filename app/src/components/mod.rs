//! Reusable view pieces.

mod badges;
mod countdown;
mod header;
mod pending;

pub use badges::{avatar_colour, Avatar, LiveBadge, PresenceList, SeverityBadge, StatusBadge};
pub use countdown::Countdowns;
pub use header::AppHeader;
pub use pending::HydrationPending;

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
    // The page says what went wrong, and so does its status (a missing incident is a 404, not
    // a 200 that reads "not found"), for links checkers, monitors and the browser's history.
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(error.kind.status()),
    ) {
        response.set_status(status);
    }
    let signin = error.kind == crate::domain::ErrorKind::Unauthenticated;
    view! {
        <main class="page">
            <p class="notice error" role="alert">{error.message}</p>
            {signin.then(|| view! { <p><a href="/login">"Sign in"</a></p> })}
        </main>
    }
}

/// The vocabulary, for every screen under the page that provides it. Only its role catalog
/// changes while a page is open (an admin's edit, which open rooms fetch when it is announced).
#[derive(Clone, Copy, Debug)]
pub struct Vocab(RwSignal<std::sync::Arc<crate::domain::Vocabulary>>);

impl Vocab {
    /// The vocabulary as a signal: what reads it follows the role catalog.
    pub fn signal(self) -> Signal<std::sync::Arc<crate::domain::Vocabulary>> {
        self.0.into()
    }

    /// Puts a newer role catalog in the page's vocabulary.
    pub fn set_roles(self, catalog: crate::domain::RoleCatalog) {
        self.0
            .try_update(|v| std::sync::Arc::make_mut(v).roles = catalog);
    }
}

pub fn provide_vocabulary(vocabulary: crate::domain::Vocabulary) -> Vocab {
    let vocab = Vocab(RwSignal::new(std::sync::Arc::new(vocabulary)));
    provide_context(vocab);
    vocab
}

/// The vocabulary the page provided (the defaults if none did), as it is now: for the words
/// that never change while a page is open (statuses, severities, templates).
pub fn use_vocabulary() -> std::sync::Arc<crate::domain::Vocabulary> {
    use_context::<Vocab>()
        .and_then(|v| v.0.try_get_untracked())
        .unwrap_or_default()
}

/// The vocabulary the page provided, as a signal (role labels follow the catalog).
pub fn use_live_vocabulary() -> Signal<std::sync::Arc<crate::domain::Vocabulary>> {
    match use_context::<Vocab>() {
        Some(vocab) => vocab.signal(),
        None => Signal::stored(Default::default()),
    }
}

/// A role's label, following the role catalog (an admin's rename shows at once).
#[component]
pub fn RoleName(#[prop(into)] role: String) -> impl IntoView {
    let vocab = use_live_vocabulary();
    move || {
        vocab
            .try_with(|v| v.role_label(&role).to_owned())
            .unwrap_or_default()
    }
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
