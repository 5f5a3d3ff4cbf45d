//! Microsoft Graph's wire format and its conversion to `roombridge_core` types.
//!
//! Pure functions over response bodies, so the fixtures in `tests/fixtures/graph` can be fed to
//! them directly. Not a stable API: public only for the connector's tests.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use roombridge_core::i18n::{Lang, Words};
use roombridge_core::recurrence::{DayOfWeek, Pattern, Range, Series};
use roombridge_core::{CalendarEvent, Instance};
use roombridge_core::{Content, GraphEventId, LinkId, When};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{GraphRoom, GraphRoomList, zones};
use crate::{ConnectorError, ErrorKind, Rejected};

/// The MAPI named property RoomBridge tags its events with; the value is the link id.
pub const TAG_PROPERTY_ID: &str =
    "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name RoomBridgeLink";

/// The first body line that carries the booking organisation.
const ORGANISATION_PREFIX: &str = "Organisation: ";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDateTime {
    date_time: String,
    time_zone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBody {
    content_type: Option<String>,
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEmailAddress {
    name: Option<String>,
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRecipient {
    email_address: Option<WireEmailAddress>,
}

#[derive(Debug, Deserialize)]
struct WireProperty {
    id: String,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    id: String,
    subject: Option<String>,
    body: Option<WireBody>,
    start: WireDateTime,
    end: WireDateTime,
    is_all_day: Option<bool>,
    original_start_time_zone: Option<String>,
    organizer: Option<WireRecipient>,
    change_key: Option<String>,
    #[serde(rename = "@odata.etag")]
    etag: Option<String>,
    #[serde(default)]
    single_value_extended_properties: Vec<WireProperty>,
    last_modified_date_time: Option<chrono::DateTime<chrono::Utc>>,
    is_organizer: Option<bool>,
    #[serde(default)]
    attendees: Vec<Value>,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    #[serde(rename = "type")]
    kind: Option<String>,
    series_master_id: Option<String>,
    original_start: Option<chrono::DateTime<chrono::Utc>>,
}

/// One page of `calendarView/delta`, read.
#[derive(Debug, Default)]
pub struct DeltaPage {
    pub next_link: Option<String>,
    pub delta_link: Option<String>,
    pub events: Vec<CalendarEvent>,
    /// Occurrences as delta sends them: without subject, organizer, body or `originalStart`,
    /// to be completed from their series master ([`complete_occurrence`]).
    pub bare: Vec<BareOccurrence>,
    pub removed: Vec<GraphEventId>,
    pub rejected: Vec<Rejected>,
}

/// An occurrence of a series as `calendarView/delta` reports it on real tenants: only `id`,
/// `type`, `seriesMasterId`, `start`, `end` and `@odata.etag` (microsoft-graph-docs issue 7632).
#[derive(Debug, Clone)]
pub struct BareOccurrence {
    pub id: GraphEventId,
    pub master: GraphEventId,
    /// The occurrence's own etag: a new one means the series changed since it was last seen.
    pub etag: String,
    fields: serde_json::Map<String, Value>,
}

/// Properties of a series master that are the master's own, not its occurrences'.
const MASTER_ONLY: &[&str] = &[
    "@odata.context",
    "@odata.etag",
    "id",
    "type",
    "seriesMasterId",
    "originalStart",
    "recurrence",
    "changeKey",
    "start",
    "end",
    "transactionId",
    "webLink",
];

/// An occurrence completed from its series `master` (a `GET …/events/{seriesMasterId}`
/// answer): the master's subject, body, organizer, zone and all-day flag with the occurrence's
/// own id, times and etag. A plain occurrence (not an exception) is where the pattern put it, so
/// its `originalStart` is its start: for an all-day one, midnight of its date in the series'
/// zone. Fails with a message when the two do not fit together.
pub fn complete_occurrence(
    bare: &BareOccurrence,
    master: &Value,
    zone_hint: Tz,
) -> Result<CalendarEvent, String> {
    let mut fields = master
        .as_object()
        .cloned()
        .ok_or_else(|| format!("the series of Outlook event {} cannot be read", bare.id))?;
    for key in MASTER_ONLY {
        fields.remove(*key);
    }
    fields.extend(bare.fields.clone());
    let w: WireEvent = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| format!("Outlook event {} cannot be read: {e}", bare.id))?;
    let original_start = if w.is_all_day.unwrap_or(false) {
        let zone = event_zone(&w, zone_hint);
        let date = local_date_time(&w.start)?.date();
        local_to_utc(midnight(date), zone)
    } else {
        instant(&w.start, zone_hint)?
    };
    fields.insert(
        "originalStart".into(),
        json!(original_start.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    event_from_value(Value::Object(fields), zone_hint)
}

/// Reads a delta page. Items that cannot be read become [`Rejected`] entries; only a body that
/// is not a delta page at all fails.
pub fn parse_delta_page(body: &str, zone_hint: Tz) -> Result<DeltaPage, ConnectorError> {
    let v: Value = serde_json::from_str(body).map_err(|e| unreadable("delta page", e))?;
    let items = v.get("value").and_then(Value::as_array).ok_or_else(|| {
        ConnectorError::new(
            ErrorKind::Permanent,
            "Graph sent a delta page without a value list",
        )
    })?;
    let mut page = DeltaPage {
        next_link: v
            .get("@odata.nextLink")
            .and_then(Value::as_str)
            .map(str::to_owned),
        delta_link: v
            .get("@odata.deltaLink")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..DeltaPage::default()
    };
    for item in items {
        let id = item.get("id").and_then(Value::as_str);
        if item.get("@removed").is_some() {
            match id {
                Some(id) => page.removed.push(GraphEventId::new(id)),
                None => page.rejected.push(Rejected {
                    id: None,
                    message: "Graph reported a removed event without an id".into(),
                }),
            }
            continue;
        }
        // calendarView/delta reports occurrences and exceptions, each with its own id; a
        // series master carries no times of its own to sync, so one that slips in is skipped.
        let kind = item.get("type").and_then(Value::as_str);
        if kind == Some("seriesMaster") {
            continue;
        }
        if kind == Some("occurrence") && item.get("originalStart").is_none() {
            match bare_occurrence(item) {
                Ok(bare) => page.bare.push(bare),
                Err(message) => page.rejected.push(Rejected {
                    id: id.map(str::to_owned),
                    message,
                }),
            }
            continue;
        }
        match event_from_value(item.clone(), zone_hint) {
            Ok(e) => page.events.push(e),
            Err(message) => page.rejected.push(Rejected {
                id: id.map(str::to_owned),
                message,
            }),
        }
    }
    Ok(page)
}

fn bare_occurrence(item: &Value) -> Result<BareOccurrence, String> {
    let fields = item.as_object().cloned().unwrap_or_default();
    let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").ok_or("Graph reported an occurrence without an id")?;
    let master = text("seriesMasterId").ok_or_else(|| {
        format!("Outlook event {id} is an occurrence of a series but names no seriesMasterId")
    })?;
    Ok(BareOccurrence {
        id: GraphEventId::new(&id),
        master: GraphEventId::new(&master),
        etag: text("@odata.etag").unwrap_or_default(),
        fields,
    })
}

/// Reads a single event (a create, get or update answer).
pub fn parse_event(body: &str, zone_hint: Tz) -> Result<CalendarEvent, ConnectorError> {
    // Straight into the wire type; only an event that does not fit it is read again as any
    // JSON, for a message that names it.
    let read = match serde_json::from_str::<WireEvent>(body) {
        Ok(w) => event_from_wire(w, zone_hint),
        Err(_) => {
            let v: Value = serde_json::from_str(body).map_err(|e| unreadable("event", e))?;
            event_from_value(v, zone_hint)
        }
    };
    read.map_err(|m| ConnectorError::new(ErrorKind::Permanent, m))
}

/// The RoomBridge link tag in an event read with `$expand=singleValueExtendedProperties(...)`.
pub fn parse_tag(body: &str) -> Result<Option<LinkId>, ConnectorError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Tagged {
        #[serde(default)]
        single_value_extended_properties: Vec<WireProperty>,
    }
    let t: Tagged = serde_json::from_str(body).map_err(|e| unreadable("event", e))?;
    Ok(tag_in(&t.single_value_extended_properties))
}

fn tag_in(props: &[WireProperty]) -> Option<LinkId> {
    props
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(TAG_PROPERTY_ID))
        .and_then(|p| p.value.as_deref())
        .map(LinkId::new)
}

fn unreadable(what: &str, e: serde_json::Error) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Permanent,
        format!("Graph sent an unreadable {what}: {e}"),
    )
}

