//! The compositor: the booking system's three levels become the flat blocks Outlook shows.
//!
//! Priority painting per room: events are painted first, then bookings, then allocations; a
//! lower item only shows where nothing higher covers it, so its uncovered parts remain as
//! fragments (the room is still busy there). A block's key comes from the item that paints it
//! (`r:{id}` for its first fragment, `r:{id}#n` after), so moving a higher item over a lower
//! one updates the surviving fragments instead of replacing them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::content::{Content, When};
use crate::ids::{BlockKey, LinkId, ReservationId};
use crate::recurrence::{self, Series, Timing};
use crate::reservation::{Level, Reservation};
use crate::window::SyncWindow;

/// One block as Outlook shows it, with the reservations that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub key: BlockKey,
    pub content: Content,
    /// The reservation whose content this block shows (for an occurrence, the recurring one).
    pub source: ReservationId,
    /// The local date of the occurrence this block shows, when its source repeats.
    pub occurrence: Option<NaiveDate>,
    pub level: Level,
    /// The source reservation's version, sent back when the block's change is written to it.
    pub source_version: i64,
    /// When the booking system last changed the source reservation.
    pub updated_at: DateTime<Utc>,
    /// The source reservation's RoomBridge tag, if RoomBridge created it.
    pub tag: Option<LinkId>,
    /// Higher reservations that cut this block out of its source, if any.
    pub covered_by: Vec<ReservationId>,
}

impl Block {
    /// The key of the whole item (reservation or occurrence) this block is a piece of.
    pub fn item_key(&self) -> BlockKey {
        item_key(&self.source, self.occurrence)
    }
}

/// Where one active reservation (or one occurrence of a recurring one) holds the room, whether
/// or not a block shows it: what a new Outlook meeting is checked against for double bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// The item's primary block key (`r:{id}`, or `r:{id}@{date}` for an occurrence).
    pub key: BlockKey,
    pub source: ReservationId,
    pub occurrence: Option<NaiveDate>,
    pub level: Level,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The item's content (an occurrence's own times).
    pub content: Content,
    /// The source reservation's version.
    pub version: i64,
    /// RoomBridge created the reservation from an Outlook meeting.
    pub from_outlook: bool,
}

/// A reservation the compositor could not read; it fails alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub reservation: ReservationId,
    pub title: String,
    pub message: String,
}

/// Everything the compositor makes of one room's reservations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composed {
    /// The blocks Outlook shows, sorted by key.
    pub blocks: Vec<Block>,
    /// Primary keys of active items that no block shows, because higher ones cover them
    /// entirely. Sorted.
    pub hidden: Vec<BlockKey>,
    /// Every active item inside the window, highest level first.
    pub footprint: Vec<Footprint>,
    pub unreadable: Vec<Unreadable>,
    /// Recurring reservations Outlook can show as one series, by reservation id.
    pub series: Vec<SeriesSource>,
    /// Occurrences whose local start time does not exist on their date (a DST gap), and which
    /// therefore start later than the rule says.
    pub shifted: Vec<Shifted>,
}

/// An occurrence moved by a DST gap: its rule's local start time does not exist on its date,
/// so it starts that much later (the rule of [`crate::localtime`]) and keeps its length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shifted {
    /// The occurrence's primary block key.
    pub key: BlockKey,
    pub date: NaiveDate,
    /// The local start time the rule asks for.
    pub requested: chrono::NaiveTime,
    /// The local start time it has on that date.
    pub starts: chrono::NaiveTime,
    pub zone: String,
}

impl Shifted {
    /// What a facility manager reads in the history when the occurrence is written.
    pub fn note(&self) -> String {
        format!(
            "On {} there is no {} in {} (the clocks go forward), so this occurrence starts at \
             {} instead and keeps its length.",
            self.date.format("%A %-d %B %Y"),
            self.requested.format("%H:%M"),
            self.zone,
            self.starts.format("%H:%M"),
        )
    }
}

