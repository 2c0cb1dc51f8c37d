#!/usr/bin/env bash
# Opens a run's .gtkw in GTKWave headlessly (Xvfb) and checks, with a Tcl script, that GTKWave
# loaded every VCD variable and every row, and that the view opens where the .gtkw says (the
# first generated token fed back entering the chip), wide enough to show its trip to the host.
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
end_time=$(tail -1 run.vcd | tr -d '#')
cycles=$(python3 -c "import json; print(json.load(open('run.json'))['cycles_total'])")
tok1=$(python3 -c "import json; print(json.load(open('run.json'))['users'][0]['first_token_cycle'])")
tok2=$(python3 -c "import json; u=json.load(open('run.json'))['users'][0]; print(u['first_token_cycle'] + round(u['tpot_cycles']))")
fail=0
check() {
  if ! eval "$2"; then
    echo "FAIL: $1 ($2)"
    fail=1
  fi
}
echo "gtkwave: $(tr '\n' ' ' <gtkwave.out)"
echo "expected: $vars variables, $rows rows + $groups group marks, start $start, end $end_time"
check "every VCD variable loaded" "[[ $(value facs) -eq $vars ]]"
check "every row and group mark shown" "[[ $(value traces) -eq $((rows + groups)) ]]"
check "the trace ends at the run's last cycle (2 ns each)" "[[ $(value max) -eq $end_time && $end_time -eq $((2 * cycles)) ]]"
check "the view starts at the .gtkw's start" "[[ $(value start) -eq $start ]]"
check "the view starts after the first token reached the host" "[[ $start -ge $((2 * tok1)) ]]"
check "the view shows the second token's trip" "[[ $(value end) -ge $((2 * tok2)) ]]"
check "the view is not the whole run" "[[ $(value end) -lt $end_time ]]"
exit $fail
