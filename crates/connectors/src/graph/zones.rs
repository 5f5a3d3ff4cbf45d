//! Windows <-> IANA zone names, from CLDR's `windowsZones.xml` through the `windows-timezones`
//! crate (the table is generated from CLDR; `tests/zones.rs` checks it against the copy in
//! `shared/fixtures/tz`).
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
            if WindowsTimezone::try_from(hint) == Ok(windows) {
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
    WindowsTimezone::try_from(zone)
        .ok()
        .map(WindowsTimezone::name)
}

/// The CLDR territory-default ("001") IANA zone for a Windows zone name.
pub fn default_iana(windows: &str) -> Option<&'static str> {
    windows
        .trim()
        .parse::<WindowsTimezone>()
        .ok()
        .map(WindowsTimezone::tzdb_id)
}
