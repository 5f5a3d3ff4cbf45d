//! JSON batching (`POST /$batch`): up to 20 requests in one round trip, each answered on its
//! own, so one failed item fails alone.
//!
//! Graph evaluates every item against the mailbox's throttling limits, so a batch costs its
//! item count in the governor's budget, and throttled items come back as 429 items inside a
//! 200 answer. Those are sent again (in a smaller batch) after their `Retry-After`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use reqwest::Method;
use roombridge_core::CalendarEvent;
use roombridge_core::Mailbox;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use futures::StreamExt;

use super::{Body, Call, GraphConnector, etag, wire};
use crate::{CalendarWrite, ConnectorError, ErrorKind};

/// Graph's limit on requests per `$batch`.
pub const MAX_BATCH: usize = 20;

/// The Prefer headers every request carries (see `GraphConnector::attempt`); batch items do
/// not inherit the outer request's headers.
const PREFER: &str =
    "IdType=\"ImmutableId\", outlook.timezone=\"UTC\", outlook.body-content-type=\"text\"";

/// One request inside a `$batch`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    /// Unique within the call; answers are matched to requests by it.
    pub id: String,
    pub method: Method,
    /// Relative to the Graph version root, e.g. `/users/room@contoso.com/events`.
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// A JSON body (sent with `Content-Type: application/json`).
    pub body: Option<Value>,
    /// Ids of earlier requests that must succeed first (`dependsOn`). When one of them fails,
    /// this one is answered 424 without being run.
    pub depends_on: Vec<String>,
    /// Sending it twice does no harm, so it is retried after a 5xx too (any item is retried
    /// after a 429). GET and DELETE are by default; set it for a create with a
    /// `transactionId` or a PATCH with `If-Match`.
    pub idempotent: bool,
}

impl BatchRequest {
    /// A request without body, headers or dependencies.
    pub fn new(id: impl Into<String>, method: Method, url: impl Into<String>) -> Self {
        let idempotent = matches!(method, Method::GET | Method::DELETE | Method::HEAD);
        Self {
            id: id.into(),
            method,
            url: url.into(),
            headers: BTreeMap::new(),
            body: None,
            depends_on: Vec::new(),
            idempotent,
        }
    }

    /// With a JSON body.
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// With one more header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Runs only after request `id` has succeeded.
    pub fn after(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }

    /// Marks the request as safe (or not) to send twice.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The request as an item of a `$batch` body, borrowing what it says.
    fn item(&self) -> Item<'_> {
        let mut headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let has =
            |h: &BTreeMap<&str, &str>, name: &str| h.keys().any(|k| k.eq_ignore_ascii_case(name));
        if !has(&headers, "prefer") {
            headers.insert("Prefer", PREFER);
        }
        if self.body.is_some() && !has(&headers, "content-type") {
            headers.insert("Content-Type", "application/json");
        }
        Item {
            id: &self.id,
            method: self.method.as_str(),
            url: &self.url,
            headers,
            body: self.body.as_ref(),
            depends_on: &self.depends_on,
        }
    }
}

/// One item of a `$batch` body as Graph reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    id: &'a str,
    method: &'a str,
    url: &'a str,
    headers: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    depends_on: &'a [String],
}

/// Graph's answer to one [`BatchRequest`].
#[derive(Debug, Clone)]
pub struct BatchResponse {
    pub id: String,
    pub status: u16,
    /// Header names in lower case (Graph's casing varies: `Retry-After`, `retry-after`).
    pub headers: BTreeMap<String, String>,
    /// The JSON body as it came (`null` when there was none): read once, into the type it
    /// stands for, not into a JSON tree first.
    pub body: Box<RawValue>,
}

impl BatchResponse {
    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON tree.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.body.get()).unwrap_or(Value::Null)
    }

    /// The item's own `Retry-After`, if it has one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .get("retry-after")
            .and_then(|v| wire::parse_retry_after(v))
    }

    /// The item's failure, classified like any Graph answer; `None` when it succeeded.
    pub fn error(&self) -> Option<ConnectorError> {
        if self.is_success() {
            return None;
        }
        let retry_after = self.headers.get("retry-after").map(String::as_str);
        Some(wire::classify(self.status, retry_after, self.body.get()))
    }

    fn synthetic(id: &str, status: u16, code: &str, message: &str) -> Self {
        Self {
            id: id.to_owned(),
            status,
            headers: BTreeMap::new(),
            body: serde_json::value::to_raw_value(
                &json!({"error": {"code": code, "message": message}}),
            )
            .expect("JSON from JSON"),
        }
    }
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

