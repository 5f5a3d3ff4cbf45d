//! Carries out a plan, one action at a time. A failed action is data: its link is marked
//! failed with the message, a history row says what went wrong, and the rest goes on. Only an
//! authentication failure stops the cycle, since every further call would fail the same way.

use roombridge_connectors::{ConnectorError, ErrorKind};
use roombridge_core::compose::Block;
use roombridge_core::plan::{Action, CalendarEvent, Conflict, ConflictKind, Link, LinkState, Plan};
use roombridge_core::{BlockKey, GraphEventId, LinkId, Reservation, Side};
use roombridge_store::history::{NewEntry, Outcome};
use roombridge_store::links;
use roombridge_store::rooms::Room;

use crate::EngineContext;

/// What executing a plan changed, to be committed in one transaction.
#[derive(Default)]
pub(crate) struct Applied {
    pub link_puts: Vec<(Link, Option<String>)>,
    pub link_removes: Vec<LinkId>,
    pub reservations: Vec<Reservation>,
    pub events_put: Vec<CalendarEvent>,
    pub events_removed: Vec<GraphEventId>,
    pub conflicts: Vec<Conflict>,
    pub history: Vec<NewEntry>,
    pub executed: usize,
    pub failed: usize,
    /// An authentication failure that stopped execution.
    pub fatal: Option<(Side, ConnectorError)>,
}

pub(crate) async fn run(
    ctx: &EngineContext,
    room: &Room,
    cycle: i64,
    plan: &Plan,
    blocks: &[Block],
    events: &[CalendarEvent],
    stored: &[Link],
) -> Applied {
    let mut out = Applied::default();
    let existing = |id: &LinkId| stored.iter().find(|l| &l.id == id);
    let block_title = |key: &BlockKey| {
        blocks
            .iter()
            .find(|b| &b.key == key)
            .map(|b| b.content.title.clone())
    };
    let event_title = |id: &GraphEventId| {
        events
            .iter()
            .find(|e| &e.id == id)
            .map(|e| e.content.title.clone())
    };

    for action in &plan.actions {
        if out.fatal.is_some() {
            break;
        }
        let title = match action {
            Action::CreateEvent { content, .. }
            | Action::UpdateEvent { content, .. }
            | Action::CreateReservation { content, .. }
            | Action::UpdateReservation { content, .. } => content.title.clone(),
            Action::DeleteEvent { event, .. } => event_title(event).unwrap_or_default(),
            Action::CancelReservation { link, .. } | Action::Forget { link } => existing(link)
                .and_then(|l| l.block.as_ref())
                .and_then(block_title)
                .unwrap_or_default(),
            Action::Relink { block, .. } => block_title(block).unwrap_or_default(),
        };
        let result = apply(ctx, room, action, existing(action.link()), events, &mut out).await;
        let (outcome, detail) = match result {
            Ok(()) => {
                out.executed += 1;
                (Outcome::Ok, reason(action).to_owned())
            }
            Err(e) => {
                out.failed += 1;
                let message = failure_message(&e);
                // Keep what was last synced; the action is planned again next cycle.
                let mut link = existing(action.link())
                    .cloned()
                    .unwrap_or_else(|| proposed(action));
                link.state = LinkState::Failed;
                if link.block.is_some() || link.event.is_some() {
                    out.link_puts.push((link, Some(message.clone())));
                }
                if e.kind == ErrorKind::Auth {
                    let side = action.target().unwrap_or(Side::Calendar);
                    out.fatal = Some((side, e));
                }
                (Outcome::Failed, message)
            }
        };
        out.history.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: action.kind().into(),
            side: action.target(),
            outcome,
            title,
            detail,
        });
    }

    for conflict in &plan.conflicts {
        let mut link = existing(&conflict.link).cloned().unwrap_or_else(|| Link {
            id: conflict.link.clone(),
            block: conflict.block.clone(),
            event: conflict.event.clone(),
            booking_hash: None,
            calendar_hash: None,
            origin: if conflict.block.is_some() {
                Side::Booking
            } else {
                Side::Calendar
            },
            state: LinkState::Conflict,
        });
        link.state = LinkState::Conflict;
        if link.block.is_none() {
            link.block = conflict.block.clone();
        }
        if link.event.is_none() {
            link.event = conflict.event.clone();
        }
        out.link_puts.push((link, None));
        out.conflicts.push(conflict.clone());
        let title = conflict
            .booking
            .as_ref()
            .or(conflict.calendar.as_ref())
            .map(|c| c.title.clone())
            .unwrap_or_default();
        out.history.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: "conflict".into(),
            side: None,
            outcome: Outcome::Conflict,
            title,
            detail: conflict_reason(conflict.kind).into(),
        });
    }
    out
}

