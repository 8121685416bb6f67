#![recursion_limit = "256"]
//! The wasm entry point. Everything else lives in `app`.

use leptos::prelude::{document, set_timeout};

/// Set on `<html>` once the page is hydrated: until then the stylesheet shows the controls
/// that need the wasm as waiting, and they take no clicks (see style/main.css, firstload).
const HYDRATED: &str = "data-hydrated";

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Each screen is a chunk of its own (app/src/pages/chunks.rs): hydration waits for the
    // open screen's chunk, so it is asynchronous, as `leptos::mount::hydrate_lazy` is, and the
    // page is marked hydrated when it has finished.
    let Some(body) = document().body() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async {
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Suspended parts whose data has yet to resolve finish in microtasks; a task queued
        // now runs after those.
        set_timeout(
            || {
                if let Some(html) = document().document_element() {
                    let _ = html.set_attribute(HYDRATED, "");
                }
            },
            std::time::Duration::ZERO,
        );
    });
}
