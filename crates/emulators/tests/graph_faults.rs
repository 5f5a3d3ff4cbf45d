//! The Graph emulator's strictness over real HTTP: injected faults, Exchange's per-mailbox
//! limits, JSON batching, declines, subject rewrites, room lists, statistics and the bulk seed.

mod common;

use std::time::{Duration, Instant};

use common::{Api, OTHER_ROOM, ROOM, SECRET, demo, event_body, eventually, loopback, window_path};
use reqwest::{Client, Method, StatusCode};
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::graph::{
    Fault, FaultKind, FaultRoute, GraphEmulator, GraphRoute, MailboxLimits,
};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

async fn start(seed: Seed) -> GraphEmulator {
    common::start(demo(seed)).await
}

impl Api {
    /// Follows a delta round to its deltaLink: all items and the deltaLink.
    async fn delta_round(&self, first: &str) -> (Vec<Value>, String) {
        let mut items = Vec::new();
        let mut url = first.to_owned();
        loop {
            let (s, v) = self.json(self.req(Method::GET, &url)).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            items.extend(v["value"].as_array().unwrap().iter().cloned());
            match v["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => return (items, v["@odata.deltaLink"].as_str().unwrap().to_owned()),
            }
        }
    }

    async fn batch(&self, requests: Vec<Value>) -> (StatusCode, Value) {
        self.json(
            self.req(Method::POST, "/$batch")
                .json(&json!({ "requests": requests })),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn injected_throttling_answers_429_with_a_fractional_retry_after_and_does_nothing() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    emu.inject(
        Fault::new(
            FaultRoute::CreateEvent,
            FaultKind::Throttle { retry_after: 2.128 },
        )
        .times(1),
    )
    .unwrap();
    let r = api
        .req(Method::POST, &format!("/users/{ROOM}/events"))
        .json(&event_body("Choir", 10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "2.128");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "TooManyRequests");
    assert_eq!(v["error"]["message"], "Please retry again later.");
    assert_eq!(v["error"]["innerError"]["status"], "429");
    assert!(v["error"]["innerError"]["request-id"].is_string());

    // Used up after one hit; the throttled create left nothing behind.
    api.create(ROOM, event_body("Choir", 10)).await;
    let (items, _) = api.delta_round(&window_path(ROOM)).await;
    assert_eq!(items.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_server_errors_answer_with_graph_error_bodies() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    for (status, code) in [
        (500, "generalException"),
        (502, "generalException"),
        (503, "serviceNotAvailable"),
        (504, "generalException"),
    ] {
        emu.inject(
            Fault::new(
                FaultRoute::Places,
                FaultKind::ServerError {
                    status,
                    retry_after: Some(3.0),
                },
            )
            .times(1),
        )
        .unwrap();
        let r = api
            .req(Method::GET, "/places/microsoft.graph.room")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(r.headers()["retry-after"], "3");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code);
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(v["error"]["innerError"]["request-id"].is_string());
    }
    let (s, _) = api
        .json(api.req(Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_slow_answer_applies_the_effect_before_the_client_gives_up() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    emu.inject(Fault::new(FaultRoute::CreateEvent, FaultKind::Slow { delay_ms: 3000 }).times(1))
        .unwrap();
    let impatient = Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let err = api
        .req_with(&impatient, Method::POST, &format!("/users/{ROOM}/events"))
        .json(&event_body("Choir", 10))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let (items, _) = api.delta_round(&window_path(ROOM)).await;
    assert_eq!(
        items.len(),
        1,
        "the create happened although its answer never came"
    );
    assert_eq!(items[0]["subject"], "Choir");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_timeout_fault_answers_nothing_until_the_client_gives_up() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    emu.inject(Fault::new(FaultRoute::CreateEvent, FaultKind::Timeout).times(4))
        .unwrap();
    let impatient = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    for _ in 0..4 {
        let started = Instant::now();
        let err = api
            .req_with(&impatient, Method::POST, &format!("/users/{ROOM}/events"))
            .json(&event_body("Choir", 10))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
    let (items, _) = api.delta_round(&window_path(ROOM)).await;
    assert!(items.is_empty(), "a hung request does nothing");
    // The four abandoned requests gave their mailbox slots back when their clients went away.
    api.create(ROOM, event_body("Choir", 10)).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_is_a_connection_error_with_or_without_the_effect() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    emu.inject(
        Fault::new(
            FaultRoute::CreateEvent,
            FaultKind::DropConnection {
                apply_effect: false,
            },
        )
        .times(1),
    )
    .unwrap();
    emu.inject(
        Fault::new(
            FaultRoute::CreateEvent,
            FaultKind::DropConnection { apply_effect: true },
        )
        .times(1),
    )
    .unwrap();
    for subject in ["Lost", "Kept"] {
        let err = api
            .req(Method::POST, &format!("/users/{ROOM}/events"))
            .json(&event_body(subject, 10))
            .send()
            .await
            .unwrap_err();
        assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
        assert!(err.is_request() || err.is_connect(), "{err:?}");
    }
    let (items, _) = api.delta_round(&window_path(ROOM)).await;
    let subjects: Vec<&str> = items
        .iter()
        .map(|i| i["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, vec!["Kept"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn delta_gone_answers_410_once_and_the_delta_link_still_works() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let (_, delta) = api.delta_round(&window_path(ROOM)).await;
    emu.inject(Fault::new(FaultRoute::Any, FaultKind::DeltaGone).times(1))
        .unwrap();
    // Other routes are not touched by a delta fault.
    api.create(ROOM, event_body("Choir", 10)).await;
    let (s, v) = api.json(api.req(Method::GET, &delta)).await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(v["error"]["code"], "SyncStateNotFound");
    let (items, _) = api.delta_round(&delta).await;
    assert_eq!(items.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_fault_with_a_probability_hits_the_same_requests_with_the_same_seed() {
    async fn run() -> Vec<u16> {
        let mut config = demo(Seed::Empty);
        config.fault_seed = 7;
        config.faults = vec![
            Fault::new(
                FaultRoute::Places,
                FaultKind::ServerError {
                    status: 503,
                    retry_after: None,
                },
            )
            .with_probability(0.5),
        ];
        let emu = GraphEmulator::start(config, loopback()).await.unwrap();
        let api = Api::new(&emu).await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            let r = api
                .req(Method::GET, "/places/microsoft.graph.room")
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
        }
        emu.shutdown().await;
        statuses
    }
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
}

#[tokio::test]
async fn faults_can_be_added_and_cleared_over_the_admin_routes_with_the_client_secret() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let http = Client::new();
    let fault = json!({"route": "places", "kind": "server_error", "status": 503});
    let r = http
        .post(format!("{}/faults", emu.admin_url()))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "needs the secret");
    let r = http
        .post(format!("{}/faults", emu.admin_url()))
        .bearer_auth(SECRET)
        .json(&json!({"route": "places", "kind": "server_error", "status": 418}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "not a 5xx");
    let r = http
        .post(format!("{}/faults", emu.admin_url()))
        .bearer_auth(SECRET)
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for _ in 0..2 {
        let (s, _) = api
            .json(api.req(Method::GET, "/places/microsoft.graph.room"))
            .await;
        assert_eq!(
            s,
            StatusCode::SERVICE_UNAVAILABLE,
            "no count: every request"
        );
    }
    let r = http
        .delete(format!("{}/faults", emu.admin_url()))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (s, _) = api
        .json(api.req(Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::OK);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Limits

#[tokio::test]
async fn a_fifth_concurrent_request_to_one_mailbox_is_throttled() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let path = format!("/users/{ROOM}/events/{}", created["id"].as_str().unwrap());
    emu.inject(Fault::new(
        FaultRoute::GetEvent,
        FaultKind::Slow { delay_ms: 1500 },
    ))
    .unwrap();
    let requests = (0..5).map(|_| api.req(Method::GET, &path).send());
    let started = Instant::now();
    let answers = futures_join_all(requests.collect()).await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let mut throttled = Vec::new();
    for r in answers {
        let r = r.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            throttled.push(r.json::<Value>().await.unwrap());
        } else {
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    assert_eq!(throttled[0]["error"]["code"], "ApplicationThrottled");

    // Another mailbox has its own budget.
    emu.clear_faults();
    let (s, _) = api
        .json(api.req(Method::GET, &window_path(OTHER_ROOM)))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(emu.stats().throttled.get(ROOM), Some(&1));
    emu.shutdown().await;
}

/// Runs the futures concurrently (tokio tasks), in order of the results.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_request_window_throttles_until_its_oldest_request_leaves_it() {
    let mut config = demo(Seed::Empty);
    config.limits = MailboxLimits {
        max_in_flight: 4,
        max_requests: 3,
        window: Duration::from_secs(2),
    };
    let emu = GraphEmulator::start(config, loopback()).await.unwrap();
    let api = Api::new(&emu).await;
    let path = window_path(ROOM);
    let started = Instant::now();
    for _ in 0..3 {
        let (s, _) = api.json(api.req(Method::GET, &path)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let r = api.req(Method::GET, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "ApplicationThrottled"
    );
    // Other mailboxes are not limited by this one's window.
    let (s, _) = api
        .json(api.req(Method::GET, &window_path(OTHER_ROOM)))
        .await;
    assert_eq!(s, StatusCode::OK);

    eventually(Duration::from_secs(5), || async {
        let r = api.req(Method::GET, &path).send().await.unwrap();
        (r.status() == StatusCode::OK).then_some(())
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(1900));
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// $batch

#[tokio::test]
async fn a_batch_of_more_than_20_requests_is_refused() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let requests: Vec<Value> = (1..=21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/places/microsoft.graph.room"}))
        .collect();
    let (s, v) = api.batch(requests).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "BadRequest");
    assert!(v["error"]["message"].as_str().unwrap().contains("20"));
    emu.shutdown().await;
}

#[tokio::test]
async fn batch_requests_reach_the_same_handlers_and_a_failed_dependency_answers_424() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .batch(vec![
            json!({"id": "1", "method": "POST", "url": format!("/users/{ROOM}/events"),
                   "headers": {"Content-Type": "application/json"}, "body": event_body("Choir", 10)}),
            // Well-formed ids (Exchange's alphabet and length) that name no event.
            json!({"id": "2", "method": "GET",
                   "url": format!("/users/{ROOM}/events/AAMkADmissing00000000000000000000AAA%3D"),
                   "dependsOn": ["1"]}),
            json!({"id": "3", "method": "DELETE",
                   "url": format!("/users/{ROOM}/events/AAMkADother0000000000000000000000AAA%3D"),
                   "dependsOn": ["2"]}),
        ])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let responses = v["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("1")["status"], 201);
    assert_eq!(by_id("1")["body"]["subject"], "Choir");
    assert!(by_id("1")["headers"]["ETag"].is_string());
    assert_eq!(by_id("2")["status"], 404);
    assert_eq!(by_id("2")["body"]["error"]["code"], "ErrorItemNotFound");
    assert_eq!(by_id("3")["status"], 424);
    let (s, v) = api
        .batch(vec![
            json!({"id": "4", "method": "GET", "url": "places/microsoft.graph.room?$top=1"}),
        ])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["responses"][0]["status"], 200);
    assert_eq!(
        v["responses"][0]["body"]["value"].as_array().unwrap().len(),
        1
    );

    // A body without Content-Type is refused, as Graph does.
    let (s, _) = api
        .batch(vec![json!({"id": "1", "method": "POST",
                           "url": format!("/users/{ROOM}/events"), "body": event_body("X", 11)})])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (items, _) = api.delta_round(&window_path(ROOM)).await;
    assert_eq!(items.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_throttled_inner_request_gets_its_own_429_in_a_200_batch() {
    let mut config = demo(Seed::Empty);
    config.limits.max_requests = 2;
    let emu = GraphEmulator::start(config, loopback()).await.unwrap();
    let api = Api::new(&emu).await;
    let get = |id: &str| json!({"id": id, "method": "GET", "url": window_path(ROOM)});
    let (s, v) = api.batch(vec![get("a"), get("b"), get("c")]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let statuses: Vec<u64> = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 200, 429]);
    let throttled = &v["responses"][2];
    assert!(
        throttled["headers"]["Retry-After"].is_string(),
        "{throttled}"
    );
    assert_eq!(throttled["body"]["error"]["code"], "ApplicationThrottled");
    emu.shutdown().await;
}

#[tokio::test]
async fn more_than_four_parallel_batch_requests_to_one_mailbox_throttle_each_other() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    // Without dependsOn Graph runs them in parallel: six at once against a limit of four.
    let parallel: Vec<Value> = (1..=6)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": window_path(ROOM)}))
        .collect();
    // Sequenced requests do not overlap, so a chain of six passes.
    let chain: Vec<Value> = (7..=12)
        .map(|i| {
            json!({"id": i.to_string(), "method": "GET", "url": window_path(ROOM),
               "dependsOn": if i == 7 { json!([]) } else { json!([(i - 1).to_string()]) }})
        })
        .collect();
    // Graph refuses a batch that is neither one chain nor all parallel.
    let mixed: Vec<Value> = parallel.iter().chain(&chain).cloned().collect();
    let (s, v) = api.batch(mixed).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fully sequential or fully parallel"),
        "{v}"
    );
    let (s, mut v) = api.batch(parallel).await;
    assert_eq!(s, StatusCode::OK);
    let (s, w) = api.batch(chain).await;
    assert_eq!(s, StatusCode::OK);
    let both: Vec<Value> = [&v["responses"], &w["responses"]]
        .iter()
        .flat_map(|r| r.as_array().unwrap().clone())
        .collect();
    v["responses"] = json!(both);
    let status = |id: u32| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_str() == Some(id.to_string().as_str()))
            .unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    let parallel: Vec<u64> = (1..=6).map(status).collect();
    assert_eq!(parallel, vec![200, 200, 200, 200, 429, 429]);
    assert!((7..=12).all(|i| status(i) == 200));
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Room behaviour

#[tokio::test]
async fn a_declined_meeting_shows_declined_and_leaves_the_room_calendar() {
    let emu = start(Seed::Demo).await;
    let api = Api::new(&emu).await;
    let now = chrono::Utc::now();
    let first = format!(
        "/users/{ROOM}/calendarView/delta?startDateTime={}&endDateTime={}",
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        (now + chrono::Duration::days(16)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    let (items, delta) = api.delta_round(&first).await;
    let meeting = items
        .iter()
        .find(|i| i["organizer"]["emailAddress"]["address"] != ROOM)
        .expect("a demo meeting organised by staff");
    let id = meeting["id"].as_str().unwrap();
    let path = format!("/users/{ROOM}/events/{id}");
    let r = api
        .req(Method::POST, &format!("{path}/decline"))
        .json(&json!({"comment": "The room is booked for Nordvik Choir.", "sendResponse": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    let (s, got) = api.json(api.req(Method::GET, &path)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["responseStatus"]["response"], "declined");
    let (changes, _) = api.delta_round(&delta).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["id"], id);
    assert_eq!(changes[0]["@removed"]["reason"], "deleted");
    let (again, _) = api.delta_round(&first).await;
    assert!(
        again.iter().all(|i| i["id"] != id),
        "gone from the calendar view"
    );

    // The room cannot decline what it organised itself.
    let own = api.create(ROOM, event_body("Choir", 10)).await;
    let (s, _) = api
        .json(
            api.req(
                Method::POST,
                &format!(
                    "/users/{ROOM}/events/{}/decline",
                    own["id"].as_str().unwrap()
                ),
            )
            .json(&json!({"sendResponse": false})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_room_mailbox_rewrites_the_subject_and_delta_reports_the_new_change_key() {
    let mut config = demo(Seed::Empty);
    config.rewrite_subjects = true;
    config.rewrite_after = Duration::from_millis(200);
    let emu = GraphEmulator::start(config, loopback()).await.unwrap();
    let api = Api::new(&emu).await;
    let (_, delta) = api.delta_round(&window_path(ROOM)).await;
    let created = api
        .create(ROOM, event_body("Nordvik Choir rehearsal", 10))
        .await;
    assert_eq!(created["subject"], "Nordvik Choir rehearsal");
    let organizer = created["organizer"]["emailAddress"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let rewritten = eventually(Duration::from_secs(5), || async {
        let (s, v) = api
            .json(api.req(
                Method::GET,
                &format!("/users/{ROOM}/events/{}", created["id"].as_str().unwrap()),
            ))
            .await;
        assert_eq!(s, StatusCode::OK);
        (v["subject"] == organizer.as_str()).then_some(v)
    })
    .await;
    assert_ne!(rewritten["changeKey"], created["changeKey"]);
    let (items, _) = api.delta_round(&delta).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject"], organizer.as_str());
    assert_eq!(items[0]["changeKey"], rewritten["changeKey"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn room_lists_and_their_rooms_are_listed_in_pages() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    let mut url = format!(
        "{}/places/microsoft.graph.roomlist?$top=2",
        emu.graph_base()
    );
    let mut lists = Vec::new();
    loop {
        let (s, v) = api.json(api.req(Method::GET, &url)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            v["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with("$metadata#places/microsoft.graph.roomList")
        );
        lists.extend(v["value"].as_array().unwrap().iter().cloned());
        match v["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_owned(),
            None => break,
        }
    }
    assert!(lists.len() > 2, "{lists:?}");
    let mut total = 0;
    for list in &lists {
        let email = list["emailAddress"].as_str().unwrap();
        assert!(list["displayName"].is_string() && list["id"].is_string());
        let mut url = format!(
            "{}/places/{email}/microsoft.graph.roomlist/rooms?$top=1",
            emu.graph_base()
        );
        loop {
            let (s, v) = api.json(api.req(Method::GET, &url)).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            for room in v["value"].as_array().unwrap() {
                assert_eq!(room["building"], list["displayName"]);
                total += 1;
            }
            match v["@odata.nextLink"].as_str() {
                Some(n) => url = n.to_owned(),
                None => break,
            }
        }
    }
    assert_eq!(total, 12, "every demo room is in exactly one list");
    let (s, _) = api
        .json(api.req(
            Method::GET,
            "/places/nowhere@nordvik.kommune.example/microsoft.graph.roomlist/rooms",
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Statistics and the bulk seed

#[tokio::test]
async fn stats_count_requests_by_route_batch_items_bytes_and_throttled_answers() {
    let emu = start(Seed::Empty).await;
    let api = Api::new(&emu).await;
    assert_eq!(emu.stats().requests.get(&GraphRoute::Token), Some(&1));
    emu.reset_stats();
    let created = api.create(ROOM, event_body("Choir", 10)).await;
    let get = json!({"id": "1", "method": "GET",
                     "url": format!("/users/{ROOM}/events/{}", created["id"].as_str().unwrap())});
    let mut get2 = get.clone();
    get2["id"] = json!("2");
    let (s, _) = api.batch(vec![get, get2]).await;
    assert_eq!(s, StatusCode::OK);
    emu.inject(Fault::new(FaultRoute::Delta, FaultKind::Throttle { retry_after: 1.0 }).times(1))
        .unwrap();
    let (s, _) = api.json(api.req(Method::GET, &window_path(ROOM))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    let stats = emu.stats();
    assert_eq!(stats.requests.get(&GraphRoute::CreateEvent), Some(&1));
    assert_eq!(stats.requests.get(&GraphRoute::Batch), Some(&1));
    assert_eq!(stats.requests.get(&GraphRoute::Delta), Some(&1));
    assert_eq!(stats.requests.get(&GraphRoute::GetEvent), None);
    assert_eq!(stats.batch_requests.get(&GraphRoute::GetEvent), Some(&2));
    assert_eq!(stats.throttled.get(ROOM), Some(&1));
    assert!(stats.request_bytes > 100 && stats.response_bytes > stats.request_bytes);

    let r = Client::new()
        .get(format!("{}/stats", emu.admin_url()))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["requests"]["create_event"], 1);
    assert_eq!(v["batch_requests"]["get_event"], 2);
    assert_eq!(v["throttled"][ROOM], 1);
    emu.reset_stats();
    assert_eq!(emu.stats(), Default::default());
    emu.shutdown().await;
}

#[tokio::test]
async fn the_bulk_seed_gives_bench_rooms_without_events_and_bookings_full_of_reservations() {
    let seed = Seed::Bulk {
        rooms: 3,
        per_room: 40,
    };
    let emu = start(seed).await;
    let api = Api::new(&emu).await;
    let (s, v) = api
        .json(api.req(Method::GET, "/places/microsoft.graph.room"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let rooms: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["emailAddress"].as_str().unwrap())
        .collect();
    assert_eq!(
        rooms,
        vec![
            "bench-room-001@bench.example",
            "bench-room-002@bench.example",
            "bench-room-003@bench.example"
        ]
    );
    let now = chrono::Utc::now();
    let (items, _) = api
        .delta_round(&format!(
            "/users/bench-room-002@bench.example/calendarView/delta?startDateTime={}&endDateTime={}",
            now.format("%Y-%m-%dT%H:%M:%SZ"),
            (now + chrono::Duration::days(365)).format("%Y-%m-%dT%H:%M:%SZ")
        ))
        .await;
    assert!(items.is_empty());
    emu.shutdown().await;

    let booking = BookingEmulator::start(
        BookingEmulatorConfig {
            api_key: "bench-key".into(),
            seed,
        },
        loopback(),
    )
    .await
    .unwrap();
    let http = Client::new();
    let v: Value = http
        .get(format!("{}/resources", booking.base_url()))
        .bearer_auth("bench-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resources = v["items"].as_array().unwrap();
    assert_eq!(resources.len(), 3);
    assert_eq!(resources[0]["id"], "bench-room-001");
    assert_eq!(resources[0]["name"], "Bench room 001");
    assert_eq!(resources[0]["email"], "bench-room-001@bench.example");
    assert_eq!(resources[0]["time_zone"], "Europe/Oslo");
    let v: Value = http
        .get(format!("{}/reservations?limit=500", booking.base_url()))
        .bearer_auth("bench-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 120);
    let horizon = now + chrono::Duration::days(302);
    for room in ["bench-room-001", "bench-room-002", "bench-room-003"] {
        let mut spans: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = items
            .iter()
            .filter(|i| i["resource_id"] == room)
            .map(|i| {
                assert_eq!(i["level"], "event");
                let t = |k: &str| i[k].as_str().unwrap().parse().unwrap();
                (t("start"), t("end"))
            })
            .collect();
        assert_eq!(spans.len(), 40);
        spans.sort();
        for (s, e) in &spans {
            assert_eq!(*e - *s, chrono::Duration::hours(1));
            assert!(*s > now - chrono::Duration::days(1) && *e < horizon);
        }
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "no overlap");
    }
    booking.shutdown().await;
}

#[tokio::test]
async fn latency_delays_each_answer_and_each_request_of_a_chain() {
    let mut config = demo(Seed::Empty);
    config.latency = Duration::from_millis(120);
    let emu = GraphEmulator::start(config, loopback()).await.unwrap();
    let api = Api::new(&emu).await;
    let started = Instant::now();
    let _ = api.delta_round(&window_path(ROOM)).await;
    assert!(started.elapsed() >= Duration::from_millis(120));
    let get = |id: u32, after: Option<u32>| {
        let mut r = json!({"id": id.to_string(), "method": "GET", "url": window_path(ROOM)});
        if let Some(a) = after {
            r["dependsOn"] = json!([a.to_string()]);
        }
        r
    };
    // Three at once take one latency; a chain of three takes three.
    let started = Instant::now();
    let (s, _) = api.batch((1..=3).map(|i| get(i, None)).collect()).await;
    assert_eq!(s, StatusCode::OK);
    let parallel = started.elapsed();
    let started = Instant::now();
    let (s, _) = api
        .batch((1..=3).map(|i| get(i, (i > 1).then(|| i - 1))).collect())
        .await;
    assert_eq!(s, StatusCode::OK);
    let chained = started.elapsed();
    assert!(parallel >= Duration::from_millis(120), "{parallel:?}");
    assert!(chained >= Duration::from_millis(360), "{chained:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn four_chains_at_once_fit_a_mailbox_s_four_concurrent_requests() {
    // Each chain runs one request at a time, its first one included: four chains to one
    // mailbox never hold more than four of its slots.
    let mut config = demo(Seed::Empty);
    config.latency = Duration::from_millis(100);
    let emu = GraphEmulator::start(config, loopback()).await.unwrap();
    let api = Api::new(&emu).await;
    let chain = || {
        (1..=3)
            .map(|i: u32| {
                let mut r = json!({"id": i.to_string(), "method": "GET", "url": window_path(ROOM)});
                if i > 1 {
                    r["dependsOn"] = json!([(i - 1).to_string()]);
                }
                r
            })
            .collect::<Vec<Value>>()
    };
    let (a, b, c, d) = tokio::join!(
        api.batch(chain()),
        api.batch(chain()),
        api.batch(chain()),
        api.batch(chain())
    );
    for (s, v) in [a, b, c, d] {
        assert_eq!(s, StatusCode::OK);
        for r in v["responses"].as_array().unwrap() {
            assert_eq!(r["status"], 200, "{r}");
        }
    }
    emu.shutdown().await;
}
