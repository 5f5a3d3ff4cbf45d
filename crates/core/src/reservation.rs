//! The booking system's reservations: allocations, bookings and events.

use chrono::{DateTime, NaiveDate, Utc};
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
    /// The room is closed (maintenance, a holiday): nothing else can happen in it. Highest of
    /// all, so it covers everything beneath it and makes overlapping Outlook meetings conflicts.
    Closure,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allocation => "allocation",
            Level::Booking => "booking",
            Level::Event => "event",
            Level::Closure => "closure",
        }
    }
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
    /// How the reservation repeats, if it does. `content.when` is then its first occurrence.
    #[serde(default)]
    pub recurrence: Option<Repeat>,
    /// The link RoomBridge tagged this reservation with when it created it (the booking API's
    /// `external_ref`), if it did.
    pub tag: Option<crate::ids::LinkId>,
}

/// The booking system's repeat rule: an RFC 5545 RRULE read in the reservation's zone, minus
/// the occurrences cancelled one by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    /// Without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;BYDAY=TU;COUNT=10`.
    pub rrule: String,
    /// Local dates (in the reservation's zone) of occurrences that no longer happen.
    #[serde(default)]
    pub exdates: Vec<NaiveDate>,
}

impl Reservation {
    pub fn is_active(&self) -> bool {
        self.status == ReservationStatus::Active
    }

    pub fn is_recurring(&self) -> bool {
        self.recurrence.is_some()
    }
}
