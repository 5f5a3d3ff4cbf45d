//! `RoomActor`: one per room. It runs a cycle on its timer or when asked, never two at once.
//!
//! The cycle itself runs in a task that sends its report back as a message, so the actor stays
//! responsive (a "sync now" during a cycle is queued, not lost).
//!
//! Polling adapts to the room: every tick reads the booking system's change feed (no Graph
//! request), and Outlook's only when the room's Outlook reading is due; the cycle plans only
//! when they brought something or work is waiting (see [`Reach::Timed`]). The Outlook reading
//! is due one poll interval after a busy cycle (anything arrived, was planned or failed), and
//! twice as long after each idle one, up to 15 poll intervals or
//! [`EngineConfig::calendar_ceiling`](crate::EngineConfig::calendar_ceiling), whichever is
//! shorter. A "sync now", a retry or a webhook reads both at once.

use std::sync::Arc;

use ractor::concurrency::JoinHandle;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use roombridge_connectors::graph::{Priority, with_priority};
use roombridge_core::RoomId;
use roombridge_store::rooms;

use crate::EngineContext;
use crate::cycle::{self, CycleMode, CycleReport, Reach};
use crate::supervisor::SupervisorMsg;

pub struct RoomActor;

/// An idle room's Outlook is read at least every this many polls (and at least every
/// [`EngineConfig::calendar_ceiling`](crate::EngineConfig::calendar_ceiling)).
const IDLE_POLLS: u32 = 15;

pub enum RoomMsg {
    /// The timer fired.
    Tick,
    /// Run a cycle now (after the running one, if any) and reply with its report.
    SyncNow(CycleMode, Option<RpcReplyPort<Arc<CycleReport>>>),
    /// The cycle task finished.
    CycleDone(Arc<CycleReport>),
    /// The cycle task panicked: the room's state can no longer be trusted, so the actor fails
    /// and its supervisor restarts it (or, after repeated failures, reports the room failed).
    CyclePanicked(String),
    /// Retry after a failed cycle.
    Retry,
    /// Run no timed cycles for this long (the tenant's credentials were refused); a "sync now"
    /// still runs.
    Hold(std::time::Duration),
    /// Tick at this interval from now on (a person changed it in the settings).
    SetPollInterval(std::time::Duration),
    /// The interval the room ticks at now; `None` when it runs cycles only when asked.
    PollInterval(RpcReplyPort<Option<std::time::Duration>>),
}

pub struct RoomArgs {
    pub room: RoomId,
    pub context: Arc<EngineContext>,
    pub supervisor: ActorRef<SupervisorMsg>,
    /// How often to run a cycle; `None` runs cycles only when asked.
    pub poll: Option<std::time::Duration>,
}

pub struct RoomState {
    room: RoomId,
    context: Arc<EngineContext>,
    supervisor: ActorRef<SupervisorMsg>,
    /// The mode of the cycle in flight, if one is.
    running: Option<CycleMode>,
    /// Requests that arrived while a cycle was running, in order.
    queued: Vec<(CycleMode, Option<RpcReplyPort<Arc<CycleReport>>>)>,
    timer: Option<JoinHandle<()>>,
    poll: Option<std::time::Duration>,
    /// Failed cycles in a row; drives the retry backoff.
    failures: u32,
    /// No timed cycles before this instant (the tenant's credentials were refused).
    hold_until: Option<std::time::Instant>,
    /// How long after the last whole cycle Outlook is read again, and when that is.
    calendar_every: std::time::Duration,
    calendar_due: std::time::Instant,
    /// Whether the cycle in flight reads Outlook.
    outlook_read: bool,
}

impl RoomState {
    /// After a whole cycle: a busy room's Outlook is read again one poll interval later, an
    /// idle one's twice as late as last time, up to the ceiling.
    fn pace(&mut self, busy: bool) {
        let Some(poll) = self.poll else { return };
        let ceiling = (poll * IDLE_POLLS)
            .min(self.context.config.calendar_ceiling)
            .max(poll);
        self.calendar_every = if busy {
            poll
        } else {
            (self.calendar_every * 2).clamp(poll, ceiling)
        };
        self.calendar_due = std::time::Instant::now() + self.calendar_every;
    }
}

