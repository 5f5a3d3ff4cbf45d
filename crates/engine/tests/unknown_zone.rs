//! A room whose time zone is not a known IANA zone (a database edited by hand, an old mapping)
//! fails its cycles with words the facility manager can act on; nothing is read in another
//! zone and nothing is written.

mod sides;

use std::sync::Arc;

use chrono::Utc;
use roombridge_core::{Mailbox, ResourceId, RoomId};
use roombridge_engine::cycle::{self, CycleMode};
use roombridge_engine::{EngineConfig, EngineContext};
use roombridge_store::Store;
use roombridge_store::rooms::{self, Room};

use sides::{Data, Sides};

#[tokio::test]
async fn a_room_in_an_unknown_zone_fails_with_what_to_fix_and_writes_nothing() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let room = Room {
        id: RoomId::new("room"),
        name: "Gym".into(),
        kind: "room".into(),
        mailbox: Mailbox::new("gym@example.test"),
        resource: ResourceId::new("gym"),
        time_zone: "Europe/Atlantis".into(),
        paused: false,
    };
    store
        .write(|c| rooms::upsert(c, &room, Utc::now()))
        .unwrap();
    let sides = Arc::new(Sides::new(Data::new(chrono_tz::Europe::Oslo, Utc::now())));
    let (events, _) = tokio::sync::broadcast::channel(16);
    let context = EngineContext::new(
        store,
        sides.clone(),
        sides.clone(),
        EngineConfig::default(),
        events,
    );
    let report = cycle::run(&context, &room, CycleMode::Execute).await;
    let error = report.error.expect("the cycle fails");
    assert!(error.contains("\"Europe/Atlantis\""), "{error}");
    assert!(error.contains("fix it in the room's mapping"), "{error}");
    assert_eq!(sides.take_writes(), (Vec::new(), Vec::new()));
}
