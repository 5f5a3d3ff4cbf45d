//! The booking system's reservations as the emulator stores them, their JSON form, and the one
//! validation every write goes through.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::problem::FieldError;

/// The levels of reservation, lowest first: a parent is always of a lower level. A closure
/// (the room is closed) is the highest and has no parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Allocation,
    Booking,
    Event,
    Closure,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        match s {
            "allocation" => Some(Level::Allocation),
            "booking" => Some(Level::Booking),
            "event" => Some(Level::Event),
            "closure" => Some(Level::Closure),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allocation => "allocation",
            Level::Booking => "booking",
            Level::Event => "event",
            Level::Closure => "closure",
        }
    }
}

/// When a reservation happens: instants, or whole dates (end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Span {
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    AllDay {
        start: NaiveDate,
        end: NaiveDate,
    },
}

impl Span {
    fn is_all_day(&self) -> bool {
        matches!(self, Span::AllDay { .. })
    }

    fn wire(&self) -> (String, String) {
        match self {
            Span::Timed { start, end } => (instant(*start), instant(*end)),
            Span::AllDay { start, end } => (start.to_string(), end.to_string()),
        }
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The fields a client writes (create and patch); everything else is the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    pub resource_id: String,
    pub level: Level,
    pub parent_id: Option<String>,
    pub title: String,
    pub organisation: String,
    pub description: String,
    pub span: Span,
    pub time_zone: String,
    pub rrule: Option<String>,
    /// Local dates of occurrences cancelled one by one, ascending, without duplicates. Only
    /// a reservation with an `rrule` has them.
    pub exdates: Vec<NaiveDate>,
    pub source: String,
    /// The client's own reference (RoomBridge's link id), stored as sent.
    pub external_ref: Option<String>,
}

/// One stored reservation.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    pub id: String,
    pub fields: Fields,
    pub cancelled: bool,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Reservation {
    /// The contract's `Reservation` object.
    pub fn to_json(&self) -> Value {
        let mut out = self.fields.to_json();
        out.insert("id".into(), json!(self.id));
        out.insert(
            "status".into(),
            json!(if self.cancelled {
                "cancelled"
            } else {
                "active"
            }),
        );
        out.insert("note".into(), json!(self.note));
        out.insert("version".into(), json!(self.version));
        out.insert(
            "created_at".into(),
            json!(self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        out.insert(
            "updated_at".into(),
            json!(self.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        Value::Object(out)
    }
}

impl Fields {
    /// The writable fields in their wire form: the base a patch is merged onto.
    pub fn to_json(&self) -> Map<String, Value> {
        let (start, end) = self.span.wire();
        let mut out = Map::new();
        out.insert("resource_id".into(), json!(self.resource_id));
        out.insert("level".into(), json!(self.level.as_str()));
        out.insert("parent_id".into(), json!(self.parent_id));
        out.insert("title".into(), json!(self.title));
        out.insert("organisation".into(), json!(self.organisation));
        out.insert("description".into(), json!(self.description));
        out.insert("all_day".into(), json!(self.span.is_all_day()));
        out.insert("start".into(), json!(start));
        out.insert("end".into(), json!(end));
        out.insert("time_zone".into(), json!(self.time_zone));
        out.insert(
            "recurrence".into(),
            match &self.rrule {
                Some(rrule) => json!({
                    "rrule": rrule,
                    "exdates": self.exdates.iter().map(NaiveDate::to_string).collect::<Vec<_>>(),
                }),
                None => Value::Null,
            },
        );
        out.insert("source".into(), json!(self.source));
        out.insert("external_ref".into(), json!(self.external_ref));
        out
    }
}

/// Fields a client may send.
pub(crate) const WRITABLE: &[&str] = &[
    "resource_id",
    "level",
    "parent_id",
    "title",
    "organisation",
    "description",
    "all_day",
    "start",
    "end",
    "time_zone",
    "recurrence",
    "source",
    "external_ref",
];

/// Fields only the server sets.
const READ_ONLY: &[&str] = &[
    "id",
    "status",
    "note",
    "version",
    "created_at",
    "updated_at",
];

/// Errors for keys of a request body that are not `WRITABLE`.
pub(crate) fn foreign_keys(body: &Map<String, Value>) -> Vec<FieldError> {
    body.keys()
        .filter(|k| !WRITABLE.contains(&k.as_str()))
        .map(|k| {
            if READ_ONLY.contains(&k.as_str()) {
                FieldError::new(k, "is set by the server and cannot be written")
            } else {
                FieldError::new(k, "is not a field of a reservation")
            }
        })
        .collect()
}

/// What validation needs to know about the rest of the store.
pub(crate) trait Lookup {
    fn resource_exists(&self, id: &str) -> bool;
    /// The resource and level of a reservation, if it exists.
    fn reservation(&self, id: &str) -> Option<(String, Level)>;
}

/// Validates a complete set of writable fields (a create body with defaults filled in, or a
/// stored reservation with a patch merged onto it). Reports every wrong field, not the first.
/// `own_id` is the reservation being patched, which cannot be its own parent.
pub(crate) fn validate(
    body: &Map<String, Value>,
    store: &dyn Lookup,
    own_id: Option<&str>,
) -> Result<Fields, Vec<FieldError>> {
    let mut errors = Vec::new();

    let resource_id = required_string(body, "resource_id", &mut errors);
    if let Some(id) = &resource_id
        && !store.resource_exists(id)
    {
        errors.push(FieldError::new(
            "resource_id",
            format!("no resource has the id `{id}`"),
        ));
    }

    let level = required_string(body, "level", &mut errors).and_then(|s| {
        let level = Level::parse(&s);
        if level.is_none() {
            errors.push(FieldError::new(
                "level",
                format!("`{s}` is not one of allocation, booking, event, closure"),
            ));
        }
        level
    });

    let parent_id = match body.get("parent_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError::new("parent_id", "must be a string or null"));
            None
        }
    };
    if parent_id.is_some() && level == Some(Level::Closure) {
        errors.push(FieldError::new(
            "parent_id",
            "a closure has no parent: nothing else can happen in a closed room",
        ));
    } else if let Some(parent) = &parent_id {
        check_parent(
            parent,
            own_id,
            resource_id.as_deref(),
            level,
            store,
            &mut errors,
        );
    } else if level == Some(Level::Booking) {
        errors.push(FieldError::new(
            "parent_id",
            "a booking lies inside an allocation: give the allocation's id",
        ));
    }

    let title = required_string(body, "title", &mut errors);
    if let Some(t) = &title {
        if t.trim().is_empty() {
            errors.push(FieldError::new("title", "must not be empty"));
        } else if t.chars().count() > 255 {
            errors.push(FieldError::new("title", "must be at most 255 characters"));
        }
    }
    let organisation = optional_string(body, "organisation", 255, &mut errors);
    let description = optional_string(body, "description", 10_000, &mut errors);
    let source = optional_string(body, "source", 100, &mut errors);
    let external_ref = match body.get("external_ref") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 255 => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(FieldError::new(
                "external_ref",
                "must be at most 255 characters",
            ));
            None
        }
        Some(_) => {
            errors.push(FieldError::new("external_ref", "must be a string or null"));
            None
        }
    };

    let all_day = match body.get("all_day") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::new("all_day", "must be true or false"));
            false
        }
    };
    let start = required_string(body, "start", &mut errors);
    let end = required_string(body, "end", &mut errors);
    let span = match (start, end) {
        (Some(start), Some(end)) => parse_span(&start, &end, all_day, &mut errors),
        _ => None,
    };

    let time_zone = required_string(body, "time_zone", &mut errors);
    if let Some(zone) = &time_zone
        && zone.parse::<chrono_tz::Tz>().is_err()
    {
        errors.push(FieldError::new(
            "time_zone",
            format!("`{zone}` is not an IANA time zone name (e.g. Europe/Oslo)"),
        ));
    }

    let mut exdates = Vec::new();
    let rrule = match body.get("recurrence") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => {
            if r.keys().any(|k| k != "rrule" && k != "exdates") {
                errors.push(FieldError::new(
                    "recurrence",
                    "has only the fields `rrule` and `exdates`",
                ));
            }
            exdates = parse_exdates(r.get("exdates"), &mut errors);
            match r.get("rrule") {
                Some(Value::String(rule)) => {
                    if let Err(message) = check_rrule(rule) {
                        errors.push(FieldError::new("recurrence.rrule", message));
                    }
                    Some(rule.clone())
                }
                _ => {
                    errors.push(FieldError::new(
                        "recurrence.rrule",
                        "is required and must be a string",
                    ));
                    if r.get("exdates").is_some_and(|v| !v.is_null()) {
                        errors.push(FieldError::new(
                            "recurrence.exdates",
                            "exception dates belong to a repeat rule: give `rrule` too",
                        ));
                    }
                    None
                }
            }
        }
        Some(_) => {
            errors.push(FieldError::new(
                "recurrence",
                "must be an object `{ \"rrule\": ..., \"exdates\": [...] }` or null",
            ));
            None
        }
    };

    match (resource_id, level, title, span, time_zone) {
        (Some(resource_id), Some(level), Some(title), Some(span), Some(time_zone))
            if errors.is_empty() =>
        {
            Ok(Fields {
                resource_id,
                level,
                parent_id,
                title,
                organisation,
                description,
                span,
                time_zone,
                rrule,
                exdates,
                source,
                external_ref,
            })
        }
        _ => Err(errors),
    }
}

