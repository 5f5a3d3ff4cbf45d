//! PorticoEstate's webhooks, where an installation has them turned on: a hint to read a
//! resource now, never a source of truth (PorticoEstate sends each change once, with no retry,
//! and only for changes made in its own UI; polling stays the safety net).
//!
//! - **Subscribing**: one subscription per resource (`calendar_id` is PorticoEstate's resource
//!   filter; `resource_id` in the body would only be echoed back), with a secret (`secretKey`)
//!   and a client state (`client_state`) that RoomBridge makes afresh each run and keeps in
//!   memory only ([`WebhookKeys`]). Subscriptions last at most 30 days; [`renew`] sets a new
//!   expiry counted from now.
//! - **Receiving**: [`check_delivery`] verifies `X-Booking-Signature: sha256=<hex>` (HMAC-SHA256
//!   of the exact body bytes, compared in constant time) before reading anything, then the
//!   client state of every notification, and answers the resources to read.
//!
//! [`renew`]: PorticoConnector::renew_subscription

use hmac::{Hmac, Mac};
use reqwest::Method;
use roombridge_core::{ResourceId, Secret};
use serde_json::{Value, json};
use sha2::Sha256;
use url::Url;

use super::{PorticoConnector, error, resource_number};
use crate::{ConnectorError, ErrorKind};

/// The longest PorticoEstate keeps a subscription: 30 days, in minutes.
pub const MAX_EXPIRATION_MINUTES: u32 = 43200;

/// The header PorticoEstate signs its deliveries in.
pub const SIGNATURE_HEADER: &str = "X-Booking-Signature";

/// A subscription's id in PorticoEstate (`sub_<uuid>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriptionId(String);

