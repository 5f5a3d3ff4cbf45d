//! An emulator of PorticoEstate's booking REST API (run as Aktiv kommune), as strict as its
//! public sources show it to be (`docs/design/porticoestate-integration.md`, with the file and
//! function behind each behaviour): a form-only login that answers 404 when it fails, sessions
//! bound to the client's User-Agent that lapse when idle, resources paged by offset, a
//! resource's schedule as a flat array of only the active rows with Oslo-offset times, events
//! written with naive local times (an offset sent is dropped, as PostgreSQL drops it), escaped
//! text, 409 only for overlapping events, soft cancel by toggling `active`, no route that
//! writes a booking, and errors in its own shapes (`{"error"}`, `{"msg"}`).
//!
//! Faults (`/admin/faults`): error statuses, and PorticoEstate's own way of failing inside, an
//! HTML error page with status 200, and slow answers (carried out, answered late). `seed: Demo`
//! fills it with the demo municipality's season (`demo_seed`). It shares no code with the
//! connector that talks to it.

mod demo_seed;
mod store;
mod text;
pub mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::demo::DEMO_RESOURCES;
use crate::seed::Seed;
pub use store::{Allocation, Booking, Building, Event, Resource};
use store::{Fault, Session, Store};

/// The session cookie's (and query parameter's) name, as PorticoEstate names it.
pub const SESSION_NAME: &str = "sessionphpgwsessid";

/// What the emulated user may do (PorticoEstate's booking ACL: `run`, then ADD and EDIT on
/// `.application`).
#[derive(Debug, Clone, Copy)]
pub struct Rights {
    pub run: bool,
    pub add: bool,
    pub edit: bool,
}

impl Rights {
    pub const ALL: Rights = Rights {
        run: true,
        add: true,
        edit: true,
    };
}

/// How to start a [`PorticoEmulator`].
#[derive(Debug, Clone)]
pub struct PorticoEmulatorConfig {
    pub login: String,
    pub password: String,
    pub rights: Rights,
    /// How long a session may stay idle (PorticoEstate's `sessions_timeout`, 1440 s by default).
    pub session_timeout: Duration,
    /// `Demo` fills the schedule with the demo municipality's season; `Empty` leaves it empty.
    pub seed: Seed,
    /// Whether the installation delivers webhooks (its `Outlook` config's `webhook_enabled`).
    pub webhooks: bool,
    /// The `X-API-Key` every delivery carries (its `Outlook` config's `api_key`), if set.
    pub webhook_api_key: Option<String>,
}

impl PorticoEmulatorConfig {
    pub fn new(login: &str, password: &str) -> PorticoEmulatorConfig {
        PorticoEmulatorConfig {
            login: login.to_owned(),
            password: password.to_owned(),
            rights: Rights::ALL,
            session_timeout: Duration::from_secs(1440),
            seed: Seed::Empty,
            webhooks: true,
            webhook_api_key: None,
        }
    }
}

/// A running emulator. Stops when dropped.
pub struct PorticoEmulator {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
    _task: JoinHandle<std::io::Result<()>>,
}

impl PorticoEmulator {
    /// Binds `bind` and serves the demo municipality's buildings and resources, with no
    /// reservations (add them with the admin routes).
    pub async fn start(
        config: PorticoEmulatorConfig,
        bind: SocketAddr,
    ) -> std::io::Result<PorticoEmulator> {
        let app = app(config);
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(PorticoEmulator {
            addr,
            _stop: stop,
            _task: task,
        })
    }

