//! The booking system's reservations: allocations, bookings and events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::content::Content;
use crate::ids::{ReservationId, ResourceId};

/// The three levels of reservation. Outlook shows one block per moment, the highest level
/// wins: `Event > Booking > Allocation` (the derived `Ord` follows that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A recurring time slot given to an organisation.
    Allocation,
    /// A sub-group's use inside an allocation.
    Booking,
    /// A single happening.
    Event,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Active,
    /// Soft-cancelled: kept in the booking system as inactive, with a note.
    Cancelled,
}

/// One reservation as the booking system holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: ReservationId,
    pub resource: ResourceId,
    pub level: Level,
    pub parent: Option<ReservationId>,
    pub content: Content,
    pub status: ReservationStatus,
    /// The booking system's optimistic-concurrency version.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// Set when this reservation was recurring in the booking system. Recurring reservations
    /// are not synced yet (see ARCHITECTURE.md, "Not yet").
    pub recurring: bool,
    /// The link RoomBridge tagged this reservation with when it created it (the booking API's
    /// `external_ref`), if it did.
    pub tag: Option<crate::ids::LinkId>,
}

impl Reservation {
    pub fn is_active(&self) -> bool {
        self.status == ReservationStatus::Active
    }
}
