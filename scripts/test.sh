#!/usr/bin/env bash
# Runs every RoomBridge test on a Debian/Ubuntu machine, installing what is missing first:
# the UI's type check and unit tests, rustfmt and clippy, every Rust test (inside a private
# desktop session with a real Secret Service, notification bus and X display), the Playwright
# tests in Debian's Chromium against the headless server, the desktop window under Xvfb, and
# the Debian package (built, installed system-wide with apt-get, and started).
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$(mktemp -d /tmp/roombridge-test.XXXXXX)
mkdir -p artifacts
export CARGO_TERM_COLOR=never CARGO_PROFILE_DEV_DEBUG=0 NO_COLOR=1 FORCE_COLOR=0

passed=0
failed=0
failures=()

step() { printf '\n==> %s\n' "$1"; }

# run NAME COMMAND...: runs a step, shows its output, counts it as one failure if it fails.
run() {
  local name=$1
  shift
  step "$name"
  if "$@" 2>&1 | tee "$logs/$name.log"; then
    return 0
  fi
  failures+=("$name")
  return 1
}

# Tallies of the runners' own summaries.
count_cargo() {
  local p f
  p=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$6} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
}
count_vitest() {
  local line p f
  line=$(grep -E '^\s+Tests\s' "$1" | tail -1)
  p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}
count_playwright() {
  local p f
  p=$(grep -E '^\s+[0-9]+ passed' "$1" | tail -1 | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\s+[0-9]+ failed' "$1" | tail -1 | grep -oE '[0-9]+' | head -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

start=$(date +%s)
if ! run install scripts/install-deps.sh; then
  echo "0 passed, 1 failed"
  exit 1
fi

( cd ui && run ui-check npm run --silent check ) || failures+=(ui-check)
( cd ui && npm run --silent test -- --reporter=default ) 2>&1 | tee "$logs/vitest.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || failures+=(vitest)
count_vitest "$logs/vitest.log"
run ui-build bash -c 'cd ui && npm run --silent build'

run fmt cargo fmt --all -- --check
run clippy cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (in a desktop session: D-Bus, Secret Service, Xvfb)"
timeout 1800 scripts/desktop-session.sh cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$logs/cargo-test.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || failures+=(cargo-test)
count_cargo "$logs/cargo-test.log"

run build-binaries cargo build --locked -p roombridge-cli -p roombridge-desktop

# Inside a desktop session: the setup wizard's spec runs `roombridge serve`, which keeps the
# secrets it is given in the OS keyring (a real Secret Service). Chromium runs headless there too.
step "Playwright in Debian's Chromium against the headless server (in a desktop session)"
( cd ui && ROOMBRIDGE_BIN="$root/target/debug/roombridge" timeout 600 ../scripts/desktop-session.sh npx --no-install playwright test --reporter=list ) 2>&1 | tee "$logs/playwright.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || failures+=(playwright)
count_playwright "$logs/playwright.log"

step "desktop window under Xvfb (screenshot in artifacts/desktop.png)"
if timeout 300 scripts/desktop-smoke.sh 2>&1 | tee "$logs/desktop.log"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); failures+=(desktop-smoke)
fi

step "Debian package: build it, apt-get install it, start the installed app under Xvfb"
if timeout 1800 scripts/package-check.sh 2>&1 | tee "$logs/package.log"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); failures+=(package)
fi

echo
echo "took $(( $(date +%s) - start )) s; logs in $logs"
# A failed step that ran no counted test still fails the run.
for f in "${failures[@]}"; do
  case "$f" in vitest|cargo-test|playwright|desktop-smoke|package) ;; *) failed=$((failed + 1)) ;; esac
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed steps: ${failures[*]}"
fi
echo "${passed} passed, ${failed} failed"
[ ${#failures[@]} -eq 0 ] && [ "$failed" -eq 0 ]
