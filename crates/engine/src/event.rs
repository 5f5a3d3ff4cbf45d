//! What the engine reports to whoever listens (the app turns it into UI updates).

use std::sync::Arc;

use roombridge_core::RoomId;

use crate::CycleReport;

/// What the engine tells the outside world.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// A room started a cycle that carries out its plan (dry runs are not announced).
    CycleStarted { room: RoomId },
    /// A room finished a cycle (well or not); its status in the store is up to date.
    CycleFinished(Arc<CycleReport>),
    /// A row was added to the audit history.
    History(roombridge_store::history::Entry),
    /// A room failed repeatedly and was stopped; it needs attention.
    RoomFailed { room: RoomId, message: String },
}
