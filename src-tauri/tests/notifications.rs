//! Desktop notifications on a real D-Bus session bus: a small notification server (this file's
//! `Recorder`) owns `org.freedesktop.Notifications` and records every `Notify` call, so the
//! test checks what actually arrived on the bus. Run it inside a private session bus:
//! `scripts/desktop-session.sh cargo test -p roombridge-desktop --test notifications`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use roombridge_app::settings::Lang;
use zbus::OwnedVariant;

use roombridge_desktop::notifications::{
    Cause, NotificationPrefs, Notifier, Screen, secret_expiry,
};

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// One `Notify` call as it arrived.
#[derive(Debug, Clone)]
struct Received {
    id: u32,
    app_name: String,
    app_icon: String,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// A notification server that records what it is sent.
struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)] // the freedesktop Notify signature
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().unwrap();
        let id = received.len() as u32 + 1;
        received.push(Received {
            id,
            app_name,
            app_icon,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "roombridge-recorder".into(),
            "RoomBridge tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

struct Server {
    connection: zbus::Connection,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    async fn start() -> Server {
        let received = Arc::new(Mutex::new(Vec::new()));
        // Builder errors (no session bus, the name taken) surface in `build`.
        let connection = zbus::connection::Builder::session()
            .name(NAME)
            .serve_at(
                PATH,
                Recorder {
                    received: received.clone(),
                },
            )
            .build()
            .await
            .expect(
                "owning org.freedesktop.Notifications on the D-Bus session bus (run inside \
                 scripts/desktop-session.sh, where no other notification server runs yet)",
            );
        Server {
            connection,
            received,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` notifications arrived, for at most 10 s.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {n} notifications, got {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The user clicks notification `id`.
    async fn click(&self, id: u32) {
        self.connection
            .emit_signal(None::<&str>, PATH, NAME, "ActionInvoked", &(id, "default"))
            .await
            .expect("ActionInvoked is sent");
    }

    /// The user clicks notification `id` until a screen opens (for at most 10 s), returning it.
    /// The client subscribes to clicks after its `Notify` call returned, so a click sent at
    /// once may come before it listens; a person is never that fast.
    async fn click_until_opened(&self, id: u32, opened: &mpsc::Receiver<Screen>) -> Screen {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.click(id).await;
            if let Ok(screen) = opened.recv_timeout(Duration::from_millis(200)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "clicking notification {id} opened no screen"
            );
        }
    }

    /// The server closes notification `id` (expired).
    async fn close(&self, id: u32) {
        self.connection
            .emit_signal(None::<&str>, PATH, NAME, "NotificationClosed", &(id, 1u32))
            .await
            .expect("NotificationClosed is sent");
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

// One test: the bus name can be owned by one server at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_cause_arrives_once_on_the_bus_and_a_click_opens_its_screen() {
    let server = Server::start().await;
    let (opened_tx, opened) = mpsc::channel::<Screen>();
    let opened_tx = Mutex::new(opened_tx);
    let mut notifier = Notifier::new(Arc::new(move |screen| {
        let _ = opened_tx.lock().unwrap().send(screen);
    }));
    let prefs = NotificationPrefs::default();

    let failed = Cause::RoomFailed {
        room: "res-school-gym".into(),
        name: "School gym".into(),
        message: "Graph answered 503 five times".into(),
    };
    let auth = Cause::AuthFailed {
        message: "AADSTS7000215: Invalid client secret provided.".into(),
    };
    let expiring = secret_expiry(day(20), day(10)).expect("10 days left: due");

    // Each cause once; its repeat sends nothing.
    assert!(notifier.tell(failed.clone(), &prefs, Lang::En));
    server.wait_for(1).await;
    assert!(!notifier.tell(failed.clone(), &prefs, Lang::En));
    assert!(notifier.tell(auth.clone(), &prefs, Lang::En));
    server.wait_for(2).await;
    assert!(!notifier.tell(auth.clone(), &prefs, Lang::En));
    assert!(notifier.tell(expiring.clone(), &prefs, Lang::En));
    server.wait_for(3).await;
    assert!(
        !notifier.tell(secret_expiry(day(20), day(11)).unwrap(), &prefs, Lang::En),
        "a day later, the same secret is not told again"
    );
    assert!(notifier.conflicts(&BTreeSet::from([7, 9]), &prefs, Lang::En));
    server.wait_for(4).await;
    assert!(
        !notifier.conflicts(&BTreeSet::from([7, 9]), &prefs, Lang::En),
        "the next cycle sees the same conflicts"
    );
    // A kind the user turned off sends nothing, even for a new cause.
    let no_failures = NotificationPrefs {
        failures: false,
        ..prefs
    };
    let other_room = Cause::RoomFailed {
        room: "res-town-hall-b".into(),
        name: "Fjord room".into(),
        message: "booking API timed out".into(),
    };
    assert!(!notifier.tell(other_room, &no_failures, Lang::En));
    // New conflicts after the notice are told, once.
    assert!(notifier.conflicts(&BTreeSet::from([7, 9, 12]), &prefs, Lang::Nb));
    let received = server.wait_for(5).await;

    let seen: Vec<(&str, &str)> = received
        .iter()
        .map(|r| (r.summary.as_str(), r.body.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "School gym stopped syncing",
                "Graph answered 503 five times\nOpen RoomBridge to see the room's history."
            ),
            (
                "RoomBridge cannot sign in",
                "AADSTS7000215: Invalid client secret provided.\nSyncing is paused until the \
                 credentials are fixed under Settings → Connections; nothing is lost."
            ),
            (
                "The Microsoft 365 client secret expires in 10 days",
                expiring.body(Lang::En).as_str()
            ),
            (
                "2 conflicts wait for your decision",
                "Both versions are side by side in RoomBridge's conflicts inbox; they stay as \
                 they are until you decide."
            ),
            // Told in the language chosen when it is sent.
            (
                "3 konflikter venter på avgjørelsen din",
                "1 ny siden forrige varsel. Begge versjonene står side om side under Konflikter i \
                 RoomBridge; de blir stående som de er til du avgjør."
            ),
        ]
    );
    assert!(expiring.body(Lang::En).contains("2026-03-20"));
    assert!(received.iter().all(|r| r.app_name == "RoomBridge"));
    // The icon the package installs in the desktop's icon theme.
    assert!(received.iter().all(|r| r.app_icon == "roombridge-desktop"));
    assert!(
        received
            .iter()
            .all(|r| r.actions.chunks(2).any(|a| a[0] == "default")),
        "every notification can be clicked: {received:#?}"
    );

    // Clicking the conflicts notice opens the conflicts inbox, clicking the sign-in failure
    // the history; a notification the server closed opens nothing.
    server.close(received[0].id).await;
    assert_eq!(
        server.click_until_opened(received[3].id, &opened).await,
        Screen::Conflicts
    );
    assert_eq!(
        server.click_until_opened(received[1].id, &opened).await,
        Screen::History
    );
    assert_eq!(opened.try_recv().ok(), None, "each click opened one screen");
    assert_eq!(server.received().len(), 5, "nothing else was sent");
}
