//! Microsoft Graph connector: an Outlook room mailbox as a [`Calendar`].
//!
//! Authenticates with OAuth2 client credentials (token cached until shortly before expiry),
//! asks for immutable ids, UTC times and text bodies on every request, reads
//! `calendarView/delta` to the end, and classifies every failure by [`ErrorKind`].

mod auth;
#[doc(hidden)]
pub mod wire;
mod zones;

use std::time::Duration;

use async_trait::async_trait;
use chrono::SecondsFormat;
use chrono_tz::Tz;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue, IF_MATCH, RETRY_AFTER};
use roombridge_core::plan::CalendarEvent;
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

/// Microsoft Graph as a [`Calendar`].
pub struct GraphConnector {
    config: GraphConfig,
    http: reqwest::Client,
    tokens: auth::TokenSource,
    zone_hint: Tz,
}

/// How long one request may take before it counts as a (transient) timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A bound on delta pages per call, so a server that keeps sending nextLinks cannot loop us.
const MAX_PAGES: usize = 10_000;

impl GraphConnector {
    /// A connector for `config`, authenticating with `secret`. Fails only when the HTTP client
    /// cannot be built (no TLS backend).
    pub fn new(config: GraphConfig, secret: Secret) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    format!("Cannot build the HTTP client: {e}"),
                )
            })?;
        let tokens = auth::TokenSource::new(&config.client_id, secret, &config.token_url);
        Ok(Self {
            config,
            http,
            tokens,
            zone_hint: chrono_tz::Europe::Oslo,
        })
    }

    /// The rooms' zone (default Europe/Oslo), used to read Windows zone names that stand for
    /// several IANA zones ("W. Europe Standard Time" is Europe/Oslo for a Norwegian tenant).
    pub fn with_zone_hint(mut self, zone: Tz) -> Self {
        self.zone_hint = zone;
        self
    }

    /// Every room in the tenant (all pages of `/places/microsoft.graph.room`).
    pub async fn rooms(&self) -> Result<Vec<GraphRoom>, ConnectorError> {
        let mut url = self.url(&["places", "microsoft.graph.room"])?;
        url.query_pairs_mut().append_pair("$top", "100");
        let mut rooms = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectorError::new(
                    ErrorKind::Permanent,
                    "Graph kept sending room pages",
                ));
            }
            let body = self.send(Method::GET, url, None, HeaderMap::new()).await?;
            let (page, link) = wire::parse_rooms_page(&body)?;
            rooms.extend(page);
            next = link.map(|l| self.follow(&l)).transpose()?;
        }
        Ok(rooms)
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

    /// Sends one request with a bearer token and the Prefer headers every call uses; returns the
    /// body of a 2xx answer and a classified error otherwise. A 401 is retried once with a fresh
    /// token (the cached one may have been revoked or expired early).
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        extra: HeaderMap,
    ) -> Result<String, ConnectorError> {
        for attempt in 0..2 {
            let token = self.tokens.token(&self.http).await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token)
                .header("Prefer", "IdType=\"ImmutableId\"")
                .header("Prefer", "outlook.timezone=\"UTC\"")
                .header("Prefer", "outlook.body-content-type=\"text\"");
            // One by one: `RequestBuilder::headers` would replace the Prefer headers above.
            for (name, value) in &extra {
                request = request.header(name, value.clone());
            }
            if let Some(b) = body {
                request = request.json(b);
            }
            let response = request.send().await.map_err(transport)?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await.map_err(transport)?;
            if status.is_success() {
                return Ok(text);
            }
            if status.as_u16() == 401 && attempt == 0 {
                self.tokens.invalidate().await;
                continue;
            }
            return Err(wire::classify(
                status.as_u16(),
                retry_after.as_deref(),
                &text,
            ));
        }
        Err(ConnectorError::new(
            ErrorKind::Auth,
            "Microsoft Graph rejected a freshly issued token; check the application's permissions",
        )
        .with_status(401))
    }

    fn event_url(&self, mailbox: &Mailbox, event: &GraphEventId) -> Result<Url, ConnectorError> {
        self.url(&["users", mailbox.as_str(), "events", event.as_str()])
    }
}

