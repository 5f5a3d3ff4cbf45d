//! The demo municipality's season in PorticoEstate (`roombridge demo --booking porticoestate`):
//! clubs' weekly allocations for the next weeks, materialised one row per week as the season
//! planning leaves them, a team's booking inside one of them, and the municipality's own
//! events; two of them double-book meetings in the demo's Outlook calendars (one allocation,
//! which RoomBridge may not cancel, and one event). Times are Oslo wall-clock times counted from the current week's Monday, so the demo
//! always has something this week and next; names are Norwegian, as a municipality's are.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::store::{Allocation, Booking, Event, Store};
use super::text;

/// How many weeks of the season are materialised.
const WEEKS: i64 = 6;

/// A weekly slot: resource, weekday (0 = Monday), from and to (hours), organisation.
const WEEKLY: &[(i64, i64, u32, u32, &str)] = &[
    (6, 0, 17, 19, "Nordvik IL"),
    (6, 2, 18, 20, "Nordvik Volleyballklubb"),
    (9, 1, 18, 20, "Nordvik Basketballklubb"),
    (9, 3, 17, 19, "Nordvik IL"),
    (12, 0, 18, 20, "Nordvik Danseklubb"),
    (8, 2, 17, 19, "Nordvik skolekorps"),
    (11, 3, 19, 22, "Nordvik Teaterlag"),
    // Wednesday mornings in the council chamber, where the demo's Outlook calendar has the
    // department heads' meeting: double bookings RoomBridge may not settle by cancelling.
    (1, 2, 10, 12, "Nordvik seniorforum"),
];

/// The municipality's own events: resource, day from this week's Monday, from and to (hours,
/// half hours as .5), name.
const EVENTS: &[(i64, i64, f64, f64, &str)] = &[
    (1, 3, 17.0, 21.0, "Bystyremøte"),
    (1, 8, 9.0, 12.0, "Formannskapsmøte"),
    (2, 1, 10.0, 11.0, "Budsjettmøte (2027)"),
    (2, 2, 13.0, 14.5, "Planmøte: reguleringsplan sentrum"),
    (3, 4, 8.5, 9.0, "Morgenmøte – drift"),
    (4, 4, 18.0, 20.0, "Forfatterkveld på biblioteket"),
    (7, 8, 18.0, 20.0, "Foreldremøte 7. trinn"),
    (11, 15, 18.0, 21.0, "Julekonsert"),
    // Next Thursday in Fjord, where the Outlook calendar has the planning committee.
    (2, 10, 14.0, 15.0, "Kulturutvalget"),
];

fn at(date: NaiveDate, hours: f64) -> NaiveDateTime {
    let minutes = (hours * 60.0).round() as u32;
    date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default())
}

/// Fills `store` with the demo season, counted from `today`'s week.
pub(super) fn seed(store: &mut Store, today: NaiveDate) {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    for week in 0..WEEKS {
        for (n, &(resource, weekday, from, to, organisation)) in WEEKLY.iter().enumerate() {
            let date = monday + Duration::days(week * 7 + weekday);
            let id = store.next_id();
            store.allocations.insert(
                id,
                Allocation {
                    id,
                    resource_ids: vec![resource],
                    organization_id: n as i64 + 1,
                    organization_name: organisation.to_owned(),
                    season_id: 1,
                    from: at(date, f64::from(from)),
                    to: at(date, f64::from(to)),
                    active: true,
                },
            );
            // Nordvik IL's under-12 team uses the first hour of Monday's gym allocation.
            if resource == 6 && weekday == 0 {
                let booking = store.next_id();
                store.bookings.insert(
                    booking,
                    Booking {
                        id: booking,
                        resource_ids: vec![resource],
                        allocation_id: Some(id),
                        group_id: 1,
                        group_name: "Nordvik IL G12".into(),
                        season_id: 1,
                        from: at(date, f64::from(from)),
                        to: at(date, f64::from(from) + 1.0),
                        active: true,
                    },
                );
            }
        }
    }
    for &(resource, day, from, to, name) in EVENTS {
        let date = monday + Duration::days(day);
        let Some(building_id) = store
            .resources
            .iter()
            .find(|r| r.id == resource)
            .map(|r| r.building_id)
        else {
            continue;
        };
        let building_name = store
            .building(building_id)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        let id = store.next_id();
        store.events.insert(
            id,
            Event {
                id,
                resource_ids: vec![resource],
                building_id,
                building_name,
                name: text::escape(name),
                organizer: "Nordvik kommune".into(),
                contact_name: "Servicetorget".into(),
                contact_email: "post@nordvik.kommune.example".into(),
                description: String::new(),
                activity_id: 1,
                from: at(date, from),
                to: at(date, to),
                active: true,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_season_has_this_weeks_slots_and_events_without_overlapping_events() {
        let (buildings, resources) = super::super::demo_inventory();
        let mut store = Store::new(buildings, resources);
        let today = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        seed(&mut store, today);
        assert_eq!(store.allocations.len(), WEEKLY.len() * WEEKS as usize);
        assert_eq!(store.bookings.len(), WEEKS as usize);
        assert_eq!(store.events.len(), EVENTS.len());
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(store.allocations.values().any(|a| a.from.date() == monday));
        let events: Vec<&Event> = store.events.values().collect();
        for (i, a) in events.iter().enumerate() {
            for b in &events[i + 1..] {
                let same_room = a.resource_ids == b.resource_ids;
                assert!(
                    !(same_room && a.from < b.to && b.from < a.to),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
