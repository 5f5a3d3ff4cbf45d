//! Microsoft Graph connector: an Outlook room mailbox as a [`Calendar`].
//!
//! Authenticates with OAuth2 client credentials, by secret or certificate (token cached until
//! shortly before expiry), asks for immutable ids, UTC times and text bodies on every request,
//! reads `calendarView/delta` to the end, and classifies every failure by [`ErrorKind`].
//!
//! Every request passes the [throttle governor](governor): per-mailbox concurrency and request
//! budget, `Retry-After` holds, and bounded retries of transient failures where a retry is safe.

mod auth;
mod batch;
mod credential;
mod governor;
mod probe;
#[doc(hidden)]
pub mod wire;
pub mod zones;

pub use batch::{BatchRequest, BatchResponse};
pub use credential::{CLIENT_ASSERTION_TYPE, GraphCredential, client_assertion};
pub use governor::{GraphClientStats, GraphLimits, Priority, current_priority, with_priority};
pub use probe::{PROBE_BODY, PROBE_SUBJECT, PROBE_TAG_PREFIX, ProbeEvent, ViewedEvent};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::SecondsFormat;
use chrono_tz::Tz;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue, IF_MATCH, RETRY_AFTER};
use roombridge_core::CalendarEvent;
use roombridge_core::recurrence::Series;
use roombridge_core::{Content, GraphEventId, LinkId, Mailbox, Secret, SyncWindow};
use serde_json::{Value, json};
use url::Url;

use crate::{Calendar, CalendarChanges, ConnectorError, ErrorKind};

/// Where the connector finds Graph and Entra ID, and as which application.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// `https://graph.microsoft.com/v1.0` (or an emulator's).
    pub graph_base: Url,
    /// `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token` (or an emulator's).
    pub token_url: Url,
    /// The application (client) id.
    pub client_id: String,
    /// Events per delta page (`Prefer: odata.maxpagesize`).
    pub page_size: u32,
}

impl GraphConfig {
    /// The real Microsoft Graph for `tenant`. Fails only for a tenant that makes the token URL
    /// invalid.
    pub fn microsoft(tenant: &str, client_id: &str) -> Result<GraphConfig, ConnectorError> {
        let bad = |e: url::ParseError| {
            ConnectorError::new(
                ErrorKind::Permanent,
                format!("'{tenant}' is not a valid tenant id: {e}"),
            )
        };
        Ok(GraphConfig {
            graph_base: Url::parse("https://graph.microsoft.com/v1.0").map_err(bad)?,
            token_url: Url::parse(&format!(
                "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
            ))
            .map_err(bad)?,
            client_id: client_id.to_owned(),
            page_size: 50,
        })
    }
}

/// A room as `/places/microsoft.graph.room` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRoom {
    /// The room mailbox's SMTP address.
    pub email: String,
    pub display_name: String,
}

/// A room list (a building or floor) as `/places/microsoft.graph.roomlist` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRoomList {
    /// The room list's SMTP address, which [`GraphConnector::rooms_in_list`] takes.
    pub email: String,
    pub display_name: String,
}

/// Microsoft Graph as a [`Calendar`]. Share one per tenant (in an `Arc`) between all rooms: its
/// throttle governor only sees the requests that go through it.
pub struct GraphConnector {
    config: GraphConfig,
    http: reqwest::Client,
    tokens: auth::TokenSource,
    zone_hint: Tz,
    governor: governor::Governor,
    /// Series masters read to complete bare occurrences, by (mailbox, master id).
    masters: Mutex<HashMap<(String, GraphEventId), CachedMaster>>,
}

/// A request's JSON body: a tree, or already written out (a `$batch`).
#[derive(Clone, Copy)]
enum Body<'a> {
    Tree(&'a Value),
    Written(&'a serde_json::value::RawValue),
}

/// One request as the governor sends it.
struct Call<'a> {
    method: Method,
    url: Url,
    body: Option<Body<'a>>,
    headers: HeaderMap,
    /// The mailbox whose limits apply ([`governor::TENANT_KEY`] for tenant-wide calls).
    mailbox: &'a str,
    /// What the request costs against the mailbox's budget (a `$batch` costs its items).
    cost: usize,
    /// Sending it twice does no harm (GET, DELETE, a create with a `transactionId`, a PATCH
    /// with `If-Match`), so it is retried after a 5xx, a timeout or a dropped connection too.
    /// Any request is retried after a 429 or when it never reached Graph.
    idempotent: bool,
}

