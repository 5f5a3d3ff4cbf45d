//! PorticoEstate (Aktiv kommune) as a booking side: a snapshot source (it has no change feed),
//! signed in with a session, writing events only. What its API does, and where in its sources,
//! is in `docs/design/porticoestate-integration.md`.
//!
//! - **Sessions**: a form login gives a session id; every call carries it in the query with
//!   `api_mode=1` (so a lapsed session is a 401, not a redirect to a login page) and the same
//!   User-Agent (sessions are bound to it). [`Booking::keep_alive`] refreshes it between reads;
//!   a 401 signs in again once; the password lives in memory as a [`Secret`] and in the OS
//!   keyring only.
//! - **Reading**: a resource's schedule in the window (allocations, bookings, events; active
//!   ones only) becomes reservations with ids `allocation-N`, `booking-N`, `event-N`; a
//!   booking's parent is its allocation. The engine derives the changes
//!   (`roombridge_core::snapshot`).
//! - **Times** are local wall-clock times in Europe/Oslo both ways: PorticoEstate drops any
//!   offset it is sent, so RoomBridge sends local times.
//! - **Writing**: events only (create, update, cancel by `toggle-active`). Allocations belong to
//!   the season planning and no route writes a booking; RoomBridge does not change them.
//!
//! - **Marking**: PorticoEstate keeps no external id and drops the `source` it requires, so an
//!   event RoomBridge creates carries a marker in its description (`[roombridge:<link id in
//!   hex>]`, which PorticoEstate's HTML purifier leaves alone). The schedule does not show
//!   descriptions: [`Booking::tag_of`] reads a new event once by id, so that a create whose
//!   answer a crash lost is re-linked instead of copied a second time.
//! - **Capabilities**: events only ([`Booking::capabilities`]); the planner never plans a write
//!   to an allocation or a booking.

pub mod webhooks;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use roombridge_core::capability::Capabilities;
use roombridge_core::content::{Content, When};
use roombridge_core::reservation::{Level, ReservationStatus};
use roombridge_core::{LinkId, Reservation, ReservationId, ResourceId, Secret, SyncWindow};
use serde_json::{Value, json};
use url::Url;

use crate::{
    Booking, BookingChanges, ConnectorError, ErrorKind, Rejected, Resource, Snapshot, Source,
};

mod access;
pub use access::{Access, Right};

/// The zone PorticoEstate's installations run in; its times carry no zone.
const ZONE: chrono_tz::Tz = chrono_tz::Europe::Oslo;

/// The one User-Agent every call sends: a session only works for the client that made it.
const USER_AGENT: &str = concat!("RoomBridge/", env!("CARGO_PKG_VERSION"));

pub struct PorticoConnector {
    http: reqwest::Client,
    base: Url,
    login: String,
    password: Secret,
    session: tokio::sync::Mutex<Option<String>>,
}

fn error(kind: ErrorKind, message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(kind, message)
}

fn transient(message: impl Into<String>) -> ConnectorError {
    error(ErrorKind::Transient { retry_after: None }, message)
}

