//! The `roombridge` binary as a user runs it.

use std::process::Command;

fn roombridge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args(args)
        .output()
        .expect("run roombridge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sync_once_in_demo_mode_syncs_every_room_and_the_audit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = roombridge(&["sync", "--once", "--demo", "--data-dir", data]);
    assert!(ok, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("15 rooms, 0 failed"), "{out}");
    assert!(out.contains("actions done"), "{out}");

    let (ok, out, _) = roombridge(&["audit", "verify", "--demo", "--data-dir", data]);
    assert!(ok);
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = roombridge(&["sync", "--once", "--dry-run", "--demo", "--data-dir", data]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("create_event"), "{out}");
    // Nothing was executed, so the audit history is still empty.
    let (_, out, _) = roombridge(&["audit", "verify", "--demo", "--data-dir", data]);
    assert!(out.contains("0 entries checked"), "{out}");
}

#[test]
fn sync_once_without_a_configured_tenant_fails_and_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) = roombridge(&["sync", "--once", "--data-dir", data]);
    assert!(!ok);
    assert!(err.contains("config.json"), "{err}");
}

/// A child process that is killed when the test ends, passing or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET `path_and_query` from a loopback server over plain HTTP/1.1; returns the body.
fn get(addr: &str, path_and_query: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the server");
    write!(
        stream,
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

#[test]
fn headless_demo_reports_the_log_folder_it_writes_to() {
    use std::io::BufRead;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_roombridge"))
        .args([
            "demo",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .env("ROOMBRIDGE_LOG_DIR", &logs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run roombridge demo --headless");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Running(child);

    // "RoomBridge is running at http://127.0.0.1:PORT/?token=TOKEN"
    let url = std::io::BufReader::new(stdout)
        .lines()
        .map(|l| l.expect("read the server's output"))
        .find_map(|l| {
            l.split_once("RoomBridge is running at ")
                .map(|(_, u)| u.trim().to_owned())
        })
        .expect("the server printed its address");
    let rest = url.strip_prefix("http://").expect("an http address");
    let (addr, token) = rest.split_once("/?token=").expect("address and token");

    let settings: serde_json::Value =
        serde_json::from_str(&get(addr, "/api/settings", token)).unwrap();
    assert_eq!(
        settings["paths"]["log_dir"].as_str(),
        Some(logs.to_str().unwrap()),
        "{settings}"
    );
    // It is where the log lines actually go.
    let files: Vec<_> = std::fs::read_dir(&logs)
        .expect("the log folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        std::fs::metadata(&files[0]).unwrap().len() > 0,
        "{} is empty",
        files[0].display()
    );
}

#[test]
fn a_busy_port_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let (ok, out, err) = roombridge(&[
        "demo",
        "--headless",
        "--listen",
        &listen,
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!ok, "{out}");
    let port = listen.rsplit(':').next().unwrap();
    assert!(
        err.contains(&format!("Port {port} on 127.0.0.1 is already in use"))
            && err.contains("--listen 127.0.0.1:PORT"),
        "{err}"
    );
}
