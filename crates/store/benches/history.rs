//! The audit history at a municipality's scale: 1,000,000 rows over a year (some 2,700 a day),
//! then the queries the History screen and the export make. Prints each timing next to its
//! goal (issue 15); asserts nothing.
//!
//! `cargo bench -p roombridge-store --bench history` (release build; about a minute).

use std::time::{Duration, Instant};

use chrono::Utc;
use roombridge_core::RoomId;
use roombridge_store::Store;
use roombridge_store::history::{self, Filter, HistoryKind, NewEntry, Order, Outcome};

const ROWS: i64 = 1_000_000;
const ROOMS: i64 = 50;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.sqlite")).expect("store");
    let now = Utc::now();
    let start = now - chrono::Duration::days(365);
    let step = chrono::Duration::days(365) / ROWS as i32;
    let filled = Instant::now();
    let titles = [
        "Choir practice",
        "Football U12",
        "Council meeting",
        "Budsjettmøte",
        "Interview",
    ];
    store
        .write(|c| {
            for i in 0..ROWS {
                let entry = NewEntry {
                    room: RoomId::new(format!("room-{}", i % ROOMS)),
                    cycle: i / ROOMS,
                    kind: if i % 97 == 0 {
                        HistoryKind::Conflict
                    } else {
                        HistoryKind::CreateEvent
                    },
                    side: None,
                    outcome: if i % 97 == 0 {
                        Outcome::Conflict
                    } else {
                        Outcome::Ok
                    },
                    title: format!("{} #{i}", titles[(i % 5) as usize]),
                    detail: "New in the booking system; added to the Outlook room calendar.".into(),
                    words: None,
                };
                history::append(c, &entry, start + step * i as i32)?;
            }
            Ok(())
        })
        .expect("fill");
    println!(
        "history: {ROWS} rows written in {:.1} s",
        filled.elapsed().as_secs_f64()
    );

    let day = (now - chrono::Duration::days(182)).date_naive();
    let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let cases: Vec<(&str, Filter, u128)> = vec![
        (
            "one day six months back (newest first, 100)",
            Filter {
                from: Some(from),
                to: Some(from + chrono::Duration::days(1)),
                ..Filter::default()
            },
            50,
        ),
        (
            "text search, a common word (100)",
            Filter {
                search: Some("choir".into()),
                ..Filter::default()
            },
            100,
        ),
        (
            "text search, one row's number (100)",
            Filter {
                search: Some("#123457".into()),
                ..Filter::default()
            },
            100,
        ),
        (
            "one room's conflicts (100)",
            Filter {
                room: Some(RoomId::new("room-7")),
                kind: Some(HistoryKind::Conflict),
                ..Filter::default()
            },
            100,
        ),
    ];
    for (name, filter, goal_ms) in cases {
        let mut best = Duration::MAX;
        let mut found = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let rows = store
                .read(|c| history::query(c, &filter, Order::NewestFirst, Some(100)))
                .expect("query");
            best = best.min(t.elapsed());
            found = rows.len();
        }
        println!(
            "  {name:<48} {:>8.1} ms  ({found} rows; goal ≤ {goal_ms} ms)",
            best.as_secs_f64() * 1000.0
        );
    }
}
