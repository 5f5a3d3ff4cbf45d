//! Pausing and resuming rooms. A paused room keeps its mapping, links and history; its actor
//! skips timed and requested cycles (see `roombridge_engine`'s room actor) until it is resumed.
//! Every change is sent as a room [`Update`] so that open screens and the tray refresh.

use roombridge_core::RoomId;
use roombridge_store::rooms;

use crate::views::{RoomView, Update};
use crate::{ApiError, App};

impl App {
    /// Stops syncing `room` until [`App::resume_room`]. A cycle already running finishes.
    pub fn pause_room(&self, room: &str) -> Result<RoomView, ApiError> {
        self.set_paused(&RoomId::new(room), true)
    }

    /// Syncs `room` again, starting with a cycle now so it catches up at once.
    pub fn resume_room(&self, room: &str) -> Result<RoomView, ApiError> {
        let id = RoomId::new(room);
        let view = self.set_paused(&id, false)?;
        self.request_cycle(&id);
        Ok(view)
    }

    /// Pauses every room; returns them all, by name.
    pub fn pause_all(&self) -> Result<Vec<RoomView>, ApiError> {
        self.set_all_paused(true)
    }

    /// Resumes every room and asks each to sync now; returns them all, by name.
    pub fn resume_all(&self) -> Result<Vec<RoomView>, ApiError> {
        self.set_all_paused(false)
    }

    fn set_paused(&self, id: &RoomId, paused: bool) -> Result<RoomView, ApiError> {
        if !self.store.write(|c| rooms::set_paused(c, id, paused))? {
            return Err(ApiError::no_room(id.as_str()));
        }
        let view = self
            .room_view(id)?
            .ok_or_else(|| ApiError::no_room(id.as_str()))?;
        self.tell(Update::Room(view.clone()));
        Ok(view)
    }

    fn set_all_paused(&self, paused: bool) -> Result<Vec<RoomView>, ApiError> {
        // One transaction: either every room changes or none does.
        let changed: Vec<RoomId> = self.store.write(|c| {
            let mut changed = Vec::new();
            for room in rooms::list(c)? {
                if room.paused != paused {
                    rooms::set_paused(c, &room.id, paused)?;
                    changed.push(room.id);
                }
            }
            Ok(changed)
        })?;
        let views = self.list_rooms()?;
        for view in views
            .iter()
            .filter(|v| changed.iter().any(|id| id.as_str() == v.id))
        {
            self.tell(Update::Room(view.clone()));
        }
        if !paused {
            for id in &changed {
                self.request_cycle(id);
            }
        }
        Ok(views)
    }

    /// Asks a resumed room for a cycle now; if the engine cannot take it, the room's next timed
    /// cycle catches up instead, so this is logged rather than failing the resume.
    fn request_cycle(&self, id: &RoomId) {
        if let Err(e) = self.engine().sync_room(id) {
            tracing::warn!(room = %id, "a resumed room could not start a cycle now: {e}");
        }
    }
}
