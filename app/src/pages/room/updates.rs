//! Status updates: when the last public one went out, when the next is due, and the composer
//! with a template per status.

use leptos::prelude::*;

use super::{action_error, Room};
use crate::clock::use_clock;
use crate::components::{relative, use_vocabulary, ErrorNotice};
use crate::domain::{
    thousands, ClockKind, Command, TemplateFacts, TimelineCommand, Visibility, UPDATE_MAX_CHARS,
};

#[component]
pub fn UpdatesPanel(room: Room) -> impl IntoView {
    let clock = use_clock();
    let incident = room.incident;
    let server_time = room.server_time;
    // These tick with the clock, and may tick once more while the page is being replaced:
    // `try_with` on the incident.
    let last = move || {
        let now = clock.now_or(server_time);
        incident
            .try_with(|i| match i.last_public_update_at {
                Some(at) => relative(at, now),
                None => "none yet".to_owned(),
            })
            .unwrap_or_default()
    };
    let sla = room.sla;
    let due = move || {
        sla.try_with(|clocks| {
            clocks
                .iter()
                .find(|c| c.kind == ClockKind::NextUpdate)
                .and_then(|c| c.deadline)
        })
        .flatten()
    };
    let due_text = move || {
        let now = clock.now_or(server_time);
        match due() {
            Some(at) if at < now => {
                format!("overdue by {}", crate::domain::human_duration(now - at))
            }
            Some(at) => relative(at, now),
            None => "no update target for this severity or status".to_owned(),
        }
    };
    let overdue = move || due().is_some_and(|at| at < clock.now_or(server_time));
    view! {
        <section class="panel updates" aria-label="Status updates">
            <dl class="update-clock">
                <dt>"Last public update"</dt>
                <dd data-testid="last-public-update">{last}</dd>
                <dt>"Next update due"</dt>
                <dd data-testid="next-update-due" class:overdue=overdue>{due_text}</dd>
            </dl>
            <Show when=move || {
                room.takes(TimelineCommand::PublishUpdate {
                    visibility: Visibility::Internal,
                    body: String::new(),
                })
            }>
                <UpdateForm room=room/>
            </Show>
        </section>
    }
}

#[component]
fn UpdateForm(room: Room) -> impl IntoView {
    let action = room.action();
    let vocab = use_vocabulary();
    let visibility = RwSignal::new(Visibility::Internal);
    let body = RwSignal::new(String::new());
    let status = Memo::new(move |_| room.incident.with(|i| i.status));
    let template_label = {
        let vocab = vocab.clone();
        move || format!("Use the {} template", vocab.status_label(status.get()))
    };
    // Filled from what the incident knows now (impact, services, when the next update is due).
    let clock = use_clock();
    let use_template = move |_| {
        let now = clock.now_or(room.server_time);
        let facts = room.sla_policy.with_untracked(|p| {
            room.incident
                .with_untracked(|i| TemplateFacts::of(i, &p.policy, now))
        });
        body.set(vocab.filled_template(status.get_untracked(), &facts));
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            body.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(Command::Timeline(TimelineCommand::PublishUpdate {
            visibility: visibility.get_untracked(),
            body: body.get_untracked(),
        }));
    };
    view! {
        <form class="stack" aria-label="Write a status update" on:submit=submit>
            <fieldset class="visibility">
                <legend>"Audience"</legend>
                {Visibility::ALL
                    .into_iter()
                    .map(|v| {
                        let hint = match v {
                            Visibility::Internal => "Internal (responders and stakeholders)",
                            Visibility::Public => "Public (customers, status page)",
                        };
                        view! {
                            <label class="radio">
                                <input
                                    type="radio"
                                    name="visibility"
                                    value=v.key()
                                    prop:checked=move || visibility.get() == v
                                    on:change=move |_| visibility.set(v)
                                />
                                {hint}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="label-row">
                <label for="update-body">"Update"</label>
                <button type="button" class="link" on:click=use_template>{template_label}</button>
            </div>
            <textarea
                id="update-body"
                rows="3"
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
            ></textarea>
            <p class="hint">{format!("Markdown, up to {} characters.", thousands(UPDATE_MAX_CHARS))}</p>
            <ErrorNotice error=action_error(action)/>
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                {move || match visibility.get() {
                    Visibility::Public => "Publish public update",
                    Visibility::Internal => "Post internal update",
                }}
            </button>
        </form>
    }
}
