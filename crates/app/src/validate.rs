//! Checks of what a person types for a room: its mailbox, its zone, its policy. The setup
//! wizard and the room mappings both use them.

use roombridge_core::Mailbox;
use roombridge_core::policy::Policy;

use crate::{ApiError, ErrorCode};

/// The zone a room gets when nobody names one.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Oslo";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// A valid IANA zone, or the default.
pub(crate) fn zone_or_default(zone: Option<&str>) -> Result<String, ApiError> {
    match zone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Ok(DEFAULT_TIME_ZONE.to_owned()),
        Some(z) => check_zone(z),
    }
}

/// `zone` if it is an IANA zone name.
pub fn check_zone(zone: &str) -> Result<String, ApiError> {
    let zone = zone.trim();
    zone.parse::<chrono_tz::Tz>()
        .map(|_| zone.to_owned())
        .map_err(|_| {
            invalid(format!(
                "{zone:?} is not a time zone RoomBridge knows; use a name such as Europe/Oslo or America/New_York."
            ))
        })
}

pub(crate) fn parse_policy(name: &str) -> Result<Policy, ApiError> {
    Policy::parse(name).map_err(|e| invalid(format!("{name:?} is not a conflict policy: {e}")))
}

/// A mailbox address as RoomBridge stores it, or why it is not one.
pub fn check_mailbox(mailbox: &str) -> Result<Mailbox, ApiError> {
    let m = mailbox.trim().to_ascii_lowercase();
    let valid = m.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !m.contains(char::is_whitespace)
    });
    if !valid {
        return Err(invalid(format!(
            "{mailbox:?} is not a mailbox address; use the room mailbox's e-mail, e.g. room-1@example.org."
        )));
    }
    Ok(Mailbox::new(m))
}
