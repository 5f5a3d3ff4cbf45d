//! Recurrence: Graph `patternedRecurrence` and RFC 5545 RRULEs, expanded the same way.
//!
//! A [`Series`] mirrors what Outlook stores on a series master: a [`Pattern`] (daily, weekly,
//! absolute/relative monthly, absolute/relative yearly), a [`Range`] (end date, no end, numbered)
//! and the wall-clock [`Timing`] of each occurrence in the series' IANA zone. [`expand`] turns a
//! series into the [`Occurrence`]s that fall in a window; [`to_rrule`] and [`from_rrule`]
//! translate to and from the RRULE subset `patternedRecurrence` can express.
//!
//! # Rules
//!
//! - **Wall-clock occurrences.** Every occurrence starts at the series' local start time in the
//!   series' zone, so a weekly 18:00 meeting stays 18:00 local across DST changes (its UTC instant
//!   moves). A timed occurrence lasts exactly its duration in elapsed time (RFC 5545 "exact"
//!   duration); an all-day occurrence runs from local midnight to local midnight `days` later.
//! - **DST gap** (the rule of [`crate::localtime`]): a local start time that does not exist (e.g. 02:30 on the last Sunday of March
//!   in Europe/Oslo) is read with the UTC offset in force before the gap, which moves it forward
//!   by the length of the gap (02:30 becomes 03:30 CEST). RFC 5545 §3.3.5 prescribes the same.
//! - **DST fold:** a local start time that happens twice takes the first (earlier) instant.
//! - **Invalid dates are skipped, the RFC way.** An absolute monthly series on day 31 has no
//!   occurrence in 30-day months, exactly as `FREQ=MONTHLY;BYMONTHDAY=31`; an absolute yearly
//!   series on 29 February only occurs in leap years. *Outlook differs:* it moves such an
//!   occurrence to the last day of the month (30 April, 28 February). We follow RFC 5545 so the
//!   booking system's RRULEs and Outlook series expand by one rule; a series whose day of month
//!   does not exist in every month it covers can therefore show fewer occurrences here than in
//!   Outlook, and the sync engine must treat those Outlook occurrences as exceptions.
//! - **First occurrence.** The range start is not itself an occurrence unless it matches the
//!   pattern (Outlook's and python-dateutil's behaviour). RFC 5545 always counts DTSTART as the
//!   first instance; RRULEs we produce always start on a date the pattern matches when the series
//!   came from Outlook, whose range start equals the first occurrence.
//! - **Numbered ranges** count occurrences from the range start, whatever window is asked for.
//! - **Relative patterns with several days** (e.g. Saturday and Sunday, index first) pick the
//!   n-th day of the month that is any of those days, as Graph documents ("the event falls on the
//!   first day that satisfies the pattern"). That is `BYDAY=SA,SU;BYSETPOS=1`, not `BYDAY=1SA,1SU`.
//! - **Bounded:** expansion never runs past the window's end, so a series with no end is safe.
//!
//! # RRULEs Outlook cannot show
//!
//! [`from_rrule`] accepts only what `patternedRecurrence` can represent. Anything else (hourly
//! frequencies, `BYHOUR`, several `BYMONTHDAY`s, `BYSETPOS` beyond the relative patterns, ...)
//! is [`RecurrenceError::Unrepresentable`], with a reason a facility manager can act on. Such a
//! booking is not written to Outlook as a series: the engine writes its occurrences to Outlook
//! as single events instead.

mod booking;
mod expand;
mod rrule;
#[cfg(test)]
mod tests;

use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use booking::expand_rule;
pub use expand::{Occurrence, expand};
pub use rrule::{from_rrule, to_rrule};

/// A day of the week, named as Graph's `dayOfWeek` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOfWeek {
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

impl DayOfWeek {
    /// The same day as chrono names it.
    pub fn weekday(self) -> Weekday {
        match self {
            DayOfWeek::Sunday => Weekday::Sun,
            DayOfWeek::Monday => Weekday::Mon,
            DayOfWeek::Tuesday => Weekday::Tue,
            DayOfWeek::Wednesday => Weekday::Wed,
            DayOfWeek::Thursday => Weekday::Thu,
            DayOfWeek::Friday => Weekday::Fri,
            DayOfWeek::Saturday => Weekday::Sat,
        }
    }

