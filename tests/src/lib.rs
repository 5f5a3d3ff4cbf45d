//! Shared helpers for the end-to-end tests: a harness with both emulators on loopback, a real
//! SQLite file and the real engine, and "outside" clients that act as a person in Outlook or
//! in the booking system would, through the services' own APIs.

mod live;
mod outside_booking;
mod outside_graph;
mod outside_portico;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub use live::LiveCli;
pub use outside_portico::{OutsidePortico, oslo};
use roombridge_app::App;
pub use roombridge_app::setup::DemoOptions;
use roombridge_app::setup::{self, DemoServers};
pub use roombridge_connectors::graph::GraphLimits;
pub use roombridge_emulators::seed::Seed;
use roombridge_engine::{CycleMode, CycleReport, EngineConfig};

/// Both emulators, the app over a SQLite file in a temporary folder, and outside clients.
pub struct Harness {
    pub app: Arc<App>,
    /// The emulators themselves, for fault injection and statistics.
    pub servers: Arc<DemoServers>,
    /// RoomBridge's own Graph client, for its retry statistics.
    pub graph_client: Arc<roombridge_connectors::graph::GraphConnector>,
    pub graph: OutsideGraph,
    pub booking: OutsideBooking,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// Starts everything with empty calendars and an empty booking system (the demo
    /// municipality's resources and mailboxes, no reservations).
    pub async fn start() -> Harness {
        Harness::start_seeded(Seed::Empty).await
    }

    /// Starts everything with both emulators seeded by `seed`.
    pub async fn start_seeded(seed: Seed) -> Harness {
        Harness::start_with(seed, GraphLimits::default()).await
    }

    /// Starts everything with `seed`, the Graph connector using `limits`.
    pub async fn start_with(seed: Seed, limits: GraphLimits) -> Harness {
        Harness::start_options(DemoOptions {
            seed,
            limits,
            ..DemoOptions::default()
        })
        .await
    }

    /// Starts everything as `options` say, with rooms that run cycles only when asked.
    pub async fn start_options(options: DemoOptions) -> Harness {
        Harness::start_engine(options, Harness::config(None)).await
    }

    /// The engine as tests run it: cycles when asked (or every `poll`), and every cycle
    /// compares the rooms' Outlook series with their instances, so a deleted occurrence (no
    /// signal in delta) is seen at once.
    pub fn config(poll: Option<std::time::Duration>) -> EngineConfig {
        EngineConfig {
            poll_interval: poll,
            series_check_interval: std::time::Duration::ZERO,
            ..EngineConfig::default()
        }
    }

    /// Starts everything as `options` say, the engine as `config` says.
    pub async fn start_engine(options: DemoOptions, config: EngineConfig) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = setup::open_store(dir.path(), "e2e.sqlite").expect("store");
        let (servers, connectors) = DemoServers::start_options(options)
            .await
            .expect("emulators");
        let servers = Arc::new(servers);
        let graph = OutsideGraph::new(&servers).await;
        let booking = OutsideBooking::new(&servers);
        setup::auto_map(&store, &connectors)
            .await
            .expect("map rooms");
        let graph_client = connectors.graph.clone();
        let connections = servers.connections();
        let app = setup::start_app(
            store,
            connectors,
            config,
            roombridge_app::views::Mode::Demo,
            vec![Box::new(servers.clone())],
        )
        .await
        .expect("app");
        // Settings > Connections works on the emulators' connections, as in the demo.
        app.connections_in(connections);
        Harness {
            app,
            servers,
            graph_client,
            graph,
            booking,
            dir,
        }
    }

    /// One cycle in every room; panics if any room's cycle failed.
    pub async fn cycle(&self) -> Vec<Arc<CycleReport>> {
        let reports = self.app.sync_all(CycleMode::Execute).await.expect("sync");
        for r in &reports {
            assert!(r.ok(), "cycle of {} failed: {:?}", r.room_name, r.error);
        }
        reports
    }

    /// One cycle in every room, failures allowed (they are retried by the next cycle).
    pub async fn cycle_allowing_failures(&self) -> Vec<Arc<CycleReport>> {
        self.app.sync_all(CycleMode::Execute).await.expect("sync")
    }

    /// Cycles until a cycle plans nothing anywhere (at most `max`), returning how many ran.
    pub async fn settle(&self, max: usize) -> usize {
        for n in 1..=max {
            let reports = self.cycle().await;
            if reports.iter().all(|r| r.plan.is_empty()) {
                return n;
            }
        }
        panic!("still planning work after {max} cycles");
    }
}