    /// The installation's base address (`{base}/login`, `{base}/booking/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

struct Shared {
    config: PorticoEmulatorConfig,
    store: Mutex<Store>,
    hooks: Mutex<webhooks::Hooks>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hooks(&self) -> MutexGuard<'_, webhooks::Hooks> {
        self.hooks.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type AppState = State<Arc<Shared>>;

/// The demo municipality's resources with PorticoEstate's integer ids (1, 2, …, in the demo's
/// order) in buildings numbered the same way.
fn demo_inventory() -> (Vec<Building>, Vec<Resource>) {
    let mut buildings: Vec<Building> = Vec::new();
    let mut resources = Vec::new();
    for (i, r) in DEMO_RESOURCES.iter().enumerate() {
        let building_id = match buildings.iter().find(|b| b.name == r.building) {
            Some(b) => b.id,
            None => {
                let id = buildings.len() as i64 + 1;
                buildings.push(Building {
                    id,
                    name: r.building.to_owned(),
                });
                id
            }
        };
        resources.push(Resource {
            id: i as i64 + 1,
            name: r.name.to_owned(),
            building_id,
            activity_id: 1,
            active: true,
        });
    }
    (buildings, resources)
}

/// The emulator's routes, without a listener.
pub fn app(config: PorticoEmulatorConfig) -> Router {
    let (buildings, resources) = demo_inventory();
    let mut store = Store::new(buildings, resources);
    if config.seed == Seed::Demo {
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .date_naive();
        demo_seed::seed(&mut store, today);
    }
    let shared = Arc::new(Shared {
        config,
        store: Mutex::new(store),
        hooks: Mutex::default(),
    });
    let booking = Router::new()
        .route("/booking/resources", get(list_resources))
        .route("/booking/resources/{id}/schedule", get(schedule))
        .route("/booking/resources/{id}/events", post(create_event))
        .route("/booking/events/{id}", get(read_event).put(update_event))
        .route("/booking/events/{id}/toggle-active", patch(toggle_active))
        .merge(webhooks::routes())
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            require_session,
        ));
    let admin = Router::new()
        .route("/admin/sessions", get(sessions))
        .route("/admin/sessions/expire", post(expire_sessions))
        .route("/admin/faults", post(add_faults))
        .merge(webhooks::admin_routes());
    Router::new()
        .route("/login", post(login))
        .route("/refreshsession", get(refresh_session))
        .merge(booking)
        .merge(admin)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
        .with_state(shared)
}

fn error(status: StatusCode, message: &str) -> Response {
    Refused(status, message.to_owned()).into_response()
}

/// A refusal in PorticoEstate's controllers' shape, `{"error": …}`.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn msg(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "msg": message }))).into_response()
}

// ---- sessions ----

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The session id a request carries: the cookie, else the query parameter.
fn session_of(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_NAME)
        .map(|(_, value)| value.to_owned());
    from_cookie.or_else(|| query_param(query, SESSION_NAME))
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `POST /login` with form fields `login`, `passwd` (and `logindomain`): a JSON body makes no
/// session, and every failure is a 404 with `msg`.
async fn login(State(s): AppState, headers: HeaderMap, body: String) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return msg(StatusCode::NOT_FOUND, "");
    }
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let Some(login) = fields.get("login") else {
        return msg(StatusCode::NOT_FOUND, "");
    };
    let login = login.split('#').next().unwrap_or_default();
    if login != s.config.login || fields.get("passwd") != Some(&s.config.password) {
        return msg(StatusCode::NOT_FOUND, "Bad login or password");
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    s.store().logins += 1;
    s.store().sessions.insert(
        id.clone(),
        Session {
            user_agent: user_agent(&headers),
            last_activity: std::time::Instant::now(),
        },
    );
    (
        [(
            header::SET_COOKIE,
            format!("{SESSION_NAME}={id}; path=/; HttpOnly"),
        )],
        Json(json!({ "session_name": SESSION_NAME, "session_id": id })),
    )
        .into_response()
}

/// `GET /refreshsession`: restarts the idle clock, or 401 in Norwegian.
async fn refresh_session(State(s): AppState, headers: HeaderMap, request: Request) -> Response {
    let id = session_of(&headers, request.uri().query());
    let ok = id.as_deref().is_some_and(|id| {
        s.store()
            .verify(id, &user_agent(&headers), s.config.session_timeout)
    });
    match (ok, id) {
        (true, Some(id)) => {
            Json(json!({ "session_id": id, "fullname": s.config.login })).into_response()
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "message": "Du er ikke logget inn" })),
        )
            .into_response(),
    }
}

