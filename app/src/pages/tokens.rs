//! API tokens (under the user menu): list, create (the secret is shown once) and revoke the
//! tokens integrations use as `Authorization: Bearer <token>`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::tokens::{list_tokens, CreateToken, RevokeToken};
use crate::api::{ApiToken, CreatedToken, TokensSnapshot};
use crate::components::{format_datetime, AppHeader, ErrorNotice, LoadError};
use crate::domain::Action as Right;

#[component]
pub fn TokensPage() -> impl IntoView {
    let snapshot = crate::api::codec::screen_data(|| (), |_| list_tokens());
    view! {
        <Title text="API tokens · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your API tokens…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <TokensView snapshot=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TokensView(snapshot: TokensSnapshot) -> impl IntoView {
    let TokensSnapshot { tokens, viewer } = snapshot;
    // Nothing here is live.
    let live = crate::live::use_live();
    Effect::new(move |_| live.stop());
    let tokens = RwSignal::new(tokens);
    let admin = viewer.may(Right::ManageEveryonesTokens);
    let can_write = viewer.may(Right::IssueWriteTokens);

    let create = ServerAction::<CreateToken>::new();
    let created = RwSignal::new(None::<CreatedToken>);
    let create_error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(new)) = create.value().get() {
            if created.with_untracked(|c| c.as_ref().map(|c| c.info.id)) != Some(new.info.id) {
                tokens.update(|all| all.insert(0, new.info.clone()));
                created.set(Some(new));
            }
        }
    });

    let revoke = ServerAction::<RevokeToken>::new();
    // The token being revoked (the action's own input is gone by the time it is done).
    let revoking = RwSignal::new(None::<i64>);
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            if let Some(id) = revoking.get_untracked() {
                tokens.update(|all| all.retain(|t| t.id != id));
                created.update(|c| {
                    if c.as_ref().is_some_and(|c| c.info.id == id) {
                        *c = None;
                    }
                });
                revoking.set(None);
            }
        }
    });

    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"API tokens"</h1>
            </div>
            <p class="lede">
                "For integrations that cannot sign in: send a token as "
                <code>"Authorization: Bearer <token>"</code>
                ". It acts as you. A read token can only read; a write token can do what you can."
            </p>
            <ActionForm action=create attr:class="stack token-form" attr:aria-label="Create an API token">
                <label for="token-name">"Name"</label>
                <input id="token-name" name="name" placeholder="Status page sync" maxlength="100" required/>
                <label for="token-scope">"Scope"</label>
                <select id="token-scope" name="scope">
                    <option value="read">"Read only"</option>
                    {can_write.then(|| view! { <option value="write">"Read and write"</option> })}
                </select>
                <ErrorNotice error=create_error/>
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    "Create token"
                </button>
            </ActionForm>
            {move || created.get().map(|c| view! {
                <section class="notice token-created" role="status" aria-label="New token">
                    <p>
                        <strong>{format!("Your token \u{201c}{}\u{201d}", c.info.name)}</strong>
                        " — copy it now (select it, then Ctrl+C or ⌘C). It is not stored and will not be shown again."
                    </p>
                    <input
                        class="token-secret"
                        readonly
                        aria-label="New token"
                        value=c.token.clone()
                        size="80"
                    />
                </section>
            })}
            <ErrorNotice error=revoke_error/>
            <Show
                when=move || !tokens.with(|t| t.is_empty())
                fallback=|| view! { <p class="empty">"No API tokens yet."</p> }
            >
                <table class="services-table tokens-table" aria-label="API tokens">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            {admin.then(|| view! { <th scope="col">"Owner"</th> })}
                            <th scope="col">"Scope"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || tokens.get()
                            key=|t| t.id
                            children=move |t: ApiToken| {
                                let id = t.id;
                                let name = t.name.clone();
                                view! {
                                    <tr data-token-id=id>
                                        <th scope="row">{t.name.clone()}</th>
                                        {admin.then(|| view! { <td>{t.owner_name.clone()}</td> })}
                                        <td>{t.scope.key()}</td>
                                        <td>{format_datetime(t.created_at)}</td>
                                        <td>{t.last_used_at.map_or_else(|| "never".to_owned(), format_datetime)}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="link danger"
                                                aria-label=format!("Revoke {name}")
                                                disabled=move || revoke.pending().get()
                                                on:click=move |_| {
                                                    revoking.set(Some(id));
                                                    revoke.dispatch(RevokeToken { id });
                                                }
                                            >
                                                "Revoke"
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </Show>
        </main>
    }
}
