#!/usr/bin/env bash
# Runs the chaos test (crates/cli/tests/chaos.rs) for N seeds (default 100) inside a desktop
# session (live mode keeps its secrets in a real Secret Service), then adds up what each seed
# printed: seeds passed and failed, duplicates, lost changes, conflicts held, kills.
# Usage: scripts/chaos.sh [N] [FIRST_SEED]
#   ROOMBRIDGE_CHAOS_SECS=20   how long the chaos lasts per seed
#   CHAOS_PROFILE=release      build and run in release mode (default: debug, the CI build)
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
first=${2:-1}
export CARGO_TERM_COLOR=never CARGO_PROFILE_DEV_DEBUG=0
log=$(mktemp /tmp/roombridge-chaos.XXXXXX.log)
profile=()
if [ "${CHAOS_PROFILE:-debug}" = release ]; then profile=(--release); fi

start=$(date +%s)
ROOMBRIDGE_CHAOS_SEEDS=$n ROOMBRIDGE_CHAOS_SEED_START=$first \
  scripts/desktop-session.sh cargo test "${profile[@]}" -p roombridge-cli --test chaos -- --nocapture \
  2>&1 | tee "$log" | grep -E '^(chaos|  seed)'
status=${PIPESTATUS[0]}

sum() { grep -oE "^chaos seed=.* $1=[0-9]+" "$log" | grep -oE "$1=[0-9]+" | cut -d= -f2 | awk '{s+=$1} END {print s+0}'; }
passed=$(grep -cE '^chaos seed=[0-9]+ PASS' "$log")
failed=$(grep -cE '^chaos seed=[0-9]+ (FAIL|PANICKED)' "$log")
echo
echo "seeds $first..$((first + n - 1)): $passed passed, $failed failed" \
  "($(grep -oE '^chaos seed=[0-9]+ (FAIL|PANICKED)' "$log" | grep -oE '[0-9]+' | tr '\n' ' '))"
echo "duplicates: $(sum duplicates), lost changes: $(sum lost), unseen deletions: $(sum unseen_deletions), conflicts held: $(sum conflicts_held)," \
  "actions: $(sum actions), kills: $(sum kills), serve exits: $(sum exits)"
echo "took $(( $(date +%s) - start )) s; full log in $log"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -eq "$n" ]
