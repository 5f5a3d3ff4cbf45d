//! Windows <-> IANA zone names, from CLDR's `windowsZones.xml` through the `windows-timezones`
//! crate (the table is generated from CLDR; `tests/zones.rs` checks it against the copy in
//! `tests/fixtures/tz`).
//!
//! A Windows zone stands for several IANA zones with the same rules ("W. Europe Standard Time"
//! is Berlin, Oslo, Rome...). CLDR names one of them the territory default ("001"); the others
//! are listed per territory.

use chrono_tz::Tz;
use windows_timezones::WindowsTimezone;

/// The IANA zone for a zone name as Graph returns it (Windows or IANA). Of the IANA zones a
/// Windows name stands for, `hint` (the room's zone) wins when it is one of them, so a room in
/// Oslo reads "W. Europe Standard Time" back as Europe/Oslo; otherwise the CLDR territory
/// default ("001"). `None` for a name that is neither.
pub fn to_iana(name: &str, hint: Tz) -> Option<Tz> {
    let name = name.trim();
    match name.parse::<WindowsTimezone>() {
        Ok(windows) => {
            if windows_of(hint) == Some(windows) {
                Some(hint)
            } else {
                Some(Tz::from(windows))
            }
        }
        Err(_) => name.parse().ok(),
    }
}

/// The Windows name for an IANA zone: the Windows zone whose CLDR rows list it. `None` for a
/// name that is not an IANA zone or that no Windows zone covers.
pub fn to_windows(iana: &str) -> Option<&'static str> {
    let zone: Tz = iana.trim().parse().ok()?;
    windows_of(zone).map(WindowsTimezone::name)
}

/// IANA zones that older CLDR tables still list but the crate's newer table has dropped
/// because tzdb made them links, with the zone they now link to. Rooms configured with the old
/// name keep working.
const RETIRED: &[(&str, &str)] = &[
    // tzdb 2024b, CLDR 46.
    ("Asia/Choibalsan", "Asia/Ulaanbaatar"),
];

/// The Windows zone whose CLDR rows list `zone`.
fn windows_of(zone: Tz) -> Option<WindowsTimezone> {
    WindowsTimezone::try_from(zone).ok().or_else(|| {
        let (_, now) = RETIRED.iter().find(|(old, _)| *old == zone.name())?;
        WindowsTimezone::try_from(now.parse::<Tz>().ok()?).ok()
    })
}

/// The CLDR territory-default ("001") IANA zone for a Windows zone name.
pub fn default_iana(windows: &str) -> Option<&'static str> {
    windows
        .trim()
        .parse::<WindowsTimezone>()
        .ok()
        .map(WindowsTimezone::tzdb_id)
}
