//! The HTTP routes of the Graph emulator.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use super::correlation::RequestIds;
use super::recurrence::{Recurrence, Series};
use super::state::{
    DeltaEntry, MailboxState, Occurrence, PAGE_LIFETIME, ParkedPage, PendingRound, RenderOptions,
    Reply, Store, StoredEvent, graph_instant, new_change_key, new_event_id, new_ical_uid,
    render_delta_item, render_event, to_utc,
};
use super::{
    AccessScope, CalendarProcessing, EmulatedMailbox, EmulatedPerson, MailboxKind, lock, schema,
    zones,
};

/// What the handlers know that does not change.
pub struct Settings {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    pub token_lifetime: Duration,
    /// `http://127.0.0.1:PORT/v1.0`
    pub base: String,
    pub mailboxes: Vec<EmulatedMailbox>,
    pub people: Vec<EmulatedPerson>,
    pub scope: AccessScope,
    /// The application has `Place.Read.All`.
    pub place_read_all: bool,
    /// Every room mailbox rewrites subjects to the organizer's name, whatever its own
    /// calendar processing says.
    pub rewrite_every_room: bool,
    /// How long after an event lands in a mailbox its calendar processing changes it.
    pub rewrite_after: Duration,
}

impl Settings {
    /// The calendar processing events that land in mailbox `key` get.
    fn processing_of(&self, key: &str) -> CalendarProcessing {
        let Some(m) = self
            .mailboxes
            .iter()
            .find(|m| m.email.eq_ignore_ascii_case(key))
        else {
            // People's mailboxes have no calendar processing.
            return CalendarProcessing::NONE;
        };
        let every_room = if self.rewrite_every_room && m.kind == MailboxKind::Room {
            CalendarProcessing {
                delete_subject: true,
                add_organizer_to_subject: true,
                delete_comments: false,
            }
        } else {
            CalendarProcessing::NONE
        };
        m.processing.and(every_room)
    }
}

#[derive(Clone)]
pub struct App {
    pub store: Arc<Mutex<Store>>,
    pub settings: Arc<Settings>,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/v1.0/places/microsoft.graph.room", get(rooms))
        .route("/v1.0/places/microsoft.graph.roomlist", get(room_lists))
        .route(
            "/v1.0/places/{list}/microsoft.graph.roomlist/rooms",
            get(room_list_rooms),
        )
        .route("/v1.0/users/{mailbox}/events", post(create_event))
        .route(
            "/v1.0/users/{mailbox}/events/{id}",
            get(get_event).patch(patch_event).delete(delete_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/decline",
            post(decline_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/cancel",
            post(cancel_event),
        )
        .route(
            "/v1.0/users/{mailbox}/events/{id}/instances",
            get(list_instances),
        )
        .route("/v1.0/users/{mailbox}/calendarView/delta", get(delta))
        .route("/v1.0/users/{mailbox}/calendarView", get(calendar_view))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A Graph error answer: `{"error":{"code","message","innerError":{..}}}`. The `innerError`
/// names the request's `request-id` and `client-request-id`, the same the gateway puts in the
/// headers; a 401 carries `WWW-Authenticate` as Graph's do.
pub struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// A `Location` header: where a 410 sync reset starts over.
    location: Option<String>,
}

/// What Graph's 401s carry in `WWW-Authenticate` (RFC 6750 bearer challenge; the client id is
/// Graph's own application id).
const BEARER_CHALLENGE: &str = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";

impl GraphError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            location: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub(crate) fn sync_state_not_found() -> Self {
        Self::new(
            StatusCode::GONE,
            "SyncStateNotFound",
            "The sync state generation is not found; the delta or skip token is unknown or has expired.",
        )
    }

    fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let ids = RequestIds::current();
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                }
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BEARER_CHALLENGE),
            );
        }
        if let Some(v) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, v);
        }
        response
    }
}

/// A method the route does not have (PUT on an event): 405 with a Graph error body, as Graph
/// answers it (observed: microsoft-graph-docs issue 20760).
async fn method_not_allowed() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "ErrorInvalidRequest",
        "The OData request is not supported.",
    )
}

/// Unknown paths: Graph answers 400 for a segment it does not know, not an empty 404.
async fn unknown_route(uri: axum::http::Uri) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{}'.", uri.path()),
    )
}

type GraphResult = Result<Response, GraphError>;

// ---------------------------------------------------------------------------------------------
// Token endpoint

/// An Entra ID error answer (token-error-*.json shape).
fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let now = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"),
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, Json(body)).into_response()
}

async fn token(
    State(app): State<App>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = &app.settings;
    if !tenant.eq_ignore_ascii_case(&s.tenant) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type. This emulator supports client_credentials only.",
        );
    }
    let client_id = form
        .get("client_id")
        .map(String::as_str)
        .unwrap_or_default();
    if client_id != s.client_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                s.tenant
            ),
        );
    }
    match form.get("client_secret") {
        None => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        Some(secret) if *secret != s.client_secret => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    s.client_id
                ),
            );
        }
        Some(_) => {}
    }
    let scope = form.get("scope").map(String::as_str).unwrap_or_default();
    if scope != "https://graph.microsoft.com/.default" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        );
    }
    let access_token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let lifetime =
        chrono::Duration::from_std(s.token_lifetime).unwrap_or(chrono::Duration::hours(1));
    lock(&app.store)
        .tokens
        .insert(access_token.clone(), Utc::now() + lifetime);
    Json(json!({
        "token_type": "Bearer",
        "expires_in": s.token_lifetime.as_secs(),
        "ext_expires_in": s.token_lifetime.as_secs(),
        "access_token": access_token,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Access checks

pub(crate) fn authorize(app: &App, headers: &HeaderMap) -> Result<(), GraphError> {
    let unauthorized =
        |m: &str| GraphError::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", m);
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized("Access token is empty."));
    };
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(unauthorized("Access token is empty."));
    };
    match lock(&app.store).tokens.get(token.trim()) {
        None => Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).",
        )),
        Some(expiry) if *expiry <= Utc::now() => Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )),
        Some(_) => Ok(()),
    }
}

/// Whether the request carries an access token the emulator issued and that has not expired.
pub(crate) fn has_valid_token(app: &App, headers: &HeaderMap) -> bool {
    authorize(app, headers).is_ok()
}

/// The mailbox key when the application may access it ([`directory_access`]).
fn mailbox_key(app: &App, mailbox: &str) -> Result<String, GraphError> {
    directory_access(&app.settings, mailbox)
}

/// Looks `mailbox` up in the tenant's directory as Exchange does: a resource mailbox is open
/// to the application; a person's mailbox only when the application's scope is the whole
/// tenant, else 403 `ErrorAccessDenied` (RBAC for Applications or an application access
/// policy keeps it out); an address nobody has is 404 `ErrorInvalidUser`, whatever the scope.
fn directory_access(settings: &Settings, mailbox: &str) -> Result<String, GraphError> {
    let key = mailbox.to_lowercase();
    let resource = settings
        .mailboxes
        .iter()
        .any(|m| m.email.eq_ignore_ascii_case(&key));
    let person = settings
        .people
        .iter()
        .any(|p| p.email.eq_ignore_ascii_case(&key));
    match (resource, person, settings.scope) {
        (true, _, _) | (false, true, AccessScope::Tenant) => Ok(key),
        (false, true, AccessScope::Resources) => Err(GraphError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )),
        (false, false, _) => Err(GraphError::new(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            format!("The requested user '{mailbox}' is invalid."),
        )),
    }
}

