//! A panic inside a room's cycle reaches the supervisor: the room is restarted, and after
//! repeated failures reported failed, while the other rooms keep syncing. (In-process
//! connectors: the only way to make a cycle panic on purpose; the real ones are tested against
//! the emulators elsewhere.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod sides;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use roombridge_connectors::{Booking, BookingChanges, ConnectorError, Resource};
use roombridge_core::{Content, LinkId, Mailbox, Reservation, ReservationId, ResourceId, RoomId};
use roombridge_engine::{Engine, EngineConfig, EngineContext, EngineEvent};
use roombridge_store::Store;
use roombridge_store::rooms::{self, Room};
use sides::{Data, Sides};

/// A booking system whose change feed panics for one resource and is empty for the others.
struct PanickingBooking {
    panics_for: ResourceId,
    reads: AtomicUsize,
}

#[async_trait]
impl Booking for PanickingBooking {
    async fn resources(&self) -> Result<Vec<Resource>, ConnectorError> {
        Ok(Vec::new())
    }
    async fn changes(
        &self,
        resource: &ResourceId,
        _cursor: Option<&str>,
    ) -> Result<BookingChanges, ConnectorError> {
        if resource == &self.panics_for {
            panic!("a bug in reading {resource}");
        }
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(BookingChanges {
            cursor: "c".into(),
            ..BookingChanges::default()
        })
    }
    async fn create_reservation(
        &self,
        _: &ResourceId,
        _: &Content,
        _: &LinkId,
        _: &str,
    ) -> Result<Reservation, ConnectorError> {
        unreachable!("nothing to write")
    }
    async fn update_reservation(
        &self,
        _: &ReservationId,
        _: i64,
        _: &Content,
    ) -> Result<Reservation, ConnectorError> {
        unreachable!("nothing to write")
    }
    async fn create_override(
        &self,
        _: &ResourceId,
        _: &ReservationId,
        _: &Content,
        _: &LinkId,
        _: &str,
    ) -> Result<Reservation, ConnectorError> {
        unreachable!("nothing to write")
    }
    async fn skip_occurrence(
        &self,
        _: &ReservationId,
        _: i64,
        _: NaiveDate,
    ) -> Result<Reservation, ConnectorError> {
        unreachable!("nothing to write")
    }
    async fn cancel_reservation(
        &self,
        _: &ReservationId,
        _: i64,
        _: &str,
    ) -> Result<Reservation, ConnectorError> {
        unreachable!("nothing to write")
    }
}

fn room(id: &str) -> Room {
    Room {
        id: RoomId::new(id),
        name: id.to_owned(),
        kind: "room".into(),
        mailbox: Mailbox::new(format!("{id}@example.test")),
        resource: ResourceId::new(id),
        time_zone: "Europe/Oslo".into(),
        paused: false,
    }
}

/// Issue 12, bug 5: before, the panic ended the cycle's task and nothing else; the room never
/// finished a cycle again and nobody was told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_cycle_restarts_the_room_and_then_reports_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("rb.sqlite")).unwrap());
    store
        .write(|c| {
            rooms::upsert(c, &room("broken"), Utc::now())?;
            rooms::upsert(c, &room("fine"), Utc::now())
        })
        .unwrap();
    let booking = Arc::new(PanickingBooking {
        panics_for: ResourceId::new("broken"),
        reads: AtomicUsize::new(0),
    });
    let (events, mut rx) = tokio::sync::broadcast::channel(256);
    let context = Arc::new(EngineContext::new(
        store,
        Arc::new(Sides::new(Data::new(chrono_tz::Europe::Oslo, Utc::now()))),
        booking.clone(),
        EngineConfig {
            poll_interval: Some(Duration::from_millis(200)),
            max_restarts: 1,
            restart_window: Duration::from_secs(600),
            ..EngineConfig::default()
        },
        events,
    ));
    let engine = Engine::start(context).await.unwrap();
    let (room, message) = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await {
                Ok(EngineEvent::RoomFailed { room, message }) => return (room, message),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("engine events ended: {e}"),
            }
        }
    })
    .await
    .expect("the panicking room is reported failed, not silently stopped");
    assert_eq!(room, RoomId::new("broken"));
    assert!(
        message.contains("2 times"),
        "restarted once first: {message}"
    );
    assert!(message.contains("a bug in reading broken"), "{message}");
    // The other room kept syncing all along.
    assert!(booking.reads.load(Ordering::SeqCst) >= 2);
    engine.stop().await;
}
