#!/usr/bin/env bash
# Runs every libFuzzer harness of fuzz/ (docs/fuzzing.md) for SECONDS each (default 60) under
# ASan + UBSan, starting from the committed seeds of fuzz/corpus/<harness>/, and prints per
# harness the executions, executions per second, corpus size, and whether it found a crash,
# leak, timeout or out-of-memory, with the load average beside (the machine may be shared).
#   bench/fuzz.sh [SECONDS]
# Environment: FUZZ_BUILD_DIR (default build-fuzz/ in the repository), FUZZ_WORK (where the
# growing corpora and any crash artifacts go; default FUZZ_BUILD_DIR/work), FUZZ_HARNESSES (a
# space-separated subset), FUZZ_JOBS (parallel jobs per harness; default 1), FUZZ_TOGETHER=1 (run
# the harnesses at the same time instead of one after another: a campaign on spare CPU, e.g. under
# `nice -n 19`), FUZZ_LOG (a file to which one line per harness run is appended: the date, harness,
# seconds, executions, exec/s, result and load, for running totals across sessions).
# Exit status: 0 when every harness ran clean, 1 when one found something (its artifact path is
# printed: reproduce with `FUZZ_BUILD_DIR/fuzz/fuzz_NAME ARTIFACT`), 2 on a usage or build
# error, 77 when clang++ or its libFuzzer runtime is absent (the ctest smoke reports a skip).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1 || seconds > 86400)); then
  echo "usage: bench/fuzz.sh [SECONDS]   (SECONDS: a whole number from 1 to 86400)" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${FUZZ_WORK:-$build/work}
harnesses=${FUZZ_HARNESSES:-"gguf model lora config workload tokenizer vcd"}
jobs=${FUZZ_JOBS:-1}
together=${FUZZ_TOGETHER:-0}
log_file=${FUZZ_LOG:-}

if ! command -v clang++ >/dev/null; then
  echo "skipped: clang++ is not installed (Debian package clang)" >&2
  exit 77
fi
resource=$(clang++ -print-resource-dir)
if ! find "$resource/lib" -name 'libclang_rt.fuzzer*.a' 2>/dev/null | grep -q .; then
  echo "skipped: clang's libFuzzer runtime is absent under $resource (Debian: libclang-rt-dev)" >&2
  exit 77
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "fuzz: configuring and building in $build (clang, ASan + UBSan + libFuzzer)"
mkdir -p "$build" "$work"
CXX=clang++ CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DETCHSIM_FUZZ=ON -DETCHSIM_BUILD_TESTS=OFF -DETCHSIM_BUILD_BENCH=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; exit 2; }
targets=()
for h in $harnesses; do targets+=("fuzz_$h"); done
cmake --build "$build" --parallel "${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]}" >"$work/build.log" 2>&1 ||
  { tail -50 "$work/build.log" >&2; exit 2; }
parallel=()
if ((jobs > 1)); then
  parallel=(-jobs="$jobs" -workers="$jobs")
else
  # One process per corpus: nobody else adds to it, so rereading it every second (libFuzzer's
  # -reload default) only costs time.
  parallel=(-reload=0)
fi

# Runs one harness (its output: $work/$h.log; its exit status: $work/$h.rc).
run_harness() {
  local h=$1 corpus="$work/corpus/$1" artifacts="$work/artifacts/$1" rc
  mkdir -p "$corpus" "$artifacts"
  set +e
  # -rss_limit_mb / -malloc_limit_mb: an allocation of more than 2 GiB is a finding (an
  # allocation sized by an unchecked count). -timeout: one input taking 10 s is a hang. Parallel
  # jobs write fuzz-N.log into the current directory: run in a directory of the harness's own.
  mkdir -p "$work/jobs-$h"
  (cd "$work/jobs-$h" && "$build/fuzz/fuzz_$h" "$corpus" "$root/fuzz/corpus/$h" \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$artifacts/" "${parallel[@]}") >"$work/$h.log" 2>&1
  rc=$?
  set -e
  if ((jobs > 1)); then
    cat "$work/jobs-$h"/fuzz-*.log >>"$work/$h.log" 2>/dev/null || true
    rm -f "$work/jobs-$h"/fuzz-*.log
  fi
  echo "$rc" >"$work/$h.rc"
}

# Prints one harness's line of the table (and appends it to FUZZ_LOG); returns 1 on a finding.
report_harness() {
  local h=$1 load_before=$2 log="$work/$1.log" execs rate size found result
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  rate=$((execs / seconds))
  size=$(find "$work/corpus/$h" -type f | wc -l)
  found=$(find "$work/artifacts/$h" -type f | head -1)
  result=clean
  if [[ $(cat "$work/$h.rc") != 0 || -n $found ]]; then result=FOUND; fi
  printf '%-10s %12s %10s %8s  %-8s %s -> %s\n' "$h" "$execs" "$rate" "$size" "$result" \
    "$load_before" "$(load)"
  if [[ -n $log_file ]]; then
    printf '%s %s %s %s %s %s %s\n' "$(date -u +%FT%TZ)" "$h" "$seconds" "$execs" "$rate" \
      "$result" "$(load)" >>"$log_file"
  fi
  if [[ $result == FOUND ]]; then
    grep -m3 -E 'ERROR|runtime error|Assertion|abort|deadly|timeout|out-of-memory' "$log" | sed 's/^/    /' || true
    echo "    artifact: ${found:-none}; log: $log"
    return 1
  fi
  return 0
}

status=0
printf '%-10s %12s %10s %8s  %-8s %s\n' harness executions exec/s corpus result "load (1/5/15 min)"
if ((together)); then
  load_before=$(load)
  for h in $harnesses; do run_harness "$h" & done
  wait
  for h in $harnesses; do report_harness "$h" "$load_before" || status=1; done
else
  for h in $harnesses; do
    load_before=$(load)
    run_harness "$h"
    report_harness "$h" "$load_before" || status=1
  done
fi
echo "fuzz: ${seconds} s per harness; a load above 1 means the machine was shared (fewer executions)"
exit $status
