//! Counters for benchmarks: what a client asked of the emulated Graph and how much it moved.

use std::collections::BTreeMap;

use serde::Serialize;

use super::faults::GraphRoute;

/// What the emulator served since start (or the last reset). `GET /admin/stats` answers it as
/// JSON, routes and mailboxes as keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphStats {
    /// Requests as they arrived over HTTP, by route (a `$batch` counts once, as `batch`).
    pub requests: BTreeMap<GraphRoute, u64>,
    /// Requests inside `$batch` requests, by route.
    pub batch_requests: BTreeMap<GraphRoute, u64>,
    /// Bytes of request bodies received over HTTP (headers not counted).
    pub request_bytes: u64,
    /// Bytes of response bodies sent over HTTP (headers not counted).
    pub response_bytes: u64,
    /// 429 answers (limits and injected throttling, inner batch answers included) by mailbox
    /// (lower case); routes without a mailbox (token, places, batch) count under `""`.
    pub throttled: BTreeMap<String, u64>,
}

impl GraphStats {
    /// Requests to `route` that arrived over HTTP (not those inside a `$batch`).
    pub fn sent(&self, route: GraphRoute) -> u64 {
        self.requests.get(&route).copied().unwrap_or(0)
    }
}