/// Every `/booking` route needs a live session (401 with `api_mode=1`, else a redirect to the
/// login page) and the booking `run` right.
async fn require_session(State(s): AppState, request: Request, next: Next) -> Response {
    // Injected faults come first: a gateway or a crash inside fails before any check.
    let fault = s.store().take_fault(request.method().as_str());
    let mut delay = None;
    match fault {
        Some(Fault::Slow { delay_ms }) => delay = Some(Duration::from_millis(delay_ms)),
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            return error(status, "Injected fault");
        }
        Some(Fault::HtmlPage) => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html><body><h1>Der kom du over en feil</h1><p>Uncaught Exception</p></body></html>",
            )
                .into_response();
        }
        None => {}
    }
    let response = checked(&s, request, next).await;
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The session and `run` checks, then the route.
async fn checked(s: &Arc<Shared>, request: Request, next: Next) -> Response {
    let query = request.uri().query();
    let api_mode = query_param(query, "api_mode").as_deref() == Some("1");
    let valid = session_of(request.headers(), query).is_some_and(|id| {
        s.store().verify(
            &id,
            &user_agent(request.headers()),
            s.config.session_timeout,
        )
    });
    if !valid {
        return if api_mode {
            msg(
                StatusCode::UNAUTHORIZED,
                "A valid session could not be found",
            )
        } else {
            (StatusCode::FOUND, [(header::LOCATION, "/login.php?cd=10")]).into_response()
        };
    }
    if !s.config.rights.run {
        return msg(
            StatusCode::UNAUTHORIZED,
            "You do not have permission to access this route.",
        );
    }
    next.run(request).await
}

// ---- resources and schedules ----

/// `GET /booking/resources?start&results`: active resources by id, offset-paged (15 a page
/// unless `results` says otherwise; `results` ≤ 0 is all).
async fn list_resources(State(s): AppState, Query(q): Query<HashMap<String, String>>) -> Response {
    let start: usize = q.get("start").and_then(|v| v.parse().ok()).unwrap_or(0);
    let results: i64 = q.get("results").and_then(|v| v.parse().ok()).unwrap_or(15);
    let store = s.store();
    let active: Vec<&Resource> = store.resources.iter().filter(|r| r.active).collect();
    let page: Vec<Value> = active
        .iter()
        .skip(start)
        .take(if results <= 0 {
            usize::MAX
        } else {
            results as usize
        })
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "activity_id": r.activity_id,
                "active": 1,
                "building_id": r.building_id,
            })
        })
        .collect();
    Json(json!({
        "total_records": active.len(),
        "start": start,
        "sort": "id",
        "dir": "ASC",
        "results": page,
    }))
    .into_response()
}

