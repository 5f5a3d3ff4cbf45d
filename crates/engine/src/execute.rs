//! Carries out a plan, one action at a time. A failed action is data: its link is marked
//! failed with the message, a history row says what went wrong, and the rest goes on. Only an
//! authentication failure stops the cycle, since every further call would fail the same way.

use roombridge_connectors::{CalendarWrite, ConnectorError, ErrorKind};
use roombridge_core::compose::{Block, Shifted};
use roombridge_core::i18n::{Lang, Words};
use std::collections::HashMap;

use roombridge_core::plan::{
    Action, CalendarEvent, Conflict, Decided, Link, LinkState, Plan, ResolvedBy, SeriesMember,
    rows, words,
};
use roombridge_core::{
    BlockKey, GraphEventId, LinkId, Reservation, ReservationId, Side, SyncWindow,
};
use roombridge_store::conflicts::StoredConflict;
use roombridge_store::history::{HistoryKind, NewEntry, Outcome};
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
    /// The events among `events_put` this cycle created.
    pub events_created: Vec<GraphEventId>,
    pub events_removed: Vec<GraphEventId>,
    pub conflicts: Vec<Conflict>,
    /// Links whose open conflict this cycle resolved.
    pub conflicts_resolved: Vec<LinkId>,
    /// Links held in conflict this cycle whose writes all went through: an undone decision's
    /// write-back is done ([`roombridge_core::plan::Restore`]).
    pub conflicts_held: Vec<LinkId>,
    pub history: Vec<NewEntry>,
    pub executed: usize,
    pub failed: usize,
    /// An authentication failure that stopped execution.
    pub fatal: Option<(Side, ConnectorError)>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    ctx: &EngineContext,
    room: &Room,
    cycle: i64,
    (window, zone): (SyncWindow, chrono_tz::Tz),
    plan: &Plan,
    blocks: &[Block],
    shifted: &[Shifted],
    events: &[CalendarEvent],
    stored: &[Link],
    decided: &[(StoredConflict, Decided)],
) -> Applied {
    let mut out = Applied::default();
    let mut scratch = Scratch {
        window,
        // Parsed once, by the cycle: an unknown zone fails the cycle with words, never falls
        // back to another zone here.
        zone,
        versions: HashMap::new(),
        instances: HashMap::new(),
    };
    let mut failed_links: Vec<LinkId> = Vec::new();
    // Looked up once per action: by key, not by scanning (a first sync plans thousands).
    let by_link: HashMap<&LinkId, &Link> = stored.iter().map(|l| (&l.id, l)).collect();
    let by_block: HashMap<&BlockKey, &Block> = blocks.iter().map(|b| (&b.key, b)).collect();
    let by_event: HashMap<&GraphEventId, &CalendarEvent> =
        events.iter().map(|e| (&e.id, e)).collect();
    let existing = |id: &LinkId| by_link.get(id).copied();
    // How each failed link failed last time, read before any write journals a row over it
    // (and not at all when there is nothing to do): the same failure again (a service still
    // refusing an item) is recorded on the link, not as one more history row per cycle.
    let failed_before = if plan.actions.is_empty() {
        HashMap::new()
    } else {
        ctx.store
            .read(|c| links::failures(c, &room.id))
            .unwrap_or_default()
    };
    let block_title = |key: &BlockKey| by_block.get(key).map(|b| b.content.title.clone());
    let event_title = |id: &GraphEventId| by_event.get(id).map(|e| e.content.title.clone());

    let mut sent = send_together(ctx, room, &plan.actions, &by_link).await;
    for (i, action) in plan.actions.iter().enumerate() {
        let answer = sent.remove(&i);
        // After an authentication failure nothing more is sent; what was already sent
        // together is still recorded.
        if out.fatal.is_some() && answer.is_none() {
            continue;
        }
        let title = words::title(action, existing, block_title, event_title);
        let result = apply(
            ctx,
            room,
            (action, answer),
            existing(action.link()),
            events,
            &mut scratch,
            &mut out,
        )
        .await;
        let resolution = plan.resolved.iter().find(|r| &r.link == action.link());
        let (outcome, detail, said) = match result {
            Ok(()) => {
                out.executed += 1;
                let reason = match action {
                    // The booking side is as last synced: the event was rewritten for what Outlook
                    // is to show (a new privacy mode, or a title typed over a hidden one).
                    Action::UpdateEvent { booking_hash, .. }
                        if existing(action.link())
                            .is_some_and(|l| l.booking_hash.as_ref() == Some(booking_hash)) =>
                    {
                        Words::new("reason.privacy_rewrite")
                    }
                    _ => words::reason_words(action),
                };
                let mut detail = reason.say(Lang::En);
                let mut parts = vec![reason];
                // An occurrence a DST gap moved says so where it is written.
                let written: Vec<&BlockKey> = match action {
                    Action::CreateEvent { block, .. } | Action::UpdateEvent { block, .. } => {
                        vec![block]
                    }
                    Action::CreateSeries { members, .. } => {
                        members.iter().map(|m| &m.block).collect()
                    }
                    Action::UpdateSeries { members, .. } => {
                        members.iter().map(|m| &m.block).collect()
                    }
                    _ => Vec::new(),
                };
                for s in shifted.iter().filter(|s| written.contains(&&s.key)) {
                    detail.push(' ');
                    detail.push_str(&s.note());
                    parts.push(Words::new("reason.as_said").arg("text", s.note()));
                }
                if let Some(r) = resolution {
                    detail.push_str(&format!(
                        " ({} conflict resolved by {}.)",
                        words::kind_name(r.kind),
                        r.by
                    ));
                    parts.push(
                        Words::new("reason.resolved_by")
                            .with("kind", words::kind_words(r.kind))
                            .arg("by", &r.by),
                    );
                }
                let said = Words::new("reason.details").sentences("parts", parts);
                (Outcome::Ok, detail, Some(said))
            }
            Err(e) => {
                out.failed += 1;
                failed_links.push(action.link().clone());
                let message = failure_message(&e);
                // Keep what was last synced; the action is planned again next cycle.
                for link in rows::failed_rows(action, existing) {
                    failed_links.push(link.id.clone());
                    out.link_puts.push((link, Some(message.clone())));
                }
                if e.kind == ErrorKind::Auth {
                    let side = action.target().unwrap_or(Side::Calendar);
                    out.fatal = Some((side, e));
                }
                if failed_before.get(action.link()) == Some(&message) {
                    continue;
                }
                (Outcome::Failed, message, None)
            }
        };
        out.history.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: HistoryKind::from(action),
            side: action.target(),
            outcome,
            title,
            detail,
            words: said,
        });
    }

    // A person's decision is carried out when every action of its link went through; the
    // history says who decided what, when and why.
    for r in &plan.resolved {
        if failed_links.contains(&r.link) {
            continue;
        }
        out.conflicts_resolved.push(r.link.clone());
        if let ResolvedBy::Decision { choice } = &r.by
            && let Some((stored, _)) = decided.iter().find(|(c, _)| c.link == r.link)
            && let Some(d) = &stored.decision
        {
            let title = stored
                .booking
                .as_ref()
                .or(stored.calendar.as_ref())
                .map(|c| c.title.clone())
                .unwrap_or_default();
            let why = if d.reason.trim().is_empty() {
                String::new()
            } else {
                format!(" Reason: {}", d.reason.trim())
            };
            out.history.push(NewEntry {
                room: room.id.clone(),
                cycle,
                kind: HistoryKind::ConflictDecided,
                side: None,
                outcome: Outcome::Ok,
                title,
                detail: format!(
                    "{} conflict decided by {} on {}: {}.{why}",
                    words::kind_name(r.kind),
                    d.by,
                    d.at.format("%Y-%m-%d %H:%M UTC"),
                    words::choice_words(choice),
                ),
                words: Some({
                    let at = d.at.format("%Y-%m-%d %H:%M UTC");
                    let said = if d.reason.trim().is_empty() {
                        Words::new("reason.decided")
                    } else {
                        Words::new("reason.decided_because").arg("reason", d.reason.trim())
                    };
                    said.with("kind", words::kind_words(r.kind))
                        .arg("by", &d.by)
                        .arg("at", at)
                        .with("choice", words::choice_said(choice))
                }),
            });
        }
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
        // The link stands for the block it was paired with now: a copy its tag names may have
        // taken the place of one that was cancelled.
        if conflict.block.is_some() {
            link.block = conflict.block.clone();
        }
        if link.event.is_none() {
            link.event = conflict.event.clone();
        }
        out.link_puts.push((link, None));
        out.conflicts.push(conflict.clone());
        if !failed_links.contains(&conflict.link) {
            out.conflicts_held.push(conflict.link.clone());
        }
        let title = conflict
            .booking
            .as_ref()
            .or(conflict.calendar.as_ref())
            .map(|c| c.title.clone())
            .unwrap_or_default();
        out.history.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: HistoryKind::Conflict,
            side: None,
            outcome: Outcome::Conflict,
            title,
            detail: words::conflict_reason(conflict.kind),
            words: Some(words::conflict_reason_words(conflict.kind)),
        });
    }
    out
}

