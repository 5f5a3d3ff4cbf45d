//! Local wall-clock time in a room's zone, with explicit rules for DST gaps and folds.
//!
//! Both sides speak in local times (the booking system in the room's zone, Graph in the event's
//! zone) while RoomBridge stores UTC instants. Twice a year a local time is not one instant:
//!
//! - **Gap** (spring forward): the local time does not exist. It is read with the offset in force
//!   *before* the gap, which moves it forward by the length of the gap (RFC 5545 §3.3.5). In
//!   Europe/Oslo on 2026-03-29 the clocks jump from 02:00 to 03:00, so 02:30 becomes 03:30 CEST
//!   (01:30 UTC). The result carries [`Adjustment::Gap`] so the engine can say so in the history:
//!   a reservation is neither lost nor silently moved.
//! - **Fold** (fall back): the local time happens twice. The *earlier* instant, the first
//!   occurrence, is taken (RFC 5545), and the result carries [`Adjustment::Fold`]. In
//!   Europe/Oslo on 2026-10-25, 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET);
//!   it resolves to 00:30 UTC.
//! - **Reservations** resolve each end on its own, except that a reservation that was not empty
//!   never becomes empty: when the start falls in a gap and its end would no longer be after it,
//!   the whole reservation moves forward by the gap and keeps its booked length. In Oslo,
//!   02:30–03:30 on 2026-03-29 becomes 03:30–04:30 CEST, both ends reported as moved by one hour
//!   (see [`reservation_instants`]).
//! - **All-day** reservations are dates, midnight to midnight in the zone, end exclusive. Where
//!   midnight itself falls in a gap (America/Havana, historically Asia/Gaza), the day starts at the
//!   first instant after the gap; where it happens twice, at the first one. Reading the instants
//!   back in the same zone gives the same dates ([`all_day_dates`]).
//!
//! ```
//! use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
//! use roombridge_core::localtime::{Adjustment, FoldChoice, reservation_instants, resolve};
//!
//! let oslo = chrono_tz::Europe::Oslo;
//! let at = |d: u32, h: u32, m: u32| {
//!     NaiveDate::from_ymd_opt(2026, if d == 29 { 3 } else { 10 }, d)
//!         .unwrap()
//!         .and_hms_opt(h, m, 0)
//!         .unwrap()
//! };
//!
//! // Spring forward: 02:30 does not exist and is moved to 03:30 CEST.
//! let gap = resolve(at(29, 2, 30), oslo);
//! assert_eq!(gap.instant, Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
//! assert_eq!(
//!     gap.adjustment,
//!     Some(Adjustment::Gap { requested: at(29, 2, 30), shifted_by: TimeDelta::hours(1) })
//! );
//!
//! // Fall back: 02:30 happens twice; the first occurrence (CEST) is taken.
//! let fold = resolve(at(25, 2, 30), oslo);
//! assert_eq!(fold.instant, Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
//! assert_eq!(
//!     fold.adjustment,
//!     Some(Adjustment::Fold { requested: at(25, 2, 30), chose: FoldChoice::Earlier })
//! );
//!
//! // A reservation 02:30-03:30 on the gap day keeps its hour: 03:30-04:30 CEST.
//! let (start, end) = reservation_instants(at(29, 2, 30), at(29, 3, 30), oslo);
//! assert_eq!(start.instant, Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
//! assert_eq!(end.instant, Utc.with_ymd_and_hms(2026, 3, 29, 2, 30, 0).unwrap());
//! ```

use chrono::{DateTime, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta};
use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

/// A local time read as one instant, and what had to be decided to get there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resolved {
    pub instant: DateTime<Utc>,
    /// `None` when the local time named exactly one instant.
    pub adjustment: Option<Adjustment>,
}

/// Why a resolved instant is not simply "the" instant of the requested local time. The engine
/// records it in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Adjustment {
    /// `requested` does not exist (spring forward); the wall clock shows `requested + shifted_by`
    /// at the resolved instant.
    Gap {
        requested: NaiveDateTime,
        shifted_by: TimeDelta,
    },
    /// `requested` happens twice (fall back); `chose` says which occurrence was taken.
    Fold {
        requested: NaiveDateTime,
        chose: FoldChoice,
    },
}

/// Which occurrence of an ambiguous local time was taken. RoomBridge always takes the earlier
/// one (RFC 5545); the choice is still recorded so the history says which rule applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FoldChoice {
    /// The first occurrence, with the offset in force before the clocks went back.
    Earlier,
}

/// Reads `local` in `zone`: a gap moves forward by its length, a fold takes the earlier instant.
/// Never fails.
pub fn resolve(local: NaiveDateTime, zone: Tz) -> Resolved {
    match zone.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Resolved {
            instant: t.with_timezone(&Utc),
            adjustment: None,
        },
        MappedLocalTime::Ambiguous(earlier, _later) => Resolved {
            instant: earlier.with_timezone(&Utc),
            adjustment: Some(Adjustment::Fold {
                requested: local,
                chose: FoldChoice::Earlier,
            }),
        },
        MappedLocalTime::None => {
            let (before, after) = offsets_around_gap(local, zone);
            Resolved {
                instant: (local - before).and_utc(),
                adjustment: Some(Adjustment::Gap {
                    requested: local,
                    shifted_by: after - before,
                }),
            }
        }
    }
}