impl PorticoConnector {
    /// A connector for the installation at `base_url` (where `/login` and `/booking/...` are),
    /// signing in as `login`. The address must be `https`, or `http` to this computer only:
    /// the password must not cross a network in clear text.
    pub fn new(base_url: Url, login: &str, password: Secret) -> Result<Self, ConnectorError> {
        let loopback = match base_url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        let secure = base_url.scheme() == "https" || (base_url.scheme() == "http" && loopback);
        if !secure || base_url.cannot_be_a_base() {
            return Err(error(
                ErrorKind::Permanent,
                format!(
                    "{base_url} cannot be used: PorticoEstate's address must start with https:// (the password would otherwise cross the network unencrypted)."
                ),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| transient(format!("cannot make an HTTP client: {e}")))?;
        Ok(PorticoConnector {
            http,
            base: base_url,
            login: login.to_owned(),
            password,
            session: tokio::sync::Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        url
    }

    /// Signs in: form fields only (PorticoEstate reads no JSON here); every refusal is a 404.
    async fn sign_in(&self) -> Result<String, ConnectorError> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("login", &self.login)
            .append_pair("passwd", self.password.expose())
            .append_pair("logindomain", "default")
            .finish();
        let answer = self
            .http
            .post(self.url("/login"))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| {
                transient(format!(
                    "PorticoEstate could not be reached to sign in: {e}"
                ))
            })?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        match (status, body["session_id"].as_str()) {
            (StatusCode::OK, Some(id)) if !id.is_empty() => Ok(id.to_owned()),
            // PorticoEstate refuses with 404 and a `msg`; a 404 without one is another server.
            (StatusCode::NOT_FOUND, _) if body["msg"].is_string() => Err(error(
                ErrorKind::Auth,
                format!(
                    "PorticoEstate refused to sign in {:?}: {}. Check the user name and password in Settings.",
                    self.login,
                    body["msg"]
                        .as_str()
                        .filter(|m| !m.is_empty())
                        .unwrap_or("no reason given")
                ),
            )),
            (status, _) if status.is_server_error() => Err(transient(format!(
                "PorticoEstate failed while signing in (HTTP {status})."
            ))
            .with_status(status.as_u16())),
            (status, _) => Err(error(
                ErrorKind::Permanent,
                format!(
                    "PorticoEstate answered the sign-in with HTTP {status}; is the address that of its API?"
                ),
            )),
        }
    }

    async fn session(&self, renew: bool) -> Result<String, ConnectorError> {
        let mut session = self.session.lock().await;
        if renew {
            *session = None;
        }
        if let Some(id) = session.as_ref() {
            return Ok(id.clone());
        }
        let id = self.sign_in().await?;
        *session = Some(id.clone());
        Ok(id)
    }

    /// One call with the session, signing in again once if it lapsed. Answers the JSON body.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, ConnectorError> {
        for attempt in 0..2 {
            let session = self.session(attempt > 0).await?;
            let mut url = self.url(path);
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in query {
                    pairs.append_pair(k, v);
                }
                pairs.append_pair("sessionphpgwsessid", &session);
                pairs.append_pair("api_mode", "1");
            }
            let mut request = self.http.request(method.clone(), url);
            if let Some(body) = body {
                request = request.json(body);
            }
            let answer = request.send().await.map_err(|e| {
                transient(format!(
                    "PorticoEstate could not be reached while {what}: {e}"
                ))
            })?;
            let status = answer.status();
            let text = answer.text().await.unwrap_or_default();
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            let json: Option<Value> = serde_json::from_str(&text).ok();
            let reason = json
                .as_ref()
                .and_then(|j| j["error"].as_str().or(j["msg"].as_str()).map(str::to_owned))
                .unwrap_or_default();
            let details = json
                .as_ref()
                .map(|j| match &j["details"] {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "),
                    _ => String::new(),
                })
                .unwrap_or_default();
            return match status {
                s if s.is_success() => json.ok_or_else(|| {
                    // PorticoEstate answers an error inside it with an HTML page and 200.
                    transient(format!(
                        "PorticoEstate answered {what} with a page instead of data (an error inside PorticoEstate)."
                    ))
                    .with_status(s.as_u16())
                }),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(error(
                    ErrorKind::Auth,
                    format!(
                        "PorticoEstate did not allow {what} ({reason}). Give the user {:?} the booking rights to read and to add and edit events.",
                        self.login
                    ),
                )
                .with_status(status.as_u16())),
                // Another event holds the time: one RoomBridge had not read yet (its reading
                // is stale). The next reading shows it, and the planner makes the clash a
                // double-booking conflict like any other.
                StatusCode::CONFLICT => Err(error(
                    ErrorKind::Stale,
                    format!(
                        "PorticoEstate refused {what}: the room is already booked then ({details}). \
                         It is a double booking"
                    ),
                )
                .with_status(409)),
                s if s.is_server_error() => Err(transient(format!(
                    "PorticoEstate failed while {what} (HTTP {s}: {reason})."
                ))
                .with_status(s.as_u16())),
                s => Err(error(
                    ErrorKind::Permanent,
                    format!("PorticoEstate refused {what} (HTTP {s}: {reason}{}).", if details.is_empty() { String::new() } else { format!(": {details}") }),
                )
                .with_status(s.as_u16())),
            };
        }
        Err(error(
            ErrorKind::Auth,
            format!("PorticoEstate's session lapsed again right after signing in while {what}."),
        ))
    }
}

/// The marker an event RoomBridge creates carries in its description, naming its link.
fn marker(link: &LinkId) -> String {
    format!("{MARKER}{}]", hex::encode(link.as_str()))
}

const MARKER: &str = "[roombridge:";

/// The link a description's marker names, if it has one.
fn marked(description: &str) -> Option<LinkId> {
    let start = description.rfind(MARKER)? + MARKER.len();
    let hex = &description[start..start + description[start..].find(']')?];
    let bytes = hex::decode(hex).ok().filter(|b| !b.is_empty())?;
    String::from_utf8(bytes).ok().map(LinkId::new)
}

