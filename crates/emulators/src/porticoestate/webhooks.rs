//! PorticoEstate's webhooks, as `WebhookController`, `WebhookManager` and `WebhookNotifier` in
//! its sources have them (`docs/design/porticoestate-integration.md` §7):
//!
//! - **Subscriptions** under `/booking/webhooks` (behind the session, with no further right
//!   checked and no ownership: any user sees and changes every subscription): create answers
//!   201 and never calls the address (no handshake); the resource filter is `calendar_id`
//!   (a body `resource_id` is only echoed), the secret `secretKey`, the state `client_state`;
//!   the expiry is at most 43200 minutes and a renewal (`PATCH {"expirationMinutes"}`) is
//!   counted from now, expired or not; nothing is ever deactivated automatically.
//! - **Deliveries** come only from changes made in PorticoEstate's own (legacy) UI, which the
//!   emulator's `/admin` routes stand for; the REST API's writes never notify. Each matching
//!   subscription gets one POST, signed `X-Booking-Signature: sha256=<hex HMAC-SHA256 of the
//!   exact body bytes>` when it has a secret, with a 10 s timeout and **no retry**: a failure
//!   only counts in `failure_count` and the delivery log. The body is PHP's `json_encode` (`\/`
//!   and `\uXXXX` escapes), so only the bytes as sent verify.
//! - **Bookings never notify**: `bobooking`'s add, update and delete have their webhook calls
//!   commented out. Allocations and events do; an update that leaves the row inactive is sent
//!   as `deleted`.
//!
//! `/admin/deliveries` lists every attempt (with its HTTP status, 0 when there was no answer)
//! for tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::store::{Allocation, Event, Store};
use super::{AppState, Shared, admin_times, error, ids, oslo};

/// The longest a subscription lives, and the default: 30 days.
pub const MAX_MINUTES: i64 = 43200;

/// How long PorticoEstate waits for a receiver (curl's `CURLOPT_TIMEOUT`).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A row of `bb_webhook_subscriptions`.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub entity_type: String,
    /// The `calendar_id` given at creation; `None` covers every resource.
    pub resource_id: Option<i64>,
    pub webhook_url: String,
    pub change_types: Vec<String>,
    pub client_state: Option<String>,
    pub secret_key: Option<String>,
    pub active: bool,
    pub expires_at: NaiveDateTime,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub last_notification_at: Option<NaiveDateTime>,
    pub notification_count: i64,
    pub failure_count: i64,
}

/// A row of `bb_webhook_delivery_log`: one attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: String,
    pub webhook_url: String,
    pub change_type: String,
    pub entity_type: String,
    pub entity_id: i64,
    pub resource_id: Option<i64>,
    /// 0 when no answer came (curl's `CURLINFO_HTTP_CODE` then).
    pub http_status_code: u16,
    pub response_time_ms: u64,
    pub error_message: Option<String>,
    /// Whether the delivery carried `X-Booking-Signature`.
    pub signed: bool,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
}

/// The subscriptions and the delivery log.
#[derive(Debug, Default)]
pub struct Hooks {
    pub subscriptions: Vec<Subscription>,
    pub log: Vec<Delivery>,
}

/// The server's clock as PorticoEstate writes `expires_at` and `created_at`: naive, in its PHP
/// default zone (Oslo here; the sources do not say).
fn now() -> NaiveDateTime {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .naive_local()
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The subscription routes; the caller puts them behind the session.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/booking/webhooks/validate", get(validate))
        .route(
            "/booking/webhooks/subscriptions",
            post(create).get(list_subscriptions),
        )
        .route(
            "/booking/webhooks/subscriptions/{id}",
            get(read).patch(renew).delete(delete),
        )
        .route(
            "/booking/webhooks/subscriptions/{id}/log",
            get(delivery_log),
        )
}

/// The admin routes that stand for changes made in PorticoEstate's own UI (and so notify), and
/// the delivery log for tests.
pub(super) fn admin_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/admin/allocations", post(ui_add_allocation))
        .route("/admin/bookings", post(ui_add_booking))
        .route("/admin/events", post(ui_add_event))
        .route("/admin/{kind}/{id}", patch(ui_update).delete(ui_delete))
        .route("/admin/deliveries", get(deliveries))
        .route("/admin/webhooks/expire", post(expire_all))
}

// ---- subscriptions ----

