#!/bin/sh
# Runs sockscope's benchmarks against socat, iperf3 and sockperf on loopback and writes the figures
# into BENCHMARKS.md (each bench replaces its own block there).
#
#   benches/run.sh                 # all ten benches (the soak apart)
#   benches/run.sh tcp_bulk echo_rtt
#
# socat, iperf3 and sockperf come from Debian's packages; they are installed here when missing.
set -eu
cd "$(dirname "$0")/.."

missing=""
command -v socat >/dev/null 2>&1 || missing="$missing socat"
command -v iperf3 >/dev/null 2>&1 || missing="$missing iperf3"
command -v sockperf >/dev/null 2>&1 || missing="$missing sockperf"
if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "installing$missing" >&2
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

benches="${*:-tcp_bulk udp_rate connections log_append echo_rtt ui_frames framing tls_bulk relay stress}"
for b in $benches; do
    echo "== cargo bench --bench $b" >&2
    SOCKSCOPE_BENCH_VIA="benches/run.sh" cargo bench --bench "$b"
done
