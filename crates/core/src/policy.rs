//! Conflict policies and a person's decisions: which side wins when both changed.
//!
//! A room's [`Policy`] resolves conflicts the moment they are found; `manual` leaves them for a
//! person, whose [`Choice`] is applied on the next cycle. Both come down to a [`Resolution`]:
//! keep the booking system's version, keep Outlook's, merge the two field by field, or (for a
//! double booking, by a person only) keep both by moving one of them to a free time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Side;
use crate::content::Content;

/// Which side each group of fields comes from when two versions are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldOwnership {
    /// Start, end, all-day and time zone.
    pub times: Side,
    /// The title.
    pub title: Side,
    /// Organisation and description.
    pub details: Side,
}

impl FieldOwnership {
    /// `booking`'s and `calendar`'s fields, each group from the side that owns it.
    pub fn merge(&self, booking: &Content, calendar: &Content) -> Content {
        let from = |side: Side| match side {
            Side::Booking => booking,
            Side::Calendar => calendar,
        };
        let times = from(self.times);
        let details = from(self.details);
        Content {
            title: from(self.title).title.clone(),
            when: times.when.clone(),
            time_zone: times.time_zone.clone(),
            organisation: details.organisation.clone(),
            description: details.description.clone(),
        }
    }
}

/// How a room resolves conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Policy {
    /// Every conflict waits for a person.
    #[default]
    Manual,
    /// The booking system's version wins; an Outlook meeting that double-books the room is
    /// declined as the room, with a message that says why.
    BookingWins,
    /// Outlook's version wins. A double booking still waits for a person: RoomBridge never
    /// cancels a booking-system reservation to make room for an Outlook meeting on its own.
    CalendarWins,
    /// The version changed last wins; where one side cannot say when it changed (a deletion),
    /// the surviving edit wins, so nothing is lost.
    LatestWins,
    /// Each group of fields comes from the side that owns it (e.g. times from the booking
    /// system, the title from Outlook).
    Fields(FieldOwnership),
}

impl Policy {
    /// The name shown in the UI and accepted by [`Policy::parse`].
    pub fn name(&self) -> String {
        match self {
            Policy::Manual => "manual".into(),
            Policy::BookingWins => "booking-wins".into(),
            Policy::CalendarWins => "calendar-wins".into(),
            Policy::LatestWins => "latest-wins".into(),
            Policy::Fields(o) => format!(
                "fields:times={},title={},details={}",
                o.times, o.title, o.details
            ),
        }
    }

    /// Reads `manual`, `booking-wins`, `calendar-wins`, `latest-wins` or
    /// `fields:times=booking,title=calendar,details=booking` (groups left out come from the
    /// booking system).
    pub fn parse(s: &str) -> Result<Policy, String> {
        let s = s.trim();
        match s {
            "manual" => return Ok(Policy::Manual),
            "booking-wins" => return Ok(Policy::BookingWins),
            "calendar-wins" => return Ok(Policy::CalendarWins),
            "latest-wins" => return Ok(Policy::LatestWins),
            _ => {}
        }
        let Some(spec) = s.strip_prefix("fields:") else {
            return Err(format!(
                "{s:?} is not a conflict policy; use manual, booking-wins, calendar-wins, \
                 latest-wins or fields:times=booking,title=calendar,details=booking"
            ));
        };
        let mut own = FieldOwnership {
            times: Side::Booking,
            title: Side::Booking,
            details: Side::Booking,
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (group, side) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} should look like times=booking"))?;
            let side = Side::parse(side.trim())
                .ok_or_else(|| format!("{side:?} is not a side; use booking or calendar"))?;
            match group.trim() {
                "times" => own.times = side,
                "title" => own.title = side,
                "details" => own.details = side,
                other => {
                    return Err(format!(
                        "{other:?} is not a field group; use times, title or details"
                    ));
                }
            }
        }
        Ok(Policy::Fields(own))
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a person decided for one conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum Choice {
    /// The booking system's version stands; Outlook is brought in line (an overlapping Outlook
    /// meeting is declined as the room).
    KeepBooking,
    /// Outlook's version stands; the booking system is brought in line (for a double booking,
    /// the overlapping single booking-system reservations are cancelled with a note).
    KeepCalendar,
    /// Each group of fields from the side the person picked; both sides get the result.
    Merge(FieldOwnership),
    /// A double booking where both stay: one of them moves to a free time.
    Move(Move),
}

/// "Keep both by moving one": the side whose reservation moves, and its new time. The booking
/// side is the reservation in the Outlook meeting's way; the calendar side is the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "MoveView"))]
pub struct Move {
    pub side: Side,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Choice {
    pub fn name(&self) -> &'static str {
        match self {
            Choice::KeepBooking => "keep_booking",
            Choice::KeepCalendar => "keep_calendar",
            Choice::Merge(_) => "merge",
            Choice::Move(_) => "move",
        }
    }
}

/// What resolving a conflict comes down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Keep(Side),
    Merge(FieldOwnership),
    Move(Move),
}

impl From<Choice> for Resolution {
    fn from(c: Choice) -> Resolution {
        match c {
            Choice::KeepBooking => Resolution::Keep(Side::Booking),
            Choice::KeepCalendar => Resolution::Keep(Side::Calendar),
            Choice::Merge(o) => Resolution::Merge(o),
            Choice::Move(m) => Resolution::Move(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_back_their_names() {
        let all = [
            Policy::Manual,
            Policy::BookingWins,
            Policy::CalendarWins,
            Policy::LatestWins,
            Policy::Fields(FieldOwnership {
                times: Side::Booking,
                title: Side::Calendar,
                details: Side::Booking,
            }),
        ];
        for p in all {
            assert_eq!(Policy::parse(&p.name()), Ok(p), "{p}");
        }
    }

    #[test]
    fn field_groups_left_out_come_from_the_booking_system() {
        assert_eq!(
            Policy::parse("fields:title=calendar"),
            Ok(Policy::Fields(FieldOwnership {
                times: Side::Booking,
                title: Side::Calendar,
                details: Side::Booking,
            }))
        );
    }

    #[test]
    fn unknown_policies_say_what_is_accepted() {
        let err = Policy::parse("outlook-wins").unwrap_err();
        assert!(err.contains("booking-wins"), "{err}");
        assert!(Policy::parse("fields:colour=booking").is_err());
        assert!(Policy::parse("fields:times=outlook").is_err());
    }
}
