//! `roombridge conformance booking` as a vendor runs it: the key from the environment or
//! standard input, one line per check, and the exit code.

use std::io::Write;
use std::process::{Command, Stdio};

use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::seed::Seed;

async fn emulator() -> BookingEmulator {
    BookingEmulator::start(
        BookingEmulatorConfig {
            api_key: "vendor-key".into(),
            seed: Seed::Empty,
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("the emulator starts")
}

/// Runs the kit against `url` with `key` given on standard input (`env`: in the environment).
fn kit(url: &str, key: &str, env: bool) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roombridge"));
    command
        .args(["conformance", "booking", "--url", url])
        .env_remove("ROOMBRIDGE_BOOKING_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if env {
        command.env("ROOMBRIDGE_BOOKING_KEY", key);
    }
    let mut child = command.spawn().expect("run roombridge");
    let mut stdin = child.stdin.take().unwrap();
    if !env {
        stdin.write_all(key.as_bytes()).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kit_passes_the_emulator_and_says_what_to_fix_for_a_wrong_key() {
    let emulator = emulator().await;
    let url = emulator.base_url();
    let passing = tokio::task::spawn_blocking({
        let url = url.clone();
        move || kit(&url, "vendor-key\n", true)
    })
    .await
    .unwrap();
    assert!(passing.0, "{}", passing.1);
    assert!(passing.1.contains("14 passed, 0 failed"), "{}", passing.1);

    let refused = tokio::task::spawn_blocking(move || kit(&url, "not-the-key\n", false))
        .await
        .unwrap();
    assert!(!refused.0, "{}", refused.1);
    assert!(refused.1.contains("FAIL  resources"), "{}", refused.1);
    assert!(refused.1.contains("check the API key"), "{}", refused.1);
}
