#!/usr/bin/env bash
# Draws RoomBridge's icon (a calendar page with a bridge arch across it) with ImageMagick and
# writes the PNG sizes tauri.conf.json lists. Run from anywhere: `icons/generate.sh`.
set -euo pipefail
cd "$(dirname "$0")"

master=$(mktemp --suffix=.png)
trap 'rm -f "$master"' EXIT

# 1024 px master, drawn at twice the largest size so the downscales stay smooth.
convert -size 1024x1024 xc:none \
  -fill '#1f4e79' -draw 'roundrectangle 64,64 960,960 150,150' \
  -fill '#ffffff' -draw 'roundrectangle 176,232 848,848 64,64' \
  -fill '#e8663d' -draw 'roundrectangle 176,232 848,420 64,64' \
  -fill '#e8663d' -draw 'rectangle 176,360 848,420' \
  -fill '#1f4e79' -draw 'roundrectangle 318,160 374,300 28,28' \
  -fill '#1f4e79' -draw 'roundrectangle 650,160 706,300 28,28' \
  -fill none -stroke '#1f4e79' \
  -draw "stroke-linecap round stroke-linejoin round
         stroke-width 40 path 'M 262,700 Q 512,420 762,700'
         stroke-width 44 line 232,700 792,700
         stroke-width 26 line 387,598 387,700 line 512,566 512,700 line 637,598 637,700
         stroke-width 40 line 300,700 300,780 line 724,700 724,780" \
  "PNG32:$master"

resize() { convert "$master" -filter Triangle -resize "$1x$1" "PNG32:$2"; }
resize 512 icon.png
resize 256 128x128@2x.png
resize 128 128x128.png
resize 32 32x32.png
resize 64 tray.png

# The tray's state variants (crates/app's `Overall`): the icon with a badge in the lower right
# corner whose colour says the state; paused is also greyed out and its badge shows two bars.
# Date chunks are left out so that the same input always gives the same bytes.
badge() { # name colour [more drawing on top of the badge]
  local name=$1 colour=$2
  shift 2
  convert "$master" $grey \
    -fill "$colour" -stroke '#ffffff' -strokewidth 56 -draw 'circle 800,800 800,1010' \
    -stroke none "$@" \
    -filter Triangle -resize 64x64 -define png:exclude-chunks=date,time \
    "PNG32:tray-$name.png"
}
grey=""
badge in-sync '#2e9e5b'
badge syncing '#2f80ed'
badge conflicts '#f2a900'
badge failing '#d93025'
grey="-colorspace Gray -colorspace sRGB"
badge paused '#6b6b6b' -fill '#ffffff' -draw 'rectangle 735,700 780,900 rectangle 820,700 865,900'