/// The wall-clock time in `zone` at `instant`.
pub fn local(instant: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

/// Reads a timed reservation's local start and end in `zone`.
///
/// Each end is resolved with [`resolve`], with one exception so that a reservation is never
/// lost: when `end_local > start_local` but the resolved end is not after the resolved start
/// (only possible when the start falls in a gap), the end is placed the booked length
/// (`end_local - start_local`) after the start and reported as [`Adjustment::Gap`] with how far
/// its wall-clock time moved. In Europe/Oslo on 2026-03-29, 02:30–03:30 becomes 03:30–04:30
/// CEST and 02:30–03:15 becomes 03:30–04:15 CEST: the whole reservation moves by the gap.
///
/// A request whose end is not after its start is resolved as given; rejecting it is the
/// caller's job (see [`crate::When::is_valid`]).
pub fn reservation_instants(
    start_local: NaiveDateTime,
    end_local: NaiveDateTime,
    zone: Tz,
) -> (Resolved, Resolved) {
    let start = resolve(start_local, zone);
    let mut end = resolve(end_local, zone);
    if end_local > start_local && end.instant <= start.instant {
        let instant = start.instant + (end_local - start_local);
        end = Resolved {
            instant,
            adjustment: Some(Adjustment::Gap {
                requested: end_local,
                shifted_by: local(instant, zone) - end_local,
            }),
        };
    }
    (start, end)
}

/// The first instant of `date` in `zone`: local midnight, its first occurrence if it happens
/// twice, or the first instant after the gap if midnight does not exist. On a date a zone skipped
/// entirely (Pacific/Apia, 2011-12-30) that is the start of the next date.
pub fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    match zone.from_local_datetime(&midnight) {
        MappedLocalTime::Single(t) => t.with_timezone(&Utc),
        MappedLocalTime::Ambiguous(earlier, _later) => earlier.with_timezone(&Utc),
        MappedLocalTime::None => end_of_gap(midnight, zone),
    }
}

/// The instants of an all-day reservation from `start` to `end_exclusive`: midnight to midnight
/// in `zone` (see [`start_of_day`] for midnights that do not exist or happen twice).
pub fn all_day_instants(
    start: NaiveDate,
    end_exclusive: NaiveDate,
    zone: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    (start_of_day(start, zone), start_of_day(end_exclusive, zone))
}

/// The dates (end exclusive) of an all-day reservation given as instants, read in the zone the
/// instants were written in: the inverse of [`all_day_instants`]. `None` when either instant is
/// not the start of a day in `zone`, or when the end is not after the start.
///
/// Read Graph's all-day events in the event's own zone, not the room's: the dates then stay the
/// same whatever zone the room is in.
pub fn all_day_dates(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: Tz,
) -> Option<(NaiveDate, NaiveDate)> {
    let first = local(start, zone).date();
    let last = local(end, zone).date();
    let midnights = start_of_day(first, zone) == start && start_of_day(last, zone) == end;
    (midnights && last > first).then_some((first, last))
}

/// The UTC offset of `zone` at the UTC time `utc`.
fn offset_at(utc: NaiveDateTime, zone: Tz) -> TimeDelta {
    let seconds = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    TimeDelta::seconds(seconds.into())
}

/// The offsets in force just before and just after the gap that swallows `local`.
///
/// Reading a local time that falls in a gap with the offset before the gap gives an instant
/// after the transition, and the other way round: whichever offset we start from, one step
/// lands on one side and the next step on the other. The gap is where the offset grows, so the
/// smaller one is "before". Assumes one transition within a day of `local`, as in every zone.
fn offsets_around_gap(local: NaiveDateTime, zone: Tz) -> (TimeDelta, TimeDelta) {
    let guess = offset_at(local, zone);
    let one_side = offset_at(local - guess, zone);
    let other_side = offset_at(local - one_side, zone);
    (one_side.min(other_side), one_side.max(other_side))
}

/// The instant the clocks jumped over `local` (which must fall in a gap): the first instant
/// after the gap.
fn end_of_gap(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let (before, after) = offsets_around_gap(local, zone);
    // Reading `local` with the later offset is before the transition, with the earlier offset
    // at or after it. Transitions fall on whole seconds; halve the interval down to one.
    let mut not_yet = local - after;
    let mut already = local - before;
    while already - not_yet > TimeDelta::seconds(1) {
        let middle = not_yet + (already - not_yet) / 2;
        if offset_at(middle, zone) == after {
            already = middle;
        } else {
            not_yet = middle;
        }
    }
    already.and_utc()
}
