//! The one API layer: every operation the UI (desktop or browser) and the CLI can perform.
//!
//! Tauri commands and HTTP handlers are one line that calls an [`App`] method. This crate owns
//! the JSON shapes the UI reads ([`views`]), the closed set of error codes ([`ApiError`]), the
//! OS-keyring secrets ([`secrets`]), how RoomBridge is wired up in demo and live mode
//! ([`setup`]), and the headless HTTP server ([`http`]).

mod anchor;
pub mod calendar;
pub mod connections;
pub mod decisions;
pub mod doctor;
pub mod error;
pub mod explain;
pub mod export;
pub mod http;
pub mod logging;
pub mod mappings;
pub mod memory;
pub mod ops;
pub mod overall;
pub mod overview;
pub mod paths;
pub mod pause;
mod planned;
pub mod query;
pub mod secrets;
pub mod settings;
pub mod setup;
pub mod undo;
mod validate;
pub mod views;
pub mod webhooks;
pub mod wizard;

use std::sync::Arc;

use tokio::sync::broadcast;

use roombridge_core::RoomId;
use roombridge_engine::{CycleMode, CycleReport, Engine, EngineEvent};
use roombridge_store::{Store, conflicts, history, links, rooms, status};

pub use error::{ApiError, ErrorCode};
use views::{ConflictView, HistoryEntry, Mode, RoomView, Status, Update, VerifyView};