fn event_from_value(v: Value, zone_hint: Tz) -> Result<CalendarEvent, String> {
    let id_hint = v
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(no id)")
        .to_owned();
    let w: WireEvent = serde_json::from_value(v)
        .map_err(|e| format!("Outlook event {id_hint} cannot be read: {e}"))?;
    event_from_wire(w, zone_hint)
}

fn event_from_wire(w: WireEvent, zone_hint: Tz) -> Result<CalendarEvent, String> {
    let content = content_of(&w, zone_hint)
        .map_err(|m| format!("Outlook event {} cannot be read: {m}", w.id))?;
    let version = w.change_key.clone().or_else(|| {
        w.etag
            .as_deref()
            .map(|e| e.trim_start_matches("W/").trim_matches('"').to_owned())
    });
    let organizer_name = w
        .organizer
        .as_ref()
        .and_then(|o| o.email_address.as_ref())
        .and_then(|a| a.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let subject_is_organizer = organizer_name.is_some_and(|name| content.title.trim() == name);
    let body_is_empty = w
        .body
        .as_ref()
        .and_then(|b| b.content.as_deref())
        .is_none_or(|text| html_to_text(text).trim().is_empty());
    Ok(CalendarEvent {
        id: GraphEventId::new(&w.id),
        content,
        version,
        tag: tag_in(&w.single_value_extended_properties),
        subject_is_organizer,
        body_is_empty,
        modified: w.last_modified_date_time,
        has_attendees: !w.attendees.is_empty(),
        is_organizer: w.is_organizer.unwrap_or(true),
        instance: instance_of(&w)?,
    })
}

/// Where an occurrence or exception sits in its series. One that names no master or original
/// start cannot be matched to its occurrence, so it is refused rather than taken as a single
/// event.
fn instance_of(w: &WireEvent) -> Result<Option<Instance>, String> {
    let exception = match w.kind.as_deref() {
        Some("occurrence") => false,
        Some("exception") => true,
        _ => return Ok(None),
    };
    match (&w.series_master_id, w.original_start) {
        (Some(master), Some(original_start)) => Ok(Some(Instance {
            master: GraphEventId::new(master),
            original_start,
            exception,
        })),
        _ => Err(format!(
            "Outlook event {} is part of a series but names no seriesMasterId or originalStart",
            w.id
        )),
    }
}

/// The event's own zone: where Outlook shows it, and where its all-day dates are midnights.
/// Desktop Outlook can write a custom zone (`tzone://Microsoft/Custom`) that names no zone at
/// all; such an event, or one in a zone nobody knows, is read in the room's zone rather than
/// refused.
fn event_zone(w: &WireEvent, zone_hint: Tz) -> Tz {
    let named = w
        .original_start_time_zone
        .as_deref()
        .or(w.start.time_zone.as_deref())
        .map(str::trim);
    match named {
        Some(name) if name.eq_ignore_ascii_case("tzone://Microsoft/Utc") => chrono_tz::UTC,
        Some(name) => zones::to_iana(name, zone_hint).unwrap_or(zone_hint),
        None => zone_hint,
    }
}

fn content_of(w: &WireEvent, zone_hint: Tz) -> Result<Content, String> {
    let zone = event_zone(w, zone_hint);
    let when = if w.is_all_day.unwrap_or(false) {
        // Graph sends all-day events midnight to midnight whatever zone `Prefer` asked for
        // ("by design", microsoft-graph-docs issue 1802): the dates are the dates, never
        // converted between zones.
        When::AllDay {
            start: local_date_time(&w.start)
                .map_err(|m| format!("start: {m}"))?
                .date(),
            end: local_date_time(&w.end)
                .map_err(|m| format!("end: {m}"))?
                .date(),
        }
    } else {
        When::Timed {
            start: instant(&w.start, zone_hint).map_err(|m| format!("start: {m}"))?,
            end: instant(&w.end, zone_hint).map_err(|m| format!("end: {m}"))?,
        }
    };
    if !when.is_valid() {
        return Err("its end is not after its start".into());
    }
    let text = match &w.body {
        Some(b)
            if b.content_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("html")) =>
        {
            html_to_text(b.content.as_deref().unwrap_or_default())
        }
        Some(b) => b.content.clone().unwrap_or_default(),
        None => String::new(),
    };
    let (organisation, description) = match split_organisation(&text) {
        Some((org, rest)) => (org, rest),
        None => {
            let from = w.organizer.as_ref().and_then(|o| o.email_address.as_ref());
            let name = from
                .and_then(|a| a.name.clone().filter(|n| !n.trim().is_empty()))
                .or_else(|| from.and_then(|a| a.address.clone()))
                .unwrap_or_default();
            (name, text)
        }
    };
    Ok(Content {
        title: w.subject.clone().unwrap_or_default(),
        when,
        time_zone: zone.name().to_owned(),
        organisation,
        description,
    })
}

