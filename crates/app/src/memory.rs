//! Gives memory the process freed back to the operating system.
//!
//! glibc's malloc keeps what it frees in its arenas (one per thread that allocated, up to eight
//! per core) and returns little of it by itself. After a peak, a first sync of hundreds of
//! rooms, the engine's resident memory stayed at the peak although what it still used was a
//! fifth of that (measured with `cargo bench -p roombridge-tests`: 612 MiB resident, 101 MiB
//! after a trim). A trim a minute costs a few milliseconds.

use std::time::Duration;

/// How often freed memory is given back.
const EVERY: Duration = Duration::from_secs(60);

/// Gives freed memory back now (glibc on Linux; elsewhere the allocator does it itself).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of the heap and whole free pages
    // inside the arenas; it touches nothing a live allocation holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives freed memory back every minute for as long as `app` runs.
pub(crate) async fn keep_giving_back(app: std::sync::Weak<crate::App>) {
    loop {
        tokio::time::sleep(EVERY).await;
        if app.upgrade().is_none() {
            return;
        }
        give_back();
    }
}
