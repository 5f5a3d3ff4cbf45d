//! `roombridge audit export` on a database that a real demo cycle wrote.

use std::process::Command;

fn roombridge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(args)
        // An English system: the CSV's headers and separator follow the system's language.
        .env("LC_ALL", "en_GB.UTF-8")
        .env("LANGUAGE", "en_GB")
        .output()
        .expect("run roombridge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// CSV records (RFC 4180: a CRLF inside quotes belongs to the field).
fn csv_records(text: &str) -> usize {
    let mut quoted = false;
    let mut records = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\r' if !quoted && chars.peek() == Some(&'\n') => records += 1,
            _ => {}
        }
    }
    records
}

#[test]
fn audit_export_writes_the_filtered_history_as_csv_and_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = roombridge(&["sync", "--once", "--demo", "--data-dir", data]);
    assert!(ok, "stdout:\n{out}\nstderr:\n{err}");

    // Everything, as JSON Lines on standard output: one object per row, chained.
    let (ok, all, err) = roombridge(&[
        "audit",
        "export",
        "--format",
        "jsonl",
        "--demo",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    let all: Vec<serde_json::Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(all.len() > 1, "the demo cycle wrote history");
    for pair in all.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let room = all[0]["room"].as_str().unwrap().to_owned();
    let in_room = all.iter().filter(|r| r["room"] == room.as_str()).count();
    assert!(in_room < all.len(), "the demo has history in several rooms");

    // One room, as CSV into a file.
    let file = dir.path().join("gym.csv");
    let (ok, _, err) = roombridge(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--room",
        &room,
        "--out",
        file.to_str().unwrap(),
        "--demo",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains(&format!("Wrote {in_room} entries")), "{err}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(
        csv.starts_with(
            "\u{feff}No.,Time,Time zone,Time (UTC),Room,Room id,What happened,Where,Outcome,Title,Details,Hash (audit chain)\r\n"
        ),
        "{csv}"
    );
    assert_eq!(csv_records(&csv), in_room + 1);

    // Filters combine: the room's successful create_event rows only.
    let (ok, some, err) = roombridge(&[
        "audit",
        "export",
        "--format",
        "jsonl",
        "--room",
        &room,
        "--kind",
        "create_event",
        "--outcome",
        "ok",
        "--demo",
        "--data-dir",
        data,
    ]);
    assert!(ok, "{err}");
    let expected = all
        .iter()
        .filter(|r| {
            r["room"] == room.as_str() && r["kind"] == "create_event" && r["outcome"] == "ok"
        })
        .count();
    assert_eq!(some.lines().count(), expected);
}

#[test]
fn audit_export_refuses_a_bad_filter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) = roombridge(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--outcome",
        "maybe",
        "--demo",
        "--data-dir",
        data,
    ]);
    assert!(!ok);
    assert!(err.contains("outcome"), "{err}");
}
