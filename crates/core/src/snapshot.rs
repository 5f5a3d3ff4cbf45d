//! Snapshot sources: booking systems without a change feed. PorticoEstate, for one, shows a
//! resource's *active* reservations in a window and nothing else: no cursor, no versions, and a
//! cancelled reservation simply disappears. RoomBridge reads the whole window each cycle and
//! derives here what a change feed would have said, against what it saw last time.
//!
//! The rules:
//! - A reservation read now that was not seen, or whose derived version differs from the one
//!   seen, is reported (created or changed).
//! - One seen active and not read now that still overlaps the window disappeared inside it: it
//!   is reported cancelled (the mass-deletion breaker guards these like any other deletion).
//! - One seen and not read now that no longer overlaps the window left it: nothing is reported.
//!   Leaving the window is not a cancellation.
//! - Where it was *last seen* decides: a reservation moved from inside the window to far beyond
//!   it looks gone from the window, and is reported cancelled for this window's calendar (its
//!   Outlook copy goes; nothing is written to the booking system, and it comes back as new
//!   when the window reaches it).
//!
//! Versions come from content: [`version_of`] hashes everything a change could touch, so the
//! same reading gives the same version and any change another.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::ids::ReservationId;
use crate::reservation::{Reservation, ReservationStatus};
use crate::window::SyncWindow;

/// A version for a reservation read from a snapshot source: a hash of its level, parent,
/// content, recurrence and tag, as a positive number.
pub fn version_of(r: &Reservation) -> i64 {
    let mut h = Sha256::new();
    h.update(r.level.as_str().as_bytes());
    h.update([0x1e]);
    h.update(
        r.parent
            .as_ref()
            .map(|p| p.as_str())
            .unwrap_or_default()
            .as_bytes(),
    );
    h.update([0x1e]);
    h.update(r.content.hash().as_str().as_bytes());
    h.update([0x1e]);
    if let Some(repeat) = &r.recurrence {
        h.update(repeat.rrule.as_bytes());
        for date in &repeat.exdates {
            h.update(date.to_string().as_bytes());
        }
    }
    h.update([0x1e]);
    h.update(
        r.tag
            .as_ref()
            .map(|t| t.as_str())
            .unwrap_or_default()
            .as_bytes(),
    );
    let digest = h.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    // Positive and never 0, like the versions of a change feed.
    (i64::from_be_bytes(bytes) & i64::MAX).max(1)
}

