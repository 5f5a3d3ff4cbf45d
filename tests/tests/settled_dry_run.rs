//! A dry run of a settled room (issue 15): when the room's last plan found nothing to do and
//! nothing it was made from has changed, the dry run reads only the change feeds. Whatever
//! they bring, a change of policy or window, or work waiting, makes it a whole dry run again,
//! which shows the change.

use std::collections::HashMap;

use roombridge_app::setup::DemoOptions;
use roombridge_core::plan::Action;
use roombridge_core::policy::Policy;
use roombridge_emulators::graph::GraphRoute;
use roombridge_emulators::seed::Seed;
use roombridge_engine::{CycleMode, EngineConfig};
use roombridge_store::{rooms, settings};
use roombridge_tests::Harness;

async fn dry_run(h: &Harness) -> Vec<std::sync::Arc<roombridge_engine::CycleReport>> {
    h.app.sync_all(CycleMode::DryRun).await.expect("dry run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settled_room_s_dry_run_reads_only_the_feeds_and_still_sees_every_change() {
    // The shipped engine (tests elsewhere compare Outlook series on every cycle, which is work
    // waiting each time).
    let options = DemoOptions {
        seed: Seed::Demo,
        ..DemoOptions::default()
    };
    let h = Harness::start_engine(options, EngineConfig::default()).await;
    h.settle(6).await;
    // What the last (empty) plans left held in conflict, room by room.
    let held: HashMap<_, _> = h
        .cycle()
        .await
        .iter()
        .map(|r| (r.room.clone(), r.plan.held))
        .collect();
    assert!(held.values().any(|n| *n > 0), "the demo holds conflicts");

    // Settled: each room reads its two feeds, and the answer is the last plan's.
    h.servers.graph.reset_stats();
    let reports = dry_run(&h).await;
    for r in &reports {
        assert!(r.ok(), "{:?}", r.error);
        assert!(r.quiet, "{} was planned again", r.room_name);
        assert!(r.plan.is_empty());
        assert_eq!(r.plan.held, held[&r.room], "{}", r.room_name);
        assert!(r.cycle > 0);
    }
    let stats = h.servers.graph.stats();
    assert_eq!(
        stats.sent(GraphRoute::Delta),
        reports.len() as u64,
        "one Outlook delta read per room: {stats:?}"
    );

    // A booking-system change: the dry run of its room is a whole one and shows the update,
    // again and again until a sync carries it out.
    let room = h.app.store().read(rooms::list).unwrap().remove(0);
    let reservation = h.booking.reservations(room.resource.as_str()).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    h.booking
        .rename(&reservation, "Renamed for the dry run")
        .await;
    for _ in 0..2 {
        let reports = dry_run(&h).await;
        let mine = reports.iter().find(|r| r.room == room.id).unwrap();
        assert!(!mine.quiet);
        assert!(
            mine.plan
                .actions
                .iter()
                .any(|a| matches!(a, Action::UpdateEvent { .. })),
            "{}",
            mine.plan
        );
        assert!(
            reports
                .iter()
                .filter(|r| r.room != room.id)
                .all(|r| r.quiet)
        );
    }
    h.settle(4).await;
    assert!(dry_run(&h).await.iter().all(|r| r.quiet));

    // A changed policy or window: every room plans again in its dry run.
    let policy = h.app.store().read(settings::default_policy).unwrap();
    let other = if policy == Policy::BookingWins {
        Policy::CalendarWins
    } else {
        Policy::BookingWins
    };
    h.app
        .store()
        .write(|c| settings::set_default_policy(c, other))
        .unwrap();
    assert!(dry_run(&h).await.iter().all(|r| !r.quiet));
    h.app
        .store()
        .write(|c| settings::set_default_policy(c, policy))
        .unwrap();
    h.settle(4).await;
    assert!(dry_run(&h).await.iter().all(|r| r.quiet));
    h.app
        .store()
        .write(|c| {
            settings::set_window(
                c,
                settings::Window {
                    days_back: 3,
                    days_ahead: 60,
                },
            )
        })
        .unwrap();
    assert!(dry_run(&h).await.iter().all(|r| !r.quiet));
}
