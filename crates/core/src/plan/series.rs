//! Recurring reservations go to Outlook as one series where Outlook can show them.
//!
//! The planner decides occurrence by occurrence; this pass, run after it, changes only *how*
//! new occurrences are written, never *what* is written:
//! - A recurring reservation of which Outlook has nothing yet: its creates of whole occurrences
//!   become one [`Action::CreateSeries`].
//! - An occurrence of a series RoomBridge already wrote (the window moved on, or an occurrence
//!   came back): its create names the series, so the executor adopts the series' instance on
//!   that date instead of writing a second event beside it.
//!
//! - A change to what every occurrence of such a series shows (a new title, not new times),
//!   planned as one update per instance: the updates become one [`Action::UpdateSeries`],
//!   which rewrites the series master once ([`rewrite_masters`]).
//!
//! Occurrences a higher item cuts into fragments, and every occurrence of a reservation whose
//! occurrences already went to Outlook as single events, stay single events. Every occurrence
//! keeps its own link either way, so edits, deletions and conflicts stay per occurrence.

use std::collections::BTreeMap;

use super::{
    Action, Block, BlockKey, CalendarEvent, GraphEventId, InSeries, LinkId, Plan, PlanInput,
    SeriesMember, SeriesUpdate,
};
use crate::compose::SeriesSource;

/// How a recurring reservation's series and occurrences are named: the series' link, the
/// prefix of its occurrences' tags in Outlook and of their blocks.
struct Names {
    series_link: LinkId,
    tag_prefix: String,
    block_prefix: String,
}

impl Names {
    fn of(source: &SeriesSource) -> Names {
        let series_link = LinkId::for_block(&BlockKey::for_reservation(&source.source));
        Names {
            tag_prefix: format!("{series_link}@"),
            block_prefix: format!("r:{}@", source.source),
            series_link,
        }
    }

    /// The event is an occurrence RoomBridge tagged for this reservation.
    fn tags(&self, event: &CalendarEvent) -> bool {
        event
            .tag
            .as_ref()
            .is_some_and(|t| t.as_str().starts_with(&self.tag_prefix))
    }

    /// The master of the series RoomBridge wrote for this reservation, if Outlook shows any
    /// of its instances.
    fn master(&self, input: &PlanInput<'_>) -> Option<GraphEventId> {
        input
            .events
            .iter()
            .filter(|e| self.tags(e))
            .find_map(|e| e.instance.as_ref().map(|i| i.master.clone()))
    }
}

