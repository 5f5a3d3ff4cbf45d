//! One cycle of one room: fetch both sides' changes, compose, plan, execute, commit.
//!
//! Fetching and planning never write anything; the only writes before the final commit are
//! the journal rows of creates (pending links), written before the remote call so that a crash
//! at any point leads to re-linking rather than a duplicate. Mirrors, cursors, links, conflicts
//! and history of the cycle then commit in one transaction.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use roombridge_connectors::{ConnectorError, ErrorKind};
use roombridge_core::compose::compose;
use roombridge_core::plan::{CalendarEvent, Plan, PlanInput, plan};
use roombridge_core::{GraphEventId, ReservationId, RoomId, Side, SyncWindow};
use roombridge_store::history::{NewEntry, Outcome};
use roombridge_store::rooms::Room;
use roombridge_store::{conflicts, cursors, history, links, mirror, settings, status};

use crate::execute::{self, Applied};
use crate::{EngineContext, EngineEvent};

/// Whether a cycle writes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleMode {
    /// Fetch, plan, execute and commit.
    Execute,
    /// Fetch and plan only: nothing is written to either side or to the store.
    DryRun,
}

/// How a cycle went.
#[derive(Debug, Clone, Serialize)]
pub struct CycleReport {
    pub room: RoomId,
    pub room_name: String,
    pub cycle: i64,
    pub mode: CycleMode,
    pub plan: Plan,
    /// Actions that went through.
    pub executed: usize,
    /// Actions that failed (each recorded on its link and in the history).
    pub failed: usize,
    /// Items one side reported that could not be read.
    pub rejected: usize,
    /// Why the cycle as a whole failed, if it did.
    pub error: Option<String>,
    /// Whether the failure was one of authentication (the tenant needs attention).
    pub auth_failed: bool,
    /// Whether the calendar's delta cursor had expired and the room was read in full.
    pub resynced: bool,
    /// Whether the mass-deletion breaker held the cycle back, waiting for approval.
    pub held: bool,
    pub finished_at: DateTime<Utc>,
}

impl CycleReport {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Runs one cycle of `room`. Never panics on a remote failure: failures end up in the report,
/// the room's status and the history.
pub async fn run(ctx: &EngineContext, room: &Room, mode: CycleMode) -> CycleReport {
    ctx.emit(EngineEvent::CycleStarted {
        room: room.id.clone(),
    });
    let mut report = CycleReport::empty(&room.id, &room.name, mode);
    if let Err(failure) = run_inner(ctx, room, mode, &mut report).await {
        report.error = Some(failure.message.clone());
        report.auth_failed = failure.auth;
        report.held = failure.kind == "deletions_held";
        if mode == CycleMode::Execute {
            let entry = NewEntry {
                room: room.id.clone(),
                cycle: report.cycle,
                kind: failure.kind.into(),
                side: failure.side,
                outcome: Outcome::Failed,
                title: room.name.clone(),
                detail: failure.message.clone(),
            };
            let now = Utc::now();
            let written = ctx.store.write(|c| {
                // The same failure again (a service still down, deletions still held) updates
                // the room's status but adds no history row per retry.
                let repeated =
                    status::get(c, &room.id)?.last_error.as_deref() == Some(&failure.message);
                status::finish(c, &room.id, Some(&failure.message), now)?;
                if repeated {
                    return Ok(None);
                }
                history::append(c, &entry, now).map(Some)
            });
            match written {
                Ok(Some(row)) => ctx.emit(EngineEvent::History(row)),
                Ok(None) => {}
                Err(e) => tracing::error!(room = %room.id, "could not record a failed cycle: {e}"),
            }
        }
    }
    report.finished_at = Utc::now();
    report
}

/// Why a cycle stopped before its commit.
struct Failure {
    message: String,
    side: Option<Side>,
    auth: bool,
    /// The history row's kind: `cycle_failed`, or `deletions_held` for the breaker.
    kind: &'static str,
}

impl Failure {
    fn remote(side: Side, e: &ConnectorError) -> Failure {
        let place = match side {
            Side::Booking => "booking system",
            Side::Calendar => "Outlook (Microsoft Graph)",
        };
        Failure {
            message: format!("Could not reach the {place}: {}", e.message),
            side: Some(side),
            auth: e.kind == ErrorKind::Auth,
            kind: "cycle_failed",
        }
    }

    fn local(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: format!("RoomBridge's database: {message}"),
            side: None,
            auth: false,
            kind: "cycle_failed",
        }
    }
}

