//! The service catalog: list, add and edit the services incidents affect.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{list_services, SaveService, ServicesSnapshot};
use crate::components::{AppHeader, ErrorNotice, LoadError};
use crate::domain::{tier_label, Action as Right, Service};

#[component]
pub fn ServicesPage() -> impl IntoView {
    let snapshot = crate::api::codec::screen_data(|| (), |_| list_services());
    view! {
        <Title text="Service catalog · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the service catalog…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <CatalogView snapshot=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CatalogView(snapshot: ServicesSnapshot) -> impl IntoView {
    let ServicesSnapshot { services, viewer } = snapshot;
    // Nothing on this page is live: no stream, and the header says so by showing no badge.
    let live = crate::live::use_live();
    Effect::new(move |_| live.stop());
    let services = RwSignal::new(services);
    let can_write = viewer.may(Right::ChangeServices);
    let editing = RwSignal::new(None::<i64>);
    let saved = move |s: Service| {
        services.update(|all| {
            match all.iter_mut().find(|x| x.id == s.id) {
                Some(existing) => *existing = s,
                None => all.push(s),
            }
            all.sort_by_key(|x| x.name.to_lowercase());
        });
        editing.set(None);
    };
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"Service catalog"</h1>
            </div>
            <p class="lede">
                "What a responder needs at 2 a.m.: who owns a service, how critical it is, its runbook and whom to call."
            </p>
            {can_write.then(|| view! {
                <details class="declare">
                    <summary>"Add a service"</summary>
                    <ServiceForm service=None on_saved=Callback::new(saved)/>
                </details>
            })}
            <Show
                when=move || !services.with(|s| s.is_empty())
                fallback=|| view! { <p class="empty">"No services yet."</p> }
            >
                <table class="services-table" aria-label="Services">
                    <thead>
                        <tr>
                            <th scope="col">"Service"</th>
                            <th scope="col">"Owner team"</th>
                            <th scope="col">"Tier"</th>
                            <th scope="col">"Runbook"</th>
                            <th scope="col">"Contacts"</th>
                            <th scope="col">"Description"</th>
                            {can_write.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || services.get()
                            key=|s| (s.id, s.updated_at)
                            children=move |s| {
                                let id = s.id;
                                let name = s.name.clone();
                                let service = s.clone();
                                view! {
                                    <tr data-service-id=id>
                                        <th scope="row">{s.name.clone()}</th>
                                        <td class="owner">{s.owner_team.clone()}</td>
                                        <td class="tier">{tier_label(s.tier)}</td>
                                        <td class="runbook">
                                            {(!s.runbook_url.is_empty()).then(|| view! {
                                                <a href=s.runbook_url.clone() target="_blank" rel="noopener noreferrer">"Runbook"</a>
                                            })}
                                        </td>
                                        <td class="contacts">{s.contacts.clone()}</td>
                                        <td class="description">{s.description.clone()}</td>
                                        {can_write.then(|| view! {
                                            <td class="actions">
                                                <button
                                                    type="button"
                                                    class="link"
                                                    aria-label=format!("Edit {name}")
                                                    on:click=move |_| editing.set(Some(id))
                                                >
                                                    "Edit"
                                                </button>
                                            </td>
                                        })}
                                    </tr>
                                    <Show when=move || editing.get() == Some(id)>
                                        <tr class="edit-row">
                                            <td colspan="7">
                                                <ServiceForm service=Some(service.clone()) on_saved=Callback::new(saved)/>
                                                <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                                            </td>
                                        </tr>
                                    </Show>
                                }
                            }
                        />
                    </tbody>
                </table>
            </Show>
        </main>
    }
}

#[component]
fn ServiceForm(service: Option<Service>, on_saved: Callback<Service>) -> impl IntoView {
    let save = ServerAction::<SaveService>::new();
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(s)) = save.value().get() {
            on_saved.run(s);
        }
    });
    let prefix = service
        .as_ref()
        .map_or_else(|| "new-service".to_owned(), |s| format!("service-{}", s.id));
    let s = service.clone();
    let value = move |f: fn(&Service) -> String| s.as_ref().map(f).unwrap_or_default();
    let id = move |name: &str| format!("{prefix}-{name}");
    let tier = service.as_ref().map_or(2, |s| s.tier);
    let label = if service.is_some() {
        "Save service"
    } else {
        "Add service"
    };
    let form_label = if service.is_some() {
        "Edit service"
    } else {
        "Add a service"
    };
    view! {
        <ActionForm action=save attr:class="stack service-form" attr:aria-label=form_label>
            <input type="hidden" name="id" value=service.as_ref().map(|s| s.id.to_string()).unwrap_or_default()/>
            <label for=id("name")>"Name"</label>
            <input id=id("name") name="name" value=value(|s| s.name.clone()) required/>
            <label for=id("owner")>"Owner team"</label>
            <input id=id("owner") name="owner_team" value=value(|s| s.owner_team.clone()) required/>
            <label for=id("tier")>"Tier"</label>
            <select id=id("tier") name="tier">
                {[1u8, 2, 3]
                    .into_iter()
                    .map(|t| view! { <option value=t.to_string() selected=t == tier>{tier_label(t)}</option> })
                    .collect_view()}
            </select>
            <label for=id("runbook")>"Runbook link"</label>
            <input id=id("runbook") name="runbook_url" type="url" placeholder="https://…" value=value(|s| s.runbook_url.clone())/>
            <label for=id("contacts")>"Contacts"</label>
            <input id=id("contacts") name="contacts" placeholder="@team-oncall, +1 555 0100" value=value(|s| s.contacts.clone())/>
            <label for=id("description")>"Description"</label>
            <textarea id=id("description") name="description" rows="2">{value(|s| s.description.clone())}</textarea>
            <ErrorNotice error=error/>
            <button type="submit" class="primary" disabled=move || save.pending().get()>{label}</button>
        </ActionForm>
    }
}
