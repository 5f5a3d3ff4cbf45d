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
use axum::routing::{get, post, put};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::services::{ServeDir, ServeFile};

use crate::decisions::{BulkDecisionRequest, DecisionRequest, conflict_id, decided_by};
use crate::export::{ExportFormat, HistoryQuery};
use crate::views::Update;
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
    token: Arc<str>,
}

/// Binds and starts serving. Refuses anything but a loopback address: the API has no TLS.
pub async fn serve(app: Arc<App>, options: HttpOptions) -> std::io::Result<HttpServer> {
    if !options.listen.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "RoomBridge serves only on loopback (127.0.0.1 or ::1), not {}",
                options.listen
            ),
        ));
    }
    let shared = Shared {
        app,
        token: options.token.clone().into(),
    };
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let addr = listener.local_addr()?;
    let router = router(shared, options.ui_dir);
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
        .route("/rooms", get(rooms))
        .route("/rooms/{id}/sync", post(sync_room))
        .route("/rooms/{id}/approve-deletions", post(approve_deletions))
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
        .route("/events", get(events))
        .fallback(|| async { ApiError::not_found("No such API route.") })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ))
        .with_state(shared);
    let index = ui_dir.join("index.html");
    Router::new()
        .nest("/api", api)
        .fallback_service(ServeDir::new(ui_dir).fallback(ServeFile::new(index)))
}

async fn status(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.status().map(Json)
}

async fn rooms(State(s): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    s.app.list_rooms().map(Json)
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
    s.app
        .decide_conflict(conflict_id(&id)?, d.choice()?, &decided_by(), &d.reason)
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

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Lets a request through only with the token, as a bearer header or (for EventSource, which
/// cannot set headers) a `token` query parameter.
async fn require_token(
    State(s): State<Shared>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let given = bearer.or(q.token.as_deref()).unwrap_or("");
    if constant_time_eq(given.as_bytes(), s.token.as_bytes()) {
        next.run(request).await
    } else {
        ApiError::new(
            ErrorCode::Unauthorized,
            "Open RoomBridge with the address it printed at start-up (it carries the access token).",
        )
        .into_response()
    }
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
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(self)).into_response()
    }
}
