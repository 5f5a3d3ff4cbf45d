//! PorticoEstate's webhooks in `roombridge serve`: when the installation delivers them and
//! RoomBridge has an address PorticoEstate can reach (`booking_webhook_url` in `config.json`,
//! or `roombridge serve --webhook-url`), RoomBridge subscribes to every mapped room's resource,
//! renews the subscriptions long before their 30 days run out, and turns each delivery that
//! passes its checks into "sync that room now".
//!
//! A delivery is only a hint: PorticoEstate sends each change once and never again, and only
//! for changes made in its own UI, so the rooms' timed cycles stay the safety net. A delivery
//! whose signature or client state is wrong changes nothing: it is refused (401) and logged.
//! The secret and the client state are made afresh at every start and kept in memory only; at
//! start RoomBridge deletes the subscriptions an earlier run left for the same address, whose
//! keys are gone.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use roombridge_connectors::ConnectorError;
use roombridge_connectors::porticoestate::PorticoConnector;
use roombridge_connectors::porticoestate::webhooks::{
    self as hooks, MAX_EXPIRATION_MINUTES, SubscriptionId, WebhookKeys,
};
use roombridge_core::{ResourceId, RoomId};
use roombridge_store::rooms;
use url::Url;

use crate::secrets::{SecretName, SecretStore};
use crate::setup::{BookingSystem, LiveConfig, SetupError};
use crate::{ApiError, App, ErrorCode};

/// The path of the serve HTTP server that takes PorticoEstate's deliveries.
pub const PORTICOESTATE_PATH: &str = "/hooks/porticoestate";

/// How the subscriptions are kept.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// The address PorticoEstate posts to: this server's [`PORTICOESTATE_PATH`] as seen from
    /// PorticoEstate (through a reverse proxy or a tunnel; `serve` listens on loopback only).
    pub url: Url,
    /// How often each subscription is renewed to the full 30 days. Daily: a subscription
    /// never has fewer than 29 days left.
    pub renew_every: Duration,
    /// How often the mapped rooms are checked for resources to subscribe or leave (a room
    /// mapped while RoomBridge runs).
    pub check_rooms_every: Duration,
    /// How soon a round that failed is tried again.
    pub retry_after: Duration,
}

impl WebhookOptions {
    pub fn new(url: Url) -> WebhookOptions {
        WebhookOptions {
            url,
            renew_every: Duration::from_secs(24 * 60 * 60),
            check_rooms_every: Duration::from_secs(5 * 60),
            retry_after: Duration::from_secs(5 * 60),
        }
    }
}

/// The subscriptions of this run and the keys their deliveries must carry.
pub struct Webhooks {
    connector: Arc<PorticoConnector>,
    options: WebhookOptions,
    keys: WebhookKeys,
    subscribed: tokio::sync::Mutex<BTreeMap<ResourceId, SubscriptionId>>,
}

impl Webhooks {
    /// Deletes the subscriptions for this address that an earlier run left (their keys died
    /// with it; their deliveries would only be refused).
    async fn clear_earlier(&self) -> Result<usize, ConnectorError> {
        let mut cleared = 0;
        for old in self.connector.subscriptions().await? {
            if same_address(&old.webhook_url, &self.options.url) {
                self.connector.unsubscribe(&old.id).await?;
                cleared += 1;
            }
        }
        Ok(cleared)
    }

