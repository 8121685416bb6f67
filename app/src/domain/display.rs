//! How counts, durations and countdowns read for people, the same on the server and in the
//! browser (so a page renders the same text on both sides before it ticks).

/// An instant to the minute, as refusals name it: `2026-03-27 16:05 UTC`.
pub fn minute_utc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A count for people: `20000` -> `20,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Since when someone holds a role, as a wall clock reads it (`assumed` and `now` in the
/// reader's time zone): `since 20:10` today, `since 1 Dec 20:10` on another day, with the year
/// when it is another year.
pub fn since_wall_clock(assumed: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> String {
    use chrono::Datelike;
    let format = if assumed.date() == now.date() {
        "%H:%M"
    } else if assumed.year() == now.year() {
        "%-d %b %H:%M"
    } else {
        "%-d %b %Y %H:%M"
    };
    format!("since {}", assumed.format(format))
}

/// A duration for people: `45s`, `12m`, `3h 05m`, `2d 4h`.
pub fn human_duration(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

/// What a countdown shows for `remaining` time, in one glance: `mm:ss` under an hour, then
/// `3h 05m` and `2d 4h` (never `h:mm`, which reads as minutes next to an `mm:ss`); past the
/// deadline it counts up, with a leading `+`.
pub fn countdown_text(remaining: chrono::Duration) -> String {
    let secs = remaining.num_seconds();
    let n = secs.abs();
    let body = if n < 3_600 {
        format!("{:02}:{:02}", n / 60, n % 60)
    } else {
        human_duration(chrono::Duration::seconds(n))
    };
    if secs < 0 {
        format!("+{body}")
    } else {
        body
    }
}

/// The same countdown in words, for a tooltip or a screen reader: `in 59 minutes`, `in 3 hours
/// 5 minutes`, `in 2 days 4 hours`, `overdue by 12 minutes`.
pub fn countdown_words(remaining: chrono::Duration) -> String {
    let secs = remaining.num_seconds();
    let n = secs.abs();
    let unit = |count: i64, one: &str| {
        if count == 1 {
            format!("1 {one}")
        } else {
            format!("{count} {one}s")
        }
    };
    let (days, hours, mins) = (n / 86_400, (n % 86_400) / 3_600, (n % 3_600) / 60);
    let amount = if days > 0 {
        format!("{} {}", unit(days, "day"), unit(hours, "hour"))
    } else if hours > 0 {
        format!("{} {}", unit(hours, "hour"), unit(mins, "minute"))
    } else if mins > 0 {
        unit(mins, "minute")
    } else {
        unit(n, "second")
    };
    if secs < 0 {
        format!("overdue by {amount}")
    } else {
        format!("in {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn since_reads_the_time_today_and_the_day_before_that() {
        let at = |d, h, m| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, d)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert_eq!(
            since_wall_clock(at(2, 20, 10), at(2, 23, 59)),
            "since 20:10"
        );
        assert_eq!(
            since_wall_clock(at(1, 23, 50), at(2, 0, 5)),
            "since 1 Dec 23:50"
        );
        let last_year = at(31, 8, 0) - Duration::days(365);
        assert_eq!(
            since_wall_clock(last_year, at(2, 9, 0)),
            "since 31 Dec 2025 08:00"
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(200), "200");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn human_duration_picks_the_right_unit() {
        assert_eq!(human_duration(chrono::Duration::seconds(42)), "42s");
        assert_eq!(human_duration(chrono::Duration::seconds(125)), "2m");
        assert_eq!(
            human_duration(chrono::Duration::seconds(3 * 3600 + 300)),
            "3h 05m"
        );
        assert_eq!(
            human_duration(chrono::Duration::seconds(2 * 86_400 + 4 * 3600)),
            "2d 4h"
        );
    }

    #[test]
    fn countdowns_read_as_minutes_hours_or_days_and_count_up_when_late() {
        let cases = [
            (Duration::seconds(299), "04:59"),
            (Duration::seconds(0), "00:00"),
            (Duration::seconds(3_599), "59:59"),
            (Duration::seconds(3_600), "1h 00m"),
            (Duration::minutes(4 * 60 + 5), "4h 05m"),
            (Duration::seconds(4 * 3_600 - 1), "3h 59m"),
            (Duration::hours(50), "2d 2h"),
            (Duration::seconds(-61), "+01:01"),
            (Duration::seconds(-(12 * 60 + 3)), "+12:03"),
            (Duration::hours(-3), "+3h 00m"),
            (Duration::minutes(-(3 * 60 + 59)), "+3h 59m"),
        ];
        for (remaining, text) in cases {
            assert_eq!(countdown_text(remaining), text, "{remaining:?}");
        }
    }

    #[test]
    fn countdowns_in_words_name_their_units() {
        let cases = [
            (Duration::seconds(42), "in 42 seconds"),
            (Duration::seconds(1), "in 1 second"),
            (Duration::seconds(59 * 60 + 24), "in 59 minutes"),
            (Duration::minutes(61), "in 1 hour 1 minute"),
            (Duration::seconds(4 * 3_600 - 1), "in 3 hours 59 minutes"),
            (Duration::hours(52), "in 2 days 4 hours"),
            (Duration::minutes(-12), "overdue by 12 minutes"),
        ];
        for (remaining, words) in cases {
            assert_eq!(countdown_words(remaining), words, "{remaining:?}");
        }
    }
}
