//! One cycle of one room: fetch both sides' changes, compose, plan, execute, commit.
//!
//! Fetching and planning never write anything; the only writes before the final commit are
//! the journal rows of creates (pending links), written before the remote call so that a crash
//! at any point leads to re-linking rather than a duplicate. Mirrors, cursors, links, conflicts
//! and history of the cycle then commit in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use roombridge_connectors::{BookingChanges, CalendarChanges, Rejected, Source};
use roombridge_connectors::{ConnectorError, ErrorKind};
use roombridge_core::compose::{Composed, compose};
use roombridge_core::plan::{Decided, Plan, PlanInput, Restore, plan};
use roombridge_core::policy::Policy;
use roombridge_core::privacy::Privacy;
use roombridge_core::snapshot;
use roombridge_core::{
    CalendarEvent, GraphEventId, Level, Link, LinkId, Reservation, ReservationId, RoomId, Side,
    SyncWindow,
};
use roombridge_store::conflicts::StoredConflict;
use roombridge_store::history::{HistoryKind, NewEntry, Outcome};
use roombridge_store::rooms::Room;
use roombridge_store::{conflicts, cursors, history, links, mirror, settings, status};

use crate::context::Basis;
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

/// How much a cycle reads before it decides to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Both change feeds, then the whole cycle: someone asked for it ("sync now", a decision,
    /// a webhook), or it retries a failed one.
    Both,
    /// A timed cycle: the booking system's change feed first (it costs no Graph request), then
    /// Outlook's if its reading is due (`outlook_due`). Only if they brought something, or the
    /// room has work waiting (see [`waiting`]), does the whole cycle run; otherwise the cycle is
    /// quiet: it plans nothing and writes nothing (a new delta link is kept in memory until the
    /// next commit).
    Timed { outlook_due: bool },
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
    /// The change feeds brought nothing and no work was waiting: nothing was planned or
    /// written (see [`Reach::Timed`]). A dry run is quiet when its room's last plan found
    /// nothing to do and nothing it was made from changed since: its plan is empty but for
    /// the links that plan left held in conflict.
    pub quiet: bool,
    /// Items the two change feeds brought (changed, new or removed).
    pub brought: usize,
    pub finished_at: DateTime<Utc>,
}

impl CycleReport {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// Whether the room was busy this cycle: anything arrived, was planned or failed. A busy
    /// room's Outlook is read again soon; an idle one's less and less often.
    pub fn busy(&self) -> bool {
        self.brought > 0
            || !self.plan.actions.is_empty()
            || !self.plan.conflicts.is_empty()
            || self.failed > 0
            || self.error.is_some()
    }
}

/// Runs one cycle of `room`. Never panics on a remote failure: failures end up in the report,
/// the room's status and the history.
pub async fn run(ctx: &EngineContext, room: &Room, mode: CycleMode) -> CycleReport {
    run_with(ctx, room, mode, Read::default()).await
}

/// What a [`Reach::Timed`] check already read: the booking system's changes, and Outlook's
/// when it read them.
#[derive(Default)]
struct Read {
    booking: Option<BookingChanges>,
    calendar: Option<CalendarChanges>,
}

