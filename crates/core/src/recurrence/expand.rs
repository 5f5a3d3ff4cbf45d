//! Expanding a [`Series`] into the occurrences inside a window.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::localtime;

use super::{DayOfWeek, Pattern, Range, Series, Timing, WeekIndex};

/// One occurrence of a series: when it holds the room, and the local date it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The date in the series' zone the pattern produced (the occurrence's "day").
    pub local_date: NaiveDate,
}

/// The occurrences of `series` that overlap `from..to`, in order.
///
/// An occurrence overlaps when it starts before `to` and ends after `from` (a zero-length
/// occurrence counts when it starts in the window). Numbered ranges count from the range start
/// even when the window starts later. Work is bounded by `to`, so a series with no end is fine.
/// A series with interval 0 has no occurrences.
pub fn expand(series: &Series, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
    if from >= to {
        return Vec::new();
    }
    // Two days past the window's local end date: no occurrence dated later can start before
    // `to`, since gap shifts move starts forward and a fold moves them back by at most hours.
    let to_local = to.with_timezone(&series.zone).date_naive();
    let last = to_local
        .checked_add_days(chrono::Days::new(2))
        .unwrap_or(NaiveDate::MAX);
    occurrence_dates(&series.pattern, &series.range, last)
        .into_iter()
        .map(|date| occurrence_on(series, date))
        .filter(|o| o.start < to && (o.end > from || o.start >= from))
        .collect()
}

fn occurrence_on(series: &Series, date: NaiveDate) -> Occurrence {
    match series.timing {
        Timing::Timed {
            start_time,
            duration,
        } => {
            let start = localtime::resolve(date.and_time(start_time), series.zone).instant;
            Occurrence {
                start,
                end: start + duration,
                local_date: date,
            }
        }
        Timing::AllDay { days } => {
            let end_date = date
                .checked_add_days(chrono::Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MAX);
            let (start, end) = localtime::all_day_instants(date, end_date, series.zone);
            Occurrence {
                start,
                end,
                local_date: date,
            }
        }
    }
}

/// The local dates the pattern produces within the range, up to and including `last`.
fn occurrence_dates(pattern: &Pattern, range: &Range, last: NaiveDate) -> Vec<NaiveDate> {
    let start = range.start();
    let (last, count) = match *range {
        Range::EndDate { end, .. } => (last.min(end), None),
        Range::NoEnd { .. } => (last, None),
        Range::Numbered { occurrences, .. } => (last, Some(occurrences as usize)),
    };
    let interval = pattern.interval();
    let mut out = Vec::new();
    if interval == 0 || count == Some(0) || start > last {
        return out;
    }
    let interval = i64::from(interval);
    'periods: for k in 0i64.. {
        let Some((period_start, candidates)) = period(pattern, start, k * interval) else {
            break;
        };
        if period_start > last {
            break;
        }
        for date in candidates {
            if date < start {
                continue;
            }
            if date > last {
                break 'periods;
            }
            out.push(date);
            if count.is_some_and(|c| out.len() >= c) {
                break 'periods;
            }
        }
    }
    out
}

/// The `offset`-th period (day, week, month or year) after the one holding `start`: its first
/// day and the dates the pattern picks in it, ascending. `None` past chrono's calendar.
fn period(pattern: &Pattern, start: NaiveDate, offset: i64) -> Option<(NaiveDate, Vec<NaiveDate>)> {
    match pattern {
        Pattern::Daily { .. } => {
            let day = start.checked_add_signed(Duration::try_days(offset)?)?;
            Some((day, vec![day]))
        }
        Pattern::Weekly {
            days_of_week,
            first_day_of_week,
            ..
        } => {
            let back = start.weekday().days_since(first_day_of_week.weekday());
            let week_start = start
                .checked_sub_signed(Duration::days(i64::from(back)))?
                .checked_add_signed(Duration::try_days(offset.checked_mul(7)?)?)?;
            let days = (0..7)
                .filter_map(|i| week_start.checked_add_signed(Duration::days(i)))
                .filter(|d| days_of_week.iter().any(|w| w.weekday() == d.weekday()))
                .collect();
            Some((week_start, days))
        }
        Pattern::AbsoluteMonthly { day_of_month, .. } => {
            let (year, month) = add_months(start.year(), start.month(), offset)?;
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let day = NaiveDate::from_ymd_opt(year, month, *day_of_month);
            Some((first, day.into_iter().collect()))
        }
        Pattern::RelativeMonthly {
            days_of_week,
            index,
            ..
        } => {
            let (year, month) = add_months(start.year(), start.month(), offset)?;
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            Some((
                first,
                relative_day(year, month, days_of_week, *index)
                    .into_iter()
                    .collect(),
            ))
        }
        Pattern::AbsoluteYearly {
            month,
            day_of_month,
            ..
        } => {
            let year = start.year().checked_add(i32::try_from(offset).ok()?)?;
            let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let day = NaiveDate::from_ymd_opt(year, *month, *day_of_month);
            Some((first, day.into_iter().collect()))
        }
        Pattern::RelativeYearly {
            month,
            days_of_week,
            index,
            ..
        } => {
            let year = start.year().checked_add(i32::try_from(offset).ok()?)?;
            let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
            Some((
                first,
                relative_day(year, *month, days_of_week, *index)
                    .into_iter()
                    .collect(),
            ))
        }
    }
}

fn add_months(year: i32, month: u32, offset: i64) -> Option<(i32, u32)> {
    let index = i64::from(year) * 12 + i64::from(month) - 1 + offset;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    Some((year, month))
}

/// The `index`-th day of the month that is one of `days` (Graph: "the first day that satisfies
/// the pattern"), or none when the month has too few such days or the month is invalid.
fn relative_day(year: i32, month: u32, days: &[DayOfWeek], index: WeekIndex) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let matching: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| d.month() == month)
        .filter(|d| days.iter().any(|w| w.weekday() == d.weekday()))
        .collect();
    match index {
        WeekIndex::First => matching.first().copied(),
        WeekIndex::Second => matching.get(1).copied(),
        WeekIndex::Third => matching.get(2).copied(),
        WeekIndex::Fourth => matching.get(3).copied(),
        WeekIndex::Last => matching.last().copied(),
    }
}