impl Actor for RoomActor {
    type Msg = RoomMsg;
    type State = RoomState;
    type Arguments = RoomArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RoomMsg>,
        args: RoomArgs,
    ) -> Result<RoomState, ActorProcessingErr> {
        let timer = args.poll.map(|every| ticks(&myself, every));
        if args.poll.is_some() {
            // First cycle right away rather than one interval from now.
            myself.send_message(RoomMsg::Tick)?;
        }
        Ok(RoomState {
            room: args.room,
            context: args.context,
            supervisor: args.supervisor,
            running: None,
            queued: Vec::new(),
            timer,
            poll: args.poll,
            failures: 0,
            hold_until: None,
            // Unused by a room that runs cycles only when asked.
            calendar_every: args.poll.unwrap_or_default(),
            // The first cycle reads both.
            calendar_due: std::time::Instant::now(),
            outlook_read: false,
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<RoomMsg>,
        state: &mut RoomState,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(timer) = state.timer.take() {
            timer.abort();
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<RoomMsg>,
        message: RoomMsg,
        state: &mut RoomState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RoomMsg::Tick => {
                // A tick while a cycle runs is dropped: the running cycle covers it.
                let held = state
                    .hold_until
                    .is_some_and(|until| std::time::Instant::now() < until);
                if state.running.is_none() && !held {
                    let reach = Reach::Timed {
                        outlook_due: std::time::Instant::now() >= state.calendar_due,
                    };
                    start(&myself, state, CycleMode::Execute, reach);
                }
            }
            RoomMsg::Retry => {
                if state.running.is_none() {
                    start(&myself, state, CycleMode::Execute, Reach::Both);
                }
            }
            RoomMsg::Hold(duration) => {
                state.hold_until = Some(std::time::Instant::now() + duration);
            }
            RoomMsg::SetPollInterval(every) => {
                // A room that only runs cycles when asked (`sync --once`) stays that way.
                if state.poll.is_some() && state.poll != Some(every) {
                    if let Some(timer) = state.timer.take() {
                        timer.abort();
                    }
                    state.timer = Some(ticks(&myself, every));
                    state.poll = Some(every);
                    state.pace(true);
                }
            }
            RoomMsg::PollInterval(reply) => {
                // The caller may have given up waiting; that is fine.
                let _ = reply.send(state.poll);
            }
            RoomMsg::SyncNow(mode, reply) => {
                state.queued.push((mode, reply));
                if state.running.is_none() {
                    let (mode, _) = &state.queued[0];
                    start(&myself, state, *mode, Reach::Both);
                }
            }
            RoomMsg::CyclePanicked(what) => {
                tracing::error!(room = %state.room, "a sync cycle panicked: {what}");
                return Err(
                    format!("A sync cycle of this room stopped unexpectedly: {what}").into(),
                );
            }
            RoomMsg::CycleDone(report) => {
                let ran = state.running.take();
                // A quiet timed cycle (a dry run of a settled room is quiet too, and answers
                // whoever asked for it, below).
                if report.quiet && report.mode == CycleMode::Execute {
                    // Nothing arrived; an Outlook reading that found nothing counts as an idle
                    // cycle.
                    if state.outlook_read {
                        state.pace(false);
                    }
                    if let Some((mode, _)) = state.queued.first() {
                        let mode = *mode;
                        start(&myself, state, mode, Reach::Both);
                    }
                    return Ok(());
                }
                if report.mode == CycleMode::Execute {
                    state.pace(report.busy());
                }
                // Everyone waiting for a cycle of the mode that just ran gets its report.
                let (served, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut state.queued)
                    .into_iter()
                    .partition(|(mode, _)| Some(*mode) == ran);
                state.queued = rest;
                for (_, reply) in served {
                    if let Some(reply) = reply {
                        // The caller may have given up waiting; that is fine.
                        let _ = reply.send(report.clone());
                    }
                }
                if report.mode == CycleMode::Execute {
                    let _ = state
                        .supervisor
                        .cast(SupervisorMsg::CycleFinished(report.clone()));
                    if report.ok() {
                        state.failures = 0;
                        state.hold_until = None;
                    } else if !report.auth_failed && !report.held {
                        // A failed cycle (a service down, a timeout) is retried sooner than the
                        // next tick, backing off; credential failures wait for the supervisor.
                        state.failures += 1;
                        let delay = retry_delay(state.failures, state.poll);
                        myself.send_after(delay, || RoomMsg::Retry);
                    }
                }
                if let Some((mode, _)) = state.queued.first() {
                    let mode = *mode;
                    start(&myself, state, mode, Reach::Both);
                }
            }
        }
        Ok(())
    }
}

/// The room's timer: a tick every `every`, the first one at a random point of the first
/// interval, so that rooms started together do not all tick at the same moments.
fn ticks(myself: &ActorRef<RoomMsg>, every: std::time::Duration) -> JoinHandle<()> {
    use rand::Rng;
    let offset = every.mul_f64(rand::rng().random_range(0.0..1.0));
    let me = myself.clone();
    ractor::concurrency::spawn(async move {
        tokio::time::sleep(offset).await;
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if me.send_message(RoomMsg::Tick).is_err() {
                break;
            }
        }
    })
}

