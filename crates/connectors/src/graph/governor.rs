//! The throttle governor: one per [`GraphConnector`](super::GraphConnector), shared by every room
//! that uses the connector.
//!
//! Graph throttles per app and mailbox: at most 4 concurrent requests and 10,000 requests per 10
//! minutes (DESIGN.md §3 "Failure handling"). Staying under those limits is cheaper than being
//! told about them, so every request first takes a slot in its mailbox's [`Gate`]: a bounded
//! number in flight, a rolling request budget, and a hold after a 429 until its `Retry-After`
//! has passed. Slots go to waiting [`Priority::Interactive`] requests before background ones.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// How hard the connector may use Graph, and how long it keeps retrying. The defaults are
/// Graph's documented limits for Outlook resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLimits {
    /// Requests in flight per mailbox (Graph: 4).
    pub max_in_flight_per_mailbox: usize,
    /// Requests per mailbox per rolling [`window`](Self::window) (Graph: 10,000). When the
    /// budget is used up, requests wait instead of failing.
    pub max_requests_per_window: usize,
    /// The rolling budget window (Graph: 10 minutes).
    pub window: Duration,
    /// Attempts per call, the first included, before a transient failure is returned.
    pub max_attempts: u32,
    /// The most a single call waits between its attempts, in total. A `Retry-After` that would
    /// go past it ends the call with the transient error, so the engine can reschedule.
    pub max_total_wait: Duration,
    /// The first backoff step; each later step doubles, up to [`max_backoff`](Self::max_backoff).
    pub base_backoff: Duration,
    /// The largest backoff step.
    pub max_backoff: Duration,
    /// How long one request may take before it counts as a (transient) timeout.
    pub request_timeout: Duration,
}

