#!/usr/bin/env bash
# Regenerates the pinned regression reports in tests/regression/ (the flagship timing run and a
# functional tiny run) after an intended change to cycles, energy or area; review `git diff
# tests/regression` before committing. ETCHSIM is the binary (default: build/etchsim).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$root/tests/regression/pinned_reports.py" refresh "${ETCHSIM:-$root/build/etchsim}"