/// PHP's `(int)` of a JSON value: numbers truncate, numeric prefixes of strings count, anything
/// else is 0.
fn php_int(value: &Value) -> i64 {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .unwrap_or(0),
        Value::String(s) => {
            let s = s.trim_start();
            let end = s
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
                .map_or(s.len(), |(i, _)| i);
            s[..end].parse().unwrap_or(0)
        }
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// A value as PHP stores it in a text column (`null` stays absent).
fn php_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) => Some(String::new()),
        other => Some(other.to_string()),
    }
}

/// The body as the controller reads it: form fields when the request is a form, else JSON;
/// `None` when that gives nothing (the 400 "Invalid request body").
fn parsed_body(headers: &HeaderMap, body: &str) -> Option<Map<String, Value>> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let fields: Map<String, Value> = if form {
        url::form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else {
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        }
    };
    (!fields.is_empty()).then_some(fields)
}

/// `GET /booking/webhooks/validate?validationToken=X`: echoes X, nothing more.
async fn validate(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let text = [(header::CONTENT_TYPE, "text/plain")];
    match q.get("validationToken").filter(|t| !t.is_empty()) {
        Some(token) => (StatusCode::OK, text, token.clone()).into_response(),
        None => (StatusCode::BAD_REQUEST, text, "Missing validationToken").into_response(),
    }
}

