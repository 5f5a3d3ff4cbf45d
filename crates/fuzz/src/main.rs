//! `roombridge-fuzz <target> --iterations N --seed S`: runs one fuzz target and prints what it
//! found. Exits 1 when anything was found. `scripts/fuzz.sh` runs every target.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use roombridge_fuzz::{Options, TARGETS, run_named};

#[derive(Parser)]
#[command(
    name = "roombridge-fuzz",
    about = "Fuzzes RoomBridge's wire parsers and the booking emulator"
)]
struct Args {
    /// graph, booking or booking-emulator.
    target: String,
    /// How many inputs to run.
    #[arg(long, default_value_t = 100_000)]
    iterations: u64,
    /// The run's seed: the same seed makes the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the first input of each distinct finding is written.
    #[arg(long, default_value = "target/fuzz-crashes")]
    crashes: PathBuf,
    /// Progress on standard error every this many inputs (0: none).
    #[arg(long, default_value_t = 1_000_000)]
    progress: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = Options {
        iterations: args.iterations,
        seed: args.seed,
        crashes: Some(args.crashes),
        progress_every: args.progress,
    };
    let Some(report) = run_named(&args.target, &options) else {
        eprintln!(
            "unknown target `{}`; the targets are {}",
            args.target,
            TARGETS.join(", ")
        );
        return ExitCode::from(2);
    };
    for (finding, (count, file)) in &report.distinct {
        let file = file
            .as_ref()
            .map(|f| format!(" (first input: {})", f.display()))
            .unwrap_or_default();
        println!("finding x{count}: {finding}{file}");
    }
    println!("{}", report.summary());
    if report.panics + report.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
