//! Set-up shared by the Graph emulator's integration tests (`graph*.rs`): starting an emulator
//! on loopback, a client-credentials token, and a client for the Graph routes. Each test file
//! compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-value";
pub const ROOM: &str = "fjord@nordvik.kommune.example";
pub const OTHER_ROOM: &str = "skog@nordvik.kommune.example";
pub const TAG: &str = "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name RoomBridgeLink";

pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// The demo tenant (`GraphEmulatorConfig::demo`) with `seed`.
pub fn demo(seed: Seed) -> GraphEmulatorConfig {
    let mut config = GraphEmulatorConfig::demo(SECRET);
    config.seed = seed;
    config
}

/// The clean tenant (`GraphEmulatorConfig::demo_clean`) with `seed`.
pub fn clean(seed: Seed) -> GraphEmulatorConfig {
    let mut config = GraphEmulatorConfig::demo_clean(SECRET);
    config.seed = seed;
    config
}

pub async fn start(config: GraphEmulatorConfig) -> GraphEmulator {
    GraphEmulator::start(config, loopback()).await.unwrap()
}

/// Posts `form` to the token endpoint.
pub async fn token_with(emu: &GraphEmulator, form: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    Client::new()
        .post(emu.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A client-credentials token for the demo application.
pub async fn token(emu: &GraphEmulator) -> String {
    let r = token_with(
        emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_u64().unwrap() > 0);
    v["access_token"].as_str().unwrap().to_owned()
}

/// A client of the Graph routes with a token. A test file adds its own helpers in its own
/// `impl Api` block.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: Client,
}

impl Api {
    pub async fn new(emu: &GraphEmulator) -> Api {
        Api {
            base: emu.graph_base(),
            token: token(emu).await,
            http: Client::new(),
        }
    }

    pub fn req(&self, method: Method, path_or_url: &str) -> reqwest::RequestBuilder {
        self.req_with(&self.http, method, path_or_url)
    }

    /// `req` sent with another client (a shorter timeout, say).
    pub fn req_with(
        &self,
        http: &Client,
        method: Method,
        path_or_url: &str,
    ) -> reqwest::RequestBuilder {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{}", self.base, path_or_url)
        };
        http.request(method, url).bearer_auth(&self.token)
    }

    /// Sends `rb`: the status and the body (`Null` when it is not JSON).
    pub async fn json(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Creates an event in `mailbox`; it must answer 201.
    pub async fn create(&self, mailbox: &str, body: Value) -> Value {
        let (s, v) = self
            .json(
                self.req(Method::POST, &format!("/users/{mailbox}/events"))
                    .json(&body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }
}

/// An event body in UTC with a text body.
pub fn event_json(subject: &str, content: &str, start: &str, end: &str) -> Value {
    json!({
        "subject": subject,
        "body": {"contentType": "text", "content": content},
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    })
}

/// A rehearsal from 17:00 to 18:00 UTC on 2030-01-`day`, with `content` as its body.
pub fn event_on(subject: &str, content: &str, day: u32) -> Value {
    event_json(
        subject,
        content,
        &format!("2030-01-{day:02}T17:00:00"),
        &format!("2030-01-{day:02}T18:00:00"),
    )
}

/// A rehearsal from 17:00 to 18:00 UTC on 2030-01-`day`.
pub fn event_body(subject: &str, day: u32) -> Value {
    event_on(subject, "Rehearsal", day)
}

/// The delta of `mailbox`'s calendar view over January 2030.
pub fn window_path(mailbox: &str) -> String {
    format!(
        "/users/{mailbox}/calendarView/delta?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z"
    )
}

/// Polls `check` every 50 ms until it returns `Some`, failing after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
