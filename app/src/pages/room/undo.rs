//! The "Undo" toast: after a change that has an undo (a hand-over, a swap), the person who made
//! it is offered, for a few seconds, to make the change that takes it back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use leptos::prelude::*;

use crate::domain::EventPayload;

/// How long the toast stays.
pub const UNDO_FOR: Duration = Duration::from_secs(10);

/// An undo on offer: what the change did, in words, and the change that takes it back, made on
/// the board `version` the change left.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Tells this offer from the one after it, whose toast its timer must not close.
    pub id: u64,
    pub said: String,
    pub undo: EventPayload,
    pub version: i64,
}

/// Offers `offer` for `UNDO_FOR`, replacing any offer before it.
pub fn offer(slot: RwSignal<Option<Offer>>, said: String, undo: EventPayload, version: i64) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    slot.set(Some(Offer {
        id,
        said,
        undo,
        version,
    }));
    set_timeout(
        move || {
            if slot.with_untracked(|o| o.as_ref().is_some_and(|o| o.id == id)) {
                slot.set(None);
            }
        },
        UNDO_FOR,
    );
}

/// The toast, while an undo is on offer; `undo` takes the offer.
#[component]
pub fn UndoToast(
    offer: RwSignal<Option<Offer>>,
    undo: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        offer.get().map(|o| {
            let undo = undo.clone();
            view! {
                <div class="undo-toast" role="status" data-testid="undo-toast">
                    <span>{o.said}</span>
                    <button type="button" class="undo" on:click=move |_| undo()>
                        "Undo"
                    </button>
                    <button
                        type="button"
                        class="link dismiss"
                        aria-label="Dismiss"
                        on:click=move |_| offer.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}
