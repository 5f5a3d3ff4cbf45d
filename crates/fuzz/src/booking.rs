//! Target `booking`: the booking connector's readers (`roombridge_connectors::booking::wire`)
//! as the connector calls them, fed mutations of the booking emulator's own answers: the
//! resource list, change-feed pages, single reservations and problem documents.

use roombridge_connectors::booking::wire;
use serde_json::Value;

use crate::Target;
use crate::emulator;
use crate::mutate;
use crate::rng::Rng;

/// Which reader a sample is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Resources,
    Page,
    Reservation,
    Problem,
}

const KINDS: &[Kind] = &[
    Kind::Resources,
    Kind::Page,
    Kind::Reservation,
    Kind::Problem,
];

#[derive(Debug, Clone)]
pub struct BookingInput {
    pub kind: Kind,
    pub body: Vec<u8>,
    pub retry_after: String,
}

pub struct BookingTarget {
    samples: Vec<(Kind, Value)>,
    values: Vec<Value>,
    raw: Vec<Vec<u8>>,
}

impl Default for BookingTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl BookingTarget {
    /// Reads the samples from a fresh demo emulator, in-process.
    pub fn new() -> Self {
        let samples: Vec<(Kind, Value)> = emulator::sample_answers()
            .into_iter()
            .map(|(path, status, body)| {
                let kind = if status >= 400 {
                    Kind::Problem
                } else if path.ends_with("/resources") {
                    Kind::Resources
                } else if path.contains("/reservations?") || path.ends_with("/reservations") {
                    Kind::Page
                } else {
                    Kind::Reservation
                };
                (kind, body)
            })
            .collect();
        let values = samples.iter().map(|(_, v)| v.clone()).collect();
        let raw = samples
            .iter()
            .map(|(_, v)| v.to_string().into_bytes())
            .collect();
        Self {
            samples,
            values,
            raw,
        }
    }

    /// The kind of each sample the emulator gave.
    pub fn sample_kinds(&self) -> Vec<Kind> {
        self.samples.iter().map(|(k, _)| *k).collect()
    }
}

impl Target for BookingTarget {
    type Input = BookingInput;

    fn generate(&mut self, rng: &mut Rng) -> BookingInput {
        let (kind, body) =
            mutate::pick_and_mutate(rng, &self.samples, KINDS, &self.values, &self.raw);
        let retry_after = mutate::header_value(rng);
        BookingInput {
            kind,
            body,
            retry_after,
        }
    }

    fn run(&mut self, input: &BookingInput) -> Result<(), String> {
        run_input(input);
        Ok(())
    }

    fn describe(&self, input: &BookingInput) -> Vec<u8> {
        format!(
            "kind: {:?}\nretry-after: {:?}\nbody:\n{}\n",
            input.kind,
            input.retry_after,
            String::from_utf8_lossy(&input.body)
        )
        .into_bytes()
    }
}

/// Reads `input` the way `BookingConnector` reads an answer: JSON from the bytes, then each
/// feed item on its own; problem documents and `Retry-After` from text.
pub fn run_input(input: &BookingInput) {
    let _ = wire::retry_after(&input.retry_after);
    match input.kind {
        Kind::Resources => {
            let _ = serde_json::from_slice::<wire::ResourceList>(&input.body);
        }
        Kind::Page => {
            if let Ok(page) = serde_json::from_slice::<wire::Page>(&input.body) {
                for item in page.items {
                    let _ = wire::reservation(item);
                }
            }
        }
        Kind::Reservation => {
            if let Ok(value) = serde_json::from_slice::<Value>(&input.body) {
                let _ = wire::reservation(value);
            }
        }
        Kind::Problem => {
            let _ = wire::problem_text(&String::from_utf8_lossy(&input.body));
        }
    }
}
