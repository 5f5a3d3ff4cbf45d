//! The kit passes against the booking emulator, which is as strict as the contract, and fails
//! against deliberately broken variants of it, naming the broken behaviour. Each variant is the
//! real emulator behind a proxy that breaks one thing, the way a vendor's implementation might;
//! the emulator itself stays strict.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use roombridge_conformance::{Check, Options, run};
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::seed::Seed;

const KEY: &str = "conformance-test-key";

async fn emulator() -> BookingEmulator {
    BookingEmulator::start(
        BookingEmulatorConfig {
            api_key: KEY.into(),
            seed: Seed::Empty,
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("the emulator starts")
}

fn options(url: String) -> Options {
    Options {
        url,
        api_key: KEY.into(),
        resource: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_booking_emulator_passes_every_check() {
    let emulator = emulator().await;
    let report = run(&options(emulator.base_url())).await;
    assert!(report.ok(), "{report}");
    assert_eq!(report.outcomes.len(), Check::ALL.len());
    // Nothing the kit made stays active.
    let client = reqwest::Client::new();
    let feed: Value = client
        .get(format!("{}/reservations?limit=500", emulator.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let active: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "active")
        .collect();
    assert!(active.is_empty(), "left behind: {active:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_is_not_a_booking_api_fails_every_check_with_what_to_fix() {
    let report = run(&options("http://127.0.0.1:9/api/v1".into())).await;
    assert_eq!(report.failed().len(), Check::ALL.len());
    let text = report.to_string();
    assert!(text.contains("got no answer"), "{text}");
    assert!(text.ends_with("0 passed, 14 failed"), "{text}");
}

/// One thing a vendor's implementation gets wrong.
#[derive(Debug, Clone, Copy)]
enum Broken {
    /// Lets requests through without the key.
    AcceptsAnyKey,
    /// Errors as plain JSON instead of problem documents.
    PlainErrors,
    /// Creates without an Idempotency-Key.
    NoKeyNeeded,
    /// Ignores the Idempotency-Key: a replay creates again.
    NoReplay,
    /// A 422 names only the first wrong field.
    FirstErrorOnly,
    /// Ignores If-Match.
    IgnoresIfMatch,
    /// The feed leaves out changes after a reservation's create.
    FeedLosesUpdates,
    /// The feed answers an unknown resource with an empty page.
    FeedAnyResource,
    /// A cancel deletes: the reservation is gone from reads and the feed.
    HardCancel,
    /// All-day dates come back as midnight UTC instants.
    AllDayAsInstants,
    /// Exdates come back in the order sent.
    UnsortedExdates,
    /// Every reservation comes back in UTC.
    ZoneToUtc,
}

impl Broken {
    const ALL: [Broken; 12] = [
        Broken::AcceptsAnyKey,
        Broken::PlainErrors,
        Broken::NoKeyNeeded,
        Broken::NoReplay,
        Broken::FirstErrorOnly,
        Broken::IgnoresIfMatch,
        Broken::FeedLosesUpdates,
        Broken::FeedAnyResource,
        Broken::HardCancel,
        Broken::AllDayAsInstants,
        Broken::UnsortedExdates,
        Broken::ZoneToUtc,
    ];

    /// The check that must name it.
    fn check(self) -> Check {
        match self {
            Broken::AcceptsAnyKey => Check::Auth,
            Broken::PlainErrors => Check::Errors,
            Broken::NoKeyNeeded => Check::CreateNeedsKey,
            Broken::NoReplay => Check::Idempotency,
            Broken::FirstErrorOnly => Check::Validation,
            Broken::IgnoresIfMatch => Check::Versions,
            Broken::FeedLosesUpdates => Check::Feed,
            Broken::FeedAnyResource => Check::FeedFilter,
            Broken::HardCancel => Check::Cancel,
            Broken::AllDayAsInstants => Check::AllDay,
            Broken::UnsortedExdates => Check::Recurrence,
            Broken::ZoneToUtc => Check::Zones,
        }
    }
}

#[derive(Clone)]
struct Proxy {
    broken: Broken,
    upstream: String,
    http: reqwest::Client,
}

/// Serves the emulator at `upstream` with `broken` broken; returns the proxy's base URL.
async fn broken_variant(broken: Broken, upstream: &BookingEmulator) -> String {
    let proxy = Proxy {
        broken,
        upstream: format!("http://{}", upstream.addr()),
        http: reqwest::Client::new(),
    };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api/v1")
}

async fn forward(State(p): State<Proxy>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let mut headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let reservation_id = path
        .strip_prefix("/api/v1/reservations/")
        .filter(|rest| !rest.contains('/'))
        .map(str::to_owned);
    match p.broken {
        Broken::AcceptsAnyKey => {
            headers.insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
            );
        }
        Broken::NoKeyNeeded
            if method == Method::POST
                && path == "/api/v1/reservations"
                && !headers.contains_key("idempotency-key") =>
        {
            headers.insert(
                "idempotency-key",
                HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap(),
            );
        }
        Broken::NoReplay if method == Method::POST && path == "/api/v1/reservations" => {
            headers.insert(
                "idempotency-key",
                HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap(),
            );
        }
        Broken::IgnoresIfMatch if method == Method::PATCH && reservation_id.is_some() => {
            let current = upstream(&p, Method::GET, &path, None, &headers, Bytes::new()).await;
            if let Some(etag) = current.headers().get("etag").cloned() {
                headers.insert("if-match", etag);
            }
        }
        Broken::FeedAnyResource
            if path == "/api/v1/reservations"
                && method == Method::GET
                && query
                    .as_deref()
                    .is_some_and(|q| q.contains("no-such-resource")) =>
        {
            return axum::Json(json!({ "items": [], "next_cursor": "c", "has_more": false }))
                .into_response();
        }
        _ => {}
    }
    let answer = upstream(&p, method.clone(), &path, query.as_deref(), &headers, body).await;
    let status = answer.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            out_headers.insert(name.clone(), value.clone());
        }
    }
    let mut json: Option<Value> = serde_json::from_slice(&answer.bytes().await.unwrap()).ok();
    if let Some(body) = json.as_mut() {
        let is_feed = path == "/api/v1/reservations" && method == Method::GET;
        match p.broken {
            Broken::PlainErrors if !status.is_success() => {
                out_headers.insert("content-type", HeaderValue::from_static("application/json"));
            }
            Broken::FirstErrorOnly => {
                if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
                    errors.truncate(1);
                }
            }
            Broken::FeedLosesUpdates if is_feed => {
                if let Some(items) = body["items"].as_array_mut() {
                    items.retain(|r| r["version"].as_i64() == Some(1));
                }
            }
            Broken::HardCancel if is_feed => {
                if let Some(items) = body["items"].as_array_mut() {
                    items.retain(|r| r["status"] != "cancelled");
                }
            }
            Broken::HardCancel
                if method == Method::GET
                    && reservation_id.is_some()
                    && body["status"] == "cancelled" =>
            {
                return (
                    StatusCode::NOT_FOUND,
                    [("content-type", "application/problem+json")],
                    json!({"type": "about:blank", "title": "Not found", "status": 404, "detail": "gone"}).to_string(),
                )
                    .into_response();
            }
            Broken::AllDayAsInstants => each_reservation(body, |r| {
                if r["all_day"] == true {
                    for field in ["start", "end"] {
                        if let Some(date) = r[field].as_str().map(str::to_owned) {
                            r[field] = json!(format!("{date}T00:00:00Z"));
                        }
                    }
                }
            }),
            Broken::UnsortedExdates => each_reservation(body, |r| {
                if let Some(list) = r["recurrence"]["exdates"].as_array_mut() {
                    list.reverse();
                }
            }),
            Broken::ZoneToUtc => each_reservation(body, |r| r["time_zone"] = json!("UTC")),
            _ => {}
        }
    }
    let bytes = json.map(|j| j.to_string().into_bytes()).unwrap_or_default();
    (status, out_headers, bytes).into_response()
}

async fn upstream(
    p: &Proxy,
    method: Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> reqwest::Response {
    let url = match query {
        Some(q) => format!("{}{path}?{q}", p.upstream),
        None => format!("{}{path}", p.upstream),
    };
    let mut request = p
        .http
        .request(
            reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
            url,
        )
        .body(body);
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    request.send().await.expect("the emulator answers")
}

/// Applies `f` to the reservation `body` is, or to every item of a feed page.
fn each_reservation(body: &mut Value, f: impl Fn(&mut Value)) {
    if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(&f);
    } else if body.get("id").is_some() && body.get("level").is_some() {
        f(body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_variant_fails_the_check_that_names_it() {
    let emulator = emulator().await;
    for broken in Broken::ALL {
        let url = broken_variant(broken, &emulator).await;
        let report = run(&options(url)).await;
        let failed = report.failed();
        assert!(
            failed.contains(&broken.check()),
            "{broken:?} should fail `{}`:\n{report}",
            broken.check().name()
        );
    }
}
