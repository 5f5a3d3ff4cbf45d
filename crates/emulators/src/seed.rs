//! What an emulator starts with. Shared by both emulators so that `--seed demo` means the same
//! municipality on both sides, and `bulk:50x500` the same benchmark rooms.

/// The initial state of an emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// The demo municipality ([`crate::demo`]) with its reservations over the coming weeks.
    #[default]
    Demo,
    /// The demo resources, but no reservations (or events): for tests that build their own state.
    Empty,
    /// Benchmark rooms instead of the demo municipality: `rooms` rooms named by
    /// [`bench_room_id`], [`bench_room_name`] and [`bench_room_email`]. The booking emulator
    /// holds `per_room` one-hour event reservations per room over the next 300 days; the Graph
    /// emulator holds the room mailboxes and no events (so a first sync creates them all).
    Bulk {
        /// How many rooms, numbered from 1.
        rooms: u32,
        /// Reservations per room in the booking emulator (at most 7,200: one per hour).
        per_room: u32,
    },
}

impl Seed {
    /// Reads a seed name as the CLI spells it (`demo`, `empty`, `bulk:50x500` for 50 rooms
    /// with 500 reservations each).
    pub fn parse(name: &str) -> Option<Seed> {
        match name {
            "demo" => Some(Seed::Demo),
            "empty" => Some(Seed::Empty),
            _ => {
                let (rooms, per_room) = name.strip_prefix("bulk:")?.split_once('x')?;
                Some(Seed::Bulk {
                    rooms: rooms.parse().ok()?,
                    per_room: per_room.parse().ok()?,
                })
            }
        }
    }
}

/// The booking-system id of benchmark room `n` (from 1): `bench-room-001`.
pub fn bench_room_id(n: u32) -> String {
    format!("bench-room-{n:03}")
}

/// The display name of benchmark room `n`: `Bench room 001`.
pub fn bench_room_name(n: u32) -> String {
    format!("Bench room {n:03}")
}

/// The room mailbox of benchmark room `n`: `bench-room-001@bench.example`.
pub fn bench_room_email(n: u32) -> String {
    format!("bench-room-{n:03}@bench.example")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_every_seed_name() {
        assert_eq!(Seed::parse("demo"), Some(Seed::Demo));
        assert_eq!(Seed::parse("empty"), Some(Seed::Empty));
        assert_eq!(
            Seed::parse("bulk:50x500"),
            Some(Seed::Bulk {
                rooms: 50,
                per_room: 500
            })
        );
        assert_eq!(Seed::parse("bulk:50"), None);
        assert_eq!(Seed::parse("bulk:ax1"), None);
        assert_eq!(Seed::parse("other"), None);
    }
}
