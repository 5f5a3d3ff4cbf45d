//! Sync settings end to end: a changed sync window applies on the next cycle, on both sides.

use roombridge_app::settings::SettingsUpdate;
use roombridge_tests::{Harness, at, subjects};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

fn set_days_ahead(h: &Harness, days: i64) {
    h.app
        .update_settings(&SettingsUpdate {
            days_ahead: Some(days),
            ..Default::default()
        })
        .expect("window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wider_window_brings_in_both_sides_reservations_on_the_next_cycle() {
    let h = Harness::start().await;
    set_days_ahead(&h, 30);
    h.booking
        .create(GYM, "Autumn concert", at(60, 17), at(60, 19))
        .await;
    h.graph
        .create(GYM_MAILBOX, "Budget meeting", at(61, 9), at(61, 10))
        .await;
    h.settle(4).await;
    // Both lie beyond 30 days: neither side is written.
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Budget meeting"]
    );
    let titles = |rs: Vec<serde_json::Value>| -> Vec<String> {
        let mut t: Vec<String> = rs
            .iter()
            .map(|r| r["title"].as_str().unwrap_or_default().to_owned())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        titles(h.booking.reservations(GYM).await),
        ["Autumn concert"]
    );

    // Wider: the booking reservation goes to Outlook, and the calendar is read again for the
    // new window (its delta cursor covered only 30 days), so the meeting reaches the booking
    // system; nothing twice.
    set_days_ahead(&h, 120);
    h.settle(4).await;
    assert_eq!(
        subjects(&h.graph.events(GYM_MAILBOX).await),
        ["Autumn concert", "Budget meeting"]
    );
    assert_eq!(
        titles(h.booking.reservations(GYM).await),
        ["Autumn concert", "Budget meeting"]
    );
}
