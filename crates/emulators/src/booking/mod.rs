//! Booking-system emulator: the REST contract of `docs/booking-api.yaml`, served by a real HTTP
//! server on loopback with its own in-memory state.
//!
//! It is as strict as the contract: a missing API key is a 401, a create without
//! `Idempotency-Key` or a write without `If-Match` is a 428, a stale `If-Match` is a 412, an
//! invalid reservation is a 422 listing every wrong field, all as `application/problem+json`.
//! Changes "from the outside" (a test, a user at the booking desk) go through the same API.
//!
//! Two emulator-only routes live outside the vendor contract, under `/admin` with the same
//! bearer auth:
//! - `POST /admin/raw-reservations`: stores the JSON body as it is and puts it in the change
//!   feed (201, `{ "id": ... }`), so tests can feed a client a malformed reservation.
//! - `POST /admin/faults` with `{ "status": 503, "count": 1, "retry_after": 2 }`: the next
//!   `count` requests to `/api/v1` are answered with that status (and `Retry-After` seconds),
//!   so tests can see how a client copes with throttling and outages. Real booking systems
//!   also fail half-way, and so can the next requests: `{ "kind": "drop", "apply_effect":
//!   true }` closes the connection without an answer (after serving the request when
//!   `apply_effect` is set), and `{ "kind": "slow", "delay_ms": 3000 }` serves the request and
//!   holds its answer back.

mod bulk_seed;
mod demo_seed;
mod model;
mod problem;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::demo::{DEMO_RESOURCES, DEMO_ZONE};
use crate::seed::Seed;
use model::Reservation;
use problem::{FieldError, Problem};
use store::{Created, Entry, Fault, FaultAnswer, Resource, Store};

/// How to start a [`BookingEmulator`].
#[derive(Clone)]
pub struct BookingEmulatorConfig {
    /// The API key clients must send as `Authorization: Bearer <key>`.
    pub api_key: String,
    /// What the emulator holds at start: the demo municipality's month, no reservations, or
    /// (with [`Seed::Bulk`]) the benchmark rooms instead of the demo resources, each with its
    /// one-hour reservations over the next 300 days.
    pub seed: Seed,
}

/// A running booking-system emulator. Stops on [`BookingEmulator::shutdown`] or when dropped.
pub struct BookingEmulator {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

const PAGE_DEFAULT: usize = 100;
const PAGE_MAX: usize = 500;

impl BookingEmulator {
    /// Binds `bind` (use `127.0.0.1:0` for a free port) and serves the contract. The demo
    /// seed's weeks start from today's date in Europe/Oslo.
    pub async fn start(
        config: BookingEmulatorConfig,
        bind: SocketAddr,
    ) -> std::io::Result<BookingEmulator> {
        let today = Utc::now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .date_naive();
        Self::start_at(config, bind, today).await
    }

