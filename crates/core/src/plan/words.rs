//! The words that explain an action or a conflict: the history's reasons and the dry run's.

use super::{Action, ConflictKind, Link, Subject};
use crate::ids::{BlockKey, GraphEventId, LinkId};
use crate::policy::Choice;

/// The title of what `action` touches, for the history: the title of the content it writes,
/// else the title `event_title` or `block_title` finds for the event or block it names; an
/// action named only by its link takes its block's title, else its event's (the link found by
/// `link`). Empty when nothing is found.
pub fn title<'a>(
    action: &Action,
    link: impl Fn(&LinkId) -> Option<&'a Link>,
    block_title: impl Fn(&BlockKey) -> Option<String>,
    event_title: impl Fn(&GraphEventId) -> Option<String>,
) -> String {
    match action.subject() {
        Subject::Content(content) => Some(content.title.clone()),
        Subject::Event(event) => event_title(event),
        Subject::Block(block) => block_title(block),
        Subject::Link(id) => link(id)
            .and_then(|l| l.block.as_ref())
            .and_then(&block_title)
            .or_else(|| {
                link(id)
                    .and_then(|l| l.event.as_ref())
                    .and_then(&event_title)
            }),
    }
    .unwrap_or_default()
}

/// Why a conflict waits, for the history.
pub fn conflict_reason(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Edit => "Changed on both sides since the last sync; waiting for a decision.",
        ConflictKind::DeleteEdit => {
            "Deleted on one side and changed on the other; waiting for a decision."
        }
        ConflictKind::FragmentEdit => {
            "Part of a longer reservation was changed in Outlook; waiting for a decision."
        }
        ConflictKind::ReadOnly => {
            "Changed or deleted in Outlook, but the booking system does not let RoomBridge change \
             this allocation or booking; change it in the booking system, or keep its version \
             in Outlook."
        }
        ConflictKind::Overlap => {
            "An Outlook meeting double-books the room with a booking-system reservation; waiting for a decision."
        }
    }
}

/// Why an action ran, for the history.
pub fn reason(action: &Action) -> String {
    match action {
        Action::CreateEvent { .. } => {
            "New in the booking system; added to the Outlook room calendar.".into()
        }
        Action::CreateSeries { members, .. } => format!(
            "New recurring reservation in the booking system; added to the Outlook room calendar \
             as a series ({} occurrences in the sync window).",
            members.len()
        ),
        Action::UpdateEvent { .. } => "Changed in the booking system; Outlook updated.".into(),
        Action::UpdateSeries { members, .. } => format!(
            "Changed for the whole recurring reservation in the booking system; the Outlook \
             series was updated once ({} occurrences in the sync window).",
            members.len()
        ),
        Action::DeleteEvent { .. } => "Gone from the booking system; removed from Outlook.".into(),
        Action::CancelEvent { message, .. } => format!(
            "Gone from the booking system; the meeting was cancelled in Outlook and its attendees \
             were told: \"{message}\""
        ),
        Action::DeclineEvent { message, .. } => {
            format!("The room declined this Outlook meeting and told the organizer: \"{message}\"")
        }
        Action::CreateReservation { .. } => {
            "Booked in Outlook; added to the booking system.".into()
        }
        Action::UpdateReservation { .. } => "Changed in Outlook; booking system updated.".into(),
        Action::CancelReservation { note, .. } => {
            format!("Cancelled in the booking system with the note: \"{note}\"")
        }
        Action::SkipOccurrence { date, .. } => format!(
            "One occurrence ({date}) is no longer held; the booking system skips that date and \
             keeps the rest of the series."
        ),
        Action::DetachOccurrence { date, .. } => format!(
            "One occurrence ({date}) was changed in Outlook; the booking system holds it as a \
             single event in the series' place and keeps the rest of the series."
        ),
        Action::MoveEvent { .. } => "Moved in Outlook by the facility manager's decision, so that \
                                     the booking-system reservation keeps the room as well."
            .into(),
        Action::MoveReservation { note, .. } => note.clone(),
        Action::Settle { .. } => {
            "Conflict decided; both sides already matched the decision.".into()
        }
        Action::Relink { .. } => "Both sides already agree; linked them.".into(),
        Action::Forget { .. } => "Gone on both sides; link removed.".into(),
    }
}

/// A conflict kind in a few words.
pub fn kind_name(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Edit => "Edit",
        ConflictKind::DeleteEdit => "Delete/edit",
        ConflictKind::FragmentEdit => "Fragment edit",
        ConflictKind::ReadOnly => "Read-only reservation",
        ConflictKind::Overlap => "Double-booking",
    }
}

/// A decision in words.
pub fn choice_words(choice: &Choice) -> String {
    match choice {
        Choice::KeepBooking => "keep the booking system's version".into(),
        Choice::KeepCalendar => "keep Outlook's version".into(),
        Choice::Merge(o) => format!(
            "merge (times from {}, title from {}, details from {})",
            o.times, o.title, o.details
        ),
        Choice::Move(m) => match m.side {
            crate::Side::Booking => "keep both, moving the booking-system reservation".into(),
            crate::Side::Calendar => "keep both, moving the Outlook meeting".into(),
        },
    }
}
