#![recursion_limit = "256"]
//! The wasm entry point. Everything else lives in `app`.

use leptos::prelude::{document, set_timeout};

/// Set on `<html>` once the page is hydrated: until then the stylesheet shows the controls
/// that need the wasm as waiting, and they take no clicks (see style/main.css, firstload).
const HYDRATED: &str = "data-hydrated";

/// How a split point's wrapper (wasm_split_macros) stops when its chunk cannot be loaded: after a
/// deploy, a tab opened before it asks for the chunks of the build before.
const CHUNK_NOT_LOADED: &str = "load callback should succeed";
/// The address this tab reloaded for a missing chunk (session storage), so that a chunk which
/// stays missing does not reload the page over and over.
const RELOADED_FOR: &str = "sitrep-reloaded-for-chunk";

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if info.to_string().contains(CHUNK_NOT_LOADED) {
            reload_once();
        }
    }));
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

/// Loads the page afresh, at the address the app was going to (the address bar changes only once
/// the screen has come), unless this tab already did so for it: the server then sends the current
/// build's page and chunks.
fn reload_once() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(target) = app::pages::chunks::destination().or_else(|| window.location().href().ok())
    else {
        return;
    };
    if let Ok(Some(storage)) = window.session_storage() {
        if storage.get_item(RELOADED_FOR).ok().flatten().as_deref() == Some(target.as_str()) {
            return;
        }
        let _ = storage.set_item(RELOADED_FOR, &target);
    }
    let _ = window.location().assign(&target);
}
