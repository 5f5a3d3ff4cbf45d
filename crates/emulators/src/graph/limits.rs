//! Exchange's per-mailbox limits for one application: requests in flight at once, and requests
//! in a sliding window. A request over either limit is answered 429 `ApplicationThrottled`
//! before it is served, and does not count against the window (it did no work).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The limits per (application, mailbox). The emulator accepts one application, so they are
/// kept per mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Requests in flight at once (Exchange: 4). The next concurrent one gets 429.
    pub max_in_flight: usize,
    /// Requests within [`MailboxLimits::window`] (Exchange: 10,000).
    pub max_requests: usize,
    /// The sliding window of [`MailboxLimits::max_requests`] (Exchange: 10 minutes).
    pub window: Duration,
}

impl Default for MailboxLimits {
    fn default() -> Self {
        Self {
            max_in_flight: 4,
            max_requests: 10_000,
            window: Duration::from_secs(600),
        }
    }
}

/// Why a request was throttled, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Throttled {
    Concurrency,
    /// Whole seconds until the oldest request in the window leaves it.
    Window {
        retry_after: u64,
    },
}

#[derive(Default)]
struct Usage {
    in_flight: usize,
    recent: VecDeque<Instant>,
}

pub(crate) struct Limits {
    config: MailboxLimits,
    usage: Mutex<HashMap<String, Usage>>,
}

/// A mailbox's concurrency slot, given back when dropped (also when the request's future is
/// dropped because the client went away).
pub(crate) struct Slot {
    limits: Arc<Limits>,
    mailbox: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(u) = self.limits.lock().get_mut(&self.mailbox) {
            u.in_flight = u.in_flight.saturating_sub(1);
        }
    }
}

impl Limits {
    pub fn new(config: MailboxLimits) -> Limits {
        Limits {
            config,
            usage: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Usage>> {
        // Nothing panics while holding this lock; recovering keeps the counts usable anyway.
        self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits a request to `mailbox` (lower case), or says why not.
    pub fn admit(self: &Arc<Self>, mailbox: &str) -> Result<Slot, Throttled> {
        let now = Instant::now();
        let mut usage = self.lock();
        let u = usage.entry(mailbox.to_owned()).or_default();
        while u
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.config.window)
        {
            u.recent.pop_front();
        }
        if u.in_flight >= self.config.max_in_flight {
            return Err(Throttled::Concurrency);
        }
        if u.recent.len() >= self.config.max_requests {
            let frees = u
                .recent
                .front()
                .map(|t| self.config.window.saturating_sub(now.duration_since(*t)))
                .unwrap_or(self.config.window);
            // Whole seconds, rounded up, so a client that waits that long is admitted.
            let retry_after = frees.as_millis().div_ceil(1000).max(1) as u64;
            return Err(Throttled::Window { retry_after });
        }
        u.in_flight += 1;
        u.recent.push_back(now);
        Ok(Slot {
            limits: self.clone(),
            mailbox: mailbox.to_owned(),
        })
    }
}
