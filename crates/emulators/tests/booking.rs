//! The booking emulator over real HTTP: it must be exactly as strict as docs/booking-api.yaml.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use reqwest::{Method, RequestBuilder, StatusCode};
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Value, json};

const KEY: &str = "test-api-key";

struct Api {
    emulator: BookingEmulator,
    http: reqwest::Client,
}

impl Api {
    async fn start(seed: Seed) -> Api {
        Self::start_at(seed, NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()).await
    }

    async fn start_at(seed: Seed, today: NaiveDate) -> Api {
        let config = BookingEmulatorConfig {
            api_key: KEY.into(),
            seed,
        };
        let emulator = BookingEmulator::start_at(config, "127.0.0.1:0".parse().unwrap(), today)
            .await
            .unwrap();
        Api {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.emulator.base_url()))
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.anonymous(method, path).bearer_auth(KEY)
    }

    async fn create(&self, key: &str, body: &Value) -> reqwest::Response {
        self.req(Method::POST, "/reservations")
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn created(&self, body: &Value) -> Value {
        let key = uuid::Uuid::new_v4().to_string();
        let response = self.create(&key, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn feed(&self, query: &str) -> Value {
        let response = self
            .req(Method::GET, &format!("/reservations?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
        response.json().await.unwrap()
    }
}

fn event(title: &str) -> Value {
    json!({
        "resource_id": "res-town-hall-b",
        "level": "event",
        "title": title,
        "organisation": "Finance Department",
        "start": "2026-03-20T09:00:00Z",
        "end": "2026-03-20T10:00:00Z",
        "time_zone": "Europe/Oslo",
    })
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem without {field}: {body}");
    }
    body
}

fn error_fields(problem: &Value) -> BTreeSet<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_route_requires_the_api_key() {
    let api = Api::start(Seed::Empty).await;
    let no_key = api
        .anonymous(Method::GET, "/resources")
        .send()
        .await
        .unwrap();
    assert!(no_key.headers().contains_key("www-authenticate"));
    problem(no_key, StatusCode::UNAUTHORIZED).await;
    let wrong_key = api
        .anonymous(Method::GET, "/reservations")
        .bearer_auth("not-the-key")
        .send()
        .await
        .unwrap();
    problem(wrong_key, StatusCode::UNAUTHORIZED).await;
    let admin = api
        .http
        .post(format!("{}/raw-reservations", api.emulator.admin_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    problem(admin, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn resources_are_the_demo_rooms_with_their_zone() {
    let api = Api::start(Seed::Empty).await;
    let body: Value = api
        .req(Method::GET, "/resources")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 15);
    let chamber = items.iter().find(|r| r["id"] == "res-town-hall-a").unwrap();
    assert_eq!(chamber["time_zone"], "Europe/Oslo");
    assert_eq!(chamber["kind"], "room");
    assert_eq!(chamber["email"], "council-chamber@nordvik.kommune.example");
}

#[tokio::test]
async fn create_without_idempotency_key_is_428() {
    let api = Api::start(Seed::Empty).await;
    let response = api
        .req(Method::POST, "/reservations")
        .json(&event("Budget"))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PRECONDITION_REQUIRED).await;
    assert!(api.feed("").await["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn create_returns_201_with_version_1_etag_and_location() {
    let api = Api::start(Seed::Empty).await;
    let response = api.create("k-1", &event("Budget review")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/reservations/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["version"], 1);
    assert_eq!(body["status"], "active");
    assert_eq!(body["note"], Value::Null);
    assert_eq!(body["parent_id"], Value::Null);
    assert_eq!(body["recurrence"], Value::Null);
    assert_eq!(body["all_day"], false);
    assert_eq!(body["start"], "2026-03-20T09:00:00Z");
    assert_eq!(body["source"], "");
}

#[tokio::test]
async fn replay_with_the_same_key_and_body_returns_the_same_reservation_with_200() {
    let api = Api::start(Seed::Empty).await;
    let first: Value = api
        .create("k-1", &event("Budget review"))
        .await
        .json()
        .await
        .unwrap();
    // Key order must not matter: the body is compared as JSON.
    let mut reordered = serde_json::Map::new();
    let original = event("Budget review");
    for (k, v) in original.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let replay = api.create("k-1", &Value::Object(reordered)).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let second: Value = replay.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(api.feed("").await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn same_key_with_a_different_body_is_422() {
    let api = Api::start(Seed::Empty).await;
    api.create("k-1", &event("Budget review")).await;
    let response = api.create("k-1", &event("Something else")).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("idempotency-key-reused")
    );
    assert_eq!(api.feed("").await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_reservation_is_422_listing_every_wrong_field() {
    let api = Api::start(Seed::Empty).await;
    let body = json!({
        "resource_id": "res-nowhere",
        "level": "meeting",
        "parent_id": "rsv-missing",
        "title": "  ",
        "start": "2026-03-20T10:00:00Z",
        "end": "2026-03-20T09:00:00Z",
        "time_zone": "Europe/Atlantis",
        "version": 3,
    });
    let response = api.create("k-1", &body).await;
    let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields = error_fields(&problem);
    for field in [
        "resource_id",
        "level",
        "parent_id",
        "title",
        "end",
        "time_zone",
        "version",
    ] {
        assert!(fields.contains(field), "no error for {field}: {problem}");
    }
    // A refused create does not use up its idempotency key.
    let retry = api.create("k-1", &event("Budget review")).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn timed_reservations_need_utc_instants_and_all_day_ones_need_dates() {
    let api = Api::start(Seed::Empty).await;
    let mut offset = event("Offset");
    offset["start"] = json!("2026-03-20T10:00:00+01:00");
    let p = problem(
        api.create("k-1", &offset).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["start".to_owned()]));

    let mut mixed = event("Mixed");
    mixed["all_day"] = json!(true);
    let p = problem(
        api.create("k-2", &mixed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["start".to_owned(), "end".to_owned()])
    );

    let mut closed = event("Closed for maintenance");
    closed["all_day"] = json!(true);
    closed["start"] = json!("2026-03-24");
    closed["end"] = json!("2026-03-25");
    let created = api.created(&closed).await;
    assert_eq!(created["all_day"], true);
    assert_eq!(created["start"], "2026-03-24");
    assert_eq!(created["end"], "2026-03-25");

    closed["end"] = json!("2026-03-24");
    let p = problem(
        api.create("k-3", &closed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["end".to_owned()]));
}

#[tokio::test]
async fn a_booking_lies_inside_an_allocation_of_the_same_resource() {
    let api = Api::start(Seed::Empty).await;
    let mut allocation = event("Handball");
    allocation["level"] = json!("allocation");
    allocation["recurrence"] = json!({ "rrule": "FREQ=WEEKLY;BYDAY=FR;COUNT=10" });
    let allocation = api.created(&allocation).await;
    assert_eq!(
        allocation["recurrence"]["rrule"],
        "FREQ=WEEKLY;BYDAY=FR;COUNT=10"
    );

    let mut booking = event("Handball G12");
    booking["level"] = json!("booking");
    let p = problem(
        api.create("k-1", &booking).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["parent_id".to_owned()]));

    booking["parent_id"] = allocation["id"].clone();
    booking["resource_id"] = json!("res-town-hall-c");
    let p = problem(
        api.create("k-2", &booking).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["parent_id".to_owned()]));

    booking["resource_id"] = json!("res-town-hall-b");
    let booking = api.created(&booking).await;
    assert_eq!(booking["parent_id"], allocation["id"]);

    let mut bad_rule = event("Bad rule");
    bad_rule["recurrence"] = json!({ "rrule": "FREQ=HOURLY;COUNT=2;UNTIL=20260101" });
    let p = problem(
        api.create("k-3", &bad_rule).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["recurrence.rrule".to_owned()])
    );
}

#[tokio::test]
async fn get_returns_the_version_as_etag_and_404_for_unknown_ids() {
    let api = Api::start(Seed::Empty).await;
    let created = api.created(&event("Budget review")).await;
    let id = created["id"].as_str().unwrap();
    let response = api
        .req(Method::GET, &format!("/reservations/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.json::<Value>().await.unwrap(), created);
    let missing = api
        .req(Method::GET, "/reservations/rsv-nope")
        .send()
        .await
        .unwrap();
    problem(missing, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn patch_needs_if_match_and_refuses_a_stale_version() {
    let api = Api::start(Seed::Empty).await;
    let created = api.created(&event("Budget review")).await;
    let path = format!("/reservations/{}", created["id"].as_str().unwrap());
    let patch = json!({ "title": "Budget review, Q2" });

    let without = api
        .req(Method::PATCH, &path)
        .json(&patch)
        .send()
        .await
        .unwrap();
    problem(without, StatusCode::PRECONDITION_REQUIRED).await;
    let malformed = api
        .req(Method::PATCH, &path)
        .header("If-Match", "1")
        .json(&patch)
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::BAD_REQUEST).await;

    let ok = api
        .req(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["etag"], "\"2\"");
    let updated: Value = ok.json().await.unwrap();
    assert_eq!(updated["title"], "Budget review, Q2");
    assert_eq!(updated["version"], 2);
    // Fields absent from the patch are kept.
    assert_eq!(updated["organisation"], created["organisation"]);
    assert_eq!(updated["start"], created["start"]);

    let stale = api
        .req(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({ "title": "Lost update" }))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let now: Value = api
        .req(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["title"], "Budget review, Q2");
}

#[tokio::test]
async fn patch_validates_the_merged_reservation_and_refuses_read_only_fields() {
    let api = Api::start(Seed::Empty).await;
    let created = api.created(&event("Budget review")).await;
    let path = format!("/reservations/{}", created["id"].as_str().unwrap());
    let response = api
        .req(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({ "end": "2026-03-20T08:00:00Z", "status": "cancelled", "title": null }))
        .send()
        .await
        .unwrap();
    let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["end".to_owned(), "status".to_owned(), "title".to_owned()])
    );
    let text = api
        .req(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .body("title=x")
        .send()
        .await
        .unwrap();
    problem(text, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn cancel_is_soft_keeps_the_note_and_shows_in_the_feed() {
    let api = Api::start(Seed::Empty).await;
    let created = api.created(&event("Budget review")).await;
    let id = created["id"].as_str().unwrap();
    let cursor = api.feed("").await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/reservations/{id}/cancel");

    let without = api
        .req(Method::POST, &path)
        .json(&json!({ "note": "x" }))
        .send()
        .await
        .unwrap();
    problem(without, StatusCode::PRECONDITION_REQUIRED).await;
    let no_note = api
        .req(Method::POST, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    problem(no_note, StatusCode::UNPROCESSABLE_ENTITY).await;

    let note = "Cancelled in Outlook by the room's owner.";
    let ok = api
        .req(Method::POST, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({ "note": note }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let cancelled: Value = ok.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["note"], note);
    assert_eq!(cancelled["version"], 2);

    let read: Value = api
        .req(Method::GET, &format!("/reservations/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, cancelled);
    let feed = api.feed(&format!("cursor={cursor}")).await;
    assert_eq!(feed["items"], json!([cancelled]));

    let again = api
        .req(Method::POST, &path)
        .header("If-Match", "\"2\"")
        .json(&json!({ "note": note }))
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::CONFLICT).await;
    let patch = api
        .req(Method::PATCH, &format!("/reservations/{id}"))
        .header("If-Match", "\"2\"")
        .json(&json!({ "title": "Back" }))
        .send()
        .await
        .unwrap();
    problem(patch, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn feed_pages_in_change_order_and_the_cursor_returns_only_later_changes() {
    let api = Api::start(Seed::Empty).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(api.created(&event(&format!("Meeting {i}"))).await["id"].clone());
    }
    let mut other = event("Other room");
    other["resource_id"] = json!("res-town-hall-c");
    api.created(&other).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("resource_id=res-town-hall-b&limit=2&cursor={c}"),
            None => "resource_id=res-town-hall-b&limit=2".to_owned(),
        };
        let page = api.feed(&query).await;
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone()),
        );
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    let cursor = cursor.unwrap();
    let nothing = api
        .feed(&format!("resource_id=res-town-hall-b&cursor={cursor}"))
        .await;
    assert_eq!(nothing["items"], json!([]));
    assert_eq!(nothing["has_more"], false);
    assert_eq!(nothing["next_cursor"], cursor.as_str());

    // Changing the first reservation moves it to the end of the feed.
    let first = ids[0].as_str().unwrap();
    api.req(Method::PATCH, &format!("/reservations/{first}"))
        .header("If-Match", "\"1\"")
        .json(&json!({ "title": "Meeting 0, moved" }))
        .send()
        .await
        .unwrap();
    let later = api
        .feed(&format!("resource_id=res-town-hall-b&cursor={cursor}"))
        .await;
    let items = later["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "Meeting 0, moved");
    let everything = api.feed("resource_id=res-town-hall-b").await;
    let order: Vec<&Value> = everything["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(order.last().copied(), Some(&ids[0]));
}

#[tokio::test]
async fn feed_refuses_bad_parameters_and_answers_410_for_unknown_cursors() {
    let api = Api::start(Seed::Empty).await;
    for query in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "cursor=banana",
        "resource_id=res-nowhere",
        "colour=red",
    ] {
        let response = api
            .req(Method::GET, &format!("/reservations?{query}"))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::BAD_REQUEST).await;
    }
    let future = api
        .req(Method::GET, "/reservations?cursor=c1.0000000003e8")
        .send()
        .await
        .unwrap();
    problem(future, StatusCode::GONE).await;
}

#[tokio::test]
async fn injected_faults_answer_the_next_requests_then_clear() {
    let api = Api::start(Seed::Empty).await;
    let response = api
        .http
        .post(format!("{}/faults", api.emulator.admin_url()))
        .bearer_auth(KEY)
        .json(&json!({ "status": 429, "count": 2, "retry_after": 7 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for _ in 0..2 {
        let throttled = api.req(Method::GET, "/resources").send().await.unwrap();
        assert_eq!(throttled.headers()["retry-after"], "7");
        problem(throttled, StatusCode::TOO_MANY_REQUESTS).await;
    }
    assert_eq!(
        api.req(Method::GET, "/resources")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

impl Api {
    async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(format!("{}/faults", self.emulator.admin_url()))
            .bearer_auth(KEY)
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    async fn titles(&self) -> Vec<String> {
        self.feed("limit=500").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_and_may_have_applied_the_write() {
    let api = Api::start(Seed::Empty).await;
    api.fault(json!({ "kind": "drop", "apply_effect": true }))
        .await;
    let lost = api
        .req(Method::POST, "/reservations")
        .header("Idempotency-Key", "drop-1")
        .json(&event("Applied"))
        .send()
        .await;
    assert!(lost.is_err(), "an answer came through: {lost:?}");
    assert_eq!(api.titles().await, ["Applied"]);
    // The client's retry with the same key finds the reservation it could not see made.
    let replayed = api.create("drop-1", &event("Applied")).await;
    assert_eq!(replayed.status(), StatusCode::OK);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");

    api.fault(json!({ "kind": "drop", "count": 2 })).await;
    for _ in 0..2 {
        let lost = api
            .req(Method::POST, "/reservations")
            .header("Idempotency-Key", "drop-2")
            .json(&event("Not applied"))
            .send()
            .await;
        assert!(lost.is_err(), "an answer came through: {lost:?}");
    }
    assert_eq!(api.titles().await, ["Applied"]);
}

#[tokio::test]
async fn a_slow_answer_comes_after_the_write_is_applied() {
    let api = Api::start(Seed::Empty).await;
    api.fault(json!({ "kind": "slow", "delay_ms": 2000 })).await;
    let gave_up = api
        .req(Method::POST, "/reservations")
        .header("Idempotency-Key", "slow-1")
        .timeout(std::time::Duration::from_millis(300))
        .json(&event("Held back"))
        .send()
        .await;
    assert!(gave_up.unwrap_err().is_timeout());
    assert_eq!(api.titles().await, ["Held back"]);
}

#[tokio::test]
async fn fault_kinds_the_emulator_does_not_know_are_refused() {
    let api = Api::start(Seed::Empty).await;
    for body in [
        json!({ "kind": "explode" }),
        json!({ "kind": "slow" }),
        json!({ "kind": "drop", "apply_effect": "yes" }),
        json!({ "status": 200 }),
    ] {
        let response = api
            .http
            .post(format!("{}/faults", api.emulator.admin_url()))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn raw_reservations_are_stored_as_is_and_fed_to_clients() {
    let api = Api::start(Seed::Empty).await;
    let raw = json!({ "id": "rsv-broken", "resource_id": "res-town-hall-b", "level": "party", "start": "yesterday" });
    let response = api
        .http
        .post(format!("{}/raw-reservations", api.emulator.admin_url()))
        .bearer_auth(KEY)
        .json(&raw)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["id"], "rsv-broken");
    let feed = api.feed("resource_id=res-town-hall-b").await;
    assert_eq!(feed["items"], json!([raw]));
}

#[tokio::test]
async fn demo_seed_is_a_believable_deterministic_month() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
    let api = Api::start_at(Seed::Demo, today).await;
    let items = api.feed("limit=500").await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        (150..=300).contains(&items.len()),
        "{} reservations",
        items.len()
    );
    let count = |f: &dyn Fn(&Value) -> bool| items.iter().filter(|r| f(r)).count();
    assert!(count(&|r| r["level"] == "allocation" && r["recurrence"].is_null()) >= 20);
    assert!(count(&|r| r["level"] == "allocation" && !r["recurrence"].is_null()) >= 3);
    assert!(count(&|r| r["level"] == "booking") >= 10);
    assert!(count(&|r| r["level"] == "event") >= 40);
    assert!(count(&|r| r["all_day"] == true) >= 3);
    assert!(count(&|r| r["status"] == "cancelled") >= 2);
    let resources: BTreeSet<&str> = items
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(resources.len(), 15);
    // Every parent is there, on the same resource.
    for r in items.iter().filter(|r| !r["parent_id"].is_null()) {
        let parent = items.iter().find(|p| p["id"] == r["parent_id"]).unwrap();
        assert_eq!(parent["resource_id"], r["resource_id"]);
    }
    // A demo weekday evening lies in Oslo's local evening: 17:00 CET is 16:00 UTC in March.
    let handball = items
        .iter()
        .find(|r| r["title"] == "Handball training")
        .unwrap();
    assert_eq!(handball["start"], "2026-03-16T16:00:00Z");

    let again = Api::start_at(Seed::Demo, today).await;
    let items_again = again.feed("limit=500").await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items, items_again);
}

/// The OpenAPI file and the emulator cannot drift: every operation in the spec is served, a
/// basic request gets a status the spec documents, the body carries the schema's required
/// fields, and the documented 401 (and 428 for required headers) really happen.
#[tokio::test]
async fn emulator_serves_every_operation_of_the_openapi_contract() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/booking-api.yaml");
    let spec: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        spec["servers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1")
    );
    let api = Api::start(Seed::Empty).await;
    let seeded = api.created(&event("For the spec")).await;
    let id = seeded["id"].as_str().unwrap().to_owned();

    let mut operations = BTreeSet::new();
    for (route, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // Path items also hold `parameters`, `summary` and such next to the methods.
            if ![
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            let operation_id = operation["operationId"].as_str().unwrap().to_owned();
            operations.insert(operation_id.clone());
            let url_path = route.replace("{id}", &id);
            let documented = |status: u16| operation["responses"].get(status.to_string()).is_some();

            // Every operation is authenticated.
            let anonymous = api
                .anonymous(method.clone(), &url_path)
                .send()
                .await
                .unwrap();
            assert_eq!(
                anonymous.status(),
                StatusCode::UNAUTHORIZED,
                "{operation_id}"
            );
            assert!(documented(401), "{operation_id} does not document 401");

            let (request, header) =
                basic_request(&api, &operation_id, method.clone(), &url_path).await;
            // Leaving out each required header gives the documented 428.
            for param in parameters(&spec, item, operation) {
                if param["in"] == "header" && param["required"] == true {
                    let (bare, _) =
                        basic_request(&api, &operation_id, method.clone(), &url_path).await;
                    let response = bare.send().await.unwrap();
                    assert_eq!(
                        response.status(),
                        StatusCode::PRECONDITION_REQUIRED,
                        "{operation_id}"
                    );
                    assert!(documented(428), "{operation_id} does not document 428");
                }
            }
            let request = match header {
                Some((name, value)) => request.header(name, value),
                None => request,
            };
            let response = request.send().await.unwrap();
            let status = response.status();
            assert!(status.is_success(), "{operation_id}: {status}");
            let documented_response = resolve(&spec, &operation["responses"][status.as_str()]);
            assert!(
                !documented_response.is_null(),
                "{operation_id} answered undocumented {status}"
            );
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let schema = &documented_response["content"][&content_type]["schema"];
            assert!(
                !schema.is_null(),
                "{operation_id}: {content_type} not documented for {status}"
            );
            let body: Value = response.json().await.unwrap();
            conforms(&spec, schema, &body, &operation_id);
        }
    }
    let known: BTreeSet<String> = KNOWN_OPERATIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        operations, known,
        "the spec's operations changed: update basic_request"
    );
}

const KNOWN_OPERATIONS: &[&str] = &[
    "listResources",
    "listReservationChanges",
    "createReservation",
    "getReservation",
    "updateReservation",
    "cancelReservation",
];

/// The smallest valid request for an operation, and the required header it needs.
async fn basic_request(
    api: &Api,
    operation_id: &str,
    method: Method,
    path: &str,
) -> (RequestBuilder, Option<(&'static str, String)>) {
    let request = api.req(method, path);
    match operation_id {
        "listResources" | "getReservation" => (request, None),
        "listReservationChanges" => (request.query(&[("resource_id", "res-town-hall-b")]), None),
        "createReservation" => (
            request.json(&event("Spec create")),
            Some(("Idempotency-Key", uuid::Uuid::new_v4().to_string())),
        ),
        "updateReservation" => (
            request.json(&json!({ "title": "Spec update" })),
            Some(("If-Match", current_etag(api, path).await)),
        ),
        "cancelReservation" => {
            let reservation = path.trim_end_matches("/cancel");
            (
                request.json(&json!({ "note": "Spec cancel" })),
                Some(("If-Match", current_etag(api, reservation).await)),
            )
        }
        other => panic!("no basic request for operation {other}: add one"),
    }
}

async fn current_etag(api: &Api, reservation_path: &str) -> String {
    let response = api.req(Method::GET, reservation_path).send().await.unwrap();
    response.headers()["etag"].to_str().unwrap().to_owned()
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec, spec.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => node,
    }
}

fn parameters<'a>(spec: &'a Value, item: &'a Value, operation: &'a Value) -> Vec<&'a Value> {
    [&item["parameters"], &operation["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(spec, p))
        .collect()
}

/// A small JSON Schema check: types, enums, required properties, nested objects and arrays.
fn conforms(spec: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(spec, schema);
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(
            types.contains(&actual) || (actual == "integer" && types.contains(&"number")),
            "{at}: {value} is {actual}, schema says {types:?}"
        );
    }
    if value.is_null() {
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        assert!(allowed.contains(value), "{at}: {value} not in {allowed:?}");
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for field in required.iter().filter_map(Value::as_str) {
            assert!(
                value.get(field).is_some(),
                "{at}: missing required `{field}` in {value}"
            );
        }
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (name, property) in properties {
            if let Some(v) = object.get(name) {
                conforms(spec, property, v, &format!("{at}.{name}"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            conforms(spec, items, v, &format!("{at}[{i}]"));
        }
    }
}

fn recurring(title: &str, recurrence: Value) -> Value {
    let mut body = event(title);
    body["level"] = json!("allocation");
    body["recurrence"] = recurrence;
    body
}

async fn patch(api: &Api, id: &Value, version: i64, body: &Value) -> reqwest::Response {
    api.req(
        Method::PATCH,
        &format!("/reservations/{}", id.as_str().unwrap()),
    )
    .header("If-Match", format!("\"{version}\""))
    .json(body)
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_closure_has_no_parent_and_nothing_lies_inside_it() {
    let api = Api::start(Seed::Empty).await;
    let mut closure = event("Floor maintenance");
    closure["level"] = json!("closure");
    closure["all_day"] = json!(true);
    closure["start"] = json!("2026-04-10");
    closure["end"] = json!("2026-04-11");
    let created = api.created(&closure).await;
    assert_eq!(created["level"], "closure");
    assert_eq!(created["parent_id"], Value::Null);
    assert_eq!(created["start"], "2026-04-10");

    let allocation = api
        .created(&recurring(
            "Handball",
            json!({ "rrule": "FREQ=WEEKLY;COUNT=4" }),
        ))
        .await;
    let mut inside = closure.clone();
    inside["parent_id"] = allocation["id"].clone();
    inside["title"] = json!("");
    let p = problem(
        api.create("k-1", &inside).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Every wrong field, not only the first.
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["parent_id".to_owned(), "title".to_owned()])
    );
    assert!(p.to_string().contains("closure has no parent"), "{p}");

    let mut under = event("Meeting in a closed room");
    under["parent_id"] = created["id"].clone();
    let p = problem(
        api.create("k-2", &under).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["parent_id".to_owned()]));

    // Promoting an event that lies inside an allocation to a closure is refused too.
    let mut child = event("Cup");
    child["parent_id"] = allocation["id"].clone();
    let child = api.created(&child).await;
    let p = problem(
        patch(&api, &child["id"], 1, &json!({ "level": "closure" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["parent_id".to_owned()]));
}

#[tokio::test]
async fn exdates_are_distinct_valid_dates_of_a_recurring_reservation() {
    let api = Api::start(Seed::Empty).await;
    let created = api
        .created(&recurring(
            "Handball",
            json!({ "rrule": "FREQ=WEEKLY;COUNT=10", "exdates": ["2026-04-03", "2026-03-27"] }),
        ))
        .await;
    // Returned in ascending order.
    assert_eq!(
        created["recurrence"],
        json!({ "rrule": "FREQ=WEEKLY;COUNT=10", "exdates": ["2026-03-27", "2026-04-03"] })
    );
    let plain = api
        .created(&recurring(
            "Chess",
            json!({ "rrule": "FREQ=DAILY;COUNT=2" }),
        ))
        .await;
    assert_eq!(plain["recurrence"]["exdates"], json!([]));
    let null = api
        .created(&recurring(
            "Choir",
            json!({ "rrule": "FREQ=DAILY;COUNT=2", "exdates": null }),
        ))
        .await;
    assert_eq!(null["recurrence"]["exdates"], json!([]));

    let bad = recurring(
        "Handball",
        json!({
            "rrule": "FREQ=WEEKLY;COUNT=10",
            "exdates": ["2026-02-30", "2026-03-27", "2026-03-27", 5, "2026-3-4", "2026-03-27T00:00:00Z"],
        }),
    );
    let p = problem(
        api.create("k-1", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(
            ["[0]", "[2]", "[3]", "[4]", "[5]"].map(|i| format!("recurrence.exdates{i}"))
        )
    );

    let not_a_list = recurring(
        "Handball",
        json!({ "rrule": "FREQ=WEEKLY;COUNT=10", "exdates": "2026-03-27" }),
    );
    let p = problem(
        api.create("k-2", &not_a_list).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["recurrence.exdates".to_owned()])
    );

    let without_rule = recurring("Handball", json!({ "exdates": ["2026-03-27"] }));
    let p = problem(
        api.create("k-3", &without_rule).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from([
            "recurrence.rrule".to_owned(),
            "recurrence.exdates".to_owned()
        ])
    );

    let unknown = recurring(
        "Handball",
        json!({ "rrule": "FREQ=WEEKLY;COUNT=10", "exrule": "FREQ=DAILY" }),
    );
    let p = problem(
        api.create("k-4", &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), BTreeSet::from(["recurrence".to_owned()]));
}

#[tokio::test]
async fn patching_exdates_is_a_change_and_keeps_the_rule() {
    let api = Api::start(Seed::Empty).await;
    let created = api
        .created(&recurring(
            "Handball",
            json!({ "rrule": "FREQ=WEEKLY;COUNT=10" }),
        ))
        .await;
    let id = &created["id"];
    let cursor = api.feed("").await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let skip = json!({ "recurrence": { "exdates": ["2026-03-27"] } });
    let response = patch(&api, id, 1, &skip).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let skipped: Value = response.json().await.unwrap();
    assert_eq!(skipped["version"], 2);
    assert_eq!(
        skipped["recurrence"],
        json!({ "rrule": "FREQ=WEEKLY;COUNT=10", "exdates": ["2026-03-27"] })
    );
    let changes = api.feed(&format!("cursor={cursor}")).await;
    assert_eq!(changes["items"], json!([skipped]));

    // A stale version is refused, and the list is not touched.
    let stale = patch(&api, id, 1, &json!({ "recurrence": { "exdates": [] } })).await;
    problem(stale, StatusCode::PRECONDITION_FAILED).await;

    // A new rule keeps the exception dates; a new list replaces the old one.
    let rule = json!({ "recurrence": { "rrule": "FREQ=WEEKLY;COUNT=12" } });
    let renewed: Value = patch(&api, id, 2, &rule).await.json().await.unwrap();
    assert_eq!(
        renewed["recurrence"],
        json!({ "rrule": "FREQ=WEEKLY;COUNT=12", "exdates": ["2026-03-27"] })
    );
    let both = json!({ "recurrence": { "rrule": "FREQ=WEEKLY;COUNT=12", "exdates": ["2026-04-03", "2026-03-27"] } });
    let listed: Value = patch(&api, id, 3, &both).await.json().await.unwrap();
    assert_eq!(
        listed["recurrence"]["exdates"],
        json!(["2026-03-27", "2026-04-03"])
    );
    assert_eq!(listed["version"], 4);

    // Duplicates are refused in a patch as in a create.
    let twice = json!({ "recurrence": { "exdates": ["2026-03-27", "2026-03-27"] } });
    let p = problem(
        patch(&api, id, 4, &twice).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from(["recurrence.exdates[1]".to_owned()])
    );

    // Clearing the recurrence clears its exception dates with it.
    let single: Value = patch(&api, id, 4, &json!({ "recurrence": null }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(single["recurrence"], Value::Null);
    // Exception dates cannot be patched onto a reservation that does not repeat.
    let p = problem(
        patch(&api, id, 5, &skip).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&p),
        BTreeSet::from([
            "recurrence.rrule".to_owned(),
            "recurrence.exdates".to_owned()
        ])
    );
}

#[tokio::test]
async fn demo_seed_has_a_closure_a_skipped_and_a_moved_occurrence() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
    let api = Api::start_at(Seed::Demo, today).await;
    let items = api.feed("limit=500").await["items"]
        .as_array()
        .unwrap()
        .clone();
    let closures: Vec<&Value> = items.iter().filter(|r| r["level"] == "closure").collect();
    assert_eq!(closures.len(), 1);
    assert_eq!(closures[0]["title"], "Floor maintenance");
    assert_eq!(closures[0]["resource_id"], "res-school-music");
    assert_eq!(closures[0]["all_day"], true);
    // The Friday of the fourth week from the Monday of `today`'s week.
    assert_eq!(closures[0]["start"], "2026-04-10");
    assert_eq!(closures[0]["end"], "2026-04-11");

    let with_exdates: Vec<&Value> = items
        .iter()
        .filter(|r| {
            r["recurrence"]["exdates"]
                .as_array()
                .is_some_and(|d| !d.is_empty())
        })
        .collect();
    assert_eq!(with_exdates.len(), 2);
    let senior = items
        .iter()
        .find(|r| r["title"] == "Senior exercise")
        .unwrap();
    assert_eq!(senior["recurrence"]["exdates"], json!(["2026-04-03"]));

    let choir = items
        .iter()
        .find(|r| r["title"] == "Choir rehearsal")
        .unwrap();
    assert_eq!(choir["recurrence"]["exdates"], json!(["2026-03-26"]));
    let moved = items
        .iter()
        .find(|r| r["parent_id"] == choir["id"])
        .unwrap();
    assert_eq!(moved["level"], "event");
    // Friday 19:00 in Oslo (CET).
    assert_eq!(moved["start"], "2026-03-27T18:00:00Z");
    assert_eq!(moved["resource_id"], "res-culture-stage");
}
