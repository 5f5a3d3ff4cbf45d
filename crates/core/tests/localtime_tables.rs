//! The local-time rules as tables: for each zone RoomBridge is tested in and both DST changes of
//! 2026 and 2027, a local time just before, inside and just after the gap or fold, written out by
//! hand with the UTC instant it must resolve to. All-day rows put a one-day reservation on each
//! transition day (23- and 25-hour days).
//!
//! The hand-written rows are themselves checked against Python's `zoneinfo` and the system tzdata,
//! so a wrong row cannot pass silently.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use chrono_tz::{America, Asia, Australia, Europe, Pacific};
use roombridge_core::localtime::{
    Adjustment, FoldChoice, all_day_dates, all_day_instants, local, reservation_instants, resolve,
};

/// What resolving a local time must report.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// The local time names exactly one instant.
    Exact,
    /// Spring forward: the local time does not exist and moves forward by this many minutes.
    Gap(i64),
    /// Fall back: the local time happens twice; the earlier instant is taken.
    Fold,
}

struct Row {
    zone: Tz,
    /// Local wall-clock time, `YYYY-MM-DD HH:MM`.
    local: &'static str,
    /// The UTC instant it resolves to, `YYYY-MM-DD HH:MM`.
    utc: &'static str,
    expect: Expect,
}

const fn row(zone: Tz, local: &'static str, utc: &'static str, expect: Expect) -> Row {
    Row {
        zone,
        local,
        utc,
        expect,
    }
}

