//! Saying so when Sitrep cannot be reached: the live stream dropped (it reconnects by itself,
//! resuming where it left off) — in the room's words, not the browser's.

use leptos::prelude::*;

use crate::domain::AppError;
use crate::live::{use_live, LiveStatus};

/// A polite notice while the room's live stream is reconnecting (what is typed stays in its
/// box; failed sends say the same in their own notice and are sent again).
#[component]
pub fn ConnectionNotice() -> impl IntoView {
    let live = use_live();
    let lost = move || live.status.get() == LiveStatus::Reconnecting;
    view! {
        <Show when=lost>
            <p class="notice offline" role="status" data-testid="connection-notice">
                {AppError::unreachable().message}
            </p>
        </Show>
    }
}
