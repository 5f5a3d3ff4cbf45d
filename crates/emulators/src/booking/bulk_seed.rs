//! The benchmark seed ([`Seed::Bulk`](crate::seed::Seed::Bulk)): numbered rooms, each with
//! one-hour single events spread evenly over the next 300 days. Deterministic for a given
//! `today`, so two benchmark runs see the same reservations.

use chrono::{Duration, NaiveDate};

use super::model::{Fields, Level, Span};
use super::store::{Resource, Store};
use crate::demo::DEMO_ZONE;
use crate::seed::{bench_room_email, bench_room_id, bench_room_name};

/// How far ahead the reservations reach.
const DAYS: u32 = 300;
/// One-hour slots in that span: the most non-overlapping reservations a room can hold.
const SLOTS: u32 = DAYS * 24;

/// The benchmark rooms, numbered from 1.
pub(crate) fn resources(rooms: u32) -> Vec<Resource> {
    (1..=rooms)
        .map(|n| Resource {
            id: bench_room_id(n),
            name: bench_room_name(n),
            kind: "room".to_owned(),
            email: Some(bench_room_email(n)),
            time_zone: DEMO_ZONE.to_owned(),
            capacity: 10,
            building: "Bench".to_owned(),
        })
        .collect()
}

/// Adds `per_room` reservations to every resource of `store`, from midnight UTC after `today`.
/// Fails when `per_room` does not fit in 300 days of one-hour slots.
pub(crate) fn seed(store: &mut Store, today: NaiveDate, per_room: u32) -> Result<(), String> {
    if per_room > SLOTS {
        return Err(format!(
            "a bulk seed holds at most {SLOTS} reservations per room, not {per_room}"
        ));
    }
    let first = (today + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let created = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let rooms: Vec<String> = store.resources().iter().map(|r| r.id.clone()).collect();
    for room in rooms {
        for i in 0..per_room {
            // Evenly spread whole hours; per_room <= SLOTS keeps them at least an hour apart.
            let hour = u64::from(i) * u64::from(SLOTS) / u64::from(per_room);
            let start = first + Duration::hours(hour as i64);
            let fields = Fields {
                resource_id: room.clone(),
                level: Level::Event,
                parent_id: None,
                title: format!("Bench reservation {}", i + 1),
                organisation: "Bench".to_owned(),
                description: String::new(),
                span: Span::Timed {
                    start,
                    end: start + Duration::hours(1),
                },
                time_zone: DEMO_ZONE.to_owned(),
                rrule: None,
                exdates: Vec::new(),
                source: "bench".to_owned(),
                external_ref: None,
            };
            store
                .seed(fields, created)
                .map_err(|errors| format!("bench reservation is invalid: {errors:?}"))?;
        }
    }
    Ok(())
}
