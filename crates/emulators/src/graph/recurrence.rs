//! Graph's `patternedRecurrence` as the emulator reads, validates, renders and expands it.
//!
//! Written here on purpose rather than borrowed from `roombridge_core::recurrence`: the
//! emulator stands for Exchange, and sharing the expansion with the code under test would let
//! one mistake pass on both sides. Expansion follows RFC 5545 (a `dayOfMonth` a month does not
//! have is skipped), the semantics RoomBridge is held to.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde_json::{Map, Value, json};

/// Longest stretch a `noEnd` series is expanded over, and most occurrences of any series.
const NO_END_HORIZON_DAYS: i64 = 3 * 366;
const MAX_OCCURRENCES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternType {
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
    RelativeYearly,
}

const PATTERN_TYPES: [(&str, PatternType); 6] = [
    ("daily", PatternType::Daily),
    ("weekly", PatternType::Weekly),
    ("absoluteMonthly", PatternType::AbsoluteMonthly),
    ("relativeMonthly", PatternType::RelativeMonthly),
    ("absoluteYearly", PatternType::AbsoluteYearly),
    ("relativeYearly", PatternType::RelativeYearly),
];

const WEEK_INDEXES: [&str; 5] = ["first", "second", "third", "fourth", "last"];

const DAYS: [(&str, Weekday); 7] = [
    ("sunday", Weekday::Sun),
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeEnd {
    EndDate(NaiveDate),
    NoEnd,
    Numbered(u32),
}

/// A validated `patternedRecurrence`.
#[derive(Debug, Clone)]
pub struct Recurrence {
    pub kind: PatternType,
    pub interval: u32,
    pub days_of_week: Vec<Weekday>,
    pub day_of_month: u32,
    pub month: u32,
    /// 0 = first .. 3 = fourth, 4 = last.
    pub index: usize,
    pub first_day_of_week: Weekday,
    pub start: NaiveDate,
    pub end: RangeEnd,
    pub time_zone: String,
}

fn day_name(d: Weekday) -> &'static str {
    DAYS.iter()
        .find(|(_, w)| *w == d)
        .map(|(n, _)| *n)
        .unwrap_or("sunday")
}

fn field<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

fn int(m: &Map<String, Value>, key: &str, what: &str) -> Result<Option<i64>, String> {
    match field(m, key) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("Property '{key}' of {what} must be an integer.")),
    }
}

fn date(m: &Map<String, Value>, key: &str) -> Result<Option<NaiveDate>, String> {
    match field(m, key) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(Some)
            .ok_or_else(|| {
                format!("Cannot convert the literal '{v}' to the expected type 'Edm.Date'.")
            }),
    }
}