/// [`run`], with what a [`Reach::Timed`] check already read.
async fn run_with(ctx: &EngineContext, room: &Room, mode: CycleMode, read: Read) -> CycleReport {
    // A dry run changes nothing, so the room is not "syncing" while it plans.
    let _syncing = (mode == CycleMode::Execute).then(|| {
        ctx.emit(EngineEvent::CycleStarted {
            room: room.id.clone(),
        });
        ctx.syncing(&room.id)
    });
    let mut report = CycleReport::empty(&room.id, &room.name, mode);
    if let Err(failure) = run_inner(ctx, room, mode, read, &mut report).await {
        report.error = Some(failure.message.clone());
        report.auth_failed = failure.auth;
        report.held = failure.kind == HistoryKind::DeletionsHeld;
        if mode == CycleMode::Execute {
            let entry = NewEntry {
                room: room.id.clone(),
                cycle: report.cycle,
                kind: failure.kind,
                side: failure.side,
                outcome: Outcome::Failed,
                title: room.name.clone(),
                detail: failure.message.clone(),
                words: None,
            };
            let now = Utc::now();
            let written = ctx.store.write(|c| {
                // The same failure again (a service still down, deletions still held) updates
                // the room's status but adds no history row per retry.
                let repeated =
                    status::get(c, &room.id)?.last_error.as_deref() == Some(&failure.message);
                let ended = status::Ended::Failed {
                    message: &failure.message,
                    side: failure.side,
                };
                status::finish(c, &room.id, ended, now)?;
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
    /// The history row's kind: [`HistoryKind::CycleFailed`], or
    /// [`HistoryKind::DeletionsHeld`] for the breaker.
    kind: HistoryKind,
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
            kind: HistoryKind::CycleFailed,
        }
    }

    fn local(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: format!("RoomBridge's database: {message}"),
            side: None,
            auth: false,
            kind: HistoryKind::CycleFailed,
        }
    }
}

/// The cycle, stage by stage: each stage is a function with a named input and output.
async fn run_inner(
    ctx: &EngineContext,
    room: &Room,
    mode: CycleMode,
    read: Read,
    report: &mut CycleReport,
) -> Result<(), Failure> {
    let setting = setting(ctx, room)?;
    report.cycle = number(ctx, room, mode)?;
    let mut stored = gather(ctx, room)?;
    // A delta link a quiet cycle kept in memory is newer than the stored one.
    if let Some(cursor) = ctx.kept_cursor(&room.id) {
        stored.calendar_cursor = Some(cursor);
    }
    let fetched = fetch(ctx, room, &setting, &stored, read).await?;
    report.brought = fetched.booking.reservations.len()
        + fetched.calendar.upserted.len()
        + fetched.calendar.removed.len();
    let mirrors = mirror(ctx, room, mode, &setting, &stored, fetched).await?;
    let events = mirrors.event_list();
    let composed = plan_cycle(room, &setting, &stored, (&mirrors, &events), report);
    if mode == CycleMode::DryRun {
        return Ok(());
    }
    ctx.planned(&room.id);
    guard(ctx, room, &report.plan, stored.links.len())?;
    let mut applied = execute::run(
        ctx,
        room,
        report.cycle,
        (setting.window, setting.zone),
        &report.plan,
        &composed.blocks,
        &composed.shifted,
        &events,
        &stored.links,
        &stored.decided,
    )
    .await;
    report.executed = applied.executed;
    report.failed = applied.failed;
    applied
        .history
        .extend(notes(room, report.cycle, &mirrors, &composed));
    let fatal = applied
        .fatal
        .take()
        .map(|(side, e)| Failure::remote(side, &e));
    let rows =
        commit(ctx, room, &setting, &mirrors, &applied, fatal.as_ref()).map_err(Failure::local)?;
    // The stored delta link is the newest now.
    ctx.forget_cursor(&room.id);
    for row in rows {
        ctx.emit(EngineEvent::History(row));
    }
    match fatal {
        Some(f) => Err(f),
        None => {
            if report.plan.is_empty() {
                let basis = basis(room, &setting, stored.policy, stored.privacy);
                ctx.settled(&room.id, basis, report.plan.held);
            }
            Ok(())
        }
    }
}

fn basis(room: &Room, setting: &Setting, policy: Policy, privacy: Privacy) -> Basis {
    Basis {
        room: room.clone(),
        policy,
        privacy,
        window_key: setting.window_key.clone(),
    }
}

/// What the check before a dry run found.
enum DryCheck {
    /// Nothing to do, and `held` links held in conflict, as the room's last plan found.
    Settled { held: usize },
    /// A whole dry run, with what the check read.
    Whole(Read),
}

/// The check before a dry run. When the room's last plan found nothing to do, nothing it was
/// made from has changed, no work is waiting and the change feeds bring nothing, a plan now
/// finds nothing to do either: the dry run says so without reading the mirrors or planning.
async fn dry_check(ctx: &EngineContext, room: &Room) -> Result<DryCheck, Failure> {
    let Some((last, held)) = ctx.settled_on(&room.id) else {
        return Ok(DryCheck::Whole(Read::default()));
    };
    let setting = setting(ctx, room)?;
    let (policy, privacy) = ctx
        .store
        .read_by_key(|c| Ok((settings::policy_of(c, &room.id)?, settings::privacy(c)?)))
        .map_err(Failure::local)?;
    if basis(room, &setting, policy, privacy) != last {
        return Ok(DryCheck::Whole(Read::default()));
    }
    Ok(match timed_check(ctx, room, true).await? {
        None => DryCheck::Settled { held },
        Some(read) => DryCheck::Whole(read),
    })
}

/// Where a cycle runs: the room's zone (parsed once, here) and the sync window.
struct Setting {
    zone: chrono_tz::Tz,
    window: SyncWindow,
    /// `{days back}/{days ahead}`: the window a delta cursor was made for.
    window_key: String,
    /// What the booking system lets RoomBridge write.
    capabilities: roombridge_core::capability::Capabilities,
}

/// The room's zone and the window a person chose (from the next cycle on) or the default.
fn setting(ctx: &EngineContext, room: &Room) -> Result<Setting, Failure> {
    let zone: chrono_tz::Tz = room.time_zone.parse().map_err(|_| Failure {
        message: format!(
            "The room's time zone {:?} is not a known IANA zone; fix it in the room's mapping.",
            room.time_zone
        ),
        side: None,
        auth: false,
        kind: HistoryKind::CycleFailed,
    })?;
    let (days_back, days_ahead) = ctx
        .store
        .read_by_key(settings::window)
        .map_err(Failure::local)?
        .map(|w| (w.days_back, w.days_ahead))
        .unwrap_or((ctx.config.days_back, ctx.config.days_ahead));
    Ok(Setting {
        zone,
        window: SyncWindow::around(Utc::now(), days_back, days_ahead),
        window_key: format!("{days_back}/{days_ahead}"),
        capabilities: ctx.booking.capabilities(),
    })
}

/// The cycle's number: the next one when it executes, the last one for a dry run.
fn number(ctx: &EngineContext, room: &Room, mode: CycleMode) -> Result<i64, Failure> {
    match mode {
        CycleMode::Execute => ctx.store.write(|c| status::next_cycle(c, &room.id)),
        CycleMode::DryRun => ctx
            .store
            .read(|c| status::get(c, &room.id))
            .map(|s| s.cycle),
    }
    .map_err(Failure::local)
}

/// What the store holds for the room as the cycle starts.
struct Stored {
    reservations: Vec<Reservation>,
    events: Vec<CalendarEvent>,
    /// Events RoomBridge created that no change feed has shown yet.
    unconfirmed: Vec<GraphEventId>,
    links: Vec<Link>,
    booking_cursor: Option<String>,
    calendar_cursor: Option<String>,
    policy: Policy,
    decided: Vec<(StoredConflict, Decided)>,
    /// Carried-out decisions people undo, to write back this cycle.
    restores: Vec<Restore>,
    privacy: Privacy,
    /// The organisation's language, for messages to organisers.
    language: roombridge_core::i18n::Lang,
    /// The window the calendar cursor was made for.
    cursor_window: Option<String>,
}

/// Gather: the room's mirrors, links, cursors, policy, decisions and privacy mode.
fn gather(ctx: &EngineContext, room: &Room) -> Result<Stored, Failure> {
    ctx.store
        .read(|c| {
            Ok(Stored {
                reservations: mirror::reservations(c, &room.id)?,
                events: mirror::events(c, &room.id)?,
                unconfirmed: mirror::unconfirmed_events(c, &room.id)?,
                links: links::list(c, &room.id)?,
                booking_cursor: cursors::get(c, &room.id, Side::Booking)?,
                calendar_cursor: cursors::get(c, &room.id, Side::Calendar)?,
                policy: settings::policy_of(c, &room.id)?,
                decided: conflicts::decided(c, &room.id)?,
                restores: conflicts::restores(c, &room.id)?,
                privacy: settings::privacy(c)?,
                language: settings::organiser_language(c)?.unwrap_or_default(),
                cursor_window: settings::cursor_window(c, &room.id)?,
            })
        })
        .map_err(Failure::local)
}

/// What reading the booking system's changes needs of the store: the cursor of a feed; the
/// mirror and the links for a snapshot source.
struct BookingState<'a> {
    cursor: Option<&'a str>,
    reservations: &'a [Reservation],
    links: &'a [Link],
}