/// A `dateTimeTimeZone`'s wall time, without its zone.
fn local_date_time(d: &WireDateTime) -> Result<NaiveDateTime, String> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(d.date_time.trim(), f).ok())
        .ok_or_else(|| format!("'{}' is not a date and time", d.date_time))
}

/// A `dateTimeTimeZone` as an instant.
fn instant(d: &WireDateTime, zone_hint: Tz) -> Result<DateTime<Utc>, String> {
    let local = local_date_time(d)?;
    let name = d.time_zone.as_deref().unwrap_or("UTC");
    let zone =
        zones::to_iana(name, zone_hint).ok_or_else(|| format!("unknown time zone '{name}'"))?;
    Ok(local_to_utc(local, zone))
}

/// Wall time in `zone` to UTC: the earlier instant when ambiguous, the first after a gap.
/// A wall time with no instant near it (at the end of chrono's range) is read as UTC.
fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let mut t = local;
    for _ in 0..4 {
        match zone.from_local_datetime(&t) {
            chrono::LocalResult::Single(x) | chrono::LocalResult::Ambiguous(x, _) => {
                return x.with_timezone(&Utc);
            }
            chrono::LocalResult::None => {
                match t.checked_add_signed(chrono::Duration::minutes(30)) {
                    Some(later) => t = later,
                    None => break,
                }
            }
        }
    }
    local.and_utc()
}

