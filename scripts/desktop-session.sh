#!/usr/bin/env bash
# Runs a command inside a throwaway desktop session: a private D-Bus session bus, an Xvfb
# display, an unlocked gnome-keyring Secret Service, and a fresh HOME and XDG_RUNTIME_DIR, so
# that keyring, notification and window tests use real services and leave nothing behind.
# Usage: scripts/desktop-session.sh COMMAND [ARGS...]
set -euo pipefail

# Overriding HOME hides rustup and cargo: pin them first.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
session_home=$(mktemp -d /tmp/roombridge-session.XXXXXX)
trap 'rm -rf "$session_home"' EXIT
mkdir -p "$session_home/run" "$session_home/home"
chmod 700 "$session_home/run"
export HOME="$session_home/home" XDG_RUNTIME_DIR="$session_home/run"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config"
export NO_AT_BRIDGE=1

exec dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  # A keyring with a known password, unlocked, serving org.freedesktop.secrets on this bus.
  eval "$(printf %s roombridge-test | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  export GNOME_KEYRING_CONTROL
  exec "$@"
' session "$@"
