//! The booking system's repeat rules: any RRULE its contract allows, expanded into occurrences.
//!
//! The booking system accepts `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY` with `INTERVAL`, `COUNT`,
//! `UNTIL` (a date or a UTC date-time), `BYDAY` (with ordinals such as `2TU`, `-1FR`),
//! `BYMONTHDAY` (negative counts from the month's end), `BYMONTH`, `BYSETPOS` and `WKST`. Many
//! of those rules have no Outlook `patternedRecurrence` (several days of the month, `BYSETPOS`
//! over several days, several months, ...), so [`expand_rule`] does not go through
//! [`super::Series`]: it generates dates by RFC 5545 directly, one period (day, week, month,
//! year) at a time.
//!
//! # Rules
//!
//! - **The reservation is the first occurrence (DTSTART).** Its start and end are returned as
//!   they are, as the first occurrence, *even when the rule would not pick that date* and even
//!   when `UNTIL` lies before it: RFC 5545 says DTSTART "always counts as the first occurrence",
//!   and the booking system's contract says the reservation's start/end describe the first
//!   occurrence. It also counts towards `COUNT`: `FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3` starting
//!   on 15 January gives 15 January, 1 February and 1 March. The rule adds the dates it picks
//!   *after* DTSTART's local date. (python-dateutil differs: it drops a DTSTART the rule does not
//!   pick. Outlook-side [`super::expand`] follows dateutil; the two agree whenever DTSTART
//!   matches the rule, which is always the case for series that came from Outlook.)
//! - **Periods** start at the day, week (from `WKST`, Monday by default), month or year that holds
//!   DTSTART; `INTERVAL` skips whole periods. `BYSETPOS` picks among the dates one period
//!   produces, in date order (positions past the end are ignored).
//! - **Defaults:** without `BYDAY` and `BYMONTHDAY`, a weekly rule repeats on DTSTART's weekday,
//!   a monthly rule on DTSTART's day of the month, a yearly rule on DTSTART's day in DTSTART's
//!   month (or in each `BYMONTH` month). A day that does not exist (31 April, 29 February in a
//!   common year) is skipped, never moved.
//! - **`BYDAY` ordinals** count within the month for monthly rules and for yearly rules with
//!   `BYMONTH`, within the year for yearly rules without it (`FREQ=YEARLY;BYDAY=20MO` is the 20th
//!   Monday of the year). Daily and weekly rules cannot have ordinals ([`RecurrenceError::Invalid`],
//!   as RFC 5545 requires). With `BYMONTHDAY`, `BYDAY` only filters (`BYDAY=FR;BYMONTHDAY=13` is
//!   every Friday the 13th); `BYMONTH` and, for daily and weekly rules, `BYMONTHDAY` filter too.
//! - **`UNTIL` is inclusive.** A UTC date-time ends the series with the last occurrence that
//!   *starts* no later than it. A date ends it with the last occurrence *on* that local date, for
//!   timed rules too (RFC 5545 requires a date-time there; the booking system allows a date and a
//!   person writing `UNTIL=20261231` means "up to and including 31 December"). A floating
//!   date-time (no `Z`) is not in the booking system's contract and is refused.
//! - **Wall clock:** every occurrence after the first starts at DTSTART's local time in `zone`
//!   and lasts the first occurrence's elapsed length; a local start time in a DST gap moves
//!   forward by the gap and one in a fold takes the earlier instant ([`crate::localtime`]).
//!   All-day occurrences are dates lasting as many days as the first.
//! - **Bounded:** no date later than two days past `to`'s local date is generated, so a rule with
//!   no end, or one that never matches (`BYMONTH=2;BYMONTHDAY=30`), is safe.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use crate::content::When;
use crate::localtime;

use super::RecurrenceError;

