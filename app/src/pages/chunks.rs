//! Each screen is a route of its own chunk of the browser's wasm: a first visit downloads the
//! shared code and the chunk of the screen it opens (the server names that chunk in the page's
//! preloads, so both come at once); another screen's chunk comes when the router first goes
//! there. scripts/build.sh cuts the chunks at these split points (tools/wasm-split); on the
//! server a screen is an ordinary function.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

#[cfg(feature = "hydrate")]
thread_local! {
    static DESTINATION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Keeps note of where the router is going (it changes the address bar only once the screen's
/// chunk has come), for [`destination`]. Placed inside the `<Router>`.
#[component]
pub fn NoteDestination() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        Effect::new(move |_| {
            let href = format!(
                "{}{}{}",
                location.pathname.get(),
                location.search.get(),
                location.hash.get()
            );
            DESTINATION.with(|d| *d.borrow_mut() = Some(href));
        });
    }
}

/// The address the router is on or going to (path, query and fragment): where to load the page
/// afresh when a screen's chunk cannot be loaded.
#[cfg(feature = "hydrate")]
pub fn destination() -> Option<String> {
    DESTINATION.with(|d| d.borrow().clone())
}

/// `screen!(Route, page)`: `Route` is the lazily loaded route whose view is the component `page`.
/// `Route` is one word: its split point is named after it in snake case, which
/// [`preload_chunks`] finds by lowercasing it.
macro_rules! screen {
    ($route:ident, $page:path) => {
        #[doc = concat!("The route of [`", stringify!($page), "`], in a chunk of its own.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                #[cfg(feature = "ssr")]
                preload_chunks(&stringify!($route).to_lowercase());
                $page().into_any()
            }
        }
    };
}

screen!(Login, super::login::LoginPage);
screen!(Incidents, super::incidents::IncidentsPage);
screen!(Room, super::room::IncidentRoomPage);
screen!(Services, super::services::ServicesPage);
screen!(Roles, super::roles::RolesPage);
screen!(Sla, super::sla::SlaPage);
screen!(Tokens, super::tokens::TokensPage);

/// Names the chunks of the screen being rendered in the page's `<head>`, so that they come with the
/// main module rather than after it. Leptos adds these preloads too, but reads the manifest outside
/// the page's reactive owner, so whether a page gets them depends on what the server's thread ran
/// before (the room, rendered whole before it is sent, mostly did not); a browser fetches a
/// preload named twice once. A screen's chunks are the manifest's entry for its split point,
/// `__<route>_view_<hash>` (the name `#[lazy_route]` gives it).
#[cfg(feature = "ssr")]
fn preload_chunks(route: &str) {
    use leptos_meta::Link;

    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, screens, loader) = &*manifest;
    let split_point = format!("__{route}_view_");
    let Some(chunks) = screens
        .iter()
        .find_map(|(name, chunks)| name.starts_with(&split_point).then_some(chunks))
    else {
        leptos::logging::warn!("no chunks for the split point {split_point}* in the manifest");
        return;
    };
    for chunk in chunks {
        // Rendering a `Link` on the server registers it with the page's <head>.
        let _ = view! {
            <Link
                rel="preload"
                href=format!("{pkg}/{chunk}.wasm")
                as_="fetch"
                type_="application/wasm"
                crossorigin="anonymous"
            />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{pkg}/{loader}") crossorigin="anonymous"/> }
        .to_html();
}
