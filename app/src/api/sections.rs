//! Which of the room's side sections a person has folded away. Kept in a cookie per person
//! (named with their id, so another person signing in on the same browser has their own), which
//! the room's server function reads: the page is rendered, and hydrated, already folded.

use serde::{Deserialize, Serialize};

/// A foldable section of the room's side column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoomSection {
    Actions,
    Impact,
    Roles,
    Updates,
    Timestamps,
}

impl RoomSection {
    pub const ALL: [RoomSection; 5] = [
        RoomSection::Actions,
        RoomSection::Impact,
        RoomSection::Roles,
        RoomSection::Updates,
        RoomSection::Timestamps,
    ];

    /// Its name in the cookie and in the page (`data-section`).
    pub fn key(self) -> &'static str {
        match self {
            RoomSection::Actions => "actions",
            RoomSection::Impact => "impact",
            RoomSection::Roles => "roles",
            RoomSection::Updates => "updates",
            RoomSection::Timestamps => "timestamps",
        }
    }

    pub fn parse(key: &str) -> Option<RoomSection> {
        RoomSection::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The sections folded away; all others are open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FoldedSections(Vec<RoomSection>);

impl FoldedSections {
    pub fn contains(&self, section: RoomSection) -> bool {
        self.0.contains(&section)
    }

    pub fn set(&mut self, section: RoomSection, folded: bool) {
        self.0.retain(|s| *s != section);
        if folded {
            self.0.push(section);
        }
        self.0.sort_by_key(|s| s.key());
    }

    /// The cookie's name for the person with this id.
    pub fn cookie_name(user_id: i64) -> String {
        format!("sitrep-folded-{user_id}")
    }

    /// Reads the cookie's value: keys joined by `.` (a cookie value may hold no comma). A key
    /// this version does not know (a section removed since) is left out.
    pub fn from_cookie_value(value: &str) -> FoldedSections {
        let mut folded = FoldedSections::default();
        for section in value.split('.').filter_map(RoomSection::parse) {
            folded.set(section, true);
        }
        folded
    }

    pub fn cookie_value(&self) -> String {
        self.0.iter().map(|s| s.key()).collect::<Vec<_>>().join(".")
    }

    /// Finds the person's cookie in a `Cookie` request header.
    pub fn from_cookie_header(header: &str, user_id: i64) -> FoldedSections {
        let name = FoldedSections::cookie_name(user_id);
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| FoldedSections::from_cookie_value(v.trim_matches('"')))
            .unwrap_or_default()
    }

    /// What the browser writes to `document.cookie` to remember this for a year.
    pub fn set_cookie(&self, user_id: i64) -> String {
        format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            FoldedSections::cookie_name(user_id),
            self.cookie_value()
        )
    }
}

/// The sections the person asking has folded, from the request's cookies.
#[cfg(feature = "ssr")]
pub fn folded_in_request(user_id: i64) -> FoldedSections {
    leptos::prelude::use_context::<http::request::Parts>()
        .map(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|h| h.to_str().ok())
                .map(|h| FoldedSections::from_cookie_header(h, user_id))
                .find(|f| *f != FoldedSections::default())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_reads_their_own_cookie_only() {
        let header = "sitrep_session=abc; sitrep-folded-7=roles.impact; sitrep-folded-8=updates";
        let mine = FoldedSections::from_cookie_header(header, 7);
        assert!(mine.contains(RoomSection::Roles));
        assert!(mine.contains(RoomSection::Impact));
        assert!(!mine.contains(RoomSection::Updates));
        let theirs = FoldedSections::from_cookie_header(header, 8);
        assert!(theirs.contains(RoomSection::Updates));
        assert!(!theirs.contains(RoomSection::Roles));
        assert_eq!(
            FoldedSections::from_cookie_header(header, 9),
            FoldedSections::default()
        );
    }

    #[test]
    fn the_value_round_trips_and_ignores_unknown_keys() {
        let mut folded = FoldedSections::from_cookie_value("timestamps.nonsense..roles");
        assert_eq!(folded.cookie_value(), "roles.timestamps");
        folded.set(RoomSection::Roles, false);
        folded.set(RoomSection::Actions, true);
        folded.set(RoomSection::Actions, true);
        assert_eq!(folded.cookie_value(), "actions.timestamps");
        assert_eq!(
            FoldedSections::from_cookie_value(&folded.cookie_value()),
            folded
        );
        assert!(folded
            .set_cookie(3)
            .starts_with("sitrep-folded-3=actions.timestamps; Path=/;"));
    }
}
