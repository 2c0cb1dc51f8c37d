#!/usr/bin/env python3
"""Pinned regression reports: runs etchsim on fixed inputs and compares each JSON report, field by
field, with the one kept in tests/regression/ (as Accellera's TLM examples keep an expected log).

  pinned_reports.py check   ETCHSIM   # exit 0 when every pinned field is equal, 1 otherwise
  pinned_reports.py refresh ETCHSIM   # rewrite the pinned files (after an intended change)

Runs are deterministic, so every field is compared exactly: integers (cycles, bits, counts) and
floats as the report prints them (the shortest text that reads back to the same double). Fields
that depend on the machine running the simulation (wall time, CPU time, the simulation rate) are
left out of the pinned files and of the comparison, and the temporary directory the run's files
are in reads $TMP. scripts/refresh-pinned-reports.sh calls the refresh mode.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))

# Machine-dependent fields, as dotted paths (every other field is pinned).
EXCLUDED = {
    "simulation.wall_seconds",
    "simulation.cpu_seconds",
    "simulation.simulated_tokens_per_wall_s",
}

# name -> commands; {etchsim}, {src} and {tmp} are substituted, the last command writes
# {tmp}/report.json. The flagship is `etchsim run` with no arguments (docs/validation.md's figures).
REPORTS = {
    "flagship": [["{etchsim}", "run", "--report", "{tmp}/report.json"]],
    "tiny-functional": [
        ["{etchsim}", "synth", "--shape", "tiny", "--seed", "7", "-o", "{tmp}/tiny.gguf"],
        ["{etchsim}", "run", "{tmp}/tiny.gguf", "--config", "{src}/configs/tiny.toml",
         "--prompt", "The chip reads its weights from silicon", "-n", "8",
         "--mode", "functional", "--report", "{tmp}/report.json"],
    ],
}


# The figures docs/validation.md quotes from the flagship report: (field, how the doc prints it).
DOC = "docs/validation.md"
DOC_FIGURES = [
    ("tokens_per_s_per_user", lambda v: f"| {v:,.0f} |"),
    ("transistors", lambda v: f"| {v / 1e9:.1f} B |"),
    ("area_mm2", lambda v: f"| {v:.1f} mm² |"),
    ("power_w", lambda v: f"| {v:.1f} W |"),
    ("energy_j_per_token", lambda v: f"Energy per token {v * 1e3:.1f} mJ"),
]


def flatten(value, prefix, out):
    """Every leaf of a JSON value by its dotted path (array elements as name[i])."""
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list):
        if not value:
            out[prefix] = []
        for i, item in enumerate(value):
            flatten(item, f"{prefix}[{i}]", out)
    else:
        out[prefix] = value


def strip(report):
    """The report without its machine-dependent fields."""
    for path in EXCLUDED:
        node = report
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.get(p, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(leaf, None)
    return report


def run_report(etchsim, name):
    with tempfile.TemporaryDirectory() as tmp:
        for cmd in REPORTS[name]:
            argv = [a.format(etchsim=etchsim, src=SOURCE, tmp=tmp) for a in cmd]
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, timeout=1800)
            if done.returncode != 0:
                sys.exit(f"{name}: `{' '.join(argv)}` exited {done.returncode}:\n{done.stderr}")
        with open(os.path.join(tmp, "report.json"), encoding="utf-8") as f:
            # Paths of the run's own files (the model) read the same on every machine.
            text = f.read().replace(json.dumps(tmp)[1:-1], "$TMP")
        return strip(json.loads(text))


def same(a, b):
    # bool is an int in Python: keep true != 1; 3 and 3.0 differ as printed.
    return type(a) is type(b) and a == b


def check(etchsim):
    failed = False
    for name in REPORTS:
        pinned_path = os.path.join(HERE, f"{name}.json")
        with open(pinned_path, encoding="utf-8") as f:
            pinned = {}
            flatten(strip(json.load(f)), "", pinned)
        actual = {}
        flatten(run_report(etchsim, name), "", actual)
        diffs = []
        for path in pinned.keys() | actual.keys():
            if path not in actual:
                diffs.append(f"  {path}: pinned {json.dumps(pinned[path])}, missing from the run")
            elif path not in pinned:
                diffs.append(f"  {path}: not pinned, the run has {json.dumps(actual[path])}")
            elif not same(pinned[path], actual[path]):
                diffs.append(f"  {path}: pinned {json.dumps(pinned[path])}, "
                             f"run {json.dumps(actual[path])}")
        if diffs:
            failed = True
            diffs.sort()
            print(f"{name}: {len(diffs)} of {len(pinned)} field(s) differ from "
                  f"tests/regression/{name}.json:")
            print("\n".join(diffs[:40]))
            if len(diffs) > 40:
                print(f"  ... and {len(diffs) - 40} more")
        else:
            print(f"{name}: {len(pinned)} fields equal to tests/regression/{name}.json")
    # The doc quotes the pinned flagship: a refresh that moves a figure must update the doc.
    with open(os.path.join(HERE, "flagship.json"), encoding="utf-8") as f:
        flagship = json.load(f)
    with open(os.path.join(SOURCE, DOC), encoding="utf-8") as f:
        doc = f.read()
    for field, shown in DOC_FIGURES:
        text = shown(flagship[field])
        if text not in doc:
            failed = True
            print(f"{DOC} does not quote the pinned {field} as `{text}`")
    if failed:
        print("If the change is intended: scripts/refresh-pinned-reports.sh, and review the diff.")
    return 1 if failed else 0


def refresh(etchsim):
    for name in REPORTS:
        report = run_report(etchsim, name)
        path = os.path.join(HERE, f"{name}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print(f"wrote {os.path.relpath(path, SOURCE)}")
    return 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "refresh"):
        sys.exit(__doc__)
    etchsim = os.path.abspath(sys.argv[2])
    if not os.access(etchsim, os.X_OK):
        sys.exit(f"pinned_reports: {sys.argv[2]} is not an executable etchsim")
    return check(etchsim) if sys.argv[1] == "check" else refresh(etchsim)


if __name__ == "__main__":
    sys.exit(main())
