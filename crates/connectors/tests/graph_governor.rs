//! The throttle governor and `$batch` against a local stand-in for Graph that counts what it
//! sees: concurrency per mailbox, Retry-After, retries and their bounds, priority, batching.

mod local;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::Method;
use roombridge_connectors::graph::{BatchRequest, GraphLimits, Priority, with_priority};
use roombridge_connectors::{Calendar, ErrorKind};
use roombridge_core::{GraphEventId, Mailbox};
use serde_json::{Value, json};

use local::{connector, quick_limits, serve};

/// Answers `GET /users/{mb}/events/{id}` slowly, counting requests in flight per mailbox.
#[derive(Default)]
struct Concurrency {
    now: Mutex<HashMap<String, usize>>,
    max: Mutex<HashMap<String, usize>>,
    total_now: AtomicUsize,
    total_max: AtomicUsize,
}

async fn slow_event(
    State(c): State<Arc<Concurrency>>,
    Path((mailbox, _id)): Path<(String, String)>,
) -> Json<Value> {
    {
        let mut now = c.now.lock().unwrap();
        let n = now.entry(mailbox.clone()).or_default();
        *n += 1;
        let mut max = c.max.lock().unwrap();
        let m = max.entry(mailbox.clone()).or_default();
        *m = (*m).max(*n);
        let t = c.total_now.fetch_add(1, Ordering::SeqCst) + 1;
        c.total_max.fetch_max(t, Ordering::SeqCst);
    }
    tokio::time::sleep(Duration::from_millis(40)).await;
    *c.now.lock().unwrap().get_mut(&mailbox).unwrap() -= 1;
    c.total_now.fetch_sub(1, Ordering::SeqCst);
    Json(json!({}))
}

