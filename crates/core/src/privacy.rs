//! Privacy mode: what the Outlook room calendar shows of a booking-system reservation.
//!
//! Staff who book meetings see every room calendar; a booking system often holds what they
//! need not see (a support group's name, a note on who attends). The room's mode decides the
//! Outlook view of each block RoomBridge writes:
//!
//! | mode           | subject                                   | body                    |
//! |----------------|-------------------------------------------|-------------------------|
//! | `full`         | the title                                 | organisation + details  |
//! | `organisation` | the organisation (or "Reserved" if none)  | organisation only       |
//! | `reserved`     | "Reserved"                                | nothing                 |
//!
//! Times (and all-day dates) are always shown: the room is busy whatever the mode.
//!
//! Two rules follow, both pure functions here:
//! - An Outlook edit of an event RoomBridge wrote under a hiding mode is written back with
//!   its times only ([`write_back`]): the fields Outlook never saw are never overwritten by
//!   what Outlook shows instead ("Reserved" does not become the booking title).
//! - An event that does not show what the mode writes ([`shows_other_than`]) is brought up to
//!   date, so a change of mode reaches every event RoomBridge wrote on the next cycle.
//!
//! Meetings made in Outlook are the organizer's own and keep their content in every mode;
//! the planner applies these rules only to events written from the booking system.

use serde::{Deserialize, Serialize};

use crate::content::Content;

/// The subject of an event whose title is hidden.
pub const RESERVED_TITLE: &str = "Reserved";

/// What Outlook shows of a booking-system reservation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Privacy {
    /// Everything: title, organisation and details, as in the booking system.
    #[default]
    Full,
    /// The organisation's name as the subject; title and details stay in the booking system.
    Organisation,
    /// Only "Reserved": who and what stay in the booking system.
    Reserved,
}

impl Privacy {
    pub const ALL: [Privacy; 3] = [Privacy::Full, Privacy::Organisation, Privacy::Reserved];

    pub fn name(self) -> &'static str {
        match self {
            Privacy::Full => "full",
            Privacy::Organisation => "organisation",
            Privacy::Reserved => "reserved",
        }
    }

    pub fn parse(s: &str) -> Option<Privacy> {
        Privacy::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Whether the booking title (and details) stay out of Outlook.
    pub fn hides_title(self) -> bool {
        self != Privacy::Full
    }

    /// Whether the organisation stays out of Outlook too.
    pub fn hides_organisation(self) -> bool {
        self == Privacy::Reserved
    }
}

impl std::fmt::Display for Privacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The content RoomBridge writes to Outlook for a booking block's `content` under `mode`.
pub fn outlook_view(content: &Content, mode: Privacy) -> Content {
    let organisation = content.organisation.trim();
    let title = match mode {
        Privacy::Full => return content.clone(),
        Privacy::Organisation if !organisation.is_empty() => organisation.to_owned(),
        Privacy::Organisation | Privacy::Reserved => RESERVED_TITLE.to_owned(),
    };
    Content {
        title,
        when: content.when.clone(),
        time_zone: content.time_zone.clone(),
        organisation: if mode.hides_organisation() {
            String::new()
        } else {
            content.organisation.clone()
        },
        description: String::new(),
    }
}

/// What an Outlook edit (`outlook`) of an event written under `mode` changes in the booking
/// reservation (`booking`): everything under `full`; under a hiding mode only the times, since
/// the rest of what Outlook shows is the mode's stand-in, not the reservation's.
pub fn write_back(booking: &Content, outlook: &Content, mode: Privacy) -> Content {
    if !mode.hides_title() {
        return outlook.clone();
    }
    Content {
        when: outlook.when.clone(),
        time_zone: outlook.time_zone.clone(),
        ..booking.clone()
    }
}

/// Whether the Outlook event `outlook` is what RoomBridge writes for `booking` under `mode`,
/// in every field the mode writes. Where a hiding mode writes no organisation the body is
/// empty and Outlook reads the organizer (the room) in its place, so it is not compared.
pub fn same_in_outlook(booking: &Content, outlook: &Content, mode: Privacy) -> bool {
    let view = outlook_view(booking, mode);
    if mode.hides_title() && view.organisation.trim().is_empty() {
        let mut shown = outlook.clone();
        shown.organisation = String::new();
        view.hash() == shown.hash()
    } else {
        view.hash() == outlook.hash()
    }
}

