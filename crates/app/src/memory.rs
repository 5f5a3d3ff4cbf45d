//! Gives memory the process freed back to the operating system.
//!
//! glibc's malloc keeps what it frees in its arenas (one per thread that allocated, up to eight
//! per core) and returns little of it by itself. After a peak, a first sync of hundreds of
//! rooms, the engine's resident memory stayed at the peak although what it still used was a
//! sixth of that (one 500-room run of `cargo bench -p roombridge-tests` without the trim:
//! 612 MiB resident, 101 MiB once trimmed by hand).

use std::time::Duration;

/// How long after the engine was busy freed memory is given back (and so at most how often).
const EVERY: Duration = Duration::from_secs(60);

/// How much free memory glibc keeps at the top of an arena before it gives it back on its own.
/// Its default (128 KiB, raised as large blocks come and go) made an idle engine give pages back
/// and fault them in again all the time: an eighth of its idle CPU went to `madvise` (perf,
/// 500 rooms). What a burst leaves is given back by [`give_back`] instead.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const KEEP_AT_TOP: i32 = 32 << 20;

/// Sets the allocator up for a long-running engine (glibc on Linux; nothing elsewhere).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tunable of the allocator; any value is valid for it.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP_AT_TOP);
    }
}

/// Gives freed memory back now (glibc on Linux; elsewhere the allocator does it itself).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of the heap and whole free pages
    // inside the arenas; it touches nothing a live allocation holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives freed memory back a minute after the engine was busy (a whole cycle finished), at
/// most once a minute, for as long as the engine runs. An idle engine frees nothing, so it is
/// not trimmed (a trim walks every arena).
pub(crate) async fn keep_giving_back(
    mut events: tokio::sync::broadcast::Receiver<roombridge_engine::EngineEvent>,
) {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    loop {
        match events.recv().await {
            Ok(roombridge_engine::EngineEvent::CycleFinished(_)) | Err(RecvError::Lagged(_)) => {}
            Ok(_) => continue,
            Err(RecvError::Closed) => return,
        }
        tokio::time::sleep(EVERY).await;
        // What finished meanwhile is covered by this trim.
        loop {
            match events.try_recv() {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => return,
            }
        }
        give_back();
    }
}
