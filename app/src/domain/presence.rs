use serde::{Deserialize, Serialize};

use super::user::Actor;

/// Who has an incident's room open right now. Sent live (SSE `event: presence`) whenever
/// someone arrives or leaves; never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Presence {
    pub incident_id: i64,
    /// Each person once, by name.
    pub viewers: Vec<Actor>,
}
