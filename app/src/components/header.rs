use leptos::prelude::*;

use super::{Avatar, HydrationPending, LiveBadge};
use crate::domain::{Action as Right, User};

/// The header: one row. Wide, the screens and the account sit in it; narrow, they fold into a
/// menu — a plain `<details>`, so it opens before the page is interactive. (Both are rendered;
/// CSS shows one, and the hidden one is out of the accessibility tree.)
#[component]
pub fn AppHeader(viewer: User) -> impl IntoView {
    let read_only = !viewer.may(Right::ChangeIncidents);
    let links = || {
        view! {
            <nav aria-label="Main">
                <a href="/incidents">"Incidents"</a>
                <a href="/services">"Services"</a>
                <a href="/settings/roles">"Roles"</a>
                <a href="/settings/sla">"SLA policy"</a>
            </nav>
        }
    };
    let account = move || {
        view! {
            <span class="who" title=viewer.email.clone()>
                <Avatar id=viewer.id name=viewer.name.clone()/>
                <span class="who-name">{viewer.name.clone()}</span>
                <span class="who-role">{viewer.role.key()}</span>
                {read_only.then(|| view! { <span class="badge read-only">"read-only"</span> })}
            </span>
            <a class="user-link" href="/settings/tokens">"API tokens"</a>
            <form method="post" action="/auth/logout" class="signout">
                <button type="submit" class="link">"Sign out"</button>
            </form>
        }
    };
    view! {
        <header class="app-header">
            <a class="brand" href="/incidents">"Sitrep"</a>
            <div class="wide-only">{links()}</div>
            <div class="spacer"></div>
            <LiveBadge/>
            <HydrationPending/>
            <div class="wide-only account">{account()}</div>
            <details class="menu narrow-only">
                <summary>"Menu"</summary>
                <div class="menu-body">{links()} <div class="account">{account()}</div></div>
            </details>
        </header>
    }
}
