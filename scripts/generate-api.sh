#!/usr/bin/env bash
# Writes ui/src/backend/api.ts from the Rust types of crates/app (see crates/app/src/ops.rs).
# `cargo test` fails while the file in the tree is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOMBRIDGE_WRITE_API=1 cargo test -p roombridge-app --test typescript --quiet
echo "wrote ui/src/backend/api.ts"
