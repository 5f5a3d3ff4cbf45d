//! The booking contract's conformance kit: `roombridge conformance booking --url URL` checks a
//! vendor's implementation of `docs/booking-api.yaml` against every behaviour RoomBridge relies
//! on, from outside, over HTTP. Each check prints a line; one that fails says what came back and
//! what to fix. See `docs/conformance.md` for vendors.
//!
//! The kit writes: it creates a few reservations on one resource, far in the future (about 500
//! days ahead, titled "RoomBridge conformance check"), changes them, and cancels every one it
//! made before it ends (the contract has no deletion). Run it against a test installation or a
//! resource set aside for it.

mod checks;
mod client;

use std::fmt;

pub use checks::Check;

/// What to check.
pub struct Options {
    /// The API's base address, e.g. `https://booking.example/api/v1`.
    pub url: String,
    pub api_key: String,
    /// The resource to write test reservations on; the first room if none.
    pub resource: Option<String>,
}

/// Why a check failed: what came back, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub found: String,
    pub fix: String,
}

impl Problem {
    pub fn new(found: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            found: found.into(),
            fix: fix.into(),
        }
    }
}

/// One check's result.
pub struct Outcome {
    pub check: Check,
    pub result: Result<(), Problem>,
}

/// Every check's result, in the order they ran.
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.outcomes.iter().all(|o| o.result.is_ok())
    }

    /// The checks that failed.
    pub fn failed(&self) -> Vec<Check> {
        self.outcomes
            .iter()
            .filter(|o| o.result.is_err())
            .map(|o| o.check)
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in &self.outcomes {
            let check = outcome.check;
            match &outcome.result {
                Ok(()) => writeln!(f, "ok    {:<14} {}", check.name(), check.about())?,
                Err(problem) => {
                    writeln!(f, "FAIL  {:<14} {}", check.name(), check.about())?;
                    writeln!(f, "      found: {}", problem.found)?;
                    writeln!(f, "      fix:   {}", problem.fix)?;
                }
            }
        }
        let failed = self.failed().len();
        write!(
            f,
            "{} passed, {} failed",
            self.outcomes.len() - failed,
            failed
        )
    }
}

/// Runs every check against the API `options` name.
pub async fn run(options: &Options) -> Report {
    checks::run_all(options).await
}
