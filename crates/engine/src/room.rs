//! `RoomActor`: one per room. It runs a cycle on its timer or when asked, never two at once.
//!
//! The cycle itself runs in a task that sends its report back as a message, so the actor stays
//! responsive (a "sync now" during a cycle is queued, not lost).

use std::sync::Arc;

use ractor::concurrency::JoinHandle;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use roombridge_core::RoomId;
use roombridge_store::rooms;

use crate::EngineContext;
use crate::cycle::{self, CycleMode, CycleReport};
use crate::supervisor::SupervisorMsg;

pub struct RoomActor;

pub enum RoomMsg {
    /// The timer fired.
    Tick,
    /// Run a cycle now (after the running one, if any) and reply with its report.
    SyncNow(CycleMode, Option<RpcReplyPort<Arc<CycleReport>>>),
    /// The cycle task finished.
    CycleDone(Arc<CycleReport>),
}

pub struct RoomArgs {
    pub room: RoomId,
    pub context: Arc<EngineContext>,
    pub supervisor: ActorRef<SupervisorMsg>,
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
        let timer = args
            .context
            .config
            .poll_interval
            .map(|every| myself.send_interval(every, || RoomMsg::Tick));
        if args.context.config.poll_interval.is_some() {
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
                if state.running.is_none() {
                    start(&myself, state, CycleMode::Execute);
                }
            }
            RoomMsg::SyncNow(mode, reply) => {
                state.queued.push((mode, reply));
                if state.running.is_none() {
                    let (mode, _) = &state.queued[0];
                    start(&myself, state, *mode);
                }
            }
            RoomMsg::CycleDone(report) => {
                let ran = state.running.take();
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
                }
                if let Some((mode, _)) = state.queued.first() {
                    let mode = *mode;
                    start(&myself, state, mode);
                }
            }
        }
        Ok(())
    }
}

/// Starts a cycle in a task; its report comes back as [`RoomMsg::CycleDone`].
fn start(myself: &ActorRef<RoomMsg>, state: &mut RoomState, mode: CycleMode) {
    state.running = Some(mode);
    let context = state.context.clone();
    let room_id = state.room.clone();
    let me = myself.clone();
    tokio::spawn(async move {
        let room = context.store.read(|c| rooms::get(c, &room_id));
        let report = match room {
            Ok(Some(room)) if room.paused && mode == CycleMode::Execute => {
                Arc::new(CycleReport::skipped(&room, "paused"))
            }
            Ok(Some(room)) => cycle::run_and_report(&context, &room, mode).await,
            Ok(None) => Arc::new(CycleReport::missing(&room_id)),
            Err(e) => Arc::new(CycleReport::missing(&room_id).with_error(e.to_string())),
        };
        // The actor may have been stopped meanwhile; then nobody needs the report.
        let _ = me.send_message(RoomMsg::CycleDone(report));
    });
}
