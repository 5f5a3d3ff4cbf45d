//! Oracle test for [`expand_rule`]: the booking system's RRULEs, including ones Outlook cannot
//! show, against python-dateutil.
//!
//! dateutil gets the rule with a zone-aware DTSTART (`zoneinfo`, `fold=0`), so it repeats the
//! wall-clock time and Python itself turns each local time into an instant: `fold=0` reads a
//! time in a DST gap with the offset before the gap and takes the earlier instant in a fold,
//! which is our rule. The dateutil side is built to follow `expand_rule`'s documented choices
//! where dateutil differs:
//!
//! - DTSTART is always the first occurrence and counts towards COUNT: dateutil gets an
//!   `rruleset` of `rdate(DTSTART)` plus the rule, with COUNT lowered by one when the rule does
//!   not itself pick DTSTART.
//! - `UNTIL=<date>` on a timed rule keeps that whole local date: dateutil gets the last second of
//!   the date in the zone, as UTC. On an all-day rule a UTC `UNTIL` is read as local time.
//!
//! Cases where the rule picks DTSTART, that `from_rrule` accepts and whose UNTIL means the same
//! in both readings are also expanded with the Outlook-side [`expand`], which must agree.
//!
//! Needs `/usr/bin/python3` with `dateutil` (`scripts/install-deps.sh` installs it). Missing,
//! the test fails; it never skips.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use roombridge_core::When;
use roombridge_core::recurrence::{RecurrenceError, Timing, expand, expand_rule, from_rrule};

const ORACLE: &str = r#"
import sys, json, re
from datetime import datetime, timedelta, timezone
try:
    from zoneinfo import ZoneInfo
    from dateutil.rrule import rrulestr, rruleset
except ImportError:
    sys.exit(3)
UTC = timezone.utc
def z(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
def midnight(d, zone):
    return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)
out = []
for case in json.load(sys.stdin):
    zone = ZoneInfo(case["zone"])
    timed = case["kind"] == "timed"
    rule = case["rrule"]
    m = re.search(r"UNTIL=([0-9TZ]+)", rule)
    if m and timed and len(m.group(1)) == 8:
        last = datetime.strptime(m.group(1), "%Y%m%d") + timedelta(days=1)
        end = midnight(last, zone) - timedelta(seconds=1)
        rule = rule.replace(m.group(0), "UNTIL=" + end.strftime("%Y%m%dT%H%M%SZ"))
    elif m and not timed and m.group(1).endswith("Z"):
        at = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(zone)
        rule = rule.replace(m.group(0), "UNTIL=" + at.strftime("%Y%m%dT%H%M%S"))
    start = datetime.fromisoformat(case["dtstart"])
    if timed:
        start = start.replace(tzinfo=zone)
    rr = rrulestr(rule, dtstart=start)
    matches = next(iter(rr), None) == start
    if not matches and rr._count is not None:
        rr = rr.replace(count=rr._count - 1) if rr._count > 1 else None
    rset = rruleset()
    rset.rdate(start)
    if rr is not None:
        rset.rrule(rr)
    frm = datetime.fromisoformat(case["from"])
    to = datetime.fromisoformat(case["to"])
    found = []
    for at in rset:
        d = at.date()
        if timed:
            s = at.astimezone(UTC)
            e = s + timedelta(seconds=case["length"])
            shown = f"{d} {z(s)} {z(e)}"
        else:
            last = d + timedelta(days=case["days"])
            s, e = midnight(d, zone), midnight(last, zone)
            shown = f"{d} {d} {last}"
        if s >= to + timedelta(days=3):
            break
        if s < to and (e > frm or s >= frm):
            found.append(shown)
    out.append({"matches": matches, "found": found})
json.dump(out, sys.stdout)
"#;

const INSTALL_HINT: &str = "the booking rule oracle needs /usr/bin/python3 with python-dateutil: run scripts/install-deps.sh";