impl Default for GraphLimits {
    fn default() -> Self {
        Self {
            max_in_flight_per_mailbox: 4,
            max_requests_per_window: 10_000,
            window: Duration::from_secs(600),
            max_attempts: 5,
            max_total_wait: Duration::from_secs(120),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Whose work a request is. A waiting interactive request gets a mailbox's next free slot
/// before any waiting background request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Priority {
    /// Scheduled sync cycles.
    #[default]
    Background,
    /// Something a person is waiting for (a "sync now", a room picker).
    Interactive,
}

impl Priority {
    /// Index into a gate's wait queues: 0 is served first.
    fn rank(self) -> usize {
        match self {
            Priority::Interactive => 0,
            Priority::Background => 1,
        }
    }
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Runs `work` with every Graph request it makes at `priority`. This is how callers that only
/// hold a `dyn Calendar` mark user-initiated work. The priority is task-local: work spawned onto
/// other tasks inside `work` runs at the default ([`Priority::Background`]) unless wrapped again.
pub async fn with_priority<F: Future>(priority: Priority, work: F) -> F::Output {
    PRIORITY.scope(priority, work).await
}

/// The priority of the current task (see [`with_priority`]).
pub fn current_priority() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or_default()
}

/// Counters for benchmarks and the status screen. Monotonic since the connector was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphClientStats {
    /// HTTP requests sent to Graph (a `$batch` counts once), retries included.
    pub requests_sent: u64,
    /// Attempts that repeated an earlier one after a transient failure (batch items included).
    pub retries: u64,
    /// Times a request waited for a mailbox's 429 hold or its request budget.
    pub throttled_waits: u64,
    /// 429 answers received (batch items included).
    pub throttled_responses: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    throttled_waits: AtomicU64,
    throttled_responses: AtomicU64,
}

impl Counters {
    pub(crate) fn sent(&self) {
        self.requests_sent.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn retried(&self, n: u64) {
        self.retries.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn throttled(&self, n: u64) {
        self.throttled_responses.fetch_add(n, Ordering::Relaxed);
    }
    fn waited(&self) {
        self.throttled_waits.fetch_add(1, Ordering::Relaxed);
    }
}

/// The key for requests that address no mailbox (places, `$batch` across rooms): they share one
/// gate so they are bounded too.
pub(crate) const TENANT_KEY: &str = "";

/// Per-mailbox gates and the shared counters.
pub(crate) struct Governor {
    limits: GraphLimits,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    pub(crate) counters: Counters,
}

impl Governor {
    pub(crate) fn new(limits: GraphLimits) -> Self {
        Self {
            limits,
            gates: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    pub(crate) fn limits(&self) -> &GraphLimits {
        &self.limits
    }

    pub(crate) fn stats(&self) -> GraphClientStats {
        let c = &self.counters;
        GraphClientStats {
            requests_sent: c.requests_sent.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            throttled_waits: c.throttled_waits.load(Ordering::Relaxed),
            throttled_responses: c.throttled_responses.load(Ordering::Relaxed),
        }
    }

    fn gate(&self, mailbox: &str) -> Arc<Gate> {
        // Mailbox addresses are case-insensitive; one gate per mailbox, however it is spelled.
        let key = mailbox.to_ascii_lowercase();
        lock(&self.gates)
            .entry(key)
            .or_insert_with(|| Arc::new(Gate::default()))
            .clone()
    }

    /// Waits until `mailbox` may send a request that costs `cost` against its budget: a free
    /// slot (interactive first), no 429 hold, budget left. The slot is released when the
    /// returned [`Slot`] is dropped.
    pub(crate) async fn admit(&self, mailbox: &str, cost: usize) -> Slot {
        let gate = self.gate(mailbox);
        let slot = gate
            .acquire(
                current_priority(),
                self.limits.max_in_flight_per_mailbox.max(1),
            )
            .await;
        // The slot is held while waiting out a hold or the budget: the mailbox is not to be
        // used anyway, and queue order (and so priority) is kept.
        loop {
            let wait = gate.reserve(
                cost.clamp(1, self.limits.max_requests_per_window.max(1)),
                self.limits.max_requests_per_window.max(1),
                self.limits.window,
            );
            match wait {
                None => return slot,
                Some(d) => {
                    self.counters.waited();
                    tokio::time::sleep(d).await;
                }
            }
        }
    }

    /// The requests each mailbox sent in the current rolling window, by mailbox (lower case;
    /// [`TENANT_KEY`] for tenant-wide calls). Mailboxes that sent none lately are left out.
    pub(crate) fn budget(&self) -> Vec<(String, usize)> {
        let now = Instant::now();
        let gates: Vec<(String, Arc<Gate>)> = lock(&self.gates)
            .iter()
            .map(|(k, g)| (k.clone(), g.clone()))
            .collect();
        let mut out: Vec<(String, usize)> = gates
            .into_iter()
            .map(|(mailbox, gate)| {
                let s = lock(&gate.state);
                let used = s
                    .sent
                    .iter()
                    .filter(|t| now.duration_since(**t) < self.limits.window)
                    .count();
                (mailbox, used)
            })
            .filter(|(_, used)| *used > 0)
            .collect();
        out.sort();
        out
    }

    /// Holds `mailbox` back for `delay` (Graph answered 429 with that `Retry-After`).
    pub(crate) fn hold(&self, mailbox: &str, delay: Duration) {
        let gate = self.gate(mailbox);
        let until = Instant::now() + delay;
        let mut s = lock(&gate.state);
        if s.hold_until.is_none_or(|t| t < until) {
            s.hold_until = Some(until);
        }
    }

    pub(crate) fn backoff(&self) -> Backoff {
        Backoff {
            limits: self.limits.clone(),
            attempt: 1,
            waited: Duration::ZERO,
        }
    }
}

/// A poisoned lock only means another request panicked while holding it; the counters and
/// queues inside are still consistent (every critical section is a few plain assignments).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One mailbox's slots, wait queues, budget and hold.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    in_flight: usize,
    /// Waiting requests by [`Priority::rank`]. A slot is handed over through the channel.
    waiting: [VecDeque<oneshot::Sender<Slot>>; 2],
    /// When each request in the current budget window was admitted, oldest first.
    sent: VecDeque<Instant>,
    hold_until: Option<Instant>,
}

impl Gate {
    async fn acquire(self: &Arc<Self>, priority: Priority, max: usize) -> Slot {
        loop {
            let rx = {
                let mut s = lock(&self.state);
                // Waiters exist only while every slot is taken (a release hands its slot to
                // the first waiter), so a free slot can be taken without jumping the queue.
                if s.in_flight < max {
                    s.in_flight += 1;
                    return Slot {
                        gate: Some(self.clone()),
                    };
                }
                let (tx, rx) = oneshot::channel();
                s.waiting[priority.rank()].push_back(tx);
                rx
            };
            // The sender is only dropped unsent if the gate itself goes away, which cannot
            // happen while we hold an `Arc` to it; loop rather than assume.
            if let Ok(slot) = rx.await {
                return slot;
            }
        }
    }

    /// Hands a released slot to the first live waiter, or frees it.
    fn release(self: &Arc<Self>) {
        let mut s = lock(&self.state);
        loop {
            let next = s.waiting.iter_mut().find_map(VecDeque::pop_front);
            let Some(tx) = next else {
                s.in_flight = s.in_flight.saturating_sub(1);
                return;
            };
            let slot = Slot {
                gate: Some(self.clone()),
            };
            match tx.send(slot) {
                Ok(()) => return,
                // That waiter gave up; disarm the slot (dropping it armed would re-enter this
                // lock) and try the next one.
                Err(mut slot) => slot.gate = None,
            }
        }
    }

    /// Records a request of `cost` if the budget and the hold allow it now; otherwise returns
    /// how long to wait before asking again.
    fn reserve(&self, cost: usize, max: usize, window: Duration) -> Option<Duration> {
        let mut s = lock(&self.state);
        let now = Instant::now();
        while s
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            s.sent.pop_front();
        }
        let hold = s
            .hold_until
            .filter(|t| *t > now)
            .map(|t| t.duration_since(now));
        let over = (s.sent.len() + cost).saturating_sub(max);
        let budget = (over > 0)
            .then(|| s.sent.get(over - 1).copied())
            .flatten()
            .map(|t| (t + window).saturating_duration_since(now));
        match (hold, budget) {
            (None, None) => {
                s.sent.extend(std::iter::repeat_n(now, cost));
                None
            }
            (a, b) => a.max(b),
        }
    }
}

/// Permission to have one request in flight for a mailbox; released on drop (also when the
/// request's future is cancelled).
pub(crate) struct Slot {
    /// `None` once disarmed.
    gate: Option<Arc<Gate>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

/// Exponential backoff with full jitter, bounded in attempts and in total wait, for one call.
pub(crate) struct Backoff {
    limits: GraphLimits,
    /// Attempts made so far.
    attempt: u32,
    waited: Duration,
}

impl Backoff {
    /// How long to wait before the next attempt, or `None` when the call should give up.
    /// `retry_after` (Graph's or the token endpoint's) replaces the jittered step.
    pub(crate) fn next(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        if self.attempt >= self.limits.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| {
            let ceiling = self
                .limits
                .base_backoff
                .saturating_mul(1 << (self.attempt - 1).min(16))
                .min(self.limits.max_backoff);
            // Full jitter: anywhere between zero and the ceiling, so clients that failed
            // together do not retry together.
            let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
            Duration::from_millis(rand::rng().random_range(0..=ms))
        });
        if self.waited + delay > self.limits.max_total_wait {
            return None;
        }
        self.attempt += 1;
        self.waited += delay;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_released_slot_goes_to_a_waiting_interactive_request_first() {
        let governor = Arc::new(Governor::new(GraphLimits {
            max_in_flight_per_mailbox: 1,
            ..GraphLimits::default()
        }));
        let first = governor.admit("room@x", 1).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, p) in [
            ("background", Priority::Background),
            ("interactive", Priority::Interactive),
        ] {
            let (g, o) = (governor.clone(), order.clone());
            tasks.push(tokio::spawn(with_priority(p, async move {
                let _slot = g.admit("room@x", 1).await;
                lock(&o).push(name);
            })));
            tokio::task::yield_now().await;
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*lock(&order), ["interactive", "background"]);
    }

    #[tokio::test]
    async fn the_budget_snapshot_counts_each_mailboxs_requests_in_the_window() {
        let governor = Governor::new(GraphLimits::default());
        for _ in 0..3 {
            drop(governor.admit("Gym@Example.org", 1).await);
        }
        drop(governor.admit("hall@example.org", 2).await);
        drop(governor.admit("gym@example.org", 1).await);
        assert_eq!(
            governor.budget(),
            [
                ("gym@example.org".to_owned(), 4),
                ("hall@example.org".to_owned(), 2)
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_makes_requests_wait_for_the_window_to_roll() {
        let governor = Governor::new(GraphLimits {
            max_requests_per_window: 2,
            window: Duration::from_secs(60),
            ..GraphLimits::default()
        });
        let start = Instant::now();
        for _ in 0..3 {
            drop(governor.admit("room@x", 1).await);
        }
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert_eq!(governor.stats().throttled_waits, 1);
    }

    #[test]
    fn backoff_gives_up_after_the_attempt_bound_or_the_wait_bound() {
        let governor = Governor::new(GraphLimits {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(10),
            ..GraphLimits::default()
        });
        let mut b = governor.backoff();
        assert!(b.next(None).is_some());
        assert!(b.next(None).is_some());
        assert_eq!(b.next(None), None, "three attempts made");
        let mut b = governor.backoff();
        assert_eq!(b.next(Some(Duration::from_secs(11))), None, "too long");
    }
}
