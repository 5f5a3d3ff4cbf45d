//! The supervisor: starts one `RoomActor` per room, restarts a failed one with backoff, and
//! gives up on a room (leaving the others running) after too many failures in a window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use roombridge_core::RoomId;
use roombridge_store::rooms;

use crate::cycle::{CycleMode, CycleReport};
use crate::room::{RoomActor, RoomArgs, RoomMsg};
use crate::{EngineContext, EngineEvent};

pub struct Supervisor;

/// How long timed cycles pause after the tenant's credentials were refused.
pub const AUTH_HOLD: Duration = Duration::from_secs(300);

pub enum SupervisorMsg {
    /// Run one cycle in every unpaused room and reply with all reports.
    SyncAll(CycleMode, RpcReplyPort<Vec<Arc<CycleReport>>>),
    /// Run one cycle in one room now.
    SyncRoom(RoomId),
    /// The rooms in the store changed.
    ReloadRooms,
    /// A room finished a cycle.
    CycleFinished(Arc<CycleReport>),
    /// Restart a room's actor (sent after a backoff).
    Restart(RoomId),
    /// Every room ticks at this interval from now on.
    SetPollInterval(Duration),
    /// The interval each room ticks at now, by room.
    PollIntervals(RpcReplyPort<Vec<(RoomId, Option<Duration>)>>),
}

pub struct SupervisorState {
    context: Arc<EngineContext>,
    rooms: HashMap<RoomId, ActorRef<RoomMsg>>,
    by_actor: HashMap<ActorId, RoomId>,
    /// When each room's actor failed recently.
    failures: HashMap<RoomId, Vec<Instant>>,
    /// How often rooms run a cycle; `None` when they run only when asked.
    poll: Option<Duration>,
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = Arc<EngineContext>;

    async fn pre_start(
        &self,
        myself: ActorRef<SupervisorMsg>,
        context: Arc<EngineContext>,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        // The interval a person chose wins over the configured one, unless the engine runs
        // cycles only when asked.
        let chosen = context
            .store
            .read(roombridge_store::settings::poll_interval)?;
        let poll = context.config.poll_interval.map(|d| chosen.unwrap_or(d));
        let mut state = SupervisorState {
            context,
            rooms: HashMap::new(),
            by_actor: HashMap::new(),
            failures: HashMap::new(),
            poll,
        };
        reload(&myself, &mut state).await?;
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<SupervisorMsg>,
        message: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::SyncAll(mode, reply) => {
                let actors: Vec<_> = state.rooms.values().cloned().collect();
                let timeout = state.context.config.cycle_timeout + Duration::from_secs(5);
                // Wait in a task: the supervisor keeps handling restarts and reports meanwhile.
                tokio::spawn(async move {
                    let mut calls = tokio::task::JoinSet::new();
                    for actor in actors {
                        calls.spawn(async move {
                            actor
                                .call(|r| RoomMsg::SyncNow(mode, Some(r)), Some(timeout))
                                .await
                        });
                    }
                    let mut reports = Vec::new();
                    while let Some(done) = calls.join_next().await {
                        if let Ok(Ok(ractor::rpc::CallResult::Success(report))) = done {
                            reports.push(report);
                        }
                    }
                    reports.sort_by(|a, b| a.room_name.cmp(&b.room_name));
                    let _ = reply.send(reports);
                });
            }
            SupervisorMsg::SyncRoom(room) => {
                if let Some(actor) = state.rooms.get(&room) {
                    let _ = actor.cast(RoomMsg::SyncNow(CycleMode::Execute, None));
                }
            }
            SupervisorMsg::ReloadRooms => reload(&myself, state).await?,
            SupervisorMsg::CycleFinished(report) => {
                if report.ok() {
                    state.failures.remove(&report.room);
                } else if report.auth_failed {
                    // One tenant, one set of credentials: if they are refused for one room they
                    // are refused for all. Hold every room's timed cycles instead of hammering the
                    // token endpoint; a "sync now" after fixing the credentials still runs.
                    for actor in state.rooms.values() {
                        let _ = actor.cast(RoomMsg::Hold(AUTH_HOLD));
                    }
                }
            }
            SupervisorMsg::SetPollInterval(every) => {
                if state.poll.is_some() {
                    state.poll = Some(every);
                    for actor in state.rooms.values() {
                        let _ = actor.cast(RoomMsg::SetPollInterval(every));
                    }
                }
            }
            SupervisorMsg::PollIntervals(reply) => {
                let actors: Vec<_> = state
                    .rooms
                    .iter()
                    .map(|(id, a)| (id.clone(), a.clone()))
                    .collect();
                // Ask in a task: the supervisor keeps handling messages meanwhile.
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    for (id, actor) in actors {
                        if let Ok(ractor::rpc::CallResult::Success(poll)) = actor
                            .call(RoomMsg::PollInterval, Some(Duration::from_secs(5)))
                            .await
                        {
                            out.push((id, poll));
                        }
                    }
                    out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
                    let _ = reply.send(out);
                });
            }
            SupervisorMsg::Restart(room) => {
                if !state.rooms.contains_key(&room) {
                    spawn_room(&myself, state, room).await?;
                }
            }
        }
        Ok(())
    }

    // ractor's default stops the supervisor when a child exits; a room failing must not take
    // the other rooms down.
    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupervisorMsg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, why) = match event {
            SupervisionEvent::ActorFailed(cell, err) => (cell, err.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        let Some(room) = state.by_actor.remove(&cell.get_id()) else {
            // A room we stopped on purpose.
            return Ok(());
        };
        state.rooms.remove(&room);
        let config = &state.context.config;
        let now = Instant::now();
        let recent = state.failures.entry(room.clone()).or_default();
        recent.retain(|t| now.duration_since(*t) < config.restart_window);
        recent.push(now);
        if recent.len() as u32 > config.max_restarts {
            let message = format!(
                "The room stopped {} times within {} minutes and was left stopped: {why}",
                recent.len(),
                config.restart_window.as_secs() / 60
            );
            tracing::error!(room = %room, "{message}");
            state
                .context
                .emit(EngineEvent::RoomFailed { room, message });
            return Ok(());
        }
        let backoff = Duration::from_secs(1 << recent.len().min(6));
        tracing::warn!(room = %room, "room actor stopped ({why}); restarting in {backoff:?}");
        myself.send_after(backoff, move || SupervisorMsg::Restart(room));
        Ok(())
    }
}

async fn spawn_room(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
    room: RoomId,
) -> Result<(), ActorProcessingErr> {
    let args = RoomArgs {
        room: room.clone(),
        context: state.context.clone(),
        supervisor: myself.clone(),
        poll: state.poll,
    };
    let (actor, _) = Actor::spawn_linked(None, RoomActor, args, myself.get_cell()).await?;
    state.by_actor.insert(actor.get_id(), room.clone());
    state.rooms.insert(room, actor);
    Ok(())
}

/// Brings the set of room actors in line with the rooms in the store.
async fn reload(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState,
) -> Result<(), ActorProcessingErr> {
    let wanted = state.context.store.read(rooms::list)?;
    let gone: Vec<RoomId> = state
        .rooms
        .keys()
        .filter(|id| !wanted.iter().any(|r| &r.id == *id))
        .cloned()
        .collect();
    for id in gone {
        if let Some(actor) = state.rooms.remove(&id) {
            state.by_actor.remove(&actor.get_id());
            actor.stop(Some("room removed".into()));
        }
    }
    for room in wanted {
        if !state.rooms.contains_key(&room.id) {
            spawn_room(myself, state, room.id).await?;
        }
    }
    Ok(())
}