const OSLO: Tz = chrono_tz::Europe::Oslo;
const NEW_YORK: Tz = chrono_tz::America::New_York;

#[derive(Clone, Copy)]
enum First {
    /// Local wall-clock start (never in a DST gap) and length in minutes.
    Timed(&'static str, i64),
    /// First date and number of days.
    AllDay(&'static str, u64),
}

struct Case {
    rrule: &'static str,
    zone: Tz,
    first: First,
    /// Local dates; the window runs from the first's midnight to the second's.
    window: (&'static str, &'static str),
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Midnight at the start of `d` in `zone`, via chrono (not `roombridge_core::localtime`).
fn midnight(zone: Tz, d: NaiveDate) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

impl Case {
    fn first_when(&self) -> When {
        match self.first {
            First::Timed(local, minutes) => {
                let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").unwrap();
                let start = self
                    .zone
                    .from_local_datetime(&local)
                    .earliest()
                    .expect("cases never start in a DST gap")
                    .with_timezone(&Utc);
                When::Timed {
                    start,
                    end: start + chrono::Duration::minutes(minutes),
                }
            }
            First::AllDay(d, days) => When::AllDay {
                start: date(d),
                end: date(d).checked_add_days(Days::new(days)).unwrap(),
            },
        }
    }

    fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            midnight(self.zone, date(self.window.0)),
            midnight(self.zone, date(self.window.1)),
        )
    }

    fn name(&self) -> String {
        format!(
            "{} in {} from {}",
            self.rrule,
            self.zone.name(),
            self.dtstart()
        )
    }

    fn dtstart(&self) -> String {
        match self.first {
            First::Timed(local, _) => format!("{local}:00"),
            First::AllDay(d, _) => format!("{d}T00:00:00"),
        }
    }

    fn oracle_input(&self) -> serde_json::Value {
        let (from, to) = self.window();
        let mut input = serde_json::json!({
            "rrule": self.rrule,
            "zone": self.zone.name(),
            "dtstart": self.dtstart(),
            "from": from.to_rfc3339(),
            "to": to.to_rfc3339(),
        });
        match self.first {
            First::Timed(_, minutes) => {
                input["kind"] = "timed".into();
                input["length"] = (minutes * 60).into();
            }
            First::AllDay(_, days) => {
                input["kind"] = "all_day".into();
                input["days"] = days.into();
            }
        }
        input
    }
}

fn show(date: NaiveDate, when: &When) -> String {
    match when {
        When::Timed { start, end } => format!(
            "{date} {} {}",
            start.format("%Y-%m-%dT%H:%M:%SZ"),
            end.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        When::AllDay { start, end } => format!("{date} {start} {end}"),
    }
}

fn ours(case: &Case) -> Result<Vec<String>, RecurrenceError> {
    let (from, to) = case.window();
    Ok(
        expand_rule(case.rrule, &case.first_when(), case.zone, from, to)?
            .iter()
            .map(|(date, when)| show(*date, when))
            .collect(),
    )
}

/// The Outlook-side reading of the same rule, when `from_rrule` accepts it.
fn outlook_side(case: &Case) -> Option<Vec<String>> {
    let first = case.first_when();
    let (start, timing) = match first {
        When::Timed { start, end } => {
            let local = start.with_timezone(&case.zone).naive_local();
            (
                local.date(),
                Timing::Timed {
                    start_time: local.time(),
                    duration: end - start,
                },
            )
        }
        When::AllDay { start, end } => (
            start,
            Timing::AllDay {
                days: (end - start).num_days() as u32,
            },
        ),
    };
    let series = from_rrule(case.rrule, start, timing, case.zone).ok()?;
    let (from, to) = case.window();
    Some(
        expand(&series, from, to)
            .iter()
            .map(|o| {
                let when = match timing {
                    Timing::Timed { .. } => When::Timed {
                        start: o.start,
                        end: o.end,
                    },
                    Timing::AllDay { days } => When::AllDay {
                        start: o.local_date,
                        end: o
                            .local_date
                            .checked_add_days(Days::new(days.into()))
                            .unwrap(),
                    },
                };
                show(o.local_date, &when)
            })
            .collect(),
    )
}

#[derive(serde::Deserialize)]
struct Oracle {
    /// Whether the rule itself picks DTSTART.
    matches: bool,
    found: Vec<String>,
}

fn dateutil(cases: &[Case]) -> Vec<Oracle> {
    let input: Vec<_> = cases.iter().map(Case::oracle_input).collect();
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{INSTALL_HINT} (could not start it: {e})"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.code() == Some(3) {
        panic!("{INSTALL_HINT} (dateutil or zoneinfo is not importable)");
    }
    assert!(
        output.status.success(),
        "dateutil oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn cases() -> Vec<Case> {
    use First::{AllDay, Timed};
    let oslo = |rrule, first, window| Case {
        rrule,
        zone: OSLO,
        first,
        window,
    };
    let new_york = |rrule, first, window| Case {
        rrule,
        zone: NEW_YORK,
        first,
        window,
    };
    const TWO_YEARS: (&str, &str) = ("2026-01-01", "2028-01-01");
    vec![
        // Several days of the month, counted from either end.
        oslo(
            "FREQ=MONTHLY;BYMONTHDAY=1,15,-1",
            Timed("2026-01-01T18:00", 90),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=MONTHLY;BYMONTHDAY=-2,30;COUNT=20",
            Timed("2026-01-30T08:15", 45),
            TWO_YEARS,
        ),
        // The last weekday of the month; the 2nd and 2nd-last Tuesday or Thursday.
        oslo(
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=14",
            Timed("2026-01-30T17:00", 60),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=MONTHLY;BYDAY=TU,TH;BYSETPOS=2,-2",
            Timed("2026-01-06T09:00", 30),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=SA,SU;BYSETPOS=-1;UNTIL=20270601T000000Z",
            Timed("2026-01-31T10:00", 120),
            TWO_YEARS,
        ),
        // Several numbered weekdays in a month.
        oslo(
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,-1FR;COUNT=10",
            Timed("2026-01-05T12:00", 60),
            TWO_YEARS,
        ),
        // Several months.
        oslo(
            "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
            Timed("2025-10-26T02:30", 60),
            ("2025-10-01", "2029-01-01"),
        ),
        oslo(
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=1,4,7,10;BYMONTHDAY=-1",
            Timed("2026-01-31T16:00", 60),
            ("2026-01-01", "2031-01-01"),
        ),
        new_york(
            "FREQ=YEARLY;BYMONTH=6,7",
            Timed("2026-06-10T09:00", 60),
            ("2026-01-01", "2030-01-01"),
        ),
        new_york(
            "FREQ=DAILY;BYMONTH=3,11;BYDAY=SA,SU;UNTIL=20271107",
            Timed("2026-03-01T01:30", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=MONTHLY;BYMONTH=2,3,4;BYMONTHDAY=29,30,31",
            Timed("2026-02-27T10:00", 60),
            ("2026-01-01", "2029-01-01"),
        ),
        // INTERVAL with WKST: the week start decides which weeks count.
        oslo(
            "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU,SU",
            Timed("2026-01-06T18:00", 90),
            ("2026-01-01", "2026-12-01"),
        ),
        oslo(
            "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TU,SU",
            Timed("2026-01-06T18:00", 90),
            ("2026-01-01", "2026-12-01"),
        ),
        new_york(
            "FREQ=WEEKLY;INTERVAL=3;WKST=SA;BYDAY=SA,SU,MO;COUNT=12",
            Timed("2026-02-28T02:30", 60),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=WEEKLY;INTERVAL=2;WKST=TH;BYDAY=WE,FR;BYSETPOS=1",
            Timed("2026-02-20T07:00", 60),
            ("2026-01-01", "2026-12-31"),
        ),
        // UNTIL as a date (the whole local date counts) and as a UTC time (inclusive).
        oslo(
            "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260326",
            Timed("2026-03-02T23:30", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261025T003000Z",
            Timed("2026-03-01T02:30", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261025T002959Z",
            Timed("2026-03-01T02:30", 60),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261101T053000Z",
            Timed("2026-10-04T01:30", 60),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=DAILY;INTERVAL=3;UNTIL=20260320T150000Z",
            Timed("2026-03-02T11:00", 30),
            TWO_YEARS,
        ),
        // DST gap and fold on the rule's own dates.
        new_york(
            "FREQ=DAILY;COUNT=10",
            Timed("2026-03-04T02:30", 60),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=MONTHLY;BYDAY=SU;BYSETPOS=1,2",
            Timed("2026-01-04T01:30", 60),
            TWO_YEARS,
        ),
        // Odd combinations: Friday the 13th, weekly limited by day of month, year ordinals.
        oslo(
            "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            Timed("2026-02-13T19:00", 120),
            ("2026-01-01", "2031-01-01"),
        ),
        oslo(
            "FREQ=WEEKLY;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=MO",
            Timed("2026-01-05T09:00", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=YEARLY;BYDAY=20MO,-1MO",
            Timed("2026-05-18T09:00", 60),
            ("2026-01-01", "2030-01-01"),
        ),
        oslo(
            "FREQ=YEARLY;BYMONTHDAY=1;BYSETPOS=3,-1",
            Timed("2026-03-01T09:00", 60),
            ("2026-01-01", "2030-01-01"),
        ),
        oslo(
            "FREQ=DAILY;INTERVAL=10;BYMONTHDAY=1,11,21",
            Timed("2026-01-01T06:00", 60),
            TWO_YEARS,
        ),
        // Days that do not exist are skipped.
        oslo(
            "FREQ=YEARLY",
            Timed("2024-02-29T12:00", 60),
            ("2024-01-01", "2033-01-01"),
        ),
        new_york(
            "FREQ=MONTHLY;COUNT=8",
            Timed("2026-01-31T12:00", 60),
            TWO_YEARS,
        ),
        // DTSTART the rule does not pick: still the first occurrence, and it counts.
        oslo(
            "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=4",
            Timed("2026-01-15T10:00", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20250101",
            Timed("2026-01-07T10:00", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            Timed("2026-02-27T10:00", 60),
            ("2026-01-01", "2040-01-01"),
        ),
        new_york(
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=1",
            Timed("2026-01-02T10:00", 60),
            TWO_YEARS,
        ),
        // A window that starts later: COUNT still counts from DTSTART.
        oslo(
            "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=30",
            Timed("2026-01-06T18:00", 90),
            ("2026-03-10", "2026-04-02"),
        ),
        new_york(
            "FREQ=MONTHLY;BYMONTHDAY=1,-1",
            Timed("2026-01-01T23:30", 60),
            ("2026-10-31", "2026-12-01"),
        ),
        // Representable ones, for the cross-check with the Outlook-side expansion.
        oslo(
            "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;COUNT=25",
            Timed("2026-01-05T18:00", 90),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270101T000000Z",
            Timed("2026-01-13T18:00", 60),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=3",
            Timed("2026-03-29T12:00", 60),
            ("2026-01-01", "2030-01-01"),
        ),
        // All-day rules.
        oslo(
            "FREQ=MONTHLY;BYMONTHDAY=1,-1;COUNT=7",
            AllDay("2026-01-31", 1),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=WEEKLY;BYDAY=FR;UNTIL=20261106",
            AllDay("2026-10-02", 3),
            TWO_YEARS,
        ),
        new_york(
            "FREQ=YEARLY;BYMONTH=3,11;BYDAY=2SU;UNTIL=20280312T050000Z",
            AllDay("2026-03-08", 1),
            ("2026-01-01", "2030-01-01"),
        ),
        new_york(
            "FREQ=YEARLY;BYMONTH=3,11;BYDAY=2SU;UNTIL=20280312T045959Z",
            AllDay("2026-03-08", 1),
            ("2026-01-01", "2030-01-01"),
        ),
        oslo(
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
            AllDay("2026-01-02", 2),
            TWO_YEARS,
        ),
        oslo(
            "FREQ=DAILY;INTERVAL=4;BYMONTH=3,10",
            AllDay("2026-03-01", 1),
            ("2026-02-01", "2027-11-01"),
        ),
        oslo(
            "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SA,SU;UNTIL=20260601",
            AllDay("2026-03-14", 1),
            TWO_YEARS,
        ),
    ]
}

#[test]
fn booking_rules_expand_like_dateutil() {
    let cases = cases();
    let oracle = dateutil(&cases);
    assert_eq!(oracle.len(), cases.len());
    let mut failures = Vec::new();
    let mut cross_checked = 0;
    for (case, oracle) in cases.iter().zip(&oracle) {
        let ours = match ours(case) {
            Ok(ours) => ours,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name()));
                continue;
            }
        };
        if ours.is_empty() {
            failures.push(format!("{}: no occurrences at all", case.name()));
        }
        if ours != oracle.found {
            failures.push(format!(
                "{}: ours differs from dateutil\n  ours:     {ours:?}\n  dateutil: {:?}",
                case.name(),
                oracle.found
            ));
        }
        // A date UNTIL means the whole date here and local midnight in `from_rrule`.
        let date_until_on_timed = matches!(case.first, First::Timed(..))
            && case
                .rrule
                .split(';')
                .any(|p| p.strip_prefix("UNTIL=").is_some_and(|v| v.len() == 8));
        if oracle.matches
            && !date_until_on_timed
            && let Some(outlook) = outlook_side(case)
        {
            cross_checked += 1;
            if outlook != ours {
                failures.push(format!(
                    "{}: the Outlook-side expansion differs\n  ours:    {ours:?}\n  outlook: {outlook:?}",
                    case.name()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        cross_checked >= 15,
        "only {cross_checked} cases were cross-checked with the Outlook-side expansion"
    );
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn timed(start: &str, end: &str) -> When {
    When::Timed {
        start: utc(start),
        end: utc(end),
    }
}

#[test]
fn first_occurrence_the_rule_does_not_pick_is_kept_and_counted() {
    let first = timed("2026-01-15T09:00:00Z", "2026-01-15T10:00:00Z");
    let got = expand_rule(
        "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3",
        &first,
        OSLO,
        utc("2026-01-01T00:00:00Z"),
        utc("2027-01-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            (date("2026-01-15"), first),
            (
                date("2026-02-01"),
                timed("2026-02-01T09:00:00Z", "2026-02-01T10:00:00Z")
            ),
            (
                date("2026-03-01"),
                timed("2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z")
            ),
        ]
    );
}

#[test]
fn wall_clock_time_in_a_gap_moves_forward_and_in_a_fold_takes_the_earlier_instant() {
    // Sundays 02:30 Oslo: 29 March has no 02:30 (03:30 CEST instead), 25 October has two.
    let first = timed("2026-03-22T01:30:00Z", "2026-03-22T02:30:00Z");
    let got = expand_rule(
        "FREQ=WEEKLY;BYDAY=SU",
        &first,
        OSLO,
        utc("2026-03-28T00:00:00Z"),
        utc("2026-03-30T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        got,
        vec![(
            date("2026-03-29"),
            timed("2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z")
        )]
    );
    let got = expand_rule(
        "FREQ=WEEKLY;BYDAY=SU",
        &first,
        OSLO,
        utc("2026-10-24T00:00:00Z"),
        utc("2026-10-26T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        got,
        vec![(
            date("2026-10-25"),
            timed("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z")
        )]
    );
}

#[test]
fn rule_without_end_is_bounded_by_the_window() {
    let first = timed("2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z");
    let got = expand_rule(
        "FREQ=DAILY",
        &first,
        OSLO,
        utc("2030-01-01T00:00:00Z"),
        utc("2030-01-11T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(got.len(), 10);
    assert_eq!(got[0].0, date("2030-01-01"));
    // A rule that never picks a date stops at the window's end too.
    let got = expand_rule(
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        &first,
        OSLO,
        utc("2026-01-01T00:00:00Z"),
        utc("2200-01-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(got, vec![(date("2026-01-01"), first)]);
}

#[test]
fn prefix_and_letter_case_do_not_matter() {
    let first = timed("2026-01-06T08:00:00Z", "2026-01-06T09:00:00Z");
    let window = (utc("2026-01-01T00:00:00Z"), utc("2026-03-01T00:00:00Z"));
    let plain = expand_rule(
        "FREQ=WEEKLY;BYDAY=TU,-1FR;COUNT=5",
        &first,
        OSLO,
        window.0,
        window.1,
    );
    assert!(
        plain.is_err(),
        "a weekly rule cannot number its weekdays: {plain:?}"
    );
    let plain = expand_rule("FREQ=WEEKLY;BYDAY=TU", &first, OSLO, window.0, window.1).unwrap();
    let written = expand_rule(
        " RRULE:freq=weekly;byday=tu; ",
        &first,
        OSLO,
        window.0,
        window.1,
    )
    .unwrap();
    assert_eq!(plain.len(), 8);
    assert_eq!(plain, written);
}

#[test]
fn unreadable_rules_are_invalid_with_a_reason() {
    let first = timed("2026-01-06T08:00:00Z", "2026-01-06T09:00:00Z");
    let cases = [
        ("", "FREQ is missing"),
        ("INTERVAL=2", "FREQ is missing"),
        ("FREQ=HOURLY", "FREQ=HOURLY is not supported"),
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not supported"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice"),
        ("FREQ=DAILY;COUNT", "`COUNT` is not NAME=VALUE"),
        ("FREQ=DAILY;COUNT=", "COUNT has no value"),
        (
            "FREQ=DAILY;INTERVAL=0",
            "INTERVAL=0 is not a positive number",
        ),
        ("FREQ=DAILY;COUNT=-1", "COUNT=-1 is not a positive number"),
        (
            "FREQ=DAILY;COUNT=2;UNTIL=20260101",
            "COUNT and UNTIL cannot both be given",
        ),
        ("FREQ=DAILY;UNTIL=20261231T120000", "UNTIL=20261231T120000"),
        ("FREQ=DAILY;UNTIL=20261332", "UNTIL=20261332"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL=TOMORROW"),
        ("FREQ=WEEKLY;BYDAY=2TU", "BYDAY=2TU numbers a weekday"),
        ("FREQ=DAILY;BYDAY=-1FR", "BYDAY=-1FR numbers a weekday"),
        ("FREQ=MONTHLY;BYDAY=XX", "BYDAY entry `XX`"),
        ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY entry `0MO`"),
        ("FREQ=MONTHLY;BYDAY=54MO", "BYDAY entry `54MO`"),
        ("FREQ=MONTHLY;BYDAY=MO,", "BYDAY entry ``"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY entry `32`"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY entry `0`"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH entry `13`"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS entry `0`"),
        ("FREQ=WEEKLY;WKST=XY", "WKST=XY is not a day"),
    ];
    let mut failures = Vec::new();
    for (rule, reason) in cases {
        match expand_rule(
            rule,
            &first,
            OSLO,
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        ) {
            Err(RecurrenceError::Invalid { reason: got }) if got.contains(reason) => {}
            other => failures.push(format!(
                "`{rule}`: expected Invalid with `{reason}`, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
