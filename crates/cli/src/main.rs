//! `roombridge`: RoomBridge without a window. Runs the same engine and serves the same UI over
//! HTTP on loopback; also runs the emulators alone, one sync cycle, and audit checks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use roombridge_app::App;
use roombridge_app::doctor::{DoctorRequest, DoctorView, Severity};
use roombridge_app::export::ExportFormat;
use roombridge_app::http::{self, HttpOptions};
use roombridge_app::query::HistoryQuery;
use roombridge_app::secrets::{Keyring, SecretName, SecretStore};
use roombridge_app::setup;
use roombridge_emulators::booking::{BookingEmulator, BookingEmulatorConfig};
use roombridge_emulators::graph::{GraphEmulator, GraphEmulatorConfig};
use roombridge_emulators::seed::Seed;
use roombridge_engine::{CycleMode, EngineConfig};

#[derive(Parser)]
#[command(
    name = "roombridge",
    version,
    about = "Keeps booking-system reservations and Outlook room calendars identical."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Demo mode: both emulators with a demo municipality, mapped and syncing.
    Demo {
        /// Serve the UI on loopback and print its address instead of opening the desktop app.
        #[arg(long)]
        headless: bool,
        /// The booking system to emulate: `roombridge-api` (RoomBridge's booking contract) or
        /// `porticoestate` (Aktiv kommune, with the demo municipality's season).
        #[arg(long, value_name = "SYSTEM", default_value = "roombridge-api", value_parser = booking_system)]
        booking: setup::BookingSystem,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Live mode, headless: the tenant in config.json, secrets from the OS keyring. Without a
    /// configuration (an empty data folder), serves the setup wizard, which starts syncing
    /// when it is finished.
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Run one cycle in every room and exit (non-zero if any room failed).
    Sync {
        /// Required: run once and exit.
        #[arg(long)]
        once: bool,
        /// Print each room's plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Against the demo emulators instead of the configured tenant.
        #[arg(long)]
        demo: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Run one emulator alone on loopback.
    Emulate {
        #[arg(value_enum)]
        which: Emulated,
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, value_enum, default_value_t = SeedArg::Demo)]
        seed: SeedArg,
        /// The client secret (Graph) or API key (booking) the emulator accepts; a random one
        /// is made and printed when not given.
        #[arg(long)]
        credential: Option<String>,
        /// `porticoestate` only: a booking right its user lacks (repeat for several), to see
        /// what RoomBridge says about a user without the rights it needs.
        #[arg(long, value_enum)]
        deny: Vec<RightArg>,
    },
    /// Why a room's Outlook calendar shows what it shows at a moment: which booking-system
    /// reservation produced the block, what covers what.
    Explain {
        /// The room's id (see the Rooms screen).
        room: String,
        /// `2026-12-01 18:30` (the room's local time) or `2026-12-01T17:30:00Z`.
        time: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Read the demo database instead of the live one.
        #[arg(long)]
        demo: bool,
    },
    /// Check the Microsoft 365 tenant and every mapped room: sign-in, permissions, calendar
    /// access, rooms that rewrite subjects or delete descriptions, an app scope that reaches
    /// people's mailboxes, the client secret's expiry. Writes (and deletes) a short test event
    /// in each room. Exits non-zero if it finds a problem.
    Doctor {
        /// Check the demo's emulated tenant instead of the configured one.
        #[arg(long)]
        demo: bool,
        /// A colleague's e-mail address to test the app's scope with (RoomBridge only checks
        /// whether it may open that calendar).
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// The audit history.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Checks an implementation of a contract RoomBridge relies on, from outside.
    Conformance {
        #[command(subcommand)]
        target: ConformanceTarget,
    },
    /// Stores a secret in the OS keyring, read from standard input (never from an argument,
    /// which would land in the shell history).
    Secret {
        #[arg(value_enum)]
        name: SecretArg,
        #[command(flatten)]
        keyring: KeyringArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SecretArg {
    /// The Entra ID application's client secret.
    GraphClientSecret,
    /// The booking system's API key.
    BookingApiKey,
    /// The PEM private key of the certificate the Entra ID application signs in with.
    GraphCertificateKey,
    /// The password of RoomBridge's user in PorticoEstate (Aktiv kommune).
    PorticoestatePassword,
}

#[derive(clap::Args, Clone)]
struct KeyringArgs {
    /// The keyring service secrets are filed under (tests use their own).
    #[arg(long, env = "ROOMBRIDGE_KEYRING_SERVICE", default_value = roombridge_app::secrets::SERVICE, hide = true)]
    keyring_service: String,
}

impl KeyringArgs {
    fn keyring(&self) -> Keyring {
        Keyring::with_service(&self.keyring_service)
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Loopback address to serve on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where RoomBridge keeps its database (default: the OS data folder).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The built UI.
    #[arg(long)]
    ui_dir: Option<PathBuf>,
    /// Seconds between each room's reads of the booking system's changes. Outlook is read at
    /// that pace while a room is busy, and less often while it is idle (at most 15 polls or
    /// 150 seconds apart). A person's choice in Settings wins.
    #[arg(long, default_value_t = roombridge_engine::DEFAULT_POLL_SECS)]
    poll: u64,
    /// PorticoEstate only: the address PorticoEstate can post webhooks to, i.e. this server's
    /// /hooks/porticoestate behind a reverse proxy or tunnel (https). Overrides
    /// booking_webhook_url in config.json. Live mode (`serve`) only.
    #[arg(long, env = "ROOMBRIDGE_WEBHOOK_URL")]
    webhook_url: Option<String>,
    #[command(flatten)]
    keyring: KeyringArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emulated {
    Graph,
    Booking,
    /// PorticoEstate's booking REST API (Aktiv kommune): log in as `roombridge` with the
    /// credential as password. Its resources are the demo's; `--seed demo` fills in the demo
    /// municipality's season.
    Porticoestate,
}

/// PorticoEstate's booking rights an emulated user can be denied.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RightArg {
    /// The booking module itself.
    Run,
    /// Adding events.
    Add,
    /// Editing and cancelling events.
    Edit,
}

#[derive(Clone, Copy, ValueEnum)]
enum SeedArg {
    Demo,
    Empty,
}

#[derive(Subcommand)]
enum ConformanceTarget {
    /// A booking system's implementation of RoomBridge's booking contract
    /// (docs/booking-api.yaml): every behaviour RoomBridge relies on, one line per check, with
    /// what to fix. Writes a few test reservations about 500 days ahead on one resource and
    /// cancels them when done. The API key comes from ROOMBRIDGE_BOOKING_KEY or standard input.
    /// Exits non-zero when a check fails.
    Booking {
        /// The API's base address, e.g. https://booking.example/api/v1.
        #[arg(long)]
        url: String,
        /// The resource to write test reservations on (default: the first room listed).
        #[arg(long)]
        resource: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check the hash chain; exits non-zero if it was tampered with.
    Verify {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Check the demo database instead of the live one.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Write the history, or the part of it the filters select, as CSV or JSON Lines
    /// (oldest first; JSON Lines carries each row's previous hash too).
    Export {
        #[arg(long, value_enum)]
        format: ExportArg,
        /// One room's id.
        #[arg(long)]
        room: Option<String>,
        /// From this date (2026-03-01, UTC) or time (2026-03-01T08:00:00Z), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// Up to this date (inclusive) or time (exclusive).
        #[arg(long)]
        to: Option<String>,
        /// One kind: create_event, conflict, conflict_decided, rejected, …
        #[arg(long)]
        kind: Option<String>,
        /// ok, failed or conflict.
        #[arg(long)]
        outcome: Option<String>,
        /// Text to find in the title or the detail.
        #[arg(long)]
        search: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Export the demo database instead of the live one.
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportArg {
    Csv,
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The long-running commands keep rotating log files in the OS log folder.
    let long_running = matches!(cli.command, Command::Demo { .. } | Command::Serve { .. });
    roombridge_app::logging::init(long_running);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roombridge: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("roombridge: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A booking system by its name in config.json.
fn booking_system(name: &str) -> Result<setup::BookingSystem, String> {
    setup::BookingSystem::parse(name).ok_or_else(|| {
        format!("{name:?} is not a booking system: use roombridge-api or porticoestate")
    })
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Demo {
            headless,
            booking,
            serve,
        } => {
            // The desktop app's demo runs on the contract's emulator.
            if !headless
                && booking == setup::BookingSystem::RoombridgeApi
                && let Some(code) = open_desktop_demo()
            {
                return Ok(code);
            }
            let data_dir = serve
                .data_dir
                .clone()
                .unwrap_or_else(setup::default_data_dir);
            let app = setup::start_demo_on(&data_dir, engine_config(serve.poll), booking)
                .await
                .map_err(|e| e.to_string())?;
            serve_until_stopped(setup::Live::Running(app), serve).await
        }
        Command::Serve { serve } => {
            let data_dir = serve
                .data_dir
                .clone()
                .unwrap_or_else(setup::default_data_dir);
            let secrets: Arc<dyn SecretStore> = Arc::new(serve.keyring.keyring());
            let live = setup::open_live(&data_dir, secrets.clone(), engine_config(serve.poll))
                .await
                .map_err(|e| e.to_string())?;
            start_webhooks(&live, data_dir, secrets, serve.webhook_url.clone())?;
            serve_until_stopped(live, serve).await
        }
        Command::Sync {
            once,
            dry_run,
            demo,
            data_dir,
            keyring,
        } => {
            if !once {
                return Err("only `sync --once` exists: the continuous sync is `serve`".into());
            }
            let data_dir = data_dir.unwrap_or_else(setup::default_data_dir);
            let config = EngineConfig {
                poll_interval: None,
                ..EngineConfig::default()
            };
            let app = if demo {
                setup::start_demo(&data_dir, config).await
            } else {
                setup::start_live(&data_dir, Arc::new(keyring.keyring()), config).await
            }
            .map_err(|e| e.to_string())?;
            let mode = if dry_run {
                CycleMode::DryRun
            } else {
                CycleMode::Execute
            };
            let reports = app.sync_all(mode).await.map_err(|e| e.message)?;
            let mut failed = 0;
            for report in &reports {
                println!("== {} (cycle {})", report.room_name, report.cycle);
                if dry_run {
                    print!("{}", report.plan);
                } else {
                    println!(
                        "   {} actions done, {} failed, {} conflicts, {} rejected",
                        report.executed,
                        report.failed,
                        report.plan.conflicts.len(),
                        report.rejected
                    );
                }
                if let Some(error) = &report.error {
                    failed += 1;
                    println!("   FAILED: {error}");
                }
            }
            app.shutdown().await;
            println!("{} rooms, {} failed", reports.len(), failed);
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Emulate {
            which,
            port,
            seed,
            credential,
            deny,
        } => {
            let seed = match seed {
                SeedArg::Demo => Seed::Demo,
                SeedArg::Empty => Seed::Empty,
            };
            let bind = SocketAddr::from(([127, 0, 0, 1], port));
            let credential = credential.unwrap_or_else(setup::random_token);
            match which {
                Emulated::Graph => {
                    let mut config = GraphEmulatorConfig::demo(credential.clone());
                    config.seed = seed;
                    let emulator = GraphEmulator::start(config, bind)
                        .await
                        .map_err(|e| e.to_string())?;
                    println!("Microsoft Graph emulator at {}", emulator.graph_base());
                    println!("token endpoint: {}", emulator.token_url());
                    println!("client id: {}", roombridge_emulators::demo::DEMO_CLIENT_ID);
                    println!("client secret: {credential}");
                    wait_for_ctrl_c().await;
                    emulator.shutdown().await;
                }
                Emulated::Booking => {
                    let emulator = BookingEmulator::start(
                        BookingEmulatorConfig {
                            api_key: credential.clone(),
                            seed,
                        },
                        bind,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    println!("booking system emulator at {}", emulator.base_url());
                    println!("API key: {credential}");
                    wait_for_ctrl_c().await;
                    emulator.shutdown().await;
                }
                Emulated::Porticoestate => {
                    let config = roombridge_emulators::porticoestate::PorticoEmulatorConfig {
                        seed,
                        rights: roombridge_emulators::porticoestate::Rights {
                            run: !deny.contains(&RightArg::Run),
                            add: !deny.contains(&RightArg::Add),
                            edit: !deny.contains(&RightArg::Edit),
                        },
                        ..roombridge_emulators::porticoestate::PorticoEmulatorConfig::new(
                            setup::DEMO_PORTICO_LOGIN,
                            &credential,
                        )
                    };
                    let emulator =
                        roombridge_emulators::porticoestate::PorticoEmulator::start(config, bind)
                            .await
                            .map_err(|e| e.to_string())?;
                    println!("PorticoEstate emulator at {}", emulator.base_url());
                    println!("login: {}", setup::DEMO_PORTICO_LOGIN);
                    println!("password: {credential}");
                    wait_for_ctrl_c().await;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Conformance {
            target: ConformanceTarget::Booking { url, resource },
        } => {
            let api_key = match std::env::var("ROOMBRIDGE_BOOKING_KEY") {
                Ok(key) if !key.trim().is_empty() => key.trim().to_owned(),
                _ => read_stdin_secret("the booking system's API key")?,
            };
            let options = roombridge_conformance::Options {
                url,
                api_key,
                resource,
            };
            let report = roombridge_conformance::run(&options).await;
            println!("{report}");
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Secret { name, keyring } => {
            let name = match name {
                SecretArg::GraphClientSecret => SecretName::GraphClientSecret,
                SecretArg::BookingApiKey => SecretName::BookingApiKey,
                SecretArg::GraphCertificateKey => SecretName::GraphCertificateKey,
                SecretArg::PorticoestatePassword => SecretName::PorticoPassword,
            };
            let value = read_stdin_secret("the secret")?;
            keyring
                .keyring()
                .set(name, &roombridge_core::Secret::new(value))
                .map_err(|e| e.to_string())?;
            println!("Stored the {} in the OS keyring.", name.account());
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor {
            demo,
            person,
            data_dir,
            keyring,
        } => {
            let data_dir = data_dir.unwrap_or_else(setup::default_data_dir);
            let app = if demo {
                let config = EngineConfig {
                    poll_interval: None,
                    ..EngineConfig::default()
                };
                setup::start_demo(&data_dir, config).await
            } else {
                setup::start_live_idle(&data_dir, Arc::new(keyring.keyring())).await
            }
            .map_err(|e| e.to_string())?;
            eprintln!(
                "Checking the tenant and {} rooms (a test event is written to each and deleted again)…",
                app.list_rooms().map(|r| r.len()).unwrap_or_default()
            );
            let report = app.doctor(&DoctorRequest { person }).await;
            app.shutdown().await;
            let report = report.map_err(|e| e.message)?;
            print!("{}", doctor_report(&report));
            Ok(if report.problems == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Explain {
            room,
            time,
            data_dir,
            demo,
        } => {
            let store = open_database(data_dir, demo)?;
            let view =
                roombridge_app::explain::explain(&store, &room, &time).map_err(|e| e.message)?;
            println!("{} at {}:", view.room, view.at.format("%Y-%m-%d %H:%M UTC"));
            for line in view.lines {
                println!("  {line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            action:
                AuditAction::Export {
                    format,
                    room,
                    from,
                    to,
                    kind,
                    outcome,
                    search,
                    out,
                    data_dir,
                    demo,
                },
        } => {
            let store = open_database(data_dir, demo)?;
            let query = HistoryQuery {
                room,
                from,
                to,
                kind,
                outcome,
                search,
                ..HistoryQuery::default()
            };
            let format = match format {
                ExportArg::Csv => ExportFormat::Csv,
                ExportArg::Jsonl => ExportFormat::Jsonl,
            };
            // Written as it is read: a million rows never sit in memory at once.
            let filter = roombridge_app::export::export_filter(&query).map_err(|e| e.message)?;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let rows = store
                .read(|c| {
                    // The language chosen in Settings, else the system's.
                    let lang = roombridge_app::settings::language_of(c);
                    roombridge_app::export::write_rows(c, &filter, format, lang, &mut sink)
                })
                .map_err(|e| e.to_string())?;
            if let Some(path) = out {
                eprintln!("Wrote {rows} entries to {}.", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            action:
                AuditAction::Verify {
                    data_dir,
                    demo,
                    keyring,
                },
        } => {
            let data_dir = data_dir.unwrap_or_else(setup::default_data_dir);
            let keyring = keyring.keyring();
            // The demo's history is not anchored.
            let anchors = (!demo).then_some(&keyring as &dyn roombridge_app::secrets::SecretStore);
            let view = setup::verify_audit(&data_dir, setup::database_file(demo), anchors)
                .map_err(|e| e.to_string())?;
            println!("{}", view.message);
            Ok(if view.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// All of standard input (a PEM key spans several lines) without its last line break; `what`
/// names it in the error when there is none.
fn read_stdin_secret(what: &str) -> Result<String, String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    let value = text.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(format!("no {what} on standard input"));
    }
    Ok(value.to_owned())
}

/// The database of demo or live mode in `data_dir` (the default data folder if none).
fn open_database(
    data_dir: Option<PathBuf>,
    demo: bool,
) -> Result<std::sync::Arc<setup::Store>, String> {
    let data_dir = data_dir.unwrap_or_else(setup::default_data_dir);
    setup::open_store(&data_dir, setup::database_file(demo)).map_err(|e| e.to_string())
}

/// The doctor's report as text: a summary line, then every problem and warning with what it
/// means and its fix, then one line per check that passed.
fn doctor_report(report: &DoctorView) -> String {
    let mut out = format!(
        "RoomBridge tenant doctor: {} room{} checked, {} problem{}, {} warning{}.\n",
        report.rooms,
        plural(report.rooms),
        report.problems,
        plural(report.problems),
        report.warnings,
        plural(report.warnings),
    );
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Ok)
    {
        let label = match f.severity {
            Severity::Problem => "PROBLEM",
            _ => "WARNING",
        };
        out.push_str(&format!("\n{label}  {}  [{}]\n", f.title, f.id));
        out.push_str(&wrap(&f.meaning, "   "));
        if let Some(fix) = &f.fix {
            out.push_str(&wrap(&format!("Fix: {}", fix.steps), "   "));
            if let Some(ps) = &fix.powershell {
                for line in ps.lines() {
                    out.push_str(&format!("       {line}\n"));
                }
            }
        }
    }
    let fine: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Ok)
        .collect();
    if !fine.is_empty() {
        out.push_str("\nFine:\n");
        for f in fine {
            out.push_str(&format!("  ok  {}\n", f.title));
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `text` in lines of at most 96 characters, each starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > 96 {
            out.push_str(&format!("{indent}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}{line}\n"));
    }
    out
}

fn engine_config(poll: u64) -> EngineConfig {
    EngineConfig {
        poll_interval: Some(Duration::from_secs(poll.max(1))),
        ..EngineConfig::default()
    }
}

fn default_ui_dir() -> PathBuf {
    // Next to the binary when installed; the workspace's ui/dist when run from a checkout.
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("ui")));
    match beside {
        Some(dir) if dir.join("index.html").exists() => dir,
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist")),
    }
}

/// PorticoEstate's webhooks, when configured: now if the app runs, else once the setup wizard
/// has started it.
fn start_webhooks(
    live: &setup::Live,
    data_dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    url: Option<String>,
) -> Result<(), String> {
    let start = move |app: &Arc<App>| {
        roombridge_app::webhooks::start_from_config(
            app,
            &data_dir,
            secrets.as_ref(),
            url.as_deref(),
        )
        .map(|on| {
            if let Some(url) = on {
                println!("PorticoEstate webhooks go to {url}");
            }
        })
        .map_err(|e| e.to_string())
    };
    match live {
        setup::Live::Running(app) => start(app),
        setup::Live::Setup(wizard) => {
            let wizard = wizard.clone();
            tokio::spawn(async move {
                if let Some(app) = wizard.wait_started().await
                    && let Err(e) = start(&app)
                {
                    eprintln!("roombridge: PorticoEstate webhooks stay off: {e}");
                }
            });
            Ok(())
        }
    }
}

async fn serve_until_stopped(live: setup::Live, args: ServeArgs) -> Result<ExitCode, String> {
    let ui_dir = args.ui_dir.unwrap_or_else(default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!(
            "roombridge: warning: no UI in {} (build it with `npm --prefix ui run build`); the API still works",
            ui_dir.display()
        );
    }
    let wizard = match &live {
        setup::Live::Running(_) => None,
        setup::Live::Setup(wizard) => Some(wizard.clone()),
    };
    let running = match &live {
        setup::Live::Running(app) => Some(app.clone()),
        setup::Live::Setup(_) => None,
    };
    let server = http::serve_live(
        live,
        HttpOptions {
            listen: args.listen,
            ui_dir,
            token: setup::random_token(),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    if wizard.is_some() {
        println!(
            "RoomBridge is not set up yet: open the address below to connect Microsoft 365 and the booking system."
        );
    }
    println!("RoomBridge is running at {}", server.url());
    tokio::select! {
        result = server.wait() => result.map_err(|e| e.to_string())?,
        () = wait_for_ctrl_c() => {}
    }
    // The wizard may have started the app meanwhile.
    let app: Option<Arc<App>> =
        running.or_else(|| wizard.and_then(|w| w.started().borrow().clone()));
    if let Some(app) = app {
        app.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_ctrl_c() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Starts the desktop app in demo mode if it is installed beside this binary. `None` when it
/// is not there (then the caller serves headless).
fn open_desktop_demo() -> Option<ExitCode> {
    let exe = std::env::current_exe().ok()?;
    let desktop = exe.parent()?.join("roombridge-desktop");
    if !desktop.exists() {
        eprintln!(
            "roombridge: the desktop app is not built next to this binary; serving the UI headless instead"
        );
        return None;
    }
    let status = std::process::Command::new(desktop)
        .arg("--demo")
        .status()
        .ok()?;
    Some(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
