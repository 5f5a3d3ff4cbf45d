//! The PorticoEstate emulator's webhooks behave as PorticoEstate's sources say
//! (docs/design/porticoestate-integration.md §7): subscriptions filtered by `calendar_id`, no
//! handshake, a 30-day cap, deliveries only from its own UI's changes, signed over the exact
//! bytes, sent once and never again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use roombridge_emulators::porticoestate::{PorticoEmulator, PorticoEmulatorConfig};

const UA: &str = "RoomBridge-test/1";

/// What a receiver was sent: each delivery's headers and exact body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A webhook receiver on loopback that records what it is sent and answers `status`.
struct Receiver {
    url: String,
    got: Received,
}

async fn receiver(status: u16) -> Receiver {
    let got: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                move |State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    got.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::from_u16(status).unwrap()
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, got }
}

impl Receiver {
    fn deliveries(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }
}

struct Portico {
    emulator: PorticoEmulator,
    http: reqwest::Client,
    session: String,
}

async fn portico() -> Portico {
    let emulator = PorticoEmulator::start(
        PorticoEmulatorConfig::new("roombridge", "s3cret"),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .user_agent(UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("login", "roombridge"), ("passwd", "s3cret")])
        .finish();
    let session: Value = http
        .post(format!("{}/login", emulator.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = session["session_id"].as_str().unwrap().to_owned();
    Portico {
        emulator,
        http,
        session,
    }
}

impl Portico {
    fn api(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{path}{sep}sessionphpgwsessid={}&api_mode=1",
            self.emulator.base_url(),
            self.session
        )
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.api(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn subscribe(&self, body: Value) -> String {
        let (status, answer) = self
            .call(
                reqwest::Method::POST,
                "/booking/webhooks/subscriptions",
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["subscription"]["subscription_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> StatusCode {
        self.http
            .request(method, format!("{}{path}", self.emulator.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn attempts(&self) -> Vec<Value> {
        let log: Value = self
            .http
            .get(format!("{}/admin/deliveries", self.emulator.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["deliveries"].as_array().cloned().unwrap_or_default()
    }
}

fn allocation(resource: i64, name: &str) -> Value {
    json!({
        "resource_ids": [resource],
        "from_": "2026-12-10 17:00:00",
        "to_": "2026-12-10 19:00:00",
        "organization_name": name,
    })
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn subscriptions_are_filtered_by_calendar_id_capped_at_30_days_and_need_a_session() {
    let p = portico().await;
    // No session: the middleware's 401, as for every /booking route.
    let anonymous = p
        .http
        .get(format!(
            "{}/booking/webhooks/subscriptions?api_mode=1",
            p.emulator.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (status, answer) = p
        .call(
            reqwest::Method::POST,
            "/booking/webhooks/subscriptions",
            Some(json!({
                "webhook_url": "https://rb.example/hook",
                "calendar_id": 3,
                "resource_id": 99,
                "client_state": "state",
                "secretKey": "secret",
                "expirationMinutes": 999_999,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let sub = &answer["subscription"];
    let id = sub["subscription_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sub_"), "{id}");
    // `resource_id` is only an echo of the body's; `calendar_id` is what is stored.
    assert_eq!(sub["resource_id"], 99);
    assert_eq!(sub["entity_type"], "all");
    assert_eq!(
        sub["change_types"],
        json!(["created", "updated", "deleted"])
    );
    let expires = chrono::NaiveDateTime::parse_from_str(
        sub["expires_at"].as_str().unwrap(),
        "%Y-%m-%d %H:%M:%S",
    )
    .unwrap();
    let created = chrono::NaiveDateTime::parse_from_str(
        sub["created_at"].as_str().unwrap(),
        "%Y-%m-%d %H:%M:%S",
    )
    .unwrap();
    assert_eq!(
        (expires - created).num_minutes(),
        43200,
        "capped at 30 days"
    );

    let (_, listed) = p
        .call(
            reqwest::Method::GET,
            "/booking/webhooks/subscriptions?resource_id=3",
            None,
        )
        .await;
    let rows = listed["subscriptions"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["resource_id"], 3);
    assert_eq!(rows[0]["is_active"], true);
    let (_, none) = p
        .call(
            reqwest::Method::GET,
            "/booking/webhooks/subscriptions?resource_id=99",
            None,
        )
        .await;
    assert_eq!(none["subscriptions"], json!([]));

    let path = format!("/booking/webhooks/subscriptions/{id}");
    let (status, read) = p.call(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["subscription"]["clientState"], "state");
    assert!(
        !read.to_string().contains("secret\""),
        "the secret is never shown: {read}"
    );

    // Renewal counts from now, capped, also after expiry.
    p.admin(reqwest::Method::POST, "/admin/webhooks/expire", json!({}))
        .await;
    let (status, renewed) = p
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(json!({ "expirationMinutes": 60 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let expires = chrono::NaiveDateTime::parse_from_str(
        renewed["subscription"]["expires_at"].as_str().unwrap(),
        "%Y-%m-%d %H:%M:%S",
    )
    .unwrap();
    let now = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .naive_local();
    assert!(
        (expires - now).num_minutes().abs_diff(60) <= 1,
        "{expires} {now}"
    );

    let (status, _) = p.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, gone) = p.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"], "Subscription not found or already deleted");
    let (status, gone) = p.call(reqwest::Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"], "Subscription not found");

    // Creation refuses what the manager refuses.
    for (body, message) in [
        (json!({ "calendar_id": 1 }), "webhook_url is required"),
        (json!({ "webhook_url": "no-scheme" }), "Invalid webhook_url"),
        (json!({}), "Invalid request body"),
    ] {
        let (status, answer) = p
            .call(
                reqwest::Method::POST,
                "/booking/webhooks/subscriptions",
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], message);
    }
}

#[tokio::test]
async fn creating_a_subscription_calls_nobody_and_validate_only_echoes() {
    let p = portico().await;
    let hook = receiver(200).await;
    p.subscribe(json!({ "webhook_url": hook.url, "calendar_id": 1 }))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(hook.deliveries().is_empty(), "no handshake");
    let echo = p
        .http
        .get(p.api("/booking/webhooks/validate?validationToken=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), StatusCode::OK);
    assert_eq!(echo.text().await.unwrap(), "abc");
}

#[tokio::test]
async fn a_ui_change_is_delivered_once_signed_over_the_exact_bytes() {
    let p = portico().await;
    let hook = receiver(200).await;
    let id = p
        .subscribe(json!({
            "webhook_url": hook.url,
            "calendar_id": 1,
            "client_state": "state-1",
            "secretKey": "s3cret-key",
        }))
        .await;
    assert_eq!(
        p.admin(
            reqwest::Method::POST,
            "/admin/allocations",
            allocation(1, "Nordvik IL / Skøyter")
        )
        .await,
        StatusCode::CREATED
    );
    let got = hook.deliveries();
    assert_eq!(
        got.len(),
        1,
        "delivered in the request that made the change"
    );
    let (headers, body) = &got[0];
    assert_eq!(headers["user-agent"], "PorticoEstate-Webhook/1.0");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["x-booking-signature"].to_str().unwrap(),
        format!("sha256={}", hmac_hex("s3cret-key", body))
    );
    // PHP's json_encode: `\/` and `\u00f8`, so a re-serialised body would not verify.
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.contains(r"Nordvik IL \/ Sk\u00f8yter"), "{text}");
    let payload: Value = serde_json::from_slice(body).unwrap();
    let item = &payload["value"][0];
    assert_eq!(item["subscription_id"], id.as_str());
    assert_eq!(item["change_type"], "created");
    assert_eq!(item["entity_type"], "allocation");
    assert_eq!(item["clientState"], "state-1");
    assert_eq!(item["resource_id"], 1, "the subscription's filter");
    assert_eq!(item["resources"], json!(["1"]));
    assert!(
        item["entity_data"]["from_"]
            .as_str()
            .unwrap()
            .ends_with("+01:00")
    );

    // A subscription for another resource hears nothing of resource 1; a change on resource 2
    // reaches only it.
    let other = receiver(200).await;
    p.subscribe(json!({ "webhook_url": other.url, "calendar_id": 2, "secretKey": "k" }))
        .await;
    p.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        allocation(1, "Again"),
    )
    .await;
    assert_eq!(hook.deliveries().len(), 2);
    assert!(other.deliveries().is_empty());

    let (_, log) = p
        .call(
            reqwest::Method::GET,
            &format!("/booking/webhooks/subscriptions/{id}/log"),
            None,
        )
        .await;
    assert_eq!(log["deliveryLog"].as_array().unwrap().len(), 2);
    assert_eq!(log["deliveryLog"][0]["httpStatusCode"], 200);
}

#[tokio::test]
async fn a_receiver_that_fails_gets_exactly_one_attempt_and_stays_subscribed() {
    let p = portico().await;
    let hook = receiver(500).await;
    let id = p
        .subscribe(json!({ "webhook_url": hook.url, "calendar_id": 1, "secretKey": "k" }))
        .await;
    p.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        allocation(1, "Nordvik IL"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hook.deliveries().len(), 1, "no retry");
    let attempts = p.attempts().await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["http_status_code"], 500);
    let (_, read) = p
        .call(
            reqwest::Method::GET,
            &format!("/booking/webhooks/subscriptions/{id}"),
            None,
        )
        .await;
    assert_eq!(read["subscription"]["failure_count"], 1);
    assert_eq!(read["subscription"]["is_active"], true, "never deactivated");

    // A receiver nobody answers at: one attempt, status 0.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    p.subscribe(json!({ "webhook_url": dead, "calendar_id": 2 }))
        .await;
    p.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        allocation(2, "Kor"),
    )
    .await;
    let attempts = p.attempts().await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1]["http_status_code"], 0);
    assert_eq!(attempts[1]["signed"], false, "no secret, no signature");
}

#[tokio::test]
async fn rest_writes_bookings_and_expired_subscriptions_deliver_nothing() {
    let p = portico().await;
    let hook = receiver(200).await;
    p.subscribe(json!({ "webhook_url": hook.url, "calendar_id": 1, "secretKey": "k" }))
        .await;
    // The REST API's own writes never notify.
    let (status, made) = p
        .call(
            reqwest::Method::POST,
            "/booking/resources/1/events",
            Some(json!({
                "title": "Møte",
                "from_": "2026-12-11 09:00:00",
                "to_": "2026-12-11 10:00:00",
                "source": "roombridge",
                "contact_name": "RoomBridge",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let event = made["id"].as_i64().unwrap();
    p.call(
        reqwest::Method::PUT,
        &format!("/booking/events/{event}"),
        Some(json!({ "name": "Møte 2" })),
    )
    .await;
    p.call(
        reqwest::Method::PATCH,
        &format!("/booking/events/{event}/toggle-active"),
        Some(json!({ "active": 0 })),
    )
    .await;
    // Bookings never notify (bobooking's webhook calls are commented out).
    p.admin(
        reqwest::Method::POST,
        "/admin/bookings",
        json!({ "resource_ids": [1], "from_": "2026-12-10 17:00:00", "to_": "2026-12-10 18:00:00", "group_name": "G" }),
    )
    .await;
    assert!(hook.deliveries().is_empty());

    // The UI's edit of the same event does; left inactive, it is `deleted`.
    p.admin(
        reqwest::Method::PATCH,
        &format!("/admin/events/{event}"),
        json!({ "active": true, "name": "Møte 3" }),
    )
    .await;
    p.admin(
        reqwest::Method::PATCH,
        &format!("/admin/events/{event}"),
        json!({ "active": false }),
    )
    .await;
    let kinds: Vec<String> = hook
        .deliveries()
        .iter()
        .map(|(_, body)| {
            let v: Value = serde_json::from_slice(body).unwrap();
            v["value"][0]["change_type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(kinds, ["updated", "deleted"]);

    // An expired subscription gets nothing until renewed.
    p.admin(reqwest::Method::POST, "/admin/webhooks/expire", json!({}))
        .await;
    p.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        allocation(1, "Late"),
    )
    .await;
    assert_eq!(hook.deliveries().len(), 2);
}

/// PorticoEstate waits 10 s for a receiver (curl's timeout), inside the request that made the
/// change, then gives up for good.
#[tokio::test]
async fn a_receiver_that_hangs_is_given_up_after_ten_seconds_and_never_tried_again() {
    let p = portico().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let hanging = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "too late"
        }),
    );
    tokio::spawn(async move { axum::serve(listener, hanging).await });
    p.subscribe(json!({ "webhook_url": url, "calendar_id": 1 }))
        .await;
    let started = std::time::Instant::now();
    p.admin(
        reqwest::Method::POST,
        "/admin/allocations",
        allocation(1, "Nordvik IL"),
    )
    .await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(15),
        "{waited:?}"
    );
    let attempts = p.attempts().await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["http_status_code"], 0);
    assert!(attempts[0]["error_message"].is_string());
}
