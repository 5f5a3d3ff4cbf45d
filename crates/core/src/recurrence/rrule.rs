//! RFC 5545 RRULE text for the subset Graph's `patternedRecurrence` can express.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{DayOfWeek, Pattern, Range, RecurrenceError, Series, Timing, WeekIndex};

/// The RRULE value (without the `RRULE:` prefix) that expands like `series`, read with DTSTART
/// at the range start date and the series' local start time, as floating local time.
///
/// `UNTIL` is written as floating local time too (`T235959` on the inclusive end date, or a bare
/// date for all-day series), matching a floating or TZID-bound DTSTART. Relative patterns with
/// one day use an ordinal (`BYDAY=-1FR`); with several days, `BYSETPOS` picks among them
/// (`BYDAY=SA,SU;BYSETPOS=1`), which is how Graph reads such a pattern. A weekly or relative
/// pattern with no days has no occurrences and no valid RRULE: its `BYDAY` comes out empty.
pub fn to_rrule(series: &Series) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &series.pattern {
        Pattern::Daily { interval } => {
            parts.push("FREQ=DAILY".into());
            parts.push(format!("INTERVAL={interval}"));
        }
        Pattern::Weekly {
            interval,
            days_of_week,
            first_day_of_week,
        } => {
            parts.push("FREQ=WEEKLY".into());
            parts.push(format!("INTERVAL={interval}"));
            parts.push(format!("BYDAY={}", day_list(days_of_week)));
            parts.push(format!("WKST={}", day_code(*first_day_of_week)));
        }
        Pattern::AbsoluteMonthly {
            interval,
            day_of_month,
        } => {
            parts.push("FREQ=MONTHLY".into());
            parts.push(format!("INTERVAL={interval}"));
            parts.push(format!("BYMONTHDAY={day_of_month}"));
        }
        Pattern::RelativeMonthly {
            interval,
            days_of_week,
            index,
        } => {
            parts.push("FREQ=MONTHLY".into());
            parts.push(format!("INTERVAL={interval}"));
            relative_parts(&mut parts, days_of_week, *index);
        }
        Pattern::AbsoluteYearly {
            interval,
            month,
            day_of_month,
        } => {
            parts.push("FREQ=YEARLY".into());
            parts.push(format!("INTERVAL={interval}"));
            parts.push(format!("BYMONTH={month}"));
            parts.push(format!("BYMONTHDAY={day_of_month}"));
        }
        Pattern::RelativeYearly {
            interval,
            month,
            days_of_week,
            index,
        } => {
            parts.push("FREQ=YEARLY".into());
            parts.push(format!("INTERVAL={interval}"));
            parts.push(format!("BYMONTH={month}"));
            relative_parts(&mut parts, days_of_week, *index);
        }
    }
    match series.range {
        Range::EndDate { end, .. } => match series.timing {
            Timing::AllDay { .. } => parts.push(format!("UNTIL={}", end.format("%Y%m%d"))),
            Timing::Timed { .. } => parts.push(format!("UNTIL={}T235959", end.format("%Y%m%d"))),
        },
        Range::NoEnd { .. } => {}
        Range::Numbered { occurrences, .. } => parts.push(format!("COUNT={occurrences}")),
    }
    parts.join(";")
}

fn relative_parts(parts: &mut Vec<String>, days: &[DayOfWeek], index: WeekIndex) {
    let ordinal = index_ordinal(index);
    if let [day] = days {
        parts.push(format!("BYDAY={ordinal}{}", day_code(*day)));
    } else {
        parts.push(format!("BYDAY={}", day_list(days)));
        parts.push(format!("BYSETPOS={ordinal}"));
    }
}

fn index_ordinal(index: WeekIndex) -> i32 {
    match index {
        WeekIndex::First => 1,
        WeekIndex::Second => 2,
        WeekIndex::Third => 3,
        WeekIndex::Fourth => 4,
        WeekIndex::Last => -1,
    }
}

fn day_list(days: &[DayOfWeek]) -> String {
    days.iter()
        .map(|d| day_code(*d))
        .collect::<Vec<_>>()
        .join(",")
}

fn day_code(day: DayOfWeek) -> &'static str {
    match day {
        DayOfWeek::Sunday => "SU",
        DayOfWeek::Monday => "MO",
        DayOfWeek::Tuesday => "TU",
        DayOfWeek::Wednesday => "WE",
        DayOfWeek::Thursday => "TH",
        DayOfWeek::Friday => "FR",
        DayOfWeek::Saturday => "SA",
    }
}