/// Whether an unchanged Outlook event shows something else than `mode` writes for an
/// unchanged `booking` block: under a hiding mode, a subject other than its stand-in (another
/// mode's, or one typed over it) or details it keeps out; under `full`, a hiding mode's
/// stand-in where the title belongs. Only the fields the mode decides are compared, so a
/// server rewrite of anything else never makes RoomBridge write again and again, and under
/// `full` nothing but a stand-in is ever taken for one.
pub fn shows_other_than(booking: &Content, outlook: &Content, mode: Privacy) -> bool {
    let view = outlook_view(booking, mode).normalised();
    let shown = outlook.normalised();
    if mode.hides_title() {
        return view.title != shown.title || !shown.description.is_empty();
    }
    let stand_ins = [Privacy::Organisation, Privacy::Reserved]
        .map(|m| outlook_view(booking, m).normalised().title);
    shown.title != view.title && stand_ins.contains(&shown.title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::When;
    use chrono::{TimeZone, Utc};

    fn booking(title: &str, organisation: &str) -> Content {
        Content {
            title: title.into(),
            when: When::Timed {
                start: Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap(),
            },
            time_zone: "Europe/Oslo".into(),
            organisation: organisation.into(),
            description: "Group for people in grief".into(),
        }
    }

    #[test]
    fn the_outlook_view_of_each_mode() {
        // (mode, organisation, subject, body organisation, body details)
        let cases = [
            (Privacy::Full, "Red Cross", "Grief group", "Red Cross", true),
            (
                Privacy::Organisation,
                "Red Cross",
                "Red Cross",
                "Red Cross",
                false,
            ),
            (Privacy::Organisation, "  ", "Reserved", "  ", false),
            (Privacy::Reserved, "Red Cross", "Reserved", "", false),
            (Privacy::Reserved, "", "Reserved", "", false),
        ];
        for (mode, org, subject, body_org, details) in cases {
            let b = booking("Grief group", org);
            let v = outlook_view(&b, mode);
            assert_eq!(v.title, subject, "{mode} {org:?}");
            assert_eq!(v.organisation, body_org, "{mode} {org:?}");
            assert_eq!(!v.description.is_empty(), details, "{mode} {org:?}");
            assert_eq!(v.when, b.when, "times are always shown ({mode})");
            assert_eq!(v.time_zone, b.time_zone);
        }
    }

    #[test]
    fn modes_have_stable_names() {
        for mode in Privacy::ALL {
            assert_eq!(Privacy::parse(mode.name()), Some(mode));
        }
        assert_eq!(Privacy::parse("Reserved"), None);
        assert_eq!(Privacy::default(), Privacy::Full);
    }

    #[test]
    fn an_outlook_edit_under_a_hiding_mode_writes_back_the_times_only() {
        let b = booking("Grief group", "Red Cross");
        let mut edited = outlook_view(&b, Privacy::Reserved);
        edited.title = "Reserved (moved)".into();
        edited.organisation = "Room 101".into();
        edited.when = When::Timed {
            start: Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 1, 19, 0, 0).unwrap(),
        };
        for mode in [Privacy::Organisation, Privacy::Reserved] {
            let back = write_back(&b, &edited, mode);
            assert_eq!(back.title, "Grief group");
            assert_eq!(back.organisation, "Red Cross");
            assert_eq!(back.description, b.description);
            assert_eq!(back.when, edited.when);
        }
        assert_eq!(write_back(&b, &edited, Privacy::Full), edited);
    }

    #[test]
    fn a_title_typed_over_a_hidden_one_changes_nothing_in_the_booking_system() {
        let b = booking("Grief group", "Red Cross");
        let mut edited = outlook_view(&b, Privacy::Reserved);
        edited.title = "Secret meeting".into();
        assert_eq!(write_back(&b, &edited, Privacy::Reserved).hash(), b.hash());
        assert!(shows_other_than(&b, &edited, Privacy::Reserved));
    }

    #[test]
    fn what_roombridge_wrote_reads_back_as_the_same() {
        for mode in Privacy::ALL {
            let b = booking("Grief group", "Red Cross");
            let mut read_back = outlook_view(&b, mode);
            if mode == Privacy::Reserved {
                // An empty body: Graph names the organizer (the room) as the organisation.
                read_back.organisation = "Room 101".into();
            }
            read_back.title = format!(" {} ", read_back.title);
            assert!(same_in_outlook(&b, &read_back, mode), "{mode}");
            assert!(!shows_other_than(&b, &read_back, mode), "{mode}");
        }
    }

    #[test]
    fn an_event_written_under_another_mode_shows_other_than_this_one() {
        let b = booking("Grief group", "Red Cross");
        for written in Privacy::ALL {
            for now in Privacy::ALL {
                let shown = outlook_view(&b, written);
                assert_eq!(
                    shows_other_than(&b, &shown, now),
                    written != now,
                    "written under {written}, now {now}"
                );
            }
        }
    }

    #[test]
    fn under_full_only_a_stand_in_is_taken_for_one() {
        let b = booking("Grief group", "Red Cross");
        let mut other = b.clone();
        other.title = "Grief group (room 2)".into();
        assert!(!shows_other_than(&b, &other, Privacy::Full));
        other.title = "Reserved".into();
        assert!(shows_other_than(&b, &other, Privacy::Full));
        other.title = "Red Cross".into();
        assert!(shows_other_than(&b, &other, Privacy::Full));
    }

    #[test]
    fn a_time_change_is_not_the_same_event() {
        let b = booking("Grief group", "Red Cross");
        let mut moved = outlook_view(&b, Privacy::Reserved);
        moved.when = When::Timed {
            start: Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 2, 18, 0, 0).unwrap(),
        };
        assert!(!same_in_outlook(&b, &moved, Privacy::Reserved));
        // Times are not the mode's business: an unchanged pair is never "other" for them.
        assert!(!shows_other_than(&b, &moved, Privacy::Reserved));
    }
}