/// `Organisation: X` + blank line + description, as RoomBridge writes bodies.
fn split_organisation(text: &str) -> Option<(String, String)> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim_start();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let org = first.strip_prefix(ORGANISATION_PREFIX)?.trim().to_owned();
    let rest = rest.strip_prefix('\n').unwrap_or(rest);
    Some((org, rest.to_owned()))
}

/// The body text RoomBridge writes for `content`.
pub fn body_text(content: &Content) -> String {
    if content.organisation.trim().is_empty() {
        content.description.clone()
    } else if content.description.trim().is_empty() {
        format!("{ORGANISATION_PREFIX}{}", content.organisation.trim())
    } else {
        format!(
            "{ORGANISATION_PREFIX}{}\n\n{}",
            content.organisation.trim(),
            content.description
        )
    }
}

/// A rough HTML-to-text conversion for bodies Outlook wrote (we ask for text, but a server may
/// ignore the preference).
fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut s = html.to_owned();
    if let (Some(a), Some(b)) = (lower.find("<head"), lower.find("</head>"))
        && b > a
    {
        s.replace_range(a..b + "</head>".len(), "");
    }
    let mut out = String::new();
    let mut tag: Option<String> = None;
    for c in s.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(t), '>') => {
                let t = t.to_ascii_lowercase();
                if t.starts_with("br")
                    || t.starts_with("/p")
                    || t.starts_with("/div")
                    || t.starts_with("/tr")
                {
                    out.push('\n');
                }
                tag = None;
            }
            (Some(t), c) => t.push(c),
            (None, c) => out.push(c),
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}

/// Outlook's subject line holds at most 255 characters.
pub const MAX_SUBJECT_CHARS: usize = 255;
/// A Microsoft Graph request is at most 4 MB; a description is kept well below that.
pub const MAX_BODY_CHARS: usize = 1_000_000;

