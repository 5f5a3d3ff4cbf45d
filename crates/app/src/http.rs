//! The headless server: the same operations as the desktop app, as JSON over HTTP on loopback,
//! plus the UI's files. Every `/api` route needs the access token printed at start-up; each
//! handler is one call into [`App`].

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio_stream::wrappers::BroadcastStream;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::decisions::{BulkDecisionRequest, DecisionRequest, conflict_id, decided_by};
use crate::doctor::DoctorRequest;
use crate::export::ExportFormat;
use crate::mappings::{NewRoom, RoomEdit};
use crate::overview::Span;
use crate::query::HistoryQuery;
use crate::settings::SettingsUpdate;
use crate::setup::Live;
use crate::views::Update;
use crate::wizard::{BookingForm, FinishRequest, TenantForm, Wizard};
use crate::{ApiError, App, ErrorCode};

/// Where and how to serve.
pub struct HttpOptions {
    /// Must be a loopback address.
    pub listen: SocketAddr,
    /// The built UI (`ui/dist`).
    pub ui_dir: PathBuf,
    /// The access token every API call must carry.
    pub token: String,
}

/// A running server.
pub struct HttpServer {
    pub addr: SocketAddr,
    token: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl HttpServer {
    /// The address to open in a browser, token included.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }

    /// Waits until the server stops (it stops only with an IO error).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

#[derive(Clone)]
struct Shared {
    app: Arc<App>,
    gate: Gate,
}

/// The access token, and the cookie that carries it after the first page load. The token
/// comes in the address once (`/?token=…`, as printed at start-up); the server answers with the
/// cookie and the address without it, so it does not stay in the browser's history. The API
/// then takes the cookie or an `Authorization: Bearer` header, never the address.
#[derive(Clone)]
struct Gate {
    token: Arc<str>,
    /// One name per port: browsers share a host's cookies across its ports.
    cookie: Arc<str>,
}

impl Gate {
    fn new(token: Arc<str>, port: u16) -> Gate {
        Gate {
            token,
            cookie: format!("roombridge-{port}").into(),
        }
    }

    fn admits(&self, given: &str) -> bool {
        constant_time_eq(given.as_bytes(), self.token.as_bytes())
    }

    /// The token a request carries, as a bearer header or the cookie.
    fn given<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        bearer.or_else(|| {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| *name == &*self.cookie)
                .map(|(_, value)| value)
        })
    }
}

/// Binds and starts serving a running app. Refuses anything but a loopback address: the API
/// has no TLS.
pub async fn serve(app: Arc<App>, options: HttpOptions) -> std::io::Result<HttpServer> {
    serve_live(Live::Running(app), options).await
}

/// Binds and starts serving live mode: the app if it runs, else the setup wizard, which is
/// replaced by the app's API the moment the wizard has started it (no restart, same address
/// and token). Refuses anything but a loopback address: the API has no TLS.
pub async fn serve_live(live: Live, options: HttpOptions) -> std::io::Result<HttpServer> {
    if !options.listen.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "RoomBridge serves only on loopback (127.0.0.1 or ::1), not {}",
                options.listen
            ),
        ));
    }
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let addr = listener.local_addr()?;
    let gate = Gate::new(options.token.clone().into(), addr.port());
    let ui_dir = options.ui_dir;
    let router = match live {
        Live::Running(app) => router(
            Shared {
                app,
                gate: gate.clone(),
            },
            ui_dir,
        ),
        Live::Setup(wizard) => {
            let setup = setup_router(wizard.clone(), gate.clone(), ui_dir.clone());
            let gate = gate.clone();
            // The app's router, built on the first request after the wizard has started the
            // app (checked per request, so the answer to the wizard's last step is followed by
            // the app's API without a gap).
            let running = Arc::new(std::sync::OnceLock::<Router>::new());
            let started = wizard.started();
            Router::new().fallback(move |request: Request| {
                let router = match running.get() {
                    Some(r) => r.clone(),
                    None => match started.borrow().clone() {
                        Some(app) => running
                            .get_or_init(|| {
                                router(
                                    Shared {
                                        app,
                                        gate: gate.clone(),
                                    },
                                    ui_dir.clone(),
                                )
                            })
                            .clone(),
                        None => setup.clone(),
                    },
                };
                async move {
                    match router.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                }
            })
        }
    };
    let router = router
        .layer(middleware::from_fn_with_state(gate, token_from_address))
        .layer(middleware::from_fn_with_state(addr.port(), guard));
    let task = tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(HttpServer {
        addr,
        token: options.token,
        task,
    })
}

