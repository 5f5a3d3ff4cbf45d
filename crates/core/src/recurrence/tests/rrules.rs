//! Series to RRULE text and back.

use super::*;

#[test]
fn to_rrule_writes_each_pattern_and_range() {
    let cases = [
        (
            series(Pattern::Daily { interval: 2 }, NO_END(date(2026, 1, 1))),
            "FREQ=DAILY;INTERVAL=2",
        ),
        (
            series(
                Pattern::Weekly {
                    interval: 1,
                    days_of_week: vec![DayOfWeek::Monday, DayOfWeek::Wednesday],
                    first_day_of_week: DayOfWeek::Sunday,
                },
                Range::EndDate {
                    start: date(2026, 1, 5),
                    end: date(2026, 12, 31),
                },
            ),
            "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;WKST=SU;UNTIL=20261231T235959",
        ),
        (
            series(
                Pattern::RelativeMonthly {
                    interval: 1,
                    days_of_week: vec![DayOfWeek::Friday],
                    index: WeekIndex::Last,
                },
                Range::Numbered {
                    start: date(2026, 1, 30),
                    occurrences: 10,
                },
            ),
            "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR;COUNT=10",
        ),
        (
            series(
                Pattern::RelativeYearly {
                    interval: 1,
                    month: 3,
                    days_of_week: vec![DayOfWeek::Saturday, DayOfWeek::Sunday],
                    index: WeekIndex::First,
                },
                NO_END(date(2026, 1, 1)),
            ),
            "FREQ=YEARLY;INTERVAL=1;BYMONTH=3;BYDAY=SA,SU;BYSETPOS=1",
        ),
        (
            series(
                Pattern::AbsoluteYearly {
                    interval: 4,
                    month: 2,
                    day_of_month: 29,
                },
                NO_END(date(2024, 2, 29)),
            ),
            "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
        ),
    ];
    for (s, expected) in cases {
        assert_eq!(to_rrule(&s), expected);
        let back = from_rrule(expected, s.range.start(), s.timing, s.zone).unwrap();
        assert_eq!(back, s, "{expected}");
    }
}

#[test]
fn from_rrule_reads_ordinal_byday_until_in_utc_and_defaults() {
    let s = from_rrule(
        "RRULE:freq=monthly;byday=2TU;until=20261231T170000Z",
        date(2026, 1, 13),
        timed(18, 0),
        chrono_tz::Europe::Oslo,
    )
    .unwrap();
    assert_eq!(
        s.pattern,
        Pattern::RelativeMonthly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Tuesday],
            index: WeekIndex::Second,
        }
    );
    // 17:00Z is 18:00 in Oslo on 31 December: the last day still counts.
    assert_eq!(
        s.range,
        Range::EndDate {
            start: date(2026, 1, 13),
            end: date(2026, 12, 31)
        }
    );
    // An UNTIL before the day's start time ends the series the day before.
    let s = from_rrule(
        "FREQ=DAILY;UNTIL=20261231T120000",
        date(2026, 1, 1),
        timed(18, 0),
        s.zone,
    )
    .unwrap();
    assert_eq!(
        s.range,
        Range::EndDate {
            start: date(2026, 1, 1),
            end: date(2026, 12, 30)
        }
    );
    // A date UNTIL includes its whole day, as the booking system's expansion reads it.
    let s = from_rrule(
        "FREQ=DAILY;UNTIL=20261231",
        date(2026, 1, 1),
        timed(18, 0),
        s.zone,
    )
    .unwrap();
    assert_eq!(
        s.range,
        Range::EndDate {
            start: date(2026, 1, 1),
            end: date(2026, 12, 31)
        }
    );
    // Weekly without BYDAY repeats on DTSTART's weekday; WKST defaults to Monday (RFC 5545).
    let s = from_rrule("FREQ=WEEKLY", date(2026, 1, 7), timed(18, 0), s.zone).unwrap();
    assert_eq!(
        s.pattern,
        Pattern::Weekly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Wednesday],
            first_day_of_week: DayOfWeek::Monday,
        }
    );
    // Daily on weekdays is Outlook's "every weekday", a weekly series.
    let s = from_rrule(
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        date(2026, 1, 5),
        timed(9, 0),
        s.zone,
    )
    .unwrap();
    assert!(
        matches!(s.pattern, Pattern::Weekly { interval: 1, ref days_of_week, .. } if days_of_week.len() == 5)
    );
}

#[test]
fn from_rrule_refuses_rules_outlook_cannot_show_with_an_actionable_message() {
    let unrepresentable = [
        "FREQ=DAILY;BYHOUR=9,15",
        "FREQ=HOURLY",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "FREQ=MONTHLY;BYDAY=1MO,3MO",
        "FREQ=MONTHLY;BYDAY=5FR",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1",
        "FREQ=MONTHLY;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        "FREQ=YEARLY;BYMONTH=1,7",
        "FREQ=YEARLY;BYDAY=20MO",
        "FREQ=YEARLY;BYWEEKNO=20",
        "FREQ=WEEKLY;BYMONTH=6",
    ];
    for rule in unrepresentable {
        let err = from_rrule(
            rule,
            date(2026, 1, 1),
            timed(18, 0),
            chrono_tz::Europe::Oslo,
        )
        .unwrap_err();
        assert!(
            matches!(err, RecurrenceError::Unrepresentable { .. }),
            "{rule}: {err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("This repeat rule cannot be shown as an Outlook series: "),
            "{err}"
        );
    }
    let invalid = [
        "INTERVAL=2",
        "FREQ=FORTNIGHTLY",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;COUNT=3;UNTIL=20260101",
        "FREQ=DAILY;FREQ=WEEKLY",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=DAILY;UNTIL=tomorrow",
        "FREQ=DAILY;COLOUR=BLUE",
    ];
    for rule in invalid {
        let err = from_rrule(
            rule,
            date(2026, 1, 1),
            timed(18, 0),
            chrono_tz::Europe::Oslo,
        )
        .unwrap_err();
        assert!(
            matches!(err, RecurrenceError::Invalid { .. }),
            "{rule}: {err:?}"
        );
    }
}

#[test]
fn series_serialises_as_snake_case_json() {
    let s = series(
        Pattern::RelativeMonthly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Friday],
            index: WeekIndex::Last,
        },
        Range::Numbered {
            start: date(2026, 1, 30),
            occurrences: 3,
        },
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "pattern": {"type": "relative_monthly", "interval": 1, "days_of_week": ["friday"], "index": "last"},
            "range": {"type": "numbered", "start": "2026-01-30", "occurrences": 3},
            "timing": {"type": "timed", "start_time": "18:00:00", "duration_seconds": 3600},
            "zone": "Europe/Oslo"
        })
    );
    assert_eq!(serde_json::from_value::<Series>(json).unwrap(), s);
}