impl<'a> BookingState<'a> {
    fn of(stored: &'a Stored) -> Self {
        BookingState {
            cursor: stored.booking_cursor.as_deref(),
            reservations: &stored.reservations,
            links: &stored.links,
        }
    }
}

/// The check of a [`Reach::Timed`] cycle: `None` when it is quiet, else what it read for the
/// whole cycle. Reads only what the change feeds need (cursors; for a snapshot source the
/// reservations and links), never the Outlook mirror.
async fn timed_check(
    ctx: &EngineContext,
    room: &Room,
    outlook_due: bool,
) -> Result<Option<Read>, Failure> {
    let setting = setting(ctx, room)?;
    let (cursor, reservations, links) = match ctx.booking.source() {
        Source::Feed => ctx
            .store
            .read_by_key(|c| Ok((cursors::get(c, &room.id, Side::Booking)?, vec![], vec![]))),
        Source::Snapshot => ctx.store.read(|c| {
            Ok((
                cursors::get(c, &room.id, Side::Booking)?,
                mirror::reservations(c, &room.id)?,
                links::list(c, &room.id)?,
            ))
        }),
    }
    .map_err(Failure::local)?;
    let state = BookingState {
        cursor: cursor.as_deref(),
        reservations: &reservations,
        links: &links,
    };
    let booking = booking_changes(ctx, room, &setting, &state)
        .await
        .map_err(|e| Failure::remote(Side::Booking, &e))?;
    let brought = !booking.reservations.is_empty() || !booking.rejected.is_empty();
    if !outlook_due {
        return Ok(brought.then_some(Read {
            booking: Some(booking),
            calendar: None,
        }));
    }
    let whole = |booking, calendar| {
        Some(Read {
            booking: Some(booking),
            calendar,
        })
    };
    if brought || waiting(ctx, room)? {
        return Ok(whole(booking, None));
    }
    let (stored_cursor, cursor_window) = ctx
        .store
        .read_by_key(|c| {
            Ok((
                cursors::get(c, &room.id, Side::Calendar)?,
                settings::cursor_window(c, &room.id)?,
            ))
        })
        .map_err(Failure::local)?;
    let Some(cursor) = ctx.kept_cursor(&room.id).or(stored_cursor) else {
        return Ok(whole(booking, None));
    };
    if !made_for_window(ctx, cursor_window.as_deref(), &setting) {
        return Ok(whole(booking, None));
    }
    let calendar = match ctx
        .calendar
        .changes(&room.mailbox, setting.window, Some(&cursor))
        .await
    {
        Ok(changes) => changes,
        // An expired cursor, or Outlook unreachable: the whole cycle deals with it.
        Err(_) => return Ok(whole(booking, None)),
    };
    let nothing =
        calendar.upserted.is_empty() && calendar.removed.is_empty() && calendar.rejected.is_empty();
    if nothing {
        ctx.keep_cursor(&room.id, calendar.cursor);
        return Ok(None);
    }
    Ok(whole(booking, Some(calendar)))
}

