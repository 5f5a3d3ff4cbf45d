//! The Outlook-made meetings of the demo municipality: staff meetings and interviews over the
//! coming two weeks, relative to today (Oslo time) and otherwise fixed, so every demo run shows
//! the same week pattern.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use super::state::{StoredEvent, new_change_key, new_event_id, new_ical_uid};

/// One seeded meeting: which room, when (Oslo wall time), who organised it.
struct Meeting {
    weekday: Weekday,
    room: &'static str,
    subject: &'static str,
    /// `None` for an all-day event.
    hours: Option<((u32, u32), (u32, u32))>,
    organizer: (&'static str, &'static str),
    body: &'static str,
}

const KARI: (&str, &str) = ("Kari Nordmann", "kari.nordmann@nordvik.kommune.example");
const INGRID: (&str, &str) = ("Ingrid Berg", "ingrid.berg@nordvik.kommune.example");
const OLA: (&str, &str) = ("Ola Hansen", "ola.hansen@nordvik.kommune.example");

const WEEK: &[Meeting] = &[
    Meeting {
        weekday: Weekday::Mon,
        room: "fjord@nordvik.kommune.example",
        subject: "Staff meeting",
        hours: Some(((9, 0), (10, 0))),
        organizer: KARI,
        body: "Weekly staff meeting. Agenda in Teams.",
    },
    Meeting {
        weekday: Weekday::Tue,
        room: "library-study@nordvik.kommune.example",
        subject: "Interview: librarian position",
        hours: Some(((13, 0), (14, 0))),
        organizer: INGRID,
        body: "Second-round interview.",
    },
    Meeting {
        weekday: Weekday::Wed,
        room: "council-chamber@nordvik.kommune.example",
        subject: "Department heads",
        hours: Some(((10, 0), (11, 30))),
        organizer: OLA,
        body: "",
    },
    Meeting {
        weekday: Weekday::Thu,
        room: "skog@nordvik.kommune.example",
        subject: "Interview: teacher position",
        hours: Some(((9, 0), (10, 0))),
        organizer: INGRID,
        body: "",
    },
    Meeting {
        weekday: Weekday::Thu,
        room: "fjord@nordvik.kommune.example",
        subject: "Planning committee",
        hours: Some(((14, 0), (15, 30))),
        organizer: OLA,
        body: "Budget follow-up.",
    },
    Meeting {
        weekday: Weekday::Fri,
        room: "skog@nordvik.kommune.example",
        subject: "Team breakfast",
        hours: Some(((8, 0), (9, 0))),
        organizer: KARI,
        body: "",
    },
];

/// The demo's Outlook meetings for the two weeks after `now`, as `(room mailbox, event)`.
/// One all-day staff training day is added on the second Wednesday.
pub fn demo_events(now: DateTime<Utc>) -> Vec<(String, StoredEvent)> {
    let today = now.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
    let mut out = Vec::new();
    let mut wednesdays = 0;
    for offset in 1..=14 {
        let day = today + Duration::days(offset);
        for m in WEEK.iter().filter(|m| m.weekday == day.weekday()) {
            if let Some(((sh, sm), (eh, em))) = m.hours {
                out.push((m.room.to_owned(), meeting(now, m, day, (sh, sm), (eh, em))));
            }
        }
        if day.weekday() == Weekday::Wed {
            wednesdays += 1;
            if wednesdays == 2 {
                let training = Meeting {
                    weekday: Weekday::Wed,
                    room: "school-auditorium@nordvik.kommune.example",
                    subject: "Staff training day",
                    hours: None,
                    organizer: KARI,
                    body: "All-day training for school staff.",
                };
                let mut e = meeting(now, &training, day, (0, 0), (0, 0));
                e.is_all_day = true;
                e.end = e.start + Duration::days(1);
                e.show_as = "free".into();
                out.push((training.room.to_owned(), e));
            }
        }
    }
    out
}

/// The organizers' own copies of `meetings` (room mailbox, event), as `(organizer's
/// mailbox, event)`: the same meeting in the person's calendar, with its own id (ids are per
/// mailbox) and the same `iCalUId`.
pub fn organizer_copies(meetings: &[(String, StoredEvent)]) -> Vec<(String, StoredEvent)> {
    meetings
        .iter()
        .map(|(_, room_copy)| {
            let mut own = room_copy.clone();
            own.id = new_event_id();
            own.change_key = new_change_key();
            (own.organizer_address.to_lowercase(), own)
        })
        .collect()
}

fn meeting(
    now: DateTime<Utc>,
    m: &Meeting,
    day: NaiveDate,
    (sh, sm): (u32, u32),
    (eh, em): (u32, u32),
) -> StoredEvent {
    let at = |h, min| day.and_time(NaiveTime::from_hms_opt(h, min, 0).unwrap_or(NaiveTime::MIN));
    let created = now - Duration::days(3);
    StoredEvent {
        id: new_event_id(),
        ical_uid: new_ical_uid(),
        created,
        last_modified: created,
        change_key: new_change_key(),
        transaction_id: None,
        subject: m.subject.into(),
        body_type: "html".into(),
        body: format!("<html><head></head><body>{}</body></html>", m.body),
        start: at(sh, sm),
        start_zone: "W. Europe Standard Time".into(),
        end: at(eh, em),
        end_zone: "W. Europe Standard Time".into(),
        original_start_zone: None,
        original_end_zone: None,
        is_all_day: false,
        show_as: "busy".into(),
        importance: "normal".into(),
        sensitivity: "normal".into(),
        categories: Vec::new(),
        location: String::new(),
        attendees: vec![serde_json::json!({
            "type": "resource",
            "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": m.room, "address": m.room}
        })],
        organizer_name: m.organizer.0.into(),
        organizer_address: m.organizer.1.into(),
        is_reminder_on: true,
        reminder_minutes: 15,
        extended: Vec::new(),
        declined: None,
        series: None,
        occurrence: None,
        seq: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_meeting_is_organised_by_someone_in_the_demo_directory() {
        let meetings = demo_events(Utc::now());
        assert!(!meetings.is_empty());
        for (_, e) in &meetings {
            assert!(
                crate::demo::DEMO_PEOPLE
                    .iter()
                    .any(|(name, address)| *name == e.organizer_name
                        && *address == e.organizer_address),
                "{} by {} <{}>",
                e.subject,
                e.organizer_name,
                e.organizer_address
            );
        }
        let copies = organizer_copies(&meetings);
        assert_eq!(copies.len(), meetings.len());
        for ((room, theirs), (person, own)) in meetings.iter().zip(&copies) {
            assert_eq!(person, &theirs.organizer_address);
            assert_ne!(room, person);
            assert_ne!(own.id, theirs.id, "ids are per mailbox");
            assert_eq!(own.ical_uid, theirs.ical_uid);
        }
    }
}