/// `recurrence.exdates`: absent or null is none; otherwise distinct ISO dates, returned sorted.
fn parse_exdates(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<NaiveDate> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(FieldError::new(
                "recurrence.exdates",
                "must be an array of dates (YYYY-MM-DD)",
            ));
            return Vec::new();
        }
    };
    let mut dates: Vec<NaiveDate> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("recurrence.exdates[{i}]");
        let Some(text) = item.as_str() else {
            errors.push(FieldError::new(field, "must be a date (YYYY-MM-DD)"));
            continue;
        };
        let parsed = (text.len() == 10)
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten();
        match parsed {
            None => errors.push(FieldError::new(
                field,
                format!("`{text}` is not a date (YYYY-MM-DD)"),
            )),
            Some(date) if dates.contains(&date) => {
                errors.push(FieldError::new(field, format!("{date} is listed twice")))
            }
            Some(date) => dates.push(date),
        }
    }
    dates.sort();
    dates
}

fn check_parent(
    parent: &str,
    own_id: Option<&str>,
    resource_id: Option<&str>,
    level: Option<Level>,
    store: &dyn Lookup,
    errors: &mut Vec<FieldError>,
) {
    if Some(parent) == own_id {
        errors.push(FieldError::new(
            "parent_id",
            "a reservation cannot lie inside itself",
        ));
        return;
    }
    let Some((parent_resource, parent_level)) = store.reservation(parent) else {
        errors.push(FieldError::new(
            "parent_id",
            format!("no reservation has the id `{parent}`"),
        ));
        return;
    };
    if resource_id.is_some_and(|r| r != parent_resource) {
        errors.push(FieldError::new(
            "parent_id",
            format!("`{parent}` belongs to another resource ({parent_resource})"),
        ));
    }
    if let Some(level) = level
        && parent_level >= level
    {
        errors.push(FieldError::new(
            "parent_id",
            format!(
                "a {} cannot lie inside a {} (`{parent}`): the parent must be of a lower level",
                level.as_str(),
                parent_level.as_str()
            ),
        ));
    }
}

