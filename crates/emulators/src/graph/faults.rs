//! Injected faults: what the emulator answers instead of (or on top of) serving a request, so
//! that tests see how a client copes with throttling, outages, slow answers, hung requests,
//! dropped connections and lost delta state.
//!
//! A fault is chosen per request from the configured list in order: the first fault whose
//! route matches, that still has hits left, and whose probability roll succeeds. Rolls come
//! from one RNG seeded from the config, so the same requests in the same order meet the same
//! faults.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The routes of the emulated Graph, as faults and statistics name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphRoute {
    /// `POST /{tenant}/oauth2/v2.0/token`
    Token,
    /// `GET /v1.0/places/...` (rooms and room lists)
    Places,
    /// `POST /v1.0/users/{mailbox}/events`
    CreateEvent,
    /// `GET /v1.0/users/{mailbox}/events/{id}`
    GetEvent,
    /// `PATCH /v1.0/users/{mailbox}/events/{id}`
    UpdateEvent,
    /// `DELETE /v1.0/users/{mailbox}/events/{id}`
    DeleteEvent,
    /// `POST /v1.0/users/{mailbox}/events/{id}/decline`
    DeclineEvent,
    /// `POST /v1.0/users/{mailbox}/events/{id}/cancel`
    CancelEvent,
    /// `GET /v1.0/users/{mailbox}/calendarView/delta`
    Delta,
    /// `POST /v1.0/$batch`
    Batch,
    /// Anything else (answered 404 or 405 by the emulator).
    Other,
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultRoute {
    /// Every route (a [`FaultKind::DeltaGone`] still only meets delta requests).
    Any,
    Token,
    Places,
    CreateEvent,
    GetEvent,
    UpdateEvent,
    DeleteEvent,
    DeclineEvent,
    CancelEvent,
    Delta,
    /// The `$batch` request itself; its inner requests match their own routes.
    Batch,
}

impl FaultRoute {
    /// Whether a request to `route` is one this fault applies to.
    pub fn matches(self, route: GraphRoute) -> bool {
        let only = match self {
            FaultRoute::Any => return true,
            FaultRoute::Token => GraphRoute::Token,
            FaultRoute::Places => GraphRoute::Places,
            FaultRoute::CreateEvent => GraphRoute::CreateEvent,
            FaultRoute::GetEvent => GraphRoute::GetEvent,
            FaultRoute::UpdateEvent => GraphRoute::UpdateEvent,
            FaultRoute::DeleteEvent => GraphRoute::DeleteEvent,
            FaultRoute::DeclineEvent => GraphRoute::DeclineEvent,
            FaultRoute::CancelEvent => GraphRoute::CancelEvent,
            FaultRoute::Delta => GraphRoute::Delta,
            FaultRoute::Batch => GraphRoute::Batch,
        };
        only == route
    }
}

/// What happens to a request a fault hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// `429 Too Many Requests` with `Retry-After: <retry_after>` (seconds, may be fractional
    /// like the documented `2.128`) and the throttling body of error-429.json. Nothing is done.
    Throttle { retry_after: f64 },
    /// A 500, 502, 503 or 504 with a Graph error body, optionally with `Retry-After` seconds.
    /// Nothing is done.
    ServerError {
        status: u16,
        #[serde(default)]
        retry_after: Option<f64>,
    },
    /// The request is served (its effect applied) and the answer held back for `delay_ms`: a
    /// client that gives up meanwhile leaves the effect behind, as with the real service.
    Slow { delay_ms: u64 },
    /// No answer at all until the client gives up (or the emulator shuts down). Nothing is
    /// done. The request keeps its mailbox's concurrency slot while it hangs.
    Timeout,
    /// The connection is closed without an answer. With `apply_effect` the request is served
    /// first, so the client cannot tell whether its write happened.
    DropConnection {
        #[serde(default)]
        apply_effect: bool,
    },
    /// `410 Gone` with `SyncStateNotFound` for a delta request, whatever its token; unlike
    /// [`crate::graph::GraphEmulator::forget_sync_state`] the tokens stay valid afterwards.
    DeltaGone,
}

/// One injected fault: where, what, and how often.
///
/// JSON (for `POST /admin/faults`): `{"route": "create_event", "kind": "throttle",
/// "retry_after": 2.128, "probability": 0.5, "count": 3}`; `probability` defaults to 1 and a
/// missing `count` means no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub route: FaultRoute,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// The chance (0..=1) that a matching request is hit, rolled with the emulator's seeded RNG.
    #[serde(default = "always")]
    pub probability: f64,
    /// How many requests the fault hits before it is used up; `None` for no limit. Requests
    /// spared by the probability roll do not count.
    #[serde(default)]
    pub count: Option<u32>,
}

fn always() -> f64 {
    1.0
}

impl Fault {
    /// A fault that hits every matching request, without limit.
    pub fn new(route: FaultRoute, kind: FaultKind) -> Fault {
        Fault {
            route,
            kind,
            probability: 1.0,
            count: None,
        }
    }

    /// The same fault, used up after `n` hits.
    pub fn times(mut self, n: u32) -> Fault {
        self.count = Some(n);
        self
    }