/// Refuses content Outlook cannot take, as an error for this item alone that says what to fix
/// (a reservation with a megabyte of title must not reach Outlook, nor fail there unexplained).
fn check_sizes(content: &Content) -> Result<(), ConnectorError> {
    let title = content.title.chars().count();
    if title > MAX_SUBJECT_CHARS {
        return Err(ConnectorError::new(
            ErrorKind::Permanent,
            format!(
                "The title is {title} characters long; Outlook takes at most {MAX_SUBJECT_CHARS}. Shorten it in the booking system."
            ),
        ));
    }
    let body = body_text(content).chars().count();
    if body > MAX_BODY_CHARS {
        return Err(ConnectorError::new(
            ErrorKind::Permanent,
            format!(
                "The description is {body} characters long; RoomBridge writes at most {MAX_BODY_CHARS} to Outlook. Shorten it in the booking system."
            ),
        ));
    }
    Ok(())
}

/// The JSON body that writes `content` (subject, body, start, end, isAllDay). All-day events are
/// midnights in the content's zone; timed events are written in that zone's wall time so
/// Outlook users see the room's local time.
pub fn event_fields(content: &Content) -> Result<serde_json::Map<String, Value>, ConnectorError> {
    check_sizes(content)?;
    let zone: Option<Tz> = content.time_zone.trim().parse().ok();
    let (start, end, zone_name) = match (&content.when, zone) {
        (When::AllDay { start, end }, Some(z)) => {
            (midnight(*start), midnight(*end), zone_name_for(z))
        }
        (When::AllDay { .. }, None) => {
            return Err(ConnectorError::new(
                ErrorKind::Permanent,
                format!(
                    "An all-day reservation needs a known time zone; '{}' is not one",
                    content.time_zone
                ),
            ));
        }
        // A wall time the clocks show twice (the autumn fold) cannot say which of the two
        // instants it means: such an event is written in UTC, which always can.
        (When::Timed { start, end }, Some(z))
            if !(plain_local(*start, z) && plain_local(*end, z)) =>
        {
            (start.naive_utc(), end.naive_utc(), "UTC".to_owned())
        }
        (When::Timed { start, end }, Some(z)) => (
            start.with_timezone(&z).naive_local(),
            end.with_timezone(&z).naive_local(),
            zone_name_for(z),
        ),
        (When::Timed { start, end }, None) => {
            (start.naive_utc(), end.naive_utc(), "UTC".to_owned())
        }
    };
    let fmt = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut m = serde_json::Map::new();
    m.insert("subject".into(), json!(content.title));
    m.insert(
        "body".into(),
        json!({"contentType": "text", "content": body_text(content)}),
    );
    m.insert(
        "start".into(),
        json!({"dateTime": fmt(start), "timeZone": zone_name}),
    );
    m.insert(
        "end".into(),
        json!({"dateTime": fmt(end), "timeZone": zone_name}),
    );
    m.insert(
        "isAllDay".into(),
        json!(matches!(content.when, When::AllDay { .. })),
    );
    Ok(m)
}

/// The JSON body that creates `content` as a RoomBridge event: [`event_fields`] plus busy,
/// the idempotency key as `transactionId` and the link tag.
pub fn create_fields(
    content: &Content,
    link: &LinkId,
    idempotency_key: &str,
) -> Result<serde_json::Map<String, Value>, ConnectorError> {
    let mut fields = event_fields(content)?;
    fields.insert("showAs".into(), json!("busy"));
    fields.insert("transactionId".into(), json!(idempotency_key));
    fields.insert(
        "singleValueExtendedProperties".into(),
        json!([{"id": TAG_PROPERTY_ID, "value": link.as_str()}]),
    );
    Ok(fields)
}

/// The JSON body that creates a RoomBridge series: [`create_fields`] for its first occurrence
/// (`content`) plus the `patternedRecurrence`. The tag goes on the master; Outlook shows it on
/// every instance.
pub fn series_fields(
    content: &Content,
    series: &Series,
    link: &LinkId,
    idempotency_key: &str,
) -> Result<serde_json::Map<String, Value>, ConnectorError> {
    let mut fields = create_fields(content, link, idempotency_key)?;
    fields.insert("recurrence".into(), recurrence(series));
    Ok(fields)
}

