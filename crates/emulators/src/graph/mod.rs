//! A Microsoft Graph emulator: a real axum HTTP server on loopback with its own in-memory
//! Exchange. It answers like the samples in `tests/fixtures/graph` (field names, annotations,
//! error bodies) and is as strict as the service where RoomBridge depends on it: bearer tokens
//! that expire, mailboxes the app may not access, `transactionId` de-duplication, `If-Match`
//! with change keys, `calendarView/delta` paging with skip and delta tokens, and extended
//! properties that only come back when `$expand`ed.
//!
//! In front of the handlers sits what sits in front of Exchange: the per-mailbox limits
//! ([`MailboxLimits`]: 4 requests in flight, 10,000 per 10 minutes), JSON batching
//! (`POST /v1.0/$batch`, at most 20 requests, `dependsOn`), and injected [`Fault`]s. Resource
//! mailboxes apply Exchange's calendar processing ([`CalendarProcessing`]: subjects replaced
//! by the organizer's name, bodies dropped) a few seconds after an event lands, a room can
//! decline a meeting, and an organizer can cancel one.
//!
//! The tenant has a directory: resource mailboxes ([`EmulatedMailbox`]), which the
//! application may always open, and people's mailboxes ([`EmulatedPerson`]), which it may open
//! only when its [`AccessScope`] is the whole tenant (403 `ErrorAccessDenied` otherwise); an
//! address nobody has is 404 `ErrorInvalidUser`. Without `Place.Read.All` the places routes
//! answer 403.
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
//! - `POST /admin/secrets` `{"secret", "expires"}`: adds a client secret to the application
//!   ("New client secret" in Entra ID) or gives one (the configured one too) an expiry; a
//!   sign-in with an expired one answers AADSTS7000222, as Entra ID does. 204.
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

use crate::demo::{DEMO_CLIENT_ID, DEMO_PROCESSING_ROOM, DEMO_RESOURCES, DEMO_TENANT};
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

/// A resource mailbox (room or equipment) of the tenant. The application may always access
/// these: whatever its [`AccessScope`], resource mailboxes are inside it.
#[derive(Debug, Clone)]
pub struct EmulatedMailbox {
    /// The SMTP address, which Graph accepts as the user id.
    pub email: String,
    pub display_name: String,
    pub kind: MailboxKind,
    pub capacity: u32,
    /// Rooms of one building form one room list.
    pub building: String,
    /// What Exchange's calendar processing does to events that land in this mailbox.
    pub processing: CalendarProcessing,
}

/// A person's mailbox in the tenant's directory (a member of staff): not a resource, never
/// listed as a place. Whether the application may open it depends on the [`AccessScope`].
#[derive(Debug, Clone)]
pub struct EmulatedPerson {
    /// The SMTP address, which Graph accepts as the user id.
    pub email: String,
    pub display_name: String,
}

impl EmulatedPerson {
    /// The demo municipality's staff ([`crate::demo::DEMO_PEOPLE`]): the organizers of the
    /// demo's Outlook meetings and the chief executive.
    pub fn demo() -> Vec<EmulatedPerson> {
        crate::demo::DEMO_PEOPLE
            .iter()
            .map(|(name, email)| EmulatedPerson {
                email: (*email).to_owned(),
                display_name: (*name).to_owned(),
            })
            .collect()
    }
}

/// Which mailboxes the application's `Calendars.ReadWrite` reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessScope {
    /// Only resource mailboxes: what RBAC for Applications (a management scope on
    /// `RecipientTypeDetails -eq 'RoomMailbox'`) or a legacy application access policy gives.
    /// A person's mailbox answers 403 `ErrorAccessDenied`.
    #[default]
    Resources,
    /// Every mailbox of the tenant: the permission was consented tenant-wide and nothing
    /// narrows it, so people's calendars can be read (and written) too.
    Tenant,
}

/// Exchange's calendar processing of a resource mailbox (`Set-CalendarProcessing`), applied
/// [`GraphEmulatorConfig::rewrite_after`] after an event lands in the mailbox (a create or an
/// invitation), as a new version of the event (new change key, seen by delta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CalendarProcessing {
    /// `DeleteSubject`: the subject is removed.
    pub delete_subject: bool,
    /// `AddOrganizerToSubject`: the organizer's name is put in front of the subject (with
    /// `DeleteSubject`, the subject becomes the organizer's name).
    pub add_organizer_to_subject: bool,
    /// `DeleteComments`: the body is removed.
    pub delete_comments: bool,
}

impl CalendarProcessing {
    /// Nothing is changed: `-DeleteSubject $false -AddOrganizerToSubject $false
    /// -DeleteComments $false`, what RoomBridge's documentation asks for.
    pub const NONE: CalendarProcessing = CalendarProcessing {
        delete_subject: false,
        add_organizer_to_subject: false,
        delete_comments: false,
    };

    /// Exchange Online's defaults for an auto-accepting room: the subject becomes the
    /// organizer's name and the body is dropped.
    pub const EXCHANGE_DEFAULT: CalendarProcessing = CalendarProcessing {
        delete_subject: true,
        add_organizer_to_subject: true,
        delete_comments: true,
    };

    /// Whether processing changes anything about an event.
    pub fn changes_events(&self) -> bool {
        self.delete_subject || self.add_organizer_to_subject || self.delete_comments
    }

    /// The subject after processing, for an event organised by `organizer`.
    pub fn subject(&self, subject: &str, organizer: &str) -> String {
        let kept = if self.delete_subject { "" } else { subject };
        match (self.add_organizer_to_subject, kept.is_empty()) {
            (true, true) => organizer.to_owned(),
            (true, false) => format!("{organizer} {kept}"),
            (false, _) => kept.to_owned(),
        }
    }

