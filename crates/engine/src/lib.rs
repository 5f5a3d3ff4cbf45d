//! RoomBridge's engine: a [`supervisor::Supervisor`] actor with one [`room::RoomActor`] per
//! mapped room. Each room actor runs cycles on its own timer; a cycle (see [`cycle`]) fetches
//! both sides' changes, plans with `roombridge_core::plan`, executes the plan and commits links,
//! mirrors and cursors to the store in one transaction.
//!
//! The engine reports what happens as [`EngineEvent`]s on a broadcast channel; it knows
//! nothing about the UI's JSON or event names.

mod context;
pub mod cycle;
mod event;
mod execute;
pub mod room;
pub mod supervisor;

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorRef};
use tokio::sync::broadcast;

use roombridge_core::RoomId;

pub use context::EngineContext;
pub use cycle::{CycleMode, CycleReport};
pub use event::EngineEvent;
use supervisor::{Supervisor, SupervisorMsg};

/// How often a room reads the booking system's changes, unless a person chose otherwise: a
/// booking-system change reaches Outlook within about this long.
pub const DEFAULT_POLL_SECS: u64 = 10;
/// The longest an idle room's Outlook calendar goes unread: 24 reads an hour per room, so 50
/// idle rooms cost Graph 1,200 requests an hour, and an Outlook change reaches the booking
/// system within 2½ minutes.
pub const CALENDAR_CEILING_SECS: u64 = 150;

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How often each room reads the booking system's changes (and its Outlook calendar
    /// while the room is busy); `None` runs cycles only when asked (`roombridge sync --once`).
    pub poll_interval: Option<Duration>,
    /// The longest an idle room's Outlook calendar goes unread (never shorter than the poll
    /// interval; with a short poll interval, at most 15 of them). An Outlook change reaches
    /// the booking system within about this long.
    pub calendar_ceiling: Duration,
    /// The sync window, in days before and after now.
    pub days_back: i64,
    pub days_ahead: i64,
    /// How long one cycle may take before it is abandoned as failed.
    pub cycle_timeout: Duration,
    /// Restarts of a room actor allowed within `restart_window` before the room is marked
    /// failed and left alone.
    pub max_restarts: u32,
    pub restart_window: Duration,
    /// The mass-deletion breaker.
    pub breaker: roombridge_core::plan::Breaker,
    /// How often every Outlook series a room knows is compared with its instances. Delta gives
    /// no signal for an occurrence deleted on its own, so without this check such a deletion
    /// would be seen only when something else in its series changes. One request per series.
    pub series_check_interval: Duration,
    /// Whole cycles (beyond a quiet booking check) that may run at once across all rooms. Each
    /// holds its room's mirror, plan and requests in memory, so this bounds the engine's peak
    /// (a first sync of hundreds of rooms runs in waves); rooms beyond it wait their turn.
    pub max_concurrent_cycles: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            poll_interval: Some(Duration::from_secs(DEFAULT_POLL_SECS)),
            calendar_ceiling: Duration::from_secs(CALENDAR_CEILING_SECS),
            days_back: 7,
            days_ahead: 365,
            cycle_timeout: Duration::from_secs(300),
            max_restarts: 5,
            restart_window: Duration::from_secs(600),
            breaker: roombridge_core::plan::Breaker::default(),
            series_check_interval: Duration::from_secs(3600),
            max_concurrent_cycles: 64,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the engine could not start: {0}")]
    Start(String),
    #[error("the engine did not answer in time")]
    Timeout,
    #[error("the engine has stopped")]
    Stopped,
}

/// A handle to the running engine.
#[derive(Clone)]
pub struct Engine {
    supervisor: ActorRef<SupervisorMsg>,
    context: Arc<EngineContext>,
}

impl Engine {
    /// Starts the supervisor and one room actor per room in the store.
    pub async fn start(context: Arc<EngineContext>) -> Result<Engine, EngineError> {
        let (supervisor, _handle) = Actor::spawn(None, Supervisor, context.clone())
            .await
            .map_err(|e| EngineError::Start(e.to_string()))?;
        Ok(Engine {
            supervisor,
            context,
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.context.events.subscribe()
    }

    pub fn context(&self) -> &Arc<EngineContext> {
        &self.context
    }

    /// Runs one cycle in every unpaused room and waits for all of them.
    pub async fn sync_all(&self, mode: CycleMode) -> Result<Vec<Arc<CycleReport>>, EngineError> {
        let timeout = self.context.config.cycle_timeout + Duration::from_secs(10);
        self.supervisor
            .call(|reply| SupervisorMsg::SyncAll(mode, reply), Some(timeout))
            .await
            .map_err(|_| EngineError::Stopped)?
            .success_or(EngineError::Timeout)
    }

    /// Asks one room to run a cycle now (it is queued if one is running).
    pub fn sync_room(&self, room: &RoomId) -> Result<(), EngineError> {
        self.supervisor
            .cast(SupervisorMsg::SyncRoom(room.clone()))
            .map_err(|_| EngineError::Stopped)
    }

    /// Re-reads the rooms from the store: starts actors for new rooms, stops removed ones.
    pub fn reload_rooms(&self) -> Result<(), EngineError> {
        self.supervisor
            .cast(SupervisorMsg::ReloadRooms)
            .map_err(|_| EngineError::Stopped)
    }

    /// Makes every room tick at `every` from now on, without a restart. An engine that runs
    /// cycles only when asked keeps doing so.
    pub fn set_poll_interval(&self, every: Duration) -> Result<(), EngineError> {
        self.supervisor
            .cast(SupervisorMsg::SetPollInterval(every))
            .map_err(|_| EngineError::Stopped)
    }

    /// The interval each room ticks at now, by room (`None`: cycles only when asked).
    pub async fn poll_intervals(&self) -> Result<Vec<(RoomId, Option<Duration>)>, EngineError> {
        self.supervisor
            .call(SupervisorMsg::PollIntervals, Some(Duration::from_secs(10)))
            .await
            .map_err(|_| EngineError::Stopped)?
            .success_or(EngineError::Timeout)
    }

    /// The Graph request budget each mailbox has in use now.
    pub fn graph_budget(&self) -> Vec<roombridge_connectors::MailboxBudget> {
        self.context.calendar.budget()
    }

    /// Stops every actor and waits for them.
    pub async fn stop(&self) {
        let _ = self
            .supervisor
            .stop_and_wait(None, Some(Duration::from_secs(10)))
            .await;
    }
}
