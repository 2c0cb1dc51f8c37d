#!/usr/bin/env bash
# Opens a run's .gtkw in GTKWave headlessly (Xvfb) and checks, with a Tcl script, that GTKWave
# loaded every VCD variable and every row, the run's whole time range, and the view the .gtkw
# sets (start time and zoom). GTKWave does not lay out its window while a -S script runs, so
# the visible span is computed from the zoom and the ~1300-pixel wave pane of the .gtkw's
# 1600-pixel window: it must start at the first generated token fed back entering the chip and
# reach the second token's arrival at the host.
# Skips (exit 77) when gtkwave or xvfb-run (Debian: xvfb) is not installed.
#   tests/cli/gtkwave_view_test.sh ETCHSIM
set -euo pipefail
etchsim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in gtkwave xvfb-run; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (Debian: apt-get install gtkwave xvfb)"
    exit 77
  fi
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
"$etchsim" run --shape tiny --config "$root/configs/tiny.toml" --prompt-len 4 -n 3 --users 2 \
  --set clock.clock_mhz=500 --vcd run.vcd --report run.json >/dev/null 2>&1
cat >check.tcl <<'TCL'
puts "facs [gtkwave::getNumFacs]"
puts "traces [gtkwave::getTotalNumTraces]"
puts "start [gtkwave::getWindowStartTime]"
puts "end [gtkwave::getWindowEndTime]"
puts "max [gtkwave::getMaxTime]"
puts "zoom [gtkwave::getZoomFactor]"
gtkwave::/File/Quit
TCL
# The .gtkw names the VCD relative to itself: GTKWave is started in the trace's directory.
timeout 120 xvfb-run -a -s "-screen 0 1920x1200x24" gtkwave -S check.tcl run.gtkw >gtkwave.out 2>gtkwave.err || {
  echo "FAIL: gtkwave exited with $?"
  cat gtkwave.err
  exit 1
}
value() { awk -v k="$1" '$1 == k { print $2 }' gtkwave.out | tail -1; }
vars=$(grep -c '^\$var ' run.vcd)
rows=$(grep -c '^+{' run.gtkw)
groups=$(grep -c '^-' run.gtkw)
start=$(awk '$1 == "[timestart]" { print $2 }' run.gtkw)
end_time=$(grep '^#' run.vcd | tail -1 | tr -d '#')
zoom=$(awk '/^\*/ { print substr($1, 2) }' run.gtkw)
cycles=$(python3 -c "import json; print(json.load(open('run.json'))['cycles_total'])")
tok1=$(python3 -c "import json; print(json.load(open('run.json'))['users'][0]['first_token_cycle'])")
tok2=$(python3 -c "import json; u=json.load(open('run.json'))['users'][0]; print(u['first_token_cycle'] + round(u['tpot_cycles']))")
fail=0
check() {  # check DESCRIPTION 0|1
  if [[ $2 != 1 ]]; then
    echo "FAIL: $1"
    fail=1
  fi
}
is() { if "$@"; then echo 1; else echo 0; fi; }
echo "gtkwave: $(tr '\n' ' ' <gtkwave.out)"
echo "expected: $vars variables, $rows rows + $groups group marks, start $start, zoom $zoom, end $end_time"
check "every VCD variable loaded" "$(is test "$(value facs)" -eq "$vars")"
check "every row and group mark shown" "$(is test "$(value traces)" -eq $((rows + groups)))"
check "the trace ends at the run's last cycle (2 ns each)" \
  "$(is test "$(value max)" -eq "$end_time" -a "$end_time" -eq $((2 * cycles)))"
check "the view starts at the .gtkw's start" "$(is test "$(value start)" -eq "$start")"
check "GTKWave took the .gtkw's zoom" \
  "$(awk -v a="$(value zoom)" -v b="$zoom" 'BEGIN { print (a - b < 1e-6 && b - a < 1e-6) }')"
check "the view starts after the first token reached the host" "$(is test "$start" -ge $((2 * tok1)))"
span_end=$(awk -v s="$start" -v z="$zoom" 'BEGIN { printf "%d", s + 1300 * 2 ^ (-z) }')
check "the view reaches the second token ($span_end >= $((2 * tok2)))" "$(is test "$span_end" -ge $((2 * tok2)))"
check "the view is not the whole run" "$(is test "$span_end" -lt "$end_time")"
exit $fail
