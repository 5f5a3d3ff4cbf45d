// Each test binary uses part of this module.
#![allow(dead_code)]

//! A tiny Graph stand-in on loopback for tests that need answers the emulator does not give on
//! demand (exact status sequences, slow answers, concurrency counts).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use roombridge_connectors::graph::{GraphConfig, GraphConnector, GraphLimits};
use roombridge_core::Secret;
use url::Url;

/// Serves `graph` (routes under `/v1.0`) plus a token endpoint at `/token` that always issues
/// a token, and returns the address.
pub async fn serve(graph: Router) -> SocketAddr {
    let app = Router::new()
        .route("/token", post(|| async { axum::Json(token_answer()) }))
        .nest("/v1.0", graph);
    serve_app(app).await
}

/// Serves `app` as it is (the caller provides `/token`).
pub async fn serve_app(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

pub fn token_answer() -> serde_json::Value {
    serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "test-token"})
}

pub fn config(addr: SocketAddr) -> GraphConfig {
    GraphConfig {
        graph_base: Url::parse(&format!("http://{addr}/v1.0")).unwrap(),
        token_url: Url::parse(&format!("http://{addr}/token")).unwrap(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        page_size: 10,
    }
}

/// Fast retries, so tests do not wait for production backoff.
pub fn quick_limits() -> GraphLimits {
    GraphLimits {
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_total_wait: Duration::from_secs(5),
        ..GraphLimits::default()
    }
}

pub fn connector(addr: SocketAddr, limits: GraphLimits) -> GraphConnector {
    GraphConnector::new(config(addr), Secret::new("s3cret"))
        .unwrap()
        .with_limits(limits)
}
