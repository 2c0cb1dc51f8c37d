#!/usr/bin/env bash
# Installs the Debian 12 packages etchsim's build and tests need. Idempotent: a no-op when all
# are present. Works as root or through sudo. Node.js (for the llama.cpp cross-check in
# tests/reference) comes from Debian too when the machine has none. python3-matplotlib draws
# the sweep plots (scripts/plot_sweep.py); verilator and yosys build and synthesize the RTL
# that `etchsim rtl` generates (tests/rtl); xvfb lets tests open traces in gtkwave headlessly;
# munge and slurm-wlm run a one-node Slurm cluster for the scripts/slurm-sweep.sh test
# (tests/cli/slurm_real_test.sh; no daemon is started here); clang with its libFuzzer runtime
# builds the fuzz harnesses (fuzz/, the fuzz.smoke test).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libsystemc-dev libfmt-dev libspdlog-dev libcli11-dev libgtest-dev libgmock-dev
  libtomlplusplus-dev nlohmann-json3-dev libpcre2-dev libhwy-dev libtbb-dev libbenchmark-dev
  gtkwave xvfb python3-matplotlib verilator yosys munge slurm-wlm clang libclang-rt-dev
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
