//! A booking system with no change feed (PorticoEstate's way): the engine reads a resource's
//! active reservations in the window each cycle and derives the changes. Created and changed
//! reservations reach Outlook, one that disappears inside the window is a cancellation, one
//! that leaves the window is not cancelled in the booking system, and a reading with nothing
//! new plans nothing.

mod sides;

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, Utc};
use roombridge_core::content::{Content, When};
use roombridge_core::reservation::Level;
use roombridge_core::{Mailbox, Reservation, ReservationId, ReservationStatus, ResourceId, RoomId};
use roombridge_engine::cycle::{self, CycleMode, CycleReport};
use roombridge_engine::{EngineConfig, EngineContext};
use roombridge_store::Store;
use roombridge_store::rooms::{self, Room};

use sides::{Data, Sides};

struct World {
    sides: Arc<Sides>,
    context: EngineContext,
    room: Room,
}

fn tomorrow_at(days: i64, hour: i64) -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::days(1)).unwrap()
        + Duration::days(days)
        + Duration::hours(hour)
}

fn world() -> World {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let room = Room {
        id: RoomId::new("gym"),
        name: "Gym".into(),
        kind: "room".into(),
        mailbox: Mailbox::new("gym@example.test"),
        resource: ResourceId::new("gym"),
        time_zone: "Europe/Oslo".into(),
        paused: false,
    };
    store
        .write(|c| rooms::upsert(c, &room, Utc::now()))
        .unwrap();
    let sides = Arc::new(Sides::snapshot_source(Data::new(
        chrono_tz::Europe::Oslo,
        Utc::now(),
    )));
    let (events, _) = tokio::sync::broadcast::channel(64);
    let context = EngineContext::new(
        store,
        sides.clone(),
        sides.clone(),
        EngineConfig::default(),
        events,
    );
    World {
        sides,
        context,
        room,
    }
}

impl World {
    async fn cycle(&self) -> CycleReport {
        let report = cycle::run(&self.context, &self.room, CycleMode::Execute).await;
        assert!(report.ok(), "{:?}", report.error);
        report
    }

    /// A reservation made in the booking system.
    fn book(&self, id: &str, title: &str, day: i64) {
        self.sides.with(|d| {
            d.reservations.insert(
                ReservationId::new(id),
                Reservation {
                    id: ReservationId::new(id),
                    resource: ResourceId::new("gym"),
                    level: Level::Event,
                    parent: None,
                    content: Content {
                        title: title.into(),
                        when: When::Timed {
                            start: tomorrow_at(day, 17),
                            end: tomorrow_at(day, 18),
                        },
                        time_zone: "Europe/Oslo".into(),
                        organisation: "Nordvik IL".into(),
                        description: String::new(),
                    },
                    status: ReservationStatus::Active,
                    version: 1,
                    updated_at: Utc::now(),
                    recurrence: None,
                    tag: None,
                },
            );
        });
    }

    fn change(&self, id: &str, f: impl FnOnce(&mut Reservation)) {
        self.sides
            .with(|d| f(d.reservations.get_mut(&ReservationId::new(id)).unwrap()));
    }

    fn outlook_titles(&self) -> Vec<String> {
        let mut titles: Vec<String> = self
            .sides
            .with(|d| d.events.values().map(|e| e.content.title.clone()).collect());
        titles.sort();
        titles
    }
}

#[tokio::test]
async fn a_snapshot_source_syncs_creates_changes_and_cancellations_but_not_leaving_the_window() {
    let w = world();
    w.book("1", "Training", 1);
    w.book("2", "Concert", 2);
    w.book("3", "Quiz", 3);
    w.cycle().await;
    assert_eq!(w.outlook_titles(), ["Concert", "Quiz", "Training"]);

    // Nothing new: nothing planned.
    let idle = w.cycle().await;
    assert!(idle.plan.is_empty(), "{}", idle.plan);

    // A change in the booking system reaches Outlook.
    w.change("1", |r| r.content.title = "Training (hall B)".into());
    w.cycle().await;
    assert_eq!(w.outlook_titles(), ["Concert", "Quiz", "Training (hall B)"]);

    // Cancelled: the snapshot no longer shows it, inside the window, so it is a cancellation.
    w.change("2", |r| r.status = ReservationStatus::Cancelled);
    w.cycle().await;
    assert_eq!(w.outlook_titles(), ["Quiz", "Training (hall B)"]);

    // Moved far beyond the window: gone from this window's Outlook calendar as well, and
    // nothing is written back to the booking system, where it stays active.
    w.change("3", |r| {
        r.content.when = When::Timed {
            start: tomorrow_at(900, 17),
            end: tomorrow_at(900, 18),
        }
    });
    w.cycle().await;
    assert_eq!(w.outlook_titles(), ["Training (hall B)"]);
    let (booking_writes, _) = w.sides.take_writes();
    assert!(booking_writes.is_empty(), "{booking_writes:?}");
    assert!(
        w.sides
            .with(|d| d.reservations[&ReservationId::new("3")].is_active())
    );

    let settled = w.cycle().await;
    assert!(settled.plan.is_empty(), "{}", settled.plan);
}