use Expect::{Exact, Fold, Gap};

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Europe/Oslo: CET +01:00, CEST +02:00; 02:00 -> 03:00 in March, 03:00 -> 02:00 in October.
    row(Europe::Oslo, "2026-03-29 01:59", "2026-03-29 00:59", Exact),
    row(Europe::Oslo, "2026-03-29 02:30", "2026-03-29 01:30", Gap(60)),
    row(Europe::Oslo, "2026-03-29 03:00", "2026-03-29 01:00", Exact),
    row(Europe::Oslo, "2026-10-25 01:59", "2026-10-24 23:59", Exact),
    row(Europe::Oslo, "2026-10-25 02:30", "2026-10-25 00:30", Fold),
    row(Europe::Oslo, "2026-10-25 03:00", "2026-10-25 02:00", Exact),
    row(Europe::Oslo, "2027-03-28 01:59", "2027-03-28 00:59", Exact),
    row(Europe::Oslo, "2027-03-28 02:30", "2027-03-28 01:30", Gap(60)),
    row(Europe::Oslo, "2027-03-28 03:00", "2027-03-28 01:00", Exact),
    row(Europe::Oslo, "2027-10-31 01:59", "2027-10-30 23:59", Exact),
    row(Europe::Oslo, "2027-10-31 02:30", "2027-10-31 00:30", Fold),
    row(Europe::Oslo, "2027-10-31 03:00", "2027-10-31 02:00", Exact),
    // America/New_York: EST -05:00, EDT -04:00; 02:00 -> 03:00 in March, 02:00 -> 01:00 in
    // November.
    row(America::New_York, "2026-03-08 01:59", "2026-03-08 06:59", Exact),
    row(
        America::New_York,
        "2026-03-08 02:30",
        "2026-03-08 07:30",
        Gap(60),
    ),
    row(America::New_York, "2026-03-08 03:00", "2026-03-08 07:00", Exact),
    row(
        America::New_York,
        "2026-11-01 00:59",
        "2026-11-01 04:59",
        Exact,
    ),
    row(America::New_York, "2026-11-01 01:30", "2026-11-01 05:30", Fold),
    row(
        America::New_York,
        "2026-11-01 02:00",
        "2026-11-01 07:00",
        Exact,
    ),
    row(America::New_York, "2027-03-14 01:59", "2027-03-14 06:59", Exact),
    row(
        America::New_York,
        "2027-03-14 02:30",
        "2027-03-14 07:30",
        Gap(60),
    ),
    row(America::New_York, "2027-03-14 03:00", "2027-03-14 07:00", Exact),
    row(
        America::New_York,
        "2027-11-07 00:59",
        "2027-11-07 04:59",
        Exact,
    ),
    row(America::New_York, "2027-11-07 01:30", "2027-11-07 05:30", Fold),
    row(
        America::New_York,
        "2027-11-07 02:00",
        "2027-11-07 07:00",
        Exact,
    ),
    // Australia/Sydney: AEST +10:00, AEDT +11:00; 03:00 -> 02:00 in April, 02:00 -> 03:00 in
    // October.
    row(Australia::Sydney, "2026-04-05 01:59", "2026-04-04 14:59", Exact),
    row(
        Australia::Sydney,
        "2026-04-05 02:30",
        "2026-04-04 15:30",
        Fold,
    ),
    row(Australia::Sydney, "2026-04-05 03:00", "2026-04-04 17:00", Exact),
    row(
        Australia::Sydney,
        "2026-10-04 01:59",
        "2026-10-03 15:59",
        Exact,
    ),
    row(Australia::Sydney, "2026-10-04 02:30", "2026-10-03 16:30", Gap(60)),
    row(
        Australia::Sydney,
        "2026-10-04 03:00",
        "2026-10-03 16:00",
        Exact,
    ),
    row(Australia::Sydney, "2027-04-04 01:59", "2027-04-03 14:59", Exact),
    row(
        Australia::Sydney,
        "2027-04-04 02:30",
        "2027-04-03 15:30",
        Fold,
    ),
    row(Australia::Sydney, "2027-04-04 03:00", "2027-04-03 17:00", Exact),
    row(
        Australia::Sydney,
        "2027-10-03 01:59",
        "2027-10-02 15:59",
        Exact,
    ),
    row(Australia::Sydney, "2027-10-03 02:30", "2027-10-02 16:30", Gap(60)),
    row(
        Australia::Sydney,
        "2027-10-03 03:00",
        "2027-10-02 16:00",
        Exact,
    ),
    // Asia/Kolkata: IST +05:30 all year, no DST; the same wall-clock times never adjust.
    row(Asia::Kolkata, "2026-03-29 02:30", "2026-03-28 21:00", Exact),
    row(Asia::Kolkata, "2026-10-25 02:30", "2026-10-24 21:00", Exact),
    row(Asia::Kolkata, "2027-03-28 02:30", "2027-03-27 21:00", Exact),
    row(Asia::Kolkata, "2027-10-31 02:30", "2027-10-30 21:00", Exact),
    row(Asia::Kolkata, "2026-11-01 01:30", "2026-10-31 20:00", Exact),
    // Pacific/Chatham: +12:45 standard, +13:45 daylight, changing at 02:45 local standard time:
    // 03:45 -> 02:45 in April (fold 02:45-03:45), 02:45 -> 03:45 in September (gap 02:45-03:45).
    row(Pacific::Chatham, "2026-04-05 02:44", "2026-04-04 12:59", Exact),
    row(
        Pacific::Chatham,
        "2026-04-05 02:45",
        "2026-04-04 13:00",
        Fold,
    ),
    row(Pacific::Chatham, "2026-04-05 03:00", "2026-04-04 13:15", Fold),
    row(
        Pacific::Chatham,
        "2026-04-05 03:45",
        "2026-04-04 15:00",
        Exact,
    ),
    row(Pacific::Chatham, "2026-09-27 02:44", "2026-09-26 13:59", Exact),
    row(
        Pacific::Chatham,
        "2026-09-27 02:45",
        "2026-09-26 14:00",
        Gap(60),
    ),
    row(Pacific::Chatham, "2026-09-27 03:00", "2026-09-26 14:15", Gap(60)),
    row(
        Pacific::Chatham,
        "2026-09-27 03:45",
        "2026-09-26 14:00",
        Exact,
    ),
    row(Pacific::Chatham, "2027-04-04 02:44", "2027-04-03 12:59", Exact),
    row(
        Pacific::Chatham,
        "2027-04-04 02:45",
        "2027-04-03 13:00",
        Fold,
    ),
    row(Pacific::Chatham, "2027-04-04 03:00", "2027-04-03 13:15", Fold),
    row(
        Pacific::Chatham,
        "2027-04-04 03:45",
        "2027-04-03 15:00",
        Exact,
    ),
    row(Pacific::Chatham, "2027-09-26 02:44", "2027-09-25 13:59", Exact),
    row(
        Pacific::Chatham,
        "2027-09-26 02:45",
        "2027-09-25 14:00",
        Gap(60),
    ),
    row(Pacific::Chatham, "2027-09-26 03:00", "2027-09-25 14:15", Gap(60)),
    row(
        Pacific::Chatham,
        "2027-09-26 03:45",
        "2027-09-25 14:00",
        Exact,
    ),
];

/// A one-day all-day reservation on `date` in `zone`.
struct AllDayRow {
    zone: Tz,
    date: &'static str,
    /// Local midnight starting the date, in UTC (`YYYY-MM-DD HH:MM`).
    start_utc: &'static str,
    /// Local midnight starting the next date, in UTC.
    end_utc: &'static str,
    hours: i64,
}