/// A [`Series`] as Graph's `patternedRecurrence`: only the properties its pattern and range
/// type use.
pub fn recurrence(series: &Series) -> Value {
    let days = |days: &[DayOfWeek]| json!(days);
    let pattern = match &series.pattern {
        Pattern::Daily { interval } => json!({"type": "daily", "interval": interval}),
        Pattern::Weekly {
            interval,
            days_of_week,
            first_day_of_week,
        } => json!({
            "type": "weekly",
            "interval": interval,
            "daysOfWeek": days(days_of_week),
            "firstDayOfWeek": first_day_of_week,
        }),
        Pattern::AbsoluteMonthly {
            interval,
            day_of_month,
        } => json!({"type": "absoluteMonthly", "interval": interval, "dayOfMonth": day_of_month}),
        Pattern::RelativeMonthly {
            interval,
            days_of_week,
            index,
        } => json!({
            "type": "relativeMonthly",
            "interval": interval,
            "daysOfWeek": days(days_of_week),
            "index": index,
        }),
        Pattern::AbsoluteYearly {
            interval,
            month,
            day_of_month,
        } => json!({
            "type": "absoluteYearly",
            "interval": interval,
            "month": month,
            "dayOfMonth": day_of_month,
        }),
        Pattern::RelativeYearly {
            interval,
            month,
            days_of_week,
            index,
        } => json!({
            "type": "relativeYearly",
            "interval": interval,
            "month": month,
            "daysOfWeek": days(days_of_week),
            "index": index,
        }),
    };
    let zone = zone_name_for(series.zone);
    let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let range = match series.range {
        Range::EndDate { start, end } => json!({
            "type": "endDate",
            "startDate": date(start),
            "endDate": date(end),
            "recurrenceTimeZone": zone,
        }),
        Range::NoEnd { start } => json!({
            "type": "noEnd",
            "startDate": date(start),
            "recurrenceTimeZone": zone,
        }),
        Range::Numbered { start, occurrences } => json!({
            "type": "numbered",
            "startDate": date(start),
            "numberOfOccurrences": occurrences,
            "recurrenceTimeZone": zone,
        }),
    };
    json!({"pattern": pattern, "range": range})
}

/// Whether `t`'s wall time in `zone` names `t` alone (not a time the clocks show twice).
fn plain_local(t: DateTime<Utc>, zone: Tz) -> bool {
    matches!(
        zone.from_local_datetime(&t.with_timezone(&zone).naive_local()),
        chrono::LocalResult::Single(_)
    )
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

/// The zone name to write: Graph's native Windows name when it reads back as the same IANA zone
/// (so all-day content, whose hash includes the zone, survives the round trip), else the IANA
/// name, which Graph also accepts.
fn zone_name_for(zone: Tz) -> String {
    match zones::to_windows(zone.name()) {
        Some(w) if zones::to_iana(w, zone) == Some(zone) => w.to_owned(),
        _ => zone.name().to_owned(),
    }
}

/// Reads one page of `/places/microsoft.graph.room` (or of a room list's rooms).
pub fn parse_rooms_page(body: &str) -> Result<(Vec<GraphRoom>, Option<String>), ConnectorError> {
    let (places, next) = parse_places_page(body, "room list")?;
    let rooms = places
        .into_iter()
        .map(|(email, display_name)| GraphRoom {
            email,
            display_name,
        })
        .collect();
    Ok((rooms, next))
}

/// Reads one page of `/places/microsoft.graph.roomlist`.
pub fn parse_room_lists_page(
    body: &str,
) -> Result<(Vec<GraphRoomList>, Option<String>), ConnectorError> {
    let (places, next) = parse_places_page(body, "room list page")?;
    let lists = places
        .into_iter()
        .map(|(email, display_name)| GraphRoomList {
            email,
            display_name,
        })
        .collect();
    Ok((lists, next))
}

/// One page of a listing and the next page's link.
pub type Page<T> = (Vec<T>, Option<String>);

/// Places with a mailbox (email, display name) and the next page's link.
fn parse_places_page(body: &str, what: &str) -> Result<Page<(String, String)>, ConnectorError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Place {
        email_address: Option<String>,
        display_name: Option<String>,
    }
    #[derive(Deserialize)]
    struct Page {
        value: Vec<Place>,
        #[serde(rename = "@odata.nextLink")]
        next_link: Option<String>,
    }
    let page: Page = serde_json::from_str(body).map_err(|e| unreadable(what, e))?;
    let places = page
        .value
        .into_iter()
        // A place without a mailbox cannot be synced or expanded; skip it.
        .filter_map(|p| {
            let email = p.email_address.filter(|e| !e.trim().is_empty())?;
            Some((p.display_name.unwrap_or_else(|| email.clone()), email))
        })
        .map(|(name, email)| (email, name))
        .collect();
    Ok((places, page.next_link))
}

