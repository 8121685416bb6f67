//! The SLA policy: the targets each severity's clocks count to, and the business-hours calendar
//! business targets are counted by. Admins edit it; saving recounts every open incident's
//! deadlines (each moved incident says so on its timeline, live). Everyone else reads.

use chrono::{NaiveDate, NaiveTime};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{get_sla_policy, save_sla_policy, time_zones, SlaPolicySaved, SlaSnapshot};
use crate::components::{AppHeader, ErrorNotice, LoadError};
use crate::domain::{
    Action as Right, AppError, Calendar, ClockKind, ErrorKind, PriorityTargets, Severity,
    SeverityTargets, SlaPolicy, Target, Unit, Vocabulary,
};

#[component]
pub fn SlaPage() -> impl IntoView {
    // The zone names for the picker come from the server: the browser has no zone database.
    let snapshot = crate::api::codec::screen_data(
        || (),
        |_| async { Ok::<_, AppError>((get_sla_policy().await?, time_zones().await?)) },
    );
    view! {
        <Title text="SLA policy · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the SLA policy…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok((s, zones)) => view! { <SlaView snapshot=s zones/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

const UNITS: [(Unit, &str); 5] = [
    (Unit::Minutes, "minutes"),
    (Unit::Hours, "hours"),
    (Unit::Days, "days"),
    (Unit::BusinessHours, "business hours"),
    (Unit::BusinessDays, "business days"),
];

const WEEKDAYS: [(u8, &str); 7] = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
];

fn unit_key(unit: Unit) -> &'static str {
    match unit {
        Unit::Minutes => "minutes",
        Unit::Hours => "hours",
        Unit::Days => "days",
        Unit::BusinessHours => "business_hours",
        Unit::BusinessDays => "business_days",
    }
}

fn unit_of(key: &str) -> Unit {
    UNITS
        .iter()
        .map(|(u, _)| *u)
        .find(|u| unit_key(*u) == key)
        .unwrap_or(Unit::Minutes)
}

/// One target as typed: an amount (empty: the clock does not apply) and a unit.
#[derive(Clone, PartialEq)]
struct Cell {
    amount: String,
    unit: Unit,
}

/// The whole form as typed; turned into a policy (or a readable error) on save.
#[derive(Clone, PartialEq)]
struct Draft {
    /// Per severity, per clock (in `ClockKind::ALL` order).
    cells: Vec<(Severity, Vec<Cell>)>,
    time_zone: String,
    working_days: Vec<u8>,
    opens: String,
    closes: String,
    /// One date per line (YYYY-MM-DD).
    holidays: String,
    /// The ticket targets, kept as loaded (this form does not edit them yet).
    priorities: Vec<PriorityTargets>,
}

impl Draft {
    fn of(policy: &SlaPolicy) -> Draft {
        Draft {
            cells: Severity::ALL
                .iter()
                .map(|&s| {
                    let targets = policy.targets(s);
                    let cells = ClockKind::ALL
                        .iter()
                        .map(|&k| match targets.target(k) {
                            Some(t) => Cell {
                                amount: t.amount.to_string(),
                                unit: t.unit,
                            },
                            None => Cell {
                                amount: String::new(),
                                unit: Unit::Minutes,
                            },
                        })
                        .collect();
                    (s, cells)
                })
                .collect(),
            time_zone: policy.calendar.time_zone.clone(),
            working_days: policy.calendar.working_days.clone(),
            opens: policy.calendar.opens.format("%H:%M").to_string(),
            closes: policy.calendar.closes.format("%H:%M").to_string(),
            holidays: policy
                .calendar
                .holidays
                .iter()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            priorities: policy.priorities.clone(),
        }
    }