/// Starts a cycle in a task; its report comes back as [`RoomMsg::CycleDone`]. A timed cycle
/// (a tick or a retry) runs in the background; one someone asked for goes first at Graph.
fn start(myself: &ActorRef<RoomMsg>, state: &mut RoomState, mode: CycleMode, reach: Reach) {
    let priority = if state.queued.is_empty() {
        Priority::Background
    } else {
        Priority::Interactive
    };
    state.running = Some(mode);
    state.outlook_read = !matches!(reach, Reach::Timed { outlook_due: false });
    let context = state.context.clone();
    let room_id = state.room.clone();
    let me = myself.clone();
    let cycle = tokio::spawn(with_priority(priority, async move {
        let room = context.store.read_by_key(|c| rooms::get(c, &room_id));
        match room {
            Ok(Some(room)) if room.paused && mode == CycleMode::Execute => {
                Arc::new(CycleReport::skipped(&room, "paused"))
            }
            Ok(Some(room)) => cycle::run_and_report(&context, &room, mode, reach).await,
            Ok(None) => Arc::new(CycleReport::missing(&room_id)),
            Err(e) => Arc::new(CycleReport::missing(&room_id).with_error(e.to_string())),
        }
    }));
    // A panic in the cycle must not go unseen (the room would silently stop syncing): it
    // reaches the actor, which fails, so that the supervisor restarts it.
    tokio::spawn(async move {
        // The actor may have been stopped meanwhile; then nobody needs the outcome.
        match cycle.await {
            Ok(report) => {
                let _ = me.send_message(RoomMsg::CycleDone(report));
            }
            Err(e) if e.is_panic() => {
                let _ = me.send_message(RoomMsg::CyclePanicked(panic_text(e.into_panic())));
            }
            // Cancelled: the runtime is shutting down.
            Err(_) => {}
        }
    });
}

/// The message a panic carried, if it was text.
fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Exponential backoff with full jitter: up to 2^failures seconds, never longer than the poll
/// interval (the timer retries then anyway), at least one second.
fn retry_delay(failures: u32, poll: Option<std::time::Duration>) -> std::time::Duration {
    use rand::Rng;
    let cap = poll.unwrap_or(std::time::Duration::from_secs(300));
    let ceiling = std::time::Duration::from_secs(1u64 << failures.min(9)).min(cap);
    let millis = rand::rng().random_range(1000..=ceiling.as_millis().max(1000) as u64);
    std::time::Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::retry_delay;
    use std::time::Duration;

    #[test]
    fn retry_delay_grows_but_stays_within_the_poll_interval() {
        let poll = Some(Duration::from_secs(30));
        for failures in 1..20 {
            let d = retry_delay(failures, poll);
            assert!(d >= Duration::from_secs(1), "{d:?}");
            assert!(d <= Duration::from_secs(30), "{d:?}");
            assert!(d <= Duration::from_secs(1 << failures.min(9)).max(Duration::from_secs(1)));
        }
    }
}