/// A naive Oslo wall-clock time as PorticoEstate serialises it: ISO 8601 with the offset
/// (an ambiguous autumn time is the first, a spring gap moves forward an hour).
fn oslo(t: NaiveDateTime) -> String {
    let zone = chrono_tz::Europe::Oslo;
    let local = zone.from_local_datetime(&t).earliest().or_else(|| {
        zone.from_local_datetime(&(t + chrono::Duration::hours(1)))
            .earliest()
    });
    match local {
        Some(l) => l.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

fn resource_ref(store: &Store, id: i64) -> Value {
    match store.resources.iter().find(|r| r.id == id) {
        Some(r) => json!({
            "id": r.id,
            "name": r.name,
            "activity_id": r.activity_id,
            "building_id": r.building_id,
        }),
        None => json!({ "id": id }),
    }
}

/// `GET /booking/resources/{id}/schedule?start_date&end_date`: the active allocations (of
/// published seasons), bookings and events overlapping the window, `end_date` inclusive, as one
/// flat array.
async fn schedule(
    State(s): AppState,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Invalid resource ID provided.",
        );
    };
    let Some(start) = q.get("start_date") else {
        return error(
            StatusCode::BAD_REQUEST,
            "Both start_date and end_date parameters are required",
        );
    };
    let parse = |v: &str| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
    let Some(start) = parse(start) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid date format. Use YYYY-MM-DD format.",
        );
    };
    let end = match q.get("end_date") {
        Some(v) => match parse(v) {
            Some(d) => d,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Invalid date format. Use YYYY-MM-DD format.",
                );
            }
        },
        None => start
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(start),
    };
    let store = s.store();
    let Some(resource) = store.resource(id) else {
        return error(StatusCode::NOT_FOUND, "Resource not found");
    };
    let from = start.and_time(NaiveTime::MIN);
    let to = end.and_hms_opt(23, 59, 59).unwrap_or(from);
    let overlaps = |a: NaiveDateTime, b: NaiveDateTime| a <= to && b >= from;
    let building_name = store
        .building(resource.building_id)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let base = |kind: &str, id: i64, a: NaiveDateTime, b: NaiveDateTime| {
        json!({
            "type": kind,
            "id": id,
            "active": 1,
            "from_": oslo(a),
            "to_": oslo(b),
            "completed": 0,
            "building_name": building_name,
            "skip_bas": 0,
            "resources": [resource_ref(&store, resource.id)],
        })
    };
    // Active, on this resource, overlapping the window, and (allocations and bookings) of a
    // published season.
    let shown = |active: bool, resources: &[i64], season: Option<i64>, a, b| {
        active
            && resources.contains(&id)
            && season.is_none_or(|s| store.published_seasons.contains(&s))
            && overlaps(a, b)
    };
    let mut rows = Vec::new();
    for a in store
        .allocations
        .values()
        .filter(|a| shown(a.active, &a.resource_ids, Some(a.season_id), a.from, a.to))
    {
        let mut row = base("allocation", a.id, a.from, a.to);
        extend(
            &mut row,
            json!({
                "organization_id": a.organization_id,
                "organization_name": a.organization_name,
                "season_id": a.season_id,
                "id_string": a.id.to_string(),
            }),
        );
        rows.push(row);
    }
    for b in store
        .bookings
        .values()
        .filter(|b| shown(b.active, &b.resource_ids, Some(b.season_id), b.from, b.to))
    {
        let mut row = base("booking", b.id, b.from, b.to);
        extend(
            &mut row,
            json!({
                "group_id": b.group_id,
                "group_name": b.group_name,
                "season_id": b.season_id,
                // The resource's activity, not the booking's (the query joins it).
                "activity_id": resource.activity_id,
            }),
        );
        if let Some(parent) = b.allocation_id {
            row["allocation_id"] = json!(parent);
        }
        rows.push(row);
    }
    for e in store
        .events
        .values()
        .filter(|e| shown(e.active, &e.resource_ids, None, e.from, e.to))
    {
        let mut row = base("event", e.id, e.from, e.to);
        extend(
            &mut row,
            json!({
                "activity_id": resource.activity_id,
                "is_public": 0,
                "reminder": 1,
                "id_string": e.id.to_string(),
                "building_id": e.building_id,
                "name": text::decode(&e.name),
            }),
        );
        rows.push(row);
    }
    Json(Value::Array(rows)).into_response()
}

fn extend(row: &mut Value, more: Value) {
    if let (Some(row), Value::Object(more)) = (row.as_object_mut(), more) {
        row.extend(more);
    }
}

// ---- events ----

/// A request body as PorticoEstate reads it: JSON when the Content-Type says so, else form
/// fields. `Err` is the answer to give.
fn body_fields(headers: &HeaderMap, body: &str) -> Result<Map<String, Value>, Refused> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if json {
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(fields)) => Ok(fields),
            _ => Err(Refused(
                StatusCode::BAD_REQUEST,
                "Invalid JSON format".into(),
            )),
        }
    } else {
        Ok(url::form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect())
    }
}

/// A field as text, absent when missing, null or empty (PHP's `empty()`, for which "0" is
/// empty too).
fn text_field(fields: &Map<String, Value>, name: &str) -> Option<String> {
    let value = match fields.get(name)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "1".into(),
        _ => return None,
    };
    (!value.is_empty() && value != "0").then_some(value)
}