fn router(shared: Shared, ui_dir: PathBuf) -> Router {
    let api = Router::new()
        .route("/status", get(status))
        .route("/rooms", get(rooms).post(add_room))
        .route("/rooms/{id}", patch(edit_room).delete(remove_room))
        .route("/rooms/{id}/sync", post(sync_room))
        .route("/rooms/{id}/approve-deletions", post(approve_deletions))
        .route("/mappings/options", get(mapping_options))
        .route("/rooms/{id}/pause", post(pause_room))
        .route("/rooms/{id}/resume", post(resume_room))
        .route("/rooms/pause-all", post(pause_all))
        .route("/rooms/resume-all", post(resume_all))
        .route("/history", get(history))
        .route("/history/export", get(export_history))
        .route("/conflicts", get(conflicts))
        .route("/conflicts/{id}/decision", post(decide_conflict))
        .route("/conflicts/decisions", post(decide_conflicts))
        .route("/policies", get(policies))
        .route("/policies/default", put(set_default_policy))
        .route("/rooms/{id}/policy", put(set_room_policy))
        .route("/audit/verify", get(verify))
        .route("/settings", get(settings).put(update_settings))
        .route("/activity", get(activity))
        .route("/graph-budget", get(graph_budget))
        .route("/doctor", post(doctor))
        .route("/events", get(events))
        .fallback(|| async { ApiError::not_found("No such API route.") })
        .layer(middleware::from_fn_with_state(
            shared.gate.clone(),
            require_token,
        ))
        .with_state(shared);
    with_ui(api, ui_dir)
}

/// The API and the UI's files (any other path is the UI's index, for its own routing).
fn with_ui(api: Router, ui_dir: PathBuf) -> Router {
    let index = ui_dir.join("index.html");
    Router::new()
        .nest("/api", api)
        .fallback_service(ServeDir::new(ui_dir).fallback(ServeFile::new(index)))
}

#[derive(Clone)]
struct SetupShared {
    wizard: Arc<Wizard>,
}

/// The API before RoomBridge is set up: the wizard's steps, the status (`setup` mode), live
/// updates that end when the app starts (so the UI reconnects to the app's), and
/// `not_configured` for everything else.
fn setup_router(wizard: Arc<Wizard>, gate: Gate, ui_dir: PathBuf) -> Router {
    let api = Router::new()
        .route("/status", get(setup_status))
        .route("/setup", get(setup_state))
        .route("/setup/tenant", post(check_tenant))
        .route("/setup/booking", post(check_booking))
        .route("/setup/discover", post(discover))
        .route("/setup/finish", post(finish))
        .route("/events", get(setup_events))
        .fallback(|| async { ApiError::not_configured() })
        .layer(middleware::from_fn_with_state(gate, require_token))
        .with_state(SetupShared { wizard });
    with_ui(api, ui_dir)
}

async fn setup_status(State(s): State<SetupShared>) -> impl IntoResponse {
    Json(s.wizard.status())
}

async fn setup_state(State(s): State<SetupShared>) -> impl IntoResponse {
    Json(s.wizard.setup_state())
}

async fn check_tenant(
    State(s): State<SetupShared>,
    Body(form): Body<TenantForm>,
) -> Result<impl IntoResponse, ApiError> {
    s.wizard.check_tenant(form).await.map(Json)
}

