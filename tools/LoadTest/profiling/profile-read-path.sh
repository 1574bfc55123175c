#!/usr/bin/env bash
# CPU profile of the read path (product detail through gateway → sidecar → catalog), every process at once, with
# Linux perf, while wrk drives it closed-loop; then the baseline comparison's figures and where the CPU went.
#   tools/LoadTest/profiling/profile-read-path.sh <out-dir> [load-tool browse options...]
# Runs `browse --compare-baseline --client wrk` (its own local run unless --gateway is given); perf records only the
# measured product-detail phase (from its "wrk, N connections" line to its result line). See profile-sale.sh for the
# perf settings; cpu-profile.py prints the per-process tables.
set -euo pipefail
out=${1:?usage: profile-read-path.sh <out-dir> [browse options]}; shift
mkdir -p "$out"; out=$(cd "$out" && pwd)
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../../.." && pwd)

export DOTNET_PerfMapEnabled=3
export DOTNET_EnableWriteXorExecute=0
perf_pid=""
stop_perf() { if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi; perf_pid=""; }

dotnet run --project "$repo/tools/LoadTest" -c Release -- browse --compare-baseline --client wrk --plain --out "$out/read-path.json" "$@" 2>&1 |
while IFS= read -r line; do
  printf '%s\n' "$line" | tee -a "$out/read-path.log"
  if [ -z "$perf_pid" ] && [ ! -e "$out/perf.data" ] && [[ "$line" == "browse: product detail only: wrk,"* ]]; then
    ps -eo pid=,ppid=,args= > "$out/processes.txt"
    perf record -a -g -e cpu-clock -F 499 -o "$out/perf.data" >"$out/perf-record.log" 2>&1 &
    perf_pid=$!
  elif [ -n "$perf_pid" ] && [[ "$line" == "browse: product detail only: "*" req/s"* ]]; then
    stop_perf
  fi
done
pkill -INT -f "perf record -a -g -e cpu-clock -F 499 -o $out/perf.data" 2>/dev/null || true
sleep 1
perf script -i "$out/perf.data" -F comm,pid,tid,period,ip,sym,dso 2>/dev/null | gzip > "$out/perf.script.gz"
python3 "$here/cpu-profile.py" "$out" | tee "$out/profile.md"
