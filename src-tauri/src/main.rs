// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    roombridge_app::logging::init(true);
    roombridge_desktop::run(roombridge_desktop::Launch::parse())
}