/// A time as PorticoEstate stores it: the wall-clock part of what was sent, any offset
/// dropped (a literal cast to `timestamp without time zone`).
fn wall_clock(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    let naive = value
        .get(..19)
        .map(|v| v.replace('T', " "))
        .and_then(|v| NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S").ok());
    naive.or_else(|| {
        value
            .get(..16)
            .map(|v| v.replace('T', " "))
            .and_then(|v| NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M").ok())
    })
}

/// The event model's validation (lengths count the escaped bytes, as PorticoEstate checks
/// after sanitising): every failure, as a 400 whose `details` is a list of strings.
fn invalid(
    name: &str,
    contact_name: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Option<Response> {
    let mut details = Vec::new();
    if contact_name.is_empty() {
        details.push("Contact name is required");
    } else if contact_name.len() > 50 {
        details.push("Contact name must be 50 characters or less");
    }
    if name.len() > 255 {
        details.push("Name must be 255 characters or less");
    }
    if to <= from {
        details.push("End time must be after start time");
    }
    (!details.is_empty()).then(|| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "Validation failed", "details": details })),
        )
            .into_response()
    })
}

fn forbidden() -> Response {
    error(StatusCode::FORBIDDEN, "Permission denied")
}

fn event_json(e: &Event) -> Value {
    json!({
        "id": e.id,
        "id_string": e.id.to_string(),
        "active": e.active,
        "activity_id": e.activity_id,
        "name": e.name,
        "organizer": e.organizer,
        "description": e.description,
        "building_id": e.building_id,
        "building_name": e.building_name,
        "from_": oslo(e.from),
        "to_": oslo(e.to),
        "contact_name": e.contact_name,
        "contact_email": e.contact_email,
        "customer_internal": 0,
        "include_in_list": 0,
        "reminder": 1,
        "is_public": 0,
        "completed": 0,
        "resources": e.resource_ids,
    })
}

fn conflict(e: &Event) -> Response {
    (
        StatusCode::CONFLICT,
        Json(json!({
            "error": "Time conflict detected",
            "details": format!("Time conflict: Overlaps with existing event #{} ({})", e.id, text::decode(&e.name)),
        })),
    )
        .into_response()
}

/// `POST /booking/resources/{resource_id}/events`.
async fn create_event(
    State(s): AppState,
    Path(resource_id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !s.config.rights.add {
        return forbidden();
    }
    let resource_id = resource_id.parse::<i64>().unwrap_or(0);
    if resource_id <= 0 {
        return error(StatusCode::BAD_REQUEST, "Invalid resource ID");
    }
    if body.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "No data received");
    }
    let fields = match body_fields(&headers, &body) {
        Ok(f) => f,
        Err(answer) => return answer.into_response(),
    };
    let mut store = s.store();
    let Some(resource) = store.resource(resource_id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Resource not found");
    };
    for required in ["title", "from_", "to_", "source"] {
        if text_field(&fields, required).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Missing required field: {required}"),
            );
        }
    }
    let name = text::escape(&text_field(&fields, "title").unwrap_or_default());
    let contact_name = text::escape(&text_field(&fields, "contact_name").unwrap_or_default());
    let (Some(from), Some(to)) = (
        wall_clock(&text_field(&fields, "from_").unwrap_or_default()),
        wall_clock(&text_field(&fields, "to_").unwrap_or_default()),
    ) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Failed to create event");
    };
    if let Some(refusal) = invalid(&name, &contact_name, from, to) {
        return refusal;
    }
    let duplicate = store.events.values().any(|e| {
        e.active
            && e.resource_ids.contains(&resource_id)
            && e.name == name
            && e.from == from
            && e.to == to
    });
    if duplicate {
        return (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "Time conflict detected",
                "details": "Duplicate event: An identical event already exists for this resource and time period",
            })),
        )
            .into_response();
    }
    if let Some(e) = store.conflicting_event(&[resource_id], from, to, None) {
        return conflict(e);
    }
    let building_name = store
        .building(resource.building_id)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let id = store.next_id();
    let email = text_field(&fields, "contact_email")
        .filter(|e| text::is_email(e))
        .unwrap_or_default();
    let event = Event {
        id,
        resource_ids: vec![resource_id],
        building_id: resource.building_id,
        building_name,
        organizer: if contact_name.is_empty() {
            "Calendar Bridge".into()
        } else {
            contact_name.clone()
        },
        name,
        contact_name,
        contact_email: email,
        description: text::purify(&text_field(&fields, "description").unwrap_or_default()),
        activity_id: text_field(&fields, "activity_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1),
        from,
        to,
        active: true,
    };
    let answer = event_json(&event);
    store.events.insert(id, event);
    (
        StatusCode::CREATED,
        Json(json!({ "id": id, "event_id": id, "success": true, "event": answer })),
    )
        .into_response()
}