fn day_from_code(code: &str) -> Option<DayOfWeek> {
    Some(match code {
        "SU" => DayOfWeek::Sunday,
        "MO" => DayOfWeek::Monday,
        "TU" => DayOfWeek::Tuesday,
        "WE" => DayOfWeek::Wednesday,
        "TH" => DayOfWeek::Thursday,
        "FR" => DayOfWeek::Friday,
        "SA" => DayOfWeek::Saturday,
        _ => return None,
    })
}

fn unrepresentable(reason: impl Into<String>) -> RecurrenceError {
    RecurrenceError::Unrepresentable {
        reason: reason.into(),
    }
}

fn invalid(reason: impl Into<String>) -> RecurrenceError {
    RecurrenceError::Invalid {
        reason: reason.into(),
    }
}

/// The [`Series`] an RRULE describes, with DTSTART on `start` at `timing`'s local start time in
/// `zone`. (An RRULE carries neither the length of an occurrence nor DTSTART, so they come in
/// separately: `start` + `timing` is DTSTART as local time.)
///
/// Accepts an optional `RRULE:` prefix and any letter case. `UNTIL` may be a date (the range
/// includes that whole day, as `expand_rule` reads it), floating local date-time or UTC
/// date-time (`Z`); with a time, the range ends on the last local date whose occurrence starts
/// no later than `UNTIL`.
///
/// Fails with [`RecurrenceError::Unrepresentable`] for a valid rule Outlook cannot show as a
/// series (the booking then goes to Outlook as single events), and with
/// [`RecurrenceError::Invalid`] for text that is not a valid RRULE.
pub fn from_rrule(
    rrule: &str,
    start: NaiveDate,
    timing: Timing,
    zone: Tz,
) -> Result<Series, RecurrenceError> {
    let body = rrule.trim();
    let body = if body.len() >= 6 && body[..6].eq_ignore_ascii_case("RRULE:") {
        &body[6..]
    } else {
        body
    };
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| invalid(format!("`{part}` is not NAME=VALUE")))?;
        let name = name.trim().to_ascii_uppercase();
        if fields
            .insert(name.clone(), value.trim().to_ascii_uppercase())
            .is_some()
        {
            return Err(invalid(format!("{name} is given twice")));
        }
    }
    for name in fields.keys() {
        match name.as_str() {
            "FREQ" | "INTERVAL" | "BYDAY" | "BYMONTHDAY" | "BYMONTH" | "BYSETPOS" | "COUNT"
            | "UNTIL" | "WKST" => {}
            "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                return Err(unrepresentable(
                    "it repeats at several times of the day; an Outlook series repeats at one time of day",
                ));
            }
            "BYYEARDAY" => {
                return Err(unrepresentable("it picks days by their number in the year"));
            }
            "BYWEEKNO" => {
                return Err(unrepresentable(
                    "it picks weeks by their number in the year",
                ));
            }
            "RSCALE" | "SKIP" => {
                return Err(unrepresentable(
                    "it uses a non-Gregorian calendar or its own rule for skipped days",
                ));
            }
            other => return Err(invalid(format!("unknown part {other}"))),
        }
    }

    let interval = match fields.get("INTERVAL") {
        None => 1,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(invalid(format!("INTERVAL={v} is not a positive number"))),
        },
    };
    let wkst = match fields.get("WKST") {
        None => DayOfWeek::Monday, // RFC 5545's default week start
        Some(v) => day_from_code(v).ok_or_else(|| invalid(format!("WKST={v} is not a day")))?,
    };
    let by_day = match fields.get("BYDAY") {
        None => None,
        Some(v) => Some(parse_by_day(v)?),
    };
    let by_month_day = match fields.get("BYMONTHDAY") {
        None => None,
        Some(v) => Some(parse_month_day(v)?),
    };
    let by_month = match fields.get("BYMONTH") {
        None => None,
        Some(v) => Some(parse_month(v)?),
    };
    let by_set_pos = fields.get("BYSETPOS").map(String::as_str);

    let freq = fields
        .get("FREQ")
        .ok_or_else(|| invalid("FREQ is missing"))?
        .as_str();
    let pattern = match freq {
        "SECONDLY" | "MINUTELY" | "HOURLY" => {
            return Err(unrepresentable(
                "it repeats more than once a day; an Outlook series repeats at most daily",
            ));
        }
        "DAILY" => {
            if by_month_day.is_some() || by_month.is_some() || by_set_pos.is_some() {
                return Err(unrepresentable(
                    "it repeats daily but only on certain days of the month or months",
                ));
            }
            match by_day {
                None => Pattern::Daily { interval },
                Some(days) => {
                    // "Every weekday" style: daily on some weekdays is a weekly series, but only
                    // when it repeats every day.
                    if interval != 1 {
                        return Err(unrepresentable(
                            "it repeats every few days but only on certain weekdays",
                        ));
                    }
                    Pattern::Weekly {
                        interval: 1,
                        days_of_week: plain_days(&days, "a daily repeat")?,
                        first_day_of_week: wkst,
                    }
                }
            }
        }
        "WEEKLY" => {
            if by_month_day.is_some() || by_month.is_some() || by_set_pos.is_some() {
                return Err(unrepresentable(
                    "it repeats weekly but only on certain days of the month or months",
                ));
            }
            let days_of_week = match by_day {
                None => vec![DayOfWeek::from_weekday(start.weekday())],
                Some(days) => plain_days(&days, "a weekly repeat")?,
            };
            Pattern::Weekly {
                interval,
                days_of_week,
                first_day_of_week: wkst,
            }
        }
        "MONTHLY" => {
            if by_month.is_some() {
                return Err(unrepresentable(
                    "it repeats monthly but only in certain months of the year",
                ));
            }
            match month_rule(by_day, by_month_day, by_set_pos, start)? {
                MonthRule::Absolute(day_of_month) => Pattern::AbsoluteMonthly {
                    interval,
                    day_of_month,
                },
                MonthRule::Relative(days_of_week, index) => Pattern::RelativeMonthly {
                    interval,
                    days_of_week,
                    index,
                },
            }
        }
        "YEARLY" => {
            let month = match by_month {
                Some(m) => m,
                None if by_day.is_some() => {
                    return Err(unrepresentable(
                        "it counts weekdays through the whole year; Outlook counts them within one month",
                    ));
                }
                None if by_month_day.is_some() => {
                    return Err(unrepresentable(
                        "it repeats on a day of every month; choose a monthly repeat instead",
                    ));
                }
                None => start.month(),
            };
            match month_rule(by_day, by_month_day, by_set_pos, start)? {
                MonthRule::Absolute(day_of_month) => Pattern::AbsoluteYearly {
                    interval,
                    month,
                    day_of_month,
                },
                MonthRule::Relative(days_of_week, index) => Pattern::RelativeYearly {
                    interval,
                    month,
                    days_of_week,
                    index,
                },
            }
        }
        other => return Err(invalid(format!("FREQ={other} is not a frequency"))),
    };

    let range = match (fields.get("COUNT"), fields.get("UNTIL")) {
        (Some(_), Some(_)) => return Err(invalid("COUNT and UNTIL cannot both be given")),
        (Some(count), None) => match count.parse::<u32>() {
            Ok(n) if n >= 1 => Range::Numbered {
                start,
                occurrences: n,
            },
            _ => return Err(invalid(format!("COUNT={count} is not a positive number"))),
        },
        (None, Some(until)) => {
            let date_only = until.len() == 8;
            let until = parse_until(until, zone)?;
            // A date `UNTIL` includes its whole local day, as the booking system reads it
            // (`expand_rule`), so an occurrence on that day is the series' last.
            let end = if date_only || until.time() >= timing.start_time() {
                until.date()
            } else {
                until.date().pred_opt().unwrap_or(NaiveDate::MIN)
            };
            Range::EndDate { start, end }
        }
        (None, None) => Range::NoEnd { start },
    };

    Ok(Series {
        pattern,
        range,
        timing,
        zone,
    })
}

