//! What an emulator starts with. Shared by both emulators so that `--seed demo` means the same
//! municipality on both sides.

/// The initial state of an emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// The demo municipality ([`crate::demo`]) with its reservations over the coming weeks.
    #[default]
    Demo,
    /// The demo resources, but no reservations (or events): for tests that build their own state.
    Empty,
}

impl Seed {
    /// Reads a seed name as the CLI spells it (`demo`, `empty`).
    pub fn parse(name: &str) -> Option<Seed> {
        match name {
            "demo" => Some(Seed::Demo),
            "empty" => Some(Seed::Empty),
            _ => None,
        }
    }
}
