//! A fuzzer for what reads the outside world: the Graph wire parsers, the booking connector's
//! readers and the booking emulator's request handling. It runs on the stable toolchain with
//! no extra tooling: a seeded generator mutates real samples (`tests/fixtures/graph`, the
//! booking emulator's own answers) and every input runs under `catch_unwind`. It has no
//! coverage feedback; the mutators' dictionary (`mutate`) brings inputs to the edges instead.
//!
//! A finding is a panic, or for the emulator an answer in the 5xx range that was not an
//! injected fault. `scripts/fuzz.sh` runs every target for ten million inputs.

pub mod booking;
pub mod emulator;
pub mod graph;
pub mod mutate;
pub mod rng;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use rng::Rng;

/// One thing to fuzz: makes inputs and runs them.
pub trait Target {
    /// An input as the target runs it.
    type Input;

    /// Makes input `index` from `rng`. Targets with state (the emulator) may also use what
    /// earlier inputs left.
    fn generate(&mut self, rng: &mut Rng) -> Self::Input;

    /// Runs one input. `Err` is a finding other than a panic (an unexpected 5xx).
    fn run(&mut self, input: &Self::Input) -> Result<(), String>;

    /// The input as bytes for the crash file, readable enough to minimise by hand.
    fn describe(&self, input: &Self::Input) -> Vec<u8>;

    /// Called after a panic, which may have left the target's state half-changed.
    fn recover(&mut self) {}
}

/// The names `roombridge-fuzz` takes.
pub const TARGETS: &[&str] = &["graph", "booking", "booking-emulator"];

/// What one run found.
#[derive(Debug, Default)]
pub struct Report {
    pub target: String,
    pub inputs: u64,
    pub panics: u64,
    /// Findings that are not panics (the emulator's unexpected 5xx).
    pub errors: u64,
    pub elapsed: Duration,
    /// Each distinct finding (panic location and message, or the error's first line) with how
    /// often it happened and the first input's crash file, if one was written.
    pub distinct: BTreeMap<String, (u64, Option<PathBuf>)>,
}

impl Report {
    pub fn per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line per target, as `scripts/fuzz.sh` collects them.
    pub fn summary(&self) -> String {
        format!(
            "target={} inputs={} panics={} errors={} seconds={:.1} inputs_per_second={:.0}",
            self.target,
            self.inputs,
            self.panics,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.per_second()
        )
    }
}

/// How to run a target.
#[derive(Debug, Clone)]
pub struct Options {
    pub iterations: u64,
    pub seed: u64,
    /// Where crash files go (`<target>-<index>.txt`); none means not written.
    pub crashes: Option<PathBuf>,
    /// Prints progress to standard error every this many inputs (0: never).
    pub progress_every: u64,
}

/// Runs `target` by name. `None` for an unknown name.
pub fn run_named(name: &str, options: &Options) -> Option<Report> {
    Some(match name {
        "graph" => run(name, &mut graph::GraphTarget::new(), options),
        "booking" => run(name, &mut booking::BookingTarget::new(), options),
        "booking-emulator" => run(name, &mut emulator::EmulatorTarget::new(), options),
        _ => return None,
    })
}

/// Runs `options.iterations` inputs of `target`, each under `catch_unwind`.
pub fn run<T: Target>(name: &str, target: &mut T, options: &Options) -> Report {
    install_panic_hook();
    let mut report = Report {
        target: name.to_owned(),
        ..Report::default()
    };
    let started = Instant::now();
    for index in 0..options.iterations {
        let mut rng = Rng::for_input(options.seed, index);
        let input = target.generate(&mut rng);
        let outcome = catching(|| target.run(&input));
        report.inputs += 1;
        let finding = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => {
                report.errors += 1;
                Some(error.lines().next().unwrap_or_default().to_owned())
            }
            Err(panic) => {
                report.panics += 1;
                target.recover();
                Some(format!("panic: {panic}"))
            }
        };
        if let Some(key) = finding {
            let entry = report.distinct.entry(key.clone()).or_insert((0, None));
            entry.0 += 1;
            if entry.0 == 1 {
                eprintln!("[{name}] input {index}: {key}");
                if let Some(dir) = &options.crashes {
                    let path = dir.join(format!("{name}-{index}.txt"));
                    let written = std::fs::create_dir_all(dir)
                        .and_then(|()| std::fs::write(&path, target.describe(&input)));
                    match written {
                        Ok(()) => entry.1 = Some(path),
                        Err(e) => eprintln!("[{name}] could not write {}: {e}", path.display()),
                    }
                }
            }
        }
        if options.progress_every > 0 && (index + 1) % options.progress_every == 0 {
            let elapsed = started.elapsed().as_secs_f64();
            eprintln!(
                "[{name}] {} inputs, {} panics, {} errors, {:.0} s, {:.0}/s",
                index + 1,
                report.panics,
                report.errors,
                elapsed,
                (index + 1) as f64 / elapsed.max(1e-9)
            );
        }
    }
    report.elapsed = started.elapsed();
    report
}

thread_local! {
    /// Set while this thread runs an input: its panics are findings, not test failures.
    static CATCHING: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, returning a panic as its message and location instead of unwinding. The panic is
/// not printed (a run may find thousands); the report lists each distinct one.
pub fn catching<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_panic_hook();
    CATCHING.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let message = CATCHING.with(|c| c.borrow_mut().take()).unwrap_or_default();
    result.map_err(|_| message)
}

/// A hook that records the panics of inputs under [`catching`] and leaves every other panic
/// (a failing test's assertion, say) to the hook that was there before.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let caught = CATCHING.with(|c| {
                let mut slot = c.borrow_mut();
                match slot.as_mut() {
                    Some(message) => {
                        let text = info
                            .payload()
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| info.payload().downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "(no message)".to_owned());
                        let at = info
                            .location()
                            .map(|l| format!("{}:{}", l.file(), l.line()))
                            .unwrap_or_default();
                        *message = format!("{text} at {at}");
                        true
                    }
                    None => false,
                }
            });
            if !caught {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catching_turns_a_panic_into_its_message_and_location() {
        let caught = catching(|| -> u32 { panic!("boom {}", 7) });
        let message = caught.expect_err("the closure panics");
        assert!(message.starts_with("boom 7 at "), "{message}");
        assert!(message.contains("lib.rs"), "{message}");
        assert_eq!(catching(|| 3), Ok(3));
    }
}
