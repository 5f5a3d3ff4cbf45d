//! The audit anchor: the number and hash of the history's newest entry, kept outside the
//! database, in the OS keyring (live mode).
//!
//! The hash chain shows any entry changed or removed in the middle, but not its newest
//! entries deleted: what is left is still a valid chain. Nor a history written again from
//! scratch with hashes of its own. `audit verify` compares the database with the anchor and
//! fails in both cases.
//!
//! What it does not protect against: a person who can open the user's keyring as well as the
//! database file (the same login on an unlocked session can rewrite both), and entries newer
//! than the anchor, which is written after the entries it records (after every cycle that
//! added some, every minute, and when RoomBridge stops): a crash can leave the newest few
//! entries unanchored. The demo's database starts afresh on every run and is not anchored.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use roombridge_store::Store;
use roombridge_store::history::{self, Head};

use crate::secrets::SecretStore;
use crate::views::VerifyView;

/// How often the anchor is brought up to date when no engine event asked for it (entries the
/// app itself adds, such as mapping changes).
const EVERY: Duration = Duration::from_secs(60);

pub(crate) struct Anchor {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    database: PathBuf,
    wake: Arc<Notify>,
    /// What was last written, so that an unchanged head is not written again.
    saved: Mutex<Option<Head>>,
}

impl Anchor {
    /// Keeps the anchor of `store`'s database in `secrets` up to date, from now on. `None` for
    /// a database in memory.
    pub(crate) fn start(store: Arc<Store>, secrets: Arc<dyn SecretStore>) -> Option<Arc<Anchor>> {
        let database = store.path()?;
        let anchor = Arc::new(Anchor {
            store,
            secrets,
            database,
            wake: Arc::new(Notify::new()),
            saved: Mutex::new(None),
        });
        tokio::spawn(keep(Arc::downgrade(&anchor), anchor.wake.clone()));
        anchor.changed();
        Some(anchor)
    }

    /// Entries were added: write the anchor soon.
    pub(crate) fn changed(&self) {
        self.wake.notify_one();
    }

    /// Writes the anchor now (blocking: the keyring is reached over D-Bus).
    pub(crate) fn save(&self) {
        let head = match self.store.read(history::head) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("the audit anchor could not read the history: {e}");
                return;
            }
        };
        let mut saved = self.saved.lock().unwrap_or_else(|e| e.into_inner());
        if saved.as_ref() == Some(&head) {
            return;
        }
        match self.secrets.set_anchor(&self.database, &head.encode()) {
            Ok(()) => *saved = Some(head),
            Err(e) => tracing::warn!("the audit anchor could not be written: {e}"),
        }
    }
}

/// Writes the anchor when asked and every [`EVERY`], for as long as the anchor lives.
async fn keep(anchor: Weak<Anchor>, wake: Arc<Notify>) {
    loop {
        // Woken or not, the head is compared with what was saved.
        let _ = tokio::time::timeout(EVERY, wake.notified()).await;
        let Some(anchor) = anchor.upgrade() else {
            return;
        };
        let _ = tokio::task::spawn_blocking(move || anchor.save()).await;
    }
}

/// Checks the history in `store`: its hash chain, and against the anchor in `secrets` (the
/// OS keyring) when there is one; `None` for the demo's database, which is not anchored.
pub(crate) fn verify(
    store: &Store,
    secrets: Option<&dyn SecretStore>,
) -> roombridge_store::Result<VerifyView> {
    let recorded = match (secrets, store.path()) {
        (Some(secrets), Some(database)) => recorded(secrets, &database),
        _ => Err("the demo's history is not anchored".to_owned()),
    };
    let result = store.read(|c| history::verify_anchored(c, recorded.as_ref().ok()))?;
    Ok(VerifyView::anchored(result, recorded.map(|h| h.seq)))
}

/// What the anchor of the database at `database` says: the head it recorded, or why there is
/// none (a note for the message).
fn recorded(secrets: &dyn SecretStore, database: &std::path::Path) -> Result<Head, String> {
    match secrets.anchor(database) {
        Ok(Some(text)) => Head::decode(&text)
            .ok_or_else(|| "the anchor in the OS keyring cannot be read".to_owned()),
        Ok(None) => Err("no anchor in the OS keyring yet".to_owned()),
        Err(e) => Err(format!("no anchor: {e}")),
    }
}
