//! Sync under fire: about one Graph request in five fails, in every way the emulator knows
//! (throttling with fractional Retry-After, 5xx, slow answers, timeouts, dropped connections
//! with and without the write applied, expired delta tokens), and the booking API fails in
//! bursts. Edits keep arriving on both sides. When it is over, both sides hold exactly the
//! same reservations, with no duplicate and no lost change.

use std::time::Duration;

use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute};
use roombridge_tests::{GraphLimits, Harness, Seed, at};

const GYM: &str = "res-school-gym";
const GYM_MAILBOX: &str = "school-gym@nordvik.kommune.example";
const STAGE: &str = "res-culture-stage";
const STAGE_MAILBOX: &str = "culture-stage@nordvik.kommune.example";

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn outlook(h: &Harness, mailbox: &str) -> Vec<String> {
    sorted(
        h.graph
            .events(mailbox)
            .await
            .iter()
            .map(|e| e["subject"].as_str().unwrap_or_default().to_owned())
            .collect(),
    )
}

async fn booking(h: &Harness, resource: &str) -> Vec<String> {
    sorted(
        h.booking
            .reservations(resource)
            .await
            .iter()
            .filter(|r| r["status"] == "active")
            .map(|r| r["title"].as_str().unwrap_or_default().to_owned())
            .collect(),
    )
}

