//! Oracle test: our expansion against python-dateutil's `rrule`, for every pattern type and
//! every range type.
//!
//! Each case is expanded three ways and the local start date-times must match exactly:
//! our [`expand`], dateutil on the RRULE [`to_rrule`] writes, and dateutil on an RRULE written
//! by hand here (so a wrong `to_rrule` cannot agree with itself). The hand-written rule also goes
//! through [`from_rrule`] and must expand the same. dateutil gets a floating (naive) DTSTART, so
//! it yields wall-clock times: the same as ours outside DST gaps, which the cases avoid.
//!
//! Needs `/usr/bin/python3` with `dateutil` (`scripts/install-deps.sh` installs it). Missing,
//! the test fails; it never skips.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use roombridge_core::recurrence::{
    DayOfWeek, Pattern, Range, Series, Timing, WeekIndex, expand, from_rrule, to_rrule,
};

const ORACLE: &str = r#"
import sys, json
from datetime import datetime
try:
    from dateutil.rrule import rrulestr
except ImportError:
    sys.exit(3)
out = []
for case in json.load(sys.stdin):
    start = datetime.fromisoformat(case["dtstart"])
    limit = datetime.fromisoformat(case["limit"])
    found = []
    for at in rrulestr(case["rrule"], dtstart=start):
        if at >= limit:
            break
        found.append(at.strftime("%Y-%m-%dT%H:%M:%S"))
    out.append(found)
json.dump(out, sys.stdout)
"#;

const INSTALL_HINT: &str = "the recurrence oracle needs /usr/bin/python3 with python-dateutil: run scripts/install-deps.sh";