fn required_string(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match body.get(field) {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

fn optional_string(
    body: &Map<String, Value>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    match body.get(field) {
        None => String::new(),
        Some(Value::String(s)) if s.chars().count() <= max => s.clone(),
        Some(Value::String(_)) => {
            errors.push(FieldError::new(
                field,
                format!("must be at most {max} characters"),
            ));
            String::new()
        }
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            String::new()
        }
    }
}

fn parse_span(start: &str, end: &str, all_day: bool, errors: &mut Vec<FieldError>) -> Option<Span> {
    let span = if all_day {
        let s = parse_date(start, "start", errors);
        let e = parse_date(end, "end", errors);
        Span::AllDay { start: s?, end: e? }
    } else {
        let s = parse_instant(start, "start", errors);
        let e = parse_instant(end, "end", errors);
        Span::Timed { start: s?, end: e? }
    };
    let ordered = match &span {
        Span::Timed { start, end } => end > start,
        Span::AllDay { start, end } => end > start,
    };
    if ordered {
        Some(span)
    } else {
        errors.push(FieldError::new("end", "must be after start"));
        None
    }
}

fn parse_date(value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    // `%Y-%m-%d` alone would also take `2026-3-4`; the contract says exactly YYYY-MM-DD.
    let parsed = (value.len() == 10)
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            format!("`{value}` is not a date (YYYY-MM-DD), as all-day reservations use"),
        ));
    }
    parsed
}

