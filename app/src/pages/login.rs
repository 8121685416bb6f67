use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What a refused sign-in says: how long to wait, in words.
pub fn too_many_attempts(retry_after_secs: u64) -> String {
    let wait = match retry_after_secs {
        0..=59 => match retry_after_secs {
            1 => "1 second".to_owned(),
            s => format!("{s} seconds"),
        },
        s => match s.div_ceil(60) {
            1 => "1 minute".to_owned(),
            m => format!("{m} minutes"),
        },
    };
    format!("Too many failed sign-ins from here. For your account's safety, try again in {wait}.")
}

/// Sign in. A plain form posted to the server, so it works before (and without) the wasm.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| match q.get("error").as_deref() {
            Some("invalid") => Some("Wrong email or password.".to_owned()),
            Some("missing") => Some("Enter your email and password.".to_owned()),
            Some("throttled") => {
                let secs = q.get("retry").and_then(|r| r.parse().ok()).unwrap_or(60);
                Some(too_many_attempts(secs))
            }
            Some(_) => Some("Sign-in failed. Please try again.".to_owned()),
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
