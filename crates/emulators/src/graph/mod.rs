//! A Microsoft Graph emulator: a real axum HTTP server on loopback with its own in-memory
//! Exchange. It answers like the samples in `tests/fixtures/graph` (field names, annotations,
//! error bodies) and is as strict as the service where RoomBridge depends on it: bearer tokens
//! that expire, mailboxes the app may not access, `transactionId` de-duplication, `If-Match`
//! with change keys, `calendarView/delta` paging with skip and delta tokens, and extended
//! properties that only come back when `$expand`ed.
//!
//! In front of the handlers sits what sits in front of Exchange: the per-mailbox limits
//! ([`MailboxLimits`]: 4 requests in flight, 10,000 per 10 minutes), JSON batching
//! (`POST /v1.0/$batch`, at most 20 requests, `dependsOn`), and injected [`Fault`]s. Room
//! mailboxes can rewrite subjects like Exchange's `AddOrganizerToSubject`
//! ([`GraphEmulatorConfig::rewrite_subjects`]), a room can decline a meeting, and an organizer
//! can cancel one.
//!
//! Start it with [`GraphEmulator::start`]; point a client at [`GraphEmulator::graph_base`] and
//! [`GraphEmulator::token_url`]. Edits "from the outside" (a test, a person playing Outlook) go
//! through the same HTTP API.
//!
//! Emulator-only routes, outside Graph's surface, under `/admin`; they need
//! `Authorization: Bearer <client secret>` (the application's secret from the config):
//! - `POST /admin/faults` with a [`Fault`] as JSON, e.g.
//!   `{"route": "create_event", "kind": "throttle", "retry_after": 2.128, "count": 1}`: 204.
//! - `DELETE /admin/faults`: clears every fault, 204.
//! - `GET /admin/stats`: [`GraphStats`] as JSON; `DELETE /admin/stats` resets them, 204.
//! - `POST /admin/invitations`: someone else's meeting lands in a room's calendar (the room is
//!   an attendee, `isOrganizer: false`): an event body plus `"mailbox"` and
//!   `"organizer": {"name", "address"}`; 201 with the event. With `"mailboxes": [..]` (besides
//!   or instead of `"mailbox"`) every room gets its own copy (its own id, one shared
//!   `iCalUId`), answered as `{"value": [..]}`. `"originalStartTimeZone":
//!   "tzone://Microsoft/Custom"` (and `originalEndTimeZone`) plants a meeting desktop Outlook
//!   made in a custom zone.
//! - `GET /admin/replies`: `{"value": [{"mailbox", "eventId", "subject", "kind", "comment"}]}`,
//!   every `cancel` and `decline` so far; `DELETE /admin/replies` forgets them, 204.
//! - `POST /admin/tokens/expire`: every access token issued so far is expired, 204
//!   ([`GraphEmulator::expire_tokens`]).
//! - `POST /admin/sync-state/forget`: every delta and skip token is forgotten, 204 (the next
//!   delta request with one answers 410; [`GraphEmulator::forget_sync_state`]).
//!
//! The admin routes also accept an access token the emulator issued.
//!
//! Every answer (the admin routes' too) carries a `request-id` header and echoes the request's
//! `client-request-id` (a fresh GUID when it sent none); an error body's `innerError` names
//! the same two. Request bodies are read as strictly as Graph reads them: properties the event
//! type lacks, enum values it does not have, malformed extended property ids, bodies that are
//! not JSON (400) or not `application/json` (415); a malformed event id is 400
//! `ErrorInvalidIdMalformed`. `$select` is honoured on events, instances and delta.
//!
//! Series: a create with a `recurrence` stores a series master, expanded into occurrences with
//! stable ids (calendarView/delta shows those, never the master); a PATCH of an occurrence
//! makes it an exception, a DELETE or cancel removes just it. A `noEnd` series is expanded
//! three years ahead.

mod correlation;
mod demo_events;
mod faults;
mod gateway;
mod handlers;
mod limits;
mod recurrence;
mod schema;
mod state;
mod stats;
mod zones;

pub use faults::{Fault, FaultError, FaultKind, FaultRoute, GraphRoute};
pub use limits::MailboxLimits;
pub use stats::GraphStats;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::demo::{DEMO_CLIENT_ID, DEMO_RESOURCES, DEMO_TENANT};
use crate::seed::{Seed, bench_room_email, bench_room_name};
use gateway::Gateway;
use state::{MailboxState, Store};

