//! RoomBridge's state in one word, for the tray icon and its tooltip: the most urgent state of
//! any room that is not paused.

use serde::Serialize;

use roombridge_core::i18n::Lang;

use crate::views::{RoomState, RoomView};

/// The overall state, most urgent first: a failing room outweighs conflicts, which outweigh
/// a sync in progress. Paused only when every room is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverallState {
    Failing,
    /// Deletions wait for a person's approval somewhere.
    WaitingForApproval,
    Conflicts,
    Syncing,
    InSync,
    Paused,
}

/// The overall state and the counts its description needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overall {
    pub state: OverallState,
    pub rooms: usize,
    pub failing: usize,
    /// Rooms whose deletions wait for approval.
    pub waiting_for_approval: usize,
    /// Rooms with conflicts waiting for a decision.
    pub with_conflicts: usize,
    pub paused: usize,
}

impl Overall {
    /// The tray's tooltip: the state in words.
    pub fn describe(&self, lang: Lang) -> String {
        let rooms = |n: usize| lang.plural("overall.rooms", n as i64, &[]);
        let state = match self.state {
            OverallState::Failing => lang.tr("overall.failing", &[("rooms", &rooms(self.failing))]),
            OverallState::WaitingForApproval => lang.tr(
                "overall.waiting_for_approval",
                &[("rooms", &rooms(self.waiting_for_approval))],
            ),
            OverallState::Conflicts => lang.tr(
                "overall.conflicts",
                &[("rooms", &rooms(self.with_conflicts))],
            ),
            OverallState::Syncing => lang.tr("overall.syncing", &[]),
            OverallState::InSync if self.rooms == 0 => lang.tr("overall.no_rooms", &[]),
            OverallState::InSync => lang.tr(
                "overall.in_sync",
                &[("rooms", &rooms(self.rooms - self.paused))],
            ),
            OverallState::Paused => {
                return lang.tr("overall.all_paused", &[("rooms", &rooms(self.rooms))]);
            }
        };
        if self.paused == 0 {
            return state;
        }
        let paused = lang.tr("overall.paused", &[("rooms", &rooms(self.paused))]);
        lang.tr(
            "overall.with_paused",
            &[("state", &state), ("paused", &paused)],
        )
    }
}

/// Sums up `rooms`. A room that has not finished its first cycle counts as syncing.
pub fn overall(rooms: &[RoomView]) -> Overall {
    let count = |s: RoomState| rooms.iter().filter(|r| r.status == s).count();
    let failing = count(RoomState::Failing);
    let waiting_for_approval = count(RoomState::WaitingForApproval);
    let with_conflicts = count(RoomState::Conflicts);
    let paused = count(RoomState::Paused);
    let syncing = count(RoomState::Syncing) + count(RoomState::Idle);
    let state = if failing > 0 {
        OverallState::Failing
    } else if waiting_for_approval > 0 {
        OverallState::WaitingForApproval
    } else if with_conflicts > 0 {
        OverallState::Conflicts
    } else if syncing > 0 {
        OverallState::Syncing
    } else if !rooms.is_empty() && paused == rooms.len() {
        OverallState::Paused
    } else {
        OverallState::InSync
    };
    Overall {
        state,
        rooms: rooms.len(),
        failing,
        waiting_for_approval,
        with_conflicts,
        paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Counts;

    fn room(status: RoomState) -> RoomView {
        RoomView {
            id: "r".into(),
            name: "Room".into(),
            kind: crate::views::RoomKind::Room,
            mailbox: "r@example.org".into(),
            resource_id: "res-r".into(),
            time_zone: "Europe/Oslo".into(),
            paused: status == RoomState::Paused,
            status,
            last_cycle_at: None,
            last_ok_at: None,
            last_error: None,
            failing_since: None,
            failing_side: None,
            held_deletions: 0,
            counts: Counts {
                links: 0,
                conflicts: 0,
                failed: 0,
            },
        }
    }

    fn check(statuses: &[RoomState], state: OverallState, tooltip: &str) {
        let rooms: Vec<RoomView> = statuses.iter().map(|s| room(*s)).collect();
        let o = overall(&rooms);
        assert_eq!(
            (o.state, o.describe(Lang::En).as_str()),
            (state, tooltip),
            "{statuses:?}"
        );
    }

    #[test]
    fn the_most_urgent_room_decides_the_overall_state() {
        use RoomState::*;
        check(&[], OverallState::InSync, "RoomBridge: no rooms mapped yet");
        check(
            &[InSync, InSync],
            OverallState::InSync,
            "RoomBridge: 2 rooms in sync",
        );
        check(
            &[InSync, Idle],
            OverallState::Syncing,
            "RoomBridge: syncing",
        );
        check(
            &[InSync, Syncing, Paused],
            OverallState::Syncing,
            "RoomBridge: syncing (1 room paused)",
        );
        check(
            &[Syncing, Conflicts, InSync],
            OverallState::Conflicts,
            "RoomBridge: conflicts wait for a decision in 1 room",
        );
        check(
            &[Conflicts, Failing, Failing, Syncing],
            OverallState::Failing,
            "RoomBridge: 2 rooms failing",
        );
        // Held deletions are not a failure, but they need a person before conflicts do.
        check(
            &[Conflicts, WaitingForApproval, InSync],
            OverallState::WaitingForApproval,
            "RoomBridge: deletions wait for approval in 1 room",
        );
        check(
            &[WaitingForApproval, Failing],
            OverallState::Failing,
            "RoomBridge: 1 room failing",
        );
        check(
            &[InSync, Paused],
            OverallState::InSync,
            "RoomBridge: 1 room in sync (1 room paused)",
        );
        check(
            &[Paused, Paused],
            OverallState::Paused,
            "RoomBridge: paused (2 rooms)",
        );
    }
}
