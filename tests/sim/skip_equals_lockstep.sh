#!/usr/bin/env bash
# Skip and lockstep clocking give the same report, every field but the simulation's own wall
# time and the clocking name: staggered arrivals into a KV SRAM too small for everyone (queueing;
# the host samples KV occupancy while the chip runs ahead), the same with refusals, and users
# bound to LoRA adapters (the adapter load, its SRAM traffic and energy).
#   skip_equals_lockstep.sh ETCHSIM WORKDIR
set -euo pipefail
etchsim=$1 work=$2
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
"$etchsim" synth-lora --shape small -o "$work/lora.gguf" --rank 8 >/dev/null 2>&1
compare() {
  local name=$1
  shift
  for c in skip lockstep; do
    "$etchsim" run "$@" --clocking "$c" --report "$work/$name.$c.json" >"$work/$name.$c.txt" 2>&1 ||
      { cat "$work/$name.$c.txt"; exit 1; }
  done
  python3 - "$work/$name.skip.json" "$work/$name.lockstep.json" "$name" <<'PY'
import json, sys
skip, lock = (json.load(open(p)) for p in sys.argv[1:3])
for r in (skip, lock):
    r.pop("simulation")
    r.pop("clocking")
differs = [k for k in skip if skip[k] != lock.get(k)]
if differs or skip.keys() != lock.keys():
    for k in differs:
        print(f"{sys.argv[3]}: {k} differs:\n  skip     {skip[k]}\n  lockstep {lock.get(k)}"[:2000])
    sys.exit(1)
s = skip["serving"]
print(f"{sys.argv[3]}: equal ({s['requests_done']} done, {s['requests_refused']} refused, "
      f"peak users {s['peak_users']}, {len(s['occupancy'])} occupancy samples, "
      f"{skip['cycles_total']} cycles)")
PY
}
common=(--shape small --mode timing --users 24 --prompt-len 48 --gen-len 40 --arrival-rate 3000000)
compare queue "${common[@]}" --set kv_sram.capacity_mib=1
compare refuse "${common[@]}" --set kv_sram.capacity_mib=1 --set serving.admission=refuse
compare lora --shape small --mode timing --users 6 --prompt-len 16 --gen-len 12 \
  --arrival-rate 2000000 --lora "$work/lora.gguf"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
q = json.load(open(f"{w}/queue.skip.json"))["serving"]
r = json.load(open(f"{w}/refuse.skip.json"))["serving"]
# The cases are what they claim: someone waited, someone was refused.
assert q["requests_refused"] == 0 and q["peak_users"] < 24, q["peak_users"]
assert r["requests_refused"] > 0, r["requests_refused"]
PY
