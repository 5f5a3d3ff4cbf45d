//! The booking API's JSON (docs/booking-api.yaml) and its conversion to core types. Nothing
//! here leaves the connector: the engine only sees `roombridge_core` types. The readers are
//! public for the fuzzer alone (`crates/fuzz`); the writers stay private.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use roombridge_core::{
    Content, Level, LinkId, Repeat, Reservation, ReservationId, ReservationStatus, ResourceId, When,
};
use serde::{Deserialize, Serialize};

/// `GET /resources`.
#[derive(Debug, Deserialize)]
pub struct ResourceList {
    pub items: Vec<WireResource>,
}

#[derive(Debug, Deserialize)]
pub struct WireResource {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub time_zone: String,
}

/// One page of `GET /reservations`. Items stay raw JSON so that one malformed reservation
/// fails alone instead of failing the page.
#[derive(Debug, Deserialize)]
pub struct Page {
    pub items: Vec<serde_json::Value>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
struct WireRecurrence {
    rrule: String,
    /// Optional in the contract; `null` is the same as none.
    #[serde(default)]
    exdates: Option<Vec<String>>,
}

/// A reservation as the API sends it.
#[derive(Debug, Deserialize)]
struct WireReservation {
    pub id: String,
    resource_id: String,
    level: String,
    parent_id: Option<String>,
    title: String,
    // Required by the contract, but an empty text is the same as a missing one.
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    description: String,
    all_day: bool,
    start: String,
    end: String,
    time_zone: String,
    recurrence: Option<WireRecurrence>,
    status: String,
    version: i64,
    updated_at: String,
    #[serde(default)]
    external_ref: Option<String>,
}

/// The fields RoomBridge writes, for `POST /reservations` and `PATCH /reservations/{id}`.
#[derive(Debug, Serialize)]
pub(super) struct WireWrite<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'static str>,
    /// The reservation an override lies inside; sent only on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<&'a str>,
    pub title: &'a str,
    pub organisation: &'a str,
    pub description: &'a str,
    pub all_day: bool,
    pub start: String,
    pub end: String,
    pub time_zone: &'a str,
}

impl<'a> WireWrite<'a> {
    /// The content fields; `resource_id`, `level`, `parent_id`, `source` and `external_ref` are
    /// only sent on create.
    pub fn content(content: &'a Content) -> Self {
        let (all_day, start, end) = match &content.when {
            When::Timed { start, end } => (false, instant(*start), instant(*end)),
            When::AllDay { start, end } => (true, start.to_string(), end.to_string()),
        };
        WireWrite {
            resource_id: None,
            level: None,
            parent_id: None,
            source: None,
            external_ref: None,
            title: &content.title,
            organisation: &content.organisation,
            description: &content.description,
            all_day,
            start,
            end,
            time_zone: &content.time_zone,
        }
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `{ "recurrence": { "rrule": ..., "exdates": [...] } }` patch that replaces a series'
/// exception dates.
#[derive(Debug, Serialize)]
pub(super) struct WireRecurrencePatch<'a> {
    pub recurrence: WireRecurrenceWrite<'a>,
}

#[derive(Debug, Serialize)]
pub(super) struct WireRecurrenceWrite<'a> {
    pub rrule: &'a str,
    pub exdates: Vec<String>,
}

/// The `{ "note": ... }` body of a cancel.
#[derive(Debug, Serialize)]
pub(super) struct WireCancel<'a> {
    pub note: &'a str,
}

/// The parts of a problem document RoomBridge shows.
#[derive(Debug, Default, Deserialize)]
struct WireProblem {
    pub title: Option<String>,
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<WireFieldError>,
}

#[derive(Debug, Deserialize)]
struct WireFieldError {
    pub field: String,
    pub message: String,
}

/// Reads one reservation. The error says what is wrong in words a facility manager can act on.
pub fn reservation(value: serde_json::Value) -> Result<Reservation, (Option<String>, String)> {
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    let wire: WireReservation = serde_json::from_value(value).map_err(|e| {
        let name = id.as_deref().unwrap_or("without an id");
        (
            id.clone(),
            format!("The booking system sent reservation {name} in a form RoomBridge cannot read ({e}); it is skipped until it is fixed there."),
        )
    })?;
    let id = wire.id.clone();
    convert(wire).map_err(|problem| {
        (
            Some(id.clone()),
            format!("Reservation {id} in the booking system {problem}; it is skipped until it is fixed there."),
        )
    })
}

