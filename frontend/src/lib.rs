#![recursion_limit = "256"]
//! The wasm entry point. Everything else lives in `app`.

use leptos::prelude::{document, set_timeout};

/// Set on `<html>` once the page is hydrated: until then the stylesheet shows the controls
/// that need the wasm as waiting, and they take no clicks (see style/main.css, firstload).
const HYDRATED: &str = "data-hydrated";

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Hydration is synchronous except for suspended parts whose data has yet to resolve,
    // which finish in microtasks; a task queued now runs after those.
    set_timeout(
        || {
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute(HYDRATED, "");
            }
        },
        std::time::Duration::ZERO,
    );
}