/// Whether a mailbox is a room (listed by `/places/microsoft.graph.room`) or equipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxKind {
    /// A room mailbox.
    Room,
    /// An equipment mailbox (projector, van).
    Equipment,
}

/// A resource mailbox the emulated application may access (its application access policy).
#[derive(Debug, Clone)]
pub struct EmulatedMailbox {
    /// The SMTP address, which Graph accepts as the user id.
    pub email: String,
    pub display_name: String,
    pub kind: MailboxKind,
    pub capacity: u32,
    /// Rooms of one building form one room list.
    pub building: String,
}

impl EmulatedMailbox {
    /// The room and equipment mailboxes of the demo municipality ([`crate::demo`]).
    pub fn demo() -> Vec<EmulatedMailbox> {
        DEMO_RESOURCES
            .iter()
            .map(|r| EmulatedMailbox {
                email: r.email.to_owned(),
                display_name: r.name.to_owned(),
                kind: if r.kind == "equipment" {
                    MailboxKind::Equipment
                } else {
                    MailboxKind::Room
                },
                capacity: r.capacity,
                building: r.building.to_owned(),
            })
            .collect()
    }

    /// The benchmark rooms of [`Seed::Bulk`]: `bench-room-001@bench.example` and on.
    pub fn bench(rooms: u32) -> Vec<EmulatedMailbox> {
        (1..=rooms)
            .map(|n| EmulatedMailbox {
                email: bench_room_email(n),
                display_name: bench_room_name(n),
                kind: MailboxKind::Room,
                capacity: 10,
                building: "Bench".to_owned(),
            })
            .collect()
    }
}

/// How the emulator starts: which tenant and application it accepts, and what it holds.
#[derive(Clone)]
pub struct GraphEmulatorConfig {
    /// The tenant id in the token URL.
    pub tenant: String,
    /// The only application (client id) the token endpoint accepts.
    pub client_id: String,
    /// That application's client secret. Passed in, never built in, so no secret lives in code.
    pub client_secret: String,
    /// Demo meetings, an empty calendar, or the benchmark rooms without events.
    pub seed: Seed,
    /// The mailboxes the application may access; every other mailbox answers 403. With
    /// [`Seed::Bulk`] the benchmark rooms ([`EmulatedMailbox::bench`]) replace these.
    pub mailboxes: Vec<EmulatedMailbox>,
    /// How long an access token is valid (`expires_in`).
    pub token_lifetime: Duration,
    /// Faults in force from the start (more can be added with [`GraphEmulator::inject`]).
    pub faults: Vec<Fault>,
    /// Seeds the RNG that fault probabilities are rolled with, for reproducible runs.
    pub fault_seed: u64,
    /// Exchange's per-mailbox limits (defaults: 4 in flight, 10,000 per 600 s).
    pub limits: MailboxLimits,
    /// Room mailboxes replace the subject of a new event with the organizer's name
    /// [`GraphEmulatorConfig::rewrite_after`] after the create (a new change key, seen by delta).
    pub rewrite_subjects: bool,
    /// How long after a create the subject is rewritten (Exchange: a few seconds).
    pub rewrite_after: Duration,
}

impl GraphEmulatorConfig {
    /// A tenant with the demo mailboxes, the given application, and `seed`.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        seed: Seed,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            seed,
            mailboxes: EmulatedMailbox::demo(),
            // Entra ID's usual lifetime, as in token-response.json.
            token_lifetime: Duration::from_secs(3599),
            faults: Vec::new(),
            fault_seed: 0x6EAF_0001,
            limits: MailboxLimits::default(),
            rewrite_subjects: false,
            rewrite_after: Duration::from_secs(3),
        }
    }

    /// The demo tenant ([`DEMO_TENANT`], [`DEMO_CLIENT_ID`]) with the demo meetings; the caller
    /// chooses the client secret.
    pub fn demo(client_secret: impl Into<String>) -> Self {
        Self::new(DEMO_TENANT, DEMO_CLIENT_ID, client_secret, Seed::Demo)
    }
}

impl std::fmt::Debug for GraphEmulatorConfig {
    // Written by hand so the client secret never appears in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphEmulatorConfig")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("seed", &self.seed)
            .field("mailboxes", &self.mailboxes.len())
            .field("token_lifetime", &self.token_lifetime)
            .field("faults", &self.faults)
            .field("fault_seed", &self.fault_seed)
            .field("limits", &self.limits)
            .field("rewrite_subjects", &self.rewrite_subjects)
            .field("rewrite_after", &self.rewrite_after)
            .finish_non_exhaustive()
    }
}