/// A Graph error body's `code` and `message`, if it is one.
pub fn error_code(body: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?;
    let code = e.get("code").and_then(Value::as_str)?.to_owned();
    let message = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some((code, message))
}

/// Classifies a failed Graph answer by status, error code and `Retry-After`.
pub fn classify(status: u16, retry_after: Option<&str>, body: &str) -> ConnectorError {
    let (code, message) =
        error_code(body).unwrap_or_else(|| (String::new(), body.chars().take(200).collect()));
    let is_code = |c: &str| code.eq_ignore_ascii_case(c);
    let kind = if status == 410 || is_code("syncStateNotFound") || is_code("resyncRequired") {
        ErrorKind::Resync
    } else if status == 412 || (status == 409 && is_code("ErrorIrresolvableConflict")) {
        ErrorKind::Stale
    } else if status == 401 || status == 403 {
        ErrorKind::Auth
    } else if status == 429 || status >= 500 {
        ErrorKind::Transient {
            retry_after: retry_after.and_then(parse_retry_after),
        }
    } else {
        ErrorKind::Permanent
    };
    if status == 404 && is_code("ErrorInvalidUser") {
        // The mailbox, not an item, is missing: nothing about any event follows from it.
        return ConnectorError::new(
            ErrorKind::Permanent,
            format!(
                "the room's mailbox does not exist in the tenant, or has no Exchange licence; check the mailbox address in the room's mapping (HTTP 404, {code}: {message})"
            ),
        )
        .with_status(status)
        .with_code(code);
    }
    let what = match &kind {
        ErrorKind::Resync => "the delta cursor has expired; the room will be read again in full",
        ErrorKind::Stale => "the event changed in Outlook since RoomBridge read it",
        ErrorKind::Auth => {
            "the application is not allowed to do this; check its Calendars.ReadWrite permission and the application access policy for this mailbox"
        }
        ErrorKind::Transient { .. } => {
            "Microsoft Graph is busy or unavailable; RoomBridge will retry"
        }
        ErrorKind::Permanent => "Microsoft Graph refused the request",
    };
    let detail = if code.is_empty() {
        message
    } else {
        format!("{code}: {message}")
    };
    let error =
        ConnectorError::new(kind, format!("{what} (HTTP {status}, {detail})")).with_status(status);
    if code.is_empty() {
        error
    } else {
        error.with_code(code)
    }
}

