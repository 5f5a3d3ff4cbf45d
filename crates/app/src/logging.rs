//! Logging for both binaries: to stderr, filtered by `ROOMBRIDGE_LOG` (tracing's env-filter
//! syntax, default `warn,roombridge=info`). Secrets are `roombridge_core::Secret`, which cannot
//! be formatted, so no log line can carry one.

/// Installs the log subscriber. Call once, first thing in `main`.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROOMBRIDGE_LOG")
                .unwrap_or_else(|_| "warn,roombridge=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
