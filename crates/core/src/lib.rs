//! RoomBridge's domain, with no IO, no clock reads and no async runtime.
//!
//! The sync contract lives here as pure functions: [`content`] normalises what a reservation
//! looks like on either side and hashes it, [`compose`] turns the booking system's reservations
//! into the blocks Outlook shows, and [`plan`] decides, from both sides and the last synced
//! state, what one cycle must do. Everything the engine executes comes out of [`plan::plan`].

pub mod capability;
pub mod compose;
pub mod content;
pub mod event;
pub mod explain;
pub mod i18n;
pub mod ids;
pub mod link;
pub mod localtime;
pub mod plan;
pub mod policy;
pub mod privacy;
pub mod recurrence;
pub mod reservation;
pub mod secret;
pub mod snapshot;
pub mod window;

pub use content::{Content, ContentHash, When};
pub use event::{CalendarEvent, Instance};
pub use ids::{BlockKey, GraphEventId, LinkId, Mailbox, ReservationId, ResourceId, RoomId};
pub use link::{Link, LinkState};
pub use reservation::{Level, Repeat, Reservation, ReservationStatus};
pub use secret::Secret;
pub use window::SyncWindow;

/// The two places a reservation lives. Never "A" and "B".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Side {
    /// The organisation's booking system.
    Booking,
    /// The Outlook / Microsoft 365 room calendar.
    Calendar,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Booking => "booking",
            Side::Calendar => "calendar",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "booking" => Some(Side::Booking),
            "calendar" => Some(Side::Calendar),
            _ => None,
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