/// An event's description as RoomBridge writes it: Outlook's text, then the marker.
fn described(content: &Content, link: &LinkId) -> String {
    let text = content.description.trim();
    if text.is_empty() {
        marker(link)
    } else {
        format!("{text}\n\n{}", marker(link))
    }
}

/// PorticoEstate's integer id of a resource.
fn resource_number(resource: &ResourceId) -> Result<i64, ConnectorError> {
    resource.as_str().parse().map_err(|_| {
        error(
            ErrorKind::Permanent,
            format!("{resource} is not a PorticoEstate resource id (they are numbers)."),
        )
    })
}

/// The event number behind a reservation id `event-N`, or why RoomBridge may not write it.
fn event_number(id: &ReservationId) -> Result<i64, ConnectorError> {
    id.as_str()
        .strip_prefix("event-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            error(
                ErrorKind::Permanent,
                format!(
                    "RoomBridge changes only events in PorticoEstate; {id} is an allocation or a booking, which belong to the season planning."
                ),
            )
        })
}

/// A time PorticoEstate sent (ISO with the Oslo offset, or naive local time).
fn read_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(roombridge_core::localtime::resolve(naive, ZONE).instant)
}

/// A time as PorticoEstate takes it: Oslo wall-clock time, no offset.
fn write_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The local times an event is written with; an all-day Outlook event becomes midnight to
/// midnight in Oslo.
fn event_times(content: &Content) -> (String, String) {
    let (start, end) = content.instants(ZONE);
    (write_time(start), write_time(end))
}

