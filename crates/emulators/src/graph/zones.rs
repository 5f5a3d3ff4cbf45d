//! The Windows zone names Graph accepts in `dateTimeTimeZone` and `Prefer: outlook.timezone`:
//! every name in CLDR's windowsZones table (`data/windowsZones.xml`, read here with a parser of
//! our own), and IANA names. Deliberately separate from the connector's table (the
//! `windows-timezones` crate): the emulator must not share code paths with the client it
//! tests.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono_tz::Tz;

/// CLDR's `windowsZones.xml`, as published (see `data/SOURCES.md`).
const WINDOWS_ZONES_XML: &str = include_str!("../../data/windowsZones.xml");

/// Windows zone name (lower case: Graph reads them in any case) -> its CLDR territory-default
/// ("001") IANA zone.
static WINDOWS: LazyLock<HashMap<String, Tz>> = LazyLock::new(|| windows_table(WINDOWS_ZONES_XML));

/// The `territory="001"` rows of a windowsZones table whose IANA zone chrono-tz knows. A row
/// with a zone chrono-tz lacks is left out (the name then answers 400, as an unknown zone),
/// which the tests rule out for the table in the repository.
fn windows_table(xml: &str) -> HashMap<String, Tz> {
    map_zones(xml)
        .into_iter()
        .filter(|row| row.territory == "001")
        .filter_map(|row| {
            let tz = row.iana.split_whitespace().next()?.parse().ok()?;
            Some((row.windows.to_lowercase(), tz))
        })
        .collect()
}

/// One `<mapZone other=".." territory=".." type=".."/>` element.
#[derive(Debug, PartialEq, Eq)]
struct MapZone {
    windows: String,
    territory: String,
    /// One IANA zone or several, separated by spaces.
    iana: String,
}

/// Every `mapZone` element of the table. The file is CLDR's flat, machine-written XML: no
/// CDATA, no entities in these attributes, so reading elements and their quoted attributes is
/// all it takes. Comments are skipped.
fn map_zones(xml: &str) -> Vec<MapZone> {
    let mut rows = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.split_once("-->").map_or("", |(_, after)| after);
            continue;
        }
        let Some(end) = rest.find('>') else { break };
        let element = &rest[1..end];
        rest = &rest[end + 1..];
        let Some(attributes) = element
            .strip_prefix("mapZone")
            .filter(|a| a.starts_with(char::is_whitespace))
        else {
            continue;
        };
        let (Some(windows), Some(territory), Some(iana)) = (
            attribute(attributes, "other"),
            attribute(attributes, "territory"),
            attribute(attributes, "type"),
        ) else {
            continue;
        };
        rows.push(MapZone {
            windows: windows.to_owned(),
            territory: territory.to_owned(),
            iana: iana.to_owned(),
        });
    }
    rows
}

/// The value of attribute `name` in an element's attribute text (`a="1" b="2"/`).
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    loop {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value_and_rest = &after[1..];
        let close = value_and_rest.find(quote)?;
        if key == name {
            return Some(&value_and_rest[..close]);
        }
        rest = &value_and_rest[close + 1..];
    }
}

/// Reads a zone name as Graph accepts it: a Windows name (any case) or an IANA name.
pub fn resolve(name: &str) -> Option<Tz> {
    let name = name.trim();
    WINDOWS
        .get(&name.to_lowercase())
        .copied()
        .or_else(|| name.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_windows_zone_of_the_cldr_table_has_an_iana_zone() {
        let rows = map_zones(WINDOWS_ZONES_XML);
        assert_eq!(rows.len(), 500, "the mapZone rows of the table");
        let golden: Vec<&MapZone> = rows.iter().filter(|r| r.territory == "001").collect();
        assert_eq!(golden.len(), 139);
        let missing: Vec<&str> = golden
            .iter()
            .filter(|r| resolve(&r.windows).is_none())
            .map(|r| r.windows.as_str())
            .collect();
        assert!(missing.is_empty(), "no IANA zone for {missing:?}");
        assert_eq!(WINDOWS.len(), 139);
    }

    #[test]
    fn windows_names_resolve_to_their_territory_default_and_iana_names_to_themselves() {
        for (windows, iana) in [
            ("AUS Eastern Standard Time", "Australia/Sydney"),
            ("Pacific SA Standard Time", "America/Santiago"),
            ("Lord Howe Standard Time", "Australia/Lord_Howe"),
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("w. europe standard time", "Europe/Berlin"),
            ("UTC", "Etc/UTC"),
            ("Dateline Standard Time", "Etc/GMT+12"),
            ("Europe/Oslo", "Europe/Oslo"),
        ] {
            assert_eq!(
                resolve(windows).map(|tz| tz.name()),
                Some(iana),
                "{windows}"
            );
        }
        assert_eq!(resolve("Mars Standard Time"), None);
        assert_eq!(resolve("tzone://Microsoft/Custom"), None);
    }

    #[test]
    fn the_parser_reads_attributes_in_any_order_and_skips_comments() {
        let xml = r#"<a><!-- <mapZone other="No" territory="001" type="Etc/UTC"/> -->
            <mapZone type="Europe/Oslo" territory='001' other="X Standard Time"/>
            <mapTimezones otherVersion="1"></mapTimezones></a>"#;
        assert_eq!(
            map_zones(xml),
            vec![MapZone {
                windows: "X Standard Time".into(),
                territory: "001".into(),
                iana: "Europe/Oslo".into()
            }]
        );
    }
}