    /// The day chrono calls `weekday`.
    pub fn from_weekday(weekday: Weekday) -> DayOfWeek {
        match weekday {
            Weekday::Sun => DayOfWeek::Sunday,
            Weekday::Mon => DayOfWeek::Monday,
            Weekday::Tue => DayOfWeek::Tuesday,
            Weekday::Wed => DayOfWeek::Wednesday,
            Weekday::Thu => DayOfWeek::Thursday,
            Weekday::Fri => DayOfWeek::Friday,
            Weekday::Sat => DayOfWeek::Saturday,
        }
    }
}

/// Which of a month's matching days a relative pattern picks (Graph's `weekIndex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

/// How often a series repeats (Graph's `recurrencePattern`). `interval` counts days, weeks,
/// months or years; it must be at least 1. Months are 1..=12, days of month 1..=31.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Pattern {
    Daily {
        interval: u32,
    },
    Weekly {
        interval: u32,
        days_of_week: Vec<DayOfWeek>,
        first_day_of_week: DayOfWeek,
    },
    AbsoluteMonthly {
        interval: u32,
        day_of_month: u32,
    },
    RelativeMonthly {
        interval: u32,
        days_of_week: Vec<DayOfWeek>,
        index: WeekIndex,
    },
    AbsoluteYearly {
        interval: u32,
        month: u32,
        day_of_month: u32,
    },
    RelativeYearly {
        interval: u32,
        month: u32,
        days_of_week: Vec<DayOfWeek>,
        index: WeekIndex,
    },
}

impl Pattern {
    /// Days, weeks, months or years between repetitions.
    pub fn interval(&self) -> u32 {
        match self {
            Pattern::Daily { interval }
            | Pattern::Weekly { interval, .. }
            | Pattern::AbsoluteMonthly { interval, .. }
            | Pattern::RelativeMonthly { interval, .. }
            | Pattern::AbsoluteYearly { interval, .. }
            | Pattern::RelativeYearly { interval, .. } => *interval,
        }
    }
}

/// How long a series runs (Graph's `recurrenceRange`). Dates are local dates in the series' zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Range {
    /// Occurrences on `start..=end` (the end date is inclusive, as in Graph).
    EndDate { start: NaiveDate, end: NaiveDate },
    /// Occurrences from `start` on, for ever.
    NoEnd { start: NaiveDate },
    /// The first `occurrences` occurrences on or after `start`.
    Numbered { start: NaiveDate, occurrences: u32 },
}

impl Range {
    /// The first date the pattern is applied from.
    pub fn start(&self) -> NaiveDate {
        match self {
            Range::EndDate { start, .. }
            | Range::NoEnd { start }
            | Range::Numbered { start, .. } => *start,
        }
    }
}

/// When each occurrence happens on its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Timing {
    /// Starts at `start_time` local wall-clock time and lasts `duration` (elapsed time).
    Timed {
        start_time: NaiveTime,
        #[serde(rename = "duration_seconds", with = "seconds")]
        duration: Duration,
    },
    /// Whole days: local midnight to local midnight `days` later (end exclusive).
    AllDay { days: u32 },
}

impl Timing {
    /// The local wall-clock time an occurrence starts at (midnight for all-day series).
    pub fn start_time(&self) -> NaiveTime {
        match self {
            Timing::Timed { start_time, .. } => *start_time,
            Timing::AllDay { .. } => NaiveTime::MIN,
        }
    }
}

/// A recurring reservation: what repeats, for how long, at what local time, in which zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Series {
    pub pattern: Pattern,
    pub range: Range,
    pub timing: Timing,
    #[serde(with = "zone_name")]
    pub zone: Tz,
}

/// Why an RRULE could not become a [`Series`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// A valid RRULE that Outlook's `patternedRecurrence` cannot express. The booking is written
    /// to Outlook as single events instead.
    #[error("This repeat rule cannot be shown as an Outlook series: {reason}")]
    Unrepresentable { reason: String },
    /// Not a valid RRULE at all.
    #[error("This repeat rule is not valid: {reason}")]
    Invalid { reason: String },
}

/// `chrono::Duration` as whole seconds.
mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(duration.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = i64::deserialize(d)?;
        Duration::try_seconds(secs)
            .ok_or_else(|| serde::de::Error::custom(format!("duration out of range: {secs} s")))
    }
}

/// An IANA zone as its name, e.g. "Europe/Oslo".
mod zone_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(zone: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(zone.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>()
            .map_err(|_| serde::de::Error::custom(format!("unknown time zone {name:?}")))
    }
}
