//! The front of the Graph emulator: serves HTTP connections itself (hyper), and puts in front of
//! the route handlers what sits in front of Exchange: injected faults, the per-mailbox limits,
//! `$batch`, request statistics, and the emulator-only `/admin` routes.
//!
//! Connections are served here rather than by `axum::serve` because a fault must be able to
//! close a connection without answering: hyper does that when the service returns an error.
//!
//! Order for every request (and every request inside a `$batch`): count it; gateway faults
//! (throttle, server error, delta gone) answer before anything is done; then the mailbox limits
//! (only for requests with a valid token to a known mailbox); then the body's media type (JSON
//! or 415); then the handler, which a slow, timeout or dropped-connection fault wraps. Every
//! request is served with its `request-id` and `client-request-id` ([`RequestIds`]), which
//! its answer carries as headers and its error body repeats.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::correlation::RequestIds;
use super::faults::{Fault, FaultKind, Faults, GraphRoute};
use super::handlers::{
    App, GraphError, admin_invite, admin_replies, authorize, clear_replies, delta_gone,
    has_valid_token,
};
use super::limits::{Limits, Slot, Throttled};
use super::lock;
use super::stats::GraphStats;

/// Graph's limit on a request body.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Graph's limit on the requests in one `$batch`.
const MAX_BATCH: usize = 20;
/// How long a timeout fault hangs at most when the client never gives up.
const HANG_LIMIT: Duration = Duration::from_secs(600);
/// How long shutdown waits for requests in flight before cutting their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) struct Gateway {
    pub app: App,
    router: Router,
    pub faults: Mutex<Faults>,
    limits: Arc<Limits>,
    pub stats: Mutex<GraphStats>,
    /// See [`GraphEmulatorConfig::latency`](super::GraphEmulatorConfig::latency).
    latency: Duration,
    stop: watch::Receiver<bool>,
}

/// The answer to one request: a response, or closing the connection without one.
enum Outcome {
    Answer(Response),
    Drop,
}

/// The error the connection service returns to make hyper close the connection unanswered.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedByFault {}

/// Resolves once `stop` says stop. A dropped sender never stops the server: dropping a
/// [`super::GraphEmulator`] without shutting it down leaves it serving.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Accepts connections until `stop`, then lets requests in flight finish for a moment.
pub(crate) async fn serve(listener: TcpListener, gateway: Arc<Gateway>) {
    let mut stop = gateway.stop.clone();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, gateway.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "graph emulator cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = stopped(&mut stop) => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn connection(stream: TcpStream, gateway: Arc<Gateway>) {
    let mut stop = gateway.stop.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let gateway = gateway.clone();
        async move { gateway.serve(request).await }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "graph emulator connection ended");
            }
        }
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

