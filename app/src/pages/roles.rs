//! The role catalog: what roles an incident can be staffed with. Admins add, rename, reorder
//! and retire roles (a retired role keeps its history on every incident); everyone else reads.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{get_role_catalog, save_role_catalog, RolesSnapshot};
use crate::components::{AppHeader, ErrorNotice, LoadError};
use crate::domain::{Action as Right, AppError, ErrorKind, RoleCatalog, RoleDef};

#[component]
pub fn RolesPage() -> impl IntoView {
    let snapshot = crate::api::codec::screen_data(|| (), |_| get_role_catalog());
    view! {
        <Title text="Incident roles · Sitrep"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the roles…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(s) => view! { <RolesView snapshot=s/> }.into_any(),
                    Err(e) => view! { <LoadError error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One role being edited: the role, and its checklist as lines of text.
#[derive(Clone, PartialEq)]
struct Draft {
    role: RoleDef,
    checklist: String,
    /// Added on this screen: its key is made from its label when saved.
    new: bool,
}

impl Draft {
    fn of(role: RoleDef) -> Draft {
        Draft {
            checklist: role.checklist.join("\n"),
            role,
            new: false,
        }
    }
}

/// The catalog the drafts describe, with keys for the new roles.
fn catalog_of(drafts: &[Draft]) -> RoleCatalog {
    let mut catalog = RoleCatalog { roles: Vec::new() };
    for d in drafts.iter().filter(|d| !d.new) {
        catalog.roles.push(d.role.clone());
    }
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        let mut role = d.role.clone();
        role.label = role.label.trim().to_owned();
        role.description = role.description.trim().to_owned();
        role.checklist = d
            .checklist
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if d.new {
            role.key = catalog.key_for(&role.label);
            catalog.roles.push(role.clone());
        }
        out.push(role);
    }
    RoleCatalog { roles: out }
}

#[component]
fn RolesView(snapshot: RolesSnapshot) -> impl IntoView {
    let RolesSnapshot {
        catalog,
        revision: loaded,
        viewer,
    } = snapshot;
    let live = crate::live::use_live();
    Effect::new(move |_| live.stop());
    let admin = viewer.may(Right::ChangeRoleCatalog);
    let drafts = RwSignal::new(catalog.roles.into_iter().map(Draft::of).collect::<Vec<_>>());
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    // The revision the drafts were loaded from: a save made on an older one is refused.
    let revision = RwSignal::new(loaded);
    let save = Action::new(move |(catalog, revision): &(RoleCatalog, u64)| {
        save_role_catalog(catalog.clone(), *revision)
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(done)) => {
            error.set(None);
            saved.set(true);
            revision.set(done.revision);
            drafts.set(done.catalog.roles.into_iter().map(Draft::of).collect());
        }
        Some(Err(e)) => {
            saved.set(false);
            // Someone saved meanwhile: show theirs, to make the change again on top.
            if e.kind == ErrorKind::PreconditionFailed {
                leptos::task::spawn_local(async move {
                    if let Ok(latest) = get_role_catalog().await {
                        revision.try_set(latest.revision);
                        drafts.try_set(latest.catalog.roles.into_iter().map(Draft::of).collect());
                    }
                });
            }
            error.set(Some(e));
        }
        None => {}
    });
    // Rows are rebuilt when roles are added, not on every keystroke (that would lose focus).
    let n = Memo::new(move |_| drafts.with(Vec::len));
    view! {
        <AppHeader viewer=viewer/>
        <main class="page">
            <div class="page-head">
                <h1>"Incident roles"</h1>
            </div>
            <p class="lede">
                "The roles an incident is staffed with, in the order the role board shows them. Retire a role to stop offering it: its hand-overs stay in every incident's history."
            </p>
            {(!admin)
                .then(|| {
                    view! { <p class="notice">"Only an admin can change the roles; you can read them."</p> }
                })}
            <ErrorNotice error=error.into()/>
            <Show when=move || saved.get()>
                <p class="notice saved" role="status">"Saved. New incidents and open rooms use these roles (reload a room to see them)."</p>
            </Show>
            <form
                class="role-catalog"
                aria-label="Roles"
                on:submit=move |ev| {
                    ev.prevent_default();
                    saved.set(false);
                    save.dispatch((drafts.with_untracked(|d| catalog_of(d)), revision.get_untracked()));
                }
            >
                <ol class="role-list">
                    {move || {
                        (0..n.get())
                            .map(|i| view! { <RoleRow drafts=drafts index=i admin=admin/> })
                            .collect_view()
                    }}
                </ol>
                {admin
                    .then(|| {
                        view! {
                            <div class="buttons">
                                <button
                                    type="button"
                                    on:click=move |_| {
                                        saved.set(false);
                                        drafts
                                            .update(|d| {
                                                d.push(Draft {
                                                    role: RoleDef {
                                                        key: String::new(),
                                                        label: String::new(),
                                                        description: String::new(),
                                                        single: true,
                                                        checklist: Vec::new(),
                                                        retired: false,
                                                    },
                                                    checklist: String::new(),
                                                    new: true,
                                                })
                                            });
                                    }
                                >
                                    "Add a role"
                                </button>
                                <button type="submit" class="primary" disabled=move || save.pending().get()>
                                    "Save roles"
                                </button>
                            </div>
                        }
                    })}
            </form>
        </main>
    }
}

#[component]
fn RoleRow(drafts: RwSignal<Vec<Draft>>, index: usize, admin: bool) -> impl IntoView {
    let get = move |f: fn(&Draft) -> String| {
        move || drafts.with(|d| d.get(index).map(f).unwrap_or_default())
    };
    let set = move |f: fn(&mut Draft, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            drafts.update(|d| {
                if let Some(draft) = d.get_mut(index) {
                    f(draft, value);
                }
            });
        }
    };
    let flag = move |f: fn(&Draft) -> bool| move || drafts.with(|d| d.get(index).is_some_and(f));
    let toggle = move |f: fn(&mut Draft, bool)| {
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            drafts.update(|d| {
                if let Some(draft) = d.get_mut(index) {
                    f(draft, on);
                }
            });
        }
    };
    let swap_with = move |other: usize| {
        drafts.update(|d| {
            if other < d.len() {
                d.swap(index, other);
            }
        })
    };
    let label_text = move || {
        drafts.with(|d| {
            d.get(index)
                .map(|r| {
                    if r.role.label.trim().is_empty() {
                        format!("Role {}", index + 1)
                    } else {
                        r.role.label.clone()
                    }
                })
                .unwrap_or_default()
        })
    };
    let key = get(|d| {
        if d.new {
            "(new)".to_owned()
        } else {
            d.role.key.clone()
        }
    });
    let id = |what: &str| format!("role-{index}-{what}");
    view! {
        <li class="role-row" class:retired=flag(|d| d.role.retired) aria-label=label_text>
            <div class="field">
                <label for=id("label")>"Label"</label>
                <input
                    id=id("label")
                    maxlength="60"
                    disabled=!admin
                    prop:value=get(|d| d.role.label.clone())
                    on:input=set(|d, v| d.role.label = v)
                />
                <span class="hint key">{key}</span>
            </div>
            <div class="field">
                <label for=id("description")>"Description"</label>
                <textarea
                    id=id("description")
                    rows="2"
                    maxlength="500"
                    disabled=!admin
                    prop:value=get(|d| d.role.description.clone())
                    on:input=set(|d, v| d.role.description = v)
                ></textarea>
            </div>
            <div class="field">
                <label for=id("checklist")>"Checklist (one item per line)"</label>
                <textarea
                    id=id("checklist")
                    rows="3"
                    disabled=!admin
                    prop:value=get(|d| d.checklist.clone())
                    on:input=set(|d, v| d.checklist = v)
                ></textarea>
            </div>
            <div class="row-options">
                <label>
                    <input
                        type="checkbox"
                        disabled=!admin
                        prop:checked=flag(|d| d.role.single)
                        on:change=toggle(|d, on| d.role.single = on)
                    />
                    " One holder at a time"
                </label>
                <label>
                    <input
                        type="checkbox"
                        disabled=!admin
                        prop:checked=flag(|d| d.role.retired)
                        on:change=toggle(|d, on| d.role.retired = on)
                    />
                    " Retired"
                </label>
                {admin
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="link"
                                disabled=move || index == 0
                                on:click=move |_| swap_with(index.wrapping_sub(1))
                            >
                                "Move up"
                            </button>
                            <button
                                type="button"
                                class="link"
                                // In a block: a bare `>=` would end the tag.
                                disabled=move || { index + 1 >= drafts.with(Vec::len) }
                                on:click=move |_| swap_with(index + 1)
                            >
                                "Move down"
                            </button>
                        }
                    })}
            </div>
        </li>
    }
}