/// `POST /booking/webhooks/subscriptions`.
async fn create(State(s): AppState, headers: HeaderMap, body: String) -> Response {
    let Some(data) = parsed_body(&headers, &body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid request body");
    };
    let entity_type = data
        .get("entity_type")
        .and_then(php_text)
        .filter(|t| !t.is_empty() && t != "0")
        .unwrap_or_else(|| "all".into());
    let Some(webhook_url) = data
        .get("webhook_url")
        .and_then(php_text)
        .filter(|u| !u.is_empty() && u != "0")
    else {
        return error(StatusCode::BAD_REQUEST, "webhook_url is required");
    };
    let parsed = url::Url::parse(&webhook_url).ok();
    if parsed.as_ref().and_then(|u| u.host_str()).is_none() {
        return error(StatusCode::BAD_REQUEST, "Invalid webhook_url");
    }
    let minutes = data
        .get("expirationMinutes")
        .map(php_int)
        .unwrap_or(MAX_MINUTES)
        .min(MAX_MINUTES);
    // `isset`: a null value counts as absent.
    let present = |key: &str| data.get(key).filter(|v| !v.is_null());
    let change_types = match present("change_types") {
        Some(Value::Array(types)) => types.iter().filter_map(php_text).collect(),
        _ => vec!["created".into(), "updated".into(), "deleted".into()],
    };
    let created_at = now();
    let subscription = Subscription {
        id: format!("sub_{}", uuid::Uuid::new_v4()),
        entity_type: entity_type.clone(),
        resource_id: present("calendar_id").map(php_int),
        webhook_url: webhook_url.clone(),
        change_types: change_types.clone(),
        client_state: present("client_state").and_then(php_text),
        secret_key: present("secretKey").and_then(php_text),
        active: true,
        expires_at: created_at + chrono::Duration::minutes(minutes),
        created_by: s.config.login.clone(),
        created_at,
        last_notification_at: None,
        notification_count: 0,
        failure_count: 0,
    };
    let answer = json!({
        "success": true,
        "subscription": {
            "subscription_id": subscription.id,
            "entity_type": entity_type,
            // An echo of the body's `resource_id`, which is not what filters.
            "resource_id": present("resource_id").cloned().unwrap_or(Value::Null),
            "webhook_url": webhook_url,
            "change_types": change_types,
            "expires_at": stamp(subscription.expires_at),
            "created_at": stamp(created_at),
        }
    });
    s.hooks().subscriptions.push(subscription);
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn listed(sub: &Subscription) -> Value {
    json!({
        "subscription_id": sub.id,
        "entity_type": sub.entity_type,
        "resource_id": sub.resource_id,
        "webhook_url": sub.webhook_url,
        "change_types": sub.change_types,
        "is_active": sub.active,
        "expires_at": stamp(sub.expires_at),
        "created_at": stamp(sub.created_at),
        "notification_count": sub.notification_count,
        "failure_count": sub.failure_count,
    })
}

fn detailed(sub: &Subscription) -> Value {
    json!({
        "subscription_id": sub.id,
        "entity_type": sub.entity_type,
        "resource_id": sub.resource_id,
        "webhook_url": sub.webhook_url,
        "change_types": sub.change_types,
        "clientState": sub.client_state,
        "is_active": sub.active,
        "expires_at": stamp(sub.expires_at),
        "created_by": sub.created_by,
        "created_at": stamp(sub.created_at),
        "last_notification_at": sub.last_notification_at.map(stamp),
        "notification_count": sub.notification_count,
        "failure_count": sub.failure_count,
    })
}

/// `GET /booking/webhooks/subscriptions?resource_id&is_active`: every user's subscriptions,
/// newest first. `resource_id` filters on the stored filter (`calendar_id`); `is_active` is
/// PHP's `(bool)` of the text ("0" and "" are false, even "false" is true).
async fn list_subscriptions(
    State(s): AppState,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let resource = q.get("resource_id").map(|v| php_int(&json!(v)));
    let active = q.get("is_active").map(|v| !(v.is_empty() || v == "0"));
    let hooks = s.hooks();
    let rows: Vec<Value> = hooks
        .subscriptions
        .iter()
        .rev()
        .filter(|sub| resource.is_none_or(|r| sub.resource_id == Some(r)))
        .filter(|sub| active.is_none_or(|a| sub.active == a))
        .map(listed)
        .collect();
    Json(json!({ "subscriptions": rows })).into_response()
}

/// `GET /booking/webhooks/subscriptions/{id}`.
async fn read(State(s): AppState, Path(id): Path<String>) -> Response {
    let hooks = s.hooks();
    match hooks.subscriptions.iter().find(|sub| sub.id == id) {
        Some(sub) => Json(json!({ "subscription": detailed(sub) })).into_response(),
        None => error(StatusCode::NOT_FOUND, "Subscription not found"),
    }
}

/// `PATCH /booking/webhooks/subscriptions/{id}` with `{"expirationMinutes": N}`: expires N
/// minutes from now (at most 43200), also when it had expired.
async fn renew(State(s): AppState, Path(id): Path<String>, body: String) -> Response {
    let data = serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
    let minutes = match &data["expirationMinutes"] {
        Value::Null => MAX_MINUTES,
        v => php_int(v),
    }
    .min(MAX_MINUTES);
    let mut hooks = s.hooks();
    let Some(sub) = hooks.subscriptions.iter_mut().find(|sub| sub.id == id) else {
        return error(StatusCode::NOT_FOUND, "Subscription not found");
    };
    sub.expires_at = now() + chrono::Duration::minutes(minutes);
    Json(json!({ "success": true, "subscription": detailed(sub) })).into_response()
}

/// `DELETE /booking/webhooks/subscriptions/{id}`.
async fn delete(State(s): AppState, Path(id): Path<String>) -> Response {
    let mut hooks = s.hooks();
    let before = hooks.subscriptions.len();
    hooks.subscriptions.retain(|sub| sub.id != id);
    if hooks.subscriptions.len() == before {
        return error(
            StatusCode::NOT_FOUND,
            "Subscription not found or already deleted",
        );
    }
    Json(json!({ "success": true })).into_response()
}

/// `GET /booking/webhooks/subscriptions/{id}/log?limit=100`: newest first (an unknown id has
/// an empty log, not a 404).
async fn delivery_log(
    State(s): AppState,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let limit = q.get("limit").map_or(100, |v| php_int(&json!(v))).max(0) as usize;
    let hooks = s.hooks();
    let rows: Vec<Value> = hooks
        .log
        .iter()
        .rev()
        .filter(|d| d.subscription_id == id)
        .take(limit)
        .map(|d| {
            json!({
                "id": d.id,
                "change_type": d.change_type,
                "entity_type": d.entity_type,
                "entityId": d.entity_id,
                "resource_id": d.resource_id,
                "httpStatusCode": d.http_status_code,
                "responseTimeMs": d.response_time_ms,
                "errorMessage": d.error_message,
                "created_at": stamp(d.created_at),
            })
        })
        .collect();
    Json(json!({ "deliveryLog": rows })).into_response()
}

// ---- deliveries ----

/// What changed, as `WebhookNotifier::notifyChange` is called with it.
struct Change {
    entity_type: &'static str,
    change_type: &'static str,
    entity_id: i64,
    /// The resource ids the legacy UI passes along: its form's strings.
    resources: Vec<i64>,
    /// The entity as the legacy `read_single` gives it; `None` when it is gone (then nothing
    /// is sent).
    data: Option<Value>,
}

/// One notification, in `buildNotificationPayload`'s key order.
#[derive(Serialize)]
struct Notification<'a> {
    subscription_id: &'a str,
    change_type: &'a str,
    entity_type: &'a str,
    resource_id: Option<i64>,
    #[serde(rename = "entityId")]
    entity_id: i64,
    entity_data: &'a Value,
    #[serde(rename = "clientState")]
    client_state: Option<&'a str>,
    timestamp: String,
    resources: Vec<String>,
}

