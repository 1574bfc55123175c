#!/usr/bin/env bash
# CPU profile of a flash sale's sale window, every process at once, with Linux perf (cpu-clock samples, call graphs).
#   tools/LoadTest/profiling/profile-sale.sh <out-dir> [load-tool flash-sale options...]
#   PROFILE_WINDOW=sold-out tools/LoadTest/profiling/profile-sale.sh ...   profiles the open-loop sold-out phase instead
# perf starts at the sale's first progress line and stops when the tool says the sale is over, so the start-up,
# warm-up and read-back are not in the profile. .NET writes /tmp/perf-<pid>.map (DOTNET_PerfMapEnabled) so perf can
# name JIT-compiled methods (W^X is turned off for the run, so the code is not behind a double mapping perf cannot
# resolve). Framework code precompiled as ReadyToRun is attributed to its DLL. Then cpu-profile.py turns the samples into per-process tables (see docs/performance.md).
set -euo pipefail
out=${1:?usage: profile-sale.sh <out-dir> [flash-sale options]}; shift
mkdir -p "$out"; out=$(cd "$out" && pwd)
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../../.." && pwd)

export DOTNET_PerfMapEnabled=3            # perf map only (no jitdump files)
export DOTNET_EnableWriteXorExecute=0     # JIT code in anonymous memory, where perf looks it up in the perf map
perf_pid=""
if [ "${PROFILE_WINDOW:-sale}" = sold-out ]; then start_mark="sold out: buy-now attempts"; stop_mark="time by stage:"
else start_mark="[flash-sale]"; stop_mark="flash sale over"; fi
stop_perf() { if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi; perf_pid=""; }

dotnet run --project "$repo/tools/LoadTest" -c Release -- flash-sale --plain --out "$out/flash-sale.json" "$@" 2>&1 |
while IFS= read -r line; do
  printf '%s\n' "$line" | tee -a "$out/flash-sale.log"
  if [ -z "$perf_pid" ] && [ ! -e "$out/perf.data" ] && [[ "$line" == "$start_mark"* ]]; then
    ps -eo pid=,ppid=,args= > "$out/processes.txt"
    wc -l /tmp/perf-*.map > "$out/perf-maps-at-start.txt" 2>/dev/null || true
    perf record -a -g -e cpu-clock -F 499 -o "$out/perf.data" >"$out/perf-record.log" 2>&1 &
    perf_pid=$!
  elif [ -n "$perf_pid" ] && [[ "$line" == *"$stop_mark"* ]]; then
    stop_perf
    # What the JIT compiled during the sale: the perf map lines each process added between the two snapshots.
    mkdir -p "$out/jitted"
    while read -r lines map; do
      [ -f "$map" ] && tail -n +"$((lines + 1))" "$map" > "$out/jitted/$(basename "$map")"
    done < <(grep '/tmp/perf-' "$out/perf-maps-at-start.txt")
  fi
done
# (the loop runs in a subshell: if the tool stopped before saying the sale was over, perf is stopped here)
pkill -INT -f "perf record -a -g -e cpu-clock -F 499 -o $out/perf.data" 2>/dev/null || true
sleep 1
perf script -i "$out/perf.data" -F comm,pid,tid,period,ip,sym,dso 2>/dev/null | gzip > "$out/perf.script.gz"
python3 "$here/cpu-profile.py" "$out" | tee "$out/profile.md"