/// Text as PorticoEstate stored it, unescaped: its sanitiser turns `; ( ) = --` into numeric
/// entities and then escapes HTML on top, and its schedule decodes only the outer layer, so
/// entities are decoded until none is left (at most three layers).
fn unescape(text: &str) -> String {
    let mut current = text.to_owned();
    for _ in 0..3 {
        let next = decode_entities(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let decoded = after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let c = match &after[1..end] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                entity => entity
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    // PorticoEstate writes `--` as two minus signs (U+2212).
                    .map(|c| if c == '\u{2212}' { '-' } else { c }),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A reservation's content as PorticoEstate's schedule shows it: a title, times in Oslo, an
/// organisation for allocations and bookings, and no description (the schedule shows none
/// for events RoomBridge makes). What RoomBridge writes is reported in this shape too, so that
/// reading it back is no change.
fn read_back(
    title: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    organisation: String,
) -> Content {
    Content {
        title,
        when: When::Timed { start, end },
        time_zone: ZONE.name().to_owned(),
        organisation,
        description: String::new(),
    }
}

/// `content` as it will read back once written as an event.
fn as_written(content: &Content) -> Content {
    let (start, end) = content.instants(ZONE);
    read_back(content.title.trim().to_owned(), start, end, String::new())
}

/// One schedule row as a reservation, or why it cannot be read.
fn reservation_of(
    row: &Value,
    resource: &ResourceId,
    read_at: DateTime<Utc>,
) -> Result<Reservation, Rejected> {
    let kind = row["type"].as_str().unwrap_or_default();
    let number = row["id"].as_i64();
    let reject = |why: &str| Rejected {
        id: number.map(|n| format!("{kind}-{n}")),
        message: format!("A PorticoEstate {kind} could not be read: {why}."),
    };
    let number = number.ok_or_else(|| reject("it has no id"))?;
    let level = match kind {
        "allocation" => Level::Allocation,
        "booking" => Level::Booking,
        "event" => Level::Event,
        other => {
            return Err(reject(&format!(
                "its type {other:?} is not allocation, booking or event"
            )));
        }
    };
    let (Some(start), Some(end)) = (
        row["from_"].as_str().and_then(read_time),
        row["to_"].as_str().and_then(read_time),
    ) else {
        return Err(reject("its times are not times"));
    };
    if end <= start {
        return Err(reject("it ends before it starts"));
    }
    let text = |key: &str| unescape(row[key].as_str().unwrap_or_default());
    let (title, organisation) = match level {
        Level::Allocation => (text("organization_name"), text("organization_name")),
        Level::Booking => (text("group_name"), text("group_name")),
        _ => (text("name"), String::new()),
    };
    let parent = match level {
        Level::Booking => row["allocation_id"]
            .as_i64()
            .map(|a| ReservationId::new(format!("allocation-{a}"))),
        _ => None,
    };
    Ok(Reservation {
        id: ReservationId::new(format!("{kind}-{number}")),
        resource: resource.clone(),
        level,
        parent,
        content: read_back(title, start, end, organisation),
        status: ReservationStatus::Active,
        version: 0,
        updated_at: read_at,
        recurrence: None,
        tag: None,
    })
}

/// An event as RoomBridge knows it after writing it (PorticoEstate keeps no versions).
fn event(
    id: ReservationId,
    resource: ResourceId,
    content: Content,
    status: ReservationStatus,
    tag: Option<LinkId>,
) -> Reservation {
    Reservation {
        id,
        resource,
        level: Level::Event,
        parent: None,
        content,
        status,
        version: 0,
        updated_at: Utc::now(),
        recurrence: None,
        tag,
    }
}

/// The (first) resource of an event as PorticoEstate serialises it.
fn resource_of(event: &Value) -> ResourceId {
    ResourceId::new(
        event["resources"][0]
            .as_i64()
            .map(|r| r.to_string())
            .unwrap_or_default(),
    )
}

fn date_in_oslo(t: DateTime<Utc>) -> NaiveDate {
    ZONE.from_utc_datetime(&t.naive_utc()).date_naive()
}

#[async_trait]
impl Booking for PorticoConnector {
    async fn resources(&self) -> Result<Vec<Resource>, ConnectorError> {
        let mut all = Vec::new();
        for _ in 0..1000 {
            let page = self
                .call(
                    Method::GET,
                    "/booking/resources",
                    &[("start", all.len().to_string()), ("results", "100".into())],
                    None,
                    "listing the resources",
                )
                .await?;
            let rows = page["results"].as_array().cloned().unwrap_or_default();
            let total = page["total_records"].as_u64().unwrap_or(0) as usize;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                if let (Some(id), Some(name)) = (row["id"].as_i64(), row["name"].as_str())
                    && !all
                        .iter()
                        .any(|r: &Resource| r.id.as_str() == id.to_string())
                {
                    all.push(Resource {
                        id: ResourceId::new(id.to_string()),
                        name: name.to_owned(),
                        kind: "room".into(),
                        email: None,
                        time_zone: ZONE.name().to_owned(),
                    });
                }
            }
            if all.len() >= total {
                break;
            }
        }
        Ok(all)
    }

    fn source(&self) -> Source {
        Source::Snapshot
    }

    /// Events only; a write keeps a title and Oslo times ([`as_written`]).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            writable: &[Level::Event],
            stores: as_written,
        }
    }

    async fn snapshot(
        &self,
        resource: &ResourceId,
        window: SyncWindow,
    ) -> Result<Snapshot, ConnectorError> {
        let number = resource_number(resource)?;
        let rows = self
            .call(
                Method::GET,
                &format!("/booking/resources/{number}/schedule"),
                &[
                    ("start_date", date_in_oslo(window.start).to_string()),
                    ("end_date", date_in_oslo(window.end).to_string()),
                ],
                None,
                &format!("reading the schedule of resource {number}"),
            )
            .await?;
        let Some(rows) = rows.as_array() else {
            return Err(transient(format!(
                "PorticoEstate's schedule of resource {number} is not a list."
            )));
        };
        let now = Utc::now();
        let mut snapshot = Snapshot::default();
        for row in rows {
            match reservation_of(row, resource, now) {
                Ok(r) => snapshot.reservations.push(r),
                Err(rejected) => snapshot.rejected.push(rejected),
            }
        }
        Ok(snapshot)
    }

    /// `GET /refreshsession` resets the session's idle clock; a session that lapsed anyway is
    /// dropped, and the next call signs in again.
    async fn keep_alive(&self) -> Result<(), ConnectorError> {
        let mut session = self.session.lock().await;
        let Some(id) = session.clone() else {
            return Ok(());
        };
        let mut url = self.url("/refreshsession");
        url.query_pairs_mut().append_pair("sessionphpgwsessid", &id);
        let answer = self.http.get(url).send().await.map_err(|e| {
            transient(format!(
                "PorticoEstate could not be reached to keep the session alive: {e}"
            ))
        })?;
        if answer.status() == StatusCode::UNAUTHORIZED {
            *session = None;
        }
        Ok(())
    }

    async fn tag_of(&self, reservation: &ReservationId) -> Result<Option<LinkId>, ConnectorError> {
        // Only events can be RoomBridge's.
        let Some(number) = reservation
            .as_str()
            .strip_prefix("event-")
            .and_then(|n| n.parse::<i64>().ok())
        else {
            return Ok(None);
        };
        match self
            .call(
                Method::GET,
                &format!("/booking/events/{number}"),
                &[],
                None,
                &format!("reading event {number}"),
            )
            .await
        {
            Ok(event) => Ok(event["description"].as_str().and_then(marked)),
            // Gone since the schedule listed it: it carries nothing to re-link.
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn changes(
        &self,
        _resource: &ResourceId,
        _cursor: Option<&str>,
    ) -> Result<BookingChanges, ConnectorError> {
        Err(error(
            ErrorKind::Permanent,
            "PorticoEstate has no change feed; it is read by snapshots.",
        ))
    }

    async fn create_reservation(
        &self,
        resource: &ResourceId,
        content: &Content,
        link: &LinkId,
        _idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError> {
        let number = resource_number(resource)?;
        let (from, to) = event_times(content);
        let body = json!({
            "title": content.title,
            "from_": from,
            "to_": to,
            "source": "roombridge",
            "contact_name": "RoomBridge",
            "description": described(content, link),
        });
        let answer = self
            .call(
                Method::POST,
                &format!("/booking/resources/{number}/events"),
                &[],
                Some(&body),
                &format!("creating \"{}\" in resource {number}", content.title),
            )
            .await?;
        let id = answer["id"]
            .as_i64()
            .ok_or_else(|| transient("PorticoEstate created an event but did not say its id."))?;
        Ok(event(
            ReservationId::new(format!("event-{id}")),
            resource.clone(),
            as_written(content),
            ReservationStatus::Active,
            Some(link.clone()),
        ))
    }

    async fn update_reservation(
        &self,
        id: &ReservationId,
        _version: i64,
        content: &Content,
    ) -> Result<Reservation, ConnectorError> {
        let number = event_number(id)?;
        let (from, to) = event_times(content);
        let mut body = json!({ "name": content.title, "from_": from, "to_": to });
        if !content.description.is_empty() {
            body["description"] = json!(content.description);
        }
        let answer = self
            .call(
                Method::PUT,
                &format!("/booking/events/{number}"),
                &[],
                Some(&body),
                &format!("updating event {number}"),
            )
            .await?;
        Ok(event(
            id.clone(),
            resource_of(&answer["event"]),
            as_written(content),
            ReservationStatus::Active,
            None,
        ))
    }

    async fn create_override(
        &self,
        _resource: &ResourceId,
        parent: &ReservationId,
        _content: &Content,
        _link: &LinkId,
        _idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError> {
        Err(error(
            ErrorKind::Permanent,
            format!("PorticoEstate has no recurring reservations to override ({parent})."),
        ))
    }

    async fn skip_occurrence(
        &self,
        id: &ReservationId,
        _version: i64,
        _date: NaiveDate,
    ) -> Result<Reservation, ConnectorError> {
        Err(error(
            ErrorKind::Permanent,
            format!("PorticoEstate has no recurring reservations to skip an occurrence of ({id})."),
        ))
    }

    async fn cancel_reservation(
        &self,
        id: &ReservationId,
        _version: i64,
        _note: &str,
    ) -> Result<Reservation, ConnectorError> {
        let number = event_number(id)?;
        // `active` is always sent: without it PorticoEstate flips the flag, so a retry would
        // bring the event back.
        let answer = self
            .call(
                Method::PATCH,
                &format!("/booking/events/{number}/toggle-active"),
                &[],
                Some(&json!({ "active": 0 })),
                &format!("cancelling event {number}"),
            )
            .await?;
        let cancelled = &answer["event"];
        let resource = resource_of(cancelled);
        let start = cancelled["from_"].as_str().and_then(read_time);
        let end = cancelled["to_"].as_str().and_then(read_time);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(transient(format!(
                "PorticoEstate cancelled event {number} but its answer has no times."
            )));
        };
        let content = read_back(
            unescape(cancelled["name"].as_str().unwrap_or_default()),
            start,
            end,
            String::new(),
        );
        Ok(event(
            id.clone(),
            resource,
            content,
            ReservationStatus::Cancelled,
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_names_its_link_and_survives_text_around_it() {
        let link = LinkId::new("c:AAMkAGI2T/+x=_-@2026-12-03");
        let description = described(
            &Content {
                description: "Agenda: [draft] & budget".into(),
                ..read_back("Board".into(), Utc::now(), Utc::now(), String::new())
            },
            &link,
        );
        assert!(description.starts_with("Agenda: [draft] & budget\n\n[roombridge:"));
        assert_eq!(marked(&description), Some(link.clone()));
        // PorticoEstate's purifier escapes `&` and keeps the rest.
        assert_eq!(marked(&description.replace('&', "&amp;")), Some(link));
        assert_eq!(marked("no marker"), None);
        assert_eq!(marked("[roombridge:zz]"), None);
        assert_eq!(marked("[roombridge:6"), None);
    }
}