/// 403 for the places routes when the application lacks `Place.Read.All`.
fn places_allowed(app: &App) -> Result<(), GraphError> {
    if app.settings.place_read_all {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ))
    }
}

/// Shortest event id Exchange could have made: its ids are base64 of a binary entry id, far
/// longer than this (an id like `"285"` is refused as malformed).
const MIN_EVENT_ID_LEN: usize = 20;

/// Refuses an event id that cannot be one of Exchange's (400 `ErrorInvalidIdMalformed`), so
/// that only a well-formed id that names nothing is 404. Exchange ids are base64 (standard or
/// URL-safe alphabet) with at most two `=` of padding at the end.
fn check_event_id(id: &str) -> Result<(), GraphError> {
    let body = id.trim_end_matches('=');
    let well_formed = id.len() >= MIN_EVENT_ID_LEN
        && id.len() - body.len() <= 2
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'));
    if well_formed {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidIdMalformed",
            "Id is malformed.",
        ))
    }
}

/// `$select` of an event request: the properties to render besides `id`, if it names any.
fn selected(query: &HashMap<String, String>) -> Result<Option<Vec<&'static str>>, GraphError> {
    query
        .get("$select")
        .map(|list| schema::select(&schema::EVENT, list))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Prefer

#[derive(Default)]
struct Prefer {
    timezone: Option<String>,
    max_page_size: Option<usize>,
    text_body: bool,
    immutable_id: bool,
}

impl Prefer {
    fn read(headers: &HeaderMap) -> Prefer {
        let mut p = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for part in split_outside_quotes(value) {
                let (key, val) = match part.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim().trim_matches('"')),
                    None => (part.trim(), ""),
                };
                match key.to_ascii_lowercase().as_str() {
                    "outlook.timezone" => p.timezone = Some(val.to_owned()),
                    "odata.maxpagesize" => p.max_page_size = val.parse().ok().filter(|n| *n > 0),
                    "outlook.body-content-type" => p.text_body = val.eq_ignore_ascii_case("text"),
                    "idtype" => p.immutable_id = val.eq_ignore_ascii_case("ImmutableId"),
                    _ => {}
                }
            }
        }
        p
    }

    /// The zone to render in, if the client asked for one Graph knows.
    fn zone(&self) -> Option<&str> {
        self.timezone
            .as_deref()
            .filter(|z| zones::resolve(z).is_some())
    }

    /// `Preference-Applied` for what this request honoured.
    fn applied(&self, page_size: bool) -> Option<HeaderValue> {
        let mut parts = Vec::new();
        if let Some(z) = self.zone() {
            parts.push(format!("outlook.timezone=\"{z}\""));
        }
        if self.text_body {
            parts.push("outlook.body-content-type=\"text\"".to_owned());
        }
        if self.immutable_id {
            parts.push("IdType=\"ImmutableId\"".to_owned());
        }
        if page_size && let Some(n) = self.max_page_size {
            parts.push(format!("odata.maxpagesize={n}"));
        }
        if parts.is_empty() {
            None
        } else {
            HeaderValue::from_str(&parts.join(", ")).ok()
        }
    }
}

fn split_outside_quotes(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn with_applied(mut response: Response, prefer: &Prefer, page_size: bool) -> Response {
    if let Some(v) = prefer.applied(page_size) {
        response.headers_mut().insert("preference-applied", v);
    }
    response
}

/// The extended property ids asked for by
/// `$expand=singleValueExtendedProperties($filter=id eq '...')` (lower case).
fn expanded_ids(query: &HashMap<String, String>) -> Result<Option<Vec<String>>, GraphError> {
    let Some(expand) = query.get("$expand") else {
        return Ok(None);
    };
    let rest = expand
        .trim()
        .strip_prefix("singleValueExtendedProperties")
        .ok_or_else(|| {
            GraphError::bad_request(format!(
                "Could not find a property named '{expand}' on type 'microsoft.graph.event'."
            ))
        })?
        .trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            GraphError::bad_request(
                "$expand of singleValueExtendedProperties needs a $filter on id.",
            )
        })?;
    let filter = inner.trim().strip_prefix("$filter=").ok_or_else(|| {
        GraphError::bad_request("$expand of singleValueExtendedProperties needs a $filter on id.")
    })?;
    let mut ids = Vec::new();
    for clause in filter.split(" or ") {
        let id = clause
            .trim()
            .strip_prefix("id eq '")
            .and_then(|r| r.strip_suffix('\''))
            .ok_or_else(|| GraphError::bad_request(format!("Invalid filter clause: {clause}")))?;
        schema::check_extended_property_id(id)?;
        ids.push(id.to_lowercase());
    }
    Ok(Some(ids))
}

// ---------------------------------------------------------------------------------------------
// Places

/// Graph's page size for event collections without `$top`.
const DEFAULT_COLLECTION_PAGE: usize = 10;

/// `$top` and `$skip` of a places request (`$top` defaults to 100, as Graph's places pages).
fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), GraphError> {
    let top = match query.get("$top") {
        Some(t) => t
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| GraphError::bad_request(format!("Invalid $top value: {t}")))?,
        None => 100,
    };
    let skip = match query.get("$skip") {
        Some(s) => s
            .parse()
            .map_err(|_| GraphError::bad_request(format!("Invalid $skip value: {s}")))?,
        None => 0,
    };
    Ok((top, skip))
}

/// One page of a places collection, with a nextLink to `link` when more remain.
fn places_page(
    app: &App,
    context: &str,
    link: &str,
    all: Vec<Value>,
    (top, skip): (usize, usize),
) -> Response {
    let total = all.len();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#{context}", app.settings.base)),
    );
    if skip + top < total {
        body.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{}/{link}?$top={top}&$skip={}",
                app.settings.base,
                skip + top
            )),
        );
    }
    body.insert(
        "value".into(),
        Value::Array(all.into_iter().skip(skip).take(top).collect()),
    );
    Json(Value::Object(body)).into_response()
}

async fn rooms(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    places_allowed(&app)?;
    let page = paging(&query)?;
    let rooms: Vec<Value> = app
        .settings
        .mailboxes
        .iter()
        .filter(|m| m.kind == MailboxKind::Room)
        .map(place_json)
        .collect();
    Ok(places_page(
        &app,
        "places/microsoft.graph.room",
        "places/microsoft.graph.room",
        rooms,
        page,
    ))
}

