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
    /// Delta links quiet cycles read, newer than the stored ones, until the next commit.
    kept_cursors: Mutex<HashMap<RoomId, String>>,
    /// When each room last planned a cycle that carried out its plan, and what that plan was
    /// made from if it found nothing to do.
    planned_at: Mutex<HashMap<RoomId, Planned>>,
}

/// A room's last plan that was carried out.
struct Planned {
    at: Instant,
    /// What it was made from, and how many links it left held in conflict, when it had
    /// nothing to do and was committed.
    settled: Option<(Basis, usize)>,
}

/// What a plan is made from besides the mirrors, the links and the decisions (which change
/// only through the change feeds and the work [`waiting`](crate::cycle) finds): the room's
/// mapping, its policy, the privacy mode and the window's size. A dry run whose feeds bring
/// nothing, with nothing waiting and the same basis as a settled plan, has nothing to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Basis {
    pub(crate) room: roombridge_store::rooms::Room,
    pub(crate) policy: roombridge_core::policy::Policy,
    pub(crate) privacy: roombridge_core::privacy::Privacy,
    pub(crate) window_key: String,
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
            kept_cursors: Mutex::default(),
            planned_at: Mutex::default(),
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

    /// The delta link a quiet cycle of `room` kept, if one is newer than the stored one.
    pub(crate) fn kept_cursor(&self, room: &RoomId) -> Option<String> {
        locked(&self.kept_cursors).get(room).cloned()
    }

    pub(crate) fn keep_cursor(&self, room: &RoomId, cursor: String) {
        locked(&self.kept_cursors).insert(room.clone(), cursor);
    }

    pub(crate) fn forget_cursor(&self, room: &RoomId) {
        locked(&self.kept_cursors).remove(room);
    }

    /// Records that `room` planned a cycle now.
    pub(crate) fn planned(&self, room: &RoomId) {
        locked(&self.planned_at).insert(
            room.clone(),
            Planned {
                at: Instant::now(),
                settled: None,
            },
        );
    }

    /// Records that the plan `room` planned last found nothing to do, made from `basis`, and
    /// was committed; `held` links stay held in conflict.
    pub(crate) fn settled(&self, room: &RoomId, basis: Basis, held: usize) {
        if let Some(planned) = locked(&self.planned_at).get_mut(room) {
            planned.settled = Some((basis, held));
        }
    }

    /// The basis of `room`'s last plan and the links it held, if it found nothing to do.
    pub(crate) fn settled_on(&self, room: &RoomId) -> Option<(Basis, usize)> {
        locked(&self.planned_at)
            .get(room)
            .and_then(|p| p.settled.clone())
    }

    /// Whether `room` has gone an hour without planning (or never planned in this run).
    pub(crate) fn plan_due(&self, room: &RoomId) -> bool {
        locked(&self.planned_at)
            .get(room)
            .is_none_or(|p| p.at.elapsed() >= PLAN_AT_LEAST_EVERY)
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
    locked(map)
}

/// A quiet room still plans this often: the window moves with the clock, and settings a person
/// changed apply.
const PLAN_AT_LEAST_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

fn locked<T>(map: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps hold plain values; a panic elsewhere cannot leave them inconsistent.
    map.lock().unwrap_or_else(|e| e.into_inner())
}