/// One BYDAY entry: an optional ordinal (`2`, `-1`) and a weekday.
type ByDay = (Option<i32>, DayOfWeek);

fn parse_by_day(value: &str) -> Result<Vec<ByDay>, RecurrenceError> {
    value
        .split(',')
        .map(|item| {
            let item = item.trim();
            if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
                return Err(invalid(format!("BYDAY entry `{item}` is not a day")));
            }
            let (ordinal, code) = item.split_at(item.len() - 2);
            let day = day_from_code(code)
                .ok_or_else(|| invalid(format!("BYDAY entry `{item}` is not a day")))?;
            let ordinal = if ordinal.is_empty() {
                None
            } else {
                let n = ordinal
                    .parse::<i32>()
                    .map_err(|_| invalid(format!("BYDAY entry `{item}` has a bad position")))?;
                if n == 0 || !(-53..=53).contains(&n) {
                    return Err(invalid(format!("BYDAY entry `{item}` has a bad position")));
                }
                Some(n)
            };
            Ok((ordinal, day))
        })
        .collect()
}

fn parse_month_day(value: &str) -> Result<u32, RecurrenceError> {
    if value.contains(',') {
        return Err(unrepresentable(format!(
            "it repeats on several days of the month ({value}); an Outlook series repeats on one day of the month"
        )));
    }
    let n = value
        .parse::<i32>()
        .map_err(|_| invalid(format!("BYMONTHDAY={value} is not a day of the month")))?;
    match n {
        1..=31 => Ok(n as u32),
        -31..=-1 => Err(unrepresentable(
            "it counts days from the end of the month; Outlook counts them from the start",
        )),
        _ => Err(invalid(format!(
            "BYMONTHDAY={value} is not a day of the month"
        ))),
    }
}