/// The occurrences of a booking-system reservation that repeats by `rrule`, whose first
/// occurrence is `first` (read in `zone`), that overlap `from..to`: each with the local date it
/// belongs to, in order. `first` itself is always the first occurrence (see the module docs).
///
/// An occurrence overlaps when it starts before `to` and ends after `from` (a zero-length one
/// counts when it starts in the window). `COUNT` counts from `first` whatever the window.
///
/// Fails with [`RecurrenceError::Invalid`] for a rule that cannot be read or that is outside the
/// booking system's contract; the reason names the offending part.
pub fn expand_rule(
    rrule: &str,
    first: &When,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, When)>, RecurrenceError> {
    let rule = Rule::parse(rrule)?;
    if from >= to {
        return Ok(Vec::new());
    }
    let shape = Shape::of(first, zone);
    let overlaps = |when: &When| {
        let (start, end) = when.instants(zone);
        start < to && (end > from || start >= from)
    };
    let mut out = Vec::new();
    if overlaps(first) {
        out.push((shape.first_date, first.clone()));
    }
    // Two days past the window's local end: no later date can start before `to`, since a gap
    // moves a start forward and a fold moves it back by at most hours.
    let last = to
        .with_timezone(&zone)
        .date_naive()
        .checked_add_days(Days::new(2))
        .unwrap_or(NaiveDate::MAX);
    // `counted`: occurrences before `date`, the first included.
    for (counted, date) in (1u32..).zip(rule.dates_after(shape.first_date, last)) {
        if rule.count.is_some_and(|count| counted >= count) {
            break;
        }
        let when = shape.on(date, zone);
        let within_until = match rule.until {
            None => true,
            Some(Until::Date(until)) => date <= until,
            Some(Until::Instant(until)) => when.instants(zone).0 <= until,
        };
        if !within_until {
            break;
        }
        if overlaps(&when) {
            out.push((date, when));
        }
    }
    Ok(out)
}

/// What every occurrence shares with the first one.
struct Shape {
    first_date: NaiveDate,
    kind: ShapeKind,
}

enum ShapeKind {
    Timed { time: NaiveTime, length: TimeDelta },
    AllDay { days: u64 },
}

impl Shape {
    fn of(first: &When, zone: Tz) -> Shape {
        match first {
            When::Timed { start, end } => {
                let local = localtime::local(*start, zone);
                Shape {
                    first_date: local.date(),
                    kind: ShapeKind::Timed {
                        time: local.time(),
                        length: *end - *start,
                    },
                }
            }
            When::AllDay { start, end } => Shape {
                first_date: *start,
                kind: ShapeKind::AllDay {
                    // An all-day reservation lasts at least its first day.
                    days: u64::try_from((*end - *start).num_days())
                        .unwrap_or(1)
                        .max(1),
                },
            },
        }
    }

