//! The commander's controls: acknowledge, status, severity, merge; and the note composer.

use leptos::prelude::*;

use super::{action_error, Room};
use crate::api::{incidents_page, ChangeStatus, PostNote};
use crate::components::{use_vocabulary, ErrorNotice};
use crate::domain::{
    in_a_sentence, thousands, Command, IncidentQuery, LifecycleCommand, Severity, Status,
    StatusFilter, INCIDENT_COMMANDER, NOTE_MAX_CHARS, REASON_MAX_CHARS,
};

const ACK_ID: &str = "acknowledge";

#[component]
pub fn Controls(room: Room) -> impl IntoView {
    let can_ack = move || room.accepts(LifecycleCommand::Acknowledge);
    // The Acknowledge button goes once it has done its work; had it focus, the focus would fall
    // to the page body. It moves on to the status, the next thing a responder does.
    let status_select = NodeRef::<leptos::html::Select>::new();
    let acknowledging = StoredValue::new(false);
    Effect::new(move |was: Option<bool>| {
        let can = can_ack();
        if was == Some(true) && !can && acknowledging.get_value() {
            acknowledging.set_value(false);
            // Unless the responder has moved on meanwhile (the button may still be there).
            let stays = document()
                .active_element()
                .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body") || el.id() == ACK_ID);
            if let (true, Some(select)) = (stays, status_select.get_untracked()) {
                let _ = select.focus();
            }
        }
        can
    });
    view! {
        <section class="controls" aria-label="Actions">
            <Show when=can_ack>
                <Acknowledge room=room acknowledging=acknowledging/>
            </Show>
            <StatusForm room=room select=status_select/>
            <SeverityForm room=room/>
            <MergeForm room=room/>
        </section>
    }
}

#[component]
fn Acknowledge(room: Room, acknowledging: StoredValue<bool>) -> impl IntoView {
    let action = room.action();
    view! {
        <div class="control">
            <button
                type="button"
                id=ACK_ID
                class="primary"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    acknowledging.set_value(true);
                    action.dispatch(Command::Lifecycle(LifecycleCommand::Acknowledge));
                }
            >
                "Acknowledge"
            </button>
            <ErrorNotice error=action_error(action)/>
        </div>
    }
}

