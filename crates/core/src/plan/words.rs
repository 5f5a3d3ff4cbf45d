//! The words that explain an action or a conflict: the history's reasons and the dry run's.

use super::{Action, ConflictKind, Link, Subject};
use crate::i18n::{Lang, Words};
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
pub fn conflict_reason(kind: ConflictKind) -> String {
    conflict_reason_words(kind).say(Lang::En)
}

/// Why a conflict waits, in words any language can say.
pub fn conflict_reason_words(kind: ConflictKind) -> Words {
    Words::new(match kind {
        ConflictKind::Edit => "reason.conflict_edit",
        ConflictKind::DeleteEdit => "reason.conflict_delete_edit",
        ConflictKind::FragmentEdit => "reason.conflict_fragment_edit",
        ConflictKind::ReadOnly => "reason.conflict_read_only",
        ConflictKind::Overlap => "reason.conflict_overlap",
    })
}

/// Why an action ran, for the history.
pub fn reason(action: &Action) -> String {
    reason_words(action).say(Lang::En)
}

/// Why an action ran, in words any language can say.
pub fn reason_words(action: &Action) -> Words {
    match action {
        Action::CreateEvent { .. } => Words::new("reason.create_event"),
        Action::CreateSeries { members, .. } => {
            Words::plural("reason.create_series", members.len() as i64)
        }
        Action::UpdateEvent { .. } => Words::new("reason.update_event"),
        Action::UpdateSeries { members, .. } => {
            Words::plural("reason.update_series", members.len() as i64)
        }
        Action::DeleteEvent { .. } => Words::new("reason.delete_event"),
        Action::CancelEvent { message, .. } => {
            Words::new("reason.cancel_event").arg("message", message)
        }
        Action::DeclineEvent { message, .. } => {
            Words::new("reason.decline_event").arg("message", message)
        }
        Action::CreateReservation { .. } => Words::new("reason.create_reservation"),
        Action::UpdateReservation { .. } => Words::new("reason.update_reservation"),
        Action::CancelReservation { note, .. } => {
            Words::new("reason.cancel_reservation").arg("note", note)
        }
        Action::SkipOccurrence { date, .. } => {
            Words::new("reason.skip_occurrence").arg("date", date)
        }
        Action::DetachOccurrence { date, .. } => {
            Words::new("reason.detach_occurrence").arg("date", date)
        }
        Action::MoveEvent { .. } => Words::new("reason.move_event"),
        Action::MoveReservation { note, .. } => Words::new("reason.as_said").arg("text", note),
        Action::Settle { .. } => Words::new("reason.settle"),
        Action::Relink { .. } => Words::new("reason.relink"),
        Action::Forget { .. } => Words::new("reason.forget"),
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

/// A conflict kind in a few words any language can say.
pub fn kind_words(kind: ConflictKind) -> Words {
    Words::new(match kind {
        ConflictKind::Edit => "reason.kind_edit",
        ConflictKind::DeleteEdit => "reason.kind_delete_edit",
        ConflictKind::FragmentEdit => "reason.kind_fragment_edit",
        ConflictKind::ReadOnly => "reason.kind_read_only",
        ConflictKind::Overlap => "reason.kind_overlap",
    })
}

/// A decision in words any language can say.
pub fn choice_said(choice: &Choice) -> Words {
    match choice {
        Choice::KeepBooking => Words::new("reason.choice_keep_booking"),
        Choice::KeepCalendar => Words::new("reason.choice_keep_calendar"),
        Choice::Merge(o) => Words::new("reason.choice_merge")
            .with("times", side_words(o.times))
            .with("title", side_words(o.title))
            .with("details", side_words(o.details)),
        Choice::Move(m) => match m.side {
            crate::Side::Booking => Words::new("reason.choice_move_booking"),
            crate::Side::Calendar => Words::new("reason.choice_move_calendar"),
        },
    }
}

fn side_words(side: crate::Side) -> Words {
    Words::new(match side {
        crate::Side::Booking => "reason.side_booking",
        crate::Side::Calendar => "reason.side_calendar",
    })
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
