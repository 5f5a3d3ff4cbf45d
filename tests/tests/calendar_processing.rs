//! A room whose Exchange calendar processing rewrites what RoomBridge writes (the demo's
//! Reading Hall: the subject becomes the organizer's name, the body is deleted, seconds after
//! the create) must not change the booking system: neither the title nor the organisation
//! and description that the body carried.

use std::time::{Duration, Instant};

use roombridge_emulators::demo::DEMO_PROCESSING_ROOM;
use roombridge_tests::{Harness, at};

const HALL: &str = "res-library-hall";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_that_rewrites_subjects_and_deletes_bodies_changes_nothing_in_the_booking_system() {
    let h = Harness::start().await;
    let id = h
        .booking
        .create(HALL, "Author talk", at(3, 17), at(3, 19))
        .await;
    let version = h.booking.get(&id).await["version"].as_i64().unwrap();
    h.booking
        .patch(
            &id,
            version,
            serde_json::json!({"description": "Bring your own copy of the book."}),
        )
        .await;
    h.settle(3).await;

    // Exchange processes the event RoomBridge wrote a few seconds later.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let events = h.graph.events(DEMO_PROCESSING_ROOM).await;
        if events.len() == 1
            && events[0]["subject"] == "Library, Reading Hall"
            && events[0]["body"]["content"] == ""
        {
            break;
        }
        assert!(Instant::now() < deadline, "no processing: {events:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    h.settle(3).await;

    let reservation = h.booking.get(&id).await;
    assert_eq!(reservation["title"], "Author talk");
    assert_eq!(reservation["organisation"], "Nordvik Choir");
    assert_eq!(
        reservation["description"],
        "Bring your own copy of the book."
    );
    assert_eq!(reservation["version"].as_i64(), Some(version + 1));
    let history = h.app.list_history(Some(100), Some(HALL)).unwrap();
    assert!(
        !history
            .iter()
            .any(|e| e.kind == roombridge_app::views::HistoryKind::UpdateReservation),
        "{history:#?}"
    );
}