/// Whether the room has work that no change feed signals, so a timed cycle plans although the
/// feeds brought nothing: writes to try again, events RoomBridge created that no delta round
/// has shown yet, decisions and approvals to carry out, the series check, and at least one plan
/// an hour (the window moves with the clock; settings a person changed apply).
fn waiting(ctx: &EngineContext, room: &Room) -> Result<bool, Failure> {
    if ctx.plan_due(&room.id) || series_check_due(ctx, &room.id, CycleMode::DryRun) {
        return Ok(true);
    }
    // Indexed lookups of one room's few waiting rows.
    ctx.store
        .read_by_key(|c| {
            Ok(links::unsettled(c, &room.id)?
                || !mirror::unconfirmed_events(c, &room.id)?.is_empty()
                || !conflicts::decided(c, &room.id)?.is_empty()
                || !conflicts::restores(c, &room.id)?.is_empty()
                || status::get(c, &room.id)?.held_deletions > 0)
        })
        .map_err(Failure::local)
}

/// Whether a delta cursor made for the window `cursor_window` (`{days back}/{days ahead}`) is
/// one for the window the cycle runs in. Cursors from before windows were recorded were made
/// for the engine's default.
fn made_for_window(ctx: &EngineContext, cursor_window: Option<&str>, setting: &Setting) -> bool {
    let default_key = format!("{}/{}", ctx.config.days_back, ctx.config.days_ahead);
    cursor_window.unwrap_or(&default_key) == setting.window_key
}