/// The room lists: one per building of the room mailboxes, in the order the buildings first
/// appear, addressed `{building-slug}-rooms@{domain of its first room}`.
fn room_list_groups(mailboxes: &[EmulatedMailbox]) -> Vec<(String, String, Vec<&EmulatedMailbox>)> {
    let mut lists: Vec<(String, String, Vec<&EmulatedMailbox>)> = Vec::new();
    for m in mailboxes.iter().filter(|m| m.kind == MailboxKind::Room) {
        match lists.iter_mut().find(|(name, _, _)| *name == m.building) {
            Some((_, _, rooms)) => rooms.push(m),
            None => {
                let slug: String = m
                    .building
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                let domain = m.email.rsplit('@').next().unwrap_or("example.com");
                lists.push((
                    m.building.clone(),
                    format!("{slug}-rooms@{domain}"),
                    vec![m],
                ));
            }
        }
    }
    lists
}

async fn room_lists(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    places_allowed(&app)?;
    let page = paging(&query)?;
    let lists: Vec<Value> = room_list_groups(&app.settings.mailboxes)
        .into_iter()
        .map(|(name, email, _)| {
            json!({
                "id": place_id(&email),
                "displayName": name,
                "address": {
                    "street": "Rådhusgata 1",
                    "city": "Nordvik",
                    "state": "",
                    "postalCode": "8000",
                    "countryOrRegion": "Norway"
                },
                "geocoordinates": null,
                "phone": null,
                "emailAddress": email,
            })
        })
        .collect();
    Ok(places_page(
        &app,
        "places/microsoft.graph.roomList",
        "places/microsoft.graph.roomlist",
        lists,
        page,
    ))
}

async fn room_list_rooms(
    State(app): State<App>,
    Path(list): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    places_allowed(&app)?;
    let page = paging(&query)?;
    let (_, email, rooms) = room_list_groups(&app.settings.mailboxes)
        .into_iter()
        .find(|(_, email, _)| email.eq_ignore_ascii_case(&list))
        .ok_or_else(GraphError::not_found)?;
    let rooms: Vec<Value> = rooms.into_iter().map(place_json).collect();
    Ok(places_page(
        &app,
        &format!("places('{email}')/microsoft.graph.roomlist/rooms"),
        &format!("places/{email}/microsoft.graph.roomlist/rooms"),
        rooms,
        page,
    ))
}

/// A stable id per place, in the GUID style of places-rooms.json.
fn place_id(email: &str) -> String {
    let h = email.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xffff,
        (h >> 48) & 0xffff,
        h & 0xffff_ffff_ffff
    )
}

fn place_json(m: &EmulatedMailbox) -> Value {
    let id = place_id(&m.email);
    let nickname = m
        .display_name
        .rsplit(", ")
        .next()
        .unwrap_or(&m.display_name);
    json!({
        "id": id,
        "emailAddress": m.email,
        "displayName": m.display_name,
        "address": {
            "street": "Rådhusgata 1",
            "city": "Nordvik",
            "state": "",
            "postalCode": "8000",
            "countryOrRegion": "Norway"
        },
        "geoCoordinates": {"latitude": 67.28, "longitude": 14.40},
        "phone": "",
        "nickname": nickname,
        "label": nickname,
        // Edm.Int32 in the CSDL (the docs sample shows a string; the service sends a number).
        "capacity": m.capacity,
        "building": m.building,
        "floorNumber": 1,
        "isManaged": true,
        "isWheelchairAccessible": true,
        "bookingType": "standard",
        "tags": [],
        "audioDeviceName": null,
        "videoDeviceName": null,
        "displayDevice": null
    })
}

// ---------------------------------------------------------------------------------------------
// Events

fn parse_body(bytes: &Bytes) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
}

/// A `dateTimeTimeZone` from a request.
fn date_time_zone(v: &Value, field: &str) -> Result<(NaiveDateTime, String), GraphError> {
    let dt = v
        .get("dateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request(format!("{field}.dateTime is required.")))?;
    let local = parse_local(dt).ok_or_else(|| {
        GraphError::bad_request(format!(
            "Cannot convert the literal '{dt}' to the expected type 'Edm.DateTime'."
        ))
    })?;
    let zone = v.get("timeZone").and_then(Value::as_str).unwrap_or("UTC");
    if zones::resolve(zone).is_none() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "TimeZoneNotSupportedException",
            format!(
                "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."
            ),
        ));
    }
    Ok((local, zone.to_owned()))
}

fn string_field(body: &Map<String, Value>, key: &str) -> Result<Option<String>, GraphError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::bad_request(format!(
            "Property '{key}' must be a string."
        ))),
    }
}

