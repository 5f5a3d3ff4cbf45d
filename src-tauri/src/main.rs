// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROOMBRIDGE_LOG")
                .unwrap_or_else(|_| "warn,roombridge=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    roombridge_desktop::run(roombridge_desktop::Launch::parse())
}
