//! Privacy mode end to end, through both emulators, a real SQLite file and the real actors:
//! what the Outlook room calendar shows, what an Outlook edit of a hidden event changes in the
//! booking system, and a change of mode reaching events written earlier.

use serde_json::{Value, json};

use roombridge_app::settings::SettingsUpdate;
use roombridge_tests::{Harness, at};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";

fn set_privacy(h: &Harness, mode: &str) {
    h.app
        .update_settings(&SettingsUpdate {
            privacy: Some(mode.into()),
            ..Default::default()
        })
        .expect("privacy mode");
}

/// The gym's only event (the harness starts with empty calendars).
async fn the_event(h: &Harness) -> Value {
    let events = h.graph.events(GYM_MAILBOX).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    events[0].clone()
}

fn body_text(event: &Value) -> String {
    event["body"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> Value {
    json!({"dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_reserved_outlook_shows_reserved_and_an_outlook_move_keeps_the_booking_title() {
    let h = Harness::start().await;
    set_privacy(&h, "reserved");
    let id = h
        .booking
        .create(GYM, "Grief support group", at(3, 17), at(3, 19))
        .await;
    h.settle(4).await;

    let event = the_event(&h).await;
    assert_eq!(event["subject"], "Reserved");
    let body = body_text(&event);
    assert!(
        !body.contains("Grief"),
        "the title leaked into the body: {body}"
    );
    assert!(
        !body.contains("Nordvik Choir"),
        "the organisation leaked: {body}"
    );
    // The echo of what was written is not an edit: the next cycle has nothing to do.
    let reports = h.cycle().await;
    assert!(reports.iter().all(|r| r.plan.is_empty()), "{reports:#?}");

    // Someone moves the meeting an hour later in Outlook: the times reach the booking system,
    // and "Reserved" does not overwrite the title.
    let event_id = event["id"].as_str().unwrap().to_owned();
    h.graph
        .edit(
            GYM_MAILBOX,
            &event_id,
            json!({"start": utc(at(3, 18)), "end": utc(at(3, 20))}),
        )
        .await;
    h.settle(4).await;
    let reservation = h.booking.get(&id).await;
    assert_eq!(reservation["title"], "Grief support group");
    assert_eq!(reservation["organisation"], "Nordvik Choir");
    let start = chrono::DateTime::parse_from_rfc3339(reservation["start"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(start, at(3, 18));

    // Someone types a title over "Reserved": nothing changes in the booking system, and the
    // Outlook event shows "Reserved" again.
    let version = reservation["version"].clone();
    h.graph
        .edit(GYM_MAILBOX, &event_id, json!({"subject": "Taken by Kari"}))
        .await;
    h.settle(4).await;
    let reservation = h.booking.get(&id).await;
    assert_eq!(reservation["title"], "Grief support group");
    assert_eq!(
        reservation["version"], version,
        "the booking system was written"
    );
    assert_eq!(the_event(&h).await["subject"], "Reserved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_mode_updates_every_event_roombridge_wrote_on_the_next_cycle() {
    let h = Harness::start().await;
    h.booking
        .create(GYM, "Grief support group", at(3, 17), at(3, 19))
        .await;
    h.settle(4).await;
    assert_eq!(the_event(&h).await["subject"], "Grief support group");

    // One cycle after each change, the event shows the new mode; then nothing more to do.
    for (mode, subject) in [
        ("organisation", "Nordvik Choir"),
        ("reserved", "Reserved"),
        ("full", "Grief support group"),
    ] {
        set_privacy(&h, mode);
        h.cycle().await;
        let event = the_event(&h).await;
        assert_eq!(event["subject"], subject, "{mode}");
        // The audit history says why the event was written.
        let last = h.app.list_history(Some(1), Some(GYM)).unwrap();
        assert_eq!(
            last[0].kind,
            roombridge_app::views::HistoryKind::UpdateEvent,
            "{mode}"
        );
        assert!(
            last[0].detail.contains("privacy mode"),
            "{mode}: {}",
            last[0].detail
        );
        let reports = h.cycle().await;
        assert!(
            reports.iter().all(|r| r.plan.is_empty()),
            "{mode}: {reports:#?}"
        );
    }
    // A meeting made in Outlook keeps its own title whatever the mode.
    set_privacy(&h, "reserved");
    h.graph
        .create(GYM_MAILBOX, "Staff party", at(4, 12), at(4, 13))
        .await;
    h.settle(4).await;
    let subjects: Vec<String> = h
        .graph
        .events(GYM_MAILBOX)
        .await
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(subjects.contains(&"Staff party".to_owned()), "{subjects:?}");
    assert!(subjects.contains(&"Reserved".to_owned()), "{subjects:?}");
}