    /// The same fault, hitting a matching request with probability `p`.
    pub fn with_probability(mut self, p: f64) -> Fault {
        self.probability = p;
        self
    }

    /// Checks that the fault can happen as described.
    pub fn validate(&self) -> Result<(), FaultError> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(FaultError::Probability(self.probability));
        }
        if self.count == Some(0) {
            return Err(FaultError::ZeroCount);
        }
        let retry_ok = |s: f64| s.is_finite() && s >= 0.0;
        match &self.kind {
            FaultKind::Throttle { retry_after } if !retry_ok(*retry_after) => {
                Err(FaultError::RetryAfter(*retry_after))
            }
            FaultKind::ServerError { status, .. } if ![500, 502, 503, 504].contains(status) => {
                Err(FaultError::Status(*status))
            }
            FaultKind::ServerError {
                retry_after: Some(s),
                ..
            } if !retry_ok(*s) => Err(FaultError::RetryAfter(*s)),
            FaultKind::DeltaGone if !matches!(self.route, FaultRoute::Delta | FaultRoute::Any) => {
                Err(FaultError::DeltaGoneOffDelta)
            }
            _ => Ok(()),
        }
    }

    fn meets(&self, route: GraphRoute) -> bool {
        self.route.matches(route)
            && (route == GraphRoute::Delta || !matches!(self.kind, FaultKind::DeltaGone))
    }
}

/// Why a fault was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    #[error("probability must be between 0 and 1, not {0}")]
    Probability(f64),
    #[error("count must be at least 1 (leave it out for no limit)")]
    ZeroCount,
    #[error("retry_after must be a finite number of seconds >= 0, not {0}")]
    RetryAfter(f64),
    #[error("a server error fault answers 500, 502, 503 or 504, not {0}")]
    Status(u16),
    #[error("delta_gone only applies to the delta route (or any)")]
    DeltaGoneOffDelta,
}

/// The faults in force and the RNG their probabilities are rolled with.
pub(crate) struct Faults {
    list: Vec<Fault>,
    rng: StdRng,
}

impl Faults {
    pub fn new(list: Vec<Fault>, seed: u64) -> Faults {
        Faults {
            list,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn push(&mut self, fault: Fault) {
        self.list.push(fault);
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// The fault that hits a request to `route`, if any; uses up one of its hits.
    pub fn pick(&mut self, route: GraphRoute) -> Option<FaultKind> {
        let index = (0..self.list.len()).find(|&i| {
            let fault = &self.list[i];
            // Roll only for faults that can hit, so unrelated requests leave the sequence alone.
            fault.meets(route)
                && (fault.probability >= 1.0 || self.rng.random::<f64>() < fault.probability)
        })?;
        let fault = &mut self.list[index];
        let kind = fault.kind.clone();
        if let Some(n) = &mut fault.count {
            *n -= 1;
            if *n == 0 {
                self.list.remove(index);
            }
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_is_used_up_and_other_routes_are_spared() {
        let mut faults = Faults::new(
            vec![Fault::new(FaultRoute::CreateEvent, FaultKind::Timeout).times(2)],
            1,
        );
        assert_eq!(faults.pick(GraphRoute::GetEvent), None);
        assert_eq!(
            faults.pick(GraphRoute::CreateEvent),
            Some(FaultKind::Timeout)
        );
        assert_eq!(
            faults.pick(GraphRoute::CreateEvent),
            Some(FaultKind::Timeout)
        );
        assert_eq!(faults.pick(GraphRoute::CreateEvent), None);
    }

    #[test]
    fn the_same_seed_hits_the_same_requests() {
        let run = || {
            let mut f = Faults::new(
                vec![Fault::new(FaultRoute::Any, FaultKind::Timeout).with_probability(0.3)],
                42,
            );
            (0..50)
                .map(|_| f.pick(GraphRoute::GetEvent).is_some())
                .collect::<Vec<_>>()
        };
        let hits = run();
        assert_eq!(hits, run());
        let n = hits.iter().filter(|h| **h).count();
        assert!((5..=25).contains(&n), "{n} hits of 50 at p=0.3");
    }

    #[test]
    fn delta_gone_meets_only_delta_requests() {
        let mut f = Faults::new(vec![Fault::new(FaultRoute::Any, FaultKind::DeltaGone)], 1);
        assert_eq!(f.pick(GraphRoute::GetEvent), None);
        assert_eq!(f.pick(GraphRoute::Delta), Some(FaultKind::DeltaGone));
        assert!(
            Fault::new(FaultRoute::GetEvent, FaultKind::DeltaGone)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn faults_read_from_json_with_defaults() {
        let f: Fault = serde_json::from_value(serde_json::json!({
            "route": "create_event", "kind": "throttle", "retry_after": 2.128
        }))
        .unwrap();
        assert_eq!(
            f,
            Fault::new(
                FaultRoute::CreateEvent,
                FaultKind::Throttle { retry_after: 2.128 }
            )
        );
        assert!(
            Fault::new(
                FaultRoute::Any,
                FaultKind::ServerError {
                    status: 501,
                    retry_after: None
                }
            )
            .validate()
            .is_err()
        );
    }
}