impl<'a> Call<'a> {
    fn new(method: Method, url: Url, mailbox: &'a str) -> Self {
        let idempotent = matches!(method, Method::GET | Method::DELETE | Method::HEAD);
        Call {
            method,
            url,
            body: None,
            headers: HeaderMap::new(),
            mailbox,
            cost: 1,
            idempotent,
        }
    }
}

/// What the last page of a delta round said about one id.
enum Latest {
    Event(CalendarEvent),
    Bare(wire::BareOccurrence),
    Removed,
}

/// A series master as last read, and the (occurrence id, etag) pairs completed from it.
struct CachedMaster {
    body: Value,
    seen: HashSet<(GraphEventId, String)>,
}

/// Masters kept per connector before the cache starts over (a few hundred bytes to a few KB
/// each).
const MAX_CACHED_MASTERS: usize = 5_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a cache that is at worst stale; keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A failed attempt, and whether Graph may have acted on it.
struct Failed {
    error: ConnectorError,
    /// The request may have reached Graph (so only an idempotent one may be repeated).
    reached: bool,
}

/// How long one request may take before it counts as a (transient) timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A bound on delta pages per call, so a server that keeps sending nextLinks cannot loop us.
const MAX_PAGES: usize = 10_000;

impl GraphConnector {
    /// A connector for `config`, authenticating with a client `secret`. Fails only when the HTTP
    /// client cannot be built (no TLS backend).
    pub fn new(config: GraphConfig, secret: Secret) -> Result<Self, ConnectorError> {
        Self::with_credential(config, GraphCredential::ClientSecret(secret))
    }

