use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn timed(h: u32, m: u32) -> Timing {
    Timing::Timed {
        start_time: at(h, m),
        duration: Duration::hours(1),
    }
}

fn series(pattern: Pattern, range: Range) -> Series {
    Series {
        pattern,
        range,
        timing: timed(18, 0),
        zone: chrono_tz::Europe::Oslo,
    }
}

fn utc(zone: Tz, d: NaiveDate) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Local dates of the occurrences starting in `from..to` (local dates, end exclusive).
fn dates(s: &Series, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    expand(s, utc(s.zone, from), utc(s.zone, to))
        .into_iter()
        .map(|o| o.local_date)
        .collect()
}

fn local_starts(s: &Series, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDateTime> {
    expand(s, utc(s.zone, from), utc(s.zone, to))
        .into_iter()
        .map(|o| o.start.with_timezone(&s.zone).naive_local())
        .collect()
}

const NO_END: fn(NaiveDate) -> Range = |start| Range::NoEnd { start };

#[test]
fn daily_every_third_day_counts_from_range_start() {
    let s = series(Pattern::Daily { interval: 3 }, NO_END(date(2026, 1, 30)));
    assert_eq!(
        dates(&s, date(2026, 1, 1), date(2026, 2, 9)),
        [
            date(2026, 1, 30),
            date(2026, 2, 2),
            date(2026, 2, 5),
            date(2026, 2, 8)
        ]
    );
}

#[test]
fn weekly_18_00_in_oslo_stays_18_00_local_across_march_and_october_changes() {
    let s = series(
        Pattern::Weekly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Sunday],
            first_day_of_week: DayOfWeek::Monday,
        },
        NO_END(date(2026, 3, 22)),
    );
    let occ = expand(
        &s,
        utc(s.zone, date(2026, 3, 1)),
        utc(s.zone, date(2026, 11, 2)),
    );
    assert!(
        occ.iter()
            .all(|o| o.start.with_timezone(&s.zone).time() == at(18, 0))
    );
    // 22 March is CET (+1), 29 March (the change) and 18 October are CEST (+2), 25 October
    // (the change back) is CET again.
    let hour_utc = |d: NaiveDate| occ.iter().find(|o| o.local_date == d).unwrap().start.hour();
    assert_eq!(hour_utc(date(2026, 3, 22)), 17);
    assert_eq!(hour_utc(date(2026, 3, 29)), 16);
    assert_eq!(hour_utc(date(2026, 10, 18)), 16);
    assert_eq!(hour_utc(date(2026, 10, 25)), 17);
    assert!(occ.iter().all(|o| o.end - o.start == Duration::hours(1)));
}

#[test]
fn weekly_18_00_in_chatham_stays_18_00_local_across_september_and_april_changes() {
    let mut s = series(
        Pattern::Weekly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Sunday],
            first_day_of_week: DayOfWeek::Sunday,
        },
        NO_END(date(2026, 3, 29)),
    );
    s.zone = chrono_tz::Pacific::Chatham;
    let occ = expand(
        &s,
        utc(s.zone, date(2026, 3, 1)),
        utc(s.zone, date(2026, 10, 5)),
    );
    assert!(
        occ.iter()
            .all(|o| o.start.with_timezone(&s.zone).time() == at(18, 0))
    );
    let offset = |d: NaiveDate| {
        let o = occ.iter().find(|o| o.local_date == d).unwrap();
        o.local_date.and_time(at(18, 0)) - o.start.naive_utc()
    };
    // Chatham is +13:45 in its summer and +12:45 in winter; it changes on the first Sunday of
    // April and the last Sunday of September.
    assert_eq!(offset(date(2026, 3, 29)), Duration::minutes(13 * 60 + 45));
    assert_eq!(offset(date(2026, 4, 5)), Duration::minutes(12 * 60 + 45));
    assert_eq!(offset(date(2026, 9, 20)), Duration::minutes(12 * 60 + 45));
    assert_eq!(offset(date(2026, 9, 27)), Duration::minutes(13 * 60 + 45));
}

