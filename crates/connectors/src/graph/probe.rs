//! What the tenant doctor asks Microsoft Graph, besides what syncing asks: a sign-in alone, a
//! plain `calendarView` of any mailbox (a room's, or a person's to see whether the
//! application's scope reaches too far), and a short tagged **probe event** written to a room
//! to see what the room's calendar processing does to it.
//!
//! The probe carries RoomBridge's tag ([`wire::TAG_PROPERTY_ID`]) with a value that is no
//! link id (`doctor-probe:…`), so RoomBridge never takes it for a reservation, and the doctor
//! places it outside every sync window.

use chrono::{DateTime, Utc};
use reqwest::Method;
use roombridge_core::{GraphEventId, Mailbox, SyncWindow};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Body, Call, GraphConnector, wire};
use crate::{ConnectorError, ErrorKind};

/// The subject of a probe event: what a person who sees it in Outlook reads.
pub const PROBE_SUBJECT: &str = "RoomBridge probe – safe to delete";

/// The body of a probe event.
pub const PROBE_BODY: &str = "RoomBridge's tenant check wrote this event to see what this \
room does to new events, and deletes it a few seconds later. If it is still here, delete it.";

/// The prefix of a probe's tag value; what follows is unique per probe.
pub const PROBE_TAG_PREFIX: &str = "doctor-probe:";

/// One event of a `calendarView`, as much as the doctor needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewedEvent {
    pub id: GraphEventId,
    pub subject: String,
    /// The organizer's address, lower case, when Graph names one.
    pub organizer: Option<String>,
    /// The mailbox read organises the event (Graph `isOrganizer`).
    pub is_organizer: bool,
}

