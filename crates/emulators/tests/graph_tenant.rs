//! The Graph emulator's tenant over real HTTP: its directory (resource mailboxes, people's
//! mailboxes, addresses nobody has), the application's access scope and `Place.Read.All`,
//! the plain `calendarView`, and Exchange's calendar processing per room. Each test fails if
//! the emulator becomes kinder than Exchange Online.

mod common;

use std::time::Duration;

use common::{OTHER_ROOM, ROOM, SECRET, clean, eventually, start};
use reqwest::{Method, StatusCode};
use roombridge_emulators::demo::{DEMO_PEOPLE, DEMO_PROCESSING_ROOM};
use roombridge_emulators::graph::{
    AccessScope, CalendarProcessing, GraphEmulator, GraphEmulatorConfig,
};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

const THIRD_ROOM: &str = "school-music@nordvik.kommune.example";
const PERSON: &str = "kari.nordmann@nordvik.kommune.example";
const NOBODY: &str = "nobody@nordvik.kommune.example";
const WINDOW: &str = "startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z";

/// The shared client, but every request asks for text bodies (these tests read bodies back).
struct Api(common::Api);

impl std::ops::Deref for Api {
    type Target = common::Api;

    fn deref(&self) -> &common::Api {
        &self.0
    }
}

impl Api {
    async fn new(emu: &GraphEmulator) -> Api {
        Api(common::Api::new(emu).await)
    }

    fn req(&self, method: Method, path_or_url: &str) -> reqwest::RequestBuilder {
        self.0
            .req(method, path_or_url)
            .header("Prefer", "outlook.body-content-type=\"text\"")
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.json(self.req(Method::GET, path)).await
    }

    async fn create(&self, mailbox: &str, subject: &str, day: u32) -> (StatusCode, Value) {
        self.json(
            self.req(Method::POST, &format!("/users/{mailbox}/events"))
                .json(&event_body(subject, day)),
        )
        .await
    }