/// A recurring reservation Outlook can show as one series: `patternedRecurrence` expresses its
/// rule, and that series gives exactly the dates the rule gives inside the window. (Outside
/// the window the two may still differ where Outlook and RFC 5545 read a rule differently; the
/// planner treats such instances like any other occurrence, see `docs/sync-rules.md`.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesSource {
    pub source: ReservationId,
    pub series: Series,
    /// The reservation's content: title, organisation, description, and its first occurrence.
    pub content: Content,
}

/// The primary block key of a reservation, or of one occurrence of a recurring one.
pub fn item_key(source: &ReservationId, occurrence: Option<NaiveDate>) -> BlockKey {
    match occurrence {
        None => BlockKey::for_reservation(source),
        Some(date) => BlockKey::new(format!("r:{source}@{}", date.format("%Y-%m-%d"))),
    }
}

/// One thing to paint: a single reservation, or one occurrence of a recurring one.
struct Item<'a> {
    reservation: &'a Reservation,
    occurrence: Option<NaiveDate>,
    content: Content,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Composes the active reservations of one room into non-overlapping blocks. Recurring
/// reservations are expanded into their occurrences inside `window` (each occurrence becomes
/// its own item, keyed by its local date); `zone` reads all-day dates and repeat rules.
pub fn compose(reservations: &[Reservation], zone: chrono_tz::Tz, window: SyncWindow) -> Composed {
    let mut out = Composed::default();
    let mut items: Vec<Item<'_>> = Vec::new();
    for r in reservations
        .iter()
        .filter(|r| r.is_active() && r.content.when.is_valid())
    {
        let Some(repeat) = &r.recurrence else {
            let (start, end) = r.content.instants(zone);
            items.push(Item {
                reservation: r,
                occurrence: None,
                content: r.content.clone(),
                start,
                end,
            });
            continue;
        };
        let rule_zone = r.content.zone_or(zone);
        match crate::recurrence::expand_rule(
            &repeat.rrule,
            &r.content.when,
            rule_zone,
            window.start,
            window.end,
        ) {
            Ok(occurrences) => {
                if let Some(series) =
                    outlook_series(r, &repeat.rrule, rule_zone, window, &occurrences)
                {
                    out.series.push(SeriesSource {
                        source: r.id.clone(),
                        series,
                        content: r.content.clone(),
                    });
                }
                let requested = match r.content.when {
                    When::Timed { start, .. } => Some(start.with_timezone(&rule_zone).time()),
                    When::AllDay { .. } => None,
                };
                for (date, when) in occurrences {
                    if repeat.exdates.contains(&date) {
                        continue;
                    }
                    if let (Some(requested), When::Timed { start, .. }) = (requested, &when) {
                        let starts = start.with_timezone(&rule_zone).time();
                        if starts != requested {
                            out.shifted.push(Shifted {
                                key: item_key(&r.id, Some(date)),
                                date,
                                requested,
                                starts,
                                zone: rule_zone.name().to_owned(),
                            });
                        }
                    }
                    let mut content = r.content.clone();
                    content.when = when;
                    let (start, end) = content.instants(zone);
                    items.push(Item {
                        reservation: r,
                        occurrence: Some(date),
                        content,
                        start,
                        end,
                    });
                }
            }
            Err(e) => out.unreadable.push(Unreadable {
                reservation: r.id.clone(),
                title: r.content.title.clone(),
                message: format!("{e}. Fix the reservation's repeat rule in the booking system."),
            }),
        }
    }
    // Highest level first; within a level, earlier start first, then key, so the result does
    // not depend on the order the booking system listed them in.
    items.sort_by(|a, b| {
        b.reservation
            .level
            .cmp(&a.reservation.level)
            .then_with(|| a.start.cmp(&b.start))
            .then_with(|| a.reservation.id.cmp(&b.reservation.id))
            .then_with(|| a.occurrence.cmp(&b.occurrence))
    });

    let mut painted: Vec<(DateTime<Utc>, DateTime<Utc>, ReservationId)> = Vec::new();
    for item in items {
        let r = item.reservation;
        let primary = item_key(&r.id, item.occurrence);
        let covering: Vec<_> = painted
            .iter()
            .filter(|(s, e, id)| *s < item.end && *e > item.start && *id != r.id)
            .cloned()
            .collect();
        let fragments = subtract(item.start, item.end, &covering);
        let whole = covering.is_empty();
        if fragments.is_empty() {
            out.hidden.push(primary.clone());
        }
        for (n, (fs, fe)) in fragments.iter().enumerate() {
            let key = if n == 0 {
                primary.clone()
            } else {
                BlockKey::new(format!("{primary}#{n}"))
            };
            let mut content = item.content.clone();
            if !whole {
                content.when = When::Timed {
                    start: *fs,
                    end: *fe,
                };
            }
            out.blocks.push(Block {
                key,
                content,
                source: r.id.clone(),
                occurrence: item.occurrence,
                level: r.level,
                source_version: r.version,
                updated_at: r.updated_at,
                tag: r.tag.clone(),
                covered_by: covering.iter().map(|(_, _, id)| id.clone()).collect(),
            });
        }
        if item.start < window.end && item.end > window.start {
            out.footprint.push(Footprint {
                key: primary,
                source: r.id.clone(),
                occurrence: item.occurrence,
                level: r.level,
                start: item.start,
                end: item.end,
                content: item.content.clone(),
                version: r.version,
                from_outlook: r.tag.is_some(),
            });
        }
        painted.push((item.start, item.end, r.id.clone()));
    }
    out.blocks.sort_by(|a, b| a.key.cmp(&b.key));
    out.hidden.sort();
    out
}

