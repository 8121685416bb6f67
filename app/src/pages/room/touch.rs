//! A finger dragging a card on the role board. The card takes the touch (`touch-action: none`),
//! so the browser neither scrolls nor drags: this finds the drop target under the finger,
//! scrolls the page while the finger is held near its top or bottom edge, and tells a release
//! at the window's very edge (where a finger lands when it gives up) from a drop.

/// How near the top or bottom of the window (in CSS pixels) a held finger scrolls the page.
const SCROLL_ZONE: f64 = 48.0;
/// How near any edge of the window a release cancels the drag instead of dropping.
const CANCEL_EDGE: f64 = 12.0;
/// How often the page scrolls while the finger is held in the zone, in milliseconds.
#[cfg(feature = "hydrate")]
const SCROLL_EVERY_MS: u32 = 30;

/// How far to scroll the page per step for a finger at height `y` of a window `height` tall:
/// up near the top, down near the bottom, faster the nearer the edge; 0 elsewhere.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn scroll_step(y: f64, height: f64) -> f64 {
    let depth = |d: f64| (SCROLL_ZONE - d.max(0.0)) / 4.0 + 2.0;
    if y < SCROLL_ZONE {
        -depth(y)
    } else if y > height - SCROLL_ZONE {
        depth(height - y)
    } else {
        0.0
    }
}

/// Is a release at `(x, y)` in a `width` × `height` window at its edge (a cancel)?
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn at_edge(x: f64, y: f64, width: f64, height: f64) -> bool {
    x < CANCEL_EDGE || y < CANCEL_EDGE || x > width - CANCEL_EDGE || y > height - CANCEL_EDGE
}

/// The drop target (its `data-drop-index`) under a point.
#[cfg(feature = "hydrate")]
fn target_at(x: i32, y: i32) -> Option<usize> {
    let element = web_sys::window()?
        .document()?
        .element_from_point(x as f32, y as f32)?;
    element
        .closest("[data-drop-index]")
        .ok()??
        .get_attribute("data-drop-index")?
        .parse()
        .ok()
}

#[cfg(feature = "hydrate")]
fn window_size() -> Option<(f64, f64)> {
    let window = web_sys::window()?;
    Some((
        window.inner_width().ok()?.as_f64()?,
        window.inner_height().ok()?.as_f64()?,
    ))
}

/// Where a release at `(x, y)` drops: the target under it, or `None` when it is outside every
/// target or at the window's edge.
#[cfg(feature = "hydrate")]
pub fn release_at(x: i32, y: i32) -> Option<usize> {
    let (width, height) = window_size()?;
    if at_edge(f64::from(x), f64::from(y), width, height) {
        return None;
    }
    target_at(x, y)
}

#[cfg(not(feature = "hydrate"))]
pub fn release_at(_: i32, _: i32) -> Option<usize> {
    None
}

/// One finger's drag: where it is, and the timer that scrolls the page while it is held near
/// an edge (stopped when this is dropped, as the drag ends).
pub struct FingerDrag {
    point: std::rc::Rc<std::cell::Cell<(i32, i32)>>,
    #[cfg(feature = "hydrate")]
    _scroller: gloo_timers::callback::Interval,
}

impl FingerDrag {
    /// Starts following a finger at `(x, y)`; `moved` is told the target under it whenever the
    /// page scrolls beneath it.
    pub fn start(x: i32, y: i32, moved: impl Fn(Option<usize>) + 'static) -> FingerDrag {
        let point = std::rc::Rc::new(std::cell::Cell::new((x, y)));
        #[cfg(feature = "hydrate")]
        {
            let at = point.clone();
            let scroller = gloo_timers::callback::Interval::new(SCROLL_EVERY_MS, move || {
                let (x, y) = at.get();
                let Some((_, height)) = window_size() else {
                    return;
                };
                let step = scroll_step(f64::from(y), height);
                if step != 0.0 {
                    if let Some(window) = web_sys::window() {
                        window.scroll_by_with_x_and_y(0.0, step);
                    }
                    moved(release_at(x, y));
                }
            });
            FingerDrag {
                point,
                _scroller: scroller,
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = moved;
            FingerDrag { point }
        }
    }

    /// The finger moved to `(x, y)`.
    pub fn follow(&self, x: i32, y: i32) {
        self.point.set((x, y));
    }

    /// Starts the page's finger drag (a page has one at a time), ending any before it.
    pub fn begin(x: i32, y: i32, moved: impl Fn(Option<usize>) + 'static) {
        let drag = FingerDrag::start(x, y, moved);
        let before = ACTIVE.with(|active| active.borrow_mut().replace(drag));
        drop(before);
    }

    /// The page's finger drag, if any, moved to `(x, y)`.
    pub fn follow_active(x: i32, y: i32) {
        ACTIVE.with(|active| {
            if let Some(drag) = active.borrow().as_ref() {
                drag.follow(x, y);
            }
        });
    }

    /// Ends the page's finger drag (its edge scrolling stops).
    pub fn end() {
        let ended = ACTIVE.with(|active| active.borrow_mut().take());
        drop(ended);
    }
}

thread_local! {
    /// The finger drag in progress. Kept here rather than in the card's reactive storage: it
    /// holds browser callbacks (not `Send`), and local reactive storage made while rendering on
    /// the server is dropped by whichever thread cleans the render up, which panics.
    static ACTIVE: std::cell::RefCell<Option<FingerDrag>> = const { std::cell::RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_scrolls_near_its_top_and_bottom_only() {
        assert!(scroll_step(10.0, 800.0) < 0.0);
        assert!(scroll_step(790.0, 800.0) > 0.0);
        assert_eq!(scroll_step(400.0, 800.0), 0.0);
        assert!(
            scroll_step(799.0, 800.0) > scroll_step(760.0, 800.0),
            "faster at the edge"
        );
    }

    #[test]
    fn a_release_at_the_edge_is_a_cancel() {
        assert!(at_edge(400.0, 799.0, 1000.0, 800.0));
        assert!(at_edge(2.0, 400.0, 1000.0, 800.0));
        assert!(!at_edge(400.0, 400.0, 1000.0, 800.0));
    }
}
