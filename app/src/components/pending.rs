use leptos::prelude::*;

/// Says, until the wasm has taken over the page, that its controls do not work yet. Rendered by
/// the server like the rest; the stylesheet hides it once the browser's hydrate entry has set
/// `data-hydrated` on `<html>` (and shows the controls as waiting until then).
#[component]
pub fn HydrationPending() -> impl IntoView {
    view! {
        <span class="hydration-pending" role="status" data-testid="hydration-pending">
            "Loading… controls work in a moment"
        </span>
    }
}
