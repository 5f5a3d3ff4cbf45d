//! Target `booking-emulator`: the booking emulator's router driven in-process with
//! `tower::ServiceExt::oneshot`. Requests are valid-looking ones (creates, patches and
//! cancellations built from reservations the emulator itself answered with, at their current
//! versions) with mutated fields, and requests of random methods, paths, query strings, headers
//! and bodies. A panic, or an answer in the 5xx range that is not an injected fault, is a
//! finding: the contract has no 5xx of its own.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use chrono::NaiveDate;
use roombridge_emulators::booking::{self, BookingEmulatorConfig};
use roombridge_emulators::seed::Seed;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use crate::Target;
use crate::mutate::{self, mutate_bytes, mutate_json, mutate_string};
use crate::rng::Rng;

const API_KEY: &str = "fuzz-api-key";
/// The demo seed's weeks sit around this date, so every run starts from the same state.
const TODAY: (i32, u32, u32) = (2026, 3, 2);
/// The emulator starts over after this many requests, so its state (and the cost of a feed
/// read) stays the size of a real booking system's and does not grow with the run.
const RESET_EVERY: u64 = 4_000;
/// Known reservations and answers kept to build the next requests from.
const POOL: usize = 512;

const RESOURCES: &[&str] = &[
    "res-town-hall-a",
    "res-library-hall",
    "res-school-gym",
    "no-such-resource",
];
const SERVER_FIELDS: &[&str] = &[
    "id",
    "status",
    "note",
    "version",
    "created_at",
    "updated_at",
];

/// One HTTP request as the router receives it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// What the router answered.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// An in-process emulator with a current-thread runtime to drive it.
pub struct Driver {
    runtime: tokio::runtime::Runtime,
    app: Router,
}

impl Driver {
    /// A fresh demo emulator.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            // Without a runtime there is nothing to fuzz; this only fails when the OS refuses
            // the few resources a current-thread runtime takes.
            .expect("a current-thread tokio runtime");
        Self {
            runtime,
            app: fresh_app(),
        }
    }

    pub fn reset(&mut self) {
        self.app = fresh_app();
    }

    /// Sends `request`; `None` when it is not a request HTTP can carry (an invalid method,
    /// URI or header), which a server never sees.
    pub fn send(&self, request: &HttpRequest) -> Option<HttpAnswer> {
        let method = Method::from_bytes(request.method.as_bytes()).ok()?;
        let mut builder = Request::builder().method(method).uri(&request.uri);
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            let value = HeaderValue::from_bytes(value).ok()?;
            builder = builder.header(name, value);
        }
        let http = builder.body(Body::from(request.body.clone())).ok()?;
        let app = self.app.clone();
        self.runtime.block_on(async move {
            let response = app.oneshot(http).await.ok()?;
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .ok()?;
            Some(HttpAnswer {
                status,
                body: body.to_vec(),
            })
        })
    }
}

impl Default for Driver {
    fn default() -> Self {
        Self::new()
    }
}

fn fresh_app() -> Router {
    let (y, m, d) = TODAY;
    let today = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    booking::app(
        BookingEmulatorConfig {
            api_key: API_KEY.to_owned(),
            seed: Seed::Demo,
        },
        today,
    )
    // The demo seed passes the emulator's validation; its own tests start it the same way.
    .expect("the demo seed is valid")
}

fn get(uri: &str, authorised: bool) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        uri: uri.into(),
        headers: if authorised {
            vec![(
                "authorization".into(),
                format!("Bearer {API_KEY}").into_bytes(),
            )]
        } else {
            Vec::new()
        },
        body: Vec::new(),
    }
}