/// A probe event as Graph answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeEvent {
    pub id: GraphEventId,
    pub subject: String,
    /// The body as text.
    pub body: String,
    /// Graph's `changeKey`: a new one means the mailbox changed the event.
    pub version: Option<String>,
    /// The probe's tag value, when the answer carries it (only reads that expand it).
    pub tag: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAddress {
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOrganizer {
    email_address: Option<WireAddress>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBody {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireProperty {
    id: String,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireItem {
    id: String,
    subject: Option<String>,
    organizer: Option<WireOrganizer>,
    is_organizer: Option<bool>,
    body: Option<WireBody>,
    change_key: Option<String>,
    #[serde(default)]
    single_value_extended_properties: Vec<WireProperty>,
}

#[derive(Deserialize)]
struct WireView {
    value: Vec<WireItem>,
}

fn unreadable(what: &str, e: serde_json::Error) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Permanent,
        format!("Graph sent an unreadable {what}: {e}"),
    )
}

impl WireItem {
    fn viewed(self) -> ViewedEvent {
        ViewedEvent {
            id: GraphEventId::new(&self.id),
            subject: self.subject.unwrap_or_default(),
            organizer: self
                .organizer
                .and_then(|o| o.email_address)
                .and_then(|a| a.address)
                .map(|a| a.trim().to_lowercase())
                .filter(|a| !a.is_empty()),
            is_organizer: self.is_organizer.unwrap_or(false),
        }
    }

    fn probe(self) -> ProbeEvent {
        let tag = self
            .single_value_extended_properties
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(wire::TAG_PROPERTY_ID))
            .and_then(|p| p.value.clone());
        ProbeEvent {
            id: GraphEventId::new(&self.id),
            subject: self.subject.unwrap_or_default(),
            body: self
                .body
                .and_then(|b| b.content)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            version: self.change_key,
            tag,
        }
    }
}

/// Reads one page of a `calendarView` answer.
pub fn parse_view(body: &str) -> Result<Vec<ViewedEvent>, ConnectorError> {
    let view: WireView = serde_json::from_str(body).map_err(|e| unreadable("calendar view", e))?;
    Ok(view.value.into_iter().map(WireItem::viewed).collect())
}

/// Reads a probe event (a create or a get answer).
pub fn parse_probe(body: &str) -> Result<ProbeEvent, ConnectorError> {
    let item: WireItem = serde_json::from_str(body).map_err(|e| unreadable("event", e))?;
    Ok(item.probe())
}

/// The JSON body that creates a probe from `start` to `end` (UTC) tagged `tag`: free time, no
/// reminder, `transactionId` so that a retried create makes no second probe.
pub fn probe_fields(start: DateTime<Utc>, end: DateTime<Utc>, tag: &str) -> Value {
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    json!({
        "subject": PROBE_SUBJECT,
        "body": {"contentType": "text", "content": PROBE_BODY},
        "start": {"dateTime": at(start), "timeZone": "UTC"},
        "end": {"dateTime": at(end), "timeZone": "UTC"},
        "isAllDay": false,
        "showAs": "free",
        "isReminderOn": false,
        "transactionId": tag,
        "singleValueExtendedProperties": [{"id": wire::TAG_PROPERTY_ID, "value": tag}],
    })
}

impl GraphConnector {
    /// Signs in (fetches an access token, or uses the cached one). Fails with
    /// [`ErrorKind::Auth`] when Entra ID refuses the application's credentials, or
    /// [`ErrorKind::Transient`] when it cannot be reached.
    pub async fn sign_in(&self) -> Result<(), ConnectorError> {
        self.tokens.token(&self.http).await.map(|_| ())
    }

    /// The first `top` events (at most 1,000) of `mailbox`'s calendar that overlap `window`
    /// (`GET /users/{mailbox}/calendarView`), in start order. Fails with the answer's status:
    /// 403 ([`ErrorKind::Auth`]) when the mailbox is outside the application's scope, 404 when
    /// no such mailbox exists.
    pub async fn calendar_view(
        &self,
        mailbox: &Mailbox,
        window: SyncWindow,
        top: u32,
    ) -> Result<Vec<ViewedEvent>, ConnectorError> {
        let mut url = self.windowed(&["users", mailbox.as_str(), "calendarView"], window)?;
        url.query_pairs_mut()
            .append_pair("$top", &top.clamp(1, 1000).to_string());
        let body = self
            .send(Call::new(Method::GET, url, mailbox.as_str()))
            .await?;
        parse_view(&body)
    }

    /// Writes a probe event to `mailbox` from `start` to `end`, tagged `tag` (which should
    /// start with [`PROBE_TAG_PREFIX`]). Answers the event as created, before the mailbox had
    /// a chance to change it.
    pub async fn create_probe(
        &self,
        mailbox: &Mailbox,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        tag: &str,
    ) -> Result<ProbeEvent, ConnectorError> {
        let fields = probe_fields(start, end, tag);
        let url = self.url(&["users", mailbox.as_str(), "events"])?;
        let mut call = Call::new(Method::POST, url, mailbox.as_str());
        call.body = Some(Body::Tree(&fields));
        // Graph answers a repeated transactionId with the probe the first attempt made.
        call.idempotent = true;
        let body = self.send(call).await?;
        let mut probe = parse_probe(&body)?;
        // Graph does not return extended properties on create; we know what we sent.
        probe.tag = Some(tag.to_owned());
        Ok(probe)
    }

    /// Reads probe `id` in `mailbox` as it is now, with its tag.
    pub async fn read_probe(
        &self,
        mailbox: &Mailbox,
        id: &GraphEventId,
    ) -> Result<ProbeEvent, ConnectorError> {
        let mut url = self.event_url(mailbox, id)?;
        url.query_pairs_mut().append_pair(
            "$expand",
            &format!(
                "singleValueExtendedProperties($filter=id eq '{}')",
                wire::TAG_PROPERTY_ID
            ),
        );
        let body = self
            .send(Call::new(Method::GET, url, mailbox.as_str()))
            .await?;
        parse_probe(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_probe_is_free_time_without_a_reminder_tagged_with_its_own_value() {
        let start = Utc.with_ymd_and_hms(2025, 8, 1, 3, 0, 0).unwrap();
        let fields = probe_fields(
            start,
            start + chrono::Duration::minutes(5),
            "doctor-probe:x",
        );
        assert_eq!(fields["subject"], PROBE_SUBJECT);
        assert_eq!(fields["showAs"], "free");
        assert_eq!(fields["isReminderOn"], false);
        assert_eq!(fields["transactionId"], "doctor-probe:x");
        assert_eq!(
            fields["start"],
            json!({"dateTime": "2025-08-01T03:00:00", "timeZone": "UTC"})
        );
        assert_eq!(
            fields["singleValueExtendedProperties"],
            json!([{"id": wire::TAG_PROPERTY_ID, "value": "doctor-probe:x"}])
        );
    }

    #[test]
    fn a_calendar_view_names_each_events_organizer_in_lower_case() {
        let view = parse_view(
            r#"{"value": [
                {"id": "a", "subject": "Staff meeting", "isOrganizer": false,
                 "organizer": {"emailAddress": {"name": "Kari", "address": "Kari.Nordmann@Nordvik.example"}}},
                {"id": "b", "subject": null, "organizer": {"emailAddress": {"name": "x"}}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            view[0].organizer.as_deref(),
            Some("kari.nordmann@nordvik.example")
        );
        assert!(!view[0].is_organizer);
        assert_eq!(
            (view[1].subject.as_str(), view[1].organizer.clone()),
            ("", None)
        );
    }

    #[test]
    fn a_read_probe_carries_its_body_text_change_key_and_tag() {
        let probe = parse_probe(&format!(
            r#"{{"id": "p", "subject": "Town Hall", "changeKey": "ck2",
                "body": {{"contentType": "text", "content": "  "}},
                "singleValueExtendedProperties": [{{"id": "{}", "value": "doctor-probe:1"}}]}}"#,
            wire::TAG_PROPERTY_ID
        ))
        .unwrap();
        assert_eq!(probe.body, "");
        assert_eq!(probe.version.as_deref(), Some("ck2"));
        assert_eq!(probe.tag.as_deref(), Some("doctor-probe:1"));
    }
}