/// The longest `Retry-After` taken as it is. Longer waits are read as this one: still far
/// beyond any call's wait bound (so the call gives up at once), and a `Duration` that can be
/// added to an instant or another wait without overflowing.
pub const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` as seconds (Graph sends fractions such as `2.128`) or an HTTP date, at most
/// [`LONGEST_RETRY_AFTER`]. `None` for a value that is neither, or a negative number.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(LONGEST_RETRY_AFTER.as_secs_f64())));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(LONGEST_RETRY_AFTER))
}

/// What went wrong at the token endpoint, in words that say what to fix. `description` is
/// Entra ID's `error_description`, which names AADSTS codes and never echoes the secret.
/// The AADSTS code decides when there is one (the same code arrives under different `error`
/// values); the OAuth `error` is the fallback.
pub fn token_error(error: &str, description: Option<&str>, client_id: &str) -> ConnectorError {
    let description = description.unwrap_or_default();
    // Entra ID appends trace ids and a timestamp; the first sentence is the useful part.
    let reason = description
        .split(" Trace ID:")
        .next()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    let fix = match aadsts_code(description).as_deref() {
        Some("7000215") => Words::new("entra.secret_wrong").arg("client", client_id),
        Some("7000222") => Words::new("entra.secret_expired").arg("client", client_id),
        Some("7000218") => Words::new("entra.secret_missing"),
        Some("700016") => Words::new("entra.app_not_found").arg("client", client_id),
        Some("90002") | Some("900023") => Words::new("entra.tenant_not_found"),
        Some("7000112") => Words::new("entra.app_disabled").arg("client", client_id),
        Some("700027") => Words::new("entra.certificate_unverified").arg("client", client_id),
        Some("700024") => Words::new("entra.certificate_not_valid_now"),
        Some("70011") => Words::new("entra.scope_rejected"),
        Some("53003") => Words::new("entra.conditional_access"),
        _ => match error {
            "invalid_client" => Words::new("entra.credentials_rejected").arg("client", client_id),
            "unauthorized_client" => {
                Words::new("entra.app_not_registered").arg("client", client_id)
            }
            "invalid_scope" => Words::new("entra.scope_rejected"),
            "invalid_request" => Words::new("entra.request_refused").arg("client", client_id),
            "temporarily_unavailable" | "server_error" => {
                return ConnectorError::new(
                    ErrorKind::Transient { retry_after: None },
                    format!("Entra ID is temporarily unavailable ({reason})"),
                );
            }
            _ => Words::new("entra.sign_in_failed").arg("error", error),
        },
    };
    let message = format!("{} ({reason})", fix.say(Lang::En));
    ConnectorError::new(ErrorKind::Auth, message).with_fix(fix)
}

/// The number of the first `AADSTS<digits>` code in an Entra ID error description.
fn aadsts_code(description: &str) -> Option<String> {
    let at = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// Reads an Entra ID error body (token-error-*.json).
pub fn parse_token_error(body: &str, client_id: &str) -> ConnectorError {
    #[derive(Deserialize)]
    struct TokenErrorBody {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_str::<TokenErrorBody>(body) {
        Ok(e) => token_error(&e.error, e.error_description.as_deref(), client_id),
        Err(_) => ConnectorError::new(
            ErrorKind::Transient { retry_after: None },
            "The token endpoint sent an answer RoomBridge cannot read",
        ),
    }
}

/// Reads a successful token answer (token-response.json): the access token and its lifetime.
pub fn parse_token_response(body: &str) -> Result<(String, Option<Duration>), ConnectorError> {
    use oauth2::TokenResponse;
    let r: oauth2::basic::BasicTokenResponse =
        serde_json::from_str(body).map_err(|e| unreadable("token answer", e))?;
    Ok((r.access_token().secret().clone(), r.expires_in()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event that does not fit the wire type is named in the message; what is not JSON at
    /// all says so.
    #[test]
    fn an_unreadable_event_is_named() {
        let zone = chrono_tz::Europe::Oslo;
        let odd = r#"{"id": "AAMk-1", "subject": 7}"#;
        let e = parse_event(odd, zone).unwrap_err();
        assert!(
            e.message.contains("Outlook event AAMk-1 cannot be read"),
            "{}",
            e.message
        );
        let e = parse_event("<html>", zone).unwrap_err();
        assert!(e.message.contains("unreadable event"), "{}", e.message);
    }

    /// Found by the fuzzer (`crates/fuzz`, target `graph`): `Duration::from_secs_f64` panics
    /// beyond `u64::MAX` seconds, so a `Retry-After: 18446744073709551616` crashed the call.
    #[test]
    fn retry_after_beyond_durations_range_is_a_long_wait_not_a_panic() {
        for value in ["18446744073709551616", "1e20", "1.7976931348623157e308"] {
            let wait = parse_retry_after(value).expect("a number of seconds");
            assert_eq!(wait, LONGEST_RETRY_AFTER, "{value}");
        }
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 +0000"),
            Some(LONGEST_RETRY_AFTER)
        );
    }

    /// Found by the fuzzer (target `graph`, minimised by hand): the last wall time chrono
    /// knows, in a zone west of UTC, has no instant; stepping past it to look for the end of
    /// a DST gap overflowed `NaiveDateTime`.
    #[test]
    fn a_wall_time_at_the_end_of_chronos_range_west_of_utc_is_read_not_a_panic() {
        let body = r#"{"id": "e1",
            "start": {"dateTime": "+262142-12-31T23:59:59", "timeZone": "Pacific Standard Time"},
            "end": {"dateTime": "+262142-12-31T23:59:59", "timeZone": "UTC"}}"#;
        // Start and end are the same wall time read in zones 8 hours apart: refused as an
        // event that does not end after it starts, like any other.
        let error = parse_event(body, chrono_tz::UTC).expect_err("end is not after start");
        assert!(
            error.message.contains("its end is not after its start"),
            "{error}"
        );
    }
}
