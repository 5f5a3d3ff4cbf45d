//! The mass-deletion breaker.

use super::*;

/// The mass-deletion breaker: a cycle that would delete more than a share of a room's synced
/// reservations stops and asks a person, instead of emptying a calendar because one side
/// suddenly returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Breaker {
    /// The largest share (0..=1) of a room's links one cycle may delete without approval.
    pub max_share: f64,
    /// Deletions up to this many never trip the breaker, whatever the share (small rooms).
    pub always_allowed: usize,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            max_share: 0.3,
            always_allowed: 5,
        }
    }
}

/// What tripped the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tripped {
    /// Deletions and cancellations the plan holds.
    pub deletions: usize,
    /// Links the room had before the cycle.
    pub linked: usize,
}

impl Breaker {
    /// `Some` when `plan` deletes more than this breaker allows for a room with `linked` links.
    pub fn check(&self, plan: &Plan, linked: usize) -> Option<Tripped> {
        let deletions = plan
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::DeleteEvent { .. } | Action::CancelReservation { .. }
                )
            })
            .count();
        let allowed = ((linked as f64) * self.max_share).floor() as usize;
        (deletions > self.always_allowed && deletions > allowed)
            .then_some(Tripped { deletions, linked })
    }
}
