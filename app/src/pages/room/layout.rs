//! The room's frame: the side column's foldable sections (remembered per person) and, on a
//! narrow screen, the switch between the timeline and the rest.

use leptos::prelude::*;

use crate::api::{FoldedSections, RoomSection};

/// What a section is called on screen.
fn label(section: RoomSection) -> &'static str {
    match section {
        RoomSection::Actions => "Actions",
        RoomSection::Impact => "Impact",
        RoomSection::Roles => "Roles",
        RoomSection::Updates => "Status updates",
        RoomSection::Timestamps => "Timestamps",
    }
}

/// The viewer's folded sections, as the page was rendered with them and as they fold since.
#[derive(Clone, Copy)]
pub struct Folds {
    // Names the cookie, which only the browser writes.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    viewer_id: i64,
    folded: StoredValue<FoldedSections>,
}

impl Folds {
    pub fn new(viewer_id: i64, folded: FoldedSections) -> Folds {
        Folds {
            viewer_id,
            folded: StoredValue::new(folded),
        }
    }

    /// Remembers that `section` is now folded (or open), in the viewer's cookie: the next
    /// render of any room, on the server, has it so.
    fn remember(self, section: RoomSection, folded: bool) {
        if self.folded.with_value(|f| f.contains(section)) == folded {
            return;
        }
        self.folded.update_value(|f| f.set(section, folded));
        #[cfg(feature = "hydrate")]
        {
            let cookie = self.folded.with_value(|f| f.set_cookie(self.viewer_id));
            // `document.cookie` (web-sys keeps it on HtmlDocument, a feature we do not need
            // otherwise).
            let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
        }
    }
}

/// A section of the side column, open unless the viewer folded it away. A plain
/// `<details>`: it folds before the page is interactive, and is said as a disclosure. Its
/// heading is the summary (so the heading stays when folded); `heading_id` names it for the
/// panel inside.
#[component]
pub fn Fold(folds: Folds, section: RoomSection, children: Children) -> impl IntoView {
    let open = !folds.folded.with_value(|f| f.contains(section));
    let details = NodeRef::<leptos::html::Details>::new();
    let on_toggle = move |_| {
        if let Some(el) = details.get_untracked() {
            folds.remember(section, !el.open());
        }
    };
    view! {
        <details
            class=format!("fold {}", section.key())
            data-section=section.key()
            open=open
            node_ref=details
            on:toggle=on_toggle
        >
            <summary>
                <h2 id=format!("{}-heading", section.key())>{label(section)}</h2>
            </summary>
            {children()}
        </details>
    }
}

/// On a narrow screen the room is one column: the timeline, or (by this switch) the rest. Wide,
/// both columns show and the switch is not there (CSS).
#[component]
pub fn NarrowSwitch(details: RwSignal<bool>) -> impl IntoView {
    let choice = move |shows_details: bool, text: &'static str, controls: &'static str| {
        view! {
            <button
                type="button"
                aria-controls=controls
                aria-pressed=move || (details.get() == shows_details).to_string()
                on:click=move |_| details.set(shows_details)
            >
                {text}
            </button>
        }
    };
    view! {
        <div class="room-switch" role="group" aria-label="Show">
            {choice(false, "Timeline", "room-main")}
            {choice(true, "Details", "room-side")}
        </div>
    }
}
