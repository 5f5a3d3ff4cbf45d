//! The emulator's own small Windows <-> IANA zone table (Graph speaks Windows zone names, but
//! also accepts IANA names). Deliberately separate from the connector's table: the emulator
//! must not share code paths with the client it tests.

use chrono_tz::Tz;

/// Windows zone name and its CLDR "001" (golden) IANA zone, from CLDR windowsZones.xml.
const WINDOWS: &[(&str, &str)] = &[
    ("UTC", "Etc/UTC"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("GMT Standard Time", "Europe/London"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central Standard Time", "America/Chicago"),
    ("Eastern Standard Time", "America/New_York"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
];

/// Reads a zone name as Graph accepts it: a Windows name or an IANA name.
pub fn resolve(name: &str) -> Option<Tz> {
    let name = name.trim();
    if let Some((_, iana)) = WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(name)) {
        return iana.parse().ok();
    }
    name.parse().ok()
}