/// Answers of a fresh demo emulator, as `(uri, status, body)`: the resource list, feed pages,
/// single reservations and problem documents. The `booking` target's samples.
pub fn sample_answers() -> Vec<(String, u16, Value)> {
    let driver = Driver::new();
    let mut requests = vec![
        get("/api/v1/resources", true),
        get("/api/v1/reservations?limit=3", true),
        get(
            "/api/v1/reservations?limit=40&resource_id=res-town-hall-a",
            true,
        ),
        get("/api/v1/reservations", false),
        get("/api/v1/reservations/rsv-missing", true),
        get("/api/v1/reservations?cursor=nonsense", true),
        get("/api/v1/reservations?cursor=c1.0000ffffffff", true),
    ];
    let mut invalid = get("/api/v1/reservations", true);
    invalid.method = "POST".into();
    invalid
        .headers
        .push(("content-type".into(), b"application/json".to_vec()));
    invalid
        .headers
        .push(("idempotency-key".into(), b"sample".to_vec()));
    invalid.body =
        br#"{"level":"booking","title":" ","start":"x","recurrence":{"rrule":"FREQ=1"}}"#.to_vec();
    requests.push(invalid);
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for request in &requests {
        if let Some(answer) = driver.send(request) {
            let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            collect_ids(&body, &mut ids);
            out.push((request.uri.clone(), answer.status, body));
        }
    }
    // Reservations of every shape the feed shows: the first dozen, which include parents,
    // repeats with exception dates and all-day ones in the demo seed.
    for (id, _) in ids.iter().take(12) {
        let uri = format!("/api/v1/reservations/{id}");
        if let Some(answer) = driver.send(&get(&uri, true)) {
            let body = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            out.push((uri, answer.status, body));
        }
    }
    out
}

/// Ids and versions of the reservations in an answer (one reservation or a feed page); a
/// resource, which has no version, is not one.
fn collect_ids(body: &Value, out: &mut Vec<(String, i64)>) {
    let one = |v: &Value| {
        Some((
            v.get("id")?.as_str()?.to_owned(),
            v.get("version")?.as_i64()?,
        ))
    };
    if let Some(items) = body.get("items").and_then(Value::as_array) {
        out.extend(items.iter().filter_map(one));
    } else if let Some(found) = one(body) {
        out.push(found);
    }
}

pub struct EmulatorTarget {
    driver: Driver,
    sent: u64,
    /// Reservations the emulator answered with: `(id, version)`, newest last.
    known: Vec<(String, i64)>,
    /// Reservation bodies it answered with, to build creates and patches from.
    bodies: Vec<Value>,
    cursors: Vec<String>,
    /// Requests to `/api/v1/` the faults queued through `/admin/faults` still answer. An
    /// answer to HEAD has no body to say it was injected, so this says it instead.
    faults_pending: u64,
    /// How many answers of each method and status: whether the requests reach the handlers.
    tally: BTreeMap<(String, u16), u64>,
}

impl Default for EmulatorTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl EmulatorTarget {
    /// A fresh demo emulator and what its feed holds.
    pub fn new() -> Self {
        let mut target = Self {
            driver: Driver::new(),
            sent: 0,
            known: Vec::new(),
            bodies: Vec::new(),
            cursors: Vec::new(),
            faults_pending: 0,
            tally: BTreeMap::new(),
        };
        target.start_over();
        target
    }

    /// A fresh emulator, and what it holds read from its feed.
    fn start_over(&mut self) {
        self.driver.reset();
        self.known.clear();
        self.bodies.clear();
        self.cursors.clear();
        self.faults_pending = 0;
        if let Some(answer) = self
            .driver
            .send(&get("/api/v1/reservations?limit=500", true))
        {
            self.learn(&answer);
        }
    }

    fn learn(&mut self, answer: &HttpAnswer) {
        if !(200..300).contains(&answer.status) {
            return;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&answer.body) else {
            return;
        };
        let mut ids = Vec::new();
        collect_ids(&body, &mut ids);
        for (id, version) in ids {
            self.known.retain(|(k, _)| *k != id);
            self.known.push((id, version));
        }
        if let Some(cursor) = body.get("next_cursor").and_then(Value::as_str) {
            self.cursors.push(cursor.to_owned());
        }
        match body.get("items").and_then(Value::as_array) {
            Some(items) => self.bodies.extend(items.iter().take(20).cloned()),
            None if body.get("version").is_some() => self.bodies.push(body),
            None => {}
        }
        trim(&mut self.known);
        trim(&mut self.bodies);
        trim(&mut self.cursors);
    }

