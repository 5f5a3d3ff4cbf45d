//! The link rows the executor leaves in the store: what a write journals before it goes out,
//! and what a failed action leaves behind. Pure, so that the dry run and the tests see the
//! same rows the executor writes.

use super::{Action, Link, LinkId, LinkState, SeriesMember};
use crate::Side;

/// The pending link an occurrence of a series journals.
pub fn member_row(member: &SeriesMember, origin: Side) -> Link {
    Link {
        id: member.link.clone(),
        block: Some(member.block.clone()),
        event: None,
        booking_hash: None,
        calendar_hash: None,
        origin,
        state: LinkState::Pending,
    }
}

/// The pending link a create journals, or a failed action records when no link existed yet.
pub fn pending_row(action: &Action) -> Link {
    let (block, event, origin) = match action {
        Action::CreateEvent { block, .. } => (Some(block.clone()), None, Side::Booking),
        Action::CreateReservation { event, .. } => (None, Some(event.clone()), Side::Calendar),
        Action::UpdateEvent { block, event, .. } => {
            (Some(block.clone()), Some(event.clone()), Side::Booking)
        }
        Action::UpdateReservation { event, .. }
        | Action::DetachOccurrence { event, .. }
        | Action::MoveEvent { event, .. } => (None, Some(event.clone()), Side::Calendar),
        Action::DeleteEvent { event, .. }
        | Action::CancelEvent { event, .. }
        | Action::DeclineEvent { event, .. } => (None, Some(event.clone()), Side::Booking),
        Action::Relink { block, event, .. } => {
            (Some(block.clone()), Some(event.clone()), Side::Booking)
        }
        Action::CreateSeries { .. }
        | Action::UpdateSeries { .. }
        | Action::CancelReservation { .. }
        | Action::SkipOccurrence { .. }
        | Action::MoveReservation { .. }
        | Action::Settle { .. }
        | Action::Forget { .. } => (None, None, Side::Booking),
    };
    Link {
        id: action.link().clone(),
        block,
        event,
        booking_hash: None,
        calendar_hash: None,
        origin,
        state: LinkState::Pending,
    }
}

/// The row an occurrence of a series leaves when writing it failed: its pending row, marked
/// failed, so the next cycle plans it again.
pub fn failed_member_row(member: &SeriesMember) -> Link {
    Link {
        state: LinkState::Failed,
        ..member_row(member, Side::Booking)
    }
}

/// The rows a failed `action` leaves: the link as it was (`existing` finds it, or as
/// [`pending_row`] proposes it), marked failed, so the next cycle plans it again; for a
/// series, one per occurrence ([`failed_member_row`], or each member's link as it was). A row
/// with neither a block nor an event says nothing and is left out.
pub fn failed_rows<'a>(
    action: &Action,
    existing: impl Fn(&LinkId) -> Option<&'a Link>,
) -> Vec<Link> {
    let failed = |link: &Link| Link {
        state: LinkState::Failed,
        ..link.clone()
    };
    let rows = match action {
        // A series is planned again through its occurrences' links.
        Action::CreateSeries { members, .. } => members.iter().map(failed_member_row).collect(),
        Action::UpdateSeries { members, .. } => members
            .iter()
            .filter_map(|m| existing(&m.link))
            .map(failed)
            .collect(),
        _ => vec![failed(
            &existing(action.link())
                .cloned()
                .unwrap_or_else(|| pending_row(action)),
        )],
    };
    rows.into_iter()
        .filter(|link| link.block.is_some() || link.event.is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockKey, GraphEventId, LinkId, ReservationId};

    fn cancel() -> Action {
        Action::CancelReservation {
            link: LinkId::new("b:r:1"),
            reservation: ReservationId::new("1"),
            version: 3,
            note: "gone from Outlook".into(),
        }
    }

    #[test]
    fn a_failed_action_keeps_its_link_as_last_synced_marked_failed() {
        let synced = Link {
            id: LinkId::new("b:r:1"),
            block: Some(BlockKey::new("r:1")),
            event: Some(GraphEventId::new("E1")),
            booking_hash: None,
            calendar_hash: None,
            origin: Side::Booking,
            state: LinkState::Synced,
        };
        let rows = failed_rows(&cancel(), |_| Some(&synced));
        assert_eq!(
            rows,
            [Link {
                state: LinkState::Failed,
                ..synced
            }]
        );
    }

    #[test]
    fn a_failed_action_with_nothing_to_name_leaves_no_row() {
        // A cancellation names neither a block nor an event of its own.
        assert!(failed_rows(&cancel(), |_| None).is_empty());
    }

    #[test]
    fn a_failed_delete_without_a_link_records_the_event_it_was_for() {
        let delete = Action::DeleteEvent {
            link: LinkId::new("b:r:9"),
            event: GraphEventId::new("E9"),
        };
        let rows = failed_rows(&delete, |_| None);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].event, Some(GraphEventId::new("E9")));
        assert_eq!(rows[0].state, LinkState::Failed);
    }
}