fn parse_month(value: &str) -> Result<u32, RecurrenceError> {
    if value.contains(',') {
        return Err(unrepresentable(format!(
            "it repeats in several months of the year ({value}); an Outlook yearly series repeats in one month"
        )));
    }
    match value.parse::<u32>() {
        Ok(n @ 1..=12) => Ok(n),
        _ => Err(invalid(format!("BYMONTH={value} is not a month"))),
    }
}

fn parse_until(value: &str, zone: Tz) -> Result<NaiveDateTime, RecurrenceError> {
    let bad = || invalid(format!("UNTIL={value} is not a date or date-time"));
    if let Some(utc) = value.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(Utc
            .from_utc_datetime(&at)
            .with_timezone(&zone)
            .naive_local());
    }
    if value.len() == 8 {
        let date = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad())?;
        return Ok(date.and_time(chrono::NaiveTime::MIN));
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())
}

/// Days without positions, for patterns that repeat on every such day.
fn plain_days(days: &[ByDay], what: &str) -> Result<Vec<DayOfWeek>, RecurrenceError> {
    if days.iter().any(|(ordinal, _)| ordinal.is_some()) {
        return Err(invalid(format!(
            "{what} cannot pick a numbered weekday such as 2TU"
        )));
    }
    Ok(days.iter().map(|(_, day)| *day).collect())
}

enum MonthRule {
    Absolute(u32),
    Relative(Vec<DayOfWeek>, WeekIndex),
}

/// Which day(s) of one month a monthly or yearly rule picks.
fn month_rule(
    by_day: Option<Vec<ByDay>>,
    by_month_day: Option<u32>,
    by_set_pos: Option<&str>,
    start: NaiveDate,
) -> Result<MonthRule, RecurrenceError> {
    match (by_day, by_month_day) {
        (Some(_), Some(_)) => Err(unrepresentable(
            "it combines a day of the month with a weekday (like Friday the 13th)",
        )),
        (None, Some(day)) => {
            if by_set_pos.is_some() {
                return Err(unrepresentable("it uses BYSETPOS with a day of the month"));
            }
            Ok(MonthRule::Absolute(day))
        }
        (None, None) => {
            if by_set_pos.is_some() {
                return Err(unrepresentable("it uses BYSETPOS without weekdays"));
            }
            Ok(MonthRule::Absolute(start.day()))
        }
        (Some(days), None) => match by_set_pos {
            Some(pos) => {
                if pos.contains(',') {
                    return Err(unrepresentable(format!(
                        "it picks several positions in the month (BYSETPOS={pos}); Outlook picks one"
                    )));
                }
                let pos = pos
                    .parse::<i32>()
                    .map_err(|_| invalid(format!("BYSETPOS={pos} is not a position")))?;
                if days.iter().any(|(ordinal, _)| ordinal.is_some()) {
                    return Err(unrepresentable(
                        "it combines numbered weekdays with BYSETPOS",
                    ));
                }
                Ok(MonthRule::Relative(
                    days.iter().map(|(_, d)| *d).collect(),
                    week_index(pos)?,
                ))
            }
            None => match days.as_slice() {
                [(Some(ordinal), day)] => {
                    Ok(MonthRule::Relative(vec![*day], week_index(*ordinal)?))
                }
                [(None, _), ..] if days.iter().all(|(o, _)| o.is_none()) => Err(unrepresentable(
                    "it repeats on every such weekday of the month; choose a weekly repeat instead",
                )),
                _ => Err(unrepresentable(
                    "it picks several numbered weekdays in a month (like 1MO,3MO); Outlook picks one",
                )),
            },
        },
    }
}

fn week_index(position: i32) -> Result<WeekIndex, RecurrenceError> {
    match position {
        1 => Ok(WeekIndex::First),
        2 => Ok(WeekIndex::Second),
        3 => Ok(WeekIndex::Third),
        4 => Ok(WeekIndex::Fourth),
        -1 => Ok(WeekIndex::Last),
        0 => Err(invalid("position 0 does not exist")),
        n => Err(unrepresentable(format!(
            "it picks position {n} in the month; Outlook can pick the first to fourth or the last"
        ))),
    }
}
