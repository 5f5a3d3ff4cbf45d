//! Discovery: the booking system's resources matched to Outlook room mailboxes.

use super::*;

/// Lists both sides with `connectors` and matches them; `existing` rooms mark resources that
/// are already mapped.
pub async fn discover(
    connectors: &Connectors,
    existing: &[Room],
) -> Result<DiscoveryView, ApiError> {
    let (resources, places) =
        tokio::join!(connectors.booking.resources(), connectors.graph.rooms());
    let resources = resources.map_err(|e| ApiError::unavailable(e.message))?;
    let places = places.map_err(|e| ApiError::unavailable(e.message))?;
    let matches = match_resources(&resources, &places);
    let mut mailboxes: Vec<MailboxOption> = places
        .iter()
        .map(|p| MailboxOption {
            email: p.email.to_ascii_lowercase(),
            name: p.display_name.clone(),
            source: MailboxSource::Places,
        })
        .collect();
    for r in &resources {
        if let Some(email) = r.email.as_deref().filter(|e| !e.trim().is_empty()) {
            let email = email.trim().to_ascii_lowercase();
            if !mailboxes.iter().any(|m| m.email == email) {
                mailboxes.push(MailboxOption {
                    email,
                    name: r.name.clone(),
                    source: MailboxSource::Booking,
                });
            }
        }
    }
    mailboxes.sort_by(|a, b| a.name.cmp(&b.name).then(a.email.cmp(&b.email)));
    let resources = resources
        .iter()
        .zip(matches)
        .map(|(r, m)| ResourceMatch {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: RoomKind::of(&r.kind),
            email: r.email.clone(),
            time_zone: r.time_zone.clone(),
            mailbox: m.as_ref().map(|(email, _)| email.clone()),
            matched_by: m.map(|(_, by)| by),
            room_id: existing
                .iter()
                .find(|room| room.resource.as_str() == r.id.as_str())
                .map(|room| room.id.to_string()),
        })
        .collect();
    Ok(DiscoveryView {
        mailboxes,
        resources,
    })
}

/// A name as compared for matching: lower case, letters and digits only, single spaces
/// ("Town Hall, Council-Chamber " and "town hall council chamber" are the same).
pub fn normalise_name(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The suggested mailbox of each resource, in order: the room mailbox with the resource's
/// e-mail; else the one room mailbox whose display name is the resource's name (normalised),
/// unless another resource already has that mailbox by e-mail; else the resource's own e-mail,
/// which Outlook's room list does not show (equipment mailboxes are never in it). A name that
/// fits several mailboxes, or several resources, suggests nothing: a person chooses.
pub fn match_resources(
    resources: &[Resource],
    places: &[GraphRoom],
) -> Vec<Option<(String, MatchedBy)>> {
    let by_email: HashMap<String, &GraphRoom> = places
        .iter()
        .map(|p| (p.email.trim().to_ascii_lowercase(), p))
        .collect();
    let email_of = |r: &Resource| {
        r.email
            .as_deref()
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
    };
    let taken_by_email: HashSet<String> = resources
        .iter()
        .filter_map(email_of)
        .filter(|e| by_email.contains_key(e))
        .collect();
    let mut places_by_name: HashMap<String, Vec<&GraphRoom>> = HashMap::new();
    for p in places {
        places_by_name
            .entry(normalise_name(&p.display_name))
            .or_default()
            .push(p);
    }
    let mut resources_by_name: HashMap<String, usize> = HashMap::new();
    for r in resources {
        *resources_by_name
            .entry(normalise_name(&r.name))
            .or_default() += 1;
    }
    resources
        .iter()
        .map(|r| {
            let email = email_of(r);
            if let Some(e) = &email
                && by_email.contains_key(e)
            {
                return Some((e.clone(), MatchedBy::Email));
            }
            let name = normalise_name(&r.name);
            if let Some([only]) = places_by_name.get(&name).map(Vec::as_slice)
                && resources_by_name.get(&name) == Some(&1)
            {
                let mailbox = only.email.trim().to_ascii_lowercase();
                if !taken_by_email.contains(&mailbox) {
                    return Some((mailbox, MatchedBy::Name));
                }
            }
            email.map(|e| (e, MatchedBy::BookingEmail))
        })
        .collect()
}