impl SubscriptionId {
    pub fn new(id: impl Into<String>) -> Self {
        SubscriptionId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret PorticoEstate signs deliveries with and the client state it echoes in them. Both
/// are made afresh for each run and live in memory only: they are in no file, log or keyring,
/// and a restart subscribes again with new ones.
#[derive(Clone)]
pub struct WebhookKeys {
    secret: Secret,
    client_state: Secret,
}

impl WebhookKeys {
    /// A fresh random pair (32 random bytes each, hex).
    pub fn generate() -> WebhookKeys {
        WebhookKeys {
            secret: Secret::new(random_hex()),
            client_state: Secret::new(random_hex()),
        }
    }

    /// A given pair (tests).
    pub fn new(secret: Secret, client_state: Secret) -> WebhookKeys {
        WebhookKeys {
            secret,
            client_state,
        }
    }
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A subscription as PorticoEstate lists it.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: SubscriptionId,
    /// The resource it covers (`None`: every resource).
    pub resource: Option<ResourceId>,
    pub webhook_url: String,
    pub active: bool,
    /// PorticoEstate's `Y-m-d H:i:s` in its own zone, which it does not say; shown, not
    /// computed with.
    pub expires_at: String,
    pub failure_count: i64,
}

fn subscription_of(row: &Value) -> Option<Subscription> {
    Some(Subscription {
        id: SubscriptionId::new(row["subscription_id"].as_str()?),
        resource: id_text(&row["resource_id"]).map(ResourceId::new),
        webhook_url: row["webhook_url"].as_str().unwrap_or_default().to_owned(),
        active: row["is_active"].as_bool().unwrap_or(true),
        expires_at: row["expires_at"].as_str().unwrap_or_default().to_owned(),
        failure_count: row["failure_count"].as_i64().unwrap_or(0),
    })
}

/// An id PorticoEstate may send as a number or as a string.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

impl PorticoConnector {
    /// Subscribes `webhook_url` to changes of `resource`, signed with `keys`, for the longest
    /// PorticoEstate allows. Fails as any call does; a 404 means the installation has no
    /// webhook routes.
    pub async fn subscribe(
        &self,
        resource: &ResourceId,
        webhook_url: &Url,
        keys: &WebhookKeys,
    ) -> Result<SubscriptionId, ConnectorError> {
        let number = resource_number(resource)?;
        let body = json!({
            "entity_type": "all",
            "webhook_url": webhook_url.as_str(),
            "calendar_id": number,
            "change_types": ["created", "updated", "deleted"],
            "client_state": keys.client_state.expose(),
            "secretKey": keys.secret.expose(),
            "expirationMinutes": MAX_EXPIRATION_MINUTES,
        });
        let answer = self
            .call(
                Method::POST,
                "/booking/webhooks/subscriptions",
                &[],
                Some(&body),
                &format!("subscribing to changes of resource {number}"),
            )
            .await?;
        answer["subscription"]["subscription_id"]
            .as_str()
            .map(SubscriptionId::new)
            .ok_or_else(|| {
                error(
                    ErrorKind::Transient { retry_after: None },
                    "PorticoEstate accepted a webhook subscription but did not say its id.",
                )
            })
    }

    /// Every subscription in the installation (PorticoEstate shows every user's).
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, ConnectorError> {
        let answer = self
            .call(
                Method::GET,
                "/booking/webhooks/subscriptions",
                &[],
                None,
                "listing the webhook subscriptions",
            )
            .await?;
        Ok(answer["subscriptions"]
            .as_array()
            .map(|rows| rows.iter().filter_map(subscription_of).collect())
            .unwrap_or_default())
    }

    /// Makes `id` expire `minutes` from now (at most 30 days), also when it had expired.
    pub async fn renew_subscription(
        &self,
        id: &SubscriptionId,
        minutes: u32,
    ) -> Result<(), ConnectorError> {
        self.call(
            Method::PATCH,
            &subscription_path(id),
            &[],
            Some(&json!({ "expirationMinutes": minutes.min(MAX_EXPIRATION_MINUTES) })),
            &format!("renewing webhook subscription {id}"),
        )
        .await
        .map(|_| ())
    }

    /// Deletes `id`; one that is already gone is fine.
    pub async fn unsubscribe(&self, id: &SubscriptionId) -> Result<(), ConnectorError> {
        match self
            .call(
                Method::DELETE,
                &subscription_path(id),
                &[],
                None,
                &format!("deleting webhook subscription {id}"),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.status == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn subscription_path(id: &SubscriptionId) -> String {
    let escaped: String = url::form_urlencoded::byte_serialize(id.as_str().as_bytes()).collect();
    format!("/booking/webhooks/subscriptions/{escaped}")
}

/// Why a delivery was refused. None of them says anything about the keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("it carries no X-Booking-Signature")]
    MissingSignature,
    #[error("its X-Booking-Signature does not match its body")]
    BadSignature,
    #[error("its client state is not this RoomBridge's")]
    WrongClientState,
    #[error("its body is not a PorticoEstate notification")]
    Unreadable,
}

/// One notification of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub subscription: SubscriptionId,
    /// `created`, `updated` or `deleted`.
    pub change_type: String,
    /// `allocation`, `booking` or `event`.
    pub entity_type: String,
    pub entity_id: Option<String>,
}

/// A delivery that passed its checks: what changed and the resources to read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub notifications: Vec<Notification>,
    /// The resources the changes touch (each once, in order): the entities' resources and the
    /// subscriptions' own filters.
    pub resources: Vec<ResourceId>,
}

/// Checks a delivery: the signature over the exact `body` bytes first (nothing is read from
/// a body that does not verify), then the client state of every notification. `signature` is
/// the `X-Booking-Signature` header's value.
pub fn check_delivery(
    signature: Option<&str>,
    body: &[u8],
    keys: &WebhookKeys,
) -> Result<Delivery, Refusal> {
    verify_signature(signature, body, &keys.secret)?;
    let payload: Value = serde_json::from_slice(body).map_err(|_| Refusal::Unreadable)?;
    let items = payload["value"].as_array().ok_or(Refusal::Unreadable)?;
    if items.is_empty() {
        return Err(Refusal::Unreadable);
    }
    let mut delivery = Delivery {
        notifications: Vec::new(),
        resources: Vec::new(),
    };
    for item in items {
        let state = item["clientState"].as_str().unwrap_or_default();
        if !constant_time_eq(state.as_bytes(), keys.client_state.expose().as_bytes()) {
            return Err(Refusal::WrongClientState);
        }
        let subscription = item["subscription_id"]
            .as_str()
            .ok_or(Refusal::Unreadable)?;
        let touched = item["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(std::iter::once(&item["resource_id"]))
            .filter_map(id_text);
        for resource in touched {
            let resource = ResourceId::new(resource);
            if !delivery.resources.contains(&resource) {
                delivery.resources.push(resource);
            }
        }
        delivery.notifications.push(Notification {
            subscription: SubscriptionId::new(subscription),
            change_type: item["change_type"].as_str().unwrap_or_default().to_owned(),
            entity_type: item["entity_type"].as_str().unwrap_or_default().to_owned(),
            entity_id: id_text(&item["entityId"]),
        });
    }
    Ok(delivery)
}

/// `sha256=<hex>` against the HMAC-SHA256 of `body` under `secret`, compared in constant time
/// (`Mac::verify_slice`).
fn verify_signature(signature: Option<&str>, body: &[u8], secret: &Secret) -> Result<(), Refusal> {
    let given = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::MissingSignature)?;
    let hex = given.strip_prefix("sha256=").ok_or(Refusal::BadSignature)?;
    let expected = decode_hex(hex).ok_or(Refusal::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| Refusal::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| Refusal::BadSignature)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signature PorticoEstate would send for `body` under `keys` (tests, and the emulators'
/// users checking their receivers).
pub fn signature_for(body: &[u8], keys: &WebhookKeys) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> WebhookKeys {
        WebhookKeys::new(Secret::new("s3cret"), Secret::new("state-1"))
    }

    /// A delivery as PorticoEstate's `json_encode` writes it (`\/`, `\u00f8`).
    const BODY: &[u8] = br#"{"value":[{"subscription_id":"sub_1","change_type":"updated","entity_type":"event","resource_id":7,"entityId":42,"entity_data":{"name":"M\u00f8te","url":"a\/b"},"clientState":"state-1","timestamp":"2026-12-06T16:00:00Z","resources":["7","9"]}]}"#;

    #[test]
    fn a_signed_delivery_names_the_resources_to_read() {
        let signature = signature_for(BODY, &keys());
        let delivery = check_delivery(Some(&signature), BODY, &keys()).unwrap();
        assert_eq!(
            delivery.resources,
            [ResourceId::new("7"), ResourceId::new("9")]
        );
        assert_eq!(delivery.notifications[0].entity_id.as_deref(), Some("42"));
        assert_eq!(delivery.notifications[0].change_type, "updated");
    }

    #[test]
    fn the_signature_covers_the_exact_bytes() {
        let signature = signature_for(BODY, &keys());
        // The same JSON written differently (as a re-serialiser would) does not verify.
        let rewritten =
            serde_json::to_vec(&serde_json::from_slice::<Value>(BODY).unwrap()).unwrap();
        assert_eq!(
            check_delivery(Some(&signature), &rewritten, &keys()),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn wrong_missing_or_malformed_signatures_are_refused() {
        let good = signature_for(BODY, &keys());
        let other = signature_for(
            BODY,
            &WebhookKeys::new(Secret::new("other"), Secret::new("state-1")),
        );
        for (given, refusal) in [
            (None, Refusal::MissingSignature),
            (Some(""), Refusal::MissingSignature),
            (Some(other.as_str()), Refusal::BadSignature),
            (
                Some(good.trim_start_matches("sha256=")),
                Refusal::BadSignature,
            ),
            (Some("sha256=zz"), Refusal::BadSignature),
            (Some(&good[..good.len() - 2]), Refusal::BadSignature),
        ] {
            assert_eq!(
                check_delivery(given, BODY, &keys()),
                Err(refusal),
                "{given:?}"
            );
        }
    }

    #[test]
    fn a_signed_delivery_with_another_client_state_is_refused() {
        let theirs = WebhookKeys::new(Secret::new("s3cret"), Secret::new("state-2"));
        let signature = signature_for(BODY, &theirs);
        assert_eq!(
            check_delivery(Some(&signature), BODY, &theirs),
            Err(Refusal::WrongClientState)
        );
    }

    #[test]
    fn a_signed_body_that_is_no_notification_is_unreadable() {
        for body in [&b"[]"[..], b"{}", b"{\"value\":[]}", b"not json"] {
            let signature = signature_for(body, &keys());
            assert_eq!(
                check_delivery(Some(&signature), body, &keys()),
                Err(Refusal::Unreadable)
            );
        }
    }
}
