//! The Graph emulator over real HTTP on loopback.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

const SECRET: &str = "test-secret-value";
const ROOM: &str = "fjord@nordvik.kommune.example";
const TAG: &str = "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name RoomBridgeLink";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn start(seed: Seed) -> GraphEmulator {
    let mut config = GraphEmulatorConfig::demo(SECRET);
    config.seed = seed;
    GraphEmulator::start(config, loopback()).await.unwrap()
}

async fn token_with(emu: &GraphEmulator, form: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    Client::new()
        .post(emu.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn token(emu: &GraphEmulator) -> String {
    let r = token_with(
        emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", roombridge_emulators::demo::DEMO_CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_u64().unwrap() > 0);
    v["access_token"].as_str().unwrap().to_owned()
}

struct Api {
    base: String,
    token: String,
    http: Client,
}

impl Api {
    async fn new(emu: &GraphEmulator) -> Api {
        Api {
            base: emu.graph_base(),
            token: token(emu).await,
            http: Client::new(),
        }
    }

    fn req(&self, method: reqwest::Method, path_or_url: &str) -> reqwest::RequestBuilder {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{}", self.base, path_or_url)
        };
        self.http.request(method, url).bearer_auth(&self.token)
    }

    async fn json(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn create(&self, mailbox: &str, body: Value) -> Value {
        let (s, v) = self
            .json(
                self.req(reqwest::Method::POST, &format!("/users/{mailbox}/events"))
                    .json(&body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

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
    json!({
        "subject": subject,
        "body": {"contentType": "text", "content": "Organisation: Nordvik Choir\n\nRehearsal"},
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    })
}

fn window_path(mailbox: &str) -> String {
    format!(
        "/users/{mailbox}/calendarView/delta?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z"
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