/// Where in the plan the actions `pick` picks are.
fn positions(plan: &Plan, pick: impl Fn(&Action) -> bool) -> Vec<usize> {
    plan.actions
        .iter()
        .enumerate()
        .filter(|(_, a)| pick(a))
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn gather(input: &PlanInput<'_>, plan: &mut Plan) {
    let blocks: BTreeMap<&BlockKey, &Block> = input.blocks.iter().map(|b| (&b.key, b)).collect();
    for source in input.series {
        let names = Names::of(source);
        let Names {
            series_link,
            block_prefix,
            ..
        } = &names;
        // A whole occurrence of this reservation: not cut by anything higher.
        let whole = |key: &BlockKey| {
            blocks.get(key).is_some_and(|b| {
                b.source == source.source
                    && b.occurrence.is_some()
                    && b.covered_by.is_empty()
                    && *key == b.item_key()
            })
        };
        if let Some(master) = names.master(input) {
            for action in &mut plan.actions {
                if let Action::CreateEvent { block, series, .. } = action
                    && whole(block)
                    && let Some(date) = blocks.get(block).and_then(|b| b.occurrence)
                {
                    *series = Some(InSeries {
                        master: master.clone(),
                        date,
                    });
                }
            }
            continue;
        }
        // Occurrences already in Outlook (as single events, or as a series whose instances
        // left the view): writing a series now would put a second event beside them.
        let written = input.links.iter().any(|l| {
            l.event.is_some()
                && l.block
                    .as_ref()
                    .is_some_and(|b| b.as_str().starts_with(block_prefix.as_str()))
        });
        if written {
            continue;
        }
        let members = positions(plan, |a| match a {
            Action::CreateEvent { link, block, .. } => whole(block) && !decided(plan, link),
            _ => false,
        });
        if members.len() < 2 {
            continue;
        }
        let action = create_series(input, source, series_link.clone(), &members, plan, &blocks);
        replace(plan, &members, action);
    }
}

/// A person's decision on this link is carried out this cycle, and recorded on the link.
fn decided(plan: &Plan, link: &LinkId) -> bool {
    plan.resolved.iter().any(|r| &r.link == link)
}

/// The actions at `members` (in order) become `action`, where the first of them was.
fn replace(plan: &mut Plan, members: &[usize], action: Action) {
    for &i in members.iter().rev() {
        plan.actions.remove(i);
    }
    plan.actions.insert(members[0], action);
}

fn create_series(
    input: &PlanInput<'_>,
    source: &SeriesSource,
    link: LinkId,
    members: &[usize],
    plan: &Plan,
    blocks: &BTreeMap<&BlockKey, &Block>,
) -> Action {
    let members = members
        .iter()
        .filter_map(|&i| {
            SeriesMember::created_by(&plan.actions[i], |block| {
                blocks.get(block).and_then(|b| b.occurrence)
            })
        })
        .collect();
    // The key names the series and its rule: a retry after a lost answer gets the series the
    // first attempt made; a changed rule is a new series.
    let rule = crate::recurrence::to_rrule(&source.series);
    let digest = crate::content::sha256_hex(
        format!("{link}\u{1f}{}\u{1f}{rule}", source.content.hash()).as_bytes(),
    );
    Action::CreateSeries {
        link,
        source: source.source.clone(),
        series: source.series.clone(),
        // The master shows what every occurrence shows under the room's privacy mode.
        content: crate::privacy::outlook_view(&source.content, input.privacy),
        idempotency_key: format!("rb-{}", &digest[..32]),
        members,
    }
}

/// Updates of every instance of a RoomBridge series that change only what the master carries
/// for all of them (the subject and the body: title, organisation, description) become one
/// [`Action::UpdateSeries`]. The updates stay one by one when the series has an exception
/// (its own content, which a master rewrite does not reach), when any instance in the window
/// is left out, when the times change, or when the instances are to show different things.
pub(super) fn rewrite_masters(input: &PlanInput<'_>, plan: &mut Plan) {
    for source in input.series {
        let names = Names::of(source);
        let Some(master) = names.master(input) else {
            continue;
        };
        let instances: BTreeMap<_, _> = input
            .events
            .iter()
            .filter(|e| e.instance.as_ref().is_some_and(|i| i.master == master))
            .map(|e| (&e.id, e))
            .collect();
        if instances.len() < 2
            || instances
                .values()
                .any(|e| !names.tags(e) || e.instance.as_ref().is_some_and(|i| i.exception))
        {
            continue;
        }
        let members = positions(plan, |a| match a {
            // A decided conflict is carried out, and recorded, on its own link.
            Action::UpdateEvent {
                link,
                block,
                event,
                content,
                ..
            } => {
                !decided(plan, link)
                    && block.as_str().starts_with(names.block_prefix.as_str())
                    && instances.get(event).is_some_and(|e| {
                        e.content.instants(input.zone) == content.instants(input.zone)
                    })
            }
            _ => false,
        });
        if members.len() != instances.len() {
            continue;
        }
        let shown = |i: usize| match &plan.actions[i] {
            Action::UpdateEvent { content, .. } => {
                Some((&content.title, &content.organisation, &content.description))
            }
            _ => None,
        };
        if members.iter().any(|&i| shown(i) != shown(members[0])) {
            continue;
        }
        let Action::UpdateEvent { content, .. } = &plan.actions[members[0]] else {
            continue;
        };
        let content = content.clone();
        let updates = members
            .iter()
            .filter_map(|&i| match &plan.actions[i] {
                Action::UpdateEvent {
                    link,
                    block,
                    event,
                    booking_hash,
                    ..
                } => Some(SeriesUpdate {
                    link: link.clone(),
                    block: block.clone(),
                    event: event.clone(),
                    booking_hash: booking_hash.clone(),
                }),
                _ => None,
            })
            .collect();
        let action = Action::UpdateSeries {
            link: names.series_link,
            master,
            content,
            members: updates,
        };
        replace(plan, &members, action);
    }
}