/// Reads a `$batch` answer body (batch-response.json).
pub fn parse_batch_response(body: &str) -> Result<Vec<BatchResponse>, ConnectorError> {
    #[derive(Deserialize)]
    struct Item {
        id: String,
        status: u16,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        body: Option<Box<RawValue>>,
    }
    #[derive(Deserialize)]
    struct Answer {
        responses: Vec<Item>,
    }
    let answer: Answer = serde_json::from_str(body).map_err(|e| {
        ConnectorError::new(
            ErrorKind::Transient { retry_after: None },
            format!("Graph sent an unreadable batch answer: {e}"),
        )
    })?;
    Ok(answer
        .responses
        .into_iter()
        .map(|i| BatchResponse {
            id: i.id,
            status: i.status,
            headers: i
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            body: i.body.unwrap_or_else(null),
        })
        .collect())
}

/// The write a batch item id names (ids are the writes' positions).
fn index(id: &str, len: usize) -> Option<usize> {
    id.parse::<usize>().ok().filter(|i| *i < len)
}

/// Ids must be unique and non-empty, and dependencies must name earlier requests (a batch
/// split into several keeps their order, so later ones could not be honoured).
fn validate(requests: &[BatchRequest]) -> Result<(), ConnectorError> {
    let mut seen = HashSet::new();
    for r in requests {
        if r.id.is_empty() || !seen.insert(r.id.as_str()) {
            return Err(ConnectorError::new(
                ErrorKind::Permanent,
                format!("Batch request id '{}' is empty or used twice", r.id),
            ));
        }
        if let Some(d) = r
            .depends_on
            .iter()
            .find(|d| !seen.contains(d.as_str()) || *d == &r.id)
        {
            return Err(ConnectorError::new(
                ErrorKind::Permanent,
                format!(
                    "Batch request '{}' depends on '{d}', which is not an earlier request",
                    r.id
                ),
            ));
        }
    }
    Ok(())
}

/// Which items of an answered batch go again: throttled ones, transient failures of
/// idempotent ones, items Graph left out (if idempotent), and items that failed only because
/// a dependency is going again.
fn retries(sent: &[BatchRequest], answers: &HashMap<String, BatchResponse>) -> HashSet<String> {
    let mut again = HashSet::new();
    // Dependencies come first (see `validate`), so one pass sees them decided.
    for r in sent {
        let retry = match answers.get(&r.id).map(|a| a.status) {
            None => r.idempotent,
            Some(429) => true,
            Some(500 | 502 | 503 | 504) => r.idempotent,
            Some(424) => r.depends_on.iter().any(|d| again.contains(d)),
            Some(_) => false,
        };
        if retry {
            again.insert(r.id.clone());
        }
    }
    again
}

impl GraphConnector {
    /// Sends `requests` as JSON batches for `mailbox`: 20 per `$batch`, one batch after the
    /// other, in order. Returns one answer per request, in the order given; a failed item is
    /// an answer with its status (see [`BatchResponse::error`]), not an `Err`. Throttled items
    /// (and transient failures of idempotent ones) are sent again after their `Retry-After`,
    /// within the governor's limits. Fails as a whole only for invalid ids or dependencies, or
    /// when a whole batch fails.
    pub async fn batch(
        &self,
        mailbox: &Mailbox,
        requests: &[BatchRequest],
    ) -> Result<Vec<BatchResponse>, ConnectorError> {
        validate(requests)?;
        let mut done: HashMap<String, BatchResponse> = HashMap::new();
        for chunk in requests.chunks(MAX_BATCH) {
            let mut pending = Vec::new();
            for r in chunk {
                // Dependencies already answered (earlier chunks, or skipped here) are either
                // met, and dropped from dependsOn, or failed, and this one fails with them.
                let failed_dependency = r
                    .depends_on
                    .iter()
                    .any(|d| done.get(d).is_some_and(|a| !a.is_success()));
                if failed_dependency {
                    done.insert(
                        r.id.clone(),
                        BatchResponse::synthetic(
                            &r.id,
                            424,
                            "FailedDependency",
                            "A request this one depends on failed",
                        ),
                    );
                    continue;
                }
                let mut r = r.clone();
                r.depends_on.retain(|d| !done.contains_key(d));
                pending.push(r);
            }
            self.run_batch(mailbox, pending, &mut done).await?;
        }
        Ok(requests
            .iter()
            .map(|r| {
                done.remove(&r.id).unwrap_or_else(|| {
                    BatchResponse::synthetic(
                        &r.id,
                        502,
                        "MissingBatchResponse",
                        "Graph's batch answer left this request out",
                    )
                })
            })
            .collect())
    }