/// A running Graph emulator. Dropping it without [`GraphEmulator::shutdown`] leaves the server
/// task running until the runtime ends.
pub struct GraphEmulator {
    addr: SocketAddr,
    tenant: String,
    store: Arc<Mutex<Store>>,
    gateway: Arc<Gateway>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl GraphEmulator {
    /// Binds `bind` (use port 0 for a free port) and serves until [`GraphEmulator::shutdown`].
    /// Fails when the address cannot be bound, or (`InvalidInput`) when a configured fault is
    /// invalid.
    pub async fn start(
        config: GraphEmulatorConfig,
        bind: SocketAddr,
    ) -> std::io::Result<GraphEmulator> {
        for fault in &config.faults {
            fault
                .validate()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        }
        let mailboxes = match config.seed {
            Seed::Bulk { rooms, .. } => EmulatedMailbox::bench(rooms),
            Seed::Demo | Seed::Empty => config.mailboxes,
        };
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}/v1.0");

        let mut store = Store::default();
        for m in &mailboxes {
            store.mailboxes.insert(
                m.email.to_lowercase(),
                MailboxState {
                    display_name: m.display_name.clone(),
                    ..MailboxState::default()
                },
            );
        }
        if config.seed == Seed::Demo {
            for (mailbox, mut event) in demo_events::demo_events(Utc::now()) {
                let seq = store.next_seq();
                if let Some(mb) = store.mailboxes.get_mut(&mailbox) {
                    event.seq = seq;
                    mb.events.insert(event.id.clone(), event);
                }
            }
        }
        let store = Arc::new(Mutex::new(store));
        let app = handlers::App {
            store: store.clone(),
            settings: Arc::new(handlers::Settings {
                tenant: config.tenant.clone(),
                client_id: config.client_id,
                client_secret: config.client_secret,
                token_lifetime: config.token_lifetime,
                base,
                mailboxes,
                rewrite_after: config.rewrite_subjects.then_some(config.rewrite_after),
            }),
        };
        let (stop, stopped) = watch::channel(false);
        let gateway = Arc::new(Gateway::new(
            app.clone(),
            handlers::router(app),
            faults::Faults::new(config.faults, config.fault_seed),
            limits::Limits::new(config.limits),
            stopped,
        ));
        let task = tokio::spawn(gateway::serve(listener, gateway.clone()));
        tracing::info!(%addr, "graph emulator listening");
        Ok(GraphEmulator {
            addr,
            tenant: config.tenant,
            store,
            gateway,
            stop,
            task,
        })
    }

    /// Adds a fault, which applies from the next request on. Fails when the fault is invalid
    /// (a probability outside 0..=1, a status that is not 500/502/503/504, ...).
    pub fn inject(&self, fault: Fault) -> Result<(), FaultError> {
        fault.validate()?;
        self.gateway.faults().push(fault);
        Ok(())
    }

    /// Removes every fault, configured or injected.
    pub fn clear_faults(&self) {
        self.gateway.faults().clear();
    }

    /// The counters since start or the last [`GraphEmulator::reset_stats`].
    pub fn stats(&self) -> GraphStats {
        self.gateway.stats().clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        *self.gateway.stats() = GraphStats::default();
    }

    /// `http://127.0.0.1:PORT/admin`, the base of the emulator-only routes.
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1.0`, the stand-in for `https://graph.microsoft.com/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    /// The client-credentials token endpoint of the emulated tenant.
    pub fn token_url(&self) -> String {
        format!("http://{}/{}/oauth2/v2.0/token", self.addr, self.tenant)
    }

    /// Every access token the token endpoint has issued (tests look for them where they must
    /// not be: logs, the database, exports).
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.store).tokens.keys().cloned().collect()
    }

    /// Makes every issued access token expired, as if their lifetime had passed. Clients must
    /// fetch a new one.
    /// (`POST /admin/tokens/expire` does the same over HTTP.)
    pub fn expire_tokens(&self) {
        lock(&self.store).expire_tokens();
    }

    /// Forgets every delta and skip token, as Exchange does when sync state expires: the next
    /// delta call with an old link answers 410 with a `Location` to start over. (`POST
    /// /admin/sync-state/forget` does the same over HTTP.)
    pub fn forget_sync_state(&self) {
        lock(&self.store).forget_sync_state();
    }

    /// Stops the server and waits for it to finish (requests in flight get a few seconds).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Locks the store. A poisoned lock means a handler panicked mid-write; the emulator keeps
/// serving the state as it is, which is what a test wants to see.
pub(crate) fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}