/// The answer to a write already sent with others (see [`send_together`]).
type Sent = Result<Option<CalendarEvent>, ConnectorError>;

/// Sends the plan's plain Outlook writes (creates of single events, updates, deletes) together
/// before the plan is carried out in order: the calendar sends them in as few round trips and
/// with as many in flight as the mailbox allows (`$batch` for Graph). Their creates are
/// journaled first, in one transaction. Returns each answer by the action's position; the
/// actions are then recorded in order as if sent one by one. A write whose event another
/// action of the plan also touches is left to go in order, as is a lone write.
async fn send_together(
    ctx: &EngineContext,
    room: &Room,
    actions: &[Action],
    by_link: &HashMap<&LinkId, &Link>,
) -> HashMap<usize, Sent> {
    let mut named: HashMap<&GraphEventId, usize> = HashMap::new();
    for event in actions.iter().filter_map(Action::event) {
        *named.entry(event).or_default() += 1;
    }
    let touched = |event: &GraphEventId| named.get(event).copied().unwrap_or(0);
    let mut chosen: Vec<(usize, CalendarWrite<'_>)> = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let write = match action {
            Action::CreateEvent {
                link,
                content,
                idempotency_key,
                series: None,
                ..
            } => CalendarWrite::Create {
                content,
                link,
                idempotency_key,
            },
            Action::UpdateEvent {
                event,
                version,
                content,
                ..
            } if touched(event) == 1 => CalendarWrite::Update {
                event,
                version: version.as_deref(),
                content,
            },
            Action::DeleteEvent { event, .. } if touched(event) == 1 => {
                CalendarWrite::Delete { event }
            }
            _ => continue,
        };
        chosen.push((i, write));
    }
    if chosen.len() < 2 {
        return HashMap::new();
    }
    let journaled: Vec<Link> = chosen
        .iter()
        .filter(|(_, w)| matches!(w, CalendarWrite::Create { .. }))
        .map(|(i, _)| {
            let action = &actions[*i];
            create_row(action, by_link.get(action.link()).copied())
        })
        .collect();
    let mut answers = HashMap::new();
    if let Err(e) = journal(ctx, room, &journaled) {
        // Nothing is created that is not journaled.
        chosen.retain(|(i, w)| {
            let create = matches!(w, CalendarWrite::Create { .. });
            if create {
                answers.insert(*i, Err(e.clone()));
            }
            !create
        });
    }
    let writes: Vec<CalendarWrite<'_>> = chosen.iter().map(|(_, w)| *w).collect();
    let results = ctx.calendar.write_many(&room.mailbox, &writes).await;
    answers.extend(chosen.iter().map(|(i, _)| *i).zip(results));
    answers
}