impl Recurrence {
    /// Reads a request's `recurrence`. `default_zone` is the event's start zone, used when the
    /// range names none. Errors are the messages of a 400.
    pub fn parse(v: &Value, default_zone: &str) -> Result<Recurrence, String> {
        let m = v
            .as_object()
            .ok_or("Property 'recurrence' must be a patternedRecurrence object.")?;
        let pattern = field(m, "pattern")
            .and_then(Value::as_object)
            .ok_or("The recurrence needs a pattern.")?;
        let range = field(m, "range")
            .and_then(Value::as_object)
            .ok_or("The recurrence needs a range.")?;
        const WHAT_P: &str = "microsoft.graph.recurrencePattern";
        let type_name = field(pattern, "type")
            .and_then(Value::as_str)
            .ok_or("The recurrence pattern needs a type.")?;
        let kind = PATTERN_TYPES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(type_name))
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                format!("Requested value '{type_name}' was not found (recurrencePatternType).")
            })?;
        let interval =
            int(pattern, "interval", WHAT_P)?.ok_or("The recurrence pattern needs an interval.")?;
        if !(1..=999).contains(&interval) {
            return Err(format!(
                "The recurrence interval {interval} is out of range."
            ));
        }
        let mut days_of_week = Vec::new();
        if let Some(days) = field(pattern, "daysOfWeek") {
            for d in days
                .as_array()
                .ok_or("Property 'daysOfWeek' must be an array.")?
            {
                let name = d.as_str().unwrap_or_default();
                let day = DAYS
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, w)| *w)
                    .ok_or_else(|| format!("Requested value '{d}' was not found (dayOfWeek)."))?;
                if !days_of_week.contains(&day) {
                    days_of_week.push(day);
                }
            }
        }
        let needs_days = matches!(
            kind,
            PatternType::Weekly | PatternType::RelativeMonthly | PatternType::RelativeYearly
        );
        if needs_days && days_of_week.is_empty() {
            return Err(format!(
                "A {type_name} recurrence pattern needs daysOfWeek."
            ));
        }
        let absolute = matches!(
            kind,
            PatternType::AbsoluteMonthly | PatternType::AbsoluteYearly
        );
        let day_of_month = int(pattern, "dayOfMonth", WHAT_P)?.unwrap_or(0);
        if absolute && !(1..=31).contains(&day_of_month) {
            return Err(format!(
                "A {type_name} recurrence pattern needs a dayOfMonth from 1 to 31."
            ));
        }
        let yearly = matches!(
            kind,
            PatternType::AbsoluteYearly | PatternType::RelativeYearly
        );
        let month = int(pattern, "month", WHAT_P)?.unwrap_or(0);
        if yearly && !(1..=12).contains(&month) {
            return Err(format!(
                "A {type_name} recurrence pattern needs a month from 1 to 12."
            ));
        }
        let index = match field(pattern, "index") {
            None => 0,
            Some(v) => {
                let name = v.as_str().unwrap_or_default();
                WEEK_INDEXES
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
                    .ok_or_else(|| format!("Requested value '{v}' was not found (weekIndex)."))?
            }
        };
        let first_day_of_week = match field(pattern, "firstDayOfWeek") {
            None => Weekday::Sun,
            Some(v) => {
                let name = v.as_str().unwrap_or_default();
                DAYS.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, w)| *w)
                    .ok_or_else(|| format!("Requested value '{v}' was not found (dayOfWeek)."))?
            }
        };

        const WHAT_R: &str = "microsoft.graph.recurrenceRange";
        let range_type = field(range, "type")
            .and_then(Value::as_str)
            .ok_or("The recurrence range needs a type.")?;
        let start = date(range, "startDate")?.ok_or("The recurrence range needs a startDate.")?;
        let end = match range_type.to_ascii_lowercase().as_str() {
            "enddate" => {
                let end = date(range, "endDate")?
                    .ok_or("A recurrence range of type endDate needs an endDate.")?;
                if end < start {
                    return Err("The recurrence range's endDate is before its startDate.".into());
                }
                RangeEnd::EndDate(end)
            }
            "noend" => RangeEnd::NoEnd,
            "numbered" => {
                let n = int(range, "numberOfOccurrences", WHAT_R)?.unwrap_or(0);
                if !(1..=MAX_OCCURRENCES as i64).contains(&n) {
                    return Err(
                        "A numbered recurrence range needs numberOfOccurrences from 1 to 999."
                            .into(),
                    );
                }
                RangeEnd::Numbered(n as u32)
            }
            _ => {
                return Err(format!(
                    "Requested value '{range_type}' was not found (recurrenceRangeType)."
                ));
            }
        };
        let time_zone = field(range, "recurrenceTimeZone")
            .and_then(Value::as_str)
            .unwrap_or(default_zone)
            .to_owned();
        Ok(Recurrence {
            kind,
            interval: interval as u32,
            days_of_week,
            day_of_month: day_of_month as u32,
            month: month as u32,
            index,
            first_day_of_week,
            start,
            end,
            time_zone,
        })
    }

    /// The `recurrence` of a series master as Graph renders it (server-filled fields too).
    pub fn render(&self) -> Value {
        let type_name = PATTERN_TYPES
            .iter()
            .find(|(_, k)| *k == self.kind)
            .map(|(n, _)| *n)
            .unwrap_or("daily");
        let (range_type, end_date, count) = match &self.end {
            RangeEnd::EndDate(d) => ("endDate", d.format("%Y-%m-%d").to_string(), 0),
            RangeEnd::NoEnd => ("noEnd", "0001-01-01".to_owned(), 0),
            RangeEnd::Numbered(n) => ("numbered", "0001-01-01".to_owned(), *n),
        };
        json!({
            "pattern": {
                "type": type_name,
                "interval": self.interval,
                "month": self.month,
                "dayOfMonth": self.day_of_month,
                "daysOfWeek": self.days_of_week.iter().map(|d| day_name(*d)).collect::<Vec<_>>(),
                "firstDayOfWeek": day_name(self.first_day_of_week),
                "index": WEEK_INDEXES[self.index],
            },
            "range": {
                "type": range_type,
                "startDate": self.start.format("%Y-%m-%d").to_string(),
                "endDate": end_date,
                "recurrenceTimeZone": self.time_zone,
                "numberOfOccurrences": count,
            }
        })
    }

    /// The dates of the series, in order, from the range's start. A `noEnd` series is expanded
    /// up to three years past `not_before` (or its start, if later).
    pub fn dates(&self, not_before: NaiveDate) -> Vec<NaiveDate> {
        let last = match self.end {
            RangeEnd::EndDate(d) => d,
            RangeEnd::NoEnd | RangeEnd::Numbered(_) => {
                not_before.max(self.start) + Duration::days(NO_END_HORIZON_DAYS)
            }
        };
        let limit = match self.end {
            RangeEnd::Numbered(n) => n as usize,
            _ => MAX_OCCURRENCES,
        };
        let mut out = Vec::new();
        let mut d = self.start;
        while d <= last && out.len() < limit {
            if self.matches(d) {
                out.push(d);
            }
            d += Duration::days(1);
        }
        out
    }

    fn matches(&self, d: NaiveDate) -> bool {
        let every = |n: i64| n.rem_euclid(i64::from(self.interval)) == 0;
        let months = i64::from(d.year() - self.start.year()) * 12 + i64::from(d.month())
            - i64::from(self.start.month());
        let years = i64::from(d.year() - self.start.year());
        match self.kind {
            PatternType::Daily => every((d - self.start).num_days()),
            PatternType::Weekly => {
                let week_start = |x: NaiveDate| {
                    let back = (7 + x.weekday().num_days_from_sunday()
                        - self.first_day_of_week.num_days_from_sunday())
                        % 7;
                    x - Duration::days(i64::from(back))
                };
                self.days_of_week.contains(&d.weekday())
                    && every((week_start(d) - week_start(self.start)).num_days() / 7)
            }
            PatternType::AbsoluteMonthly => d.day() == self.day_of_month && every(months),
            PatternType::RelativeMonthly => every(months) && self.is_relative_day(d),
            PatternType::AbsoluteYearly => {
                d.month() == self.month && d.day() == self.day_of_month && every(years)
            }
            PatternType::RelativeYearly => {
                d.month() == self.month && every(years) && self.is_relative_day(d)
            }
        }
    }

    /// Whether `d` is the `index`-th of the days in its month that fall on `days_of_week`.
    fn is_relative_day(&self, d: NaiveDate) -> bool {
        let Some(first) = d.with_day(1) else {
            return false;
        };
        let candidates: Vec<NaiveDate> = first
            .iter_days()
            .take_while(|x| x.month() == d.month())
            .filter(|x| self.days_of_week.contains(&x.weekday()))
            .collect();
        let pick = if self.index == 4 {
            candidates.last()
        } else {
            candidates.get(self.index)
        };
        pick == Some(&d)
    }
}

/// A series master's own state: its pattern and the occurrences removed from it.
#[derive(Debug, Clone)]
pub struct Series {
    pub recurrence: Recurrence,
    /// Dates of occurrences deleted or cancelled one by one; they do not come back.
    pub cancelled: BTreeSet<NaiveDate>,
}