#[derive(Serialize)]
struct Payload<'a> {
    value: [Notification<'a>; 1],
}

/// PHP's `json_encode` with its default flags: `/` as `\/`, everything outside ASCII as
/// `\uXXXX` (UTF-16). `/` and non-ASCII characters occur only inside strings in JSON, so the
/// whole text can be rewritten character by character.
fn php_json(value: &impl Serialize) -> String {
    let plain = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(plain.len() + 16);
    for c in plain.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// The lowercase hex HMAC-SHA256 of `body` under `secret` (PHP's `hash_hmac('sha256', …)`).
fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Sends `change` to every matching subscription, one attempt each, in the request that made
/// the change (PorticoEstate's curl call is synchronous), and logs each attempt.
async fn notify(s: &Shared, change: Change) {
    if !s.config.webhooks {
        return;
    }
    let due = now();
    let matching: Vec<Subscription> = s
        .hooks()
        .subscriptions
        .iter()
        .filter(|sub| {
            sub.active
                && sub.expires_at > due
                && (sub.entity_type == change.entity_type || sub.entity_type == "all")
                && match sub.resource_id {
                    None => true,
                    Some(r) => change.resources.contains(&r),
                }
        })
        .cloned()
        .collect();
    let Some(mut data) = change.data else {
        return;
    };
    if matching.is_empty() {
        return;
    }
    if !change.resources.is_empty() {
        let names = {
            let store = s.store();
            change
                .resources
                .iter()
                .filter_map(|id| store.resources.iter().find(|r| r.id == *id))
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        data["resource_names"] = json!(names);
    }
    let http = match reqwest::Client::builder()
        .user_agent("PorticoEstate-Webhook/1.0")
        .timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::warn!("no HTTP client for webhook deliveries: {e}");
            return;
        }
    };
    for sub in matching {
        if !sub.change_types.iter().any(|t| t == change.change_type) {
            continue;
        }
        let body = php_json(&Payload {
            value: [Notification {
                subscription_id: &sub.id,
                change_type: change.change_type,
                entity_type: change.entity_type,
                resource_id: sub.resource_id,
                entity_id: change.entity_id,
                entity_data: &data,
                client_state: sub.client_state.as_deref(),
                // Labelled Z, written in the server's zone.
                timestamp: now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                resources: change.resources.iter().map(i64::to_string).collect(),
            }],
        });
        let mut request = http
            .post(&sub.webhook_url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(key) = &s.config.webhook_api_key {
            request = request.header("X-API-Key", key);
        }
        let secret = sub
            .secret_key
            .as_deref()
            .filter(|k| !k.is_empty() && *k != "0");
        if let Some(secret) = secret {
            request = request.header(
                "X-Booking-Signature",
                format!("sha256={}", sign(secret, body.as_bytes())),
            );
        }
        let started = Instant::now();
        let (status, failure) = match request.body(body).send().await {
            Ok(answer) => (answer.status().as_u16(), None),
            Err(e) => (0, Some(e.to_string())),
        };
        let mut hooks = s.hooks();
        let id = hooks.log.len() as i64 + 1;
        hooks.log.push(Delivery {
            id,
            subscription_id: sub.id.clone(),
            webhook_url: sub.webhook_url.clone(),
            change_type: change.change_type.into(),
            entity_type: change.entity_type.into(),
            entity_id: change.entity_id,
            resource_id: sub.resource_id,
            http_status_code: status,
            response_time_ms: started.elapsed().as_millis() as u64,
            error_message: failure,
            signed: secret.is_some(),
            created_at: now(),
        });
        if let Some(stored) = hooks.subscriptions.iter_mut().find(|x| x.id == sub.id) {
            if (200..300).contains(&status) {
                stored.notification_count += 1;
                stored.last_notification_at = Some(now());
            } else {
                // Never deactivated, however often it fails.
                stored.failure_count += 1;
            }
        }
    }
}

// ---- the legacy UI's changes (admin routes) ----

/// The legacy `read_single` of an event: stored strings as they are (escaped).
fn event_data(e: &Event) -> Value {
    json!({
        "id": e.id,
        "active": i64::from(e.active),
        "activity_id": e.activity_id,
        "name": e.name,
        "organizer": e.organizer,
        "description": e.description,
        "building_id": e.building_id,
        "building_name": e.building_name,
        "contact_name": e.contact_name,
        "contact_email": e.contact_email,
        "from_": oslo(e.from),
        "to_": oslo(e.to),
        "resources": e.resource_ids,
    })
}

fn allocation_data(a: &Allocation) -> Value {
    json!({
        "id": a.id,
        "active": i64::from(a.active),
        "organization_id": a.organization_id,
        "organization_name": a.organization_name,
        "season_id": a.season_id,
        "from_": oslo(a.from),
        "to_": oslo(a.to),
        "resources": a.resource_ids,
    })
}

/// The entity type of an admin path segment.
fn entity_of(kind: &str) -> Option<&'static str> {
    match kind {
        "allocations" => Some("allocation"),
        "bookings" => Some("booking"),
        "events" => Some("event"),
        _ => None,
    }
}

