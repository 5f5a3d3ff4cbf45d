//! Undoing a carried-out decision: each side gets back what it held before the decision, and
//! the link is held in conflict again, so the person decides anew ([`Restore`]).

use super::*;

impl Planner<'_, '_> {
    /// The writes that give each side of this pair back what `r` says it held, and the conflict
    /// that holds the link again. Refused (`Err`, with the side RoomBridge cannot write back)
    /// when a side to restore is gone, or is a booking-system item RoomBridge may not change or
    /// only a piece of one.
    pub(super) fn restore(&self, r: &Restore) -> Result<(Vec<Action>, Conflict), Side> {
        let (b, e) = (self.pair.block, self.pair.event);
        let mut actions = Vec::new();
        if let Some(before) = &r.calendar {
            let (Some(b), Some(e)) = (b, e) else {
                return Err(Side::Calendar);
            };
            if before.hash() != e.content.hash() {
                actions.push(Action::UpdateEvent {
                    link: self.pair.link.id.clone(),
                    block: b.key.clone(),
                    event: e.id.clone(),
                    version: e.version.clone(),
                    content: before.clone(),
                    booking_hash: b.content.hash(),
                });
            }
        }
        if let Some(before) = &r.booking {
            let (Some(b), Some(e)) = (b, e) else {
                return Err(Side::Booking);
            };
            if !self.writes(b.level) || !b.covered_by.is_empty() || b.key != b.item_key() {
                return Err(Side::Booking);
            }
            if before.hash() != b.content.hash() {
                actions.push(write_back(
                    self.pair.link.id.clone(),
                    Source::of_block(b),
                    e,
                    before.clone(),
                ));
            }
        }
        let conflict = Conflict {
            link: self.pair.link.id.clone(),
            kind: r.kind,
            block: b.map(|b| b.key.clone()),
            event: e.map(|e| e.id.clone()),
            booking: r.booking.clone().or_else(|| b.map(|b| b.content.clone())),
            calendar: r.calendar.clone().or_else(|| e.map(|e| e.content.clone())),
        };
        Ok((actions, conflict))
    }
}