/// Updates `event` in Outlook to `content` (or takes the answer of the update already sent).
/// Graph returns no extended properties on an update, so the event keeps the tag RoomBridge
/// already knows for it.
async fn rewrite_event(
    ctx: &EngineContext,
    room: &Room,
    events: &[CalendarEvent],
    (event, version, content): (&GraphEventId, &Option<String>, &roombridge_core::Content),
    sent: Option<Sent>,
) -> Result<CalendarEvent, ConnectorError> {
    let mut updated = match sent {
        Some(answer) => answer?.ok_or_else(|| no_event_in_answer(event.as_str()))?,
        None => {
            ctx.calendar
                .update_event(&room.mailbox, event, version.as_deref(), content)
                .await?
        }
    };
    updated.tag = events
        .iter()
        .find(|e| &e.id == event)
        .and_then(|e| e.tag.clone());
    Ok(updated)
}

fn no_event_in_answer(event: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Transient { retry_after: None },
        format!("Outlook's answer to the write of event {event} held no event"),
    )
}

/// The pending row an Outlook create journals before its remote call; a link that exists keeps
/// its origin.
fn create_row(action: &Action, existing: Option<&Link>) -> Link {
    let mut row = rows::pending_row(action);
    row.origin = existing.map_or(Side::Booking, |l| l.origin);
    row
}