    /// A connector for `config`, authenticating with `credential` (a secret or a certificate).
    /// Fails only when the HTTP client cannot be built (no TLS backend); a bad key or
    /// thumbprint shows up as an [`ErrorKind::Auth`] error on the first request.
    pub fn with_credential(
        config: GraphConfig,
        credential: GraphCredential,
    ) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // Graph speaks HTTP/2, one connection for everything; over HTTP/1.1 (a proxy, the
            // emulator) a first sync opens one per request in flight, and idle ones holding
            // their buffers are not kept for long.
            .pool_max_idle_per_host(crate::IDLE_CONNECTIONS)
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    format!("Cannot build the HTTP client: {e}"),
                )
            })?;
        let tokens = auth::TokenSource::new(&config.client_id, credential, &config.token_url);
        Ok(Self {
            config,
            http,
            tokens,
            zone_hint: chrono_tz::Europe::Oslo,
            governor: governor::Governor::new(GraphLimits::default()),
            masters: Mutex::new(HashMap::new()),
        })
    }

    /// The same connector with other throttling and retry limits (the defaults are Graph's
    /// documented per-mailbox limits). Set before the connector is shared: it starts a fresh
    /// governor, with fresh counters.
    pub fn with_limits(mut self, limits: GraphLimits) -> Self {
        self.governor = governor::Governor::new(limits);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &GraphLimits {
        self.governor.limits()
    }

    /// Requests sent, retries and throttled waits since the connector was made.
    pub fn stats(&self) -> GraphClientStats {
        self.governor.stats()
    }

    /// The rooms' zone (default Europe/Oslo), used to read Windows zone names that stand for
    /// several IANA zones ("W. Europe Standard Time" is Europe/Oslo for a Norwegian tenant).
    pub fn with_zone_hint(mut self, zone: Tz) -> Self {
        self.zone_hint = zone;
        self
    }

    /// Every room in the tenant (all pages of `/places/microsoft.graph.room`).
    pub async fn rooms(&self) -> Result<Vec<GraphRoom>, ConnectorError> {
        let url = self.url(&["places", "microsoft.graph.room"])?;
        self.places(url, wire::parse_rooms_page).await
    }

    /// Every room list in the tenant (all pages of `/places/microsoft.graph.roomlist`).
    pub async fn room_lists(&self) -> Result<Vec<GraphRoomList>, ConnectorError> {
        let url = self.url(&["places", "microsoft.graph.roomlist"])?;
        self.places(url, wire::parse_room_lists_page).await
    }

    /// The rooms in the room list `list_email` (all pages of
    /// `/places/{list_email}/microsoft.graph.roomlist/rooms`). An unknown list fails with
    /// [`ErrorKind::Permanent`] (404).
    pub async fn rooms_in_list(&self, list_email: &str) -> Result<Vec<GraphRoom>, ConnectorError> {
        let url = self.url(&[
            "places",
            list_email.trim(),
            "microsoft.graph.roomlist",
            "rooms",
        ])?;
        self.places(url, wire::parse_rooms_page).await
    }

    /// Declines `event` as the room, telling the organiser why (`comment`). Graph answers 202
    /// and sends the organiser a reply. Retried only after a 429 or when the request never
    /// reached Graph: a second decline after an unclear failure could send a second reply.
    pub async fn decline_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        comment: &str,
    ) -> Result<(), ConnectorError> {
        let body = json!({"comment": comment, "sendResponse": true});
        self.event_action(mailbox, event, "decline", &body).await
    }

    /// `POST /users/{mailbox}/events/{id}/{action}` with `body`, for the actions Graph answers
    /// with 202 and no body (decline, cancel).
    async fn event_action(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        action: &str,
        body: &serde_json::Value,
    ) -> Result<(), ConnectorError> {
        let url = self.url(&["users", mailbox.as_str(), "events", event.as_str(), action])?;
        let mut call = Call::new(Method::POST, url, mailbox.as_str());
        call.body = Some(Body::Tree(body));
        self.send(call).await.map(|_| ())
    }

    /// All pages of a places listing, parsed with `parse`.
    async fn places<T>(
        &self,
        mut url: Url,
        parse: fn(&str) -> Result<wire::Page<T>, ConnectorError>,
    ) -> Result<Vec<T>, ConnectorError> {
        url.query_pairs_mut().append_pair("$top", "100");
        let mut all = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectorError::new(
                    ErrorKind::Permanent,
                    "Graph kept sending pages of places",
                ));
            }
            let body = self
                .send(Call::new(Method::GET, url, governor::TENANT_KEY))
                .await?;
            let (page, link) = parse(&body)?;
            all.extend(page);
            next = link.map(|l| self.follow(&l)).transpose()?;
        }
        Ok(all)
    }

    /// Completes the bare occurrences of one delta round from their series masters. A master
    /// is read once per round at most, and not at all when every occurrence of it in the round
    /// comes with an etag already seen with the cached copy (a re-read after an expired cursor,
    /// or a round that repeats itself): a new etag means the series changed. The occurrences
    /// of a master that is gone are left out of the answer.
    async fn complete(
        &self,
        mailbox: &Mailbox,
        bare: &[&wire::BareOccurrence],
    ) -> Result<HashMap<GraphEventId, Result<CalendarEvent, String>>, ConnectorError> {
        let mut by_master: BTreeMap<&GraphEventId, Vec<&wire::BareOccurrence>> = BTreeMap::new();
        for b in bare {
            by_master.entry(&b.master).or_default().push(b);
        }
        let mut out = HashMap::new();
        for (master, occurrences) in by_master {
            let key = (mailbox.as_str().to_lowercase(), master.clone());
            let cached = {
                let masters = lock(&self.masters);
                masters
                    .get(&key)
                    .filter(|c| {
                        occurrences
                            .iter()
                            .all(|o| c.seen.contains(&(o.id.clone(), o.etag.clone())))
                    })
                    .map(|c| c.body.clone())
            };
            let body = match cached {
                Some(body) => body,
                None => match self.master(mailbox, master).await {
                    Ok(body) => body,
                    Err(e) if e.is_item_gone() => continue,
                    Err(e) => return Err(e),
                },
            };
            {
                let mut masters = lock(&self.masters);
                if masters.len() >= MAX_CACHED_MASTERS && !masters.contains_key(&key) {
                    masters.clear();
                }
                let entry = masters.entry(key).or_insert_with(|| CachedMaster {
                    body: body.clone(),
                    seen: HashSet::new(),
                });
                if entry.body != body {
                    entry.body = body.clone();
                    entry.seen.clear();
                }
                entry
                    .seen
                    .extend(occurrences.iter().map(|o| (o.id.clone(), o.etag.clone())));
            }
            for o in occurrences {
                let completed = wire::complete_occurrence(o, &body, self.zone_hint);
                out.insert(o.id.clone(), completed);
            }
        }
        Ok(out)
    }

    /// A series master, with RoomBridge's tag if it carries one (every instance shows it).
    async fn master(
        &self,
        mailbox: &Mailbox,
        master: &GraphEventId,
    ) -> Result<Value, ConnectorError> {
        let body = self.get_with_tag(mailbox, master).await?;
        serde_json::from_str(&body).map_err(|e| {
            ConnectorError::new(
                ErrorKind::Permanent,
                format!("Graph sent an unreadable series master: {e}"),
            )
        })
    }

    /// `GET …/events/{id}` with RoomBridge's tag expanded (delta never returns it).
    async fn get_with_tag(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<String, ConnectorError> {
        let mut url = self.event_url(mailbox, event)?;
        url.query_pairs_mut().append_pair(
            "$expand",
            &format!(
                "singleValueExtendedProperties($filter=id eq '{}')",
                wire::TAG_PROPERTY_ID
            ),
        );
        self.send(Call::new(Method::GET, url, mailbox.as_str()))
            .await
    }

    /// [`Self::url`] with the `startDateTime`/`endDateTime` of `window`, as every calendar view
    /// takes them.
    fn windowed(&self, segments: &[&str], window: SyncWindow) -> Result<Url, ConnectorError> {
        let mut url = self.url(segments)?;
        url.query_pairs_mut()
            .append_pair(
                "startDateTime",
                &window.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .append_pair(
                "endDateTime",
                &window.end.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        Ok(url)
    }

    fn url(&self, segments: &[&str]) -> Result<Url, ConnectorError> {
        let mut url = self.config.graph_base.clone();
        url.path_segments_mut()
            .map_err(|()| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    "The Graph base URL cannot take a path",
                )
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A link Graph sent (nextLink, deltaLink, a stored cursor). Only links to the configured
    /// Graph host are followed: the bearer token must not go anywhere else.
    fn follow(&self, link: &str) -> Result<Url, ConnectorError> {
        let url = Url::parse(link).map_err(|e| {
            ConnectorError::new(
                ErrorKind::Resync,
                format!("The delta cursor is not a URL: {e}"),
            )
        })?;
        if url.origin() != self.config.graph_base.origin() {
            return Err(ConnectorError::new(
                ErrorKind::Resync,
                format!("The link {link} does not point at the configured Graph service"),
            ));
        }
        Ok(url)
    }

    /// Sends one request through the governor and returns the body of a 2xx answer, or a
    /// classified error. Transient failures are retried with backoff (waiting out any
    /// `Retry-After`) while that is safe and within the limits; the last error is returned.
    /// A 401 is retried once with a fresh token (the cached one may have been revoked or
    /// expired early).
    async fn send(&self, call: Call<'_>) -> Result<String, ConnectorError> {
        let mut backoff = self.governor.backoff();
        let mut refreshed = false;
        loop {
            let result = {
                let _slot = self.governor.admit(call.mailbox, call.cost).await;
                self.attempt(&call).await
            };
            let failed = match result {
                Ok(text) => return Ok(text),
                Err(f) => f,
            };
            if failed.error.status == Some(401) && !refreshed {
                refreshed = true;
                self.tokens.invalidate().await;
                continue;
            }
            let ErrorKind::Transient { retry_after } = failed.error.kind else {
                return Err(failed.error);
            };
            let throttled = failed.error.status == Some(429);
            // 429: Graph refused without acting. Otherwise it may have acted, so only an
            // idempotent request may go again.
            if failed.reached && !throttled && !call.idempotent {
                return Err(failed.error);
            }
            let Some(delay) = backoff.next(retry_after) else {
                return Err(failed.error);
            };
            self.governor.counters.retried(1);
            if throttled {
                // Everyone using this mailbox waits, not just this request.
                self.governor.hold(call.mailbox, delay);
            } else {
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// One try: a token, then the request with the Prefer headers every call uses.
    async fn attempt(&self, call: &Call<'_>) -> Result<String, Failed> {
        let token = self
            .tokens
            .token(&self.http)
            .await
            .map_err(|error| Failed {
                error,
                reached: false,
            })?;
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(token)
            .timeout(self.limits().request_timeout)
            .header("Prefer", "IdType=\"ImmutableId\"")
            .header("Prefer", "outlook.timezone=\"UTC\"")
            .header("Prefer", "outlook.body-content-type=\"text\"");
        // One by one: `RequestBuilder::headers` would replace the Prefer headers above.
        for (name, value) in &call.headers {
            request = request.header(name, value.clone());
        }
        request = match call.body {
            Some(Body::Tree(v)) => request.json(v),
            Some(Body::Written(w)) => request.json(w),
            None => request,
        };
        // Microsoft support asks for both ids of a failed call: ours, and the one Graph gives.
        let client_request_id = uuid::Uuid::new_v4().to_string();
        request = request.header("client-request-id", &client_request_id);
        self.governor.counters.sent();
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(RETRY_AFTER.as_str());
        let request_id = header("request-id");
        let text = response.text().await.map_err(transport)?;
        if status.is_success() {
            return Ok(text);
        }
        if status.as_u16() == 429 {
            self.governor.counters.throttled(1);
        }
        let mut error = wire::classify(status.as_u16(), retry_after.as_deref(), &text);
        tracing::warn!(
            method = %call.method,
            path = call.url.path(),
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or("-"),
            client_request_id = %client_request_id,
            "Microsoft Graph refused a request: {}",
            error.message
        );
        error.message = format!(
            "{} [request-id {}, client-request-id {client_request_id}]",
            error.message,
            request_id.as_deref().unwrap_or("none")
        );
        Err(Failed {
            error,
            reached: true,
        })
    }

    fn event_url(&self, mailbox: &Mailbox, event: &GraphEventId) -> Result<Url, ConnectorError> {
        self.url(&["users", mailbox.as_str(), "events", event.as_str()])
    }
}

/// A request that got no HTTP answer: timeouts, refused or reset connections. Retry later.
/// Only a failure to connect is sure not to have reached Graph.
fn transport(e: reqwest::Error) -> Failed {
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    Failed {
        reached: !e.is_connect(),
        error: ConnectorError::new(
            ErrorKind::Transient { retry_after: None },
            format!("The request to Microsoft Graph {what}: {e}"),
        ),
    }
}

/// A 404 answer about the event to a cancel, decline or delete: the event is already gone
/// from the calendar, which is what the action wanted. A 404 about the mailbox
/// (`ErrorInvalidUser`) is not: it stays an error the facility manager sees.
/// An event's version (`changeKey`) as the `If-Match` header Graph expects.
pub(crate) fn etag(version: &str) -> String {
    if version.starts_with("W/") || version.starts_with('"') {
        version.to_owned()
    } else {
        format!("W/\"{version}\"")
    }
}

fn already_gone_is_done(result: Result<(), ConnectorError>) -> Result<(), ConnectorError> {
    match result {
        Err(e) if e.is_item_gone() => Ok(()),
        other => other,
    }
}

#[async_trait]
impl Calendar for GraphConnector {
    fn budget(&self) -> Vec<crate::MailboxBudget> {
        let limits = self.governor.limits();
        self.governor
            .budget()
            .into_iter()
            .map(|(mailbox, used)| crate::MailboxBudget {
                mailbox,
                used,
                limit: limits.max_requests_per_window,
                window: limits.window,
            })
            .collect()
    }

    async fn changes(
        &self,
        mailbox: &Mailbox,
        window: SyncWindow,
        cursor: Option<&str>,
    ) -> Result<CalendarChanges, ConnectorError> {
        let first = match cursor {
            Some(c) => self.follow(c)?,
            None => self.windowed(
                &["users", mailbox.as_str(), "calendarView", "delta"],
                window,
            )?,
        };
        let mut page_size = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "odata.maxpagesize={}",
            self.config.page_size.max(1)
        )) {
            page_size.insert("Prefer", v);
        }
        // Last word per id wins: Graph may report an event on two pages of one round.
        let mut order: Vec<GraphEventId> = Vec::new();
        let mut latest: HashMap<GraphEventId, Latest> = HashMap::new();
        let mut changes = CalendarChanges::default();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectorError::new(
                    ErrorKind::Resync,
                    "Graph kept sending delta pages",
                ));
            }
            let mut call = Call::new(Method::GET, url, mailbox.as_str());
            call.headers = page_size.clone();
            let body = self.send(call).await?;
            let page = wire::parse_delta_page(&body, self.zone_hint)?;
            let words = (page
                .events
                .into_iter()
                .map(|e| (e.id.clone(), Latest::Event(e))))
            .chain(
                page.bare
                    .into_iter()
                    .map(|b| (b.id.clone(), Latest::Bare(b))),
            )
            .chain(page.removed.into_iter().map(|id| (id, Latest::Removed)));
            for (id, word) in words {
                if !latest.contains_key(&id) {
                    order.push(id.clone());
                }
                latest.insert(id, word);
            }
            changes.rejected.extend(page.rejected);
            match (page.next_link, page.delta_link) {
                (Some(link), _) => next = Some(self.follow(&link)?),
                (None, Some(link)) => changes.cursor = link,
                (None, None) => {
                    return Err(ConnectorError::new(
                        ErrorKind::Transient { retry_after: None },
                        "Graph ended a delta round without a nextLink or deltaLink",
                    ));
                }
            }
        }
        let bare: Vec<&wire::BareOccurrence> = latest
            .values()
            .filter_map(|w| match w {
                Latest::Bare(b) => Some(b),
                _ => None,
            })
            .collect();
        let completed = self.complete(mailbox, &bare).await?;
        for id in order {
            match latest.remove(&id) {
                Some(Latest::Event(e)) => changes.upserted.push(e),
                Some(Latest::Bare(_)) => match completed.get(&id) {
                    Some(Ok(e)) => changes.upserted.push(e.clone()),
                    Some(Err(message)) => changes.rejected.push(crate::Rejected {
                        id: Some(id.to_string()),
                        message: message.clone(),
                    }),
                    // Its series is gone: so is the occurrence.
                    None => changes.removed.push(id),
                },
                Some(Latest::Removed) => changes.removed.push(id),
                None => {}
            }
        }
        Ok(changes)
    }

    async fn tag_of(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<Option<LinkId>, ConnectorError> {
        wire::parse_tag(&self.get_with_tag(mailbox, event).await?)
    }

    async fn create_event(
        &self,
        mailbox: &Mailbox,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<CalendarEvent, ConnectorError> {
        let fields = Value::Object(wire::create_fields(content, link, idempotency_key)?);
        let url = self.url(&["users", mailbox.as_str(), "events"])?;
        let mut call = Call::new(Method::POST, url, mailbox.as_str());
        call.body = Some(Body::Tree(&fields));
        // Graph returns the event the first attempt made for a repeated transactionId.
        call.idempotent = true;
        let body = self.send(call).await?;
        let mut event = wire::parse_event(&body, self.zone_hint)?;
        // Graph does not return extended properties on create; we know what we sent.
        event.tag = Some(link.clone());
        Ok(event)
    }

    async fn create_series(
        &self,
        mailbox: &Mailbox,
        content: &Content,
        series: &Series,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<GraphEventId, ConnectorError> {
        let fields = Value::Object(wire::series_fields(content, series, link, idempotency_key)?);
        let url = self.url(&["users", mailbox.as_str(), "events"])?;
        let mut call = Call::new(Method::POST, url, mailbox.as_str());
        call.body = Some(Body::Tree(&fields));
        // Graph returns the series the first attempt made for a repeated transactionId.
        call.idempotent = true;
        let body = self.send(call).await?;
        Ok(wire::parse_event(&body, self.zone_hint)?.id)
    }

    async fn instances(
        &self,
        mailbox: &Mailbox,
        master: &GraphEventId,
        window: SyncWindow,
    ) -> Result<Vec<CalendarEvent>, ConnectorError> {
        let mut url = self.windowed(
            &[
                "users",
                mailbox.as_str(),
                "events",
                master.as_str(),
                "instances",
            ],
            window,
        )?;
        url.query_pairs_mut()
            // Event collections come ten to a page otherwise: a weekly series over a year
            // would cost six requests instead of one.
            .append_pair("$top", "100");
        let mut out = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectorError::new(
                    ErrorKind::Transient { retry_after: None },
                    "Graph kept sending pages of a series' instances",
                ));
            }
            let body = self
                .send(Call::new(Method::GET, url, mailbox.as_str()))
                .await?;
            let page = wire::parse_delta_page(&body, self.zone_hint)?;
            if let Some(bad) = page.rejected.first() {
                return Err(ConnectorError::new(
                    ErrorKind::Permanent,
                    bad.message.clone(),
                ));
            }
            out.extend(page.events);
            // Instances come complete; should a page ever send bare ones, complete them too.
            let bare: Vec<&wire::BareOccurrence> = page.bare.iter().collect();
            for (id, completed) in self.complete(mailbox, &bare).await? {
                out.push(completed.map_err(|m| {
                    ConnectorError::new(ErrorKind::Permanent, format!("{id}: {m}"))
                })?);
            }
            next = page.next_link.map(|l| self.follow(&l)).transpose()?;
        }
        Ok(out)
    }

    async fn update_series(
        &self,
        mailbox: &Mailbox,
        master: &GraphEventId,
        content: &Content,
    ) -> Result<(), ConnectorError> {
        let mut fields = wire::event_fields(content)?;
        // The master's times are the pattern's: only what every instance shows is rewritten.
        fields.retain(|name, _| matches!(name.as_str(), "subject" | "body"));
        let fields = Value::Object(fields);
        let url = self.event_url(mailbox, master)?;
        let mut call = Call::new(Method::PATCH, url, mailbox.as_str());
        // The same subject and body twice is the same series.
        call.idempotent = true;
        call.body = Some(Body::Tree(&fields));
        self.send(call).await.map(|_| ())
    }

    async fn update_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        version: Option<&str>,
        content: &Content,
    ) -> Result<CalendarEvent, ConnectorError> {
        let fields = wire::event_fields(content)?;
        let mut headers = HeaderMap::new();
        if let Some(v) = version {
            let value = HeaderValue::from_str(&etag(v)).map_err(|_| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    "The stored event version is not a valid header value",
                )
            })?;
            headers.insert(IF_MATCH, value);
        }
        let fields = Value::Object(fields);
        let url = self.event_url(mailbox, event)?;
        let mut call = Call::new(Method::PATCH, url, mailbox.as_str());
        // With If-Match a repeat of an applied update fails as Stale instead of writing twice.
        call.idempotent = headers.contains_key(IF_MATCH);
        call.headers = headers;
        call.body = Some(Body::Tree(&fields));
        let body = self.send(call).await?;
        wire::parse_event(&body, self.zone_hint)
    }

    /// `POST /users/{mailbox}/events/{id}/cancel` with the message as the comment (Graph
    /// answers 202). Like a decline, it is retried only after a 429 or when the request never
    /// reached Graph: a second cancel after an unclear failure could mail the attendees twice.
    async fn cancel_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        message: &str,
    ) -> Result<(), ConnectorError> {
        // The action's only parameter (event-cancel): anything more is a 400.
        let body = json!({ "comment": message });
        already_gone_is_done(self.event_action(mailbox, event, "cancel", &body).await)
    }

    async fn decline_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
        message: &str,
    ) -> Result<(), ConnectorError> {
        already_gone_is_done(GraphConnector::decline_event(self, mailbox, event, message).await)
    }

    async fn write_many(
        &self,
        mailbox: &Mailbox,
        writes: &[crate::CalendarWrite<'_>],
    ) -> Vec<Result<Option<CalendarEvent>, ConnectorError>> {
        GraphConnector::write_many(self, mailbox, writes).await
    }

    async fn delete_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<(), ConnectorError> {
        let url = self.event_url(mailbox, event)?;
        already_gone_is_done(
            self.send(Call::new(Method::DELETE, url, mailbox.as_str()))
                .await
                .map(|_| ()),
        )
    }
}