/// Applies the writable fields of a POST or PATCH body to `e`.
fn apply(e: &mut StoredEvent, body: &Map<String, Value>) -> Result<(), GraphError> {
    if let Some(s) = string_field(body, "subject")? {
        e.subject = s;
    }
    if let Some(b) = body.get("body").filter(|b| !b.is_null()) {
        e.body_type = b
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("text")
            .to_lowercase();
        e.body = b
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    if let Some(v) = body.get("start") {
        (e.start, e.start_zone) = date_time_zone(v, "start")?;
        // New times in a named zone: that zone is the original one from now on.
        e.original_start_zone = None;
    }
    if let Some(v) = body.get("end") {
        (e.end, e.end_zone) = date_time_zone(v, "end")?;
        e.original_end_zone = None;
    }
    if let Some(v) = body.get("isAllDay") {
        e.is_all_day = v
            .as_bool()
            .ok_or_else(|| GraphError::bad_request("Property 'isAllDay' must be a boolean."))?;
    }
    for (key, slot) in [
        ("showAs", &mut e.show_as),
        ("importance", &mut e.importance),
        ("sensitivity", &mut e.sensitivity),
    ] {
        if let Some(s) = string_field(body, key)? {
            *slot = schema::canonical(&schema::EVENT, key, &s);
        }
    }
    if let Some(l) = body.get("location") {
        e.location = l
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }
    if let Some(Value::Array(c)) = body.get("categories") {
        e.categories = c.clone();
    }
    if let Some(Value::Array(a)) = body.get("attendees") {
        e.attendees = a
            .iter()
            .map(|a| {
                json!({
                    "type": a.get("type").and_then(Value::as_str).unwrap_or("required").to_lowercase(),
                    "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                    "emailAddress": a.get("emailAddress").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
    }
    if let Some(v) = body.get("isReminderOn").and_then(Value::as_bool) {
        e.is_reminder_on = v;
    }
    if let Some(v) = body
        .get("reminderMinutesBeforeStart")
        .and_then(Value::as_i64)
    {
        e.reminder_minutes = v;
    }
    if let Some(props) = body.get("singleValueExtendedProperties") {
        let props = props.as_array().ok_or_else(|| {
            GraphError::bad_request("singleValueExtendedProperties must be an array.")
        })?;
        for p in props {
            let (Some(id), Some(value)) = (
                p.get("id").and_then(Value::as_str),
                p.get("value").and_then(Value::as_str),
            ) else {
                return Err(GraphError::bad_request(
                    "An extended property needs a string id and value.",
                ));
            };
            match e
                .extended
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(id))
            {
                Some(slot) => slot.1 = value.to_owned(),
                None => e.extended.push((id.to_owned(), value.to_owned())),
            }
        }
    }
    let (start, end) = e.instants();
    if end < start {
        return Err(GraphError::bad_request(
            "The end of the event must not be before its start.",
        ));
    }
    if e.is_all_day {
        let midnight = |t: NaiveDateTime| t.time() == chrono::NaiveTime::MIN;
        if !midnight(e.start)
            || !midnight(e.end)
            || !e.start_zone.eq_ignore_ascii_case(&e.end_zone)
            || e.end <= e.start
        {
            return Err(GraphError::bad_request(
                "An all-day event's start and end must be midnights in the same time zone, and end after start.",
            ));
        }
    }
    Ok(())
}

fn entity_context(app: &App, mailbox: &str) -> Value {
    json!(format!(
        "{}/$metadata#users('{mailbox}')/events/$entity",
        app.settings.base
    ))
}

fn event_response(
    app: &App,
    status: StatusCode,
    e: &StoredEvent,
    mailbox: &str,
    prefer: &Prefer,
    expand: Option<Vec<String>>,
) -> Response {
    selected_event_response(app, status, e, mailbox, prefer, expand, None)
}

/// [`event_response`] with only the properties `select` names (`$select`), if any.
fn selected_event_response(
    app: &App,
    status: StatusCode,
    e: &StoredEvent,
    mailbox: &str,
    prefer: &Prefer,
    expand: Option<Vec<String>>,
    select: Option<&[&str]>,
) -> Response {
    let mut m = Map::new();
    m.insert("@odata.context".into(), entity_context(app, mailbox));
    m.extend(render_event(
        e,
        mailbox,
        &RenderOptions {
            zone: prefer.zone(),
            text_body: prefer.text_body,
            expand,
        },
    ));
    let mut m = Value::Object(m);
    if let Some(select) = select {
        m = schema::project(m, select);
    }
    let mut r = (status, Json(m)).into_response();
    if let Ok(v) = HeaderValue::from_str(&e.etag()) {
        r.headers_mut().insert(header::ETAG, v);
    }
    with_applied(r, prefer, false)
}

async fn create_event(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    let body = parse_body(&bytes)?;
    schema::check(&body, &schema::EVENT)?;
    let prefer = Prefer::read(&headers);
    let (status, e) = insert_event(&app, &key, &body, None)?;
    Ok(event_response(&app, status, &e, &key, &prefer, None))
}

/// Someone else's meeting that names the room as an attendee.
struct Invitation {
    organizer_name: String,
    organizer_address: String,
    /// Every room invited (display name, mailbox), each an attendee of every copy.
    rooms: Vec<(String, String)>,
    /// The meeting's `iCalUId`, one for the copies in all the rooms.
    ical_uid: String,
    /// What `originalStartTimeZone` / `originalEndTimeZone` say, when the invitation says.
    original_zones: (Option<String>, Option<String>),
}

/// Stores a new event (a series master with its occurrences when the body has a
/// `recurrence`) in mailbox `key`, organised by the mailbox itself or, for an invitation, by
/// someone else with the room among the attendees. Answers 201 and the new event, or 201 and
/// the first event for a repeated `transactionId`.
fn insert_event(
    app: &App,
    key: &str,
    body: &Map<String, Value>,
    invitation: Option<Invitation>,
) -> Result<(StatusCode, StoredEvent), GraphError> {
    let transaction = string_field(body, "transactionId")?;
    if !body.contains_key("start") || !body.contains_key("end") {
        return Err(GraphError::bad_request(
            "An event needs both start and end.",
        ));
    }
    let now = Utc::now();
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(key)
        .ok_or_else(GraphError::not_found)?;
    // A repeated create with the same transactionId is the same create: answer with the event
    // the first one made (Graph de-duplicates the same way).
    if let Some(existing) = transaction
        .as_ref()
        .and_then(|t| mb.transactions.get(t))
        .and_then(|id| mb.events.get(id))
    {
        return Ok((StatusCode::CREATED, existing.clone()));
    }
    let mut e = StoredEvent {
        id: new_event_id(),
        ical_uid: new_ical_uid(),
        created: now,
        last_modified: now,
        change_key: new_change_key(),
        transaction_id: transaction.clone(),
        subject: String::new(),
        body_type: "text".into(),
        body: String::new(),
        start: now.naive_utc(),
        start_zone: "UTC".into(),
        end: now.naive_utc(),
        end_zone: "UTC".into(),
        original_start_zone: None,
        original_end_zone: None,
        is_all_day: false,
        show_as: "busy".into(),
        importance: "normal".into(),
        sensitivity: "normal".into(),
        categories: Vec::new(),
        location: String::new(),
        attendees: Vec::new(),
        // Events created through the room's own calendar are organised by the room mailbox.
        organizer_name: mb.display_name.clone(),
        organizer_address: key.to_owned(),
        is_reminder_on: true,
        reminder_minutes: 15,
        extended: Vec::new(),
        declined: None,
        seq,
        series: None,
        occurrence: None,
    };
    apply(&mut e, body)?;
    if let Some(r) = body.get("recurrence").filter(|r| !r.is_null()) {
        let recurrence = Recurrence::parse(r, &e.start_zone).map_err(GraphError::bad_request)?;
        if recurrence.start != e.start.date() {
            return Err(GraphError::bad_request(
                "The recurrence range's startDate must be the date of the event's start.",
            ));
        }
        e.series = Some(Series {
            recurrence,
            cancelled: Default::default(),
        });
    }
    if let Some(inv) = invitation {
        e.organizer_name = inv.organizer_name;
        e.organizer_address = inv.organizer_address;
        e.ical_uid = inv.ical_uid;
        (e.original_start_zone, e.original_end_zone) = inv.original_zones;
        for (name, address) in inv.rooms {
            e.attendees.push(json!({
                "type": "resource",
                "status": {"response": "accepted", "time": graph_instant(now)},
                "emailAddress": {"name": name, "address": address},
            }));
        }
    }
    if let Some(t) = transaction {
        mb.transactions.insert(t, e.id.clone());
    }
    let id = e.id.clone();
    mb.events.insert(e.id.clone(), e.clone());
    if e.series.is_some() {
        sync_occurrences(mb, &id, seq);
    }
    drop(store);
    let processing = app.settings.processing_of(key);
    if processing.changes_events() {
        tokio::spawn(process_calendar(
            app.clone(),
            key.to_owned(),
            id,
            processing,
            app.settings.rewrite_after,
        ));
    }
    Ok((StatusCode::CREATED, e))
}

/// The id of the occurrence of series `master` that the pattern starts at `original_start`.
/// Like Exchange's, it is made from the occurrence's original start, so it is not stable
/// across a change of the series' pattern or times (graph-as-observed.md): a client that
/// kept the old ids must find out from the series' instances that they are gone.
fn occurrence_id(master: &str, original_start: DateTime<Utc>) -> String {
    format!(
        "{}OCC{}AAA=",
        master.trim_end_matches('=').trim_end_matches("AAA"),
        original_start.format("%Y%m%d%H%M")
    )
}

/// Brings the occurrences of series `master_id` in line with the master: one per date of its
/// pattern (less the cancelled ones), carrying the master's fields; exceptions keep their own.
/// Every occurrence written gets `seq`. One that no longer fits the pattern (another date or
/// another time) is removed without a tombstone: delta gives no signal for it, as for an
/// occurrence deleted on its own.
fn sync_occurrences(mb: &mut MailboxState, master_id: &str, seq: u64) {
    let Some(master) = mb.events.get(master_id).cloned() else {
        return;
    };
    let Some(series) = &master.series else {
        return;
    };
    let wanted: Vec<(NaiveDate, String, DateTime<Utc>)> = series
        .recurrence
        .dates(Utc::now().date_naive())
        .into_iter()
        .filter(|d| !series.cancelled.contains(d))
        .map(|date| {
            let start_utc = to_utc(date.and_time(master.start.time()), &master.start_zone);
            (date, occurrence_id(master_id, start_utc), start_utc)
        })
        .collect();
    let dates: BTreeSet<NaiveDate> = wanted.iter().map(|(d, _, _)| *d).collect();
    let ids: BTreeSet<&String> = wanted.iter().map(|(_, id, _)| id).collect();
    let mut exceptions = BTreeSet::new();
    let mut stale = Vec::new();
    for e in mb.events.values() {
        let Some(o) = e.occurrence.as_ref().filter(|o| o.master == master_id) else {
            continue;
        };
        let fits = if o.exception {
            dates.contains(&o.date)
        } else {
            ids.contains(&e.id)
        };
        if !fits {
            stale.push(e.id.clone());
        } else if o.exception {
            exceptions.insert(o.date);
        }
    }
    for id in stale {
        mb.events.remove(&id);
    }
    let now = Utc::now();
    for (date, id, start_utc) in wanted {
        if exceptions.contains(&date) {
            continue;
        }
        let (start, end, end_zone) = occurrence_times(&master, date, start_utc);
        let existing = mb.events.get(&id);
        let mut occ = master.clone();
        occ.id = id.clone();
        occ.transaction_id = None;
        occ.series = None;
        occ.occurrence = Some(Occurrence {
            master: master_id.to_owned(),
            date,
            original_start: start_utc,
            exception: false,
        });
        occ.start = start;
        occ.end = end;
        occ.end_zone = end_zone;
        occ.change_key = new_change_key();
        occ.last_modified = now;
        occ.seq = seq;
        if let Some(old) = existing {
            occ.created = old.created;
            occ.declined = old.declined;
        }
        mb.events.insert(id, occ);
    }
}

/// The local start, local end and end zone of the occurrence of `master` on `date`, which
/// starts at `start_utc`.
/// - All day: whole days, as many as the master spans, whatever the clocks do on its first
///   day (a series starting on a DST change keeps 24-hour days later).
/// - Timed: as long as the master in elapsed time, also on the day the clocks change. An end
///   that falls in a DST fold is kept in UTC, so it is not read as the fold's first pass
///   (which would give the occurrence no length).
fn occurrence_times(
    master: &StoredEvent,
    date: NaiveDate,
    start_utc: DateTime<Utc>,
) -> (NaiveDateTime, NaiveDateTime, String) {
    let start = date.and_time(master.start.time());
    if master.is_all_day {
        let days = master.end.date() - master.start.date();
        return (
            start,
            (date + days).and_time(master.end.time()),
            master.end_zone.clone(),
        );
    }
    let (first_start, first_end) = master.instants();
    let end_utc = start_utc + (first_end - first_start);
    let same_zone = master.start_zone.eq_ignore_ascii_case(&master.end_zone);
    let local_end = zones::resolve(&master.end_zone)
        .map(|tz| end_utc.with_timezone(&tz).naive_local())
        .filter(|local| same_zone && to_utc(*local, &master.end_zone) == end_utc);
    match local_end {
        Some(local) => (start, local, master.end_zone.clone()),
        None => (start, end_utc.naive_utc(), "UTC".to_owned()),
    }
}

/// Removes event `id`: a series master takes its occurrences with it, an occurrence is
/// remembered as cancelled so the series does not bring it back. Delta reports each removed,
/// except an occurrence (or exception) removed on its own: real tenants give no signal for
/// that in delta (microsoft-graph-docs pull request 4501), only the series' instances show it.
/// Exchange records the removal on the master, which gets a new change key.
fn remove_event(mb: &mut MailboxState, id: &str, seq: u64) {
    let Some(e) = mb.events.remove(id) else {
        return;
    };
    if e.occurrence.is_none() {
        mb.tombstones.push((id.to_owned(), seq));
    }
    if e.series.is_some() {
        let occurrences: Vec<String> = mb
            .events
            .values()
            .filter(|o| o.occurrence.as_ref().is_some_and(|o| o.master == id))
            .map(|o| o.id.clone())
            .collect();
        for o in occurrences {
            mb.events.remove(&o);
            mb.tombstones.push((o, seq));
        }
    }
    if let Some(o) = e.occurrence
        && let Some(master) = mb.events.get_mut(&o.master)
        && let Some(series) = master.series.as_mut()
    {
        series.cancelled.insert(o.date);
        master.change_key = new_change_key();
        master.last_modified = Utc::now();
    }
}

/// What an Exchange resource mailbox's calendar processing does a few seconds after a
/// meeting lands in it (`AddOrganizerToSubject`, `DeleteSubject`: the subject becomes the
/// organizer's name; `DeleteComments`: the body is dropped), which is a new version of the
/// item (new change key, reported by delta).
async fn process_calendar(
    app: App,
    mailbox: String,
    id: String,
    processing: CalendarProcessing,
    after: Duration,
) {
    tokio::time::sleep(after).await;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let Some(mb) = store.mailboxes.get_mut(&mailbox) else {
        return;
    };
    // Deleted (or never stored) meanwhile: nothing to rewrite.
    if let Some(e) = mb.events.get_mut(&id) {
        e.subject = processing.subject(&e.subject, &e.organizer_name);
        if processing.delete_comments {
            e.body = String::new();
        }
        e.change_key = new_change_key();
        e.last_modified = Utc::now();
        e.seq = seq;
        if e.series.is_some() {
            sync_occurrences(mb, &id, seq);
        }
    }
}

async fn get_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let expand = expanded_ids(&query)?;
    let select = selected(&query)?;
    let prefer = Prefer::read(&headers);
    let store = lock(&app.store);
    let e = store
        .mailboxes
        .get(&key)
        .and_then(|mb| mb.events.get(&id))
        .ok_or_else(GraphError::not_found)?;
    Ok(selected_event_response(
        &app,
        StatusCode::OK,
        e,
        &key,
        &prefer,
        expand,
        select.as_deref(),
    ))
}

/// Checks `If-Match` against the event's etag (`*` matches anything).
fn check_if_match(headers: &HeaderMap, e: &StoredEvent) -> Result<(), GraphError> {
    let Some(value) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let matches = value.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag == e.etag()
            || tag.trim_start_matches("W/").trim_matches('"') == e.change_key
    });
    if matches {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ))
    }
}