/// What both change feeds said.
struct Fetched {
    booking: BookingChanges,
    calendar: CalendarChanges,
    /// The calendar was read in full (an expired cursor, or a new window).
    resynced: bool,
}

/// Fetch: both sides' changes since their cursors.
async fn fetch(
    ctx: &EngineContext,
    room: &Room,
    setting: &Setting,
    stored: &Stored,
    read: Read,
) -> Result<Fetched, Failure> {
    // A delta cursor covers the window it was made for. Once the window changed, the room's
    // calendar is read in full for the new one (as after an expired cursor: links keep that
    // from creating anything twice).
    let window_changed = stored.calendar_cursor.is_some()
        && !made_for_window(ctx, stored.cursor_window.as_deref(), setting);
    let calendar_cursor = stored
        .calendar_cursor
        .as_deref()
        .filter(|_| !window_changed);

    let booking = match read.booking {
        Some(read) => read,
        None => booking_changes(ctx, room, setting, &BookingState::of(stored))
            .await
            .map_err(|e| Failure::remote(Side::Booking, &e))?,
    };
    let read_now = match read.calendar {
        Some(changes) if !window_changed => Ok(changes),
        _ => {
            ctx.calendar
                .changes(&room.mailbox, setting.window, calendar_cursor)
                .await
        }
    };
    let (calendar, resynced) = match read_now {
        Ok(changes) => (changes, window_changed),
        Err(e) if e.kind == ErrorKind::Resync => {
            tracing::warn!(room = %room.id, "delta cursor expired, reading the calendar in full");
            let full = ctx
                .calendar
                .changes(&room.mailbox, setting.window, None)
                .await
                .map_err(|e| Failure::remote(Side::Calendar, &e))?;
            (full, true)
        }
        Err(e) => return Err(Failure::remote(Side::Calendar, &e)),
    };
    Ok(Fetched {
        booking,
        calendar,
        resynced,
    })
}