    /// Like [`BookingEmulator::start`], with the demo seed's weeks placed around `today`: the
    /// same `today` gives the same reservations.
    pub async fn start_at(
        config: BookingEmulatorConfig,
        bind: SocketAddr,
        today: NaiveDate,
    ) -> std::io::Result<BookingEmulator> {
        let app = app(config, today)?;
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender also means stop.
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "booking emulator listening");
        Ok(BookingEmulator {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The contract's base URL, e.g. `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// The base of the emulator-only admin routes, e.g. `http://127.0.0.1:PORT/admin`.
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// Stops accepting requests and waits for the server to finish the ones in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Ok(Err(error)) = task.await
        {
            tracing::warn!(%error, "booking emulator stopped with an error");
        }
    }
}

impl Drop for BookingEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Runs an emulator on `bind` until ctrl-c: what `roombridge emulate booking` does.
pub async fn run(config: BookingEmulatorConfig, bind: SocketAddr) -> std::io::Result<()> {
    let emulator = BookingEmulator::start(config, bind).await?;
    tracing::info!(base_url = %emulator.base_url(), "booking emulator running; ctrl-c stops it");
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await;
    Ok(())
}

/// The emulator's routes over a fresh state seeded as `config` says (the demo seed's weeks
/// around `today`), without a listener: what [`BookingEmulator::start_at`] serves, for driving
/// in-process (the fuzzer in `crates/fuzz` sends it requests with `tower::ServiceExt::oneshot`).
/// Fails only if the seed does not pass the emulator's own validation.
pub fn app(config: BookingEmulatorConfig, today: NaiveDate) -> std::io::Result<Router> {
    let mut store = match config.seed {
        Seed::Bulk { rooms, .. } => Store::new(bulk_seed::resources(rooms)),
        Seed::Demo | Seed::Empty => Store::new(demo_resources()),
    };
    match config.seed {
        Seed::Demo => demo_seed::seed(&mut store, today).map_err(std::io::Error::other)?,
        Seed::Bulk { per_room, .. } => {
            bulk_seed::seed(&mut store, today, per_room).map_err(std::io::Error::other)?;
        }
        Seed::Empty => {}
    }
    Ok(router(Arc::new(Shared {
        api_key: config.api_key,
        store: Mutex::new(store),
    })))
}

fn demo_resources() -> Vec<Resource> {
    DEMO_RESOURCES
        .iter()
        .map(|r| Resource {
            id: r.id.to_owned(),
            name: r.name.to_owned(),
            kind: r.kind.to_owned(),
            email: Some(r.email.to_owned()),
            time_zone: DEMO_ZONE.to_owned(),
            capacity: r.capacity,
            building: r.building.to_owned(),
        })
        .collect()
}

struct Shared {
    api_key: String,
    store: Mutex<Store>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A handler that panicked while holding the lock left the store as it was at the
        // panic; serving that is better for an emulator than failing every later request.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

type AppState = State<Arc<Shared>>;

fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/resources", get(list_resources))
        .route("/reservations", get(feed).post(create))
        .route("/reservations/{id}", get(read).patch(update))
        .route("/reservations/{id}/cancel", post(cancel));
    let admin = Router::new()
        .route("/raw-reservations", post(insert_raw))
        .route("/faults", post(add_fault));
    Router::new()
        .nest("/api/v1", api)
        .nest("/admin", admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Injected faults first (a gateway in front of the service fails before auth), then the API
/// key on every route.
async fn guard(State(shared): AppState, request: Request, next: Next) -> Response {
    let fault = if request.uri().path().starts_with("/api/v1/") {
        shared.store().take_fault()
    } else {
        None
    };
    match fault.map(|f| f.answer) {
        Some(FaultAnswer::Status {
            status,
            retry_after,
        }) => Problem::new(
            status,
            "injected-fault",
            "Injected fault",
            "The emulator was told to fail this request.",
        )
        .with_retry_after(retry_after)
        .into_response(),
        Some(FaultAnswer::Drop { apply_effect }) => {
            if apply_effect {
                // The answer is thrown away with the connection.
                let _ = authorised(&shared, request, next).await;
            }
            dropped_connection()
        }
        Some(FaultAnswer::Slow { delay }) => {
            let response = authorised(&shared, request, next).await;
            tokio::time::sleep(delay).await;
            response
        }
        None => authorised(&shared, request, next).await,
    }
}

async fn authorised(shared: &Shared, request: Request, next: Next) -> Response {
    let authorised = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| !shared.api_key.is_empty() && key == shared.api_key);
    if !authorised {
        return Problem::unauthorized().into_response();
    }
    next.run(request).await
}

/// A response whose body fails before its first byte: hyper then closes the connection with
/// the head still unsent, so the client sees the connection drop without any answer.
fn dropped_connection() -> Response {
    Response::new(axum::body::Body::new(FailingBody))
}

struct FailingBody;

impl axum::body::HttpBody for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))))
    }
}

async fn not_found() -> Problem {
    Problem::not_found("No such route in the booking API.")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "This route does not accept this method.",
    )
}