async fn patch_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let body = parse_body(&bytes)?;
    schema::check(&body, &schema::EVENT)?;
    let prefer = Prefer::read(&headers);
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let e = store
        .mailboxes
        .get_mut(&key)
        .and_then(|mb| mb.events.get_mut(&id))
        .ok_or_else(GraphError::not_found)?;
    check_if_match(&headers, e)?;
    // Validate on a copy so a rejected PATCH changes nothing.
    let mut next = e.clone();
    apply(&mut next, &body)?;
    match body.get("recurrence") {
        None => {}
        Some(r) if next.occurrence.is_some() && !r.is_null() => {
            return Err(GraphError::bad_request(
                "An occurrence of a series cannot take a recurrence.",
            ));
        }
        Some(r) if r.is_null() && next.series.is_some() => {
            return Err(GraphError::bad_request(
                "A series master's recurrence cannot be removed; delete the series instead.",
            ));
        }
        Some(r) if r.is_null() => {}
        Some(r) => {
            let recurrence =
                Recurrence::parse(r, &next.start_zone).map_err(GraphError::bad_request)?;
            // A single event made recurring becomes a series master.
            let cancelled = next.series.take().map(|s| s.cancelled).unwrap_or_default();
            next.series = Some(Series {
                recurrence,
                cancelled,
            });
        }
    }
    if let Some(series) = &next.series
        && series.recurrence.start != next.start.date()
    {
        return Err(GraphError::bad_request(
            "The recurrence range's startDate must be the date of the event's start.",
        ));
    }
    if let Some(o) = &mut next.occurrence {
        // An occurrence changed on its own is an exception from now on.
        o.exception = true;
    }
    next.change_key = new_change_key();
    next.last_modified = Utc::now();
    next.seq = seq;
    *e = next.clone();
    if next.series.is_some()
        && let Some(mb) = store.mailboxes.get_mut(&key)
    {
        sync_occurrences(mb, &id, seq);
    }
    Ok(event_response(
        &app,
        StatusCode::OK,
        &next,
        &key,
        &prefer,
        None,
    ))
}