    /// One batch of at most [`MAX_BATCH`], with its item retries.
    async fn run_batch(
        &self,
        mailbox: &Mailbox,
        mut pending: Vec<BatchRequest>,
        done: &mut HashMap<String, BatchResponse>,
    ) -> Result<(), ConnectorError> {
        let url = self.url(&["$batch"])?;
        let mut backoff = self.governor.backoff();
        while !pending.is_empty() {
            #[derive(Serialize)]
            struct Batch<'a> {
                requests: Vec<Item<'a>>,
            }
            // Written once, straight from the requests (no JSON tree of copies in between).
            let body = serde_json::value::to_raw_value(&Batch {
                requests: pending.iter().map(BatchRequest::item).collect(),
            })
            .map_err(|e| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    format!("a batch could not be written: {e}"),
                )
            })?;
            let mut call = Call::new(Method::POST, url.clone(), mailbox.as_str());
            call.body = Some(Body::Written(&body));
            call.cost = pending.len();
            call.idempotent = pending.iter().all(|r| r.idempotent);
            let text = self.send(call).await?;
            let answers: HashMap<String, BatchResponse> = parse_batch_response(&text)?
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect();
            let throttled = answers.values().filter(|a| a.status == 429).count();
            self.governor.counters.throttled(throttled as u64);
            let again = retries(&pending, &answers);
            let mut answers = answers;
            for r in &pending {
                if let Some(a) = answers.remove(&r.id) {
                    done.insert(r.id.clone(), a);
                }
            }
            if again.is_empty() {
                break;
            }
            let wait = again
                .iter()
                .filter_map(|id| done.get(id).and_then(BatchResponse::retry_after))
                .max();
            // Out of attempts or time: the last answers stand.
            let Some(delay) = backoff.next(wait) else {
                break;
            };
            self.governor.counters.retried(again.len() as u64);
            if again
                .iter()
                .any(|id| done.get(id).is_some_and(|a| a.status == 429))
            {
                self.governor.hold(mailbox.as_str(), delay);
            } else {
                tokio::time::sleep(delay).await;
            }
            pending.retain(|r| again.contains(&r.id));
            for r in &mut pending {
                r.depends_on.retain(|d| again.contains(d));
            }
        }
        Ok(())
    }

    /// [`Calendar::write_many`](crate::Calendar::write_many) through `$batch`: 20 writes per
    /// batch, each batch one `dependsOn` chain (Exchange runs a chain one request at a time, so
    /// it holds one of the mailbox's 4 concurrent requests; unchained items to one mailbox
    /// would throttle each other), and as many batches in flight as the mailbox allows.
    pub async fn write_many(
        &self,
        mailbox: &Mailbox,
        writes: &[CalendarWrite<'_>],
    ) -> Vec<Result<Option<CalendarEvent>, ConnectorError>> {
        let mut results: Vec<Option<Result<Option<CalendarEvent>, ConnectorError>>> =
            writes.iter().map(|_| None).collect();
        let mut requests: Vec<BatchRequest> = Vec::new();
        for (i, write) in writes.iter().enumerate() {
            match self.write_request(mailbox, i, write) {
                Ok(request) => requests.push(request),
                // Refused before it is sent (an event that ends before it starts): fails alone.
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let in_flight = self.governor.limits().max_in_flight_per_mailbox.max(1);
        // The chain only orders the writes; none needs another's result. So the writes after
        // one that failed, answered 424 without being run, go again in a new chain (each round
        // runs at least the first write of every chain).
        while !requests.is_empty() {
            let sent_count = requests.len();
            let chains: Vec<Vec<BatchRequest>> = requests
                .chunks(MAX_BATCH)
                .map(|chunk| {
                    let mut chain = chunk.to_vec();
                    chain[0].depends_on.clear();
                    for k in 1..chain.len() {
                        chain[k].depends_on = vec![chain[k - 1].id.clone()];
                    }
                    chain
                })
                .collect();
            let answered: Vec<_> = futures::stream::iter(chains)
                .map(|chain| async move {
                    let answers = self.batch(mailbox, &chain).await;
                    (chain, answers)
                })
                .buffer_unordered(in_flight)
                .collect()
                .await;
            requests = Vec::new();
            for (sent, answers) in answered {
                match answers {
                    Ok(answers) => {
                        for (request, a) in sent.into_iter().zip(answers) {
                            let Some(i) = index(&a.id, writes.len()) else {
                                continue;
                            };
                            if a.status == 424 {
                                requests.push(request);
                            } else {
                                results[i] = Some(self.written(&writes[i], a));
                            }
                        }
                    }
                    // The whole batch failed (Graph unreachable, out of retries): each write
                    // in it fails with that.
                    Err(e) => {
                        for i in sent.iter().filter_map(|r| index(&r.id, writes.len())) {
                            results[i] = Some(Err(e.clone()));
                        }
                    }
                }
            }
            requests.sort_by_key(|r| index(&r.id, writes.len()));
            // A service that answers 424 to the first write of a chain would never let this
            // end: those writes fail as they were answered.
            if requests.len() == sent_count {
                for r in requests.drain(..) {
                    if let Some(i) = index(&r.id, writes.len()) {
                        results[i] = Some(Err(ConnectorError::new(
                            ErrorKind::Transient { retry_after: None },
                            "Graph answered 424 (failed dependency) to a write that depended on nothing",
                        )));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(ConnectorError::new(
                        ErrorKind::Transient { retry_after: None },
                        "Graph's batch answer left this write out",
                    ))
                })
            })
            .collect()
    }

    /// The batch item for write number `i`.
    fn write_request(
        &self,
        mailbox: &Mailbox,
        i: usize,
        write: &CalendarWrite<'_>,
    ) -> Result<BatchRequest, ConnectorError> {
        let id = i.to_string();
        Ok(match *write {
            CalendarWrite::Create {
                content,
                link,
                idempotency_key,
            } => {
                let events = self.url(&["users", mailbox.as_str(), "events"])?;
                let fields = wire::create_fields(content, link, idempotency_key)?;
                BatchRequest::new(id, Method::POST, self.relative(&events))
                    .with_body(Value::Object(fields))
                    // The transactionId makes a repeated create return the first event.
                    .idempotent(true)
            }
            CalendarWrite::Update {
                event,
                version,
                content,
            } => {
                let url = self.event_url(mailbox, event)?;
                let fields = wire::event_fields(content)?;
                let request = BatchRequest::new(id, Method::PATCH, self.relative(&url))
                    .with_body(Value::Object(fields));
                match version {
                    // With If-Match a repeat of an applied update fails as Stale instead of
                    // writing twice.
                    Some(v) => request.with_header("If-Match", etag(v)).idempotent(true),
                    None => request,
                }
            }
            CalendarWrite::Delete { event } => {
                let url = self.event_url(mailbox, event)?;
                BatchRequest::new(id, Method::DELETE, self.relative(&url))
            }
        })
    }

    /// What one answered write left.
    fn written(
        &self,
        write: &CalendarWrite<'_>,
        answer: BatchResponse,
    ) -> Result<Option<CalendarEvent>, ConnectorError> {
        let failed = answer.error();
        match (write, failed) {
            // An event that is already gone counts as deleted.
            (CalendarWrite::Delete { .. }, Some(e)) if e.is_item_gone() => Ok(None),
            (_, Some(e)) => Err(e),
            (CalendarWrite::Delete { .. }, None) => Ok(None),
            (CalendarWrite::Create { link, .. }, None) => {
                let mut event = wire::parse_event(answer.body.get(), self.zone_hint)?;
                // Graph does not return extended properties on create; we know what we sent.
                event.tag = Some((*link).clone());
                Ok(Some(event))
            }
            (CalendarWrite::Update { .. }, None) => {
                wire::parse_event(answer.body.get(), self.zone_hint).map(Some)
            }
        }
    }

    /// `url` relative to the Graph version root, as batch items name their targets.
    fn relative(&self, url: &url::Url) -> String {
        let base = self.config.graph_base.path().trim_end_matches('/');
        let path = url.path().strip_prefix(base).unwrap_or(url.path());
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_published_batch_answer() {
        let sample = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/graph/batch-response.json"
        ))
        .unwrap();
        let answers = parse_batch_response(&sample).unwrap();
        assert!(answers.len() >= 2);
        assert!(answers[0].is_success() && answers[0].error().is_none());
        assert_eq!(answers[1].status, 403);
        assert_eq!(answers[1].error().unwrap().kind, ErrorKind::Auth);
        assert!(answers[0].headers.contains_key("content-type"));
    }

    #[test]
    fn a_dependent_of_a_retried_item_goes_again_with_it() {
        let sent = vec![
            BatchRequest::new("1", Method::GET, "/a"),
            BatchRequest::new("2", Method::GET, "/b").after("1"),
            BatchRequest::new("3", Method::POST, "/c"),
            BatchRequest::new("4", Method::POST, "/d"),
        ];
        let answer =
            |id: &str, status| (id.to_owned(), BatchResponse::synthetic(id, status, "", ""));
        let answers = HashMap::from([
            answer("1", 429),
            answer("2", 424),
            answer("3", 503),
            answer("4", 429),
        ]);
        let again = retries(&sent, &answers);
        assert_eq!(again, HashSet::from(["1".into(), "2".into(), "4".into()]));
    }

    #[test]
    fn dependencies_must_name_earlier_requests() {
        let bad = vec![
            BatchRequest::new("1", Method::GET, "/a").after("2"),
            BatchRequest::new("2", Method::GET, "/b"),
        ];
        assert_eq!(validate(&bad).unwrap_err().kind, ErrorKind::Permanent);
        let twice = vec![
            BatchRequest::new("1", Method::GET, "/a"),
            BatchRequest::new("1", Method::GET, "/b"),
        ];
        assert!(validate(&twice).is_err());
    }
}