    /// Both processings together (each flag set in either).
    pub fn and(self, other: CalendarProcessing) -> CalendarProcessing {
        CalendarProcessing {
            delete_subject: self.delete_subject || other.delete_subject,
            add_organizer_to_subject: self.add_organizer_to_subject
                || other.add_organizer_to_subject,
            delete_comments: self.delete_comments || other.delete_comments,
        }
    }
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
                processing: CalendarProcessing::NONE,
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
                processing: CalendarProcessing::NONE,
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
    /// The resource mailboxes (rooms and equipment), which the application may access. With
    /// [`Seed::Bulk`] the benchmark rooms ([`EmulatedMailbox::bench`]) replace these.
    pub mailboxes: Vec<EmulatedMailbox>,
    /// People's mailboxes. Open to the application only with [`AccessScope::Tenant`];
    /// otherwise they answer 403 `ErrorAccessDenied`. An address that is neither a resource
    /// nor a person answers 404 `ErrorInvalidUser`.
    pub people: Vec<EmulatedPerson>,
    /// How far the application's calendar permission reaches.
    pub scope: AccessScope,
    /// The application has `Place.Read.All`; without it the places routes answer 403.
    pub place_read_all: bool,
    /// How long an access token is valid (`expires_in`).
    pub token_lifetime: Duration,
    /// Faults in force from the start (more can be added with [`GraphEmulator::inject`]).
    pub faults: Vec<Fault>,
    /// Seeds the RNG that fault probabilities are rolled with, for reproducible runs.
    pub fault_seed: u64,
    /// Exchange's per-mailbox limits (defaults: 4 in flight, 10,000 per 600 s).
    pub limits: MailboxLimits,
    /// Every room mailbox replaces the subject of a new event with the organizer's name
    /// (`DeleteSubject` and `AddOrganizerToSubject`, on top of its own
    /// [`EmulatedMailbox::processing`]), [`GraphEmulatorConfig::rewrite_after`] after the
    /// create (a new change key, seen by delta).
    pub rewrite_subjects: bool,
    /// How long after a create calendar processing changes the event (Exchange: a few
    /// seconds).
    pub rewrite_after: Duration,
    /// How long each answer takes, as a distant Graph's would (zero: at once). A request holds
    /// its mailbox's concurrency slot meanwhile. Inside a `$batch`, each request of a chain
    /// (`dependsOn`) takes it in turn, while parallel requests take it together once.
    pub latency: Duration,
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
            people: EmulatedPerson::demo(),
            scope: AccessScope::Resources,
            place_read_all: true,
            // Entra ID's usual lifetime, as in token-response.json.
            token_lifetime: Duration::from_secs(3599),
            faults: Vec::new(),
            fault_seed: 0x6EAF_0001,
            limits: MailboxLimits::default(),
            rewrite_subjects: false,
            rewrite_after: Duration::from_secs(3),
            latency: Duration::ZERO,
        }
    }

    /// The demo tenant ([`DEMO_TENANT`], [`DEMO_CLIENT_ID`]) with the demo meetings, as
    /// `roombridge demo` shows it: with two things RoomBridge's tenant doctor finds, as real
    /// tenants have them. The application's permission reaches the whole tenant
    /// ([`AccessScope::Tenant`]), and the Library's Reading Hall
    /// ([`DEMO_PROCESSING_ROOM`]) keeps Exchange's default calendar processing (subjects
    /// become the organizer's name, bodies are dropped). The caller chooses the client secret.
    pub fn demo(client_secret: impl Into<String>) -> Self {
        let mut config = Self::demo_clean(client_secret);
        config.scope = AccessScope::Tenant;
        for m in &mut config.mailboxes {
            if m.email.eq_ignore_ascii_case(DEMO_PROCESSING_ROOM) {
                m.processing = CalendarProcessing::EXCHANGE_DEFAULT;
            }
        }
        config
    }

    /// The demo tenant set up the way RoomBridge's documentation asks: the application
    /// scoped to resource mailboxes, no calendar processing anywhere. The tenant doctor finds
    /// nothing wrong with it.
    pub fn demo_clean(client_secret: impl Into<String>) -> Self {
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
            .field("people", &self.people.len())
            .field("scope", &self.scope)
            .field("place_read_all", &self.place_read_all)
            .field("token_lifetime", &self.token_lifetime)
            .field("faults", &self.faults)
            .field("fault_seed", &self.fault_seed)
            .field("limits", &self.limits)
            .field("rewrite_subjects", &self.rewrite_subjects)
            .field("rewrite_after", &self.rewrite_after)
            .field("latency", &self.latency)
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
        for p in &config.people {
            store.mailboxes.insert(
                p.email.to_lowercase(),
                MailboxState {
                    display_name: p.display_name.clone(),
                    ..MailboxState::default()
                },
            );
        }
        if config.seed == Seed::Demo {
            let meetings = demo_events::demo_events(Utc::now());
            let copies = demo_events::organizer_copies(&meetings);
            for (mailbox, mut event) in meetings.into_iter().chain(copies) {
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
                people: config.people,
                scope: config.scope,
                place_read_all: config.place_read_all,
                rewrite_every_room: config.rewrite_subjects,
                rewrite_after: config.rewrite_after,
            }),
        };
        let (stop, stopped) = watch::channel(false);
        let gateway = Arc::new(Gateway::new(
            app.clone(),
            handlers::router(app),
            faults::Faults::new(config.faults, config.fault_seed),
            limits::Limits::new(config.limits),
            config.latency,
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