#[component]
fn StatusForm(room: Room, select: NodeRef<leptos::html::Select>) -> impl IntoView {
    let change = ServerAction::<ChangeStatus>::new();
    let error = RwSignal::new(None::<crate::domain::AppError>);
    Effect::new(move |_| match change.value().get() {
        Some(Ok(incident)) => {
            error.set(None);
            room.notice.set(None);
            room.incident.update(|current| {
                if incident.version > current.version {
                    *current = incident;
                }
            });
        }
        Some(Err(e)) => {
            if e.is_conflict() {
                room.reload();
            }
            error.set(Some(e));
        }
        None => {}
    });
    let incident = room.incident;
    let vocab = StoredValue::new(use_vocabulary());
    // The options change only when the status does, not on every note.
    let status = Memo::new(move |_| incident.with(|i| i.status));
    // What the person saw when they picked a status. If the status changes under them before
    // they submit, their choice was made on a stale view: send the version they saw, and the
    // server refuses it (409) instead of applying a choice they never made. Changes that leave
    // the status alone (notes) do not make the choice stale.
    let seen = RwSignal::new(None::<(Status, i64)>);
    let look = move || seen.set(Some(incident.with_untracked(|i| (i.status, i.version))));
    let pick = move || {
        if seen.get_untracked().is_none() {
            look();
        }
    };
    let expected_version = move || {
        let (current_status, current_version) = incident.with(|i| (i.status, i.version));
        match seen.get() {
            Some((seen_status, seen_version)) if seen_status != current_status => seen_version,
            _ => current_version,
        }
    };
    Effect::new(move |_| {
        if change.value().with(|v| v.is_some()) {
            seen.set(None);
        }
    });
    let options = move || {
        status
            .get()
            .allowed_next()
            .iter()
            .map(|s| {
                let label = vocab.with_value(|v| v.status_label(*s));
                view! { <option value=s.key()>{label}</option> }
            })
            .collect_view()
    };
    let is_final = move || status.get().allowed_next().is_empty();
    // Resolving a major incident with something missing asks once, saying what (the domain's
    // `resolve_concerns`); "Resolve anyway" sends it.
    let clock = crate::clock::use_clock();
    let asking = RwSignal::new(None::<String>);
    let confirmed = StoredValue::new(false);
    let submit_button = NodeRef::<leptos::html::Button>::new();
    let go_ahead = NodeRef::<leptos::html::Button>::new();
    let missing = move || {
        let now = clock.now_or(room.server_time);
        let commander = room
            .vocab
            .signal()
            .with_untracked(|v| v.role_label(INCIDENT_COMMANDER).to_owned());
        let (concerns, severity) = room.sla_policy.with_untracked(|p| {
            incident.with_untracked(|i| {
                let severity = vocab.with_value(|v| v.severity(i.severity));
                (
                    i.resolve_concerns(severity.major, &p.policy, now),
                    severity.label,
                )
            })
        });
        let words: Vec<String> = concerns.iter().map(|c| c.describe(&commander)).collect();
        (!words.is_empty()).then(|| {
            format!(
                "Resolve this {severity} incident with {}?",
                in_a_sentence(&words)
            )
        })
    };
    let on_submit_click = move |ev: leptos::ev::MouseEvent| {
        if confirmed.get_value() {
            confirmed.set_value(false);
            asking.set(None);
            return;
        }
        let chosen = select
            .get_untracked()
            .and_then(|s| Status::parse(&s.value()).ok());
        if chosen == Some(Status::Resolved) {
            if let Some(question) = missing() {
                ev.prevent_default();
                asking.set(Some(question));
                request_animation_frame(move || {
                    if let Some(button) = go_ahead.get_untracked() {
                        let _ = button.focus();
                    }
                });
                return;
            }
        }
        asking.set(None);
    };
    let resolve_anyway = move |_: leptos::ev::MouseEvent| {
        confirmed.set_value(true);
        // Focus first on what stays: the prompt goes as the form is sent.
        if let Some(s) = select.get_untracked() {
            let _ = s.focus();
        }
        if let Some(button) = submit_button.get_untracked() {
            button.click();
        }
    };
    let not_yet = move |_: leptos::ev::MouseEvent| {
        asking.set(None);
        if let Some(s) = select.get_untracked() {
            let _ = s.focus();
        }
    };
    view! {
        <Show when=move || !is_final()>
            <div class="control">
                <ActionForm action=change attr:class="inline-form status-form" attr:aria-label="Change status">
                    <input type="hidden" name="incident_id" value=room.id/>
                    <input type="hidden" name="expected_version" value=expected_version/>
                    <label for="status-select">"Move to"</label>
                    <select
                        id="status-select"
                        node_ref=select
                        name="status"
                        on:focus=move |_| look()
                        on:change=move |_| pick()
                    >
                        {options}
                    </select>
                    <button
                        type="submit"
                        node_ref=submit_button
                        disabled=move || change.pending().get()
                        on:click=on_submit_click
                    >
                        "Change status"
                    </button>
                </ActionForm>
                {move || {
                    asking
                        .get()
                        .map(|question| {
                            view! {
                                <div class="notice warning resolve-prompt" data-testid="resolve-prompt">
                                    <p role="alert">{question}</p>
                                    <div class="buttons">
                                        <button type="button" class="primary" node_ref=go_ahead on:click=resolve_anyway>
                                            "Resolve anyway"
                                        </button>
                                        <button type="button" on:click=not_yet>"Not yet"</button>
                                    </div>
                                </div>
                            }
                        })
                }}
                <ErrorNotice error=error.into()/>
            </div>
        </Show>
    }
}

