//! The Graph emulator answers like real Graph where a kinder emulator would hide a client bug:
//! request ids on every answer, bearer challenges, sync resets that say where to start over,
//! malformed ids, strict bodies and media types, `$select`, 405s with error bodies, batch ids,
//! delta pages that can be asked for again, window leavers, every CLDR Windows zone, custom
//! zones and per-room copies of one meeting. Each test fails if the emulator becomes kinder.
//! (`shared/reference/graph-as-observed.md` lists the sources.)

mod common;

use common::{Api, OTHER_ROOM, ROOM, SECRET, TAG, demo, event_body, window_path};
use reqwest::{Method, StatusCode};
use roombridge_emulators::graph::{Fault, FaultKind, FaultRoute, GraphEmulator};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

/// A well-formed event id (Exchange's alphabet, a plausible length) that names no event.
const UNKNOWN_ID: &str = "AAMkADffffffffffffffffffffffffffffffffAAA=";

async fn start() -> GraphEmulator {
    common::start(demo(Seed::Empty)).await
}

impl Api {
    /// One delta page: the items and the nextLink or deltaLink.
    async fn page(&self, url: &str, page_size: usize) -> (Vec<Value>, Link) {
        let (s, v) = self
            .json(
                self.req(Method::GET, url)
                    .header("Prefer", format!("odata.maxpagesize={page_size}")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let items = v["value"].as_array().unwrap().clone();
        let link = match (
            v["@odata.nextLink"].as_str(),
            v["@odata.deltaLink"].as_str(),
        ) {
            (Some(next), _) => Link::Next(next.to_owned()),
            (None, Some(delta)) => Link::Delta(delta.to_owned()),
            (None, None) => panic!("a delta page without a link: {v}"),
        };
        (items, link)
    }

    /// Follows a delta round to its deltaLink: all items and the deltaLink.
    async fn round(&self, first: &str) -> (Vec<Value>, String) {
        let mut items = Vec::new();
        let mut url = first.to_owned();
        loop {
            let (page, link) = self.page(&url, 100).await;
            items.extend(page);
            match link {
                Link::Next(next) => url = next,
                Link::Delta(delta) => return (items, delta),
            }
        }
    }

    async fn admin(&self, emu: &GraphEmulator, method: Method, route: &str) -> reqwest::Response {
        self.http
            .request(method, format!("{}{route}", emu.admin_url()))
            .bearer_auth(SECRET)
            .send()
            .await
            .unwrap()
    }

    async fn invite(&self, emu: &GraphEmulator, body: Value) -> (StatusCode, Value) {
        self.json(
            self.http
                .post(format!("{}/invitations", emu.admin_url()))
                .bearer_auth(SECRET)
                .json(&body),
        )
        .await
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Link {
    Next(String),
    Delta(String),
}

fn event_path(mailbox: &str, id: &str) -> String {
    format!("/users/{mailbox}/events/{}", id.replace('=', "%3D"))
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

// ---------------------------------------------------------------------------------------------
// 1. request-id, client-request-id, WWW-Authenticate, Location

/// The `request-id` and `client-request-id` headers of an answer.
fn request_ids(r: &reqwest::Response) -> (String, String) {
    let header = |name: &str| {
        r.headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header on a {} answer", r.status()))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let request_id = header("request-id");
    assert!(
        uuid::Uuid::parse_str(&request_id).is_ok(),
        "request-id {request_id} is a GUID"
    );
    (request_id, header("client-request-id"))
}

/// Sends `rb` with `client-request-id: sent`; checks both headers, and that an error body's
/// `innerError` names the same two. Returns the status, the body and the request-id.
async fn check_ids(rb: reqwest::RequestBuilder, sent: &str) -> (StatusCode, Value, String) {
    let r = rb.header("client-request-id", sent).send().await.unwrap();
    let status = r.status();
    let (request_id, client_request_id) = request_ids(&r);
    assert_eq!(client_request_id, sent, "client-request-id is echoed");
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
    if !status.is_success() {
        let inner = &v["error"]["innerError"];
        assert_eq!(inner["request-id"], request_id.as_str(), "{status}: {v}");
        assert_eq!(inner["client-request-id"], sent, "{status}: {v}");
        assert!(v["error"]["code"].is_string(), "{status}: {v}");
    }
    (status, v, request_id)
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_echoes_the_client_request_id() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let mut seen = std::collections::HashSet::new();
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode)> = vec![
        (
            "success",
            api.req(Method::GET, "/places/microsoft.graph.room"),
            StatusCode::OK,
        ),
        (
            "Graph error",
            api.req(Method::GET, &event_path(ROOM, UNKNOWN_ID)),
            StatusCode::NOT_FOUND,
        ),
        (
            "unknown segment",
            api.req(Method::GET, "/users/nobody/mailFolders"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "method the route lacks",
            api.req(Method::PUT, &event_path(ROOM, UNKNOWN_ID))
                .json(&json!({})),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "no token",
            api.http
                .get(format!("{}/places/microsoft.graph.room", api.base)),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "batch",
            api.req(Method::POST, "/$batch").json(&json!({"requests": [
                {"id": "1", "method": "GET", "url": "/places/microsoft.graph.room"}
            ]})),
            StatusCode::OK,
        ),
        (
            "refused batch",
            api.req(Method::POST, "/$batch")
                .json(&json!({"requests": []})),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (case, rb, want) in cases {
        let sent = uuid::Uuid::new_v4().to_string();
        let (status, v, request_id) = check_ids(rb, &sent).await;
        assert_eq!(status, want, "{case}: {v}");
        assert!(
            seen.insert(request_id),
            "{case}: a fresh request-id each time"
        );
    }

    // Faults the gateway injects answer with the ids too.
    emu.inject(Fault::new(FaultRoute::Places, FaultKind::Throttle { retry_after: 1.0 }).times(1))
        .unwrap();
    let (status, v, _) = check_ids(api.req(Method::GET, "/places/microsoft.graph.room"), "a").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    emu.inject(
        Fault::new(
            FaultRoute::Places,
            FaultKind::ServerError {
                status: 503,
                retry_after: None,
            },
        )
        .times(1),
    )
    .unwrap();
    let (status, _, _) = check_ids(api.req(Method::GET, "/places/microsoft.graph.room"), "b").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    // Without a client-request-id the answer makes one up: a GUID, not the request-id.
    let r = api
        .req(Method::GET, &event_path(ROOM, UNKNOWN_ID))
        .send()
        .await
        .unwrap();
    let (request_id, client_request_id) = request_ids(&r);
    assert!(uuid::Uuid::parse_str(&client_request_id).is_ok());
    assert_ne!(request_id, client_request_id);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"]["innerError"]["client-request-id"],
        client_request_id
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn each_request_of_a_batch_has_its_own_ids_and_its_error_names_them() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .json(api.req(Method::POST, "/$batch").json(&json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/users/{ROOM}/events/{UNKNOWN_ID}"),
             "headers": {"client-request-id": "inner-1"}},
            {"id": "2", "method": "GET", "url": "/places/microsoft.graph.room"}
        ]})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let responses = v["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap();
    let missing = by_id("1");
    assert_eq!(missing["status"], 404);
    assert_eq!(missing["headers"]["Client-Request-Id"], "inner-1");
    assert_eq!(
        missing["body"]["error"]["innerError"]["request-id"],
        missing["headers"]["Request-Id"]
    );
    assert_eq!(
        missing["body"]["error"]["innerError"]["client-request-id"],
        "inner-1"
    );
    assert!(by_id("2")["headers"]["Request-Id"].is_string());
    assert_ne!(
        by_id("2")["headers"]["Request-Id"],
        missing["headers"]["Request-Id"]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_401_carries_a_bearer_challenge() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let want = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";
    let no_token = api
        .http
        .get(format!("{}/places/microsoft.graph.room", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(no_token.headers()["www-authenticate"], want);
    emu.expire_tokens();
    let expired = api
        .req(Method::GET, &window_path(ROOM))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(expired.headers()["www-authenticate"], want);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_sync_reset_carries_a_location_that_starts_the_delta_over() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let (_, delta) = api.round(&window_path(ROOM)).await;

    emu.forget_sync_state();
    let r = api.req(Method::GET, &delta).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "SyncStateNotFound");
    assert!(
        location.starts_with(&format!("{}/users/{ROOM}/calendarView/delta?", api.base)),
        "{location}"
    );
    // Following it starts a new round over the same window: the event is there again.
    let (items, _) = api.round(&location).await;
    assert_eq!(ids(&items), vec![created["id"].as_str().unwrap()]);

    // The 410 an injected fault answers says where to start over too.
    emu.inject(Fault::new(FaultRoute::Delta, FaultKind::DeltaGone).times(1))
        .unwrap();
    let r = api
        .req(Method::GET, &window_path(ROOM))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (items, _) = api.round(&location).await;
    assert_eq!(items.len(), 1, "{location}");

    // A token that never existed: the Location names the mailbox's delta.
    let r = api
        .req(
            Method::GET,
            &format!("/users/{ROOM}/calendarView/delta?$deltatoken=never-issued"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains(&format!("/users/{ROOM}/calendarView/delta"))
    );
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Malformed ids

#[tokio::test]
async fn a_malformed_event_id_is_400_and_a_well_formed_unknown_one_404() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let window = "?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z";
    let requests = |id: &str| {
        let path = event_path(ROOM, id);
        vec![
            ("GET", api.req(Method::GET, &path)),
            (
                "PATCH",
                api.req(Method::PATCH, &path).json(&json!({"subject": "x"})),
            ),
            ("DELETE", api.req(Method::DELETE, &path)),
            (
                "decline",
                api.req(Method::POST, &format!("{path}/decline"))
                    .json(&json!({"comment": "x"})),
            ),
            (
                "cancel",
                api.req(Method::POST, &format!("{path}/cancel"))
                    .json(&json!({"comment": "x"})),
            ),
            (
                "instances",
                api.req(Method::GET, &format!("{path}/instances{window}")),
            ),
        ]
    };
    // Characters outside Exchange's alphabet, far too short, padding in the middle.
    for bad in ["not an id!", "285", "AAMkAD=fffffffffffffffffffffffffAAA="] {
        for (what, rb) in requests(bad) {
            let (s, v) = api.json(rb).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{what} {bad}: {v}");
            assert_eq!(
                v["error"]["code"], "ErrorInvalidIdMalformed",
                "{what} {bad}"
            );
            assert_eq!(v["error"]["message"], "Id is malformed.");
        }
    }
    for (what, rb) in requests(UNKNOWN_ID) {
        let (s, v) = api.json(rb).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{what}: {v}");
        assert_eq!(v["error"]["code"], "ErrorItemNotFound", "{what}");
    }
    // The ids the emulator makes are well formed, percent-encoded or not.
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let id = created["id"].as_str().unwrap();
    for path in [event_path(ROOM, id), format!("/users/{ROOM}/events/{id}")] {
        let (s, v) = api.json(api.req(Method::GET, &path)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Strict bodies

#[tokio::test]
async fn an_unknown_property_is_refused_on_create_and_patch() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let mut body = event_body("Choir", 10);
    body["foo"] = json!("bar");
    let create = format!("/users/{ROOM}/events");
    let (s, v) = api.json(api.req(Method::POST, &create).json(&body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "RequestBodyRead");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The property 'foo' does not exist on type 'microsoft.graph.event'."),
        "{v}"
    );
    // Inside a complex value too.
    let mut nested = event_body("Choir", 10);
    nested["body"]["format"] = json!("text");
    let (s, v) = api.json(api.req(Method::POST, &create).json(&nested)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("'format'"));
    // Annotations are not properties.
    let mut annotated = event_body("Choir", 10);
    annotated["@odata.type"] = json!("#microsoft.graph.event");
    let created = api.create(ROOM, annotated).await;

    let path = event_path(ROOM, created["id"].as_str().unwrap());
    let (s, v) = api
        .json(
            api.req(Method::PATCH, &path)
                .json(&json!({"subject": "Changed", "colour": "red"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "RequestBodyRead");
    let (_, now) = api.json(api.req(Method::GET, &path)).await;
    assert_eq!(now["subject"], "Choir", "a refused PATCH changes nothing");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_value_outside_its_enum_is_refused() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let weekly = |pattern: Value, range: Value| {
        let mut body = event_body("Choir", 7);
        body["recurrence"] = json!({"pattern": pattern, "range": range});
        body
    };
    let range = json!({"type": "numbered", "startDate": "2030-01-07", "numberOfOccurrences": 3});
    let pattern = json!({"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]});
    let with = |key: &str, value: Value| {
        let mut body = event_body("Choir", 10);
        body[key] = value;
        body
    };
    let cases = [
        ("showAs", with("showAs", json!("busyish"))),
        ("importance", with("importance", json!("urgent"))),
        ("sensitivity", with("sensitivity", json!("secret"))),
        (
            "body.contentType",
            with("body", json!({"contentType": "markdown", "content": "x"})),
        ),
        (
            "attendee type",
            with(
                "attendees",
                json!([{"type": "boss", "emailAddress": {"address": "a@b.example"}}]),
            ),
        ),
        (
            "pattern type",
            weekly(json!({"type": "hourly", "interval": 1}), range.clone()),
        ),
        (
            "range type",
            weekly(
                pattern.clone(),
                json!({"type": "forever", "startDate": "2030-01-07"}),
            ),
        ),
        (
            "daysOfWeek",
            weekly(
                json!({"type": "weekly", "interval": 1, "daysOfWeek": ["funday"]}),
                range.clone(),
            ),
        ),
        (
            "index",
            weekly(
                json!({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"],
                       "index": "fifth"}),
                range.clone(),
            ),
        ),
        (
            "firstDayOfWeek",
            weekly(
                json!({"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                       "firstDayOfWeek": "someday"}),
                range.clone(),
            ),
        ),
        ("a number for a string", with("subject", json!(5))),
        ("a string for a boolean", with("isAllDay", json!("no"))),
    ];
    for (case, body) in cases {
        let (s, v) = api
            .json(
                api.req(Method::POST, &format!("/users/{ROOM}/events"))
                    .json(&body),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{case}: {v}");
        assert_eq!(v["error"]["code"], "RequestBodyRead", "{case}: {v}");
    }
    let (items, _) = api.round(&window_path(ROOM)).await;
    assert!(items.is_empty(), "nothing was stored");

    // Members in another case are read, and written back as Graph spells them.
    let mut body = with("showAs", json!("Tentative"));
    body["body"] = json!({"contentType": "HTML", "content": "<p>x</p>"});
    let created = api.create(ROOM, body).await;
    assert_eq!(created["showAs"], "tentative");
    assert_eq!(created["body"]["contentType"], "html");
    let path = event_path(ROOM, created["id"].as_str().unwrap());
    let (s, v) = api
        .json(
            api.req(Method::PATCH, &path)
                .json(&json!({"showAs": "maybe"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_malformed_extended_property_id_is_refused() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    for bad in [
        "RoomBridgeLink",
        "String RoomBridgeLink",
        "Text {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} Name RoomBridgeLink",
        "String {7f2c1d9e} Name RoomBridgeLink",
        "String {7f2c1d9e-3b4a-4f6e-9c8d-2a1b0e5f4c3d} RoomBridgeLink",
    ] {
        let mut body = event_body("Choir", 10);
        body["singleValueExtendedProperties"] = json!([{"id": bad, "value": "b:r:1"}]);
        let (s, v) = api
            .json(
                api.req(Method::POST, &format!("/users/{ROOM}/events"))
                    .json(&body),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(v["error"]["code"], "ErrorInvalidProperty", "{bad}");
    }
    let mut body = event_body("Choir", 10);
    body["singleValueExtendedProperties"] = json!([
        {"id": TAG, "value": "b:r:1"},
        {"id": "String 0x007D", "value": "x"},
        {"id": "Integer {11000E07-B51B-40D6-AF21-CAA85EDAB1D0} Id 0x0027", "value": "1"}
    ]);
    let created = api.create(ROOM, body).await;
    // The same check for an id in $expand's filter.
    let path = event_path(ROOM, created["id"].as_str().unwrap());
    let (s, v) = api
        .json(api.req(Method::GET, &path).query(&[(
            "$expand",
            "singleValueExtendedProperties($filter=id eq 'RoomBridgeLink')",
        )]))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "ErrorInvalidProperty");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_and_another_media_type_415() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let create = format!("/users/{ROOM}/events");
    let (s, v) = api
        .json(
            api.req(Method::POST, &create)
                .header("content-type", "application/json")
                .body("{\"subject\": "),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let json_text = event_body("Choir", 10).to_string();
    let (s, v) = api
        .json(
            api.req(Method::POST, &create)
                .header("content-type", "text/plain")
                .body(json_text.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert_eq!(v["error"]["code"], "RequestBodyRead");
    let (s, v) = api
        .json(api.req(Method::POST, &create).body(json_text.clone()))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no Content-Type: {v}");
    // application/json with parameters is JSON.
    let (s, v) = api
        .json(
            api.req(Method::POST, &create)
                .header("content-type", "application/json; charset=utf-8")
                .body(json_text),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let path = event_path(ROOM, v["id"].as_str().unwrap());
    let (s, _) = api
        .json(
            api.req(Method::PATCH, &path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("subject=x"),
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Inside a batch as well.
    let (s, v) = api
        .json(api.req(Method::POST, "/$batch").json(&json!({"requests": [
            {"id": "1", "method": "POST", "url": format!("/users/{ROOM}/events"),
             "headers": {"Content-Type": "text/plain"}, "body": event_body("X", 11)}
        ]})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["responses"][0]["status"], 415);
    let (items, _) = api.round(&window_path(ROOM)).await;
    assert_eq!(items.len(), 1, "only the JSON create was stored");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 4. $select

#[tokio::test]
async fn select_returns_only_the_selected_properties_and_refuses_unknown_ones() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let path = event_path(ROOM, created["id"].as_str().unwrap());
    let (s, v) = api
        .json(
            api.req(Method::GET, &path)
                .query(&[("$select", "subject,Start")]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        keys(&v),
        vec!["@odata.context", "@odata.etag", "id", "start", "subject"]
    );
    assert_eq!(v["subject"], "Choir");
    // $expand still adds what it expands.
    let (s, v) = api
        .json(api.req(Method::GET, &path).query(&[
            ("$select", "subject"),
            (
                "$expand",
                &format!("singleValueExtendedProperties($filter=id eq '{TAG}')"),
            ),
        ]))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.get("start").is_none());

    let (s, v) = api
        .json(
            api.req(Method::GET, &path)
                .query(&[("$select", "subject,colour")]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "RequestBroker--ParseUri");
    assert!(v["error"]["message"].as_str().unwrap().contains("'colour'"));
    let (s, _) = api
        .json(api.req(
            Method::GET,
            &format!("{}&$select=colour", window_path(ROOM)),
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    emu.shutdown().await;
}

#[tokio::test]
async fn select_holds_for_instances_and_every_page_and_round_of_delta() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let mut series = event_body("Choir", 7);
    series["recurrence"] = json!({
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        "range": {"type": "numbered", "startDate": "2030-01-07", "numberOfOccurrences": 3}
    });
    let master = api.create(ROOM, series).await;
    let single = api.create(ROOM, event_body("Single", 10)).await;
    let gone = api.create(ROOM, event_body("Gone", 11)).await;

    let instances = format!(
        "{}/instances?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z&$select=start",
        event_path(ROOM, master["id"].as_str().unwrap())
    );
    let (s, v) = api.json(api.req(Method::GET, &instances)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let listed = v["value"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for i in listed {
        assert_eq!(keys(i), vec!["@odata.etag", "id", "start"]);
    }

    // Two items to a page: every page of the round keeps to the selection. (Occurrences may
    // come bare, without a subject; nothing comes with more.)
    let allowed = ["@odata.etag", "@odata.type", "id", "subject"];
    let mut url = format!("{}&$select=subject", window_path(ROOM));
    let mut items = Vec::new();
    let delta = loop {
        let (page, link) = api.page(&url, 2).await;
        items.extend(page);
        match link {
            Link::Next(next) => url = next,
            Link::Delta(delta) => break delta,
        }
    };
    assert_eq!(items.len(), 5);
    for i in &items {
        assert!(keys(i).iter().all(|k| allowed.contains(k)), "{i}");
    }
    let listed = items.iter().find(|i| i["id"] == single["id"]).unwrap();
    assert_eq!(keys(listed), allowed);
    assert_eq!(listed["subject"], "Single");

    // And so does the next round; a removal comes as it is.
    api.json(
        api.req(
            Method::PATCH,
            &event_path(ROOM, single["id"].as_str().unwrap()),
        )
        .json(&json!({"subject": "Moved"})),
    )
    .await;
    let (s, _) = api
        .json(api.req(
            Method::DELETE,
            &event_path(ROOM, gone["id"].as_str().unwrap()),
        ))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (items, _) = api.round(&delta).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let changed = items.iter().find(|i| i["id"] == single["id"]).unwrap();
    assert_eq!(keys(changed), allowed);
    assert_eq!(changed["subject"], "Moved");
    let removed = items.iter().find(|i| i["id"] == gone["id"]).unwrap();
    assert_eq!(removed["@removed"]["reason"], "deleted");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 5. 405

#[tokio::test]
async fn a_method_the_route_lacks_is_405_with_a_graph_error_body() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let path = event_path(ROOM, created["id"].as_str().unwrap());
    for (method, path) in [
        (Method::PUT, path.clone()),
        (Method::POST, path),
        (Method::DELETE, window_path(ROOM)),
    ] {
        let (s, v) = api
            .json(
                api.req(method.clone(), &path)
                    .json(&event_body("Choir", 10)),
            )
            .await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(v["error"]["code"], "ErrorInvalidRequest", "{method}: {v}");
        assert!(v["error"]["message"].is_string());
    }
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 6. $batch ids

#[tokio::test]
async fn batch_request_ids_that_differ_only_in_case_are_duplicates() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let get = |id: &str| json!({"id": id, "method": "GET", "url": "/places/microsoft.graph.room"});
    for pair in [["a", "a"], ["a", "A"], ["Req-1", "req-1"]] {
        let (s, v) = api
            .json(
                api.req(Method::POST, "/$batch")
                    .json(&json!({"requests": [get(pair[0]), get(pair[1])]})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{pair:?}: {v}");
        assert_eq!(v["error"]["code"], "BadRequest");
    }
    let (s, v) = api
        .json(
            api.req(Method::POST, "/$batch")
                .json(&json!({"requests": [get("a"), get("b")]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 7. nextLinks can be asked for again

#[tokio::test]
async fn a_next_link_asked_for_again_gives_the_same_page_and_the_same_link() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    for day in 10..15 {
        api.create(ROOM, event_body(&format!("Day {day}"), day))
            .await;
    }
    let (first, link) = api.page(&window_path(ROOM), 2).await;
    let Link::Next(second_url) = link else {
        panic!("five events, two to a page")
    };
    let (second, third_link) = api.page(&second_url, 2).await;
    let (again, again_link) = api.page(&second_url, 2).await;
    assert_eq!(ids(&again), ids(&second), "the same page");
    assert_eq!(again_link, third_link, "the same next link");
    assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)));

    let Link::Next(third_url) = third_link else {
        panic!("a third page")
    };
    let (last, delta) = api.page(&third_url, 2).await;
    let (last_again, delta_again) = api.page(&third_url, 2).await;
    assert_eq!(ids(&last), ids(&last_again));
    assert_eq!(delta, delta_again, "the same deltaLink");
    let Link::Delta(delta) = delta else {
        panic!("the last page ends with a deltaLink")
    };
    assert_eq!(first.len() + second.len() + last.len(), 5);

    // Bounded: once the round's deltaLink is used, its pages are forgotten.
    let (items, _) = api.round(&delta).await;
    assert!(items.is_empty());
    let (s, v) = api.json(api.req(Method::GET, &second_url)).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["error"]["code"], "SyncStateNotFound");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 8. Leaving the window

#[tokio::test]
async fn an_event_moved_out_of_the_window_comes_back_removed_and_moved_in_comes_back() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let leaver = api.create(ROOM, event_body("Leaver", 10)).await;
    let stayer = api.create(ROOM, event_body("Stayer", 11)).await;
    let leaver_id = leaver["id"].as_str().unwrap();
    let (items, delta) = api.round(&window_path(ROOM)).await;
    assert_eq!(items.len(), 2);

    let moved = |month: u32| {
        json!({
            "start": {"dateTime": format!("2030-{month:02}-10T17:00:00"), "timeZone": "UTC"},
            "end": {"dateTime": format!("2030-{month:02}-10T18:00:00"), "timeZone": "UTC"},
        })
    };
    let (s, _) = api
        .json(
            api.req(Method::PATCH, &event_path(ROOM, leaver_id))
                .json(&moved(3)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A move inside the window is a change, not a removal.
    api.json(
        api.req(
            Method::PATCH,
            &event_path(ROOM, stayer["id"].as_str().unwrap()),
        )
        .json(&json!({
            "start": {"dateTime": "2030-01-20T17:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-01-20T18:00:00", "timeZone": "UTC"},
        })),
    )
    .await;
    let (items, delta) = api.round(&delta).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let left = items.iter().find(|i| i["id"] == leaver_id).unwrap();
    assert_eq!(left["@removed"]["reason"], "deleted");
    let changed = items.iter().find(|i| i["id"] == stayer["id"]).unwrap();
    assert!(changed.get("@removed").is_none());

    // Nothing more about it while it stays out; back in, it is an event again.
    api.json(
        api.req(Method::PATCH, &event_path(ROOM, leaver_id))
            .json(&json!({"subject": "Far"})),
    )
    .await;
    let (items, delta) = api.round(&delta).await;
    assert!(items.is_empty(), "{items:?}");
    api.json(
        api.req(Method::PATCH, &event_path(ROOM, leaver_id))
            .json(&moved(1)),
    )
    .await;
    let (items, _) = api.round(&delta).await;
    assert_eq!(ids(&items), vec![leaver_id]);
    assert_eq!(items[0]["subject"], "Far");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 9. Admin routes for token expiry and lost sync state

#[tokio::test]
async fn token_expiry_and_lost_sync_state_can_be_switched_on_over_http() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    api.create(ROOM, event_body("Choir", 10)).await;
    let (_, delta) = api.round(&window_path(ROOM)).await;

    let r = api
        .http
        .post(format!("{}/sync-state/forget", emu.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "admin routes need the secret"
    );
    let r = api.admin(&emu, Method::POST, "/sync-state/forget").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (s, _) = api.json(api.req(Method::GET, &delta)).await;
    assert_eq!(s, StatusCode::GONE);

    let r = api.admin(&emu, Method::POST, "/tokens/expire").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (s, v) = api
        .json(api.req(Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
    // A new token works.
    let fresh = Api::new(&emu).await;
    let (s, _) = fresh
        .json(fresh.req(Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::OK);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 10. Every Windows zone of CLDR's table

/// The Windows zone names of CLDR's table (its territory-default rows).
fn cldr_windows_zones() -> Vec<String> {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/windowsZones.xml"
    ))
    .unwrap();
    xml.lines()
        .filter(|l| l.contains("<mapZone") && l.contains("territory=\"001\""))
        .map(|l| {
            let start = l.find("other=\"").unwrap() + "other=\"".len();
            let len = l[start..].find('"').unwrap();
            l[start..start + len].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_windows_zone_of_cldrs_table_is_accepted_in_events_and_prefer() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let names = cldr_windows_zones();
    assert_eq!(names.len(), 139);
    for (n, zone) in names.iter().enumerate() {
        let body = json!({
            "subject": format!("In {zone}"),
            "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": zone},
            "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": zone},
            "transactionId": format!("zone-{n}"),
        });
        let (s, v) = api
            .json(
                api.req(Method::POST, &format!("/users/{ROOM}/events"))
                    .header("Prefer", format!("outlook.timezone=\"{zone}\""))
                    .json(&body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{zone}: {v}");
        assert_eq!(
            v["start"]["timeZone"],
            zone.as_str(),
            "{zone}: rendered in the Prefer zone"
        );
        assert_eq!(
            v["start"]["dateTime"], "2030-01-10T09:00:00.0000000",
            "{zone}"
        );
        assert_eq!(v["originalStartTimeZone"], zone.as_str());
    }
    // The rooms of the report: Sydney, Santiago and Lord Howe in January (summer time there).
    for (zone, utc_start) in [
        ("AUS Eastern Standard Time", "2030-01-09T22:00:00.0000000"),
        ("Pacific SA Standard Time", "2030-01-10T12:00:00.0000000"),
        ("Lord Howe Standard Time", "2030-01-09T22:00:00.0000000"),
        ("Australia/Sydney", "2030-01-09T22:00:00.0000000"),
    ] {
        let v = api
            .create(
                ROOM,
                json!({
                    "subject": zone,
                    "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": zone},
                    "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": zone},
                }),
            )
            .await;
        assert_eq!(v["start"]["timeZone"], "UTC");
        assert_eq!(v["start"]["dateTime"], utc_start, "{zone}");
    }
    let (s, v) = api
        .json(
            api.req(Method::POST, &format!("/users/{ROOM}/events"))
                .json(&json!({
                    "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": "Mars Standard Time"},
                    "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": "Mars Standard Time"},
                })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 11. Custom zones from desktop Outlook

#[tokio::test]
async fn an_invitation_can_carry_a_custom_zone_which_renders_as_such() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .invite(
            &emu,
            json!({
                "mailbox": ROOM,
                "organizer": {"name": "Kari Nordmann", "address": "kari@contoso.example"},
                "subject": "Budget",
                "originalStartTimeZone": "tzone://Microsoft/Custom",
                "originalEndTimeZone": "tzone://Microsoft/Custom",
                "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": "W. Europe Standard Time"},
                "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": "W. Europe Standard Time"},
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["originalStartTimeZone"], "tzone://Microsoft/Custom");
    let path = event_path(ROOM, v["id"].as_str().unwrap());
    let (_, got) = api
        .json(
            api.req(Method::GET, &path)
                .header("Prefer", "outlook.timezone=\"Pacific Standard Time\""),
        )
        .await;
    assert_eq!(got["originalStartTimeZone"], "tzone://Microsoft/Custom");
    assert_eq!(got["originalEndTimeZone"], "tzone://Microsoft/Custom");
    assert_eq!(got["start"]["timeZone"], "Pacific Standard Time");
    assert_eq!(got["start"]["dateTime"], "2030-01-10T00:00:00.0000000");
    assert_eq!(got["end"]["dateTime"], "2030-01-10T01:00:00.0000000");
    let (items, _) = api.round(&window_path(ROOM)).await;
    assert_eq!(
        items[0]["originalStartTimeZone"],
        "tzone://Microsoft/Custom"
    );

    let (s, v) = api
        .invite(
            &emu,
            json!({
                "mailbox": ROOM,
                "organizer": {"name": "Kari Nordmann", "address": "kari@contoso.example"},
                "originalStartTimeZone": "Somewhere/Else",
                "start": {"dateTime": "2030-01-11T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-11T10:00:00", "timeZone": "UTC"},
            }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 12. One meeting, a copy per room

#[tokio::test]
async fn each_invited_room_gets_its_own_copy_sharing_one_ical_uid() {
    let emu = start().await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .invite(
            &emu,
            json!({
                "mailboxes": [ROOM, OTHER_ROOM],
                "organizer": {"name": "Kari Nordmann", "address": "kari@contoso.example"},
                "subject": "Budget",
                "start": {"dateTime": "2030-01-10T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-10T10:00:00", "timeZone": "UTC"},
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let copies = v["value"].as_array().unwrap();
    assert_eq!(copies.len(), 2);
    let (here, there) = (&copies[0], &copies[1]);
    assert_ne!(here["id"], there["id"], "an id per mailbox");
    assert_eq!(here["iCalUId"], there["iCalUId"], "one meeting");
    for copy in copies {
        assert_eq!(copy["isOrganizer"], false);
        let rooms: Vec<&str> = copy["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "resource")
            .map(|a| a["emailAddress"]["address"].as_str().unwrap())
            .collect();
        assert_eq!(rooms, vec![ROOM, OTHER_ROOM]);
    }
    for (mailbox, mine, theirs) in [(ROOM, here, there), (OTHER_ROOM, there, here)] {
        let (items, _) = api.round(&window_path(mailbox)).await;
        assert_eq!(ids(&items), vec![mine["id"].as_str().unwrap()]);
        assert_eq!(items[0]["iCalUId"], here["iCalUId"]);
        let (s, _) = api
            .json(api.req(
                Method::GET,
                &event_path(mailbox, theirs["id"].as_str().unwrap()),
            ))
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "the other room's id means nothing here"
        );
    }
    // A second meeting has another iCalUId.
    let (_, single) = api
        .invite(
            &emu,
            json!({
                "mailbox": ROOM,
                "organizer": {"name": "Kari Nordmann", "address": "kari@contoso.example"},
                "start": {"dateTime": "2030-01-11T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-11T10:00:00", "timeZone": "UTC"},
            }),
        )
        .await;
    assert!(single["iCalUId"].is_string());
    assert_ne!(single["iCalUId"], here["iCalUId"]);
    emu.shutdown().await;
}