/// Sends a request, trying again (up to 20 times) when the service fails in a way a person
/// would just retry: no answer, a 5xx, 429 or 410. Tests inject such faults into the services
/// RoomBridge uses; the "outside" people must get through them too.
async fn send_retrying(
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, String> {
    let mut last = String::new();
    for _ in 0..20 {
        match make()
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
        {
            Ok(r)
                if r.status().is_server_error()
                    || r.status().as_u16() == 429
                    || r.status().as_u16() == 410 =>
            {
                last = format!("HTTP {}", r.status());
            }
            Ok(r) => return Ok(r),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(last)
}

/// A person using Outlook, through Microsoft Graph (the emulator) with the app's credentials.
pub struct OutsideGraph {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl OutsideGraph {
    pub async fn new(servers: &DemoServers) -> OutsideGraph {
        let http = reqwest::Client::new();
        let token: Value = http
            .post(servers.graph.token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
                ("client_secret", servers.client_secret.expose()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token json");
        OutsideGraph {
            http,
            base: servers.graph.graph_base(),
            token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        }
    }

    /// Books a meeting in a room's calendar; returns the event id.
    pub async fn create(
        &self,
        mailbox: &str,
        subject: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        let body = json!({
            "subject": subject,
            "body": {"contentType": "text", "content": ""},
            "start": {"dateTime": start.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
            "end": {"dateTime": end.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"},
        });
        let v: Value = send_retrying(|| {
            self.http
                .post(format!("{}/users/{mailbox}/events", self.base))
                .bearer_auth(&self.token)
                .header("Prefer", "IdType=\"ImmutableId\"")
                // Retries of the same create must not make a second event.
                .json(&with_transaction(&body, subject, start))
        })
        .await
        .expect("create event")
        .error_for_status()
        .expect("create event status")
        .json()
        .await
        .expect("event json");
        v["id"].as_str().expect("event id").to_owned()
    }

    /// Books a whole-day meeting (`end` exclusive) in a room's calendar, in Oslo's zone;
    /// returns its id.
    pub async fn create_all_day(
        &self,
        mailbox: &str,
        subject: &str,
        start: chrono::NaiveDate,
        end: chrono::NaiveDate,
    ) -> String {
        self.create_all_day_in(mailbox, subject, (start, end), "W. Europe Standard Time")
            .await
    }

    /// Books a whole-day meeting (`end` exclusive) in a room's calendar, made in Outlook in
    /// the Windows zone `zone`; returns its id.
    pub async fn create_all_day_in(
        &self,
        mailbox: &str,
        subject: &str,
        (start, end): (chrono::NaiveDate, chrono::NaiveDate),
        zone: &str,
    ) -> String {
        let body = json!({
            "subject": subject,
            "body": {"contentType": "text", "content": ""},
            "isAllDay": true,
            "start": {"dateTime": format!("{start}T00:00:00"), "timeZone": zone},
            "end": {"dateTime": format!("{end}T00:00:00"), "timeZone": zone},
        });
        let v: Value = send_retrying(|| {
            self.http
                .post(format!("{}/users/{mailbox}/events", self.base))
                .bearer_auth(&self.token)
                .header("Prefer", "IdType=\"ImmutableId\"")
                .json(&body)
        })
        .await
        .expect("create event")
        .error_for_status()
        .expect("create event status")
        .json()
        .await
        .expect("event json");
        v["id"].as_str().expect("event id").to_owned()
    }

    pub async fn rename(&self, mailbox: &str, id: &str, subject: &str) {
        send_retrying(|| {
            self.http
                .patch(format!("{}/users/{mailbox}/events/{id}", self.base))
                .bearer_auth(&self.token)
                .json(&json!({ "subject": subject }))
        })
        .await
        .expect("patch event")
        .error_for_status()
        .expect("patch event status");
    }

    pub async fn delete(&self, mailbox: &str, id: &str) {
        let response = send_retrying(|| {
            self.http
                .delete(format!("{}/users/{mailbox}/events/{id}", self.base))
                .bearer_auth(&self.token)
        })
        .await
        .expect("delete event");
        // A retry after a delete that was applied but not answered finds it gone.
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return;
        }
        response.error_for_status().expect("delete event status");
    }

    /// Every event in the room's calendar from a week ago to a year ahead (a full delta read).
    /// One event, read by id.
    pub async fn event(&self, mailbox: &str, id: &str) -> Value {
        let url = format!(
            "{}/users/{mailbox}/events/{}",
            self.base,
            id.replace('=', "%3D")
        );
        send_retrying(|| self.http.get(&url).bearer_auth(&self.token))
            .await
            .expect("event")
            .error_for_status()
            .expect("event status")
            .json()
            .await
            .expect("event json")
    }

    /// The subjects in `mailbox`'s calendar, sorted.
    pub async fn subjects(&self, mailbox: &str) -> Vec<String> {
        let mut subjects: Vec<String> = self
            .events(mailbox)
            .await
            .iter()
            .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
            .collect();
        subjects.sort();
        subjects
    }

    /// The ids of the events in `mailbox`'s window (a week back, a year ahead), read in full
    /// in pages of at most `page` events (`Prefer: odata.maxpagesize`), as a client that
    /// lists the window on a timer would.
    pub async fn list_ids(&self, mailbox: &str, page: usize) -> Vec<String> {
        self.window(mailbox, Some(page))
            .await
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect()
    }

    pub async fn events(&self, mailbox: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for e in self.window(mailbox, None).await {
            // Delta sends occurrences bare, as real tenants do; read by id they are complete,
            // as a person sees them in Outlook.
            if e["type"] == "occurrence" && e.get("subject").is_none() {
                out.push(self.event(mailbox, e["id"].as_str().expect("id")).await);
            } else {
                out.push(e);
            }
        }
        out
    }

    /// Every event in `mailbox`'s window (a week back, a year ahead) as one full delta round
    /// lists it, page by page (at most `page` events a page when given).
    async fn window(&self, mailbox: &str, page: Option<usize>) -> Vec<Value> {
        let now = Utc::now();
        let mut url = format!(
            "{}/users/{mailbox}/calendarView/delta?startDateTime={}&endDateTime={}",
            self.base,
            (now - Duration::days(7)).format("%Y-%m-%dT%H:%M:%SZ"),
            (now + Duration::days(365)).format("%Y-%m-%dT%H:%M:%SZ"),
        );
        let mut out = Vec::new();
        loop {
            let body: Value = send_retrying(|| {
                let request = self.http.get(&url).bearer_auth(&self.token);
                match page {
                    Some(n) => request.header("Prefer", format!("odata.maxpagesize={n}")),
                    None => request,
                }
            })
            .await
            .expect("delta")
            .error_for_status()
            .expect("delta status")
            .json()
            .await
            .expect("delta json");
            let items = body["value"].as_array().expect("value");
            out.extend(
                items
                    .iter()
                    .filter(|e| e.get("@removed").is_none())
                    .cloned(),
            );
            match body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => return out,
            }
        }
    }
}

fn with_transaction(body: &Value, subject: &str, start: DateTime<Utc>) -> Value {
    let mut body = body.clone();
    body["transactionId"] = json!(format!(
        "outside-{}-{}",
        subject.replace(' ', "_"),
        start.timestamp()
    ));
    body
}

/// A person using the booking system, through its API (the emulator).
pub struct OutsideBooking {
    http: reqwest::Client,
    base: String,
    admin: String,
    key: String,
}

impl OutsideBooking {
    pub fn new(servers: &DemoServers) -> OutsideBooking {
        OutsideBooking {
            http: reqwest::Client::new(),
            base: servers.booking.base_url(),
            admin: servers.booking.admin_url(),
            key: servers.api_key.expose().to_owned(),
        }
    }

    /// Creates an event-level reservation; returns its id.
    pub async fn create(
        &self,
        resource: &str,
        title: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        let body = json!({
            "resource_id": resource,
            "level": "event",
            "title": title,
            "organisation": "Nordvik Choir",
            "description": "",
            "all_day": false,
            "start": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "end": end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "time_zone": "Europe/Oslo",
        });
        let v: Value = self
            .http
            .post(format!("{}/reservations", self.base))
            .bearer_auth(&self.key)
            .header(
                "Idempotency-Key",
                format!("outside-{}-{}", title.replace(' ', "_"), start.timestamp()),
            )
            .json(&body)
            .send()
            .await
            .expect("create reservation")
            .error_for_status()
            .expect("create reservation status")
            .json()
            .await
            .expect("reservation json");
        v["id"].as_str().expect("reservation id").to_owned()
    }

    pub async fn get(&self, id: &str) -> Value {
        send_retrying(|| {
            self.http
                .get(format!("{}/reservations/{id}", self.base))
                .bearer_auth(&self.key)
        })
        .await
        .expect("get reservation")
        .error_for_status()
        .expect("get reservation status")
        .json()
        .await
        .expect("reservation json")
    }

    pub async fn rename(&self, id: &str, title: &str) {
        let current = self.get(id).await;
        self.http
            .patch(format!("{}/reservations/{id}", self.base))
            .bearer_auth(&self.key)
            .header("If-Match", format!("\"{}\"", current["version"]))
            .json(&json!({ "title": title }))
            .send()
            .await
            .expect("patch reservation")
            .error_for_status()
            .expect("patch reservation status");
    }

    /// Changes the fields in `body` of a reservation at `version`.
    pub async fn patch(&self, id: &str, version: i64, body: Value) {
        self.http
            .patch(format!("{}/reservations/{id}", self.base))
            .bearer_auth(&self.key)
            .header("If-Match", format!("\"{version}\""))
            .json(&body)
            .send()
            .await
            .expect("patch reservation")
            .error_for_status()
            .expect("patch reservation status");
    }

    pub async fn cancel(&self, id: &str) {
        let current = self.get(id).await;
        self.http
            .post(format!("{}/reservations/{id}/cancel", self.base))
            .bearer_auth(&self.key)
            .header("If-Match", format!("\"{}\"", current["version"]))
            .json(&json!({ "note": "Cancelled by the club" }))
            .send()
            .await
            .expect("cancel reservation")
            .error_for_status()
            .expect("cancel reservation status");
    }

    /// Every reservation of a resource, as the feed lists it from the start.
    pub async fn reservations(&self, resource: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: Value = send_retrying(|| {
                let req = self
                    .http
                    .get(format!("{}/reservations", self.base))
                    .bearer_auth(&self.key)
                    .query(&[("resource_id", resource)]);
                match &cursor {
                    Some(c) => req.query(&[("cursor", c.as_str())]),
                    None => req,
                }
            })
            .await
            .expect("feed")
            .error_for_status()
            .expect("feed status")
            .json()
            .await
            .expect("feed json");
            out.extend(page["items"].as_array().expect("items").iter().cloned());
            if page["has_more"].as_bool() != Some(true) {
                return out;
            }
            cursor = page["next_cursor"].as_str().map(str::to_owned);
        }
    }

    /// Makes the next `count` requests to the booking API fail with `status` (the emulator's
    /// admin route).
    pub async fn fail_next(&self, status: u16, count: u32) {
        self.http
            .post(format!("{}/faults", self.admin))
            .bearer_auth(&self.key)
            .json(&json!({ "status": status, "count": count, "retry_after": 0 }))
            .send()
            .await
            .expect("booking fault")
            .error_for_status()
            .expect("booking fault status");
    }

    /// Queues a fault for the next requests to the booking API, whoever sends them (the
    /// emulator's admin route): `{"status": 503, "count": 2}`, `{"kind": "drop",
    /// "apply_effect": true}`, `{"kind": "slow", "delay_ms": 1500}`.
    pub async fn inject_fault(&self, fault: Value) {
        self.http
            .post(format!("{}/faults", self.admin))
            .bearer_auth(&self.key)
            .json(&fault)
            .send()
            .await
            .expect("booking fault")
            .error_for_status()
            .expect("booking fault status");
    }

    /// Stores a reservation as-is, bypassing validation (the emulator's admin route), to play a
    /// booking system that sends something malformed.
    pub async fn insert_raw(&self, raw: Value) {
        self.http
            .post(format!("{}/raw-reservations", self.admin))
            .bearer_auth(&self.key)
            .json(&raw)
            .send()
            .await
            .expect("raw reservation")
            .error_for_status()
            .expect("raw reservation status");
    }
}

/// Polls `check` every 20 ms until it returns true; panics with `what` after `timeout`.
pub async fn eventually(timeout: std::time::Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The subjects of Outlook events (as Graph lists them), sorted.
pub fn subjects(events: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = events
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    s.sort();
    s
}

/// The titles of the active reservations (as the booking system lists them), sorted.
pub fn active_titles(reservations: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = reservations
        .iter()
        .filter(|r| r["status"] == "active")
        .map(|r| r["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    s.sort();
    s
}

/// A time `days` from now at `hour`:00 UTC, on the minute.
pub fn at(days: i64, hour: u32) -> DateTime<Utc> {
    let d = (Utc::now() + Duration::days(days)).date_naive();
    d.and_hms_opt(hour, 0, 0).expect("valid hour").and_utc()
}
