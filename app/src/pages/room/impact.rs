//! The impact assessment at the top of the room: what customers see, how many, which services —
//! with each service's owner, runbook and contacts.

use leptos::prelude::*;

use super::{action_error, Room};
use crate::components::ErrorNotice;
use crate::domain::{tier_label, Affected, Command, ImpactCommand, Service, IMPACT_MAX_CHARS};

/// An impact update, as far as showing its control goes (what it says is typed later).
fn update_impact() -> ImpactCommand {
    ImpactCommand::Update {
        customer_impact: String::new(),
        affected: Affected::Unknown,
        expected_version: 0,
    }
}

#[component]
pub fn ImpactPanel(room: Room) -> impl IntoView {
    let incident = room.incident;
    let editing = RwSignal::new(false);
    let impact = move || incident.with(|i| i.impact.clone());
    let linked = move || {
        let ids: Vec<i64> = incident.with(|i| i.services.iter().map(|s| s.id).collect());
        room.services.with(|all| {
            ids.iter()
                .map(|id| all.iter().find(|s| s.id == *id).cloned())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel impact" aria-label="Impact">
            <div class="panel-head">
                <Show when=move || room.takes(update_impact()) && !editing.get()>
                    <button type="button" class="link" on:click=move |_| editing.set(true)>
                        "Edit impact"
                    </button>
                </Show>
            </div>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <dl class="impact-facts">
                            <dt>"Customers affected"</dt>
                            <dd data-testid="impact-affected">{move || impact().affected.label()}</dd>
                            <dt>"What customers see"</dt>
                            <dd data-testid="impact-text">
                                {move || {
                                    let text = impact().customer_impact;
                                    if text.is_empty() { "Not described yet.".to_owned() } else { text }
                                }}
                            </dd>
                        </dl>
                    }
                }
            >
                <ImpactForm room=room editing=editing/>
            </Show>
            <h3>"Affected services"</h3>
            <ul class="services" aria-label="Affected services">
                {move || {
                    let names: Vec<(i64, String)> = incident
                        .with(|i| i.services.iter().map(|s| (s.id, s.name.clone())).collect());
                    let facts = linked();
                    names
                        .into_iter()
                        .zip(facts)
                        .map(|((id, name), facts)| {
                            view! { <LinkedService room=room id=id name=name facts=facts/> }
                        })
                        .collect_view()
                }}
            </ul>
            <Show when=move || incident.with(|i| i.services.is_empty())>
                <p class="empty">"No services linked yet."</p>
            </Show>
            <Show when=move || room.takes(ImpactCommand::LinkService { service_id: 0 })>
                <LinkService room=room/>
            </Show>
        </section>
    }
}

