//! The compositor: the booking system's three levels become the flat blocks Outlook shows.
//!
//! Priority painting per room: events are painted first, then bookings, then allocations; a
//! lower item only shows where nothing higher covers it, so its uncovered parts remain as
//! fragments (the room is still busy there). A block's key comes from the item that paints it
//! (`r:{id}` for its first fragment, `r:{id}#n` after), so moving a higher item over a lower
//! one updates the surviving fragments instead of replacing them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::content::{Content, When};
use crate::ids::{BlockKey, ReservationId};
use crate::reservation::Reservation;

/// One block as Outlook shows it, with the reservations that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub key: BlockKey,
    pub content: Content,
    /// The reservation whose content this block shows.
    pub source: ReservationId,
    /// The source reservation's version, sent back when the block's change is written to it.
    pub source_version: i64,
    /// The source reservation's RoomBridge tag, if RoomBridge created it.
    pub tag: Option<crate::ids::LinkId>,
    /// Higher reservations that cut this block out of its source, if any.
    pub covered_by: Vec<ReservationId>,
}

/// The primary block keys of active reservations that no block shows, because higher
/// reservations cover them entirely.
pub fn hidden(reservations: &[Reservation], blocks: &[Block]) -> Vec<BlockKey> {
    let shown: std::collections::HashSet<&ReservationId> =
        blocks.iter().map(|b| &b.source).collect();
    let mut out: Vec<BlockKey> = reservations
        .iter()
        .filter(|r| r.is_active() && !r.recurring && !shown.contains(&r.id))
        .map(|r| BlockKey::for_reservation(&r.id))
        .collect();
    out.sort();
    out
}

/// Composes the active, non-recurring reservations of one room into non-overlapping blocks.
/// `zone` reads all-day reservations. The output is sorted by block key.
pub fn compose(reservations: &[Reservation], zone: chrono_tz::Tz) -> Vec<Block> {
    let mut items: Vec<&Reservation> = reservations
        .iter()
        .filter(|r| r.is_active() && !r.recurring && r.content.when.is_valid())
        .collect();
    // Highest level first; within a level, earlier start first, then id, so the result does
    // not depend on the order the booking system listed them in.
    items.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| {
                a.content
                    .when
                    .instants(zone)
                    .0
                    .cmp(&b.content.when.instants(zone).0)
            })
            .then_with(|| a.id.cmp(&b.id))
    });

    let mut painted: Vec<(DateTime<Utc>, DateTime<Utc>, ReservationId)> = Vec::new();
    let mut blocks = Vec::new();
    for item in items {
        let (start, end) = item.content.when.instants(zone);
        let covering: Vec<_> = painted
            .iter()
            .filter(|(s, e, _)| *s < end && *e > start)
            .cloned()
            .collect();
        let fragments = subtract(start, end, &covering);
        let whole = covering.is_empty();
        for (n, (fs, fe)) in fragments.iter().enumerate() {
            let key = if n == 0 {
                BlockKey::for_reservation(&item.id)
            } else {
                BlockKey::new(format!("r:{}#{}", item.id, n))
            };
            let mut content = item.content.clone();
            if !whole {
                content.when = When::Timed {
                    start: *fs,
                    end: *fe,
                };
            }
            blocks.push(Block {
                key,
                content,
                source: item.id.clone(),
                source_version: item.version,
                tag: item.tag.clone(),
                covered_by: covering.iter().map(|(_, _, id)| id.clone()).collect(),
            });
        }
        painted.push((start, end, item.id.clone()));
    }
    blocks.sort_by(|a, b| a.key.cmp(&b.key));
    blocks
}

/// `[start, end)` minus the covered ranges, as ordered, non-empty pieces.
fn subtract(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    covered: &[(DateTime<Utc>, DateTime<Utc>, ReservationId)],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut cuts: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        covered.iter().map(|(s, e, _)| (*s, *e)).collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut cursor = start;
    for (s, e) in cuts {
        if s > cursor {
            out.push((cursor, s.min(end)));
        }
        cursor = cursor.max(e);
        if cursor >= end {
            break;
        }
    }
    if cursor < end {
        out.push((cursor, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ResourceId;
    use crate::reservation::{Level, ReservationStatus};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    fn res(id: &str, level: Level, from: u32, to: u32) -> Reservation {
        Reservation {
            id: ReservationId::new(id),
            resource: ResourceId::new("gym"),
            level,
            parent: None,
            content: Content {
                title: id.into(),
                when: When::Timed {
                    start: at(from),
                    end: at(to),
                },
                time_zone: "Europe/Oslo".into(),
                organisation: "Club".into(),
                description: String::new(),
            },
            status: ReservationStatus::Active,
            version: 1,
            updated_at: at(0),
            recurring: false,
            tag: None,
        }
    }

    fn spans(blocks: &[Block]) -> Vec<(String, u32, u32)> {
        use chrono::Timelike;
        blocks
            .iter()
            .map(|b| match b.content.when {
                When::Timed { start, end } => (b.key.to_string(), start.hour(), end.hour()),
                When::AllDay { .. } => (b.key.to_string(), 0, 24),
            })
            .collect()
    }

    #[test]
    fn an_event_inside_an_allocation_leaves_two_fragments() {
        let blocks = compose(
            &[
                res("alloc", Level::Allocation, 16, 22),
                res("ev", Level::Event, 18, 19),
            ],
            chrono_tz::Europe::Oslo,
        );
        assert_eq!(
            spans(&blocks),
            vec![
                ("r:alloc".into(), 16, 18),
                ("r:alloc#1".into(), 19, 22),
                ("r:ev".into(), 18, 19),
            ]
        );
        assert_eq!(blocks[0].covered_by, vec![ReservationId::new("ev")]);
    }

    #[test]
    fn a_fully_covered_booking_shows_no_block() {
        let blocks = compose(
            &[
                res("b", Level::Booking, 18, 19),
                res("ev", Level::Event, 17, 20),
            ],
            chrono_tz::Europe::Oslo,
        );
        assert_eq!(spans(&blocks), vec![("r:ev".into(), 17, 20)]);
    }

    #[test]
    fn cancelled_and_recurring_reservations_make_no_block() {
        let mut cancelled = res("c", Level::Event, 10, 11);
        cancelled.status = ReservationStatus::Cancelled;
        let mut recurring = res("r", Level::Allocation, 12, 13);
        recurring.recurring = true;
        assert!(compose(&[cancelled, recurring], chrono_tz::Europe::Oslo).is_empty());
    }

    #[test]
    fn input_order_does_not_change_the_blocks() {
        let a = res("a", Level::Allocation, 8, 12);
        let b = res("b", Level::Booking, 9, 10);
        let c = res("c", Level::Event, 11, 13);
        let one = compose(&[a.clone(), b.clone(), c.clone()], chrono_tz::Europe::Oslo);
        let two = compose(&[c, a, b], chrono_tz::Europe::Oslo);
        assert_eq!(one, two);
    }
}
