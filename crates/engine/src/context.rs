//! What every cycle needs, shared by the supervisor and all room actors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::broadcast;

use roombridge_connectors::{Booking, Calendar};
use roombridge_core::RoomId;
use roombridge_store::Store;

use crate::{EngineConfig, EngineEvent};

/// What every cycle needs, shared by all actors.
pub struct EngineContext {
    pub store: Arc<Store>,
    pub calendar: Arc<dyn Calendar>,
    pub booking: Arc<dyn Booking>,
    pub config: EngineConfig,
    pub events: broadcast::Sender<EngineEvent>,
    /// When each room last compared all its Outlook series with their instances.
    pub(crate) series_checked: Mutex<HashMap<RoomId, Instant>>,
    /// Rooms with a cycle that carries out its plan in flight, and how many. Kept here, beside
    /// the cycles, rather than rebuilt from the event stream by listeners: a listener runs
    /// behind, so "is this room syncing" answered from it could still say yes after the cycle
    /// has returned.
    in_flight: Mutex<HashMap<RoomId, usize>>,
    /// Permits for whole cycles ([`EngineConfig::max_concurrent_cycles`]).
    pub(crate) cycles: tokio::sync::Semaphore,
}

impl EngineContext {
    pub fn new(
        store: Arc<Store>,
        calendar: Arc<dyn Calendar>,
        booking: Arc<dyn Booking>,
        config: EngineConfig,
        events: broadcast::Sender<EngineEvent>,
    ) -> EngineContext {
        EngineContext {
            store,
            calendar,
            booking,
            cycles: tokio::sync::Semaphore::new(config.max_concurrent_cycles.max(1)),
            config,
            events,
            series_checked: Mutex::default(),
            in_flight: Mutex::default(),
        }
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        // No subscriber is fine: the UI may not be open.
        let _ = self.events.send(event);
    }

    /// Whether a cycle that carries out its plan is running for `room` right now.
    pub fn is_syncing(&self, room: &RoomId) -> bool {
        in_flight(&self.in_flight).contains_key(room)
    }

    /// Marks `room` as syncing until the returned guard is dropped (also when the cycle is
    /// abandoned by its timeout or unwinds from a panic).
    pub(crate) fn syncing(&self, room: &RoomId) -> Syncing<'_> {
        *in_flight(&self.in_flight).entry(room.clone()).or_default() += 1;
        Syncing {
            map: &self.in_flight,
            room: room.clone(),
        }
    }
}

/// A room's cycle in flight; see [`EngineContext::syncing`].
pub(crate) struct Syncing<'a> {
    map: &'a Mutex<HashMap<RoomId, usize>>,
    room: RoomId,
}

impl Drop for Syncing<'_> {
    fn drop(&mut self) {
        let mut map = in_flight(self.map);
        if let Some(n) = map.get_mut(&self.room) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.room);
            }
        }
    }
}

fn in_flight(map: &Mutex<HashMap<RoomId, usize>>) -> MutexGuard<'_, HashMap<RoomId, usize>> {
    // The map holds plain counters; a panic elsewhere cannot leave it inconsistent.
    map.lock().unwrap_or_else(|e| e.into_inner())
}
