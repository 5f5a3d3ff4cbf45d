//! The headless server: the same operations as the desktop app, as JSON over HTTP on loopback,
//! plus the UI's files. Every `/api` route needs the access token printed at start-up; each
//! handler is one call into [`App`].

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post};
use axum::{Json, Router};
use futures::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::services::{ServeDir, ServeFile};

use crate::export::ExportView;
use crate::ops::{self, Answer, Method, OPERATIONS, Operation, Target};
use crate::setup::Live;
use crate::views::Update;
use crate::{ApiError, App, ErrorCode};
use roombridge_core::i18n::Lang;

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
    live: Live,
    gate: Gate,
}

impl Shared {
    /// What a request runs against now: the app, or the wizard until it has started the app.
    fn target(&self) -> Target {
        match &self.live {
            Live::Running(app) => Target::App(app.clone()),
            Live::Setup(wizard) => Target::of_wizard(wizard),
        }
    }
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

/// Why the server could not take its address, saying what to do about it.
fn bind_error(listen: std::net::SocketAddr, e: std::io::Error) -> std::io::Error {
    let message = match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "Port {} on {} is already in use, perhaps by another RoomBridge. Stop that one, or \
             choose another port with --listen {}:PORT (port 0 picks a free one).",
            listen.port(),
            listen.ip(),
            listen.ip()
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "RoomBridge may not listen on port {}: ports below 1024 need administrator rights. \
             Choose a port from 1024 up with --listen {}:PORT.",
            listen.port(),
            listen.ip()
        ),
        _ => format!("RoomBridge cannot listen on {listen}: {e}"),
    };
    std::io::Error::new(e.kind(), message)
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
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| bind_error(options.listen, e))?;
    let addr = listener.local_addr()?;
    let gate = Gate::new(options.token.clone().into(), addr.port());
    let router = router(
        Shared {
            live,
            gate: gate.clone(),
        },
        options.ui_dir,
    );
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

/// The API: one route per operation in [`OPERATIONS`], live updates, and the UI's files. Each
/// request runs against the target of the moment (the wizard, then the app it started).
fn router(shared: Shared, ui_dir: PathBuf) -> Router {
    let mut routes: BTreeMap<&'static str, MethodRouter<Shared>> = BTreeMap::new();
    for op in OPERATIONS {
        let handler =
            move |state: State<Shared>, path: Path<HashMap<String, String>>, request: Request| {
                operation(op, state, path, request)
            };
        let filter = match op.method {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
            Method::Patch => MethodFilter::PATCH,
            Method::Delete => MethodFilter::DELETE,
        };
        let route = routes.remove(op.path).unwrap_or_default();
        routes.insert(op.path, route.on(filter, handler));
    }
    let api = routes
        .into_iter()
        .fold(Router::new(), |api, (path, route)| api.route(path, route))
        .route("/events", get(events))
        .fallback(|| async { ApiError::not_found("No such API route.") })
        .layer(middleware::from_fn_with_state(
            shared.gate.clone(),
            require_token,
        ))
        .with_state(shared.clone());
    // Not an operation of the UI's: PorticoEstate's deliveries, signed instead of carrying
    // the access token (`webhooks`).
    let hooks = Router::new()
        .route(
            crate::webhooks::PORTICOESTATE_PATH,
            post(porticoestate_hook),
        )
        .with_state(shared);
    with_ui(api, ui_dir).merge(hooks)
}

