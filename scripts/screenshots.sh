#!/usr/bin/env bash
# Retakes the screenshots in docs/ (docs/screenshot-*.png, shown in the README): builds the UI
# and the headless binary, runs the opt-in Playwright spec ui/tests/e2e/screenshots.spec.ts in
# Debian's Chromium at 1360x900 against the demo (and, for the setup wizard, against emulators
# of its own), then shrinks the PNGs to 256 colours with ImageMagick (installed by
# install-deps.sh). Honours CARGO_TARGET_DIR. Not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never NO_COLOR=1 FORCE_COLOR=0

scripts/install-deps.sh
(cd ui && npm run --silent build)
cargo build --locked -p roombridge-cli

target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac

# Inside a desktop session: the wizard's connection tests keep secrets in the OS keyring.
(
  cd ui
  ROOMBRIDGE_SCREENSHOTS=1 ROOMBRIDGE_BIN="$target/debug/roombridge" timeout 600 \
    ../scripts/desktop-session.sh npx --no-install playwright test tests/e2e/screenshots.spec.ts --reporter=list
)

# A UI has few colours: a 256-colour palette without dithering keeps text sharp at a third of
# the size.
for png in docs/screenshot-*.png; do
  convert "$png" -strip +dither -colors 256 -define png:compression-level=9 "PNG8:$png"
done
ls -l docs/screenshot-*.png