    /// The occurrence on local date `date`.
    fn on(&self, date: NaiveDate, zone: Tz) -> When {
        match self.kind {
            ShapeKind::Timed { time, length } => {
                let start = localtime::resolve(date.and_time(time), zone).instant;
                When::Timed {
                    start,
                    end: start + length,
                }
            }
            ShapeKind::AllDay { days } => When::AllDay {
                start: date,
                end: date
                    .checked_add_days(Days::new(days))
                    .unwrap_or(NaiveDate::MAX),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, Copy)]
enum Until {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

/// One `BYDAY` entry: an optional ordinal (`2`, `-1`) and a weekday.
type ByDay = (Option<i32>, Weekday);

/// A parsed rule. The `by_*` lists are empty when the part is absent.
#[derive(Debug)]
struct Rule {
    freq: Freq,
    interval: u32,
    count: Option<u32>,
    until: Option<Until>,
    by_month: Vec<u32>,
    by_month_day: Vec<i32>,
    by_day: Vec<ByDay>,
    by_set_pos: Vec<i32>,
    wkst: Weekday,
}

fn invalid(reason: impl Into<String>) -> RecurrenceError {
    RecurrenceError::Invalid {
        reason: reason.into(),
    }
}

impl Rule {
    /// Reads an RRULE value; an `RRULE:` prefix, any letter case and stray `;` are accepted.
    fn parse(text: &str) -> Result<Rule, RecurrenceError> {
        let body = text.trim();
        let body = match body.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &body[6..],
            _ => body,
        };
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            by_month: Vec::new(),
            by_month_day: Vec::new(),
            by_day: Vec::new(),
            by_set_pos: Vec::new(),
            wkst: Weekday::Mon, // RFC 5545's default week start
        };
        let mut seen: Vec<String> = Vec::new();
        for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("`{part}` is not NAME=VALUE")))?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            if value.is_empty() {
                return Err(invalid(format!("{name} has no value")));
            }
            if seen.contains(&name) {
                return Err(invalid(format!("{name} is given twice")));
            }
            let value = value.as_str();
            match name.as_str() {
                "FREQ" => {
                    rule.freq = match value {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => {
                            return Err(invalid(format!(
                                "FREQ={value} is not supported; a booking repeats DAILY, WEEKLY, MONTHLY or YEARLY"
                            )));
                        }
                    }
                }
                "INTERVAL" => rule.interval = positive(&name, value)?,
                "COUNT" => rule.count = Some(positive(&name, value)?),
                "UNTIL" => rule.until = Some(parse_until(value)?),
                "BYDAY" => rule.by_day = list(value, parse_by_day)?,
                "BYMONTHDAY" => {
                    rule.by_month_day = list(value, |v| signed(&name, v, 31, "a day of the month"))?
                }
                "BYMONTH" => {
                    rule.by_month = list(value, |v| match v.parse::<u32>() {
                        Ok(n @ 1..=12) => Ok(n),
                        _ => Err(invalid(format!(
                            "BYMONTH entry `{v}` is not a month (1 to 12)"
                        ))),
                    })?
                }
                "BYSETPOS" => {
                    rule.by_set_pos = list(value, |v| signed(&name, v, 366, "a position"))?
                }
                "WKST" => {
                    rule.wkst = weekday(value)
                        .ok_or_else(|| invalid(format!("WKST={value} is not a day (MO to SU)")))?
                }
                _ => {
                    return Err(invalid(format!(
                        "{name} is not supported; a booking's rule may use FREQ, INTERVAL, COUNT, \
                         UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS and WKST"
                    )));
                }
            }
            seen.push(name);
        }
        if !seen.iter().any(|n| n == "FREQ") {
            return Err(invalid("FREQ is missing"));
        }
        if rule.count.is_some() && rule.until.is_some() {
            return Err(invalid("COUNT and UNTIL cannot both be given"));
        }
        if matches!(rule.freq, Freq::Daily | Freq::Weekly)
            && let Some((Some(n), day)) = rule.by_day.iter().find(|(n, _)| n.is_some())
        {
            return Err(invalid(format!(
                "BYDAY={n}{} numbers a weekday, which only a MONTHLY or YEARLY rule can do",
                day_code(*day)
            )));
        }
        Ok(rule)
    }

    /// The dates the rule picks after `first` (DTSTART's local date), ascending, up to `last`.
    fn dates_after(&self, first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
        // RFC 5545's defaults when the rule names no day: DTSTART's weekday, day of the month,
        // or day of the year.
        let mut by_month = self.by_month.clone();
        let mut by_month_day = self.by_month_day.clone();
        let mut by_day = self.by_day.clone();
        if by_day.is_empty() && by_month_day.is_empty() {
            match self.freq {
                Freq::Daily => {}
                Freq::Weekly => by_day.push((None, first.weekday())),
                Freq::Monthly => by_month_day.push(first.day() as i32),
                Freq::Yearly => {
                    if by_month.is_empty() {
                        by_month.push(first.month());
                    }
                    by_month_day.push(first.day() as i32);
                }
            }
        }
        // Ordinals count within the month unless a yearly rule spans the whole year.
        let ordinal_in_year = self.freq == Freq::Yearly && by_month.is_empty();
        let picks = move |d: &NaiveDate| {
            (by_month.is_empty() || by_month.contains(&d.month()))
                && (by_month_day.is_empty()
                    || by_month_day.iter().any(|&n| month_day_matches(*d, n)))
                && (by_day.is_empty()
                    || by_day
                        .iter()
                        .any(|&entry| day_matches(*d, entry, ordinal_in_year)))
        };
        let interval = u64::from(self.interval);
        let freq = self.freq;
        let wkst = self.wkst;
        let by_set_pos = self.by_set_pos.clone();
        (0u64..)
            .map(move |k| period(freq, wkst, first, k.saturating_mul(interval)))
            .take_while(move |days| days.as_ref().is_some_and(|days| days[0] <= last))
            .flat_map(move |days| {
                let picked: Vec<NaiveDate> = days
                    .unwrap_or_default()
                    .into_iter()
                    .filter(&picks)
                    .collect();
                set_positions(picked, &by_set_pos)
            })
            .skip_while(move |d| *d <= first)
            .take_while(move |d| *d <= last)
    }
}