fn title_case(name: &HeaderName) -> String {
    if name == header::ETAG {
        return "ETag".to_owned();
    }
    name.as_str()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Seconds as `Retry-After` spells them: `2`, or `2.128` when fractional.
fn seconds(s: f64) -> String {
    let text = format!("{s:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A 429 in the shape of error-429.json, with `Retry-After`.
fn throttled(code: &str, message: &str, retry_after: &str) -> Response {
    let ids = RequestIds::current();
    let body = json!({
        "error": {
            "code": code,
            "innerError": {
                "code": "429",
                "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "message": "Please retry after",
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
                "status": "429"
            },
            "message": message
        }
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// A 5xx with a Graph error body (codes from Graph's errors.md).
fn server_error(status: u16, retry_after: Option<f64>) -> Response {
    let (status, code, message) = match status {
        502 => (
            StatusCode::BAD_GATEWAY,
            "generalException",
            "The gateway could not reach the service.",
        ),
        503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please try again later.",
        ),
        504 => (
            StatusCode::GATEWAY_TIMEOUT,
            "generalException",
            "The operation has timed out.",
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "An unspecified error has occurred.",
        ),
    };
    let mut response = GraphError::new(status, code, message).into_response();
    if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&seconds(s)).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// `%40` and friends in a mailbox path segment.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The route of a request and the mailbox it addresses (lower case), if any.
fn classify(method: &Method, path: &str) -> (GraphRoute, Option<String>) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [_, "oauth2", "v2.0", "token"] => (GraphRoute::Token, None),
        ["v1.0", "$batch" | "%24batch"] if method == Method::POST => (GraphRoute::Batch, None),
        ["v1.0", "places", ..] => (GraphRoute::Places, None),
        ["v1.0", "users", mailbox, rest @ ..] => {
            let route = match (method, rest) {
                (&Method::POST, ["events"]) => GraphRoute::CreateEvent,
                (&Method::GET, ["events", _]) => GraphRoute::GetEvent,
                (&Method::PATCH, ["events", _]) => GraphRoute::UpdateEvent,
                (&Method::DELETE, ["events", _]) => GraphRoute::DeleteEvent,
                (&Method::POST, ["events", _, "decline"]) => GraphRoute::DeclineEvent,
                (&Method::POST, ["events", _, "cancel"]) => GraphRoute::CancelEvent,
                (&Method::GET, ["calendarView", "delta"]) => GraphRoute::Delta,
                _ => GraphRoute::Other,
            };
            (route, Some(percent_decode(mailbox).to_lowercase()))
        }
        _ => (GraphRoute::Other, None),
    }
}

type Dispatched<'a> = Pin<Box<dyn Future<Output = (Outcome, Option<Slot>)> + Send + 'a>>;

impl Gateway {
    pub fn new(
        app: App,
        router: Router,
        faults: Faults,
        limits: Limits,
        latency: Duration,
        stop: watch::Receiver<bool>,
    ) -> Gateway {
        Gateway {
            app,
            router,
            faults: Mutex::new(faults),
            limits: Arc::new(limits),
            stats: Mutex::new(GraphStats::default()),
            latency,
            stop,
        }
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        // Picking a fault cannot panic half-way; a poisoned lock still holds a usable list.
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> MutexGuard<'_, GraphStats> {
        // Counters only; a poisoned lock still holds usable numbers.
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One request from a connection: served with its [`RequestIds`], which its answer
    /// carries as headers.
    async fn serve(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response, DroppedByFault> {
        let ids = RequestIds::for_request(request.headers());
        let mut answer = ids.clone().scope(self.answer(request)).await;
        if let Ok(response) = &mut answer {
            ids.stamp(response);
        }
        answer
    }

    async fn answer(&self, request: Request<Incoming>) -> Result<Response, DroppedByFault> {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(Body::new(body), MAX_BODY).await else {
            return Ok(GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "The request body is too large or could not be read.",
            )
            .into_response());
        };
        let path = parts.uri.path();
        if path == "/admin" || path.starts_with("/admin/") {
            return Ok(self.admin(&parts, &bytes));
        }
        self.stats().request_bytes += bytes.len() as u64;
        let (outcome, _slot) = self.dispatch(parts, bytes, false, self.latency).await;
        match outcome {
            Outcome::Answer(response) => {
                let hint = response.body().size_hint();
                self.stats().response_bytes += hint.exact().unwrap_or(hint.lower());
                Ok(response)
            }
            Outcome::Drop => Err(DroppedByFault),
        }
    }

    fn count_throttled(&self, mailbox: Option<&str>) {
        *self
            .stats()
            .throttled
            .entry(mailbox.unwrap_or_default().to_owned())
            .or_default() += 1;
    }

    /// Serves one request, from a connection or from inside a `$batch` (`inner`). Returns the
    /// mailbox slot the request held, so a batch can keep it while its other requests run.
    /// The answer takes `latency` at least (a `$batch` answers after its requests, which carry
    /// the latency themselves).
    fn dispatch(
        &self,
        parts: Parts,
        body: Bytes,
        inner: bool,
        latency: Duration,
    ) -> Dispatched<'_> {
        Box::pin(async move {
            let (route, mailbox) = classify(&parts.method, parts.uri.path());
            {
                let mut stats = self.stats();
                let counts = if inner {
                    &mut stats.batch_requests
                } else {
                    &mut stats.requests
                };
                *counts.entry(route).or_default() += 1;
            }
            let fault = self.faults().pick(route);
            match &fault {
                Some(FaultKind::Throttle { retry_after }) => {
                    self.count_throttled(mailbox.as_deref());
                    let answer = throttled(
                        "TooManyRequests",
                        "Please retry again later.",
                        &seconds(*retry_after),
                    );
                    return (Outcome::Answer(answer), None);
                }
                Some(FaultKind::ServerError {
                    status,
                    retry_after,
                }) => {
                    return (Outcome::Answer(server_error(*status, *retry_after)), None);
                }
                Some(FaultKind::DeltaGone) => {
                    let answer = delta_gone(&self.app, mailbox.as_deref(), &parts.uri);
                    return (Outcome::Answer(answer), None);
                }
                _ => {}
            }
            let limited = mailbox.as_deref().filter(|m| {
                has_valid_token(&self.app, &parts.headers)
                    && lock(&self.app.store).mailboxes.contains_key(*m)
            });
            let slot = match limited.map(|m| self.limits.admit(m)) {
                None => None,
                Some(Ok(slot)) => Some(slot),
                Some(Err(why)) => {
                    self.count_throttled(mailbox.as_deref());
                    let answer = match why {
                        Throttled::Concurrency => throttled(
                            "ApplicationThrottled",
                            "Application is over its MailboxConcurrency limit.",
                            "1",
                        ),
                        Throttled::Window { retry_after } => throttled(
                            "ApplicationThrottled",
                            "Application is over its request limit for this mailbox.",
                            &retry_after.to_string(),
                        ),
                    };
                    return (Outcome::Answer(answer), None);
                }
            };
            if route != GraphRoute::Batch && !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            let outcome = match fault {
                Some(FaultKind::Timeout) => {
                    let mut stop = self.stop.clone();
                    let _ = tokio::time::timeout(HANG_LIMIT, stopped(&mut stop)).await;
                    Outcome::Answer(server_error(504, None))
                }
                Some(FaultKind::DropConnection { apply_effect }) => {
                    if apply_effect {
                        // The answer is thrown away with the connection.
                        let _ = self.handle(route, parts, body).await;
                    }
                    Outcome::Drop
                }
                Some(FaultKind::Slow { delay_ms }) => {
                    let outcome = self.handle(route, parts, body).await;
                    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                    outcome
                }
                _ => self.handle(route, parts, body).await,
            };
            (outcome, slot)
        })
    }

    async fn handle(&self, route: GraphRoute, parts: Parts, body: Bytes) -> Outcome {
        if let Err(refused) = check_media_type(&parts, &body) {
            return Outcome::Answer(refused.into_response());
        }
        if route == GraphRoute::Batch {
            return self.batch(&parts, &body).await;
        }
        let request = Request::from_parts(parts, Body::from(body));
        match self.router.clone().oneshot(request).await {
            Ok(response) => Outcome::Answer(response),
            Err(never) => match never {},
        }
    }

    // -----------------------------------------------------------------------------------------
    // $batch

    async fn batch(&self, parts: &Parts, body: &Bytes) -> Outcome {
        if let Err(e) = authorize(&self.app, &parts.headers) {
            return Outcome::Answer(e.into_response());
        }
        let items = match parse_batch(body) {
            Ok(items) => items,
            Err(e) => return Outcome::Answer(e.into_response()),
        };
        // Graph runs a batch either as one chain or all at once, and refuses a mix.
        let chained = items.iter().filter(|i| !i.depends_on.is_empty()).count();
        let sequential = chained > 0;
        if sequential && chained + 1 != items.len() {
            return Outcome::Answer(
                batch_error("Batch should be either fully sequential or fully parallel")
                    .into_response(),
            );
        }
        let order = match execution_order(&items) {
            Ok(order) => order,
            Err(e) => return Outcome::Answer(e.into_response()),
        };
        let mut statuses: HashMap<&str, u16> = HashMap::new();
        let mut answers: Vec<Option<Box<RawValue>>> = vec![None; items.len()];
        // Requests without dependsOn run in parallel in Graph, so their mailbox slots are all
        // held until the batch is done: more than the concurrency limit of them to one mailbox
        // throttle each other, as they do in Exchange.
        let mut parallel_slots: Vec<Slot> = Vec::new();
        for index in order {
            let item = &items[index];
            if item
                .depends_on
                .iter()
                .any(|d| statuses.get(d.as_str()).is_none_or(|s| *s >= 400))
            {
                statuses.insert(&item.id, 424);
                answers[index] = Some(raw(&json!({
                    "id": item.id,
                    "status": 424,
                    "headers": {"Content-Type": "application/json"},
                    "body": {"error": {
                        "code": "FailedDependency",
                        "message": "The request was not executed because a request it depends on failed."
                    }}
                })));
                continue;
            }
            let mut builder = Request::builder()
                .method(item.method.clone())
                .uri(&item.uri);
            if let Some(headers) = builder.headers_mut() {
                headers.extend(item.headers.clone());
                if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
                    headers.insert(header::AUTHORIZATION, auth.clone());
                }
            }
            let inner = match builder.body(()) {
                Ok(r) => r.into_parts().0,
                Err(_) => {
                    return Outcome::Answer(
                        GraphError::bad_request(format!("Invalid request url: {}", item.uri))
                            .into_response(),
                    );
                }
            };
            // Each request of the batch has ids of its own.
            let ids = RequestIds::for_request(&inner.headers);
            let (outcome, slot) = ids
                .clone()
                .scope(self.dispatch(
                    inner,
                    item.body.clone().unwrap_or_default(),
                    true,
                    // A chain runs one request after the other; parallel ones wait together,
                    // below.
                    if sequential {
                        self.latency
                    } else {
                        Duration::ZERO
                    },
                ))
                .await;
            let mut response = match outcome {
                Outcome::Answer(r) => r,
                Outcome::Drop => return Outcome::Drop,
            };
            ids.stamp(&mut response);
            // In a chain, the first request (which depends on nothing) is done before the next
            // starts, like the others.
            if !sequential {
                parallel_slots.extend(slot);
            }
            statuses.insert(&item.id, response.status().as_u16());
            answers[index] = Some(batch_answer(&item.id, response).await);
        }
        if !sequential && !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        drop(parallel_slots);
        #[derive(Serialize)]
        struct Answer {
            responses: Vec<Box<RawValue>>,
        }
        let responses = answers.into_iter().flatten().collect();
        Outcome::Answer(axum::Json(Answer { responses }).into_response())
    }

    // -----------------------------------------------------------------------------------------
    // /admin

    fn admin(&self, parts: &Parts, body: &Bytes) -> Response {
        let secret = &self.app.settings.client_secret;
        let authorised = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| !secret.is_empty() && t == secret)
            // An access token the emulator issued proves the same credentials.
            || has_valid_token(&self.app, &parts.headers);
        if !authorised {
            return GraphError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "The emulator's /admin routes need the client secret as a bearer token.",
            )
            .into_response();
        }
        match (&parts.method, parts.uri.path()) {
            (&Method::POST, "/admin/faults") => {
                let fault: Fault = match serde_json::from_slice(body) {
                    Ok(f) => f,
                    Err(e) => {
                        return GraphError::bad_request(format!("Not a fault: {e}"))
                            .into_response();
                    }
                };
                if let Err(e) = fault.validate() {
                    return GraphError::bad_request(e.to_string()).into_response();
                }
                self.faults().push(fault);
                StatusCode::NO_CONTENT.into_response()
            }
            (&Method::DELETE, "/admin/faults") => {
                self.faults().clear();
                StatusCode::NO_CONTENT.into_response()
            }
            (&Method::GET, "/admin/stats") => axum::Json(self.stats().clone()).into_response(),
            (&Method::POST, "/admin/invitations") => admin_invite(&self.app, body),
            (&Method::GET, "/admin/replies") => admin_replies(&self.app),
            (&Method::DELETE, "/admin/replies") => clear_replies(&self.app),
            (&Method::POST, "/admin/tokens/expire") => {
                lock(&self.app.store).expire_tokens();
                StatusCode::NO_CONTENT.into_response()
            }
            (&Method::POST, "/admin/secrets") => admin_secret(&self.app, body),
            (&Method::POST, "/admin/sync-state/forget") => {
                lock(&self.app.store).forget_sync_state();
                StatusCode::NO_CONTENT.into_response()
            }
            (&Method::DELETE, "/admin/stats") => {
                *self.stats() = GraphStats::default();
                StatusCode::NO_CONTENT.into_response()
            }
            _ => GraphError::new(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "No such admin route (POST/DELETE /admin/faults, GET/DELETE /admin/stats, POST /admin/invitations, GET/DELETE /admin/replies, POST /admin/tokens/expire, POST /admin/secrets, POST /admin/sync-state/forget).",
            )
            .into_response(),
        }
    }
}

