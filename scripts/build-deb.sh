#!/usr/bin/env bash
# Builds RoomBridge's Debian package: the desktop and tray app (`roombridge-desktop`, with its
# menu entry and icons) and the headless `roombridge` command, in one `.deb` named
# `roombridge_<version>_<arch>.deb` under target/<profile>/bundle/deb/. It depends on a Secret
# Service provider for the keyring and on the WebKitGTK and tray libraries the window needs.
#
# Usage: scripts/build-deb.sh [--debug]
#   --debug  bundles the debug build (quicker; for checking the package, not for shipping)
# Prints the path of the package on its last line. Needs the build dependencies of
# scripts/install-deps.sh and the UI's node modules (`npm --prefix ui ci`).
#
# Windows and macOS bundles (msi, dmg) cannot be built or tested on this project's Linux
# machines; the code keeps to what Tauri, keyring and notify-rust support on all three.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

profile=release
tauri_flags=()
cargo_flags=(--release)
if [[ "${1:-}" == "--debug" ]]; then
  profile=debug
  tauri_flags=(--debug)
  cargo_flags=()
fi

tauri=ui/node_modules/.bin/tauri
[[ -x $tauri ]] || { echo "build-deb: the Tauri CLI is missing: run npm --prefix ui ci" >&2; exit 1; }

# The command-line tool goes into the package beside the desktop app.
cargo build --locked "${cargo_flags[@]}" -p roombridge-cli
cli="$root/target/$profile/roombridge"

# The package is called `roombridge` (Tauri names it after the product name, which the window
# and menu entry spell "RoomBridge"); the desktop entry keeps that spelling.
config=$(cat <<JSON
{
  "productName": "roombridge",
  "bundle": { "linux": { "deb": { "files": { "/usr/bin/roombridge": "$cli" } } } }
}
JSON
)
# Tauri's bundler runs `cargo build` itself with the same locked dependencies.
CARGO_TERM_COLOR=never "$tauri" build "${tauri_flags[@]}" --bundles deb --ci --config "$config"

deb=$(ls -t "target/$profile/bundle/deb/"roombridge_*.deb | head -1)
[[ -f $deb ]] || { echo "build-deb: no package was written" >&2; exit 1; }
echo "$root/$deb"