#[component]
fn SeverityForm(room: Room) -> impl IntoView {
    let action = room.action();
    let vocab = StoredValue::new(use_vocabulary());
    let current = Memo::new(move |_| room.incident.with(|i| i.severity));
    let choice = RwSignal::new(None::<Severity>);
    let reason = RwSignal::new(String::new());
    // The version seen when the person started choosing (a severity changed meanwhile is a
    // conflict, not a silent overwrite).
    let seen = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            reason.set(String::new());
            choice.set(None);
            seen.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let severity = choice
            .get_untracked()
            .unwrap_or_else(|| current.get_untracked());
        action.dispatch(Command::Lifecycle(LifecycleCommand::ChangeSeverity {
            severity,
            reason: reason.get_untracked(),
            expected_version: seen.get_untracked().unwrap_or_else(|| room.version()),
        }));
        seen.set(None);
    };
    let options = move || {
        Severity::ALL
            .iter()
            .map(|s| {
                let s = *s;
                view! {
                    <option value=s.key() selected=move || choice.get().unwrap_or(current.get()) == s>
                        {vocab.with_value(|v| v.severity_label(s))}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || {
            room.takes(LifecycleCommand::ChangeSeverity {
                severity: room.incident.with(|i| i.severity),
                reason: String::new(),
                expected_version: 0,
            })
        }>
            <div class="control">
                <form class="inline-form severity-form" aria-label="Change severity" on:submit=submit>
                    <label for="severity-select">"Severity"</label>
                    <select
                        id="severity-select"
                        on:focus=move |_| {
                            if seen.get_untracked().is_none() {
                                seen.set(Some(room.version()));
                            }
                        }
                        on:change=move |ev| {
                            choice.set(Severity::parse(&event_target_value(&ev)).ok());
                        }
                    >
                        {options}
                    </select>
                    <label for="severity-reason" class="visually-hidden">"Reason for the severity change"</label>
                    <input
                        id="severity-reason"
                        placeholder="Why? (required)"
                        maxlength=REASON_MAX_CHARS
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                    <button type="submit" disabled=move || action.pending().get()>
                        "Change severity"
                    </button>
                </form>
                <ErrorNotice error=action_error(action)/>
            </div>
        </Show>
    }
}

/// How many open incidents the merge picker offers at a time.
const MERGE_CHOICES: usize = 10;

/// One open incident the merge picker offers.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    id: i64,
    reference: String,
    title: String,
}

#[component]
fn MergeForm(room: Room) -> impl IntoView {
    let action = room.action();
    let target = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<crate::domain::AppError>);
    // The combobox: open incidents matching what is typed, and the one the arrow keys are on.
    let choices = RwSignal::new(Vec::<Choice>::new());
    let active = RwSignal::new(None::<usize>);
    let expanded = RwSignal::new(false);
    // Answers may come back out of order: only the latest question's is shown.
    let asked = StoredValue::new(0u64);
    let search = move |text: String| {
        let text = text.trim().to_owned();
        asked.update_value(|n| *n += 1);
        let question = asked.get_value();
        if text.is_empty() {
            choices.set(Vec::new());
            expanded.set(false);
            return;
        }
        let query = IncidentQuery {
            status: StatusFilter::Open,
            search: text,
            // One more than shown: this incident may be among them.
            limit: MERGE_CHOICES as u32 + 1,
            ..IncidentQuery::default()
        };
        leptos::task::spawn_local(async move {
            let answer = incidents_page(query).await;
            if choices.is_disposed() || asked.try_get_value() != Some(question) {
                return;
            }
            match answer {
                Ok(at) => {
                    let found: Vec<Choice> = at
                        .page
                        .incidents
                        .into_iter()
                        .filter(|i| i.id != room.id)
                        .take(MERGE_CHOICES)
                        .map(|i| Choice {
                            id: i.id,
                            reference: i.reference(),
                            title: i.title,
                        })
                        .collect();
                    active.set(None);
                    expanded.set(!found.is_empty());
                    choices.set(found);
                }
                // Typing a reference still works without suggestions.
                Err(_) => {
                    choices.set(Vec::new());
                    expanded.set(false);
                }
            }
        });
    };
    let pick = move |choice: &Choice| {
        target.set(choice.reference.clone());
        expanded.set(false);
        active.set(None);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = choices.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                expanded.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                expanded.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" if expanded.get_untracked() => {
                if let Some(choice) = active
                    .get_untracked()
                    .and_then(|i| choices.with_untracked(|c| c.get(i).cloned()))
                {
                    ev.prevent_default();
                    pick(&choice);
                }
            }
            "Escape" if expanded.get_untracked() => {
                ev.prevent_default();
                expanded.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let raw = target.get_untracked();
        let digits = raw
            .trim()
            .trim_start_matches(['I', 'N', 'C', 'i', 'n', 'c', '-']);
        match digits.parse::<i64>() {
            Ok(target_id) => {
                local_error.set(None);
                expanded.set(false);
                action.dispatch(Command::Lifecycle(LifecycleCommand::MergeInto {
                    target_id,
                    expected_version: room.version(),
                }));
            }
            Err(_) => local_error.set(Some(crate::domain::AppError::unprocessable(format!(
                "\"{raw}\" is not an incident reference: pick one of the open incidents offered, or give its number, e.g. INC-12 or 12."
            )))),
        }
    };
    let error = Signal::derive(move || local_error.get().or_else(|| action_error(action).get()));
    let option_id = |i: usize| format!("merge-option-{i}");
    view! {
        <Show when=move || {
            room.takes(LifecycleCommand::MergeInto {
                target_id: 0,
                expected_version: 0,
            })
        }>
            <details class="control merge">
                <summary>"Merge as duplicate…"</summary>
                <form class="inline-form" aria-label="Merge into another incident" on:submit=submit>
                    <label for="merge-target">"Duplicate of"</label>
                    <div class="combobox">
                        <input
                            id="merge-target"
                            role="combobox"
                            autocomplete="off"
                            aria-autocomplete="list"
                            aria-controls="merge-choices"
                            aria-expanded=move || expanded.get().to_string()
                            aria-activedescendant=move || active.get().map(option_id)
                            aria-describedby="merge-hint"
                            placeholder="Title or INC-12"
                            prop:value=move || target.get()
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                target.set(text.clone());
                                search(text);
                            }
                            on:keydown=on_keydown
                            on:blur=move |_| expanded.set(false)
                        />
                        <ul
                            id="merge-choices"
                            role="listbox"
                            aria-label="Open incidents"
                            class="choices"
                            hidden=move || !expanded.get()
                        >
                            {move || {
                                choices
                                    .get()
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, choice)| {
                                        let chosen = choice.clone();
                                        view! {
                                            <li
                                                id=option_id(i)
                                                role="option"
                                                aria-selected=move || (active.get() == Some(i)).to_string()
                                                // Before the input's blur: the pick must land first.
                                                on:mousedown=move |ev| {
                                                    ev.prevent_default();
                                                    pick(&chosen);
                                                }
                                            >
                                                <span class="ref">{choice.reference.clone()}</span>
                                                " "
                                                {choice.title.clone()}
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ul>
                    </div>
                    <button type="submit" class="danger" disabled=move || action.pending().get()>
                        "Merge"
                    </button>
                </form>
                <p class="hint" id="merge-hint">
                    "Type part of its title to pick an open incident, or its number. This incident becomes read-only and its viewers are sent to the other one."
                </p>
                <ErrorNotice error=error/>
            </details>
        </Show>
    }
}

#[component]
pub fn NoteForm(room: Room) -> impl IntoView {
    let post = ServerAction::<PostNote>::new();
    let error = Signal::derive(move || post.value().get().and_then(|r| r.err()));
    let body = RwSignal::new(String::new());
    Effect::new(move |_| match post.value().get() {
        Some(Ok(event)) => {
            room.receive(&event);
            body.set(String::new());
        }
        // The text stays in the box; send it again in a moment (unless sent meanwhile).
        Some(Err(e)) if e.is_unreachable() => {
            let failed = post.version().get_untracked();
            set_timeout(
                move || {
                    let again = post.version().try_get_untracked() == Some(failed)
                        && !post.pending().get_untracked();
                    let text = body.try_get_untracked().unwrap_or_default();
                    if again && !text.trim().is_empty() {
                        post.dispatch(PostNote {
                            incident_id: room.id,
                            body: text,
                        });
                    }
                },
                super::RETRY_UNREACHABLE,
            );
        }
        _ => {}
    });
    view! {
        <ActionForm action=post attr:class="stack note-form" attr:aria-label="Add a note">
            <input type="hidden" name="incident_id" value=room.id/>
            <label for="note-body">"Add a note (Markdown)"</label>
            <textarea
                id="note-body"
                name="body"
                rows="3"
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
                placeholder="What did you find, try or decide?"
            ></textarea>
            <p class="hint">{format!("Up to {} characters.", thousands(NOTE_MAX_CHARS))}</p>
            <ErrorNotice error=error/>
            <button type="submit" class="primary" disabled=move || post.pending().get()>
                "Post note"
            </button>
        </ActionForm>
    }
}