/// A body sent to Graph must be JSON: another `Content-Type` is 415, none at all 400 (what
/// Graph's reader says: "Please ensure Content-Type header is set"). Token requests (a form)
/// and requests without a body are not Graph's to refuse here.
fn check_media_type(parts: &Parts, body: &Bytes) -> Result<(), GraphError> {
    let writes = matches!(parts.method, Method::POST | Method::PATCH | Method::PUT);
    if !writes
        || body.iter().all(u8::is_ascii_whitespace)
        || !parts.uri.path().starts_with("/v1.0/")
    {
        return Ok(());
    }
    let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        ));
    };
    let essence = content_type
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "RequestBodyRead",
            format!(
                "A supported MIME type could not be found that matches the content type of the request ('{essence}'). The supported type is 'application/json'."
            ),
        ))
    }
}

/// One request of a `$batch`, checked.
struct BatchItem {
    id: String,
    method: Method,
    /// `/v1.0/...` with the query.
    uri: String,
    headers: HeaderMap,
    body: Option<Bytes>,
    depends_on: Vec<String>,
}

fn batch_error(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn parse_batch(body: &Bytes) -> Result<Vec<BatchItem>, GraphError> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|_| batch_error("Invalid batch payload format."))?;
    let requests = payload
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| batch_error("Invalid batch payload format: `requests` must be an array."))?;
    if requests.is_empty() {
        return Err(batch_error(
            "Invalid batch payload format: no requests in the batch.",
        ));
    }
    if requests.len() > MAX_BATCH {
        return Err(batch_error(format!(
            "Number of batch request steps exceeds the maximum of {MAX_BATCH}."
        )));
    }
    let mut items = Vec::with_capacity(requests.len());
    let mut ids = HashSet::new();
    // Graph compares batch request ids without regard to case: "a" and "A" are one id.
    let mut folded = HashSet::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(batch_error("Every batch request needs an id.")),
        };
        if !folded.insert(id.to_lowercase()) {
            return Err(batch_error(format!(
                "Batch request id '{id}' is used twice."
            )));
        }
        ids.insert(id.clone());
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .filter(|m| {
                [
                    Method::GET,
                    Method::POST,
                    Method::PATCH,
                    Method::PUT,
                    Method::DELETE,
                ]
                .contains(m)
            })
            .ok_or_else(|| batch_error(format!("Batch request '{id}' has no valid method.")))?;
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| batch_error(format!("Batch request '{id}' has no url.")))?;
        if url.contains("://") {
            return Err(batch_error(format!(
                "Batch request '{id}': the url must be relative, e.g. /users/{{id}}/events."
            )));
        }
        let relative = url.trim_start_matches('/');
        if relative.starts_with("$batch") {
            return Err(batch_error("A batch cannot contain a batch."));
        }
        let uri = format!("/v1.0/{}", relative.replace(' ', "%20"));
        let mut headers = HeaderMap::new();
        if let Some(h) = r.get("headers").filter(|h| !h.is_null()) {
            let h = h.as_object().ok_or_else(|| {
                batch_error(format!("Batch request '{id}': headers must be an object."))
            })?;
            for (name, value) in h {
                let (Ok(name), Some(Ok(value))) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    value.as_str().map(HeaderValue::from_str),
                ) else {
                    return Err(batch_error(format!(
                        "Batch request '{id}': header '{name}' is not a valid header."
                    )));
                };
                headers.append(name, value);
            }
        }
        let body = match r.get("body") {
            None | Some(Value::Null) => None,
            Some(b) => {
                if !headers.contains_key(header::CONTENT_TYPE) {
                    return Err(batch_error(format!(
                        "Batch request '{id}' has a body but no Content-Type header."
                    )));
                }
                Some(Bytes::from(b.to_string()))
            }
        };
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ds)) => ds
                .iter()
                .map(|d| d.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    batch_error(format!(
                        "Batch request '{id}': dependsOn must list request ids."
                    ))
                })?,
            Some(_) => {
                return Err(batch_error(format!(
                    "Batch request '{id}': dependsOn must be an array."
                )));
            }
        };
        items.push(BatchItem {
            id,
            method,
            uri,
            headers,
            body,
            depends_on,
        });
    }
    for item in &items {
        if let Some(d) = item
            .depends_on
            .iter()
            .find(|d| !ids.contains(*d) || **d == item.id)
        {
            return Err(batch_error(format!(
                "Batch request '{}' depends on '{d}', which is not another request of the batch.",
                item.id
            )));
        }
    }
    Ok(items)
}