/// The Outlook series that shows reservation `r`, repeating by `rrule` in `zone`, if there is
/// one that gives the same dates in `window` as the rule (`occurrences`, before exdates).
fn outlook_series(
    r: &Reservation,
    rrule: &str,
    zone: chrono_tz::Tz,
    window: SyncWindow,
    occurrences: &[(NaiveDate, When)],
) -> Option<Series> {
    let (start, timing) = match r.content.when {
        When::Timed { start, end } => {
            let local = start.with_timezone(&zone);
            let timing = Timing::Timed {
                start_time: local.time(),
                duration: end - start,
            };
            (local.date_naive(), timing)
        }
        When::AllDay { start, end } => {
            let days = u32::try_from((end - start).num_days()).ok()?;
            (start, Timing::AllDay { days })
        }
    };
    let series = recurrence::from_rrule(rrule, start, timing, zone).ok()?;
    // Graph's own bounds on a series (an interval and a count of at most 999).
    let within_bounds = series.pattern.interval() <= 999
        && !matches!(series.range, recurrence::Range::Numbered { occurrences, .. } if occurrences > 999);
    if !within_bounds {
        return None;
    }
    let dates = recurrence::expand(&series, window.start, window.end)
        .into_iter()
        .map(|o| o.local_date);
    dates
        .eq(occurrences.iter().map(|(date, _)| *date))
        .then_some(series)
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

    const OSLO: chrono_tz::Tz = chrono_tz::Europe::Oslo;

    fn window() -> SyncWindow {
        SyncWindow {
            start: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
        }
    }

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
            recurrence: None,
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
            window(),
        )
        .blocks;
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
            window(),
        )
        .blocks;
        assert_eq!(spans(&blocks), vec![("r:ev".into(), 17, 20)]);
    }

    #[test]
    fn cancelled_reservations_make_no_block() {
        let mut cancelled = res("c", Level::Event, 10, 11);
        cancelled.status = ReservationStatus::Cancelled;
        assert!(compose(&[cancelled], OSLO, window()).blocks.is_empty());
    }

    #[test]
    fn a_recurring_reservation_becomes_one_block_per_occurrence_minus_its_exdates() {
        let mut weekly = res("w", Level::Allocation, 17, 19);
        weekly.recurrence = Some(crate::reservation::Repeat {
            rrule: "FREQ=WEEKLY;COUNT=4".into(),
            exdates: vec![NaiveDate::from_ymd_opt(2026, 12, 15).unwrap()],
        });
        let out = compose(&[weekly], OSLO, window());
        let keys: Vec<String> = out.blocks.iter().map(|b| b.key.to_string()).collect();
        assert_eq!(
            keys,
            vec!["r:w@2026-12-01", "r:w@2026-12-08", "r:w@2026-12-22"]
        );
        assert!(out.blocks.iter().all(|b| b.source.as_str() == "w"));
        assert_eq!(out.footprint.len(), 3);
    }

    #[test]
    fn an_event_over_one_occurrence_hides_only_that_occurrence() {
        let mut weekly = res("w", Level::Allocation, 17, 19);
        weekly.recurrence = Some(crate::reservation::Repeat {
            rrule: "FREQ=WEEKLY;COUNT=2".into(),
            exdates: vec![],
        });
        let over = res("ev", Level::Event, 16, 20);
        let out = compose(&[weekly, over], OSLO, window());
        assert_eq!(out.hidden, vec![BlockKey::new("r:w@2026-12-01")]);
        let keys: Vec<String> = out.blocks.iter().map(|b| b.key.to_string()).collect();
        assert_eq!(keys, vec!["r:ev", "r:w@2026-12-08"]);
    }

    #[test]
    fn a_closure_covers_everything_beneath_it() {
        let ev = res("ev", Level::Event, 10, 12);
        let closed = res("closed", Level::Closure, 8, 20);
        let out = compose(&[ev, closed], OSLO, window());
        assert_eq!(spans(&out.blocks), vec![("r:closed".into(), 8, 20)]);
        assert_eq!(out.hidden, vec![BlockKey::new("r:ev")]);
        assert_eq!(out.footprint.len(), 2);
    }

    /// Issue 12, bug 2: an all-day closure in Los Angeles (or Tokyo) hides lower levels up to
    /// its own midnight, not the Oslo room's.
    #[test]
    fn an_all_day_closure_covers_its_own_days_in_its_own_zone() {
        for zone in ["America/Los_Angeles", "Asia/Tokyo"] {
            let tz: chrono_tz::Tz = zone.parse().unwrap();
            let local = |h: u32| {
                tz.with_ymd_and_hms(2026, 12, 1, h, 0, 0)
                    .unwrap()
                    .with_timezone(&Utc)
            };
            let mut alloc = res("alloc", Level::Allocation, 0, 1);
            alloc.content.when = When::Timed {
                start: local(12),
                end: local(18),
            };
            alloc.content.time_zone = zone.into();
            let mut closed = res("closed", Level::Closure, 0, 1);
            let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
            closed.content.when = When::AllDay {
                start: day,
                end: day.succ_opt().unwrap(),
            };
            closed.content.time_zone = zone.into();
            let out = compose(&[alloc, closed], OSLO, window());
            let keys: Vec<String> = out.blocks.iter().map(|b| b.key.to_string()).collect();
            assert_eq!(
                keys,
                vec!["r:closed"],
                "{zone}: nothing of the allocation shows"
            );
            assert_eq!(out.hidden, vec![BlockKey::new("r:alloc")], "{zone}");
        }
    }

    #[test]
    fn an_unreadable_repeat_rule_fails_alone() {
        let mut broken = res("broken", Level::Allocation, 17, 19);
        broken.recurrence = Some(crate::reservation::Repeat {
            rrule: "FREQ=SOMETIMES".into(),
            exdates: vec![],
        });
        let fine = res("fine", Level::Event, 10, 11);
        let out = compose(&[broken, fine], OSLO, window());
        assert_eq!(spans(&out.blocks), vec![("r:fine".into(), 10, 11)]);
        assert_eq!(out.unreadable.len(), 1);
        assert!(out.unreadable[0].message.contains("repeat rule"));
    }

    #[test]
    fn input_order_does_not_change_the_blocks() {
        let a = res("a", Level::Allocation, 8, 12);
        let b = res("b", Level::Booking, 9, 10);
        let c = res("c", Level::Event, 11, 13);
        let one = compose(&[a.clone(), b.clone(), c.clone()], OSLO, window());
        let two = compose(&[c, a, b], OSLO, window());
        assert_eq!(one, two);
    }
}