#[component]
fn ImpactForm(room: Room, editing: RwSignal<bool>) -> impl IntoView {
    let action = room.action();
    let (text0, affected0, version0) = room.incident.with_untracked(|i| {
        (
            i.impact.customer_impact.clone(),
            i.impact.affected,
            i.version,
        )
    });
    let text = RwSignal::new(text0);
    let affected = RwSignal::new(affected0);
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            editing.set(false);
        }
    });
    let save = move |expected_version: i64| {
        action.dispatch(Command::Impact(ImpactCommand::Update {
            customer_impact: text.get_untracked(),
            affected: affected.get_untracked(),
            expected_version,
        }));
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The version the form was opened on: an impact edited meanwhile is a conflict.
        save(version0);
    };
    // Refused as stale: the impact as it is now beside what this person wrote, to keep either.
    let conflict =
        Signal::derive(move || action_error(action).get().is_some_and(|e| e.is_conflict()));
    let other_error =
        Signal::derive(move || action_error(action).get().filter(|e| !e.is_conflict()));
    let theirs = move || room.incident.with(|i| i.impact.clone());
    let keep_theirs = move |_: leptos::ev::MouseEvent| editing.set(false);
    // Saved over the latest version: what they wrote is replaced, knowingly.
    let keep_mine = move |_: leptos::ev::MouseEvent| save(room.version());
    view! {
        <form class="stack" aria-label="Edit impact" on:submit=submit>
            <fieldset class="affected">
                <legend>"Customers affected"</legend>
                {Affected::ALL
                    .into_iter()
                    .map(|a| {
                        view! {
                            <label class="radio">
                                <input
                                    type="radio"
                                    name="affected"
                                    value=a.key()
                                    prop:checked=move || affected.get() == a
                                    on:change=move |_| affected.set(a)
                                />
                                {a.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <label for="impact-text">"What customers see"</label>
            <textarea
                id="impact-text"
                rows="2"
                maxlength=IMPACT_MAX_CHARS
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                placeholder="e.g. Checkout fails with an error for card payments"
            ></textarea>
            <ErrorNotice error=other_error/>
            <Show when=move || conflict.get()>
                <div class="conflict" role="group" aria-labelledby="impact-conflict-words" data-testid="impact-conflict">
                    <p id="impact-conflict-words" role="alert">
                        "Someone else changed this incident while you were editing the impact. Keep theirs or yours:"
                    </p>
                    <div class="sides">
                        <section class="side theirs" aria-label="Theirs (now)">
                            <h4>"Theirs (now)"</h4>
                            <p class="affected">{move || theirs().affected.label()}</p>
                            <p class="text">{move || theirs().customer_impact}</p>
                            <button type="button" on:click=keep_theirs>"Keep theirs"</button>
                        </section>
                        <section class="side yours" aria-label="Yours">
                            <h4>"Yours"</h4>
                            <p class="affected">{move || affected.get().label()}</p>
                            <p class="text">{move || text.get()}</p>
                            <button type="button" disabled=move || action.pending().get() on:click=keep_mine>
                                "Keep mine"
                            </button>
                        </section>
                    </div>
                </div>
            </Show>
            <div class="buttons">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Save impact"
                </button>
                <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}

#[component]
fn LinkedService(room: Room, id: i64, name: String, facts: Option<Service>) -> impl IntoView {
    let action = room.action();
    let label = format!("Unlink {name}");
    let details = facts.map(|s| {
        let runbook = (!s.runbook_url.is_empty()).then(|| {
            view! {
                <a href=s.runbook_url.clone() target="_blank" rel="noopener noreferrer">
                    "Runbook"
                </a>
            }
        });
        view! {
            <span class="owner">{format!("Owner: {}", s.owner_team)}</span>
            <span class="tier">{tier_label(s.tier)}</span>
            {runbook}
            {(!s.contacts.is_empty()).then(|| view! { <span class="contacts">{format!("Contacts: {}", s.contacts)}</span> })}
            {(!s.description.is_empty()).then(|| view! { <p class="description">{s.description.clone()}</p> })}
        }
    });
    view! {
        <li class="service" data-service-id=id>
            <strong>{name}</strong>
            {details}
            <Show when=move || room.takes(ImpactCommand::UnlinkService { service_id: id })>
                <button
                    type="button"
                    class="link"
                    aria-label=label.clone()
                    on:click=move |_| {
                        action.dispatch(Command::Impact(ImpactCommand::UnlinkService { service_id: id }));
                    }
                >
                    "Unlink"
                </button>
            </Show>
            <ErrorNotice error=action_error(action)/>
        </li>
    }
}

#[component]
fn LinkService(room: Room) -> impl IntoView {
    let action = room.action();
    let choice = RwSignal::new(String::new());
    let available = move || {
        let linked: Vec<i64> = room
            .incident
            .with(|i| i.services.iter().map(|s| s.id).collect());
        room.services.with(|all| {
            all.iter()
                .filter(|s| !linked.contains(&s.id))
                .map(|s| (s.id, s.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            choice.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(service_id) = choice.get_untracked().parse::<i64>() {
            action.dispatch(Command::Impact(ImpactCommand::LinkService { service_id }));
        }
    };
    view! {
        <form class="inline-form" aria-label="Link a service" on:submit=submit>
            <label for="link-service">"Link a service"</label>
            <select
                id="link-service"
                prop:value=move || choice.get()
                on:change=move |ev| choice.set(event_target_value(&ev))
            >
                <option value="">"Choose…"</option>
                {move || {
                    available()
                        .into_iter()
                        .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                        .collect_view()
                }}
            </select>
            <button type="submit" disabled=move || action.pending().get() || choice.get().is_empty()>
                "Link"
            </button>
            <a href="/services" class="hint">"Service catalog"</a>
        </form>
        <ErrorNotice error=action_error(action)/>
    }
}
