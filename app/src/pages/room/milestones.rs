//! The incident's timestamps: set by the transitions, correctable with a reason.

use chrono::{DateTime, NaiveDateTime, Utc};
use leptos::prelude::*;

use super::{action_error, Room};
use crate::components::{format_datetime, ErrorNotice};
use crate::domain::{AppError, Command, LifecycleCommand, Milestone, REASON_MAX_CHARS};

/// Reads a `datetime-local` value, taken as UTC.
fn parse_utc(raw: &str) -> Result<DateTime<Utc>, AppError> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .map(|t| t.and_utc())
        .map_err(|_| {
            AppError::unprocessable(format!(
                "\"{raw}\" is not a date and time: use the picker, or YYYY-MM-DDTHH:MM (UTC)."
            ))
        })
}

#[component]
pub fn Milestones(room: Room) -> impl IntoView {
    view! {
        <section class="panel milestones" aria-label="Timestamps">
            <div class="panel-head">
                <span class="hint">"UTC"</span>
            </div>
            <dl>
                {Milestone::ALL
                    .into_iter()
                    .map(|m| view! { <MilestoneRow room=room milestone=m/> })
                    .collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn MilestoneRow(room: Room, milestone: Milestone) -> impl IntoView {
    let value = Memo::new(move |_| room.incident.with(|i| i.milestone(milestone)));
    let editing = RwSignal::new(false);
    let action = room.action();
    let at = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<AppError>);
    let seen_version = StoredValue::new(0i64);
    let open = move |_| {
        if let Some(v) = value.get_untracked() {
            at.set(v.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
        reason.set(String::new());
        local_error.set(None);
        seen_version.set_value(room.version());
        editing.set(true);
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            editing.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_utc(&at.get_untracked()) {
            Ok(when) => {
                local_error.set(None);
                action.dispatch(Command::Lifecycle(LifecycleCommand::SetTimestamp {
                    milestone,
                    at: when,
                    reason: reason.get_untracked(),
                    expected_version: seen_version.get_value(),
                }));
            }
            Err(e) => local_error.set(Some(e)),
        }
    };
    let error = Signal::derive(move || local_error.get().or_else(|| action_error(action).get()));
    let input_id = format!("ts-{}", milestone.key());
    let reason_id = format!("ts-{}-reason", milestone.key());
    view! {
        <div class="milestone" data-milestone=milestone.key()>
            <dt>{milestone.label()}</dt>
            <dd>
                {move || match value.get() {
                    Some(v) => view! { <time datetime=v.to_rfc3339()>{format_datetime(v)}</time> }.into_any(),
                    None => view! { <span class="not-yet">"—"</span> }.into_any(),
                }}
                <Show when=move || {
                    value.get().is_some_and(|at| {
                        room.takes(LifecycleCommand::SetTimestamp {
                            milestone,
                            at,
                            reason: String::new(),
                            expected_version: 0,
                        })
                    }) && !editing.get()
                }>
                    <button
                        type="button"
                        class="link"
                        aria-label=format!("Edit {}", milestone.label().to_lowercase())
                        on:click=open
                    >
                        "Edit"
                    </button>
                </Show>
            </dd>
            <Show when=move || editing.get()>
                <form
                    class="stack"
                    aria-label=format!("Edit {}", milestone.label().to_lowercase())
                    on:submit=submit
                >
                    <label for=input_id.clone()>{format!("{} (UTC)", milestone.label())}</label>
                    <input
                        id=input_id.clone()
                        type="datetime-local"
                        step="1"
                        prop:value=move || at.get()
                        on:input=move |ev| at.set(event_target_value(&ev))
                    />
                    <label for=reason_id.clone()>"Reason"</label>
                    <input
                        id=reason_id.clone()
                        maxlength=REASON_MAX_CHARS
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                    <ErrorNotice error=error/>
                    <div class="buttons">
                        <button type="submit" class="primary" disabled=move || action.pending().get()>
                            "Save"
                        </button>
                        <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </div>
    }
}
