//! The room's keyboard: a skip link to the timeline, `n` for the note box, Ctrl/Cmd+Enter to
//! post what is being written, `?` for the list of keys — and focus that never falls to the
//! page body when the control it was on goes away (disabled while its action runs, re-rendered
//! or removed by the change it made).

use leptos::prelude::*;

/// Where the skip link goes: the timeline's heading (focusable, `tabindex="-1"`).
pub const SKIP_TARGET: &str = "timeline-heading";

/// The keys, as the `?` dialog lists them.
const KEYS: [(&[&str], &str); 5] = [
    (&["n"], "Write a note (from anywhere but a text field)"),
    (
        &["Ctrl", "Enter"],
        "Post the note or status update being written (⌘ Enter on a Mac)",
    ),
    (&["?"], "Show these keys"),
    (&["Esc"], "Close this list"),
    (
        &["Tab"],
        "The first Tab offers a link to skip to the timeline",
    ),
];

/// The skip link (the room page's first focusable element), the keys dialog and the key
/// handling behind both.
#[component]
pub fn RoomKeys() -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::start(dialog));
    let keys = KEYS
        .iter()
        .map(|(keys, what)| {
            let keys = keys
                .iter()
                .enumerate()
                .map(|(i, k)| view! { {if i == 0 { "" } else { " + " }} <kbd>{*k}</kbd> })
                .collect_view();
            view! {
                <dt>{keys}</dt>
                <dd>{*what}</dd>
            }
        })
        .collect_view();
    view! {
        // Before hydration the browser follows the fragment (and focuses the heading); after,
        // the router would take the click as a navigation: focus the heading ourselves.
        <a
            class="skip-link"
            href=format!("#{SKIP_TARGET}")
            on:click=move |_ev| {
                #[cfg(feature = "hydrate")]
                browser::skip(&_ev);
            }
        >
            "Skip to the timeline"
        </a>
        <dialog node_ref=dialog class="keys-dialog" aria-labelledby="keys-title" data-testid="keys-dialog">
            <h2 id="keys-title">"Keyboard shortcuts"</h2>
            <dl class="keys">{keys}</dl>
            // Closes the dialog without script (`method="dialog"`); Escape does too.
            <form method="dialog">
                <button type="submit">"Close"</button>
            </form>
        </dialog>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent};

    /// The note box `n` focuses.
    const NOTE_BOX: &str = "note-body";

    /// What can hold focus.
    const FOCUSABLE: &str = "a[href], button, input:not([type=hidden]), select, textarea, \
                             summary, [tabindex]:not([tabindex='-1'])";

    /// How often to look whether focus has fallen to the page body.
    const WATCH: Duration = Duration::from_millis(100);

    /// Where focus was, and how to find its like if the element goes.
    struct Spot {
        el: Element,
        id: String,
        /// The timeline entry it is in (`data-event-id`): entries are re-rendered when they
        /// change (pinned, edited, deleted).
        entry: Option<String>,
        text: String,
        /// Nearest first.
        ancestors: Vec<Element>,
    }

    impl Spot {
        fn of(el: Element) -> Spot {
            let entry = el
                .closest("[data-event-id]")
                .ok()
                .flatten()
                .and_then(|e| e.get_attribute("data-event-id"));
            let mut ancestors = Vec::new();
            let mut at = el.parent_element();
            while let Some(parent) = at {
                at = parent.parent_element();
                ancestors.push(parent);
            }
            Spot {
                id: el.id(),
                text: label(&el),
                entry,
                ancestors,
                el,
            }
        }

        /// The control that stands for the one gone: the same id, else the same control in
        /// the same timeline entry (or the entry itself), else the nearest part of the page
        /// still there, else the note box.
        fn replacement(&self) -> Option<HtmlElement> {
            let doc = document();
            if !self.id.is_empty() {
                if let Some(el) = doc.get_element_by_id(&self.id).and_then(usable) {
                    return Some(el);
                }
            }
            if let Some(entry) = &self.entry {
                let selector = format!("[data-event-id=\"{entry}\"]");
                if let Some(li) = doc.query_selector(&selector).ok().flatten() {
                    return like_in(&li, &self.text).or_else(|| {
                        // An entry with nothing left to press (a deleted note): the entry.
                        let _ = li.set_attribute("tabindex", "-1");
                        li.dyn_into::<HtmlElement>().ok()
                    });
                }
            }
            self.ancestors
                .iter()
                .filter(|a| a.is_connected())
                .find_map(|a| like_in(a, &self.text))
                .or_else(|| doc.get_element_by_id(NOTE_BOX).and_then(usable))
        }
    }

    fn label(el: &Element) -> String {
        el.text_content().unwrap_or_default().trim().to_owned()
    }

    /// The element, if it can take focus now (there, enabled, shown).
    fn usable(el: Element) -> Option<HtmlElement> {
        let el = el.dyn_into::<HtmlElement>().ok()?;
        let shown = el.offset_width() > 0 || el.offset_height() > 0;
        (el.is_connected() && shown && !el.matches(":disabled").unwrap_or(true)).then_some(el)
    }

    /// Within `scope`, the control with the same words, else its first control.
    fn like_in(scope: &Element, text: &str) -> Option<HtmlElement> {
        let all = scope.query_selector_all(FOCUSABLE).ok()?;
        let controls: Vec<HtmlElement> = (0..all.length())
            .filter_map(|i| all.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .filter_map(usable)
            .collect();
        controls
            .iter()
            .find(|c| label(c) == text)
            .or_else(|| controls.first())
            .cloned()
    }

    /// Is the person typing in it (where `n` and `?` are letters)?
    fn is_field(el: &Element) -> bool {
        let tag = el.tag_name().to_ascii_lowercase();
        matches!(tag.as_str(), "input" | "textarea" | "select")
            || el
                .dyn_ref::<HtmlElement>()
                .is_some_and(|h| h.is_content_editable())
    }

    fn focus_lost() -> bool {
        document()
            .active_element()
            .is_none_or(|a| a.tag_name().eq_ignore_ascii_case("body"))
    }

    pub fn start(dialog: NodeRef<leptos::html::Dialog>) {
        let spot: Rc<RefCell<Option<Spot>>> = Rc::default();
        let returns_to: Rc<RefCell<Option<HtmlElement>>> = Rc::default();

        let keys = {
            let returns_to = returns_to.clone();
            window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
                on_key(&ev, dialog, &returns_to)
            })
        };
        let focused = {
            let spot = spot.clone();
            window_event_listener_untyped("focusin", move |ev| {
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    *spot.borrow_mut() = Some(Spot::of(el));
                }
            })
        };
        // A press on the page itself (not a control) puts focus on the body on purpose.
        let pressed = {
            let spot = spot.clone();
            window_event_listener_untyped("pointerdown", move |ev| {
                let on_control = ev
                    .target()
                    .and_then(|t| t.dyn_into::<Element>().ok())
                    .is_some_and(|el| el.closest(FOCUSABLE).ok().flatten().is_some());
                if !on_control {
                    *spot.borrow_mut() = None;
                }
            })
        };
        // The control focus was on went (removed, re-rendered, disabled while it works): put
        // focus back on it when it can take it, or on its like.
        let watch = set_interval_with_handle(
            move || {
                if !focus_lost() {
                    return;
                }
                let mut held = spot.borrow_mut();
                let Some(was) = held.as_ref() else {
                    return;
                };
                let next = if was.el.is_connected() {
                    // Disabled while its action runs: wait for it.
                    usable(was.el.clone())
                } else {
                    let next = was.replacement();
                    *held = None;
                    next
                };
                // Focusing reports a new spot: not while this one is borrowed.
                drop(held);
                if let Some(el) = next {
                    let _ = el.focus();
                }
            },
            WATCH,
        )
        .ok();

        // Closing the dialog (Escape, its button) puts focus back where it was.
        if let Some(el) = dialog.get_untracked() {
            let on_close = Closure::<dyn FnMut()>::new(move || {
                if let Some(back) = returns_to.borrow_mut().take() {
                    let _ = back.focus();
                }
            });
            let _ = el.add_event_listener_with_callback("close", on_close.as_ref().unchecked_ref());
            // It lives as long as the dialog element, which goes with the page.
            on_close.forget();
        }

        on_cleanup(move || {
            keys.remove();
            focused.remove();
            pressed.remove();
            if let Some(watch) = watch {
                watch.clear();
            }
        });
    }

    /// The skip link: focus the timeline's heading (which scrolls it into view).
    pub fn skip(ev: &web_sys::MouseEvent) {
        if let Some(heading) = document()
            .get_element_by_id(super::SKIP_TARGET)
            .and_then(|h| h.dyn_into::<HtmlElement>().ok())
        {
            ev.prevent_default();
            let _ = heading.focus();
        }
    }

    fn on_key(
        ev: &KeyboardEvent,
        dialog: NodeRef<leptos::html::Dialog>,
        returns_to: &RefCell<Option<HtmlElement>>,
    ) {
        if ev.default_prevented() || ev.is_composing() {
            return;
        }
        let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            // Post what is being written: the form of the text box.
            if let Some(form) = target
                .as_ref()
                .and_then(|t| t.dyn_ref::<HtmlTextAreaElement>())
                .and_then(|area| area.form())
            {
                ev.prevent_default();
                let _ = form.request_submit();
            }
            return;
        }
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || target.as_ref().is_some_and(is_field) {
            return;
        }
        let Some(dialog) = dialog.get_untracked() else {
            return;
        };
        if dialog.open() {
            return;
        }
        match ev.key().as_str() {
            "n" => {
                if let Some(note) = document().get_element_by_id(NOTE_BOX).and_then(usable) {
                    ev.prevent_default();
                    let _ = note.focus();
                }
            }
            "?" => {
                ev.prevent_default();
                *returns_to.borrow_mut() = document()
                    .active_element()
                    .and_then(|a| a.dyn_into::<HtmlElement>().ok());
                let _ = dialog.show_modal();
            }
            _ => {}
        }
    }
}