fn convert(w: WireReservation) -> Result<Reservation, String> {
    let level = match w.level.as_str() {
        "allocation" => Level::Allocation,
        "booking" => Level::Booking,
        "event" => Level::Event,
        "closure" => Level::Closure,
        other => return Err(format!("has an unknown level `{other}`")),
    };
    let status = match w.status.as_str() {
        "active" => ReservationStatus::Active,
        "cancelled" => ReservationStatus::Cancelled,
        other => return Err(format!("has an unknown status `{other}`")),
    };
    if w.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(format!("has an unknown time zone `{}`", w.time_zone));
    }
    let when = if w.all_day {
        When::AllDay {
            start: date(&w.start)
                .ok_or_else(|| format!("is all-day but its start `{}` is not a date", w.start))?,
            end: date(&w.end)
                .ok_or_else(|| format!("is all-day but its end `{}` is not a date", w.end))?,
        }
    } else {
        When::Timed {
            start: utc(&w.start)
                .ok_or_else(|| format!("has a start `{}` that is not a time", w.start))?,
            end: utc(&w.end).ok_or_else(|| format!("has an end `{}` that is not a time", w.end))?,
        }
    };
    if !when.is_valid() {
        return Err(format!("ends ({}) before it starts ({})", w.end, w.start));
    }
    let updated_at = utc(&w.updated_at).ok_or_else(|| {
        format!(
            "has an `updated_at` that is not a time (`{}`)",
            w.updated_at
        )
    })?;
    if w.title.trim().is_empty() {
        return Err("has no title".to_owned());
    }
    let recurrence = w.recurrence.map(repeat).transpose()?;
    Ok(Reservation {
        id: ReservationId::new(w.id),
        resource: ResourceId::new(w.resource_id),
        level,
        parent: w.parent_id.map(ReservationId::new),
        content: Content {
            title: w.title,
            when,
            time_zone: w.time_zone,
            organisation: w.organisation,
            description: w.description,
        },
        status,
        version: w.version,
        updated_at,
        recurrence,
        tag: w.external_ref.filter(|r| !r.is_empty()).map(LinkId::new),
    })
}

/// The repeat rule with its exception dates sorted and each once (a vendor that lists a date
/// twice still means one skipped occurrence).
fn repeat(r: WireRecurrence) -> Result<Repeat, String> {
    let mut exdates = Vec::new();
    for text in r.exdates.unwrap_or_default() {
        let day = date(&text).ok_or_else(|| {
            format!("has a skipped occurrence `{text}` that is not a date (YYYY-MM-DD)")
        })?;
        exdates.push(day);
    }
    exdates.sort();
    exdates.dedup();
    Ok(Repeat {
        rrule: r.rrule,
        exdates,
    })
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Any RFC 3339 offset is read (the contract says UTC, but a vendor sending `+01:00` still
/// means one instant).
fn utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Longest problem text from the booking system that goes into a message.
const MAX_DETAIL: usize = 600;

/// `: <detail> (field: message; …).` from a problem document, or `.` when there is none.
pub fn problem_text(body: &str) -> String {
    let problem: WireProblem = serde_json::from_str(body).unwrap_or_default();
    let mut text = problem.detail.or(problem.title).unwrap_or_default();
    if !problem.errors.is_empty() {
        let fields: Vec<String> = problem
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        // The detail often repeats the field errors; show them once.
        let joined = fields.join("; ");
        if !text.contains(&joined) {
            text = if text.is_empty() {
                joined
            } else {
                format!("{text} ({joined})")
            };
        }
    }
    if text.chars().count() > MAX_DETAIL {
        text = text.chars().take(MAX_DETAIL).collect::<String>() + "…";
    }
    if text.is_empty() {
        ".".to_owned()
    } else {
        format!(": {text}")
    }
}

/// A `Retry-After` value as seconds or as an HTTP date (a date in the past is no wait).
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&Utc) - Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}
