//! One file per screen.

pub mod chunks;
pub mod incidents;
pub mod login;
pub mod roles;
pub mod room;
pub mod services;
pub mod sla;
pub mod tokens;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p><a href="/incidents">"Go to the incidents"</a></p>
        </main>
    }
}