/// What a change feed would have reported for one resource, given `seen` (what RoomBridge last
/// read of it) and `now` (its active reservations in `window`, read at `read_at`); each
/// reported reservation carries its derived version. `zone` reads all-day dates that name no
/// zone RoomBridge knows.
pub fn changes(
    seen: &[Reservation],
    now: Vec<Reservation>,
    window: &SyncWindow,
    zone: chrono_tz::Tz,
    read_at: DateTime<Utc>,
) -> Vec<Reservation> {
    let seen: BTreeMap<&ReservationId, &Reservation> = seen.iter().map(|r| (&r.id, r)).collect();
    // A snapshot may list one reservation twice (a resource in two buildings): the last wins.
    let mut read: BTreeMap<ReservationId, Reservation> = BTreeMap::new();
    for mut r in now {
        r.version = version_of(&r);
        r.status = ReservationStatus::Active;
        read.insert(r.id.clone(), r);
    }
    let mut out = Vec::new();
    for (id, r) in &read {
        let unchanged = seen
            .get(id)
            .is_some_and(|before| before.is_active() && before.version == r.version);
        if !unchanged {
            out.push(Reservation {
                updated_at: read_at,
                ..r.clone()
            });
        }
    }
    for (id, before) in seen {
        if read.contains_key(id) || !before.is_active() {
            continue;
        }
        let (start, end) = before.content.instants(zone);
        let inside = start < window.end && end > window.start;
        if inside {
            let mut gone = (*before).clone();
            gone.status = ReservationStatus::Cancelled;
            gone.version = before.version.wrapping_add(1).max(1);
            gone.updated_at = read_at;
            out.push(gone);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::content::{Content, When};
    use crate::ids::ResourceId;
    use crate::reservation::Level;

    fn at(day: i64, hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
            + Duration::days(day)
            + Duration::hours(hour)
    }

    fn reservation(id: &str, title: &str, day: i64) -> Reservation {
        Reservation {
            id: ReservationId::new(id),
            resource: ResourceId::new("1"),
            level: Level::Event,
            parent: None,
            content: Content {
                title: title.into(),
                when: When::Timed {
                    start: at(day, 17),
                    end: at(day, 19),
                },
                time_zone: "Europe/Oslo".into(),
                organisation: "Nordvik IL".into(),
                description: String::new(),
            },
            status: ReservationStatus::Active,
            version: 0,
            updated_at: at(0, 0),
            recurrence: None,
            tag: None,
        }
    }

    /// The window from day `from` to day `to`.
    fn window(from: i64, to: i64) -> SyncWindow {
        SyncWindow {
            start: at(from, 0),
            end: at(to, 0),
        }
    }

    /// What RoomBridge keeps after reading `now`: the reported rows (the mirror).
    fn read(now: Vec<Reservation>) -> Vec<Reservation> {
        changes(&[], now, &window(0, 30), chrono_tz::Europe::Oslo, at(0, 0))
    }

    fn ids(changes: &[Reservation]) -> Vec<(&str, ReservationStatus)> {
        changes.iter().map(|r| (r.id.as_str(), r.status)).collect()
    }

    #[test]
    fn a_first_reading_reports_everything_with_versions_from_content() {
        let first = read(vec![
            reservation("a", "Training", 3),
            reservation("b", "Concert", 5),
        ]);
        assert_eq!(
            ids(&first),
            [
                ("a", ReservationStatus::Active),
                ("b", ReservationStatus::Active)
            ]
        );
        assert!(first.iter().all(|r| r.version > 0));
        assert_ne!(first[0].version, first[1].version);
    }

    #[test]
    fn the_same_reading_again_reports_nothing_and_a_change_reports_that_reservation() {
        let seen = read(vec![
            reservation("a", "Training", 3),
            reservation("b", "Concert", 5),
        ]);
        let again = changes(
            &seen,
            vec![
                reservation("a", "Training", 3),
                reservation("b", "Concert", 5),
            ],
            &window(0, 30),
            chrono_tz::Europe::Oslo,
            at(1, 0),
        );
        assert!(again.is_empty(), "{again:?}");
        let changed = changes(
            &seen,
            vec![
                reservation("a", "Training (moved hall)", 3),
                reservation("b", "Concert", 5),
            ],
            &window(0, 30),
            chrono_tz::Europe::Oslo,
            at(1, 0),
        );
        assert_eq!(ids(&changed), [("a", ReservationStatus::Active)]);
        assert_ne!(changed[0].version, seen[0].version);
        assert_eq!(changed[0].updated_at, at(1, 0));
    }

    #[test]
    fn a_reservation_gone_inside_the_window_is_cancelled_and_one_that_left_it_is_not() {
        let seen = read(vec![
            reservation("past", "Yesterday's training", 1),
            reservation("gone", "Cancelled concert", 10),
            reservation("kept", "Training", 12),
        ]);
        // The window moved on by five days: `past` left it; `gone` disappeared inside it.
        let now = changes(
            &seen,
            vec![reservation("kept", "Training", 12)],
            &window(5, 35),
            chrono_tz::Europe::Oslo,
            at(5, 0),
        );
        assert_eq!(ids(&now), [("gone", ReservationStatus::Cancelled)]);
        let seen_gone = seen.iter().find(|r| r.id.as_str() == "gone").unwrap();
        assert_ne!(now[0].version, seen_gone.version);

        // Once cancelled, it is not reported again.
        let mut mirror = seen.clone();
        mirror.retain(|r| r.id.as_str() != "gone");
        mirror.push(now[0].clone());
        let later = changes(
            &mirror,
            vec![reservation("kept", "Training", 12)],
            &window(5, 35),
            chrono_tz::Europe::Oslo,
            at(6, 0),
        );
        assert!(later.is_empty(), "{later:?}");
    }

    #[test]
    fn a_cancelled_reservation_that_comes_back_is_reported_active() {
        let seen = read(vec![reservation("a", "Training", 3)]);
        let gone = changes(
            &seen,
            vec![],
            &window(0, 30),
            chrono_tz::Europe::Oslo,
            at(1, 0),
        );
        assert_eq!(ids(&gone), [("a", ReservationStatus::Cancelled)]);
        let back = changes(
            &gone,
            vec![reservation("a", "Training", 3)],
            &window(0, 30),
            chrono_tz::Europe::Oslo,
            at(2, 0),
        );
        assert_eq!(ids(&back), [("a", ReservationStatus::Active)]);
    }

    #[test]
    fn a_reservation_listed_twice_is_reported_once() {
        let first = read(vec![
            reservation("a", "Training", 3),
            reservation("a", "Training", 3),
        ]);
        assert_eq!(first.len(), 1);
    }

    #[test]
    fn the_version_changes_with_the_level_the_parent_and_the_tag_too() {
        let base = reservation("a", "Training", 3);
        let mut booking = base.clone();
        booking.level = Level::Booking;
        let mut child = base.clone();
        child.parent = Some(ReservationId::new("p"));
        let mut tagged = base.clone();
        tagged.tag = Some(crate::ids::LinkId::new("l"));
        let versions = [&base, &booking, &child, &tagged].map(version_of);
        for (i, a) in versions.iter().enumerate() {
            for b in &versions[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(version_of(&base), version_of(&base.clone()));
    }
}