#[test]
fn start_time_in_a_dst_gap_moves_forward_by_the_gap() {
    // Oslo skips 02:00-03:00 on 29 March 2026.
    let mut s = series(Pattern::Daily { interval: 1 }, NO_END(date(2026, 3, 28)));
    s.timing = timed(2, 30);
    let starts = local_starts(&s, date(2026, 3, 28), date(2026, 3, 31));
    assert_eq!(
        starts,
        [
            date(2026, 3, 28).and_time(at(2, 30)),
            date(2026, 3, 29).and_time(at(3, 30)),
            date(2026, 3, 30).and_time(at(2, 30)),
        ]
    );
    // Chatham skips 02:45-03:45 on 27 September 2026.
    s.zone = chrono_tz::Pacific::Chatham;
    s.timing = timed(3, 0);
    s.range = NO_END(date(2026, 9, 27));
    assert_eq!(
        local_starts(&s, date(2026, 9, 27), date(2026, 9, 28)),
        [date(2026, 9, 27).and_time(at(4, 0))]
    );
}

#[test]
fn start_time_in_a_dst_fold_takes_the_first_instant() {
    // Oslo repeats 02:00-03:00 on 25 October 2026: 02:30 CEST is 00:30 UTC.
    let mut s = series(Pattern::Daily { interval: 1 }, NO_END(date(2026, 10, 25)));
    s.timing = timed(2, 30);
    let occ = expand(
        &s,
        utc(s.zone, date(2026, 10, 25)),
        utc(s.zone, date(2026, 10, 26)),
    );
    assert_eq!(occ.len(), 1);
    assert_eq!(
        occ[0].start,
        Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
    );
}

#[test]
fn weekly_every_second_week_counts_weeks_from_the_first_day_of_week() {
    // Range starts Wednesday 7 Jan 2026; weeks start on Sunday, so Monday 5 Jan is in the
    // first week (before the range start, skipped) and the next occurrences are two weeks on.
    let s = series(
        Pattern::Weekly {
            interval: 2,
            days_of_week: vec![DayOfWeek::Monday, DayOfWeek::Thursday],
            first_day_of_week: DayOfWeek::Sunday,
        },
        NO_END(date(2026, 1, 7)),
    );
    assert_eq!(
        dates(&s, date(2026, 1, 1), date(2026, 2, 1)),
        [date(2026, 1, 8), date(2026, 1, 19), date(2026, 1, 22)]
    );
}

#[test]
fn absolute_monthly_day_31_skips_months_without_it() {
    let s = series(
        Pattern::AbsoluteMonthly {
            interval: 1,
            day_of_month: 31,
        },
        NO_END(date(2026, 1, 1)),
    );
    assert_eq!(
        dates(&s, date(2026, 1, 1), date(2026, 9, 1)),
        [
            date(2026, 1, 31),
            date(2026, 3, 31),
            date(2026, 5, 31),
            date(2026, 7, 31),
            date(2026, 8, 31)
        ]
    );
}

#[test]
fn relative_monthly_picks_last_friday_and_second_tuesday() {
    let last_friday = series(
        Pattern::RelativeMonthly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Friday],
            index: WeekIndex::Last,
        },
        NO_END(date(2026, 1, 1)),
    );
    assert_eq!(
        dates(&last_friday, date(2026, 1, 1), date(2026, 4, 1)),
        [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27)]
    );
    let second_tuesday = series(
        Pattern::RelativeMonthly {
            interval: 2,
            days_of_week: vec![DayOfWeek::Tuesday],
            index: WeekIndex::Second,
        },
        NO_END(date(2026, 1, 1)),
    );
    assert_eq!(
        dates(&second_tuesday, date(2026, 1, 1), date(2026, 6, 1)),
        [date(2026, 1, 13), date(2026, 3, 10), date(2026, 5, 12)]
    );
}

#[test]
fn relative_monthly_with_several_days_picks_the_first_day_matching_any() {
    let s = series(
        Pattern::RelativeMonthly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Saturday, DayOfWeek::Sunday],
            index: WeekIndex::First,
        },
        NO_END(date(2026, 2, 1)),
    );
    // February 2026 starts on a Sunday, March on a Sunday, April on a Wednesday.
    assert_eq!(
        dates(&s, date(2026, 2, 1), date(2026, 5, 1)),
        [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 4)]
    );
}

