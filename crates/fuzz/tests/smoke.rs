//! The harness still works: each target runs a few thousand inputs and finds nothing (every
//! crash found so far is fixed and has its regression test next to the code it fixed).

use roombridge_fuzz::booking::{BookingTarget, Kind};
use roombridge_fuzz::{Options, TARGETS, run_named};

fn smoke(target: &str, iterations: u64) {
    let options = Options {
        iterations,
        seed: 12,
        crashes: None,
        progress_every: 0,
    };
    let report = run_named(target, &options).expect("a known target");
    assert_eq!(report.inputs, iterations);
    assert!(
        report.distinct.is_empty(),
        "{target} found: {:#?}",
        report.distinct
    );
}

#[test]
fn graph_parsers_survive_two_thousand_inputs() {
    smoke("graph", 2_000);
}

#[test]
fn booking_readers_survive_two_thousand_inputs() {
    smoke("booking", 2_000);
}

#[test]
fn booking_emulator_survives_two_thousand_requests() {
    smoke("booking-emulator", 2_000);
}

#[test]
fn every_listed_target_runs() {
    for target in TARGETS {
        smoke(target, 10);
    }
    assert!(
        run_named(
            "nonsense",
            &Options {
                iterations: 1,
                seed: 0,
                crashes: None,
                progress_every: 0,
            }
        )
        .is_none()
    );
}

#[test]
fn the_booking_emulator_gives_samples_for_every_booking_reader() {
    let kinds = BookingTarget::new().sample_kinds();
    for kind in [
        Kind::Resources,
        Kind::Page,
        Kind::Reservation,
        Kind::Problem,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} sample in {kinds:?}");
    }
}