    /// Subscribes the resources in `wanted` that have no subscription, renews (when `renew`)
    /// those that have one, and deletes the subscriptions of resources no longer mapped.
    /// Answers whether everything went through.
    async fn keep(&self, wanted: &[ResourceId], renew: bool) -> bool {
        let mut subscribed = self.subscribed.lock().await;
        let mut ok = true;
        let gone: Vec<ResourceId> = subscribed
            .keys()
            .filter(|r| !wanted.contains(r))
            .cloned()
            .collect();
        for resource in gone {
            if let Some(id) = subscribed.get(&resource) {
                match self.connector.unsubscribe(id).await {
                    Ok(()) => {
                        subscribed.remove(&resource);
                    }
                    Err(e) => {
                        tracing::warn!(%resource, "could not delete a webhook subscription: {e}");
                        ok = false;
                    }
                }
            }
        }
        for resource in wanted {
            if let Some(id) = subscribed.get(resource) {
                if !renew {
                    continue;
                }
                match self
                    .connector
                    .renew_subscription(id, MAX_EXPIRATION_MINUTES)
                    .await
                {
                    Ok(()) => continue,
                    // Deleted in PorticoEstate meanwhile: subscribe again below.
                    Err(e) if e.status == Some(404) => {
                        tracing::warn!(%resource, "the webhook subscription is gone; subscribing again");
                        subscribed.remove(resource);
                    }
                    Err(e) => {
                        tracing::warn!(%resource, "could not renew the webhook subscription: {e}");
                        ok = false;
                        continue;
                    }
                }
            }
            match self
                .connector
                .subscribe(resource, &self.options.url, &self.keys)
                .await
            {
                Ok(id) => {
                    tracing::info!(%resource, subscription = %id, "subscribed to PorticoEstate's webhooks");
                    subscribed.insert(resource.clone(), id);
                }
                Err(e) => {
                    tracing::warn!(%resource, "could not subscribe to PorticoEstate's webhooks: {e}");
                    ok = false;
                }
            }
        }
        ok
    }
}

/// Two webhook addresses are the same one, whatever the spelling PorticoEstate kept.
fn same_address(stored: &str, ours: &Url) -> bool {
    Url::parse(stored).is_ok_and(|u| u == *ours)
}

/// The resources of the mapped rooms, each once.
fn mapped_resources(app: &App) -> Result<Vec<ResourceId>, ApiError> {
    let mut resources: Vec<ResourceId> = app
        .store
        .read(rooms::list)?
        .into_iter()
        .map(|r| r.resource)
        .collect();
    resources.sort();
    resources.dedup();
    Ok(resources)
}

