//! The Graph emulator over real HTTP on loopback.

mod common;

use std::collections::BTreeSet;

use common::{Api, ROOM, SECRET, TAG, clean, token, token_with, window_path};
use reqwest::{Client, StatusCode};
use roombridge_emulators::graph::GraphEmulator;
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

async fn start(seed: Seed) -> GraphEmulator {
    common::start(clean(seed)).await
}

impl Api {
    /// Follows a delta round to its deltaLink; returns all items and the deltaLink.
    async fn delta_round(&self, first: &str, page_size: usize) -> (Vec<Value>, String, usize) {
        let mut items = Vec::new();
        let mut url = first.to_owned();
        let mut pages = 0;
        loop {
            pages += 1;
            let (s, v) = self
                .json(
                    self.req(reqwest::Method::GET, &url)
                        .header("Prefer", format!("odata.maxpagesize={page_size}")),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert!(v["value"].as_array().unwrap().len() <= page_size);
            items.extend(v["value"].as_array().unwrap().iter().cloned());
            if let Some(next) = v["@odata.nextLink"].as_str() {
                assert!(next.contains("$skiptoken="));
                url = next.to_owned();
            } else {
                let delta = v["@odata.deltaLink"]
                    .as_str()
                    .expect("last page has a deltaLink");
                assert!(delta.contains("$deltatoken="));
                return (items, delta.to_owned(), pages);
            }
        }
    }
}

fn event_body(subject: &str, start: &str, end: &str) -> Value {
    common::event_json(
        subject,
        "Organisation: Nordvik Choir\n\nRehearsal",
        start,
        end,
    )
}

#[tokio::test]
async fn token_endpoint_issues_bearer_tokens_and_rejects_wrong_credentials() {
    let emu = start(Seed::Empty).await;
    token(&emu).await;

    let wrong = token_with(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
            ("client_secret", "not-it"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let v: Value = wrong.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215")
    );
    assert_eq!(v["error_codes"][0], 7000215);

    let scope = token_with(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "https://foo.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(scope.status(), StatusCode::BAD_REQUEST);
    let v: Value = scope.json().await.unwrap();
    assert_eq!(v["error"], "invalid_scope");
    emu.shutdown().await;
}

#[tokio::test]
async fn graph_requires_a_valid_token_and_an_allowed_mailbox() {
    let emu = start(Seed::Empty).await;
    let http = Client::new();
    let r = http
        .get(format!("{}/places/microsoft.graph.room", emu.graph_base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");

    let api = Api::new(&emu).await;
    let (s, v) = api
        .json(api.req(
            reqwest::Method::GET,
            "/users/ceo@nordvik.kommune.example/events/x",
        ))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ErrorAccessDenied");

    // Tokens expire.
    emu.expire_tokens();
    let (s, v) = api
        .json(api.req(reqwest::Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
    emu.shutdown().await;
}

#[tokio::test]
async fn rooms_are_listed_in_pages() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let mut url = format!("{}/places/microsoft.graph.room?$top=5", emu.graph_base());
    let mut rooms = Vec::new();
    loop {
        let (s, v) = api.json(api.req(reqwest::Method::GET, &url)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            v["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with("$metadata#places/microsoft.graph.room")
        );
        rooms.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["emailAddress"].as_str().unwrap().to_owned()),
        );
        match v["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(rooms.len(), 12, "the 12 demo rooms, not the equipment");
    assert!(rooms.contains(&ROOM.to_owned()));
    emu.shutdown().await;
}

#[tokio::test]
async fn events_can_be_created_read_updated_and_deleted() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let created = api
        .create(
            ROOM,
            event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T19:00:00"),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["type"], "singleInstance");
    assert_eq!(created["organizer"]["emailAddress"]["address"], ROOM);
    assert_eq!(
        created["@odata.etag"],
        format!("W/\"{}\"", created["changeKey"].as_str().unwrap())
    );
    assert!(created["iCalUId"].is_string() && created["createdDateTime"].is_string());

    let path = format!("/users/{ROOM}/events/{id}");
    let (s, got) = api
        .json(
            api.req(reqwest::Method::GET, &path)
                .header("Prefer", "outlook.timezone=\"W. Europe Standard Time\""),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["start"]["dateTime"], "2030-01-10T18:00:00.0000000");
    assert_eq!(got["start"]["timeZone"], "W. Europe Standard Time");
    let r = api
        .req(reqwest::Method::GET, &path)
        .header("Prefer", "outlook.timezone=\"Europe/Oslo\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["preference-applied"],
        "outlook.timezone=\"Europe/Oslo\""
    );

    let (s, patched) = api
        .json(
            api.req(reqwest::Method::PATCH, &path)
                .json(&json!({"subject": "Choir (moved)"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(patched["subject"], "Choir (moved)");
    assert_ne!(patched["changeKey"], created["changeKey"]);
    assert_ne!(patched["@odata.etag"], created["@odata.etag"]);
    assert_eq!(patched["id"], created["id"], "ids are immutable");

    let (s, _) = api.json(api.req(reqwest::Method::DELETE, &path)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = api.json(api.req(reqwest::Method::GET, &path)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorItemNotFound");
    assert!(v["error"]["innerError"]["request-id"].is_string());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_repeated_transaction_id_returns_the_first_event() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let mut body = event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T19:00:00");
    body["transactionId"] = json!("txn-1");
    let first = api.create(ROOM, body.clone()).await;
    let again = api.create(ROOM, body).await;
    assert_eq!(first["id"], again["id"]);
    let (items, _, _) = api.delta_round(&window_path(ROOM), 10).await;
    assert_eq!(items.len(), 1, "no duplicate");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_stale_if_match_fails_with_412() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let created = api
        .create(
            ROOM,
            event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T19:00:00"),
        )
        .await;
    let path = format!("/users/{ROOM}/events/{}", created["id"].as_str().unwrap());
    let etag = created["@odata.etag"].as_str().unwrap();
    let (s, _) = api
        .json(
            api.req(reqwest::Method::PATCH, &path)
                .header("If-Match", etag)
                .json(&json!({"subject": "A"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .json(
            api.req(reqwest::Method::PATCH, &path)
                .header("If-Match", etag)
                .json(&json!({"subject": "B"})),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    assert_eq!(v["error"]["code"], "ErrorIrresolvableConflict");
    let (_, now) = api.json(api.req(reqwest::Method::GET, &path)).await;
    assert_eq!(now["subject"], "A");
    emu.shutdown().await;
}

#[tokio::test]
async fn extended_properties_come_back_only_when_expanded() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let mut body = event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T19:00:00");
    body["singleValueExtendedProperties"] = json!([{"id": TAG, "value": "b:r:42"}]);
    let created = api.create(ROOM, body).await;
    assert!(created.get("singleValueExtendedProperties").is_none());
    let path = format!("/users/{ROOM}/events/{}", created["id"].as_str().unwrap());
    let (_, plain) = api.json(api.req(reqwest::Method::GET, &path)).await;
    assert!(plain.get("singleValueExtendedProperties").is_none());
    let expand = format!("singleValueExtendedProperties($filter=id eq '{TAG}')");
    let (s, expanded) = api
        .json(
            api.req(reqwest::Method::GET, &path)
                .query(&[("$expand", expand.as_str())]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{expanded}");
    assert_eq!(
        expanded["singleValueExtendedProperties"],
        json!([{"id": TAG, "value": "b:r:42"}])
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn delta_needs_a_window() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .json(api.req(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/calendarView/delta?startDateTime=2030-01-01T00:00:00Z"),
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorInvalidParameter");
    emu.shutdown().await;
}

#[tokio::test]
async fn delta_pages_then_reports_only_changes_and_removals() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let mut ids = Vec::new();
    for day in 10..15 {
        let e = api
            .create(
                ROOM,
                event_body(
                    &format!("Day {day}"),
                    &format!("2030-01-{day}T17:00:00"),
                    &format!("2030-01-{day}T18:00:00"),
                ),
            )
            .await;
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    // Outside the window: never reported.
    api.create(
        ROOM,
        event_body("March", "2030-03-01T10:00:00", "2030-03-01T11:00:00"),
    )
    .await;

    let (items, delta, pages) = api.delta_round(&window_path(ROOM), 2).await;
    assert_eq!(pages, 3);
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|i| i["@odata.type"] == "#microsoft.graph.event"
                && i.get("singleValueExtendedProperties").is_none())
    );

    // Nothing changed: an empty round.
    let (items, delta, _) = api.delta_round(&delta, 2).await;
    assert!(items.is_empty());

    // One changed, one deleted, one moved out of the window, one new.
    let path = |id: &str| format!("/users/{ROOM}/events/{id}");
    api.json(
        api.req(reqwest::Method::PATCH, &path(&ids[0]))
            .json(&json!({"subject": "Changed"})),
    )
    .await;
    api.json(api.req(reqwest::Method::DELETE, &path(&ids[1])))
        .await;
    api.json(
        api.req(reqwest::Method::PATCH, &path(&ids[2]))
            .json(&json!({
                "start": {"dateTime": "2030-05-01T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2030-05-01T11:00:00", "timeZone": "UTC"}
            })),
    )
    .await;
    let new = api
        .create(
            ROOM,
            event_body("New", "2030-01-20T10:00:00", "2030-01-20T11:00:00"),
        )
        .await;

    let (items, _, _) = api.delta_round(&delta, 2).await;
    let removed: Vec<&str> = items
        .iter()
        .filter(|i| i["@removed"]["reason"] == "deleted")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let upserted: Vec<&str> = items
        .iter()
        .filter(|i| i.get("@removed").is_none())
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(upserted, vec![ids[0].as_str(), new["id"].as_str().unwrap()]);
    assert_eq!(removed.len(), 2);
    assert!(removed.contains(&ids[1].as_str()) && removed.contains(&ids[2].as_str()));
    let changed = items.iter().find(|i| i["id"] == ids[0].as_str()).unwrap();
    assert_eq!(changed["subject"], "Changed");
    emu.shutdown().await;
}

#[tokio::test]
async fn an_unknown_delta_token_answers_410() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let (_, delta, _) = api.delta_round(&window_path(ROOM), 10).await;
    let (s, v) = api
        .json(api.req(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/calendarView/delta?$deltatoken=nope"),
        ))
        .await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(v["error"]["code"], "SyncStateNotFound");
    emu.forget_sync_state();
    let (s, _) = api.json(api.req(reqwest::Method::GET, &delta)).await;
    assert_eq!(s, StatusCode::GONE);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_demo_seed_has_outlook_meetings_in_the_coming_two_weeks() {
    let emu = start(Seed::Demo).await;
    let api = Api::new(&emu).await;
    let now = chrono::Utc::now();
    let mut total = 0;
    for room in [
        "fjord@nordvik.kommune.example",
        "skog@nordvik.kommune.example",
        "council-chamber@nordvik.kommune.example",
        "library-study@nordvik.kommune.example",
        "school-auditorium@nordvik.kommune.example",
    ] {
        let first = format!(
            "/users/{room}/calendarView/delta?startDateTime={}&endDateTime={}",
            now.format("%Y-%m-%dT%H:%M:%SZ"),
            (now + chrono::Duration::days(16)).format("%Y-%m-%dT%H:%M:%SZ")
        );
        let (items, _, _) = api.delta_round(&first, 50).await;
        for i in &items {
            assert_ne!(
                i["organizer"]["emailAddress"]["address"], room,
                "made in Outlook by staff"
            );
        }
        total += items.len();
    }
    assert!((10..=20).contains(&total), "{total} demo meetings");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Organizers, invitations, cancel and decline replies

/// Puts someone else's meeting into `mailbox` through the emulator's admin route; returns it.
async fn invite(api: &Api, emu: &GraphEmulator, mailbox: &str, body: Value) -> Value {
    let mut body = body;
    body["mailbox"] = json!(mailbox);
    body["organizer"] = json!({"name": "Kari Nordmann", "address": "kari@contoso.example"});
    body["attendees"] = json!([{
        "type": "required",
        "emailAddress": {"name": "Ola Nordmann", "address": "ola@contoso.example"}
    }]);
    let (s, v) = api
        .json(
            api.http
                .post(format!("{}/invitations", emu.admin_url()))
                .bearer_auth(&api.token)
                .json(&body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn replies(api: &Api, emu: &GraphEmulator) -> Vec<Value> {
    let (s, v) = api
        .json(
            api.http
                .get(format!("{}/replies", emu.admin_url()))
                .bearer_auth(SECRET),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["value"].as_array().unwrap().clone()
}

fn window(mailbox: &str, from: &str, to: &str) -> String {
    format!("/users/{mailbox}/calendarView/delta?startDateTime={from}&endDateTime={to}")
}

#[tokio::test]
async fn every_event_says_when_it_changed_who_organised_it_and_who_attends() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let own = api
        .create(
            ROOM,
            event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T18:00:00"),
        )
        .await;
    assert_eq!(own["isOrganizer"], true);
    assert_eq!(own["attendees"], json!([]));
    assert_eq!(own["type"], "singleInstance");
    let created = own["lastModifiedDateTime"].as_str().unwrap().to_owned();
    let (s, patched) = api
        .json(
            api.req(
                reqwest::Method::PATCH,
                &format!("/users/{ROOM}/events/{}", own["id"].as_str().unwrap()),
            )
            .json(&json!({"subject": "Choir (moved)"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Same format, so the strings order like the instants.
    assert!(patched["lastModifiedDateTime"].as_str().unwrap() > created.as_str());

    let theirs = invite(
        &api,
        &emu,
        ROOM,
        event_body("Budget", "2030-01-11T09:00:00", "2030-01-11T10:00:00"),
    )
    .await;
    assert_eq!(theirs["isOrganizer"], false);
    assert_eq!(theirs["organizer"]["emailAddress"]["name"], "Kari Nordmann");
    let attendees = theirs["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 2, "{attendees:?}");
    assert_eq!(
        attendees[0]["emailAddress"]["address"],
        "ola@contoso.example"
    );
    assert_eq!(attendees[1]["type"], "resource");
    assert_eq!(attendees[1]["emailAddress"]["address"], ROOM);

    let (items, _, _) = api.delta_round(&window_path(ROOM), 10).await;
    let listed = items.iter().find(|i| i["id"] == theirs["id"]).unwrap();
    assert_eq!(listed["isOrganizer"], false);
    assert_eq!(listed["attendees"].as_array().unwrap().len(), 2);
    assert!(listed["lastModifiedDateTime"].is_string());
    emu.shutdown().await;
}

#[tokio::test]
async fn an_invitation_needs_admin_rights_an_organizer_and_a_known_room() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let url = format!("{}/invitations", emu.admin_url());
    let body = json!({
        "mailbox": ROOM,
        "subject": "x",
        "start": {"dateTime": "2030-01-11T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-11T10:00:00", "timeZone": "UTC"},
        "organizer": {"name": "Kari", "address": "kari@contoso.example"}
    });
    let (s, _) = api.json(api.http.post(&url).json(&body)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut no_organizer = body.clone();
    no_organizer.as_object_mut().unwrap().remove("organizer");
    let (s, _) = api
        .json(api.http.post(&url).bearer_auth(SECRET).json(&no_organizer))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut elsewhere = body.clone();
    elsewhere["mailbox"] = json!("nobody@nordvik.kommune.example");
    let (s, v) = api
        .json(api.http.post(&url).bearer_auth(SECRET).json(&elsewhere))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorInvalidUser");
    let (s, v) = api
        .json(api.http.post(&url).bearer_auth(SECRET).json(&body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    emu.shutdown().await;
}

#[tokio::test]
async fn only_the_organizer_can_cancel_and_a_cancelled_meeting_leaves_the_calendar() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let own = api
        .create(
            ROOM,
            event_body("Choir", "2030-01-10T17:00:00", "2030-01-10T18:00:00"),
        )
        .await;
    let theirs = invite(
        &api,
        &emu,
        ROOM,
        event_body("Budget", "2030-01-11T09:00:00", "2030-01-11T10:00:00"),
    )
    .await;
    let (_, _, _) = api.delta_round(&window_path(ROOM), 10).await;
    let (items, delta, _) = api.delta_round(&window_path(ROOM), 10).await;
    assert_eq!(items.len(), 2);
    let cancel = |id: &Value| {
        format!(
            "/users/{ROOM}/events/{}/cancel",
            id.as_str().unwrap().replace('=', "%3D")
        )
    };

    let (s, v) = api
        .json(
            api.req(reqwest::Method::POST, &cancel(&theirs["id"]))
                .json(&json!({"comment": "no"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorInvalidRequest");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("You need to be an organizer to cancel a meeting"),
        "{v}"
    );
    let (s, _) = api
        .json(
            api.req(reqwest::Method::POST, &cancel(&own["id"]))
                .json(&json!({"comment": "x", "sendResponse": true})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "cancel takes only a comment");
    let r = api
        .req(reqwest::Method::POST, &cancel(&own["id"]))
        .json(&json!({"comment": "The hall is closed for repairs."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(r.text().await.unwrap().is_empty());

    let (s, _) = api
        .json(api.req(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/events/{}", own["id"].as_str().unwrap()),
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api
        .json(
            api.req(reqwest::Method::POST, &cancel(&own["id"]))
                .json(&json!({"comment": "again"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (items, _, _) = api.delta_round(&delta, 10).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], own["id"]);
    assert_eq!(items[0]["@removed"]["reason"], "deleted");

    assert_eq!(
        replies(&api, &emu).await,
        vec![json!({
            "mailbox": ROOM,
            "eventId": own["id"],
            "subject": "Choir",
            "kind": "cancel",
            "comment": "The hall is closed for repairs."
        })]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_decline_is_recorded_with_its_comment() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let theirs = invite(
        &api,
        &emu,
        ROOM,
        event_body("Budget", "2030-01-11T09:00:00", "2030-01-11T10:00:00"),
    )
    .await;
    let r = api
        .req(
            reqwest::Method::POST,
            &format!(
                "/users/{ROOM}/events/{}/decline",
                theirs["id"].as_str().unwrap()
            ),
        )
        .json(&json!({"comment": "The room is booked by the choir.", "sendResponse": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let replies = replies(&api, &emu).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["kind"], "decline");
    assert_eq!(replies[0]["eventId"], theirs["id"]);
    assert_eq!(replies[0]["subject"], "Budget");
    assert_eq!(replies[0]["comment"], "The room is booked by the choir.");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Series

fn series_body(subject: &str, start: &str, end: &str, zone: &str, recurrence: Value) -> Value {
    json!({
        "subject": subject,
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        "recurrence": recurrence,
    })
}

fn weekly_numbered(day: &str, start_date: &str, count: u32) -> Value {
    json!({
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [day]},
        "range": {"type": "numbered", "startDate": start_date, "numberOfOccurrences": count}
    })
}

fn starts(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["start"]["dateTime"].as_str().unwrap()[..16].to_owned())
        .collect()
}

#[tokio::test]
async fn a_series_master_is_stored_and_delta_returns_its_occurrences_across_dst() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    // Tuesdays 18:00 Oslo time; summer time begins on Sunday 31 March 2030.
    let master = api
        .create(
            ROOM,
            series_body(
                "Choir",
                "2030-03-19T18:00:00",
                "2030-03-19T20:00:00",
                "W. Europe Standard Time",
                weekly_numbered("tuesday", "2030-03-19", 4),
            ),
        )
        .await;
    assert_eq!(master["type"], "seriesMaster");
    assert_eq!(master["recurrence"]["pattern"]["type"], "weekly");
    assert_eq!(
        master["recurrence"]["pattern"]["daysOfWeek"],
        json!(["tuesday"])
    );
    assert_eq!(master["recurrence"]["range"]["numberOfOccurrences"], 4);
    assert_eq!(
        master["recurrence"]["range"]["recurrenceTimeZone"],
        "W. Europe Standard Time"
    );
    let master_id = master["id"].as_str().unwrap();

    let (items, _, _) = api
        .delta_round(
            &window(ROOM, "2030-03-01T00:00:00Z", "2030-05-01T00:00:00Z"),
            3,
        )
        .await;
    assert_eq!(items.len(), 4, "{items:?}");
    // Bare, as real tenants send occurrences in delta (microsoft-graph-docs issue 7632).
    for i in &items {
        let keys: BTreeSet<&str> = i.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "@odata.type",
                "@odata.etag",
                "id",
                "type",
                "seriesMasterId",
                "start",
                "end"
            ]),
            "{i}"
        );
        assert_eq!(i["type"], "occurrence");
        assert_eq!(i["seriesMasterId"], master_id);
    }
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&master_id));
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "occurrence ids are distinct");
    // Rendered in UTC: 17:00 in winter time, 16:00 in summer time.
    assert_eq!(
        starts(&items),
        vec![
            "2030-03-19T17:00",
            "2030-03-26T17:00",
            "2030-04-02T16:00",
            "2030-04-09T16:00"
        ]
    );
    // The same ids on a fresh read: occurrence ids are stable.
    let (again, _, _) = api
        .delta_round(
            &window(ROOM, "2030-03-01T00:00:00Z", "2030-05-01T00:00:00Z"),
            10,
        )
        .await;
    let mut again_ids: Vec<&str> = again.iter().map(|i| i["id"].as_str().unwrap()).collect();
    again_ids.sort();
    assert_eq!(again_ids, ids);
    // An occurrence can be read by id and points back to its master.
    let (s, one) = api
        .json(api.req(
            reqwest::Method::GET,
            &format!("/users/{ROOM}/events/{}", ids[0]),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["seriesMasterId"], master_id);
    assert!(one["originalStart"].is_string());
    assert_eq!(
        one["subject"], "Choir",
        "read by id, an occurrence is complete"
    );
    assert_eq!(one["isOrganizer"], true);
    emu.shutdown().await;
}

#[tokio::test]
async fn monthly_patterns_expand_like_rfc_5545() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    // The second Tuesday of each month.
    let board = api.create(
        ROOM,
        series_body(
            "Board",
            "2030-01-08T10:00:00",
            "2030-01-08T11:00:00",
            "UTC",
            json!({
                "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "second"},
                "range": {"type": "numbered", "startDate": "2030-01-08", "numberOfOccurrences": 3}
            }),
        ),
    )
    .await;
    // The 31st: months without one are skipped.
    let accounts = api
        .create(
            ROOM,
            series_body(
                "Accounts",
                "2030-01-31T12:00:00",
                "2030-01-31T13:00:00",
                "UTC",
                json!({
                    "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                    "range": {"type": "endDate", "startDate": "2030-01-31", "endDate": "2030-06-30"}
                }),
            ),
        )
        .await;
    let (items, _, _) = api
        .delta_round(
            &window(ROOM, "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
            50,
        )
        .await;
    let of = |master: &Value| {
        let mine: Vec<Value> = items
            .iter()
            .filter(|i| i["seriesMasterId"] == master["id"])
            .cloned()
            .collect();
        starts(&mine)
    };
    assert_eq!(
        of(&board),
        vec!["2030-01-08T10:00", "2030-02-12T10:00", "2030-03-12T10:00"]
    );
    assert_eq!(
        of(&accounts),
        vec!["2030-01-31T12:00", "2030-03-31T12:00", "2030-05-31T12:00"]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn an_edited_occurrence_becomes_an_exception_and_a_deleted_one_goes_alone() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let master = api
        .create(
            ROOM,
            series_body(
                "Choir",
                "2030-01-07T17:00:00",
                "2030-01-07T18:00:00",
                "UTC",
                weekly_numbered("monday", "2030-01-07", 4),
            ),
        )
        .await;
    let master_id = master["id"].as_str().unwrap().to_owned();
    let (items, delta, _) = api.delta_round(&window_path(ROOM), 10).await;
    assert_eq!(items.len(), 4);
    let ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let path = |id: &str| format!("/users/{ROOM}/events/{}", id.replace('=', "%3D"));

    let (s, patched) = api
        .json(
            api.req(reqwest::Method::PATCH, &path(&ids[1]))
                .json(&json!({"subject": "Choir (concert)"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["type"], "exception");
    assert_eq!(patched["id"], ids[1].as_str());
    let (s, _) = api
        .json(
            api.req(reqwest::Method::PATCH, &path(&ids[0]))
                .json(&json!({"recurrence": weekly_numbered("monday", "2030-01-07", 2)})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "an occurrence takes no recurrence"
    );
    let (s, _) = api
        .json(api.req(reqwest::Method::DELETE, &path(&ids[2])))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let (items, delta, _) = api.delta_round(&delta, 10).await;
    // The deleted occurrence leaves no trace in delta (microsoft-graph-docs pull request
    // 4501): only the exception is reported, complete.
    assert_eq!(items.len(), 1, "{items:?}");
    let changed = items.iter().find(|i| i["id"] == ids[1].as_str()).unwrap();
    assert_eq!(changed["type"], "exception");
    assert_eq!(changed["subject"], "Choir (concert)");
    assert_eq!(changed["seriesMasterId"], master_id.as_str());
    // The series' instances show it is gone.
    let (s, instances) = api
        .json(api.req(
            reqwest::Method::GET,
            &format!(
                "{}/instances?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z",
                path(&master_id)
            ),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let live: Vec<&str> = instances["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        live,
        vec![ids[0].as_str(), ids[1].as_str(), ids[3].as_str()]
    );

    // A change of the master reaches the plain occurrences with their ids; the exception keeps
    // its own subject and the deleted one stays deleted.
    let (s, _) = api
        .json(
            api.req(reqwest::Method::PATCH, &path(&master_id))
                .json(&json!({"subject": "Nordvik Choir"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (items, delta, _) = api.delta_round(&delta, 10).await;
    let mut got: Vec<(String, String)> = Vec::new();
    for i in &items {
        let id = i["id"].as_str().unwrap();
        let (s, full) = api.json(api.req(reqwest::Method::GET, &path(id))).await;
        assert_eq!(s, StatusCode::OK);
        got.push((id.to_owned(), full["subject"].as_str().unwrap().to_owned()));
    }
    got.sort();
    let mut want = vec![
        (ids[0].clone(), "Nordvik Choir".to_owned()),
        (ids[3].clone(), "Nordvik Choir".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);

    // Deleting the master takes the rest of the series.
    let (s, _) = api
        .json(api.req(reqwest::Method::DELETE, &path(&master_id)))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (items, _, _) = api.delta_round(&delta, 10).await;
    let mut removed: Vec<&str> = items
        .iter()
        .filter(|i| i["@removed"]["reason"] == "deleted")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    removed.sort();
    let mut want = vec![ids[0].as_str(), ids[1].as_str(), ids[3].as_str()];
    want.sort();
    assert_eq!(removed, want);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_recurrence_is_validated_like_graph() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let cases = [
        (
            "unknown pattern type",
            json!({"pattern": {"type": "hourly", "interval": 1},
                   "range": {"type": "noEnd", "startDate": "2030-01-07"}}),
        ),
        (
            "missing interval",
            json!({"pattern": {"type": "daily"},
                   "range": {"type": "noEnd", "startDate": "2030-01-07"}}),
        ),
        (
            "weekly without days",
            json!({"pattern": {"type": "weekly", "interval": 1},
                   "range": {"type": "noEnd", "startDate": "2030-01-07"}}),
        ),
        (
            "absoluteMonthly without dayOfMonth",
            json!({"pattern": {"type": "absoluteMonthly", "interval": 1},
                   "range": {"type": "noEnd", "startDate": "2030-01-07"}}),
        ),
        (
            "missing range",
            json!({"pattern": {"type": "daily", "interval": 1}}),
        ),
        (
            "missing startDate",
            json!({"pattern": {"type": "daily", "interval": 1},
                   "range": {"type": "noEnd"}}),
        ),
        (
            "endDate range without endDate",
            json!({"pattern": {"type": "daily", "interval": 1},
                   "range": {"type": "endDate", "startDate": "2030-01-07"}}),
        ),
        (
            "numbered range without a count",
            json!({"pattern": {"type": "daily", "interval": 1},
                   "range": {"type": "numbered", "startDate": "2030-01-07"}}),
        ),
        (
            "unknown range type",
            json!({"pattern": {"type": "daily", "interval": 1},
                   "range": {"type": "forever", "startDate": "2030-01-07"}}),
        ),
        (
            "startDate other than the start",
            json!({"pattern": {"type": "daily", "interval": 1},
                   "range": {"type": "noEnd", "startDate": "2030-01-08"}}),
        ),
    ];
    for (case, recurrence) in cases {
        let (s, v) = api
            .json(
                api.req(reqwest::Method::POST, &format!("/users/{ROOM}/events"))
                    .json(&series_body(
                        "x",
                        "2030-01-07T17:00:00",
                        "2030-01-07T18:00:00",
                        "UTC",
                        recurrence,
                    )),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{case}: {v}");
        assert!(v["error"]["code"].is_string(), "{case}: {v}");
    }
    let (items, _, _) = api.delta_round(&window_path(ROOM), 10).await;
    assert!(items.is_empty(), "nothing was stored");
    // The documented sample is accepted.
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/graph/event-recurring-series-request.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let created = api.create(ROOM, sample).await;
    assert_eq!(created["type"], "seriesMaster");
    assert_eq!(created["recurrence"]["range"]["endDate"], "2017-12-31");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Series and all-day events as real tenants answer (graph-as-observed.md). Each test fails if
// the emulator becomes kinder again.

/// The instances of `master` in `mailbox` between two instants, read with `Prefer` `zone`.
async fn instances(api: &Api, master: &Value, from: &str, to: &str, zone: &str) -> Vec<Value> {
    let (s, v) = api
        .json(
            api.req(
                reqwest::Method::GET,
                &format!(
                    "/users/{ROOM}/events/{}/instances?startDateTime={from}&endDateTime={to}&$top=50",
                    master["id"].as_str().unwrap().replace('=', "%3D")
                ),
            )
            .header("Prefer", format!("outlook.timezone=\"{zone}\"")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["value"].as_array().unwrap().clone()
}

fn all_day_body(subject: &str, start: &str, end: &str, zone: &str) -> Value {
    json!({
        "subject": subject,
        "isAllDay": true,
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
    })
}

#[tokio::test]
async fn all_day_events_are_midnight_to_midnight_in_whatever_zone_is_asked_for() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let created = api
        .create(
            ROOM,
            all_day_body(
                "Open day",
                "2030-01-10T00:00:00",
                "2030-01-11T00:00:00",
                "Pacific Standard Time",
            ),
        )
        .await;
    let path = format!(
        "/users/{ROOM}/events/{}",
        created["id"].as_str().unwrap().replace('=', "%3D")
    );
    for zone in ["UTC", "Tokyo Standard Time", "Pacific Standard Time"] {
        let (s, e) = api
            .json(
                api.req(reqwest::Method::GET, &path)
                    .header("Prefer", format!("outlook.timezone=\"{zone}\"")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            e["start"]["dateTime"], "2030-01-10T00:00:00.0000000",
            "{zone}"
        );
        assert_eq!(
            e["end"]["dateTime"], "2030-01-11T00:00:00.0000000",
            "{zone}"
        );
        assert_eq!(e["start"]["timeZone"], zone);
        assert_eq!(e["originalStartTimeZone"], "Pacific Standard Time");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn an_occurrence_ending_in_a_dst_fold_keeps_its_length() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    // Daily 02:30-03:30 Oslo time; the clocks go back from 03:00 to 02:00 on 31 October 2032,
    // so that day's occurrence runs from the first 02:30 to the second.
    let master = api
        .create(
            ROOM,
            series_body(
                "Night shift",
                "2032-10-30T02:30:00",
                "2032-10-30T03:30:00",
                "W. Europe Standard Time",
                json!({
                    "pattern": {"type": "daily", "interval": 1},
                    "range": {"type": "numbered", "startDate": "2032-10-30", "numberOfOccurrences": 3}
                }),
            ),
        )
        .await;
    let all = instances(
        &api,
        &master,
        "2032-10-29T00:00:00Z",
        "2032-11-03T00:00:00Z",
        "UTC",
    )
    .await;
    let spans: Vec<(String, String)> = all
        .iter()
        .map(|i| {
            (
                i["start"]["dateTime"].as_str().unwrap()[..16].to_owned(),
                i["end"]["dateTime"].as_str().unwrap()[..16].to_owned(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            ("2032-10-30T00:30".to_owned(), "2032-10-30T01:30".to_owned()),
            ("2032-10-31T00:30".to_owned(), "2032-10-31T01:30".to_owned()),
            ("2032-11-01T01:30".to_owned(), "2032-11-01T02:30".to_owned()),
        ]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn an_all_day_series_starting_on_a_dst_change_keeps_whole_days() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    // Summer time begins in Oslo on Sunday 28 March 2032: the first day has 23 hours.
    let mut body = all_day_body(
        "Exhibition",
        "2032-03-28T00:00:00",
        "2032-03-29T00:00:00",
        "W. Europe Standard Time",
    );
    body["recurrence"] = json!({
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2032-03-28", "numberOfOccurrences": 3}
    });
    let master = api.create(ROOM, body).await;
    let all = instances(
        &api,
        &master,
        "2032-03-27T00:00:00Z",
        "2032-04-02T00:00:00Z",
        "W. Europe Standard Time",
    )
    .await;
    let days: Vec<(&str, &str)> = all
        .iter()
        .map(|i| {
            (
                i["start"]["dateTime"].as_str().unwrap(),
                i["end"]["dateTime"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2032-03-28T00:00:00.0000000", "2032-03-29T00:00:00.0000000"),
            ("2032-03-29T00:00:00.0000000", "2032-03-30T00:00:00.0000000"),
            ("2032-03-30T00:00:00.0000000", "2032-03-31T00:00:00.0000000"),
        ]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn occurrence_ids_change_when_the_series_moves_and_the_old_ones_leave_no_trace() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let master = api
        .create(
            ROOM,
            series_body(
                "Choir",
                "2030-01-07T17:00:00",
                "2030-01-07T18:00:00",
                "UTC",
                weekly_numbered("monday", "2030-01-07", 3),
            ),
        )
        .await;
    let (before, delta, _) = api.delta_round(&window_path(ROOM), 10).await;
    let old: BTreeSet<String> = before
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let (s, _) = api
        .json(
            api.req(
                reqwest::Method::PATCH,
                &format!(
                    "/users/{ROOM}/events/{}",
                    master["id"].as_str().unwrap().replace('=', "%3D")
                ),
            )
            .json(&json!({
                "start": {"dateTime": "2030-01-07T18:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-07T19:00:00", "timeZone": "UTC"},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (after, _, _) = api.delta_round(&delta, 10).await;
    assert_eq!(
        after.len(),
        3,
        "the moved occurrences, and nothing about the old ones"
    );
    assert!(after.iter().all(|i| i.get("@removed").is_none()));
    let new: BTreeSet<String> = after
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(old.is_disjoint(&new), "{old:?} {new:?}");
    assert_eq!(
        starts(&after),
        vec!["2030-01-07T18:00", "2030-01-14T18:00", "2030-01-21T18:00"]
    );
    emu.shutdown().await;
}
