//! The demo municipality both emulators are seeded with: the same rooms, by the same e-mail
//! addresses, so that RoomBridge can match booking resources to room mailboxes.

/// One room or equipment resource of the demo municipality.
#[derive(Debug, Clone, Copy)]
pub struct DemoResource {
    /// Stable id in the booking system.
    pub id: &'static str,
    pub name: &'static str,
    /// `room` or `equipment`.
    pub kind: &'static str,
    /// The Outlook room (or equipment) mailbox.
    pub email: &'static str,
    pub capacity: u32,
    pub building: &'static str,
}

/// The demo's time zone.
pub const DEMO_ZONE: &str = "Europe/Oslo";

/// Tenant and application the demo's Graph emulator accepts.
pub const DEMO_TENANT: &str = "9d3c8f2e-5a1b-4c6d-8e7f-0a1b2c3d4e5f";
pub const DEMO_CLIENT_ID: &str = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f";

/// The demo municipality's staff with mailboxes of their own, as `(name, address)`: the
/// organizers of the demo's Outlook meetings, and the chief executive. Not resources: an
/// application scoped to the rooms cannot open these.
pub const DEMO_PEOPLE: &[(&str, &str)] = &[
    ("Kari Nordmann", "kari.nordmann@nordvik.kommune.example"),
    ("Ingrid Berg", "ingrid.berg@nordvik.kommune.example"),
    ("Ola Hansen", "ola.hansen@nordvik.kommune.example"),
    ("Siri Dahl", "ceo@nordvik.kommune.example"),
];

/// The demo room whose Exchange calendar processing rewrites subjects and drops bodies (in
/// [`crate::graph::GraphEmulatorConfig::demo`], not in its clean variant).
pub const DEMO_PROCESSING_ROOM: &str = "library-hall@nordvik.kommune.example";

pub const DEMO_RESOURCES: &[DemoResource] = &[
    DemoResource {
        id: "res-town-hall-a",
        name: "Town Hall, Council Chamber",
        kind: "room",
        email: "council-chamber@nordvik.kommune.example",
        capacity: 80,
        building: "Town Hall",
    },
    DemoResource {
        id: "res-town-hall-b",
        name: "Town Hall, Meeting Room Fjord",
        kind: "room",
        email: "fjord@nordvik.kommune.example",
        capacity: 12,
        building: "Town Hall",
    },
    DemoResource {
        id: "res-town-hall-c",
        name: "Town Hall, Meeting Room Skog",
        kind: "room",
        email: "skog@nordvik.kommune.example",
        capacity: 8,
        building: "Town Hall",
    },
    DemoResource {
        id: "res-library-hall",
        name: "Library, Reading Hall",
        kind: "room",
        email: "library-hall@nordvik.kommune.example",
        capacity: 60,
        building: "Library",
    },
    DemoResource {
        id: "res-library-study",
        name: "Library, Study Room",
        kind: "room",
        email: "library-study@nordvik.kommune.example",
        capacity: 6,
        building: "Library",
    },
    DemoResource {
        id: "res-school-gym",
        name: "Nordvik School, Gymnasium",
        kind: "room",
        email: "school-gym@nordvik.kommune.example",
        capacity: 120,
        building: "Nordvik School",
    },
    DemoResource {
        id: "res-school-aud",
        name: "Nordvik School, Auditorium",
        kind: "room",
        email: "school-auditorium@nordvik.kommune.example",
        capacity: 200,
        building: "Nordvik School",
    },
    DemoResource {
        id: "res-school-music",
        name: "Nordvik School, Music Room",
        kind: "room",
        email: "school-music@nordvik.kommune.example",
        capacity: 30,
        building: "Nordvik School",
    },
    DemoResource {
        id: "res-sports-hall-1",
        name: "Sports Hall, Court 1",
        kind: "room",
        email: "sports-court1@nordvik.kommune.example",
        capacity: 40,
        building: "Sports Hall",
    },
    DemoResource {
        id: "res-sports-hall-2",
        name: "Sports Hall, Court 2",
        kind: "room",
        email: "sports-court2@nordvik.kommune.example",
        capacity: 40,
        building: "Sports Hall",
    },
    DemoResource {
        id: "res-culture-stage",
        name: "Culture House, Main Stage",
        kind: "room",
        email: "culture-stage@nordvik.kommune.example",
        capacity: 300,
        building: "Culture House",
    },
    DemoResource {
        id: "res-culture-studio",
        name: "Culture House, Dance Studio",
        kind: "room",
        email: "culture-studio@nordvik.kommune.example",
        capacity: 25,
        building: "Culture House",
    },
    DemoResource {
        id: "res-projector-1",
        name: "Portable Projector 1",
        kind: "equipment",
        email: "projector1@nordvik.kommune.example",
        capacity: 0,
        building: "Town Hall",
    },
    DemoResource {
        id: "res-pa-system",
        name: "PA System",
        kind: "equipment",
        email: "pa-system@nordvik.kommune.example",
        capacity: 0,
        building: "Culture House",
    },
    DemoResource {
        id: "res-minibus",
        name: "Minibus (9 seats)",
        kind: "equipment",
        email: "minibus@nordvik.kommune.example",
        capacity: 9,
        building: "Town Hall",
    },
];
