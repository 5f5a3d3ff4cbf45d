#!/usr/bin/env bash
# Smoke test of the real desktop app: starts `target/debug/roombridge-desktop --demo` under Xvfb
# inside a private D-Bus session with a fresh HOME, waits for its window, checks that a second
# launch hands over to the first and exits, lets the demo rooms sync, checks that it logs to
# the OS log folder, and saves a screenshot to artifacts/desktop.png. Builds nothing: run
# `npm --prefix ui run build && cargo build -p roombridge-desktop` first.
#
# Usage: scripts/desktop-smoke.sh            (ROOMBRIDGE_DESKTOP=path overrides the binary)
# Exits non-zero, saying why, if the app does not start, shows no window, dies, or the
# screenshot is blank.
set -euo pipefail

WINDOW_WAIT=${WINDOW_WAIT:-40}   # seconds for the window to appear
SYNC_WAIT=${SYNC_WAIT:-8}        # seconds for the demo rooms to finish their first cycles
MIN_COLOURS=${MIN_COLOURS:-40}   # a blank or unpainted screen has a handful

fail() { echo "desktop-smoke: FAIL: $*" >&2; exit 1; }

# --- inside the session (the script runs itself again under dbus-run-session and xvfb-run) ---
if [[ "${1:-}" == "--inside" ]]; then
  app=$2 data=$3 shot=$4 log=$5
  # Let D-Bus-activated services (the dunst notification server) find this display.
  dbus-update-activation-environment DISPLAY XAUTHORITY >/dev/null 2>&1 || true

  "$app" --demo --data-dir "$data" >"$log" 2>&1 &
  pid=$!
  stop_app() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
  trap stop_app EXIT

  waited=0
  until xwininfo -root -tree 2>/dev/null | grep -q 'RoomBridge'; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the app exited before its window appeared"; }
    (( waited < WINDOW_WAIT )) || { cat "$log" >&2; fail "no RoomBridge window after ${WINDOW_WAIT}s"; }
    sleep 1; waited=$((waited + 1))
  done
  echo "desktop-smoke: window up after ${waited}s: $(xwininfo -root -tree | grep -m1 'RoomBridge' | sed 's/^ *//')"

  # One instance only: a second launch hands over to the first (which shows its window) and exits.
  second_log=${log%.log}-second.log
  timeout 30 "$app" --demo --data-dir "$data" >"$second_log" 2>&1 \
    || { cat "$second_log" >&2; fail "a second launch did not hand over to the first and exit"; }
  echo "desktop-smoke: a second launch handed over to the first and exited"

  sleep "$SYNC_WAIT"
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the app died after its window appeared"; }
  # Logs rotate in the OS log folder.
  logs=${XDG_STATE_HOME:-$HOME/.local/state}/roombridge/logs
  compgen -G "$logs/roombridge.*.log" >/dev/null || fail "no log file in $logs"
  echo "desktop-smoke: logging to $(compgen -G "$logs/roombridge.*.log" | head -1)"
  import -window root "$shot" || fail "import could not take the screenshot"
  stop_app
  trap - EXIT
  exit 0
fi

# --- outside: a fresh, throwaway desktop session ---
root=$(cd "$(dirname "$0")/.." && pwd)
app=${ROOMBRIDGE_DESKTOP:-$root/target/debug/roombridge-desktop}
[[ -x "$app" ]] || fail "$app is not built (npm --prefix ui run build && cargo build -p roombridge-desktop)"
for tool in xvfb-run dbus-run-session xwininfo import identify timeout; do
  command -v "$tool" >/dev/null || fail "$tool is missing (see BUILD-NOTES: xvfb xauth x11-utils imagemagick dbus)"
done

mkdir -p "$root/artifacts"
shot=$root/artifacts/desktop.png
log=$root/artifacts/desktop.log
rm -f "$shot"

# Overriding HOME hides rustup and cargo from anything that needs them: pin them first.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
session=$(mktemp -d /tmp/roombridge-smoke.XXXXXX)
trap 'rm -rf "$session"' EXIT
mkdir -p "$session/home" "$session/run" "$session/data"
chmod 700 "$session/run"
export HOME=$session/home XDG_RUNTIME_DIR=$session/run
export XDG_DATA_HOME=$HOME/.local/share XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache
export NO_AT_BRIDGE=1 ROOMBRIDGE_LOG=${ROOMBRIDGE_LOG:-warn,roombridge=info}

timeout --kill-after=10 $((WINDOW_WAIT + SYNC_WAIT + 60)) \
  dbus-run-session -- \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  bash "$0" --inside "$app" "$session/data" "$shot" "$log" \
  || fail "the desktop session failed or timed out (exit $?); app log: $log"

[[ -s "$shot" ]] || fail "no screenshot at $shot"
colours=$(identify -format %k "$shot") || fail "$shot is not a readable image"
(( colours >= MIN_COLOURS )) || fail "the screenshot has only $colours colours: the window is blank"
echo "desktop-smoke: OK: $shot ($(identify -format '%wx%h' "$shot"), $colours colours); app log: $log"