const fn day(
    zone: Tz,
    date: &'static str,
    start_utc: &'static str,
    end_utc: &'static str,
    hours: i64,
) -> AllDayRow {
    AllDayRow {
        zone,
        date,
        start_utc,
        end_utc,
        hours,
    }
}

#[rustfmt::skip]
const ALL_DAY_ROWS: &[AllDayRow] = &[
    day(Europe::Oslo, "2026-03-29", "2026-03-28 23:00", "2026-03-29 22:00", 23),
    day(
        Europe::Oslo,
        "2026-10-25",
        "2026-10-24 22:00",
        "2026-10-25 23:00",
        25,
    ),
    day(Europe::Oslo, "2027-03-28", "2027-03-27 23:00", "2027-03-28 22:00", 23),
    day(
        Europe::Oslo,
        "2027-10-31",
        "2027-10-30 22:00",
        "2027-10-31 23:00",
        25,
    ),
    day(America::New_York, "2026-03-08", "2026-03-08 05:00", "2026-03-09 04:00", 23),
    day(
        America::New_York,
        "2026-11-01",
        "2026-11-01 04:00",
        "2026-11-02 05:00",
        25,
    ),
    day(America::New_York, "2027-03-14", "2027-03-14 05:00", "2027-03-15 04:00", 23),
    day(
        America::New_York,
        "2027-11-07",
        "2027-11-07 04:00",
        "2027-11-08 05:00",
        25,
    ),
    day(Australia::Sydney, "2026-04-05", "2026-04-04 13:00", "2026-04-05 14:00", 25),
    day(
        Australia::Sydney,
        "2026-10-04",
        "2026-10-03 14:00",
        "2026-10-04 13:00",
        23,
    ),
    day(Australia::Sydney, "2027-04-04", "2027-04-03 13:00", "2027-04-04 14:00", 25),
    day(
        Australia::Sydney,
        "2027-10-03",
        "2027-10-02 14:00",
        "2027-10-03 13:00",
        23,
    ),
    day(Asia::Kolkata, "2026-03-29", "2026-03-28 18:30", "2026-03-29 18:30", 24),
    day(
        Asia::Kolkata,
        "2026-10-25",
        "2026-10-24 18:30",
        "2026-10-25 18:30",
        24,
    ),
    day(Pacific::Chatham, "2026-04-05", "2026-04-04 10:15", "2026-04-05 11:15", 25),
    day(
        Pacific::Chatham,
        "2026-09-27",
        "2026-09-26 11:15",
        "2026-09-27 10:15",
        23,
    ),
    day(Pacific::Chatham, "2027-04-04", "2027-04-03 10:15", "2027-04-04 11:15", 25),
    day(
        Pacific::Chatham,
        "2027-09-26",
        "2027-09-25 11:15",
        "2027-09-26 10:15",
        23,
    ),
    // America/Havana changes its clocks at midnight: 00:00 -> 01:00 in March (midnight does not
    // exist; the day starts at 01:00 CDT, the first instant after the gap) and 01:00 -> 00:00 in
    // November (midnight happens twice; the day starts at the first).
    day(America::Havana, "2026-03-08", "2026-03-08 05:00", "2026-03-09 04:00", 23),
    day(
        America::Havana,
        "2026-11-01",
        "2026-11-01 04:00",
        "2026-11-02 05:00",
        25,
    ),
];

