//! RoomBridge as the commands see it: starting, started, or unable to start.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use roombridge_app::ops::Target;
use roombridge_app::wizard::Wizard;
use roombridge_app::{ApiError, App, ErrorCode};

/// How long a command waits for RoomBridge to finish starting before answering `unavailable`.
const START_WAIT: Duration = Duration::from_secs(60);

#[derive(Clone)]
enum Phase {
    Starting,
    Started(Arc<App>),
    /// Live mode is not set up: the setup wizard waits for the person.
    Setup(Arc<Wizard>),
    Unavailable(String),
}

/// Managed Tauri state: the running [`App`] once it has started.
pub struct AppState {
    phase: watch::Receiver<Phase>,
}

/// The start-up task's end of [`AppState`].
pub struct Starter {
    phase: watch::Sender<Phase>,
}

impl AppState {
    /// A state whose app is still starting; the [`Starter`] says how that ended.
    pub fn starting() -> (AppState, Starter) {
        let (tx, rx) = watch::channel(Phase::Starting);
        (AppState { phase: rx }, Starter { phase: tx })
    }

    /// A state with an app that has already started.
    pub fn started_with(app: Arc<App>) -> AppState {
        let (state, starter) = AppState::starting();
        starter.ready(app);
        state
    }

    /// The running app, waiting for it while it starts. Fails with `unavailable` if it could
    /// not start (the message says why and what to do) or is still starting after a minute.
    pub async fn app(&self) -> Result<Arc<App>, ApiError> {
        let mut phase = self.phase.clone();
        let settled = tokio::time::timeout(
            START_WAIT,
            phase.wait_for(|p| !matches!(p, Phase::Starting)),
        )
        .await;
        let phase = match settled {
            Ok(Ok(phase)) => phase.clone(),
            // The sender is gone only if the start-up task panicked.
            Ok(Err(_)) => Phase::Unavailable("RoomBridge stopped while starting.".into()),
            Err(_) => Phase::Starting,
        };
        match phase {
            Phase::Started(app) => Ok(app),
            // The wizard may have started the app a moment before the start-up task moves
            // the phase on: take it from the wizard rather than answer "not configured".
            Phase::Setup(wizard) => wizard
                .started()
                .borrow()
                .clone()
                .ok_or_else(ApiError::not_configured),
            Phase::Unavailable(message) => Err(ApiError::unavailable(message)),
            Phase::Starting => Err(ApiError::unavailable(
                "RoomBridge is still starting; try again in a moment.",
            )),
        }
    }

    /// The setup wizard, while RoomBridge waits to be set up. Once it is set up, the wizard's
    /// commands answer `invalid_input`.
    pub async fn wizard(&self) -> Result<Arc<Wizard>, ApiError> {
        let mut phase = self.phase.clone();
        let settled = tokio::time::timeout(
            START_WAIT,
            phase.wait_for(|p| !matches!(p, Phase::Starting)),
        )
        .await;
        match settled.ok().and_then(Result::ok).map(|p| p.clone()) {
            Some(Phase::Setup(wizard)) => Ok(wizard),
            Some(Phase::Started(_)) => Err(ApiError::new(
                ErrorCode::InvalidInput,
                "RoomBridge is already set up. Change rooms on the Rooms screen.",
            )),
            Some(Phase::Unavailable(message)) => Err(ApiError::unavailable(message)),
            Some(Phase::Starting) | None => Err(ApiError::unavailable(
                "RoomBridge is still starting; try again in a moment.",
            )),
        }
    }

    /// The status: the app's, or `setup` mode while the wizard waits.
    /// What an operation runs against: the app, or the setup wizard until it has started one.
    pub async fn target(&self) -> Result<Target, ApiError> {
        match self.app().await {
            Ok(app) => Ok(Target::App(app)),
            Err(e) if e.code == ErrorCode::NotConfigured => Ok(Target::Setup(self.wizard().await?)),
            Err(e) => Err(e),
        }
    }

    pub fn started(&self) -> Option<Arc<App>> {
        match &*self.phase.borrow() {
            Phase::Started(app) => Some(app.clone()),
            _ => None,
        }
    }
}

impl Starter {
    pub fn ready(&self, app: Arc<App>) {
        // send_replace stores the value even when no command is waiting.
        self.phase.send_replace(Phase::Started(app));
    }

    /// RoomBridge waits for the setup wizard; [`Starter::ready`] follows once it is finished.
    pub fn setup(&self, wizard: Arc<Wizard>) {
        self.phase.send_replace(Phase::Setup(wizard));
    }

    pub fn unavailable(&self, message: String) {
        self.phase.send_replace(Phase::Unavailable(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roombridge_app::ErrorCode;

    #[tokio::test]
    async fn a_failed_start_answers_unavailable_with_its_message() {
        let (state, starter) = AppState::starting();
        let waiting = tokio::spawn(async move { state.app().await.map(|_| ()) });
        starter.unavailable("RoomBridge is not configured yet.".into());
        let error = waiting.await.unwrap().unwrap_err();
        assert_eq!(error.code, ErrorCode::Unavailable);
        assert_eq!(error.message, "RoomBridge is not configured yet.");
    }

    #[tokio::test]
    async fn a_start_task_that_dies_answers_unavailable() {
        let (state, starter) = AppState::starting();
        drop(starter);
        let error = state.app().await.map(|_| ()).unwrap_err();
        assert_eq!(error.code, ErrorCode::Unavailable);
        assert!(state.started().is_none());
    }
}
