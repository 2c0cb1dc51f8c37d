#!/usr/bin/env bash
# The installed package (docs/integration.md): `cmake --install` of this build into a temporary
# prefix; examples/vp configured and built against that prefix alone (find_package(etchsim
# CONFIG)); the example run on a synthesized tiny model must print the tokens `etchsim run --mode
# functional` prints for the same model and prompt, the same cycles (its CPU feeds tokens as the
# built-in host does), and the log examples/vp/expected.log. With a CPU that spends cycles per
# access the tokens stay the same and the run takes longer. Bad input exits 1 with a message.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER GENERATOR
set -euo pipefail
build=$1 src=$2 cxx=$3 generator=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
# The library directory is GNUInstallDirs' (lib, or lib/<multiarch> for a /usr prefix).
libdir=$(dirname "$(find "$prefix" -name libetchsim_chip.a | head -1)")
libdir=${libdir#"$prefix/"}
for f in "$libdir/cmake/etchsim/etchsimConfig.cmake" "$libdir/cmake/etchsim/etchsimConfigVersion.cmake" \
         "$libdir/cmake/etchsim/etchsimTargets.cmake" "$libdir/libetchsim_chip.a" bin/etchsim \
         include/etchsim/protocol/address_map.hpp include/etchsim/chip/chip.hpp \
         share/etchsim/configs/tiny.toml share/etchsim/configs/hc1.toml; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
# The package must not point back into the source or build tree.
if grep -rl -e "$src/" -e "$build/" "$prefix/$libdir/cmake"; then fail "the package refers to the build"; fi

echo "== examples/vp against $prefix"
cmake -S "$src/examples/vp" -B "$work/vp" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/vp" --parallel 2 >/dev/null
# A version the package is not compatible with is refused.
mkdir -p "$work/old"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(p LANGUAGES CXX)\nfind_package(etchsim 9.0 CONFIG REQUIRED)\n' \
  >"$work/old/CMakeLists.txt"
if cmake -S "$work/old" -B "$work/old/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
  fail "find_package(etchsim 9.0) accepted version $(sed -n 's/.*PACKAGE_VERSION "\(.*\)".*/\1/p' "$prefix/$libdir/cmake/etchsim/etchsimConfigVersion.cmake")"
fi

etchsim="$prefix/bin/etchsim"
configs="$prefix/share/etchsim/configs"
script="$src/examples/vp/prompt.script"
vp="$work/vp/etchsim_vp"
"$etchsim" synth --shape tiny --seed 7 -o "$work/tiny.gguf" >/dev/null 2>&1

echo "== etchsim_vp"
"$vp" "$work/tiny.gguf" "$configs/tiny.toml" "$script" >"$work/vp.log"
cat "$work/vp.log"
diff -u "$src/examples/vp/expected.log" "$work/vp.log" || fail "the log differs from examples/vp/expected.log"

echo "== etchsim run, same model and prompt"
prompt=$(sed -n 's/^prompt //p' "$script")
n=$(sed -n 's/^generate //p' "$script")
"$etchsim" run "$work/tiny.gguf" --config "$configs/tiny.toml" --prompt "$prompt" -n "$n" \
  --mode functional --report "$work/run.json" >"$work/run.txt" 2>/dev/null
run_tokens=$(grep '^user 0 tokens:' "$work/run.txt")
vp_tokens=$(grep '^user 0 tokens:' "$work/vp.log")
[ "$run_tokens" = "$vp_tokens" ] || fail "tokens differ: etchsim run '$run_tokens', etchsim_vp '$vp_tokens'"
echo "tokens equal: $run_tokens"
python3 - "$work/run.json" "$work/vp.log" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
log = dict(l.split(" ", 1) for l in open(sys.argv[2]) if l.split(" ", 1)[0].endswith("_cycle")
           or l.startswith("cycles_total "))
user = report["users"][0]
want = {"first_input_cycle": user["first_input_cycle"], "first_token_cycle": user["first_token_cycle"],
        "last_token_cycle": user["last_token_cycle"], "cycles_total": report["cycles_total"]}
for key, value in want.items():
    got = int(log[key])
    if got != value:
        sys.exit(f"FAIL: {key}: etchsim run {value}, etchsim_vp {got}")
    print(f"{key} equal: {value}")
PY

echo "== a CPU spending 5 cycles per access (quantum 64): same tokens, later"
"$vp" "$work/tiny.gguf" "$configs/tiny.toml" "$script" --access-cycles 5 --quantum-cycles 64 \
  >"$work/slow.log"
[ "$(grep '^user 0 tokens:' "$work/slow.log")" = "$vp_tokens" ] || fail "tokens changed with --access-cycles 5"
fast=$(sed -n 's/^cycles_total //p' "$work/vp.log")
slow=$(sed -n 's/^cycles_total //p' "$work/slow.log")
[ "$slow" -gt "$fast" ] || fail "--access-cycles 5 took $slow cycles, not more than $fast"
echo "cycles_total $fast -> $slow"
# Every access takes effect at the CPU's local time, whether the chip synchronises for it or
# completes it without a wait (docs/integration.md "Timing semantics"), so the quantum changes
# only how often the CPU synchronises, not a cycle.
for q in 1 1000000; do
  "$vp" "$work/tiny.gguf" "$configs/tiny.toml" "$script" --access-cycles 5 --quantum-cycles "$q" |
    grep -v 'quantum' >"$work/q$q.log"
done
grep -v 'quantum' "$work/slow.log" | diff -u - "$work/q1.log" || fail "quantum 1 changed the log"
diff -u "$work/q1.log" "$work/q1000000.log" || fail "quantum 1000000 changed the log"
echo "quanta 1, 64 and 1000000 cycles: the same tokens and cycles"

echo "== bad input exits 1 with a message"
expect_error() {  # expect_error PATTERN ARGS...
  local pattern=$1 out status=0
  shift
  out=$("$vp" "$@" 2>&1 >/dev/null) || status=$?
  [ "$status" -eq 1 ] || fail "etchsim_vp $* exited $status, not 1"
  grep -q -- "$pattern" <<<"$out" || fail "etchsim_vp $*: '$out' does not say '$pattern'"
  echo "ok: $out"
}
printf 'tokens 1,2,99999\ngenerate 2\n' >"$work/bad_id.script"
printf 'prompt hi\ngenerate many\n' >"$work/bad_n.script"
printf 'prompt hi\ngenerate 600\n' >"$work/long.script"
expect_error "no-such.gguf" "$work/no-such.gguf" "$configs/tiny.toml" "$script"
expect_error "outside the vocabulary" "$work/tiny.gguf" "$configs/tiny.toml" "$work/bad_id.script"
expect_error "bad_n.script:2" "$work/tiny.gguf" "$configs/tiny.toml" "$work/bad_n.script"
expect_error "exceed the model's context" "$work/tiny.gguf" "$configs/tiny.toml" "$work/long.script"
expect_error "--access-cycles '-1'" "$work/tiny.gguf" "$configs/tiny.toml" "$script" --access-cycles -1
expect_error "--quantum-cycles '0'" "$work/tiny.gguf" "$configs/tiny.toml" "$script" --quantum-cycles 0
echo "== install test passed"
