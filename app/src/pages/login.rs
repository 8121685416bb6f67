use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sign in. A plain form posted to the server, so it works before (and without) the wasm.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| match q.get("error").as_deref() {
            Some("invalid") => Some("Wrong email or password."),
            Some("missing") => Some("Enter your email and password."),
            Some(_) => Some("Sign-in failed. Please try again."),
            None => None,
        })
    };
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    view! {
        <Title text="Sign in · Sitrep"/>
        <main class="page login">
            <h1>"Sign in to Sitrep"</h1>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form method="post" action="/auth/login" class="stack">
                <input type="hidden" name="next" value=next/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required/>
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" class="primary">"Sign in"</button>
            </form>
        </main>
    }
}
