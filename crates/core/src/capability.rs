//! What a booking system lets RoomBridge write, and how it keeps what it is sent.
//!
//! The contract's booking system takes every write. PorticoEstate takes events only: its
//! allocations and bookings come from the season planning, and an Outlook edit of one of them
//! must never become a write that fails every cycle. The planner asks [`Capabilities`] before
//! it plans a write to an existing reservation; what it cannot write goes back to Outlook by
//! the room's policy, or waits as a [`crate::plan::ConflictKind::ReadOnly`] conflict.

use crate::content::Content;
use crate::reservation::Level;

/// What one booking system lets RoomBridge do.
#[derive(Clone, Copy)]
pub struct Capabilities {
    /// The levels whose reservations RoomBridge may change and cancel. New reservations are
    /// always written as events.
    pub writable: &'static [Level],
    /// What the booking system keeps of `content` when RoomBridge writes it: what reading the
    /// written reservation back will show (the contract keeps it all; PorticoEstate keeps a
    /// title and local times). Two sides that differ only in what the booking system does not
    /// keep are the same reservation.
    pub stores: fn(&Content) -> Content,
}

impl Capabilities {
    /// The contract (`docs/booking-api.yaml`): every level written, everything kept.
    pub const ALL: Capabilities = Capabilities {
        writable: &[
            Level::Allocation,
            Level::Booking,
            Level::Event,
            Level::Closure,
        ],
        stores: Content::clone,
    };

    /// Whether RoomBridge may change and cancel reservations of `level`.
    pub fn writes(&self, level: Level) -> bool {
        self.writable.contains(&level)
    }

    /// Whether RoomBridge may change every level, as the contract lets it.
    pub fn writes_all(&self) -> bool {
        Capabilities::ALL.writable.iter().all(|&l| self.writes(l))
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::ALL
    }
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capabilities")
            .field("writable", &self.writable)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_writes_every_level_and_keeps_everything() {
        let all = Capabilities::ALL;
        for level in [
            Level::Allocation,
            Level::Booking,
            Level::Event,
            Level::Closure,
        ] {
            assert!(all.writes(level), "{level:?}");
        }
        let events_only = Capabilities {
            writable: &[Level::Event],
            ..Capabilities::ALL
        };
        assert!(all.writes_all() && !events_only.writes_all());
        assert!(events_only.writes(Level::Event));
        assert!(!events_only.writes(Level::Allocation));
        assert!(!events_only.writes(Level::Booking));
    }
}