async fn delete_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(&key)
        .ok_or_else(GraphError::not_found)?;
    let e = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    check_if_match(&headers, e)?;
    remove_event(mb, &id, seq);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Refuses a body with a property the action `action` (`microsoft.graph.{action}`) lacks, as
/// Graph does.
fn only_properties(
    body: &Map<String, Value>,
    allowed: &[&str],
    action: &str,
) -> Result<(), GraphError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(other) => Err(GraphError::bad_request(format!(
            "The property '{other}' does not exist on type 'microsoft.graph.{action}'."
        ))),
        None => Ok(()),
    }
}

/// `POST /users/{mailbox}/events/{id}/decline` as the room: 202, the event's response becomes
/// `declined`, and, as an Exchange room mailbox removes meetings it declines from its calendar,
/// the event leaves the room's calendar view (delta reports it `@removed`). It can still be read
/// by id, which is how a client confirms the decline.
async fn decline_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let body = parse_body(&bytes)?;
    let comment = string_field(&body, "comment")?;
    if body.get("sendResponse").is_some_and(|v| !v.is_boolean()) {
        return Err(GraphError::bad_request(
            "Property 'sendResponse' must be a boolean.",
        ));
    }
    only_properties(
        &body,
        &["comment", "sendResponse", "proposedNewTime"],
        "decline",
    )?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let e = store
        .mailboxes
        .get_mut(&key)
        .and_then(|mb| mb.events.get_mut(&id))
        .ok_or_else(GraphError::not_found)?;
    if e.organizer_address.eq_ignore_ascii_case(&key) {
        // Exchange refuses a response to a meeting the mailbox organised itself.
        return Err(GraphError::bad_request(
            "Your request can't be completed. You can't respond to a meeting you organized.",
        ));
    }
    if e.declined.is_none() {
        let now = Utc::now();
        e.declined = Some(now);
        e.change_key = new_change_key();
        e.last_modified = now;
        e.seq = seq;
    }
    let reply = Reply {
        mailbox: key,
        event_id: id,
        subject: e.subject.clone(),
        kind: "decline",
        comment: comment.unwrap_or_default(),
    };
    store.replies.push(reply);
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST /users/{mailbox}/events/{id}/cancel` as the organizer: 202, and the meeting leaves
/// the calendar (moved to Deleted Items), so delta reports it removed. An occurrence is
/// cancelled alone; a series master takes its occurrences with it. Only the organizer may
/// cancel: an attendee gets 400, as Graph documents (event-cancel).
async fn cancel_event(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let body = parse_body(&bytes)?;
    let comment = string_field(&body, "comment")?;
    only_properties(&body, &["comment"], "cancel")?;
    let mut store = lock(&app.store);
    let seq = store.next_seq();
    let mb = store
        .mailboxes
        .get_mut(&key)
        .ok_or_else(GraphError::not_found)?;
    let e = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    if !e.organizer_address.eq_ignore_ascii_case(&key) {
        return Err(GraphError::bad_request(
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        ));
    }
    let subject = e.subject.clone();
    remove_event(mb, &id, seq);
    store.replies.push(Reply {
        mailbox: key,
        event_id: id,
        subject,
        kind: "cancel",
        comment: comment.unwrap_or_default(),
    });
    Ok(StatusCode::ACCEPTED.into_response())
}

// ---------------------------------------------------------------------------------------------
// Emulator-only routes (under /admin, authorised by the gateway)

/// `POST /admin/invitations`: puts a meeting organised by someone outside the tenant's
/// resource mailboxes into rooms' calendars, as Exchange does when a person invites rooms.
/// The body is an event (as for `POST /users/{m}/events`, a `recurrence` too) plus the room
/// (`"mailbox"`) or rooms (`"mailboxes": [..]`, or both) and `organizer` (`{"name",
/// "address"}`); every room is added to the attendees. Each room gets its own copy with its own
/// id, and the copies share one `iCalUId`, as the copies of one meeting do in Exchange.
/// `originalStartTimeZone` / `originalEndTimeZone` may say `tzone://Microsoft/Custom` (a
/// meeting desktop Outlook made in a custom zone): kept and rendered as given, while the times
/// are stored in and rendered from the zones of `start` and `end`.
/// Answers 201 with the event as the room sees it (`isOrganizer: false`), or, when the body has
/// `mailboxes`, with `{"value": [..]}`: each room's copy, in the order the rooms were given.
pub(crate) fn admin_invite(app: &App, bytes: &Bytes) -> Response {
    let result = (|| {
        let mut body = parse_body(bytes)?;
        let mailbox = string_field(&body, "mailbox")?;
        let several = match body.remove("mailboxes") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => Some(
                list.iter()
                    .map(|m| m.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        GraphError::bad_request("'mailboxes' lists the rooms' addresses.")
                    })?,
            ),
            Some(_) => {
                return Err(GraphError::bad_request(
                    "'mailboxes' lists the rooms' addresses.",
                ));
            }
        };
        body.remove("mailbox");
        let organizer = body.remove("organizer").unwrap_or(Value::Null);
        let text = |k: &str| {
            organizer
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.trim().is_empty())
        };
        let (Some(name), Some(address)) = (text("name"), text("address")) else {
            return Err(GraphError::bad_request(
                "An invitation needs an organizer with a name and an address.",
            ));
        };
        let mut keys: Vec<String> = Vec::new();
        for m in mailbox.iter().chain(several.iter().flatten()) {
            let key = mailbox_key(app, m)?;
            if address.eq_ignore_ascii_case(&key) {
                return Err(GraphError::bad_request(
                    "An invitation comes from someone other than the room.",
                ));
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(GraphError::bad_request(
                "An invitation needs the room's mailbox.",
            ));
        }
        let original_zones = (
            original_zone(&body, "originalStartTimeZone")?,
            original_zone(&body, "originalEndTimeZone")?,
        );
        schema::check(&body, &schema::EVENT)?;
        let rooms: Vec<(String, String)> = {
            let store = lock(&app.store);
            keys.iter()
                .map(|k| {
                    let name = store
                        .mailboxes
                        .get(k)
                        .map_or_else(|| k.clone(), |mb| mb.display_name.clone());
                    (name, k.clone())
                })
                .collect()
        };
        let ical_uid = new_ical_uid();
        let mut copies = Vec::new();
        for key in &keys {
            let invitation = Invitation {
                organizer_name: name.clone(),
                organizer_address: address.clone(),
                rooms: rooms.clone(),
                ical_uid: ical_uid.clone(),
                original_zones: original_zones.clone(),
            };
            copies.push((key, insert_event(app, key, &body, Some(invitation))?));
        }
        if several.is_none()
            && let Some((key, (status, e))) = copies.first()
        {
            return Ok(event_response(
                app,
                *status,
                e,
                key,
                &Prefer::default(),
                None,
            ));
        }
        let value: Vec<Value> = copies
            .iter()
            .map(|(key, (_, e))| {
                let opts = RenderOptions {
                    zone: None,
                    text_body: false,
                    expand: None,
                };
                Value::Object(render_event(e, key, &opts))
            })
            .collect();
        Ok((StatusCode::CREATED, Json(json!({ "value": value }))).into_response())
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

/// An invitation's `originalStartTimeZone` or `originalEndTimeZone`: a zone Graph knows, or
/// one of the `tzone://Microsoft/...` names desktop Outlook's zones show as.
fn original_zone(body: &Map<String, Value>, key: &str) -> Result<Option<String>, GraphError> {
    let Some(zone) = string_field(body, key)? else {
        return Ok(None);
    };
    if zones::resolve(&zone).is_some()
        || zone == "tzone://Microsoft/Custom"
        || zone == "tzone://Microsoft/Utc"
    {
        Ok(Some(zone))
    } else {
        Err(GraphError::bad_request(format!(
            "'{key}' must be a time zone or tzone://Microsoft/Custom, not '{zone}'."
        )))
    }
}

/// `GET /admin/replies`: every cancellation and decline so far, oldest first.
pub(crate) fn admin_replies(app: &App) -> Response {
    Json(json!({ "value": lock(&app.store).replies })).into_response()
}

/// `DELETE /admin/replies`: forgets them.
pub(crate) fn clear_replies(app: &App) -> Response {
    lock(&app.store).replies.clear();
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------------------------------------
// calendarView/delta

fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok()
        // Without an offset the value is UTC (user-list-calendarview.md).
        .or_else(|| parse_local(s).map(|t| t.and_utc()))
}

/// Graph's default page size for event delta when the client does not ask for one.
const DEFAULT_PAGE_SIZE: usize = 100;

async fn delta(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    let prefer = Prefer::read(&headers);
    let page_size = prefer.max_page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut store = lock(&app.store);
    let now = Utc::now();
    store
        .pending
        .retain(|_, p| now - p.parked_at < PAGE_LIFETIME);

    let page = if let Some(token) = query.get("$skiptoken") {
        let Some(parked) = store.pending.get(token).filter(|p| p.round.mailbox == key) else {
            return Err(sync_reset(&app, &store, &key, &query));
        };
        Page {
            round: parked.round.clone(),
            round_id: parked.round_id,
            served: Some(token.clone()),
            link: parked.link.clone(),
        }
    } else if let Some(token) = query.get("$deltatoken") {
        let Some(state) = store
            .sync_states
            .get(token)
            .filter(|s| s.mailbox == key)
            .cloned()
        else {
            return Err(sync_reset(&app, &store, &key, &query));
        };
        // The round that issued this token is over: its pages cannot be asked for again.
        if let Some(done) = store.delta_rounds.remove(token) {
            store.pending.retain(|_, p| p.round_id != done);
        }
        store.rounds += 1;
        Page {
            round: store.next_round(&state, page_size),
            round_id: store.rounds,
            served: None,
            link: None,
        }
    } else {
        let select = selected(&query)?;
        let (start, end) = required_window(&query)?;
        let mut round = store.initial_round(&key, start, end, page_size);
        round.next.select = select;
        store.rounds += 1;
        Page {
            round,
            round_id: store.rounds,
            served: None,
            link: None,
        }
    };
    serve_page(&app, &mut store, page, &key, &prefer)
}

/// The 410 that answers a delta or skip token Exchange does not know (any more), with a
/// `Location` that starts a new round for `mailbox`: over the token's window when it was ever
/// issued (or the window the request names), otherwise bare (the client adds its window).
fn sync_reset(
    app: &App,
    store: &Store,
    mailbox: &str,
    query: &HashMap<String, String>,
) -> GraphError {
    let window = query
        .get("$deltatoken")
        .or_else(|| query.get("$skiptoken"))
        .and_then(|t| store.window_of(t))
        .filter(|w| w.mailbox == mailbox)
        .map(|w| (w.start, w.end))
        .or_else(|| required_window(query).ok());
    let mut location = format!("{}/users/{mailbox}/calendarView/delta", app.settings.base);
    if let Some((start, end)) = window {
        let instant = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        location.push_str(&format!(
            "?startDateTime={}&endDateTime={}",
            instant(start),
            instant(end)
        ));
    }
    GraphError::sync_state_not_found().with_location(location)
}

/// The 410 an injected "delta gone" fault answers a delta request with (see [`sync_reset`]).
pub(crate) fn delta_gone(app: &App, mailbox: Option<&str>, uri: &axum::http::Uri) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let store = lock(&app.store);
    sync_reset(app, &store, mailbox.unwrap_or_default(), &query).into_response()
}

/// The `startDateTime`/`endDateTime` window a calendar-view style request must carry.
fn required_window(
    query: &HashMap<String, String>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let start = query.get("startDateTime").and_then(|s| parse_instant(s));
    let end = query.get("endDateTime").and_then(|s| parse_instant(s));
    let (Some(start), Some(end)) = (start, end) else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ));
    };
    if end <= start {
        return Err(GraphError::bad_request(
            "EndDateTime must be after StartDateTime.",
        ));
    }
    Ok((start, end))
}

