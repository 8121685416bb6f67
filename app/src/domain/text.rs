//! Input rules every text and time a person sends must meet, whatever door it comes in by and
//! whichever store keeps it: the same rules on SQLite and PostgreSQL, so neither answers 500
//! for what the other accepts.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::error::DomainError;

/// The first year a time may fall in.
pub const EARLIEST_YEAR: i32 = 1970;
/// The last year a time may fall in.
pub const LATEST_YEAR: i32 = 9999;

/// Refuses control characters (NUL and the like, which PostgreSQL cannot store in text and no
/// screen can show), except the ones that shape text: newline (with the carriage return that
/// browsers send before it) and tab.
pub fn check_chars(field: &str, value: &str) -> Result<(), DomainError> {
    match value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        None => Ok(()),
        Some(c) => Err(DomainError::Invalid(format!(
            "{field} contains an invisible control character (U+{:04X}): remove it and try \
             again.",
            u32::from(c)
        ))),
    }
}

/// Checks `value` is `min`–`max` characters long and has no control characters.
pub fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), DomainError> {
    check_chars(field, value)?;
    let n = value.chars().count();
    if n < min {
        Err(DomainError::Invalid(if min == 1 {
            format!("{field} must not be empty (1–{max} characters).")
        } else {
            format!("{field} must be at least {min} characters.")
        }))
    } else if n > max {
        Err(DomainError::Invalid(format!(
            "{field} is too long: {n} characters, the limit is {max}."
        )))
    } else {
        Ok(())
    }
}

/// Longest email address, in characters (RFC 5321's limit on a path).
pub const EMAIL_MAX_CHARS: usize = 254;

/// Checks that `value` (already normalised) reads as an email address: one `@` with something
/// on both sides, a dot in the domain, no spaces.
pub fn check_email(field: &str, value: &str) -> Result<(), DomainError> {
    check_len(field, value, 1, EMAIL_MAX_CHARS)?;
    // Deliberately plain: the forms people and mail bridges send, none of RFC 5322's quoting.
    let fits = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && domain.split('.').all(|label| !label.is_empty())
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || "<>()[],;:\"\\".contains(c))
                && !domain.contains('@')
        }
        None => false,
    };
    if fits {
        Ok(())
    } else {
        Err(DomainError::Invalid(format!(
            "{field} \"{value}\" is not an email address (such as name@example.com)."
        )))
    }
}

fn year_in_range(year: i32) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&year)
}

/// Refuses instants outside the years [`EARLIEST_YEAR`]–[`LATEST_YEAR`]: no incident happened
/// before 1970, and the stores disagree about what they can keep beyond.
pub fn check_time(field: &str, at: DateTime<Utc>) -> Result<(), DomainError> {
    if year_in_range(at.year()) {
        Ok(())
    } else {
        Err(out_of_range(field, &at.to_rfc3339()))
    }
}

/// [`check_time`] for a calendar date.
pub fn check_date(field: &str, date: NaiveDate) -> Result<(), DomainError> {
    if year_in_range(date.year()) {
        Ok(())
    } else {
        Err(out_of_range(field, &date.to_string()))
    }
}

fn out_of_range(field: &str, value: &str) -> DomainError {
    DomainError::Invalid(format!(
        "{field} must be between the years {EARLIEST_YEAR} and {LATEST_YEAR} (it was {value})."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn control_characters_are_refused_but_newlines_and_tabs_kept() {
        assert!(check_len("Title", "a\u{0}b", 1, 10)
            .unwrap_err()
            .to_string()
            .contains("Title contains an invisible control character (U+0000)"));
        assert!(check_len("Note", "bell\u{7}", 1, 10).is_err());
        assert!(check_len("Note", "a\u{1b}[31m", 1, 10).is_err());
        assert!(check_len("Note", "a\u{85}b", 1, 10).is_err());
        assert!(check_len("Note", "line\r\nnext\tcol", 1, 20).is_ok());
        assert!(check_len("Note", "emoji 🔥 ünïcödé", 1, 20).is_ok());
    }

    #[test]
    fn lengths_count_characters() {
        assert!(check_len("Title", "", 1, 3).is_err());
        assert!(check_len("Title", "äöü", 1, 3).is_ok());
        assert!(check_len("Title", "äöüß", 1, 3).is_err());
    }

    #[test]
    fn times_outside_the_sane_range_are_refused() {
        let ok = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(check_time("Started", ok).is_ok());
        let early = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap();
        let message = check_time("Started", early).unwrap_err().to_string();
        assert!(message.starts_with("Started must be between the years 1970 and 9999"));
        let ancient = "-4713-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(check_time("Started", ancient).is_err());
        let far = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap();
        assert!(check_time("Started", far).is_err());
        assert!(check_date("Holiday", NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()).is_err());
        assert!(check_date("Holiday", NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).is_ok());
    }
}