    fn id(&self, rng: &mut Rng) -> (String, i64) {
        if self.known.is_empty() || rng.one_in(10) {
            let mut id = format!("rsv-{:05}", rng.below(400));
            if rng.one_in(2) {
                mutate_string(rng, &mut id);
            }
            (id, rng.below(4) as i64)
        } else {
            // Recent ones more often: they are the ones a client would write next.
            let n = self.known.len();
            let at = if rng.one_in(2) {
                n - 1 - rng.below(n.min(8))
            } else {
                rng.below(n)
            };
            self.known[at].clone()
        }
    }

    /// How many answers of each `(method, status)` so far.
    pub fn tally(&self) -> &BTreeMap<(String, u16), u64> {
        &self.tally
    }

    fn sample_body(&self, rng: &mut Rng) -> Value {
        if self.bodies.is_empty() {
            return json!({});
        }
        rng.pick(&self.bodies).clone()
    }

    /// A create body: a reservation the emulator answered with, without its server fields,
    /// sometimes on another resource or inside another reservation.
    fn create_body(&self, rng: &mut Rng) -> Value {
        let mut body = self.sample_body(rng);
        if let Value::Object(map) = &mut body {
            for key in SERVER_FIELDS {
                map.remove(*key);
            }
            if rng.one_in(4) {
                map.insert("resource_id".into(), json!(rng.pick(RESOURCES)));
            }
            if rng.one_in(4) {
                let (parent, _) = self.id(rng);
                map.insert("parent_id".into(), json!(parent));
            }
            if rng.one_in(4) {
                map.insert(
                    "level".into(),
                    json!(rng.pick(&["allocation", "booking", "event", "closure"])),
                );
            }
        }
        body
    }

    /// A merge patch: a few fields of another reservation, or a recurrence change.
    fn patch_body(&self, rng: &mut Rng) -> Value {
        let source = self.create_body(rng);
        let mut patch = Map::new();
        if let Value::Object(map) = source {
            for (key, value) in map {
                if rng.one_in(3) {
                    patch.insert(key, value);
                }
            }
        }
        if rng.one_in(4) {
            patch.insert(
                "recurrence".into(),
                json!({"exdates": [format!("2026-03-{:02}", 1 + rng.below(31))]}),
            );
        }
        Value::Object(patch)
    }

    fn headers(&self, rng: &mut Rng, version: Option<i64>, create: bool) -> Vec<(String, Vec<u8>)> {
        let mut headers = Vec::new();
        if !rng.one_in(40) {
            let key = if rng.one_in(40) {
                "wrong".to_owned()
            } else {
                API_KEY.to_owned()
            };
            headers.push(("authorization".into(), format!("Bearer {key}").into_bytes()));
        }
        if !rng.one_in(30) {
            let content_type = *rng.pick(&[
                "application/json",
                "application/json",
                "application/merge-patch+json",
                "Application/JSON; charset=utf-8",
                "text/plain",
                "application/+json",
                "",
            ]);
            headers.push(("content-type".into(), content_type.as_bytes().to_vec()));
        }
        if create && !rng.one_in(30) {
            let key = if rng.one_in(3) {
                format!("key-{}", rng.below(16))
            } else {
                format!("key-{:x}", rng.next_u64())
            };
            headers.push(("idempotency-key".into(), key.into_bytes()));
        }
        if let Some(version) = version
            && !rng.one_in(30)
        {
            let value = match rng.below(12) {
                0 => version.to_string(),
                1 => format!("\"{}\"", version + 1),
                2 => "\"99999999999999999999\"".to_owned(),
                3 => "\"-1\"".to_owned(),
                4 => "W/\"1\"".to_owned(),
                _ => format!("\"{version}\""),
            };
            headers.push(("if-match".into(), value.into_bytes()));
        }
        if rng.one_in(10) {
            // A header as a client with bugs or a proxy might send it.
            let name = *rng.pick(&[
                "idempotency-key",
                "if-match",
                "content-type",
                "authorization",
                "x-odd",
            ]);
            let mut value = rng.pick(mutate::STRINGS).as_bytes().to_vec();
            mutate_bytes(rng, &mut value, &[], 2);
            headers.push((name.into(), value));
        }
        headers
    }