#[test]
fn absolute_yearly_on_29_february_only_occurs_in_leap_years() {
    let s = series(
        Pattern::AbsoluteYearly {
            interval: 1,
            month: 2,
            day_of_month: 29,
        },
        NO_END(date(2024, 2, 29)),
    );
    assert_eq!(
        dates(&s, date(2024, 1, 1), date(2033, 1, 1)),
        [date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29)]
    );
}

#[test]
fn relative_yearly_picks_last_sunday_of_march() {
    let s = series(
        Pattern::RelativeYearly {
            interval: 1,
            month: 3,
            days_of_week: vec![DayOfWeek::Sunday],
            index: WeekIndex::Last,
        },
        NO_END(date(2025, 1, 1)),
    );
    assert_eq!(
        dates(&s, date(2025, 1, 1), date(2028, 1, 1)),
        [date(2025, 3, 30), date(2026, 3, 29), date(2027, 3, 28)]
    );
}

#[test]
fn numbered_range_counts_from_range_start_even_when_the_window_starts_later() {
    let s = series(
        Pattern::Daily { interval: 1 },
        Range::Numbered {
            start: date(2026, 1, 1),
            occurrences: 5,
        },
    );
    assert_eq!(
        dates(&s, date(2026, 1, 4), date(2026, 2, 1)),
        [date(2026, 1, 4), date(2026, 1, 5)]
    );
}

#[test]
fn end_date_range_includes_its_end_date() {
    let s = series(
        Pattern::Weekly {
            interval: 1,
            days_of_week: vec![DayOfWeek::Monday],
            first_day_of_week: DayOfWeek::Sunday,
        },
        Range::EndDate {
            start: date(2026, 1, 5),
            end: date(2026, 1, 19),
        },
    );
    assert_eq!(
        dates(&s, date(2026, 1, 1), date(2026, 3, 1)),
        [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    );
}

#[test]
fn no_end_range_stops_at_the_window_end() {
    let s = series(Pattern::Daily { interval: 1 }, NO_END(date(2000, 1, 1)));
    let occ = expand(
        &s,
        utc(s.zone, date(2026, 1, 1)),
        utc(s.zone, date(2026, 1, 3)),
    );
    assert_eq!(occ.len(), 2);
}

#[test]
fn range_start_that_does_not_match_the_pattern_is_not_an_occurrence() {
    let s = series(
        Pattern::AbsoluteMonthly {
            interval: 1,
            day_of_month: 15,
        },
        NO_END(date(2026, 1, 20)),
    );
    assert_eq!(
        dates(&s, date(2026, 1, 1), date(2026, 3, 1)),
        [date(2026, 2, 15)]
    );
}

#[test]
fn occurrence_overlapping_the_window_start_is_included() {
    let s = series(Pattern::Daily { interval: 1 }, NO_END(date(2026, 1, 1)));
    // 18:00-19:00 Oslo on 1 Jan is 17:00-18:00 UTC.
    let occ = expand(
        &s,
        Utc.with_ymd_and_hms(2026, 1, 1, 17, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 1, 1, 17, 45, 0).unwrap(),
    );
    assert_eq!(occ.len(), 1);
}

#[test]
fn all_day_series_runs_midnight_to_midnight_local() {
    let mut s = series(Pattern::Daily { interval: 7 }, NO_END(date(2026, 3, 22)));
    s.timing = Timing::AllDay { days: 1 };
    let occ = expand(
        &s,
        utc(s.zone, date(2026, 3, 1)),
        utc(s.zone, date(2026, 4, 1)),
    );
    assert_eq!(occ.len(), 2);
    // 29 March is the 23-hour day.
    assert_eq!(occ[1].local_date, date(2026, 3, 29));
    assert_eq!(occ[1].end - occ[1].start, Duration::hours(23));
    assert_eq!(occ[1].start.with_timezone(&s.zone).time(), NaiveTime::MIN);
}

mod rrules;
