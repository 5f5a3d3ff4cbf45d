#!/usr/bin/env bash
# Installs what is missing and starts RoomBridge in demo mode: the built-in Microsoft Graph and
# booking-system emulators with a demo municipality, no Microsoft account needed. Opens the
# desktop window when there is a display, and serves the same UI in the browser otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "==> building the UI"
(cd ui && npm run --silent build)
# Any option (`--headless`, `--booking porticoestate`) serves the UI in the browser; the options
# other than --headless go to `roombridge demo`.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$#" -eq 0 ]; then
  echo "==> building and starting the desktop app (first build takes a few minutes)"
  cargo build --release -p roombridge-desktop -p roombridge-cli
  exec target/release/roombridge-desktop --demo
else
  echo "==> no display: serving the UI on 127.0.0.1 (open the address printed below)"
  cargo build --release -p roombridge-cli
  options=()
  for a in "$@"; do [ "$a" = "--headless" ] || options+=("$a"); done
  exec target/release/roombridge demo --headless --listen 127.0.0.1:8787 "${options[@]}"
fi