/// What changed in the booking system: its change feed after the cursor, or, for a snapshot
/// source, the resource's reservations in the window compared with the mirror
/// (`core::snapshot`).
async fn booking_changes(
    ctx: &EngineContext,
    room: &Room,
    setting: &Setting,
    stored: &BookingState<'_>,
) -> Result<BookingChanges, ConnectorError> {
    match ctx.booking.source() {
        Source::Feed => ctx.booking.changes(&room.resource, stored.cursor).await,
        Source::Snapshot => {
            let mut read = ctx.booking.snapshot(&room.resource, setting.window).await?;
            // A snapshot shows no tags: a reservation seen before keeps the one it had, and a
            // new event is asked for its own once, but only while a create RoomBridge journaled
            // has not found its reservation (its answer was lost): nothing else can carry a
            // tag RoomBridge does not know, so the first read of a room asks for nothing.
            let seen: HashMap<&ReservationId, &Reservation> =
                stored.reservations.iter().map(|r| (&r.id, r)).collect();
            let awaiting = stored
                .links
                .iter()
                .any(|l| l.block.is_none() && l.origin == Side::Calendar);
            for r in &mut read.reservations {
                r.tag = match seen.get(&r.id) {
                    Some(before) => before.tag.clone(),
                    None if awaiting && r.level == Level::Event => {
                        ctx.booking.tag_of(&r.id).await?
                    }
                    None => None,
                };
            }
            Ok(BookingChanges {
                reservations: snapshot::changes(
                    stored.reservations,
                    read.reservations,
                    &setting.window,
                    setting.zone,
                    Utc::now(),
                ),
                rejected: read.rejected,
                cursor: String::new(),
            })
        }
    }
}

/// Both sides as the cycle sees them: the mirrors with the changes applied, in memory until
/// the commit.
struct Mirrors {
    reservations: BTreeMap<ReservationId, Reservation>,
    events: BTreeMap<GraphEventId, CalendarEvent>,
    /// The events the calendar's changes brought, as they go into the mirror.
    fresh: Vec<CalendarEvent>,
    /// The changes themselves, for the commit (cursors, removals) and the history (rejected
    /// items, new arrivals).
    fetched: Fetched,
}

impl Mirrors {
    fn event_list(&self) -> Vec<CalendarEvent> {
        self.events.values().cloned().collect()
    }
}

