//! Live delivery: the pump that publishes the event log to every open stream (`bus.rs`), who is
//! in which room (`presence.rs`), and ending the streams of sessions that ended
//! (`session_watch.rs`).

pub mod bus;
pub mod presence;
pub mod session_watch;
