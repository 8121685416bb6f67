//! Each screen is a route of its own chunk of the browser's wasm: a first visit downloads the
//! shared code and the chunk of the screen it opens (the server names that chunk in the page's
//! preloads, so both come at once); another screen's chunk comes when the router first goes
//! there. scripts/build.sh cuts the chunks at these split points (tools/wasm-split); on the
//! server a screen is an ordinary function.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `screen!(Route, page)`: `Route` is the lazily loaded route whose view is the component `page`.
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