#[tokio::test]
async fn never_more_than_four_requests_in_flight_per_mailbox() {
    let counts = Arc::new(Concurrency::default());
    let addr = serve(
        Router::new()
            .route("/users/{mb}/events/{id}", get(slow_event))
            .with_state(counts.clone()),
    )
    .await;
    let graph = Arc::new(connector(addr, quick_limits()));
    let mut tasks = Vec::new();
    for room in ["a@x.example", "b@x.example"] {
        for i in 0..16 {
            let graph = graph.clone();
            tasks.push(tokio::spawn(async move {
                graph
                    .tag_of(&Mailbox::new(room), &GraphEventId::new(format!("e{i}")))
                    .await
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), None);
    }
    let max = counts.max.lock().unwrap().clone();
    assert_eq!(max["a@x.example"], 4, "{max:?}");
    assert_eq!(max["b@x.example"], 4, "{max:?}");
    assert!(
        counts.total_max.load(Ordering::SeqCst) > 4,
        "mailboxes do not share slots"
    );
    assert_eq!(graph.stats().requests_sent, 32);
}

/// Answers with the statuses in `script` in turn (with their Retry-After), then 200 `{}`.
#[derive(Default)]
struct Script {
    answers: Mutex<Vec<(u16, Option<&'static str>)>>,
    hits: AtomicUsize,
    at: Mutex<Vec<Instant>>,
}

impl Script {
    fn new(mut answers: Vec<(u16, Option<&'static str>)>) -> Arc<Self> {
        answers.reverse();
        Arc::new(Script {
            answers: Mutex::new(answers),
            ..Script::default()
        })
    }

    fn answer(&self) -> Response {
        self.hits.fetch_add(1, Ordering::SeqCst);
        self.at.lock().unwrap().push(Instant::now());
        match self.answers.lock().unwrap().pop() {
            None => (StatusCode::ACCEPTED, Json(json!({}))).into_response(),
            Some((status, retry_after)) => {
                let mut headers = HeaderMap::new();
                if let Some(r) = retry_after {
                    headers.insert("retry-after", r.parse().unwrap());
                }
                let body = json!({"error": {"code": "scripted", "message": "scripted failure"}});
                (StatusCode::from_u16(status).unwrap(), headers, Json(body)).into_response()
            }
        }
    }
}

async fn scripted(script: Arc<Script>) -> (Arc<Script>, std::net::SocketAddr) {
    let s = script.clone();
    let s2 = script.clone();
    let addr = serve(
        Router::new()
            .route(
                "/users/{mb}/events/{id}",
                get(move || {
                    let s = s.clone();
                    async move { s.answer() }
                }),
            )
            .route(
                "/users/{mb}/events/{id}/decline",
                post(move || {
                    let s = s2.clone();
                    async move { s.answer() }
                }),
            ),
    )
    .await;
    (script, addr)
}

fn room() -> Mailbox {
    Mailbox::new("room@x.example")
}

fn event() -> GraphEventId {
    GraphEventId::new("e1")
}

#[tokio::test]
async fn waits_out_a_fractional_retry_after_and_then_succeeds() {
    let (script, addr) = scripted(Script::new(vec![(429, Some("0.35"))])).await;
    let graph = connector(addr, quick_limits());
    graph.tag_of(&room(), &event()).await.unwrap();
    let at = script.at.lock().unwrap().clone();
    assert_eq!(at.len(), 2);
    assert!(
        at[1] - at[0] >= Duration::from_millis(350),
        "{:?}",
        at[1] - at[0]
    );
    let stats = graph.stats();
    assert_eq!(
        (
            stats.retries,
            stats.throttled_responses,
            stats.throttled_waits
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_429_holds_back_other_requests_to_the_same_mailbox() {
    let (script, addr) = scripted(Script::new(vec![(429, Some("0.3"))])).await;
    let graph = Arc::new(connector(addr, quick_limits()));
    let first = {
        let graph = graph.clone();
        tokio::spawn(async move { graph.tag_of(&room(), &event()).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Sent while the mailbox is held: it must not reach the server before the hold ends.
    graph.tag_of(&room(), &event()).await.unwrap();
    first.await.unwrap().unwrap();
    let at = script.at.lock().unwrap().clone();
    assert_eq!(at.len(), 3);
    assert!(at[1] - at[0] >= Duration::from_millis(300));
    assert!(at[2] - at[0] >= Duration::from_millis(300));
}

#[tokio::test]
async fn retries_transient_failures_then_succeeds() {
    let (script, addr) = scripted(Script::new(vec![(503, None), (502, None), (504, None)])).await;
    let graph = connector(addr, quick_limits());
    graph.tag_of(&room(), &event()).await.unwrap();
    assert_eq!(script.hits.load(Ordering::SeqCst), 4);
    assert_eq!(graph.stats().retries, 3);
}

#[tokio::test]
async fn gives_up_after_the_attempt_bound_with_a_transient_error() {
    let (script, addr) = scripted(Script::new(vec![(503, None); 10])).await;
    let graph = connector(
        addr,
        GraphLimits {
            max_attempts: 3,
            ..quick_limits()
        },
    );
    let err = graph.tag_of(&room(), &event()).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.status, Some(503));
    assert_eq!(script.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_bound_is_returned_at_once() {
    let (script, addr) = scripted(Script::new(vec![(429, Some("30"))])).await;
    let graph = connector(
        addr,
        GraphLimits {
            max_total_wait: Duration::from_secs(1),
            ..quick_limits()
        },
    );
    let started = Instant::now();
    let err = graph.tag_of(&room(), &event()).await.unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Transient {
            retry_after: Some(Duration::from_secs(30))
        }
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(script.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_decline_is_not_repeated_after_a_server_error_but_is_after_a_429() {
    let (script, addr) = scripted(Script::new(vec![(503, None)])).await;
    let graph = connector(addr, quick_limits());
    let err = graph
        .decline_event(&room(), &event(), "Booked in the booking system")
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert_eq!(
        script.hits.load(Ordering::SeqCst),
        1,
        "may have been applied"
    );

    let (script, addr) = scripted(Script::new(vec![(429, Some("0.01"))])).await;
    let graph = connector(addr, quick_limits());
    graph
        .decline_event(&room(), &event(), "Booked in the booking system")
        .await
        .unwrap();
    assert_eq!(
        script.hits.load(Ordering::SeqCst),
        2,
        "a 429 was not acted on"
    );
}

#[tokio::test]
async fn the_token_endpoint_retry_after_is_honoured() {
    let hits = Arc::new(AtomicUsize::new(0));
    let at = Arc::new(Mutex::new(Vec::new()));
    let (h, a) = (hits.clone(), at.clone());
    let app = Router::new()
        .route(
            "/token",
            post(move || {
                let (h, a) = (h.clone(), a.clone());
                async move {
                    a.lock().unwrap().push(Instant::now());
                    if h.fetch_add(1, Ordering::SeqCst) == 0 {
                        let mut headers = HeaderMap::new();
                        headers.insert("retry-after", "0.25".parse().unwrap());
                        return (StatusCode::TOO_MANY_REQUESTS, headers, "busy").into_response();
                    }
                    Json(local::token_answer()).into_response()
                }
            }),
        )
        .route(
            "/v1.0/users/{mb}/events/{id}",
            get(|| async { Json(json!({})) }),
        );
    let addr = local::serve_app(app).await;
    let graph = connector(addr, quick_limits());
    graph.tag_of(&room(), &event()).await.unwrap();
    let at = at.lock().unwrap().clone();
    assert_eq!(at.len(), 2);
    assert!(at[1] - at[0] >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_waiting_interactive_request_gets_the_next_free_slot() {
    let order = Arc::new(Mutex::new(Vec::<String>::new()));
    let o = order.clone();
    let addr = serve(Router::new().route(
        "/users/{mb}/events/{id}",
        get(move |Path((_, id)): Path<(String, String)>| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(id.clone());
                if id == "first" {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Json(json!({}))
            }
        }),
    ))
    .await;
    let graph = Arc::new(connector(
        addr,
        GraphLimits {
            max_in_flight_per_mailbox: 1,
            ..quick_limits()
        },
    ));
    let spawn = |id: &'static str, p: Priority| {
        let graph = graph.clone();
        tokio::spawn(with_priority(p, async move {
            graph.tag_of(&room(), &GraphEventId::new(id)).await
        }))
    };
    let first = spawn("first", Priority::Background);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let background = spawn("background", Priority::Background);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let interactive = spawn("interactive", Priority::Interactive);
    for t in [first, background, interactive] {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        *order.lock().unwrap(),
        ["first", "interactive", "background"]
    );
}

/// A `$batch` endpoint: records batch sizes; an item whose URL contains `bad` fails 400, the
/// item with id `7` is throttled (429, Retry-After 0.05) the first time, and everything else
/// answers 200 with its id.
#[derive(Default)]
struct Batches {
    sizes: Mutex<Vec<usize>>,
    throttled_once: Mutex<bool>,
}

async fn batch_endpoint(State(b): State<Arc<Batches>>, Json(body): Json<Value>) -> Json<Value> {
    let items = body["requests"].as_array().unwrap();
    b.sizes.lock().unwrap().push(items.len());
    let responses: Vec<Value> = items
        .iter()
        .map(|item| {
            let id = item["id"].as_str().unwrap();
            assert!(item["headers"]["Prefer"].as_str().unwrap().contains("ImmutableId"));
            if item["url"].as_str().unwrap().contains("bad") {
                return json!({"id": id, "status": 400, "headers": {}, "body": {"error": {"code": "ErrorInvalidRequest", "message": "bad item"}}});
            }
            if id == "7" {
                let mut once = b.throttled_once.lock().unwrap();
                if !*once {
                    *once = true;
                    return json!({"id": id, "status": 429, "headers": {"Retry-After": "0.05"}, "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}});
                }
            }
            json!({"id": id, "status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": id}})
        })
        .collect();
    Json(json!({"responses": responses}))
}

#[tokio::test]
async fn a_batch_is_split_by_twenty_and_a_failed_item_fails_alone() {
    let batches = Arc::new(Batches::default());
    let addr = serve(
        Router::new()
            .route("/$batch", post(batch_endpoint))
            .with_state(batches.clone()),
    )
    .await;
    let graph = connector(addr, quick_limits());
    let requests: Vec<_> = (0..45)
        .map(|i| {
            let url = if i == 12 {
                "/users/room@x.example/events/bad".to_owned()
            } else {
                format!("/users/room@x.example/events/e{i}")
            };
            BatchRequest::new(i.to_string(), Method::GET, url)
        })
        .collect();
    let answers = graph.batch(&room(), &requests).await.unwrap();
    assert_eq!(answers.len(), 45);
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a.id, i.to_string(), "answers keep the request order");
        if i == 12 {
            assert_eq!(a.status, 400);
            assert_eq!(a.error().unwrap().kind, ErrorKind::Permanent);
        } else {
            assert!(a.is_success(), "{a:?}");
            assert_eq!(a.json()["id"], i.to_string());
        }
    }
    // Three batches, then the throttled item alone.
    assert_eq!(*batches.sizes.lock().unwrap(), [20, 1, 20, 5]);
    let stats = graph.stats();
    assert_eq!((stats.retries, stats.throttled_responses), (1, 1));
}

#[tokio::test]
async fn a_batch_item_after_a_failed_dependency_is_not_sent() {
    let batches = Arc::new(Batches::default());
    let addr = serve(
        Router::new()
            .route("/$batch", post(batch_endpoint))
            .with_state(batches.clone()),
    )
    .await;
    let graph = connector(addr, quick_limits());
    let mut requests: Vec<_> = (0..20)
        .map(|i| BatchRequest::new(i.to_string(), Method::GET, format!("/x/{i}")))
        .collect();
    requests[19] = BatchRequest::new("19", Method::GET, "/x/bad");
    // In the next chunk, depending on the failed item of the first.
    requests.push(BatchRequest::new("20", Method::GET, "/x/20").after("19"));
    let answers = graph.batch(&room(), &requests).await.unwrap();
    assert_eq!(answers[19].status, 400);
    assert_eq!(answers[20].status, 424);
    assert_eq!(
        *batches.sizes.lock().unwrap(),
        [20, 1],
        "item 7's retry only"
    );
}