fn faults() -> Vec<Fault> {
    // Ten kinds at 2 % each: about one request in five meets one of them.
    let p = 0.02;
    [
        FaultKind::Throttle { retry_after: 0.128 },
        FaultKind::ServerError {
            status: 500,
            retry_after: None,
        },
        FaultKind::ServerError {
            status: 502,
            retry_after: None,
        },
        FaultKind::ServerError {
            status: 503,
            retry_after: Some(0.2),
        },
        FaultKind::ServerError {
            status: 504,
            retry_after: None,
        },
        FaultKind::Slow { delay_ms: 300 },
        FaultKind::Timeout,
        FaultKind::DropConnection { apply_effect: true },
        FaultKind::DropConnection {
            apply_effect: false,
        },
        FaultKind::DeltaGone,
    ]
    .into_iter()
    .map(|kind| Fault::new(FaultRoute::Any, kind).with_probability(p))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fifth_of_requests_failing_both_sides_converge_without_duplicates() {
    let limits = GraphLimits {
        request_timeout: Duration::from_secs(2),
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        max_total_wait: Duration::from_secs(5),
        ..GraphLimits::default()
    };
    let h = Harness::start_with(Seed::Empty, limits).await;
    for fault in faults() {
        h.servers.graph.inject(fault).unwrap();
    }

    let mut expected_gym = Vec::new();
    let mut gym_ids = Vec::new();
    for day in 1..=6 {
        let title = format!("Club evening {day}");
        gym_ids.push(
            h.booking
                .create(GYM, &title, at(day, 17), at(day, 19))
                .await,
        );
        expected_gym.push(title);
    }
    let mut stage_events = Vec::new();
    for day in 1..=4 {
        let title = format!("Rehearsal {day}");
        stage_events.push(
            h.graph
                .create(STAGE_MAILBOX, &title, at(day, 9), at(day, 10))
                .await,
        );
    }
    let mut expected_stage: Vec<String> = (1..=4).map(|d| format!("Rehearsal {d}")).collect();

    for round in 0..12 {
        let reports = h.cycle_allowing_failures().await;
        // Edits keep arriving between cycles, on both sides.
        match round {
            1 => {
                h.booking
                    .rename(&gym_ids[0], "Club evening 1 (moved hall)")
                    .await;
                expected_gym[0] = "Club evening 1 (moved hall)".into();
            }
            3 => {
                h.booking.cancel(&gym_ids[1]).await;
                expected_gym.remove(1);
                h.booking.fail_next(503, 3).await;
            }
            5 => {
                h.graph
                    .rename(STAGE_MAILBOX, &stage_events[0], "Rehearsal 1, full cast")
                    .await;
                expected_stage[0] = "Rehearsal 1, full cast".into();
            }
            7 => {
                h.graph.delete(STAGE_MAILBOX, &stage_events[3]).await;
                expected_stage.pop();
            }
            9 => h.booking.fail_next(500, 2).await,
            _ => {}
        }
        let failed = reports.iter().filter(|r| !r.ok()).count();
        eprintln!("round {round}: {failed} rooms failed");
    }

    // The storm passes; the next cycles finish the work and then plan nothing.
    h.servers.graph.clear_faults();
    h.settle(6).await;

    assert_eq!(outlook(&h, GYM_MAILBOX).await, sorted(expected_gym.clone()));
    assert_eq!(booking(&h, GYM).await, sorted(expected_gym));
    assert_eq!(
        outlook(&h, STAGE_MAILBOX).await,
        sorted(expected_stage.clone())
    );
    assert_eq!(booking(&h, STAGE).await, sorted(expected_stage));
    for room in h.app.list_rooms().unwrap() {
        assert_eq!(
            room.counts.conflicts, 0,
            "{}: a conflict appeared",
            room.name
        );
    }
    // The storm was real: RoomBridge's Graph client had to retry, many times.
    let client = h.graph_client.stats();
    assert!(client.retries >= 5, "{client:?}");
}

/// A series whose create reached Outlook but whose answer never came back (every attempt's
/// connection dropped after the write): once Graph answers again, Outlook shows exactly the
/// booking system's occurrences (the rule's skipped months included), nothing twice, and the
/// next cycle plans nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_create_that_fails_half_way_is_repaired_to_the_reservation() {
    let limits = GraphLimits {
        request_timeout: Duration::from_secs(2),
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_total_wait: Duration::from_secs(2),
        ..GraphLimits::default()
    };
    let h = Harness::start_with(Seed::Empty, limits).await;
    // An all-day monthly allocation on the 31st: months without one are skipped.
    let mut first = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    while chrono::Datelike::day(&first) != 31 {
        first += chrono::Duration::days(1);
    }
    let series = h
        .booking
        .insert(serde_json::json!({
            "resource_id": GYM,
            "level": "allocation",
            "title": "Inventory",
            "organisation": "Nordvik kommune",
            "all_day": true,
            "start": first.to_string(),
            "end": (first + chrono::Duration::days(1)).to_string(),
            "time_zone": "Europe/Oslo",
            "recurrence": {"rrule": "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3"},
        }))
        .await;
    h.servers
        .graph
        .inject(
            Fault::new(
                FaultRoute::CreateEvent,
                FaultKind::DropConnection { apply_effect: true },
            )
            .times(50),
        )
        .unwrap();
    let reports = h.cycle_allowing_failures().await;
    assert!(
        reports.iter().any(|r| r.failed > 0 || r.error.is_some()),
        "the create failed as far as RoomBridge knows"
    );
    assert!(
        !h.graph.events(GYM_MAILBOX).await.is_empty(),
        "but the series is in Outlook"
    );
    h.servers.graph.clear_faults();
    h.settle(6).await;

    let mut dates: Vec<String> = h
        .graph
        .events(GYM_MAILBOX)
        .await
        .iter()
        .filter(|e| e["subject"] == "Inventory")
        .map(|e| {
            assert_eq!(e["isAllDay"], true, "{e}");
            e["start"]["dateTime"].as_str().unwrap()[..10].to_owned()
        })
        .collect();
    dates.sort();
    let reservation = h.booking.get(&series).await;
    assert_eq!(reservation["status"], "active", "{reservation}");
    let mut want = Vec::new();
    let mut d = first;
    while want.len() < 3 {
        if chrono::Datelike::day(&d) == 31 {
            want.push(d.to_string());
        }
        d += chrono::Duration::days(1);
    }
    assert_eq!(dates, want, "one all-day event per occurrence, on its date");
    let reports = h.cycle().await;
    assert!(
        reports.iter().all(|r| r.plan.is_empty()),
        "nothing left to do"
    );
}
