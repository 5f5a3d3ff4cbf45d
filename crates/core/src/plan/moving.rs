//! "Keep both by moving one": a person resolves a double booking by moving the Outlook meeting,
//! or the booking-system reservation in its way, to a free time. Both then keep the room.
//!
//! The move is checked against the room as the planner sees it: the new time must be free of
//! every booking-system item and every Outlook event but the two being untangled. The app runs
//! the same check ([`check_move`]) before it records the decision, so a person hears at once
//! why a time does not work instead of finding the conflict still waiting.

use crate::i18n::Words;
use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Action, CalendarEvent, Decision, Pair, PlanInput, Planner, create_key, pairs};
use crate::Side;
use crate::compose::Footprint;
use crate::content::When;
use crate::ids::{GraphEventId, LinkId};
use crate::policy::Move;
use crate::reservation::Level;

/// Whether `m` can keep both reservations of the double booking held on `link`, as the room
/// stands in `input`; `Err` says why not, in words for the person deciding.
pub fn check_move(input: &PlanInput<'_>, link: &LinkId, m: &Move) -> Result<(), Words> {
    let pair: Pair<'_> = pairs(input)
        .into_iter()
        .find(|p| &p.link.id == link)
        .ok_or_else(|| Words::new("moving.both_gone"))?;
    Planner { input, pair: &pair }.move_one(m).map(|_| ())
}

/// How far from the double booking [`free_times`] looks, and in what steps.
const SEARCH_DAYS: i64 = 7;
const STEP_MINUTES: i64 = 15;
/// The hours of the day (the room's local time) a suggested time lies within.
const DAY_STARTS: u32 = 7;
const DAY_ENDS: u32 = 22;

/// Up to `count` free times for `side` of the double booking held on `link`, each as long as
/// `length`, nearest to `around` first (later before earlier at the same distance): times the
/// same check as a person's move accepts ([`check_move`]), within the sync window, not before
/// `not_before`, between 07:00 and 22:00 in the room, within a week of `around`.
pub fn free_times(
    input: &PlanInput<'_>,
    link: &LinkId,
    side: Side,
    around: DateTime<Utc>,
    length: chrono::Duration,
    not_before: DateTime<Utc>,
    count: usize,
) -> Vec<Move> {
    use chrono::Timelike;
    let Some(pair) = pairs(input).into_iter().find(|p| &p.link.id == link) else {
        return Vec::new();
    };
    let planner = Planner { input, pair: &pair };
    let step = chrono::Duration::minutes(STEP_MINUTES);
    let steps = SEARCH_DAYS * 24 * 60 / STEP_MINUTES;
    let in_day = |start: DateTime<Utc>, end: DateTime<Utc>| {
        let (s, e) = (
            start.with_timezone(&input.zone),
            end.with_timezone(&input.zone),
        );
        s.date_naive() == e.date_naive()
            && s.hour() >= DAY_STARTS
            && (e.hour() < DAY_ENDS || (e.hour() == DAY_ENDS && e.minute() == 0))
    };
    let mut found = Vec::new();
    for k in 1..=steps {
        for start in [around + step * k as i32, around - step * k as i32] {
            let end = start + length;
            let m = Move { side, start, end };
            if start < not_before
                || start < input.window.start
                || end > input.window.end
                || !in_day(start, end)
                || planner.move_one(&m).is_err()
            {
                continue;
            }
            found.push(m);
            if found.len() == count {
                return found;
            }
        }
    }
    found
}

impl Planner<'_, '_> {
    /// The actions that carry out `m` on this pair's double booking: the move itself, then
    /// the meeting written to the booking system now that the room is free for it.
    pub(super) fn move_one(&self, m: &Move) -> Result<Vec<Action>, Words> {
        let e = self
            .pair
            .event
            .ok_or_else(|| Words::new("moving.meeting_gone"))?;
        if m.end <= m.start {
            return Err(Words::new("moving.end_before_start"));
        }
        let to = When::Timed {
            start: m.start,
            end: m.end,
        };
        let own = self.own_source();
        match m.side {
            Side::Calendar => {
                if !e.is_organizer {
                    return Err(Words::new("moving.not_organiser"));
                }
                self.free_during(
                    m,
                    |f| Some(&f.source) != own.as_ref(),
                    |other| other.id != e.id,
                )?;
                let mut moved = e.clone();
                moved.content.when = to;
                let mut out = vec![Action::MoveEvent {
                    link: self.pair.link.id.clone(),
                    event: e.id.clone(),
                    version: e.version.clone(),
                    content: moved.content.clone(),
                }];
                out.extend(self.meeting_into_booking(&moved, true)?);
                Ok(out)
            }
            Side::Booking => {
                let item = match self.overlaps(e)[..] {
                    [one] => one,
                    [] => return Err(Words::new("moving.nothing_in_the_way")),
                    ref several => {
                        return Err(
                            Words::new("moving.several_in_the_way").arg("count", several.len())
                        );
                    }
                };
                if !self.writes(item.level) {
                    return Err(Words::new("moving.read_only")
                        .arg("title", &item.content.title)
                        .with("level", Words::new(level_key(item.level))));
                }
                if item.level == Level::Closure {
                    return Err(Words::new("moving.closed").arg("title", &item.content.title));
                }
                let its_events = self.events_of(item);
                self.free_during(
                    m,
                    |f| f.key != item.key && Some(&f.source) != own.as_ref(),
                    |other| !its_events.contains(&other.id),
                )?;
                let mut content = item.content.clone();
                content.when = to;
                let link = LinkId::for_block(&item.key);
                let mut out = vec![Action::MoveReservation {
                    idempotency_key: create_key(&link, &content),
                    link,
                    reservation: item.source.clone(),
                    version: item.version,
                    occurrence: item.occurrence,
                    note: format!(
                        "Moved by the facility manager's decision to {}, so that the Outlook \
                         meeting \"{}\" keeps the room as well.",
                        local_span(m.start, m.end, self.input.zone),
                        e.content.title
                    ),
                    content,
                }];
                out.extend(self.meeting_into_booking(e, false)?);
                Ok(out)
            }
        }
    }