/// Journals creates before their remote calls, in one transaction: each link is written as
/// pending, so that after a crash the planner finds it and re-links the event or reservation
/// the call made.
fn journal(ctx: &EngineContext, room: &Room, rows: &[Link]) -> Result<(), ConnectorError> {
    let now = chrono::Utc::now();
    ctx.store
        .write(|c| {
            rows.iter()
                .try_for_each(|row| links::put(c, &room.id, row, None, now))
        })
        .map_err(|e| {
            ConnectorError::new(
                ErrorKind::Transient { retry_after: None },
                format!("could not journal the write: {e}"),
            )
        })
}

/// Carries out `action`; `sent` is its answer when it was already sent with others.
async fn apply(
    ctx: &EngineContext,
    room: &Room,
    (action, sent): (&Action, Option<Sent>),
    existing: Option<&Link>,
    events: &[CalendarEvent],
    scratch: &mut Scratch,
    out: &mut Applied,
) -> Result<(), ConnectorError> {
    // A series written twice in one cycle (two occurrences changed in Outlook) is written at
    // the version the first write left it at.
    let version_of = |versions: &HashMap<ReservationId, i64>, id: &ReservationId, v: i64| {
        versions.get(id).copied().unwrap_or(v).max(v)
    };
    // An event this cycle already rewrote (a moved meeting) is recorded as rewritten.
    let event_hash = |id: &GraphEventId, out: &Applied| {
        out.events_put
            .iter()
            .rev()
            .chain(events)
            .find(|e| &e.id == id)
            .map(|e| e.content.hash())
    };
    match action {
        Action::CreateEvent { series, .. } => {
            let row = create_row(action, existing);
            // A create sent with others was journaled with them.
            let created = match sent {
                Some(answer) => {
                    Some(answer.and_then(|e| e.ok_or_else(|| no_event_in_answer("new"))))
                }
                None => {
                    journal(ctx, room, std::slice::from_ref(&row))?;
                    None
                }
            };
            // Written as an occurrence is; its date counts only in a series.
            let date = series.as_ref().map_or(chrono::NaiveDate::MIN, |s| s.date);
            let Some(member) = SeriesMember::created_by(action, |_| Some(date)) else {
                unreachable!("a create event is a member of its series");
            };
            let instance = match series {
                Some(s) => instance_on(ctx, room, scratch, &s.master, s.date).await?,
                None => None,
            };
            write_occurrence(ctx, room, &member, (instance, created), row.origin, out).await?;
        }
        Action::CreateSeries {
            link,
            series,
            content,
            idempotency_key,
            members,
            ..
        } => {
            let journaled: Vec<Link> = members
                .iter()
                .map(|m| rows::member_row(m, Side::Booking))
                .collect();
            journal(ctx, room, &journaled)?;
            let master = match ctx
                .calendar
                .create_series(&room.mailbox, content, series, link, idempotency_key)
                .await
            {
                Ok(master) => Some(master),
                // Outlook refused the series itself: its occurrences go as single events.
                Err(e) if e.kind == ErrorKind::Permanent => {
                    tracing::warn!(room = %room.id, "Outlook refused a series, writing single events: {e}");
                    None
                }
                Err(e) => return Err(e),
            };
            let instances = match &master {
                Some(master) => {
                    let all = ctx
                        .calendar
                        .instances(&room.mailbox, master, scratch.window)
                        .await?;
                    scratch.instances.insert(master.clone(), all.clone());
                    all
                }
                None => Vec::new(),
            };
            let zone = scratch.zone;
            let on = |date| on_date(&instances, zone, date);
            let mut first_error = None;
            for m in members {
                if let Err(e) =
                    write_occurrence(ctx, room, m, (on(m.date), None), Side::Booking, out).await
                {
                    out.link_puts
                        .push((rows::failed_member_row(m), Some(failure_message(&e))));
                    first_error.get_or_insert(e);
                }
            }
            // Dates in the window that no occurrence block wants (a higher reservation covers
            // them, or the booking system skips them) must not show as busy in Outlook.
            for unwanted in instances.iter().filter(|e| {
                !members
                    .iter()
                    .any(|m| e.occurrence_date(zone) == Some(m.date))
            }) {
                if let Err(e) = ctx.calendar.delete_event(&room.mailbox, &unwanted.id).await {
                    // Delta brings it back, tagged; the next cycle removes it.
                    tracing::warn!(room = %room.id, "could not remove an unwanted occurrence: {e}");
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        Action::UpdateSeries {
            master,
            content,
            members,
            ..
        } => {
            ctx.calendar
                .update_series(&room.mailbox, master, content)
                .await?;
            // What Outlook made of each instance, read back once.
            let instances = ctx
                .calendar
                .instances(&room.mailbox, master, scratch.window)
                .await?;
            scratch.instances.insert(master.clone(), instances.clone());
            for m in members {
                // An instance that did not come back is updated on its own next cycle.
                let Some(mut updated) = instances.iter().find(|e| e.id == m.event).cloned() else {
                    continue;
                };
                if updated.tag.is_none() {
                    updated.tag = events
                        .iter()
                        .find(|e| e.id == m.event)
                        .and_then(|e| e.tag.clone());
                }
                out.link_puts.push((
                    Link {
                        id: m.link.clone(),
                        block: Some(m.block.clone()),
                        event: Some(updated.id.clone()),
                        booking_hash: Some(m.booking_hash.clone()),
                        calendar_hash: Some(updated.content.hash()),
                        origin: Side::Booking,
                        state: LinkState::Synced,
                    },
                    None,
                ));
                out.events_put.push(updated);
            }
        }
        Action::UpdateEvent {
            link,
            block,
            event,
            version,
            content,
            booking_hash,
        } => {
            let updated = rewrite_event(ctx, room, events, (event, version, content), sent).await?;
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(updated.id.clone()),
                    booking_hash: Some(booking_hash.clone()),
                    calendar_hash: Some(updated.content.hash()),
                    origin: existing.map(|l| l.origin).unwrap_or(Side::Booking),
                    state: LinkState::Synced,
                },
                None,
            ));
            out.events_put.push(updated);
        }
        Action::DeleteEvent { link, event } => {
            match sent {
                Some(answer) => answer.map(|_| ())?,
                None => ctx.calendar.delete_event(&room.mailbox, event).await?,
            }
            out.events_removed.push(event.clone());
            out.link_removes.push(link.clone());
        }
        Action::CancelEvent {
            link,
            event,
            message,
        }
        | Action::DeclineEvent {
            link,
            event,
            message,
        } => {
            if matches!(action, Action::CancelEvent { .. }) {
                ctx.calendar
                    .cancel_event(&room.mailbox, event, message)
                    .await?;
            } else {
                ctx.calendar
                    .decline_event(&room.mailbox, event, message)
                    .await?;
            }
            out.events_removed.push(event.clone());
            out.link_removes.push(link.clone());
        }
        Action::SkipOccurrence {
            link,
            series,
            version,
            date,
            ..
        } => {
            let version = version_of(&scratch.versions, series, *version);
            let updated = ctx.booking.skip_occurrence(series, version, *date).await?;
            scratch.versions.insert(series.clone(), updated.version);
            out.reservations.push(updated);
            out.link_removes.push(link.clone());
        }
        Action::DetachOccurrence {
            link,
            event,
            series,
            version,
            date,
            content,
            idempotency_key,
        } => {
            // The single event is created first, tagged with the link and journaled without a
            // block, so that after a crash the planner finds it by its tag; then the series
            // skips the date.
            let mut row = existing
                .cloned()
                .unwrap_or_else(|| rows::pending_row(action));
            row.block = None;
            row.state = LinkState::Pending;
            journal(ctx, room, std::slice::from_ref(&row))?;
            let created = ctx
                .booking
                .create_override(&room.resource, series, content, link, idempotency_key)
                .await?;
            let version = version_of(&scratch.versions, series, *version);
            let updated = ctx.booking.skip_occurrence(series, version, *date).await?;
            scratch.versions.insert(series.clone(), updated.version);
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(BlockKey::for_reservation(&created.id)),
                    event: Some(event.clone()),
                    booking_hash: Some(created.content.hash()),
                    calendar_hash: Some(content.hash()),
                    origin: row.origin,
                    state: LinkState::Synced,
                },
                None,
            ));
            out.reservations.push(created);
            out.reservations.push(updated);
        }
        Action::MoveEvent {
            event,
            version,
            content,
            ..
        } => {
            // The meeting's link is written by the booking-system write that follows in the
            // plan, which records the moved event.
            let updated = rewrite_event(ctx, room, events, (event, version, content), sent).await?;
            out.events_put.push(updated);
        }
        Action::MoveReservation {
            link,
            reservation,
            version,
            occurrence,
            content,
            idempotency_key,
            ..
        } => {
            // The item's own link stays as synced: next cycle its block reads as changed in
            // the booking system, and its Outlook event moves with it.
            let version = version_of(&scratch.versions, reservation, *version);
            match occurrence {
                None => {
                    let updated = ctx
                        .booking
                        .update_reservation(reservation, version, content)
                        .await?;
                    scratch
                        .versions
                        .insert(reservation.clone(), updated.version);
                    out.reservations.push(updated);
                }
                // A moved occurrence becomes a single event in the series' place, found by
                // its tag after a crash (as for a detached occurrence), then the series skips
                // the date.
                Some(date) => {
                    let mut row = existing
                        .cloned()
                        .unwrap_or_else(|| rows::pending_row(action));
                    row.block = None;
                    journal(ctx, room, std::slice::from_ref(&row))?;
                    let created = ctx
                        .booking
                        .create_override(
                            &room.resource,
                            reservation,
                            content,
                            link,
                            idempotency_key,
                        )
                        .await?;
                    let updated = ctx
                        .booking
                        .skip_occurrence(reservation, version, *date)
                        .await?;
                    scratch
                        .versions
                        .insert(reservation.clone(), updated.version);
                    row.block = Some(BlockKey::for_reservation(&created.id));
                    out.link_puts.push((row, None));
                    out.reservations.push(created);
                    out.reservations.push(updated);
                }
            }
        }
        Action::Settle { link } => {
            let already =
                out.link_puts.iter().any(|(l, _)| &l.id == link) || out.link_removes.contains(link);
            if let Some(existing) = existing.filter(|_| !already) {
                let mut settled = existing.clone();
                settled.state = if settled.booking_hash.is_some() && settled.calendar_hash.is_some()
                {
                    LinkState::Synced
                } else {
                    LinkState::Pending
                };
                out.link_puts.push((settled, None));
            }
        }
        Action::CreateReservation {
            link,
            event,
            content,
            idempotency_key,
        } => {
            let row = rows::pending_row(action);
            journal(ctx, room, std::slice::from_ref(&row))?;
            let created = ctx
                .booking
                .create_reservation(&room.resource, content, link, idempotency_key)
                .await?;
            let calendar_hash = event_hash(event, out).or(Some(content.hash()));
            // Synced at what was sent, as the booking system keeps it. A retry after a create
            // whose answer was lost gets the reservation the first attempt made, as it is now:
            // someone may have changed it since, and that change must still reach Outlook.
            let kept = (ctx.booking.capabilities().stores)(content);
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(BlockKey::for_reservation(&created.id)),
                    event: Some(event.clone()),
                    booking_hash: Some(kept.hash()),
                    calendar_hash,
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
            let version = version_of(&scratch.versions, reservation, *version);
            let updated = ctx
                .booking
                .update_reservation(reservation, version, content)
                .await?;
            scratch
                .versions
                .insert(reservation.clone(), updated.version);
            let calendar_hash = event_hash(event, out).or(Some(content.hash()));
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(BlockKey::for_reservation(&updated.id)),
                    event: Some(event.clone()),
                    booking_hash: Some(updated.content.hash()),
                    calendar_hash,
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
            let version = version_of(&scratch.versions, reservation, *version);
            let cancelled = ctx
                .booking
                .cancel_reservation(reservation, version, note)
                .await?;
            scratch
                .versions
                .insert(reservation.clone(), cancelled.version);
            out.reservations.push(cancelled);
            out.link_removes.push(link.clone());
        }
        Action::Relink {
            link,
            block,
            event,
            origin,
            booking_hash,
            calendar_hash,
        } => {
            out.link_puts.push((
                Link {
                    id: link.clone(),
                    block: Some(block.clone()),
                    event: Some(event.clone()),
                    booking_hash: Some(booking_hash.clone()),
                    calendar_hash: Some(calendar_hash.clone()),
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

/// What one cycle's execution keeps between actions.
pub(crate) struct Scratch {
    window: SyncWindow,
    /// The room's zone, in which occurrence dates are read.
    zone: chrono_tz::Tz,
    /// A series written twice in one cycle is written at the version the first write left.
    versions: HashMap<ReservationId, i64>,
    /// The instances of Outlook series read this cycle, by master.
    instances: HashMap<GraphEventId, Vec<CalendarEvent>>,
}

/// The instance series `master` gives `date`, if Outlook still has one (its instances in the
/// window are read once per cycle).
async fn instance_on(
    ctx: &EngineContext,
    room: &Room,
    scratch: &mut Scratch,
    master: &GraphEventId,
    date: chrono::NaiveDate,
) -> Result<Option<CalendarEvent>, ConnectorError> {
    if !scratch.instances.contains_key(master) {
        let all = ctx
            .calendar
            .instances(&room.mailbox, master, scratch.window)
            .await?;
        scratch.instances.insert(master.clone(), all);
    }
    let zone = scratch.zone;
    Ok(scratch
        .instances
        .get(master)
        .and_then(|all| on_date(all, zone, date)))
}

/// The instance among `instances` that the series gives local `date` (read in `zone`).
fn on_date(
    instances: &[CalendarEvent],
    zone: chrono_tz::Tz,
    date: chrono::NaiveDate,
) -> Option<CalendarEvent> {
    instances
        .iter()
        .find(|e| e.occurrence_date(zone) == Some(date))
        .cloned()
}

/// Writes one occurrence block to Outlook: links the series' `instance` on its date when there
/// is one (brought up to date if the series gave it other content), or creates a single event.
/// An instance someone changed on its own in Outlook is linked without a synced calendar side,
/// so the next cycle sees both versions and the room's policy (or a person) decides.
async fn write_occurrence(
    ctx: &EngineContext,
    room: &Room,
    member: &SeriesMember,
    (instance, created): (
        Option<CalendarEvent>,
        Option<Result<CalendarEvent, ConnectorError>>,
    ),
    origin: Side,
    out: &mut Applied,
) -> Result<(), ConnectorError> {
    let SeriesMember {
        link,
        block,
        content,
        booking_hash,
        idempotency_key,
        ..
    } = member;
    let (mut event, calendar_hash) = match instance {
        Some(i) if i.content.hash() == content.hash() => {
            let hash = i.content.hash();
            (i, Some(hash))
        }
        Some(i) if i.instance.as_ref().is_some_and(|x| x.exception) => (i, None),
        Some(i) => {
            let mut updated = ctx
                .calendar
                .update_event(&room.mailbox, &i.id, i.version.as_deref(), content)
                .await?;
            if updated.instance.is_none() {
                updated.instance = i.instance;
            }
            let hash = updated.content.hash();
            (updated, Some(hash))
        }
        None => {
            let created = match created {
                Some(answer) => answer?,
                None => {
                    ctx.calendar
                        .create_event(&room.mailbox, content, link, idempotency_key)
                        .await?
                }
            };
            out.events_created.push(created.id.clone());
            // Synced at what was sent: a retry of a create whose answer was lost gets the
            // event the first attempt made as it is now, and a person may have moved it since.
            // An event sent without an organisation reads back with its organizer's (the
            // room's) name as one; that is what was sent too.
            let mut sent = content.clone();
            if sent.organisation.trim().is_empty() {
                sent.organisation = created.content.organisation.clone();
            }
            let hash = sent.hash();
            (created, Some(hash))
        }
    };
    event.tag = Some(link.clone());
    out.link_puts.push((
        Link {
            id: link.clone(),
            block: Some(block.clone()),
            event: Some(event.id.clone()),
            booking_hash: Some(booking_hash.clone()),
            calendar_hash,
            origin,
            state: LinkState::Synced,
        },
        None,
    ));
    out.events_put.push(event);
    Ok(())
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