/// What `notifyChange` would be given about an entity now (`None` for bookings, which never
/// notify, and for an unknown id).
fn change_of(
    store: &Store,
    entity_type: &'static str,
    id: i64,
    change_type: &'static str,
) -> Option<Change> {
    let (resources, data) = match entity_type {
        "allocation" => store
            .allocations
            .get(&id)
            .map(|a| (a.resource_ids.clone(), allocation_data(a)))?,
        "event" => store
            .events
            .get(&id)
            .map(|e| (e.resource_ids.clone(), event_data(e)))?,
        _ => return None,
    };
    Some(Change {
        entity_type,
        change_type,
        entity_id: id,
        resources,
        data: Some(data),
    })
}

/// The id in an admin answer, when the insert succeeded.
async fn created_id(answer: Response) -> (Response, Option<i64>) {
    if answer.status() != StatusCode::CREATED {
        return (answer, None);
    }
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 16)
        .await
        .unwrap_or_default();
    let id = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["id"].as_i64());
    (
        Response::from_parts(parts, axum::body::Body::from(bytes)),
        id,
    )
}

/// Adds an allocation as the season planning in PorticoEstate's UI does (see
/// `super::insert_allocation` for the body), and notifies `created`.
async fn ui_add_allocation(State(s): AppState, Json(body): Json<Value>) -> Response {
    let answer = super::insert_allocation(State(s.clone()), Json(body)).await;
    let (answer, id) = created_id(answer).await;
    if let Some(id) = id {
        let change = change_of(&s.store(), "allocation", id, "created");
        if let Some(change) = change {
            notify(&s, change).await;
        }
    }
    answer
}

/// Adds a booking as PorticoEstate's UI does: no notification (`bobooking::add` has its webhook
/// call commented out).
async fn ui_add_booking(State(s): AppState, Json(body): Json<Value>) -> Response {
    super::insert_booking(State(s), Json(body)).await
}

/// Adds an event as PorticoEstate's UI (`boevent::add`) does, and notifies `created`:
/// `{resource_ids, from_, to_, name, organizer?, contact_name?, description?}`. Unlike the REST
/// route, the UI's form is not checked for conflicts here.
async fn ui_add_event(State(s): AppState, Json(body): Json<Value>) -> Response {
    let (from, to) = match admin_times(&body) {
        Ok(t) => t,
        Err(answer) => return answer.into_response(),
    };
    let resource_ids = ids(&body);
    let text = |k: &str, default: &str| super::text::escape(body[k].as_str().unwrap_or(default));
    let change = {
        let mut store = s.store();
        let Some(resource) = resource_ids
            .first()
            .and_then(|r| store.resource(*r))
            .cloned()
        else {
            return error(StatusCode::BAD_REQUEST, "resource_ids must name a resource");
        };
        let building_name = store
            .building(resource.building_id)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        let id = store.next_id();
        store.events.insert(
            id,
            Event {
                id,
                resource_ids,
                building_id: resource.building_id,
                building_name,
                name: text("name", "Arrangement"),
                organizer: text("organizer", "Kommunen"),
                contact_name: text("contact_name", "Kommunen"),
                contact_email: String::new(),
                description: body["description"].as_str().unwrap_or_default().to_owned(),
                activity_id: resource.activity_id,
                from,
                to,
                active: true,
            },
        );
        change_of(&store, "event", id, "created")
    };
    let Some(change) = change else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "the event vanished");
    };
    let id = change.entity_id;
    notify(&s, change).await;
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