fn minute(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    minute(s).and_utc()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn check(row: &Row) {
    let requested = minute(row.local);
    let resolved = resolve(requested, row.zone);
    let what = format!("{} {}", row.zone, row.local);
    assert_eq!(resolved.instant, utc(row.utc), "{what}: instant");
    let adjustment = match row.expect {
        Exact => None,
        Gap(minutes) => Some(Adjustment::Gap {
            requested,
            shifted_by: TimeDelta::minutes(minutes),
        }),
        Fold => Some(Adjustment::Fold {
            requested,
            chose: FoldChoice::Earlier,
        }),
    };
    assert_eq!(resolved.adjustment, adjustment, "{what}: adjustment");
    // The wall clock at the resolved instant is the requested time, moved by the gap if any.
    let shown = match row.expect {
        Gap(minutes) => requested + TimeDelta::minutes(minutes),
        Exact | Fold => requested,
    };
    assert_eq!(
        local(resolved.instant, row.zone),
        shown,
        "{what}: wall clock"
    );
}

fn check_all_day(row: &AllDayRow) {
    let first = date(row.date);
    let next = first.succ_opt().expect("2026 and 2027 have a next day");
    let what = format!("{} all day {}", row.zone, row.date);
    let (start, end) = all_day_instants(first, next, row.zone);
    assert_eq!(start, utc(row.start_utc), "{what}: start");
    assert_eq!(end, utc(row.end_utc), "{what}: end");
    assert_eq!(end - start, TimeDelta::hours(row.hours), "{what}: length");
    assert_eq!(
        all_day_dates(start, end, row.zone),
        Some((first, next)),
        "{what}: read back"
    );
}

#[test]
fn local_times_around_every_transition_resolve_as_tabled() {
    for row in ROWS {
        check(row);
    }
}

#[test]
fn all_day_reservations_on_transition_days_keep_their_dates() {
    for row in ALL_DAY_ROWS {
        check_all_day(row);
    }
}

#[test]
fn all_day_reservations_spanning_a_transition_keep_their_dates() {
    for row in ALL_DAY_ROWS {
        let first = date(row.date).pred_opt().expect("has a previous day");
        let last = date(row.date) + TimeDelta::days(2);
        let (start, end) = all_day_instants(first, last, row.zone);
        assert_eq!(
            end - start,
            TimeDelta::hours(48 + row.hours),
            "{}",
            row.zone
        );
        assert_eq!(all_day_dates(start, end, row.zone), Some((first, last)));
    }
}

#[test]
fn an_all_day_event_read_in_another_zone_is_not_mistaken_for_other_dates() {
    // Graph writes an all-day event as midnights in the event's zone. Read in a zone whose
    // midnights differ, the instants are not whole days; `None` rather than shifted dates.
    let (start, end) = all_day_instants(date("2026-03-29"), date("2026-03-30"), Europe::Oslo);
    assert_eq!(all_day_dates(start, end, America::New_York), None);
    assert_eq!(all_day_dates(start, end, Pacific::Chatham), None);
    assert_eq!(
        all_day_dates(start, end, Europe::Oslo),
        Some((date("2026-03-29"), date("2026-03-30")))
    );
    // Europe/Berlin shares Oslo's midnights: the same dates, never a neighbouring day.
    assert_eq!(
        all_day_dates(start, end, Europe::Berlin),
        Some((date("2026-03-29"), date("2026-03-30")))
    );
}

#[test]
fn all_day_dates_rejects_empty_and_inverted_ranges() {
    let (start, end) = all_day_instants(date("2026-10-25"), date("2026-10-26"), Europe::Oslo);
    assert_eq!(all_day_dates(start, start, Europe::Oslo), None);
    assert_eq!(all_day_dates(end, start, Europe::Oslo), None);
}

#[test]
fn a_reservation_starting_in_the_gap_keeps_its_length() {
    // Oslo 02:30-03:30 on the spring-forward day: the whole hour moves to 03:30-04:30 CEST.
    let (start, end) = reservation_instants(
        minute("2026-03-29 02:30"),
        minute("2026-03-29 03:30"),
        Europe::Oslo,
    );
    assert_eq!(start.instant, utc("2026-03-29 01:30"));
    assert_eq!(end.instant, utc("2026-03-29 02:30"));
    assert_eq!(
        end.adjustment,
        Some(Adjustment::Gap {
            requested: minute("2026-03-29 03:30"),
            shifted_by: TimeDelta::hours(1),
        })
    );
    // 02:30-03:15 would otherwise end before it starts: 03:30-04:15 CEST.
    let (start, end) = reservation_instants(
        minute("2026-03-29 02:30"),
        minute("2026-03-29 03:15"),
        Europe::Oslo,
    );
    assert_eq!(end.instant - start.instant, TimeDelta::minutes(45));
    assert_eq!(local(end.instant, Europe::Oslo), minute("2026-03-29 04:15"));
    // Chatham's gap starts at 02:45: 02:45-03:45 becomes 03:45-04:45 (+13:45).
    let (start, end) = reservation_instants(
        minute("2026-09-27 02:45"),
        minute("2026-09-27 03:45"),
        Pacific::Chatham,
    );
    assert_eq!(start.instant, utc("2026-09-26 14:00"));
    assert_eq!(end.instant, utc("2026-09-26 15:00"));
}

#[test]
fn a_reservation_ending_after_the_gap_keeps_its_ends() {
    // 02:30-05:00 on the Oslo gap day: the start moves to 03:30, the end stays 05:00.
    let (start, end) = reservation_instants(
        minute("2026-03-29 02:30"),
        minute("2026-03-29 05:00"),
        Europe::Oslo,
    );
    assert_eq!(start.instant, utc("2026-03-29 01:30"));
    assert_eq!(end.instant, utc("2026-03-29 03:00"));
    assert_eq!(end.adjustment, None);
}

#[test]
fn a_reservation_across_the_fold_takes_the_first_occurrence_of_its_start() {
    // Oslo 02:30-03:30 on the fall-back day: starts in CEST, ends in CET, two real hours.
    let (start, end) = reservation_instants(
        minute("2026-10-25 02:30"),
        minute("2026-10-25 03:30"),
        Europe::Oslo,
    );
    assert_eq!(start.instant, utc("2026-10-25 00:30"));
    assert_eq!(end.instant, utc("2026-10-25 02:30"));
    assert_eq!(end.adjustment, None);
}

/// Asks Python's `zoneinfo` (system tzdata) for the fold=0 and fold=1 instants of each local
/// time. Returns one `(fold0, fold1)` pair per query, in order.
fn zoneinfo(queries: &[(Tz, NaiveDateTime)]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    const PYTHON: &str = "/usr/bin/python3";
    const SCRIPT: &str = r#"
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
for line in sys.stdin:
    zone, local = line.rstrip("\n").split("\t")
    naive = datetime.strptime(local, "%Y-%m-%d %H:%M")
    out = []
    for fold in (0, 1):
        aware = naive.replace(tzinfo=ZoneInfo(zone), fold=fold)
        out.append(aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M"))
    print("\t".join(out))
"#;
    assert!(
        std::path::Path::new(PYTHON).exists(),
        "{PYTHON} is missing: the local-time tables are cross-checked against Python's zoneinfo; \
         run scripts/install-deps.sh"
    );
    let mut child = Command::new(PYTHON)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start /usr/bin/python3");
    let input: String = queries
        .iter()
        .map(|(zone, at)| format!("{zone}\t{}\n", at.format("%Y-%m-%d %H:%M")))
        .collect();
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write to python");
    let output = child.wait_with_output().expect("python runs");
    assert!(
        output.status.success(),
        "python zoneinfo failed (run scripts/install-deps.sh for tzdata): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<_> = String::from_utf8(output.stdout)
        .expect("python prints text")
        .lines()
        .map(|line| {
            let (fold0, fold1) = line.split_once('\t').expect("two columns");
            (utc(fold0), utc(fold1))
        })
        .collect();
    assert_eq!(answers.len(), queries.len(), "one answer per query");
    answers
}

#[test]
fn the_tables_agree_with_python_zoneinfo() {
    let queries: Vec<_> = ROWS.iter().map(|r| (r.zone, minute(r.local))).collect();
    for (row, (fold0, fold1)) in ROWS.iter().zip(zoneinfo(&queries)) {
        // PEP 495: fold=0 reads a gap with the offset before it and a fold as its first
        // occurrence, which is RoomBridge's rule; fold=1 tells which case it is.
        let expect = if fold0 == fold1 {
            Exact
        } else if fold0 < fold1 {
            Fold
        } else {
            Gap((fold0 - fold1).num_minutes())
        };
        let what = format!("{} {}", row.zone, row.local);
        assert_eq!(
            utc(row.utc),
            fold0,
            "{what}: the row's instant per zoneinfo"
        );
        assert_eq!(
            row.expect, expect,
            "{what}: the row's adjustment per zoneinfo"
        );
    }
}

#[test]
fn the_all_day_tables_agree_with_python_zoneinfo() {
    // Every midnight in the table either exists, happens twice, or is the very start of its gap
    // (Havana), so fold=0 is the first instant of the day.
    let queries: Vec<_> = ALL_DAY_ROWS
        .iter()
        .flat_map(|r| {
            let first = date(r.date);
            let next = first.succ_opt().expect("has a next day");
            [
                (r.zone, first.and_time(chrono::NaiveTime::MIN)),
                (r.zone, next.and_time(chrono::NaiveTime::MIN)),
            ]
        })
        .collect();
    let answers = zoneinfo(&queries);
    for (row, pair) in ALL_DAY_ROWS.iter().zip(answers.chunks(2)) {
        let what = format!("{} all day {}", row.zone, row.date);
        assert_eq!(utc(row.start_utc), pair[0].0, "{what}: start per zoneinfo");
        assert_eq!(utc(row.end_utc), pair[1].0, "{what}: end per zoneinfo");
    }
}
