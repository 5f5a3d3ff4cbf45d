//! The Windows <-> IANA table against CLDR's own `windowsZones.xml` (tests/fixtures/tz): every
//! territory-default ("001") row and every IANA zone any row lists round-trips as
//! `graph::zones` claims.

use std::path::PathBuf;

use chrono_tz::Tz;
use roombridge_connectors::graph::zones;

/// (Windows name, territory, IANA zones) for every `mapZone` row.
fn cldr_rows() -> Vec<(String, String, Vec<String>)> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tz/windowsZones.xml");
    let xml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let attr = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let len = tag[start..].find('"').unwrap();
        tag[start..start + len].to_owned()
    };
    xml.split("<mapZone ")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find("/>").unwrap()];
            (
                attr(tag, "other"),
                attr(tag, "territory"),
                attr(tag, "type")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            )
        })
        .collect()
}

/// A room zone that no row of `windows` lists, so the hint cannot decide.
fn unrelated_hint(windows: &str) -> Tz {
    if windows == "Tokyo Standard Time" {
        chrono_tz::Europe::Oslo
    } else {
        chrono_tz::Asia::Tokyo
    }
}

#[test]
fn every_territory_default_maps_a_windows_name_to_its_cldr_zone() {
    let rows = cldr_rows();
    assert!(rows.len() >= 450, "read {} rows", rows.len());
    let defaults: Vec<_> = rows.iter().filter(|(_, t, _)| t == "001").collect();
    assert!(defaults.len() >= 130, "{} defaults", defaults.len());
    let mut wrong = Vec::new();
    for (windows, _, iana) in defaults {
        let expected = &iana[0];
        let got = zones::to_iana(windows, unrelated_hint(windows)).map(|z| z.name());
        if got != Some(expected.as_str()) || zones::default_iana(windows) != Some(expected) {
            wrong.push(format!("{windows}: CLDR {expected}, ours {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_listed_iana_zone_maps_to_its_windows_name_and_back() {
    let mut wrong = Vec::new();
    for (windows, _, iana) in cldr_rows() {
        for zone in iana {
            let Ok(tz) = zone.parse::<Tz>() else {
                wrong.push(format!("{zone} is not in chrono-tz"));
                continue;
            };
            if zones::to_windows(&zone) != Some(windows.as_str()) {
                wrong.push(format!(
                    "{zone}: CLDR {windows}, ours {:?}",
                    zones::to_windows(&zone)
                ));
            }
            // A room in `zone` reads its own Windows name back as `zone`.
            if zones::to_iana(&windows, tz) != Some(tz) {
                wrong.push(format!(
                    "{windows} with hint {zone} read as {:?}",
                    zones::to_iana(&windows, tz)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn iana_names_pass_through_and_unknown_names_are_refused() {
    let oslo = chrono_tz::Europe::Oslo;
    assert_eq!(
        zones::to_iana("Europe/Paris", oslo),
        Some(chrono_tz::Europe::Paris)
    );
    assert_eq!(zones::to_iana("W. Europe Standard Time", oslo), Some(oslo));
    assert_eq!(zones::to_iana("Mars Standard Time", oslo), None);
    assert_eq!(zones::to_windows("Mars/Olympus_Mons"), None);
}