fn event_id(id: &str) -> Result<i64, Refused> {
    id.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Refused(StatusCode::BAD_REQUEST, "Invalid event ID".into()))
}

/// `GET /booking/events/{id}`: also an inactive (cancelled) event; its text as stored
/// (escaped).
async fn read_event(State(s): AppState, Path(id): Path<String>) -> Response {
    let id = match event_id(&id) {
        Ok(id) => id,
        Err(answer) => return answer.into_response(),
    };
    let store = s.store();
    match store.events.get(&id) {
        Some(e) => Json(event_json(e)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Event not found"),
    }
}

/// `PUT /booking/events/{id}`: the model's own property names (`name`, not `title`); unknown
/// keys are ignored, empty values are dropped (a field cannot be cleared); the conflict check
/// runs only when a time is sent.
async fn update_event(
    State(s): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !s.config.rights.edit {
        return forbidden();
    }
    let id = match event_id(&id) {
        Ok(id) => id,
        Err(answer) => return answer.into_response(),
    };
    let fields = match body_fields(&headers, &body) {
        Ok(f) => f,
        Err(answer) => return answer.into_response(),
    };
    let fields: Map<String, Value> = fields
        .into_iter()
        .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
        .collect();
    if fields.is_empty() {
        return error(StatusCode::BAD_REQUEST, "No update data provided");
    }
    let mut store = s.store();
    let Some(mut event) = store.events.get(&id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Event not found");
    };
    if let Some(name) = text_field(&fields, "name") {
        event.name = text::escape(&name);
    }
    if let Some(description) = text_field(&fields, "description") {
        event.description = text::purify(&description);
    }
    if let Some(contact) = text_field(&fields, "contact_name") {
        event.contact_name = text::escape(&contact);
    }
    let times_sent = fields.contains_key("from_") || fields.contains_key("to_");
    for (field, slot) in [("from_", &mut event.from), ("to_", &mut event.to)] {
        if let Some(value) = text_field(&fields, field) {
            match wall_clock(&value) {
                Some(t) => *slot = t,
                None => return error(StatusCode::INTERNAL_SERVER_ERROR, "Failed to update event"),
            }
        }
    }
    if let Some(refusal) = invalid(&event.name, &event.contact_name, event.from, event.to) {
        return refusal;
    }
    if times_sent
        && let Some(other) =
            store.conflicting_event(&event.resource_ids, event.from, event.to, Some(id))
    {
        return conflict(other);
    }
    let answer = event_json(&event);
    store.events.insert(id, event);
    Json(json!({ "success": true, "event": answer })).into_response()
}

/// `PATCH /booking/events/{id}/toggle-active`: `active` 0/1/false/true, or a flip when the
/// body has none; reactivating is not checked for conflicts.
async fn toggle_active(
    State(s): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !s.config.rights.edit {
        return forbidden();
    }
    let id = match event_id(&id) {
        Ok(id) => id,
        Err(answer) => return answer.into_response(),
    };
    let fields = if body.trim().is_empty() {
        Map::new()
    } else {
        match body_fields(&headers, &body) {
            Ok(f) => f,
            Err(answer) => return answer.into_response(),
        }
    };
    let mut store = s.store();
    let Some(event) = store.events.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "Event not found");
    };
    event.active = match fields.get("active") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => s == "1" || s == "true",
        _ => !event.active,
    };
    let active = event.active;
    let event = event.clone();
    let answer = event_json(&event);
    Json(json!({
        "success": true,
        "message": if active { "Event activated successfully" } else { "Event deactivated successfully" },
        "event_id": id,
        "active": active,
        "event": answer,
    }))
    .into_response()
}

// ---- admin (the emulator's own, for tests and the demo) ----