async fn list_resources(State(shared): AppState) -> Response {
    let store = shared.store();
    let items: Vec<Value> = store
        .resources()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "kind": r.kind,
                "email": r.email,
                "time_zone": r.time_zone,
                "capacity": r.capacity,
                "building": r.building,
            })
        })
        .collect();
    Json(json!({ "items": items })).into_response()
}

const CURSOR_PREFIX: &str = "c1.";

fn encode_cursor(seq: u64) -> String {
    format!("{CURSOR_PREFIX}{seq:012x}")
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    u64::from_str_radix(hex, 16).ok()
}

async fn feed(State(shared): AppState, RawQuery(query): RawQuery) -> Result<Response, Problem> {
    let (mut resource_id, mut cursor, mut limit) = (None, None, PAGE_DEFAULT);
    let mut seen = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        if seen.contains(&key) {
            return Err(Problem::bad_request(format!("`{key}` is given twice")));
        }
        seen.push(key.clone());
        match &*key {
            "resource_id" => resource_id = Some(value.into_owned()),
            "cursor" => {
                cursor = Some(decode_cursor(&value).ok_or_else(|| {
                    Problem::bad_request(format!("`{value}` is not a cursor this API handed out"))
                })?);
            }
            "limit" => {
                limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=PAGE_MAX).contains(n))
                    .ok_or_else(|| {
                        Problem::bad_request(format!(
                            "`limit` must be an integer from 1 to {PAGE_MAX}"
                        ))
                    })?;
            }
            other => {
                return Err(Problem::bad_request(format!(
                    "`{other}` is not a parameter of the feed (resource_id, cursor, limit)"
                )));
            }
        }
    }
    let store = shared.store();
    if let Some(id) = &resource_id
        && !store.resources().iter().any(|r| &r.id == id)
    {
        return Err(Problem::bad_request(format!(
            "no resource has the id `{id}`"
        )));
    }
    let cursor = cursor.unwrap_or(0);
    if cursor > store.seq() {
        return Err(Problem::new(
            StatusCode::GONE,
            "cursor-expired",
            "Unknown cursor",
            "This cursor is not known (the booking system may have been reset). Read the feed again without a cursor.",
        ));
    }
    let page = store.feed(resource_id.as_deref(), cursor, limit);
    Ok(Json(json!({
        "items": page.items,
        "next_cursor": encode_cursor(page.next_cursor),
        "has_more": page.has_more,
    }))
    .into_response())
}

async fn read(State(shared): AppState, Path(id): Path<String>) -> Result<Response, Problem> {
    match shared.store().get(&id) {
        Some(Entry::Valid(r)) => Ok(reservation_response(StatusCode::OK, r)),
        Some(Entry::Raw(raw)) => Ok(Json(raw.clone()).into_response()),
        None => Err(Problem::not_found(format!(
            "no reservation has the id `{id}`"
        ))),
    }
}

