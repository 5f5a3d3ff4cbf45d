#!/usr/bin/env bash
# Builds the Debian package (scripts/build-deb.sh), installs it the way a user does
# (`apt-get install ./roombridge_….deb`, which also installs what it depends on), and checks the
# installed copy: the `roombridge` command answers, the menu entry and icon are in place, and
# the installed desktop app starts in demo mode under Xvfb and shows its window
# (scripts/desktop-smoke.sh with ROOMBRIDGE_DESKTOP=/usr/bin/roombridge-desktop).
#
# Usage: scripts/package-check.sh [--debug]   (--debug: package the debug build, quicker)
# Installs system-wide: run it on a machine where that is wanted (CI, a test machine).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "package-check: FAIL: $*" >&2; exit 1; }

deb=$(scripts/build-deb.sh "$@" | tail -1)
[[ -f $deb ]] || fail "build-deb.sh wrote no package"
echo "package-check: built $deb ($(du -h "$deb" | cut -f1))"
for field in Package Version Maintainer Depends Description; do
  echo "  $field: $(dpkg-deb -f "$deb" "$field" | head -1)"
done
[[ $(dpkg-deb -f "$deb" Package) == roombridge ]] || fail "the package is not called roombridge"
dpkg-deb -f "$deb" Depends | grep -q gnome-keyring || fail "the package does not depend on a Secret Service"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# A copy under /tmp: apt reads a local package as the unprivileged _apt user.
copy=/tmp/$(basename "$deb")
cp "$deb" "$copy"
chmod 644 "$copy"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$copy" >/dev/null \
  || fail "apt-get install $copy failed"
echo "package-check: installed $(dpkg-query -W -f '${Package} ${Version}' roombridge)"

command -v roombridge >/dev/null || fail "no roombridge command on PATH"
roombridge --version || fail "roombridge --version failed"
[[ -x /usr/bin/roombridge-desktop ]] || fail "no /usr/bin/roombridge-desktop"
desktop=/usr/share/applications/roombridge.desktop
[[ -f $desktop ]] || fail "no menu entry $desktop"
grep -q '^Name=RoomBridge$' "$desktop" || fail "the menu entry is not named RoomBridge"
grep -q '^Exec=roombridge-desktop' "$desktop" || fail "the menu entry does not start roombridge-desktop"
compgen -G '/usr/share/icons/hicolor/*/apps/roombridge-desktop.png' >/dev/null || fail "no icon in the hicolor theme"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate rejects $desktop"
fi

ROOMBRIDGE_DESKTOP=/usr/bin/roombridge-desktop scripts/desktop-smoke.sh \
  || fail "the installed app did not start and show its window"
echo "package-check: OK"