/// A request that got no HTTP answer: timeouts, refused or reset connections. Retry later.
fn transport(e: reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    ConnectorError::new(
        ErrorKind::Transient { retry_after: None },
        format!("The request to Microsoft Graph {what}: {e}"),
    )
}

#[async_trait]
impl Calendar for GraphConnector {
    async fn changes(
        &self,
        mailbox: &Mailbox,
        window: SyncWindow,
        cursor: Option<&str>,
    ) -> Result<CalendarChanges, ConnectorError> {
        let first = match cursor {
            Some(c) => self.follow(c)?,
            None => {
                let mut url = self.url(&["users", mailbox.as_str(), "calendarView", "delta"])?;
                url.query_pairs_mut()
                    .append_pair(
                        "startDateTime",
                        &window.start.to_rfc3339_opts(SecondsFormat::Secs, true),
                    )
                    .append_pair(
                        "endDateTime",
                        &window.end.to_rfc3339_opts(SecondsFormat::Secs, true),
                    );
                url
            }
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
        let mut latest: std::collections::HashMap<GraphEventId, Option<CalendarEvent>> =
            Default::default();
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
            let body = self.send(Method::GET, url, None, page_size.clone()).await?;
            let page = wire::parse_delta_page(&body, self.zone_hint)?;
            for e in page.events {
                if !latest.contains_key(&e.id) {
                    order.push(e.id.clone());
                }
                latest.insert(e.id.clone(), Some(e));
            }
            for id in page.removed {
                if !latest.contains_key(&id) {
                    order.push(id.clone());
                }
                latest.insert(id, None);
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
        for id in order {
            match latest.remove(&id) {
                Some(Some(e)) => changes.upserted.push(e),
                Some(None) => changes.removed.push(id),
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
        let mut url = self.event_url(mailbox, event)?;
        url.query_pairs_mut().append_pair(
            "$expand",
            &format!(
                "singleValueExtendedProperties($filter=id eq '{}')",
                wire::TAG_PROPERTY_ID
            ),
        );
        let body = self.send(Method::GET, url, None, HeaderMap::new()).await?;
        wire::parse_tag(&body)
    }

    async fn create_event(
        &self,
        mailbox: &Mailbox,
        content: &Content,
        link: &LinkId,
        idempotency_key: &str,
    ) -> Result<CalendarEvent, ConnectorError> {
        let mut fields = wire::event_fields(content)?;
        fields.insert("showAs".into(), json!("busy"));
        fields.insert("transactionId".into(), json!(idempotency_key));
        fields.insert(
            "singleValueExtendedProperties".into(),
            json!([{"id": wire::TAG_PROPERTY_ID, "value": link.as_str()}]),
        );
        let url = self.url(&["users", mailbox.as_str(), "events"])?;
        let body = self
            .send(
                Method::POST,
                url,
                Some(&Value::Object(fields)),
                HeaderMap::new(),
            )
            .await?;
        let mut event = wire::parse_event(&body, self.zone_hint)?;
        // Graph does not return extended properties on create; we know what we sent.
        event.tag = Some(link.clone());
        Ok(event)
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
            let etag = if v.starts_with("W/") || v.starts_with('"') {
                v.to_owned()
            } else {
                format!("W/\"{v}\"")
            };
            let value = HeaderValue::from_str(&etag).map_err(|_| {
                ConnectorError::new(
                    ErrorKind::Permanent,
                    "The stored event version is not a valid header value",
                )
            })?;
            headers.insert(IF_MATCH, value);
        }
        let url = self.event_url(mailbox, event)?;
        let body = self
            .send(Method::PATCH, url, Some(&Value::Object(fields)), headers)
            .await?;
        wire::parse_event(&body, self.zone_hint)
    }

    async fn delete_event(
        &self,
        mailbox: &Mailbox,
        event: &GraphEventId,
    ) -> Result<(), ConnectorError> {
        let url = self.event_url(mailbox, event)?;
        match self.send(Method::DELETE, url, None, HeaderMap::new()).await {
            Ok(_) => Ok(()),
            // Already gone is what we wanted.
            Err(e) if e.status == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