/// Indices in the order to run them: each after its dependencies, otherwise as listed.
fn execution_order(items: &[BatchItem]) -> Result<Vec<usize>, GraphError> {
    let mut done: HashSet<&str> = HashSet::new();
    let mut order = Vec::with_capacity(items.len());
    while order.len() < items.len() {
        let next = items.iter().enumerate().position(|(i, item)| {
            !order.contains(&i) && item.depends_on.iter().all(|d| done.contains(d.as_str()))
        });
        let Some(i) = next else {
            return Err(batch_error(
                "The dependsOn of the batch requests form a cycle.",
            ));
        };
        done.insert(&items[i].id);
        order.push(i);
    }
    Ok(order)
}

/// A response as one entry of a batch answer. Its body goes in as it was written, not read
/// into a JSON tree and written again.
async fn batch_answer(id: &str, response: Response) -> Box<RawValue> {
    #[derive(Serialize)]
    struct Entry<'a> {
        id: &'a str,
        status: u16,
        headers: Map<String, Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Box<RawValue>>,
    }
    let (parts, body) = response.into_parts();
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        if name == header::CONTENT_LENGTH {
            continue;
        }
        if let Ok(v) = value.to_str() {
            headers.insert(title_case(name), json!(v));
        }
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let body = (!bytes.is_empty()).then(|| {
        serde_json::from_slice::<Box<RawValue>>(&bytes)
            .unwrap_or_else(|_| raw(&json!(String::from_utf8_lossy(&bytes))))
    });
    raw(&Entry {
        id,
        status: parts.status.as_u16(),
        headers,
        body,
    })
}

fn raw(value: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("JSON from JSON")
}

/// `POST /admin/secrets` `{"secret": "...", "expires": "2027-01-31T00:00:00Z"}`: adds a client
/// secret to the application, as "New client secret" in Entra ID does, or gives an existing
/// one (the configured one too) a new expiry. Without `expires` it never expires. 204.
fn admin_secret(app: &App, body: &Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NewSecret {
        secret: String,
        #[serde(default)]
        expires: Option<chrono::DateTime<chrono::Utc>>,
    }
    let new: NewSecret = match serde_json::from_slice(body) {
        Ok(n) => n,
        Err(e) => {
            return GraphError::bad_request(format!(
                "Not a client secret ({{\"secret\", \"expires\"}}): {e}"
            ))
            .into_response();
        }
    };
    if new.secret.trim().is_empty() {
        return GraphError::bad_request("A client secret cannot be empty.").into_response();
    }
    lock(&app.store)
        .client_secrets
        .insert(new.secret, new.expires);
    StatusCode::NO_CONTENT.into_response()
}