async fn create(
    State(shared): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let body = json_body(&headers, &body)?;
    let created = shared.store().create(body, Some(&key), Utc::now())?;
    Ok(match created {
        Created::New(r) => {
            let mut response = reservation_response(StatusCode::CREATED, &r);
            if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/reservations/{}", r.id)) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Created::Replayed(r) => {
            let mut response = reservation_response(StatusCode::OK, &r);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
    })
}

async fn update(
    State(shared): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (version, body) = change_request(&headers, &body)?;
    let Value::Object(patch) = body else {
        return Err(Problem::validation(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    };
    let r = shared.store().update(&id, version, &patch, Utc::now())?;
    Ok(reservation_response(StatusCode::OK, &r))
}

async fn cancel(
    State(shared): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (version, body) = change_request(&headers, &body)?;
    let mut errors = Vec::new();
    let note = match body.get("note") {
        Some(Value::String(note)) if note.trim().is_empty() => {
            errors.push(FieldError::new(
                "note",
                "must say why the reservation is cancelled",
            ));
            None
        }
        Some(Value::String(note)) if note.chars().count() > 2000 => {
            errors.push(FieldError::new("note", "must be at most 2000 characters"));
            None
        }
        Some(Value::String(note)) => Some(note.clone()),
        Some(_) => {
            errors.push(FieldError::new("note", "must be a string"));
            None
        }
        None => {
            errors.push(FieldError::new("note", "is required"));
            None
        }
    };
    if let Value::Object(map) = &body {
        for key in map.keys().filter(|k| *k != "note") {
            errors.push(FieldError::new(key, "is not a field of a cancellation"));
        }
    } else {
        errors.push(FieldError::new("", "the body must be a JSON object"));
    }
    let note = match note {
        Some(note) if errors.is_empty() => note,
        _ => return Err(Problem::validation(errors)),
    };
    let r = shared.store().cancel(&id, version, note, Utc::now())?;
    Ok(reservation_response(StatusCode::OK, &r))
}

async fn insert_raw(
    State(shared): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let body = json_body(&headers, &body)?;
    if !body.is_object() {
        return Err(Problem::bad_request("a raw reservation is a JSON object"));
    }
    let id = shared.store().insert_raw(body);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn add_fault(
    State(shared): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let body = json_body(&headers, &body)?;
    let answer = match body.get("kind").and_then(Value::as_str).unwrap_or("status") {
        "status" => status_fault(&body)?,
        "drop" => FaultAnswer::Drop {
            apply_effect: match body.get("apply_effect") {
                None | Some(Value::Null) => false,
                Some(v) => v
                    .as_bool()
                    .ok_or_else(|| Problem::bad_request("`apply_effect` must be true or false"))?,
            },
        },
        "slow" => FaultAnswer::Slow {
            delay: std::time::Duration::from_millis(
                body.get("delay_ms")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| Problem::bad_request("`delay_ms` must be whole milliseconds"))?,
            ),
        },
        other => {
            return Err(Problem::bad_request(format!(
                "`kind` {other:?} is not a fault (status, drop, slow)"
            )));
        }
    };
    let count = match body.get("count") {
        None => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| Problem::bad_request("`count` must be a positive integer"))?,
    };
    shared.store().push_fault(Fault {
        answer,
        remaining: count,
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn status_fault(body: &Value) -> Result<FaultAnswer, Problem> {
    let status = body
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(|s| s.is_client_error() || s.is_server_error())
        .ok_or_else(|| Problem::bad_request("`status` must be an HTTP error status (400-599)"))?;
    let retry_after = match body.get("retry_after") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| Problem::bad_request("`retry_after` must be whole seconds"))?,
        ),
    };
    Ok(FaultAnswer::Status {
        status,
        retry_after,
    })
}

/// A reservation as the contract answers it: its JSON, its version as the `ETag`.
fn reservation_response(status: StatusCode, r: &Reservation) -> Response {
    let mut response = (status, Json(r.to_json())).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", r.version)) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// The body as JSON: `application/json` or a `+json` type such as merge-patch.
fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json"
        && !(essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "The body must be JSON",
            format!("Content-Type `{content_type}` is not application/json."),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("The body is not valid JSON: {e}")))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "idempotency-key-required",
            "Idempotency-Key required",
            "Creating a reservation requires an Idempotency-Key header, so that a retry cannot create it twice.",
        ));
    };
    value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| {
            Problem::bad_request("Idempotency-Key must be 1 to 255 printable ASCII characters")
        })
}

/// What a change to a reservation reads first: the version it is made at ([`if_match`]), then
/// its JSON body.
fn change_request(headers: &HeaderMap, body: &[u8]) -> Result<(i64, Value), Problem> {
    let version = if_match(headers)?;
    Ok((version, json_body(headers, body)?))
}

fn if_match(headers: &HeaderMap) -> Result<i64, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "if-match-required",
            "If-Match required",
            "Changing a reservation requires If-Match with the version last read, e.g. If-Match: \"3\".",
        ));
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix('"'))
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| Problem::bad_request("If-Match must be a quoted version, e.g. \"3\""))
}
