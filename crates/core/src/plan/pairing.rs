//! Pairing: which block, event and link belong together.

use super::*;

/// The id of the link a new block gets: [`LinkId::for_block`] of its key, unless a link of
/// that id already stands for another block. That happens when a block's piece went away and
/// its link was carried over to what Outlook made of it (a deleted-then-edited fragment kept by
/// calendar-wins is copied to the booking system under the old link), and then the piece came
/// back: it gets the first free `{id}~{n}`, so it is never left without a link. `None` when a
/// link of that id holds no block (it waits for one, see `tagged_blocks`).
pub(super) fn new_link_id(key: &BlockKey, links: &[Link]) -> Option<LinkId> {
    let natural = LinkId::for_block(key);
    let holder = |id: &LinkId| links.iter().find(|l| &l.id == id);
    match holder(&natural) {
        None => return Some(natural),
        Some(l) if l.block.is_none() => return None,
        Some(_) => {}
    }
    (1..=links.len() + 1)
        .map(|n| LinkId::new(format!("{natural}~{n}")))
        .find(|id| holder(id).is_none())
}

/// Matches links, blocks and events into pairs. Unlinked blocks inside the window and
/// unlinked events get a proposed link; an event carrying our tag is paired with the link
/// (or the block) the tag names, so a create that landed before a crash is re-linked.
pub(super) fn pairs<'a>(input: &PlanInput<'a>) -> Vec<Pair<'a>> {
    use std::collections::{BTreeMap, HashSet};

    let blocks: BTreeMap<&BlockKey, &Block> = input.blocks.iter().map(|b| (&b.key, b)).collect();
    let events: BTreeMap<&GraphEventId, &CalendarEvent> =
        input.events.iter().map(|e| (&e.id, e)).collect();
    let link_ids: HashSet<&LinkId> = input.links.iter().map(|l| &l.id).collect();
    let linked_blocks: HashSet<&BlockKey> = input
        .links
        .iter()
        .filter_map(|l| l.block.as_ref())
        .collect();
    let linked_events: HashSet<&GraphEventId> = input
        .links
        .iter()
        .filter_map(|l| l.event.as_ref())
        .collect();

    // Unlinked events that carry our tag, by the link id in the tag.
    let mut tagged: BTreeMap<&LinkId, &CalendarEvent> = BTreeMap::new();
    let mut untagged: Vec<&CalendarEvent> = Vec::new();
    for e in input
        .events
        .iter()
        .filter(|e| !linked_events.contains(&e.id))
    {
        match &e.tag {
            Some(tag) => {
                tagged.insert(tag, e);
            }
            None => untagged.push(e),
        }
    }

    // Unlinked blocks whose reservation RoomBridge created for a link (an Outlook reservation
    // copied to the booking system), by that link's id.
    let mut tagged_blocks: BTreeMap<&LinkId, &Block> = input
        .blocks
        .iter()
        .filter(|b| !linked_blocks.contains(&b.key))
        .filter_map(|b| b.tag.as_ref().map(|t| (t, b)))
        .filter(|(t, _)| link_ids.contains(t))
        .collect();
    let claimed: HashSet<&BlockKey> = tagged_blocks.values().map(|b| &b.key).collect();

    let mut out = Vec::new();
    for link in input.links {
        // A link whose block is gone may have a reservation RoomBridge created for it since
        // (an Outlook meeting copied back after its booking-system side was cancelled) whose
        // answer was lost before the link recorded it: that reservation is its booking side.
        let block = match &link.block {
            Some(key) => blocks
                .get(key)
                .copied()
                .or_else(|| tagged_blocks.remove(&link.id)),
            None => tagged_blocks.remove(&link.id),
        };
        let event = match &link.event {
            Some(id) => events.get(id).copied(),
            None => tagged.remove(&link.id),
        };
        out.push(Pair {
            link: link.clone(),
            block,
            event,
        });
    }
    for block in input
        .blocks
        .iter()
        .filter(|b| !linked_blocks.contains(&b.key) && !claimed.contains(&b.key))
    {
        let Some(id) = new_link_id(&block.key, input.links) else {
            continue;
        };
        let event = tagged.remove(&id);
        if event.is_none() && !input.window.contains(&block.content.when, input.zone) {
            continue;
        }
        out.push(Pair {
            link: Link {
                id,
                block: Some(block.key.clone()),
                event: None,
                booking_hash: None,
                calendar_hash: None,
                origin: Side::Booking,
                state: LinkState::Pending,
            },
            block: Some(block),
            event,
        });
    }
    // A tagged event whose link and block are both gone was written by RoomBridge for a block
    // the booking system no longer has: it is paired as "deleted in booking, unchanged in
    // Outlook", so it is removed rather than copied back as a new reservation.
    for (tag, event) in tagged {
        out.push(Pair {
            link: Link {
                id: tag.clone(),
                block: None,
                event: Some(event.id.clone()),
                booking_hash: Some(ContentHash::new("gone")),
                calendar_hash: Some(event.content.hash()),
                origin: Side::Booking,
                state: LinkState::Pending,
            },
            block: None,
            event: Some(event),
        });
    }
    for event in untagged {
        out.push(Pair {
            link: Link {
                id: LinkId::for_event(&event.id),
                block: None,
                event: Some(event.id.clone()),
                booking_hash: None,
                calendar_hash: None,
                origin: Side::Calendar,
                state: LinkState::Pending,
            },
            block: None,
            event: Some(event),
        });
    }
    out
}