    fn feed_query(&self, rng: &mut Rng) -> String {
        let mut params: Vec<String> = Vec::new();
        if rng.one_in(2) {
            params.push(format!("resource_id={}", rng.pick(RESOURCES)));
        }
        if rng.one_in(2) {
            let cursor = if self.cursors.is_empty() || rng.one_in(4) {
                (*rng.pick(mutate::STRINGS)).to_owned()
            } else {
                rng.pick(&self.cursors).clone()
            };
            params.push(format!("cursor={}", encode(&cursor)));
        }
        if rng.one_in(2) {
            params.push(format!("limit={}", rng.pick(mutate::NUMBERS)));
        }
        if rng.one_in(10) {
            let key = *rng.pick(&["limit", "cursor", "resource_id", "since", "", "%ZZ"]);
            let value = *rng.pick(mutate::STRINGS);
            params.push(format!("{key}={}", encode(value)));
        }
        params.join("&")
    }
}

fn trim<T>(pool: &mut Vec<T>) {
    if pool.len() > POOL {
        pool.drain(..pool.len() - POOL);
    }
}

/// Percent-encodes everything but unreserved characters, as a client puts text in a URI.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Target for EmulatorTarget {
    type Input = HttpRequest;

    fn generate(&mut self, rng: &mut Rng) -> HttpRequest {
        let (method, uri, version, create, body): (&str, String, Option<i64>, bool, Option<Value>) =
            match rng.below(100) {
                0..=14 => {
                    let query = self.feed_query(rng);
                    (
                        "GET",
                        format!("/api/v1/reservations?{query}"),
                        None,
                        false,
                        None,
                    )
                }
                15..=17 => ("GET", "/api/v1/resources".into(), None, false, None),
                18..=27 => {
                    let (id, _) = self.id(rng);
                    (
                        "GET",
                        format!("/api/v1/reservations/{}", encode(&id)),
                        None,
                        false,
                        None,
                    )
                }
                28..=49 => (
                    "POST",
                    "/api/v1/reservations".into(),
                    None,
                    true,
                    Some(self.create_body(rng)),
                ),
                50..=69 => {
                    let (id, version) = self.id(rng);
                    (
                        "PATCH",
                        format!("/api/v1/reservations/{}", encode(&id)),
                        Some(version),
                        false,
                        Some(self.patch_body(rng)),
                    )
                }
                70..=77 => {
                    let (id, version) = self.id(rng);
                    let note = (*rng.pick(&["Cancelled by the client", "", " ", "x"])).to_owned();
                    (
                        "POST",
                        format!("/api/v1/reservations/{}/cancel", encode(&id)),
                        Some(version),
                        false,
                        Some(json!({ "note": note })),
                    )
                }
                78..=80 => (
                    "POST",
                    "/admin/raw-reservations".into(),
                    None,
                    false,
                    Some(self.sample_body(rng)),
                ),
                81 => (
                    "POST",
                    "/admin/faults".into(),
                    None,
                    false,
                    Some(json!({
                        "status": rng.pick(&[429, 500, 503, 404, 600, 99]),
                        "count": 1 + rng.below(2),
                        "retry_after": rng.pick(&[json!(1), json!(null), json!(-1), json!("2")]),
                    })),
                ),
                _ => {
                    // Anything at all: a random method on a mutated route.
                    let method = *rng.pick(&[
                        "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW",
                    ]);
                    let (id, version) = self.id(rng);
                    let mut path = (*rng.pick(&[
                        "/api/v1/reservations",
                        "/api/v1/reservations/ID",
                        "/api/v1/reservations/ID/cancel",
                        "/api/v1/resources",
                        "/admin/faults",
                        "/admin/raw-reservations",
                        "/api/v1/",
                        "/",
                    ]))
                    .replace("ID", &encode(&id));
                    if rng.one_in(2) {
                        mutate_string(rng, &mut path);
                        path = path.split('/').map(encode).collect::<Vec<_>>().join("/");
                    }
                    let body = if rng.one_in(2) {
                        Some(self.create_body(rng))
                    } else {
                        Some(mutate::interesting_value(rng))
                    };
                    (method, path, Some(version), rng.one_in(2), body)
                }
            };
        let headers = self.headers(rng, version, create);
        let body = match body {
            None if !rng.one_in(20) => Vec::new(),
            None => rng.pick(mutate::STRINGS).as_bytes().to_vec(),
            Some(mut value) => {
                if rng.one_in(2) {
                    let donors = if rng.one_in(2) {
                        self.bodies.as_slice()
                    } else {
                        &[]
                    };
                    mutate_json(rng, &mut value, donors, 3);
                }
                let mut bytes = value.to_string().into_bytes();
                if rng.one_in(8) {
                    mutate_bytes(rng, &mut bytes, &[], 3);
                }
                bytes
            }
        };
        HttpRequest {
            method: method.to_owned(),
            uri,
            headers,
            body,
        }
    }

    fn run(&mut self, request: &HttpRequest) -> Result<(), String> {
        self.sent += 1;
        if self.sent.is_multiple_of(RESET_EVERY) {
            self.start_over();
        }
        let Some(answer) = self.driver.send(request) else {
            return Ok(());
        };
        *self
            .tally
            .entry((request.method.clone(), answer.status))
            .or_default() += 1;
        let path = request.uri.split('?').next().unwrap_or_default();
        let fault_due = self.faults_pending > 0 && path.starts_with("/api/v1/");
        if fault_due {
            self.faults_pending -= 1;
        }
        if path == "/admin/faults" && answer.status == 204 {
            // As the emulator reads the body: `count` requests, 1 when not given.
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            self.faults_pending += body.get("count").and_then(Value::as_u64).unwrap_or(1);
        }
        if answer.status >= 500 {
            let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            let injected = match body.get("type").and_then(Value::as_str) {
                Some(kind) => kind.ends_with("/injected-fault"),
                None => fault_due && request.method == "HEAD" && answer.body.is_empty(),
            };
            if !injected {
                return Err(format!(
                    "HTTP {} for {} {}\n{}",
                    answer.status,
                    request.method,
                    request.uri,
                    String::from_utf8_lossy(&answer.body)
                ));
            }
        }
        self.learn(&answer);
        Ok(())
    }

    fn describe(&self, request: &HttpRequest) -> Vec<u8> {
        let mut out = format!("{} {}\n", request.method, request.uri);
        for (name, value) in &request.headers {
            out.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value)));
        }
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&request.body));
        out.push('\n');
        out.into_bytes()
    }

    fn recover(&mut self) {
        // A handler that panicked may have left the store half-written; start over so later
        // findings are not its echoes.
        self.start_over();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The valid-looking requests get past validation and the version checks often enough to
    /// reach every handler's success path, and their mutations reach the refusals.
    #[test]
    fn generated_requests_reach_every_handler_and_its_refusals() {
        let mut target = EmulatorTarget::new();
        for index in 0..2_000 {
            let mut rng = Rng::for_input(5, index);
            let request = target.generate(&mut rng);
            assert_eq!(target.run(&request), Ok(()), "{request:?}");
        }
        let count = |method: &str, status: u16| {
            target
                .tally()
                .get(&(method.to_owned(), status))
                .copied()
                .unwrap_or(0)
        };
        for (method, status) in [
            ("GET", 200),
            ("POST", 201),
            ("POST", 200),
            ("PATCH", 200),
            ("PATCH", 412),
            ("PATCH", 422),
            ("POST", 422),
            ("POST", 428),
            ("GET", 400),
            ("GET", 404),
        ] {
            assert!(
                count(method, status) > 0,
                "no {method} answered {status}: {:?}",
                target.tally()
            );
        }
    }
}
