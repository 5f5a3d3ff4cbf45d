//! What every cycle needs, shared by the supervisor and all room actors.

use std::sync::Arc;

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
    pub series_checked: std::sync::Mutex<std::collections::HashMap<RoomId, std::time::Instant>>,
}

impl EngineContext {
    pub(crate) fn emit(&self, event: EngineEvent) {
        // No subscriber is fine: the UI may not be open.
        let _ = self.events.send(event);
    }
}