/// Keeps the subscriptions while the app runs: clears an earlier run's, subscribes, follows
/// the mapped rooms every `check_rooms_every` and renews every `renew_every` (a failed round is
/// tried again after `retry_after`).
async fn keep_subscribed(app: Weak<App>, hooks: Arc<Webhooks>) {
    let mut cleared = false;
    // When the subscriptions were last made or renewed, all of them.
    let mut renewed: Option<tokio::time::Instant> = None;
    loop {
        let renew = renewed.is_some_and(|at| at.elapsed() >= hooks.options.renew_every);
        let wait = {
            let Some(app) = app.upgrade() else { return };
            let ok = if !cleared {
                match hooks.clear_earlier().await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!("deleted {n} webhook subscriptions of an earlier run");
                        }
                        cleared = true;
                        true
                    }
                    Err(e) => {
                        tracing::warn!("could not list PorticoEstate's webhook subscriptions: {e}");
                        false
                    }
                }
            } else {
                true
            };
            let ok = ok
                && match mapped_resources(&app) {
                    Ok(resources) => hooks.keep(&resources, renew).await,
                    Err(e) => {
                        tracing::warn!("could not read the mapped rooms: {}", e.message);
                        false
                    }
                };
            if ok && (renew || renewed.is_none()) {
                renewed = Some(tokio::time::Instant::now());
            }
            let next = hooks
                .options
                .check_rooms_every
                .min(hooks.options.renew_every);
            if ok {
                next
            } else {
                hooks.options.retry_after.min(next)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

impl App {
    /// Subscribes to PorticoEstate's webhooks for every mapped room's resource, through
    /// `connector`, and keeps the subscriptions renewed while the app runs. Deliveries then
    /// reach [`App::receive_porticoestate_webhook`]. Once per app; a second call does nothing.
    pub fn start_webhooks(
        self: &Arc<Self>,
        connector: Arc<PorticoConnector>,
        options: WebhookOptions,
    ) {
        let hooks = Arc::new(Webhooks {
            connector,
            options,
            keys: WebhookKeys::generate(),
            subscribed: tokio::sync::Mutex::new(BTreeMap::new()),
        });
        if self.webhooks.set(hooks.clone()).is_err() {
            return;
        }
        tracing::info!(url = %hooks.options.url, "PorticoEstate webhooks on");
        tokio::spawn(keep_subscribed(Arc::downgrade(self), hooks));
    }

    /// The resources with a webhook subscription now (for checks and tests).
    pub async fn webhook_subscriptions(&self) -> Vec<(ResourceId, String)> {
        match self.webhooks.get() {
            Some(hooks) => hooks
                .subscribed
                .lock()
                .await
                .iter()
                .map(|(r, id)| (r.clone(), id.as_str().to_owned()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// A delivery from PorticoEstate: `signature` is its `X-Booking-Signature`, `body` its exact
    /// bytes. When the signature and the client state are right, every room on a resource it
    /// names is asked to sync now, and those rooms are answered. Otherwise nothing is read or
    /// changed: the refusal is logged and answered as `unauthorized`.
    pub fn receive_porticoestate_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<RoomId>, ApiError> {
        let Some(hooks) = self.webhooks.get() else {
            return Err(ApiError::not_found(
                "PorticoEstate webhooks are not on: give `roombridge serve` the address PorticoEstate can reach (--webhook-url or booking_webhook_url).",
            ));
        };
        let delivery = match hooks::check_delivery(signature, body, &hooks.keys) {
            Ok(delivery) => delivery,
            Err(refusal) => {
                tracing::warn!(
                    bytes = body.len(),
                    "refused a PorticoEstate webhook delivery: {refusal}; nothing was read or synced"
                );
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    format!("Delivery refused: {refusal}."),
                ));
            }
        };
        let rooms = self.store.read(rooms::list)?;
        let mut asked = Vec::new();
        for room in rooms
            .iter()
            .filter(|room| delivery.resources.contains(&room.resource))
        {
            self.engine()
                .sync_room(&room.id)
                .map_err(|e| ApiError::unavailable(e.to_string()))?;
            asked.push(room.id.clone());
        }
        let changes: Vec<String> = delivery
            .notifications
            .iter()
            .map(|n| {
                format!(
                    "{} {} {}",
                    n.entity_type,
                    n.entity_id.as_deref().unwrap_or("?"),
                    n.change_type
                )
            })
            .collect();
        tracing::info!(
            changes = %changes.join(", "),
            rooms = asked.len(),
            "PorticoEstate webhook: syncing now"
        );
        Ok(asked)
    }
}

/// Turns the webhooks on for a running live app when its booking system is PorticoEstate and
/// an address is given (`url`, else `booking_webhook_url` in `config.json`), with a connector
/// (its own session) built from `config.json` and the keyring. Answers the address, or `None`
/// when webhooks stay off.
pub fn start_from_config(
    app: &Arc<App>,
    data_dir: &Path,
    secrets: &dyn SecretStore,
    url: Option<&str>,
) -> Result<Option<Url>, SetupError> {
    let config = LiveConfig::load(data_dir)?;
    let Some(address) = url
        .or(config.booking_webhook_url.as_deref())
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    let invalid = |message: String| SetupError::Config {
        path: LiveConfig::path(data_dir),
        message,
    };
    if config.booking_system != BookingSystem::Porticoestate {
        tracing::warn!("a webhook address is set, but only PorticoEstate sends webhooks; ignored");
        return Ok(None);
    }
    let url = webhook_url(address).map_err(invalid)?;
    let booking_url = Url::parse(&config.booking_url).map_err(|e| {
        invalid(format!(
            "booking_url {:?} is not a URL: {e}",
            config.booking_url
        ))
    })?;
    let login = config
        .booking_login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("booking_login is missing".into()))?;
    let connector = PorticoConnector::new(
        booking_url,
        login,
        secrets.require(SecretName::PorticoPassword)?,
    )?;
    app.start_webhooks(Arc::new(connector), WebhookOptions::new(url.clone()));
    Ok(Some(url))
}

/// A webhook address RoomBridge can give PorticoEstate: absolute, and `https` unless it is
/// this computer (each delivery carries the client state).
pub fn webhook_url(address: &str) -> Result<Url, String> {
    let url = Url::parse(address)
        .map_err(|e| format!("the webhook address {address:?} is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("the webhook address {address:?} has no host")),
    };
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        Ok(url)
    } else {
        Err(format!(
            "the webhook address {address:?} must start with https:// (deliveries carry RoomBridge's client state)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_address_is_https_or_this_computer() {
        assert!(webhook_url("https://rb.nordvik.example/hooks/porticoestate").is_ok());
        assert!(webhook_url("http://127.0.0.1:8080/hooks/porticoestate").is_ok());
        assert!(webhook_url("http://rb.nordvik.example/hooks/porticoestate").is_err());
        assert!(webhook_url("/hooks/porticoestate").is_err());
    }
}