/// `PATCH /admin/{allocations|bookings|events}/{id}`: an edit in PorticoEstate's UI, with any
/// of `from_`/`to_` (both), `name` (events), `organization_name` (allocations), `group_name`
/// (bookings) and `active`. Notifies `updated`, or `deleted` when the row is left inactive;
/// bookings never notify.
async fn ui_update(
    State(s): AppState,
    Path((kind, id)): Path<(String, i64)>,
    Json(body): Json<Value>,
) -> Response {
    let Some(entity_type) = entity_of(&kind) else {
        return error(StatusCode::NOT_FOUND, "Not found");
    };
    let times = if body.get("from_").is_some() || body.get("to_").is_some() {
        match admin_times(&body) {
            Ok(t) => Some(t),
            Err(answer) => return answer.into_response(),
        }
    } else {
        None
    };
    let active = body["active"].as_bool();
    let change = {
        let mut store = s.store();
        let still_active = match entity_type {
            "allocation" => store.allocations.get_mut(&id).map(|a| {
                if let Some((from, to)) = times {
                    (a.from, a.to) = (from, to);
                }
                if let Some(name) = body["organization_name"].as_str() {
                    a.organization_name = name.to_owned();
                }
                a.active = active.unwrap_or(a.active);
                a.active
            }),
            "booking" => store.bookings.get_mut(&id).map(|b| {
                if let Some((from, to)) = times {
                    (b.from, b.to) = (from, to);
                }
                if let Some(name) = body["group_name"].as_str() {
                    b.group_name = name.to_owned();
                }
                b.active = active.unwrap_or(b.active);
                b.active
            }),
            _ => store.events.get_mut(&id).map(|e| {
                if let Some((from, to)) = times {
                    (e.from, e.to) = (from, to);
                }
                if let Some(name) = body["name"].as_str() {
                    e.name = super::text::escape(name);
                }
                e.active = active.unwrap_or(e.active);
                e.active
            }),
        };
        let Some(still_active) = still_active else {
            return error(StatusCode::NOT_FOUND, "Not found");
        };
        let change_type = if still_active { "updated" } else { "deleted" };
        change_of(&store, entity_type, id, change_type)
    };
    if let Some(change) = change {
        notify(&s, change).await;
    }
    Json(json!({ "id": id })).into_response()
}

/// `DELETE /admin/{allocations|bookings|events}/{id}`: a deletion in PorticoEstate's UI,
/// notified (`deleted`, read before the row goes) for allocations and events.
async fn ui_delete(State(s): AppState, Path((kind, id)): Path<(String, i64)>) -> Response {
    let Some(entity_type) = entity_of(&kind) else {
        return error(StatusCode::NOT_FOUND, "Not found");
    };
    let change = change_of(&s.store(), entity_type, id, "deleted");
    if let Some(change) = change {
        notify(&s, change).await;
    }
    let mut store = s.store();
    let removed = match entity_type {
        "allocation" => store.allocations.remove(&id).is_some(),
        "booking" => store.bookings.remove(&id).is_some(),
        _ => store.events.remove(&id).is_some(),
    };
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, "Not found")
    }
}

/// `GET /admin/deliveries`: every delivery attempt, oldest first.
async fn deliveries(State(s): AppState) -> Response {
    Json(json!({ "deliveries": s.hooks().log })).into_response()
}

/// `POST /admin/webhooks/expire`: every subscription's expiry moves a minute into the past, as
/// if 30 days had gone by.
async fn expire_all(State(s): AppState) -> StatusCode {
    let past = now() - chrono::Duration::minutes(1);
    for sub in &mut s.hooks().subscriptions {
        sub.expires_at = past;
    }
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_json_escapes_slashes_and_non_ascii_as_php_does() {
        let v = json!({ "url": "https://x/y", "name": "Bystyremøte 😀" });
        assert_eq!(
            php_json(&v),
            r#"{"name":"Bystyrem\u00f8te \ud83d\ude00","url":"https:\/\/x\/y"}"#
        );
    }

    #[test]
    fn php_int_reads_like_php() {
        assert_eq!(php_int(&json!("12abc")), 12);
        assert_eq!(php_int(&json!("abc")), 0);
        assert_eq!(php_int(&json!(7.9)), 7);
        assert_eq!(php_int(&json!(true)), 1);
    }

    #[test]
    fn the_signature_is_php_hash_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
