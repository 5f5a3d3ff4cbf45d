//! Windows <-> IANA zone names for the zones RoomBridge's rooms use (CLDR windowsZones.xml).
//! A later issue replaces this with the full CLDR table; until then an unknown Windows name is
//! an unreadable event rather than a guess.

use chrono_tz::Tz;

/// Windows zone name, then its IANA zones: the CLDR "001" (golden) zone first, then the
/// territory zones that share the Windows zone's rules.
const TABLE: &[(&str, &[&str])] = &[
    ("UTC", &["Etc/UTC", "UTC", "Etc/GMT"]),
    (
        "W. Europe Standard Time",
        &[
            "Europe/Berlin",
            "Europe/Oslo",
            "Europe/Stockholm",
            "Europe/Amsterdam",
            "Europe/Vienna",
            "Europe/Zurich",
            "Europe/Rome",
            "Europe/Luxembourg",
            "Europe/Malta",
            "Europe/Monaco",
            "Arctic/Longyearbyen",
        ],
    ),
    (
        "Romance Standard Time",
        &[
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Copenhagen",
            "Europe/Madrid",
        ],
    ),
    (
        "Central Europe Standard Time",
        &[
            "Europe/Budapest",
            "Europe/Prague",
            "Europe/Belgrade",
            "Europe/Bratislava",
            "Europe/Ljubljana",
        ],
    ),
    (
        "GMT Standard Time",
        &["Europe/London", "Europe/Dublin", "Europe/Lisbon"],
    ),
    (
        "FLE Standard Time",
        &[
            "Europe/Kiev",
            "Europe/Helsinki",
            "Europe/Riga",
            "Europe/Sofia",
            "Europe/Tallinn",
            "Europe/Vilnius",
        ],
    ),
    (
        "Pacific Standard Time",
        &["America/Los_Angeles", "America/Vancouver"],
    ),
    (
        "Mountain Standard Time",
        &["America/Denver", "America/Edmonton"],
    ),
    (
        "Central Standard Time",
        &["America/Chicago", "America/Winnipeg"],
    ),
    (
        "Eastern Standard Time",
        &["America/New_York", "America/Toronto"],
    ),
    ("Tokyo Standard Time", &["Asia/Tokyo"]),
];

/// The IANA zone for a zone name as Graph returns it (Windows or IANA). Of the IANA zones a
/// Windows name stands for, `hint` (the room's zone) wins when it is one of them, so a room in
/// Oslo reads "W. Europe Standard Time" back as Europe/Oslo; otherwise the CLDR golden zone.
pub fn to_iana(name: &str, hint: Tz) -> Option<Tz> {
    let name = name.trim();
    if let Some((_, zones)) = TABLE.iter().find(|(w, _)| w.eq_ignore_ascii_case(name)) {
        if zones.contains(&hint.name()) {
            return Some(hint);
        }
        return zones.first().and_then(|z| z.parse().ok());
    }
    name.parse().ok()
}

/// The Windows name for an IANA zone, if the table knows it.
pub fn to_windows(iana: &str) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(_, zones)| zones.contains(&iana))
        .map(|(w, _)| *w)
}
