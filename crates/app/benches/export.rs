//! The audit history's export at a municipality's scale: 1,000,000 rows, exported as CSV and
//! as JSON Lines the way `roombridge audit export` and the server's download do (written as
//! they are read). Prints the time and the process's peak memory next to the goals of issue
//! 15 (≤ 5 s, ≤ 100 MiB); asserts nothing.
//!
//! `cargo bench -p roombridge-app --bench export` (release build; about two minutes).

use std::time::Instant;

use chrono::Utc;
use roombridge_app::export::{ExportFormat, export_filter, write_rows};
use roombridge_app::query::HistoryQuery;
use roombridge_app::settings::Lang;
use roombridge_core::RoomId;
use roombridge_core::i18n::Words;
use roombridge_store::Store;
use roombridge_store::history::{self, HistoryKind, NewEntry, Outcome};

const ROWS: i64 = 1_000_000;

/// The process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.sqlite")).expect("store");
    let start = Utc::now() - chrono::Duration::days(365);
    let step = chrono::Duration::days(365) / ROWS as i32;
    store
        .write(|c| {
            for i in 0..ROWS {
                let entry = NewEntry {
                    room: RoomId::new(format!("room-{}", i % 50)),
                    cycle: i / 50,
                    kind: HistoryKind::CreateEvent,
                    side: None,
                    outcome: Outcome::Ok,
                    title: format!("Choir practice, \"hall\" #{i}"),
                    detail: "New in the booking system; added to the Outlook room calendar.".into(),
                    // As the engine keeps them: a Norwegian CSV says these.
                    words: Some(
                        Words::new("reason.details")
                            .sentences("parts", vec![Words::new("reason.create_event")]),
                    ),
                };
                history::append(c, &entry, start + step * i as i32)?;
            }
            Ok(())
        })
        .expect("fill");
    drop(store);
    println!(
        "history export: {ROWS} rows; peak memory after writing them {:.0} MiB",
        peak_mib()
    );
    let store = Store::open(&dir.path().join("bench.sqlite")).expect("store");
    let filter = export_filter(&HistoryQuery::default()).expect("filter");
    for format in [ExportFormat::Csv, ExportFormat::Jsonl] {
        let path = dir.path().join("export");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("file"));
        let t = Instant::now();
        let rows = store
            .read(|c| write_rows(c, &filter, format, Lang::Nb, &mut file))
            .expect("export");
        let seconds = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "  {format:?}: {rows} rows, {:.0} MiB, {seconds:.2} s (goal ≤ 5 s); peak memory {:.0} MiB (goal ≤ 100 MiB)",
            size as f64 / 1048576.0,
            peak_mib()
        );
    }
}