/// Journals a create before its remote call: the link is written as pending, so that after a
/// crash the planner finds it and re-links the event or reservation the call made.
fn journal(ctx: &EngineContext, room: &Room, link: &Link) -> Result<(), ConnectorError> {
    ctx.store
        .write(|c| links::put(c, &room.id, link, None, chrono::Utc::now()))
        .map_err(|e| {
            ConnectorError::new(
                ErrorKind::Transient { retry_after: None },
                format!("could not journal the write: {e}"),
            )
        })
}

async fn apply(
    ctx: &EngineContext,
    room: &Room,
    action: &Action,
    existing: Option<&Link>,
    events: &[CalendarEvent],
    out: &mut Applied,
) -> Result<(), ConnectorError> {
    let event_hash = |id: &GraphEventId| {
        events
            .iter()
            .find(|e| &e.id == id)
            .map(|e| e.content.hash())
    };
    match action {
        Action::CreateEvent {
            link,
            block,
            content,
            idempotency_key,
        } => {
            let mut row = proposed(action);
            row.origin = existing.map(|l| l.origin).unwrap_or(Side::Booking);
            journal(ctx, room, &row)?;
            let mut created = ctx
                .calendar
                .create_event(&room.mailbox, content, link, idempotency_key)
                .await?;
            created.tag = Some(link.clone());
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(created.id.clone()),
                    booking_hash: Some(content.hash()),
                    calendar_hash: Some(created.content.hash()),
                    origin: row.origin,
                    state: LinkState::Synced,
                },
                None,
            ));
            out.events_put.push(created);
        }
        Action::UpdateEvent {
            link,
            block,
            event,
            version,
            content,
        } => {
            let mut updated = ctx
                .calendar
                .update_event(&room.mailbox, event, version.as_deref(), content)
                .await?;
            updated.tag = events
                .iter()
                .find(|e| &e.id == event)
                .and_then(|e| e.tag.clone());
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(updated.id.clone()),
                    booking_hash: Some(content.hash()),
                    calendar_hash: Some(updated.content.hash()),
                    origin: existing.map(|l| l.origin).unwrap_or(Side::Booking),
                    state: LinkState::Synced,
                },
                None,
            ));
            out.events_put.push(updated);
        }
        Action::DeleteEvent { link, event } => {
            ctx.calendar.delete_event(&room.mailbox, event).await?;
            out.events_removed.push(event.clone());
            out.link_removes.push(link.clone());
        }
        Action::CreateReservation {
            link,
            event,
            content,
            idempotency_key,
        } => {
            let row = proposed(action);
            journal(ctx, room, &row)?;
            let created = ctx
                .booking
                .create_reservation(&room.resource, content, link, idempotency_key)
                .await?;
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(BlockKey::for_reservation(&created.id)),
                    event: Some(event.clone()),
                    booking_hash: Some(created.content.hash()),
                    calendar_hash: event_hash(event).or(Some(content.hash())),
                    origin: Side::Calendar,
                    state: LinkState::Synced,
                },
                None,
            ));
            out.reservations.push(created);
        }
        Action::UpdateReservation {
            link,
            event,
            reservation,
            version,
            content,
        } => {
            let updated = ctx
                .booking
                .update_reservation(reservation, *version, content)
                .await?;
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(BlockKey::for_reservation(&updated.id)),
                    event: Some(event.clone()),
                    booking_hash: Some(updated.content.hash()),
                    calendar_hash: event_hash(event).or(Some(content.hash())),
                    origin: existing.map(|l| l.origin).unwrap_or(Side::Calendar),
                    state: LinkState::Synced,
                },
                None,
            ));
            out.reservations.push(updated);
        }
        Action::CancelReservation {
            link,
            reservation,
            version,
            note,
        } => {
            let cancelled = ctx
                .booking
                .cancel_reservation(reservation, *version, note)
                .await?;
            out.reservations.push(cancelled);
            out.link_removes.push(link.clone());
        }
        Action::Relink {
            link,
            block,
            event,
            origin,
            hash,
        } => {
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(event.clone()),
                    booking_hash: Some(hash.clone()),
                    calendar_hash: Some(hash.clone()),
                    origin: *origin,
                    state: LinkState::Synced,
                },
                None,
            ));
        }
        Action::Forget { link } => out.link_removes.push(link.clone()),
    }
    Ok(())
}