/// A PorticoEstate webhook delivery: 204 when it asked rooms to sync, 401 when refused.
async fn porticoestate_hook(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Target::App(app) = s.target() else {
        return ApiError::new(ErrorCode::NotConfigured, "RoomBridge is not set up yet.")
            .into_response();
    };
    let signature = headers
        .get(roombridge_connectors::porticoestate::webhooks::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    match app.receive_porticoestate_webhook(signature, &body) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The language the request asks to be answered in: the first language of its
/// `Accept-Language` that RoomBridge speaks (the UI sends the one it shows), else English.
fn asked_language(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter_map(|tag| Lang::of_locale(tag.split(';').next().unwrap_or_default().trim()))
        .next()
        .unwrap_or_default()
}

/// The API and the UI's files (any other path is the UI's index, for its own routing).
fn with_ui(api: Router, ui_dir: PathBuf) -> Router {
    let index = ui_dir.join("index.html");
    Router::new()
        .nest("/api", api)
        .fallback_service(ServeDir::new(ui_dir).fallback(ServeFile::new(index)))
}

/// Carries out `op` with the request's path parameters, query string and JSON body as its
/// input (a name given twice is refused), and answers JSON or, for an export, the file.
async fn operation(
    op: &'static Operation,
    State(s): State<Shared>,
    Path(path): Path<HashMap<String, String>>,
    request: Request,
) -> Result<Response, ApiError> {
    let lang = asked_language(request.headers());
    let mut input = serde_json::Map::new();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let pairs = url::form_urlencoded::parse(query.as_bytes()).into_owned();
    for (name, value) in path.into_iter().chain(pairs) {
        put(&mut input, name, serde_json::Value::String(value))?;
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|e| invalid(format!("The request body could not be read: {e}")))?;
    if !body.is_empty() {
        if !json {
            return Err(invalid(
                "The request body must be JSON (Content-Type: application/json).",
            ));
        }
        match serde_json::from_slice(&body) {
            Ok(serde_json::Value::Object(fields)) => {
                for (name, value) in fields {
                    put(&mut input, name, value)?;
                }
            }
            Ok(_) => return Err(invalid("The request body must be a JSON object.")),
            Err(e) => return Err(invalid(format!("The request body is not JSON: {e}"))),
        }
    }
    let input = serde_json::Value::Object(input);
    Ok(match (op.answer, s.target()) {
        // The history's export is written as it is read, from a connection of its own.
        (Answer::File, Target::App(app)) => match stream_export(&app, input.clone()).await? {
            Some(streamed) => streamed,
            None => download(ops::call(&Target::App(app), op.name, input, lang).await?)?,
        },
        (Answer::File, target) => download(ops::call(&target, op.name, input, lang).await?)?,
        (Answer::Json, target) => {
            Json(ops::call(&target, op.name, input, lang).await?).into_response()
        }
    })
}

/// The history's export as a file that is written as it is read: a reader connection of its
/// own (so the engine keeps writing), one read transaction (so the row count in the heading is
/// the rows in the file), and 64 KiB at a time through a short channel, so that a million rows
/// never sit in memory. `None` for a database in memory, which has no second connection.
async fn stream_export(
    app: &Arc<App>,
    input: serde_json::Value,
) -> Result<Option<Response>, ApiError> {
    let input: ops::ExportInput = serde_json::from_value(input)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let Some(conn) = app.store().reader()? else {
        return Ok(None);
    };
    let filter = crate::export::export_filter(&input.query)?;
    let format = input.format;
    let lang = input.lang.unwrap_or_else(|| app.language());
    let (heading, conn) = tokio::task::spawn_blocking(move || {
        conn.execute_batch("BEGIN")
            .map_err(roombridge_store::StoreError::from)?;
        let heading = crate::export::export_heading(&conn, &input.query, format)?;
        Ok::<_, ApiError>((heading, conn))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter(tx.clone());
        if let Err(e) = crate::export::write_rows(&conn, &filter, format, lang, &mut out) {
            tracing::warn!("the history export stopped: {e}");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let body = axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok(Some(file_response(&heading, body)))
}

/// Writes into the channel a streamed answer reads from; fails once the reader is gone (the
/// download was cancelled), which stops the export.
struct ChannelWriter(tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(axum::body::Bytes::copy_from_slice(buf)))
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download cancelled")
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The largest request body the API reads.
const MAX_BODY: usize = 1 << 20;

fn put(
    input: &mut serde_json::Map<String, serde_json::Value>,
    name: String,
    value: serde_json::Value,
) -> Result<(), ApiError> {
    if input.contains_key(&name) {
        return Err(invalid(format!("`{name}` is given twice.")));
    }
    input.insert(name, value);
    Ok(())
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// An export as the file itself, named in `Content-Disposition`.
fn download(out: serde_json::Value) -> Result<Response, ApiError> {
    let mut export: ExportView = serde_json::from_value(out)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let text = std::mem::take(&mut export.text);
    Ok(file_response(&export, axum::body::Body::from(text)))
}

/// `body` as the export file `heading` names, with its row count in `X-Export-Rows`.
fn file_response(heading: &ExportView, body: axum::body::Body) -> Response {
    // The file name holds only [A-Za-z0-9_.-] (see `export::filename`), so it needs no escaping.
    let disposition = format!("attachment; filename=\"{}\"", heading.filename);
    (
        [
            (
                header::CONTENT_TYPE,
                heading.format.content_type().to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-export-rows"),
                heading.rows.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

/// Live updates as Server-Sent Events: `room` and `history` events, JSON data. Before setup
/// there are none; that stream ends once the wizard has started the app, and the UI's reconnect
/// reaches the app's.
async fn events(State(s): State<Shared>) -> Response {
    let app = match s.target() {
        Target::App(app) => app,
        Target::Setup(wizard) => {
            let ended = futures::stream::once(async move {
                let _ = wizard.wait_started().await;
            })
            .filter_map(|()| async { None::<Result<Event, Infallible>> });
            return Sse::new(ended)
                .keep_alive(KeepAlive::default())
                .into_response();
        }
    };
    let stream = BroadcastStream::new(app.subscribe()).filter_map(|update| async move {
        // A lagging client skips what it missed; the UI reloads on reconnect anyway.
        let update = update.ok()?;
        let name = match &update {
            Update::Room(_) => "room",
            Update::History(_) => "history",
            Update::RoomFailed { .. } | Update::AuthFailed { .. } => "notice",
            Update::Settings(_) => "settings",
            Update::Language(_) => return None,
        };
        let data = match &update {
            Update::Room(v) => serde_json::to_string(v),
            Update::History(v) => serde_json::to_string(v),
            other => serde_json::to_string(other),
        }
        .ok()?;
        Some(Ok::<_, Infallible>(Event::default().event(name).data(data)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
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
    // PorticoEstate's deliveries come through a reverse proxy that may keep the public name;
    // they are signed, and the route reads nothing else.
    let hook = request.uri().path() == crate::webhooks::PORTICOESTATE_PATH;
    let mut response = if loopback || hook {
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
