//! Checks of what a person types for a room: its mailbox, its zone, its policy. The setup
//! wizard and the room mappings both use them.

use roombridge_core::Mailbox;
use roombridge_core::policy::Policy;

use crate::ApiError;
use roombridge_core::i18n::Words;

/// The zone a room gets when nobody names one.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Oslo";

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
        .map_err(|_| ApiError::invalid(Words::new("error.unknown_zone").arg("zone", zone)))
}

pub(crate) fn parse_policy(name: &str) -> Result<Policy, ApiError> {
    Policy::parse(name)
        .map_err(|_| ApiError::invalid(Words::new("error.unknown_policy").arg("name", name)))
}

/// A mailbox address as RoomBridge stores it, or why it is not one.
pub fn check_mailbox(mailbox: &str) -> Result<Mailbox, ApiError> {
    let m = mailbox.trim().to_ascii_lowercase();
    let valid = m.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !m.contains(char::is_whitespace)
    });
    if !valid {
        return Err(ApiError::invalid(
            Words::new("error.not_a_mailbox").arg("mailbox", mailbox.trim()),
        ));
    }
    Ok(Mailbox::new(m))
}