/// The pending link a create journals, or a failed action records when no link existed yet.
fn proposed(action: &Action) -> Link {
    let (block, event, origin) = match action {
        Action::CreateEvent { block, .. } => (Some(block.clone()), None, Side::Booking),
        Action::CreateReservation { event, .. } => (None, Some(event.clone()), Side::Calendar),
        Action::UpdateEvent { block, event, .. } => {
            (Some(block.clone()), Some(event.clone()), Side::Booking)
        }
        Action::UpdateReservation { event, .. } => (None, Some(event.clone()), Side::Calendar),
        Action::DeleteEvent { event, .. } => (None, Some(event.clone()), Side::Booking),
        Action::Relink { block, event, .. } => {
            (Some(block.clone()), Some(event.clone()), Side::Booking)
        }
        Action::CancelReservation { .. } | Action::Forget { .. } => (None, None, Side::Booking),
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

/// Why a conflict waits, for the history.
fn conflict_reason(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Edit => "Changed on both sides since the last sync; waiting for a decision.",
        ConflictKind::DeleteEdit => {
            "Deleted on one side and changed on the other; waiting for a decision."
        }
        ConflictKind::FragmentEdit => {
            "Part of a longer reservation was changed in Outlook; waiting for a decision."
        }
        ConflictKind::Overlap => {
            "An Outlook meeting double-books the room with a booking-system reservation; waiting for a decision."
        }
    }
}

/// Why an action ran, for the history.
fn reason(action: &Action) -> &'static str {
    match action {
        Action::CreateEvent { .. } => {
            "New in the booking system; added to the Outlook room calendar."
        }
        Action::UpdateEvent { .. } => "Changed in the booking system; Outlook updated.",
        Action::DeleteEvent { .. } => "Gone from the booking system; removed from Outlook.",
        Action::CreateReservation { .. } => "Booked in Outlook; added to the booking system.",
        Action::UpdateReservation { .. } => "Changed in Outlook; booking system updated.",
        Action::CancelReservation { .. } => {
            "Deleted in Outlook; cancelled in the booking system with a note."
        }
        Action::Relink { .. } => "Both sides already agree; linked them.",
        Action::Forget { .. } => "Gone on both sides; link removed.",
    }
}

fn failure_message(e: &ConnectorError) -> String {
    match e.kind {
        ErrorKind::Transient { .. } => format!("{} (will retry)", e.message),
        ErrorKind::Stale => format!(
            "{} (it changed on the other side meanwhile; it will be re-read and planned again)",
            e.message
        ),
        _ => e.message.clone(),
    }
}
