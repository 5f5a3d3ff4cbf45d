//! What RoomBridge's PorticoEstate user may do, found out without writing anything (the setup
//! wizard's connection test).
//!
//! PorticoEstate checks its booking rights before anything else a route does
//! (`EventController::createForResource`, `updateEvent`, `getEvent`: `Acl::check('.application',
//! ADD|EDIT|READ, 'booking')` first, 403 `Permission denied`), and the next check refuses an id
//! of 0 (`Invalid resource ID`, `Invalid event ID`: 400) or finds nothing (404). So a request
//! about id 0 answers 403 without the right and 400 or 404 with it, and never writes.

use reqwest::Method;
use serde_json::json;

use super::{PorticoConnector, ZONE};
use crate::{Booking, ConnectorError, ErrorKind, Resource};

/// A booking right RoomBridge needs in PorticoEstate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// The booking module itself (`run`): without it every `/booking` route answers 401.
    Run,
    /// Read on the booking module's `.application`: reading an event (RoomBridge's marker).
    Read,
    /// Add: creating events (Outlook meetings).
    Add,
    /// Edit: changing and cancelling events.
    Edit,
}

/// What a sign-in and a look around showed.
#[derive(Debug, Clone)]
pub struct Access {
    /// The resources PorticoEstate lists (empty without [`Right::Run`]).
    pub resources: Vec<Resource>,
    /// The rights RoomBridge needs that the user lacks, in the order above.
    pub missing: Vec<Right>,
}

impl PorticoConnector {
    /// Signs in, lists the resources, reads one day of the first resource's schedule and asks
    /// which of the rights to read, add and edit events the user has, writing nothing. Fails
    /// as the other calls do: `Auth` without a status for a refused sign-in, `Transient` for an
    /// installation that does not answer (with a status when it answered with an error),
    /// `Permanent` for an address that answers but not as PorticoEstate.
    pub async fn access(&self) -> Result<Access, ConnectorError> {
        let resources = match self.resources().await {
            Ok(resources) => resources,
            // Signed in (that would have failed without a status), then refused: no `run`.
            Err(e) if e.kind == ErrorKind::Auth && e.status == Some(401) => {
                return Ok(Access {
                    resources: Vec::new(),
                    missing: vec![Right::Run],
                });
            }
            Err(e) => return Err(e),
        };
        if let Some(first) = resources.first() {
            let today = chrono::Utc::now().with_timezone(&ZONE).date_naive();
            self.call(
                Method::GET,
                &format!("/booking/resources/{}/schedule", first.id),
                &[
                    ("start_date", today.to_string()),
                    ("end_date", today.to_string()),
                ],
                None,
                "reading a schedule",
            )
            .await?;
        }
        let mut missing = Vec::new();
        let probes = [
            (Right::Read, Method::GET, "/booking/events/0", None),
            (
                Right::Add,
                Method::POST,
                "/booking/resources/0/events",
                Some(json!({})),
            ),
            (
                Right::Edit,
                Method::PUT,
                "/booking/events/0",
                Some(json!({})),
            ),
        ];
        for (right, method, path, body) in probes {
            match self
                .call(method, path, &[], body.as_ref(), "checking its rights")
                .await
            {
                Err(e) if e.status == Some(403) => missing.push(right),
                // 400 (id 0 refused) or 404 (nothing there): the right was granted.
                Err(e) if matches!(e.status, Some(400) | Some(404)) => {}
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Access { resources, missing })
    }
}
