#!/usr/bin/env bash
# Launches the real app under Xvfb, drives a short TCP session through its console and
# a few clicks (xdotool, absolute coordinates: Xvfb has no window manager, the window
# sits at 0,0), and saves assets/screenshot.png.
#
#   tests/gui/screenshot.sh            # build release, run, shoot
#   SKIP_BUILD=1 tests/gui/screenshot.sh
#   BIN=/tmp/sockscope SKIP_BUILD=1 OUT=/tmp/shot.png tests/gui/screenshot.sh
#   WIN_W=800 WIN_H=600 OUT=/tmp/small.png tests/gui/screenshot.sh   # the smallest window
#
# Needs (Debian): xvfb libxcursor1 libxi6 libxkbcommon-x11-0 xdotool imagemagick
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
display=${DISPLAY_NUM:-:99}
out=${OUT:-assets/screenshot.png}
bin=${BIN:-target/release/sockscope}
win_w=${WIN_W:-1200}
win_h=${WIN_H:-760}

for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool: apt-get install xvfb libxcursor1 libxi6 libxkbcommon-x11-0 xdotool imagemagick" >&2
    exit 1
  }
done
[ -n "${SKIP_BUILD:-}" ] || cargo build --release
[ -x "$bin" ] || { echo "no $bin: build it first" >&2; exit 1; }

# A fresh settings folder, so the screenshot does not depend on earlier runs.
data=$(mktemp -d)
xvfb_pid=
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
xvfb_pid=$!
sleep 1
export DISPLAY=$display
XDG_DATA_HOME=$data XDG_CONFIG_HOME=$data "$bin" &
app_pid=$!
sleep 3
kill -0 "$app_pid" || { echo "the app did not start" >&2; exit 1; }
# With no window manager nothing gives the window keyboard focus: give it explicitly.
wid=$(xdotool search --name '^sockscope$' | head -1)
[ -n "$wid" ] && xdotool windowsize --sync "$wid" "$win_w" "$win_h" && sleep 0.5
[ -n "$wid" ] && xdotool windowfocus --sync "$wid"

# Coordinates in the window at (0,0): the console's input sits above the status bar.
console_x=400
console_y=$((win_h - 38))

run() { # types one console line and presses Enter
  xdotool mousemove "$console_x" "$console_y" click 1
  sleep 0.2
  xdotool type --delay 15 -- "$1"
  xdotool key Return
  sleep 0.4
}

run 'socket tcp as srv'
run 'bind srv 127.0.0.1:0'
run 'listen srv'
run 'respond srv upper'
run 'socket tcp as cli'
run 'connect cli $srv'
run 'accept srv as conn'
run 'send cli "GET /hello HTTP/1.0\r\n\r\n"'
run 'send conn "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"'
run 'socket udp as echo'
run 'bind echo 127.0.0.1:0'
run 'respond echo echo'
run 'socket udp'
run 'sendto s5 $echo hex:"de ad be ef 00 01 02 03"'

# Select the client in the Sockets panel (below the "+ Unix" row), then open the detail
# of a received row.
xdotool mousemove "${CLIENT_X:-70}" "${CLIENT_Y:-322}" click 1
sleep 0.4
[ -n "${NO_DETAIL:-}" ] || xdotool mousemove "${ROW_X:-700}" "${ROW_Y:-${DETAIL_ROW_Y:-$((win_h - 300))}}" click 1
sleep 0.6
# SEQ_X/SEQ_Y: click there (the log's "Sequence" switch) to shoot the sequence diagram.
if [ -n "${SEQ_X:-}" ]; then
  xdotool mousemove "$SEQ_X" "$SEQ_Y" click 1
  sleep 0.6
fi
xdotool mousemove 1270 795
sleep 0.3

mkdir -p "$(dirname "$out")"
import -window root -crop "${win_w}x${win_h}+0+0" "$out"
echo "saved $out"
