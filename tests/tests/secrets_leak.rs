//! No secret in the database, the logs or the audit exports of a full run: the demo
//! municipality synced against both emulators with logging at trace level into a temporary
//! log folder, its history exported as CSV and JSON Lines, then every file scanned for the
//! Graph client secret, the booking API key and every access token the Graph emulator issued,
//! raw and base64-encoded (standard and URL-safe alphabets, at every alignment, alone and as
//! HTTP Basic credentials).

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

use roombridge_app::export::ExportFormat;
use roombridge_app::logging::{self, LogConfig};
use roombridge_app::query::HistoryQuery;
use roombridge_emulators::demo::DEMO_CLIENT_ID;
use roombridge_tests::{Harness, Seed};

/// One secret and the byte strings that would reveal it.
struct Secret {
    what: String,
    needles: Vec<Vec<u8>>,
}

impl Secret {
    fn new(what: &str, value: &str) -> Secret {
        assert!(value.len() >= 16, "{what} is too short to scan for");
        let mut needles = vec![value.as_bytes().to_vec()];
        for plain in [value.to_owned(), format!("{DEMO_CLIENT_ID}:{value}")] {
            needles.extend(base64_needles(plain.as_bytes()));
        }
        Secret {
            what: what.to_owned(),
            needles,
        }
    }
}

/// What `plain` looks like inside any base64 text: encoded at each of the three alignments it
/// can have in a longer message, without the characters its neighbours would change.
fn base64_needles(plain: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        for offset in 0..3usize {
            let mut padded = vec![0u8; offset];
            padded.extend_from_slice(plain);
            let encoded = engine.encode(&padded);
            // Leading characters carry the filler's bits; the last 4 depend on what follows.
            let skip = (offset * 4).div_ceil(3);
            let end = encoded.len().saturating_sub(4);
            if end > skip {
                out.push(encoded.as_bytes()[skip..end].to_vec());
            }
        }
    }
    out
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// "`what` found in `file`" for each secret that appears in one of `files`.
fn scan(files: &[PathBuf], secrets: &[Secret]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).expect("a readable file");
        for secret in secrets {
            if secret
                .needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            {
                found.push(format!("{} found in {}", secret.what, file.display()));
            }
        }
    }
    found
}

#[test]
fn the_scanner_finds_a_planted_secret_raw_or_base64_at_any_alignment() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c";
    let secrets = [Secret::new("the planted secret", secret)];
    let clean = dir.path().join("clean.log");
    std::fs::write(&clean, "nothing to see here, 9f2c4e6a8b0d1f3e").unwrap();
    assert!(scan(std::slice::from_ref(&clean), &secrets).is_empty());

    for (i, planted) in [
        format!("client_secret={secret}&scope=x"),
        format!("token: x{}y", STANDARD.encode(format!("ab{secret}cd"))),
        format!(
            "Authorization: Basic {}",
            STANDARD.encode(format!("{DEMO_CLIENT_ID}:{secret}"))
        ),
        URL_SAFE.encode(format!("?{secret}")),
    ]
    .iter()
    .enumerate()
    {
        let file = dir.path().join(format!("planted-{i}.txt"));
        std::fs::write(&file, planted).unwrap();
        assert_eq!(
            scan(&[clean.clone(), file.clone()], &secrets),
            [format!("the planted secret found in {}", file.display())],
            "{planted}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_leaves_no_secret_in_the_database_logs_or_exports() {
    let logs = tempfile::tempdir().unwrap();
    logging::install(&LogConfig {
        dir: Some(logs.path().to_path_buf()),
        filter: "trace".into(),
        stderr: false,
        keep: 3,
    })
    .expect("the only log subscriber of this test binary");

    let h = Harness::start_seeded(Seed::Demo).await;
    h.settle(6).await;
    // A token refresh mid-run: a second token is issued and used.
    h.servers.graph.expire_tokens();
    h.cycle().await;
    tracing::info!("the run is over");

    let exports = tempfile::tempdir().unwrap();
    for format in ["csv", "jsonl"] {
        let export = h
            .app
            .export_history(
                &HistoryQuery::default(),
                ExportFormat::from_name(format).unwrap(),
                None,
            )
            .expect("the history exports");
        assert!(export.rows > 0, "a full run has history to export");
        std::fs::write(exports.path().join(&export.filename), export.text).unwrap();
    }

    let mut secrets = vec![
        Secret::new("the Graph client secret", h.servers.client_secret.expose()),
        Secret::new("the booking API key", h.servers.api_key.expose()),
    ];
    let tokens = h.servers.graph.issued_tokens();
    assert!(tokens.len() >= 2, "RoomBridge signed in twice: {tokens:?}");
    for (i, token) in tokens.iter().enumerate() {
        secrets.push(Secret::new(&format!("access token {i}"), token));
    }

    let database = h.dir.path().join("e2e.sqlite");
    let mut files = vec![database.clone()];
    for suffix in ["-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", database.display()));
        if path.exists() {
            files.push(path);
        }
    }
    let log_files = files_under(logs.path());
    let log_bytes: u64 = log_files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(
        log_bytes > 10_000,
        "the run logged at trace level ({log_bytes} bytes in {log_files:?})"
    );
    files.extend(log_files);
    files.extend(files_under(exports.path()));

    let found = scan(&files, &secrets);
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}