/// Every day of the `offset`-th period (day, week from `wkst`, month or year) after the one
/// holding `first`, ascending. `None` past chrono's calendar.
fn period(freq: Freq, wkst: Weekday, first: NaiveDate, offset: u64) -> Option<Vec<NaiveDate>> {
    let (start, end) = match freq {
        Freq::Daily => {
            let day = first.checked_add_days(Days::new(offset))?;
            (day, day)
        }
        Freq::Weekly => {
            let back = u64::from(first.weekday().days_since(wkst));
            let start = first
                .checked_sub_days(Days::new(back))?
                .checked_add_days(Days::new(offset.checked_mul(7)?))?;
            (start, start.checked_add_days(Days::new(6))?)
        }
        Freq::Monthly => {
            let start = first
                .with_day(1)?
                .checked_add_months(Months::new(u32::try_from(offset).ok()?))?;
            (start, start.checked_add_months(Months::new(1))?.pred_opt()?)
        }
        Freq::Yearly => {
            let year = first.year().checked_add(i32::try_from(offset).ok()?)?;
            (
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year, 12, 31)?,
            )
        }
    };
    Some(start.iter_days().take_while(|d| *d <= end).collect())
}

/// `BYSETPOS`: the dates at the given positions (1-based, negative from the end), ascending;
/// all of them without positions.
fn set_positions(picked: Vec<NaiveDate>, positions: &[i32]) -> Vec<NaiveDate> {
    if positions.is_empty() {
        return picked;
    }
    let len = picked.len() as i64;
    let mut out: Vec<NaiveDate> = positions
        .iter()
        .filter_map(|&p| {
            let p = i64::from(p);
            let index = if p > 0 { p - 1 } else { len + p };
            usize::try_from(index)
                .ok()
                .and_then(|i| picked.get(i).copied())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn days_in_month(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    match first.checked_add_months(Months::new(1)) {
        Some(next) => (next - first).num_days() as u32,
        None => 31, // December of chrono's last year
    }
}

fn month_day_matches(d: NaiveDate, n: i32) -> bool {
    if n > 0 {
        d.day() == n as u32
    } else {
        days_in_month(d) as i32 + n + 1 == d.day() as i32
    }
}

fn day_matches(d: NaiveDate, (ordinal, weekday): ByDay, in_year: bool) -> bool {
    if d.weekday() != weekday {
        return false;
    }
    let Some(n) = ordinal else {
        return true;
    };
    // 0-based day within the month or year, and how many days that has.
    let (index, len) = if in_year {
        let len = if NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some() {
            366
        } else {
            365
        };
        (d.ordinal0() as i32, len)
    } else {
        (d.day0() as i32, days_in_month(d) as i32)
    };
    if n > 0 {
        index / 7 + 1 == n
    } else {
        -((len - 1 - index) / 7 + 1) == n
    }
}

fn positive(name: &str, value: &str) -> Result<u32, RecurrenceError> {
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(invalid(format!("{name}={value} is not a positive number"))),
    }
}

/// A non-zero number within `-max..=max`.
fn signed(name: &str, value: &str, max: i32, what: &str) -> Result<i32, RecurrenceError> {
    match value.parse::<i32>() {
        Ok(n) if n != 0 && n.abs() <= max => Ok(n),
        _ => Err(invalid(format!(
            "{name} entry `{value}` is not {what} (1 to {max} or -{max} to -1)"
        ))),
    }
}

fn list<T>(
    value: &str,
    item: impl Fn(&str) -> Result<T, RecurrenceError>,
) -> Result<Vec<T>, RecurrenceError> {
    value.split(',').map(|v| item(v.trim())).collect()
}

fn parse_by_day(item: &str) -> Result<ByDay, RecurrenceError> {
    let bad = || {
        invalid(format!(
            "BYDAY entry `{item}` is not a day such as TU, 2TU or -1FR"
        ))
    };
    if !item.is_ascii() || item.len() < 2 {
        return Err(bad());
    }
    let (ordinal, code) = item.split_at(item.len() - 2);
    let day = weekday(code).ok_or_else(bad)?;
    let ordinal = if ordinal.is_empty() {
        None
    } else {
        match ordinal.parse::<i32>() {
            Ok(n) if n != 0 && n.abs() <= 53 => Some(n),
            _ => return Err(bad()),
        }
    };
    Ok((ordinal, day))
}

fn parse_until(value: &str) -> Result<Until, RecurrenceError> {
    let bad = || {
        invalid(format!(
            "UNTIL={value} is not a date (20261231) or a UTC date-time (20261231T170000Z)"
        ))
    };
    if let Some(utc) = value.strip_suffix('Z') {
        let at = chrono::NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(Until::Instant(at.and_utc()));
    }
    if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(Until::Date)
            .map_err(|_| bad());
    }
    Err(bad())
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}