/// The running application: the store, the engine, and what the UI is told.
pub struct App {
    store: Arc<Store>,
    /// The running engine; replaced when the connections change ([`App::reconnect`]).
    engine: std::sync::RwLock<Engine>,
    /// Counts engine replacements; whoever follows the engine's events subscribes anew when
    /// it moves.
    generation: tokio::sync::watch::Sender<u64>,
    mode: Mode,
    updates: broadcast::Sender<Update>,
    /// The connectors the engine runs on, for discovering rooms and resources when mappings
    /// change.
    connectors: std::sync::RwLock<Option<setup::Connectors>>,
    /// Where the connections come from, for Settings to change them.
    connections_source: std::sync::OnceLock<connections::Connections>,
    /// The audit history's anchor in the OS keyring (live mode).
    anchor: std::sync::OnceLock<Arc<anchor::Anchor>>,
    /// Where the anchor is read for `verify_audit`.
    anchor_secrets: std::sync::OnceLock<Arc<dyn secrets::SecretStore>>,
    /// PorticoEstate's webhook subscriptions and keys, when `serve` has them on.
    webhooks: std::sync::OnceLock<Arc<webhooks::Webhooks>>,
    /// Things to keep alive as long as the app (the demo's emulators).
    _keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl App {
    /// Wraps a started engine. `keep` holds whatever must live as long as the app.
    pub fn new(
        store: Arc<Store>,
        engine: Engine,
        mode: Mode,
        keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
    ) -> Arc<App> {
        let (updates, _) = broadcast::channel(1024);
        let app = Arc::new(App {
            store,
            engine: std::sync::RwLock::new(engine),
            generation: tokio::sync::watch::Sender::new(0),
            mode,
            updates,
            connectors: std::sync::RwLock::new(None),
            connections_source: std::sync::OnceLock::new(),
            anchor: std::sync::OnceLock::new(),
            anchor_secrets: std::sync::OnceLock::new(),
            webhooks: std::sync::OnceLock::new(),
            _keep: keep,
        });
        app.settle_organiser_language();
        app.clone().forward_engine_events();
        app
    }

    /// Turns engine events into UI updates, for as long as the app runs, following the
    /// engine when the connections change.
    fn forward_engine_events(self: Arc<Self>) {
        let mut events = self.engine().subscribe();
        let mut generation = self.generation.subscribe();
        let weak = Arc::downgrade(&self);
        drop(self);
        tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    moved = generation.changed() => {
                        let Some(app) = weak.upgrade().filter(|_| moved.is_ok()) else { break };
                        events = app.engine().subscribe();
                        continue;
                    }
                    event = events.recv() => event,
                };
                let event = match event {
                    Ok(e) => e,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("UI updates fell behind by {n} engine events");
                        continue;
                    }
                    // A replaced engine's events end; the new one's arrive once `generation`
                    // says so.
                    Err(broadcast::error::RecvError::Closed) => {
                        if generation.changed().await.is_err() {
                            break;
                        }
                        let Some(app) = weak.upgrade() else { break };
                        events = app.engine().subscribe();
                        continue;
                    }
                };
                let Some(app) = weak.upgrade() else { break };
                app.on_engine_event(event);
            }
        });
    }

    /// Stops the engine and starts another on `connectors`, with the same store and
    /// configuration: what a change of connections in Settings does. Rooms pick up where
    /// they left off (cursors and links are in the store).
    pub async fn reconnect(&self, connectors: setup::Connectors) -> Result<(), ApiError> {
        let old = self.engine();
        old.stop().await;
        let (events, _) = broadcast::channel(4096);
        let context = Arc::new(roombridge_engine::EngineContext::new(
            self.store.clone(),
            connectors.graph.clone(),
            connectors.booking.clone(),
            old.context().config.clone(),
            events,
        ));
        let engine = Engine::start(context)
            .await
            .map_err(|e| ApiError::unavailable(format!("Syncing could not restart: {e}")))?;
        *self.engine.write().unwrap_or_else(|e| e.into_inner()) = engine;
        self.set_connectors(connectors);
        self.generation.send_modify(|g| *g += 1);
        tokio::spawn(crate::memory::keep_giving_back(self.engine().subscribe()));
        Ok(())
    }

    /// A receiver that changes when the engine is replaced (and ends with the app).
    pub fn engine_moves(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn on_engine_event(&self, event: EngineEvent) {
        let room = match &event {
            EngineEvent::CycleStarted { room } => Some(room.clone()),
            EngineEvent::CycleFinished(report) => Some(report.room.clone()),
            EngineEvent::RoomFailed { room, .. } => Some(room.clone()),
            EngineEvent::History(entry) => {
                if let Some(anchor) = self.anchor.get() {
                    anchor.changed();
                }
                match self.history_entry(entry.clone()) {
                    Ok(view) => {
                        self.tell(Update::History(view));
                    }
                    Err(e) => tracing::warn!("history update: {}", e.message),
                }
                None
            }
        };
        if let Some(room) = room {
            match self.room_view(&room) {
                Ok(Some(view)) => {
                    self.tell(Update::Room(view));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("room update: {}", e.message),
            }
        }
        if let EngineEvent::CycleFinished(report) = &event
            && report.auth_failed
        {
            self.tell(Update::AuthFailed {
                message: report.error.clone().unwrap_or_default(),
            });
        }
        if let EngineEvent::RoomFailed { room, message } = event {
            self.tell(Update::RoomFailed { room, message });
        }
    }

    /// Sends `update` to whoever listens (no listener is fine: the UI may not be open).
    pub(crate) fn tell(&self, update: Update) {
        let _ = self.updates.send(update);
    }

    /// Live updates for the UI: room status changes and new history rows.
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.updates.subscribe()
    }

    /// Gives the app the connectors the engine runs on, for discovery; keeps the booking
    /// system's session alive while they are in use.
    pub fn set_connectors(&self, connectors: setup::Connectors) {
        tokio::spawn(setup::keep_alive(
            self.engine_moves(),
            connectors.booking.clone(),
        ));
        *self.connectors.write().unwrap_or_else(|e| e.into_inner()) = Some(connectors);
    }

    /// The connectors the engine runs on now.
    pub(crate) fn current_connectors(&self) -> Option<setup::Connectors> {
        self.connectors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps the audit history's anchor in `secrets` (the OS keyring) from now on, and checks
    /// the history against it in [`App::verify_audit`].
    pub fn anchor_in(&self, secrets: Arc<dyn secrets::SecretStore>) {
        if let Some(anchor) = anchor::Anchor::start(self.store.clone(), secrets.clone()) {
            let _ = self.anchor.set(anchor);
        }
        let _ = self.anchor_secrets.set(secrets);
    }

    /// The running engine (a handle; it may be replaced by [`App::reconnect`]).
    pub fn engine(&self) -> Engine {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn status(&self) -> Result<Status, ApiError> {
        let rooms = self.store.read(rooms::list)?.len();
        Ok(Status {
            mode: self.mode,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            rooms,
        })
    }

    /// Every room with its mapping and sync status, by name.
    pub fn list_rooms(&self) -> Result<Vec<RoomView>, ApiError> {
        let engine = self.engine();
        let context = engine.context();
        self.store
            .read(|c| {
                rooms::list(c)?
                    .into_iter()
                    .map(|room| {
                        let busy = context.is_syncing(&room.id);
                        view_of(c, room, busy)
                    })
                    .collect()
            })
            .map_err(ApiError::from)
    }

    fn room_view(&self, id: &RoomId) -> Result<Option<RoomView>, ApiError> {
        let syncing = self.engine().context().is_syncing(id);
        Ok(self.store.read(|c| {
            rooms::get(c, id)?
                .map(|room| view_of(c, room, syncing))
                .transpose()
        })?)
    }

    /// The newest history rows first, optionally of one room. [`App::query_history`] takes
    /// the other filters and pages.
    pub fn list_history(
        &self,
        limit: Option<u32>,
        room: Option<&str>,
    ) -> Result<Vec<HistoryEntry>, ApiError> {
        self.query_history(&query::HistoryQuery {
            limit,
            room: room.map(str::to_owned),
            ..query::HistoryQuery::default()
        })
    }

    /// A new history row as the UI shows it. Only its own room's name is read (by key), so
    /// forwarding a row costs the same however many rooms there are.
    /// Tells the UI about a history row the app wrote itself (a decision, a mapping).
    pub(crate) fn told_history(&self, entry: history::Entry) {
        if let Some(anchor) = self.anchor.get() {
            anchor.changed();
        }
        match self.history_entry(entry) {
            Ok(view) => {
                self.tell(Update::History(view));
            }
            Err(e) => tracing::warn!("history update: {}", e.message),
        }
    }

    fn history_entry(&self, entry: history::Entry) -> Result<HistoryEntry, ApiError> {
        let names: std::collections::HashMap<RoomId, String> = self
            .store
            .read(|c| rooms::get(c, &entry.room))?
            .map(|r| (r.id, r.name))
            .into_iter()
            .collect();
        Ok(HistoryEntry::new(entry, &names))
    }

    fn room_names(&self) -> Result<std::collections::HashMap<RoomId, String>, ApiError> {
        Ok(self
            .store
            .read(rooms::list)?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect())
    }

    /// Why `room`'s Outlook calendar shows what it shows at `at` ([`explain::parse_time`]).
    pub fn explain(&self, room: &str, at: &str) -> Result<explain::ExplainView, ApiError> {
        explain::explain(&self.store, room, at)
    }

    /// Conflicts waiting for a person, oldest first.
    pub fn list_conflicts(&self) -> Result<Vec<ConflictView>, ApiError> {
        let names = self.room_names()?;
        Ok(self
            .store
            .read(|c| conflicts::list_open(c, None))?
            .into_iter()
            .map(|c| ConflictView::new(c, &names))
            .collect())
    }

    /// Asks a room to sync now.
    pub fn sync_room(&self, room: &str) -> Result<(), ApiError> {
        let id = RoomId::new(room);
        if self.store.read(|c| rooms::get(c, &id))?.is_none() {
            return Err(ApiError::no_room(room));
        }
        self.engine()
            .sync_room(&id)
            .map_err(|e| ApiError::unavailable(e.to_string()))
    }

    /// Lets the deletions the mass-deletion breaker held back in `room` go ahead, and syncs
    /// the room now.
    pub fn approve_deletions(&self, room: &str) -> Result<(), ApiError> {
        let id = RoomId::new(room);
        if self.store.read(|c| rooms::get(c, &id))?.is_none() {
            return Err(ApiError::no_room(room));
        }
        self.store.write(|c| status::approve_deletions(c, &id))?;
        self.engine()
            .sync_room(&id)
            .map_err(|e| ApiError::unavailable(e.to_string()))
    }

    /// Runs one cycle in every room and waits for them (`roombridge sync --once`).
    pub async fn sync_all(&self, mode: CycleMode) -> Result<Vec<Arc<CycleReport>>, ApiError> {
        self.engine()
            .sync_all(mode)
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))
    }

    /// Checks the audit history's hash chain.
    pub fn verify_audit(&self) -> Result<VerifyView, ApiError> {
        let secrets = self.anchor_secrets.get().map(|s| s.as_ref());
        Ok(anchor::verify(&self.store, secrets)?)
    }

    /// Stops the engine, and brings the audit anchor up to date.
    pub async fn shutdown(&self) {
        self.engine().stop().await;
        if let Some(anchor) = self.anchor.get().cloned() {
            let _ = tokio::task::spawn_blocking(move || anchor.save()).await;
        }
    }
}

/// A room as the UI sees it: its mapping, its last cycle and its link counts.
fn view_of(
    c: &roombridge_store::Connection,
    room: rooms::Room,
    syncing: bool,
) -> roombridge_store::Result<RoomView> {
    let st = status::get(c, &room.id)?;
    let counts = links::counts(c, &room.id)?;
    Ok(RoomView::new(room, &st, counts, syncing))
}