async fn check_booking(
    State(s): State<SetupShared>,
    Body(form): Body<BookingForm>,
) -> Result<impl IntoResponse, ApiError> {
    s.wizard.check_booking(form).await.map(Json)
}

async fn discover(State(s): State<SetupShared>) -> Result<impl IntoResponse, ApiError> {
    s.wizard.discover().await.map(Json)
}

async fn finish(
    State(s): State<SetupShared>,
    Body(request): Body<FinishRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let app = s.wizard.finish(request).await?;
    app.status().map(Json)
}

/// No updates before the app runs; the stream ends once it does, and the UI's reconnect
/// reaches the app's own stream.
async fn setup_events(
    State(s): State<SetupShared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let wizard = s.wizard.clone();
    let ended = futures::stream::once(async move {
        let _ = wizard.wait_started().await;
    })
    .filter_map(|()| async { None });
    Sse::new(ended).keep_alive(KeepAlive::default())
}

async fn status(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.status().map(Json)
}

async fn rooms(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.list_rooms().map(Json)
}

async fn add_room(
    State(s): State<Shared>,
    Body(new): Body<NewRoom>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.add_room(new).await.map(Json)
}

async fn edit_room(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Body(edit): Body<RoomEdit>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.edit_room(&id, edit).map(Json)
}

async fn remove_room(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.remove_room(&id).map(|()| Json(serde_json::json!({})))
}

async fn doctor(
    State(s): State<Shared>,
    Body(request): Body<DoctorRequest>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.doctor(&request).await.map(Json)
}

async fn mapping_options(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.mapping_options().await.map(Json)
}

async fn sync_room(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.sync_room(&id).map(|()| Json(serde_json::json!({})))
}

async fn approve_deletions(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.app
        .approve_deletions(&id)
        .map(|()| Json(serde_json::json!({})))
}

async fn pause_room(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.pause_room(&id).map(Json)
}

async fn resume_room(
    State(s): State<Shared>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.resume_room(&id).map(Json)
}

async fn pause_all(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.pause_all().map(Json)
}

async fn resume_all(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.resume_all().map(Json)
}

async fn history(
    State(s): State<Shared>,
    Query(q): Query<HistoryQuery>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.query_history(&q).map(Json)
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// The filtered history as a file download: `?format=csv|jsonl` and the `/history` filters.
async fn export_history(
    State(s): State<Shared>,
    Query(f): Query<FormatQuery>,
    Query(q): Query<HistoryQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let export = s.app.export_history(
        &q,
        ExportFormat::from_name(f.format.as_deref().unwrap_or(""))?,
    )?;
    // The file name holds only [A-Za-z0-9_.-] (see `export::filename`), so it needs no escaping.
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                export.format.content_type().to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        export.text,
    ))
}

async fn conflicts(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.list_conflicts().map(Json)
}

async fn decide_conflict(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Body(d): Body<DecisionRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let id = conflict_id(&id)?;
    let choice = s.app.choice_for(id, &d)?;
    s.app
        .decide_conflict(id, choice, &decided_by(), &d.reason)
        .map(Json)
}

async fn decide_conflicts(
    State(s): State<Shared>,
    Body(b): Body<BulkDecisionRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let d = &b.decision;
    s.app
        .decide_conflicts(&b.ids, d.choice()?, &decided_by(), &d.reason)
        .map(Json)
}

async fn policies(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.get_policies().map(Json)
}

/// `{ "policy": "booking-wins" }`; `null` (rooms only) follows the default.
#[derive(Deserialize)]
struct PolicyBody {
    policy: Option<String>,
}

async fn set_default_policy(
    State(s): State<Shared>,
    Body(b): Body<PolicyBody>,
) -> Result<impl IntoResponse, ApiError> {
    s.app
        .set_default_policy(b.policy.as_deref().unwrap_or_default())
        .map(Json)
}