/// Queues faults for the next `/booking` requests: `{"kind": "status", "status": 503,
/// "count": 2}`, `{"kind": "html", "count": 1}` (an error page with status 200, as
/// PorticoEstate answers an error inside it) or `{"kind": "slow", "delay_ms": 5000}` (carried
/// out, answered late); with `"method": "POST"`, for requests of that method only.
async fn add_faults(State(s): AppState, Json(body): Json<Value>) -> Response {
    let only = body["method"].as_str().map(str::to_ascii_uppercase);
    let fault = match body["kind"].as_str() {
        Some("slow") => Fault::Slow {
            delay_ms: body["delay_ms"].as_u64().unwrap_or(1000).min(600_000),
        },
        Some("status") => match body["status"].as_u64().and_then(|v| u16::try_from(v).ok()) {
            Some(status) if (400..600).contains(&status) => Fault::Status(status),
            _ => return error(StatusCode::BAD_REQUEST, "status must be 400-599"),
        },
        Some("html") => Fault::HtmlPage,
        _ => return error(StatusCode::BAD_REQUEST, "kind must be status, html or slow"),
    };
    let count = body["count"].as_u64().unwrap_or(1).min(1000);
    let mut store = s.store();
    for _ in 0..count {
        store.faults.push_back((fault, only.clone()));
    }
    StatusCode::NO_CONTENT.into_response()
}

/// How many sign-ins there have been, and how many sessions are open.
async fn sessions(State(s): AppState) -> Json<Value> {
    let store = s.store();
    Json(json!({ "logins": store.logins, "open": store.sessions.len() }))
}

async fn expire_sessions(State(s): AppState) -> StatusCode {
    s.store().sessions.clear();
    StatusCode::NO_CONTENT
}

fn admin_times(body: &Value) -> Result<(NaiveDateTime, NaiveDateTime), Refused> {
    let get = |k: &str| body[k].as_str().and_then(wall_clock);
    match (get("from_"), get("to_")) {
        (Some(a), Some(b)) if a < b => Ok((a, b)),
        _ => Err(Refused(
            StatusCode::BAD_REQUEST,
            "from_ and to_ must be local times, from_ first".into(),
        )),
    }
}

/// An admin insert: the body's times checked, a fresh id, `insert` puts the row in.
fn admin_insert(
    s: &Shared,
    body: &Value,
    insert: impl FnOnce(&mut Store, i64, NaiveDateTime, NaiveDateTime),
) -> Response {
    let (from, to) = match admin_times(body) {
        Ok(t) => t,
        Err(answer) => return answer.into_response(),
    };
    let mut store = s.store();
    let id = store.next_id();
    insert(&mut store, id, from, to);
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

fn ids(body: &Value) -> Vec<i64> {
    body["resource_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Adds an allocation, as the season planning would: `{resource_ids, from_, to_,
/// organization_name, season_id?, active?}`.
async fn insert_allocation(State(s): AppState, Json(body): Json<Value>) -> Response {
    admin_insert(&s, &body, |store, id, from, to| {
        store.allocations.insert(
            id,
            Allocation {
                id,
                resource_ids: ids(&body),
                organization_id: body["organization_id"].as_i64().unwrap_or(1),
                organization_name: body["organization_name"]
                    .as_str()
                    .unwrap_or("Organisation")
                    .to_owned(),
                season_id: body["season_id"].as_i64().unwrap_or(1),
                from,
                to,
                active: body["active"].as_bool().unwrap_or(true),
            },
        );
    })
}

/// Adds a booking inside an allocation: `{resource_ids, from_, to_, group_name,
/// allocation_id?, season_id?, active?}`.
async fn insert_booking(State(s): AppState, Json(body): Json<Value>) -> Response {
    admin_insert(&s, &body, |store, id, from, to| {
        store.bookings.insert(
            id,
            Booking {
                id,
                resource_ids: ids(&body),
                allocation_id: body["allocation_id"].as_i64(),
                group_id: body["group_id"].as_i64().unwrap_or(1),
                group_name: body["group_name"].as_str().unwrap_or("Group").to_owned(),
                season_id: body["season_id"].as_i64().unwrap_or(1),
                from,
                to,
                active: body["active"].as_bool().unwrap_or(true),
            },
        );
    })
}