fn parse_instant(value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let parsed = value
        .ends_with('Z')
        .then(|| DateTime::parse_from_rfc3339(value).ok())
        .flatten()
        .map(|t| t.with_timezone(&Utc));
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            format!("`{value}` is not an RFC 3339 UTC instant (e.g. 2026-03-10T17:00:00Z)"),
        ));
    }
    parsed
}

/// Checks an RRULE against the subset of RFC 5545 the contract allows.
pub(crate) fn check_rrule(rule: &str) -> Result<(), String> {
    let mut seen = Vec::new();
    let mut freq = false;
    for part in rule.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("`{part}` is not KEY=VALUE"));
        };
        if value.is_empty() {
            return Err(format!("{key} has no value"));
        }
        if seen.contains(&key) {
            return Err(format!("{key} appears twice"));
        }
        seen.push(key);
        let ok = match key {
            "FREQ" => {
                freq = true;
                matches!(value, "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY")
            }
            "INTERVAL" | "COUNT" => value.parse::<u32>().is_ok_and(|n| n > 0),
            "UNTIL" => {
                NaiveDate::parse_from_str(value, "%Y%m%d").is_ok()
                    || chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").is_ok()
            }
            "BYDAY" => value.split(',').all(is_weekday_rule),
            "BYMONTHDAY" | "BYSETPOS" => value
                .split(',')
                .all(|n| n.parse::<i32>().is_ok_and(|n| n != 0 && n.abs() <= 366)),
            "BYMONTH" => value
                .split(',')
                .all(|n| n.parse::<u32>().is_ok_and(|n| (1..=12).contains(&n))),
            "WKST" => is_weekday(value),
            _ => return Err(format!("{key} is not supported")),
        };
        if !ok {
            return Err(format!("`{value}` is not a valid {key}"));
        }
    }
    if !freq {
        return Err("FREQ is required".into());
    }
    if seen.contains(&"COUNT") && seen.contains(&"UNTIL") {
        return Err("COUNT and UNTIL cannot both be given".into());
    }
    Ok(())
}

fn is_weekday(s: &str) -> bool {
    matches!(s, "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU")
}

/// `TU`, `2TU`, `-1FR`.
fn is_weekday_rule(s: &str) -> bool {
    // `split_at` below counts bytes.
    if !s.is_ascii() {
        return false;
    }
    let split = s.len().saturating_sub(2);
    let (ordinal, day) = s.split_at(split);
    is_weekday(day)
        && (ordinal.is_empty()
            || ordinal
                .parse::<i32>()
                .is_ok_and(|n| n != 0 && n.abs() <= 53))
}
