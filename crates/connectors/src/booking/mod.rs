//! Booking-system connector: the REST contract of `docs/booking-api.yaml` over reqwest.
//!
//! Every failure becomes a [`ConnectorError`] classified for the engine, with a message a
//! facility manager can act on. The API key goes out only in the `Authorization` header and
//! never appears in a message.

/// The contract's JSON and what reads it. Public only for the fuzzer (`crates/fuzz`), which
/// feeds these readers malformed answers; not part of the connector's API.
#[doc(hidden)]
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode};
use roombridge_core::{Content, LinkId, Reservation, ReservationId, ResourceId, Secret};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{Booking, BookingChanges, ConnectorError, ErrorKind, Rejected, Resource};
use wire::{WireCancel, WireRecurrencePatch, WireRecurrenceWrite, WireWrite, problem_text};

/// The feed's page size RoomBridge asks for; the contract allows up to 500.
const DEFAULT_PAGE_SIZE: u32 = 200;
/// A feed that keeps saying `has_more` after this many pages is broken, not long.
const MAX_PAGES: usize = 10_000;

/// A client for one booking system, authenticated with its API key.
pub struct BookingConnector {
    http: reqwest::Client,
    base: Url,
    api_key: Secret,
    page_size: u32,
}

impl BookingConnector {
    /// A connector for the booking API at `base_url` (ending in `/api/v1`).
    ///
    /// Fails with [`ErrorKind::Permanent`] when the address cannot be used: it must be `https`,
    /// or `http` to this computer (loopback) only, so that the API key never crosses a network
    /// in clear text.
    pub fn new(base_url: Url, api_key: Secret) -> Result<Self, ConnectorError> {
        let loopback = match base_url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        let allowed = match base_url.scheme() {
            "https" => true,
            "http" => loopback,
            _ => false,
        };
        if !allowed || base_url.cannot_be_a_base() || base_url.host().is_none() {
            return Err(ConnectorError::new(
                ErrorKind::Permanent,
                format!(
                    "The booking system's address `{base_url}` cannot be used: it must start with https:// (http:// only for this computer). Check it in Settings."
                ),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("RoomBridge/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // Every room polls: a few idle connections serve them all.
            .pool_max_idle_per_host(crate::IDLE_CONNECTIONS)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    format!("RoomBridge could not set up its HTTP client: {e}"),
                )
            })?;
        Ok(Self {
            http,
            base: base_url,
            api_key,
            page_size: DEFAULT_PAGE_SIZE,
        })
    }

    /// Reads the change feed `size` reservations per request (1 to 500). Small pages are for
    /// tests that want to see page following.
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 500);
        self
    }

    /// `base/segment/segment`, each segment percent-encoded (ids come from the server).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` refused URLs that cannot be a base, so the segments are always there.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends with the API key and turns every failure into a classified error. `action` says
    /// what RoomBridge was doing, for the message ("reading the change feed").
    async fn send(
        &self,
        request: RequestBuilder,
        action: &str,
    ) -> Result<Response, ConnectorError> {
        let response = request
            .bearer_auth(self.api_key.expose())
            .send()
            .await
            .map_err(|e| self.transport_error(&e, action))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let retry_after = retry_after(response.headers());
        // A body that cannot be read still leaves the status to classify by.
        let body = response.text().await.unwrap_or_default();
        Err(self.status_error(status, retry_after, &body, action))
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        action: &str,
    ) -> Result<T, ConnectorError> {
        let response = self.send(request, action).await?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e, action))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ConnectorError::new(
                ErrorKind::Permanent,
                format!("The booking system's answer to {action} is not what its API promises ({e}). Ask the vendor to check it against RoomBridge's booking API."),
            )
            .with_status(status)
        })
    }

    fn transport_error(&self, error: &reqwest::Error, action: &str) -> ConnectorError {
        let host = self.base.host_str().unwrap_or("the booking system");
        let message = if error.is_timeout() {
            format!(
                "The booking system at {host} did not answer in time while {action}; RoomBridge will retry."
            )
        } else if error.is_connect() {
            format!(
                "RoomBridge could not reach the booking system at {host} while {action}: check the address in Settings and the network. RoomBridge will retry."
            )
        } else {
            format!(
                "The connection to the booking system at {host} failed while {action}; RoomBridge will retry."
            )
        };
        // Timeouts, refused connections and resets are all worth a retry.
        ConnectorError::new(
            ErrorKind::Transient { retry_after: None },
            self.redact(message),
        )
    }

    fn status_error(
        &self,
        status: StatusCode,
        retry_after: Option<Duration>,
        body: &str,
        action: &str,
    ) -> ConnectorError {
        let code = status.as_u16();
        let (kind, message) = match code {
            401 => (
                ErrorKind::Auth,
                "The booking system rejected the API key: check it in Settings.".to_owned(),
            ),
            403 => (
                ErrorKind::Auth,
                format!("The booking system does not allow this API key to do this ({action}): ask the booking-system vendor to grant it access."),
            ),
            412 => (
                ErrorKind::Stale,
                format!("The reservation changed in the booking system while RoomBridge was {action}; RoomBridge reads it again instead of overwriting the change."),
            ),
            410 => (
                ErrorKind::Resync,
                "The booking system no longer knows where RoomBridge left off in its change feed; the room is read again from the start.".to_owned(),
            ),
            429 => (
                ErrorKind::Transient { retry_after },
                format!("The booking system is busy (too many requests) while {action}; RoomBridge waits and retries."),
            ),
            500..=599 => (
                ErrorKind::Transient { retry_after },
                format!("The booking system is unavailable (HTTP {code}) while {action}; RoomBridge retries."),
            ),
            404 => (
                ErrorKind::Permanent,
                format!("The booking system could not find it while {action} (HTTP 404){}", problem_text(body)),
            ),
            _ => (
                ErrorKind::Permanent,
                format!("The booking system refused {action} (HTTP {code}){}", problem_text(body)),
            ),
        };
        ConnectorError::new(kind, self.redact(message)).with_status(code)
    }

    /// Removes the API key from text that came (partly) from elsewhere, in case a server
    /// echoes it back.
    fn redact(&self, message: String) -> String {
        let key = self.api_key.expose();
        if key.len() >= 4 && message.contains(key) {
            message.replace(key, "[API key]")
        } else {
            message
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    wire::retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

fn if_match(version: i64) -> String {
    format!("\"{version}\"")
}

#[async_trait]
impl Booking for BookingConnector {
    async fn resources(&self) -> Result<Vec<Resource>, ConnectorError> {
        let list: wire::ResourceList = self
            .json(
                self.http.get(self.url(&["resources"])),
                "listing the resources",
            )
            .await?;
        Ok(list
            .items
            .into_iter()
            .map(|r| Resource {
                id: ResourceId::new(r.id),
                name: r.name,
                kind: r.kind,
                email: r.email,
                time_zone: r.time_zone,
            })
            .collect())
    }

    async fn changes(
        &self,
        resource: &ResourceId,
        cursor: Option<&str>,
    ) -> Result<BookingChanges, ConnectorError> {
        let action = format!("reading the changes of {resource}");
        let mut out = BookingChanges::default();
        let mut cursor = cursor.map(str::to_owned);
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("resource_id", resource.as_str().to_owned()),
                ("limit", self.page_size.to_string()),
            ];
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let request = self.http.get(self.url(&["reservations"])).query(&query);
            let page: wire::Page = self.json(request, &action).await?;
            for item in page.items {
                match wire::reservation(item) {
                    Ok(r) if r.resource == *resource => out.reservations.push(r),
                    Ok(r) => out.rejected.push(Rejected {
                        id: Some(r.id.to_string()),
                        message: format!(
                            "The booking system listed reservation {} of {} among the changes of {resource}; it is skipped here.",
                            r.id, r.resource
                        ),
                    }),
                    Err((id, message)) => out.rejected.push(Rejected { id, message }),
                }
            }
            if page.has_more && cursor.as_deref() == Some(page.next_cursor.as_str()) {
                return Err(ConnectorError::new(
                    ErrorKind::Permanent,
                    format!(
                        "The booking system's change feed for {resource} does not advance (it returns the same cursor with more to come). Ask the vendor to check it."
                    ),
                ));
            }
            cursor = Some(page.next_cursor);
            if !page.has_more {
                out.cursor = cursor.unwrap_or_default();
                return Ok(out);
            }
        }
        Err(ConnectorError::new(
            ErrorKind::Permanent,
            format!(
                "The booking system's change feed for {resource} did not end after {MAX_PAGES} pages. Ask the vendor to check it."
            ),
        ))
    }

    async fn create_reservation(
        &self,
        resource: &ResourceId,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError> {
        let action = format!("creating \"{}\" in {resource}", content.title);
        self.create(resource, None, content, link, idempotency_key, &action)
            .await
    }

    async fn update_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        content: &Content,
    ) -> Result<Reservation, ConnectorError> {
        let request = self
            .http
            .patch(self.url(&["reservations", id.as_str()]))
            .header(reqwest::header::IF_MATCH, if_match(version))
            .json(&WireWrite::content(content));
        self.reservation(request, &format!("updating reservation {id}"))
            .await
    }

    async fn create_override(
        &self,
        resource: &ResourceId,
        parent: &ReservationId,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<Reservation, ConnectorError> {
        let action = format!(
            "creating \"{}\" in {resource} in place of an occurrence of reservation {parent}",
            content.title
        );
        self.create(
            resource,
            Some(parent),
            content,
            link,
            idempotency_key,
            &action,
        )
        .await
    }

    async fn skip_occurrence(
        &self,
        id: &ReservationId,
        version: i64,
        date: NaiveDate,
    ) -> Result<Reservation, ConnectorError> {
        let action = format!("skipping the occurrence of {date} of reservation {id}");
        // The contract has no "add one date": the list is replaced, so it is read first and
        // written back with If-Match at the version read.
        let current = self
            .reservation(
                self.http.get(self.url(&["reservations", id.as_str()])),
                &action,
            )
            .await?;
        if current.version != version {
            return Err(ConnectorError::new(
                ErrorKind::Stale,
                format!(
                    "Reservation {id} changed in the booking system (version {} instead of {version}) while RoomBridge was {action}; RoomBridge reads it again instead of overwriting the change.",
                    current.version
                ),
            ));
        }
        let Some(repeat) = &current.recurrence else {
            return Err(ConnectorError::new(
                ErrorKind::Permanent,
                format!(
                    "Reservation {id} does not repeat in the booking system, so RoomBridge cannot skip its occurrence of {date}."
                ),
            ));
        };
        if repeat.exdates.contains(&date) {
            // Already skipped (by a retry of this call, or by a person): nothing to change.
            return Ok(current);
        }
        let mut exdates = repeat.exdates.clone();
        exdates.push(date);
        exdates.sort();
        let body = WireRecurrencePatch {
            recurrence: WireRecurrenceWrite {
                rrule: &repeat.rrule,
                exdates: exdates.iter().map(NaiveDate::to_string).collect(),
            },
        };
        let request = self
            .http
            .patch(self.url(&["reservations", id.as_str()]))
            .header(reqwest::header::IF_MATCH, if_match(version))
            .json(&body);
        self.reservation(request, &action).await
    }

    async fn cancel_reservation(
        &self,
        id: &ReservationId,
        version: i64,
        note: &str,
    ) -> Result<Reservation, ConnectorError> {
        let request = self
            .http
            .post(self.url(&["reservations", id.as_str(), "cancel"]))
            .header(reqwest::header::IF_MATCH, if_match(version))
            .json(&WireCancel { note });
        self.reservation(request, &format!("cancelling reservation {id}"))
            .await
    }
}

impl BookingConnector {
    /// `POST /reservations`: an event-level reservation RoomBridge makes (marked as its own
    /// and tagged with `link`), under `parent` when it stands in for one of its occurrences.
    async fn create(
        &self,
        resource: &ResourceId,
        parent: Option<&ReservationId>,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
        action: &str,
    ) -> Result<Reservation, ConnectorError> {
        let body = WireWrite {
            resource_id: Some(resource.as_str()),
            level: Some("event"),
            parent_id: parent.map(ReservationId::as_str),
            source: Some("roombridge"),
            external_ref: Some(link.as_str()),
            ..WireWrite::content(content)
        };
        let request = self
            .http
            .post(self.url(&["reservations"]))
            .header("Idempotency-Key", idempotency_key)
            .json(&body);
        self.reservation(request, action).await
    }

    /// Sends a write and reads the reservation it answers with.
    async fn reservation(
        &self,
        request: RequestBuilder,
        action: &str,
    ) -> Result<Reservation, ConnectorError> {
        let value: serde_json::Value = self.json(request, action).await?;
        wire::reservation(value).map_err(|(_, message)| {
            ConnectorError::new(
                ErrorKind::Permanent,
                format!("After {action}, the booking system answered with a reservation RoomBridge cannot read. {message}"),
            )
        })
    }
}
