//! Sitrep's shared half: the domain, the screens and the server functions. Compiled for the server
//! with feature `ssr` and for the browser with feature `hydrate`.
#![recursion_limit = "256"]

pub mod api;
pub mod clock;
pub mod components;
pub mod domain;
pub mod live;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path, Lazy,
};
use pages::chunks;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HashedStylesheet options=options.clone()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    clock::provide_clock();
    live::provide_live();

    // After a click the address changes at once, and the screen when its chunk (the first time)
    // and its data have come: until then a bar at the top of the window says something is on
    // its way.
    let (routing, set_routing) = signal(false);

    view! {
        <Title text="Sitrep"/>
        <div class="route-progress" class:active=routing aria-hidden="true"></div>
        <Router set_is_routing=set_routing>
            <chunks::NoteDestination/>
            <Routes fallback=|| view! { <pages::NotFound/> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/incidents"/> }/>
                <Route path=path!("/login") view={Lazy::<chunks::Login>::new()}/>
                <Route path=path!("/incidents") view={Lazy::<chunks::Incidents>::new()}/>
                // Rendered whole before the first byte: the room is nothing without its data, and
                // a missing incident must answer 404 before the status line has gone out.
                <Route
                    path=path!("/incidents/:id")
                    view={Lazy::<chunks::Room>::new()}
                    ssr=leptos_router::SsrMode::Async
                />
                <Route path=path!("/services") view={Lazy::<chunks::Services>::new()}/>
                <Route path=path!("/settings/roles") view={Lazy::<chunks::Roles>::new()}/>
                <Route path=path!("/settings/sla") view={Lazy::<chunks::Sla>::new()}/>
                <Route path=path!("/settings/tokens") view={Lazy::<chunks::Tokens>::new()}/>
            </Routes>
        </Router>
    }
}