/// Mirror: applies the changes to the stored mirrors. Delta says nothing of some removals
/// (occurrences deleted on their own, events created and deleted between two rounds), so
/// those are found here too; and what delta does not return (tags, a title a room mailbox
/// rewrote, a body it deleted) is kept from before.
async fn mirror(
    ctx: &EngineContext,
    room: &Room,
    mode: CycleMode,
    setting: &Setting,
    stored: &Stored,
    mut fetched: Fetched,
) -> Result<Mirrors, Failure> {
    let zone = setting.zone;
    let mut reservations: BTreeMap<ReservationId, Reservation> = stored
        .reservations
        .iter()
        .map(|r| (r.id.clone(), r.clone()))
        .collect();
    for r in &fetched.booking.reservations {
        reservations.insert(r.id.clone(), r.clone());
    }
    let previous_events: BTreeMap<GraphEventId, CalendarEvent> = stored
        .events
        .iter()
        .map(|e| (e.id.clone(), e.clone()))
        .collect();
    if !fetched.resynced {
        let every_series = series_check_due(ctx, &room.id, mode);
        let vanished = vanished_occurrences(
            ctx,
            room,
            (setting.window, zone),
            &previous_events,
            &fetched.calendar,
            every_series,
        )
        .await
        .map_err(|e| Failure::remote(Side::Calendar, &e))?;
        fetched.calendar.removed.extend(vanished);
        let unseen = gone_before_read_back(ctx, room, &stored.unconfirmed, &fetched.calendar)
            .await
            .map_err(|e| Failure::remote(Side::Calendar, &e))?;
        fetched.calendar.removed.extend(unseen);
    }
    let mut events = if fetched.resynced {
        BTreeMap::new()
    } else {
        previous_events.clone()
    };
    for id in &fetched.calendar.removed {
        events.remove(id);
    }
    let linked: HashSet<&GraphEventId> = stored
        .links
        .iter()
        .filter_map(|l| l.event.as_ref())
        .collect();
    let mut fresh = Vec::new();
    for e in &fetched.calendar.upserted {
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
    Ok(Mirrors {
        reservations,
        events,
        fresh,
        fetched,
    })
}

/// Plan: composes the reservations into blocks and plans the cycle (into `report`); returns
/// the composition, which the executor and the history need too.
fn plan_cycle(
    room: &Room,
    setting: &Setting,
    stored: &Stored,
    (mirrors, event_list): (&Mirrors, &[CalendarEvent]),
    report: &mut CycleReport,
) -> Composed {
    let reservation_list: Vec<_> = mirrors.reservations.values().cloned().collect();
    let composed = compose(&reservation_list, setting.zone, setting.window);
    let decisions: Vec<_> = stored.decided.iter().map(|(_, d)| d.clone()).collect();
    let mut withdrawn: Vec<LinkId> = mirrors
        .reservations
        .values()
        .filter(|r| !r.is_active())
        .filter_map(|r| r.tag.clone())
        .collect();
    withdrawn.sort();
    withdrawn.dedup();
    report.plan = plan(&PlanInput {
        room: &room.id,
        zone: setting.zone,
        window: setting.window,
        blocks: &composed.blocks,
        footprint: &composed.footprint,
        events: event_list,
        links: &stored.links,
        policy: stored.policy,
        decisions: &decisions,
        series: &composed.series,
        privacy: stored.privacy,
        withdrawn: &withdrawn,
        restores: &stored.restores,
        capabilities: setting.capabilities,
        language: stored.language,
    });
    let fetched = &mirrors.fetched;
    report.rejected = fetched.booking.rejected.len()
        + fetched.calendar.rejected.len()
        + composed.unreadable.len();
    report.resynced = fetched.resynced;
    composed
}

/// Guard: the mass-deletion breaker. A plan that deletes too much of the room writes nothing
/// and moves no cursor until a person approves.
fn guard(ctx: &EngineContext, room: &Room, plan: &Plan, linked: usize) -> Result<(), Failure> {
    let Some(tripped) = ctx.config.breaker.check(plan, linked) else {
        return Ok(());
    };
    let approved = ctx
        .store
        .write(|c| status::take_deletion_approval(c, &room.id))
        .map_err(Failure::local)?;
    if approved {
        return Ok(());
    }
    ctx.store
        .write(|c| status::hold_deletions(c, &room.id, tripped.deletions as i64))
        .map_err(Failure::local)?;
    // Nothing is written and no cursor moves: the next cycle sees the same changes and holds
    // again, until a person approves.
    Err(Failure {
        message: format!(
            "Held back: this sync would delete {} of the room's {} synced reservations. \
             Nothing was changed. If that is right, approve the deletions; otherwise check the \
             booking system and Outlook.",
            tripped.deletions, tripped.linked
        ),
        side: None,
        auth: false,
        kind: HistoryKind::DeletionsHeld,
    })
}

/// The history's word on what arrived this cycle and was not an action: items either side
/// could not read (reported when they arrive, not on every cycle), and reservations naming a
/// parent the booking system does not have (issue 12, bug 8).
fn notes(room: &Room, cycle: i64, mirrors: &Mirrors, composed: &Composed) -> Vec<NewEntry> {
    let fetched = &mirrors.fetched;
    let arrived = &fetched.booking.reservations;
    let mut out = Vec::new();
    for r in arrived.iter().filter(|r| r.is_active()) {
        let Some(parent) = &r.parent else { continue };
        if mirrors.reservations.contains_key(parent) {
            continue;
        }
        out.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: HistoryKind::Orphaned,
            side: Some(Side::Booking),
            outcome: Outcome::Ok,
            title: r.content.title.clone(),
            detail: format!(
                "Reservation {} names {parent} as the {} it lies inside, but the booking system has no reservation {parent} for this resource. RoomBridge syncs it on its own. If it was meant to replace one date of a series, or to lie inside an allocation, correct its parent in the booking system.",
                r.id,
                match r.level {
                    Level::Booking => "allocation",
                    _ => "reservation",
                }
            ),
            words: None,
        });
    }
    let unreadable: Vec<Rejected> = composed
        .unreadable
        .iter()
        .filter(|u| arrived.iter().any(|r| r.id == u.reservation))
        .map(|u| Rejected {
            id: Some(u.reservation.to_string()),
            message: format!("\"{}\": {}", u.title, u.message),
        })
        .collect();
    for (side, rejected) in fetched
        .booking
        .rejected
        .iter()
        .chain(&unreadable)
        .map(|r| (Side::Booking, r))
        .chain(
            fetched
                .calendar
                .rejected
                .iter()
                .map(|r| (Side::Calendar, r)),
        )
    {
        out.push(NewEntry {
            room: room.id.clone(),
            cycle,
            kind: HistoryKind::Rejected,
            side: Some(side),
            outcome: Outcome::Failed,
            title: rejected.id.clone().unwrap_or_else(|| "(no id)".into()),
            detail: rejected.message.clone(),
            words: None,
        });
    }
    out
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
    calendar: &CalendarChanges,
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
    calendar: &CalendarChanges,
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

