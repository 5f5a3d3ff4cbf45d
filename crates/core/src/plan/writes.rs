//! Writes the decisions share: to a reservation or one occurrence of it, and create keys.

use super::*;

/// The booking-system reservation (or one occurrence of it) a write goes to.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    pub(super) id: &'a ReservationId,
    pub(super) version: i64,
    pub(super) occurrence: Option<NaiveDate>,
}

impl<'a> Source<'a> {
    pub(super) fn of_block(b: &'a Block) -> Source<'a> {
        Source {
            id: &b.source,
            version: b.source_version,
            occurrence: b.occurrence,
        }
    }

    pub(super) fn of_item(f: &'a Footprint) -> Source<'a> {
        Source {
            id: &f.source,
            version: f.version,
            occurrence: f.occurrence,
        }
    }
}

/// Writes `content` (what Outlook's `e` says about the reservation) to `to`: to the
/// reservation itself, or, for one occurrence of a recurring reservation, as a single event in
/// its place.
pub(super) fn write_back(
    link: LinkId,
    to: Source<'_>,
    e: &CalendarEvent,
    content: Content,
) -> Action {
    match to.occurrence {
        Some(date) => Action::DetachOccurrence {
            idempotency_key: create_key(&link, &content),
            link,
            event: e.id.clone(),
            series: to.id.clone(),
            version: to.version,
            date,
            content,
        },
        None => Action::UpdateReservation {
            link,
            event: e.id.clone(),
            reservation: to.id.clone(),
            version: to.version,
            content,
        },
    }
}

/// Cancels `what` with `note`: the reservation, or, for one occurrence of a recurring
/// reservation, only that date.
pub(super) fn cancel(link: LinkId, what: Source<'_>, note: String) -> Action {
    match what.occurrence {
        Some(date) => Action::SkipOccurrence {
            link,
            series: what.id.clone(),
            version: what.version,
            date,
            note,
        },
        None => Action::CancelReservation {
            link,
            reservation: what.id.clone(),
            version: what.version,
            note,
        },
    }
}

/// The idempotency key of a create: the same for every retry of the same write, different
/// for a later create of the same link with other content.
pub(super) fn create_key(link: &LinkId, content: &Content) -> String {
    let digest = crate::content::sha256_hex(format!("{link}\u{1f}{}", content.hash()).as_bytes());
    format!("rb-{}", &digest[..32])
}
