//! A CSV export opens right in a spreadsheet program in a Norwegian locale: LibreOffice imports
//! it with `;` between fields, as its import does in a Norwegian locale, and every cell comes out
//! as RoomBridge wrote it: "Å" stays "Å", the byte-order mark (which Excel needs to read the
//! file as UTF-8) does not end up in the first cell, and a comma, a quote or a line break inside
//! a title stays inside its cell.
//!
//! Needs LibreOffice (`soffice`, Debian's libreoffice-calc-nogui; scripts/install-deps.sh
//! installs it).

use std::process::Command;

mod support {
    pub mod csv;
}

use chrono::{DateTime, Utc};
use roombridge_app::export::{CSV_COLUMNS, ExportFormat, export_at};
use roombridge_app::query::HistoryQuery;
use roombridge_app::settings::Lang;
use roombridge_core::{Mailbox, ResourceId, RoomId, Side};
use roombridge_store::Store;
use roombridge_store::history::{HistoryKind, NewEntry, Outcome, append};
use roombridge_store::rooms::{self, Room};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A store with a Norwegian room and rows whose titles need quoting.
fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    store
        .write(|c| {
            rooms::upsert(
                c,
                &Room {
                    id: RoomId::new("gym"),
                    name: "Gymsal, Åsen skole".into(),
                    kind: "room".into(),
                    mailbox: Mailbox::new("gymsal@asen.kommune.example"),
                    resource: ResourceId::new("gym"),
                    time_zone: "Europe/Oslo".into(),
                    paused: false,
                },
                at("2026-03-01T08:00:00Z"),
            )?;
            let titles = [
                "Håndball, jenter 12 år",
                "Styremøte \"budsjett\"; økonomi",
                "Korøvelse\nandre linje",
            ];
            for (i, title) in titles.iter().enumerate() {
                append(
                    c,
                    &NewEntry {
                        room: RoomId::new("gym"),
                        cycle: 1,
                        kind: HistoryKind::DeclineEvent,
                        side: Some(Side::Calendar),
                        outcome: Outcome::Ok,
                        title: (*title).into(),
                        detail: "Rommet avslo møtet.".into(),
                        words: None,
                    },
                    at("2026-03-01T10:00:00Z") + chrono::Duration::minutes(i as i64),
                )?;
            }
            Ok(())
        })
        .unwrap();
    store
}

fn soffice(dir: &std::path::Path, args: &[&str]) {
    let profile = format!("file://{}", dir.join("profile").display());
    let out = Command::new("soffice")
        .args([
            "--headless",
            "--norestore",
            &format!("-env:UserInstallation={profile}"),
        ])
        .args(args)
        .current_dir(dir)
        // A desktop's UTF-8 locale (C.UTF-8 is on every machine; nb_NO.UTF-8 may not be).
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect(
            "LibreOffice (soffice) runs: install libreoffice-calc-nogui (scripts/install-deps.sh)",
        );
    assert!(
        out.status.success(),
        "soffice {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_norwegian_csv_export_opens_cell_for_cell_in_libreoffice() {
    let store = store();
    let export = export_at(
        &store,
        &HistoryQuery::default(),
        ExportFormat::Csv,
        Lang::Nb,
        at("2026-03-02T08:00:00Z"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("export.csv"), &export.text).unwrap();

    // Opened as a Norwegian spreadsheet opens it (`;`, system character set), saved as a
    // workbook, and written back out as UTF-8 CSV to read its cells.
    soffice(
        dir.path(),
        &[
            "--infilter=CSV:59,34,SYSTEM,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            "xlsx",
            "export.csv",
        ],
    );
    soffice(
        dir.path(),
        &[
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            "back",
            "xlsx/export.xlsx",
        ],
    );
    let back = std::fs::read_to_string(dir.path().join("back/export.csv")).unwrap();
    let cells = support::csv::parse(&back, ',');

    let header: Vec<String> = CSV_COLUMNS.iter().map(|k| Lang::Nb.tr(k, &[])).collect();
    assert_eq!(cells[0], header);
    assert_eq!(cells.len(), 4, "{back}");
    assert!(cells.iter().all(|r| r.len() == CSV_COLUMNS.len()), "{back}");
    assert_eq!(cells[1][4], "Gymsal, Åsen skole");
    assert_eq!(cells[1][6], "Avslo Outlook-møtet");
    assert_eq!(cells[1][9], "Håndball, jenter 12 år");
    assert_eq!(cells[2][9], "Styremøte \"budsjett\"; økonomi");
    assert_eq!(cells[3][9], "Korøvelse\nandre linje");
    assert_eq!(cells[1][10], "Rommet avslo møtet.");
    // The room's own time, which a spreadsheet reads as a date and time.
    assert_eq!(cells[1][1], "2026-03-01 11:00:00");
}