/// Runs dateutil on `(rrule, dtstart, limit)` triples; returns each rule's local start times.
fn dateutil(rules: &[(String, String, String)]) -> Vec<Vec<String>> {
    let input: Vec<_> = rules
        .iter()
        .map(|(rrule, dtstart, limit)| {
            serde_json::json!({"rrule": rrule, "dtstart": dtstart, "limit": limit})
        })
        .collect();
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
        panic!("{INSTALL_HINT} (dateutil is not importable)");
    }
    assert!(
        output.status.success(),
        "dateutil oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn local_midnight_utc(zone: Tz, d: NaiveDate) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// One pattern, tried with each range type. `hand` is the pattern part of the RRULE, written
/// by hand; `until` / `count` are the hand-written range parts.
struct PatternCase {
    name: &'static str,
    pattern: Pattern,
    start: NaiveDate,
    timing: Timing,
    zone: Tz,
    hand: &'static str,
    end: NaiveDate,
    count: u32,
}

fn timed(h: u32, m: u32) -> Timing {
    Timing::Timed {
        start_time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
        duration: Duration::minutes(90),
    }
}

const OSLO: Tz = chrono_tz::Europe::Oslo;
const CHATHAM: Tz = chrono_tz::Pacific::Chatham;

fn pattern_cases() -> Vec<PatternCase> {
    use DayOfWeek::*;
    let case = |name, pattern, start, hand, end, count| PatternCase {
        name,
        pattern,
        start,
        timing: timed(18, 0),
        zone: OSLO,
        hand,
        end,
        count,
    };
    let mut cases = vec![
        case(
            "daily",
            Pattern::Daily { interval: 1 },
            date(2026, 1, 1),
            "FREQ=DAILY",
            date(2026, 4, 2),
            40,
        ),
        case(
            "every third day across DST",
            Pattern::Daily { interval: 3 },
            date(2026, 3, 20),
            "FREQ=DAILY;INTERVAL=3",
            date(2026, 11, 1),
            30,
        ),
        case(
            "weekly Monday and Wednesday",
            Pattern::Weekly {
                interval: 1,
                days_of_week: vec![Monday, Wednesday],
                first_day_of_week: Sunday,
            },
            date(2026, 1, 5),
            "FREQ=WEEKLY;WKST=SU;BYDAY=WE,MO",
            date(2026, 12, 30),
            25,
        ),
        case(
            "every second week Tuesday and Sunday, week from Monday",
            Pattern::Weekly {
                interval: 2,
                days_of_week: vec![Tuesday, Sunday],
                first_day_of_week: Monday,
            },
            date(2026, 1, 7),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU",
            date(2027, 3, 1),
            15,
        ),
        case(
            "every second week Tuesday and Sunday, week from Sunday",
            Pattern::Weekly {
                interval: 2,
                days_of_week: vec![Tuesday, Sunday],
                first_day_of_week: Sunday,
            },
            date(2026, 1, 7),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=SU",
            date(2027, 3, 1),
            15,
        ),
        case(
            "monthly on the 31st",
            Pattern::AbsoluteMonthly {
                interval: 1,
                day_of_month: 31,
            },
            date(2026, 1, 31),
            "FREQ=MONTHLY;BYMONTHDAY=31",
            date(2027, 7, 31),
            9,
        ),
        case(
            "every third month on the 15th",
            Pattern::AbsoluteMonthly {
                interval: 3,
                day_of_month: 15,
            },
            date(2026, 2, 15),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15",
            date(2028, 5, 14),
            6,
        ),
        case(
            "monthly on the last Friday",
            Pattern::RelativeMonthly {
                interval: 1,
                days_of_week: vec![Friday],
                index: WeekIndex::Last,
            },
            date(2026, 1, 30),
            "FREQ=MONTHLY;BYDAY=-1FR",
            date(2027, 6, 30),
            12,
        ),
        case(
            "every second month on the second Tuesday",
            Pattern::RelativeMonthly {
                interval: 2,
                days_of_week: vec![Tuesday],
                index: WeekIndex::Second,
            },
            date(2026, 1, 13),
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU",
            date(2027, 9, 1),
            7,
        ),
        case(
            "monthly on the fourth Thursday",
            Pattern::RelativeMonthly {
                interval: 1,
                days_of_week: vec![Thursday],
                index: WeekIndex::Fourth,
            },
            date(2026, 1, 1),
            "FREQ=MONTHLY;BYDAY=+4TH",
            date(2026, 11, 26),
            14,
        ),
        case(
            "monthly on the first weekend day",
            Pattern::RelativeMonthly {
                interval: 1,
                days_of_week: vec![Saturday, Sunday],
                index: WeekIndex::First,
            },
            date(2026, 2, 1),
            "FREQ=MONTHLY;BYSETPOS=1;BYDAY=SU,SA",
            date(2027, 2, 1),
            10,
        ),
        case(
            "monthly on the last weekday",
            Pattern::RelativeMonthly {
                interval: 1,
                days_of_week: vec![Monday, Tuesday, Wednesday, Thursday, Friday],
                index: WeekIndex::Last,
            },
            date(2026, 1, 1),
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            date(2026, 10, 30),
            16,
        ),
        case(
            "yearly on 29 February in a leap-year series",
            Pattern::AbsoluteYearly {
                interval: 1,
                month: 2,
                day_of_month: 29,
            },
            date(2024, 2, 29),
            "FREQ=YEARLY;BYMONTHDAY=29;BYMONTH=2",
            date(2032, 2, 28),
            3,
        ),
        case(
            "every second year on 24 December",
            Pattern::AbsoluteYearly {
                interval: 2,
                month: 12,
                day_of_month: 24,
            },
            date(2025, 1, 1),
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=12;BYMONTHDAY=24",
            date(2031, 12, 24),
            3,
        ),
        case(
            "yearly on the last Sunday of March",
            Pattern::RelativeYearly {
                interval: 1,
                month: 3,
                days_of_week: vec![Sunday],
                index: WeekIndex::Last,
            },
            date(2026, 3, 1),
            "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            date(2030, 3, 30),
            4,
        ),
        case(
            "every third year on the third Monday of January",
            Pattern::RelativeYearly {
                interval: 3,
                month: 1,
                days_of_week: vec![Monday],
                index: WeekIndex::Third,
            },
            date(2026, 1, 1),
            "FREQ=YEARLY;INTERVAL=3;BYDAY=3MO;BYMONTH=1",
            date(2035, 1, 1),
            3,
        ),
    ];
    cases.push(PatternCase {
        zone: CHATHAM,
        ..case(
            "Chatham weekly on Sunday across both changes",
            Pattern::Weekly {
                interval: 1,
                days_of_week: vec![Sunday],
                first_day_of_week: Sunday,
            },
            date(2026, 3, 1),
            "FREQ=WEEKLY;BYDAY=SU;WKST=SU",
            date(2026, 10, 11),
            40,
        )
    });
    cases.push(PatternCase {
        timing: Timing::AllDay { days: 1 },
        ..case(
            "all-day every fourth day",
            Pattern::Daily { interval: 4 },
            date(2026, 3, 1),
            "FREQ=DAILY;INTERVAL=4",
            date(2026, 11, 1),
            20,
        )
    });
    cases
}

struct Case {
    name: String,
    series: Series,
    hand: String,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for p in pattern_cases() {
        // The hand-written UNTIL names the last allowed start itself (RFC 5545: inclusive).
        let until = match p.timing {
            Timing::AllDay { .. } => p.end.format("%Y%m%d").to_string(),
            Timing::Timed { start_time, .. } => {
                format!("{}T{}", p.end.format("%Y%m%d"), start_time.format("%H%M%S"))
            }
        };
        let ranges = [
            (
                "end date",
                Range::EndDate {
                    start: p.start,
                    end: p.end,
                },
                format!("{};UNTIL={until}", p.hand),
            ),
            (
                "no end",
                Range::NoEnd { start: p.start },
                p.hand.to_string(),
            ),
            (
                "numbered",
                Range::Numbered {
                    start: p.start,
                    occurrences: p.count,
                },
                format!("COUNT={};{}", p.count, p.hand),
            ),
        ];
        for (range_name, range, hand) in ranges {
            out.push(Case {
                name: format!("{} / {range_name}", p.name),
                series: Series {
                    pattern: p.pattern.clone(),
                    range,
                    timing: p.timing,
                    zone: p.zone,
                },
                hand,
            });
        }
    }
    out
}

/// Every case expands until this local date (exclusive); no-end series stop here.
fn limit() -> NaiveDate {
    date(2036, 1, 1)
}

fn ours(series: &Series) -> Vec<String> {
    let from = local_midnight_utc(series.zone, series.range.start());
    let to = local_midnight_utc(series.zone, limit());
    expand(series, from, to)
        .into_iter()
        .map(|o| {
            o.start
                .with_timezone(&series.zone)
                .naive_local()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        })
        .collect()
}

#[test]
fn expansion_matches_dateutil_for_every_pattern_and_range() {
    let cases = cases();
    let mut rules = Vec::new();
    for case in &cases {
        let dtstart = case
            .series
            .range
            .start()
            .and_time(case.series.timing.start_time())
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        let limit = limit()
            .and_time(NaiveTime::MIN)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        rules.push((to_rrule(&case.series), dtstart.clone(), limit.clone()));
        rules.push((case.hand.clone(), dtstart, limit));
    }
    let oracle = dateutil(&rules);
    assert_eq!(oracle.len(), rules.len());

    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let ours = ours(&case.series);
        if ours.is_empty() {
            failures.push(format!("{}: no occurrences at all", case.name));
        }
        let generated = &oracle[2 * i];
        let hand = &oracle[2 * i + 1];
        if &ours != generated {
            failures.push(format!(
                "{}: ours differs from dateutil on to_rrule `{}`\n  ours:     {ours:?}\n  dateutil: {generated:?}",
                case.name, rules[2 * i].0
            ));
        }
        if &ours != hand {
            failures.push(format!(
                "{}: ours differs from dateutil on hand-written `{}`\n  ours:     {ours:?}\n  dateutil: {hand:?}",
                case.name, case.hand
            ));
        }
        let parsed = from_rrule(
            &case.hand,
            case.series.range.start(),
            case.series.timing,
            case.series.zone,
        );
        match parsed {
            Ok(parsed) if self::ours(&parsed) == ours => {}
            Ok(parsed) => failures.push(format!(
                "{}: from_rrule(`{}`) expands differently: {parsed:?}",
                case.name, case.hand
            )),
            Err(e) => failures.push(format!("{}: from_rrule(`{}`): {e}", case.name, case.hand)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