async fn set_room_policy(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Body(b): Body<PolicyBody>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.set_room_policy(&id, b.policy.as_deref()).map(Json)
}

async fn verify(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.verify_audit().map(Json)
}

async fn settings(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.settings().map(Json)
}

async fn update_settings(
    State(s): State<Shared>,
    Body(b): Body<SettingsUpdate>,
) -> Result<impl IntoResponse, ApiError> {
    s.app.update_settings(&b).map(Json)
}

#[derive(Deserialize)]
struct SpanQuery {
    span: Option<String>,
}

/// `?span=24h` (per hour, the default) or `?span=14d` (per day).
async fn activity(
    State(s): State<Shared>,
    Query(q): Query<SpanQuery>,
) -> Result<impl IntoResponse, ApiError> {
    s.app
        .activity(Span::from_name(q.span.as_deref().unwrap_or(""))?)
        .map(Json)
}

async fn graph_budget(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.graph_budget().map(Json)
}

/// Live updates as Server-Sent Events: `room` and `history` events, JSON data.
async fn events(State(s): State<Shared>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(s.app.subscribe()).filter_map(|update| async move {
        // A lagging client skips what it missed; the UI reloads on reconnect anyway.
        let update = update.ok()?;
        let name = match &update {
            Update::Room(_) => "room",
            Update::History(_) => "history",
            Update::RoomFailed { .. } | Update::AuthFailed { .. } => "notice",
        };
        let data = match &update {
            Update::Room(v) => serde_json::to_string(v),
            Update::History(v) => serde_json::to_string(v),
            other => serde_json::to_string(other),
        }
        .ok()?;
        Some(Ok(Event::default().event(name).data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// What every answer of the headless server carries: the UI's own files and API only, never
/// inside a frame, no referrer that could carry the address's token elsewhere.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
];

/// Refuses a request whose `Host` is not this server's loopback address (a page elsewhere
/// that rebinds its own name to 127.0.0.1 must not reach the API, token or not), and adds the
/// [`SECURITY_HEADERS`] to every answer.
async fn guard(State(port): State<u16>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let loopback = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"));
    let mut response = if loopback {
        next.run(request).await
    } else {
        (
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            format!(
                "RoomBridge answers only as 127.0.0.1:{port}, localhost:{port} or [::1]:{port}."
            ),
        )
            .into_response()
    };
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}

/// Lets an API request through only with the token, as a bearer header or the cookie
/// [`token_from_address`] set.
async fn require_token(
    State(gate): State<Gate>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if gate.given(&headers).is_some_and(|given| gate.admits(given)) {
        next.run(request).await
    } else {
        ApiError::new(
            ErrorCode::Unauthorized,
            "Open RoomBridge with the address it printed at start-up (it carries the access token).",
        )
        .into_response()
    }
}

/// A page opened with the right `?token=…` gets the token as a cookie (HTTP only, this site
/// only) and is sent on to the same address without it, so the token is not kept in the
/// browser's history or shown in the address bar. A wrong token is left for the page to
/// explain; the API refuses it.
async fn token_from_address(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let Some(query) = uri.query().filter(|_| !uri.path().starts_with("/api")) else {
        return next.run(request).await;
    };
    let (given, rest): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .partition(|pair| pair.split('=').next() == Some("token"));
    let Some(token) = given
        .first()
        .and_then(|pair| pair.split_once('='))
        .map(|p| p.1)
    else {
        return next.run(request).await;
    };
    if !gate.admits(token) {
        return next.run(request).await;
    }
    let location = if rest.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), rest.join("&"))
    };
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict",
        gate.cookie, gate.token
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// A JSON request body whose rejection is an `invalid_input` [`ApiError`], like every other
/// refusal the UI sees.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(v)| Body(v))
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.body_text()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.code {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorCode::Unavailable | ErrorCode::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(self)).into_response()
    }
}
