//! The Graph requests the tenant doctor makes, against the Graph emulator over loopback HTTP:
//! a sign-in alone, a plain calendar view (of a room, of a person outside the app's scope, of
//! an address nobody has), and a tagged probe event written, read back after the room's
//! calendar processing, and deleted.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use roombridge_connectors::graph::{GraphConfig, GraphConnector, PROBE_BODY, PROBE_SUBJECT, wire};
use roombridge_connectors::{Calendar, ErrorKind};
use roombridge_core::{Mailbox, Secret, SyncWindow};
use roombridge_emulators::graph::{
    AccessScope, CalendarProcessing, GraphEmulator, GraphEmulatorConfig,
};
use roombridge_emulators::seed::Seed;
use url::Url;

const SECRET: &str = "s3cret-for-probes";
const ROOM: &str = "fjord@nordvik.kommune.example";
const PERSON: &str = "kari.nordmann@nordvik.kommune.example";

async fn emulator(edit: impl FnOnce(&mut GraphEmulatorConfig)) -> GraphEmulator {
    let mut config = GraphEmulatorConfig::demo_clean(SECRET);
    config.seed = Seed::Demo;
    edit(&mut config);
    GraphEmulator::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

fn connector(emu: &GraphEmulator, secret: &str) -> GraphConnector {
    let config = GraphConfig {
        graph_base: Url::parse(&emu.graph_base()).unwrap(),
        token_url: Url::parse(&emu.token_url()).unwrap(),
        client_id: roombridge_emulators::demo::DEMO_CLIENT_ID.into(),
        page_size: 50,
    };
    GraphConnector::new(config, Secret::new(secret)).unwrap()
}

fn coming_weeks() -> SyncWindow {
    SyncWindow::around(Utc::now(), 0, 20)
}

#[tokio::test]
async fn signing_in_alone_tells_a_refused_secret_from_a_good_one() {
    let emu = emulator(|_| {}).await;
    connector(&emu, SECRET).sign_in().await.unwrap();
    let err = connector(&emu, "wrong").sign_in().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_calendar_view_names_organizers_and_says_403_or_404_for_mailboxes_it_cannot_read() {
    let emu = emulator(|_| {}).await;
    let c = connector(&emu, SECRET);
    let events = c
        .calendar_view(&Mailbox::new(ROOM), coming_weeks(), 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| !e.is_organizer && e.organizer.as_deref() == Some(PERSON)),
        "{events:#?}"
    );
    let few = c
        .calendar_view(&Mailbox::new(ROOM), coming_weeks(), 1)
        .await
        .unwrap();
    assert_eq!(few.len(), 1, "$top is honoured");

    let denied = c
        .calendar_view(&Mailbox::new(PERSON), coming_weeks(), 1)
        .await
        .unwrap_err();
    assert_eq!((denied.kind, denied.status), (ErrorKind::Auth, Some(403)));
    let missing = c
        .calendar_view(
            &Mailbox::new("nobody@nordvik.kommune.example"),
            coming_weeks(),
            1,
        )
        .await
        .unwrap_err();
    assert_eq!(missing.status, Some(404));
    assert!(
        missing.message.contains("ErrorInvalidUser"),
        "{}",
        missing.message
    );
    emu.shutdown().await;

    // With a tenant-wide scope the person's calendar is readable.
    let emu = emulator(|c| c.scope = AccessScope::Tenant).await;
    let mine = connector(&emu, SECRET)
        .calendar_view(&Mailbox::new(PERSON), coming_weeks(), 100)
        .await
        .unwrap();
    assert!(mine.iter().all(|e| e.is_organizer), "{mine:#?}");
    assert!(!mine.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_probe_is_written_tagged_read_back_as_the_room_changed_it_and_deleted() {
    let emu = emulator(|c| {
        c.rewrite_after = Duration::from_millis(100);
        c.mailboxes
            .iter_mut()
            .find(|m| m.email == ROOM)
            .unwrap()
            .processing = CalendarProcessing::EXCHANGE_DEFAULT;
    })
    .await;
    let c = connector(&emu, SECRET);
    let room = Mailbox::new(ROOM);
    let start = Utc.with_ymd_and_hms(2025, 3, 1, 3, 0, 0).unwrap();
    let created = c
        .create_probe(
            &room,
            start,
            start + chrono::Duration::minutes(5),
            "doctor-probe:t1",
        )
        .await
        .unwrap();
    assert_eq!(created.subject, PROBE_SUBJECT);
    assert_eq!(created.body, PROBE_BODY);
    // The tag is RoomBridge's, with a value no link has.
    let tag = c.tag_of(&room, &created.id).await.unwrap();
    assert_eq!(
        tag.map(|t| t.to_string()).as_deref(),
        Some("doctor-probe:t1")
    );

    let mut seen = c.read_probe(&room, &created.id).await.unwrap();
    for _ in 0..50 {
        if seen.version != created.version {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen = c.read_probe(&room, &created.id).await.unwrap();
    }
    assert_eq!(seen.subject, "Town Hall, Meeting Room Fjord");
    assert_eq!(seen.body, "");
    assert_eq!(seen.tag.as_deref(), Some("doctor-probe:t1"));

    c.delete_event(&room, &created.id).await.unwrap();
    let gone = c.read_probe(&room, &created.id).await.unwrap_err();
    assert_eq!(gone.status, Some(404));
    emu.shutdown().await;
}

#[test]
fn an_event_whose_body_the_room_deleted_says_it_has_none() {
    let event = |body: &str| {
        format!(
            r#"{{"id": "e1", "subject": "Town Hall", "body": {body},
                "start": {{"dateTime": "2030-01-10T17:00:00", "timeZone": "UTC"}},
                "end": {{"dateTime": "2030-01-10T18:00:00", "timeZone": "UTC"}},
                "organizer": {{"emailAddress": {{"name": "Town Hall", "address": "hall@x.example"}}}}}}"#
        )
    };
    let read = |body: &str| wire::parse_event(&event(body), chrono_tz::Europe::Oslo).unwrap();
    assert!(read(r#"{"contentType": "text", "content": ""}"#).body_is_empty);
    assert!(
        read(r#"{"contentType": "html", "content": "<html><body> </body></html>"}"#).body_is_empty
    );
    assert!(read("null").body_is_empty);
    let written = read(r#"{"contentType": "text", "content": "Organisation: Choir"}"#);
    assert!(!written.body_is_empty);
    assert_eq!(written.content.organisation, "Choir");
}