    async fn created(&self, mailbox: &str, subject: &str, day: u32) -> Value {
        let (s, v) = self.create(mailbox, subject, day).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    async fn event(&self, mailbox: &str, id: &Value) -> Value {
        let (s, v) = self
            .get(&format!("/users/{mailbox}/events/{}", id.as_str().unwrap()))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
}

fn event_body(subject: &str, day: u32) -> Value {
    common::event_on(subject, "Rehearsal before the concert", day)
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );
}

// ---------------------------------------------------------------------------------------------
// The directory and the access scope

#[tokio::test]
async fn an_address_nobody_has_is_an_invalid_user_whatever_the_scope() {
    for scope in [AccessScope::Resources, AccessScope::Tenant] {
        let mut config = clean(Seed::Empty);
        config.scope = scope;
        let emu = start(config).await;
        let api = Api::new(&emu).await;
        for (s, v) in [
            api.get(&format!("/users/{NOBODY}/calendarView?{WINDOW}"))
                .await,
            api.get(&format!("/users/{NOBODY}/calendarView/delta?{WINDOW}"))
                .await,
            api.get(&format!("/users/{NOBODY}/events/AAMkADx")).await,
            api.create(NOBODY, "Choir", 10).await,
        ] {
            // Not 403: the mailbox is not outside the app's reach, it does not exist.
            assert_error(s, &v, StatusCode::NOT_FOUND, "ErrorInvalidUser");
            assert_eq!(
                v["error"]["message"],
                format!("The requested user '{NOBODY}' is invalid.")
            );
        }
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn a_persons_mailbox_is_access_denied_to_an_app_scoped_to_resources() {
    let emu = start(clean(Seed::Demo)).await;
    let api = Api::new(&emu).await;
    for (s, v) in [
        api.get(&format!("/users/{PERSON}/calendarView?{WINDOW}"))
            .await,
        api.get(&format!("/users/{PERSON}/calendarView/delta?{WINDOW}"))
            .await,
        api.get(&format!("/users/{PERSON}/events/AAMkADx")).await,
        api.create(PERSON, "Choir", 10).await,
        // Upper case is the same mailbox.
        api.get(&format!(
            "/users/{}/calendarView?{WINDOW}",
            PERSON.to_uppercase()
        ))
        .await,
    ] {
        assert_error(s, &v, StatusCode::FORBIDDEN, "ErrorAccessDenied");
        assert_eq!(
            v["error"]["message"],
            "Access is denied. Check credentials and try again."
        );
    }
    // The rooms stay open.
    let (s, v) = api
        .get(&format!("/users/{ROOM}/calendarView?{WINDOW}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_tenant_wide_scope_opens_peoples_calendars_which_hold_their_own_meetings() {
    let mut config = clean(Seed::Demo);
    config.scope = AccessScope::Tenant;
    let emu = start(config).await;
    let api = Api::new(&emu).await;
    let now = chrono::Utc::now();
    let window = format!(
        "startDateTime={}&endDateTime={}",
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        (now + chrono::Duration::days(20)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    let (s, v) = api
        .get(&format!("/users/{PERSON}/calendarView?{window}&$top=50"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mine = v["value"].as_array().unwrap();
    assert!(!mine.is_empty(), "Kari organises demo meetings: {v}");
    for e in mine {
        assert_eq!(e["isOrganizer"], true, "{e}");
        assert_eq!(e["organizer"]["emailAddress"]["address"], PERSON);
    }
    // The room's copy of the same meeting has another id and the same iCalUId.
    let (_, room) = api
        .get(&format!("/users/{ROOM}/calendarView?{window}&$top=50"))
        .await;
    let theirs = room["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["organizer"]["emailAddress"]["address"] == PERSON)
        .expect("Kari's staff meeting is in the Fjord room");
    assert_eq!(theirs["isOrganizer"], false);
    let own = mine
        .iter()
        .find(|e| e["iCalUId"] == theirs["iCalUId"])
        .expect("Kari's own copy");
    assert_ne!(own["id"], theirs["id"]);
    // People are not places.
    let (_, rooms) = api.get("/places/microsoft.graph.room").await;
    let emails: Vec<&str> = rooms["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["emailAddress"].as_str().unwrap())
        .collect();
    for (_, person) in DEMO_PEOPLE {
        assert!(!emails.contains(person), "{emails:?}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn without_place_read_all_places_are_access_denied_and_calendars_still_open() {
    let mut config = clean(Seed::Empty);
    config.place_read_all = false;
    let emu = start(config).await;
    let api = Api::new(&emu).await;
    for path in [
        "/places/microsoft.graph.room",
        "/places/microsoft.graph.roomlist",
        "/places/town-hall-rooms@nordvik.kommune.example/microsoft.graph.roomlist/rooms",
    ] {
        let (s, v) = api.get(path).await;
        assert_error(s, &v, StatusCode::FORBIDDEN, "ErrorAccessDenied");
    }
    api.created(ROOM, "Choir", 10).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn the_demo_tenant_plants_a_processing_room_and_a_tenant_wide_scope_and_the_clean_one_neither()
 {
    let demo = GraphEmulatorConfig::demo(SECRET);
    assert_eq!(demo.scope, AccessScope::Tenant);
    let processing: Vec<(&str, CalendarProcessing)> = demo
        .mailboxes
        .iter()
        .filter(|m| m.processing.changes_events())
        .map(|m| (m.email.as_str(), m.processing))
        .collect();
    assert_eq!(
        processing,
        [(DEMO_PROCESSING_ROOM, CalendarProcessing::EXCHANGE_DEFAULT)]
    );
    assert!(!demo.rewrite_subjects);

    let clean = GraphEmulatorConfig::demo_clean(SECRET);
    assert_eq!(clean.scope, AccessScope::Resources);
    assert!(
        clean
            .mailboxes
            .iter()
            .all(|m| !m.processing.changes_events())
    );
    assert!(clean.place_read_all && demo.place_read_all);

    // Over HTTP: the demo lets the app read a person's calendar; the clean tenant does not.
    let emu = start(demo).await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .get(&format!("/users/{PERSON}/calendarView?{WINDOW}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    emu.shutdown().await;
    let emu = start(clean).await;
    let api = Api::new(&emu).await;
    let (s, _) = api
        .get(&format!("/users/{PERSON}/calendarView?{WINDOW}"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// calendarView

#[tokio::test]
async fn calendar_view_needs_a_window_and_pages_ten_at_a_time_or_by_top() {
    let emu = start(clean(Seed::Empty)).await;
    let api = Api::new(&emu).await;
    let (s, v) = api.get(&format!("/users/{ROOM}/calendarView")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "ErrorInvalidParameter");
    let (s, _) = api
        .get(&format!(
            "/users/{ROOM}/calendarView?startDateTime=2030-02-01T00:00:00Z&endDateTime=2030-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = api
        .get(&format!("/users/{ROOM}/calendarView?{WINDOW}&$top=0"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    for day in 1..=12 {
        api.created(ROOM, &format!("Choir {day:02}"), day).await;
    }
    // Outside the window: not listed.
    let (s, v) = api
        .json(
            api.req(Method::POST, &format!("/users/{ROOM}/events"))
                .json(&json!({
                    "subject": "Next year",
                    "start": {"dateTime": "2031-01-05T17:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2031-01-05T18:00:00", "timeZone": "UTC"},
                })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (s, first) = api
        .get(&format!("/users/{ROOM}/calendarView?{WINDOW}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert!(
        first["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/calendarView"),
        "{first}"
    );
    assert_eq!(first["value"].as_array().unwrap().len(), 10);
    let next = first["@odata.nextLink"].as_str().expect("a second page");
    let (s, second) = api.get(next).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert!(second.get("@odata.nextLink").is_none());
    let subjects: Vec<String> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["value"].as_array().unwrap())
        .map(|e| e["subject"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=12).map(|d| format!("Choir {d:02}")).collect();
    assert_eq!(subjects, expected, "in start order, each once");

    let (_, top) = api
        .get(&format!("/users/{ROOM}/calendarView?{WINDOW}&$top=5"))
        .await;
    assert_eq!(top["value"].as_array().unwrap().len(), 5);
    assert!(
        top["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("%24top=5")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn calendar_view_lists_a_series_occurrences_but_never_its_master() {
    let emu = start(clean(Seed::Empty)).await;
    let api = Api::new(&emu).await;
    let mut body = event_body("Weekly choir", 7);
    body["recurrence"] = json!({
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "startDate": "2030-01-07", "numberOfOccurrences": 3}
    });
    let (s, master) = api
        .json(
            api.req(Method::POST, &format!("/users/{ROOM}/events"))
                .json(&body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{master}");
    let (_, v) = api
        .get(&format!("/users/{ROOM}/calendarView?{WINDOW}"))
        .await;
    let items = v["value"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{v}");
    assert!(items.iter().all(|e| e["type"] == "occurrence"
        && e["seriesMasterId"] == master["id"]
        && e["id"] != master["id"]));
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Calendar processing per room

fn processing_config(rooms: &[(&str, CalendarProcessing)]) -> GraphEmulatorConfig {
    let mut config = clean(Seed::Empty);
    config.rewrite_after = Duration::from_millis(200);
    for (room, processing) in rooms {
        let m = config
            .mailboxes
            .iter_mut()
            .find(|m| m.email == *room)
            .unwrap();
        m.processing = *processing;
    }
    config
}

#[tokio::test]
async fn a_room_with_exchanges_default_processing_replaces_the_subject_and_drops_the_body() {
    let emu = start(processing_config(&[(
        ROOM,
        CalendarProcessing::EXCHANGE_DEFAULT,
    )]))
    .await;
    let api = Api::new(&emu).await;
    let (_, delta) = api
        .get(&format!("/users/{ROOM}/calendarView/delta?{WINDOW}"))
        .await;
    let delta_link = delta["@odata.deltaLink"].as_str().unwrap().to_owned();
    let created = api.created(ROOM, "Nordvik Choir rehearsal", 10).await;
    // The create's answer is what was written; the room changes it afterwards.
    assert_eq!(created["subject"], "Nordvik Choir rehearsal");
    assert_eq!(created["body"]["content"], "Rehearsal before the concert");
    let organizer = created["organizer"]["emailAddress"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(organizer, "Town Hall, Meeting Room Fjord");
    let processed = eventually(Duration::from_secs(5), || async {
        let e = api.event(ROOM, &created["id"]).await;
        (e["changeKey"] != created["changeKey"]).then_some(e)
    })
    .await;
    assert_eq!(processed["subject"], organizer.as_str());
    assert_eq!(processed["body"]["content"], "");
    assert_eq!(processed["bodyPreview"], "");
    let (_, changes) = api.get(&delta_link).await;
    let items = changes["value"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{changes}");
    assert_eq!(items[0]["subject"], organizer.as_str());
    assert_eq!(items[0]["changeKey"], processed["changeKey"]);

    // Someone else's meeting that lands in the room is processed too: the organizer's name.
    let r = api
        .http
        .post(format!("{}/invitations", emu.admin_url()))
        .bearer_auth(SECRET)
        .json(&json!({
            "mailbox": ROOM,
            "subject": "Budget follow-up",
            "body": {"contentType": "text", "content": "Bring the numbers."},
            "start": {"dateTime": "2030-01-14T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-01-14T10:00:00", "timeZone": "UTC"},
            "organizer": {"name": "Ola Hansen", "address": "ola.hansen@nordvik.kommune.example"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let invitation: Value = r.json().await.unwrap();
    let processed = eventually(Duration::from_secs(5), || async {
        let e = api.event(ROOM, &invitation["id"]).await;
        (e["changeKey"] != invitation["changeKey"]).then_some(e)
    })
    .await;
    assert_eq!(processed["subject"], "Ola Hansen");
    assert_eq!(processed["body"]["content"], "");
    emu.shutdown().await;
}

#[tokio::test]
async fn each_calendar_processing_flag_does_its_own_part() {
    let only = |delete_subject, add_organizer_to_subject, delete_comments| CalendarProcessing {
        delete_subject,
        add_organizer_to_subject,
        delete_comments,
    };
    let emu = start(processing_config(&[
        (ROOM, only(false, false, true)),
        (OTHER_ROOM, only(false, true, false)),
        (THIRD_ROOM, only(true, false, false)),
    ]))
    .await;
    let api = Api::new(&emu).await;
    let mut created = Vec::new();
    for room in [ROOM, OTHER_ROOM, THIRD_ROOM] {
        created.push((room, api.created(room, "Choir", 10).await));
    }
    let mut after = Vec::new();
    for (room, e) in &created {
        let processed = eventually(Duration::from_secs(5), || async {
            let now = api.event(room, &e["id"]).await;
            (now["changeKey"] != e["changeKey"]).then_some(now)
        })
        .await;
        after.push((
            processed["subject"].as_str().unwrap().to_owned(),
            processed["body"]["content"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        after,
        [
            ("Choir".to_owned(), String::new()),
            (
                "Town Hall, Meeting Room Skog Choir".to_owned(),
                "Rehearsal before the concert".to_owned()
            ),
            (String::new(), "Rehearsal before the concert".to_owned()),
        ]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_room_without_calendar_processing_keeps_what_was_written() {
    let emu = start(processing_config(&[(
        ROOM,
        CalendarProcessing::EXCHANGE_DEFAULT,
    )]))
    .await;
    let api = Api::new(&emu).await;
    let untouched = api.created(OTHER_ROOM, "Choir", 10).await;
    let processed = api.created(ROOM, "Choir", 10).await;
    // Once the processing room has changed its event, the other room would have too.
    eventually(Duration::from_secs(5), || async {
        let e = api.event(ROOM, &processed["id"]).await;
        (e["changeKey"] != processed["changeKey"]).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = api.event(OTHER_ROOM, &untouched["id"]).await;
    assert_eq!(e["changeKey"], untouched["changeKey"]);
    assert_eq!(e["subject"], "Choir");
    assert_eq!(e["body"]["content"], "Rehearsal before the concert");
    emu.shutdown().await;
}