/// Commit: everything the cycle learned and did, in one transaction.
fn commit(
    ctx: &EngineContext,
    room: &Room,
    setting: &Setting,
    mirrors: &Mirrors,
    applied: &Applied,
    fatal: Option<&Failure>,
) -> roombridge_store::Result<Vec<history::Entry>> {
    let now = Utc::now();
    let Fetched {
        booking,
        calendar,
        resynced,
    } = &mirrors.fetched;
    let (fresh, window_key) = (&mirrors.fresh, &setting.window_key);
    ctx.store.write(|c| {
        for r in booking.reservations.iter().chain(&applied.reservations) {
            mirror::put_reservation(c, &room.id, r)?;
        }
        if *resynced {
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
        for link in &applied.conflicts_held {
            conflicts::restored(c, &room.id, link)?;
        }
        let rows = history::append_all(c, &applied.history, now)?;
        let ended = match fatal {
            Some(f) => status::Ended::Failed {
                message: &f.message,
                side: f.side,
            },
            None => status::Ended::Ok,
        };
        status::finish(c, &room.id, ended, now)?;
        Ok(rows)
    })
}

/// Runs a cycle and turns it into the room's finished event.
pub(crate) async fn run_and_report(
    ctx: &EngineContext,
    room: &Room,
    mode: CycleMode,
    reach: Reach,
) -> Arc<CycleReport> {
    let read = match reach {
        Reach::Both if mode == CycleMode::DryRun => match dry_check(ctx, room).await {
            Ok(DryCheck::Settled { held }) => {
                let mut settled = CycleReport::empty(&room.id, &room.name, mode);
                settled.quiet = true;
                settled.plan.held = held;
                if let Ok(status) = ctx.store.read_by_key(|c| status::get(c, &room.id)) {
                    settled.cycle = status.cycle;
                }
                return Arc::new(settled);
            }
            Ok(DryCheck::Whole(read)) => read,
            // The whole dry run meets the same failure and reports it.
            Err(_) => Read::default(),
        },
        Reach::Both => Read::default(),
        Reach::Timed { outlook_due } => match timed_check(ctx, room, outlook_due).await {
            // Nothing new: the cycle ends here, unseen by listeners.
            Ok(None) => {
                let mut quiet = CycleReport::empty(&room.id, &room.name, mode);
                quiet.quiet = true;
                return Arc::new(quiet);
            }
            Ok(Some(read)) => read,
            // The whole cycle meets the same failure and records it.
            Err(_) => Read::default(),
        },
    };
    // Waiting for a turn does not count against the cycle's time. The semaphore is never
    // closed, so a permit always comes.
    let _turn = ctx.cycles.acquire().await.ok();
    let report = Arc::new(
        match tokio::time::timeout(ctx.config.cycle_timeout, run_with(ctx, room, mode, read)).await
        {
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
            quiet: false,
            brought: 0,
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