    /// The policy the form describes, or what to fix, in words.
    fn policy(&self, vocab: &Vocabulary) -> Result<SlaPolicy, String> {
        let mut severities = Vec::with_capacity(self.cells.len());
        for (severity, cells) in &self.cells {
            let mut targets = SeverityTargets {
                severity: *severity,
                acknowledge: None,
                next_update: None,
                mitigate: None,
                resolve: None,
                post_mortem: None,
            };
            for (kind, cell) in ClockKind::ALL.iter().zip(cells) {
                let raw = cell.amount.trim();
                if raw.is_empty() {
                    continue;
                }
                let amount = raw.parse::<u32>().map_err(|_| {
                    format!(
                        "{} {}: \"{raw}\" is not a whole number (leave it empty for no target).",
                        vocab.severity_label(*severity),
                        kind.label().to_lowercase()
                    )
                })?;
                let target = Some(Target {
                    amount,
                    unit: cell.unit,
                });
                match kind {
                    ClockKind::Acknowledge => targets.acknowledge = target,
                    ClockKind::NextUpdate => targets.next_update = target,
                    ClockKind::Mitigate => targets.mitigate = target,
                    ClockKind::Resolve => targets.resolve = target,
                    ClockKind::PostMortem => targets.post_mortem = target,
                }
            }
            severities.push(targets);
        }
        let time = |what: &str, raw: &str| {
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(raw.trim(), "%H:%M:%S"))
                .map_err(|_| format!("{what} \"{}\" is not a time of day (HH:MM).", raw.trim()))
        };
        let mut holidays = Vec::new();
        for line in self
            .holidays
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let date = NaiveDate::parse_from_str(line, "%Y-%m-%d").map_err(|_| {
                format!("Holiday \"{line}\" is not a date: write one per line as YYYY-MM-DD.")
            })?;
            holidays.push(date);
        }
        holidays.sort();
        holidays.dedup();
        let mut working_days = self.working_days.clone();
        working_days.sort();
        let policy = SlaPolicy {
            calendar: Calendar {
                time_zone: self.time_zone.trim().to_owned(),
                working_days,
                opens: time("Opening time", &self.opens)?,
                closes: time("Closing time", &self.closes)?,
                holidays,
            },
            severities,
            priorities: self.priorities.clone(),
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// "Saved. Deadlines moved on INC-3 and INC-7; each says so on its timeline."
fn saved_text(saved: &SlaPolicySaved) -> String {
    let refs: Vec<String> = saved.moved.iter().map(|id| format!("INC-{id}")).collect();
    match refs.as_slice() {
        [] => "Saved. No open incident's deadlines moved; new clocks count to this policy.".into(),
        [one] => format!("Saved. Deadlines moved on {one}; its timeline says how."),
        [rest @ .., last] => format!(
            "Saved. Deadlines moved on {} and {last}; each timeline says how.",
            rest.join(", ")
        ),
    }
}

#[component]
fn SlaView(snapshot: SlaSnapshot, zones: Vec<String>) -> impl IntoView {
    let SlaSnapshot {
        policy,
        viewer,
        vocabulary,
    } = snapshot;
    // A zone typed in is checked against the same names.
    crate::domain::sla::zone::learn_names(&zones);
    let live = crate::live::use_live();
    Effect::new(move |_| live.stop());
    let admin = viewer.may(Right::ChangeSlaPolicy);
    let draft = RwSignal::new(Draft::of(&policy.policy));
    // The revision the draft was loaded from: a save made on an older one is refused.
    let revision = RwSignal::new(policy.revision);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let save = Action::new(move |(policy, revision): &(SlaPolicy, u64)| {
        save_sla_policy(policy.clone(), *revision)
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(done)) => {
            error.set(None);
            saved.set(Some(saved_text(&done)));
            revision.set(done.revision);
            draft.set(Draft::of(&done.policy));
        }
        Some(Err(e)) => {
            saved.set(None);
            // Someone saved meanwhile: show theirs, to make the change again on top.
            if e.kind == ErrorKind::PreconditionFailed {
                leptos::task::spawn_local(async move {
                    if let Ok(latest) = get_sla_policy().await {
                        revision.try_set(latest.policy.revision);
                        draft.try_set(Draft::of(&latest.policy.policy));
                    }
                });
            }
            error.set(Some(e));
        }
        None => {}
    });
    let vocab = std::sync::Arc::new(vocabulary);
    let on_submit = {
        let vocab = vocab.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            saved.set(None);
            match draft.with_untracked(|d| d.policy(&vocab)) {
                Ok(policy) => {
                    error.set(None);
                    save.dispatch((policy, revision.get_untracked()));
                }
                Err(message) => error.set(Some(AppError::unprocessable(message))),
            }
        }
    };
    let rows = Severity::ALL
        .iter()
        .enumerate()
        .map(|(row, &severity)| {
            let cells = ClockKind::ALL
                .iter()
                .enumerate()
                .map(|(col, &kind)| {
                    let name = format!(
                        "{} {}",
                        vocab.severity_label(severity),
                        kind.label().to_lowercase()
                    );
                    view! { <TargetCell draft=draft row=row col=col name=name admin=admin/> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{vocab.severity_label(severity)}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let heads = ClockKind::ALL
        .iter()
        .map(|k| view! { <th scope="col">{k.label()}</th> })
        .collect_view();
    let text = move |f: fn(&Draft) -> String| move || draft.with(f);
    let edit = move |f: fn(&mut Draft, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update(|d| f(d, value));
        }
    };
    let days = WEEKDAYS
        .iter()
        .map(|&(day, name)| {
            view! {
                <label class="day">
                    <input
                        type="checkbox"
                        disabled=!admin
                        prop:checked=move || draft.with(|d| d.working_days.contains(&day))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            draft
                                .update(|d| {
                                    d.working_days.retain(|x| *x != day);
                                    if on {
                                        d.working_days.push(day);
                                    }
                                });
                        }
                    />
                    {name}
                </label>
            }
        })
        .collect_view();
    let zones = zones
        .into_iter()
        .map(|z| view! { <option value=z></option> })
        .collect_view();
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"SLA policy"</h1>
            </div>
            <p class="lede">
                "How long each severity has to reach each milestone. Clocks run from detection (the post-mortem clock from resolution); a public status update restarts the next-update clock. Leave a target empty when the clock does not apply. Business targets count only the working hours below."
            </p>
            {(!admin)
                .then(|| {
                    view! { <p class="notice">"Only an admin can change the SLA policy; you can read it."</p> }
                })}
            <form class="sla-policy" aria-label="SLA policy" on:submit=on_submit>
                <div class="targets-wrap">
                <table class="targets" aria-label="Targets per severity">
                    <thead>
                        <tr>
                            <th scope="col">"Severity"</th>
                            {heads}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                </div>
                <fieldset class="calendar">
                    <legend>"Business hours"</legend>
                    <div class="field">
                        <label for="sla-zone">"Time zone"</label>
                        <input
                            id="sla-zone"
                            list="sla-zones"
                            autocomplete="off"
                            readonly=!admin
                            prop:value=text(|d| d.time_zone.clone())
                            on:input=edit(|d, v| d.time_zone = v)
                        />
                        <datalist id="sla-zones">{zones}</datalist>
                    </div>
                    <div class="field">
                        <span class="label" id="sla-days">"Working days"</span>
                        <div class="days" role="group" aria-labelledby="sla-days">{days}</div>
                    </div>
                    <div class="field hours">
                        <label for="sla-opens">"Opens"</label>
                        <input
                            id="sla-opens"
                            type="time"
                            readonly=!admin
                            prop:value=text(|d| d.opens.clone())
                            on:input=edit(|d, v| d.opens = v)
                        />
                        <label for="sla-closes">"Closes"</label>
                        <input
                            id="sla-closes"
                            type="time"
                            readonly=!admin
                            prop:value=text(|d| d.closes.clone())
                            on:input=edit(|d, v| d.closes = v)
                        />
                    </div>
                    <div class="field">
                        <label for="sla-holidays">"Holidays (one date per line, YYYY-MM-DD)"</label>
                        <textarea
                            id="sla-holidays"
                            rows="4"
                            readonly=!admin
                            prop:value=text(|d| d.holidays.clone())
                            on:input=edit(|d, v| d.holidays = v)
                        ></textarea>
                    </div>
                </fieldset>
                <ErrorNotice error=error.into()/>
                // A live region that stays on the page, so screen readers announce what lands in it.
                <div role="status" aria-live="polite" class="status-slot">
                    {move || saved.get().map(|text| view! { <p class="notice saved">{text}</p> })}
                </div>
                {admin
                    .then(|| {
                        view! {
                            <div class="buttons">
                                <button
                                    type="button"
                                    on:click=move |_| {
                                        saved.set(None);
                                        error.set(None);
                                        draft.set(Draft::of(&SlaPolicy::default()));
                                    }
                                >
                                    "Fill in the defaults"
                                </button>
                                <button type="submit" class="primary" disabled=move || save.pending().get()>
                                    "Save policy"
                                </button>
                            </div>
                        }
                    })}
            </form>
        </main>
    }
}

/// One severity's target for one clock: an amount and a unit. `name` is what it is called
/// ("SEV1 acknowledge").
#[component]
fn TargetCell(
    draft: RwSignal<Draft>,
    row: usize,
    col: usize,
    name: String,
    admin: bool,
) -> impl IntoView {
    let cell = move |f: fn(&Cell) -> String| {
        move || {
            draft.with(|d| {
                d.cells
                    .get(row)
                    .and_then(|(_, cells)| cells.get(col))
                    .map(f)
                    .unwrap_or_default()
            })
        }
    };
    let update = move |f: fn(&mut Cell, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update(|d| {
                if let Some(c) = d.cells.get_mut(row).and_then(|(_, c)| c.get_mut(col)) {
                    f(c, value);
                }
            });
        }
    };
    let options = UNITS
        .iter()
        .map(|&(unit, label)| view! { <option value=unit_key(unit)>{label}</option> })
        .collect_view();
    view! {
        <td class="target">
            <input
                class="amount"
                inputmode="numeric"
                size="4"
                placeholder="—"
                aria-label=format!("{name} target")
                readonly=!admin
                prop:value=cell(|c| c.amount.clone())
                on:input=update(|c, v| c.amount = v)
            />
            <select
                aria-label=format!("{name} unit")
                disabled=!admin
                prop:value=cell(|c| unit_key(c.unit).to_owned())
                on:change=update(|c, v| c.unit = unit_of(&v))
            >
                {options}
            </select>
        </td>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_the_default_policy() {
        let policy = SlaPolicy::default();
        let draft = Draft::of(&policy);
        let back = draft.policy(&Vocabulary::default()).unwrap();
        for s in Severity::ALL {
            assert_eq!(back.targets(s), policy.targets(s), "{s:?}");
        }
        assert_eq!(back.calendar, policy.calendar);
    }

    #[test]
    fn what_cannot_be_read_is_said_in_words() {
        let vocab = Vocabulary::default();
        let mut draft = Draft::of(&SlaPolicy::default());
        draft.cells[0].1[0].amount = "five".into();
        let err = draft.policy(&vocab).unwrap_err();
        assert!(err.contains("\"five\" is not a whole number"), "{err}");

        let mut draft = Draft::of(&SlaPolicy::default());
        draft.holidays = "2026-12-25\nChristmas".into();
        let err = draft.policy(&vocab).unwrap_err();
        assert!(err.contains("\"Christmas\" is not a date"), "{err}");

        let mut draft = Draft::of(&SlaPolicy::default());
        draft.time_zone = "Mars/Olympus".into();
        let err = draft.policy(&vocab).unwrap_err();
        assert!(err.contains("Unknown time zone"), "{err}");

        let mut draft = Draft::of(&SlaPolicy::default());
        draft.opens = "18:00".into();
        let err = draft.policy(&vocab).unwrap_err();
        assert!(err.contains("open before they close"), "{err}");
    }

    #[test]
    fn empty_amounts_mean_no_target() {
        let mut draft = Draft::of(&SlaPolicy::default());
        draft.cells[0].1[2].amount = " ".into();
        let policy = draft.policy(&Vocabulary::default()).unwrap();
        assert_eq!(policy.targets(Severity::Sev1).mitigate, None);
        assert_eq!(
            policy.targets(Severity::Sev1).acknowledge,
            Some(Target::minutes(5))
        );
    }
}