async fn run_inner(
    ctx: &EngineContext,
    room: &Room,
    mode: CycleMode,
    report: &mut CycleReport,
) -> Result<(), Failure> {
    let now = Utc::now();
    let zone: chrono_tz::Tz = room.time_zone.parse().map_err(|_| Failure {
        message: format!(
            "The room's time zone {:?} is not a known IANA zone; fix it in the room's mapping.",
            room.time_zone
        ),
        side: None,
        auth: false,
        kind: "cycle_failed",
    })?;
    // The window and privacy mode a person chose apply from the next cycle on.
    let (days_back, days_ahead) = ctx
        .store
        .read(settings::window)
        .map_err(Failure::local)?
        .map(|w| (w.days_back, w.days_ahead))
        .unwrap_or((ctx.config.days_back, ctx.config.days_ahead));
    let window = SyncWindow::around(now, days_back, days_ahead);
    let window_key = format!("{days_back}/{days_ahead}");

    report.cycle = match mode {
        CycleMode::Execute => ctx
            .store
            .write(|c| status::next_cycle(c, &room.id))
            .map_err(Failure::local)?,
        CycleMode::DryRun => {
            ctx.store
                .read(|c| status::get(c, &room.id))
                .map_err(Failure::local)?
                .cycle
        }
    };

    let (
        stored_reservations,
        stored_events,
        unconfirmed,
        stored_links,
        booking_cursor,
        calendar_cursor,
    ) = ctx
        .store
        .read(|c| {
            Ok((
                mirror::reservations(c, &room.id)?,
                mirror::events(c, &room.id)?,
                mirror::unconfirmed_events(c, &room.id)?,
                links::list(c, &room.id)?,
                cursors::get(c, &room.id, Side::Booking)?,
                cursors::get(c, &room.id, Side::Calendar)?,
            ))
        })
        .map_err(Failure::local)?;
    let (policy, decided, privacy, cursor_window) = ctx
        .store
        .read(|c| {
            Ok((
                settings::policy_of(c, &room.id)?,
                conflicts::decided(c, &room.id)?,
                settings::privacy(c)?,
                settings::cursor_window(c, &room.id)?,
            ))
        })
        .map_err(Failure::local)?;
    // A delta cursor covers the window it was made for. Once the window changed, the room's
    // calendar is read in full for the new one (as after an expired cursor: links keep that
    // from creating anything twice). Cursors from before windows were recorded were made for
    // the engine's default.
    let default_key = format!("{}/{}", ctx.config.days_back, ctx.config.days_ahead);
    let window_changed =
        calendar_cursor.is_some() && cursor_window.as_deref().unwrap_or(&default_key) != window_key;
    let calendar_cursor = calendar_cursor.filter(|_| !window_changed);
    let decisions: Vec<_> = decided.iter().map(|(_, d)| d.clone()).collect();

    // Fetch both sides.
    let booking = ctx
        .booking
        .changes(&room.resource, booking_cursor.as_deref())
        .await
        .map_err(|e| Failure::remote(Side::Booking, &e))?;
    let (mut calendar, resynced) = match ctx
        .calendar
        .changes(&room.mailbox, window, calendar_cursor.as_deref())
        .await
    {
        Ok(changes) => (changes, window_changed),
        Err(e) if e.kind == ErrorKind::Resync => {
            tracing::warn!(room = %room.id, "delta cursor expired, reading the calendar in full");
            let full = ctx
                .calendar
                .changes(&room.mailbox, window, None)
                .await
                .map_err(|e| Failure::remote(Side::Calendar, &e))?;
            (full, true)
        }
        Err(e) => return Err(Failure::remote(Side::Calendar, &e)),
    };

    // Apply the changes to the mirrors, in memory until the commit.
    let mut reservations: BTreeMap<ReservationId, roombridge_core::Reservation> =
        stored_reservations
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
    for r in &booking.reservations {
        reservations.insert(r.id.clone(), r.clone());
    }
    let previous_events: BTreeMap<GraphEventId, CalendarEvent> = stored_events
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    if !resynced {
        let every_series = series_check_due(ctx, &room.id, mode);
        let vanished = vanished_occurrences(
            ctx,
            room,
            (window, zone),
            &previous_events,
            &calendar,
            every_series,
        )
        .await
        .map_err(|e| Failure::remote(Side::Calendar, &e))?;
        calendar.removed.extend(vanished);
        let unseen = gone_before_read_back(ctx, room, &unconfirmed, &calendar)
            .await
            .map_err(|e| Failure::remote(Side::Calendar, &e))?;
        calendar.removed.extend(unseen);
    }
    let mut events = if resynced {
        BTreeMap::new()
    } else {
        previous_events.clone()
    };
    for id in &calendar.removed {
        events.remove(id);
    }
    let linked: HashSet<&GraphEventId> = stored_links
        .iter()
        .filter_map(|l| l.event.as_ref())
        .collect();
    let mut fresh = Vec::new();
    for e in &calendar.upserted {
        let mut e = e.clone();
        // Delta never returns extended properties: keep the tag we already know, and ask for
        // it once for an event we have not seen linked, before taking it as a new reservation
        // made in Outlook.
        let previous = previous_events.get(&e.id);
        // An occurrence completed from its series master carries the master's tag, if any:
        // it belongs to its own occurrence's link.
        let series_tag = e.tag.take().map(|tag| e.link_of_tag(tag, zone));
        e.tag = previous.and_then(|p| p.tag.clone()).or(series_tag);
        // An Exchange room mailbox replaced the subject with the organizer's name: not an
        // edit of the title, which stays as last known.
        if e.subject_is_organizer
            && let Some(p) = previous
        {
            e.content.title = p.content.title.clone();
        }
        // One that deleted the body (`DeleteComments`): not an edit of the organisation and
        // description it carried, which stay as last known.
        if e.body_is_empty
            && let Some(p) = previous
        {
            e.content.organisation = p.content.organisation.clone();
            e.content.description = p.content.description.clone();
        }
        if e.tag.is_none() && !linked.contains(&e.id) {
            let tag = ctx
                .calendar
                .tag_of(&room.mailbox, &e.id)
                .await
                .map_err(|err| Failure::remote(Side::Calendar, &err))?;
            // An instance of a series RoomBridge wrote shows the series' tag: it belongs to
            // its own occurrence's link.
            e.tag = tag.map(|tag| e.link_of_tag(tag, zone));
        }
        fresh.push(e.clone());
        events.insert(e.id.clone(), e);
    }

    let reservation_list: Vec<_> = reservations.values().cloned().collect();
    let composed = compose(&reservation_list, zone, window);
    let event_list: Vec<CalendarEvent> = events.values().cloned().collect();
    report.plan = plan(&PlanInput {
        room: &room.id,
        zone,
        window,
        blocks: &composed.blocks,
        footprint: &composed.footprint,
        events: &event_list,
        links: &stored_links,
        policy,
        decisions: &decisions,
        series: &composed.series,
        privacy,
    });
    report.rejected = booking.rejected.len() + calendar.rejected.len() + composed.unreadable.len();
    report.resynced = resynced;
    if mode == CycleMode::DryRun {
        return Ok(());
    }
    if let Some(tripped) = ctx.config.breaker.check(&report.plan, stored_links.len()) {
        let approved = ctx
            .store
            .write(|c| status::take_deletion_approval(c, &room.id))
            .map_err(Failure::local)?;
        if !approved {
            ctx.store
                .write(|c| status::hold_deletions(c, &room.id, tripped.deletions as i64))
                .map_err(Failure::local)?;
            // Nothing is written and no cursor moves: the next cycle sees the same changes
            // and holds again, until a person approves.
            return Err(Failure {
                message: format!(
                    "Held back: this sync would delete {} of the room's {} synced reservations. \
                     Nothing was changed. If that is right, approve the deletions; otherwise \
                     check the booking system and Outlook.",
                    tripped.deletions, tripped.linked
                ),
                side: None,
                auth: false,
                kind: "deletions_held",
            });
        }
    }

    let mut applied = execute::run(
        ctx,
        room,
        report.cycle,
        (window, zone),
        &report.plan,
        &composed.blocks,
        &composed.shifted,
        &event_list,
        &stored_links,
        &decided,
    )
    .await;
    report.executed = applied.executed;
    report.failed = applied.failed;
    // A reservation that cannot be composed is reported when it arrives, not on every cycle.
    let unreadable: Vec<roombridge_connectors::Rejected> = composed
        .unreadable
        .iter()
        .filter(|u| booking.reservations.iter().any(|r| r.id == u.reservation))
        .map(|u| roombridge_connectors::Rejected {
            id: Some(u.reservation.to_string()),
            message: format!("\"{}\": {}", u.title, u.message),
        })
        .collect();
    // A reservation naming a parent the booking system does not have syncs on its own; the
    // facility manager is told once, when it arrives (issue 12, bug 8).
    for r in booking.reservations.iter().filter(|r| r.is_active()) {
        let Some(parent) = &r.parent else { continue };
        if reservations.contains_key(parent) {
            continue;
        }
        applied.history.push(NewEntry {
            room: room.id.clone(),
            cycle: report.cycle,
            kind: "orphaned".into(),
            side: Some(Side::Booking),
            outcome: Outcome::Ok,
            title: r.content.title.clone(),
            detail: format!(
                "Reservation {} names {parent} as the {} it lies inside, but the booking system has no reservation {parent} for this resource. RoomBridge syncs it on its own. If it was meant to replace one date of a series, or to lie inside an allocation, correct its parent in the booking system.",
                r.id,
                match r.level {
                    roombridge_core::Level::Booking => "allocation",
                    _ => "reservation",
                }
            ),
        });
    }
    for (side, rejected) in booking
        .rejected
        .iter()
        .chain(&unreadable)
        .map(|r| (Side::Booking, r))
        .chain(calendar.rejected.iter().map(|r| (Side::Calendar, r)))
    {
        applied.history.push(NewEntry {
            room: room.id.clone(),
            cycle: report.cycle,
            kind: "rejected".into(),
            side: Some(side),
            outcome: Outcome::Failed,
            title: rejected.id.clone().unwrap_or_else(|| "(no id)".into()),
            detail: rejected.message.clone(),
        });
    }

    let fatal = applied
        .fatal
        .take()
        .map(|(side, e)| Failure::remote(side, &e));
    let rows = commit(
        ctx,
        room,
        (&booking, &calendar, &window_key),
        &fresh,
        resynced,
        &applied,
        fatal.as_ref(),
    )
    .map_err(Failure::local)?;
    for row in rows {
        ctx.emit(EngineEvent::History(row));
    }
    match fatal {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// Whether this cycle compares every Outlook series of the room with its instances (see
/// [`crate::EngineConfig::series_check_interval`]); an executing cycle records that it did.
fn series_check_due(ctx: &EngineContext, room: &RoomId, mode: CycleMode) -> bool {
    let mut checked = ctx.series_checked.lock().unwrap_or_else(|e| e.into_inner());
    let now = std::time::Instant::now();
    let due = checked
        .get(room)
        .is_none_or(|at| now.duration_since(*at) >= ctx.config.series_check_interval);
    if due && mode == CycleMode::Execute {
        checked.insert(room.clone(), now);
    }
    due
}

/// Occurrences of Outlook series that are gone although delta said nothing. Real tenants give
/// no signal in delta for an occurrence deleted on its own, or dropped when the series' pattern
/// changed (its id changes with it): so the instances of every series this round's changes
/// touched (or, with `every_series`, of every series the room knows) are read and compared
/// with the mirror. A full read needs no such check: the mirror is rebuilt from it. Only
/// occurrences inside the window count; the others merely left it.
async fn vanished_occurrences(
    ctx: &EngineContext,
    room: &Room,
    (window, zone): (SyncWindow, chrono_tz::Tz),
    previous: &BTreeMap<GraphEventId, CalendarEvent>,
    calendar: &roombridge_connectors::CalendarChanges,
    every_series: bool,
) -> Result<Vec<GraphEventId>, ConnectorError> {
    let reported: HashSet<&GraphEventId> = calendar
        .upserted
        .iter()
        .map(|e| &e.id)
        .chain(&calendar.removed)
        .collect();
    let mentioned = calendar.upserted.iter();
    let known = previous.values().filter(|_| every_series);
    let touched: std::collections::BTreeSet<&GraphEventId> = mentioned
        .chain(known)
        .filter_map(|e| e.instance.as_ref().map(|i| &i.master))
        .collect();
    let mut gone = Vec::new();
    for master in touched {
        let known: Vec<&CalendarEvent> = previous
            .values()
            .filter(|e| e.instance.as_ref().is_some_and(|i| &i.master == master))
            .filter(|e| !reported.contains(&e.id) && window.contains(&e.content.when, zone))
            .collect();
        if known.is_empty() {
            continue;
        }
        let live: HashSet<GraphEventId> =
            match ctx.calendar.instances(&room.mailbox, master, window).await {
                Ok(instances) => instances.into_iter().map(|e| e.id).collect(),
                // The whole series is gone (delta reports its occurrences removed too).
                Err(e) if e.is_item_gone() => HashSet::new(),
                Err(e) => return Err(e),
            };
        gone.extend(
            known
                .into_iter()
                .filter(|e| !live.contains(&e.id))
                .map(|e| e.id.clone()),
        );
    }
    Ok(gone)
}

/// Events RoomBridge created that are gone although delta said nothing. The cursor a create
/// follows was taken before it, so the next round shows the event; one deleted before that
/// round leaves no trace in delta at all (issue 12, bug 1: the reservation kept holding a room
/// Outlook showed free). Each one the round does not mention is read by id.
async fn gone_before_read_back(
    ctx: &EngineContext,
    room: &Room,
    unconfirmed: &[GraphEventId],
    calendar: &roombridge_connectors::CalendarChanges,
) -> Result<Vec<GraphEventId>, ConnectorError> {
    let mut gone = Vec::new();
    for id in unconfirmed {
        let mentioned =
            calendar.upserted.iter().any(|e| &e.id == id) || calendar.removed.contains(id);
        if mentioned {
            continue;
        }
        match ctx.calendar.tag_of(&room.mailbox, id).await {
            // Still there: a later round shows it.
            Ok(_) => {}
            Err(e) if e.is_item_gone() => gone.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    Ok(gone)
}

/// Everything the cycle learned and did, in one transaction.
#[allow(clippy::too_many_arguments)]
fn commit(
    ctx: &EngineContext,
    room: &Room,
    (booking, calendar, window_key): (
        &roombridge_connectors::BookingChanges,
        &roombridge_connectors::CalendarChanges,
        &str,
    ),
    fresh: &[CalendarEvent],
    resynced: bool,
    applied: &Applied,
    fatal: Option<&Failure>,
) -> roombridge_store::Result<Vec<history::Entry>> {
    let now = Utc::now();
    ctx.store.write(|c| {
        for r in booking.reservations.iter().chain(&applied.reservations) {
            mirror::put_reservation(c, &room.id, r)?;
        }
        if resynced {
            mirror::clear_events(c, &room.id)?;
        }
        for id in calendar.removed.iter().chain(&applied.events_removed) {
            mirror::remove_event(c, &room.id, id)?;
        }
        for e in fresh {
            mirror::put_event(c, &room.id, e)?;
        }
        for e in &applied.events_put {
            let created = applied.events_created.contains(&e.id);
            mirror::put_written_event(c, &room.id, e, created)?;
        }
        // Cursors move only with the mirrors they describe.
        cursors::set(c, &room.id, Side::Booking, &booking.cursor)?;
        cursors::set(c, &room.id, Side::Calendar, &calendar.cursor)?;
        settings::set_cursor_window(c, &room.id, window_key)?;
        for (link, message) in &applied.link_puts {
            links::put(c, &room.id, link, message.as_deref(), now)?;
        }
        for id in &applied.link_removes {
            links::remove(c, &room.id, id)?;
        }
        for conflict in &applied.conflicts {
            conflicts::open(c, &room.id, conflict, now)?;
        }
        for link in &applied.conflicts_resolved {
            conflicts::resolve(c, &room.id, link, now)?;
        }
        let mut rows = Vec::new();
        for entry in &applied.history {
            rows.push(history::append(c, entry, now)?);
        }
        status::finish(c, &room.id, fatal.map(|f| f.message.as_str()), now)?;
        Ok(rows)
    })
}

/// Runs a cycle and turns it into the room's finished event.
pub(crate) async fn run_and_report(
    ctx: &EngineContext,
    room: &Room,
    mode: CycleMode,
) -> Arc<CycleReport> {
    let report = Arc::new(
        match tokio::time::timeout(ctx.config.cycle_timeout, run(ctx, room, mode)).await {
            Ok(report) => report,
            Err(_) => CycleReport::empty(&room.id, &room.name, mode).with_error(format!(
                "The cycle took longer than {} s and was abandoned; it will be retried.",
                ctx.config.cycle_timeout.as_secs()
            )),
        },
    );
    if mode == CycleMode::Execute {
        ctx.emit(EngineEvent::CycleFinished(report.clone()));
    }
    report
}

impl CycleReport {
    fn empty(room: &RoomId, name: &str, mode: CycleMode) -> CycleReport {
        CycleReport {
            room: room.clone(),
            room_name: name.to_owned(),
            cycle: 0,
            mode,
            plan: Plan::default(),
            executed: 0,
            failed: 0,
            rejected: 0,
            error: None,
            auth_failed: false,
            resynced: false,
            held: false,
            finished_at: Utc::now(),
        }
    }

    /// A cycle that did not run because the room is paused.
    pub(crate) fn skipped(room: &Room, why: &str) -> CycleReport {
        tracing::debug!(room = %room.id, "cycle skipped: {why}");
        CycleReport::empty(&room.id, &room.name, CycleMode::Execute)
    }

    /// A cycle of a room that is no longer in the store.
    pub(crate) fn missing(room: &RoomId) -> CycleReport {
        CycleReport::empty(room, room.as_str(), CycleMode::Execute)
            .with_error("This room is no longer mapped.".into())
    }

    pub(crate) fn with_error(mut self, error: String) -> CycleReport {
        self.error = Some(error);
        self
    }
}
