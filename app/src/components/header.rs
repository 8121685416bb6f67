use leptos::prelude::*;

use super::{HydrationPending, LiveBadge};
use crate::domain::{Action as Right, User};

#[component]
pub fn AppHeader(viewer: User) -> impl IntoView {
    let read_only = !viewer.may(Right::ChangeIncidents);
    view! {
        <header class="app-header">
            <a class="brand" href="/incidents">"Sitrep"</a>
            <nav aria-label="Main">
                <a href="/incidents">"Incidents"</a>
                <a href="/services">"Services"</a>
                <a href="/settings/roles">"Roles"</a>
                <a href="/settings/sla">"SLA policy"</a>
            </nav>
            <div class="spacer"></div>
            <LiveBadge/>
            <HydrationPending/>
            <span class="who" title=viewer.email.clone()>
                <span class="avatar" aria-hidden="true">{viewer.initials()}</span>
                <span class="who-name">{viewer.name.clone()}</span>
                <span class="who-role">{viewer.role.key()}</span>
                {read_only.then(|| view! { <span class="badge read-only">"read-only"</span> })}
            </span>
            <a class="user-link" href="/settings/tokens">"API tokens"</a>
            <form method="post" action="/auth/logout" class="signout">
                <button type="submit" class="link">"Sign out"</button>
            </form>
        </header>
    }
}