    /// Writes the meeting `e` (moved or not), now clear of the double booking, to the booking
    /// system: to this pair's reservation, to its hidden copy, or as a new reservation.
    pub(super) fn meeting_into_booking(
        &self,
        e: &CalendarEvent,
        moved: bool,
    ) -> Result<Vec<Action>, Words> {
        let decision = match (self.pair.block, self.own_item()) {
            (Some(b), _) => self.update_reservation(b, e),
            (None, Some(copy)) if moved => return Ok(vec![self.write_to_item(copy, e)]),
            (None, Some(_)) => return Ok(vec![self.settle()]),
            (None, None) => self.create_reservation(e),
        };
        match decision {
            Decision::Act(actions) => Ok(actions),
            Decision::Nothing => Ok(vec![self.settle()]),
            Decision::Conflict(_) => Err(Words::new("moving.piece_of_longer")),
        }
    }

    /// Refuses `m` when a booking-system item or an Outlook event that `counts` holds the room
    /// at any moment of its new time.
    fn free_during(
        &self,
        m: &Move,
        counts: impl Fn(&Footprint) -> bool,
        counts_event: impl Fn(&CalendarEvent) -> bool,
    ) -> Result<(), Words> {
        let zone = self.input.zone;
        let during = |start: DateTime<Utc>, end: DateTime<Utc>| start < m.end && end > m.start;
        if let Some(f) = self
            .input
            .footprint
            .iter()
            .filter(|f| counts(f))
            .find(|f| during(f.start, f.end))
        {
            return Err(Words::new("moving.taken_in_booking")
                .arg("title", &f.content.title)
                .with("when", span_words(f.start, f.end, zone)));
        }
        if let Some((o, (start, end))) = self
            .input
            .events
            .iter()
            .filter(|o| counts_event(o))
            .map(|o| (o, o.content.instants(zone)))
            .find(|(_, (start, end))| during(*start, *end))
        {
            return Err(Words::new("moving.taken_in_outlook")
                .arg("title", &o.content.title)
                .with("when", span_words(start, end, zone)));
        }
        Ok(())
    }

    /// The Outlook events linked to the blocks of booking-system item `f`: they move with it.
    fn events_of(&self, f: &Footprint) -> HashSet<&GraphEventId> {
        let blocks: HashSet<_> = self
            .input
            .blocks
            .iter()
            .filter(|b| b.item_key() == f.key)
            .map(|b| &b.key)
            .collect();
        self.input
            .links
            .iter()
            .filter(|l| l.block.as_ref().is_some_and(|k| blocks.contains(k)))
            .filter_map(|l| l.event.as_ref())
            .collect()
    }
}

/// `start`–`end` in the room's zone, as a person reads it in their language ("Tue 1 Dec
/// 10:00–11:30", "tir. 1. des. 10:00–11:30").
fn span_words(start: DateTime<Utc>, end: DateTime<Utc>, zone: chrono_tz::Tz) -> Words {
    let (start, end) = (start.with_timezone(&zone), end.with_timezone(&zone));
    let clock = |t: DateTime<chrono_tz::Tz>| t.format("%H:%M").to_string();
    if start.date_naive() == end.date_naive() {
        Words::new("moving.span_one_day")
            .date("day", start.date_naive())
            .arg("start", clock(start))
            .arg("end", clock(end))
    } else {
        Words::new("moving.span_days")
            .date("start_day", start.date_naive())
            .arg("start", clock(start))
            .date("end_day", end.date_naive())
            .arg("end", clock(end))
    }
}

/// The catalog key of a booking-system level's name.
fn level_key(level: Level) -> &'static str {
    match level {
        Level::Allocation => "moving.level_allocation",
        Level::Booking => "moving.level_booking",
        Level::Event => "moving.level_event",
        Level::Closure => "moving.level_closure",
    }
}

/// `start`–`end` in the room's zone, as a person reads it: "Tue 01 Dec 10:00–11:30".
fn local_span(start: DateTime<Utc>, end: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    let (start, end) = (start.with_timezone(&zone), end.with_timezone(&zone));
    if start.date_naive() == end.date_naive() {
        format!("{}–{}", start.format("%a %d %b %H:%M"), end.format("%H:%M"))
    } else {
        format!(
            "{} – {}",
            start.format("%a %d %b %H:%M"),
            end.format("%a %d %b %H:%M")
        )
    }
}