/// `GET /users/{m}/events/{id}/instances`: the occurrences and exceptions of a series master
/// that overlap the required window, in start order (occurrences deleted one by one are gone;
/// a single event lists itself), ten to a page as Graph pages collections, or `$top`.
async fn list_instances(
    State(app): State<App>,
    Path((mailbox, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    check_event_id(&id)?;
    let (start, end) = required_window(&query)?;
    let store = lock(&app.store);
    let mb = store
        .mailboxes
        .get(&key)
        .ok_or_else(GraphError::not_found)?;
    let event = mb.events.get(&id).ok_or_else(GraphError::not_found)?;
    let mut instances: Vec<&StoredEvent> = if event.series.is_some() {
        mb.events
            .values()
            .filter(|e| e.occurrence.as_ref().is_some_and(|o| o.master == id))
            .collect()
    } else {
        vec![event]
    };
    instances.retain(|e| {
        let (s, en) = e.instants();
        e.declined.is_none() && s < end && en > start
    });
    instances.sort_by_key(|e| (e.instants().0, e.id.clone()));
    event_page(
        &app,
        &headers,
        &query,
        &key,
        EventCollection {
            path: format!("users/{mailbox}/events/{id}/instances"),
            context: "$metadata#Collection(event)".to_owned(),
        },
        &instances,
    )
}

/// `GET /users/{m}/calendarView?startDateTime&endDateTime`: the events of a mailbox's
/// calendar that overlap the required window (occurrences and exceptions, never series
/// masters), in start order, ten to a page as Graph pages event collections, or `$top`.
async fn calendar_view(
    State(app): State<App>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    authorize(&app, &headers)?;
    let key = mailbox_key(&app, &mailbox)?;
    let (start, end) = required_window(&query)?;
    let store = lock(&app.store);
    let events: Vec<&StoredEvent> = match store.mailboxes.get(&key) {
        Some(mb) => store
            .in_window(&key, start, end)
            .iter()
            .filter_map(|id| mb.events.get(id))
            .collect(),
        None => Vec::new(),
    };
    event_page(
        &app,
        &headers,
        &query,
        &key,
        EventCollection {
            path: format!("users/{mailbox}/calendarView"),
            context: format!("$metadata#users('{mailbox}')/calendarView"),
        },
        &events,
    )
}

/// Where an event collection lives, relative to the Graph base.
struct EventCollection {
    /// Its path, which the nextLink repeats.
    path: String,
    /// Its `@odata.context`.
    context: String,
}

/// One page of an event collection over a window (`instances`, `calendarView`): `events` in
/// order, ten to a page unless `$top` says otherwise, `$select` honoured, rendered in the
/// Prefer zone, and a nextLink that carries the window, `$top`, `$skip` and `$select`.
fn event_page(
    app: &App,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    key: &str,
    collection: EventCollection,
    events: &[&StoredEvent],
) -> GraphResult {
    let select = selected(query)?;
    let (top, skip) = paging(query)?;
    // Event collections come ten to a page unless `$top` says otherwise.
    let top = if query.contains_key("$top") {
        top
    } else {
        DEFAULT_COLLECTION_PAGE
    };
    let prefer = Prefer::read(headers);
    let opts = RenderOptions {
        zone: prefer.zone(),
        text_body: prefer.text_body,
        expand: None,
    };
    let value: Vec<Value> = events
        .iter()
        .skip(skip)
        .take(top)
        .map(|e| Value::Object(render_event(e, key, &opts)))
        .map(|v| match &select {
            Some(select) => schema::project(v, select),
            None => v,
        })
        .collect();
    let base = &app.settings.base;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{base}/{}", collection.context)),
    );
    if skip + top < events.len() {
        let mut next = url::Url::parse(&format!("{base}/{}", collection.path))
            .map_err(|e| GraphError::bad_request(e.to_string()))?;
        next.query_pairs_mut()
            .append_pair("startDateTime", &query["startDateTime"])
            .append_pair("endDateTime", &query["endDateTime"])
            .append_pair("$top", &top.to_string())
            .append_pair("$skip", &(skip + top).to_string());
        if let Some(list) = query.get("$select") {
            next.query_pairs_mut().append_pair("$select", list);
        }
        body.insert("@odata.nextLink".into(), json!(next.as_str()));
    }
    body.insert("value".into(), Value::Array(value));
    Ok(with_applied(
        Json(Value::Object(body)).into_response(),
        &prefer,
        false,
    ))
}

fn new_token() -> String {
    format!("R0usm{}", uuid::Uuid::new_v4().simple())
}

/// A delta page about to be served: the round from this page on, and whether it was served
/// before.
struct Page {
    round: PendingRound,
    round_id: u64,
    /// The skip token the page was asked for with (none for a round's first page).
    served: Option<String>,
    /// The token of the link the page answered with before, when it is asked for again.
    link: Option<String>,
}

/// Serves the next page of `round`, parking the rest under a skip token, or registering the
/// next sync state under a delta token when this is the last page. A page asked for again
/// answers with the link it gave the first time.
fn serve_page(
    app: &App,
    store: &mut Store,
    page: Page,
    mailbox: &str,
    prefer: &Prefer,
) -> GraphResult {
    let Page {
        mut round,
        round_id,
        served,
        link,
    } = page;
    let take = round.page_size.min(round.entries.len());
    let page: Vec<DeltaEntry> = round.entries.drain(..take).collect();
    let opts = RenderOptions {
        zone: prefer.zone(),
        text_body: prefer.text_body,
        expand: None,
    };
    let events = store.mailboxes.get(mailbox);
    let value: Vec<Value> = page
        .into_iter()
        .map(|entry| {
            let id = match entry {
                DeltaEntry::Upsert(id) => {
                    if let Some(e) = events.and_then(|mb| mb.events.get(&id)) {
                        let mut m = Map::new();
                        m.insert("@odata.type".into(), json!("#microsoft.graph.event"));
                        m.extend(render_delta_item(e, mailbox, &opts));
                        return Value::Object(m);
                    }
                    // Deleted while the client was paging.
                    id
                }
                DeltaEntry::Removed(id) => id,
            };
            json!({"@odata.type": "#microsoft.graph.event", "id": id, "@removed": {"reason": "deleted"}})
        })
        .collect();
    let value = match &round.next.select {
        Some(select) => value
            .into_iter()
            .map(|v| schema::project(v, select))
            .collect(),
        None => value,
    };
    let link_base = format!("{}/users/{mailbox}/calendarView/delta", app.settings.base);
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#Collection(event)", app.settings.base)),
    );
    let token = link.unwrap_or_else(new_token);
    if round.entries.is_empty() {
        store.delta_rounds.insert(token.clone(), round_id);
        store.sync_states.insert(token.clone(), round.next);
        body.insert(
            "@odata.deltaLink".into(),
            json!(format!("{link_base}?$deltatoken={token}")),
        );
    } else {
        store
            .pending
            .entry(token.clone())
            .or_insert_with(|| ParkedPage {
                round,
                round_id,
                link: None,
                parked_at: Utc::now(),
            });
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{link_base}?$skiptoken={token}")),
        );
    }
    if let Some(parked) = served.and_then(|t| store.pending.get_mut(&t)) {
        parked.link = Some(token);
    }
    body.insert("value".into(), Value::Array(value));
    Ok(with_applied(
        Json(Value::Object(body)).into_response(),
        prefer,
        true,
    ))
}
